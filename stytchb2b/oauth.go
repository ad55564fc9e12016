package stytchb2b

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/oauth"
)

// OAuth (Google, Microsoft) starts in the browser: the app sends it to Stytch's public start
// URL, the provider sends it back with a token, and the app spends that token here. Discovery
// (any organization) is in discovery_methods.go; this file has what both flows share and the
// organization-scoped flow an organization that accepts only OAuth asks for (primary_required).

// OAuthProviders are the providers the app offers, in button order.
var OAuthProviders = []string{"google", "microsoft"}

// AuthMethod is the name an organization's allowed_auth_methods (and primary_required) give a
// provider: "google" → "google_oauth".
func AuthMethod(provider string) string { return provider + "_oauth" }

// OAuthStart is where the browser goes to sign in with provider: Stytch's public discovery
// start URL on apiBase (the API's origin), coming back to redirectURL. It returns the PKCE
// verifier, which must stay server-side until the browser comes back.
func OAuthStart(apiBase, publicToken, provider, redirectURL string) (startURL, verifier string) {
	q, verifier := pkceQuery(publicToken)
	q.Set("discovery_redirect_url", redirectURL)
	return startURLOf(apiBase, provider, "discovery/start", q), verifier
}

// OrgOAuth is an organization-scoped OAuth start: with which provider, for which organization,
// coming back where, and for which account.
type OrgOAuth struct {
	APIBase     string // the API's origin
	PublicToken string
	Provider    string // one of OAuthProviders
	OrgID       string
	RedirectURL string // where the browser comes back (BASE_URL/authenticate)
	LoginHint   string // pre-fills the provider's account ("" for none)
}

// OrgOAuthStart is OAuthStart for one organization (Stytch's organization-scoped start): the
// browser comes back to o.RedirectURL with stytch_token_type=oauth, whether the provider's
// account is already a member (login) or not yet (signup).
func OrgOAuthStart(o OrgOAuth) (startURL, verifier string) {
	q, verifier := pkceQuery(o.PublicToken)
	q.Set("organization_id", o.OrgID)
	q.Set("login_redirect_url", o.RedirectURL)
	q.Set("signup_redirect_url", o.RedirectURL)
	if o.LoginHint != "" {
		q.Set("provider_login_hint", o.LoginHint)
	}
	return startURLOf(o.APIBase, o.Provider, "start", q), verifier
}

// pkceQuery is the query every start URL carries: the public token and a PKCE challenge, with
// the verifier that answers it.
func pkceQuery(publicToken string) (url.Values, string) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	verifier := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return url.Values{"public_token": {publicToken}, "pkce_code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}}, verifier
}

func startURLOf(apiBase, provider, path string, q url.Values) string {
	return strings.TrimRight(apiBase, "/") + "/v1/b2b/public/oauth/" + url.PathEscape(provider) + "/" + path + "?" + q.Encode()
}

// OAuthLanding is what an organization-scoped OAuth sign-in comes back with, and what spends
// it: the token, the PKCE verifier kept at the start, and the pending step's IST that asked for
// this method (presented with it, so the factors it already proved count).
type OAuthLanding struct {
	Token    string
	Verifier string
	IST      string
}

// AuthenticateOAuth spends the token of an organization-scoped OAuth sign-in. The answer is a
// session, or an *MFARequiredError when the organization wants a second factor (or yet another
// method).
func (c *Client) AuthenticateOAuth(ctx context.Context, l OAuthLanding) (Session, error) {
	resp, err := call(ctx, c, "authenticate oauth", c.api.OAuth.Authenticate, &oauth.AuthenticateParams{
		OAuthToken: l.Token, PkceCodeVerifier: l.Verifier, IntermediateSessionToken: l.IST, SessionDurationMinutes: c.duration,
	})
	if err != nil {
		return Session{}, err
	}
	if !resp.MemberAuthenticated || resp.SessionToken == "" || resp.MemberSession == nil {
		return Session{}, mfaRequired("authenticate oauth", resp.IntermediateSessionToken, &resp.Member, &resp.Organization, resp.MFARequired, resp.PrimaryRequired)
	}
	return session(resp.SessionToken, resp.SessionJWT, resp.MemberSession, &resp.Member, &resp.Organization), nil
}
