package testkit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"

	"github.com/orgpick/orgpick/emulator"
)

// The shared emulator's credentials: not the embedded emulator's, so an instance that ignored
// STYTCH_PROJECT_ID would fail to sign anyone in.
const (
	InstancesProjectID = "project-test-22222222-2222-4222-8222-222222222222"
	InstancesSecret    = "secret-test-orgpick-instances"
)

// Instances is a deployment of several app processes as a browser meets it: n real binaries
// (instance A, B, …) on one PostgreSQL database (DATABASE_URL) and one Stytch emulator (in this
// process, STYTCH_BASE_URL), behind a reverse proxy on a loopback port that sends each request
// to the next instance in turn. The proxy's URL is every instance's BASE_URL, and the proxy
// also serves the emulator's /dev/ routes (mailbox, mailbox.json, calls.json, clock), which an
// app with credentials does not have.
//
// It has the methods of Server a test drives (Start, Stop, Restart, Mailbox, Calls,
// AdvanceClock, NewSeeder), for every instance at once.
type Instances struct {
	URL     string // the proxy: what a browser opens, and BASE_URL
	APIURL  string // the shared emulator's API
	Emu     *emulator.Emulator
	Servers []*Server // instance A, B, …: their own ports and logs

	served   []atomic.Int64 // requests the proxy sent to each instance
	proxyLog *SyncBuffer    // one line per proxied request (method, path, instance), then proxy errors
	emuLog   *SyncBuffer
	closes   []func()
}

// NewInstances prepares (does not start) n instances of bin on the PostgreSQL database dbURL,
// each with its folder under dir, and starts the emulator and the proxy. env is added to
// every instance's environment.
func NewInstances(bin, dir, dbURL string, n int, env ...string) (in *Instances, err error) {
	if n < 1 || n > 26 {
		return nil, fmt.Errorf("instances: %d (want 1 to 26)", n)
	}
	in = &Instances{served: make([]atomic.Int64, n), proxyLog: &SyncBuffer{}, emuLog: &SyncBuffer{}}
	defer func() {
		if err != nil {
			in.Close()
		}
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0") // first: its URL is where the links land
	if err != nil {
		return nil, fmt.Errorf("proxy: listen: %w", err)
	}
	in.URL = "http://" + ln.Addr().String()
	in.Emu, err = emulator.New(emulator.Config{
		ProjectID:    InstancesProjectID,
		Secret:       InstancesSecret,
		DatabasePath: filepath.Join(dir, "stytch-emulator.db"),
		// As the embedded emulator (cmd/web: startEmulator): only the app's landing is valid.
		AllowedRedirectURLs: []string{in.URL + "/authenticate"},
		Log:                 slog.New(slog.NewTextHandler(in.emuLog, nil)),
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	in.closes = append(in.closes, func() { in.Emu.Close() })
	api := httptest.NewServer(in.Emu.API())
	in.closes = append(in.closes, api.Close)
	in.APIURL = api.URL

	env = append([]string{"DATABASE_URL=" + dbURL, "STYTCH_PROJECT_ID=" + InstancesProjectID, "STYTCH_SECRET=" + InstancesSecret,
		"STYTCH_BASE_URL=" + api.URL, "STYTCH_PUBLIC_TOKEN=" + in.Emu.PublicToken()}, env...)
	targets := make([]*url.URL, n)
	for i := range n {
		d := filepath.Join(dir, instanceName(i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			ln.Close()
			return nil, err
		}
		s, err := NewServer(bin, d, env...)
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.BaseURL = in.URL
		in.Servers = append(in.Servers, s)
		targets[i], _ = url.Parse(s.URL)
	}
	proxy := &http.Server{Handler: in.proxy(targets), ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(in.proxyLog, "proxy: ", 0)}
	go proxy.Serve(ln)
	in.closes = append(in.closes, func() { proxy.Close() })
	return in, nil
}

// instanceName is A for 0, B for 1, …
func instanceName(i int) string { return string(rune('A' + i)) }

// proxy sends /dev/ to the emulator and every other request to the next instance.
func (in *Instances) proxy(targets []*url.URL) http.Handler {
	var next atomic.Uint64
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			i := int((next.Add(1) - 1) % uint64(len(targets)))
			in.served[i].Add(1)
			pr.SetURL(targets[i])
			pr.Out.Host = pr.In.Host // the origin the browser used: CrossOriginProtection compares Origin with it
			pr.SetXForwarded()       // as a load balancer does; untrusted (no TRUSTED_PROXIES), so ignored
			// the path only: a query may hold a token
			fmt.Fprintf(in.proxyLog, "proxy: %s %s → %s\n", pr.In.Method, pr.In.URL.Path, instanceName(i))
		},
		ModifyResponse: addMailboxLink,
		ErrorLog:       log.New(in.proxyLog, "proxy: ", 0),
	}
	dev := in.Emu.Dev()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/dev/") {
			dev.ServeHTTP(w, r)
			return
		}
		rp.ServeHTTP(w, r)
	})
}

