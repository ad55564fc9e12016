package emulator

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orgpick/orgpick/internal/commondomain"
)

// OAuth discovery with Google and Microsoft, offline: Stytch's public start URL sends the
// browser to an emulated provider page (oauth_idp.go) instead of the real provider, which
// sends it back with a single-use discovery_oauth token.

const oauthLifetime = 10 * time.Minute // the start's state and the returned token (choice)

// oauthProvider describes one emulated identity provider.
type oauthProvider struct {
	Name           string // as shown on the emulated page
	Type           string // provider_type in responses
	DeliveryMethod string // the session factor's delivery_method
}

var oauthProviders = map[string]oauthProvider{
	"google":    {"Google", "Google", "oauth_google"},
	"microsoft": {"Microsoft", "Microsoft", "oauth_microsoft"},
}

var (
	errPublicToken = newAPIError(404, "public_token_not_found",
		"The public_token is missing or is not this project's public token.")
	errOAuthToken = newAPIError(404, "oauth_token_not_found",
		"The OAuth token could not be found: it is unknown, was already used or has expired.")
	errPKCEExpected = newAPIError(400, "pkce_expected_code_verifier",
		"A pkce_code_verifier is required: the flow was started with a pkce_code_challenge.")
	errPKCEUnexpected = newAPIError(400, "pkce_did_not_expect_code_verifier",
		"A pkce_code_verifier was given but the flow was started without a pkce_code_challenge.")
	errPKCEMismatch = newAPIError(400, "pkce_mismatch",
		"The pkce_code_verifier does not match the pkce_code_challenge from the start of the flow.")
)

// loadPublicToken returns the configured public token or the project's persisted one,
// creating public-token-test-<uuid> on first use.
func loadPublicToken(ctx context.Context, db querier, configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	tok, ok, err := getKV(ctx, db, "public_token")
	if err != nil || ok {
		return tok, err
	}
	tok = "public-token-test-" + newUUID()
	return tok, putKV(ctx, db, "public_token", tok)
}

// PublicToken is the project's public token, for the browser-facing OAuth start URLs.
func (e *Emulator) PublicToken() string { return e.publicToken }

// GET /v1/b2b/public/oauth/{provider}/discovery/start?public_token=…[&discovery_redirect_url=…]
// [&pkce_code_challenge=…][&provider_login_hint=…]: 307 to the emulated provider page. Errors
// are Stytch's JSON error bodies.
func (e *Emulator) oauthDiscoveryStart(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	provider, err := e.checkStart(r)
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	redirect, err := e.checkRedirect(q.Get("discovery_redirect_url"),
		newAPIError(400, "invalid_discovery_redirect_url", "The discovery_redirect_url is not one of the allowed redirect URLs for this project."))
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	e.startOAuth(w, r, oauthState{Provider: provider, Redirect: redirect, PKCE: q.Get("pkce_code_challenge"), LoginHint: q.Get("provider_login_hint")})
}

// checkStart validates what both start URLs share: a known provider and the public token.
func (e *Emulator) checkStart(r *http.Request) (string, error) {
	provider := r.PathValue("provider")
	if _, ok := oauthProviders[provider]; !ok {
		return "", errRouteNotFound
	}
	if subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("public_token")), []byte(e.publicToken)) != 1 {
		return "", errPublicToken
	}
	return provider, nil
}

// startOAuth stores s under a fresh state (10 minutes, single use) and sends the browser to
// the emulated provider page with it.
func (e *Emulator) startOAuth(w http.ResponseWriter, r *http.Request, s oauthState) {
	state := newSessionToken()
	err := e.tx(r.Context(), func(tx *sql.Tx) error {
		return insertOAuthState(r.Context(), tx, state, s, e.now().Add(oauthLifetime))
	})
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	http.Redirect(w, r, idpPath(s.Provider)+"?state="+url.QueryEscape(state), http.StatusTemporaryRedirect)
}

// oauthIdentity is what the emulated provider vouches for, and the organization of an
// org-scoped sign-in ("" for discovery).
type oauthIdentity struct {
	Provider, Email, Name, Subject, Tenant, PKCE, OrgID string
}

