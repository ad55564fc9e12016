package handlers_test

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"

	"github.com/orgpick/orgpick/handlers"
	"github.com/orgpick/orgpick/internal/testkit"
	"github.com/orgpick/orgpick/store"
	"github.com/orgpick/orgpick/stytchb2b"
)

// Every state-changing route refuses a cross-site POST with a friendly 403, before doing anything.
func TestCrossSitePostsRefused(t *testing.T) {
	t.Parallel()
	e, b := envWithBrowser(t)
	b.discover("csrf@sec.test")
	routes := []string{"/login", "/authenticate", "/orgs/select", "/orgs/create", "/orgs/switch", "/logout"}
	// In order, not parallel: the cases share one browser, and the checks after them count
	// Stytch calls.
	for _, site := range []string{"cross-site", "same-site"} {
		for _, path := range routes {
			t.Run(site+path, func(t *testing.T) {
				req, _ := http.NewRequest(http.MethodPost, e.URL+path, strings.NewReader("organization_name=Evil&email=a%40b.test"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", site)
				r := b.do(req)
				wantStatus(t, r, http.StatusForbidden)
				if !strings.Contains(r.testid(t, "error-message"), "another site") {
					t.Fatalf("403 should explain: %q", r.testid(t, "error-message"))
				}
			})
		}
	}
	// An Origin header from elsewhere (older browsers without Sec-Fetch-Site) is refused too.
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/logout", nil)
	req.Header.Set("Origin", "https://evil.example")
	wantStatus(t, b.do(req), http.StatusForbidden)
	if n := e.emu.Calls()["POST /v1/b2b/discovery/organizations/create"]; n != 0 {
		t.Fatalf("a refused POST reached Stytch (%d creates)", n)
	}
	// The chooser is still there: nothing was spent.
	wantStatus(t, b.get("/orgs", false), http.StatusOK)
}

// Security headers on every kind of response; assets immutable, hashed and gzip-compressed.
func TestResponseHeaders(t *testing.T) {
	t.Parallel()
	e, b := envWithBrowser(t)
	page := b.get("/", false)
	css := page.doc(t).Find(`link[rel="stylesheet"]`).AttrOr("href", "")
	js := page.doc(t).Find(`script[src]`).AttrOr("src", "")
	for _, path := range []string{"/", "/healthz", "/nope", css, js, "/authenticate?stytch_token_type=sso&token=x"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			b := b.in(t)
			r := b.get(path, false)
			h := r.Header
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("CSP allows inline code: %q", csp)
			}
			if h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("Referrer-Policy %q, X-Content-Type-Options %q", h.Get("Referrer-Policy"), h.Get("X-Content-Type-Options"))
			}
		})
	}
	for _, path := range []string{css, js} {
		req, _ := http.NewRequest(http.MethodGet, e.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Fatalf("%s: status %d, encoding %q, cache %q", path, resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("Cache-Control"))
		}
	}
	// Inline scripts or styles would be blocked by the CSP: the markup must have none.
	if strings.Contains(page.body, "<style") || strings.Contains(page.body, " style=") || page.doc(t).Find("script:not([src])").Length() > 0 {
		t.Fatal("page has inline script or style")
	}
}

