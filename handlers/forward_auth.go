package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/orgpick/orgpick/internal/gateway"
	"github.com/orgpick/orgpick/stytchb2b"
)

// Forward auth: nginx (auth_request), Caddy (forward_auth) and Traefik (ForwardAuth) ask
// GET /auth/verify whether the request they hold comes from a signed-in member, and pass the
// identity headers of a 200 on to the app. The reverse-proxy mode (UPSTREAM_URL) asks the same
// question itself. Inside the session JWT's life the answer costs no Stytch call and no
// session write.

// gate answers "who is this?" for gateways and for the reverse-proxy mode.
type gate struct {
	re      *responder
	guard   *guard
	returns *returns
	signIn  string                     // the sign-in page's absolute URL (BASE_URL + AUTH_PREFIX + "/")
	proxied func(*http.Request) bool   // the peer is a trusted proxy (TRUSTED_PROXIES): its X-Forwarded-* are believed
	session func(*http.Request) string // the session cookie's value ("" without one)
}

// identity is what the app behind the gateway is told about a member.
func identity(m Member) gateway.Identity {
	return gateway.Identity{MemberID: m.MemberID, Email: m.Email, OrgID: m.Org.ID, OrgSlug: m.Org.Slug, Roles: m.Roles, JWT: m.JWT}
}

// VerifyPage handles GET /auth/verify (a gateway's subrequest, carrying the browser's cookies):
//   - signed in: 200 with the identity headers (gateway.Identity);
//   - ?org={slug} and signed in to another organization: 403;
//   - not signed in (or the session is over): 401 with X-Orgpick-Sign-In, the sign-in page
//     carrying where the person was going; with ?redirect=1 (Caddy, Traefik) a 302 there instead.
//
// Where the person was going is read from X-Original-URL or X-Forwarded-Proto/-Host/-Uri, only
// when the peer is a trusted proxy.
func (g *gate) VerifyPage(w http.ResponseWriter, r *http.Request) {
	m, ok := g.who(r.Context(), w, r, g.refuse)
	if !ok {
		return
	}
	if slug := r.URL.Query().Get("org"); slug != "" && slug != m.Org.Slug {
		http.Error(w, "signed in to another organization", http.StatusForbidden)
		return
	}
	identity(m).Set(w.Header())
	w.WriteHeader(http.StatusOK)
}

// who returns the member of the session in ctx, checked (guard.current, without the
// organization list). Nobody signed in, or a session that ended (destroyed here): refuse
// answers; Stytch failing: 503. Either way it returns false.
func (g *gate) who(ctx context.Context, w http.ResponseWriter, r *http.Request, refuse http.HandlerFunc) (Member, bool) {
	m, err := g.guard.current(ctx, false)
	switch {
	case err == nil:
		return m, true
	case errors.Is(err, stytchb2b.ErrSessionEnded):
		g.re.log.Info("session ended", "path", r.URL.Path, "err", err)
		if err := g.guard.state.sm.Destroy(ctx); err != nil {
			g.re.log.Error("destroy ended session failed", "err", err)
		}
		refuse(w, r)
	case errors.Is(err, errSignedOut):
		refuse(w, r)
	default:
		g.re.log.Error("verify failed", "path", r.URL.Path, "err", err)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}
	return Member{}, false
}

// refuse answers a request from someone not signed in: 401 (nginx), or 302 with ?redirect=1.
func (g *gate) refuse(w http.ResponseWriter, r *http.Request) {
	to := g.signInURL(g.wanted(r))
	if r.URL.Query().Get("redirect") == "1" {
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	w.Header().Set(gateway.HeaderSignIn, to)
	http.Error(w, "sign in", http.StatusUnauthorized)
}

// signInURL is the sign-in page leading back to target (when check accepts it).
func (g *gate) signInURL(target string) string {
	if t, ok := g.returns.check(target); ok {
		return g.signIn + "?" + paramReturnTo + "=" + url.QueryEscape(t)
	}
	return g.signIn
}

// wanted is the URL the gateway was asked for, as its trusted headers tell it ("" if unknown).
func (g *gate) wanted(r *http.Request) string {
	if !g.proxied(r) {
		return ""
	}
	h := r.Header
	if u := h.Get("X-Original-URL"); u != "" {
		return u
	}
	uri := h.Get("X-Forwarded-Uri")
	if uri == "" || !strings.HasPrefix(uri, "/") {
		return ""
	}
	host, proto := h.Get("X-Forwarded-Host"), h.Get("X-Forwarded-Proto")
	if host == "" || proto == "" {
		return uri // a path: check accepts it only as one on BASE_URL's origin
	}
	return proto + "://" + host + uri
}

// proxy serves every request outside AUTH_PREFIX in the reverse-proxy mode: a signed-in
// member's request goes to the upstream with the identity headers; anyone else is sent to sign
// in (GET, HEAD) and comes back, or gets 401. The session is read without LoadAndSave (and
// written only when Stytch refreshed the JWT), so responses stream and WebSockets upgrade.
func (g *gate) proxy(upstream http.Handler) http.Handler {
	sm := g.guard.state.sm
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gateway.Strip(r.Header) // the proxy strips them too; nothing below may read a client's
		ctx, err := sm.Load(r.Context(), g.session(r))
		if err != nil {
			g.re.log.Error("load session failed", "err", err)
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		m, ok := g.who(ctx, w, r, g.toSignIn)
		if !ok {
			return
		}
		if err := commitRefreshed(ctx, g.guard.state); err != nil {
			g.re.log.Warn("store refreshed session failed", "err", err) // the next request refreshes again
		}
		// The server's read and write timeouts suit orgpick's pages, not the app's uploads, long
		// downloads or server-sent events: lifted for what is proxied (request headers stay
		// bounded by ReadHeaderTimeout; the app sets its own limits).
		rc := http.NewResponseController(w)
		rc.SetReadDeadline(time.Time{})
		rc.SetWriteDeadline(time.Time{})
		upstream.ServeHTTP(w, r.WithContext(gateway.WithIdentity(r.Context(), identity(m))))
	})
}

// toSignIn sends a browser to sign in and back (GET, HEAD); other methods get 401.
func (g *gate) toSignIn(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "sign in", http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, g.signInURL(r.URL.RequestURI()), http.StatusFound)
}

// commitRefreshed stores the session when current changed it (a refreshed JWT); the token
// and so the cookie stay the same.
func commitRefreshed(ctx context.Context, s sessionState) error {
	if s.sm.Status(ctx) != scs.Modified {
		return nil
	}
	_, _, err := s.sm.Commit(ctx)
	return err
}
