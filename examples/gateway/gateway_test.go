// Package gateway_test runs the README's "Put it in front of your app" setups for real: the
// orgpick binary, the whoami example app, and nginx (auth_request) or Caddy (forward_auth) as
// child processes on loopback ports with the config templates of this folder, or orgpick alone
// in its reverse-proxy mode. Without nginx or caddy installed the test skips, saying so (with
// CI=true it fails: .ci/run installs both).
package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/orgpick/orgpick/internal/testkit"
)

const prefix = "/_orgpick"

// binaries are orgpick and whoami, built once for every test here.
var binaries struct {
	once            sync.Once
	orgpick, whoami string
	err             error
}

var buildDir string

func TestMain(m *testing.M) {
	var err error
	if buildDir, err = os.MkdirTemp("", "orgpick-gateway-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(buildDir)
	os.Exit(code)
}

func build(t *testing.T) (orgpick, whoami string) {
	t.Helper()
	binaries.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if binaries.orgpick, binaries.err = testkit.Build(ctx, buildDir, false); binaries.err != nil {
			return
		}
		binaries.whoami = filepath.Join(buildDir, "whoami")
		out, err := exec.CommandContext(ctx, "go", "build", "-o", binaries.whoami, "github.com/orgpick/orgpick/examples/whoami").CombinedOutput()
		if err != nil {
			binaries.err = fmt.Errorf("build whoami: %w\n%s", err, out)
		}
	})
	if binaries.err != nil {
		t.Fatal(binaries.err)
	}
	return binaries.orgpick, binaries.whoami
}

// need finds a server program, or skips the test (fails with CI=true) when it is not installed.
func need(t *testing.T, name string) string {
	t.Helper()
	for _, p := range []string{name, "/usr/sbin/" + name, "/usr/bin/" + name} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	msg := fmt.Sprintf("%s is not installed: apt-get install %s (.ci/run does)", name, name)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// freeAddr is a free loopback address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// process is a child process whose output is kept for the test's failure message.
type process struct {
	cmd *exec.Cmd
	log *testkit.SyncBuffer
}

// start runs a program until the test ends, and waits until addr accepts connections.
func start(t *testing.T, addr string, env []string, name string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(name, args...), log: &testkit.SyncBuffer{}}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { p.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("----- %s output -----\n%s", filepath.Base(name), p.log)
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return p
		}
		select {
		case <-exited:
			t.Fatalf("%s exited at start:\n%s", name, p.log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen on %s:\n%s", name, addr, p.log)
		}
	}
}

// setup is one deployment: what the browser opens, orgpick and the app behind it.
type setup struct {
	base    string // the public origin (BASE_URL)
	orgpick *testkit.Server
	whoami  *process
}

// newSetup starts whoami and prepares orgpick, whose BASE_URL is base (a gateway's address),
// or, when base is "", orgpick's own address with whoami as UPSTREAM_URL (the proxy mode).
func newSetup(t *testing.T, base string) (*setup, string) {
	t.Helper()
	orgpickBin, whoamiBin := build(t)
	upstream := freeAddr(t)
	s := &setup{whoami: start(t, upstream, nil, whoamiBin, "-addr", upstream)}
	env := []string{"AUTH_PREFIX=" + prefix, "TRUSTED_PROXIES=127.0.0.1"}
	if base == "" {
		env = append(env, "UPSTREAM_URL=http://"+upstream)
	}
	srv, err := testkit.NewServer(orgpickBin, t.TempDir(), env...)
	if err != nil {
		t.Fatal(err)
	}
	if base == "" {
		base = srv.URL
	}
	srv.BaseURL, srv.Prefix, s.base, s.orgpick = base, prefix, base, srv
	t.Cleanup(func() {
		srv.Stop()
		if t.Failed() {
			t.Logf("----- orgpick output -----\n%s", srv.Log)
		}
	})
	return s, upstream
}

