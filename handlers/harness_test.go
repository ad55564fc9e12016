package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"

	"github.com/orgpick/orgpick/emulator"
	"github.com/orgpick/orgpick/handlers"
	"github.com/orgpick/orgpick/internal/testkit"
	"github.com/orgpick/orgpick/store"
)

// env is the in-process app (testkit.App) with this test's t: real SDK → emulator over HTTP,
// SQLite on disk.
type env struct {
	*testkit.App
	t     testing.TB
	emu   *emulator.Emulator
	api   *b2bstytchapi.API // the same SDK the app uses, for seeding (invites, org settings)
	store *store.Store
}

type envOption = func(*handlers.Deps)

// newEnv starts the emulator and the app. Options can replace Deps fields (e.g. Stytch, limits).
func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	a, err := testkit.NewApp(t.Context(), t.TempDir(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return &env{App: a, t: t, emu: a.Emu, api: a.API, store: a.Store}
}

// envWithBrowser is newEnv and a fresh browser on it.
func envWithBrowser(t testing.TB, opts ...envOption) (*env, *browser) {
	t.Helper()
	e := newEnv(t, opts...)
	return e, e.browser()
}

// in is this env for a subtest: the same app, failing t. Subtests that share an env call it
// first, so that helpers fail the subtest that called them, on its own goroutine.
func (e *env) in(t testing.TB) *env {
	c := *e
	c.t = t
	return &c
}

// rewire changes the app's dependencies (before the journey starts).
func (e *env) rewire(change func(*handlers.Deps)) { e.Rewire(change) }

// advance moves both clocks (the app's and the emulator's) forward.
func (e *env) advance(d time.Duration) { e.Advance(d) }

// browser is one person's cookie jar (testkit.Browser) failing the test on transport errors.
// It does not follow redirects, so tests see each 303.
type browser struct {
	e *env
	*testkit.Browser
}

func (e *env) browser() *browser { return &browser{e: e, Browser: e.App.Browser()} }

// in is this browser (the same cookies) for a subtest: its helpers fail t.
func (b *browser) in(t testing.TB) *browser { return &browser{e: b.e.in(t), Browser: b.Browser} }

// run runs f twice, in parallel: as subtest "plain" (a form posted without JavaScript) and as
// "htmx" (the same with HX-Request). Each run starts its own env when it needs one.
func run(t *testing.T, f func(t *testing.T, htmx bool)) {
	t.Helper()
	for _, htmx := range []bool{false, true} {
		t.Run(modeName(htmx), func(t *testing.T) {
			t.Parallel()
			f(t, htmx)
		})
	}
}

// modes are the two ways a form is sent, for tests that send both on one env in order.
func modes() []bool { return []bool{false, true} }

func modeName(htmx bool) string { return map[bool]string{false: "plain", true: "htmx"}[htmx] }

// wantDone checks a successful POST: 303 to path without JS, 204 + HX-Location with htmx.
func wantDone(t testing.TB, r response, htmx bool, path string) {
	t.Helper()
	if htmx {
		wantHXLocation(t, r, path)
	} else {
		wantRedirect(t, r, path)
	}
}

// response is a fetched page. Its HTML is parsed once, on the first lookup, and the parse is
// shared by every copy of the response.
type response struct {
	*http.Response
	body   string
	parsed *parsedPage
}

type parsedPage struct {
	once sync.Once
	doc  *goquery.Document
	err  error
}

func newResponse(r *http.Response, body string) response {
	return response{Response: r, body: body, parsed: &parsedPage{}}
}

// doc is the page's parsed HTML (parsed on the first call).
func (r response) doc(t testing.TB) *goquery.Document {
	t.Helper()
	p := r.parsed
	if p == nil { // a response made by hand
		p = &parsedPage{}
	}
	p.once.Do(func() { p.doc, p.err = goquery.NewDocumentFromReader(strings.NewReader(r.body)) })
	if p.err != nil {
		t.Fatal(p.err)
	}
	return p.doc
}

// find selects within the parsed page.
func (r response) find(t testing.TB, sel string) *goquery.Selection {
	t.Helper()
	return r.doc(t).Find(sel)
}

// byTestid selects the elements with this data-testid.
func (r response) byTestid(t testing.TB, id string) *goquery.Selection {
	t.Helper()
	return r.find(t, `[data-testid="`+id+`"]`)
}

// testid returns the trimmed text of the element with this data-testid.
func (r response) testid(t testing.TB, id string) string {
	t.Helper()
	return strings.Join(strings.Fields(r.byTestid(t, id).First().Text()), " ")
}

func (r response) has(t testing.TB, id string) bool {
	t.Helper()
	return r.byTestid(t, id).Length() > 0
}

// must turns a testkit answer into a response, failing the test on a transport error.
func (b *browser) must(r testkit.Response, err error) response {
	b.e.t.Helper()
	if err != nil && r.Response == nil {
		b.e.t.Fatal(err)
	}
	return newResponse(r.Response, r.Body)
}

func (b *browser) do(req *http.Request) response { b.e.t.Helper(); return b.must(b.Do(req)) }

func (b *browser) get(path string, htmx bool) response {
	b.e.t.Helper()
	return b.must(b.Get(context.Background(), path, htmx))
}

func (b *browser) post(path string, form url.Values, htmx bool) response {
	b.e.t.Helper()
	return b.must(b.Post(context.Background(), path, form, htmx))
}

// memberships makes addr an active member of one new organization per name, each made by its
// own admin (testkit.Seeder.Memberships; slug: the name in lower case, spaces as dashes), and
// returns their IDs in the order of names.
func (e *env) memberships(addr string, names ...string) []string {
	e.t.Helper()
	slugs := make([]string, len(names))
	for i, n := range names {
		slugs[i] = strings.ToLower(strings.ReplaceAll(n, " ", "-"))
	}
	ids, err := e.Seeder().Memberships(e.t.Context(), addr, names, slugs)
	if err != nil {
		e.t.Fatal(err)
	}
	return ids
}

// numbered is n names: "<prefix> 001", "<prefix> 002", …
func numbered(prefix string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s %03d", prefix, i+1)
	}
	return names
}