// Hostile input gets a clear 4xx, never a 500, and never reaches Stytch malformed.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	long := strings.Repeat("a", 250) + "@x.test"
	cases := []struct {
		name, path, body string
		status           int
	}{
		{"email too long", "/login", "email=" + url.QueryEscape(long), 422},
		{"email missing", "/login", "", 422},
		{"email with display name", "/login", "email=" + url.QueryEscape("Eve <eve@x.test>"), 422},
		{"email with newline", "/login", "email=" + url.QueryEscape("eve@x.test\r\nBcc: a@b.test"), 422},
		{"email repeated", "/login", "email=a%40x.test&email=b%40x.test", 400},
		{"email not UTF-8", "/login", "email=%ff%fe%40x.test", 400},
		{"body not a form", "/login", "%zz", 400},
		{"body too large", "/login", "email=" + strings.Repeat("a", 20<<10), 413},
		{"unknown token type", "/authenticate", "stytch_token_type=sso&token=" + strings.Repeat("A", 44), 400},
		{"missing token", "/authenticate", "stytch_token_type=discovery", 400},
		{"malformed token", "/authenticate", "stytch_token_type=discovery&token=" + url.QueryEscape("<script>alert(1)</script>"), 400},
		{"oversize token", "/authenticate", "stytch_token_type=discovery&token=" + strings.Repeat("A", 5000), 400},
		{"unknown token", "/authenticate", "stytch_token_type=discovery&token=" + strings.Repeat("A", 43) + "=", 400},
		{"select without IST", "/orgs/select", "organization_id=x", 303},
		{"switch signed out", "/orgs/switch", "organization_id=x", 303},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := e.in(t)
			b := e.browser()
			req, _ := http.NewRequest(http.MethodPost, e.URL+c.path, strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r := b.do(req)
			wantStatus(t, r, c.status)
			if c.status >= 400 && c.status != 422 && r.testid(t, "error-message") == "" {
				t.Fatalf("no friendly message:\n%s", r.body)
			}
			if strings.Contains(r.body, "<script>alert") {
				t.Fatal("input echoed unescaped")
			}
		})
	}
	t.Run("GET with hostile link params", func(t *testing.T) {
		t.Parallel()
		e := e.in(t)
		for _, q := range []string{"?token=", "?stytch_token_type=oauth&token=abc", "?stytch_token_type=discovery&token=%00%01", "?stytch_token_type=discovery&token=" + strings.Repeat("x", 9000)} {
			r := e.browser().get("/authenticate"+q, false)
			wantStatus(t, r, http.StatusBadRequest)
		}
	})
	t.Run("chooser with an IST: forged, missing and repeated organization_id", func(t *testing.T) {
		t.Parallel()
		e := e.in(t)
		b := e.browser()
		b.discover("hostile@sec.test")
		for _, body := range []string{"", "organization_id=organization-test-forged", "organization_id=a&organization_id=b", "organization_id=%ff"} {
			req, _ := http.NewRequest(http.MethodPost, e.URL+"/orgs/select", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r := b.do(req)
			if r.StatusCode != 400 && r.StatusCode != 403 {
				t.Fatalf("%q: status %d", body, r.StatusCode)
			}
		}
		wantStatus(t, b.get("/orgs?q=%ff%fe", false), http.StatusOK) // bad filter text is ignored
	})
}

// Sending email is limited per address and per client IP; Stytch's own 429 reads the same.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	t.Run("per address", func(t *testing.T) {
		t.Parallel()
		e, b := envWithBrowser(t, func(d *handlers.Deps) { d.EmailRules = handlers.DefaultEmailRules })
		b.askLink("rl@sec.test")
		if got := b.get("/check-email", false).testid(t, "resend-cooldown"); !strings.Contains(got, "seconds") {
			t.Fatalf("check-email should show the cooldown, got %q", got)
		}
		// The cooldown is explained in the form that was sent, with the address kept, the same
		// with and without htmx: the email form, or "check your inbox" for its resend button.
		for _, htmx := range []bool{false, true} {
			r := b.post("/login", url.Values{"email": {"rl@sec.test"}}, htmx)
			wantStatus(t, r, http.StatusTooManyRequests)
			if r.Header.Get("Retry-After") == "" || !strings.Contains(r.testid(t, "cooldown"), "you can ask for another in") {
				t.Fatalf("429 should say when to try again (Retry-After %q): %q", r.Header.Get("Retry-After"), r.testid(t, "cooldown"))
			}
			if r.Header.Get("HX-Retarget") != "" || r.doc(t).Find("#email").AttrOr("value", "") != "rl@sec.test" {
				t.Fatalf("htmx=%v: the email form, in place, keeps the address", htmx)
			}
			if htmx {
				wantFragment(t, r, "login")
			}
			r = b.post("/login", url.Values{"email": {"rl@sec.test"}, "intent": {"resend"}}, htmx)
			wantStatus(t, r, http.StatusTooManyRequests)
			if !r.has(t, "check-email") || !strings.Contains(r.testid(t, "cooldown"), "rl@sec.test") {
				t.Fatalf("htmx=%v: the resend button's page explains the cooldown:\n%s", htmx, r.body)
			}
		}
		e.advance(31 * time.Second)
		b.askLink("rl@sec.test")
	})
	t.Run("per IP", func(t *testing.T) {
		t.Parallel()
		e, b := envWithBrowser(t, func(d *handlers.Deps) { d.IPRules = []handlers.Rule{{Window: time.Minute, Max: 3}} })
		for i := range 3 {
			wantRedirect(t, b.post("/login", url.Values{"email": {string(rune('a'+i)) + "@ip.test"}}, false), "/check-email")
		}
		wantStatus(t, b.post("/login", url.Values{"email": {"z@ip.test"}}, false), http.StatusTooManyRequests)
		if n := e.emu.Calls()["POST /v1/b2b/magic_links/email/discovery/send"]; n != 3 {
			t.Fatalf("sends reaching Stytch: %d, want 3", n)
		}
	})
	t.Run("Stytch says 429", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		p := newFaultProxy(t, e)
		p.mode.Store(int32(faultTooMany))
		r := e.browser().post("/login", url.Values{"email": {"busy@sec.test"}}, false)
		wantStatus(t, r, http.StatusTooManyRequests)
		if !strings.Contains(r.testid(t, "cooldown"), "try again in") || r.doc(t).Find("#email").AttrOr("value", "") != "busy@sec.test" {
			t.Fatalf("message %q", r.testid(t, "cooldown"))
		}
	})
}

