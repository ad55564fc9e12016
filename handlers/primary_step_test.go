package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"

	"github.com/orgpick/orgpick/handlers"
)

const (
	callOrgOAuthStart = "GET /v1/b2b/public/oauth/{provider}/start"
	callOrgOAuthAuth  = "POST /v1/b2b/oauth/authenticate"
)

// restrictTo lets an organization accept only these sign-in methods (auth_methods RESTRICTED).
func (e *env) restrictTo(orgID string, methods ...string) {
	e.t.Helper()
	_, err := e.api.Organizations.Update(e.t.Context(), &organizations.UpdateParams{
		OrganizationID: orgID, AuthMethods: "RESTRICTED", AllowedAuthMethods: methods,
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// googleOnly makes the organization "Googlers", which accepts only Google sign-in, with admin
// as its admin (signed in on the returned browser), and returns its ID too.
func (e *env) googleOnly(admin string) (*browser, string) {
	e.t.Helper()
	b, orgID := e.newAdmin(admin, "Googlers")
	e.restrictTo(orgID, "google_oauth")
	return b, orgID
}

// stepUpLanding runs the step's "Continue with <provider>" at the emulated provider as email
// and returns where the provider sends the browser back (the org's own OAuth landing).
func (b *browser) stepUpLanding(provider, email string) *url.URL {
	b.e.t.Helper()
	landing, err := b.ProviderLanding(b.e.t.Context(), "/mfa/oauth/"+provider, email)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if got := landing.Query().Get("stytch_token_type"); got != "oauth" || landing.Path != "/authenticate" {
		b.e.t.Fatalf("the organization's sign-in came back to %s (token type %q)", landing.Path, got)
	}
	return landing
}

// An organization that accepts only Google, reached with an email link: the chooser says so,
// choosing it lands on the provider step, Google (emulated) signs the same person in, and the
// dashboard follows. Without and with htmx.
func TestOAuthRestrictedOrg(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e := newEnv(t)
		_, orgID := e.googleOnly("ada@restricted.test")

		b := e.browser()
		chooser := b.discover("ada@restricted.test")
		row := chooser.doc(t).Find(`[data-org-id="` + orgID + `"]`)
		if got := row.Find(`[data-testid="org-needs"]`).Text(); got != "needs sign-in with Google" {
			t.Fatalf("the chooser row says %q about the organization's sign-in rule", got)
		}
		r := b.post("/orgs/select", url.Values{"organization_id": {orgID}}, htmx)
		if htmx {
			wantHXLocation(t, r, "/mfa")
		} else {
			wantRedirect(t, r, "/mfa")
		}
		step := b.get("/mfa", htmx)
		wantStatus(t, step, http.StatusOK)
		if !step.has(t, "primary-oauth-google") || step.has(t, "primary-oauth-microsoft") {
			t.Fatalf("the step should offer Google only:\n%.2000s", step.body)
		}
		if step.has(t, "totp-form") || step.has(t, "text-me-form") {
			t.Fatal("a step that needs another sign-in method offers MFA forms")
		}
		wantStatus(t, b.post("/mfa/oauth/microsoft", nil, false), http.StatusNotFound)

		// From the step to the dashboard: the browser's start at Stytch, then one API call.
		var landing *url.URL
		wantCalls(t, e, "the Google step", map[string]int{callOrgOAuthStart: 1, callOrgOAuthAuth: 1}, func() {
			landing = b.stepUpLanding("google", "ada@restricted.test")
			wantRedirect(t, b.get(landing.RequestURI(), false), "/dashboard")
		})
		dash := b.get("/dashboard", false)
		wantStatus(t, dash, http.StatusOK)
		if !strings.Contains(dash.body, "Googlers") {
			t.Fatal("the dashboard doesn't name the organization")
		}
		// The landing served once: the token is spent and the start forgotten.
		wantStatus(t, b.get(landing.RequestURI(), false), http.StatusBadRequest)
	})
}

// The provider step with another account than the step's email (another member's, or one
// that can't enter the organization) keeps the step and says why, once; the right account
// then gets in (accepting the invitation). The org-scoped start names the org and the email.
func TestOAuthRestrictedOrgOtherAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, orgID := e.newAdmin("boss@restricted.test", "Googlers")
	e.invite(admin, "bo@restricted.test")
	e.restrictTo(orgID, "google_oauth", "microsoft_oauth")
	b := e.browser()
	step := b.toMFA("bo@restricted.test", orgID)
	if !step.has(t, "primary-oauth-google") || !step.has(t, "primary-oauth-microsoft") {
		t.Fatal("both providers the organization accepts should be offered")
	}

	start := b.post("/mfa/oauth/microsoft", nil, false)
	wantStatus(t, start, http.StatusSeeOther)
	u, err := url.Parse(start.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if !strings.HasSuffix(u.Path, "/v1/b2b/public/oauth/microsoft/start") || q.Get("organization_id") != orgID ||
		q.Get("provider_login_hint") != "bo@restricted.test" || q.Get("pkce_code_challenge") == "" || q.Get("public_token") == "" {
		t.Fatalf("organization start URL %s", u.Redacted())
	}

	for _, other := range []string{"boss@restricted.test", "someone-else@restricted.test"} {
		landing := b.stepUpLanding("microsoft", other)
		wantRedirect(t, b.get(landing.RequestURI(), false), "/mfa")
		again := b.get("/mfa", false)
		if got := again.testid(t, "notice"); !strings.Contains(got, "isn't bo@restricted.test") {
			t.Fatalf("signing in as %s: notice %q", other, got)
		}
		if b.get("/mfa", false).has(t, "notice") {
			t.Fatal("the notice is said once")
		}
	}
	wantRedirect(t, b.get(b.stepUpLanding("microsoft", "bo@restricted.test").RequestURI(), false), "/dashboard")
}

// OAuth first, MFA next: an organization that accepts only Google and requires MFA asks for
// the second step once Google has signed the person in. A landing whose start was for
// discovery is refused before Stytch.
func TestOAuthRestrictedOrgThenMFA(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, orgID := e.newAdmin("cy@restricted.test", "Strict")
	e.restrictTo(orgID, "google_oauth")
	e.requireMFA(orgID)
	b := e.browser()
	b.toMFA("cy@restricted.test", orgID)
	wantRedirect(t, b.get(b.stepUpLanding("google", "cy@restricted.test").RequestURI(), false), "/mfa")
	if step := b.get("/mfa", false); !step.has(t, "mfa") || step.has(t, "primary-oauth-google") {
		t.Fatalf("after Google the step should be MFA:\n%.2000s", step.body)
	}
	b.enrolTOTP()

	// A discovery start, then a landing that claims to be an organization's sign-in.
	o := e.browser()
	landing, err := o.OAuthLanding(t.Context(), "google", "cy@restricted.test")
	if err != nil {
		t.Fatal(err)
	}
	q := landing.Query()
	q.Set("stytch_token_type", "oauth")
	landing.RawQuery = q.Encode()
	before := e.emu.Calls()[callOrgOAuthAuth]
	wantStatus(t, o.get(landing.RequestURI(), false), http.StatusBadRequest)
	if e.emu.Calls()[callOrgOAuthAuth] != before {
		t.Fatal("a mismatched landing reached Stytch")
	}
}

// Without a public token the app can't start OAuth: the step names the accepted methods and
// offers no button (and its start route is not found).
func TestOAuthRestrictedOrgWithoutPublicToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, orgID := e.googleOnly("di@restricted.test")
	e.rewire(func(d *handlers.Deps) { d.OAuth = handlers.OAuthConfig{} })
	b := e.browser()
	step := b.toMFA("di@restricted.test", orgID)
	if step.has(t, "primary-oauth-google") || step.testid(t, "primary-methods") != "Google" {
		t.Fatalf("without OAuth the step should list Google, no button:\n%.2000s", step.body)
	}
	wantStatus(t, b.post("/mfa/oauth/google", nil, false), http.StatusNotFound)
}