// latestLink returns the newest magic link mailed to an address.
func (e *env) latestLink(to string) *url.URL {
	e.t.Helper()
	u, err := testkit.LatestLink(context.Background(), e.emu, to)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// askLink sends the email form without JavaScript (303 to /check-email) and returns the link
// mailed.
func (b *browser) askLink(email string) *url.URL {
	b.e.t.Helper()
	wantRedirect(b.e.t, b.post("/login", url.Values{"email": {email}}, false), "/check-email")
	return b.e.latestLink(email)
}

// discover runs email → link → Continue → chooser and returns the chooser page.
func (b *browser) discover(email string) response {
	b.e.t.Helper()
	return b.ok(b.Discover(context.Background(), b.e.emu, email))
}

// followLink opens a magic link (GET shows Continue), presses Continue, and expects a 303 to want.
func (b *browser) followLink(link *url.URL, want string) response {
	b.e.t.Helper()
	return b.ok(b.FollowLink(context.Background(), link, want))
}

// open opens a magic link as a browser does: the token moves into a cookie, the 303 leads to
// the bare /authenticate, which shows the Continue button (nothing is spent).
func (b *browser) open(link *url.URL) response {
	b.e.t.Helper()
	return b.ok(b.Open(context.Background(), link))
}

// ok fails the test on any error of a testkit step.
func (b *browser) ok(r testkit.Response, err error) response {
	b.e.t.Helper()
	if err != nil {
		b.e.t.Fatal(err)
	}
	return newResponse(r.Response, r.Body)
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

// orgIDs lists the organization IDs offered on a chooser or switcher, in page order (the
// header's shortlist of the same organizations left out).
func orgIDs(t testing.TB, r response) []string {
	t.Helper()
	var ids []string
	r.doc(t).Find(`[data-testid="org"]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
		return s.Closest("#session-bar").Length() == 0
	}).Each(func(_ int, s *goquery.Selection) {
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
