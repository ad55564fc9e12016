package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/orgpick/orgpick/store"
	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// Signing in with single sign-on (SAML or OIDC, through the organization's identity provider).
// Three ways in: "Sign in with SSO" on the email form (the address's domain looked up in the
// app's own index, no Stytch call), an organization that accepts only SSO reached from the
// chooser (its pending step, with the IST carried), and the organization's own sign-in page
// (org_page.go). Every start keeps a PKCE verifier server-side and sends the browser to
// Stytch's public start URL; the landing (GET /authenticate?stytch_token_type=sso) spends the
// token once, in the browser that started.

// SSOSignIn is what SSO needs of the Stytch adapter.
type SSOSignIn interface {
	AuthenticateSSO(ctx context.Context, l stytchb2b.SSOLanding) (stytchb2b.Session, stytchb2b.SSOIdentity, error)
	OrgPage(ctx context.Context, slug string) (stytchb2b.OrgFace, error)
	SendOrgLoginEmail(ctx context.Context, orgID, email, redirectURL string) error
	SendOrgLoginCode(ctx context.Context, orgID, email string) error
	AuthenticateOrgCode(ctx context.Context, orgID, email, code string) (stytchb2b.Session, error)
	SessionRevoker
}

// SSOIndex is the app's SSO domain index (the store): which organizations' admins named a
// domain, and their active connections.
type SSOIndex interface {
	SSOByDomain(ctx context.Context, domain string) ([]store.SSOConn, error)
	SSODomains(ctx context.Context, orgID string) ([]string, error)
	SetSSODomains(ctx context.Context, orgID string, domains []string) error
	SetSSOConnections(ctx context.Context, orgID string, conns []store.SSOConn) error
}

// Session keys of SSO (session.go lists the others).
const (
	keySSO       = "sso"        // a started SSO sign-in: connection, PKCE verifier, what it is for
	keySSOChoice = "sso_choice" // the connections an address's domain leads to, for the choice page
	keySSOTest   = "sso_test"   // what the IdP sent in an admin's test sign-in, shown once on /settings/sso
)

// ssoStart is a started SSO sign-in, kept server-side: the PKCE verifier proves the browser that
// comes back is the one that left.
type ssoStart struct {
	ConnectionID string    `json:"connection_id"`
	OrgID        string    `json:"org_id,omitempty"` // known for a step or a test; "" from the email form
	Verifier     string    `json:"verifier"`
	ExpiresAt    time.Time `json:"expires_at"`
	Step         bool      `json:"step,omitempty"` // the pending step of OrgID asked for SSO: its IST goes along
	Test         bool      `json:"test,omitempty"` // an admin's test sign-in (settings_sso.go)
	TestName     string    `json:"test_name,omitempty"`
}

// ssoChoice is the choice page's list: the address and where its domain leads.
type ssoChoice struct {
	Email     string          `json:"email"`
	Conns     []store.SSOConn `json:"conns"`
	ExpiresAt time.Time       `json:"expires_at"`
}

// ssoStartLife bounds how long a person may spend at the identity provider (and on the choice page).
const ssoStartLife = 10 * time.Minute

// SSO serves the SSO sign-in: the email form's SSO button, the choice page, the start and the
// landing.
type SSO struct {
	re         *responder
	state      sessionState
	stytch     SSOSignIn
	index      SSOIndex
	signer     *signer
	step       *MFA  // an organization's pending step that asked for SSO (primary_step.go)
	auth       *Auth // the email form, re-rendered with a problem
	oauth      OAuthConfig
	landingURL string
	now        func() time.Time
}

// NewSSO returns the SSO sign-in handlers.
func NewSSO(re *responder, state sessionState, st SSOSignIn, index SSOIndex, sign *signer, step *MFA, auth *Auth, oauth OAuthConfig, landingURL string, now func() time.Time) *SSO {
	return &SSO{re: re, state: state, stytch: st, index: index, signer: sign, step: step, auth: auth, oauth: oauth, landingURL: landingURL, now: now}
}

