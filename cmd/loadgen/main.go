// Command loadgen measures orgpick on this machine. It builds and starts the real server (the
// cmd/web binary, embedded Stytch emulator, SQLite in a temporary directory, loopback only),
// signs one person in through the real HTTP flow, then drives GET /healthz and GET /dashboard
// in alternating rounds and prints one markdown report: requests/s, their ratio, latency
// percentiles, Stytch calls per 1,000 dashboard views and per sign-in (counted by the emulator,
// GET /dev/calls.json), the server's peak RSS, and the first page load's compressed size.
//
//	go run ./cmd/loadgen [-n 100000] [-c 32] [-rounds 4] [-warmup 5000] [-bin path]
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// Targets from the performance issue.
const (
	targetRatio       = 0.50                                  // dashboard req/s ÷ healthz req/s, at 32 connections
	targetP99         = 5 * time.Millisecond                  // dashboard p99 at 32 connections
	targetRSS         = 50 << 20                              // server RSS after 100,000 requests
	targetFirstLoad   = 30 << 10                              // HTML + CSS + htmx, compressed
	targetSignInCalls = 3                                     // send, authenticate, exchange or create
	jwtLife           = 5 * time.Minute                       // the app trusts a session JWT this long
	sendInterval      = 30*time.Second + 500*time.Millisecond // the app's per-address send limit, plus slack
	sessionCookie     = "orgpick_session"
)

type options struct {
	n, c, rounds, warmup int
	bin, goCmd           string
	serverEnv            envList
	timeout              time.Duration
	keep                 bool
}

// envList is a repeatable KEY=VALUE flag.
type envList []string

func (e *envList) String() string { return strings.Join(*e, " ") }

