package stytchb2b

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks"
	magiclinksdiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	orgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
)

// Client makes the app's Stytch calls with the real SDK (stytch-go v16).
type Client struct {
	api         *b2bstytchapi.API
	timeout     time.Duration // deadline for every call
	maxTokenAge time.Duration // how long a session JWT is trusted without asking Stytch
	duration    int32         // session_duration_minutes for new sessions
	verified    verifiedJWTs  // JWTs already verified locally, until they are too old
	policies    policyCache   // the project's RBAC policy, for what pages offer
}

// New wraps an SDK client. timeout bounds each call; sessions last duration.
func New(api *b2bstytchapi.API, timeout time.Duration, duration time.Duration) *Client {
	return &Client{api: api, timeout: timeout, maxTokenAge: 5 * time.Minute, duration: int32(duration / time.Minute)}
}

func (c *Client) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

// call makes one SDK call under the client's timeout, its error mapped to a sentinel (op
// names it in the logs).
func call[P, R any](ctx context.Context, c *Client, op string, f func(context.Context, *P) (*R, error), params *P) (*R, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := f(ctx, params)
	return resp, mapErr(op, err)
}

// callAs is call for the SDK calls that take request options (a member's session, whose
// permissions Stytch then enforces).
func callAs[P, R, O any](ctx context.Context, c *Client, op string, f func(context.Context, *P, ...*O) (*R, error), params *P, opts *O) (*R, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := f(ctx, params, opts)
	return resp, mapErr(op, err)
}

// SendDiscoveryEmail emails a discovery magic link that lands on redirectURL.
func (c *Client) SendDiscoveryEmail(ctx context.Context, email, redirectURL string) error {
	_, err := call(ctx, c, "send discovery email", c.api.MagicLinks.Email.Discovery.Send, &emaildiscovery.SendParams{
		EmailAddress: email, DiscoveryRedirectURL: redirectURL,
	})
	return err
}

// AuthenticateDiscoveryLink spends a discovery link: the IST and every org the email may enter.
func (c *Client) AuthenticateDiscoveryLink(ctx context.Context, token string) (Discovery, error) {
	resp, err := call(ctx, c, "authenticate discovery link", c.api.MagicLinks.Discovery.Authenticate, &magiclinksdiscovery.AuthenticateParams{
		DiscoveryMagicLinksToken: token,
	})
	if err != nil {
		return Discovery{}, err
	}
	return Discovery{IST: resp.IntermediateSessionToken, Email: resp.EmailAddress, Orgs: discovered(resp.DiscoveredOrganizations)}, nil
}

// ExchangeIST exchanges the IST for a member session in orgID. When the organization needs a
// second factor first, the error is an *MFARequiredError (so are CreateOrg's,
// AuthenticateMagicLink's and ExchangeSession's).
func (c *Client) ExchangeIST(ctx context.Context, ist, orgID string) (Session, error) {
	resp, err := call(ctx, c, "exchange intermediate session", c.api.Discovery.IntermediateSessions.Exchange, &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: ist, OrganizationID: orgID, SessionDurationMinutes: c.duration,
	})
	if err != nil {
		return Session{}, err
	}
	if !resp.MemberAuthenticated || resp.SessionToken == "" || resp.MemberSession == nil {
		return Session{}, mfaRequired("exchange intermediate session", resp.IntermediateSessionToken, &resp.Member, &resp.Organization, resp.MFARequired, resp.PrimaryRequired)
	}
	return session(resp.SessionToken, resp.SessionJWT, resp.MemberSession, &resp.Member, &resp.Organization), nil
}

// CreateOrg creates an organization with the IST; its creator is signed in as its admin.
func (c *Client) CreateOrg(ctx context.Context, ist, name, slug string) (Session, error) {
	resp, err := call(ctx, c, "create organization", c.api.Discovery.Organizations.Create, &organizations.CreateParams{
		IntermediateSessionToken: ist, OrganizationName: name, OrganizationSlug: slug,
		SessionDurationMinutes: c.duration,
	})
	if err != nil {
		return Session{}, err
	}
	if !resp.MemberAuthenticated || resp.SessionToken == "" || resp.MemberSession == nil || resp.Organization == nil {
		return Session{}, mfaRequired("create organization", resp.IntermediateSessionToken, &resp.Member, resp.Organization, resp.MFARequired, resp.PrimaryRequired)
	}
	return session(resp.SessionToken, resp.SessionJWT, resp.MemberSession, &resp.Member, resp.Organization), nil
}

