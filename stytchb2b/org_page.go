package stytchb2b

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	orgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	otpemail "github.com/stytchauth/stytch-go/v16/stytch/b2b/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
)

// An organization's own sign-in page: its public face by slug, and an email link or code for
// that organization alone.

// OrgFace is an organization's public face for its own sign-in page: name, logo, slug, its
// active SSO connections (default first) and the sign-in methods it accepts.
type OrgFace struct {
	Org
	Methods []string // allowed_auth_methods when auth_methods is RESTRICTED; nil = every method
}

// Accepts reports whether the organization accepts this sign-in method (Stytch's name).
func (f OrgFace) Accepts(method string) bool {
	return f.Methods == nil || slices.Contains(f.Methods, method)
}

// AcceptsSSO reports whether the organization accepts SSO and has an active connection.
func (f OrgFace) AcceptsSSO() bool { return f.Accepts("sso") && len(f.SSO) > 0 }

// OrgPage returns the organization with this slug as its own sign-in page shows it. An unknown
// slug is ErrOrgNotFound (so is an organization ID: the page is by slug only).
func (c *Client) OrgPage(ctx context.Context, slug string) (OrgFace, error) {
	resp, err := call(ctx, c, "get organization by slug", c.api.Organizations.Get, &orgs.GetParams{OrganizationID: slug})
	if err != nil {
		return OrgFace{}, err
	}
	o := resp.Organization
	if !strings.EqualFold(o.OrganizationSlug, slug) {
		return OrgFace{}, fmt.Errorf("get organization by slug: %w", ErrOrgNotFound)
	}
	f := OrgFace{Org: orgOf(&o)}
	if o.AuthMethods == "RESTRICTED" {
		f.Methods = append([]string{}, o.AllowedAuthMethods...)
	}
	return f, nil
}

// SendOrgLoginEmail emails a sign-in link for one organization (Stytch's login_or_signup): it
// lands in that organization with no chooser, as a login or, for a new member the organization
// lets join, a sign-up.
func (c *Client) SendOrgLoginEmail(ctx context.Context, orgID, address, redirectURL string) error {
	_, err := call(ctx, c, "send organization login email", c.api.MagicLinks.Email.LoginOrSignup, &email.LoginOrSignupParams{
		OrganizationID: orgID, EmailAddress: address, LoginRedirectURL: redirectURL, SignupRedirectURL: redirectURL,
	})
	return err
}

// SendOrgLoginCode emails a 6-digit sign-in code for one organization (Stytch's
// otps/email/login_or_signup), the code-sized twin of SendOrgLoginEmail.
func (c *Client) SendOrgLoginCode(ctx context.Context, orgID, address string) error {
	_, err := call(ctx, c, "send organization login code", c.api.OTPs.Email.LoginOrSignup, &otpemail.LoginOrSignupParams{
		OrganizationID: orgID, EmailAddress: address,
	})
	return err
}

// AuthenticateOrgCode spends an organization's email code: a session in it, or an
// *MFARequiredError when it wants a second factor (or another sign-in method).
func (c *Client) AuthenticateOrgCode(ctx context.Context, orgID, address, code string) (Session, error) {
	resp, err := call(ctx, c, "authenticate organization code", c.api.OTPs.Email.Authenticate, &otpemail.AuthenticateParams{
		OrganizationID: orgID, EmailAddress: address, Code: code, SessionDurationMinutes: c.duration,
	})
	if err != nil {
		return Session{}, err
	}
	if !resp.MemberAuthenticated || resp.SessionToken == "" {
		return Session{}, mfaRequired("authenticate organization code", resp.IntermediateSessionToken, &resp.Member, &resp.Organization, resp.MFARequired, codeNotAccepted(&resp.Organization))
	}
	return session(resp.SessionToken, resp.SessionJWT, &resp.MemberSession, &resp.Member, &resp.Organization), nil
}

// codeNotAccepted is linkNotAccepted for an email code (v16's answer has no primary_required).
func codeNotAccepted(o *orgs.Organization) *sessions.PrimaryRequired {
	if o.AuthMethods != "RESTRICTED" || slices.Contains(o.AllowedAuthMethods, "email_otp") {
		return nil
	}
	return &sessions.PrimaryRequired{AllowedAuthMethods: o.AllowedAuthMethods}
}
