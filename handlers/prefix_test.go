package handlers_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgpick/orgpick/handlers"
	"github.com/orgpick/orgpick/internal/gateway"
)

const prefix = "/_orgpick"

// echoUpstream is an app behind orgpick: it answers every request with the path and headers it got.
type echoUpstream struct {
	*httptest.Server
	hits atomic.Int64
}

type echoed struct {
	Path   string      `json:"path"`
	Header http.Header `json:"header"`
}

func newEchoUpstream(t *testing.T) *echoUpstream {
	u := &echoUpstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(echoed{Path: r.URL.RequestURI(), Header: r.Header})
	}))
	t.Cleanup(u.Close)
	return u
}

// proxyEnv is the app in the reverse-proxy mode: its pages under /_orgpick, the rest proxied to up.
func proxyEnv(t *testing.T, up *echoUpstream) *env {
	target, _ := url.Parse(up.URL)
	return newEnv(t, func(d *handlers.Deps) {
		d.Prefix = prefix
		d.Upstream = gateway.NewProxy(target, gateway.ProxyOptions{DropCookies: []string{d.Sessions.Cookie.Name}})
	})
}

// signInPrefixed signs in under the prefix from the page the proxy sent the browser to, and
// creates an organization; it returns the answer to the create form.
func (b *browser) signInPrefixed(signIn, email, org string) response {
	t := b.e.t
	t.Helper()
	page := b.get(strings.TrimPrefix(signIn, b.e.URL), false)
	wantStatus(t, page, http.StatusOK)
	if got := page.find(t, `form[action="`+prefix+`/login"]`).Length(); got == 0 {
		t.Fatalf("no form posting to %s/login:\n%.1500s", prefix, page.body)
	}
	css := page.find(t, `link[rel="stylesheet"]`).AttrOr("href", "")
	if !strings.HasPrefix(css, prefix+"/assets/") {
		t.Fatalf("stylesheet %q outside the prefix", css)
	}
	wantStatus(t, b.get(css, false), http.StatusOK)
	wantRedirect(t, b.post(prefix+"/login", url.Values{"email": {email}}, false), prefix+"/check-email")
	wantStatus(t, b.get(prefix+"/check-email", false), http.StatusOK)
	link := b.e.latestLink(email)
	if !strings.HasPrefix(link.Path, prefix+"/authenticate") {
		t.Fatalf("magic link %q lands outside the prefix", link)
	}
	wantRedirect(t, b.get(link.RequestURI(), false), prefix+"/authenticate")
	cont := b.get(prefix+"/authenticate", false)
	form := cont.byTestid(t, "continue-form")
	if action := form.AttrOr("action", ""); action != prefix+"/authenticate" {
		t.Fatalf("Continue posts to %q", action)
	}
	tok := url.Values{"stytch_token_type": {form.Find(`input[name="stytch_token_type"]`).AttrOr("value", "")},
		"token": {form.Find(`input[name="token"]`).AttrOr("value", "")}}
	wantRedirect(t, b.post(prefix+"/authenticate", tok, false), prefix+"/orgs")
	return b.post(prefix+"/orgs/create", url.Values{"organization_name": {org}}, false)
}

// upstream GETs path through the proxy and returns what the upstream saw.
func (b *browser) upstream(path string, header http.Header) echoed {
	t := b.e.t
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, b.e.URL+path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	r := b.do(req)
	wantStatus(t, r, http.StatusOK)
	var got echoed
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("upstream answer: %v\n%.500s", err, r.body)
	}
	return got
}

// TestProxyMode: with an upstream, a visitor asking for /app/reports is sent to sign in under
// the prefix (every link, form, asset and redirect there), comes back to /app/reports, and the
// upstream sees the member; a client's X-Orgpick-* headers and orgpick's cookie never reach it;
// after logout the upstream is not reached.
func TestProxyMode(t *testing.T) {
	t.Parallel()
	up := newEchoUpstream(t)
	e := proxyEnv(t, up)
	b := e.browser()
	r := b.get("/app/reports?q=1", false)
	signIn := e.URL + prefix + "/?return_to=" + url.QueryEscape(e.URL+"/app/reports?q=1")
	if wantStatus(t, r, http.StatusFound); r.Header.Get("Location") != signIn {
		t.Fatalf("Location %q, want %q", r.Header.Get("Location"), signIn)
	}
	if up.hits.Load() != 0 {
		t.Fatal("the upstream was reached before sign-in")
	}
	wantRedirect(t, b.signInPrefixed(signIn, "ada@acme.test", "Acme"), e.URL+"/app/reports?q=1")

	got := b.upstream("/app/reports?q=1", http.Header{"X-Orgpick-Email": {"eve@evil.test"}, "X-Orgpick-Roles": {"stytch_admin"}, "X-Orgpick-Extra": {"x"}})
	if got.Path != "/app/reports?q=1" || got.Header.Get(gateway.HeaderEmail) != "ada@acme.test" || got.Header.Get(gateway.HeaderOrgSlug) != "acme" {
		t.Fatalf("upstream saw %s with email %q, org %q", got.Path, got.Header.Get(gateway.HeaderEmail), got.Header.Get(gateway.HeaderOrgSlug))
	}
	if got.Header.Get("X-Orgpick-Extra") != "" || len(got.Header.Values(gateway.HeaderEmail)) != 1 {
		t.Fatalf("client X-Orgpick-* headers reached the upstream: %v", got.Header)
	}
	if strings.Contains(got.Header.Get("Cookie"), "session=") {
		t.Fatalf("orgpick's session cookie reached the upstream: %q", got.Header.Get("Cookie"))
	}

	// orgpick's own pages stay under the prefix; htmx redirects too.
	wantStatus(t, b.get(prefix+"/dashboard", false), http.StatusOK)
	wantHXLocation(t, b.post(prefix+"/logout", nil, true), prefix+"/?notice=signed-out")
	hits := up.hits.Load()
	r = b.get("/app/reports", false)
	if wantStatus(t, r, http.StatusFound); up.hits.Load() != hits {
		t.Fatal("the upstream was reached after logout")
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.URL+"/app/reports", strings.NewReader("x=1"))
	if wantStatus(t, b.do(req), http.StatusUnauthorized); up.hits.Load() != hits {
		t.Fatal("a POST reached the upstream signed out")
	}
}