// LoginOr serves POST /login's "Sign in with SSO" button (method=sso) and hands every other
// submission of the email form to next.
func (h *SSO) LoginOr(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, err := formValue(r, views.FieldMethod)
		switch {
		case err != nil: // a body that doesn't parse: refused here, as next would (it can't read it again)
			h.re.fail(w, r, err)
		case m == views.MethodSSO:
			h.LoginSubmit(w, r)
		default:
			next(w, r)
		}
	}
}

// LoginSubmit handles POST /login with method=sso: the address's domain is looked up in the
// app's index (no Stytch call). One connection: straight to the identity provider; several:
// the choice page; none: the email form again, address kept, offering a link or a code.
func (h *SSO) LoginSubmit(w http.ResponseWriter, r *http.Request) {
	p := postForm{r: r}
	typed := p.value(views.FieldEmail)
	if p.err != nil {
		h.re.fail(w, r, p.err)
		return
	}
	email, problem := parseEmail(typed)
	if problem != "" {
		h.auth.refuseLogin(w, r, http.StatusUnprocessableEntity, views.LoginData{Email: typed, Error: problem})
		return
	}
	ctx := r.Context()
	h.state.setEmail(ctx, email) // kept for a link or a code instead
	_, domain, _ := strings.Cut(email, "@")
	conns, err := h.index.SSOByDomain(ctx, domain)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	switch len(conns) {
	case 0:
		h.re.log.Info("no sso for the address's domain")
		h.auth.refuseLogin(w, r, http.StatusUnprocessableEntity, views.LoginData{Email: email, Error: fmt.Sprintf(fmtNoSSO, domain)})
	case 1:
		h.start(w, r, ssoStart{ConnectionID: conns[0].ConnectionID, OrgID: conns[0].OrgID})
	default: // several connections, or a domain two organizations claim: the person chooses
		h.state.put(ctx, keySSOChoice, ssoChoice{Email: email, Conns: conns, ExpiresAt: h.now().Add(ssoStartLife)})
		redirect(w, r, "/sso")
	}
}

// choice returns the choice page's list, if one is open.
func (h *SSO) choice(ctx context.Context) (ssoChoice, bool) {
	var c ssoChoice
	return c, h.state.get(ctx, keySSOChoice, &c) && len(c.Conns) > 0 && h.now().Before(c.ExpiresAt)
}

// ChoicePage handles GET /sso: the connections the address's domain leads to, one form each.
func (h *SSO) ChoicePage(w http.ResponseWriter, r *http.Request) {
	c, ok := h.choice(r.Context())
	if !ok {
		redirect(w, r, "/")
		return
	}
	d := views.SSOChoiceData{Email: c.Email}
	for _, x := range c.Conns {
		d.Conns = append(d.Conns, views.SSOButton{ID: x.ConnectionID, Name: x.Name})
	}
	h.re.render(w, r, http.StatusOK, titleSSOChoice, views.SSOChoiceFragment(d))
}

// StartSubmit handles POST /sso/start (connection_id; organization_slug from an organization's
// own page): it starts the sign-in with a connection this browser was offered: on the choice
// page, by its pending step, or by that organization's page.
func (h *SSO) StartSubmit(w http.ResponseWriter, r *http.Request) {
	p := postForm{r: r}
	connID, slug := p.value(views.FieldConnectionID), p.value(views.FieldOrgSlug)
	if p.err != nil {
		h.re.fail(w, r, p.err)
		return
	}
	ctx := r.Context()
	if c, ok := h.choice(ctx); ok {
		if i := slices.IndexFunc(c.Conns, func(x store.SSOConn) bool { return x.ConnectionID == connID }); i >= 0 {
			h.start(w, r, ssoStart{ConnectionID: connID, OrgID: c.Conns[i].OrgID})
			return
		}
	}
	if s, ok := h.state.mfa(ctx); ok && s.PrimaryRequired != nil && slices.Contains(s.PrimaryRequired, authMethodSSO) &&
		slices.ContainsFunc(s.Org.SSO, func(x stytchb2b.SSOConn) bool { return x.ID == connID }) {
		h.start(w, r, ssoStart{ConnectionID: connID, OrgID: s.Org.ID, Step: true})
		return
	}
	if slug != "" && validSlug(slug) {
		face, err := h.stytch.OrgPage(ctx, slug)
		if err == nil && face.AcceptsSSO() && slices.ContainsFunc(face.SSO, func(x stytchb2b.SSOConn) bool { return x.ID == connID }) {
			h.start(w, r, ssoStart{ConnectionID: connID, OrgID: face.ID})
			return
		}
		if err != nil && !errors.Is(err, stytchb2b.ErrOrgNotFound) {
			h.re.fail(w, r, err)
			return
		}
	}
	h.re.fail(w, r, fmt.Errorf("sso start with connection %q: %w", shorten(connID), ErrSSONotOffered))
}