// The session cookie changes on sign-in, org switch and logout; an old cookie is worthless.
func TestSessionTokenRenewal(t *testing.T) {
	t.Parallel()
	e, b := envWithBrowser(t)
	u, _ := url.Parse(e.URL)
	cookie := func() string {
		for _, c := range b.Jar.Cookies(u) {
			if c.Name == "session" {
				return c.Value
			}
		}
		return ""
	}
	b.askLink("renew@sec.test")
	anon := cookie()
	b.followLink(e.latestLink("renew@sec.test"), "/orgs")
	discovering := cookie()
	b.createOrg("Renew One")
	signedIn := cookie()
	b.post("/logout", nil, false)
	b.discover("renew@sec.test")
	b.createOrg("Renew Two")
	before := cookie()
	ids := orgIDs(t, b.get("/dashboard", false))
	wantRedirect(t, b.post("/orgs/switch", url.Values{"organization_id": {ids[0]}}, false), "/dashboard")
	switched := cookie()
	seen := map[string]bool{}
	for _, v := range []string{anon, discovering, signedIn, before, switched} {
		if v == "" || seen[v] {
			t.Fatalf("session token not renewed: %q %q %q %q %q", anon, discovering, signedIn, before, switched)
		}
		seen[v] = true
	}
	// Replaying a pre-switch cookie gets nothing.
	replay := e.browser()
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: before}})
	wantRedirect(t, replay.get("/dashboard", false), "/")
	// After logout the signed-in cookie is dead too.
	b.post("/logout", nil, false)
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: switched}})
	wantRedirect(t, replay.get("/dashboard", false), "/")
}

