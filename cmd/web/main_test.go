package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgpick/orgpick/emulator"
	"github.com/orgpick/orgpick/internal/testkit"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func testConfig(t *testing.T, kv ...string) Config {
	t.Helper()
	m := map[string]string{"DATABASE_PATH": filepath.Join(t.TempDir(), "app.db")}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	cfg, err := LoadConfig(func(k string) string { return m[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The session cookie is HttpOnly and SameSite=Lax; over https it is also Secure with __Host-.
func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		base, name string
		secure     bool
	}{{"http://localhost:3000", "orgpick_session", false}, {"https://localhost:3000", "__Host-orgpick_session", true}} {
		t.Run(c.base, func(t *testing.T) {
			t.Parallel()
			a, err := newApp(t.Context(), testConfig(t, "BASE_URL", c.base), quiet())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(a.Close)
			srv := httptest.NewServer(a.Handler)
			t.Cleanup(srv.Close)
			noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := noRedirect.PostForm(srv.URL+"/login", url.Values{"email": {"cookie@main.test"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/check-email" {
				t.Fatalf("POST /login: %d %q, want 303 to /check-email", resp.StatusCode, resp.Header.Get("Location"))
			}
			var found *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == c.name {
					found = ck
				}
			}
			if found == nil {
				t.Fatalf("no %s cookie in %v", c.name, resp.Header["Set-Cookie"])
			}
			if !found.HttpOnly || found.SameSite != http.SameSiteLaxMode || found.Secure != c.secure || found.Path != "/" || found.Domain != "" {
				t.Fatalf("cookie attributes: %+v", found)
			}
		})
	}
}

// Without Stytch credentials and with a BASE_URL that is not this machine, the app refuses to
// start (the embedded emulator's mailbox would serve live sign-in links to the world), in one line.
func TestEmbeddedEmulatorOnlyOnLoopback(t *testing.T) {
	t.Parallel()
	var stderr strings.Builder
	env := map[string]string{"BASE_URL": "https://app.example.com", "ADDR": "127.0.0.1:0", "DATABASE_PATH": filepath.Join(t.TempDir(), "app.db")}
	err := run(t.Context(), func(k string) string { return env[k] }, &stderr)
	if err == nil || !strings.Contains(err.Error(), "STYTCH_PROJECT_ID and STYTCH_SECRET") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("run: %v, want one line saying to set STYTCH_PROJECT_ID and STYTCH_SECRET", err)
	}
	if _, statErr := os.Stat(env["DATABASE_PATH"]); statErr == nil {
		t.Fatal("a refused configuration created the database")
	}
}

// /dev/ (the emulator's mailbox) exists only with the embedded emulator.
func TestDevRoutesOnlyWithoutRealCredentials(t *testing.T) {
	t.Parallel()
	emu, err := emulator.New(emulator.Config{ProjectID: "project-test-real", Secret: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	stytch := httptest.NewServer(emu) // a "real" Stytch: the same wire API, its own /dev/ unreachable to the app's users
	t.Cleanup(stytch.Close)
	for _, c := range []struct {
		name   string
		kv     []string
		status int
	}{
		{"embedded", nil, http.StatusOK},
		{"real credentials", []string{"STYTCH_PROJECT_ID", "project-test-real", "STYTCH_SECRET", "secret", "STYTCH_BASE_URL", stytch.URL}, http.StatusNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a, err := newApp(t.Context(), testConfig(t, c.kv...), quiet())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(a.Close)
			srv := httptest.NewServer(a.Handler)
			t.Cleanup(srv.Close)
			for _, path := range []string{"/dev/mailbox", "/dev/mailbox.json"} {
				resp, err := http.Get(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != c.status {
					t.Fatalf("GET %s: %d, want %d", path, resp.StatusCode, c.status)
				}
			}
		})
	}
}

// Cancelling (SIGTERM) stops accepting and lets in-flight requests finish.
func TestServeDrainsInFlightRequests(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "done")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, h, ln, quiet()) }()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	time.Sleep(100 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), 200*time.Millisecond); err == nil {
		t.Error("still accepting connections after shutdown began")
	}
	close(release)
	if body := <-got; body != "done" {
		t.Fatalf("in-flight request: %q", body)
	}
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
}

