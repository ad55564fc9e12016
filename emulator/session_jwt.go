package emulator

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"

	"github.com/golang-jwt/jwt/v5"
)

// signingKey is the RSA key session JWTs are signed with; generated once, kept in the kv table.
type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
	cert []byte // self-signed certificate (DER), see ensureCert
}

func loadOrCreateKey(ctx context.Context, db querier) (*signingKey, error) {
	pemText, ok, err := getKV(ctx, db, "jwt_private_key")
	if err != nil {
		return nil, err
	}
	kid, _, err := getKV(ctx, db, "jwt_kid")
	if err != nil {
		return nil, err
	}
	if ok {
		block, _ := pem.Decode([]byte(pemText))
		if block == nil {
			return nil, errors.New("emulator: stored signing key is not PEM")
		}
		priv, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("emulator: parse stored signing key: %w", err)
		}
		return &signingKey{kid: kid, priv: priv}, nil
	}
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("emulator: generate signing key: %w", err)
	}
	k := &signingKey{kid: "jwk-test-" + newUUID(), priv: priv}
	pemText = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(priv)}))
	if err := putKV(ctx, db, "jwt_private_key", pemText); err != nil {
		return nil, err
	}
	if err := putKV(ctx, db, "jwt_kid", k.kid); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *signingKey) jwk() map[string]any {
	pub := k.priv.PublicKey
	return map[string]any{
		"kty": "RSA", "use": "sig", "key_ops": []string{"verify"}, "alg": "RS256",
		"kid": k.kid, "x5c": k.x5c(), "x5t_s256": k.x5tS256(),
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// jwks handles GET /v1/b2b/sessions/jwks/{project_id} (no auth, like the real API).
func (e *Emulator) jwks(_ context.Context, _ *sql.Tx, r *http.Request) (map[string]any, error) {
	if r.PathValue("project_id") != e.cfg.ProjectID {
		return nil, newAPIError(404, "project_not_found", "Project could not be found.")
	}
	return map[string]any{"keys": []any{e.keys.jwk()}}, nil
}

// signJWT issues a 5-minute session JWT for s, with the claim layout of the real API.
func (e *Emulator) signJWT(s *sessionRow, m *storedMember, o *organization) (string, error) {
	now := e.now()
	claims := jwt.MapClaims{}
	for k, v := range s.CustomClaims {
		claims[k] = v
	}
	factors := s.Factors
	if factors == nil {
		factors = []authFactor{}
	}
	claims["sub"] = m.MemberID
	claims["iss"] = "stytch.com/" + e.cfg.ProjectID
	claims["aud"] = []string{e.cfg.ProjectID}
	claims["iat"] = now.Unix()
	claims["nbf"] = now.Unix()
	claims["exp"] = now.Add(jwtLifetime).Unix()
	delete(claims, "jti")
	claims["https://stytch.com/session"] = map[string]any{
		"id":                     s.ID,
		"started_at":             ts(s.StartedAt),
		"last_accessed_at":       ts(s.LastAccessedAt),
		"expires_at":             ts(s.ExpiresAt),
		"attributes":             map[string]any{"ip_address": "", "user_agent": ""},
		"authentication_factors": factors,
		"roles":                  m.roleIDs(),
	}
	claims["https://stytch.com/organization"] = map[string]any{
		"organization_id": o.OrganizationID,
		"slug":            o.OrganizationSlug,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = e.keys.kid
	signed, err := tok.SignedString(e.keys.priv)
	if err != nil {
		return "", fmt.Errorf("sign session jwt: %w", err)
	}
	return signed, nil
}

// sessionIDFromJWT verifies a session JWT's signature, issuer and audience — but not its
// expiry: an exp-expired JWT still names a session that may be alive.
func (e *Emulator) sessionIDFromJWT(raw string) (string, error) {
	var claims jwt.MapClaims
	_, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != e.keys.kid {
			return nil, errors.New("unknown kid")
		}
		return &e.keys.priv.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	if err != nil {
		return "", newAPIError(401, "unable_to_parse_session_jwt", "The session JWT could not be parsed or its signature is invalid.")
	}
	if iss, _ := claims.GetIssuer(); iss != "stytch.com/"+e.cfg.ProjectID {
		return "", newAPIError(401, "jwt_invalid_issuer", "The session JWT has an invalid issuer.")
	}
	aud, _ := claims.GetAudience()
	audOK := false
	for _, a := range aud {
		audOK = audOK || a == e.cfg.ProjectID
	}
	if !audOK {
		return "", newAPIError(401, "jwt_invalid_audience", "The session JWT has an invalid audience.")
	}
	sc, _ := claims["https://stytch.com/session"].(map[string]any)
	id, _ := sc["id"].(string)
	if id == "" {
		return "", errSessionNotFound
	}
	return id, nil
}
