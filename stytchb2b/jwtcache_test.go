package stytchb2b

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// unsignedJWT is a token with these times; put trusts its caller to have verified it.
func unsignedJWT(t *testing.T, iat, exp time.Time) string {
	t.Helper()
	raw, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.RegisteredClaims{
		IssuedAt: jwt.NewNumericDate(iat), ExpiresAt: jwt.NewNumericDate(exp),
	}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// A verified JWT is trusted until iat + max age (or exp, if sooner), and not a moment longer:
// past that, the app must ask Stytch, which knows about revocations.
func TestVerifiedJWTsExpire(t *testing.T) {
	t.Parallel()
	now := time.Now().Truncate(time.Second)
	for _, c := range []struct {
		name  string
		exp   time.Time
		until time.Time
	}{
		{"max age first", now.Add(time.Hour), now.Add(5 * time.Minute)},
		{"exp first", now.Add(2 * time.Minute), now.Add(2 * time.Minute)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var v verifiedJWTs
			raw := unsignedJWT(t, now, c.exp)
			v.put(raw, Session{MemberID: "m"}, 5*time.Minute, now)
			if s, ok := v.get(raw, c.until.Add(-time.Second)); !ok || s.MemberID != "m" {
				t.Fatal("not trusted while fresh")
			}
			if _, ok := v.get(raw, c.until); ok {
				t.Fatal("trusted at its expiry")
			}
			if _, ok := v.get(raw, c.until.Add(time.Hour)); ok {
				t.Fatal("trusted an hour after its expiry")
			}
		})
	}
	var v verifiedJWTs
	if v.put(unsignedJWT(t, now.Add(-time.Hour), now.Add(-time.Minute)), Session{}, 5*time.Minute, now); len(v.m) != 0 {
		t.Fatal("remembered a JWT that was already too old")
	}
}
