package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// AccountManager is what Account needs of the Stytch adapter: the member's own factors, each
// call made with the member's session (the recovery-code reads take only the project's
// credentials at Stytch, so the signed-in guard is what protects them).
type AccountManager interface {
	MemberMFA(ctx context.Context, sessionToken string) (stytchb2b.MemberMFA, error)
	factorCalls
	DeleteTOTP(ctx context.Context, f stytchb2b.Factor) error
	DeletePhone(ctx context.Context, f stytchb2b.Factor) error
	RecoveryCodes(ctx context.Context, orgID, memberID string) ([]string, error)
	RotateRecoveryCodes(ctx context.Context, orgID, memberID string) ([]string, error)
	Recover(ctx context.Context, c stytchb2b.FactorCode) (stytchb2b.Session, int, error)
	SessionLister // where the member is signed in (account_sessions.go)
}

// Account serves a member's own sign-in security: add or replace the authenticator app, set or
// change the phone, see or replace the recovery codes.
type Account struct {
	re     *responder
	state  sessionState
	stytch AccountManager
	limits limits // wrong codes and texts while confirming it's the member
	now    func() time.Time
}

// NewAccount returns the account handlers.
func NewAccount(re *responder, state sessionState, st AccountManager, l limits, now func() time.Time) *Account {
	return &Account{re: re, state: state, stytch: st, limits: l, now: now}
}

// accountStep is a factor being added on the account page, held server-side for the member
// who started it: an app's setup (secret, QR code, recovery codes), or a number to confirm.
type accountStep struct {
	MemberID  string               `json:"member_id"`
	OrgID     string               `json:"org_id"`
	Setup     *stytchb2b.TOTPSetup `json:"setup,omitempty"`
	PhoneSent string               `json:"phone_sent,omitempty"`
	// ConfirmSent: a code was texted to the member's number to confirm it's them
	// (account_stepup.go).
	ConfirmSent bool `json:"confirm_sent,omitempty"`
}

// step is the member's step in progress (empty if none, or another member's).
func (h *Account) step(ctx context.Context, m Member) accountStep {
	var st accountStep
	if !h.state.get(ctx, keyAccount, &st) || st.MemberID != m.MemberID || st.OrgID != m.Org.ID {
		return accountStep{MemberID: m.MemberID, OrgID: m.Org.ID}
	}
	return st
}

// factor is whose factors the account's MFA calls are about, presenting the member's own
// session.
func (h *Account) factor(m Member) stytchb2b.Factor {
	return stytchb2b.Factor{Proof: stytchb2b.Proof{SessionToken: m.Token}, OrgID: m.Org.ID, MemberID: m.MemberID}
}

// AccountPage handles GET /account (signed in): the member's factors and sessions (two Stytch
// calls).
func (h *Account) AccountPage(w http.ResponseWriter, r *http.Request, m Member) {
	h.render(w, r, http.StatusOK, m, refusal{}, h.re.notice(r))
}

// render shows the page with status; rf is a refused form sent back, on both paths the whole
// region.
func (h *Account) render(w http.ResponseWriter, r *http.Request, status int, m Member, rf refusal, n views.Notice) {
	f, err := h.stytch.MemberMFA(r.Context(), m.Token)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	d := views.AccountData{
		Email: m.Email, OrgName: m.Org.Name, Required: f.Enrolled || f.Policy == stytchb2b.PolicyRequiredAll, Policy: f.Policy, Notice: n,
	}
	d.Sections, d.Focus = accountSections(f, h.step(r.Context(), m), m.Org.Name, rf)
	sessions, err := h.sessionsSection(r.Context(), m)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	d.Sections = append(d.Sections, sessions)
	h.re.render(w, r, status, titleAccount, views.AccountFragment(d))
}

// refused answers a failed Stytch call made from field: the sentence by the field (422), or
// fail.
func (h *Account) refused(w http.ResponseWriter, r *http.Request, m Member, field formField, err error) {
	rf, ok := refuse(field, err)
	if !ok {
		h.re.fail(w, r, err)
		return
	}
	h.re.log.Info("account change refused", "org", m.Org.ID, "form", field.f.form, "err", err)
	h.render(w, r, http.StatusUnprocessableEntity, m, rf, views.Notice{})
}

// begin ends a form that starts adding a factor (err: how Stytch answered it): a refusal stays
// on the page by field; else the member's step keeps what set puts in it, and the page shows it.
func (h *Account) begin(w http.ResponseWriter, r *http.Request, m Member, field formField, err error, set func(st *accountStep)) {
	if err != nil {
		h.refused(w, r, m, field, err)
		return
	}
	st := h.step(r.Context(), m)
	set(&st)
	h.state.put(r.Context(), keyAccount, st)
	redirect(w, r, "/account")
}

// confirmSubmit reads the code of factor f, when the page waits for one, and spends it
// (f.confirm): the member's session then lists the new factor, and the page says so (or shows
// the new recovery codes once).
func (h *Account) confirmSubmit(w http.ResponseWriter, r *http.Request, m Member, f *factor) {
	ctx := r.Context()
	st := h.step(ctx, m)
	form, errs, ok := h.re.readFactorForm(w, r, f, f.field)
	switch {
	case !ok:
		return
	case !f.awaits(st):
		redirect(w, r, "/account")
		return
	case errs != nil:
		h.render(w, r, http.StatusUnprocessableEntity, m, refusal{method: f.method, errors: errs}, views.Notice{})
		return
	}
	s, codes, err := f.confirm(h, ctx, m, &st, form.Code)
	if err != nil {
		h.refused(w, r, m, formField{f: f, name: f.field}, err)
		return
	}
	h.refreshed(ctx, m, s)
	h.state.put(ctx, keyAccount, st)
	next := "/account"
	if f.confirmed != "" {
		next += "?notice=" + f.confirmed
	}
	if len(codes) > 0 {
		h.state.putCodes(ctx, newCodes{Codes: codes, Next: "/account", MemberID: m.MemberID, OrgID: m.Org.ID})
		next = "/mfa/recovery-codes"
	}
	redirect(w, r, next)
}

// refreshed keeps the JWT Stytch answered with (the session now lists the new factor).
func (h *Account) refreshed(ctx context.Context, m Member, s stytchb2b.Session) {
	if s.Token != m.Token || s.MemberID != m.MemberID {
		return // not this session: keep the one the guard knows
	}
	h.state.putMember(ctx, memberFrom(s, m.Email, m.Others))
}