func (e *envList) Set(kv string) error {
	if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", kv)
	}
	*e = append(*e, kv)
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.n, "n", 100_000, "requests per endpoint (GET /healthz and GET /dashboard each)")
	fs.IntVar(&o.c, "c", 32, "concurrent connections")
	fs.IntVar(&o.rounds, "rounds", 4, "alternating rounds (healthz, dashboard, healthz, …) the n requests are split into")
	fs.IntVar(&o.warmup, "warmup", 5_000, "warm-up requests per endpoint, not measured")
	fs.StringVar(&o.bin, "bin", "", "server binary to run (default: go build ./cmd/web into a temp dir)")
	fs.StringVar(&o.goCmd, "go", "go", "go command used to build the server")
	fs.Var(&o.serverEnv, "server-env", "KEY=VALUE added to the server's environment (repeatable), e.g. GOGC=400")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "limit for the whole run")
	fs.BoolVar(&o.keep, "keep", false, "keep the temp dir (database, server log)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.n < 100 || o.c < 1 || o.rounds < 1 || o.warmup < 0 || o.n/o.rounds < o.c {
		return errors.New("need -n ≥ 100, -c ≥ 1, -rounds ≥ 1, -warmup ≥ 0 and -n/-rounds ≥ -c")
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "loadgen: "+format+"\n", a...) }

	dir, err := os.MkdirTemp("", "orgpick-loadgen-")
	if err != nil {
		return err
	}
	if o.keep {
		logf("keeping %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if o.bin == "" {
		o.bin = filepath.Join(dir, "orgpick")
		logf("building ./cmd/web")
		build := exec.CommandContext(ctx, o.goCmd, "build", "-o", o.bin, "./cmd/web")
		build.Stdout, build.Stderr = stderr, stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build the server: %w", err)
		}
	}
	srv, err := startServer(ctx, o.bin, dir, o.serverEnv)
	if err != nil {
		return err
	}
	defer srv.stop()
	logf("server pid %d on %s (log: %s)", srv.cmd.Process.Pid, srv.base, filepath.Join(dir, "server.log"))

	rep := report{opts: o}
	if rep.firstLoad, err = firstLoad(ctx, srv.base); err != nil {
		return err
	}

	// One person signs up (creates an org); their session drives the dashboard load.
	const email = "load@acme.test"
	alice := newBrowser(srv.base)
	before, err := srv.calls(ctx)
	if err != nil {
		return err
	}
	firstSend := time.Now()
	if _, err := alice.signIn(ctx, email, "Acme Load"); err != nil {
		return fmt.Errorf("sign-in (create): %w", err)
	}
	signedInAt := time.Now()
	if rep.signInCreate, err = srv.callsSince(ctx, before); err != nil {
		return err
	}
	cookie := alice.cookie()
	if cookie == "" {
		return errors.New("no session cookie after sign-in")
	}

	healthz := target{name: "GET /healthz", url: srv.base + "/healthz"}
	dashboard := target{name: "GET /dashboard", url: srv.base + "/dashboard", cookie: cookie, mustContain: `data-testid="dashboard"`}
	client := loadClient(o.c)
	before, err = srv.calls(ctx)
	if err != nil {
		return err
	}
	logf("warm-up: %d requests each at %d connections", o.warmup, o.c)
	for _, t := range []*target{&healthz, &dashboard} {
		if _, err := drive(ctx, client, t, o.warmup, o.c); err != nil {
			return err
		}
	}
	pid := srv.cmd.Process.Pid
	machine0, self0 := machineCPU(), processCPU(os.Getpid())
	server0 := processCPU(pid)
	per := o.n / o.rounds
	for r := range o.rounds {
		for _, t := range []*target{&healthz, &dashboard} {
			k := per
			if r == o.rounds-1 {
				k = o.n - per*(o.rounds-1)
			}
			logf("round %d/%d: %s × %d", r+1, o.rounds, t.name, k)
			cpu0 := processCPU(pid)
			res, err := drive(ctx, client, t, k, o.c)
			if err != nil {
				return err
			}
			res.serverCPU = processCPU(pid) - cpu0
			t.add(res)
		}
	}
	rep.cpu = cpuShare{
		machine: machineCPU() - machine0, server: processCPU(pid) - server0, loadgen: processCPU(os.Getpid()) - self0,
		capacity: time.Duration(runtime.NumCPU()) * (healthz.elapsed + dashboard.elapsed),
	}
	dashCalls, err := srv.callsSince(ctx, before)
	if err != nil {
		return err
	}
	rep.dashCalls, rep.dashViews = dashCalls, o.warmup+o.n
	rep.jwtAgeAtEnd = time.Since(signedInAt)
	rep.healthz, rep.dashboard = healthz, dashboard
	rep.requests = 2 * (o.warmup + o.n)
	if rep.hwm, rep.rss, err = memory(srv.cmd.Process.Pid); err != nil {
		return err
	}
	client.CloseIdleConnections()

	// A returning sign-in (pick the org): the app allows one link per address every 30 s.
	if wait := sendInterval - time.Since(firstSend); wait > 0 {
		logf("waiting %s for the app's per-address send limit", wait.Round(time.Second))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	bob := newBrowser(srv.base)
	if before, err = srv.calls(ctx); err != nil {
		return err
	}
	if _, err := bob.signIn(ctx, email, ""); err != nil {
		return fmt.Errorf("sign-in (exchange): %w", err)
	}
	if rep.signInExchange, err = srv.callsSince(ctx, before); err != nil {
		return err
	}
	if before, err = srv.calls(ctx); err != nil {
		return err
	}
	if err := bob.post(ctx, "/logout", nil, "/?notice=signed-out"); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	if rep.logout, err = srv.callsSince(ctx, before); err != nil {
		return err
	}
	rep.machine = describeMachine()
	rep.write(stdout)
	return nil
}

// server is the running cmd/web binary.
type server struct {
	cmd    *exec.Cmd
	base   string
	http   *http.Client
	log    *os.File
	exited chan struct{} // closed when the process has exited
}

// startServer runs bin on a free loopback port with the embedded emulator (no STYTCH_* env)
// and its databases in dir, and waits until /healthz answers.
func startServer(ctx context.Context, bin, dir string, extraEnv []string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "STYTCH_"), k == "ADDR", k == "BASE_URL", k == "DATABASE_PATH", k == "LOG_FORMAT":
		default:
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "ADDR="+addr, "BASE_URL=http://"+addr, "DATABASE_PATH="+filepath.Join(dir, "data", "app.db"), "LOG_FORMAT=text")
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &server{cmd: cmd, base: "http://" + addr, http: &http.Client{Timeout: 10 * time.Second}, log: logFile, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(s.exited)
	}()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/healthz", nil)
		if resp, err := s.http.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.exited:
			logFile.Close()
			return nil, fmt.Errorf("server exited before it was ready; see %s", logFile.Name())
		case <-ctx.Done():
			s.stop()
			return nil, fmt.Errorf("server not ready: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop asks the server to shut down (SIGTERM) and waits for it, killing it after a grace period.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.log.Close()
}

