package emulator_test

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgpick/orgpick/emulator"
	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/methodoptions"
)

func authMagicLink(e *env, tok string) (*magiclinks.AuthenticateResponse, error) {
	return e.client.MagicLinks.Authenticate(e.ctx, &magiclinks.AuthenticateParams{MagicLinksToken: tok})
}

// inviter returns an invite call into orgID (unless p names another org) to redirect (unless p
// names another URL), with the project secret when auth is nil and as auth's session otherwise.
func inviter(e *env, orgID string) func(p *email.InviteParams, auth *methodoptions.Authorization) (*email.InviteResponse, error) {
	return func(p *email.InviteParams, auth *methodoptions.Authorization) (*email.InviteResponse, error) {
		if p.OrganizationID == "" {
			p.OrganizationID = orgID
		}
		if p.InviteRedirectURL == "" {
			p.InviteRedirectURL = redirect
		}
		if auth == nil {
			return e.client.MagicLinks.Email.Invite(e.ctx, p)
		}
		return e.client.MagicLinks.Email.Invite(e.ctx, p, &email.InviteRequestOptions{Authorization: *auth})
	}
}

func TestInviteAndAuthenticate(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, acme, orgID := newAcme(t)
	inviteAs := inviter(e, orgID)

	t.Run("invite by admin session, accept by link", func(t *testing.T) {
		resp, err := inviteAs(&email.InviteParams{EmailAddress: "Bob@Beta.io", Name: "Bob"},
			&methodoptions.Authorization{SessionToken: acme.SessionToken})
		mustOK(t, err)
		if resp.Member.Status != "invited" || resp.Member.Name != "Bob" || resp.Member.EmailAddress != "bob@beta.io" {
			t.Fatalf("member = %+v", resp.Member)
		}
		msgs, err := e.emu.Mailbox(e.ctx, "bob@beta.io")
		mustOK(t, err)
		if len(msgs) != 1 || msgs[0].Kind != "invite" || msgs[0].OrganizationID != orgID {
			t.Fatalf("mail = %+v", msgs)
		}
		u, _ := url.Parse(msgs[0].Link)
		if u.Query().Get("stytch_token_type") != "multi_tenant_magic_links" {
			t.Errorf("link = %s", msgs[0].Link)
		}
		tok := u.Query().Get("token")
		auth, err := authMagicLink(e, tok)
		mustOK(t, err)
		if auth.Member.Status != "active" || !auth.Member.EmailAddressVerified || auth.SessionToken == "" || auth.OrganizationID != orgID ||
			!strings.HasPrefix(auth.MethodID, "email-test-") || auth.MemberSession.MemberID != resp.MemberID {
			t.Fatalf("auth = %+v", auth)
		}
		_, err = e.client.Sessions.AuthenticateJWTLocal(e.ctx, auth.SessionJWT, time.Minute, nil)
		mustOK(t, err)
		_, err = authMagicLink(e, tok)
		wantStytchError(t, err, 401, "unable_to_auth_magic_link")
	})
	t.Run("re-invite of invited member re-sends", func(t *testing.T) {
		first, err := inviteAs(&email.InviteParams{EmailAddress: "cat@beta.io"}, nil)
		mustOK(t, err)
		again, err := inviteAs(&email.InviteParams{EmailAddress: "cat@beta.io"}, nil)
		mustOK(t, err)
		msgs, _ := e.emu.Mailbox(e.ctx, "cat@beta.io")
		if again.MemberID != first.MemberID || len(msgs) != 2 {
			t.Fatalf("member %s vs %s, %d mails", first.MemberID, again.MemberID, len(msgs))
		}
	})
	t.Run("invite link expires after a week", func(t *testing.T) {
		_, err := inviteAs(&email.InviteParams{EmailAddress: "old@beta.io"}, nil)
		mustOK(t, err)
		_, tok := e.lastLink("old@beta.io")
		e.emu.Advance(7*24*time.Hour + time.Minute)
		_, err = authMagicLink(e, tok)
		wantStytchError(t, err, 401, "unable_to_auth_magic_link")
	})
}

