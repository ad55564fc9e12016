package e2e

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium is the one Chromium process of the package run. Every browser of every journey run
// is a tab in a browser context of its own (cookies, storage and cache apart, as a fresh profile
// would have them), so runs in parallel share nothing but the process, and no run waits for a
// browser to start.
var chromium struct {
	once   sync.Once
	ctx    context.Context // the browser's first tab: parent of every run's tab
	out    *syncBuffer     // Chromium's stdout and stderr
	dir    string          // its profile
	err    error
	cancel func()
}

// sharedChromium starts Chromium once and returns the context to open tabs from, and its output.
func sharedChromium(t *testing.T) (context.Context, *syncBuffer) {
	t.Helper()
	path := requireBrowser(t)
	chromium.once.Do(func() { chromium.err = startChromium(path) })
	if chromium.err != nil {
		t.Fatalf("e2e: %v", chromium.err)
	}
	return chromium.ctx, chromium.out
}

func startChromium(path string) error {
	dir, err := os.MkdirTemp("", "orgpick-e2e-chromium-")
	if err != nil {
		return err
	}
	out := &syncBuffer{}
	// Not chromedp.DefaultExecAllocatorOptions: it has --disable-prompt-on-repost, which makes
	// the back button silently re-send a POST, which no person's browser does.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,AutofillServerCommunication"),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
		// No name but localhost resolves, and no address but 127.0.0.1: whatever the checks miss,
		// such as the browser's own background requests, can't leave the machine either.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(out),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	chromium.ctx, chromium.out, chromium.dir = ctx, out, dir
	chromium.cancel = func() {
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(dir)
	}
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }() // bound to ctx: no deadline of its own
	select {
	case err := <-started:
		if err != nil {
			return fmt.Errorf("start chromium %s: %w\n%s", path, err, out.String())
		}
	case <-time.After(30 * time.Second):
		return fmt.Errorf("chromium did not start in 30s\n%s", out.String())
	}
	return nil
}

// stopChromium ends the shared Chromium, if it started, and removes its profile.
func stopChromium() {
	if chromium.cancel != nil {
		chromium.cancel()
	}
}
