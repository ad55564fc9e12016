package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// LinkSender is what Auth needs of the Stytch adapter.
type LinkSender interface {
	SendDiscoveryEmail(ctx context.Context, email, redirectURL string) error
	AuthenticateDiscoveryLink(ctx context.Context, token string) (stytchb2b.Discovery, error)
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
	redirectTo string // BASE_URL/authenticate: where magic links land
	mailboxURL string // the embedded emulator's inbox, "" with real Stytch
	now        func() time.Time
	// secureCookies: the link cookie is Secure with the __Host- prefix (https BASE_URL).
	secureCookies bool
}

// NewAuth builds the sign-in handlers. linkURL is BASE_URL/authenticate, where magic links
// land (an https one makes the link cookie Secure); mailboxURL is the embedded emulator's
// inbox, "" with real Stytch.
func NewAuth(re *responder, state sessionState, st LinkSender, lastOrgs LastOrgs, sign *signer, byEmail, byIP *Limiter, linkURL, mailboxURL string, now func() time.Time) *Auth {
	return &Auth{
		re: re, state: state, stytch: st, lastOrgs: lastOrgs, signer: sign, byEmail: byEmail, byIP: byIP,
		redirectTo: linkURL, mailboxURL: mailboxURL, now: now, secureCookies: strings.HasPrefix(linkURL, "https://"),
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
	h.re.render(w, r, status, "Sign in", views.LoginFragment(d))
}

// Which form sent POST /login (its hidden intent field): the email form (""), the resend
// button of "check your inbox", or "Create another organization" (signed in).
const (
	intentResend = "resend"
	intentNewOrg = "new-org"
)

// LoginSubmit handles POST /login (also the resend button and "Create another organization"):
// it sends a discovery magic link. Too soon after the last one, the form that was sent says
// why and when, with the address kept (429, the same with and without JavaScript).
func (h *Auth) LoginSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r, "email", "intent")
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	raw, intent := v[0], v[1]
	email, problem := parseEmail(raw)
	if problem != "" {
		h.refuseLogin(w, r, http.StatusUnprocessableEntity, views.LoginData{Email: raw, Error: problem, NewOrg: intent == intentNewOrg})
		return
	}
	ip := clientIP(r)
	if wait, ok := h.byIP.Allow(ip); !ok {
		h.cooldown(w, r, email, intent, sendCooldown(email, wait, true))
		return
	}
	if wait, ok := h.byEmail.Allow(email); !ok {
		h.byIP.Undo(ip) // refused before anything was sent: the address's limit, not this IP's
		h.cooldown(w, r, email, intent, sendCooldown(email, wait, false))
		return
	}
	if err := h.stytch.SendDiscoveryEmail(r.Context(), email, h.redirectTo); err != nil {
		h.byEmail.Undo(email) // nothing was sent: don't make them wait to retry
		h.byIP.Undo(ip)
		if errors.Is(err, stytchb2b.ErrEmailInvalid) {
			h.re.log.Info("email refused by stytch", "err", err)
			h.refuseLogin(w, r, http.StatusUnprocessableEntity, views.LoginData{Email: email, Error: msgEmailRefused, NewOrg: intent == intentNewOrg})
			return
		}
		if errors.Is(err, stytchb2b.ErrRateLimited) { // Stytch's own limit: the same answer as ours
			h.re.log.Warn("send refused by stytch's rate limit", "err", err)
			h.cooldown(w, r, email, intent, views.Cooldown{Seconds: 60, Text: msgStytchBusy})
			return
		}
		h.state.setEmail(r.Context(), email) // kept for the retry
		h.re.fail(w, r, err)
		return
	}
	// The session (and its row) starts here, with something worth keeping: requests the app
	// refuses (invalid, rate-limited, cross-origin) write nothing.
	h.state.setEmail(r.Context(), email)
	if intent != intentResend {
		h.state.setNewOrg(r.Context(), intent == intentNewOrg)
	}
	redirect(w, r, "/check-email")
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
func (h *Auth) cooldown(w http.ResponseWriter, r *http.Request, email, intent string, c views.Cooldown) {
	h.re.log.Info("send refused by the rate limit", "path", r.URL.Path, "wait_s", c.Seconds)
	w.Header().Set("Retry-After", strconv.Itoa(c.Seconds))
	if intent != intentResend {
		h.refuseLogin(w, r, http.StatusTooManyRequests, views.LoginData{Email: email, Cooldown: c, NewOrg: intent == intentNewOrg})
		return
	}
	d := h.checkEmailData(r.Context(), email)
	d.Cooldown = c
	h.re.render(w, r, http.StatusTooManyRequests, "Check your inbox", views.CheckEmailFragment(d))
}

// CheckEmailPage handles GET /check-email: where the link went, resend, another address.
func (h *Auth) CheckEmailPage(w http.ResponseWriter, r *http.Request) {
	email := h.state.email(r.Context())
	if email == "" {
		redirect(w, r, "/")
		return
	}
	h.re.render(w, r, http.StatusOK, "Check your inbox", views.CheckEmailFragment(h.checkEmailData(r.Context(), email)))
}

