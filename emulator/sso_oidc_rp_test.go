package emulator_test

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso/oidc"
)

// rogueOP is an OpenID Provider written for the test, whose id_token and userinfo a test
// bends one way at a time, to see the emulator's relying party refuse each fault.
type rogueOP struct {
	srv      *httptest.Server
	key, bad *rsa.PrivateKey

	mu    sync.Mutex
	nonce string
	fault string
	now   func() time.Time
}

func newRogueOP(t *testing.T, now func() time.Time) *rogueOP {
	t.Helper()
	key, _ := testKeyPair(t)
	bad, _ := testKeyPair(t)
	op := &rogueOP{key: key, bad: bad, now: now}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": op.srv.URL, "authorization_endpoint": op.srv.URL + "/authorize",
			"token_endpoint": op.srv.URL + "/token", "userinfo_endpoint": op.srv.URL + "/userinfo", "jwks_uri": op.srv.URL + "/jwks"})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"keys": []any{map[string]string{"kty": "RSA", "kid": "k1", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()), "e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes())}}})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		if id, secret, _ := r.BasicAuth(); id != "rogue-client" || secret != "rogue-secret" {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"access_token": "at", "token_type": "Bearer", "id_token": op.idToken(t)})
	})
	mux.HandleFunc("GET /userinfo", func(w http.ResponseWriter, r *http.Request) {
		op.mu.Lock()
		fault := op.fault
		op.mu.Unlock()
		info := map[string]any{"sub": "user-1", "email": "rita@acme.com", "email_verified": true, "name": "Rita Rogue"}
		switch fault {
		case "sub":
			info["sub"] = "user-2"
		case "unverified":
			info["email_verified"] = false
		case "no email":
			delete(info, "email")
		}
		json.NewEncoder(w).Encode(info)
	})
	op.srv = httptest.NewServer(mux)
	t.Cleanup(op.srv.Close)
	return op
}

// idToken is the id_token with the current fault.
func (op *rogueOP) idToken(t *testing.T) string {
	op.mu.Lock()
	defer op.mu.Unlock()
	now := op.now()
	claims := jwt.MapClaims{"iss": op.srv.URL, "sub": "user-1", "aud": "rogue-client", "iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "nonce": op.nonce}
	key, method := op.key, jwt.SigningMethod(jwt.SigningMethodRS256)
	switch op.fault {
	case "nonce":
		claims["nonce"] = "another-nonce"
	case "aud":
		claims["aud"] = "another-client"
	case "iss":
		claims["iss"] = "https://another-issuer.example"
	case "exp":
		claims["exp"] = now.Add(-time.Minute).Unix()
	case "key":
		key = op.bad
	}
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = "k1"
	if op.fault == "none" {
		s, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
		mustOK(t, err)
		return s
	}
	s, err := tok.SignedString(key)
	mustOK(t, err)
	return s
}

func TestOIDCRelyingPartyRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID, _ := e.ssoOrg()
	op := newRogueOP(t, e.emu.Now)
	created, err := e.client.SSO.OIDC.CreateConnection(e.ctx, &oidc.CreateConnectionParams{OrganizationID: orgID})
	mustOK(t, err)
	up, err := e.client.SSO.OIDC.UpdateConnection(e.ctx, &oidc.UpdateConnectionParams{OrganizationID: orgID, ConnectionID: created.Connection.ConnectionID,
		Issuer: op.srv.URL, ClientID: "rogue-client", ClientSecret: "rogue-secret"})
	mustOK(t, err)
	if up.Connection.Status != "active" || up.Warning != "" {
		t.Fatalf("update = %+v", up)
	}
	callback := func(fault string) (int, string) {
		authorize, err := url.Parse(e.ssoStartHop(url.Values{"connection_id": {up.Connection.ConnectionID}}))
		mustOK(t, err)
		q := authorize.Query()
		if q.Get("client_id") != "rogue-client" || q.Get("redirect_uri") != up.Connection.RedirectURL || q.Get("response_type") != "code" {
			t.Fatalf("authorize = %s", authorize)
		}
		op.mu.Lock()
		op.nonce, op.fault = q.Get("nonce"), fault
		op.mu.Unlock()
		status, _, body := hop(t, http.MethodGet, up.Connection.RedirectURL+"?"+url.Values{"code": {"c"}, "state": {q.Get("state")}}.Encode(), nil)
		return status, errorType(body)
	}
	for _, tc := range []struct{ fault, typ string }{
		{"nonce", "id_token_nonce_invalid"},
		{"aud", "id_token_incorrect_audience"},
		{"iss", "id_token_invalid"},
		{"exp", "id_token_expired"},
		{"key", "id_token_invalid"},
		{"none", "id_token_invalid"},
		{"sub", "oidc_response_subject_mismatch"},
		{"unverified", "oidc_response_unverified_email"},
		{"no email", "oidc_response_email_missing"},
	} {
		if status, typ := callback(tc.fault); status != 400 || typ != tc.typ {
			t.Errorf("%s: %d %s, want 400 %s", tc.fault, status, typ, tc.typ)
		}
	}
	if status, typ := callback(""); status != http.StatusFound {
		t.Fatalf("no fault: %d %s", status, typ)
	}
}
