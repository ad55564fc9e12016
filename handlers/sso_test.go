package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

const (
	callSSOStart = "GET /v1/public/sso/start"
	callSSOAuth  = "POST /v1/b2b/sso/authenticate"
	callSAMLACS  = "POST /v1/b2b/sso/callback/{connection_id}"
)

// idpPerson is who signs in at the emulated identity provider.
type idpPerson struct{ email, name, groups string }

// ssoLanding follows an SSO start (the app's answer to a form: a page moving on to Stytch's
// start) through the emulated identity provider, signing in as who, and returns the URL the
// browser comes back to (the app's /authenticate with an sso token), without opening it.
// Stytch and the IdP are other sites: no app cookies go there.
func (b *browser) ssoLanding(start response, who idpPerson) *url.URL {
	t := b.e.t
	t.Helper()
	// A plain form's answer moves on by its Refresh header (a redirect would meet form-action).
	wantStatus(t, start, http.StatusOK)
	_, loc, _ := strings.Cut(start.Header.Get("Refresh"), "url=")
	if !strings.Contains(loc, "/v1/public/sso/start?") || start.doc(t).Find(`[data-testid="sso-continue"]`).AttrOr("href", "") != loc {
		t.Fatalf("the SSO start leads to %q (Refresh %q), not Stytch's start:\n%.1000s", loc, start.Header.Get("Refresh"), start.body)
	}
	follow := &http.Client{}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := follow.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("identity provider page: status %d (%v)", resp.StatusCode, err)
	}
	post := func(base *url.URL, form *goquery.Selection, extra url.Values) *http.Response {
		vals := url.Values{}
		form.Find("input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
			vals.Set(s.AttrOr("name", ""), s.AttrOr("value", ""))
		})
		for k, v := range extra {
			vals[k] = v
		}
		target, err := base.Parse(form.AttrOr("action", ""))
		if err != nil {
			t.Fatal(err)
		}
		r, err := noFollow.PostForm(target.String(), vals)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	resp = post(resp.Request.URL, doc.Find(`form[data-testid="idp-form"]`), url.Values{"email": {who.email}, "name": {who.name}, "groups": {who.groups}})
	for range 5 {
		switch {
		case resp.StatusCode == http.StatusOK: // SAML: the form the IdP's page posts to Stytch's ACS
			page, err := goquery.NewDocumentFromReader(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			form := page.Find(`form[data-testid="saml-post-form"]`)
			if form.Length() == 0 {
				t.Fatalf("identity provider answered a page without the SAML form:\n%.1000s", page.Text())
			}
			resp = post(resp.Request.URL, form, nil)
		case resp.StatusCode/100 == 3:
			resp.Body.Close()
			next, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if next.Path == "/authenticate" {
				return next
			}
			if resp, err = noFollow.Get(next.String()); err != nil {
				t.Fatal(err)
			}
		default:
			body := make([]byte, 1000)
			n, _ := resp.Body.Read(body)
			resp.Body.Close()
			t.Fatalf("SSO flow: status %d at %s: %s", resp.StatusCode, resp.Request.URL.Path, body[:n])
		}
	}
	t.Fatal("SSO flow: too many steps")
	return nil
}

