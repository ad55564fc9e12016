package e2e

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds every browser step, so a hang fails fast (with artifacts) instead of
// waiting for go test's global timeout.
const stepTimeout = 15 * time.Second

// browser is one tab in a browser context of its own (as a fresh profile), JavaScript on or off, watching
// everything the page does for the checks every journey gets (see checkAlways).
type browser struct {
	t    *testing.T
	name string // who uses it ("person", "admin"): in messages and the artifacts folder
	js   bool
	srv  *server
	ctx  context.Context // the tab; each step derives its own timeout from it
	rec  *recorder
	out  *syncBuffer // Chromium's stdout and stderr

	jsChecked bool     // checkJavaScriptState ran
	refused   []string // paths whose error page walkBack accepts: refusals the journey asked for
}

// newBrowser opens a tab for one person in a journey run, in a browser context of its own (its
// own cookies, storage and cache, as a fresh profile) on the package's one Chromium (see
// chromium). Cleanup runs the always-on checks, saves artifacts if the test failed, then
// closes the tab and its browser context.
func newBrowser(t *testing.T, srv *server, js bool, name string) *browser {
	t.Helper()
	root, chromeOut := sharedChromium(t)
	rec := &recorder{inflight: map[network.RequestID]string{}, index: map[network.RequestID]int{}, needHTMX: js, paused: make(chan string, 16)}
	ctx, cancelTab := chromedp.NewContext(root, chromedp.WithNewBrowserContext(), chromedp.WithListener(rec.on))
	b := &browser{t: t, name: name, js: js, srv: srv, ctx: ctx, rec: rec, out: chromeOut}
	t.Cleanup(cancelTab)

	// The first Do opens the tab and binds it to ctx, so it gets no deadline of its own.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("e2e: open a tab: %v\n%s", err, chromeOut.String())
		}
	case <-time.After(30 * time.Second):
		cancelTab()
		t.Fatalf("e2e: no tab opened in 30s\n%s", chromeOut.String())
	}
	if !js {
		b.call("disable JavaScript", func(ctx context.Context) error {
			_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		})
	}
	t.Cleanup(b.saveArtifactsIfFailed)
	t.Cleanup(b.checkAlways)
	return b
}

// who names this browser in messages: [js-on] for the journey's person, [js-on admin] for others.
func (b *browser) who() string {
	if b.name == "person" {
		return mode(b.js)
	}
	return mode(b.js) + " " + b.name
}

// mode names a run in test output: js-on or js-off.
func mode(js bool) string {
	if js {
		return "js-on"
	}
	return "js-off"
}

// do runs steps on the tab with a deadline; any error fails the test.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("e2e [%s]: %s: %v (at %s)", b.who(), what, err, b.locationOr("?"))
	}
}

// call runs f with a deadline derived from the tab's context.
func (b *browser) call(what string, f func(ctx context.Context) error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := f(ctx); err != nil {
		b.t.Fatalf("e2e [%s]: %s: %v", b.who(), what, err)
	}
}

// eval evaluates a DevTools expression (it works with the page's scripts disabled too).
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.EvaluateAsDevTools[T](expr))
	if err != nil {
		b.t.Fatalf("e2e [%s]: evaluate %q: %v", b.who(), expr, err)
	}
	return v
}

