package emulator

import (
	"context"
	"crypto/rsa"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// The OIDC callback (the connection's redirect_url) and the checks a careful relying party
// makes: state bound to a start this emulator issued; the code exchanged at token_url over
// HTTP with the client secret (client_secret_basic) and the same redirect_uri; the id_token's
// RS256 signature by a jwks_url key chosen by kid; iss = issuer, aud ∋ client_id, exp (on the
// emulator's clock), nonce; userinfo's sub = the id_token's sub; a verified email.

var (
	errOIDCState    = newAPIError(400, "missing_oidc_state_param", "The callback carries no state.")
	errOIDCCallback = newAPIError(400, "oidc_invalid_callback_request", "The callback carries neither a code nor an error.")
	errOIDCCode     = newAPIError(400, "oidc_auth_code_error", "The identity provider refused the sign-in, or the code could not be exchanged at its token_url.")
	errIDToken      = newAPIError(400, "id_token_invalid", "The id_token is missing, malformed, not signed by a key of the connection's jwks_url, or from another issuer.")
	errIDTokenExp   = newAPIError(400, "id_token_expired", "The id_token has expired.")
	errIDTokenAud   = newAPIError(400, "id_token_incorrect_audience", "The id_token's audience is not the connection's client_id.")
	errIDTokenNonce = newAPIError(400, "id_token_nonce_invalid", "The id_token's nonce is not the one this sign-in sent.")
	errUserinfo     = newAPIError(400, "oidc_invalid_userinfo", "The connection's userinfo_url did not answer a JSON object.")
	errSubMismatch  = newAPIError(400, "oidc_response_subject_mismatch", "userinfo's sub differs from the id_token's.")
	errOIDCEmail    = newAPIError(400, "oidc_response_email_missing", "Neither the id_token nor userinfo carries an email.")
	errOIDCUnverif  = newAPIError(400, "oidc_response_unverified_email", "The identity provider says the email is not verified.")
)

// GET /v1/b2b/sso/callback/{connection_id}?code=…&state=…: 302 to the login or signup URL
// with an sso token.
func (e *Emulator) oidcCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		e.writeError(w, r, errOIDCState)
		return
	}
	var c *ssoConn
	var s *ssoStart
	err := e.tx(r.Context(), func(tx *sql.Tx) error {
		var err error
		if c, err = getConn(r.Context(), tx, r.PathValue("connection_id")); err != nil {
			return err
		}
		if c == nil || c.OIDC == nil {
			return errSSOConnNotFound
		}
		if s, err = getSSOStart(r.Context(), tx, state, e.now()); err != nil {
			return err
		}
		if s == nil || s.ConnectionID != c.ID {
			return errUnsolicited("oidc")
		}
		return nil
	})
	switch {
	case err != nil:
	case q.Get("error") != "":
		err = errOIDCCode
	case q.Get("code") == "":
		err = errOIDCCallback
	}
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	id, err := e.oidcExchange(r.Context(), c.OIDC, q.Get("code"), s.Nonce)
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	var location string
	err = e.tx(r.Context(), func(tx *sql.Tx) error {
		var err error
		location, err = e.finishCallback(r.Context(), tx, state, s, id)
		return err
	})
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	http.Redirect(w, r, location, http.StatusFound)
}