// calls returns the emulator's API call counters (GET /dev/calls.json, mounted by the app).
func (s *server) calls(ctx context.Context) (map[string]int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/dev/calls.json", nil)
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("calls: %w", err)
	}
	defer resp.Body.Close()
	m := map[string]int{}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("calls: status %d", resp.StatusCode)
	}
	return m, json.NewDecoder(resp.Body).Decode(&m)
}

func (s *server) callsSince(ctx context.Context, before map[string]int) (map[string]int, error) {
	after, err := s.calls(ctx)
	if err != nil {
		return nil, err
	}
	diff := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			diff[k] = d
		}
	}
	return diff, nil
}

// browser is one person's cookie jar; it does not follow redirects.
type browser struct {
	base string
	jar  *cookiejar.Jar
	http *http.Client
}

func newBrowser(base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{base: base, jar: jar, http: &http.Client{
		Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) cookie() string {
	u, _ := url.Parse(b.base)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == sessionCookie {
			return c.Name + "=" + c.Value
		}
	}
	return ""
}

func (b *browser) get(ctx context.Context, path string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.base+path, nil)
	resp, err := b.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	return string(body), err
}

// follow GETs path as a browser does, following up to 3 same-site redirects, and expects a 200.
func (b *browser) follow(ctx context.Context, path string) (string, error) {
	for range 3 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.base+path, nil)
		resp, err := b.http.Do(req)
		if err != nil {
			return "", err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		switch {
		case err != nil:
			return "", err
		case resp.StatusCode == http.StatusOK:
			return string(body), nil
		case resp.StatusCode/100 == 3 && strings.HasPrefix(loc, "/"):
			path = loc
		default:
			return "", fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
		}
	}
	return "", fmt.Errorf("GET %s: too many redirects", path)
}

// post submits a form as a same-origin browser would and expects a 303 to want.
func (b *browser) post(ctx context.Context, path string, form url.Values, want string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		return fmt.Errorf("POST %s: status %d, Location %q; want 303 to %q", path, resp.StatusCode, resp.Header.Get("Location"), want)
	}
	return nil
}

var orgIDAttr = regexp.MustCompile(`data-org-id="([^"]+)"`)

// signIn runs the whole discovery sign-in: email form, check-email page, the magic link from
// the emulator's mailbox (/dev/mailbox.json), Continue, chooser, then create an org named
// orgName, or (orgName == "") enter the first org offered. It ends on the dashboard.
func (b *browser) signIn(ctx context.Context, email, orgName string) (string, error) {
	if err := b.post(ctx, "/login", url.Values{"email": {email}}, "/check-email"); err != nil {
		return "", err
	}
	if _, err := b.get(ctx, "/check-email"); err != nil {
		return "", err
	}
	mail, err := b.get(ctx, "/dev/mailbox.json?to="+url.QueryEscape(email))
	if err != nil {
		return "", err
	}
	var msgs []struct {
		Link string `json:"link"`
	}
	if err := json.Unmarshal([]byte(mail), &msgs); err != nil || len(msgs) == 0 {
		return "", fmt.Errorf("no magic link for %s in the mailbox (%v)", email, err)
	}
	link, err := url.Parse(msgs[0].Link)
	if err != nil {
		return "", err
	}
	if _, err := b.follow(ctx, link.RequestURI()); err != nil { // the Continue page: nothing spent yet
		return "", err
	}
	q := link.Query()
	if err := b.post(ctx, "/authenticate", url.Values{"stytch_token_type": {q.Get("stytch_token_type")}, "token": {q.Get("token")}}, "/orgs"); err != nil {
		return "", err
	}
	chooser, err := b.get(ctx, "/orgs")
	if err != nil {
		return "", err
	}
	if orgName != "" {
		err = b.post(ctx, "/orgs/create", url.Values{"organization_name": {orgName}}, "/dashboard")
	} else if m := orgIDAttr.FindStringSubmatch(chooser); m != nil {
		err = b.post(ctx, "/orgs/select", url.Values{"organization_id": {m[1]}}, "/dashboard")
	} else {
		err = errors.New("the chooser offers no organization")
	}
	if err != nil {
		return "", err
	}
	return b.get(ctx, "/dashboard")
}

