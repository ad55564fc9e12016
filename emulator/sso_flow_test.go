package emulator_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso/oidc"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso/saml"
)

// ssoStartURL is Stytch's public SSO start URL on the emulator.
func (e *env) ssoStartURL(q url.Values) string {
	v := url.Values{"public_token": {e.emu.PublicToken()}, "login_redirect_url": {loginURL}, "signup_redirect_url": {signupURL}}
	for k, vs := range q {
		v[k] = vs
	}
	return e.srv.URL + "/v1/public/sso/start?" + v.Encode()
}

// pkcePair is a PKCE verifier and its S256 challenge.
func pkcePair(seed string) (verifier, challenge string) {
	verifier = strings.Repeat(seed, 43/len(seed)+1)[:43]
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// formOf reads the page's first form: its action and every input's value.
func formOf(t *testing.T, body string) (string, url.Values) {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	mustOK(t, err)
	form := doc.Find("form").First()
	action, _ := form.Attr("action")
	v := url.Values{}
	form.Find("input").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		val, _ := s.Attr("value")
		v.Set(name, val)
	})
	return action, v
}

// hop does one browser request and returns status, Location and body.
func hop(t *testing.T, method, raw string, form url.Values) (int, string, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = browser.PostForm(raw, form)
	} else {
		resp, err = browser.Get(raw)
	}
	mustOK(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// ssoStartHop follows the start URL to the IdP and returns the IdP URL.
func (e *env) ssoStartHop(q url.Values) string {
	e.t.Helper()
	status, loc, body := hop(e.t, http.MethodGet, e.ssoStartURL(q), nil)
	if status != http.StatusFound {
		e.t.Fatalf("start: %d %s", status, body)
	}
	return loc
}

// samlIdPPost drives the emulated SAML IdP from its sign-in URL and returns the ACS URL and
// the form the browser posts there (SAMLResponse, RelayState).
func (e *env) samlIdPPost(idpURL string, account url.Values) (string, url.Values) {
	t := e.t
	t.Helper()
	status, _, body := hop(t, http.MethodGet, idpURL, nil)
	if status != http.StatusOK || strings.Contains(body, "<script") {
		t.Fatalf("idp page: %d\n%s", status, body)
	}
	action, form := formOf(t, body)
	for k, v := range account {
		form[k] = v
	}
	status, _, body = hop(t, http.MethodPost, action, form)
	if status != http.StatusOK || !strings.Contains(body, `data-testid="saml-continue"`) {
		t.Fatalf("idp submit: %d\n%s", status, body)
	}
	return formOf(t, body)
}

// samlSignIn runs start → emulated IdP → ACS and returns where the browser lands.
func (e *env) samlSignIn(q url.Values, account url.Values) *url.URL {
	e.t.Helper()
	acs, form := e.samlIdPPost(e.ssoStartHop(q), account)
	return e.postACS(acs, form)
}

// postACS posts a SAML form to the ACS and expects the 302 back to the app.
func (e *env) postACS(acs string, form url.Values) *url.URL {
	e.t.Helper()
	status, loc, body := hop(e.t, http.MethodPost, acs, form)
	if status != http.StatusFound {
		e.t.Fatalf("acs: %d %s", status, body)
	}
	u, err := url.Parse(loc)
	mustOK(e.t, err)
	if u.Query().Get("stytch_token_type") != "sso" || u.Query().Get("token") == "" {
		e.t.Fatalf("back: %s", loc)
	}
	return u
}

// oidcSignIn runs start → emulated OpenID Provider → callback and returns where the browser lands.
func (e *env) oidcSignIn(q url.Values, account url.Values) *url.URL {
	t := e.t
	t.Helper()
	status, _, body := hop(t, http.MethodGet, e.ssoStartHop(q), nil)
	if status != http.StatusOK {
		t.Fatalf("idp page: %d\n%s", status, body)
	}
	action, form := formOf(t, body)
	for k, v := range account {
		form[k] = v
	}
	status, callback, body := hop(t, http.MethodPost, action, form)
	if status != http.StatusSeeOther {
		t.Fatalf("idp submit: %d %s", status, body)
	}
	status, loc, body := hop(t, http.MethodGet, callback, nil)
	if status != http.StatusFound {
		t.Fatalf("callback: %d %s", status, body)
	}
	u, err := url.Parse(loc)
	mustOK(t, err)
	return u
}

// errorType is the error_type of a JSON error body.
func errorType(body string) string {
	var b struct {
		ErrorType string `json:"error_type"`
	}
	_ = json.Unmarshal([]byte(body), &b)
	return b.ErrorType
}

func TestSAMLSignInEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID, _ := e.ssoOrg()
	c := e.samlConn(orgID)
	_, err := e.client.SSO.SAML.UpdateConnection(e.ctx, &saml.UpdateConnectionParams{OrganizationID: orgID, ConnectionID: c.ConnectionID,
		SAMLGroupImplicitRoleAssignments: []*sso.SAMLGroupImplicitRoleAssignment{{RoleID: "stytch_admin", Group: "admins"}}})
	mustOK(t, err)
	verifier, challenge := pkcePair("v")

	// A new email: JIT, back to the signup URL.
	back := e.samlSignIn(url.Values{"connection_id": {c.ConnectionID}, "pkce_code_challenge": {challenge}},
		url.Values{"email": {"Carol@acme.com"}, "name": {"Carol Shaw"}, "groups": {"eng, admins"}})
	if withoutQuery(back) != signupURL {
		t.Fatalf("back = %s", back)
	}
	tok := back.Query().Get("token")
	_, err = e.client.SSO.Authenticate(e.ctx, &sso.AuthenticateParams{SSOToken: tok})
	wantStytchError(t, err, 400, "pkce_expected_code_verifier")
	_, err = e.client.SSO.Authenticate(e.ctx, &sso.AuthenticateParams{SSOToken: tok, PkceCodeVerifier: strings.Repeat("x", 43)})
	wantStytchError(t, err, 400, "pkce_mismatch")
	resp, err := e.client.SSO.Authenticate(e.ctx, &sso.AuthenticateParams{SSOToken: tok, PkceCodeVerifier: verifier})
	mustOK(t, err)
	m := resp.Member
	if !resp.MemberAuthenticated || resp.SessionToken == "" || resp.OrganizationID != orgID || m.EmailAddress != "carol@acme.com" ||
		m.Name != "Carol Shaw" || m.Status != "active" || len(m.SSORegistrations) != 1 || m.SSORegistrations[0].ConnectionID != c.ConnectionID ||
		m.SSORegistrations[0].ExternalID != "carol@acme.com" {
		t.Fatalf("resp = %+v", resp)
	}
	if !slices.ContainsFunc(m.Roles, func(r organizations.MemberRole) bool {
		return r.RoleID == "stytch_admin" && len(r.Sources) == 1 && r.Sources[0].Type == "sso_connection_group"
	}) {
		t.Fatalf("roles = %+v", m.Roles)
	}
	f := resp.MemberSession.AuthenticationFactors
	if len(f) != 1 || f[0].Type != "sso" || f[0].DeliveryMethod != "sso_saml" || f[0].SAMLSSOFactor == nil ||
		f[0].SAMLSSOFactor.ProviderID != c.ConnectionID || f[0].SAMLSSOFactor.ID != m.SSORegistrations[0].RegistrationID {
		t.Fatalf("factors = %+v", f)
	}
	_, err = e.client.SSO.Authenticate(e.ctx, &sso.AuthenticateParams{SSOToken: tok, PkceCodeVerifier: verifier})
	wantStytchError(t, err, 404, "sso_token_not_found")

	// An existing member, started by organization slug: back to the login URL.
	back = e.samlSignIn(url.Values{"organization_id": {"acme"}}, url.Values{"email": {"ada@acme.com"}})
	if withoutQuery(back) != loginURL {
		t.Fatalf("back = %s", back)
	}
	resp, err = e.client.SSO.Authenticate(e.ctx, &sso.AuthenticateParams{SSOToken: back.Query().Get("token"), PkceCodeVerifier: verifier})
	wantStytchError(t, err, 400, "pkce_did_not_expect_code_verifier")
	resp, err = e.client.SSO.Authenticate(e.ctx, &sso.AuthenticateParams{SSOToken: back.Query().Get("token")})
	mustOK(t, err)
	if resp.Member.EmailAddress != "ada@acme.com" || !resp.MemberAuthenticated {
		t.Fatalf("resp = %+v", resp)
	}
	_, err = e.client.SSO.Authenticate(e.ctx, &sso.AuthenticateParams{SSOToken: "nope"})
	wantStytchError(t, err, 404, "sso_token_not_found")
}

func TestSAMLCallbackRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID, _ := e.ssoOrg()
	c := e.samlConn(orgID)
	acs, form := e.samlIdPPost(e.ssoStartHop(url.Values{"connection_id": {c.ConnectionID}}), url.Values{"email": {"dan@acme.com"}})
	post := func(f url.Values) (int, string) {
		status, _, body := hop(t, http.MethodPost, acs, f)
		return status, errorType(body)
	}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vs := range form {
			f[key] = vs
		}
		f.Set(k, v)
		return f
	}
	xml, err := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
	mustOK(t, err)
	tampered := strings.Replace(string(xml), "dan@acme.com", "dam@acme.com", 1)
	for _, tc := range []struct {
		name string
		form url.Values
		typ  string
	}{
		{"no response", with("SAMLResponse", ""), "missing_saml_response"},
		{"no relay state", with("RelayState", ""), "missing_saml_relay_state"},
		{"not xml", with("SAMLResponse", base64.StdEncoding.EncodeToString([]byte("<nope"))), "invalid_xml_saml_response"},
		{"tampered", with("SAMLResponse", base64.StdEncoding.EncodeToString([]byte(tampered))), "invalid_signature_saml_response"},
		{"other relay state", with("RelayState", "forged"), "unsolicited_saml_response"},
	} {
		if status, typ := post(tc.form); status != 400 || typ != tc.typ {
			t.Errorf("%s: %d %s, want 400 %s", tc.name, status, typ, tc.typ)
		}
	}
	if status, _, body := hop(t, http.MethodPost, e.srv.URL+"/v1/b2b/sso/callback/saml-connection-test-nope", form); status != 404 || errorType(body) != "sso_connection_not_found" {
		t.Errorf("unknown connection: %d %s", status, body)
	}
	e.postACS(acs, form) // the genuine one
	if status, typ := post(form); status != 400 || typ != "duplicate_saml_response" {
		t.Errorf("replay: %d %s", status, typ)
	}
	// Expired: the browser waits 10 minutes before posting.
	acs, form = e.samlIdPPost(e.ssoStartHop(url.Values{"connection_id": {c.ConnectionID}}), url.Values{"email": {"dan@acme.com"}})
	e.emu.Advance(10 * time.Minute)
	if status, typ := post(form); status != 400 || typ != "expired_saml_response" {
		t.Errorf("expired: %d %s", status, typ)
	}
}

func TestSSOStartRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID, _ := e.ssoOrg()
	pending, err := e.client.SSO.SAML.CreateConnection(e.ctx, &saml.CreateConnectionParams{OrganizationID: orgID})
	mustOK(t, err)
	for _, tc := range []struct {
		name   string
		q      url.Values
		status int
		typ    string
	}{
		{"public token", url.Values{"public_token": {"public-token-test-nope"}, "connection_id": {pending.Connection.ConnectionID}}, 404, "public_token_not_found"},
		{"no locator", url.Values{}, 400, "missing_sso_connection_locator"},
		{"two locators", url.Values{"connection_id": {"x"}, "organization_id": {orgID}}, 400, "too_many_sso_connection_locators"},
		{"no default", url.Values{"organization_id": {orgID}}, 400, "no_sso_connection_exists_for_organization"},
		{"pending", url.Values{"connection_id": {pending.Connection.ConnectionID}}, 400, "requires_active_sso_connection"},
		{"unknown", url.Values{"connection_id": {"saml-connection-test-nope"}}, 404, "sso_connection_not_found"},
		{"login url", url.Values{"connection_id": {pending.Connection.ConnectionID}, "login_redirect_url": {"https://evil.example.com/"}}, 400, "no_match_for_provided_sso_url"},
	} {
		status, _, body := hop(t, http.MethodGet, e.ssoStartURL(tc.q), nil)
		if status != tc.status || errorType(body) != tc.typ {
			t.Errorf("%s: %d %s, want %d %s", tc.name, status, body, tc.status, tc.typ)
		}
	}
}

func TestOIDCSignInEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID, _ := e.ssoOrg()
	c := e.oidcConn(orgID)
	back := e.oidcSignIn(url.Values{"connection_id": {c.ConnectionID}}, url.Values{"email": {"erin@acme.com"}, "name": {"Erin Oidc"}})
	if withoutQuery(back) != signupURL || back.Query().Get("stytch_token_type") != "sso" {
		t.Fatalf("back = %s", back)
	}
	resp, err := e.client.SSO.Authenticate(e.ctx, &sso.AuthenticateParams{SSOToken: back.Query().Get("token")})
	mustOK(t, err)
	f := resp.MemberSession.AuthenticationFactors
	if resp.Member.EmailAddress != "erin@acme.com" || resp.Member.Name != "Erin Oidc" || len(f) != 1 || f[0].DeliveryMethod != "sso_oidc" ||
		f[0].OIDCSSOFactor == nil || f[0].OIDCSSOFactor.ProviderID != c.ConnectionID || f[0].OIDCSSOFactor.ExternalID == "" {
		t.Fatalf("resp = %+v", resp)
	}

	// The callback: no state, a forged state, a replayed code.
	cb := e.srv.URL + "/v1/b2b/sso/callback/" + c.ConnectionID
	for _, tc := range []struct{ q, typ string }{{"?code=x", "missing_oidc_state_param"}, {"?code=x&state=forged", "unsolicited_oidc_response"}} {
		if status, _, body := hop(t, http.MethodGet, cb+tc.q, nil); status != 400 || errorType(body) != tc.typ {
			t.Errorf("%s: %d %s", tc.q, status, body)
		}
	}
	status, _, body := hop(t, http.MethodGet, e.ssoStartHop(url.Values{"connection_id": {c.ConnectionID}}), nil)
	action, form := formOf(t, body)
	form.Set("email", "erin@acme.com")
	_, callback, _ := hop(t, http.MethodPost, action, form)
	if status, _, body = hop(t, http.MethodGet, callback, nil); status != http.StatusFound {
		t.Fatalf("callback: %d %s", status, body)
	}
	if status, _, body = hop(t, http.MethodGet, callback, nil); status != 400 || errorType(body) != "unsolicited_oidc_response" {
		t.Errorf("replayed callback: %d %s", status, body)
	}
	// A wrong client secret on the connection: the code exchange fails.
	bad := e.oidcConn(orgID)
	_, err = e.client.SSO.OIDC.UpdateConnection(e.ctx, oidcSecret(orgID, bad.ConnectionID, "wrong"))
	mustOK(t, err)
	status, _, body = hop(t, http.MethodGet, e.ssoStartHop(url.Values{"connection_id": {bad.ConnectionID}}), nil)
	action, form = formOf(t, body)
	form.Set("email", "erin@acme.com")
	_, callback, _ = hop(t, http.MethodPost, action, form)
	if status, _, body = hop(t, http.MethodGet, callback, nil); status != 400 || errorType(body) != "oidc_auth_code_error" {
		t.Errorf("wrong secret: %d %s", status, body)
	}
}

