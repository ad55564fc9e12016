package handlers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks"
	magiclinksdiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	orgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/methodoptions"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"
)

// Membership says why an organization is offered to an email, in Stytch's words.
const (
	ActiveMember     = "active_member"
	PendingMember    = "pending_member"
	InvitedMember    = "invited_member"
	EligibleByDomain = "eligible_to_join_by_email_domain"
)

// Org is an organization as the app uses it: what to show and why it is offered.
type Org struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Slug       string `json:"slug"`
	LogoURL    string `json:"logo_url,omitempty"`
	Membership string `json:"membership"`       // one of the constants above
	Domain     string `json:"domain,omitempty"` // for EligibleByDomain
}

// Discovery is what a discovery magic link yields: the IST and every org the email may enter.
type Discovery struct {
	IST   string
	Email string
	Orgs  []Org
}

// Session is a Stytch member session and what the dashboard shows of it.
type Session struct {
	Token     string
	JWT       string
	MemberID  string
	Email     string
	Org       Org
	Roles     []string
	ExpiresAt time.Time
}

// Stytch is every Stytch call the app makes. StytchClient implements it with the real SDK;
// tests point that SDK at the emulator.
type Stytch interface {
	SendDiscoveryEmail(ctx context.Context, email, redirectURL string) error
	AuthenticateDiscoveryLink(ctx context.Context, token string) (Discovery, error)
	ExchangeIST(ctx context.Context, ist, orgID string) (Session, error)
	CreateOrg(ctx context.Context, ist, name, slug string) (Session, error)
	AuthenticateMagicLink(ctx context.Context, token string) (Session, error)
	// AuthenticateSession verifies the session JWT locally while it is fresh; otherwise it asks
	// Stytch, and then refreshed is true and s carries a new JWT plus member and org details.
	AuthenticateSession(ctx context.Context, jwt string) (s Session, refreshed bool, err error)
	ListOrgs(ctx context.Context, sessionToken string) ([]Org, error)
	ExchangeSession(ctx context.Context, sessionToken, orgID string) (Session, error)
	Revoke(ctx context.Context, sessionToken string) error

	// Organization admin (admin.go). sessionToken is the acting member's: Stytch runs each call
	// with that member's permissions (RBAC), on top of the app's own IsAdmin check.
	Members(ctx context.Context, sessionToken, orgID string) (members []OrgMember, total int, err error)
	FindMember(ctx context.Context, sessionToken, orgID, memberID string) (OrgMember, error)
	Invite(ctx context.Context, sessionToken, orgID, invitedBy, email, redirectURL string) error
	DeleteMember(ctx context.Context, sessionToken, orgID, memberID string) error
	OrgSettings(ctx context.Context, orgID string) (OrgSettings, error)
	UpdateOrgSettings(ctx context.Context, sessionToken, orgID string, s OrgSettings) (OrgSettings, error)
}

// Errors the app maps to messages (renderError); each wraps the Stytch error for the logs.
var (
	ErrLinkExpired    = errors.New("magic link expired or already used")
	ErrLinkNotFound   = errors.New("magic link not found")
	ErrChoiceExpired  = errors.New("intermediate session expired")
	ErrSessionEnded   = errors.New("session not found, expired or revoked")
	ErrOrgNotFound    = errors.New("organization not found")
	ErrNotEligible    = errors.New("not allowed into that organization")
	ErrSlugTaken      = errors.New("organization slug already used")
	ErrSlugInvalid    = errors.New("organization slug invalid")
	ErrNameInvalid    = errors.New("organization name invalid")
	ErrEmailInvalid   = errors.New("email address rejected")
	ErrRateLimited    = errors.New("rate limited")
	ErrStytchDown     = errors.New("stytch unreachable or failing")
	ErrMFARequired    = errors.New("organization requires another factor")
	ErrStytchRejected = errors.New("stytch rejected the request")
)

// Errors of the organization admin calls.
var (
	ErrMemberNotFound   = errors.New("member not found in this organization")
	ErrMemberActive     = errors.New("member already active")
	ErrInvitesOff       = errors.New("organization does not allow email invites")
	ErrInviteDomain     = errors.New("email domain not allowed for invites")
	ErrDomainTooCommon  = errors.New("allowed domain is a common consumer domain")
	ErrDomainInvalid    = errors.New("allowed domain is malformed")
	ErrSettingsConflict = errors.New("organization settings combination refused")
)

