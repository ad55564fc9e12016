package stytchb2b

import (
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// verifiedJWTs remembers the session JWTs the SDK has verified locally, each until it is too
// old to trust (iat + max token age, or exp if sooner). A page view with a JWT verified
// before costs a map lookup instead of an RSA verification and two JSON parses of its claims;
// what is trusted, and for how long, is unchanged.
type verifiedJWTs struct {
	mu sync.Mutex
	m  map[string]verifiedJWT
}

type verifiedJWT struct {
	s     Session
	until time.Time
}

// maxVerifiedJWTs bounds the memory: one entry per signed-in browser active in the last 5 minutes.
const maxVerifiedJWTs = 10_000

func (v *verifiedJWTs) get(raw string, now time.Time) (Session, bool) {
	v.mu.Lock()
	e, ok := v.m[raw]
	v.mu.Unlock()
	if !ok || !now.Before(e.until) {
		return Session{}, false
	}
	return e.s, true
}

// put remembers s, just verified from raw. Only call it after the SDK verified raw.
func (v *verifiedJWTs) put(raw string, s Session, maxAge time.Duration, now time.Time) {
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(raw, &claims); err != nil || claims.IssuedAt == nil {
		return
	}
	until := claims.IssuedAt.Add(maxAge)
	if claims.ExpiresAt != nil && claims.ExpiresAt.Before(until) {
		until = claims.ExpiresAt.Time
	}
	if !now.Before(until) {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.m) >= maxVerifiedJWTs {
		for k, e := range v.m {
			if !now.Before(e.until) {
				delete(v.m, k)
			}
		}
	}
	if v.m == nil || len(v.m) >= maxVerifiedJWTs {
		v.m = make(map[string]verifiedJWT)
	}
	v.m[raw] = verifiedJWT{s: s, until: until}
}
