// Package handlers is everything HTTP: the route table, middleware, rendering, error mapping,
// forms, and one handler type per concern (Auth, Orgs, Dashboard, Members, Settings).
package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/orgpick/orgpick/assets"
	"github.com/orgpick/orgpick/internal/metrics"
	"github.com/orgpick/orgpick/stytchb2b"
)

// Stytch is every call the handlers make to the Stytch adapter (stytchb2b.Client); each handler
// type depends only on its own part of it.
type Stytch interface {
	LinkSender
	SessionChecker
	OrgChooser
	SessionRevoker
	MemberAdmin
	SettingsAdmin
	MFAVerifier
	AccountManager
	SSOSignIn
	SSOAdmin
}

// Store is what the handlers need of the app's database.
type Store interface {
	LastOrgs
	LimitStore
	SSOIndex
	Ping(ctx context.Context) error
}

// Deps is what the handlers need; New wires them.
type Deps struct {
	Log      *slog.Logger
	Sessions *scs.SessionManager // in the app's database; New sets its ErrorFunc
	Stytch   Stytch
	Store    Store
	Assets   *assets.Assets
	BaseURL  string                     // public origin without trailing slash; magic links land on BASE_URL/authenticate
	Dev      http.Handler               // the embedded emulator's /dev/ routes (mailbox); nil with real Stytch
	OAuth    OAuthConfig                // "Continue with Google / Microsoft"; zero = not offered
	ClientIP func(*http.Request) string // the visitor's address for per-IP limits; nil = the peer's
	Metrics  *metrics.Metrics           // Prometheus counters; nil counts nothing
	Now      func() time.Time           // nil = time.Now
	// Putting orgpick in front of another app (forward_auth.go, prefix.go, return_to.go):
	Prefix      string                   // AUTH_PREFIX: orgpick's pages under this path of the origin ("" = at the root)
	ReturnHosts []string                 // ALLOWED_RETURN_HOSTS: hosts (host[:port]) a return_to may lead to besides BASE_URL's
	Upstream    http.Handler             // UPSTREAM_URL's reverse proxy: every request outside Prefix goes there; nil = none
	Proxied     func(*http.Request) bool // the peer is a TRUSTED_PROXIES proxy (its X-Forwarded-* are believed); nil = never
	// Send limits for discovery and invitation emails; nil = DefaultEmailRules / DefaultIPRules.
	EmailRules, IPRules []Rule
	// Limits on wrong codes (per step, per member) and texts (per number, per member); nil =
	// DefaultStepCodeRules, DefaultMemberCodeRules, DefaultPhoneTextRules, DefaultMemberTextRules.
	StepCodeRules, MemberCodeRules, PhoneTextRules, MemberTextRules []Rule
}

// Default send limits: one link per address every 30 s and 6 an hour; 10 a minute and 60 an hour per IP.
var (
	DefaultEmailRules = []Rule{{Window: 30 * time.Second, Max: 1}, {Window: time.Hour, Max: 6}}
	DefaultIPRules    = []Rule{{Window: time.Minute, Max: 10}, {Window: time.Hour, Max: 60}}
)

// app is every handler, built once from Deps; routes.go maps URLs to them.
type app struct {
	d         Deps
	re        *responder
	guard     *guard
	auth      *Auth
	orgs      *Orgs
	dashboard *Dashboard
	members   *Members
	settings  *Settings
	mfa       *MFA
	account   *Account
	sso       *SSO
	ssoSetup  *SSOSetup
	gate      *gate
	returns   *returns
}