func TestInviteRefused(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and the last changes the org's settings.
	e, _, orgID := newAcme(t)
	inviteAs := inviter(e, orgID)
	adaSession := e.signUp("ada@acme.com", "Ada2", "ada2").SessionToken // ada's session in a second org
	invite(t, e, orgID, "bob@beta.io")
	bobTok := joinOrg(t, e, orgID, "bob@beta.io") // bob accepted his invite: a plain member
	other := e.signUp("zed@zed.io", "Zed", "zed")

	tests := []struct {
		name   string
		p      email.InviteParams
		auth   *methodoptions.Authorization
		status int
		typ    string
	}{
		{"active member", email.InviteParams{EmailAddress: "ADA@acme.com"}, nil, 400, "member_already_active"},
		{"invalid email", email.InviteParams{EmailAddress: "nope"}, nil, 400, "invalid_email"},
		{"unknown org", email.InviteParams{OrganizationID: "organization-test-nope", EmailAddress: "x@y.io"}, nil, 404, "organization_not_found"},
		{"bad redirect", email.InviteParams{EmailAddress: "x@y.io", InviteRedirectURL: "https://evil.example/"}, nil, 400, "no_match_for_provided_magic_link_url"},
		{"non-admin session", email.InviteParams{EmailAddress: "x@y.io"}, &methodoptions.Authorization{SessionToken: bobTok}, 403, "session_authorization_error"},
		{"admin of another org", email.InviteParams{EmailAddress: "x@y.io"}, &methodoptions.Authorization{SessionToken: other.SessionToken}, 403, "session_authorization_tenancy_error"},
		{"unknown role", email.InviteParams{EmailAddress: "x@y.io", Roles: []string{"owner"}}, nil, 400, "invalid_rbac_role_id"},
		{"explicit stytch_member", email.InviteParams{EmailAddress: "x@y.io", Roles: []string{"stytch_member"}}, nil, 400, "cannot_assign_default_rbac_role_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			_, err := inviteAs(&p, tt.auth)
			wantStytchError(t, err, tt.status, tt.typ)
		})
	}
	t.Run("email_invites settings", func(t *testing.T) {
		upd := func(p *organizations.UpdateParams) {
			p.OrganizationID = orgID
			_, err := e.client.Organizations.Update(e.ctx, p)
			mustOK(t, err)
		}
		upd(&organizations.UpdateParams{EmailInvites: "RESTRICTED", EmailAllowedDomains: []string{"acme.com"}})
		_, err := inviteAs(&email.InviteParams{EmailAddress: "x@beta.io"}, nil)
		wantStytchError(t, err, 403, "invalid_email_for_invites")
		_, err = inviteAs(&email.InviteParams{EmailAddress: "new@acme.com", Roles: []string{"stytch_admin"}}, &methodoptions.Authorization{SessionToken: adaSession})
		wantStytchError(t, err, 403, "session_authorization_tenancy_error") // adaSession is in ada2, not acme
		resp, err := inviteAs(&email.InviteParams{EmailAddress: "new@acme.com", Roles: []string{"stytch_admin"}}, nil)
		mustOK(t, err)
		if !resp.Member.IsAdmin {
			t.Errorf("role not applied: %+v", resp.Member.Roles)
		}
		upd(&organizations.UpdateParams{EmailInvites: "NOT_ALLOWED", EmailJITProvisioning: "RESTRICTED"})
		_, err = inviteAs(&email.InviteParams{EmailAddress: "y@acme.com"}, nil)
		wantStytchError(t, err, 403, "email_invites_not_allowed")
	})
}

func TestMagicLinkTokenErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := authMagicLink(e, "CprTtwhnRNiMBiUS2jSLcWYrfuO2POeBNdo5HhW6qTM=")
	wantStytchError(t, err, 404, "magic_link_not_found")
	// A discovery token is not a multi-tenant magic link token.
	_, err = authMagicLink(e, e.sendDiscovery("q@acme.com"))
	wantStytchError(t, err, 404, "magic_link_not_found")
}

