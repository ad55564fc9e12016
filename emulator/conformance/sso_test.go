package conformance_test

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso/oidc"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso/saml"
)

// The emulated OpenID Provider's development client, as emulator/README.md documents it.
const (
	devOIDCClientID     = "emulator-oidc-client"
	devOIDCClientSecret = "emulator-oidc-secret"
)

// ssoBrowser follows no redirects: each hop is checked.
var ssoBrowser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// browse does one request and returns status, Location and body.
func browse(t *testing.T, method, raw string, form url.Values) (int, string, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = ssoBrowser.PostForm(raw, form)
	} else {
		resp, err = ssoBrowser.Get(raw)
	}
	if err != nil {
		t.Fatalf("%s %s: %v", method, raw, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// pageForm reads a page's first form: its action and its inputs' values.
func pageForm(t *testing.T, body string) (string, url.Values) {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
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

// ssoStart opens the public SSO start URL (PKCE challenge of verifier) and returns the IdP URL.
func ssoStart(t *testing.T, connectionID, verifier string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(verifier))
	status, loc, body := browse(t, http.MethodGet, baseURL+"/v1/public/sso/start?"+url.Values{"public_token": {publicToken},
		"connection_id": {connectionID}, "login_redirect_url": {"http://localhost:3000/login"},
		"signup_redirect_url": {"http://localhost:3000/signup"},
		"pkce_code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}}.Encode(), nil)
	if status != http.StatusFound {
		t.Fatalf("start: %d %s", status, body)
	}
	return loc
}

// signInForm submits the IdP's sign-in page for email and returns the answer.
func signInForm(t *testing.T, idpURL, email string) (int, string, string) {
	t.Helper()
	status, _, body := browse(t, http.MethodGet, idpURL, nil)
	if status != http.StatusOK {
		t.Fatalf("idp page: %d %s", status, body)
	}
	action, form := pageForm(t, body)
	form.Set("email", email)
	return browse(t, http.MethodPost, action, form)
}

// ssoToken checks the browser is sent back with an sso token and returns it.
func ssoToken(t *testing.T, loc string) string {
	t.Helper()
	back, err := url.Parse(loc)
	if err != nil || back.Query().Get("stytch_token_type") != "sso" || back.Query().Get("token") == "" {
		t.Fatalf("back to %q", loc)
	}
	return back.Query().Get("token")
}

// TestSAMLSignInFlow: a SAML connection set up from the emulated IdP's metadata, then one
// sign-in from the start URL to a member session.
func TestSAMLSignInFlow(t *testing.T) {
	ctx, c := t.Context(), newClient(t)
	org, err := c.Organizations.Create(ctx, &organizations.CreateParams{OrganizationName: "SAML Co", OrganizationSlug: "saml-conf"})
	if err != nil {
		t.Fatal(err)
	}
	orgID := org.Organization.OrganizationID
	created, err := c.SSO.SAML.CreateConnection(ctx, &saml.CreateConnectionParams{OrganizationID: orgID, DisplayName: "Emulated SAML"})
	if err != nil {
		t.Fatal(err)
	}
	id := created.Connection.ConnectionID
	if _, err := c.SSO.SAML.UpdateByURL(ctx, &saml.UpdateByURLParams{OrganizationID: orgID, ConnectionID: id, MetadataURL: baseURL + "/idp/saml/metadata"}); err != nil {
		t.Fatal(err)
	}
	up, err := c.SSO.SAML.UpdateConnection(ctx, &saml.UpdateConnectionParams{OrganizationID: orgID, ConnectionID: id,
		AttributeMapping: map[string]any{"email": "NameID", "full_name": "name"}})
	if err != nil || up.Connection.Status != "active" {
		t.Fatalf("update: %v %+v", err, up)
	}
	verifier := strings.Repeat("s", 43)
	status, _, body := signInForm(t, ssoStart(t, id, verifier), "sam@saml.example")
	if status != http.StatusOK {
		t.Fatalf("idp submit: %d %s", status, body)
	}
	acs, form := pageForm(t, body) // the auto-posting form: SAMLResponse + RelayState
	status, loc, body := browse(t, http.MethodPost, acs, form)
	if status != http.StatusFound {
		t.Fatalf("acs: %d %s", status, body)
	}
	resp, err := c.SSO.Authenticate(ctx, &sso.AuthenticateParams{SSOToken: ssoToken(t, loc), PkceCodeVerifier: verifier})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.MemberAuthenticated || resp.SessionJWT == "" || resp.Member.EmailAddress != "sam@saml.example" ||
		resp.MemberSession.AuthenticationFactors[0].DeliveryMethod != "sso_saml" {
		t.Fatalf("authenticate = %+v", resp)
	}
	if _, err := c.SSO.Authenticate(ctx, &sso.AuthenticateParams{SSOToken: ssoToken(t, loc), PkceCodeVerifier: verifier}); !isErr(err, 404, "sso_token_not_found") {
		t.Fatalf("second authenticate: %v", err)
	}
}

// TestOIDCSignInFlow: an OIDC connection to the emulated OpenID Provider (issuer discovery and
// the documented development client), then one sign-in from the start URL to a member session.
func TestOIDCSignInFlow(t *testing.T) {
	ctx, c := t.Context(), newClient(t)
	org, err := c.Organizations.Create(ctx, &organizations.CreateParams{OrganizationName: "OIDC Co", OrganizationSlug: "oidc-conf"})
	if err != nil {
		t.Fatal(err)
	}
	orgID := org.Organization.OrganizationID
	created, err := c.SSO.OIDC.CreateConnection(ctx, &oidc.CreateConnectionParams{OrganizationID: orgID, DisplayName: "Emulated OIDC"})
	if err != nil {
		t.Fatal(err)
	}
	up, err := c.SSO.OIDC.UpdateConnection(ctx, &oidc.UpdateConnectionParams{OrganizationID: orgID, ConnectionID: created.Connection.ConnectionID,
		Issuer: baseURL + "/idp/oidc", ClientID: devOIDCClientID, ClientSecret: devOIDCClientSecret})
	if err != nil || up.Connection.Status != "active" || up.Warning != "" {
		t.Fatalf("update: %v %+v", err, up)
	}
	verifier := strings.Repeat("o", 43)
	status, callback, body := signInForm(t, ssoStart(t, up.Connection.ConnectionID, verifier), "olive@oidc.example")
	if status != http.StatusSeeOther {
		t.Fatalf("idp submit: %d %s", status, body)
	}
	status, loc, body := browse(t, http.MethodGet, callback, nil)
	if status != http.StatusFound {
		t.Fatalf("callback: %d %s", status, body)
	}
	resp, err := c.SSO.Authenticate(ctx, &sso.AuthenticateParams{SSOToken: ssoToken(t, loc), PkceCodeVerifier: verifier})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.MemberAuthenticated || resp.Member.EmailAddress != "olive@oidc.example" ||
		resp.MemberSession.AuthenticationFactors[0].DeliveryMethod != "sso_oidc" {
		t.Fatalf("authenticate = %+v", resp)
	}
}