// The IST, session token and session JWT never reach the browser or the logs.
func TestSecretsStayServerSide(t *testing.T) {
	t.Parallel()
	var logs testkit.SyncBuffer
	var seen seenPages
	rec := &recordingStytch{}
	e := newEnv(t, debugLog(&logs), wrapStytch(rec))
	b, keep := e.browser(), seen.keep
	keep(b.post("/login", url.Values{"email": {"secret@sec.test"}}, false))
	link := e.latestLink("secret@sec.test")
	q := link.Query()
	cont := b.open(link) // the Continue page holds the link token, by design, and nothing else
	keep(b.post("/authenticate", url.Values{"stytch_token_type": {q.Get("stytch_token_type")}, "token": {q.Get("token")}}, false))
	keep(b.get("/orgs", false))
	keep(b.post("/orgs/select", url.Values{"organization_id": {"bogus"}}, true))
	keep(b.post("/orgs/create", url.Values{"organization_name": {"Secretive"}}, true))
	keep(b.get("/dashboard", true))
	keep(b.get("/dashboard", false))
	keep(b.get("/members", false)) // admin pages re-check the session with Stytch: a fresh JWT
	keep(b.get("/settings", false))
	keep(b.post("/members/invite", url.Values{"email": {"guest@sec.test"}}, false))
	// A second org, then a switch back: an exchanged session.
	keep(b.post("/login", url.Values{"email": {"secret@sec.test"}}, false))
	second := e.latestLink("secret@sec.test")
	keep(b.followLink(second, "/orgs"))
	keep(b.post("/orgs/create", url.Values{"organization_name": {"Secretive Two"}}, false))
	ids := orgIDs(t, keep(b.get("/dashboard", false)))
	if len(ids) != 1 {
		t.Fatalf("switcher offers %v", ids)
	}
	keep(b.post("/orgs/switch", url.Values{"organization_id": {ids[0]}}, false))
	keep(b.get("/dashboard", false))
	// The guest accepts the invitation: a multi-tenant link straight into the org.
	guest := e.browser()
	invite := e.latestLink("guest@sec.test")
	guestCont := guest.open(invite)
	keep(guest.post("/authenticate", url.Values{"stytch_token_type": {invite.Query().Get("stytch_token_type")}, "token": {invite.Query().Get("token")}}, false))
	keep(guest.get("/dashboard", false))
	keep(b.post("/logout", nil, false))
	keep(b.post("/authenticate", url.Values{"stytch_token_type": {q.Get("stytch_token_type")}, "token": {q.Get("token")}}, false)) // used link: logged
	secrets := rec.secrets()
	if len(secrets) < 12 { // IST, 3 sessions (token + JWT) from create, create, switch, invite; JWTs from re-checks
		t.Fatalf("recorded only %d secrets", len(secrets))
	}
	for _, s := range secrets {
		if strings.Contains(seen.String(), s) || strings.Contains(cont.body, s) || strings.Contains(guestCont.body, s) {
			t.Errorf("a Stytch secret (%.8s…) reached the browser", s)
		}
		if strings.Contains(logs.String(), s) {
			t.Errorf("a Stytch secret (%.8s…) reached the logs", s)
		}
	}
	for _, tok := range []string{q.Get("token"), second.Query().Get("token"), invite.Query().Get("token")} {
		if strings.Contains(seen.String(), tok) || strings.Contains(logs.String(), tok) {
			t.Errorf("a link token (%.8s…) reached a page other than Continue, or the logs", tok)
		}
	}
	if !strings.Contains(logs.String(), "request failed") {
		t.Fatal("failures should be logged (once each)")
	}
}

// A revoked or expired Stytch session stops working: at once at logout, within the JWT's life
// when revoked elsewhere, and at the session's own expiry.
func TestRevokedAndExpiredSessions(t *testing.T) {
	t.Parallel()
	t.Run("revoked elsewhere, stale JWT", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.emu.Advance(-6 * time.Minute) // JWTs are issued already past their 5-minute life
		b := e.signedIn("revoked@sec.test", "Revoked")
		wantStatus(t, b.get("/dashboard", false), http.StatusOK) // stale JWT: Stytch is asked, says fine
		e.revokeAll(t, "revoked")
		wantRedirect(t, b.get("/dashboard", false), "/?notice=session-ended")
		wantRedirect(t, b.get("/dashboard", false), "/")
	})
	t.Run("revoked elsewhere, fresh JWT: served only while the JWT lives", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		b := e.signedIn("fresh@sec.test", "Fresh")
		e.revokeAll(t, "fresh")
		before := e.emu.Calls()["POST /v1/b2b/sessions/authenticate"]
		wantStatus(t, b.get("/dashboard", false), http.StatusOK)
		if after := e.emu.Calls()["POST /v1/b2b/sessions/authenticate"]; after != before {
			t.Fatalf("a fresh JWT should be verified locally (%d remote calls)", after-before)
		}
	})
	t.Run("Stytch session expired", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		b := e.signedIn("old@sec.test", "Old")
		e.advance(25 * time.Hour)
		wantRedirect(t, b.get("/dashboard", false), "/?notice=session-ended")
	})
	t.Run("cookie lifetime bounded by the Stytch session", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.rewire(func(d *handlers.Deps) { d.Stytch = stytchb2b.New(e.api, 5*time.Second, time.Hour) })
		b := e.browser()
		b.discover("bound@sec.test")
		r := b.post("/orgs/create", url.Values{"organization_name": {"Bound"}}, false)
		var found bool
		for _, c := range r.Cookies() {
			if c.Name == "session" {
				found = true
				if c.Expires.IsZero() || c.Expires.After(time.Now().Add(time.Hour+time.Minute)) {
					t.Fatalf("cookie outlives the Stytch session: %v", c.Expires)
				}
			}
		}
		if !found {
			t.Fatal("sign-in set no session cookie (its lifetime is what this checks)")
		}
	})
}

