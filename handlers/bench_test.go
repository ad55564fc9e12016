package handlers_test

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"

	"github.com/orgpick/orgpick/emulator"
)

// The emulator's route patterns for the calls the app makes (emulator.Calls keys).
const (
	callSend          = "POST /v1/b2b/magic_links/email/discovery/send"
	callDiscoveryAuth = "POST /v1/b2b/magic_links/discovery/authenticate"
	callISTExchange   = "POST /v1/b2b/discovery/intermediate_sessions/exchange"
	callOrgCreate     = "POST /v1/b2b/discovery/organizations/create"
	callOrgList       = "POST /v1/b2b/discovery/organizations"
	callSessionAuth   = "POST /v1/b2b/sessions/authenticate"
	callRevoke        = "POST /v1/b2b/sessions/revoke"
	callPolicy        = "GET /v1/b2b/rbac/policy"
)

// jwtAge is how far back the emulator's clock is set while it issues a session JWT, to get one
// that is already older than the app's 5-minute max token age (see TestStytchCallBudget).
const jwtAge = 6 * time.Minute

// callsSince returns the emulator calls made since before, without the zero entries.
func callsSince(emu *emulator.Emulator, before map[string]int) map[string]int {
	diff := map[string]int{}
	for k, v := range emu.Calls() {
		if d := v - before[k]; d != 0 {
			diff[k] = d
		}
	}
	return diff
}

// wantCalls runs f and fails unless it made exactly the Stytch calls in want (by route).
func wantCalls(t *testing.T, e *env, what string, want map[string]int, f func()) {
	t.Helper()
	before := e.emu.Calls()
	f()
	if got := callsSince(e.emu, before); !maps.Equal(got, want) {
		t.Fatalf("%s: Stytch calls %v, want exactly %v", what, got, want)
	}
}

// signIn runs a whole discovery sign-in the way a browser does it: email form, check-email
// page, magic link landing, Continue, chooser, then create (orgID == "") or select an org.
// When issuedAgo > 0 the emulator issues the session (and its JWT) that long ago, so the app's
// first dashboard view finds the JWT stale.
func (b *browser) signIn(email, orgName, orgID string, issuedAgo time.Duration) {
	t := b.e.t
	t.Helper()
	wantRedirect(t, b.post("/login", url.Values{"email": {email}}, false), "/check-email")
	wantStatus(t, b.get("/check-email", false), http.StatusOK)
	chooser := b.followLink(b.e.latestLink(email), "/orgs")
	wantStatus(t, chooser, http.StatusOK)
	b.e.emu.Advance(-issuedAgo)
	defer b.e.emu.Advance(issuedAgo)
	if orgID == "" {
		wantRedirect(t, b.post("/orgs/create", url.Values{"organization_name": {orgName}}, false), "/dashboard")
		return
	}
	wantRedirect(t, b.post("/orgs/select", url.Values{"organization_id": {orgID}}, false), "/dashboard")
}

