// Command web is orgpick: a sign-up and login front door on Stytch's B2B Discovery flow.
// Without Stytch credentials it runs an embedded Stytch emulator, so it works offline.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/orgpick/orgpick/internal/command"

	"github.com/alexedwards/scs/v2"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"

	"github.com/orgpick/orgpick/assets"
	"github.com/orgpick/orgpick/emulator"
	"github.com/orgpick/orgpick/handlers"
	"github.com/orgpick/orgpick/internal/clientip"
	"github.com/orgpick/orgpick/internal/gateway"
	"github.com/orgpick/orgpick/internal/metrics"
	"github.com/orgpick/orgpick/store"
	"github.com/orgpick/orgpick/stytchb2b"
)

const (
	sessionLifetime = 24 * time.Hour   // local session and Stytch session_duration_minutes
	stytchTimeout   = 10 * time.Second // deadline for every Stytch call
)

func main() {
	command.Main("orgpick", func(ctx context.Context) error { return run(ctx, os.Getenv, os.Stderr) })
}

// run wires config → logger → store → sessions → Stytch client → handlers → server, and
// serves until ctx is cancelled, then drains in-flight requests.
func run(ctx context.Context, getenv func(string) string, stderr io.Writer) error {
	if getenv("GOGC") == "" {
		// The live heap is ~5 MB, so the default (GC at 2× live) collects ~200 times a second
		// under load; 5× live costs ~10 MB more RSS and a fifth of a page view's CPU less.
		debug.SetGCPercent(400)
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	var logh slog.Handler = slog.NewTextHandler(stderr, nil)
	if cfg.LogFormat == "json" {
		logh = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(logh)
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
		log.Info("metrics listening", "addr", mln.Addr().String(), "path", "/metrics")
		go func() {
			if err := serve(ctx, metricsHandler(a.Metrics), mln, log); err != nil {
				log.Error("metrics listener stopped", "err", err)
			}
		}()
	}
	log.Info("orgpick listening", "addr", ln.Addr().String(), "url", cfg.BaseURL.String())
	return serve(ctx, a.Handler, ln, log)
}

// metricsHandler serves GET /metrics (Prometheus' text format) and nothing else.
func metricsHandler(m *metrics.Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return mux
}

// stytchEndpoints are the Stytch calls the metrics name (others count as "other").
var stytchEndpoints = append(metrics.DefaultStytchEndpoints(), "rbac.policy", "totp.create", "totp.authenticate",
	"otps.sms.send", "otps.sms.authenticate", "recovery_codes.recover", "recovery_codes.get", "recovery_codes.rotate",
	"organizations.members.update")

// app is the wired application: its handler and what must be closed after serving.
type app struct {
	Handler http.Handler
	Metrics *metrics.Metrics
	closers []func()
}

// Close releases everything newApp opened, last opened first. Closing twice does nothing more
// (pgxstore's StopCleanup, for one, blocks forever when called a second time).
func (a *app) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// newApp opens the store, the session manager and the Stytch client (starting the embedded
// emulator when no credentials are configured) and builds the handler.
func newApp(ctx context.Context, cfg Config, log *slog.Logger) (_ *app, err error) {
	a := &app{}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	st, err := store.Open(ctx, cfg.StoreTarget())
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() { st.Close() })
	cleanupCtx, stopCleanup := context.WithCancel(context.Background())
	a.closers = append(a.closers, stopCleanup)
	go st.CleanupEvery(cleanupCtx, 5*time.Minute, func(err error) { log.Warn("delete expired send limits failed", "err", err) })
	ips, err := clientip.New(cfg.Trusted)
	if err != nil {
		return nil, err
	}
	sessionStore := st.NewSessionStore(5 * time.Minute) // expired sessions are deleted every 5 minutes
	a.closers = append(a.closers, sessionStore.StopCleanup)
	sm := newSessionManager(cfg, sessionStore)

	projectID, secret := cfg.Credentials()
	stytchURL := cfg.StytchURL
	var dev http.Handler
	publicToken := cfg.PublicToken
	if cfg.Embedded() {
		emu, url, stopEmu, err := startEmulator(cfg, log)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, stopEmu)
		stytchURL, dev, publicToken = url, emu.Dev(), emu.PublicToken()
		log.Info("using the embedded Stytch emulator (no STYTCH_PROJECT_ID set)", "api", url, "mailbox", cfg.BaseURL.String()+cfg.Prefix+"/dev/mailbox")
	}
	a.Metrics = metrics.New(metrics.WithStytchEndpoints(stytchEndpoints...))
	sc, err := newStytch(ctx, stytchTarget{projectID, secret, stytchURL}, a.Metrics, log)
	if err != nil {
		return nil, err
	}
	static, err := assets.New()
	if err != nil {
		return nil, err
	}
	var upstream http.Handler
	if cfg.Upstream != nil {
		upstream = gateway.NewProxy(cfg.Upstream, gateway.ProxyOptions{Log: log.With("component", "proxy"), DropCookies: []string{sm.Cookie.Name}})
		log.Info("proxying every request outside AUTH_PREFIX", "upstream", cfg.Upstream.String(), "prefix", cfg.Prefix)
	}
	a.Handler = handlers.New(handlers.Deps{
		Log:      log,
		Sessions: sm,
		Stytch:   sc,
		Store:    st,
		Assets:   static,
		BaseURL:  cfg.BaseURL.String(),
		Dev:      dev,
		ClientIP: func(r *http.Request) string { return clientip.LimitKey(ips.ClientIP(r)) }, // IPv6 by /64
		Metrics:  a.Metrics,
		OAuth:    handlers.OAuthConfig{APIBase: stytchb2b.APIBase(projectID, stytchURL), PublicToken: publicToken},

		Prefix:      cfg.Prefix,
		ReturnHosts: cfg.ReturnHosts,
		Upstream:    upstream,
		Proxied:     ips.FromTrustedProxy,
	})
	return a, nil
}

