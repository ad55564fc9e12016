package handlers

import (
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
)

// maxBodyBytes caps every request body: our forms are a few short fields.
const maxBodyBytes = 16 << 10

// securityHeaders sets the headers every response carries. The CSP allows no inline script or
// style (htmx is configured for that in the layout) and no framing; Referrer-Policy keeps the
// magic-link token in /authenticate?token=… from leaking to other sites. Forms post to the app
// only; formTo adds origins a form's redirects may lead to (browsers check form-action on each
// hop: the "Continue with …" forms lead to Stytch's OAuth start and on to the provider).
func securityHeaders(formTo []string, next http.Handler) http.Handler {
	csp := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
		"connect-src 'self'; form-action " + strings.Join(append([]string{"'self'"}, formTo...), " ") + "; frame-ancestors 'none'; base-uri 'none'"
	// Each value is built once and shared by every response (http.Header.Set would allocate
	// a slice per header per request). Nothing edits a header value in place; Add appends to
	// a full slice, so it copies.
	always := [...]struct {
		key   string
		value []string
	}{
		{"Content-Security-Policy", []string{csp}},
		{"Referrer-Policy", []string{"no-referrer"}},
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"X-Frame-Options", []string{"DENY"}},
		{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
	}
	noStore := []string{"no-store"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, kv := range always {
			h[kv.key] = kv.value
		}
		if !strings.HasPrefix(r.URL.Path, "/assets/") {
			h["Cache-Control"] = noStore // pages are per person; never cached or restored after logout
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic into a logged 500 page instead of a dropped connection.
func (re *responder) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				re.fail(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBodies caps request bodies.
func limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody { // NoBody (a GET's) has nothing to cap
			r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses cross-site state changes (Sec-Fetch-Site / Origin) with a friendly 403.
func (re *responder) crossOrigin(next http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		re.fail(w, r, ErrCrossOrigin)
	}))
	return p.Handler(next)
}

// peerIP is the connecting address: the client's unless the app runs behind proxies
// (Deps.ClientIP then reads what they forwarded).
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
