package emulator_test

import (
	"slices"
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/oauth"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/totps"
	consumersessions "github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
)

// restrict limits an organization's primary authentication to methods.
func (e *env) restrict(orgID string, methods ...string) {
	e.t.Helper()
	_, err := e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID,
		AuthMethods: "RESTRICTED", AllowedAuthMethods: methods})
	mustOK(e.t, err)
}

// discovered returns the discovered organization orgID (failing when it is absent).
func discovered(t *testing.T, orgs []discovery.DiscoveredOrganization, orgID string) discovery.DiscoveredOrganization {
	t.Helper()
	for _, o := range orgs {
		if o.Organization != nil && o.Organization.OrganizationID == orgID {
			return o
		}
	}
	t.Fatalf("organization %s not discovered in %+v", orgID, orgs)
	return discovery.DiscoveredOrganization{}
}

// wantPrimaryRequired checks a discovered organization asks for exactly methods first.
func wantPrimaryRequired(t *testing.T, o discovery.DiscoveredOrganization, methods ...string) {
	t.Helper()
	if o.MemberAuthenticated || o.PrimaryRequired == nil || !slices.Equal(o.PrimaryRequired.AllowedAuthMethods, methods) || o.MFARequired != nil {
		t.Errorf("discovered %s: authenticated %v, primary_required %+v, mfa_required %+v, want primary_required %v",
			o.Organization.OrganizationSlug, o.MemberAuthenticated, o.PrimaryRequired, o.MFARequired, methods)
	}
}

// factorKinds lists "type/delivery_method" of session factors.
func factorKinds(fs []consumersessions.AuthenticationFactor) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, string(f.Type)+"/"+string(f.DeliveryMethod))
	}
	return out
}

func TestPrimaryRequiredExchangeThenOrgOAuth(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, acme, orgID := newAcme(t)
	e.restrict(orgID, "google_oauth")

	d := e.discover("ada@acme.com")
	wantPrimaryRequired(t, discovered(t, d.DiscoveredOrganizations, orgID), "google_oauth")
	ex, err := e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: d.IntermediateSessionToken, OrganizationID: orgID})
	mustOK(t, err)
	if ex.MemberAuthenticated || ex.PrimaryRequired == nil || !slices.Equal(ex.PrimaryRequired.AllowedAuthMethods, []string{"google_oauth"}) ||
		ex.MFARequired != nil || ex.SessionToken != "" || ex.SessionJWT != "" || ex.MemberSession != nil ||
		ex.IntermediateSessionToken == "" || ex.MemberID != acme.Member.MemberID || ex.Organization.OrganizationID != orgID {
		t.Fatalf("exchange = %+v", ex)
	}
	// The discovery IST is not consumed; the step IST is bound to acme.
	list, err := e.client.Discovery.Organizations.List(e.ctx, &dorgs.ListParams{IntermediateSessionToken: d.IntermediateSessionToken})
	mustOK(t, err)
	wantPrimaryRequired(t, discovered(t, list.DiscoveredOrganizations, orgID), "google_oauth")
	list, err = e.client.Discovery.Organizations.List(e.ctx, &dorgs.ListParams{IntermediateSessionToken: ex.IntermediateSessionToken})
	mustOK(t, err)
	if list.OrganizationIDHint != orgID {
		t.Errorf("organization_id_hint = %q", list.OrganizationIDHint)
	}

	tok := e.orgOAuthToken("google", orgID, "ada@acme.com")
	resp, err := e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: tok, IntermediateSessionToken: ex.IntermediateSessionToken})
	mustOK(t, err)
	if !resp.MemberAuthenticated || resp.SessionToken == "" || resp.PrimaryRequired != nil || resp.MFARequired != nil {
		t.Fatalf("oauth = %+v", resp)
	}
	if got := factorKinds(resp.MemberSession.AuthenticationFactors); !slices.Equal(got, []string{"magic_link/email", "oauth/oauth_google"}) {
		t.Errorf("factors = %v", got)
	}
	// Both the step IST and the discovery IST it came from are spent now.
	for _, ist := range []string{ex.IntermediateSessionToken, d.IntermediateSessionToken} {
		_, err = e.client.Discovery.Organizations.List(e.ctx, &dorgs.ListParams{IntermediateSessionToken: ist})
		wantStytchError(t, err, 404, "intermediate_session_not_found")
	}
	_, err = e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: tok})
	wantStytchError(t, err, 404, "oauth_token_not_found")

	t.Run("OAuth discovery satisfies it", func(t *testing.T) {
		od, err := e.oauthAuth(e.oauthDance("google", nil, "ada@acme.com"), "")
		mustOK(t, err)
		if o := discovered(t, od.DiscoveredOrganizations, orgID); !o.MemberAuthenticated || o.PrimaryRequired != nil {
			t.Errorf("discovered after google = %+v", o)
		}
		ex, err := e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{
			IntermediateSessionToken: od.IntermediateSessionToken, OrganizationID: orgID})
		mustOK(t, err)
		if !ex.MemberAuthenticated || ex.PrimaryRequired != nil {
			t.Errorf("exchange after google = %+v", ex)
		}
	})
	t.Run("IST bound to another organization", func(t *testing.T) {
		other := e.signUp("ada@acme.com", "Other", "other")
		e.restrict(other.Organization.OrganizationID, "microsoft_oauth")
		ex, err := e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{
			IntermediateSessionToken: e.discover("ada@acme.com").IntermediateSessionToken, OrganizationID: other.Organization.OrganizationID})
		mustOK(t, err)
		_, err = e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: e.orgOAuthToken("google", orgID, "ada@acme.com"),
			IntermediateSessionToken: ex.IntermediateSessionToken})
		wantStytchError(t, err, 400, "invalid_intermediate_session_token_for_organization")
	})
}

