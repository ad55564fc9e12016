package handlers_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/orgpick/orgpick/internal/testkit"
	"github.com/orgpick/orgpick/stytchb2b"
)

// mfaRecorder passes every call to the real client and remembers the secrets of the MFA paths:
// the org-bound ISTs of pending sign-ins and the sessions the second factor yields. It can
// also make the IST exchange demand another primary method (primary_required), which the
// emulator never does.
type mfaRecorder struct {
	wrapped
	mu      sync.Mutex
	ists    []string
	tokens  []string
	primary []string // non-nil: ExchangeIST answers primary_required with these methods
}

func (r *mfaRecorder) note(list *[]string, vals ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range vals {
		if v != "" {
			*list = append(*list, v)
		}
	}
}

func (r *mfaRecorder) step(err error) error {
	var req *stytchb2b.MFARequiredError
	if errors.As(err, &req) {
		r.note(&r.ists, req.Step.IST)
		if r.primary != nil {
			req.Step.PrimaryRequired = r.primary
		}
	}
	return err
}

func (r *mfaRecorder) ExchangeIST(ctx context.Context, ist, orgID string) (stytchb2b.Session, error) {
	s, err := r.Client.ExchangeIST(ctx, ist, orgID)
	return s, r.step(err)
}

func (r *mfaRecorder) ExchangeSession(ctx context.Context, token, orgID string) (stytchb2b.Session, error) {
	s, err := r.Client.ExchangeSession(ctx, token, orgID)
	return s, r.step(err)
}

func (r *mfaRecorder) AuthenticateTOTP(ctx context.Context, c stytchb2b.FactorCode) (stytchb2b.Session, error) {
	s, err := r.Client.AuthenticateTOTP(ctx, c)
	r.note(&r.tokens, s.Token, s.JWT)
	return s, err
}

func (r *mfaRecorder) AuthenticateSMS(ctx context.Context, c stytchb2b.FactorCode) (stytchb2b.Session, error) {
	s, err := r.Client.AuthenticateSMS(ctx, c)
	r.note(&r.tokens, s.Token, s.JWT)
	return s, err
}

func (r *mfaRecorder) Recover(ctx context.Context, c stytchb2b.FactorCode) (stytchb2b.Session, int, error) {
	s, n, err := r.Client.Recover(ctx, c)
	r.note(&r.tokens, s.Token, s.JWT)
	return s, n, err
}

func (r *mfaRecorder) secrets() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append(append([]string(nil), r.ists...), r.tokens...)
}

// The MFA step's IST and the sessions it yields never reach a page, a header, a cookie or the
// logs; neither do the authenticator secret and the recovery codes reach the logs or a cookie
// (the page shows them once, by design).
func TestMFASecretsStayServerSide(t *testing.T) {
	t.Parallel()
	var logs testkit.SyncBuffer
	var seen seenPages
	rec := &mfaRecorder{}
	e := newEnv(t, debugLog(&logs), wrapStytch(rec))
	keep := seen.keep
	st := e.atMFAStep("ada@acme.test", "Acme", "bob@acme.test")
	admin, b, orgID := st.admin, st.member, st.orgID
	keep(st.page)
	keep(b.post("/mfa/totp/setup", nil, true))
	page := keep(b.get("/mfa", true))
	s := secret(t, page)
	keep(b.post("/mfa/totp", url.Values{"code": {wrongCode(e.totp(s))}}, true))
	keep(b.post("/mfa/totp", url.Values{"code": {e.totp(s)}}, false))
	codes := recoveryCodes(t, keep(b.get("/mfa/recovery-codes", false)))
	keep(b.post("/mfa/recovery-codes", nil, true))
	keep(b.get("/dashboard", false))
	b.logout()
	keep(b.toMFA("bob@acme.test", orgID))
	keep(b.post("/mfa/recovery", url.Values{"recovery_code": {codes[0]}}, false))
	keep(b.get("/dashboard", false))
	keep(admin.post("/orgs/switch", url.Values{"organization_id": {"org-nope"}}, false))

	secrets := rec.secrets()
	if len(rec.ists) < 2 || len(rec.tokens) < 4 {
		t.Fatalf("recorded %d ISTs and %d session secrets", len(rec.ists), len(rec.tokens))
	}
	cookies := cookieValues(e, b)
	for _, v := range secrets {
		if strings.Contains(seen.String(), v) || strings.Contains(logs.String(), v) || strings.Contains(cookies, v) {
			t.Errorf("an MFA secret (%.8s…) reached the browser or the logs", v)
		}
	}
	for _, v := range append([]string{s}, codes...) {
		if strings.Contains(logs.String(), v) || strings.Contains(cookies, v) {
			t.Errorf("the authenticator secret or a recovery code (%.4s…) reached the logs or a cookie", v)
		}
	}
}

// cookieValues is every cookie the browser holds for the app.
func cookieValues(e *env, b *browser) string {
	u, _ := url.Parse(e.URL)
	var all strings.Builder
	for _, c := range b.Jar.Cookies(u) {
		all.WriteString(c.Name + "=" + c.Value + ";")
	}
	return all.String()
}

// An organization that demands another primary method first (Stytch's primary_required, here
// SSO or Google: the emulator has no SSO, so the adapter's answer is altered) gets a page with
// the method the app can start (Google) and naming the other, and no MFA form.
func TestMFAPrimaryRequired(t *testing.T) {
	t.Parallel()
	rec := &mfaRecorder{primary: []string{"sso", "google_oauth"}}
	e := newEnv(t, wrapStytch(rec))
	st := e.atMFAStep("ada@acme.test", "Acme", "bob@acme.test")
	b, page := st.member, st.page
	if !page.has(t, "primary-oauth-google") || page.has(t, "primary-oauth-microsoft") {
		t.Fatal("the step should offer Continue with Google only")
	}
	if got := page.testid(t, "primary-others"); !strings.Contains(got, "Single sign-on (SSO)") || strings.Contains(got, "Google") {
		t.Fatalf("other accepted methods %q", got)
	}
	for _, form := range []string{"totp-form", "totp-setup-form", "phone-form", "sms-form", "recovery-form"} {
		if page.has(t, form) {
			t.Fatalf("primary_required page offers %s", form)
		}
	}
	if got := page.testid(t, "mfa-back"); got != "Choose another organization" {
		t.Fatalf("way out %q", got)
	}
	wantRedirect(t, b.post("/mfa/totp/setup", nil, false), "/mfa") // no factor forms either
	wantStatus(t, b.get("/orgs", false), http.StatusOK)            // the discovery is still open
}

// Every MFA and account form refuses a cross-site POST before anything else happens.
func TestMFACrossSitePostsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st := e.atMFAStep("ada@acme.test", "Acme", "bob@acme.test")
	admin, b := st.admin, st.member
	before := e.emu.Calls()
	for _, path := range []string{
		"/mfa/totp/setup", "/mfa/totp", "/mfa/sms/send", "/mfa/sms", "/mfa/recovery", "/mfa/recovery-codes",
		"/account/totp", "/account/totp/confirm", "/account/phone", "/account/phone/confirm",
		"/account/recovery-codes", "/account/recovery-codes/rotate", "/settings/mfa",
	} {
		for _, who := range []*browser{admin, b} {
			req, _ := http.NewRequest(http.MethodPost, e.URL+path, strings.NewReader("code=123456&phone_number=%2B14155550100&mfa_policy=OPTIONAL"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			wantStatus(t, who.do(req), http.StatusForbidden)
		}
	}
	if got := callsSince(e.emu, before); len(got) != 0 {
		t.Fatalf("cross-site POSTs reached Stytch: %v", got)
	}
}
