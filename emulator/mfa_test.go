package emulator_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/orgpick/orgpick/emulator"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/totps"
)

func TestMFAPendingOnIntermediateSessionExchange(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, _, orgID, bobID := newAcmeWithBob(t)
	d := e.discover("bob@acme.com")

	t.Run("discovered organization says MFA is needed", func(t *testing.T) {
		if len(d.DiscoveredOrganizations) != 1 {
			t.Fatalf("orgs = %+v", d.DiscoveredOrganizations)
		}
		o := d.DiscoveredOrganizations[0]
		if o.MemberAuthenticated || o.MFARequired == nil || o.MFARequired.MemberOptions != nil || o.MFARequired.SecondaryAuthInitiated != "" {
			t.Fatalf("discovered = %+v, mfa = %+v", o, o.MFARequired)
		}
	})
	exchange := func(ist string) (*intermediatesessions.ExchangeResponse, error) {
		return e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{
			IntermediateSessionToken: ist, OrganizationID: orgID, SessionDurationMinutes: 30})
	}
	resp, err := exchange(d.IntermediateSessionToken)
	mustOK(t, err)
	t.Run("pending shape", func(t *testing.T) {
		if resp.MemberAuthenticated || resp.SessionToken != "" || resp.SessionJWT != "" || resp.MemberSession != nil {
			t.Fatalf("a session was issued: %+v", resp)
		}
		if resp.IntermediateSessionToken == "" || resp.IntermediateSessionToken == d.IntermediateSessionToken {
			t.Errorf("want a fresh IST, got %q", resp.IntermediateSessionToken)
		}
		if resp.MemberID != bobID || resp.Member.MemberID != bobID || resp.Member.Status != "active" || resp.Organization.OrganizationID != orgID {
			t.Errorf("member/org = %+v / %+v", resp.Member, resp.Organization)
		}
		if resp.MFARequired == nil || resp.MFARequired.MemberOptions != nil || resp.MFARequired.SecondaryAuthInitiated != "" || resp.PrimaryRequired != nil {
			t.Errorf("mfa_required = %+v, primary_required = %+v", resp.MFARequired, resp.PrimaryRequired)
		}
	})
	t.Run("wire", func(t *testing.T) {
		status, body := e.postRaw("/v1/b2b/discovery/intermediate_sessions/exchange",
			map[string]any{"intermediate_session_token": d.IntermediateSessionToken, "organization_id": orgID})
		if status != 200 || body["member_authenticated"] != false || body["member_session"] != nil ||
			body["session_token"] != "" || body["session_jwt"] != "" || body["primary_required"] != nil {
			t.Fatalf("%d %v", status, body)
		}
		mfa, ok := body["mfa_required"].(map[string]any)
		if !ok || len(mfa) != 2 || mfa["member_options"] != nil || mfa["secondary_auth_initiated"] != nil {
			t.Fatalf("mfa_required = %#v", body["mfa_required"])
		}
	})
	t.Run("discovery IST stays usable, the new one is bound to the organization", func(t *testing.T) {
		l, err := e.client.Discovery.Organizations.List(e.ctx, &dorgs.ListParams{IntermediateSessionToken: d.IntermediateSessionToken})
		mustOK(t, err)
		if l.OrganizationIDHint != "" {
			t.Errorf("hint on discovery IST = %q", l.OrganizationIDHint)
		}
		l, err = e.client.Discovery.Organizations.List(e.ctx, &dorgs.ListParams{IntermediateSessionToken: resp.IntermediateSessionToken})
		mustOK(t, err)
		if l.OrganizationIDHint != orgID || l.EmailAddress != "bob@acme.com" {
			t.Errorf("list = %+v", l)
		}
	})
	t.Run("the fresh IST is still MFA pending and expires after 10 minutes", func(t *testing.T) {
		again, err := exchange(resp.IntermediateSessionToken)
		mustOK(t, err)
		if again.MemberAuthenticated || again.SessionToken != "" {
			t.Fatalf("exchange with the MFA IST skipped MFA: %+v", again)
		}
		e.emu.Advance(11 * time.Minute)
		_, err = exchange(again.IntermediateSessionToken)
		wantStytchError(t, err, 404, "intermediate_session_not_found")
	})
}

func TestMFAPendingOnDiscoveryCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ist := e.discover("ada@acme.com").IntermediateSessionToken
	resp, err := e.client.Discovery.Organizations.Create(e.ctx, &dorgs.CreateParams{IntermediateSessionToken: ist,
		OrganizationName: "Acme", OrganizationSlug: "acme", MFAPolicy: "REQUIRED_FOR_ALL",
		MFAMethods: "RESTRICTED", AllowedMFAMethods: []string{"totp"}})
	mustOK(t, err)
	if resp.MemberAuthenticated || resp.SessionToken != "" || resp.MemberSession != nil || resp.IntermediateSessionToken == "" {
		t.Fatalf("creator got a session: %+v", resp)
	}
	if resp.Organization == nil || resp.Organization.MFAPolicy != "REQUIRED_FOR_ALL" || resp.Organization.MFAMethods != "RESTRICTED" ||
		len(resp.Organization.AllowedMFAMethods) != 1 || !resp.Member.IsAdmin || resp.MemberID == "" {
		t.Fatalf("org/member = %+v / %+v", resp.Organization, resp.Member)
	}
	if resp.MFARequired == nil || resp.MFARequired.MemberOptions != nil || resp.MFARequired.SecondaryAuthInitiated != "" {
		t.Fatalf("mfa_required = %+v", resp.MFARequired)
	}
	_, a := e.enrollTOTP(resp.Organization.OrganizationID, resp.MemberID, resp.IntermediateSessionToken)
	if got := factorTypes(a.MemberSession.AuthenticationFactors); got != "magic_link,totp" {
		t.Errorf("factors = %s", got)
	}
	if !a.Member.IsAdmin || !a.Member.MFAEnrolled {
		t.Errorf("member = %+v", a.Member)
	}
}

func TestMFAPendingOnMagicLink(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	su := e.mfaOrg("ada@acme.com", "acme")
	orgID := su.Organization.OrganizationID
	_, err := e.client.MagicLinks.Email.LoginOrSignup(e.ctx, &email.LoginOrSignupParams{OrganizationID: orgID,
		EmailAddress: "ada@acme.com", LoginRedirectURL: redirect})
	mustOK(t, err)
	_, tok := e.lastLink("ada@acme.com")
	resp, err := e.client.MagicLinks.Authenticate(e.ctx, &magiclinks.AuthenticateParams{MagicLinksToken: tok})
	mustOK(t, err)
	if resp.MemberAuthenticated || resp.SessionToken != "" || resp.MemberSession != nil || resp.IntermediateSessionToken == "" ||
		resp.MFARequired == nil || resp.MemberID != su.MemberID || resp.OrganizationID != orgID || resp.MethodID == "" {
		t.Fatalf("resp = %+v", resp)
	}
	_, a := e.enrollTOTP(orgID, su.MemberID, resp.IntermediateSessionToken)
	if got := factorTypes(a.MemberSession.AuthenticationFactors); got != "magic_link,totp" {
		t.Errorf("factors = %s", got)
	}
	if got := jwtFactorTypes(t, a.SessionJWT); got != "magic_link,totp" {
		t.Errorf("JWT factors = %s", got)
	}
	t.Run("the session from before the policy still works", func(t *testing.T) {
		_, err := e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionToken: su.SessionToken})
		mustOK(t, err)
	})
}

func TestMFAPendingOnSessionsExchange(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	alpha := e.signUp("ada@alpha.com", "Alpha", "alpha")
	beta := e.mfaOrg("bob@beta.com", "beta")
	betaID := beta.Organization.OrganizationID
	adaInBeta := invite(t, e, betaID, "ada@alpha.com")
	resp, err := e.client.Sessions.Exchange(e.ctx, &sessions.ExchangeParams{OrganizationID: betaID, SessionToken: alpha.SessionToken})
	mustOK(t, err)
	if resp.MemberAuthenticated || resp.SessionToken != "" || resp.IntermediateSessionToken == "" || resp.MFARequired == nil ||
		resp.MemberID != adaInBeta || resp.Organization.OrganizationID != betaID {
		t.Fatalf("resp = %+v", resp)
	}
	if resp.Member.Status != "active" {
		t.Errorf("invited member not activated: %s", resp.Member.Status)
	}
	_, err = e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionToken: alpha.SessionToken})
	mustOK(t, err)
	_, a := e.enrollTOTP(betaID, adaInBeta, resp.IntermediateSessionToken)
	if got := factorTypes(a.MemberSession.AuthenticationFactors); got != "magic_link,totp" {
		t.Errorf("factors = %s", got)
	}

	t.Run("a TOTP factor does not carry into another organization", func(t *testing.T) {
		gamma := e.mfaOrg("cy@gamma.com", "gamma")
		invite(t, e, gamma.Organization.OrganizationID, "ada@alpha.com")
		r, err := e.client.Sessions.Exchange(e.ctx, &sessions.ExchangeParams{OrganizationID: gamma.Organization.OrganizationID, SessionToken: a.SessionToken})
		mustOK(t, err)
		if r.MemberAuthenticated || r.SessionToken != "" {
			t.Fatalf("TOTP from beta satisfied gamma: %+v", r)
		}
	})
}