// stytchTarget is the Stytch API the app talks to: real Stytch (baseURL "" for the SDK's
// default) or an emulator.
type stytchTarget struct{ projectID, secret, baseURL string }

// newStytch builds the Stytch adapter. The SDK fetches the JWKS now (bounded by the client
// timeout) and keeps refreshing it in the background for as long as ctx lives; the RBAC policy
// is fetched now too.
func newStytch(ctx context.Context, t stytchTarget, m *metrics.Metrics, log *slog.Logger) (*stytchb2b.Client, error) {
	sdkHTTP := &http.Client{Timeout: stytchTimeout, Transport: stytchb2b.Observed(nil, m.ObserveStytch)}
	opts := []b2bstytchapi.Option{b2bstytchapi.WithInitializationContext(ctx), b2bstytchapi.WithHTTPClient(sdkHTTP)}
	if t.baseURL != "" {
		opts = append(opts, b2bstytchapi.WithBaseURI(t.baseURL))
	}
	api, err := b2bstytchapi.NewClient(t.projectID, t.secret, opts...)
	if err != nil {
		return nil, fmt.Errorf("stytch client: %w", err)
	}
	sc := stytchb2b.New(api, stytchTimeout, sessionLifetime)
	if err := sc.WarmPolicy(ctx); err != nil { // not fatal: pages offer less until it loads
		log.Warn("fetch the RBAC policy failed; retried on use", "err", err)
	}
	return sc, nil
}

// newSessionManager configures the scs cookie: HttpOnly, SameSite=Lax, and Secure with the
// __Host- prefix when the app is served over https.
func newSessionManager(cfg Config, sessions scs.Store) *scs.SessionManager {
	sm := scs.New()
	sm.Store = sessions
	sm.Codec = store.SessionCodec{} // decodes without gob's per-request type tables; reads gob sessions too
	sm.Lifetime = sessionLifetime
	sm.Cookie.Name = "orgpick_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = true
	switch {
	case cfg.CookieDomain != "":
		// Shared with the parent domain's apps (orgpick on its own subdomain): __Host- forbids a
		// Domain, so the Secure cookie takes the __Secure- prefix instead.
		sm.Cookie.Domain = cfg.CookieDomain
		if cfg.SecureCookies() {
			sm.Cookie.Name = "__Secure-orgpick_session"
			sm.Cookie.Secure = true
		}
	case cfg.SecureCookies():
		sm.Cookie.Name = "__Host-orgpick_session" // Secure, Path=/, no Domain: pinned to this origin
		sm.Cookie.Secure = true
	}
	return sm
}

// serve runs the server on ln until ctx is cancelled, then stops accepting and drains
// in-flight requests (up to 20 s).
func serve(ctx context.Context, h http.Handler, ln net.Listener, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelError),
	}
	return command.Serve(ctx, srv, ln, 20*time.Second)
}

// startEmulator runs the embedded Stytch emulator on a loopback port, its state in a SQLite
// file next to the app's database.
func startEmulator(cfg Config, log *slog.Logger) (*emulator.Emulator, string, func(), error) {
	emu, err := emulator.New(emulator.Config{
		ProjectID:    emulatorProjectID,
		Secret:       emulatorSecret,
		DatabasePath: filepath.Join(filepath.Dir(cfg.DatabasePath), "stytch-emulator.db"),
		// Only this app's landing is a valid redirect, as in a Stytch project's settings.
		AllowedRedirectURLs: []string{cfg.BaseURL.String() + cfg.Prefix + "/authenticate"},
		Log:                 log.With("component", "emulator"),
	})
	if err != nil {
		return nil, "", nil, fmt.Errorf("embedded emulator: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		emu.Close()
		return nil, "", nil, fmt.Errorf("embedded emulator: listen: %w", err)
	}
	srv := &http.Server{Handler: emu.API(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		emu.Close()
	}
	return emu, "http://" + ln.Addr().String(), stop, nil
}