// tid selects by data-testid.
func tid(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

// open navigates to a path of the app (or an absolute URL) and waits for the load.
func (b *browser) open(pathOrURL string) {
	b.t.Helper()
	u := pathOrURL
	if strings.HasPrefix(u, "/") {
		u = b.srv.URL + u
	}
	b.do("open "+pathOrURL, chromedp.Navigate(u))
}

// waitFor waits until the element with this data-testid is visible. A page or a state of one
// (pageTestids) is then audited: axe-core and the narrow widths.
func (b *browser) waitFor(testid string) {
	b.t.Helper()
	b.do("wait for "+testid, chromedp.WaitVisible(tid(testid)))
	if pageTestids[testid] {
		b.audit()
	}
}

// waitText waits until the element with this data-testid has this text (whitespace collapsed).
// It polls from Go, so it works with the page's scripts off.
func (b *browser) waitText(testid, want string) {
	b.t.Helper()
	expr := fmt.Sprintf(`(document.querySelector('[data-testid=%q]')?.textContent ?? "").replace(/\s+/g, " ").trim()`, testid)
	deadline := time.Now().Add(stepTimeout)
	var got string
	for time.Now().Before(deadline) {
		if got = evalOr(b, expr, ""); got == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("e2e [%s]: %s shows %q, want %q (at %s)", b.who(), testid, got, want, b.locationOr("?"))
}

// click clicks the first element matching sel.
func (b *browser) click(what string, sel chromedp.CSS) {
	b.t.Helper()
	b.do("click "+what, chromedp.Click(sel, chromedp.NodeVisible))
}

// typeInto replaces a field's value by typing, as a person would.
func (b *browser) typeInto(sel chromedp.CSS, text string) {
	b.t.Helper()
	// Emptied by a DevTools evaluation: chromedp.Clear fails on an empty <textarea>, and
	// chromedp.SetValue(sel, "") reports a failure although it worked.
	clear := fmt.Sprintf(`document.querySelector(%q).value = ""`, string(sel))
	b.do("type into "+string(sel), chromedp.EvaluateAsDevTools[chromedp.Void](clear), chromedp.SendKeys(sel, text))
}

var spaces = regexp.MustCompile(`\s+`)

// text is the visible text of the first element with this data-testid, whitespace collapsed.
func (b *browser) text(testid string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.TextContent(tid(testid)))
	if err != nil {
		b.t.Fatalf("e2e [%s]: text of %s: %v (at %s)", b.who(), testid, err, b.locationOr("?"))
	}
	return strings.TrimSpace(spaces.ReplaceAllString(s, " "))
}

// count is how many elements match a CSS selector right now (no waiting).
func (b *browser) count(sel string) int {
	b.t.Helper()
	return eval[int](b, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

// has reports whether an element with this data-testid is on the page right now.
func (b *browser) has(testid string) bool {
	b.t.Helper()
	return b.count(`[data-testid="`+testid+`"]`) > 0
}

// location is the address bar.
func (b *browser) location() *url.URL {
	b.t.Helper()
	u, err := url.Parse(b.locationOr(""))
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}

func (b *browser) locationOr(def string) string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return def
	}
	return loc
}

// wantPath fails unless the address bar shows this path.
func (b *browser) wantPath(path string) {
	b.t.Helper()
	if got := b.location(); got.Path != path {
		b.t.Fatalf("e2e [%s]: address bar %s, want path %s", b.who(), got, path)
	}
}

// history is the tab's navigation history (what the back button walks).
func (b *browser) history() page.GetNavigationHistoryResult {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	h, err := chromedp.Run(ctx, chromedp.NavigationEntries())
	if err != nil {
		b.t.Fatalf("e2e: navigation history: %v", err)
	}
	return h
}

// back presses the back button and waits until the page settles (a document load, or
// htmx's history restore, and any redirect after it).
func (b *browser) back() {
	b.t.Helper()
	h := b.history()
	if h.CurrentIndex <= 0 {
		b.t.Fatalf("e2e: back: already at the first history entry")
	}
	id := h.Entries[h.CurrentIndex-1].ID
	b.call("back", func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, page.NavigateToHistoryEntry, page.NavigateToHistoryEntryParams{EntryID: id})
		return err
	})
	b.settle()
}

// settle waits until the document is complete, no request is in flight and the address and
// the number of document loads have not changed for a moment.
func (b *browser) settle() {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	var last string
	stableSince := time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		state := b.locationOr("") + "|" + evalOr(b, `document.readyState`, "") + fmt.Sprintf("|%d|%d", b.rec.documentLoads(), b.rec.inFlight())
		if state != last {
			last, stableSince = state, time.Now()
			continue
		}
		if strings.Contains(state, "|complete|") && strings.HasSuffix(state, "|0") && time.Since(stableSince) >= 300*time.Millisecond {
			return
		}
		// A complete document whose address and loads have not moved for 5 s, with one request
		// still counted in flight: on a loaded machine DevTools has been seen to drop a request's
		// end event (the server never logged the request). Say so rather than fail the step.
		if strings.Contains(state, "|complete|") && strings.HasSuffix(state, "|1") && time.Since(stableSince) >= 5*time.Second {
			b.t.Logf("e2e [%s]: settled with one request still counted in flight (%s): its end event never came", b.who(), last)
			return
		}
	}
	b.rec.mu.Lock()
	pending := slices.Collect(maps.Values(b.rec.inflight))
	b.rec.mu.Unlock()
	b.t.Fatalf("e2e [%s]: page did not settle in %s (last state %s; in flight: %v)", b.who(), stepTimeout, last, pending)
}

func evalOr(b *browser, expr, def string) string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.EvaluateAsDevTools[string](expr))
	if err != nil {
		return def
	}
	return v
}