// oidcExchange redeems code and returns the verified identity. It runs without the state
// lock: the provider may be this emulator.
func (e *Emulator) oidcExchange(ctx context.Context, c *oidcConnection, code, nonce string) (ssoIdentity, error) {
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		IDToken     string `json:"id_token"`
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.RedirectURL}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return ssoIdentity{}, errOIDCCode
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
	if err := fetchJSON(req, &tok); err != nil || tok.IDToken == "" || !strings.EqualFold(tok.TokenType, "bearer") {
		return ssoIdentity{}, errOIDCCode
	}
	claims, err := e.verifyIDToken(ctx, c, tok.IDToken, nonce)
	if err != nil {
		return ssoIdentity{}, err
	}
	info := map[string]any{}
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, c.UserinfoURL, nil)
	if err != nil {
		return ssoIdentity{}, errUserinfo
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if err := fetchJSON(req, &info); err != nil {
		return ssoIdentity{}, errUserinfo
	}
	if info["sub"] != claims["sub"] {
		return ssoIdentity{}, errSubMismatch
	}
	for k, v := range claims { // userinfo first, the id_token's claims fill the gaps
		if _, ok := info[k]; !ok && !slices.Contains([]string{"iss", "aud", "exp", "iat", "nonce", "auth_time"}, k) {
			info[k] = v
		}
	}
	return oidcIdentity(c, info)
}

// verifyIDToken checks the id_token's signature (a jwks_url key chosen by kid, RS256), iss,
// aud, exp and nonce, and returns its claims.
func (e *Emulator) verifyIDToken(ctx context.Context, c *oidcConnection, raw, nonce string) (jwt.MapClaims, error) {
	var set struct {
		Keys []struct {
			Kty, Kid, N, E, Use string
		} `json:"keys"`
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.JWKSURL, nil)
	if err != nil || fetchJSON(req, &set) != nil {
		return nil, errIDToken
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		for _, k := range set.Keys {
			if k.Kty == "RSA" && (k.Kid == kid || (kid == "" && len(set.Keys) == 1)) && (k.Use == "" || k.Use == "sig") {
				return rsaKey(k.N, k.E)
			}
		}
		return nil, errors.New("no key for kid")
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	if err != nil {
		return nil, errIDToken
	}
	if iss, _ := claims.GetIssuer(); iss != c.Issuer {
		return nil, errIDToken
	}
	if aud, _ := claims.GetAudience(); !slices.Contains(aud, c.ClientID) {
		return nil, errIDTokenAud
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil || !e.now().Before(exp.Time) {
		return nil, errIDTokenExp
	}
	if got, _ := claims["nonce"].(string); got != nonce {
		return nil, errIDTokenNonce
	}
	return claims, nil
}

func rsaKey(n, e string) (*rsa.PublicKey, error) {
	nb, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil {
		return nil, err
	}
	eb, err := base64.RawURLEncoding.DecodeString(e)
	if err != nil || len(eb) > 4 {
		return nil, errors.New("bad exponent")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: int(new(big.Int).SetBytes(eb).Int64())}, nil
}

// fetchJSON sends req (loopback only) and decodes a 200 JSON answer into v.
func fetchJSON(req *http.Request, v any) error {
	if !loopbackURL(req.URL) {
		return errNotLoopback
	}
	resp, err := fetchClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errFetchStatus(resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}

// oidcIdentity maps the claims through the connection's attribute_mapping (defaults: email,
// given_name + family_name, or name).
func oidcIdentity(c *oidcConnection, claims map[string]any) (ssoIdentity, error) {
	claim := func(key, def string) string {
		name, _ := c.AttributeMapping[key].(string)
		if name == "" {
			name = def
		}
		v, _ := claims[name].(string)
		return strings.TrimSpace(v)
	}
	raw := claim("email", "email")
	if raw == "" {
		return ssoIdentity{}, errOIDCEmail
	}
	email, err := normalizeEmail(raw)
	if err != nil {
		return ssoIdentity{}, errOIDCEmail
	}
	if v, ok := claims["email_verified"].(bool); ok && !v {
		return ssoIdentity{}, errOIDCUnverif
	}
	name := strings.TrimSpace(claim("first_name", "given_name") + " " + claim("last_name", "family_name"))
	if full := claim("full_name", "name"); full != "" {
		name = full
	}
	sub, _ := claims["sub"].(string)
	return ssoIdentity{ConnectionID: c.ConnectionID, OrgID: c.OrganizationID, Kind: "oidc", Email: email, Name: name,
		ExternalID: sub, Attributes: claims}, nil
}
