package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Return to the page first asked for: a gateway's sign-in redirect (or /auth/verify's) opens
// GET /?return_to=…; the address is checked, kept in a short-lived HttpOnly cookie until the
// browser has a session, then in the session (server-side); where a sign-in ends (signer) the
// person is sent there instead of the dashboard. Only paths on BASE_URL's origin and URLs on
// ALLOWED_RETURN_HOSTS are accepted; anything else is ignored, so the sign-in page is no open
// redirect.

// keyReturnTo is the session key of a kept return_to (beside the keys in session.go).
const keyReturnTo = "return_to"

// paramReturnTo is the sign-in page's query parameter.
const paramReturnTo = "return_to"

// returnCookieLife bounds how long a return_to waits for the sign-in to start.
const returnCookieLife = time.Hour

// maxReturnTo bounds the length of an accepted return_to.
const maxReturnTo = 2048

// returns checks, keeps and uses return_to addresses.
type returns struct {
	base    *url.URL        // BASE_URL: its origin's paths are accepted
	allowed map[string]bool // ALLOWED_RETURN_HOSTS (host or host:port, lower case)
	state   sessionState
	cookie  shortCookie // where a return_to waits for the sign-in to start
}

func newReturns(baseURL string, allowedHosts []string, state sessionState) *returns {
	base, err := url.Parse(baseURL)
	if err != nil || base.Host == "" {
		base = &url.URL{Scheme: "http", Host: "localhost"}
	}
	rt := &returns{base: base, allowed: map[string]bool{}, state: state,
		cookie: shortCookie{base: "orgpick_return", secure: base.Scheme == "https"}}
	for _, h := range allowedHosts {
		rt.allowed[strings.ToLower(h)] = true
	}
	return rt
}

// check returns the absolute URL to send the browser to for raw, or false when raw is not a
// path on BASE_URL's origin or a URL on an allowed host. It refuses everything a browser might
// read as another origin: "//evil", "/\evil", "https:evil", userinfo ("https://a@evil"),
// backslashes, blanks and control characters anywhere (browsers drop tabs and newlines, so
// "/\t/evil" is "//evil" to them), other schemes ("javascript:…"), and paths whose decoded form
// starts with "//" or holds a backslash.
func (rt *returns) check(raw string) (string, bool) {
	if raw == "" || len(raw) > maxReturnTo || strings.ContainsAny(raw, `\`) {
		return "", false
	}
	for _, c := range raw {
		if c <= ' ' || c == 0x7f || c > 0x7e { // ASCII only: no blanks, controls or lookalike slashes
			return "", false
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil {
		return "", false
	}
	if strings.HasPrefix(raw, "/") {
		if strings.HasPrefix(raw, "//") || u.Scheme != "" || u.Host != "" {
			return "", false
		}
	} else {
		host := strings.ToLower(u.Host)
		switch { // an allowed host over http only when BASE_URL itself is http (local setups)
		case u.Scheme != "http" && u.Scheme != "https", host == "":
			return "", false
		case host == strings.ToLower(rt.base.Host) && u.Scheme == rt.base.Scheme:
			// BASE_URL's own origin: kept as a path below
		case rt.allowed[host] && (u.Scheme == "https" || rt.base.Scheme == "http"):
			return u.String(), true
		default:
			return "", false
		}
	}
	p := u.Path
	if p == "" {
		p = "/"
	}
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, `\`) {
		return "", false
	}
	local := &url.URL{Scheme: rt.base.Scheme, Host: rt.base.Host, Path: p, RawPath: u.RawPath, RawQuery: u.RawQuery, Fragment: u.Fragment}
	return local.String(), true
}

// fromCookie is the return_to waiting in the cookie, checked again.
func (rt *returns) fromCookie(r *http.Request) (string, bool) {
	c, ok := rt.cookie.value(r)
	if !ok {
		return "", false
	}
	v, err := url.QueryUnescape(c)
	if err != nil {
		return "", false
	}
	return rt.recheck(v)
}

// recheck accepts a URL check returned earlier (absolute, on BASE_URL's origin or an allowed host).
func (rt *returns) recheck(abs string) (string, bool) {
	u, err := url.Parse(abs)
	if err != nil || u.Host == "" {
		return "", false
	}
	if strings.EqualFold(u.Host, rt.base.Host) && u.Scheme == rt.base.Scheme {
		return rt.check(u.RequestURI() + fragment(u))
	}
	return rt.check(abs)
}

func fragment(u *url.URL) string {
	if u.Fragment == "" {
		return ""
	}
	return "#" + u.EscapedFragment()
}

// remember wraps the sign-in page (GET /): a valid ?return_to= is kept (a signed-in person goes
// there at once) and an invalid one ignored. Nothing is written server-side for a visitor who
// has no session yet: the address waits in a cookie (carry moves it into the session).
func (rt *returns) remember(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw := r.URL.Query().Get(paramReturnTo)
		if raw == "" {
			next(w, r)
			return
		}
		target, ok := rt.check(raw)
		if !ok {
			next(w, r) // ignored: the sign-in page, leading to the dashboard as usual
			return
		}
		if _, signedIn := rt.state.member(r.Context()); signedIn {
			leave(w, r, target)
			return
		}
		if rt.state.sm.Token(r.Context()) != "" {
			rt.state.sm.Put(r.Context(), keyReturnTo, target)
		} else {
			rt.cookie.set(w, url.QueryEscape(target), returnCookieLife)
		}
		next(w, r)
	}
}

// carry moves a return_to waiting in its cookie into the session once the browser has one
// (the request after the email form, or the OAuth landing), and deletes the cookie.
func (rt *returns) carry(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if target, ok := rt.fromCookie(r); ok && rt.state.sm.Token(r.Context()) != "" {
			rt.state.sm.Put(r.Context(), keyReturnTo, target)
			rt.cookie.set(w, "", -1)
		}
		next.ServeHTTP(w, r)
	})
}

// take returns the kept return_to and forgets it (session and cookie).
func (rt *returns) take(w http.ResponseWriter, r *http.Request) (string, bool) {
	ctx := r.Context()
	target, ok := rt.recheck(rt.state.sm.GetString(ctx, keyReturnTo))
	if rt.state.sm.Exists(ctx, keyReturnTo) {
		rt.state.sm.Remove(ctx, keyReturnTo)
	}
	if c, found := rt.fromCookie(r); found {
		rt.cookie.set(w, "", -1)
		if !ok {
			target, ok = c, true
		}
	}
	return target, ok
}

// leave sends the browser to a page outside orgpick's own (an absolute URL check accepted):
// a full navigation, also for htmx (HX-Redirect), never a swap into #main.
func leave(w http.ResponseWriter, r *http.Request, target string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