// StytchClient is the Stytch interface on the real SDK (stytch-go v16).
type StytchClient struct {
	api         *b2bstytchapi.API
	timeout     time.Duration // deadline for every call
	maxTokenAge time.Duration // how long a session JWT is trusted without asking Stytch
	duration    int32         // session_duration_minutes for new sessions
	verified    verifiedJWTs  // JWTs already verified locally, until they are too old
}

// NewStytchClient wraps an SDK client. timeout bounds each call; sessions last duration.
func NewStytchClient(api *b2bstytchapi.API, timeout time.Duration, duration time.Duration) *StytchClient {
	return &StytchClient{api: api, timeout: timeout, maxTokenAge: 5 * time.Minute, duration: int32(duration / time.Minute)}
}

func (c *StytchClient) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

// SendDiscoveryEmail implements Stytch.
func (c *StytchClient) SendDiscoveryEmail(ctx context.Context, email, redirectURL string) error {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	_, err := c.api.MagicLinks.Email.Discovery.Send(ctx, &emaildiscovery.SendParams{
		EmailAddress: email, DiscoveryRedirectURL: redirectURL,
	})
	return mapErr("send discovery email", err)
}

// AuthenticateDiscoveryLink implements Stytch.
func (c *StytchClient) AuthenticateDiscoveryLink(ctx context.Context, token string) (Discovery, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.api.MagicLinks.Discovery.Authenticate(ctx, &magiclinksdiscovery.AuthenticateParams{
		DiscoveryMagicLinksToken: token,
	})
	if err != nil {
		return Discovery{}, mapErr("authenticate discovery link", err)
	}
	return Discovery{IST: resp.IntermediateSessionToken, Email: resp.EmailAddress, Orgs: discovered(resp.DiscoveredOrganizations)}, nil
}

// ExchangeIST implements Stytch.
func (c *StytchClient) ExchangeIST(ctx context.Context, ist, orgID string) (Session, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.api.Discovery.IntermediateSessions.Exchange(ctx, &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: ist, OrganizationID: orgID, SessionDurationMinutes: c.duration,
	})
	if err != nil {
		return Session{}, mapErr("exchange intermediate session", err)
	}
	if !resp.MemberAuthenticated || resp.SessionToken == "" || resp.MemberSession == nil {
		return Session{}, fmt.Errorf("exchange intermediate session: %w", ErrMFARequired)
	}
	return session(resp.SessionToken, resp.SessionJWT, resp.MemberSession, &resp.Member, &resp.Organization), nil
}

// CreateOrg implements Stytch.
func (c *StytchClient) CreateOrg(ctx context.Context, ist, name, slug string) (Session, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.api.Discovery.Organizations.Create(ctx, &organizations.CreateParams{
		IntermediateSessionToken: ist, OrganizationName: name, OrganizationSlug: slug,
		SessionDurationMinutes: c.duration,
	})
	if err != nil {
		return Session{}, mapErr("create organization", err)
	}
	if !resp.MemberAuthenticated || resp.SessionToken == "" || resp.MemberSession == nil || resp.Organization == nil {
		return Session{}, fmt.Errorf("create organization: %w", ErrMFARequired)
	}
	return session(resp.SessionToken, resp.SessionJWT, resp.MemberSession, &resp.Member, resp.Organization), nil
}

// AuthenticateMagicLink implements Stytch (invitation and organization login links).
func (c *StytchClient) AuthenticateMagicLink(ctx context.Context, token string) (Session, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.api.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{
		MagicLinksToken: token, SessionDurationMinutes: c.duration,
	})
	if err != nil {
		return Session{}, mapErr("authenticate magic link", err)
	}
	if !resp.MemberAuthenticated || resp.SessionToken == "" || resp.MemberSession == nil {
		return Session{}, fmt.Errorf("authenticate magic link: %w", ErrMFARequired)
	}
	return session(resp.SessionToken, resp.SessionJWT, resp.MemberSession, &resp.Member, &resp.Organization), nil
}