// kill -9 between the magic link and the org pick, and again after sign-in: nothing committed
// is lost (the IST and the session live in SQLite).
func TestKillDashNineLosesNothing(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := binaryServer(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	want := func(r testkit.Response, err error, status int, location string) {
		t.Helper()
		must(err)
		must(testkit.Expect(r, status, location))
	}
	must(srv.Start(ctx))
	b := testkit.NewBrowser(srv.URL)
	r, err := b.Post(ctx, "/login", url.Values{"email": {"crash@main.test"}}, false)
	want(r, err, http.StatusSeeOther, "/check-email")
	link, err := testkit.LatestLink(ctx, srv, "crash@main.test")
	must(err)
	r, err = b.Post(ctx, "/authenticate", url.Values{"stytch_token_type": {link.Query().Get("stytch_token_type")}, "token": {link.Query().Get("token")}}, false)
	want(r, err, http.StatusSeeOther, "/orgs")

	must(srv.Restart(ctx)) // kill -9, start again
	r, err = b.Get(ctx, "/orgs", false)
	want(r, err, http.StatusOK, "")
	r, err = b.Post(ctx, "/orgs/create", url.Values{"organization_name": {"Survivor"}}, false)
	want(r, err, http.StatusSeeOther, "/dashboard")

	must(srv.Restart(ctx))
	r, err = b.Get(ctx, "/dashboard", false)
	want(r, err, http.StatusOK, "")
	if err := srv.Stop(); err != nil { // SIGTERM exits cleanly
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

// sharedBackend is one fresh PostgreSQL database and one standalone Stytch emulator, for several
// instances of the app. It skips the test when PostgreSQL is not available (testkit.SkipOrFail).
type sharedBackend struct {
	t      *testing.T
	dbURL  string
	emu    *emulator.Emulator
	stytch *httptest.Server
}

func newSharedBackend(t *testing.T) *sharedBackend {
	t.Helper()
	dbURL, drop, err := testkit.FreshPostgres(t.Context())
	if err != nil {
		if testkit.SkipOrFail(err) {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { drop() })
	emu, err := emulator.New(emulator.Config{ProjectID: "project-test-shared", Secret: "secret", DisableEmailRateLimit: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	stytch := httptest.NewServer(emu.API())
	t.Cleanup(stytch.Close)
	return &sharedBackend{t: t, dbURL: dbURL, emu: emu, stytch: stytch}
}

// instance starts one more app on the shared backend; stop ends it early (cleanup ends it anyway).
func (sb *sharedBackend) instance() (srv *httptest.Server, stop func()) {
	t := sb.t
	t.Helper()
	a, err := newApp(t.Context(), testConfig(t, "DATABASE_URL", sb.dbURL, "STYTCH_PROJECT_ID", "project-test-shared",
		"STYTCH_SECRET", "secret", "STYTCH_BASE_URL", sb.stytch.URL), quiet())
	if err != nil {
		t.Fatal(err)
	}
	srv = httptest.NewServer(a.Handler)
	stop = func() { srv.Close(); a.Close() }
	t.Cleanup(stop)
	return srv, stop
}

// wantResponse fails t unless the request went through and r has status (and location, if given).
func wantResponse(t *testing.T, r testkit.Response, err error, status int, location string) testkit.Response {
	t.Helper()
	if err == nil {
		err = testkit.Expect(r, status, location)
	}
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Two instances of the app on one PostgreSQL database and one (standalone) Stytch, a person's
// requests alternating between them as behind a load balancer: sign in on A, pick the org on B,
// dashboard on A, switch on B, log out on A, and B refuses the old cookie; the per-address
// limit holds across both (and a third started later); A going away mid-sign-in loses nothing
// for B.
func TestInstancesShareSessionsAndLimits(t *testing.T) {
	t.Parallel()
	sb := newSharedBackend(t)
	emu, ctx := sb.emu, t.Context()
	const email = "shared@pg.test"
	seed := &testkit.Seeder{API: mustSDK(t, sb.stytch.URL), Mailbox: emu, Redirect: "http://localhost:3000/authenticate",
		Advance: func(context.Context, time.Duration) error { return nil }}
	ids, err := seed.Memberships(ctx, email, []string{"Shared One", "Shared Two"}, []string{"shared-one", "shared-two"})
	if err != nil {
		t.Fatal(err)
	}
	a, stopA := sb.instance()
	b, _ := sb.instance()
	onA := testkit.NewBrowser(a.URL)
	onB := &testkit.Browser{Base: b.URL, Jar: onA.Jar, Client: onA.Client} // the same browser, the other instance

	r, err := onA.Post(ctx, "/login", url.Values{"email": {email}}, false)
	wantResponse(t, r, err, http.StatusSeeOther, "/check-email")
	if r, err := onB.Get(ctx, "/check-email", false); !strings.Contains(wantResponse(t, r, err, http.StatusOK, "").Body, email) {
		t.Fatal("instance B does not know the address typed on instance A")
	}
	link, err := testkit.LatestLink(ctx, emu, email)
	if err != nil {
		t.Fatal(err)
	}
	r, err = onA.FollowLink(ctx, link, "/orgs") // the IST is kept by A…
	wantResponse(t, r, err, http.StatusOK, "")
	r, err = onB.Post(ctx, "/orgs/select", url.Values{"organization_id": {ids[0]}}, false) // …and spent by B
	wantResponse(t, r, err, http.StatusSeeOther, "/dashboard")
	r, err = onA.Get(ctx, "/dashboard", false)
	wantResponse(t, r, err, http.StatusOK, "")
	r, err = onB.Post(ctx, "/orgs/switch", url.Values{"organization_id": {ids[1]}}, false)
	wantResponse(t, r, err, http.StatusSeeOther, "/dashboard")
	old := onA.Cookie("orgpick_session")
	r, err = onA.Post(ctx, "/logout", nil, false)
	wantResponse(t, r, err, http.StatusSeeOther, "/?notice=signed-out")
	replay := testkit.NewBrowser(b.URL)
	replay.Jar.SetCookies(mustURL(t, b.URL), []*http.Cookie{old})
	r, err = replay.Get(ctx, "/dashboard", false)
	wantResponse(t, r, err, http.StatusSeeOther, "/")

	// The per-address limit (one link every 30 s): the sign-in above used it, on A.
	for _, other := range []*testkit.Browser{onB, testkit.NewBrowser(func() string { s, _ := sb.instance(); return s.URL }())} {
		r, err := other.Post(ctx, "/login", url.Values{"email": {email}}, false)
		wantResponse(t, r, err, http.StatusTooManyRequests, "")
	}

	// A new sign-in on A (another address), then A goes away: B carries on.
	late := testkit.NewBrowser(a.URL)
	lateOnB := &testkit.Browser{Base: b.URL, Jar: late.Jar, Client: late.Client}
	r, err = late.Post(ctx, "/login", url.Values{"email": {"late@pg.test"}}, false)
	wantResponse(t, r, err, http.StatusSeeOther, "/check-email")
	link, err = testkit.LatestLink(ctx, emu, "late@pg.test")
	if err != nil {
		t.Fatal(err)
	}
	r, err = late.FollowLink(ctx, link, "/orgs")
	wantResponse(t, r, err, http.StatusOK, "")
	stopA()
	r, err = lateOnB.Post(ctx, "/orgs/create", url.Values{"organization_name": {"Survives A"}}, false)
	wantResponse(t, r, err, http.StatusSeeOther, "/dashboard")
	r, err = lateOnB.Get(ctx, "/dashboard", false)
	wantResponse(t, r, err, http.StatusOK, "")
}

// mustSDK is a Stytch SDK client on the emulator at base (project-test-shared).
func mustSDK(t *testing.T, base string) *b2bstytchapi.API {
	t.Helper()
	api, err := b2bstytchapi.NewClient("project-test-shared", "secret", b2bstytchapi.WithBaseURI(base))
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// The per-IP limit counts the visitor behind trusted proxies (X-Forwarded-For), and only
// there: without TRUSTED_PROXIES a spoofed header changes nothing.
func TestPerIPLimitBehindProxies(t *testing.T) {
	t.Parallel()
	post := func(t *testing.T, srv *httptest.Server, i int, xff string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/login", strings.NewReader(url.Values{"email": {fmt.Sprintf("p%d@proxy.test", i)}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", xff)
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	start := func(t *testing.T, kv ...string) *httptest.Server {
		a, err := newApp(t.Context(), testConfig(t, kv...), quiet())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(a.Close)
		srv := httptest.NewServer(a.Handler)
		t.Cleanup(srv.Close)
		return srv
	}
	t.Run("trusted proxy", func(t *testing.T) {
		t.Parallel()
		srv := start(t, "TRUSTED_PROXIES", "127.0.0.0/8")
		for i := range 10 { // the default: 10 a minute per visitor
			if got := post(t, srv, i, "203.0.113.1"); got != http.StatusSeeOther {
				t.Fatalf("send %d from 203.0.113.1: %d", i+1, got)
			}
		}
		if got := post(t, srv, 10, "203.0.113.1"); got != http.StatusTooManyRequests {
			t.Fatalf("11th send from 203.0.113.1: %d, want 429", got)
		}
		if got := post(t, srv, 11, "198.51.100.9, 203.0.113.2"); got != http.StatusSeeOther {
			t.Fatalf("another visitor behind the same proxy: %d, want 303", got)
		}
	})
	t.Run("no trusted proxy", func(t *testing.T) {
		t.Parallel()
		srv := start(t)
		for i := range 10 {
			if got := post(t, srv, i, fmt.Sprintf("203.0.113.%d", i)); got != http.StatusSeeOther {
				t.Fatalf("send %d: %d", i+1, got)
			}
		}
		if got := post(t, srv, 10, "198.51.100.77"); got != http.StatusTooManyRequests {
			t.Fatalf("a spoofed X-Forwarded-For dodged the per-IP limit: %d", got)
		}
	})
}

// METRICS_ADDR serves Prometheus metrics on its own listener (never the public one): requests by
// route pattern, sign-ins by method, Stytch calls by endpoint; no address or token in any label.
func TestMetricsListener(t *testing.T) {
	// Not parallel: freePort releases the port for the binary to bind, so no other test of
	// this package may start a server (on a port of its choosing) meanwhile.
	ctx := t.Context()
	metricsAddr := "127.0.0.1:" + freePort(t)
	srv := binaryServer(t, "METRICS_ADDR="+metricsAddr)
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b := testkit.NewBrowser(srv.URL)
	if _, err := b.SignIn(ctx, srv, "metered@metrics.test", "Metered"); err != nil {
		t.Fatal(err)
	}
	if r, err := b.Get(ctx, "/metrics", false); err != nil || r.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /metrics on the public listener: %v %d, want 404", err, r.StatusCode)
	}
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	for _, want := range []string{
		`orgpick_sign_ins_started_total{method="link"} 1`,
		`orgpick_sign_ins_completed_total{method="link"} 1`,
		`orgpick_http_requests_total{method="GET",route="GET /dashboard",status="200"} 1`,
		`orgpick_stytch_requests_total{endpoint="magic_links.email.discovery.send",outcome="ok"} 1`,
		`orgpick_stytch_requests_total{endpoint="discovery.organizations.create",outcome="ok"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, never := range []string{"metered@metrics.test", "token", "organization-test-"} {
		if strings.Contains(text, never) {
			t.Errorf("metrics contain %q", never)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", text)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// binaryServer prepares (does not start) the cmd/web binary, built once per test run, with env
// added; it is killed when the test ends, and its log printed if the test failed.
func binaryServer(t *testing.T, env ...string) *testkit.Server {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	binOnce.Do(func() {
		binDir, _ := os.MkdirTemp("", "orgpick-cmd-web-")
		binPath, binErr = testkit.Build(context.Background(), binDir, false)
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	srv, err := testkit.NewServer(binPath, t.TempDir(), env...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Kill()
		if t.Failed() {
			t.Logf("server log:\n%s", srv.Log.String())
		}
	})
	return srv
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}