// addMailboxLink gives the check-email page the "local inbox" link that the app renders only
// with its embedded emulator (handlers: MailboxURL is set only when Deps.Dev is): the same
// markup as views/login.templ's, pointing at the proxy's /dev/mailbox, the shared emulator's
// inbox. It is a stand-in until the app shows that link for a standalone emulator too; without
// it every journey that opens the inbox from that page would fail for a reason that has
// nothing to do with several instances.
func addMailboxLink(resp *http.Response) error {
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || resp.Header.Get("Content-Encoding") != "" {
		return nil
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	page = withMailboxLink(page)
	resp.Body = io.NopCloser(bytes.NewReader(page))
	resp.ContentLength = int64(len(page))
	resp.Header.Set("Content-Length", strconv.Itoa(len(page)))
	return nil
}

// sentToLine is the check-email page's "We sent a … to <strong data-testid="sent-to">…</strong>. …</p>".
var sentToLine = regexp.MustCompile(`data-testid="sent-to">([^<]*)</strong>[^<]*</p>`)

func withMailboxLink(page []byte) []byte {
	m := sentToLine.FindSubmatchIndex(page)
	if m == nil || bytes.Contains(page, []byte(`data-testid="mailbox-link"`)) {
		return page
	}
	email := html.UnescapeString(string(page[m[2]:m[3]]))
	what := "link"
	if bytes.Contains(page, []byte(`data-testid="code-form"`)) {
		what = "code"
	}
	hint := fmt.Sprintf(`<p class="hint">Running locally: no email leaves this machine. Open the <a href="%s" data-testid="mailbox-link">local inbox</a> to find the %s.</p>`,
		html.EscapeString("/dev/mailbox?to="+url.QueryEscape(email)), what)
	return slices.Concat(page[:m[1]], []byte(hint), page[m[1]:])
}

// each runs f on every instance at once and joins the errors, each named by its instance.
func (in *Instances) each(f func(*Server) error) error {
	errs := make([]error, len(in.Servers))
	var wg sync.WaitGroup
	for i, s := range in.Servers {
		wg.Go(func() {
			if err := f(s); err != nil {
				errs[i] = fmt.Errorf("instance %s: %w", instanceName(i), err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Start starts every instance and waits until each is healthy.
func (in *Instances) Start(ctx context.Context) error {
	return in.each(func(s *Server) error { return s.Start(ctx) })
}

// Stop ends every instance gracefully (see Server.Stop).
func (in *Instances) Stop() error { return in.each(func(s *Server) error { return s.Stop() }) }

// Kill ends every instance with SIGKILL.
func (in *Instances) Kill() { in.each(func(s *Server) error { s.Kill(); return nil }) }

// Restart kills every instance (SIGKILL), then starts them all again on the same ports,
// database and emulator: nothing any process held in memory survives, as after a deploy.
func (in *Instances) Restart(ctx context.Context) error {
	in.Kill()
	return in.Start(ctx)
}

// Close stops the instances, the proxy and the emulator.
func (in *Instances) Close() {
	in.Stop()
	for i := len(in.closes) - 1; i >= 0; i-- {
		in.closes[i]()
	}
	in.closes = nil
}

// Served is how many requests the proxy sent to each instance, in the order of Servers.
func (in *Instances) Served() []int64 {
	out := make([]int64, len(in.served))
	for i := range in.served {
		out[i] = in.served[i].Load()
	}
	return out
}

// Mailbox returns the messages the shared emulator sent to an address, newest first.
func (in *Instances) Mailbox(ctx context.Context, to string) ([]emulator.Message, error) {
	return in.Emu.Mailbox(ctx, to)
}

// Calls are the shared emulator's API calls per route since it started (it outlives restarts
// of the instances, so compare two snapshots).
func (in *Instances) Calls(context.Context) (map[string]int, error) { return in.Emu.Calls(), nil }

// AdvanceClock moves the shared emulator's clock (not the instances') forward.
func (in *Instances) AdvanceClock(_ context.Context, d time.Duration) error {
	in.Emu.Advance(d)
	return nil
}

// NewSeeder is a Seeder on the shared emulator.
func (in *Instances) NewSeeder() (*Seeder, error) {
	api, err := b2bstytchapi.NewClient(InstancesProjectID, InstancesSecret, b2bstytchapi.WithBaseURI(in.APIURL))
	if err != nil {
		return nil, fmt.Errorf("stytch client on %s: %w", in.APIURL, err)
	}
	return &Seeder{API: api, Mailbox: in, Redirect: in.URL + "/authenticate", Advance: in.AdvanceClock}, nil
}

// Log is every instance's output, then the emulator's, then the proxy's request lines.
func (in *Instances) Log() string {
	var b strings.Builder
	for i, s := range in.Servers {
		fmt.Fprintf(&b, "===== instance %s (%s) =====\n%s", instanceName(i), s.URL, s.Log)
	}
	fmt.Fprintf(&b, "===== shared Stytch emulator (%s) =====\n%s", in.APIURL, in.emuLog)
	fmt.Fprintf(&b, "===== proxy (%s) =====\n%s", in.URL, in.proxyLog)
	return b.String()
}
