package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// createSAML has the admin (signed in on b) create a SAML connection from the emulated IdP's
// metadata ("Use the local test identity provider"); it returns the setup page.
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
	if dash.testid(t, "dashboard-email") != "ada@test-conn.test" {
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
	if got := page.testid(t, "notice"); !strings.Contains(got, "pending") || !strings.Contains(got, "Our sign-in service says:") {
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
