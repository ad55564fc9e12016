package emulator_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgpick/orgpick/emulator"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	oauthdiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/oauth/discovery"
)

// browser follows no redirects, like a test of each hop.
var browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// startURL is Stytch's public discovery start URL on the emulator.
func (e *env) startURL(provider string, extra url.Values) string {
	q := url.Values{"public_token": {e.emu.PublicToken()}, "discovery_redirect_url": {redirect}}
	for k, v := range extra {
		q[k] = v
	}
	return e.srv.URL + "/v1/b2b/public/oauth/" + provider + "/discovery/start?" + q.Encode()
}

// oauthDance runs the browser's part: start (307) → emulated provider page (200) → submit
// the email (303 back to the redirect URL). It returns the discovery_oauth token.
func (e *env) oauthDance(provider string, extra url.Values, email string) string {
	e.t.Helper()
	html, back := e.providerDance(e.startURL(provider, extra), url.Values{"email": {email}, "name": {"Ada Lovelace"}})
	if !strings.Contains(html, "(emulated)</h1>") || strings.Contains(html, "<script") {
		e.t.Fatalf("provider page:\n%s", html)
	}
	if !strings.HasPrefix(back.String(), redirect+"?") || back.Query().Get("stytch_token_type") != "discovery_oauth" {
		e.t.Fatalf("return: %s", back)
	}
	return back.Query().Get("token")
}

// providerDance is the browser at an OAuth start URL: start (307) → emulated provider page
// (200) → the form submitted with form plus its state (303). It returns the page's HTML and
// where the provider sends the browser back.
func (e *env) providerDance(start string, form url.Values) (string, *url.URL) {
	t := e.t
	t.Helper()
	resp, err := browser.Get(start)
	mustOK(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("start: status %d", resp.StatusCode)
	}
	page, err := url.Parse(e.srv.URL)
	mustOK(t, err)
	page, err = page.Parse(resp.Header.Get("Location"))
	mustOK(t, err)
	resp, err = browser.Get(page.String())
	mustOK(t, err)
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("provider page: %d\n%s", resp.StatusCode, html)
	}
	form.Set("state", page.Query().Get("state"))
	resp, err = browser.PostForm(e.srv.URL+page.Path, form)
	mustOK(t, err)
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	mustOK(t, err)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("return: %d %s", resp.StatusCode, back)
	}
	return string(html), back
}

func (e *env) oauthAuth(tok, verifier string) (*oauthdiscovery.AuthenticateResponse, error) {
	return e.client.OAuth.Discovery.Authenticate(e.ctx, &oauthdiscovery.AuthenticateParams{DiscoveryOAuthToken: tok, PkceCodeVerifier: verifier})
}

func TestOAuthDiscoveryGoogle(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	acme := e.signUp("ada@acme.com", "Acme", "acme")
	if tok := e.emu.PublicToken(); !strings.HasPrefix(tok, "public-token-test-") || len(tok) != len("public-token-test-")+36 {
		t.Fatalf("public token = %q", tok)
	}
	tok := e.oauthDance("google", nil, "Ada@Acme.com")
	resp, err := e.oauthAuth(tok, "")
	mustOK(t, err)
	if resp.EmailAddress != "ada@acme.com" || resp.ProviderType != "Google" || resp.ProviderTenantID != "acme.com" ||
		memberships(resp.DiscoveredOrganizations)[acme.Organization.OrganizationID] != "active_member" {
		t.Fatalf("discovery = %+v", resp)
	}
	_, err = e.oauthAuth(tok, "")
	wantStytchError(t, err, 404, "oauth_token_not_found") // spent

	ex, err := e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: resp.IntermediateSessionToken, OrganizationID: acme.Organization.OrganizationID})
	mustOK(t, err)
	f := ex.MemberSession.AuthenticationFactors
	if len(f) != 1 || f[0].Type != "oauth" || f[0].DeliveryMethod != "oauth_google" || f[0].GoogleOAuthFactor == nil ||
		f[0].GoogleOAuthFactor.ProviderSubject == "" || !strings.HasPrefix(f[0].GoogleOAuthFactor.EmailID, "email-test-") {
		t.Errorf("factors = %+v", f)
	}

	t.Run("expired token", func(t *testing.T) {
		tok := e.oauthDance("google", nil, "bo@beta.io")
		e.emu.Advance(11 * time.Minute)
		_, err := e.oauthAuth(tok, "")
		wantStytchError(t, err, 404, "oauth_token_not_found")
	})
}

