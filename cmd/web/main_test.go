package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/orgpick/orgpick/emulator"
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
	for _, c := range []struct {
		base, name string
		secure     bool
	}{{"http://localhost:3000", "orgpick_session", false}, {"https://app.example.com", "__Host-orgpick_session", true}} {
		t.Run(c.base, func(t *testing.T) {
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

// /dev/ (the emulator's mailbox) exists only with the embedded emulator.
func TestDevRoutesOnlyWithoutRealCredentials(t *testing.T) {
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
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	bin := filepath.Join(t.TempDir(), "orgpick")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	port := freePort(t)
	base := "http://127.0.0.1:" + port
	env := append(os.Environ(), "ADDR=127.0.0.1:"+port, "BASE_URL="+base, "DATABASE_PATH="+filepath.Join(dir, "app.db"),
		"STYTCH_PROJECT_ID=", "STYTCH_SECRET=", "STYTCH_BASE_URL=")
	start := func() *exec.Cmd {
		cmd := exec.Command(bin)
		cmd.Env = env
		var logs syncBuffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
			if t.Failed() {
				t.Logf("server log:\n%s", logs.String())
			}
		})
		waitHealthy(t, base)
		return cmd
	}
	kill := func(cmd *exec.Cmd) {
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, form url.Values) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	get := func(path string) *http.Response {
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	srv := start()
	if r := post("/login", url.Values{"email": {"crash@main.test"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", r.StatusCode)
	}
	link := mailboxLink(t, base, "crash@main.test")
	if r := post("/authenticate", url.Values{"stytch_token_type": {link.Query().Get("stytch_token_type")}, "token": {link.Query().Get("token")}}); r.Header.Get("Location") != "/orgs" {
		t.Fatalf("authenticate: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	kill(srv)
	srv = start()
	if r := get("/orgs"); r.StatusCode != http.StatusOK {
		t.Fatalf("chooser after kill -9: %d", r.StatusCode)
	}
	if r := post("/orgs/create", url.Values{"organization_name": {"Survivor"}}); r.Header.Get("Location") != "/dashboard" {
		t.Fatalf("create after kill -9: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	kill(srv)
	srv = start()
	if r := get("/dashboard"); r.StatusCode != http.StatusOK {
		t.Fatalf("dashboard after kill -9: %d", r.StatusCode)
	}
	// SIGTERM exits cleanly.
	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
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

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("server did not become healthy")
}

func mailboxLink(t *testing.T, base, to string) *url.URL {
	t.Helper()
	resp, err := http.Get(base + "/dev/mailbox.json?to=" + url.QueryEscape(to))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var msgs []struct{ Link string }
	if err := json.NewDecoder(bufio.NewReader(resp.Body)).Decode(&msgs); err != nil || len(msgs) == 0 {
		t.Fatalf("mailbox: %v (%d messages)", err, len(msgs))
	}
	u, err := url.Parse(msgs[0].Link)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
