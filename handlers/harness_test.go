package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/alexedwards/scs/v2"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"

	"github.com/orgpick/orgpick/assets"
	"github.com/orgpick/orgpick/emulator"
	"github.com/orgpick/orgpick/handlers"
	"github.com/orgpick/orgpick/store"
)

const (
	testProject = "project-test-11111111-1111-4111-8111-111111111111"
	testSecret  = "secret-test-handlers"
)

// clock is a settable clock shared by the app and the emulator.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// env is the app wired as in production: real SDK → emulator over HTTP, SQLite on disk.
type env struct {
	t      testing.TB
	emu    *emulator.Emulator
	emuSrv *httptest.Server
	api    *b2bstytchapi.API // the same SDK the app uses, for seeding (invites, org settings)
	store  *store.Store
	app    *httptest.Server
	clock  *clock
	deps   handlers.Deps
}

type envOption func(*handlers.Deps)

// newEnv starts the emulator and the app. Options can replace Deps fields (e.g. Stytch, limits).
func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	ck := &clock{}
	emu, err := emulator.New(emulator.Config{ProjectID: testProject, Secret: testSecret, Now: time.Now, DisableEmailRateLimit: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	emuSrv := httptest.NewServer(emu.API())
	t.Cleanup(emuSrv.Close)
	api, err := b2bstytchapi.NewClient(testProject, testSecret, b2bstytchapi.WithBaseURI(emuSrv.URL))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sessions := st.NewSessionStore(0)
	sm := scs.New()
	sm.Store = sessions
	sm.Codec = store.SessionCodec{} // as cmd/web
	sm.Lifetime = 24 * time.Hour
	static, err := assets.New()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, emu: emu, emuSrv: emuSrv, api: api, store: st, clock: ck}
	app := httptest.NewUnstartedServer(nil)
	e.deps = handlers.Deps{
		Log:        slog.New(slog.DiscardHandler),
		Sessions:   sm,
		Stytch:     handlers.NewStytchClient(api, 5*time.Second, 24*time.Hour),
		Store:      st,
		Assets:     static,
		BaseURL:    "http://" + app.Listener.Addr().String(),
		Dev:        emu.Dev(),
		Now:        ck.Now,
		EmailRules: []handlers.Rule{},
		IPRules:    []handlers.Rule{},
	}
	for _, o := range opts {
		o(&e.deps)
	}
	app.Config.Handler = handlers.Routes(e.deps)
	app.Start()
	t.Cleanup(app.Close)
	e.app = app
	return e
}

// rewire changes the app's dependencies (before the journey starts).
func (e *env) rewire(change func(*handlers.Deps)) {
	change(&e.deps)
	e.app.Config.Handler = handlers.Routes(e.deps)
}

// advance moves both clocks (the app's and the emulator's) forward.
func (e *env) advance(d time.Duration) {
	e.clock.mu.Lock()
	e.clock.offset += d
	e.clock.mu.Unlock()
	e.emu.Advance(d)
}

// browser is one person's cookie jar. It does not follow redirects, so tests see each 303.
type browser struct {
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is a fetched page.
type response struct {
	*http.Response
	body string
}

func (r response) doc(t testing.TB) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// testid returns the trimmed text of the element with this data-testid.
func (r response) testid(t testing.TB, id string) string {
	t.Helper()
	return strings.Join(strings.Fields(r.doc(t).Find(`[data-testid="`+id+`"]`).First().Text()), " ")
}

func (r response) has(t testing.TB, id string) bool {
	t.Helper()
	return r.doc(t).Find(`[data-testid="`+id+`"]`).Length() > 0
}

func (b *browser) do(req *http.Request) response {
	b.e.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp, string(body)}
}

func (b *browser) get(path string, htmx bool) response {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.app.URL+path, nil)
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, htmx bool) response {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.app.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return b.do(req)
}