// startOrgpick starts orgpick (after the gateway's config names its address).
func (s *setup) startOrgpick(t *testing.T) {
	t.Helper()
	if err := s.orgpick.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// config renders a template of this folder into dir.
func config(t *testing.T, name, dir string, data any) string {
	t.Helper()
	tmpl, err := template.ParseFiles(name)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, filepath.Base(name))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := tmpl.Execute(f, data); err != nil {
		t.Fatal(err)
	}
	return path
}

// configData fills the templates' placeholders.
type configData struct{ Listen, Orgpick, Upstream, Dir string }

// behind runs the journey through a gateway: program, started with the arguments args gives
// for its rendered config template (and env), in front of orgpick and whoami.
func behind(t *testing.T, program, template string, env []string, args func(conf, dir string) []string) {
	t.Helper()
	path := need(t, program)
	listen := freeAddr(t)
	s, upstream := newSetup(t, "http://"+listen)
	dir := t.TempDir()
	conf := config(t, template, dir, configData{Listen: listen, Orgpick: s.orgpick.Addr, Upstream: upstream, Dir: dir})
	s.startOrgpick(t)
	start(t, listen, env, path, args(conf, dir)...)
	s.journey(t)
}

func TestBehindNginx(t *testing.T) {
	t.Parallel()
	behind(t, "nginx", "nginx.conf", nil, func(conf, dir string) []string {
		return []string{"-c", conf, "-p", dir, "-e", filepath.Join(dir, "error.log")}
	})
}

func TestBehindCaddy(t *testing.T) {
	t.Parallel()
	home := t.TempDir() // Caddy keeps its state under HOME / XDG_*
	behind(t, "caddy", "Caddyfile", []string{"HOME=" + home, "XDG_CONFIG_HOME=" + home, "XDG_DATA_HOME=" + home}, func(conf, _ string) []string {
		return []string{"run", "--config", conf, "--adapter", "caddyfile"}
	})
}

func TestProxyModeWithoutGateway(t *testing.T) {
	t.Parallel()
	s, _ := newSetup(t, "")
	s.startOrgpick(t)
	s.journey(t)
}

// hits is how many requests reached the app (whoami logs one line each).
func (s *setup) hits() int { return strings.Count(s.whoami.log.String(), " member=") }

// who is whoami's answer.
type who struct {
	Path     string              `json:"path"`
	MemberID string              `json:"member_id"`
	Email    string              `json:"email"`
	OrgID    string              `json:"organization_id"`
	OrgSlug  string              `json:"organization_slug"`
	Roles    []string            `json:"roles"`
	HasJWT   bool                `json:"has_session_jwt"`
	Headers  map[string][]string `json:"orgpick_headers"`
	Cookies  []string            `json:"cookies"`
}