func TestPrimaryRequiredThenMFA(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fixedClock)
	su := e.mfaOrg("ada@acme.com", "acme")
	orgID := su.Organization.OrganizationID
	e.restrict(orgID, "google_oauth", "microsoft_oauth")

	d := e.discover("ada@acme.com")
	wantPrimaryRequired(t, discovered(t, d.DiscoveredOrganizations, orgID), "google_oauth", "microsoft_oauth")
	ex, err := e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: d.IntermediateSessionToken, OrganizationID: orgID})
	mustOK(t, err)
	if ex.PrimaryRequired == nil || ex.MFARequired != nil || ex.MemberAuthenticated {
		t.Fatalf("exchange = %+v", ex)
	}
	// An MFA factor can't stand in for the primary step: the right TOTP code is refused.
	c, err := e.client.TOTPs.Create(e.ctx, &totps.CreateParams{OrganizationID: orgID, MemberID: ex.MemberID, IntermediateSessionToken: ex.IntermediateSessionToken})
	mustOK(t, err)
	_, err = e.client.TOTPs.Authenticate(e.ctx, &totps.AuthenticateParams{OrganizationID: orgID, MemberID: ex.MemberID,
		IntermediateSessionToken: ex.IntermediateSessionToken, Code: e.totpNow(c.Secret)})
	wantStytchError(t, err, 400, "primary_authentication_required")
	resp, err := e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: e.orgOAuthToken("microsoft", orgID, "ada@acme.com"),
		IntermediateSessionToken: ex.IntermediateSessionToken})
	mustOK(t, err)
	if resp.MemberAuthenticated || resp.PrimaryRequired != nil || resp.MFARequired == nil || resp.MemberSession != nil ||
		resp.SessionToken != "" || resp.IntermediateSessionToken == "" || resp.IntermediateSessionToken == ex.IntermediateSessionToken {
		t.Fatalf("oauth with MFA pending = %+v", resp)
	}
	_, a := e.enrollTOTP(orgID, resp.MemberID, resp.IntermediateSessionToken)
	if got := factorKinds(a.MemberSession.AuthenticationFactors); !slices.Equal(got, []string{"magic_link/email", "oauth/oauth_microsoft", "totp/authenticator_app"}) {
		t.Errorf("factors = %v", got)
	}
}

