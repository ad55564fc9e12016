package testkit

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"

	"github.com/orgpick/orgpick/assets"
	"github.com/orgpick/orgpick/emulator"
	"github.com/orgpick/orgpick/handlers"
	"github.com/orgpick/orgpick/store"
	"github.com/orgpick/orgpick/stytchb2b"
)

// The in-process app's emulator credentials.
const (
	AppProject = "project-test-11111111-1111-4111-8111-111111111111"
	AppSecret  = "secret-test-handlers"
)

// Clock is a settable clock shared by the app and the emulator.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the wall clock plus every Advance so far.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// App is the in-process app wired as in production: handlers.New on an httptest server, the
// real SDK → the emulator over HTTP, SQLite on disk. Send limits are off unless an option sets
// them.
type App struct {
	URL    string // the app
	EmuURL string // the emulator's API
	Emu    *emulator.Emulator
	API    *b2bstytchapi.API // the same SDK the app uses, for seeding
	Store  *store.Store
	Clock  *Clock
	Deps   handlers.Deps
	srv    *httptest.Server
	closes []func()
}

// NewApp starts the emulator and the app with its database in dir. Options can replace Deps
// fields (e.g. Stytch, limits) before the app starts.
func NewApp(ctx context.Context, dir string, opts ...func(*handlers.Deps)) (a *App, err error) {
	a = &App{Clock: &Clock{}}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	a.Emu, err = emulator.New(emulator.Config{ProjectID: AppProject, Secret: AppSecret, Now: time.Now, DisableEmailRateLimit: true})
	if err != nil {
		return nil, err
	}
	a.closes = append(a.closes, func() { a.Emu.Close() })
	emuSrv := httptest.NewServer(a.Emu.API())
	a.closes = append(a.closes, emuSrv.Close)
	a.EmuURL = emuSrv.URL
	if a.API, err = b2bstytchapi.NewClient(AppProject, AppSecret, b2bstytchapi.WithBaseURI(emuSrv.URL)); err != nil {
		return nil, err
	}
	if a.Store, err = store.Open(ctx, filepath.Join(dir, "app.db")); err != nil {
		return nil, err
	}
	a.closes = append(a.closes, func() { a.Store.Close() })
	static, err := assets.New()
	if err != nil {
		return nil, err
	}
	a.srv = httptest.NewUnstartedServer(nil)
	a.closes = append(a.closes, a.srv.Close)
	a.URL = "http://" + a.srv.Listener.Addr().String()
	a.Deps = handlers.Deps{
		Log:        slog.New(slog.DiscardHandler),
		Sessions:   sessionManager(a.Store),
		Stytch:     stytchb2b.New(a.API, 5*time.Second, 24*time.Hour),
		Store:      a.Store,
		Assets:     static,
		BaseURL:    a.URL,
		Dev:        a.Emu.Dev(),
		OAuth:      handlers.OAuthConfig{APIBase: emuSrv.URL, PublicToken: a.Emu.PublicToken()},
		Now:        a.Clock.Now,
		EmailRules: []handlers.Rule{},
		IPRules:    []handlers.Rule{},
	}
	for _, o := range opts {
		o(&a.Deps)
	}
	a.srv.Config.Handler = handlers.New(a.Deps)
	a.srv.Start()
	return a, nil
}

// sessionManager is the scs manager as cmd/web configures it for http.
func sessionManager(st *store.Store) *scs.SessionManager {
	sm := scs.New()
	sm.Store = st.NewSessionStore(0)
	sm.Codec = store.SessionCodec{}
	sm.Lifetime = 24 * time.Hour
	return sm
}

// Rewire changes the app's dependencies (before a journey starts).
func (a *App) Rewire(change func(*handlers.Deps)) {
	change(&a.Deps)
	a.srv.Config.Handler = handlers.New(a.Deps)
}

// Advance moves both clocks (the app's and the emulator's) forward.
func (a *App) Advance(d time.Duration) {
	a.Clock.mu.Lock()
	a.Clock.offset += d
	a.Clock.mu.Unlock()
	a.Emu.Advance(d)
}

// Browser is a fresh browser on the app.
func (a *App) Browser() *Browser { return NewBrowser(a.URL) }

// Seeder seeds through the app's emulator.
func (a *App) Seeder() *Seeder {
	return &Seeder{API: a.API, Mailbox: a.Emu, Redirect: a.URL + "/authenticate", Advance: func(_ context.Context, d time.Duration) error {
		a.Emu.Advance(d)
		return nil
	}}
}

// Close stops everything NewApp started, last started first.
func (a *App) Close() {
	for i := len(a.closes) - 1; i >= 0; i-- {
		a.closes[i]()
	}
	a.closes = nil
}

// Handler is the app's http.Handler, for benchmarks that skip the network.
func (a *App) Handler() http.Handler { return a.srv.Config.Handler }
