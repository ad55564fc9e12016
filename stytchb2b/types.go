package stytchb2b

import (
	"slices"
	"time"
)

// Membership says why an organization is offered to an email, in Stytch's words.
const (
	ActiveMember     = "active_member"
	PendingMember    = "pending_member"
	InvitedMember    = "invited_member"
	EligibleByDomain = "eligible_to_join_by_email_domain"
)

// AdminRoleID is the ID of Stytch's built-in admin role.
const AdminRoleID = "stytch_admin"

// Org is an organization as the app uses it: what to show and why it is offered.
type Org struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Slug       string `json:"slug"`
	LogoURL    string `json:"logo_url,omitempty"`
	Membership string `json:"membership"`       // one of the constants above
	Domain     string `json:"domain,omitempty"` // for EligibleByDomain
	Admin      bool   `json:"admin,omitempty"`  // the email's member there holds AdminRoleID (where Stytch describes the member)
	// PrimaryRequired lists the sign-in methods the org accepts when the one used to discover
	// it isn't among them (Stytch's primary_required.allowed_auth_methods): entering it asks
	// for one of them first.
	PrimaryRequired []string `json:"primary_required,omitempty"`
	// SSO are the organization's active SSO connections, its default first (sso.go).
	SSO []SSOConn `json:"sso,omitempty"`
}

// Discovery is what a discovery magic link yields: the IST and every org the email may enter.
// The JSON names are those of the app's stored sessions.
type Discovery struct {
	IST   string `json:"ist"`
	Email string `json:"email"`
	Orgs  []Org  `json:"orgs"`
}

// Offered returns the organization with this ID if Stytch offered it to this email.
func (d Discovery) Offered(orgID string) (Org, bool) { return Find(d.Orgs, orgID) }

// Session is a Stytch member session and what the dashboard shows of it. The JWT is left out
// of the JSON: the app stores it apart (a page view needn't scan it).
type Session struct {
	Token     string    `json:"token"`
	JWT       string    `json:"-"`
	MemberID  string    `json:"member_id"`
	Email     string    `json:"email"`
	Org       Org       `json:"org"`
	Roles     []string  `json:"roles"`
	ExpiresAt time.Time `json:"expires_at"`
}

// IsAdmin reports whether the session holds Stytch's admin role in its org.
func (s Session) IsAdmin() bool { return slices.Contains(s.Roles, AdminRoleID) }

// Find returns the org with this ID from orgs, if it is there.
func Find(orgs []Org, orgID string) (Org, bool) {
	i := slices.IndexFunc(orgs, func(o Org) bool { return o.ID == orgID })
	if orgID == "" || i < 0 {
		return Org{}, false
	}
	return orgs[i], true
}

// OrgMember is a member of an organization as the admin pages show it.
type OrgMember struct {
	ID     string
	Email  string
	Name   string
	Status string   // "active", "invited", "pending" or "deleted" (removed: listed only when asked for)
	Admin  bool     // holds stytch_admin
	Roles  []string // role IDs held, assigned or implied, except stytch_member
}

// OrgSettings are the organization settings this app lets admins change (and show).
type OrgSettings struct {
	AllowedDomains []string // email_allowed_domains
	JITByDomain    bool     // email_jit_provisioning: true = RESTRICTED, false = NOT_ALLOWED
	EmailInvites   string   // email_invites (read only here): ALL_ALLOWED, RESTRICTED or NOT_ALLOWED
	MFAPolicy      string   // mfa_policy (read here; UpdateMFASettings changes it): PolicyOptional or PolicyRequiredAll
	MFAMethods     []string // the MFA methods the organization allows (both unless mfa_methods is RESTRICTED)
	Profile        OrgProfile
	SignIn         SignInMethods // auth_methods, allowed_auth_methods, email_invites (read here; UpdateSignInMethods changes them)
}