// An invitation link into an organization that accepts only Google: the link proves the email,
// but the organization wants Google first (stytch-go v16 drops primary_required from the
// magic-link answer; the organization in it says so). Google then signs the invitee in.
func TestOAuthRestrictedOrgInvitationLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, orgID := e.newAdmin("ada@restricted.test", "Googlers")
	e.invite(admin, "ivy@restricted.test")
	e.restrictTo(orgID, "google_oauth")
	b := e.browser()
	step := b.followLink(e.latestLink("ivy@restricted.test"), "/mfa")
	if !step.has(t, "primary-oauth-google") || step.has(t, "totp-setup-form") || step.testid(t, "mfa-email") != "ivy@restricted.test" {
		t.Fatalf("the invitation should lead to the Google step:\n%.3000s", step.body)
	}
	wantRedirect(t, b.get(b.stepUpLanding("google", "ivy@restricted.test").RequestURI(), false), "/dashboard")
	if got := b.get("/dashboard", false).testid(t, "dashboard-role"); got != "Member" {
		t.Fatalf("role %q", got)
	}
}

// Switching from the dashboard into an organization that accepts only Google asks for Google
// (the session's email link doesn't count there); finishing revokes the session it replaces.
func TestOAuthRestrictedOrgSwitch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, googleID := e.googleOnly("eli@restricted.test")
	b.logout()
	b.discover("eli@restricted.test")
	b.createOrg("Plain")

	revokes := e.emu.Calls()[callRevoke]
	wantRedirect(t, b.post("/orgs/switch", url.Values{"organization_id": {googleID}}, false), "/mfa")
	step := b.get("/mfa", false)
	if !step.has(t, "primary-oauth-google") || step.testid(t, "mfa-back") != "Back to the dashboard" {
		t.Fatalf("the switch should ask for Google, with a way back:\n%.3000s", step.body)
	}
	wantRedirect(t, b.get(b.stepUpLanding("google", "eli@restricted.test").RequestURI(), false), "/dashboard")
	b.wantSwitched("Googlers", revokes)
}

// Signing in with Google in the first place satisfies an organization that accepts only
// Google: the chooser marks nothing and picking it goes straight to the dashboard.
func TestOAuthRestrictedOrgReachedWithGoogle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, orgID := e.googleOnly("fay@restricted.test")
	b := e.browser()
	chooser := b.must(b.OAuthSignIn(t.Context(), "google", "fay@restricted.test"))
	if chooser.doc(t).Find(`[data-org-id="`+orgID+`"] [data-testid="org-needs"]`).Length() != 0 {
		t.Fatal("after Google the chooser still says the organization needs Google")
	}
	wantRedirect(t, b.post("/orgs/select", url.Values{"organization_id": {orgID}}, false), "/dashboard")
}