func TestLoginOrSignup(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, acme, orgID := newAcme(t)
	los := func(addr string) (*email.LoginOrSignupResponse, error) {
		return e.client.MagicLinks.Email.LoginOrSignup(e.ctx, &email.LoginOrSignupParams{OrganizationID: orgID, EmailAddress: addr,
			LoginRedirectURL: redirect, SignupRedirectURL: "http://localhost:3000/signup"})
	}

	t.Run("active member gets login link", func(t *testing.T) {
		resp, err := los("ada@acme.com")
		mustOK(t, err)
		if resp.MemberCreated || resp.MemberID != acme.MemberID {
			t.Fatalf("resp = %+v", resp)
		}
		msgs, _ := e.emu.Mailbox(e.ctx, "ada@acme.com")
		if msgs[0].Kind != "login" || !strings.HasPrefix(msgs[0].Link, redirect+"?") {
			t.Fatalf("mail = %+v", msgs[0])
		}
		_, tok := e.lastLink("ada@acme.com")
		auth, err := authMagicLink(e, tok)
		mustOK(t, err)
		if auth.MemberID != acme.MemberID {
			t.Errorf("member = %s", auth.MemberID)
		}
	})
	t.Run("no JIT", func(t *testing.T) {
		_, err := los("bob@acme.com")
		wantStytchError(t, err, 403, "email_jit_provisioning_not_allowed")
	})
	t.Run("JIT signup creates pending member", func(t *testing.T) {
		_, err := e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID,
			EmailJITProvisioning: "RESTRICTED", EmailAllowedDomains: []string{"acme.com"}})
		mustOK(t, err)
		resp, err := los("bob@acme.com")
		mustOK(t, err)
		if !resp.MemberCreated || resp.Member.Status != "pending" {
			t.Fatalf("resp = %+v", resp)
		}
		msgs, _ := e.emu.Mailbox(e.ctx, "bob@acme.com")
		if msgs[0].Kind != "signup" || !strings.HasPrefix(msgs[0].Link, "http://localhost:3000/signup?") {
			t.Fatalf("mail = %+v", msgs[0])
		}
		if got := memberships(e.discover("bob@acme.com").DiscoveredOrganizations); got[orgID] != "pending_member" {
			t.Errorf("discovery = %v", got)
		}
		msgs, _ = e.emu.Mailbox(e.ctx, "bob@acme.com") // newest is the discovery link; use the signup one
		u, _ := url.Parse(msgs[1].Link)
		auth, err := authMagicLink(e, u.Query().Get("token"))
		mustOK(t, err)
		if auth.Member.Status != "active" {
			t.Errorf("status = %s", auth.Member.Status)
		}
	})
	t.Run("expired login link", func(t *testing.T) {
		_, err := los("ada@acme.com")
		mustOK(t, err)
		_, tok := e.lastLink("ada@acme.com")
		e.emu.Advance(61 * time.Minute)
		_, err = authMagicLink(e, tok)
		wantStytchError(t, err, 401, "unable_to_auth_magic_link")
	})
}

func TestEmailRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *emulator.Config) {
		c.DisableEmailRateLimit = false
		c.EmailRateBurst = 2
		c.EmailRateInterval = time.Second
	})
	send := func(addr string) error {
		_, err := e.client.MagicLinks.Email.Discovery.Send(e.ctx, &emaildiscovery.SendParams{EmailAddress: addr, DiscoveryRedirectURL: redirect})
		return err
	}
	mustOK(t, send("a@acme.com"))
	mustOK(t, send("a@acme.com"))
	wantStytchError(t, send("A@acme.com"), 429, "too_many_requests")
	mustOK(t, send("b@acme.com")) // per address
	e.emu.Advance(time.Second)
	mustOK(t, send("a@acme.com"))
	wantStytchError(t, send("a@acme.com"), 429, "too_many_requests")

	// Shared with invite.
	su := e.signUp("c@acme.com", "C", "cee")
	_, err := e.client.MagicLinks.Email.Invite(e.ctx, &email.InviteParams{OrganizationID: su.Organization.OrganizationID, EmailAddress: "a@acme.com", InviteRedirectURL: redirect})
	wantStytchError(t, err, 429, "too_many_requests")
}

func TestPersistence(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state", "emu.db")
	cfg := func(c *emulator.Config) { c.DatabasePath = path }

	e1 := newEnv(t, cfg)
	su := e1.signUp("ada@acme.com", "Acme", "acme")
	jwks1, err := e1.client.Sessions.GetJWKS(e1.ctx, &sessions.GetJWKSParams{ProjectID: projectID})
	mustOK(t, err)
	e1.srv.Close()
	mustOK(t, e1.emu.Close())

	e2 := newEnv(t, cfg)
	resp, err := e2.client.Sessions.Authenticate(e2.ctx, &sessions.AuthenticateParams{SessionToken: su.SessionToken})
	mustOK(t, err)
	if resp.Organization.OrganizationSlug != "acme" || resp.Member.MemberID != su.MemberID {
		t.Fatalf("resp = %+v", resp)
	}
	jwks2, err := e2.client.Sessions.GetJWKS(e2.ctx, &sessions.GetJWKSParams{ProjectID: projectID})
	mustOK(t, err)
	if jwks1.Keys[0].Kid != jwks2.Keys[0].Kid || jwks1.Keys[0].N != jwks2.Keys[0].N {
		t.Errorf("signing key changed across restart")
	}
	// The new client verifies a JWT issued before the restart.
	_, err = e2.client.Sessions.AuthenticateJWTLocal(e2.ctx, su.SessionJWT, time.Minute, nil)
	mustOK(t, err)
	msgs, err := e2.emu.Mailbox(e2.ctx, "ada@acme.com")
	mustOK(t, err)
	if len(msgs) != 1 {
		t.Errorf("mailbox not persisted: %d", len(msgs))
	}
	_, err = e2.client.Discovery.Organizations.Create(e2.ctx, &dorgs.CreateParams{IntermediateSessionToken: e2.discover("bob@b.io").IntermediateSessionToken, OrganizationSlug: "ACME"})
	wantStytchError(t, err, 400, "organization_slug_already_used")
}
