package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

const (
	callSSOStart = "GET /v1/public/sso/start"
	callSSOAuth  = "POST /v1/b2b/sso/authenticate"
	callSAMLACS  = "POST /v1/b2b/sso/callback/{connection_id}"
)

// idpPerson is who signs in at the emulated identity provider.
type idpPerson struct{ email, name, groups string }

// ssoLanding follows an SSO start (the app's answer to a form: a 303 to Stytch's start) through
// the emulated identity provider, signing in as who, and returns the URL the browser comes back
// to (the app's /authenticate with an sso token), without opening it. Stytch and the IdP are
// other sites: no app cookies go there.
func (b *browser) ssoLanding(start response, who idpPerson) *url.URL {
	t := b.e.t
	t.Helper()
	wantStatus(t, start, http.StatusSeeOther)
	loc := start.Header.Get("Location")
	if !strings.Contains(loc, "/v1/public/sso/start?") {
		t.Fatalf("the SSO start leads to %q, not Stytch's start", loc)
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

// ssoSetup has the admin (signed in on b) create a SAML connection from the emulated IdP's
// metadata and name their own domain; it returns the setup page.
func (b *browser) createSAML(name string) response {
	t := b.e.t
	t.Helper()
	local := b.get("/settings/sso?local=1", false)
	wantStatus(t, local, http.StatusOK)
	metadata := local.doc(t).Find(`#saml-metadata`).AttrOr("value", "")
	if !strings.HasSuffix(metadata, "/idp/saml/metadata") {
		t.Fatalf("the local test IdP fills in metadata URL %q", metadata)
	}
	r := b.post("/settings/sso/saml", url.Values{
		"display_name": {name}, "idp_metadata_url": {metadata}, "attr_email": {"email"}, "attr_full_name": {"name"}, "attr_groups": {"groups"},
	}, false)
	wantRedirect(t, r, "/settings/sso?notice=sso-saved")
	page := b.get("/settings/sso?notice=sso-saved", false)
	wantStatus(t, page, http.StatusOK)
	return page
}

// createOIDC has the admin create an OIDC connection to the emulated OpenID provider.
func (b *browser) createOIDC(name string) response {
	t := b.e.t
	t.Helper()
	d := b.get("/settings/sso?local=1", false).doc(t)
	r := b.post("/settings/sso/oidc", url.Values{
		"display_name": {name}, "issuer": {d.Find("#oidc-issuer").AttrOr("value", "")},
		"client_id": {d.Find("#oidc-client-id").AttrOr("value", "")}, "client_secret": {d.Find("#oidc-client-secret").AttrOr("value", "")},
	}, false)
	wantRedirect(t, r, "/settings/sso?notice=sso-saved")
	page := b.get("/settings/sso?notice=sso-saved", false)
	wantStatus(t, page, http.StatusOK)
	return page
}

// connIDs lists the connections on the setup page with their status words.
func connIDs(t testing.TB, page response) map[string]string {
	t.Helper()
	out := map[string]string{}
	page.doc(t).Find(`[data-testid="sso-conn"]`).Each(func(_ int, s *goquery.Selection) {
		out[s.AttrOr("data-connection-id", "")] = strings.Join(strings.Fields(s.Find(`[data-testid="sso-status"]`).Text()), " ")
	})
	return out
}

// saveDomains names the SSO domains on the setup page.
func (b *browser) saveDomains(domains string) response {
	b.e.t.Helper()
	return b.post("/settings/sso/domains", url.Values{"domains": {domains}}, false)
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
	if !strings.Contains(dash.body, "SSO Corp") || !strings.Contains(dash.body, "new@sso-corp.test") {
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

// GET /org/{slug}: name and the methods the organization accepts (SSO buttons, an email link
// for it alone); an unknown slug is a friendly 404.
func TestSSOOrgPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, orgID := e.newAdmin("ada@orgpage.test", "Org Page")
	slug := "org-page"

	b := e.browser()
	page := b.get("/org/"+slug, false)
	wantStatus(t, page, http.StatusOK)
	if page.has(t, "sso-start") || !page.has(t, "org-login-form") {
		t.Fatalf("without SSO the page offers the link only:\n%.2000s", page.body)
	}
	wantFragment(t, b.get("/org/"+slug, true), "org-page")
	for _, bad := range []string{"no-such-org", orgID, "x"} {
		wantStatus(t, b.get("/org/"+bad, false), http.StatusNotFound)
	}

	// The email link, scoped to the organization: straight in, no chooser.
	r := b.post("/org/"+slug+"/login", url.Values{"email": {"ada@orgpage.test"}}, false)
	wantRedirect(t, r, "/org/"+slug+"?notice=link-sent")
	if got := b.get("/org/"+slug+"?notice=link-sent", false).testid(t, "org-link-sent"); !strings.Contains(got, "ada@orgpage.test") {
		t.Fatalf("sent notice %q", got)
	}
	b.followLink(e.latestLink("ada@orgpage.test"), "/dashboard")
	wantStatus(t, b.post("/org/"+slug+"/login", url.Values{"email": {"nope"}}, false), http.StatusUnprocessableEntity)
	// An address the organization won't take reads as sent (no membership oracle); nothing is.
	wantRedirect(t, b.post("/org/"+slug+"/login", url.Values{"email": {"stranger@elsewhere.test"}}, false), "/org/"+slug+"?notice=link-sent")
	if msgs, _ := e.emu.Mailbox(t.Context(), "stranger@elsewhere.test"); len(msgs) != 0 {
		t.Fatalf("mail to a stranger: %+v", msgs)
	}

	// The email code, scoped to the organization, plain then htmx: a wrong code by the field,
	// the right one straight in.
	for _, htmx := range []bool{false, true} {
		c := e.browser()
		r := c.post("/org/"+slug+"/login", url.Values{"email": {"ada@orgpage.test"}, "method": {"code"}}, htmx)
		if htmx {
			wantHXLocation(t, r, "/org/"+slug+"?notice=code-sent")
		} else {
			wantRedirect(t, r, "/org/"+slug+"?notice=code-sent")
		}
		page := c.get("/org/"+slug+"?notice=code-sent", htmx)
		if !page.has(t, "org-code-form") {
			t.Fatalf("htmx=%v: no code form:\n%.2000s", htmx, page.body)
		}
		msgs, err := e.emu.Mailbox(t.Context(), "ada@orgpage.test")
		if err != nil || len(msgs) == 0 || msgs[0].Kind != "login_otp" {
			t.Fatalf("mailbox %+v %v", msgs, err)
		}
		wrong := "000000"
		if msgs[0].Code == wrong {
			wrong = "111111"
		}
		r = c.post("/org/"+slug+"/code", url.Values{"code": {wrong}}, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if !r.has(t, "org-code-error") {
			t.Fatalf("htmx=%v: wrong code not said by the field", htmx)
		}
		r = c.post("/org/"+slug+"/code", url.Values{"code": {msgs[0].Code}}, htmx)
		if htmx {
			wantHXLocation(t, r, "/dashboard")
		} else {
			wantRedirect(t, r, "/dashboard")
		}
		e.advance(31 * time.Second) // the next code to the same address
	}

	// With a connection and SSO required: SSO only.
	admin.createSAML("Okta")
	wantRedirect(t, admin.post("/settings/sso/settings", url.Values{"sso_jit_provisioning": {"ALL_ALLOWED"}, "require_sso": {"on"}}, false), "/settings/sso?notice=sso-saved")
	c := e.browser()
	page = c.get("/org/"+slug, false)
	if !page.has(t, "sso-start") || page.has(t, "org-login-form") {
		t.Fatalf("an SSO-only organization's page:\n%.2000s", page.body)
	}
	connID := page.doc(t).Find(`[data-testid="sso-start"]`).AttrOr("data-connection-id", "")
	landing := c.ssoLanding(c.post("/sso/start", url.Values{"connection_id": {connID}, "organization_slug": {slug}}, false), idpPerson{email: "dee@orgpage.test", name: "Dee"})
	wantRedirect(t, c.get(landing.RequestURI(), false), "/dashboard")
}

// Test sign-in reports what the IdP sent and leaves the admin signed in as before; delete
// (confirmed on the page) removes the connection and its place in the domain lookup.
func TestSSOTestSignInAndDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, _ := e.newAdmin("ada@test-conn.test", "Test Conn")
	page := admin.createSAML("Okta")
	var connID string
	for id := range connIDs(t, page) {
		connID = id
	}
	wantRedirect(t, admin.saveDomains("test-conn.test"), "/settings/sso?notice=sso-saved")

	landing := admin.ssoLanding(admin.post("/settings/sso/test", url.Values{"connection_id": {connID}}, false), idpPerson{"tester@test-conn.test", "Tess Ter", "eng, ops"})
	wantRedirect(t, admin.get(landing.RequestURI(), false), "/settings/sso")
	page = admin.get("/settings/sso", false)
	wantStatus(t, page, http.StatusOK)
	if got := page.testid(t, "sso-test-email"); got != "tester@test-conn.test" {
		t.Fatalf("test result email %q:\n%.2000s", got, page.body)
	}
	if got := page.testid(t, "sso-test-groups"); got != "eng, ops" {
		t.Fatalf("test result groups %q", got)
	}
	if got := page.testid(t, "sso-test-name"); got != "Tess Ter" {
		t.Fatalf("test result name %q", got)
	}
	dash := admin.get("/dashboard", false)
	wantStatus(t, dash, http.StatusOK)
	if !strings.Contains(dash.body, "ada@test-conn.test") {
		t.Fatal("the admin is no longer signed in as before")
	}

	// Delete, plain and with htmx (a cross-site POST is refused).
	wantStatus(t, admin.do(crossSite(t, e, "/settings/sso/delete", url.Values{"connection_id": {connID}})), http.StatusForbidden)
	wantHXLocation(t, admin.post("/settings/sso/delete", url.Values{"connection_id": {connID}}, true), "/settings/sso?notice=sso-saved")
	page = admin.get("/settings/sso?notice=sso-saved", false)
	if len(connIDs(t, page)) != 0 || !strings.Contains(page.testid(t, "notice"), "deleted") {
		t.Fatalf("after delete:\n%.2000s", page.body)
	}
	wantStatus(t, e.browser().post("/login", url.Values{"email": {"x@test-conn.test"}, "method": {"sso"}}, false), http.StatusUnprocessableEntity)
}

// A member without stytch.sso permissions gets 403 on the setup routes.
func TestSSOSetupNeedsPermission(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, _ := e.newAdmin("ada@perm-sso.test", "Perm SSO")
	e.invite(admin, "bob@perm-sso.test")
	bob := e.browser()
	bob.followLink(e.latestLink("bob@perm-sso.test"), "/dashboard")
	wantStatus(t, bob.get("/settings/sso", false), http.StatusForbidden)
	wantStatus(t, bob.post("/settings/sso/saml", url.Values{"display_name": {"x"}}, false), http.StatusForbidden)
	wantStatus(t, bob.post("/settings/sso/domains", url.Values{"domains": {"perm-sso.test"}}, false), http.StatusForbidden)
}

// crossSite is a POST from another site (Sec-Fetch-Site: cross-site).
func crossSite(t *testing.T, e *env, path string, form url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	return req
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

// The setup forms refuse what can't work, on both paths (422, the form again with the problem
// by its field): no name, neither metadata nor details, a bad certificate; an OIDC issuer whose
// discovery fails is accepted with Stytch's warning and stays pending. Make default moves the
// default; JIT restricted to no connection is refused; JIT off keeps new people out.
func TestSSOSetupForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, _ := e.newAdmin("ada@forms-sso.test", "Forms SSO")
	for _, htmx := range []bool{false, true} {
		r := admin.post("/settings/sso/saml", url.Values{"display_name": {""}, "attr_email": {"email"}}, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if htmx {
			wantFragment(t, r, "saml-form")
		}
		if !r.has(t, "saml-name-error") || !r.has(t, "saml-metadata-error") {
			t.Fatalf("htmx=%v: problems not by their fields:\n%.2000s", htmx, r.body)
		}
		r = admin.post("/settings/sso/saml", url.Values{"display_name": {"Hand"}, "idp_entity_id": {"https://idp.example/x"},
			"idp_sso_url": {"https://idp.example/sso"}, "x509_certificate": {"not a cert"}, "attr_email": {"email"}}, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if got := r.testid(t, "saml-cert-error"); !strings.Contains(got, "PEM") {
			t.Fatalf("certificate problem %q", got)
		}
		r = admin.post("/settings/sso/oidc", url.Values{"display_name": {"X"}, "issuer": {"not a url"}, "client_id": {"a"}, "client_secret": {"b"}}, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if strings.Contains(r.body, `value="b"`) {
			t.Fatal("the refused OIDC form shows the client secret again")
		}
	}
	r := admin.post("/settings/sso/oidc", url.Values{"display_name": {"Broken"}, "issuer": {"http://127.0.0.1:1/nowhere"}, "client_id": {"a"}, "client_secret": {"b"}}, false)
	wantRedirect(t, r, "/settings/sso?notice=sso-saved")
	page := admin.get("/settings/sso?notice=sso-saved", false)
	if got := page.testid(t, "notice"); !strings.Contains(got, "pending") || !strings.Contains(got, "Stytch says:") {
		t.Fatalf("OIDC warning not shown: %q", got)
	}

	// Two active connections: make the second the default.
	admin.createSAML("First")
	page = admin.createOIDC("Second")
	var second string
	page.doc(t).Find(`[data-testid="sso-conn"]`).Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.Find("h3").Text(), "Second") {
			second = s.AttrOr("data-connection-id", "")
		}
	})
	wantRedirect(t, admin.post("/settings/sso/default", url.Values{"connection_id": {second}}, false), "/settings/sso?notice=sso-saved")
	page = admin.get("/settings/sso", false)
	if got := page.doc(t).Find(`[data-testid="sso-conn"]`).First().AttrOr("data-connection-id", ""); got != second {
		t.Fatalf("the default is listed first: %s, want %s", got, second)
	}

	r = admin.post("/settings/sso/settings", url.Values{"sso_jit_provisioning": {"RESTRICTED"}}, false)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantRedirect(t, admin.post("/settings/sso/settings", url.Values{"sso_jit_provisioning": {"NOT_ALLOWED"}}, false), "/settings/sso?notice=sso-saved")
	wantRedirect(t, admin.saveDomains("forms-sso.test"), "/settings/sso?notice=sso-saved")
	b := e.browser()
	r = b.post("/login", url.Values{"email": {"new@forms-sso.test"}, "method": {"sso"}}, false)
	wantRedirect(t, r, "/sso")
	choice := b.get("/sso", false)
	connID := choice.doc(t).Find(`[data-testid="sso-start"]`).First().AttrOr("data-connection-id", "")
	landing := b.ssoLanding(b.post("/sso/start", url.Values{"connection_id": {connID}}, false), idpPerson{email: "new@forms-sso.test"})
	r = b.get(landing.RequestURI(), false)
	wantStatus(t, r, http.StatusForbidden)
	if !strings.Contains(r.body, "invitation") {
		t.Fatalf("JIT refused page:\n%.1500s", r.body)
	}
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