func TestOAuthDiscoveryMicrosoftAndPKCE(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	verifier := "a-verifier-of-at-least-forty-three-characters-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	tok := e.oauthDance("microsoft", url.Values{"pkce_code_challenge": {challenge}}, "grace@initech.co.uk")
	_, err := e.oauthAuth(tok, "")
	wantStytchError(t, err, 400, "pkce_expected_code_verifier")
	_, err = e.oauthAuth(tok, "wrong-verifier")
	wantStytchError(t, err, 400, "pkce_mismatch")
	resp, err := e.oauthAuth(tok, verifier) // PKCE failures leave the token unspent
	mustOK(t, err)
	if resp.ProviderType != "Microsoft" || len(resp.ProviderTenantIds) != 1 || len(resp.ProviderTenantID) != 36 {
		t.Errorf("microsoft discovery = %+v", resp)
	}
	created, err := e.client.Discovery.Organizations.Create(e.ctx, &dorgs.CreateParams{IntermediateSessionToken: resp.IntermediateSessionToken})
	mustOK(t, err)
	if f := created.MemberSession.AuthenticationFactors; len(f) != 1 || f[0].DeliveryMethod != "oauth_microsoft" || f[0].MicrosoftOAuthFactor == nil {
		t.Errorf("factors = %+v", f)
	}
	if created.Organization.OrganizationName != "initech" {
		t.Errorf("org name = %q", created.Organization.OrganizationName)
	}
	tok = e.oauthDance("google", nil, "grace@initech.co.uk")
	_, err = e.oauthAuth(tok, verifier)
	wantStytchError(t, err, 400, "pkce_did_not_expect_code_verifier")
}

func TestOAuthStartAndPageErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	get := func(raw string) (int, string, string) { return browserGet(t, raw) }
	for _, c := range []struct {
		name, url string
		status    int
		typ       string
	}{
		{"wrong public token", strings.Replace(e.startURL("google", nil), "public-token-test-", "public-token-test-x", 1), 404, "public_token_not_found"},
		{"no public token", e.srv.URL + "/v1/b2b/public/oauth/google/discovery/start", 404, "public_token_not_found"},
		{"redirect not allowed", e.startURL("google", url.Values{"discovery_redirect_url": {"https://evil.example/cb"}}), 400, "invalid_discovery_redirect_url"},
		{"unknown provider", e.startURL("myspace", nil), 404, "route_not_found"},
	} {
		if status, typ, _ := get(c.url); status != c.status || typ != c.typ {
			t.Errorf("%s: %d %s, want %d %s", c.name, status, typ, c.status, c.typ)
		}
	}
	status, _, loc := get(e.srv.URL + "/v1/b2b/public/oauth/google/discovery/start?public_token=" + e.emu.PublicToken())
	if status != 307 || !strings.HasPrefix(loc, "/_emulator/oauth/google?state=") {
		t.Fatalf("start without a redirect URL: %d %s", status, loc)
	}
	state := strings.TrimPrefix(loc, "/_emulator/oauth/google?state=")
	state, _ = url.QueryUnescape(state)
	post := func(email string) *http.Response {
		resp, err := browser.PostForm(e.srv.URL+"/_emulator/oauth/google", url.Values{"state": {state}, "email": {email}})
		mustOK(t, err)
		resp.Body.Close()
		return resp
	}
	if resp := post("not an email"); resp.StatusCode != 422 {
		t.Errorf("bad email: %d", resp.StatusCode)
	}
	if resp := post("ada@acme.com"); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), emulator.DefaultRedirectURL+"?") {
		t.Errorf("default redirect: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := post("ada@acme.com"); resp.StatusCode != 400 {
		t.Errorf("spent state: %d", resp.StatusCode)
	}
}

func TestPublicTokenPersistsAndIsConfigurable(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "emu.db")
	open := func(tok string) string {
		emu, err := emulator.New(emulator.Config{ProjectID: projectID, Secret: secret, DatabasePath: path, PublicToken: tok})
		mustOK(t, err)
		defer emu.Close()
		return emu.PublicToken()
	}
	first := open("")
	if again := open(""); again != first {
		t.Errorf("public token changed across restarts: %s then %s", first, again)
	}
	if got := open("public-token-test-fixed"); got != "public-token-test-fixed" {
		t.Errorf("configured public token ignored: %s", got)
	}
}

// browserGet GETs raw without following redirects and returns the status, the Stytch
// error_type (if any) and the Location header.
func browserGet(t *testing.T, raw string) (status int, errorType, location string) {
	t.Helper()
	resp, err := browser.Get(raw)
	mustOK(t, err)
	defer resp.Body.Close()
	var body struct {
		ErrorType string `json:"error_type"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.ErrorType, resp.Header.Get("Location")
}