// asset is one response of the first page load, as transferred.
type asset struct {
	path     string
	bytes    int
	encoding string
}

var (
	cssHref = regexp.MustCompile(`<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"`)
	jsSrc   = regexp.MustCompile(`<script[^>]+src="([^"]+)"`)
)

// firstLoad fetches GET / and the stylesheet and script it links, as a new visitor whose
// browser accepts gzip, and returns the bytes each took on the wire (body, as encoded).
func firstLoad(ctx context.Context, base string) ([]asset, error) {
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	defer c.CloseIdleConnections()
	// fetch returns what path took on the wire and its text (decompressed).
	fetch := func(path string) (asset, string, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		resp, err := c.Do(req)
		if err != nil {
			return asset{}, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
		}
		a := asset{path: path, bytes: len(body), encoding: resp.Header.Get("Content-Encoding")}
		if err != nil || a.encoding != "gzip" {
			return a, string(body), err
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return a, "", fmt.Errorf("GET %s: %w", path, err)
		}
		text, err := io.ReadAll(io.LimitReader(zr, 16<<20))
		return a, string(text), err
	}
	page, html, err := fetch("/")
	if err != nil {
		return nil, fmt.Errorf("first load: %w", err)
	}
	out := []asset{page}
	for _, re := range []*regexp.Regexp{cssHref, jsSrc} {
		for _, m := range re.FindAllStringSubmatch(html, -1) {
			a, _, err := fetch(m[1])
			if err != nil {
				return nil, fmt.Errorf("first load: %w", err)
			}
			out = append(out, a)
		}
	}
	if len(out) < 3 {
		return nil, fmt.Errorf("first load: found %d linked files in GET /, want the CSS and htmx", len(out)-1)
	}
	return out, nil
}

// target is one endpoint under load and its accumulated measurements.
type target struct {
	name, url, cookie, mustContain string
	lat                            []time.Duration
	elapsed, serverCPU             time.Duration
}

func (t *target) add(r result) {
	t.lat = append(t.lat, r.lat...)
	t.elapsed += r.elapsed
	t.serverCPU += r.serverCPU
}

// cpuPerRequest is the server's CPU time (user + system, all threads) per request.
func (t *target) cpuPerRequest() time.Duration { return t.serverCPU / time.Duration(len(t.lat)) }

func (t *target) rps() float64 { return float64(len(t.lat)) / t.elapsed.Seconds() }

// percentile returns the p-th percentile (nearest rank) of the recorded latencies.
func (t *target) percentile(p float64) time.Duration {
	s := slices.Clone(t.lat)
	slices.Sort(s)
	return nearestRank(s, p)
}

func nearestRank(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

type result struct {
	lat                []time.Duration
	elapsed, serverCPU time.Duration
}

// loadClient keeps one keep-alive connection per worker.
func loadClient(c int) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: c * 2, MaxIdleConnsPerHost: c * 2, MaxConnsPerHost: c,
		DisableCompression: true, IdleConnTimeout: time.Minute,
	}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// drive sends n GETs to t from c workers and records each latency. Any response other than a
// 200 (with t.mustContain in the first response checked) fails the run.
func drive(parent context.Context, client *http.Client, t *target, n, c int) (result, error) {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	fail := func(err error) {
		failed.CompareAndSwap(nil, &err)
		cancel()
	}
	start := time.Now()
	for range c {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, t.url, nil)
				if t.cookie != "" {
					req.Header.Set("Cookie", t.cookie)
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					fail(fmt.Errorf("%s: %w", t.name, err))
					return
				}
				var body []byte
				if i == 0 && t.mustContain != "" {
					body, err = io.ReadAll(resp.Body)
				} else {
					_, err = io.Copy(io.Discard, resp.Body)
				}
				resp.Body.Close()
				lat[i] = time.Since(t0)
				switch {
				case err != nil:
					fail(fmt.Errorf("%s: read body: %w", t.name, err))
					return
				case resp.StatusCode != http.StatusOK:
					fail(fmt.Errorf("%s: status %d (Location %q)", t.name, resp.StatusCode, resp.Header.Get("Location")))
					return
				case body != nil && !strings.Contains(string(body), t.mustContain):
					fail(fmt.Errorf("%s: response lacks %s", t.name, t.mustContain))
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if p := failed.Load(); p != nil {
		return result{}, *p
	}
	if err := parent.Err(); err != nil {
		return result{}, err
	}
	return result{lat: lat, elapsed: elapsed}, nil
}

// memory returns the process's peak and current resident set size (VmHWM, VmRSS) in bytes.
func memory(pid int) (hwm, rss int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read RSS: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmHWM" && k != "VmRSS") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("read RSS: %q: %w", line, err)
		}
		if k == "VmHWM" {
			hwm = kb << 10
		} else {
			rss = kb << 10
		}
	}
	if hwm == 0 {
		return 0, 0, errors.New("read RSS: no VmHWM in /proc status")
	}
	return hwm, rss, nil
}