// An admin creates a SAML connection from the emulated IdP's metadata and an OIDC connection
// to its OpenID provider; both are active, with what the IdP needs shown; the admin names the
// domain. A new person at that domain chooses "Sign in with SSO": two connections, so the
// choice page; through the SAML IdP they land on the organization's dashboard (JIT), with one
// Stytch call by the app (sso/authenticate).
func TestSSOSetupAndSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, orgID := e.newAdmin("ada@sso-corp.test", "SSO Corp")

	page := admin.get("/settings/sso", false)
	wantStatus(t, page, http.StatusOK)
	if got := page.doc(t).Find(`#sso-domains`).Text(); got != "sso-corp.test" {
		t.Fatalf("the domains field is prefilled with %q, want the admin's own domain", got)
	}
	wantFragment(t, admin.get("/settings/sso", true), "sso-setup")

	page = admin.createSAML("Okta")
	if got := page.testid(t, "notice"); !strings.Contains(got, "“Okta” created") || !strings.Contains(got, "active") {
		t.Fatalf("confirmation %q", got)
	}
	page = admin.createOIDC("Entra")
	conns := connIDs(t, page)
	if len(conns) != 2 {
		t.Fatalf("connections %v", conns)
	}
	for id, status := range conns {
		if !strings.HasPrefix(status, "Active") {
			t.Fatalf("connection %s: %q", id, status)
		}
	}
	if n := page.doc(t).Find(`[data-testid="copy-value"]`).Length(); n != 3 { // ACS + audience, redirect URL
		t.Fatalf("%d values to copy, want 3", n)
	}
	if strings.Contains(page.body, "emulator-oidc-secret") {
		t.Fatal("the setup page shows the OIDC client secret")
	}

	// Only the admin's own domain can be added.
	r := admin.saveDomains("other-corp.test")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantRedirect(t, admin.saveDomains("sso-corp.test"), "/settings/sso?notice=sso-saved")

	// "Sign in with SSO" with an address at the domain: two connections, the choice page.
	b := e.browser()
	r = b.post("/login", url.Values{"email": {"new@sso-corp.test"}, "method": {"sso"}}, false)
	wantRedirect(t, r, "/sso")
	choice := b.get("/sso", false)
	wantStatus(t, choice, http.StatusOK)
	var samlID string
	choice.doc(t).Find(`[data-testid="sso-start"]`).Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.Text(), "Okta") {
			samlID = s.AttrOr("data-connection-id", "")
		}
	})
	if samlID == "" || choice.doc(t).Find(`[data-testid="sso-start"]`).Length() != 2 {
		t.Fatalf("choice page:\n%.2000s", choice.body)
	}
	// A connection not offered to this browser is refused.
	wantStatus(t, b.post("/sso/start", url.Values{"connection_id": {"saml-connection-test-nope"}}, false), http.StatusBadRequest)

	// The browser's start and SAML callback at Stytch, and the app's one call.
	wantCalls(t, e, "SSO sign-in", map[string]int{callSSOStart: 1, callSAMLACS: 1, callSSOAuth: 1}, func() {
		landing := b.ssoLanding(b.post("/sso/start", url.Values{"connection_id": {samlID}}, false), idpPerson{"new@sso-corp.test", "New Person", "eng"})
		wantRedirect(t, b.get(landing.RequestURI(), false), "/dashboard")
		// The landing works once, and only in the browser that started.
		wantStatus(t, b.get(landing.RequestURI(), false), http.StatusBadRequest)
		wantStatus(t, e.browser().get(landing.RequestURI(), false), http.StatusBadRequest)
	})
	dash := b.get("/dashboard", false)
	wantStatus(t, dash, http.StatusOK)
	if !strings.Contains(dash.body, "SSO Corp") || dash.testid(t, "dashboard-email") != "new@sso-corp.test" {
		t.Fatalf("dashboard:\n%.2000s", dash.body)
	}
	_ = orgID
}

// One connection leads straight to the IdP (plain and htmx); an address whose domain has none
// keeps the form, the address and offers a link or a code.
func TestSSOByDomain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, _ := e.newAdmin("ada@one-conn.test", "One Conn")
	admin.createOIDC("Login")
	wantRedirect(t, admin.saveDomains("one-conn.test"), "/settings/sso?notice=sso-saved")

	for _, htmx := range []bool{false, true} {
		b := e.browser()
		r := b.post("/login", url.Values{"email": {"bo@one-conn.test"}, "method": {"sso"}}, htmx)
		if htmx {
			wantStatus(t, r, http.StatusOK)
			if loc := r.Header.Get("HX-Redirect"); !strings.Contains(loc, "/v1/public/sso/start?") {
				t.Fatalf("htmx: HX-Redirect %q", loc)
			}
			continue
		}
		landing := b.ssoLanding(r, idpPerson{email: "bo@one-conn.test", name: "Bo"})
		// A junk token landing first (a cross-site GET, say) is refused and cancels nothing:
		// the start is forgotten only once Stytch proves a token (mutant: forgetting it on
		// every landing makes the real one below fail).
		if junk := b.get("/authenticate?stytch_token_type=sso&token="+strings.Repeat("A", 44), false); junk.StatusCode < 400 || junk.StatusCode >= 500 {
			t.Fatalf("a junk SSO landing answered %d", junk.StatusCode)
		}
		wantRedirect(t, b.get(landing.RequestURI(), false), "/dashboard")
	}

	b := e.browser()
	r := b.post("/login", url.Values{"email": {"cy@no-sso.test"}, "method": {"sso"}}, false)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if got := r.testid(t, "login"); !strings.Contains(got, "We don't know of single sign-on for no-sso.test") {
		t.Fatalf("no SSO: %q", got)
	}
	if got := r.doc(t).Find(`#email`).AttrOr("value", ""); got != "cy@no-sso.test" {
		t.Fatalf("the address is not kept: %q", got)
	}
	r = b.post("/login", url.Values{"email": {"cy@no-sso.test"}, "method": {"sso"}}, true)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFragment(t, r, "login-form")
	// A link works as before.
	wantRedirect(t, b.post("/login", url.Values{"email": {"cy@no-sso.test"}}, false), "/check-email")
}