// start keeps st (with a fresh PKCE verifier; one SSO sign-in per browser at a time) and sends
// the browser to Stytch's start for its connection.
func (h *SSO) start(w http.ResponseWriter, r *http.Request, st ssoStart) {
	if h.oauth.PublicToken == "" {
		h.re.fail(w, r, ErrSSOUnavailable)
		return
	}
	startURL, verifier := stytchb2b.SSOStartURL(h.oauth.APIBase, h.oauth.PublicToken, st.ConnectionID, h.landingURL)
	st.Verifier, st.ExpiresAt = verifier, h.now().Add(ssoStartLife)
	h.state.put(r.Context(), keySSO, st)
	h.re.log.Info("sso sign-in started", "org", st.OrgID, "connection", st.ConnectionID, "step", st.Step, "test", st.Test)
	h.away(w, r, startURL)
}

// away sends the browser to Stytch's start (and on to the identity provider): HX-Redirect for
// htmx (which must leave the page rather than fetch another site into it); for a plain form a
// page that moves on by its Refresh header, not a 303: browsers check each redirect hop of a
// form's answer against the CSP's form-action, and every customer's IdP is another origin.
func (h *SSO) away(w http.ResponseWriter, r *http.Request, startURL string) {
	if isFragment(r) {
		w.Header().Set("HX-Redirect", startURL)
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Refresh", "0; url="+startURL)
	h.re.render(w, r, http.StatusOK, titleSSOLeaving, views.SSOLeavingFragment(startURL))
}

// startedSSO returns the started SSO sign-in, if any and still fresh. A landing forgets it
// only once Stytch proved its token (provedSSO), so a junk or foreign landing cancels nothing.
func (h *SSO) startedSSO(ctx context.Context) (ssoStart, bool) {
	var st ssoStart
	ok := h.state.get(ctx, keySSO, &st)
	return st, ok && h.now().Before(st.ExpiresAt)
}

// provedSSO forgets the started sign-in once Stytch accepted its token (a session, or a
// second step to take next): it served its one landing.
func (h *SSO) provedSSO(ctx context.Context, err error) {
	var step *stytchb2b.MFARequiredError
	if err == nil || errors.As(err, &step) {
		h.state.sm.Remove(ctx, keySSO)
	}
}

// LandingOr serves GET /authenticate?stytch_token_type=sso&token=… (the browser back from the
// identity provider) and hands every other landing to next.
func (h *SSO) LandingOr(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get(views.FieldTokenType) == tokenSSO {
			h.Landing(w, r, q.Get(views.FieldToken))
			return
		}
		next(w, r)
	}
}