// clockTick is the unit of /proc CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// processCPU returns the CPU time (user + system, all threads) a process has used so far.
func processCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the ")" that ends the command name: state is field 3, utime 14, stime 15.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * clockTick
}

// machineCPU returns the busy CPU time of the whole machine so far (all but idle and iowait).
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var busy int64
	for i, v := range f[1:] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && i != 3 && i != 4 && i < 8 { // skip idle, iowait; guest is inside user
			busy += n
		}
	}
	return time.Duration(busy) * clockTick
}

// cpuShare is where the machine's CPU went during the measured rounds.
type cpuShare struct {
	machine, server, loadgen, capacity time.Duration
}

// describeMachine names the CPU, cores, memory, kernel and Go version.
func describeMachine() string {
	cpu, mem := "unknown CPU", "unknown memory"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64); err == nil {
					mem = fmt.Sprintf("%.1f GiB RAM", float64(kb)/(1<<20))
				}
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%d × %s, %s, Linux %s, %s %s/%s", runtime.NumCPU(), cpu, mem,
		strings.TrimSpace(string(kernel)), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

type report struct {
	opts                                 options
	machine                              string
	firstLoad                            []asset
	signInCreate, signInExchange, logout map[string]int
	dashCalls                            map[string]int
	dashViews, requests                  int
	jwtAgeAtEnd                          time.Duration
	healthz, dashboard                   target
	hwm, rss                             int64
	cpu                                  cpuShare
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// breakdown lists calls by route, e.g. "send 1, authenticate 1".
func breakdown(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("`%s` ×%d", strings.TrimPrefix(k, "POST /v1/b2b/"), m[k]))
	}
	return strings.Join(parts, ", ")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func status(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

func (r *report) write(w io.Writer) {
	o := r.opts
	fmt.Fprintf(w, "## orgpick load run\n\n")
	fmt.Fprintf(w, "Machine: %s. Server: the cmd/web binary with the embedded Stytch emulator and SQLite in a temp dir; "+
		"client: this process, on the same machine, over loopback keep-alive connections.\n\n", r.machine)
	fmt.Fprintf(w, "%d connections; %d requests per endpoint in %d alternating rounds after %d warm-up requests each.",
		o.c, o.n, o.rounds, o.warmup)
	if len(o.serverEnv) > 0 {
		fmt.Fprintf(w, " Server environment: `%s`.", o.serverEnv.String())
	}
	fmt.Fprintf(w, "\n\n")

	fmt.Fprintf(w, "| Endpoint | Requests | Req/s | p50 | p99 | max | Server CPU per request |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, t := range []*target{&r.healthz, &r.dashboard} {
		fmt.Fprintf(w, "| `%s` | %d | %.0f | %s | %s | %s | %.0f µs |\n", t.name, len(t.lat), t.rps(),
			ms(t.percentile(50)), ms(t.percentile(99)), ms(t.percentile(100)), float64(t.cpuPerRequest())/float64(time.Microsecond))
	}
	ratio := r.dashboard.rps() / r.healthz.rps()
	fmt.Fprintf(w, "\nDashboard ÷ healthz throughput: **%.0f%%**.\n\n", ratio*100)
	c := r.cpu
	other := max(c.machine-c.server-c.loadgen, 0)
	fmt.Fprintf(w, "CPU during the measured rounds (%d cores × %s): server %.0f%%, loadgen %.0f%%, everything else %.0f%%%s.\n\n",
		runtime.NumCPU(), (c.capacity / time.Duration(runtime.NumCPU())).Round(100*time.Millisecond),
		pct(c.server, c.capacity), pct(c.loadgen, c.capacity), pct(other, c.capacity), noisy(pct(other, c.capacity)))

	var firstBytes int
	compressed := true
	fmt.Fprintf(w, "| First page load | Bytes on the wire | Content-Encoding |\n|---|---:|---|\n")
	for i, a := range r.firstLoad {
		firstBytes += a.bytes
		if i > 0 && a.encoding != "gzip" {
			compressed = false
		}
		fmt.Fprintf(w, "| `%s` | %d | %s |\n", a.path, a.bytes, orDefault(a.encoding, "identity"))
	}
	fmt.Fprintf(w, "| **total** | **%d** (%.1f KiB) | |\n\n", firstBytes, float64(firstBytes)/1024)

	dashCalls := total(r.dashCalls)
	perK := float64(dashCalls) / float64(r.dashViews) * 1000
	fmt.Fprintf(w, "| Stytch calls (counted at the emulator) | Calls | Routes |\n|---|---:|---|\n")
	fmt.Fprintf(w, "| per 1,000 dashboard views (%d views, JWT %s old at the end) | %.3f | %s |\n",
		r.dashViews, r.jwtAgeAtEnd.Round(time.Second), perK, breakdown(r.dashCalls))
	fmt.Fprintf(w, "| per sign-in, new email (create org) | %d | %s |\n", total(r.signInCreate), breakdown(r.signInCreate))
	fmt.Fprintf(w, "| per sign-in, returning email (pick org) | %d | %s |\n", total(r.signInExchange), breakdown(r.signInExchange))
	fmt.Fprintf(w, "| per logout | %d | %s |\n\n", total(r.logout), breakdown(r.logout))

	fmt.Fprintf(w, "Server memory after %d requests: peak RSS (VmHWM) **%s**, RSS now %s.\n\n", r.requests, mib(r.hwm), mib(r.rss))

	p99 := r.dashboard.percentile(99)
	inLife := r.jwtAgeAtEnd < jwtLife
	fmt.Fprintf(w, "| Target | Measured | Status |\n|---|---|---|\n")
	fmt.Fprintf(w, "| 0 Stytch calls per dashboard view inside the JWT's life | %d calls in %d views | %s |\n",
		dashCalls, r.dashViews, statusNote(dashCalls == 0, inLife))
	fmt.Fprintf(w, "| %d Stytch calls per sign-in | create %d, pick %d | %s |\n", targetSignInCalls,
		total(r.signInCreate), total(r.signInExchange), status(total(r.signInCreate) == targetSignInCalls && total(r.signInExchange) == targetSignInCalls))
	fmt.Fprintf(w, "| dashboard ≥ %.0f%% of healthz req/s at %d connections | %.0f%% | %s |\n", targetRatio*100, o.c, ratio*100, status(ratio >= targetRatio))
	fmt.Fprintf(w, "| dashboard p99 < %s at %d connections | %s | %s |\n", ms(targetP99), o.c, ms(p99), status(p99 < targetP99))
	rssStatus := status(r.hwm < targetRSS)
	if r.requests < 100_000 {
		rssStatus = "not measured (fewer than 100,000 requests)"
	}
	fmt.Fprintf(w, "| RSS < %s after 100,000 requests | peak %s after %d | %s |\n", mib(targetRSS), mib(r.hwm), r.requests, rssStatus)
	fmt.Fprintf(w, "| first page load < %d KiB compressed; static files compressed | %.1f KiB; CSS/JS gzip: %v | %s |\n",
		targetFirstLoad>>10, float64(firstBytes)/1024, compressed, status(firstBytes < targetFirstLoad && compressed))
}

func pct(d, of time.Duration) float64 {
	if of <= 0 {
		return 0
	}
	return 100 * float64(d) / float64(of)
}

// noisy warns when other processes took a noticeable share of the machine during the run.
func noisy(otherPct float64) string {
	if otherPct >= 5 {
		return " — **other processes were busy: throughput and latency figures are disturbed; rerun on a quiet machine**"
	}
	return ""
}

func statusNote(ok, inLife bool) string {
	if !inLife {
		return status(ok) + " (run outlived the JWT: refreshes expected)"
	}
	return status(ok)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