// An organization that requires SSO, reached by an email link: the chooser names the
// connection, choosing it leads to the step with the SSO button, and the IdP (the same
// address) finishes it with the IST carried; then, with MFA required too, the MFA step.
func TestSSORequiredOrg(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, orgID := e.newAdmin("ada@must-sso.test", "Must SSO")
	admin.createSAML("Okta")
	r := admin.post("/settings/sso/settings", url.Values{"sso_jit_provisioning": {"ALL_ALLOWED"}, "require_sso": {"on"}}, false)
	wantRedirect(t, r, "/settings/sso?notice=sso-saved")
	// The admin who made the change stays signed in.
	wantStatus(t, admin.get("/dashboard", false), http.StatusOK)
	if !admin.get("/settings/sso", false).doc(t).Find(`#require-sso`).Is("[checked]") {
		t.Fatal("Require SSO is not shown as on")
	}

	b := e.browser()
	chooser := b.discover("ada@must-sso.test")
	row := chooser.doc(t).Find(`[data-org-id="` + orgID + `"]`)
	if got := row.Find(`[data-testid="org-needs"]`).Text(); got != "needs sign-in with Okta" {
		t.Fatalf("chooser row says %q", got)
	}
	wantRedirect(t, b.post("/orgs/select", url.Values{"organization_id": {orgID}}, false), "/mfa")
	step := b.get("/mfa", false)
	wantStatus(t, step, http.StatusOK)
	connID := step.doc(t).Find(`[data-testid="primary-sso"] [data-testid="sso-start"]`).AttrOr("data-connection-id", "")
	if connID == "" {
		t.Fatalf("the step offers no SSO button:\n%.2000s", step.body)
	}
	landing := b.ssoLanding(b.post("/sso/start", url.Values{"connection_id": {connID}}, false), idpPerson{email: "ada@must-sso.test", name: "Ada"})
	wantRedirect(t, b.get(landing.RequestURI(), false), "/dashboard")

	// SSO + required MFA: the IdP's sign-in leads to the MFA step.
	e.requireMFA(orgID)
	m := e.browser()
	m.discover("ada@must-sso.test")
	wantRedirect(t, m.post("/orgs/select", url.Values{"organization_id": {orgID}}, false), "/mfa")
	landing = m.ssoLanding(m.post("/sso/start", url.Values{"connection_id": {connID}}, false), idpPerson{email: "ada@must-sso.test"})
	wantRedirect(t, m.get(landing.RequestURI(), false), "/mfa")
	mfa := m.get("/mfa", false)
	wantStatus(t, mfa, http.StatusOK)
	if mfa.has(t, "primary-sso") || !mfa.has(t, "totp-setup-form") && !mfa.has(t, "totp-form") {
		t.Fatalf("after SSO, the step should be MFA:\n%.2000s", mfa.body)
	}
}

// ssoCallBudget is TestStytchCallBudget's SSO row: signing in with SSO from the email form
// costs the app one call (sso/authenticate). The domain lookup is the app's own index, the
// start and the IdP's answer are the browser's requests to Stytch, and the dashboard after it
// needs none while the JWT is fresh.
func ssoCallBudget(t *testing.T, e *env) {
	t.Helper()
	admin, _ := e.newAdmin("ada@budget-sso.test", "Budget SSO")
	admin.createSAML("Okta")
	wantRedirect(t, admin.saveDomains("budget-sso.test"), "/settings/sso?notice=sso-saved")
	b := e.browser()
	wantCalls(t, e, "SSO sign-in by email domain (JIT)", map[string]int{callSSOStart: 1, callSAMLACS: 1, callSSOAuth: 1}, func() {
		r := b.post("/login", url.Values{"email": {"new@budget-sso.test"}, "method": {"sso"}}, false)
		landing := b.ssoLanding(r, idpPerson{email: "new@budget-sso.test", name: "New"})
		wantRedirect(t, b.get(landing.RequestURI(), false), "/dashboard")
	})
	wantCalls(t, e, "dashboard views after SSO", nil, func() {
		for range 10 {
			wantStatus(t, b.get("/dashboard", false), http.StatusOK)
		}
	})
}

// A domain two organizations named (each admin at that domain) leads to the choice page with
// both organizations' connections, never silently to one of them.
func TestSSODomainClaimedTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i, admin := range []string{"ada@twice.test", "bob@twice.test"} {
		b, _ := e.newAdmin(admin, fmt.Sprintf("Twice %d", i))
		b.createSAML(fmt.Sprintf("IdP %d", i))
		wantRedirect(t, b.saveDomains("twice.test"), "/settings/sso?notice=sso-saved")
	}
	c := e.browser()
	wantRedirect(t, c.post("/login", url.Values{"email": {"cy@twice.test"}, "method": {"sso"}}, false), "/sso")
	choice := c.get("/sso", false)
	if n := choice.doc(t).Find(`[data-testid="sso-start"]`).Length(); n != 2 {
		t.Fatalf("choice page offers %d connections, want both organizations':\n%.2000s", n, choice.body)
	}
	wantFragment(t, c.get("/sso", true), "sso-choice")
}
