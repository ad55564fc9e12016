package conformance_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/oauth"
	oauthdiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/oauth/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	otpdiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/otp/email/discovery"
)

// orgOAuth runs the browser's part of an org-scoped Google sign-in and returns the URL it is
// sent back to (with stytch_token_type=oauth and the token).
func orgOAuth(t *testing.T, orgID, email string) *url.URL {
	t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(baseURL + "/v1/b2b/public/oauth/google/start?" + url.Values{"public_token": {publicToken},
		"organization_id": {orgID}, "login_redirect_url": {"http://localhost:3000/login"},
		"signup_redirect_url": {"http://localhost:3000/signup"}}.Encode())
	if err != nil || resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("start: %v %v", err, resp)
	}
	resp.Body.Close()
	page, _ := url.Parse(baseURL + resp.Header.Get("Location"))
	resp, err = noFollow.PostForm(baseURL+page.Path, url.Values{"state": {page.Query().Get("state")}, "email": {email}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("consent: %v %v", err, resp)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	if back.Query().Get("stytch_token_type") != "oauth" {
		t.Fatalf("back to %s", back)
	}
	return back
}

// emailCodeIST signs email in with a discovery email code and returns the IST.
func emailCodeIST(t *testing.T, c *b2bstytchapi.API, email string) string {
	t.Helper()
	if _, err := c.OTPs.Email.Discovery.Send(t.Context(), &otpdiscovery.SendParams{EmailAddress: email}); err != nil {
		t.Fatalf("send code: %v", err)
	}
	resp, err := c.OTPs.Email.Discovery.Authenticate(t.Context(), &otpdiscovery.AuthenticateParams{EmailAddress: email, Code: newestMail(t, email).Code})
	if err != nil {
		t.Fatalf("code: %v", err)
	}
	return resp.IntermediateSessionToken
}

// TestOrgOAuthPrimaryRequiredFlow: an organization that only accepts Google. An email code
// gets primary_required; the org-scoped Google sign-in with that step's IST finishes it.
func TestOrgOAuthPrimaryRequiredFlow(t *testing.T) {
	t.Parallel() // one binary serves every test: each uses its own addresses and organizations
	ctx, c := t.Context(), newClient(t)
	org, err := c.Organizations.Create(ctx, &organizations.CreateParams{OrganizationName: "Primary", OrganizationSlug: "primary-conf",
		AuthMethods: "RESTRICTED", AllowedAuthMethods: []string{"google_oauth"},
		EmailJITProvisioning: "RESTRICTED", EmailAllowedDomains: []string{"primary.example"}})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	orgID := org.Organization.OrganizationID
	auth := func(p *oauth.AuthenticateParams) (*oauth.AuthenticateResponse, error) {
		return c.OAuth.Authenticate(ctx, p)
	}

	back := orgOAuth(t, orgID, "pat@primary.example") // not a member yet: signup URL, JIT
	if back.Path != "/signup" {
		t.Fatalf("new member sent to %s", back)
	}
	first, err := auth(&oauth.AuthenticateParams{OAuthToken: back.Query().Get("token")})
	if err != nil || !first.MemberAuthenticated || first.ProviderType != "Google" {
		t.Fatalf("jit sign-in: %v %+v", err, first)
	}
	if _, err := auth(&oauth.AuthenticateParams{OAuthToken: back.Query().Get("token")}); !isErr(err, 404, "oauth_token_not_found") {
		t.Fatalf("spent token: %v", err)
	}

	ist := emailCodeIST(t, c, "pat@primary.example")
	ex, err := c.Discovery.IntermediateSessions.Exchange(ctx, &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: orgID})
	if err != nil || ex.MemberAuthenticated || ex.PrimaryRequired == nil || len(ex.PrimaryRequired.AllowedAuthMethods) != 1 || ex.MFARequired != nil {
		t.Fatalf("exchange: %v %+v", err, ex)
	}
	back = orgOAuth(t, orgID, "pat@primary.example")
	if back.Path != "/login" {
		t.Fatalf("member sent to %s", back)
	}
	tok := back.Query().Get("token")
	if _, err := c.OAuth.Discovery.Authenticate(ctx, &oauthdiscovery.AuthenticateParams{DiscoveryOAuthToken: tok}); !isErr(err, 404, "oauth_token_not_found") {
		t.Fatalf("org-scoped token at oauth/discovery/authenticate: %v", err)
	}
	for _, tc := range []struct {
		name   string
		p      oauth.AuthenticateParams
		status int
		typ    string
	}{
		{"IST bound to another organization", oauth.AuthenticateParams{OAuthToken: tok, IntermediateSessionToken: otherOrgIST(t, c, "pat@primary.example")}, 400, "invalid_intermediate_session_token_for_organization"},
		{"IST of another email", oauth.AuthenticateParams{OAuthToken: tok, IntermediateSessionToken: emailCodeIST(t, c, "sam@primary.example")}, 400, "intermediate_session_token_mismatch"},
		{"session arguments", oauth.AuthenticateParams{OAuthToken: tok, SessionToken: first.SessionToken}, 400, "unsupported_session_arguments"},
		{"unknown token", oauth.AuthenticateParams{OAuthToken: "not-a-token"}, 404, "oauth_token_not_found"},
	} {
		if _, err := auth(&tc.p); !isErr(err, tc.status, tc.typ) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	jit := orgOAuth(t, orgID, "zed@elsewhere.example").Query().Get("token")
	if _, err := auth(&oauth.AuthenticateParams{OAuthToken: jit}); !isErr(err, 403, "email_jit_provisioning_not_allowed") {
		t.Errorf("new email of another domain: %v", err)
	}
	done, err := auth(&oauth.AuthenticateParams{OAuthToken: tok, IntermediateSessionToken: ex.IntermediateSessionToken})
	if err != nil || !done.MemberAuthenticated || len(done.MemberSession.AuthenticationFactors) != 2 {
		t.Fatalf("primary step: %v %+v", err, done)
	}
}

// TestOrgOAuthStartErrors: the org-scoped start refuses a missing or unknown organization and
// an unregistered redirect URL.
func TestOrgOAuthStartErrors(t *testing.T) {
	t.Parallel() // one binary serves every test: each uses its own addresses and organizations
	if _, err := newClient(t).Organizations.Create(t.Context(), &organizations.CreateParams{OrganizationName: "Start errors",
		OrganizationSlug: "primary-start"}); err != nil {
		t.Fatalf("create: %v", err)
	}
	for _, s := range []struct {
		name, query string
		status      int
		typ         string
	}{
		{"no organization", "", 400, "organization_id_or_slug_required"},
		{"unknown organization", "&slug=no-such-org", 404, "organization_not_found"},
		{"login URL not allowed", "&slug=primary-start&login_redirect_url=https%3A%2F%2Fevil.example%2F", 400, "no_match_for_provided_oauth_url"},
	} {
		resp, err := http.Get(baseURL + "/v1/b2b/public/oauth/google/start?public_token=" + url.QueryEscape(publicToken) + s.query)
		if err != nil {
			t.Fatal(err)
		}
		if typ := decodeType(resp); resp.StatusCode != s.status || typ != s.typ {
			t.Errorf("start, %s: %d %s", s.name, resp.StatusCode, typ)
		}
		resp.Body.Close()
	}
}

// otherOrgIST makes email a member of a new organization that only accepts Microsoft and
// returns the IST of its primary_required step (bound to that organization).
func otherOrgIST(t *testing.T, c *b2bstytchapi.API, email string) string {
	t.Helper()
	ctx := t.Context()
	org, err := c.Organizations.Create(ctx, &organizations.CreateParams{OrganizationName: "Other", OrganizationSlug: "primary-other",
		AuthMethods: "RESTRICTED", AllowedAuthMethods: []string{"microsoft_oauth"}})
	if err != nil {
		t.Fatalf("create other: %v", err)
	}
	if _, err := c.Organizations.Members.Create(ctx, &members.CreateParams{OrganizationID: org.Organization.OrganizationID, EmailAddress: email}); err != nil {
		t.Fatalf("member: %v", err)
	}
	ex, err := c.Discovery.IntermediateSessions.Exchange(ctx, &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: emailCodeIST(t, c, email), OrganizationID: org.Organization.OrganizationID})
	if err != nil || ex.PrimaryRequired == nil {
		t.Fatalf("exchange into other: %v %+v", err, ex)
	}
	return ex.IntermediateSessionToken
}