// Stytch slow, down or failing: a retryable message, the email and the IST kept, no panic.
func TestStytchFaults(t *testing.T) {
	// Not parallel: it counts the process's goroutines before and after the faults.
	for _, mode := range []fault{faultServerError, faultStall, faultDown, faultGarbage} {
		t.Run(mode.String(), func(t *testing.T) {
			e := newEnv(t)
			p := newFaultProxy(t, e)
			b := e.browser()
			b.discover("fault@sec.test")
			baseline := runtime.NumGoroutine()
			p.mode.Store(int32(mode))
			r := b.post("/orgs/create", url.Values{"organization_name": {"Faulty"}}, false)
			wantStatus(t, r, http.StatusServiceUnavailable)
			if !strings.Contains(r.testid(t, "error-message"), "try again") {
				t.Fatalf("message %q", r.testid(t, "error-message"))
			}
			r = b.post("/orgs/create", url.Values{"organization_name": {"Faulty"}}, true)
			wantStatus(t, r, http.StatusServiceUnavailable)
			wantFragment(t, r, "error-message")
			r = b.post("/login", url.Values{"email": {"fault2@sec.test"}}, false)
			wantStatus(t, r, http.StatusServiceUnavailable)
			if v := b.get("/", false).doc(t).Find("#email").AttrOr("value", ""); v != "fault2@sec.test" {
				t.Fatalf("the typed email should be kept for the retry, got %q", v)
			}
			// No goroutine outlives the failed calls (deadlines end them).
			deadline := time.Now().Add(3 * time.Second)
			for runtime.NumGoroutine() > baseline+4 && time.Now().Before(deadline) {
				http.DefaultTransport.(*http.Transport).CloseIdleConnections()
				time.Sleep(50 * time.Millisecond)
			}
			if n := runtime.NumGoroutine(); n > baseline+4 {
				buf := make([]byte, 1<<16)
				t.Fatalf("goroutines: %d after the faults, %d before\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
			}
			// Stytch is back: the same IST still works.
			p.mode.Store(int32(faultNone))
			wantRedirect(t, b.post("/orgs/create", url.Values{"organization_name": {"Faulty"}}, false), "/dashboard")
		})
	}
	t.Run("dashboard while Stytch is down keeps the session", func(t *testing.T) {
		e := newEnv(t)
		p := newFaultProxy(t, e)
		e.emu.Advance(-6 * time.Minute) // stale JWTs: every view asks Stytch
		b := e.signedIn("down@sec.test", "Down")
		p.mode.Store(int32(faultServerError))
		wantStatus(t, b.get("/dashboard", false), http.StatusServiceUnavailable)
		p.mode.Store(int32(faultNone))
		wantStatus(t, b.get("/dashboard", false), http.StatusOK)
	})
}

// A database that is read-only or locked answers 503 with a clear message, not a crash.
func TestStorageFaults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "app.db")
	st, err := store.Open(t.Context(), path) // creates the schema
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	// In order, not parallel: both open the same database file, and "locked" holds its lock.
	t.Run("read-only", func(t *testing.T) {
		e := newEnv(t, withStore(sqliteStore(t, path, "mode=ro&_busy_timeout=100")))
		r := e.browser().post("/login", url.Values{"email": {"ro@sec.test"}}, false)
		wantStatus(t, r, http.StatusServiceUnavailable)
		if !strings.Contains(r.testid(t, "error-message"), "database") {
			t.Fatalf("message %q", r.testid(t, "error-message"))
		}
		wantStatus(t, e.browser().get("/healthz", false), http.StatusOK) // reads still work
	})
	t.Run("locked", func(t *testing.T) {
		locked := sqliteStore(t, path, "_busy_timeout=100&_txlock=immediate")
		holder, err := sql.Open("sqlite3", "file:"+path+"?_txlock=exclusive")
		if err != nil {
			t.Fatal(err)
		}
		defer holder.Close()
		tx, err := holder.Begin() // an exclusive lock held by "another process"
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		e := newEnv(t, withStore(locked))
		r := e.browser().post("/login", url.Values{"email": {"lock@sec.test"}}, false)
		wantStatus(t, r, http.StatusServiceUnavailable)
		wantStatus(t, e.browser().get("/healthz", false), http.StatusOK)
	})
}

// ---- helpers ----