// expectHTTPError tells the console check that the browser will log this failed response
// (Chromium logs every 4xx/5xx as "Failed to load resource"): a page the journey means to reach.
func (b *browser) expectHTTPError(path string, status int) {
	b.rec.mu.Lock()
	defer b.rec.mu.Unlock()
	b.rec.expected = append(b.rec.expected, expectedError{path: path, status: status})
}

// checkAlways runs after every journey run, for every browser in it: no console errors or
// exceptions, no request to anything but this machine, and no htmx request with JavaScript off
// (with it on, at least one).
func (b *browser) checkAlways() {
	t := b.t
	r := b.rec
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.problems {
		t.Errorf("e2e [%s]: browser console: %s", b.who(), p)
	}
	htmxRequests := 0
	for _, req := range r.requests {
		u, err := url.Parse(req.url)
		if err != nil {
			t.Errorf("e2e [%s]: unparseable request URL %q", b.who(), req.url)
			continue
		}
		switch u.Scheme {
		case "data", "about", "chrome", "blob", "devtools":
			continue
		}
		if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
			t.Errorf("e2e [%s]: a request left this machine: %s %s", b.who(), req.method, req.url)
		}
		if req.htmx {
			htmxRequests++
			if !b.js {
				t.Errorf("e2e [js-off]: request with HX-Request although JavaScript is off: %s %s", req.method, req.url)
			}
		}
	}
	if b.js && htmxRequests == 0 && r.needHTMX && !t.Failed() {
		t.Errorf("e2e [js-on]: no htmx request was sent: did htmx load?")
	}
}

// saveArtifactsIfFailed saves a full-page screenshot, the page HTML, the history, the
// requests, what the page logged, and the server's and Chromium's output into a folder it prints.
func (b *browser) saveArtifactsIfFailed() {
	t := b.t
	if !t.Failed() {
		return
	}
	name := regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(t.Name(), "_")
	dir := filepath.Join(artifactsRoot(), name+"-"+b.name+"-"+time.Now().Format("20060102-150405"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("e2e: artifacts: %v", err)
		return
	}
	// Each piece gets its own deadline, and the HTML comes from a DevTools evaluation: after a
	// back/forward-cache restore, DOM queries can wait for a document that never "loads".
	shot := func(ctx context.Context) error {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "screenshot.png"), png, 0o644)
		}
		return err
	}
	html := func(ctx context.Context) error {
		h, err := chromedp.Run(ctx, chromedp.EvaluateAsDevTools[string](`document.documentElement.outerHTML`))
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "page.html"), []byte(h), 0o644)
		}
		return err
	}
	for name, f := range map[string]func(context.Context) error{"screenshot": shot, "page HTML": html} {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		if err := f(ctx); err != nil {
			t.Logf("e2e: artifacts: %s: %v", name, err)
		}
		cancel()
	}
	var info strings.Builder
	fmt.Fprintf(&info, "test: %s (%s)\nlocation: %s\n\nhistory:\n", t.Name(), b.name, b.locationOr("?"))
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	if h, err := chromedp.Run(ctx, chromedp.NavigationEntries()); err == nil {
		for i, e := range h.Entries {
			cur := " "
			if int64(i) == h.CurrentIndex {
				cur = ">"
			}
			fmt.Fprintf(&info, "%s %s\n", cur, e.URL)
		}
	}
	b.rec.mu.Lock()
	fmt.Fprintf(&info, "\nrequests:\n")
	for _, r := range b.rec.requests {
		fmt.Fprintf(&info, "  %s %s htmx=%v status=%d\n", r.method, r.url, r.htmx, r.status)
	}
	fmt.Fprintf(&info, "\nconsole, navigations and notes:\n")
	for _, c := range b.rec.console {
		fmt.Fprintf(&info, "  %s\n", c)
	}
	b.rec.mu.Unlock()
	os.WriteFile(filepath.Join(dir, "browser.txt"), []byte(info.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "server.log"), []byte(b.srv.log.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "chromium.log"), []byte(b.out.String()), 0o644)
	t.Logf("e2e: failure artifacts (screenshot.png, page.html, browser.txt, server.log, chromium.log) in %s", dir)
}

// recorder collects what the tab does. on runs in the tab's message loop: it only records.
type recorder struct {
	mu       sync.Mutex
	requests []request
	console  []string // what the page logged, navigations, and the test's notes: for artifacts
	problems []string // console errors, exceptions, error log entries not expected
	expected []expectedError
	docLoads int                 // main-frame document loads (not history.pushState)
	lastNav  page.NavigationType // how the last one came: a load, or a back/forward-cache restore
	inflight map[network.RequestID]string
	index    map[network.RequestID]int // request ID → its latest entry in requests (a redirect adds one)
	needHTMX bool
	paused   chan string // requests DevTools holds (see whileInFlight)
}

