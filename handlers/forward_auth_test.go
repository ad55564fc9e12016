package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"

	"github.com/orgpick/orgpick/handlers"
	"github.com/orgpick/orgpick/internal/gateway"
)

// verify asks GET /auth/verify as a gateway does: with this browser's cookies and the headers given.
func (b *browser) verify(query string, header http.Header) response {
	b.e.t.Helper()
	req, err := http.NewRequestWithContext(b.e.t.Context(), http.MethodGet, b.e.URL+"/auth/verify"+query, nil)
	if err != nil {
		b.e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return b.do(req)
}

// wantIdentity checks a 200 from /auth/verify names this member of this organization.
func wantIdentity(t *testing.T, r response, email, orgID, slug, memberID string) {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	h := r.Header
	got := []string{h.Get(gateway.HeaderEmail), h.Get(gateway.HeaderOrgID), h.Get(gateway.HeaderOrgSlug), h.Get(gateway.HeaderMemberID)}
	if want := []string{email, orgID, slug, memberID}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("identity %q, want %q", got, want)
	}
	if !strings.HasPrefix(h.Get(gateway.HeaderJWT), "ey") || h.Get(gateway.HeaderRoles) == "" {
		t.Fatalf("JWT %.10q…, roles %q: want both", h.Get(gateway.HeaderJWT), h.Get(gateway.HeaderRoles))
	}
	if c := h.Values("Set-Cookie"); len(c) > 0 {
		t.Fatalf("verify set cookies %q: it must not write the session", c)
	}
}

// TestVerify: signed in → 200 with the identity; another organization asked for → 403; a switch
// changes the answer at once; not signed in, or after logout → 401 (or 302 with ?redirect=1).
func TestVerify(t *testing.T) {
	t.Parallel()
	e, b := envWithBrowser(t) // orgs made by signing in: seeding moves the emulator's clock, so its JWTs would look stale
	var ids []string
	for _, name := range []string{"Beta Labs", "Acme"} {
		b.discover("ada@acme.test")
		b.createOrg(name)
		ids = append([]string{b.verify("", nil).Header.Get(gateway.HeaderOrgID)}, ids...) // checked against Stytch's member below
	}
	acme, beta := memberOf(t, e, ids[0], "ada@acme.test"), memberOf(t, e, ids[1], "ada@acme.test")

	wantIdentity(t, b.verify("", nil), "ada@acme.test", ids[0], "acme", acme)
	wantIdentity(t, b.verify("?org=acme", nil), "ada@acme.test", ids[0], "acme", acme)
	wantStatus(t, b.verify("?org=beta-labs", nil), http.StatusForbidden)
	spoofed := http.Header{"X-Orgpick-Email": {"eve@evil.test"}, "X-Orgpick-Organization-Id": {"org-evil"}}
	wantIdentity(t, b.verify("", spoofed), "ada@acme.test", ids[0], "acme", acme)

	wantRedirect(t, b.post("/orgs/switch", url.Values{"organization_id": {ids[1]}}, false), "/dashboard")
	wantIdentity(t, b.verify("", nil), "ada@acme.test", ids[1], "beta-labs", beta)
	wantStatus(t, b.verify("?org=acme", nil), http.StatusForbidden)

	stranger := e.browser()
	r := stranger.verify("", nil)
	wantStatus(t, r, http.StatusUnauthorized)
	if got := r.Header.Get(gateway.HeaderSignIn); got != e.URL+"/" {
		t.Fatalf("sign-in header %q, want %q", got, e.URL+"/")
	}
	r = stranger.verify("?redirect=1", nil)
	if wantStatus(t, r, http.StatusFound); r.Header.Get("Location") != e.URL+"/" {
		t.Fatalf("redirect to %q", r.Header.Get("Location"))
	}

	b.logout()
	wantStatus(t, b.verify("", nil), http.StatusUnauthorized)
}

// TestVerifyCallBudget: inside the JWT's life a verify costs no Stytch call; with a stale JWT
// the first costs one (sessions/authenticate: no organization list, a gateway needs none) and
// the next ones none again. A revoked session is refused at its next stale check.
func TestVerifyCallBudget(t *testing.T) {
	t.Parallel()
	e, b := envWithBrowser(t)
	b.signIn("ada@acme.test", "Acme", "", jwtAge)
	var orgID string
	wantCalls(t, e, "first verify with a stale JWT", map[string]int{callSessionAuth: 1}, func() {
		r := b.verify("", nil)
		wantStatus(t, r, http.StatusOK)
		orgID = r.Header.Get(gateway.HeaderOrgID)
	})
	wantCalls(t, e, "100 verifies after the refresh", nil, func() {
		for range 100 {
			wantStatus(t, b.verify("", nil), http.StatusOK)
		}
	})
	b2 := e.browser()
	b2.signIn("ada@acme.test", "", orgID, jwtAge)
	// Revoked at Stytch (another device's logout, an admin removing the member).
	if _, err := e.api.Sessions.Revoke(t.Context(), &sessions.RevokeParams{MemberID: memberOf(t, e, orgID, "ada@acme.test")}); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, e, "stale verify of a revoked session", map[string]int{callSessionAuth: 1}, func() {
		wantStatus(t, b2.verify("", nil), http.StatusUnauthorized)
	})
	wantCalls(t, e, "verify after the session ended", nil, func() {
		wantStatus(t, b2.verify("", nil), http.StatusUnauthorized)
	})
}

// TestVerifyForwardedHeaders: where the person was going is read from the gateway's headers
// only when the peer is a trusted proxy, and only kept when it is on BASE_URL's origin.
func TestVerifyForwardedHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	host := strings.TrimPrefix(e.URL, "http://")
	forwarded := http.Header{"X-Forwarded-Proto": {"http"}, "X-Forwarded-Host": {host}, "X-Forwarded-Uri": {"/app/reports?q=1&b=2"}}
	want := e.URL + "/?return_to=" + url.QueryEscape(e.URL+"/app/reports?q=1&b=2")
	cases := []struct {
		name    string
		trusted bool
		header  http.Header
		want    string
	}{
		{"untrusted peer", false, forwarded, e.URL + "/"},
		{"trusted proxy", true, forwarded, want},
		{"X-Original-URL", true, http.Header{"X-Original-Url": {e.URL + "/app/reports?q=1&b=2"}}, want},
		{"another host", true, http.Header{"X-Original-Url": {"https://evil.test/app"}}, e.URL + "/"},
		{"protocol-relative", true, http.Header{"X-Forwarded-Uri": {"//evil.test/app"}}, e.URL + "/"},
	}
	for _, c := range cases { // in turn: each rewires the app
		e.rewire(func(d *handlers.Deps) { d.Proxied = func(*http.Request) bool { return c.trusted } })
		r := e.browser().verify("?redirect=1", c.header)
		if wantStatus(t, r, http.StatusFound); r.Header.Get("Location") != c.want {
			t.Errorf("%s: Location %q, want %q", c.name, r.Header.Get("Location"), c.want)
		}
	}
}