// journey is the README's promise, in any setup: a person asking for /app/reports is sent to
// sign in, signs in with a link, picks an organization and lands on /app/reports, where the app
// sees their member, email, organization and roles (never a client's X-Orgpick-* header);
// switching organization changes what the app sees; after logout the app is not reached.
func (s *setup) journey(t *testing.T) {
	ctx := t.Context()
	seed, err := s.orgpick.NewSeeder()
	if err != nil {
		t.Fatal(err)
	}
	ids, err := seed.Memberships(ctx, "ada@acme.test", []string{"Acme", "Beta Labs"}, []string{"acme", "beta-labs"})
	if err != nil {
		t.Fatal(err)
	}
	b := testkit.NewBrowser(s.base)
	check := func(r testkit.Response, err error, status int, location string) testkit.Response {
		t.Helper()
		if err == nil {
			err = testkit.Expect(r, status, location)
		}
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r, err := b.Get(ctx, "/app/reports?q=1&x=2", false)
	signIn := s.base + prefix + "/?return_to=" + url.QueryEscape(s.base+"/app/reports?q=1&x=2")
	check(r, err, http.StatusFound, signIn)
	if s.hits() != 0 {
		t.Fatal("the app was reached before sign-in")
	}
	r, err = b.Get(ctx, strings.TrimPrefix(signIn, s.base), false)
	check(r, err, http.StatusOK, "")
	r, err = b.Post(ctx, prefix+"/login", url.Values{"email": {"ada@acme.test"}}, false)
	check(r, err, http.StatusSeeOther, prefix+"/check-email")
	link, err := testkit.LatestLink(ctx, s.orgpick, "ada@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	r, err = b.Get(ctx, link.RequestURI(), false)
	check(r, err, http.StatusSeeOther, prefix+"/authenticate")
	r, err = b.Get(ctx, prefix+"/authenticate", false)
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(check(r, err, http.StatusOK, "").Body))
	form := doc.Find(`[data-testid="continue-form"]`)
	r, err = b.Post(ctx, form.AttrOr("action", ""), url.Values{
		"stytch_token_type": {form.Find(`input[name="stytch_token_type"]`).AttrOr("value", "")},
		"token":             {form.Find(`input[name="token"]`).AttrOr("value", "")},
	}, false)
	check(r, err, http.StatusSeeOther, prefix+"/orgs")
	r, err = b.Get(ctx, prefix+"/orgs", false)
	if !strings.Contains(check(r, err, http.StatusOK, "").Body, ids[1]) {
		t.Fatalf("the chooser lacks Beta Labs:\n%.2000s", r.Body)
	}
	r, err = b.Post(ctx, prefix+"/orgs/select", url.Values{"organization_id": {ids[0]}}, false)
	check(r, err, http.StatusSeeOther, s.base+"/app/reports?q=1&x=2")

	got := s.app(t, b, "/app/reports?q=1&x=2")
	if got.Path != "/app/reports?q=1&x=2" || got.Email != "ada@acme.test" || got.OrgID != ids[0] || got.OrgSlug != "acme" ||
		!strings.HasPrefix(got.MemberID, "member-") || len(got.Roles) == 0 || !got.HasJWT {
		t.Fatalf("the app saw %+v", got)
	}
	if len(got.Headers["X-Orgpick-Email"]) != 1 || got.Headers["X-Orgpick-Email"][0] != "ada@acme.test" || len(got.Headers["X-Orgpick-Roles"]) != 1 {
		t.Fatalf("a client's X-Orgpick-* header reached the app: %v", got.Headers)
	}

	r, err = b.Post(ctx, prefix+"/orgs/switch", url.Values{"organization_id": {ids[1]}}, false)
	check(r, err, http.StatusSeeOther, prefix+"/dashboard")
	if got := s.app(t, b, "/app/reports"); got.OrgID != ids[1] || got.OrgSlug != "beta-labs" || got.Email != "ada@acme.test" {
		t.Fatalf("after the switch the app saw %+v", got)
	}

	r, err = b.Post(ctx, prefix+"/logout", nil, false)
	check(r, err, http.StatusSeeOther, prefix+"/?notice=signed-out")
	hits := s.hits()
	r, err = b.Get(ctx, "/app/reports", false)
	check(r, err, http.StatusFound, s.base+prefix+"/?return_to="+url.QueryEscape(s.base+"/app/reports"))
	if s.hits() != hits {
		t.Fatal("the app was reached after logout")
	}
}

// app GETs path from the app, with a client's forged identity headers, and returns what the app saw.
func (s *setup) app(t *testing.T, b *testkit.Browser, path string) who {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.base+path, nil)
	req.Header.Set("X-Orgpick-Email", "eve@evil.test")
	req.Header.Set("X-Orgpick-Roles", "stytch_admin")
	r, err := b.Do(req)
	if err == nil {
		err = testkit.Expect(r, http.StatusOK, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	var w who
	if err := json.Unmarshal([]byte(r.Body), &w); err != nil {
		t.Fatalf("the app's answer: %v\n%.500s", err, r.Body)
	}
	return w
}

// TestREADMEShowsTheseConfigs: the README's nginx and Caddy configs are these files, verbatim,
// so what the tests run is what people copy.
func TestREADMEShowsTheseConfigs(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ file, fence string }{{"nginx.conf", "```nginx\n"}, {"Caddyfile", "```caddyfile\n"}} {
		conf, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(readme), c.fence+string(conf)+"```\n") {
			t.Errorf("README.md does not show examples/gateway/%s as it is: copy it into its %q block", c.file, strings.TrimSpace(c.fence))
		}
	}
}
