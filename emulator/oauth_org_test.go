package emulator_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
	"github.com/orgpick/orgpick/emulator"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/oauth"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
)

const (
	loginURL  = "http://localhost:3000/login"
	signupURL = "http://localhost:3000/signup"
)

// orgStartURL is Stytch's public org-scoped OAuth start URL on the emulator.
func (e *env) orgStartURL(provider, orgID string, extra url.Values) string {
	q := url.Values{"public_token": {e.emu.PublicToken()}, "organization_id": {orgID},
		"login_redirect_url": {loginURL}, "signup_redirect_url": {signupURL}}
	for k, v := range extra {
		q[k] = v
	}
	return e.srv.URL + "/v1/b2b/public/oauth/" + provider + "/start?" + q.Encode()
}

// orgOAuthDance runs the browser's part of an org-scoped sign-in: start (307) → provider
// page (200, naming the organization) → submit (303). It returns the URL the browser is sent
// back to (login or signup, stytch_token_type=oauth).
func (e *env) orgOAuthDance(provider, orgID string, extra url.Values, email string) *url.URL {
	e.t.Helper()
	html, back := e.providerDance(e.orgStartURL(provider, orgID, extra), url.Values{"email": {email}})
	if !strings.Contains(html, `data-testid="idp-organization"`) {
		e.t.Fatalf("provider page names no organization:\n%s", html)
	}
	if back.Query().Get("stytch_token_type") != "oauth" || back.Query().Get("token") == "" {
		e.t.Fatalf("return: %s", back)
	}
	return back
}

// orgOAuthToken runs the dance and returns just the oauth token.
func (e *env) orgOAuthToken(provider, orgID, email string) string {
	e.t.Helper()
	return e.orgOAuthDance(provider, orgID, nil, email).Query().Get("token")
}

func (e *env) orgOAuthAuth(p *oauth.AuthenticateParams) (*oauth.AuthenticateResponse, error) {
	return e.client.OAuth.Authenticate(e.ctx, p)
}

// withoutQuery is a URL's scheme, host and path.
func withoutQuery(u *url.URL) string {
	v := *u
	v.RawQuery = ""
	return v.String()
}