func TestSSOJITProvisioning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID, _ := e.ssoOrg()
	c := e.samlConn(orgID)
	signIn := func(email string) error {
		back := e.samlSignIn(url.Values{"connection_id": {c.ConnectionID}}, url.Values{"email": {email}})
		_, err := e.client.SSO.Authenticate(e.ctx, &sso.AuthenticateParams{SSOToken: back.Query().Get("token")})
		return err
	}
	_, err := e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID, SSOJITProvisioning: "NOT_ALLOWED"})
	mustOK(t, err)
	wantStytchError(t, signIn("new1@acme.com"), 403, "invalid_connection_for_jit_provisioning")
	mustOK(t, signIn("ada@acme.com")) // existing members still sign in
	_, err = e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID, SSOJITProvisioning: "RESTRICTED",
		SSOJITProvisioningAllowedConnections: []string{"saml-connection-test-other"}})
	mustOK(t, err)
	wantStytchError(t, signIn("new2@acme.com"), 403, "invalid_connection_for_jit_provisioning")
	_, err = e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID,
		SSOJITProvisioningAllowedConnections: []string{c.ConnectionID}})
	mustOK(t, err)
	mustOK(t, signIn("new3@acme.com"))
}

func TestSSOPrimaryRequiredAndMFA(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID, _ := e.ssoOrg()
	c := e.samlConn(orgID)
	_, err := e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID, AuthMethods: "RESTRICTED", AllowedAuthMethods: []string{"sso"}})
	mustOK(t, err)
	// A magic link is not enough: primary_required names sso, and the IST carries on into SSO.
	ex, err := e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: e.discover("ada@acme.com").IntermediateSessionToken, OrganizationID: orgID})
	mustOK(t, err)
	if ex.MemberAuthenticated || ex.PrimaryRequired == nil || !slices.Equal(ex.PrimaryRequired.AllowedAuthMethods, []string{"sso"}) {
		t.Fatalf("exchange = %+v", ex)
	}
	back := e.samlSignIn(url.Values{"organization_id": {orgID}}, url.Values{"email": {"ada@acme.com"}})
	resp, err := e.client.SSO.Authenticate(e.ctx, &sso.AuthenticateParams{SSOToken: back.Query().Get("token"), IntermediateSessionToken: ex.IntermediateSessionToken})
	mustOK(t, err)
	if !resp.MemberAuthenticated || factorKinds(resp.MemberSession.AuthenticationFactors)[1] != "sso/sso_saml" {
		t.Fatalf("resp = %+v", resp)
	}
	// MFA required: SSO alone answers mfa_required with an IST.
	_, err = e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID, MFAPolicy: "REQUIRED_FOR_ALL"})
	mustOK(t, err)
	back = e.samlSignIn(url.Values{"connection_id": {c.ConnectionID}}, url.Values{"email": {"ada@acme.com"}})
	resp, err = e.client.SSO.Authenticate(e.ctx, &sso.AuthenticateParams{SSOToken: back.Query().Get("token")})
	mustOK(t, err)
	if resp.MemberAuthenticated || resp.IntermediateSessionToken == "" || resp.MFARequired == nil || resp.SessionToken != "" {
		t.Fatalf("resp = %+v", resp)
	}
}

func oidcSecret(orgID, connID, secret string) *oidc.UpdateConnectionParams {
	return &oidc.UpdateConnectionParams{OrganizationID: orgID, ConnectionID: connID, ClientSecret: secret}
}

// The provider pages list nobody's address, and the emulated identity providers serve only
// loopback peers.
func TestIdentityProviderPagesPrivacy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signUp("ada@acme.com", "Acme", "acme")
	status, loc, _ := hop(t, http.MethodGet, e.startURL("google", nil), nil)
	if status != http.StatusTemporaryRedirect {
		t.Fatalf("oauth start: %d", status)
	}
	status, _, body := hop(t, http.MethodGet, e.srv.URL+loc, nil)
	if status != http.StatusOK || strings.Contains(body, "ada@acme.com") {
		t.Fatalf("the Google stand-in lists a known address: %d\n%s", status, body)
	}
	for _, path := range []string{"/idp/saml/metadata", "/idp/oidc/.well-known/openid-configuration", "/idp/oidc/jwks"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.RemoteAddr = "203.0.113.7:40000"
		rec := httptest.NewRecorder()
		e.emu.API().ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s from a remote peer: %d", path, rec.Code)
		}
		if status, _, _ := hop(t, http.MethodGet, e.srv.URL+path, nil); status != http.StatusOK {
			t.Errorf("%s from loopback: %d", path, status)
		}
	}
}
