package handlers

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
)

// cspOrigin is the scheme and host of rawURL as a CSP source (with a leading space), or "".
func cspOrigin(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(u.Host, " ;'") {
		return ""
	}
	return " " + u.Scheme + "://" + u.Host
}

// maxBodyBytes caps every request body: our forms are a few short fields.
const maxBodyBytes = 16 << 10

// securityHeaders sets the headers every response carries. The CSP allows no inline script or
// style (htmx is configured for that in the layout) and no framing; Referrer-Policy keeps the
// magic-link token in /authenticate?token=… from leaking to other sites. Forms post to this
// origin only, plus formOrigin ("" for none): the Stytch API origin a form's answer may
// redirect to (POST /sso/start → Stytch's start), which browsers check against form-action.
func securityHeaders(formOrigin string, next http.Handler) http.Handler {
	csp := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
		"connect-src 'self'; form-action 'self'" + formOrigin + "; frame-ancestors 'none'; base-uri 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/assets/") {
			h.Set("Cache-Control", "no-store") // pages are per person; never cached or restored after logout
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
		if r.Body != nil {
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
