// Package gateway is what orgpick hands the app it guards: the identity headers (the answer of
// GET /auth/verify to nginx, Caddy or Traefik, and what the reverse-proxy mode adds to every
// request it passes on) and the reverse proxy itself (UPSTREAM_URL).
//
// Every X-Orgpick-* header a client sends is removed before anything is forwarded: only
// orgpick writes them, so an app may believe them.
package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// The identity headers, in the order the README lists them.
const (
	HeaderMemberID = "X-Orgpick-Member-Id"
	HeaderEmail    = "X-Orgpick-Email"
	HeaderOrgID    = "X-Orgpick-Organization-Id"
	HeaderOrgSlug  = "X-Orgpick-Organization-Slug"
	HeaderRoles    = "X-Orgpick-Roles" // comma-separated Stytch role IDs
	HeaderJWT      = "X-Orgpick-Session-Jwt"
	// HeaderSignIn is on a 401 from /auth/verify: the sign-in page, with where the person was
	// going when the gateway said so (nginx reads it with auth_request_set).
	HeaderSignIn = "X-Orgpick-Sign-In"
)

// headerPrefix is what every header orgpick owns starts with (canonical form).
const headerPrefix = "X-Orgpick-"

// Identity is the signed-in member as the app behind the gateway sees it.
type Identity struct {
	MemberID string
	Email    string
	OrgID    string
	OrgSlug  string
	Roles    []string
	JWT      string // the Stytch session JWT, for apps that verify it themselves (Stytch's JWKS)
}

// Set writes the identity headers (after Strip has removed any a client sent).
func (id Identity) Set(h http.Header) {
	h.Set(HeaderMemberID, id.MemberID)
	h.Set(HeaderEmail, id.Email)
	h.Set(HeaderOrgID, id.OrgID)
	h.Set(HeaderOrgSlug, id.OrgSlug)
	h.Set(HeaderRoles, strings.Join(id.Roles, ","))
	h.Set(HeaderJWT, id.JWT)
}

// Strip removes every X-Orgpick-* header (any spelling: Go canonicalises the names it parses).
func Strip(h http.Header) {
	for k := range h {
		if len(k) >= len(headerPrefix) && strings.EqualFold(k[:len(headerPrefix)], headerPrefix) {
			delete(h, k)
		}
	}
}

type identityKey struct{}

// WithIdentity returns ctx carrying the identity the proxy adds to the request it forwards.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// ProxyOptions configure NewProxy.
type ProxyOptions struct {
	Log *slog.Logger
	// DropCookies are orgpick's own cookies (the session handle): the app gets the identity
	// headers and the JWT, never the handle to the session itself.
	DropCookies []string
}

// NewProxy returns a reverse proxy to upstream (streaming, WebSockets passed through) that
// removes every client-sent X-Orgpick-* header and orgpick's cookies, sets X-Forwarded-For,
// -Host and -Proto, and adds the identity the request's context carries (WithIdentity).
func NewProxy(upstream *url.URL, o ProxyOptions) *httputil.ReverseProxy {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.SetXForwarded()
			pr.Out.Host = pr.In.Host // the app sees the host the browser asked for
			Strip(pr.Out.Header)
			dropCookies(pr.Out, o.DropCookies)
			if id, ok := pr.In.Context().Value(identityKey{}).(Identity); ok {
				id.Set(pr.Out.Header)
			}
		},
		FlushInterval: -1, // stream: server-sent events and long responses arrive as written
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			log.Error("upstream unreachable", "method", r.Method, "path", r.URL.Path, "err", err)
			http.Error(w, "The application is unavailable. Please try again.", http.StatusBadGateway)
		},
	}
}

// dropCookies removes the named cookies from the request's Cookie headers, keeping the others.
func dropCookies(r *http.Request, names []string) {
	if len(names) == 0 || r.Header.Get("Cookie") == "" {
		return
	}
	kept := make([]string, 0, 4)
	for _, c := range r.Cookies() {
		drop := false
		for _, n := range names {
			drop = drop || c.Name == n
		}
		if !drop {
			kept = append(kept, c.String())
		}
	}
	r.Header.Del("Cookie")
	if len(kept) > 0 {
		r.Header.Set("Cookie", strings.Join(kept, "; "))
	}
}