// TestStytchCallBudget pins down how many Stytch calls each step costs, counted at the
// emulator by route. It is the guard of the performance budget: adding a Stytch call to a
// page view or to sign-in makes it fail.
//
// A stale JWT: the SDK checks a JWT's age (iat + max token age) against the real time.Now, so
// the app's clock can't age it. Instead the emulator's clock is set back jwtAge while it issues
// the session, so the JWT's iat is jwtAge ago (and its exp, iat+5m, has passed) — exactly the JWT
// a browser holds after jwtAge of real time. The clock is restored before the next request, so
// the JWT Stytch issues on refresh is fresh again.
func TestStytchCallBudget(t *testing.T) {
	t.Parallel()
	e, b := envWithBrowser(t)
	signIn := map[string]int{callSend: 1, callDiscoveryAuth: 1}

	// New email: send, authenticate, create. The chooser renders from the session.
	wantCalls(t, e, "sign-in creating an org", with(signIn, callOrgCreate), func() {
		b.askLink("ada@acme.test")
		wantStatus(t, b.get("/check-email", false), http.StatusOK)
		wantStatus(t, b.followLink(e.latestLink("ada@acme.test"), "/orgs"), http.StatusOK)
		wantCalls(t, e, "100 chooser views", nil, func() {
			for i := range 100 {
				wantStatus(t, b.get("/orgs", i%2 == 1), http.StatusOK)
			}
			wantStatus(t, b.get("/orgs?q=acme", true), http.StatusOK)
		})
		wantRedirect(t, b.post("/orgs/create", url.Values{"organization_name": {"Acme Rockets"}}, false), "/dashboard")
	})
	// The RBAC policy (what the pages offer a member's roles) is fetched once per process and
	// kept 5 minutes, like the SDK's own policy cache.
	wantCalls(t, e, "first dashboard view", map[string]int{callPolicy: 1}, func() {
		wantStatus(t, b.get("/dashboard", false), http.StatusOK)
	})
	wantCalls(t, e, "100 dashboard views inside the JWT's life", nil, func() {
		for i := range 100 {
			wantStatus(t, b.get("/dashboard", i%2 == 1), http.StatusOK)
		}
		wantRedirect(t, b.get("/", false), "/dashboard")
	})
	wantCalls(t, e, "logout", map[string]int{callRevoke: 1}, b.logout)
	wantCalls(t, e, "dashboard after logout", nil, func() { wantRedirect(t, b.get("/dashboard", false), "/") })

	// Returning email: send, authenticate, exchange — with the JWT issued jwtAge ago.
	var orgID string
	wantCalls(t, e, "sign-in selecting an org", with(signIn, callISTExchange), func() {
		chooser := b.discover("ada@acme.test")
		if ids := orgIDs(t, chooser); len(ids) == 1 {
			orgID = ids[0]
		} else {
			t.Fatalf("chooser offers %v, want the one org", ids)
		}
		e.emu.Advance(-jwtAge)
		defer e.emu.Advance(jwtAge)
		wantRedirect(t, b.post("/orgs/select", url.Values{"organization_id": {orgID}}, false), "/dashboard")
	})
	wantCalls(t, e, "dashboard view with a stale JWT", map[string]int{callSessionAuth: 1, callOrgList: 1}, func() {
		r := b.get("/dashboard", false)
		wantStatus(t, r, http.StatusOK)
		if got := r.testid(t, "dashboard-org"); got != "Acme Rockets" {
			t.Fatalf("dashboard org %q after refresh", got)
		}
	})
	wantCalls(t, e, "100 dashboard views after the refresh", nil, func() {
		for range 100 {
			wantStatus(t, b.get("/dashboard", false), http.StatusOK)
		}
	})

	// Revocation at Stytch (another device's logout, an admin removing the member) ends this
	// browser's session at its next stale-JWT view: one authenticate call, then signed out.
	b2 := e.browser()
	b2.signIn("ada@acme.test", "", orgID, jwtAge)
	memberID := memberOf(t, e, orgID, "ada@acme.test")
	if _, err := e.api.Sessions.Revoke(t.Context(), &sessions.RevokeParams{MemberID: memberID}); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, e, "stale-JWT view of a revoked session", map[string]int{callSessionAuth: 1}, func() {
		wantRedirect(t, b2.get("/dashboard", false), "/?notice=session-ended")
	})
	wantCalls(t, e, "view after the revoked session ended", nil, func() { wantRedirect(t, b2.get("/dashboard", false), "/") })

	// The second sign-in step (MFA), path by path: mfa_bench_test.go.
	mfaCallBudget(t, e)
	mfaRecoveryBudget(t, e)
	mfaAccountBudget(t, e)
	ssoCallBudget(t, e) // sso_test.go
	// Forward auth and the reverse-proxy mode: prefix_test.go.
	gatewayCallBudget(t, e)
}

// with returns a copy of base plus one call of route.
func with(base map[string]int, route string) map[string]int {
	m := maps.Clone(base)
	m[route]++
	return m
}

// memberOf finds a member's ID through the seeding SDK client (not counted against the app:
// callers snapshot the emulator's counters after this).
func memberOf(t *testing.T, e *env, orgID, email string) string {
	t.Helper()
	resp, err := e.api.Organizations.Members.Get(t.Context(), &members.GetParams{OrganizationID: orgID, EmailAddress: email})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Member.MemberID
}

// benchEnv is the test env (newEnv: real SDK → emulator over HTTP, SQLite on disk, wired as in
// cmd/web). Benchmarks serve requests in-process through its handler, so the figures are the
// app's own cost without the network.
type benchEnv struct {
	*env
	handler http.Handler
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	e := newEnv(b)
	return &benchEnv{env: e, handler: e.Handler()}
}

// discover signs an email in up to the chooser over real HTTP and returns the session cookie.
// With create set it goes on to create an org, so the cookie is a signed-in member's.
func (be *benchEnv) discover(b *testing.B, email string, create bool) *http.Cookie {
	b.Helper()
	return sessionCookie(b, be.env, email, create)
}

