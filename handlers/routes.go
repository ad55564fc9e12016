// Package handlers is everything HTTP: routes, middleware, rendering, error mapping, and one
// handler type per concern (Auth, Orgs, Dashboard, Admin).
package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/orgpick/orgpick/assets"
)

// Deps is what the handlers need; Routes wires them.
type Deps struct {
	Log      *slog.Logger
	Sessions *scs.SessionManager // backed by SQLite; Routes sets its ErrorFunc
	Stytch   Stytch
	Store    interface {
		LastOrgs
		Ping(ctx context.Context) error
	}
	Assets  *assets.Assets
	BaseURL string           // public origin without trailing slash; magic links land on BASE_URL/authenticate
	Dev     http.Handler     // the embedded emulator's /dev/ routes (mailbox); nil with real Stytch
	Now     func() time.Time // nil = time.Now
	// Send limits for discovery emails; nil = DefaultEmailRules / DefaultIPRules.
	EmailRules, IPRules []Rule
}

// Default send limits: one link per address every 30 s and 6 an hour; 10 a minute and 60 an hour per IP.
var (
	DefaultEmailRules = []Rule{{Window: 30 * time.Second, Max: 1}, {Window: time.Hour, Max: 6}}
	DefaultIPRules    = []Rule{{Window: time.Minute, Max: 10}, {Window: time.Hour, Max: 60}}
)

// Routes lists every URL and wraps them in the middleware every response goes through.
func Routes(d Deps) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.EmailRules == nil {
		d.EmailRules = DefaultEmailRules
	}
	if d.IPRules == nil {
		d.IPRules = DefaultIPRules
	}
	re := &responder{log: d.Log, css: d.Assets.URL("app.css"), js: d.Assets.URL("htmx-2.0.11.min.js"), icon: d.Assets.URL("favicon.svg")}
	d.Sessions.ErrorFunc = re.fail
	state := sessionState{sm: d.Sessions}
	g := &guard{re: re, state: state, stytch: d.Stytch, now: d.Now}
	linkURL := strings.TrimRight(d.BaseURL, "/") + "/authenticate" // where discovery and invitation links land
	sign := &signer{re: re, state: state, lastOrgs: d.Store, now: d.Now}
	auth := &Auth{
		re: re, state: state, stytch: d.Stytch, lastOrgs: d.Store, signer: sign,
		byEmail: NewLimiter(d.Now, d.EmailRules...), byIP: NewLimiter(d.Now, d.IPRules...),
		redirectTo: linkURL, now: d.Now, secureCookies: strings.HasPrefix(d.BaseURL, "https://"),
	}
	if d.Dev != nil {
		auth.mailboxURL = "/dev/mailbox"
	}
	orgs := &Orgs{re: re, state: state, stytch: d.Stytch, guard: g, signer: sign, now: d.Now}
	dash := &Dashboard{re: re, state: state, stytch: d.Stytch, guard: g}
	admin := &Admin{
		re: re, stytch: d.Stytch, guard: g, redirectTo: linkURL,
		byRecipient: NewLimiter(d.Now, d.EmailRules...), bySender: NewLimiter(d.Now, d.IPRules...),
	}

	app := http.NewServeMux()
	app.HandleFunc("GET /{$}", auth.LoginPage)
	app.HandleFunc("POST /login", auth.LoginSubmit)
	app.HandleFunc("GET /check-email", auth.CheckEmailPage)
	app.HandleFunc("GET /authenticate", auth.AuthenticatePage)
	app.HandleFunc("POST /authenticate", auth.AuthenticateSubmit)
	app.HandleFunc("GET /orgs", orgs.ChooserPage)
	app.HandleFunc("POST /orgs/select", orgs.SelectSubmit)
	app.HandleFunc("POST /orgs/create", orgs.CreateSubmit)
	app.HandleFunc("POST /orgs/switch", orgs.SwitchSubmit)
	app.HandleFunc("GET /dashboard", dash.DashboardPage)
	app.HandleFunc("POST /logout", dash.LogoutSubmit)
	app.HandleFunc("GET /members", admin.MembersPage)
	app.HandleFunc("POST /members/invite", admin.InviteSubmit)
	app.HandleFunc("POST /members/resend", admin.ResendSubmit)
	app.HandleFunc("POST /members/revoke", admin.RevokeSubmit)
	app.HandleFunc("GET /settings", admin.SettingsPage)
	app.HandleFunc("POST /settings", admin.SettingsSubmit)
	app.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { re.fail(w, r, ErrNotFound) })

	// Static files, health and dev routes need no session: they skip the session store.
	root := http.NewServeMux()
	root.Handle("GET /assets/", d.Assets)
	root.Handle("GET /favicon.ico", http.RedirectHandler(d.Assets.URL("favicon.svg"), http.StatusMovedPermanently))
	root.HandleFunc("GET /healthz", health(d.Store, d.Log))
	if d.Dev != nil {
		root.Handle("/dev/", d.Dev)
	}
	root.Handle("/", d.Sessions.LoadAndSave(app))
	return re.recoverPanics(securityHeaders(re.crossOrigin(limitBodies(root))))
}

// health handles GET /healthz: 200 when the database answers, 503 when it doesn't.
func health(db interface {
	Ping(ctx context.Context) error
}, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := db.Ping(r.Context()); err != nil {
			log.Error("health check failed", "err", err)
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	}
}