// New builds the handlers from d and returns the app's http.Handler.
func New(d Deps) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.EmailRules == nil {
		d.EmailRules = DefaultEmailRules
	}
	if d.IPRules == nil {
		d.IPRules = DefaultIPRules
	}
	for _, r := range []struct {
		rules *[]Rule
		def   []Rule
	}{
		{&d.StepCodeRules, DefaultStepCodeRules}, {&d.MemberCodeRules, DefaultMemberCodeRules},
		{&d.PhoneTextRules, DefaultPhoneTextRules}, {&d.MemberTextRules, DefaultMemberTextRules},
	} {
		if *r.rules == nil {
			*r.rules = r.def
		}
	}
	if d.ClientIP == nil {
		d.ClientIP = peerIP
	}
	limiter := func(kind string, rules []Rule) *Limiter {
		return newLimiter(d.Store, kind, rules, d.Now, d.Log, d.Metrics)
	}
	codes := limits{
		guesses: guesses{byStep: limiter("code_step", d.StepCodeRules), byWho: limiter("code_member", d.MemberCodeRules)},
		texts:   texts{byPhone: limiter("text_phone", d.PhoneTextRules), byWho: limiter("text_member", d.MemberTextRules)},
	}
	if d.Proxied == nil {
		d.Proxied = func(*http.Request) bool { return false }
	}
	state := sessionState{sm: d.Sessions, log: d.Log}
	returns := newReturns(d.BaseURL, d.ReturnHosts, state)
	re := &responder{log: d.Log, state: state, css: d.Assets.URL("app.css"), js: d.Assets.URL("htmx-2.0.11.min.js"), appJS: d.Assets.URL("app.js"), icon: d.Assets.URL("favicon.svg")}
	d.Sessions.ErrorFunc = re.fail
	sign := &signer{re: re, state: state, lastOrgs: d.Store, revoker: d.Stytch, metrics: d.Metrics, now: d.Now, returns: returns}
	base := strings.TrimRight(d.BaseURL, "/") + d.Prefix // where orgpick's pages are
	landingURL := base + "/authenticate"                 // where discovery and invitation links land
	mailbox := ""
	if d.Dev != nil {
		mailbox = "/dev/mailbox"
	}
	mfa := NewMFA(re, state, d.Stytch, sign, d.OAuth, landingURL, codes, d.Now)
	a := &app{
		d:     d,
		re:    re,
		guard: &guard{re: re, state: state, stytch: d.Stytch, now: d.Now},
		auth: NewAuth(re, state, d.Stytch, d.Store, sign, limiter("email", d.EmailRules), limiter("ip", d.IPRules),
			AuthOptions{LandingURL: landingURL, MailboxURL: mailbox, OAuth: d.OAuth, StepUp: mfa, Guesses: codes.guesses, ClientIP: d.ClientIP, Metrics: d.Metrics, Now: d.Now}),
		orgs:      NewOrgs(re, state, d.Stytch, sign, d.Now),
		dashboard: NewDashboard(re, state, d.Stytch, d.Now),
		members:   NewMembers(re, d.Stytch, landingURL, limiter("invite_recipient", d.EmailRules), limiter("invite_sender", d.IPRules)),
		settings:  NewSettings(re, d.Stytch),
		mfa:       mfa,
		account:   NewAccount(re, state, d.Stytch, codes, d.Now),
		returns:   returns,
	}
	a.sso = NewSSO(re, state, d.Stytch, d.Store, sign, mfa, a.auth, d.OAuth, landingURL, d.Now)
	var local stytchb2b.LocalIdP
	if d.Dev != nil { // the embedded emulator: its test identity providers are at its API origin
		local = stytchb2b.EmulatorIdP(d.OAuth.APIBase)
	}
	a.ssoSetup = NewSSOSetup(re, state, d.Stytch, d.Store, a.sso, local)
	a.gate = &gate{re: re, guard: a.guard, returns: returns, signIn: base + "/", proxied: d.Proxied, session: func(r *http.Request) string {
		if c, err := r.Cookie(d.Sessions.Cookie.Name); err == nil {
			return c.Value
		}
		return ""
	}}
	return a.routes()
}

// health handles GET /healthz: 200 when the database answers, 503 when it doesn't.
func health(db Store, log *slog.Logger, m *metrics.Metrics) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := db.Ping(r.Context()); err != nil {
			m.StoreError("ping", err)
			log.Error("health check failed", "err", err)
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	}
}
