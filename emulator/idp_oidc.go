package emulator

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The emulated OpenID Provider (dev-only, loopback-only), for OIDC connections: discovery,
// an authorization page (no JavaScript) that takes any email, the token endpoint
// (authorization_code, client_secret_basic or client_secret_post, optional PKCE S256),
// userinfo and JWKS. id_tokens are RS256 with the identity providers' key (idp_keys.go).
// There is one fixed development client: DevOIDCClientID / DevOIDCClientSecret, accepting any
// redirect URI on a loopback host.

const (
	DevOIDCClientID     = "emulator-oidc-client"
	DevOIDCClientSecret = "emulator-oidc-secret"

	idpCodeLifetime  = 10 * time.Minute
	idpTokenLifetime = time.Hour
)

func idpOIDCIssuer(r *http.Request) string { return baseURL(r) + "/idp/oidc" }

// idpIdentity is the account the emulated provider signs in.
type idpIdentity struct {
	Sub   string `json:"sub"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

func newIdPIdentity(email, name string) idpIdentity {
	sum := sha256.Sum256([]byte("oidc:" + email))
	return idpIdentity{Sub: hex.EncodeToString(sum[:12]), Email: email, Name: strings.TrimSpace(name)}
}

// claims are the profile claims of the identity (OIDC Core §5.1).
func (id idpIdentity) claims() map[string]any {
	given, family, _ := strings.Cut(id.Name, " ")
	return map[string]any{"sub": id.Sub, "email": id.Email, "email_verified": true,
		"name": id.Name, "given_name": given, "family_name": family}
}

// GET /idp/oidc/.well-known/openid-configuration
func (e *Emulator) idpOIDCDiscovery(w http.ResponseWriter, r *http.Request) {
	iss := idpOIDCIssuer(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                iss,
		"authorization_endpoint":                iss + "/authorize",
		"token_endpoint":                        iss + "/token",
		"userinfo_endpoint":                     iss + "/userinfo",
		"jwks_uri":                              iss + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nonce", "email", "email_verified", "name", "given_name", "family_name"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
		"grant_types_supported":                 []string{"authorization_code"},
	})
}

// authorizeParams is an authorization request, carried through the page as hidden fields.
type authorizeParams struct {
	ClientID, RedirectURI, State, Nonce, Scope, Challenge, ChallengeMethod string
}

func readAuthorize(v url.Values) (authorizeParams, error) {
	p := authorizeParams{ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"), State: v.Get("state"),
		Nonce: v.Get("nonce"), Scope: v.Get("scope"), Challenge: v.Get("code_challenge"), ChallengeMethod: v.Get("code_challenge_method")}
	u, err := url.Parse(p.RedirectURI)
	switch {
	case p.ClientID != DevOIDCClientID:
		return p, errors.New("unknown client_id (the emulated provider knows only " + DevOIDCClientID + ")")
	case err != nil || !loopbackURL(u) || u.Fragment != "":
		return p, errors.New("redirect_uri must be an http(s) URL on a loopback host")
	case v.Get("response_type") != "code":
		return p, errors.New("response_type must be code")
	case !slices.Contains(strings.Fields(p.Scope), "openid"):
		return p, errors.New("scope must include openid")
	case p.Challenge != "" && p.ChallengeMethod != "S256":
		return p, errors.New("code_challenge_method must be S256")
	}
	return p, nil
}

type idpOIDCPage struct {
	authorizeParams
	Action, Target, Email, Name, Error string
}

var idpOIDCTmpl = idpTemplate("oidc", `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in with OpenID Connect (emulated)</title><link rel="icon" href="data:,">
{{template "idp-style"}}</head>
<body>
<main data-testid="emulated-oidc-idp">
<h1>Sign in with OpenID Connect (emulated)</h1>
<p class="hint">This page stands in for your company's identity provider: nothing leaves this machine. Type the account to continue to {{.Target}} with.</p>
{{if .Error}}<p class="error" role="alert" data-testid="idp-error">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}" data-testid="idp-form">
<input type="hidden" name="response_type" value="code">
<input type="hidden" name="client_id" value="{{.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.RedirectURI}}">
<input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="nonce" value="{{.Nonce}}">
<input type="hidden" name="scope" value="{{.Scope}}">
<input type="hidden" name="code_challenge" value="{{.Challenge}}">
<input type="hidden" name="code_challenge_method" value="{{.ChallengeMethod}}">
<label for="email">Email</label>
<input id="email" name="email" type="email" required autocomplete="email" value="{{.Email}}">
<label for="name">Name (optional)</label>
<input id="name" name="name" autocomplete="name" value="{{.Name}}">
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`)

func (e *Emulator) renderIDPOIDC(w http.ResponseWriter, status int, page idpOIDCPage) {
	e.renderIdPPage(w, status, idpOIDCTmpl, page)
}

// GET /idp/oidc/authorize: the sign-in page. A bad request is a 400 page, never a redirect
// to an unchecked redirect_uri.
func (e *Emulator) idpOIDCShow(w http.ResponseWriter, r *http.Request) {
	p, err := readAuthorize(r.URL.Query())
	if err != nil {
		http.Error(w, "OpenID Connect sign-in (emulated): "+err.Error()+".", http.StatusBadRequest)
		return
	}
	e.renderIDPOIDC(w, http.StatusOK, idpOIDCPage{authorizeParams: p, Action: idpOIDCIssuer(r) + "/authorize", Target: hostOf(p.RedirectURI)})
}

// POST /idp/oidc/authorize: 303 to redirect_uri with code and state.
func (e *Emulator) idpOIDCSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	p, err := readAuthorize(r.PostForm)
	if err != nil {
		http.Error(w, "OpenID Connect sign-in (emulated): "+err.Error()+".", http.StatusBadRequest)
		return
	}
	email, err := normalizeEmail(r.PostFormValue("email"))
	if err != nil {
		e.renderIDPOIDC(w, http.StatusUnprocessableEntity, idpOIDCPage{authorizeParams: p, Action: idpOIDCIssuer(r) + "/authorize",
			Target: hostOf(p.RedirectURI), Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Error: "Enter a valid email address."})
		return
	}
	code := newSessionToken()
	err = e.tx(r.Context(), func(tx *sql.Tx) error {
		return insertIdPCode(r.Context(), tx, code, idpCode{ClientID: p.ClientID, RedirectURI: p.RedirectURI, Nonce: p.Nonce,
			Challenge: p.Challenge, Identity: newIdPIdentity(email, r.PostFormValue("name"))}, e.now().Add(idpCodeLifetime))
	})
	if err != nil {
		e.idpFail(w, err)
		return
	}
	u, _ := url.Parse(p.RedirectURI)
	q := u.Query()
	q.Set("code", code)
	if p.State != "" {
		q.Set("state", p.State)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// oauthError answers an RFC 6749 §5.2 error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="emulated OpenID Provider"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// clientCredentials reads client_secret_basic (form-urlencoded per RFC 6749 §2.3.1) or
// client_secret_post.
func clientCredentials(r *http.Request) (id, secret string) {
	if u, p, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(p)
		return id, secret
	}
	return r.PostFormValue("client_id"), r.PostFormValue("client_secret")
}

// POST /idp/oidc/token (grant_type=authorization_code)
func (e *Emulator) idpOIDCToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The body must be form-encoded.")
		return
	}
	id, secret := clientCredentials(r)
	if id != DevOIDCClientID || secret != DevOIDCClientSecret {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Unknown client or wrong client secret.")
		return
	}
	if r.PostFormValue("grant_type") != "authorization_code" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Only authorization_code is supported.")
		return
	}
	k, err := e.idpSigningKey(r.Context())
	if err != nil {
		e.idpFail(w, err)
		return
	}
	var c *idpCode
	err = e.tx(r.Context(), func(tx *sql.Tx) error {
		var err error
		c, err = spendIdPCode(r.Context(), tx, r.PostFormValue("code"), e.now())
		return err
	})
	if err != nil {
		e.idpFail(w, err)
		return
	}
	if c == nil || c.ClientID != id || c.RedirectURI != r.PostFormValue("redirect_uri") ||
		(c.Challenge != "" && checkPKCE(c.Challenge, r.PostFormValue("code_verifier")) != nil) {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "The code is unknown, used, expired, or was issued for another client, redirect_uri or code_verifier.")
		return
	}
	iss, now := idpOIDCIssuer(r), e.now()
	claims := jwt.MapClaims{}
	for key, v := range c.Identity.claims() {
		claims[key] = v
	}
	claims["iss"], claims["aud"], claims["iat"], claims["auth_time"] = iss, id, now.Unix(), now.Unix()
	claims["exp"] = now.Add(idpTokenLifetime).Unix()
	if c.Nonce != "" {
		claims["nonce"] = c.Nonce
	}
	idToken, err := k.sign(claims)
	if err != nil {
		e.idpFail(w, err)
		return
	}
	access, err := k.sign(jwt.MapClaims{"iss": iss, "sub": c.Identity.Sub, "aud": iss + "/userinfo", "iat": now.Unix(),
		"exp": now.Add(idpTokenLifetime).Unix(), "email": c.Identity.Email, "name": c.Identity.Name})
	if err != nil {
		e.idpFail(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "Bearer",
		"expires_in": int(idpTokenLifetime.Seconds()), "id_token": idToken, "scope": "openid email profile"})
}

// sign makes an RS256 JWT with the key's kid.
func (k *idpKey) sign(claims jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = k.kid
	return t.SignedString(k.priv)
}

// GET or POST /idp/oidc/userinfo (Authorization: Bearer <access token>)
func (e *Emulator) idpOIDCUserinfo(w http.ResponseWriter, r *http.Request) {
	k, err := e.idpSigningKey(r.Context())
	if err != nil {
		e.idpFail(w, err)
		return
	}
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	var claims jwt.MapClaims
	if ok {
		_, err = jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return &k.priv.PublicKey, nil },
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(idpOIDCIssuer(r)+"/userinfo"), jwt.WithTimeFunc(e.now))
	}
	if !ok || err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	email, _ := claims["email"].(string)
	name, _ := claims["name"].(string)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, newIdPIdentity(email, name).claims())
}

// GET /idp/oidc/jwks
func (e *Emulator) idpOIDCJWKS(w http.ResponseWriter, r *http.Request) {
	k, err := e.idpSigningKey(r.Context())
	if err != nil {
		e.idpFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": []any{k.jwk()}})
}
