// Package views holds the templ components and the small structs they render. Components are
// pure: no database, SDK, environment or globals; everything arrives as arguments.
package views

import (
	"time"

	"github.com/a-h/templ"
)

// LayoutData is what every full page needs: its title and the content-hashed asset URLs.
type LayoutData struct {
	Title   string
	CSS     string      // e.g. /assets/app.3f2a1c9b.css
	JS      string      // e.g. /assets/htmx-2.0.11.min.5d1e2f3a.js
	AppJS   string      // e.g. /assets/app.7c1d2e3f.js: countdowns, local times, plain-form progress
	Icon    string      // e.g. /assets/favicon.0a1b2c3d.svg
	Session *SessionBar // the signed-in header; nil when nobody is signed in
	// Assets, when set, is drawn instead of LayoutAssets(l): the same, rendered earlier (it
	// only depends on the asset URLs).
	Assets templ.Component
	// Header, when set, is drawn instead of SessionHeader(Session, false): the same header
	// rendered earlier (the handlers keep it per member).
	Header templ.Component
}

// SessionBar is the header of signed-in pages: the current organization with a switcher, the
// person's email, logout.
type SessionBar struct {
	Email   string
	OrgID   string
	OrgName string
	OrgLogo string
	Role    string      // "Admin" or "Member"
	Admin   bool        // offer the admin pages (members, settings): a plain member's links would answer 403
	Others  []OrgChoice // the first few organizations to switch to
	More    int         // how many more there are (listed on the dashboard)
}

// Notice is a one-line message shown above a form (what happened, what to do next).
type Notice struct {
	Kind string // "info" or "error"
	Text string
}

// LoginData renders the email form.
type LoginData struct {
	Email    string
	Error    string   // problem with the email field
	Cooldown Cooldown // the form was sent too soon after the last link
	NewOrg   bool     // the link asked for is for creating another organization
	Notice   Notice
	OAuth    []Provider // "Continue with …" buttons; none when the app has no public token
}

// Provider is an OAuth provider offered on the email form.
type Provider struct {
	ID   string // "google", "microsoft": POST /oauth/{ID} starts it
	Name string // "Google"
}

// Cooldown explains a refused send in the form that was sent: why, and a countdown.
type Cooldown struct {
	Text    string // the sentence before the countdown, e.g. "We sent a link to … You can ask for another in"
	Seconds int    // seconds left; 0 = no cooldown
}

// CheckEmailData renders "check your inbox".
type CheckEmailData struct {
	Email      string
	Code       bool     // a one-time code was sent (the page holds the code form), not a link
	CodeError  string   // problem with the typed code
	ResendIn   int      // seconds until another link may be sent; 0 = now
	Cooldown   Cooldown // the resend was refused: the form says why and counts down
	MailboxURL string   // the embedded emulator's inbox (local development only), or ""
	NewOrg     bool     // the link is for creating another organization
}

// ContinueData renders the scanner-safe landing page of a magic link.
type ContinueData struct {
	TokenType string
	Token     string
	Email     string // the address the link was sent to, when known ("" : the page says "this link"; it can't be read without spending the token)
}

// OrgChoice is one organization in the chooser or the dashboard's switcher.
type OrgChoice struct {
	ID      string
	Name    string
	Slug    string
	LogoURL string
	Reason  string // plain words: why this org is listed (for members, their role)
	Group   string // "member", "invited", "domain"
	Verb    string // what the row's button does: Continue, Accept invitation, Join, Switch
	Last    bool   // the org this email entered last
	Primary bool   // the only choice: its button is the page's primary action
	Needs   string // the sign-in method entering it asks for first, in words ("" = none)
}

// ChooserData renders the organization chooser.
type ChooserData struct {
	Email       string
	MinutesLeft int
	ExpiresAt   time.Time
	Query       string      // the filter box's text
	Searchable  bool        // show the filter box (more than a handful of orgs)
	Total       int         // orgs offered in all, before filtering
	Orgs        []OrgChoice // after filtering, last used first
	Create      CreateOrgData
	NewOrg      bool // the person came to create another organization: the form is open
}

// CreateOrgData renders the "create a new organization" form.
type CreateOrgData struct {
	Name   string
	Slug   string
	Errors FieldErrors // by field name: FieldOrgName, FieldOrgSlug
	First  bool        // no organization exists for this email: the form is the page's main action
	// SignedIn: a signed-in person creates another organization in one step (POST /orgs/new),
	// rather than with the chooser's sign-in (POST /orgs/create).
	SignedIn bool
}

// DashboardData renders the signed-in home.
type DashboardData struct {
	Email       string
	OrgID       string
	OrgName     string
	OrgLogo     string
	Slug        string
	Role        string // "Admin" or "Member"
	ExpiresAt   time.Time
	Now         time.Time   // for "in 7 days"
	Others      []OrgChoice // orgs this member can switch to
	Notice      Notice      // what just happened (joined, switched, created)
	CanMembers  bool        // the member's roles allow listing the members (Stytch RBAC)
	CanSettings bool        // … and editing who can join
	// Orgs, when set, is drawn instead of DashboardOrgs(d): the same, rendered earlier.
	Orgs templ.Component
}

// MembersData renders the member list of the current organization (GET /members).
type MembersData struct {
	OrgName string
	Admin   bool        // the viewer may invite, resend and revoke
	Members []MemberRow // one page of the search: active first, then invited and pending; by email within each
	Total   int         // members matching the filter, in all pages
	Invite  InviteData
	Notice  Notice
	Can     MemberPowers // what else the viewer may do to others (members_admin.templ)
	Filter  MemberFilter // the list's search and filters, and its pages
	Roles   []RoleOption // the roles an admin may assign (the policy's, but stytch_member)
}

// MemberRow is one member in the list.
type MemberRow struct {
	ID     string
	Email  string
	Name   string
	Status string   // "active", "invited" or "pending"
	Role   string   // how the roles read: "Admin", "Member", or the custom roles' names
	You    bool     // the viewer
	Roles  []string // role IDs held (not stytch_member): the roles form's ticked boxes
}

// InviteData renders the invite form; POST /members/invite re-renders it (422) on a bad address.
type InviteData struct {
	Email    string
	Error    string
	Cooldown Cooldown     // sent too soon: why, and when they may try again
	Roles    []RoleOption // roles the inviter may give (as on the member rows); none: no picker
	Chosen   []string     // the role IDs ticked, kept on a refusal
}

// SettingsData renders the organization's join settings (GET /settings).
type SettingsData struct {
	NoticeFor    string // the section its notice is about ("profile", "methods", "join", "mfa"); "" for the top
	OrgName      string
	Domains      string      // allowed email domains, one a line (as typed, on a 422)
	JIT          bool        // people at those domains may join without an invite
	HasDomains   bool        // the organization already has allowed domains (the list can't be emptied)
	MaxDomains   int         // how many domains the form accepts
	EmailInvites string      // who may be invited, in plain words
	Errors       FieldErrors // by field name: FieldAllowedDomains, FieldJITByDomain
	Notice       Notice
	MFA          MFASettingsData // the second sign-in step's policy (its own form)
	Profile      ProfileData     // name, URL name, logo (its own form; settings_org.templ)
	Methods      MethodsData     // sign-in methods and invitations (its own form)
	Delete       DeleteOrgData   // deleting the organization (its own form)
}