// newIdentity derives a stable provider subject and tenant for an email: Google's tenant is
// the hosted domain (none for consumer domains), Microsoft's a UUID per domain (the consumer
// tenant for consumer domains).
func newIdentity(provider, email, name string, s *oauthState) oauthIdentity {
	sum := sha256.Sum256([]byte(provider + ":" + email))
	id := oauthIdentity{Provider: provider, Email: email, Name: name, PKCE: s.PKCE, OrgID: s.OrgID, Subject: hex.EncodeToString(sum[:12])}
	domain := domainOf(email)
	switch {
	case provider == "google" && !commondomain.Is(domain):
		id.Tenant = domain
	case provider == "microsoft" && commondomain.Is(domain):
		id.Tenant = "9188040d-6c67-4c5b-b112-36a304b66dad"
	case provider == "microsoft":
		d := sha256.Sum256([]byte(domain))
		h := hex.EncodeToString(d[:16])
		id.Tenant = h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	}
	return id
}

// issueOAuthToken stores a single-use token for id: an oauth token when id.OrgID is set, else
// a discovery_oauth token.
func (e *Emulator) issueOAuthToken(ctx context.Context, tx *sql.Tx, id oauthIdentity) (string, error) {
	tok := newSessionToken()
	if err := insertOAuthToken(ctx, tx, tok, id, e.now().Add(oauthLifetime)); err != nil {
		return "", err
	}
	return tok, nil
}

// POST /v1/b2b/oauth/discovery/authenticate
func (e *Emulator) oauthDiscoveryAuthenticate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		Token    string `json:"discovery_oauth_token"`
		Verifier string `json:"pkce_code_verifier"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	now := e.now()
	id, err := spendOAuthToken(ctx, tx, req.Token, req.Verifier, false, now)
	if err != nil {
		return nil, err
	}
	p := oauthProviders[id.Provider]
	factor := oauthFactorFor(id, "", now)
	ist, err := newDiscoveryIST(ctx, tx, id.Email, factor, now)
	if err != nil {
		return nil, err
	}
	body, err := discoveryResult(ctx, tx, ist, id.Email, factor, now)
	if err != nil {
		return nil, err
	}
	tenants := []string{}
	if id.Tenant != "" {
		tenants = append(tenants, id.Tenant)
	}
	body["provider_type"], body["provider_tenant_id"], body["provider_tenant_ids"], body["full_name"] = p.Type, id.Tenant, tenants, id.Name
	return body, nil
}

// oauthFactorFor is the session factor an OAuth sign-in proves: {type: oauth, delivery_method:
// oauth_google|oauth_microsoft, google_oauth_factor|microsoft_oauth_factor}. emailID may be ""
// (a discovery IST fills it in for the member it enters).
func oauthFactorFor(id oauthIdentity, emailID string, now time.Time) authFactor {
	f := newFactor("oauth", oauthProviders[id.Provider].DeliveryMethod, now)
	detail := &oauthFactor{ID: "oauth-user-test-" + newUUID(), ProviderSubject: id.Subject, EmailID: emailID}
	if id.Provider == "google" {
		f.GoogleOAuthFactor = detail
	} else {
		f.MicrosoftOAuthFactor = detail
	}
	return f
}

// spendOAuthToken checks PKCE and consumes the token. Unknown, used and expired tokens, and
// tokens of the other kind (org-scoped vs discovery), are all oauth_token_not_found; a PKCE
// failure or a token of the other kind leaves the token unspent.
func spendOAuthToken(ctx context.Context, tx *sql.Tx, tok, verifier string, orgScoped bool, now time.Time) (oauthIdentity, error) {
	id, err := getOAuthToken(ctx, tx, tok, orgScoped, now)
	if err != nil {
		return id, err
	}
	if err := checkPKCE(id.PKCE, verifier); err != nil {
		return id, err
	}
	spent, err := useOAuthToken(ctx, tx, tok, now)
	if err != nil {
		return id, err
	}
	if !spent {
		return id, errOAuthToken
	}
	return id, nil
}

// checkPKCE: challenge = base64url(SHA-256(verifier)), unpadded (a padded challenge is accepted).
func checkPKCE(challenge, verifier string) error {
	switch {
	case challenge == "" && verifier == "":
		return nil
	case challenge == "":
		return errPKCEUnexpected
	case verifier == "":
		return errPKCEExpected
	}
	sum := sha256.Sum256([]byte(verifier))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != strings.TrimRight(challenge, "=") {
		return errPKCEMismatch
	}
	return nil
}