// TestPrefixWithoutUpstream: with only AUTH_PREFIX, orgpick answers under it (its root
// redirects to the prefix with a slash) and nothing outside it.
func TestPrefixWithoutUpstream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(d *handlers.Deps) { d.Prefix = prefix })
	b := e.browser()
	r := b.get(prefix, false)
	if wantStatus(t, r, http.StatusMovedPermanently); r.Header.Get("Location") != prefix+"/" {
		t.Fatalf("Location %q", r.Header.Get("Location"))
	}
	wantStatus(t, b.get(prefix+"/healthz", false), http.StatusOK)
	wantStatus(t, b.get("/healthz", false), http.StatusNotFound)
	wantStatus(t, b.get(prefix+"x/", false), http.StatusNotFound)
	wantStatus(t, b.get(prefix+"/auth/verify", false), http.StatusUnauthorized)
}

// gatewayCallBudget is TestStytchCallBudget's part for gateways: inside the JWT's life, no
// Stytch call per verify and none per proxied request.
func gatewayCallBudget(t *testing.T, e *env) {
	t.Helper()
	b := e.browser()
	b.signIn("grace@acme.test", "Grace Co", "", 0)
	wantCalls(t, e, "100 verifies inside the JWT's life", nil, func() {
		for range 100 {
			wantStatus(t, b.verify("", nil), http.StatusOK)
		}
	})
	up := newEchoUpstream(t)
	pe := proxyEnv(t, up)
	pb := pe.browser()
	wantRedirect(t, pb.signInPrefixed(pe.URL+prefix+"/", "grace@acme.test", "Grace Co"), prefix+"/dashboard")
	wantCalls(t, pe, "100 proxied requests inside the JWT's life", nil, func() {
		for range 100 {
			pb.upstream("/app/reports", nil)
		}
	})
}

// TestProxyPassesWebSockets: a streamed answer arrives as written, past the server's write
// timeout; an Upgrade request of a signed-in member reaches the upstream
// (with the identity headers) and the connection is handed over both ways; signed out, the
// upgrade is refused before the upstream.
func TestProxyPassesWebSockets(t *testing.T) {
	t.Parallel()
	ws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stream" { // a long answer, written as it comes (server-sent events, say)
			fmt.Fprint(w, "one\n")
			w.(http.Flusher).Flush()
			time.Sleep(600 * time.Millisecond)
			fmt.Fprint(w, "two\n")
			return
		}
		if r.Header.Get("Upgrade") != "websocket" {
			http.Error(w, "upgrade expected", http.StatusBadRequest)
			return
		}
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n%s\n", r.Header.Get(gateway.HeaderEmail))
		rw.Flush()
		line, _ := rw.ReadString('\n')
		fmt.Fprintf(rw, "echo %s", line)
		rw.Flush()
	}))
	t.Cleanup(ws.Close)
	target, _ := url.Parse(ws.URL)
	e := newEnv(t, func(d *handlers.Deps) {
		d.Prefix, d.Upstream = prefix, gateway.NewProxy(target, gateway.ProxyOptions{})
	})
	b := e.browser()
	wantRedirect(t, b.signInPrefixed(e.URL+prefix+"/", "ada@acme.test", "Acme"), prefix+"/dashboard")

	// Served as cmd/web serves it, with (here very short) read and write timeouts: they must
	// not end a WebSocket.
	srv := httptest.NewUnstartedServer(e.Handler())
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	cookie := b.Cookie("session")
	fmt.Fprintf(conn, "GET /live HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nCookie: session=%s\r\n\r\n", srv.Listener.Addr(), cookie.Value)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v, %v", resp, err)
	}
	if who, _ := br.ReadString('\n'); who != "ada@acme.test\n" {
		t.Fatalf("the upstream saw %q", who)
	}
	time.Sleep(600 * time.Millisecond) // past both timeouts
	fmt.Fprint(conn, "ping\n")
	if got, _ := br.ReadString('\n'); got != "echo ping\n" {
		t.Fatalf("after the upgrade: %q", got)
	}

	// A response streamed for longer than the write timeout arrives whole, as written.
	stream, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/stream", nil)
	stream.AddCookie(cookie)
	resp, err = http.DefaultClient.Do(stream)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if body, err := io.ReadAll(resp.Body); err != nil || string(body) != "one\ntwo\n" {
		t.Fatalf("streamed answer %q, %v", body, err)
	}

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.URL+"/live", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	wantStatus(t, e.browser().do(req), http.StatusFound) // signed out: to sign in, not upgraded
}
