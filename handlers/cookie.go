package handlers

import (
	"net/http"
	"time"
)

// shortCookie is one of the app's own short-lived cookies (not the session's): host-only on
// "/", HttpOnly, SameSite=Lax, and Secure with the __Host- prefix when the app is served over
// https.
type shortCookie struct {
	base   string // the name without the prefix
	secure bool
}

func (c shortCookie) name() string {
	if c.secure {
		return "__Host-" + c.base
	}
	return c.base
}

// set stores value for maxAge (or, with maxAge < 0, deletes the cookie).
func (c shortCookie) set(w http.ResponseWriter, value string, maxAge time.Duration) {
	seconds := int(maxAge / time.Second)
	if maxAge < 0 {
		seconds = -1 // Max-Age=0 on the wire: the browser deletes it (0 here would mean "no Max-Age")
	}
	http.SetCookie(w, &http.Cookie{
		Name: c.name(), Value: value, Path: "/", MaxAge: seconds,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	})
}

// value is what the browser sent (false when it sent none).
func (c shortCookie) value(r *http.Request) (string, bool) {
	k, err := r.Cookie(c.name())
	if err != nil {
		return "", false
	}
	return k.Value, true
}