// AuthenticateSession implements Stytch.
func (c *StytchClient) AuthenticateSession(ctx context.Context, jwt string) (Session, bool, error) {
	if s, ok := c.verified.get(jwt, time.Now()); ok {
		return s, false, nil
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.api.Sessions.AuthenticateJWT(ctx, &sessions.AuthenticateJWTParams{
		Body: &sessions.AuthenticateParams{SessionJWT: jwt}, MaxTokenAge: c.maxTokenAge,
	})
	if err != nil {
		return Session{}, false, mapErr("authenticate session", err)
	}
	if resp.SessionJWT == "" { // verified locally: only the member session is known
		s := session("", jwt, &resp.MemberSession, nil, nil)
		c.verified.put(jwt, s, c.maxTokenAge, time.Now())
		return s, false, nil
	}
	return session(resp.SessionToken, resp.SessionJWT, &resp.MemberSession, &resp.Member, &resp.Organization), true, nil
}

// ListOrgs implements Stytch: the orgs a signed-in member can switch to.
func (c *StytchClient) ListOrgs(ctx context.Context, sessionToken string) ([]Org, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.api.Discovery.Organizations.List(ctx, &organizations.ListParams{SessionToken: sessionToken})
	if err != nil {
		return nil, mapErr("list organizations", err)
	}
	return discovered(resp.DiscoveredOrganizations), nil
}

// ExchangeSession implements Stytch: switch organization without a new email.
func (c *StytchClient) ExchangeSession(ctx context.Context, sessionToken, orgID string) (Session, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.api.Sessions.Exchange(ctx, &sessions.ExchangeParams{
		SessionToken: sessionToken, OrganizationID: orgID, SessionDurationMinutes: c.duration,
	})
	if err != nil {
		return Session{}, mapErr("exchange session", err)
	}
	if !resp.MemberAuthenticated || resp.SessionToken == "" {
		return Session{}, fmt.Errorf("exchange session: %w", ErrMFARequired)
	}
	return session(resp.SessionToken, resp.SessionJWT, &resp.MemberSession, &resp.Member, &resp.Organization), nil
}

// Revoke implements Stytch. A session Stytch no longer knows is already gone: not an error.
func (c *StytchClient) Revoke(ctx context.Context, sessionToken string) error {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	_, err := c.api.Sessions.Revoke(ctx, &sessions.RevokeParams{SessionToken: sessionToken})
	if err = mapErr("revoke session", err); errors.Is(err, ErrSessionEnded) {
		return nil
	}
	return err
}

// discovered converts Stytch's discovered organizations, skipping ones the app can't offer.
func discovered(in []discovery.DiscoveredOrganization) []Org {
	out := make([]Org, 0, len(in))
	for _, d := range in {
		if d.Organization == nil || d.Membership == nil {
			continue
		}
		o := orgOf(d.Organization)
		o.Membership = d.Membership.Type
		switch o.Membership {
		case ActiveMember, PendingMember, InvitedMember:
		case EligibleByDomain:
			if dom, ok := d.Membership.Details["domain"].(string); ok {
				o.Domain = dom
			}
		default: // e.g. eligible_to_join_by_oauth_tenant: needs a flow this app doesn't offer
			continue
		}
		out = append(out, o)
	}
	return out
}

func orgOf(o *orgs.Organization) Org {
	return Org{ID: o.OrganizationID, Name: o.OrganizationName, Slug: o.OrganizationSlug, LogoURL: o.OrganizationLogoURL}
}

func session(token, jwt string, ms *sessions.MemberSession, m *orgs.Member, o *orgs.Organization) Session {
	s := Session{Token: token, JWT: jwt, MemberID: ms.MemberID, Roles: ms.Roles, Org: Org{ID: ms.OrganizationID, Membership: ActiveMember}}
	if ms.ExpiresAt != nil {
		s.ExpiresAt = *ms.ExpiresAt
	}
	if m != nil {
		s.Email = m.EmailAddress
		if len(s.Roles) == 0 {
			for _, r := range m.Roles {
				s.Roles = append(s.Roles, r.RoleID)
			}
		}
	}
	if o != nil && o.OrganizationID != "" {
		s.Org = orgOf(o)
		s.Org.Membership = ActiveMember
	}
	return s
}

// mapErr turns an SDK error into one of the app's sentinels, keeping the original for the logs.
// It is the one place that knows Stytch's error types.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var se stytcherror.Error
	if !errors.As(err, &se) {
		var ne net.Error
		// Transport failures (*url.Error is a net.Error) and, from a proxy in front of Stytch,
		// error bodies that aren't Stytch's JSON: the SDK wraps no type for the latter.
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) || strings.Contains(err.Error(), "error decoding http request") {
			return fmt.Errorf("%s: %w: %w", op, ErrStytchDown, err)
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	var kind error
	switch string(se.ErrorType) {
	case "unable_to_auth_magic_link":
		kind = ErrLinkExpired
	case "magic_link_not_found":
		kind = ErrLinkNotFound
	case "intermediate_session_not_found":
		kind = ErrChoiceExpired
	case "session_not_found":
		kind = ErrSessionEnded
	case "organization_not_found":
		kind = ErrOrgNotFound
	case "organization_slug_already_used":
		kind = ErrSlugTaken
	case "invalid_organization_slug":
		kind = ErrSlugInvalid
	case "invalid_organization_name", "organization_name_includes_banned_words":
		kind = ErrNameInvalid
	case "invalid_email", "inactive_email":
		kind = ErrEmailInvalid
	case "too_many_requests":
		kind = ErrRateLimited
	case "invalid_intermediate_session_token_for_organization", "email_jit_provisioning_not_allowed",
		"invalid_email_for_jit_provisioning", "insufficient_factors_for_session_exchange":
		kind = ErrNotEligible
	case "member_not_found": // exchanging into an org without a membership, or an admin call on a removed member
		kind = fmt.Errorf("%w (%w)", ErrNotEligible, ErrMemberNotFound)
	case "session_authorization_error", "session_authorization_tenancy_error":
		kind = ErrNotAdmin
	case "member_already_active":
		kind = ErrMemberActive
	case "email_invites_not_allowed":
		kind = ErrInvitesOff
	case "invalid_email_for_invites":
		kind = ErrInviteDomain
	case "organization_settings_domain_too_common":
		kind = ErrDomainTooCommon
	case "organization_settings_invalid_domain", "invalid_email_allowed_domains":
		kind = ErrDomainInvalid
	case "invalid_organization_auth_factor_setting":
		kind = ErrSettingsConflict
	default:
		switch {
		case se.StatusCode == 429:
			kind = ErrRateLimited
		case se.StatusCode >= 500:
			kind = ErrStytchDown
		default:
			kind = ErrStytchRejected
		}
	}
	return fmt.Errorf("%s: %w: %w", op, kind, se)
}

// OrgMember is a member of an organization as the admin pages show it.
type OrgMember struct {
	ID     string
	Email  string
	Name   string
	Status string // "active", "invited" or "pending" (deleted members are never listed)
	Admin  bool   // holds stytch_admin
}

// OrgSettings are the organization settings this app lets admins change (and show).
type OrgSettings struct {
	AllowedDomains []string // email_allowed_domains
	JITByDomain    bool     // email_jit_provisioning: true = RESTRICTED, false = NOT_ALLOWED
	EmailInvites   string   // email_invites (read only here): ALL_ALLOWED, RESTRICTED or NOT_ALLOWED
}

// maxMembersListed bounds one member search (Stytch's maximum page size).
const maxMembersListed = 1000

// asMember runs a call with the member's permissions (X-Stytch-Member-Session).
func asMember(sessionToken string) methodoptions.Authorization {
	return methodoptions.Authorization{SessionToken: sessionToken}
}

// needSession refuses an admin call without a member session: without the header, Stytch would
// run it with the project's full rights instead of the member's.
func needSession(op, sessionToken string) error {
	if sessionToken == "" {
		return fmt.Errorf("%s: no member session token: %w", op, ErrSessionEnded)
	}
	return nil
}

// Members implements Stytch: the organization's members (not deleted ones), up to
// maxMembersListed, and how many there are in all.
func (c *StytchClient) Members(ctx context.Context, sessionToken, orgID string) ([]OrgMember, int, error) {
	if err := needSession("search members", sessionToken); err != nil {
		return nil, 0, err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.api.Organizations.Members.Search(ctx, &members.SearchParams{
		OrganizationIds: []string{orgID}, Limit: maxMembersListed,
	}, &members.SearchRequestOptions{Authorization: asMember(sessionToken)})
	if err != nil {
		return nil, 0, mapErr("search members", err)
	}
	out := make([]OrgMember, 0, len(resp.Members))
	for _, m := range resp.Members {
		if m.OrganizationID == orgID {
			out = append(out, orgMember(m))
		}
	}
	return out, max(len(out), int(resp.ResultsMetadata.Total)), nil
}

// FindMember implements Stytch: one member of the organization, or ErrMemberNotFound.
func (c *StytchClient) FindMember(ctx context.Context, sessionToken, orgID, memberID string) (OrgMember, error) {
	if err := needSession("find member", sessionToken); err != nil {
		return OrgMember{}, err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.api.Organizations.Members.Search(ctx, &members.SearchParams{
		OrganizationIds: []string{orgID}, Limit: 1,
		Query: &orgs.SearchQuery{Operator: orgs.SearchQueryOperatorAND, Operands: []map[string]any{
			{"filter_name": "member_ids", "filter_value": []string{memberID}},
		}},
	}, &members.SearchRequestOptions{Authorization: asMember(sessionToken)})
	if err != nil {
		return OrgMember{}, mapErr("find member", err)
	}
	for _, m := range resp.Members {
		if m.MemberID == memberID && m.OrganizationID == orgID {
			return orgMember(m), nil
		}
	}
	return OrgMember{}, fmt.Errorf("find member: %w", ErrMemberNotFound)
}

// Invite implements Stytch: email an invitation (a multi_tenant_magic_links link to redirectURL,
// valid a week). Inviting an invited member again sends a fresh link.
func (c *StytchClient) Invite(ctx context.Context, sessionToken, orgID, invitedBy, emailAddress, redirectURL string) error {
	if err := needSession("invite member", sessionToken); err != nil {
		return err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	_, err := c.api.MagicLinks.Email.Invite(ctx, &email.InviteParams{
		OrganizationID: orgID, EmailAddress: emailAddress, InviteRedirectURL: redirectURL, InvitedByMemberID: invitedBy,
	}, &email.InviteRequestOptions{Authorization: asMember(sessionToken)})
	return mapErr("invite member", err)
}

// DeleteMember implements Stytch: the member is deleted (for an invited member: the invitation
// is revoked and its link stops working).
func (c *StytchClient) DeleteMember(ctx context.Context, sessionToken, orgID, memberID string) error {
	if err := needSession("delete member", sessionToken); err != nil {
		return err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	_, err := c.api.Organizations.Members.Delete(ctx, &members.DeleteParams{OrganizationID: orgID, MemberID: memberID},
		&members.DeleteRequestOptions{Authorization: asMember(sessionToken)})
	return mapErr("delete member", err)
}

// OrgSettings implements Stytch. (Organizations.Get takes no member session in stytch-go v16:
// the caller checks the admin role itself.)
func (c *StytchClient) OrgSettings(ctx context.Context, orgID string) (OrgSettings, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.api.Organizations.Get(ctx, &orgs.GetParams{OrganizationID: orgID})
	if err != nil {
		return OrgSettings{}, mapErr("get organization", err)
	}
	return orgSettings(resp.Organization), nil
}

// UpdateOrgSettings implements Stytch. The SDK omits empty lists, so an empty AllowedDomains
// leaves the organization's domains unchanged: callers must not promise to clear them.
func (c *StytchClient) UpdateOrgSettings(ctx context.Context, sessionToken, orgID string, s OrgSettings) (OrgSettings, error) {
	if err := needSession("update organization", sessionToken); err != nil {
		return OrgSettings{}, err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	jit := "NOT_ALLOWED"
	if s.JITByDomain {
		jit = "RESTRICTED"
	}
	resp, err := c.api.Organizations.Update(ctx, &orgs.UpdateParams{
		OrganizationID: orgID, EmailAllowedDomains: s.AllowedDomains, EmailJITProvisioning: jit,
	}, &orgs.UpdateRequestOptions{Authorization: asMember(sessionToken)})
	if err != nil {
		return OrgSettings{}, mapErr("update organization", err)
	}
	return orgSettings(resp.Organization), nil
}

func orgMember(m orgs.Member) OrgMember {
	return OrgMember{ID: m.MemberID, Email: m.EmailAddress, Name: m.Name, Status: m.Status, Admin: m.IsAdmin}
}

func orgSettings(o orgs.Organization) OrgSettings {
	return OrgSettings{AllowedDomains: o.EmailAllowedDomains, JITByDomain: o.EmailJITProvisioning == "RESTRICTED", EmailInvites: o.EmailInvites}
}
