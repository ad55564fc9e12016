package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orgpick/orgpick/internal/metrics"
	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// LinkSender is what Auth needs of the Stytch adapter: the discovery methods (link, code,
// OAuth) and the organization login link.
type LinkSender interface {
	SendDiscoveryEmail(ctx context.Context, email, redirectURL string) error
	AuthenticateDiscoveryLink(ctx context.Context, token string) (stytchb2b.Discovery, error)
	SendDiscoveryCode(ctx context.Context, email string) error
	AuthenticateDiscoveryCode(ctx context.Context, email, code string) (stytchb2b.Discovery, error)
	AuthenticateDiscoveryOAuth(ctx context.Context, token, verifier string) (stytchb2b.Discovery, error)
	AuthenticateMagicLink(ctx context.Context, token string) (stytchb2b.Session, error)
	ListOrgs(ctx context.Context, sessionToken string) ([]stytchb2b.Org, error)
}

// Auth serves the email form, "check your inbox" and the magic-link landing.
type Auth struct {
	re         *responder
	state      sessionState
	stytch     LinkSender
	lastOrgs   LastOrgs
	signer     *signer
	byEmail    *Limiter
	byIP       *Limiter
	landingURL string // BASE_URL/authenticate: where magic links land
	mailboxURL string // the embedded emulator's inbox, "" with real Stytch
	oauth      OAuthConfig
	stepUp     OAuthStepUp
	guesses    guesses // wrong emailed codes, per browser and per address
	clientIP   func(*http.Request) string
	metrics    *metrics.Metrics
	now        func() time.Time
	linkCookie shortCookie // the opened link, waiting for its Continue button
}

// AuthOptions are the sign-in handlers' settings.
type AuthOptions struct {
	LandingURL string // BASE_URL/authenticate, where links land (https makes the link cookie Secure)
	MailboxURL string // the embedded emulator's inbox, "" with real Stytch
	OAuth      OAuthConfig
	StepUp     OAuthStepUp                // finishes an organization's own OAuth sign-in (MFA)
	Guesses    guesses                    // limits wrong emailed codes
	ClientIP   func(*http.Request) string // the address per-IP limits count
	Metrics    *metrics.Metrics
	Now        func() time.Time
}

// OAuthConfig says where "Continue with Google / Microsoft" start. Without a public token the
// buttons are not offered.
type OAuthConfig struct {
	APIBase     string // the Stytch API origin the browser is sent to
	PublicToken string // the project's public token (not a secret)
}

// OAuthStepUp finishes the OAuth sign-in an organization asked for (its pending step): the
// browser is back with the token of that organization's sign-in.
type OAuthStepUp interface {
	FinishOAuth(w http.ResponseWriter, r *http.Request, token, orgID, verifier string)
}

// NewAuth builds the sign-in handlers.
func NewAuth(re *responder, state sessionState, st LinkSender, lastOrgs LastOrgs, sign *signer, byEmail, byIP *Limiter, o AuthOptions) *Auth {
	return &Auth{
		re: re, state: state, stytch: st, lastOrgs: lastOrgs, signer: sign, byEmail: byEmail, byIP: byIP,
		landingURL: o.LandingURL, mailboxURL: o.MailboxURL, oauth: o.OAuth, stepUp: o.StepUp, guesses: o.Guesses, clientIP: o.ClientIP, metrics: o.Metrics, now: o.Now,
		linkCookie: shortCookie{base: "orgpick_link", secure: strings.HasPrefix(o.LandingURL, "https://")},
	}
}

// LoginPage handles GET /: the email form. Signed-in people go to the dashboard.
func (h *Auth) LoginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.state.member(r.Context()); ok {
		redirect(w, r, "/dashboard")
		return
	}
	h.renderLogin(w, r, http.StatusOK, views.LoginData{Email: h.state.email(r.Context()), Notice: h.re.notice(r)})
}

func (h *Auth) renderLogin(w http.ResponseWriter, r *http.Request, status int, d views.LoginData) {
	d.OAuth = h.providers()
	h.re.render(w, r, status, titleSignIn, views.LoginFragment(d))

}

// loginForm is POST /login: the email form, the resend button of "check your inbox" (intent
// resend) or "Create another organization" (intent new-org, signed in).
type loginForm struct {
	Typed   string // the address as typed, kept in the form on a refusal
	Email   string // normalised; "" when Problem says why not
	Problem string
	Intent  string // "", views.IntentResend or views.IntentNewOrg
	Code    bool   // "Email me a code instead" (method=code) rather than a link
}

// parseLogin reads the email form; an unknown method is a malformed request.
func parseLogin(r *http.Request) (loginForm, error) {
	p := postForm{r: r}
	f := loginForm{Typed: p.value(views.FieldEmail), Intent: p.value(views.FieldIntent)}
	method := p.value(views.FieldMethod)
	if p.err != nil {
		return f, p.err
	}
	switch method {
	case "", views.MethodLink:
	case views.MethodCode:
		f.Code = true
	default:
		return f, fmt.Errorf("sign-in method %q: %w", shorten(method), ErrBadRequest)
	}
	f.Email, f.Problem = parseEmail(f.Typed)
	return f, nil
}

// data is the email form again, with problem by the field.
func (f loginForm) data(problem string) views.LoginData {
	email := f.Email
	if email == "" {
		email = f.Typed
	}
	return views.LoginData{Email: email, Error: problem, NewOrg: f.Intent == views.IntentNewOrg}
}