type request struct {
	method, url string
	htmx        bool
	typ         network.ResourceType
	status      int64 // 0 until the response arrives
}

type expectedError struct {
	path   string
	status int
}

func (r *recorder) on(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		switch ev.Type { // what settle waits for; subresources are covered by readyState
		case network.ResourceTypeDocument, network.ResourceTypeXHR, network.ResourceTypeFetch:
			r.inflight[ev.RequestID] = ev.Request.Method + " " + ev.Request.URL
		}
		req := request{method: ev.Request.Method, url: ev.Request.URL, typ: ev.Type}
		for k, v := range ev.Request.Headers {
			if strings.EqualFold(k, "HX-Request") && fmt.Sprint(v) == "true" {
				req.htmx = true
			}
		}
		if ev.RedirectResponse != nil { // the same request ID again: the previous hop got this answer
			if i, ok := r.index[ev.RequestID]; ok {
				r.requests[i].status = ev.RedirectResponse.Status
			}
		}
		r.index[ev.RequestID] = len(r.requests)
		r.requests = append(r.requests, req)
	case *network.EventResponseReceived:
		if i, ok := r.index[ev.RequestID]; ok && ev.Response != nil {
			r.requests[i].status = ev.Response.Status
		}
	case *fetch.EventRequestPaused:
		select {
		case r.paused <- string(ev.RequestID):
		default:
		}
	case *network.EventLoadingFinished:
		delete(r.inflight, ev.RequestID)
	case *network.EventLoadingFailed:
		delete(r.inflight, ev.RequestID)
	case *page.EventFrameNavigated:
		if ev.Frame != nil && ev.Frame.ParentID == "" {
			r.docLoads++
			r.lastNav = ev.Type
			r.console = append(r.console, fmt.Sprintf("navigated (%s) %s", ev.Type, ev.Frame.URL))
		}
	case *page.EventBackForwardCacheNotUsed:
		var why []string
		for _, x := range ev.NotRestoredExplanations {
			why = append(why, string(x.Reason))
		}
		r.console = append(r.console, fmt.Sprintf("bfcache not used: %v", why))
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, a := range ev.Args {
			if a.Value != nil {
				args = append(args, string(a.Value))
			} else {
				args = append(args, a.Description)
			}
		}
		msg := fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " "))
		r.console = append(r.console, msg)
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			r.problems = append(r.problems, msg)
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := "exception: " + d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		msg += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
		r.console = append(r.console, msg)
		r.problems = append(r.problems, msg)
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		msg := fmt.Sprintf("log %s/%s: %s %s", e.Source, e.Level, e.Text, e.URL)
		r.console = append(r.console, msg)
		if e.Level == cdplog.EntryLevelError && !r.isExpected(e) {
			r.problems = append(r.problems, msg)
		}
	}
}

// isExpected: a failed-response log entry for a response the journey meant to get.
func (r *recorder) isExpected(e *cdplog.Entry) bool {
	if e.Source != cdplog.EntrySourceNetwork {
		return false
	}
	u, err := url.Parse(e.URL)
	if err != nil {
		return false
	}
	for _, x := range r.expected {
		if u.Path == x.path && strings.Contains(e.Text, fmt.Sprintf("status of %d", x.status)) {
			return true
		}
	}
	return false
}

// note adds a line to the browser log saved with the artifacts.
func (r *recorder) note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.console = append(r.console, "e2e: "+fmt.Sprintf(format, args...))
}

func (r *recorder) documentLoads() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.docLoads
}

// restoredFromCache reports whether the current document came from the back/forward cache.
func (r *recorder) restoredFromCache() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastNav == page.NavigationTypeBackForwardCacheRestore
}

func (r *recorder) inFlight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.inflight)
}

// documentStatus is the HTTP status of the last document (page) request with this method and
// path, as the browser received it; 0 if there was none or no answer yet.
func (r *recorder) documentStatus(method, path string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, req := range slices.Backward(r.requests) {
		u, err := url.Parse(req.url)
		if err == nil && req.typ == network.ResourceTypeDocument && req.method == method && u.Path == path {
			return req.status
		}
	}
	return 0
}

// sent reports whether the tab sent a request that matches.
func (r *recorder) sent(match func(request) bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.ContainsFunc(r.requests, match)
}
