package conformance_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	oauthdiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/oauth/discovery"
	otpdiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/otp/email/discovery"
)

// TestEmailCodeFlow: a discovery email code, a wrong try, the right code, then a reuse.
func TestEmailCodeFlow(t *testing.T) {
	t.Parallel() // one binary serves every test: each uses its own addresses and organizations
	ctx, c := t.Context(), newClient(t)
	if _, err := c.OTPs.Email.Discovery.Send(ctx, &otpdiscovery.SendParams{EmailAddress: "coder@codes.example"}); err != nil {
		t.Fatalf("send code: %v", err)
	}
	m := newestMail(t, "coder@codes.example")
	if m.Kind != "discovery_otp" || len(m.Code) != 6 {
		t.Fatalf("mail = %+v", m)
	}
	wrong := "000000"
	if m.Code == wrong {
		wrong = "111111"
	}
	auth := func(code string) (*otpdiscovery.AuthenticateResponse, error) {
		return c.OTPs.Email.Discovery.Authenticate(ctx, &otpdiscovery.AuthenticateParams{EmailAddress: "coder@codes.example", Code: code})
	}
	if _, err := auth(wrong); !isErr(err, 404, "otp_code_not_found") {
		t.Fatalf("wrong code: %v", err)
	}
	resp, err := auth(m.Code)
	if err != nil || resp.IntermediateSessionToken == "" {
		t.Fatalf("right code: %v", err)
	}
	if _, err := auth(m.Code); !isErr(err, 401, "unable_to_auth_otp_code") {
		t.Fatalf("reused code: %v", err)
	}
}

// TestOAuthFlow: the browser's redirects through the emulated Google page, then the SDK.
func TestOAuthFlow(t *testing.T) {
	t.Parallel() // one binary serves every test: each uses its own addresses and organizations
	ctx, c := t.Context(), newClient(t)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	verifier := "conformance-verifier-0123456789-0123456789-abcdef"
	sum := sha256.Sum256([]byte(verifier))
	start := baseURL + "/v1/b2b/public/oauth/google/discovery/start?" + url.Values{"public_token": {publicToken},
		"discovery_redirect_url": {"http://localhost:3000/authenticate"},
		"pkce_code_challenge":    {base64.RawURLEncoding.EncodeToString(sum[:])}}.Encode()
	resp, err := noFollow.Get(start)
	if err != nil || resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("start: %v %v", err, resp)
	}
	resp.Body.Close()
	page, _ := url.Parse(baseURL + resp.Header.Get("Location"))
	resp, err = noFollow.PostForm(baseURL+page.Path, url.Values{"state": {page.Query().Get("state")}, "email": {"oauth@codes.example"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("consent: %v %v", err, resp)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	if !strings.HasPrefix(back.String(), "http://localhost:3000/authenticate?") || back.Query().Get("stytch_token_type") != "discovery_oauth" {
		t.Fatalf("back to %s", back)
	}
	tok := back.Query().Get("token")
	authenticate := func(v string) (*oauthdiscovery.AuthenticateResponse, error) {
		return c.OAuth.Discovery.Authenticate(ctx, &oauthdiscovery.AuthenticateParams{DiscoveryOAuthToken: tok, PkceCodeVerifier: v})
	}
	if _, err := authenticate("not-the-verifier"); !isErr(err, 400, "pkce_mismatch") {
		t.Fatalf("wrong verifier: %v", err)
	}
	disc, err := authenticate(verifier)
	if err != nil || disc.EmailAddress != "oauth@codes.example" || disc.ProviderType != "Google" {
		t.Fatalf("authenticate: %v %+v", err, disc)
	}
	if _, err := authenticate(verifier); !isErr(err, 404, "oauth_token_not_found") {
		t.Fatalf("spent token: %v", err)
	}
	created, err := c.Discovery.Organizations.Create(ctx, &dorgs.CreateParams{IntermediateSessionToken: disc.IntermediateSessionToken})
	if err != nil || created.MemberSession.AuthenticationFactors[0].DeliveryMethod != "oauth_google" {
		t.Fatalf("create: %v", err)
	}
}