// LoginSubmit handles POST /login (also the resend button and "Create another organization"):
// it sends a discovery magic link. Too soon after the last one, the form that was sent says
// why and when, with the address kept (429, the same with and without JavaScript).
func (h *Auth) LoginSubmit(w http.ResponseWriter, r *http.Request) {
	f, err := parseLogin(r)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	if f.Problem != "" {
		h.refuseLogin(w, r, http.StatusUnprocessableEntity, f.data(f.Problem))
		return
	}
	ctx, ip, email := r.Context(), h.clientIP(r), f.Email
	if err := h.byIP.Allow(ctx, ip); err != nil {
		h.limited(w, r, f, err, true)
		return
	}
	if err := h.byEmail.Allow(ctx, email); err != nil {
		h.byIP.Undo(ctx, ip) // refused before anything was sent: the address's limit, not this IP's
		h.limited(w, r, f, err, false)
		return
	}
	if err := h.send(ctx, email, f.Code); err != nil {
		h.byEmail.Undo(ctx, email) // nothing was sent: don't make them wait to retry
		h.byIP.Undo(ctx, ip)
		if errors.Is(err, stytchb2b.ErrEmailInvalid) {
			h.re.log.Info("email refused by stytch", "err", err)
			h.refuseLogin(w, r, http.StatusUnprocessableEntity, f.data(msgEmailRefused))
			return
		}
		if errors.Is(err, stytchb2b.ErrRateLimited) { // Stytch's own limit: the same answer as ours
			h.re.log.Warn("send refused by stytch's rate limit", "err", err)
			h.cooldown(w, r, f, views.Cooldown{Seconds: 60, Text: msgStytchBusy})
			return
		}
		h.state.setEmail(ctx, email) // kept for the retry
		h.re.fail(w, r, err)
		return
	}
	// The session (and its row) starts here, with something worth keeping: requests the app
	// refuses (invalid, rate-limited, cross-origin) write nothing.
	h.state.setSent(ctx, email, f.Code)
	h.metrics.SignInStarted(map[bool]string{false: "link", true: "code"}[f.Code])
	if f.Intent != views.IntentResend {
		h.state.setNewOrg(ctx, f.Intent == views.IntentNewOrg)
	}
	redirect(w, r, "/check-email")
}

// send emails a discovery link, or a code.
func (h *Auth) send(ctx context.Context, email string, code bool) error {
	if code {
		return h.stytch.SendDiscoveryCode(ctx, email)
	}
	return h.stytch.SendDiscoveryEmail(ctx, email, h.landingURL)
}

// limited answers a send a limit refused (a WaitError) with the cooldown in the form that was
// sent; any other error (the store failing) is a failure page.
func (h *Auth) limited(w http.ResponseWriter, r *http.Request, f loginForm, err error, byIP bool) {
	var wait WaitError
	if !errors.As(err, &wait) {
		h.re.fail(w, r, err)
		return
	}
	h.cooldown(w, r, f, sendCooldown(f.Email, wait.Wait, byIP))
}

// refuseLogin re-renders the email form with status. "Create another organization" sits in the
// header or the dashboard, so htmx puts its answer in #main instead.
func (h *Auth) refuseLogin(w http.ResponseWriter, r *http.Request, status int, d views.LoginData) {
	if d.NewOrg {
		retarget(w, r)
	}
	h.renderLogin(w, r, status, d)
}

// cooldown answers a send refused by a limit in the form that was sent: "check your inbox"
// for its resend button, the email form otherwise.
func (h *Auth) cooldown(w http.ResponseWriter, r *http.Request, f loginForm, c views.Cooldown) {
	h.re.log.Info("send refused by the rate limit", "path", r.URL.Path, "wait_s", c.Seconds)
	w.Header().Set("Retry-After", strconv.Itoa(c.Seconds))
	if f.Intent != views.IntentResend {
		d := f.data("")
		d.Cooldown = c
		h.refuseLogin(w, r, http.StatusTooManyRequests, d)
		return
	}
	d := h.checkEmailData(r.Context(), f.Email)
	d.Cooldown = c
	h.re.render(w, r, http.StatusTooManyRequests, titleCheckEmail, views.CheckEmailFragment(d))
}

// CheckEmailPage handles GET /check-email: where the link went, resend, another address.
func (h *Auth) CheckEmailPage(w http.ResponseWriter, r *http.Request) {
	email := h.state.email(r.Context())
	if email == "" {
		redirect(w, r, "/")
		return
	}
	h.renderCheckEmail(w, r, http.StatusOK, email, "")
}

// renderCheckEmail renders "check your inbox", with a problem next to the code field if any.
func (h *Auth) renderCheckEmail(w http.ResponseWriter, r *http.Request, status int, email, codeError string) {
	d := h.checkEmailData(r.Context(), email)
	d.CodeError = codeError
	h.re.render(w, r, status, titleCheckEmail, views.CheckEmailFragment(d))
}

func (h *Auth) checkEmailData(ctx context.Context, email string) views.CheckEmailData {
	d := views.CheckEmailData{Email: email, Code: h.state.sentCode(ctx), ResendIn: ceilSeconds(h.byEmail.Wait(ctx, email)), NewOrg: h.state.newOrg(ctx)}
	if h.mailboxURL != "" {
		d.MailboxURL = h.mailboxURL + "?to=" + url.QueryEscape(email)
	}
	return d
}