func (h *Auth) checkEmailData(ctx context.Context, email string) views.CheckEmailData {
	d := views.CheckEmailData{Email: email, ResendIn: ceilSeconds(h.byEmail.Wait(email)), NewOrg: h.state.newOrg(ctx)}
	if h.mailboxURL != "" {
		d.MailboxURL = h.mailboxURL + "?to=" + url.QueryEscape(email)
	}
	return d
}

// AuthenticatePage handles GET /authenticate?stytch_token_type=…&token=…, where magic links
// land. It never spends the token (email scanners open links), and it changes nothing
// server-side: it moves the token into a short-lived HttpOnly cookie and answers 303 to the
// bare /authenticate, so the token leaves the address bar and the history. That page shows a
// button that POSTs the token. Without a link it sends the person where they belong.
func (h *Auth) AuthenticatePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Has("token") || q.Has("stytch_token_type") {
		d := views.ContinueData{TokenType: q.Get("stytch_token_type"), Token: q.Get("token")}
		if err := linkParams(d.TokenType, d.Token); err != nil {
			h.re.fail(w, r, err)
			return
		}
		h.setLinkCookie(w, d.TokenType+":"+d.Token, linkCookieLife)
		http.Redirect(w, r, "/authenticate", http.StatusSeeOther)
		return
	}
	d, ok := h.linkFromCookie(r)
	if !ok {
		if _, pending := h.state.pending(r.Context()); pending {
			redirect(w, r, "/orgs")
		} else {
			redirect(w, r, "/") // the email form, or the dashboard for the signed-in
		}
		return
	}
	title := "Continue signing in"
	if d.TokenType == tokenMultiTenant {
		title = "Accept your invitation"
	} else {
		d.Email = h.state.email(r.Context()) // the address this browser asked a link for
	}
	h.re.render(w, r, http.StatusOK, title, views.ContinueFragment(d))
}

// linkCookieLife bounds how long an opened link waits for its Continue button.
const linkCookieLife = 15 * time.Minute

func (h *Auth) linkCookieName() string {
	if h.secureCookies {
		return "__Host-orgpick_link"
	}
	return "orgpick_link"
}

// setLinkCookie stores (or, with maxAge < 0, deletes) the opened link.
func (h *Auth) setLinkCookie(w http.ResponseWriter, value string, maxAge time.Duration) {
	seconds := int(maxAge / time.Second)
	if maxAge < 0 {
		seconds = -1 // Max-Age=0 on the wire: the browser deletes it (0 here would mean "no Max-Age")
	}
	http.SetCookie(w, &http.Cookie{
		Name: h.linkCookieName(), Value: value, Path: "/", MaxAge: seconds,
		HttpOnly: true, Secure: h.secureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// linkFromCookie reads and re-validates the opened link.
func (h *Auth) linkFromCookie(r *http.Request) (views.ContinueData, bool) {
	c, err := r.Cookie(h.linkCookieName())
	if err != nil {
		return views.ContinueData{}, false
	}
	typ, token, _ := strings.Cut(c.Value, ":")
	if linkParams(typ, token) != nil {
		return views.ContinueData{}, false
	}
	return views.ContinueData{TokenType: typ, Token: token}, true
}

// AuthenticateSubmit handles POST /authenticate: it spends the token, keeps the IST and the
// discovered orgs server-side, and sends the browser on with 303 so no token stays in the URL.
func (h *Auth) AuthenticateSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r, "stytch_token_type", "token")
	if err == nil {
		err = linkParams(v[0], v[1])
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	tokenType, token := v[0], v[1]
	h.setLinkCookie(w, "", -1) // the link is spent now, whatever Stytch answers
	ctx := r.Context()
	if tokenType == tokenMultiTenant { // an invitation or organization login: straight into that org
		s, err := h.stytch.AuthenticateMagicLink(ctx, token)
		if err != nil {
			h.re.fail(w, r, err)
			return
		}
		others, err := h.stytch.ListOrgs(ctx, s.Token)
		if err != nil {
			h.re.log.Warn("list organizations failed", "org", s.Org.ID, "err", err) // the switcher can wait
		}
		h.re.confirm(ctx, "", "You accepted the invitation: you're now a member of "+s.Org.Name+".")
		h.signer.signedIn(w, r, memberFrom(s, "", others))
		return
	}
	d, err := h.stytch.AuthenticateDiscoveryLink(ctx, token)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	p := Pending{Discovery: d, ExpiresAt: h.now().Add(istLifetime)}
	if last, err := h.lastOrgs.LastOrg(ctx, d.Email); err == nil {
		p.Orgs, p.LastID = lastFirst(p.Orgs, last), last
	}
	replaced, err := h.state.startDiscovery(ctx, p)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.signer.retire(ctx, replaced) // a new sign-in ends the one it replaces
	redirect(w, r, "/orgs")
}