// Landing spends the SSO token at once (it comes from a redirect this browser just started, not
// from an email a scanner can open) with the verifier kept at the start: the dashboard, the
// MFA step, the pending step's end, or a test sign-in's report.
func (h *SSO) Landing(w http.ResponseWriter, r *http.Request, token string) {
	ctx := r.Context()
	st, ok := h.startedSSO(ctx)
	switch {
	case !tokenPattern.MatchString(token):
		h.re.fail(w, r, fmt.Errorf("sso landing: malformed token: %w", stytchb2b.ErrSSOExpired))
		return
	case !ok:
		h.re.fail(w, r, ErrSSONotStarted)
		return
	case st.Test:
		h.finishTest(w, r, st, token)
		return
	case st.Step:
		h.finishStep(w, r, st, token)
		return
	}
	s, _, err := h.stytch.AuthenticateSSO(ctx, stytchb2b.SSOLanding{Token: token, Verifier: st.Verifier})
	h.provedSSO(ctx, err)
	if h.signer.needsMFA(w, r, err, afterStep{ListOrgs: true}) {
		return
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.state.sm.Remove(ctx, keySSOChoice)
	h.signer.metrics.SignInCompleted("sso")
	// The switcher's organizations come with the JWT's first refresh: signing in costs one call.
	h.signer.finish(w, r, memberFrom(s, "", nil))
}

// finishStep spends the token of the SSO sign-in the organization's pending step asked for,
// with the step's IST, so Stytch counts both sign-ins.
func (h *SSO) finishStep(w http.ResponseWriter, r *http.Request, st ssoStart, token string) {
	p, ok := h.step.pending(w, r)
	if !ok {
		return
	}
	if p.Org.ID != st.OrgID || p.PrimaryRequired == nil {
		h.re.fail(w, r, fmt.Errorf("sso landing for organization %s, step for %s: %w", st.OrgID, p.Org.ID, ErrSSONotStarted))
		return
	}
	s, _, err := h.stytch.AuthenticateSSO(r.Context(), stytchb2b.SSOLanding{Token: token, Verifier: st.Verifier, IST: p.IST})
	h.provedSSO(r.Context(), err)
	h.step.primaryDone(w, r, p, s, err) // primary_step.go
}

// finishTest spends the token of an admin's test sign-in and keeps what the identity provider
// sent for the setup page. The session it yields is revoked at once: the admin stays signed in
// as before. (A new person JIT-provisioned by the test stays a member, as with a real sign-in.)
func (h *SSO) finishTest(w http.ResponseWriter, r *http.Request, st ssoStart, token string) {
	ctx := r.Context()
	s, id, err := h.stytch.AuthenticateSSO(ctx, stytchb2b.SSOLanding{Token: token, Verifier: st.Verifier})
	h.provedSSO(ctx, err)
	res := views.SSOTestResult{Connection: st.TestName, Email: id.Email, Name: id.Name, Groups: id.Groups}
	var step *stytchb2b.MFARequiredError
	switch {
	case err == nil:
		res.OK = true
		if err := h.stytch.Revoke(ctx, s.Token); err != nil {
			h.re.log.Warn("revoke test sign-in session failed", "org", st.OrgID, "err", err)
		}
	case errors.As(err, &step): // the IdP signed them in; the organization's MFA would come next
		res.OK = true
	default:
		res.Problem = describe(err).msg
	}
	h.re.log.Info("sso test sign-in", "org", st.OrgID, "connection", st.ConnectionID, "ok", res.OK, "err", err)
	h.state.put(ctx, keySSOTest, res)
	redirect(w, r, "/settings/sso")
}

// ssoButtons are the SSO connections a pending step can start: the organization's active
// connections, default first, when it accepts SSO and the app can start it.
func ssoButtons(p MFAPending, oauth OAuthConfig) []views.SSOButton {
	if oauth.PublicToken == "" || !slices.Contains(p.PrimaryRequired, authMethodSSO) {
		return nil
	}
	return buttonsOf(p.Org.SSO)
}

func buttonsOf(conns []stytchb2b.SSOConn) []views.SSOButton {
	var out []views.SSOButton
	for _, c := range conns {
		out = append(out, views.SSOButton{ID: c.ID, Name: c.Name})
	}
	return out
}

// needsWords names the sign-in methods an organization demands, SSO by its connections'
// names ("Okta") when it has some.
func needsWords(o stytchb2b.Org) []string {
	var out []string
	for _, m := range o.PrimaryRequired {
		if m == authMethodSSO && len(o.SSO) > 0 {
			for _, c := range o.SSO {
				out = append(out, c.Name)
			}
			continue
		}
		out = append(out, primaryMethods([]string{m})...)
	}
	return out
}