// sqliteStore is a store on the SQLite file at path opened with these DSN parameters (not
// migrated, as another process's view of it), closed when t ends.
func sqliteStore(t *testing.T, path, params string) *store.Store {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?"+params)
	if err != nil {
		t.Fatal(err)
	}
	st := &store.Store{DB: db}
	t.Cleanup(func() { st.Close() })
	return st
}

func withStore(st *store.Store) envOption {
	return func(d *handlers.Deps) {
		d.Store = st
		d.Sessions.Store = st.NewSessionStore(0)
	}
}

// revokeAll revokes every session of the (only) member of the org with this slug, as an
// admin console elsewhere would.
func (e *env) revokeAll(t *testing.T, slug string) {
	t.Helper()
	orgID := e.orgIDBySlug(slug)
	members, err := e.api.Organizations.Members.Search(t.Context(), &members.SearchParams{OrganizationIds: []string{orgID}})
	if err != nil || len(members.Members) == 0 {
		t.Fatalf("members of %s: %v", slug, err)
	}
	if _, err := e.api.Sessions.Revoke(t.Context(), &sessions.RevokeParams{MemberID: members.Members[0].MemberID}); err != nil {
		t.Fatal(err)
	}
}

type fault int32

const (
	faultNone fault = iota
	faultServerError
	faultStall
	faultDown
	faultGarbage
	faultTooMany
)

func (f fault) String() string {
	return [...]string{"none", "500", "stall", "down", "garbage", "429"}[f]
}

// faultProxy sits between the app's SDK and the emulator and can misbehave on demand.
type faultProxy struct {
	mode     atomic.Int32
	failPath atomic.Value // string: when set, only requests to this path fail (with a 500)
}