// sessionCookie is discover for any test: the session cookie after a discovery of email in e,
// and with create after creating an org.
func sessionCookie(t testing.TB, e *env, email string, create bool) *http.Cookie {
	t.Helper()
	br := e.browser()
	br.discover(email)
	if create {
		br.createOrg("Bench " + email)
	}
	u, _ := url.Parse(e.URL)
	for _, ck := range br.Jar.Cookies(u) {
		if ck.Name == "session" {
			return ck
		}
	}
	t.Fatal("no session cookie after sign-in")
	return nil
}

// sink is a ResponseWriter that keeps the status and counts the body, so the benchmarks measure
// the handler rather than a recorder's buffer.
type sink struct {
	h      http.Header
	status int
	n      int
}

func (s *sink) Header() http.Header { return s.h }
func (s *sink) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
}

func (s *sink) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	s.n += len(p)
	return len(p), nil
}

// bench serves req through the app b.N times, checks every status, and reports response bytes
// and Stytch calls per op (counted at the emulator; the budget is 0 for every page here).
func (be *benchEnv) bench(b *testing.B, req *http.Request, status int) {
	b.Helper()
	before := be.emu.Calls()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		w := &sink{h: http.Header{}}
		be.handler.ServeHTTP(w, req)
		if w.status != status {
			b.Fatalf("%s %s: status %d, want %d", req.Method, req.URL, w.status, status)
		}
		n = w.n
	}
	calls := 0
	for _, v := range callsSince(be.emu, before) {
		calls += v
	}
	b.ReportMetric(float64(n), "resp-bytes")
	b.ReportMetric(float64(calls)/float64(b.N), "stytch-calls/op")
}

func newRequest(target string, cookie *http.Cookie) *http.Request {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.RemoteAddr = "127.0.0.1:40000"
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return req
}

// BenchmarkDashboard is GET /dashboard for a signed-in member whose JWT is fresh: SQLite
// session load, local JWT verification, render. No Stytch call.
func BenchmarkDashboard(b *testing.B) {
	be := newBenchEnv(b)
	ck := be.discover(b, "ada@acme.test", true)
	b.Run("page", func(b *testing.B) { be.bench(b, newRequest("/dashboard", ck), http.StatusOK) })
	b.Run("htmx", func(b *testing.B) {
		req := newRequest("/dashboard", ck)
		req.Header.Set("HX-Request", "true")
		be.bench(b, req, http.StatusOK)
	})
}

// BenchmarkDashboardParallel is BenchmarkDashboard from GOMAXPROCS goroutines at once (one
// session, as in the load run): contention on the SQLite pool and the JWKS shows here.
func BenchmarkDashboardParallel(b *testing.B) {
	be := newBenchEnv(b)
	ck := be.discover(b, "ada@acme.test", true)
	before := be.emu.Calls()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := newRequest("/dashboard", ck)
		for pb.Next() {
			w := &sink{h: http.Header{}}
			be.handler.ServeHTTP(w, req)
			if w.status != http.StatusOK {
				b.Errorf("status %d", w.status)
				return
			}
		}
	})
	calls := 0
	for _, v := range callsSince(be.emu, before) {
		calls += v
	}
	b.ReportMetric(float64(calls)/float64(b.N), "stytch-calls/op")
}

// BenchmarkChooser is GET /orgs during a discovery: rendered from the session, no Stytch call.
func BenchmarkChooser(b *testing.B) {
	be := newBenchEnv(b)
	ck := be.discover(b, "ada@acme.test", false)
	be.bench(b, newRequest("/orgs", ck), http.StatusOK)
}

// BenchmarkHealthz is GET /healthz, the baseline: no session, one database ping.
func BenchmarkHealthz(b *testing.B) {
	be := newBenchEnv(b)
	be.bench(b, newRequest("/healthz", nil), http.StatusOK)
}

// BenchmarkLoginPage is GET / for a visitor without a session (the first page load).
func BenchmarkLoginPage(b *testing.B) {
	be := newBenchEnv(b)
	be.bench(b, newRequest("/", nil), http.StatusOK)
}

// BenchmarkAsset is a hashed static file served gzip-compressed from memory.
func BenchmarkAsset(b *testing.B) {
	be := newBenchEnv(b)
	for _, name := range []string{"app.css", "htmx-2.0.11.min.js"} {
		b.Run(name, func(b *testing.B) {
			req := newRequest(be.Deps.Assets.URL(name), nil)
			req.Header.Set("Accept-Encoding", "gzip, deflate, br")
			be.bench(b, req, http.StatusOK)
		})
	}
}
