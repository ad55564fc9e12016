package handlers

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/orgpick/orgpick/views"
)

// Auth serves the email form, "check your inbox" and the magic-link landing.
type Auth struct {
	re         *responder
	state      sessionState
	stytch     Stytch
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

// notices are the fixed messages a redirect may ask the email form to show (?notice=…).
var notices = map[string]views.Notice{
	"signed-out":     {Kind: "info", Text: "You're signed out."},
	"choice-expired": {Kind: "error", Text: "Your sign-in expired before you chose an organization (it lasts 10 minutes). We kept your email: send yourself a new link."},
	"session-ended":  {Kind: "error", Text: "Your session has ended. Please sign in again."},
}

// LoginPage handles GET /: the email form. Signed-in people go to the dashboard.
func (h *Auth) LoginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.state.member(r.Context()); ok {
		redirect(w, r, "/dashboard")
		return
	}
	d := views.LoginData{Email: h.state.email(r.Context()), Notice: notices[r.URL.Query().Get("notice")]}
	h.renderLogin(w, r, http.StatusOK, d)
}

func (h *Auth) renderLogin(w http.ResponseWriter, r *http.Request, status int, d views.LoginData) {
	h.re.render(w, r, status, "Sign in", func(l views.LayoutData) templ.Component { return views.LoginPage(l, d) }, views.LoginFragment(d))
}

// LoginSubmit handles POST /login (also the resend button): it sends a discovery magic link.
func (h *Auth) LoginSubmit(w http.ResponseWriter, r *http.Request) {
	raw, err := formValue(r, "email")
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	email, problem := parseEmail(raw)
	if problem != "" {
		h.renderLogin(w, r, http.StatusUnprocessableEntity, views.LoginData{Email: raw, Error: problem})
		return
	}
	h.state.sm.Put(r.Context(), keyEmail, email) // remembered even if sending fails
	if wait, ok := h.byIP.Allow(clientIP(r)); !ok {
		h.re.fail(w, r, WaitError{wait})
		return
	}
	if wait, ok := h.byEmail.Allow(email); !ok {
		h.re.fail(w, r, WaitError{wait})
		return
	}
	if err := h.stytch.SendDiscoveryEmail(r.Context(), email, h.redirectTo); err != nil {
		h.byEmail.Undo(email) // nothing was sent: don't make them wait to retry
		if errors.Is(err, ErrEmailInvalid) {
			h.re.log.Info("email refused by stytch", "err", err)
			h.renderLogin(w, r, http.StatusUnprocessableEntity, views.LoginData{Email: email, Error: "We can't send email to this address. Please check it, or use another one."})
			return
		}
		h.re.fail(w, r, err)
		return
	}
	redirect(w, r, "/check-email")
}

// CheckEmailPage handles GET /check-email: where the link went, resend, another address.
func (h *Auth) CheckEmailPage(w http.ResponseWriter, r *http.Request) {
	email := h.state.email(r.Context())
	if email == "" {
		redirect(w, r, "/")
		return
	}
	d := views.CheckEmailData{Email: email, ResendIn: ceilSeconds(h.byEmail.Wait(email))}
	if h.mailboxURL != "" {
		d.MailboxURL = h.mailboxURL + "?to=" + url.QueryEscape(email)
	}
	h.re.render(w, r, http.StatusOK, "Check your inbox", func(l views.LayoutData) templ.Component { return views.CheckEmailPage(l, d) }, views.CheckEmailFragment(d))
}

// Magic-link token types this app accepts, and what a token looks like (URL-safe base64).
const (
	tokenDiscovery   = "discovery"
	tokenMultiTenant = "multi_tenant_magic_links"
)

var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_\-]{16,200}={0,2}$`)

// linkParams validates a magic link's token type and token.
func linkParams(tokenType, token string) error {
	if tokenType != tokenDiscovery && tokenType != tokenMultiTenant {
		return fmt.Errorf("%w: unsupported token type", ErrUnsupportedLink)
	}
	if !tokenPattern.MatchString(token) {
		return fmt.Errorf("%w: malformed token", ErrLinkNotFound)
	}
	return nil
}

// ErrUnsupportedLink is a link of a kind this app doesn't handle (SSO, OAuth, passwords).
var ErrUnsupportedLink = errors.New("unsupported magic link type")

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
		switch _, pending := h.state.pending(r.Context()); {
		case pending:
			redirect(w, r, "/orgs")
		default:
			redirect(w, r, "/") // the email form, or the dashboard for the signed-in
		}
		return
	}
	h.re.render(w, r, http.StatusOK, "Continue signing in", func(l views.LayoutData) templ.Component { return views.ContinuePage(l, d) }, views.ContinueFragment(d))
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
	http.SetCookie(w, &http.Cookie{
		Name: h.linkCookieName(), Value: value, Path: "/", MaxAge: int(maxAge / time.Second),
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
	tokenType, err1 := formValue(r, "stytch_token_type")
	token, err2 := formValue(r, "token")
	if err := errors.Join(err1, err2); err != nil {
		h.re.fail(w, r, err)
		return
	}
	if err := linkParams(tokenType, token); err != nil {
		h.re.fail(w, r, err)
		return
	}
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
		h.signer.signedIn(w, r, memberFrom(s, "", others))
		return
	}
	d, err := h.stytch.AuthenticateDiscoveryLink(ctx, token)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	p := Pending{IST: d.IST, Email: d.Email, Orgs: d.Orgs, ExpiresAt: h.now().Add(istLifetime)}
	if last, err := h.lastOrgs.LastOrg(ctx, d.Email); err == nil {
		p.Orgs, p.LastID = lastFirst(p.Orgs, last), last
	}
	if err := h.state.startDiscovery(ctx, p); err != nil {
		h.re.fail(w, r, err)
		return
	}
	redirect(w, r, "/orgs")
}

// parseEmail normalises an address and says in plain words what is wrong with it, if anything.
func parseEmail(raw string) (email, problem string) {
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return "", "Enter your email address."
	case len(s) > 254:
		return "", "That email address is too long (254 characters at most)."
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", "Enter an email address like name@company.com."
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(local) > 64 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") {
		return "", "Enter an email address like name@company.com."
	}
	return strings.ToLower(s), "" // Stytch compares addresses case-insensitively
}

// clientIP is the connecting address (the app trusts no forwarding headers).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}