// newFaultProxy points the app's Stytch client (with a short deadline) at a proxy in front of
// the emulator. It must be called before the first request: it replaces the env's app.
func newFaultProxy(t *testing.T, e *env) *faultProxy {
	t.Helper()
	p := &faultProxy{}
	target, _ := url.Parse(e.EmuURL)
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mode := fault(p.mode.Load())
		if path, _ := p.failPath.Load().(string); path != "" && r.URL.Path == path {
			mode = faultServerError
		}
		switch mode {
		case faultServerError:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(500)
			w.Write([]byte(`{"status_code":500,"request_id":"r","error_type":"internal_server_error","error_message":"boom","error_url":""}`))
		case faultStall:
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
		case faultDown:
			hj, ok := w.(http.Hijacker)
			if ok {
				c, _, _ := hj.Hijack()
				c.Close()
			}
		case faultGarbage:
			w.WriteHeader(502)
			w.Write([]byte("<html>Bad Gateway</html>"))
		case faultTooMany:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(429)
			w.Write([]byte(`{"status_code":429,"request_id":"r","error_type":"too_many_requests","error_message":"Too many requests have been made.","error_url":""}`))
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	api, err := b2bstytchapi.NewClient(testkit.AppProject, testkit.AppSecret, b2bstytchapi.WithBaseURI(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	e.rewire(func(d *handlers.Deps) { d.Stytch = stytchb2b.New(api, 300*time.Millisecond, 24*time.Hour) })
	return p
}

// wrapped is the real Stytch client inside a recorder: every call the recorder does not
// redefine goes to it.
type wrapped struct{ *stytchb2b.Client }

func (w *wrapped) wrap(c *stytchb2b.Client) { w.Client = c }

// wrapStytch is an env option that puts w in front of the app's Stytch client.
func wrapStytch(w interface {
	handlers.Stytch
	wrap(*stytchb2b.Client)
}) envOption {
	return func(d *handlers.Deps) {
		w.wrap(d.Stytch.(*stytchb2b.Client))
		d.Stytch = w
	}
}

// debugLog is an env option that logs everything, debug included, into buf.
func debugLog(buf *testkit.SyncBuffer) envOption {
	return func(d *handlers.Deps) {
		d.Log = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
}

// seenPages is everything the browser received: bodies and headers.
type seenPages struct{ strings.Builder }

// keep adds a response to what was seen and returns it.
func (s *seenPages) keep(r response) response {
	s.WriteString(r.body)
	for k, v := range r.Header {
		s.WriteString(k + ": " + strings.Join(v, ",") + "\n")
	}
	return r
}

// recordingStytch passes every call to the real client and remembers the secrets it returns.
type recordingStytch struct {
	wrapped
	mu   sync.Mutex
	seen []string
}

func (r *recordingStytch) note(vals ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range vals {
		if v != "" {
			r.seen = append(r.seen, v)
		}
	}
}

// session notes a session's token and JWT on its way to the app.
func (r *recordingStytch) session(s stytchb2b.Session, err error) (stytchb2b.Session, error) {
	r.note(s.Token, s.JWT)
	return s, err
}

func (r *recordingStytch) secrets() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

func (r *recordingStytch) AuthenticateDiscoveryLink(ctx context.Context, token string) (stytchb2b.Discovery, error) {
	d, err := r.Client.AuthenticateDiscoveryLink(ctx, token)
	r.note(d.IST)
	return d, err
}

func (r *recordingStytch) AuthenticateSession(ctx context.Context, jwt string) (stytchb2b.Session, bool, error) {
	s, refreshed, err := r.Client.AuthenticateSession(ctx, jwt)
	r.note(s.Token, s.JWT)
	return s, refreshed, err
}

func (r *recordingStytch) RecheckSession(ctx context.Context, token, orgID string, need *stytchb2b.Permission) (stytchb2b.Session, error) {
	return r.session(r.Client.RecheckSession(ctx, token, orgID, need))
}

func (r *recordingStytch) ExchangeSession(ctx context.Context, token, orgID string) (stytchb2b.Session, error) {
	return r.session(r.Client.ExchangeSession(ctx, token, orgID))
}

func (r *recordingStytch) AuthenticateMagicLink(ctx context.Context, token string) (stytchb2b.Session, error) {
	return r.session(r.Client.AuthenticateMagicLink(ctx, token))
}

func (r *recordingStytch) CreateOrg(ctx context.Context, ist, name, slug string) (stytchb2b.Session, error) {
	return r.session(r.Client.CreateOrg(ctx, ist, name, slug))
}

func (r *recordingStytch) ExchangeIST(ctx context.Context, ist, orgID string) (stytchb2b.Session, error) {
	return r.session(r.Client.ExchangeIST(ctx, ist, orgID))
}

// Opening a magic link changes nothing server-side and moves the token out of the URL: the
// history keeps only the bare /authenticate, and coming back to it later spends nothing.
func TestLinkLandingKeepsTokenOutOfURLAndState(t *testing.T) {
	t.Parallel()
	e, b := envWithBrowser(t)
	link := b.askLink("landing@sec.test")
	var sessionsBefore int
	e.store.DB.QueryRow("SELECT count(*) FROM sessions").Scan(&sessionsBefore)

	fresh := e.browser() // e.g. an email scanner, or the person on another device
	r := fresh.get(link.RequestURI(), false)
	wantRedirect(t, r, "/authenticate")
	var linkCookie *http.Cookie
	for _, c := range r.Cookies() {
		switch c.Name {
		case "orgpick_link":
			linkCookie = c
		case "session":
			t.Fatal("opening a link must not create a session")
		}
	}
	if linkCookie == nil || !linkCookie.HttpOnly || linkCookie.SameSite != http.SameSiteLaxMode || linkCookie.MaxAge <= 0 || linkCookie.MaxAge > 900 {
		t.Fatalf("link cookie: %+v", linkCookie)
	}
	var sessionsAfter int
	e.store.DB.QueryRow("SELECT count(*) FROM sessions").Scan(&sessionsAfter)
	if sessionsAfter != sessionsBefore || e.emu.Calls()["POST /v1/b2b/magic_links/discovery/authenticate"] != 0 {
		t.Fatal("GET /authenticate changed state")
	}
	if strings.Contains(fresh.get("/authenticate", false).body, "<form") == false {
		t.Fatal("the bare /authenticate shows the Continue form")
	}

	chooser := fresh.followLink(link, "/orgs")
	wantStatus(t, chooser, http.StatusOK)
	// Back to /authenticate after Continue: the link cookie is gone, nothing is spent again.
	wantRedirect(t, fresh.get("/authenticate", false), "/orgs")
	if n := e.emu.Calls()["POST /v1/b2b/magic_links/discovery/authenticate"]; n != 1 {
		t.Fatalf("link authenticated %d times", n)
	}
	// Without a link or a sign-in in progress, the bare page leads to the email form.
	wantRedirect(t, e.browser().get("/authenticate", false), "/")
}