func TestPrimaryRequiredSessionsExchangeAndMagicLink(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	beta := e.signUp("ada@acme.com", "Beta", "beta") // ALL_ALLOWED
	acme := e.signUp("ada@acme.com", "Acme", "acme")
	acmeID, betaID := acme.Organization.OrganizationID, beta.Organization.OrganizationID
	e.restrict(acmeID, "google_oauth")

	ex, err := e.client.Sessions.Exchange(e.ctx, &sessions.ExchangeParams{OrganizationID: acmeID, SessionToken: beta.SessionToken})
	mustOK(t, err)
	if ex.MemberAuthenticated || ex.PrimaryRequired == nil || !slices.Equal(ex.PrimaryRequired.AllowedAuthMethods, []string{"google_oauth"}) ||
		ex.MFARequired != nil || ex.SessionToken != "" || ex.IntermediateSessionToken == "" {
		t.Fatalf("sessions/exchange into the restricted org = %+v", ex)
	}
	list, err := e.client.Discovery.Organizations.List(e.ctx, &dorgs.ListParams{SessionToken: beta.SessionToken})
	mustOK(t, err)
	wantPrimaryRequired(t, discovered(t, list.DiscoveredOrganizations, acmeID), "google_oauth")
	if o := discovered(t, list.DiscoveredOrganizations, betaID); !o.MemberAuthenticated || o.PrimaryRequired != nil {
		t.Errorf("the ALL_ALLOWED org = %+v", o)
	}
	// The ALL_ALLOWED organization is unaffected: switching into it works at once.
	back, err := e.client.Sessions.Exchange(e.ctx, &sessions.ExchangeParams{OrganizationID: betaID, SessionToken: acme.SessionToken})
	mustOK(t, err)
	if !back.MemberAuthenticated || back.SessionToken == "" || back.PrimaryRequired != nil {
		t.Errorf("sessions/exchange into the ALL_ALLOWED org = %+v", back)
	}

	t.Run("org-scoped magic link", func(t *testing.T) {
		_, err := e.client.MagicLinks.Email.LoginOrSignup(e.ctx, &email.LoginOrSignupParams{OrganizationID: acmeID, EmailAddress: "ada@acme.com"})
		mustOK(t, err)
		_, tok := e.lastLink("ada@acme.com")
		ml, err := e.client.MagicLinks.Authenticate(e.ctx, &magiclinks.AuthenticateParams{MagicLinksToken: tok})
		mustOK(t, err)
		if ml.MemberAuthenticated || ml.SessionToken != "" || ml.IntermediateSessionToken == "" || ml.MFARequired != nil {
			t.Fatalf("magic link into the restricted org = %+v", ml)
		}
		resp, err := e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: e.orgOAuthToken("google", acmeID, "ada@acme.com"),
			IntermediateSessionToken: ml.IntermediateSessionToken})
		mustOK(t, err)
		if got := factorKinds(resp.MemberSession.AuthenticationFactors); !resp.MemberAuthenticated || !slices.Equal(got, []string{"magic_link/email", "oauth/oauth_google"}) {
			t.Errorf("after the primary step: authenticated %v, factors %v", resp.MemberAuthenticated, got)
		}
	})
	t.Run("magic link wire shape", func(t *testing.T) { // v16 cannot read primary_required here
		_, err := e.client.MagicLinks.Email.LoginOrSignup(e.ctx, &email.LoginOrSignupParams{OrganizationID: acmeID, EmailAddress: "ada@acme.com"})
		mustOK(t, err)
		_, tok := e.lastLink("ada@acme.com")
		status, body := e.postRaw("/v1/b2b/magic_links/authenticate", map[string]any{"magic_links_token": tok})
		pr, _ := body["primary_required"].(map[string]any)
		if status != 200 || pr == nil || body["mfa_required"] != nil || body["member_session"] != nil || body["session_token"] != "" {
			t.Errorf("%d %v", status, body)
		}
	})
	t.Run("discovery create with a restricted policy", func(t *testing.T) {
		c, err := e.client.Discovery.Organizations.Create(e.ctx, &dorgs.CreateParams{
			IntermediateSessionToken: e.discover("ada@acme.com").IntermediateSessionToken, OrganizationName: "Gamma", OrganizationSlug: "gamma",
			AuthMethods: "RESTRICTED", AllowedAuthMethods: []string{"microsoft_oauth"}})
		mustOK(t, err)
		if c.MemberAuthenticated || c.PrimaryRequired == nil || c.MemberSession != nil || c.IntermediateSessionToken == "" {
			t.Errorf("create = %+v", c)
		}
	})
}