func TestOrgOAuthStartValidation(t *testing.T) {
	e := newEnv(t)
	acme := e.signUp("ada@acme.com", "Acme Corp", "acme")
	orgID := acme.Organization.OrganizationID
	get := func(raw string) (int, string, string) {
		resp, err := browser.Get(raw)
		mustOK(t, err)
		defer resp.Body.Close()
		var body struct {
			ErrorType string `json:"error_type"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.ErrorType, resp.Header.Get("Location")
	}
	base := e.srv.URL + "/v1/b2b/public/oauth/google/start?public_token=" + e.emu.PublicToken()
	for _, c := range []struct {
		name, url string
		status    int
		typ       string
	}{
		{"wrong public token", strings.Replace(e.orgStartURL("google", orgID, nil), "public-token-test-", "public-token-test-x", 1), 404, "public_token_not_found"},
		{"no organization", base, 400, "organization_id_or_slug_required"},
		{"unknown organization", e.orgStartURL("google", "organization-test-00000000-0000-0000-0000-000000000000", nil), 404, "organization_not_found"},
		{"unknown slug", base + "&slug=nope", 404, "organization_not_found"},
		{"login redirect not allowed", e.orgStartURL("google", orgID, url.Values{"login_redirect_url": {"https://evil.example/cb"}}), 400, "no_match_for_provided_oauth_url"},
		{"signup redirect not allowed", e.orgStartURL("microsoft", orgID, url.Values{"signup_redirect_url": {"https://evil.example/cb"}}), 400, "no_match_for_provided_oauth_url"},
		{"unknown provider", e.orgStartURL("myspace", orgID, nil), 404, "route_not_found"},
	} {
		if status, typ, _ := get(c.url); status != c.status || typ != c.typ {
			t.Errorf("%s: %d %s, want %d %s", c.name, status, typ, c.status, c.typ)
		}
	}
	status, _, loc := get(base + "&slug=ACME")
	if status != 307 || !strings.HasPrefix(loc, "/_emulator/oauth/google?state=") {
		t.Fatalf("start by slug: %d %s", status, loc)
	}
	resp, err := browser.Get(e.srv.URL + loc)
	mustOK(t, err)
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(html), "Acme Corp") {
		t.Errorf("provider page does not name the organization: %d\n%s", resp.StatusCode, html)
	}
}

func TestOrgOAuthLoginSignupAndJIT(t *testing.T) {
	e := newEnv(t)
	beta := e.signUp("bo@beta.io", "Beta", "beta")
	orgID := beta.Organization.OrganizationID
	_, err := e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID,
		EmailJITProvisioning: "RESTRICTED", EmailAllowedDomains: []string{"beta.io"}})
	mustOK(t, err)

	back := e.orgOAuthDance("google", orgID, nil, "Bo@Beta.io")
	if withoutQuery(back) != loginURL {
		t.Fatalf("existing member went to %s, want the login URL", back)
	}
	resp, err := e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: back.Query().Get("token")})
	mustOK(t, err)
	f := resp.MemberSession.AuthenticationFactors
	if !resp.MemberAuthenticated || resp.SessionToken == "" || resp.SessionJWT == "" || resp.MemberID != beta.Member.MemberID ||
		resp.OrganizationID != orgID || resp.ProviderType != "Google" || resp.ProviderSubject == "" || resp.IntermediateSessionToken != "" ||
		resp.MFARequired != nil || resp.PrimaryRequired != nil || resp.ProviderValues == nil || resp.ProviderValues.AccessToken == "" ||
		resp.ProviderValues.ExpiresAt == nil || len(resp.ProviderValues.Scopes) == 0 {
		t.Fatalf("login = %+v", resp)
	}
	if len(f) != 1 || f[0].Type != "oauth" || f[0].DeliveryMethod != "oauth_google" || f[0].GoogleOAuthFactor == nil ||
		f[0].GoogleOAuthFactor.ProviderSubject != resp.ProviderSubject || f[0].GoogleOAuthFactor.EmailID == "" {
		t.Errorf("factors = %+v", f)
	}
	_, err = e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: back.Query().Get("token")})
	wantStytchError(t, err, 404, "oauth_token_not_found") // spent

	t.Run("signup by JIT", func(t *testing.T) {
		back := e.orgOAuthDance("microsoft", orgID, nil, "cy@beta.io")
		if withoutQuery(back) != signupURL {
			t.Fatalf("new email went to %s, want the signup URL", back)
		}
		resp, err := e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: back.Query().Get("token"), SessionDurationMinutes: 30})
		mustOK(t, err)
		if !resp.MemberAuthenticated || resp.Member.EmailAddress != "cy@beta.io" || resp.Member.Status != "active" ||
			!resp.Member.EmailAddressVerified || resp.ProviderType != "Microsoft" {
			t.Fatalf("jit = %+v", resp)
		}
		if f := resp.MemberSession.AuthenticationFactors; len(f) != 1 || f[0].DeliveryMethod != "oauth_microsoft" || f[0].MicrosoftOAuthFactor == nil {
			t.Errorf("factors = %+v", f)
		}
	})
	t.Run("not eligible", func(t *testing.T) {
		tok := e.orgOAuthToken("google", orgID, "dee@elsewhere.io")
		_, err := e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: tok})
		wantStytchError(t, err, 403, "email_jit_provisioning_not_allowed")
	})
	t.Run("session arguments refused", func(t *testing.T) {
		tok := e.orgOAuthToken("google", orgID, "bo@beta.io")
		_, err := e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: tok, SessionToken: beta.SessionToken})
		wantStytchError(t, err, 400, "unsupported_session_arguments")
	})
}

func TestOrgOAuthTokenErrors(t *testing.T) {
	e := newEnv(t)
	acme := e.signUp("ada@acme.com", "Acme", "acme")
	orgID := acme.Organization.OrganizationID

	t.Run("PKCE", func(t *testing.T) {
		verifier := "a-verifier-of-at-least-forty-three-characters-0123456789"
		sum := sha256.Sum256([]byte(verifier))
		challenge := base64.RawURLEncoding.EncodeToString(sum[:])
		tok := e.orgOAuthDance("google", orgID, url.Values{"pkce_code_challenge": {challenge}}, "ada@acme.com").Query().Get("token")
		_, err := e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: tok})
		wantStytchError(t, err, 400, "pkce_expected_code_verifier")
		_, err = e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: tok, PkceCodeVerifier: "wrong-verifier"})
		wantStytchError(t, err, 400, "pkce_mismatch")
		resp, err := e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: tok, PkceCodeVerifier: verifier})
		mustOK(t, err)
		if !resp.MemberAuthenticated {
			t.Errorf("after PKCE retry: %+v", resp)
		}
	})
	t.Run("token type confusion", func(t *testing.T) {
		disc := e.oauthDance("google", nil, "ada@acme.com")
		_, err := e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: disc})
		wantStytchError(t, err, 404, "oauth_token_not_found")
		org := e.orgOAuthToken("google", orgID, "ada@acme.com")
		_, err = e.oauthAuth(org, "")
		wantStytchError(t, err, 404, "oauth_token_not_found")
		// Neither was spent by the wrong endpoint.
		_, err = e.oauthAuth(disc, "")
		mustOK(t, err)
		_, err = e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: org})
		mustOK(t, err)
	})
	t.Run("IST of another email", func(t *testing.T) {
		ist := e.discover("bo@acme.com").IntermediateSessionToken
		tok := e.orgOAuthToken("google", orgID, "ada@acme.com")
		_, err := e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: tok, IntermediateSessionToken: ist})
		wantStytchError(t, err, 400, "intermediate_session_token_mismatch")
		_, err = e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: tok, IntermediateSessionToken: "no-such-ist"})
		wantStytchError(t, err, 404, "intermediate_session_not_found")
		resp, err := e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: tok}) // the refusals left it unspent
		mustOK(t, err)
		if !resp.MemberAuthenticated {
			t.Errorf("after refusals: %+v", resp)
		}
	})
}

// An emulator database from before org-scoped OAuth (no org_id / signup_redirect columns)
// keeps working: the columns are added on open. Such a file also predates numbered
// migrations, hence no schema_migrations table.
func TestOAuthColumnsMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "emu.db")
	emu, err := emulator.New(emulator.Config{ProjectID: projectID, Secret: secret, DatabasePath: path})
	mustOK(t, err)
	emu.Close()
	db, err := sql.Open("sqlite3", path)
	mustOK(t, err)
	for _, stmt := range []string{`ALTER TABLE oauth_states DROP COLUMN org_id`, `ALTER TABLE oauth_states DROP COLUMN signup_redirect`,
		`ALTER TABLE oauth_tokens DROP COLUMN org_id`, `DROP TABLE schema_migrations`} {
		_, err := db.Exec(stmt)
		mustOK(t, err)
	}
	mustOK(t, db.Close())
	e := newEnv(t, func(c *emulator.Config) { c.DatabasePath = path })
	acme := e.signUp("ada@acme.com", "Acme", "acme")
	resp, err := e.orgOAuthAuth(&oauth.AuthenticateParams{OAuthToken: e.orgOAuthToken("google", acme.Organization.OrganizationID, "ada@acme.com")})
	mustOK(t, err)
	if !resp.MemberAuthenticated {
		t.Errorf("after migration: %+v", resp)
	}
}