// latestLink returns the newest magic link mailed to an address.
func (e *env) latestLink(to string) *url.URL {
	e.t.Helper()
	msgs, err := e.emu.Mailbox(context.Background(), to)
	if err != nil || len(msgs) == 0 {
		e.t.Fatalf("no mail for %s (err %v)", to, err)
	}
	u, err := url.Parse(msgs[0].Link)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// discover runs email → link → Continue → chooser and returns the chooser page.
func (b *browser) discover(email string) response {
	t := b.e.t
	t.Helper()
	r := b.post("/login", url.Values{"email": {email}}, false)
	wantRedirect(t, r, "/check-email")
	return b.followLink(b.e.latestLink(email), "/orgs")
}

// followLink opens a magic link (GET shows Continue), presses Continue, and expects a 303 to want.
func (b *browser) followLink(link *url.URL, want string) response {
	t := b.e.t
	t.Helper()
	r := b.open(link)
	form := r.doc(t).Find(`[data-testid="continue-form"]`)
	r = b.post("/authenticate", url.Values{
		"stytch_token_type": {form.Find(`input[name="stytch_token_type"]`).AttrOr("value", "")},
		"token":             {form.Find(`input[name="token"]`).AttrOr("value", "")},
	}, false)
	wantRedirect(t, r, want)
	return b.get(want, false)
}

// open opens a magic link as a browser does: the token moves into a cookie, the 303 leads to
// the bare /authenticate, which shows the Continue button (nothing is spent).
func (b *browser) open(link *url.URL) response {
	t := b.e.t
	t.Helper()
	wantRedirect(t, b.get(link.RequestURI(), false), "/authenticate")
	r := b.get("/authenticate", false)
	wantStatus(t, r, http.StatusOK)
	if !r.has(t, "continue-form") {
		t.Fatalf("no Continue button:\n%s", r.body)
	}
	return r
}

// createOrg creates an org from the chooser and lands on the dashboard.
func (b *browser) createOrg(name string) response {
	t := b.e.t
	t.Helper()
	r := b.post("/orgs/create", url.Values{"organization_name": {name}}, false)
	wantRedirect(t, r, "/dashboard")
	r = b.get("/dashboard", false)
	wantStatus(t, r, http.StatusOK)
	return r
}

func (b *browser) logout() {
	b.e.t.Helper()
	wantRedirect(b.e.t, b.post("/logout", nil, false), "/?notice=signed-out")
}

// orgIDs lists the organization IDs offered on a chooser or switcher, in page order.
func orgIDs(t testing.TB, r response) []string {
	t.Helper()
	var ids []string
	r.doc(t).Find(`[data-testid="org"]`).Each(func(_ int, s *goquery.Selection) {
		ids = append(ids, s.AttrOr("data-org-id", ""))
	})
	return ids
}

func wantStatus(t testing.TB, r response, status int) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%.2000s", r.Request.Method, r.Request.URL.Path, r.StatusCode, status, r.body)
	}
}

func wantRedirect(t testing.TB, r response, location string) {
	t.Helper()
	wantStatus(t, r, http.StatusSeeOther)
	if got := r.Header.Get("Location"); got != location {
		t.Fatalf("%s %s: Location %q, want %q", r.Request.Method, r.Request.URL.Path, got, location)
	}
}

// wantHXLocation checks an htmx POST's answer: 204, HX-Location to path, no HTML.
func wantHXLocation(t testing.TB, r response, path string) {
	t.Helper()
	wantStatus(t, r, http.StatusNoContent)
	if got := r.Header.Get("HX-Location"); !strings.Contains(got, `"path":"`+path+`"`) {
		t.Fatalf("HX-Location %q, want path %q", got, path)
	}
}

func wantFragment(t testing.TB, r response, testid string) {
	t.Helper()
	if strings.Contains(strings.ToLower(r.body), "<html") {
		t.Fatalf("htmx response is a full page:\n%.1000s", r.body)
	}
	if !r.has(t, testid) {
		t.Fatalf("fragment lacks %q:\n%.1000s", testid, r.body)
	}
}