// AuthenticateMagicLink spends an invitation or organization login link: a session in that org.
func (c *Client) AuthenticateMagicLink(ctx context.Context, token string) (Session, error) {
	resp, err := call(ctx, c, "authenticate magic link", c.api.MagicLinks.Authenticate, &magiclinks.AuthenticateParams{
		MagicLinksToken: token, SessionDurationMinutes: c.duration,
	})
	if err != nil {
		return Session{}, err
	}
	if !resp.MemberAuthenticated || resp.SessionToken == "" || resp.MemberSession == nil {
		return Session{}, mfaRequired("authenticate magic link", resp.IntermediateSessionToken, &resp.Member, &resp.Organization, resp.MFARequired, linkNotAccepted(&resp.Organization))
	}
	return session(resp.SessionToken, resp.SessionJWT, resp.MemberSession, &resp.Member, &resp.Organization), nil
}

// AuthenticateSession verifies the session JWT locally while it is fresh; otherwise it asks
// Stytch, and then refreshed is true and the session carries a new JWT plus member and org details.
func (c *Client) AuthenticateSession(ctx context.Context, jwt string) (Session, bool, error) {
	if s, ok := c.verified.get(jwt, time.Now()); ok {
		return s, false, nil
	}
	resp, err := call(ctx, c, "authenticate session", c.api.Sessions.AuthenticateJWT, &sessions.AuthenticateJWTParams{
		Body: &sessions.AuthenticateParams{SessionJWT: jwt}, MaxTokenAge: c.maxTokenAge,
	})
	if err != nil {
		return Session{}, false, err
	}
	if resp.SessionJWT == "" { // verified locally: only the member session is known
		s := session("", jwt, &resp.MemberSession, nil, nil)
		c.verified.put(jwt, s, c.maxTokenAge, time.Now())
		return s, false, nil
	}
	return session(resp.SessionToken, resp.SessionJWT, &resp.MemberSession, &resp.Member, &resp.Organization), true, nil
}

// RecheckSession asks Stytch itself (never the local JWT check) about a session: the member's
// roles as they are now, and a fresh JWT. With a permission, Stytch also checks that the
// member's roles grant it in orgID (403, ErrForbidden, if not). Admin pages use it so a role
// change takes effect on the next admin request.
func (c *Client) RecheckSession(ctx context.Context, sessionToken, orgID string, need *Permission) (Session, error) {
	var check *sessions.AuthorizationCheck
	if need != nil {
		check = need.check(orgID)
	}
	resp, err := c.authenticateToken(ctx, "recheck session", sessionToken, check)
	if err != nil {
		return Session{}, err
	}
	return session(resp.SessionToken, resp.SessionJWT, &resp.MemberSession, &resp.Member, &resp.Organization), nil
}

// authenticateToken is sessions/authenticate with a session token.
func (c *Client) authenticateToken(ctx context.Context, op, sessionToken string, check *sessions.AuthorizationCheck) (*sessions.AuthenticateResponse, error) {
	if err := needSession(op, sessionToken); err != nil {
		return nil, err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.api.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: sessionToken, AuthorizationCheck: check})
	if err != nil {
		return nil, mapErr(op, err)
	}
	return resp, nil
}

// ListOrgs returns the orgs a signed-in member can switch to.
func (c *Client) ListOrgs(ctx context.Context, sessionToken string) ([]Org, error) {
	resp, err := call(ctx, c, "list organizations", c.api.Discovery.Organizations.List, &organizations.ListParams{SessionToken: sessionToken})
	if err != nil {
		return nil, err
	}
	return discovered(resp.DiscoveredOrganizations), nil
}

// ExchangeSession switches organization without a new email.
func (c *Client) ExchangeSession(ctx context.Context, sessionToken, orgID string) (Session, error) {
	resp, err := call(ctx, c, "exchange session", c.api.Sessions.Exchange, &sessions.ExchangeParams{
		SessionToken: sessionToken, OrganizationID: orgID, SessionDurationMinutes: c.duration,
	})
	if err != nil {
		return Session{}, err
	}
	if !resp.MemberAuthenticated || resp.SessionToken == "" {
		return Session{}, mfaRequired("exchange session", resp.IntermediateSessionToken, &resp.Member, &resp.Organization, resp.MFARequired, resp.PrimaryRequired)
	}
	return session(resp.SessionToken, resp.SessionJWT, &resp.MemberSession, &resp.Member, &resp.Organization), nil
}

// Revoke ends a Stytch session. A session Stytch no longer knows is already gone: not an error.
func (c *Client) Revoke(ctx context.Context, sessionToken string) error {
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
		if d.PrimaryRequired != nil {
			o.PrimaryRequired = append([]string{}, d.PrimaryRequired.AllowedAuthMethods...)
		}
		if m := d.Membership.Member; m != nil {
			o.Admin = m.IsAdmin || slices.ContainsFunc(m.Roles, func(r orgs.MemberRole) bool { return r.RoleID == AdminRoleID })
		}
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
	return Org{ID: o.OrganizationID, Name: o.OrganizationName, Slug: o.OrganizationSlug, LogoURL: o.OrganizationLogoURL, SSO: ssoConns(o)}
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
