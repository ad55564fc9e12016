// Package e2e drives the real orgpick binary with Debian's Chromium through the Chrome DevTools
// Protocol: every journey runs twice, as TestJourneyX/js-on (htmx) and TestJourneyX/js-off
// (script execution disabled: plain forms and full page loads).
//
// The server binary is built once per package run (with -race when the tests have it;
// $E2E_SERVER_BIN names a prebuilt one instead), and Chromium is started once. Each run starts
// the server on a free loopback port with a temporary SQLite file and the embedded Stytch
// emulator, and opens a tab in a browser context of its own (as a fresh profile: no cookies,
// storage or cache from another run).
// People act through the browser: the email form, the emulator's inbox at /dev/mailbox, the
// Continue button, the chooser, the admin pages. Organizations that must exist before a journey
// starts for an email that then signs in again are made through the Stytch SDK on the emulator,
// because the app allows one link per address every 30 s.
//
// Runs share nothing but the Chromium process, so every journey, and both runs of each, runs in
// parallel: go test's -parallel bounds how many at once (make test: 4, for a 2-core machine).
//
// Every run also checks: no console error or exception, no request leaving 127.0.0.1, htmx
// really on or off, no token in the address bar or the tab's history (but for the opened link,
// see TestNoTokenInHistory), and that the back button never spends a link again. Every page
// state a journey waits for is audited once per mode (audit_test.go): axe-core (vendored in
// testdata, injected through DevTools, never served) finds no violation, and at 390 and 320 px
// nothing is wider than the viewport. The first time each form is sent with JavaScript on, its
// request is held (feedback_test.go) to check the button is disabled with its indicator and a
// second press sends nothing; after every 422 the focus is on the invalid field.
//
// With E2E_INSTANCES=2 (make e2e-instances) every run starts two instances of the binary instead
// (testkit.Instances): on a fresh PostgreSQL database (DATABASE_URL; it fails without one) and one
// emulator shared by both, behind a proxy on a loopback port that alternates requests between
// them and serves the emulator's /dev/ routes. The journeys run unchanged; a restart restarts
// both, and a run fails if either instance served no request.
//
// It needs a Chromium: $CHROMIUM_PATH, /usr/bin/chromium, or chromium on PATH. Without one the
// tests skip, except with CI=true, where a missing browser fails them. -short skips them too.
// On failure, a screenshot, the page HTML, the browser's requests and console, and the server's
// and Chromium's output go into a folder under $E2E_ARTIFACTS (default: the temporary
// directory's orgpick-e2e-artifacts); the test prints which.
package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/orgpick/orgpick/internal/testkit"
)

// build holds the server binary, built once for the whole package.
var build struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	stopChromium()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// requireBrowser returns the Chromium to drive, or skips (fails with CI=true) when there is none.
func requireBrowser(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("e2e: skipped with -short (it starts Chromium and the server)")
	}
	path, ok := findChromium()
	if !ok {
		msg := "e2e: chromium not found ($CHROMIUM_PATH, /usr/bin/chromium, chromium on PATH); install it with apt-get install chromium"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: a missing browser is a failure)")
		}
		t.Skip(msg)
	}
	return path
}

func findChromium() (string, bool) {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, true
		}
		return "", false // asked for a specific browser: don't silently use another
	}
	if fi, err := os.Stat("/usr/bin/chromium"); err == nil && !fi.IsDir() {
		return "/usr/bin/chromium", true
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, true
	}
	return "", false
}

// serverBinary builds github.com/orgpick/orgpick/cmd/web once (with -race when the tests
// have it) and returns its path. $E2E_SERVER_BIN replaces it with a prebuilt binary.
func serverBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("E2E_SERVER_BIN"); bin != "" { // a prebuilt binary, e.g. from `make build`
		return bin
	}
	build.once.Do(func() {
		if build.dir, build.err = os.MkdirTemp("", "orgpick-e2e-bin-"); build.err == nil {
			// data races in the server fail the journey that found them
			build.bin, build.err = testkit.Build(context.Background(), build.dir, raceEnabled)
		}
	})
	if build.err != nil {
		t.Fatalf("e2e: %v", build.err)
	}
	return build.bin
}

// artifactsRoot is where failing journeys leave a screenshot, the page HTML and the server log.
func artifactsRoot() string {
	if d := os.Getenv("E2E_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "orgpick-e2e-artifacts")
}