func TestMFAEnrolledMemberOfOptionalOrg(t *testing.T) {
	t.Parallel()
	e, _, orgID := newAcme(t)
	bobID := invite(t, e, orgID, "bob@acme.com")

	// Not enrolled: a session straight away.
	ist := e.discover("bob@acme.com").IntermediateSessionToken
	r, err := e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: orgID})
	mustOK(t, err)
	if !r.MemberAuthenticated || r.SessionToken == "" || r.MFARequired != nil {
		t.Fatalf("resp = %+v", r)
	}
	up, err := e.client.Organizations.Members.Update(e.ctx, &members.UpdateParams{OrganizationID: orgID, MemberID: bobID, MFAEnrolled: true})
	mustOK(t, err)
	if !up.Member.MFAEnrolled {
		t.Fatalf("member = %+v", up.Member)
	}
	p := e.pendingExchange("bob@acme.com", orgID)
	if p.MemberID != bobID || p.Organization.MFAPolicy != "OPTIONAL" {
		t.Errorf("resp = %+v", p)
	}
}

func TestMFASettings(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, _, orgID := newAcme(t)
	tests := []struct {
		name       string
		p          organizations.UpdateParams
		wantStatus int
		wantType   string
	}{
		{"require MFA", organizations.UpdateParams{MFAPolicy: "REQUIRED_FOR_ALL"}, 200, ""},
		{"bad policy", organizations.UpdateParams{MFAPolicy: "ALWAYS"}, 400, "invalid_organization_mfa_policy"},
		{"bad method", organizations.UpdateParams{AllowedMFAMethods: []string{"totp", "email"}}, 400, "invalid_organization_allowed_mfa_methods"},
		{"restricted without methods", organizations.UpdateParams{MFAMethods: "RESTRICTED"}, 400, "allowed_mfa_methods_required_for_restricted"},
		{"bad mfa_methods", organizations.UpdateParams{MFAMethods: "SOME"}, 400, "invalid_mfa_methods"},
		{"restricted to TOTP", organizations.UpdateParams{MFAMethods: "RESTRICTED", AllowedMFAMethods: []string{"totp", "totp"}}, 200, ""},
		{"back to optional", organizations.UpdateParams{MFAPolicy: "OPTIONAL", MFAMethods: "ALL_ALLOWED"}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.p.OrganizationID = orgID
			resp, err := e.client.Organizations.Update(e.ctx, &tt.p)
			if tt.wantStatus != 200 {
				wantStytchError(t, err, tt.wantStatus, tt.wantType)
				return
			}
			mustOK(t, err)
			if tt.p.MFAPolicy != "" && resp.Organization.MFAPolicy != tt.p.MFAPolicy {
				t.Errorf("mfa_policy = %s", resp.Organization.MFAPolicy)
			}
		})
	}
	o, err := e.client.Organizations.Get(e.ctx, &organizations.GetParams{OrganizationID: orgID})
	mustOK(t, err)
	if o.Organization.MFAPolicy != "OPTIONAL" || o.Organization.MFAMethods != "ALL_ALLOWED" ||
		len(o.Organization.AllowedMFAMethods) != 1 || o.Organization.AllowedMFAMethods[0] != "totp" {
		t.Errorf("org = %+v", o.Organization)
	}
}

// The MFA step survives a restart: the scoped IST, the pending TOTP and the texted code are in SQLite.
func TestMFAPersistence(t *testing.T) {
	t.Parallel()
	t0 := time.Now().UTC().Truncate(30 * time.Second).Add(5 * time.Second)
	path := filepath.Join(t.TempDir(), "emu.db")
	cfg := func(c *emulator.Config) {
		c.DatabasePath = path
		c.Now = func() time.Time { return t0 }
	}
	e1 := newEnv(t, cfg)
	su := e1.mfaOrg("ada@acme.com", "acme")
	orgID := su.Organization.OrganizationID
	bobID := invite(t, e1, orgID, "bob@acme.com")
	ist := e1.pendingExchange("bob@acme.com", orgID).IntermediateSessionToken
	c, err := e1.client.TOTPs.Create(e1.ctx, &totps.CreateParams{OrganizationID: orgID, MemberID: bobID, IntermediateSessionToken: ist})
	mustOK(t, err)
	_, err = e1.client.OTPs.Sms.Send(e1.ctx, &sms.SendParams{OrganizationID: orgID, MemberID: bobID, MFAPhoneNumber: phone})
	mustOK(t, err)
	code := e1.lastSMS(phone).Code
	e1.srv.Close()
	mustOK(t, e1.emu.Close())

	e2 := newEnv(t, cfg)
	if got := e2.lastSMS(phone).Code; got != code {
		t.Errorf("outbox code = %s, want %s", got, code)
	}
	a, err := e2.client.TOTPs.Authenticate(e2.ctx, &totps.AuthenticateParams{OrganizationID: orgID, MemberID: bobID,
		IntermediateSessionToken: ist, Code: e2.totpNow(c.Secret)})
	mustOK(t, err)
	if factorTypes(a.MemberSession.AuthenticationFactors) != "magic_link,totp" {
		t.Errorf("factors = %s", factorTypes(a.MemberSession.AuthenticationFactors))
	}
}
