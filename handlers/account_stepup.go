package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// Confirming it's you: a member who has a second factor proves one (an authenticator-app code,
// a texted code or a recovery code) before replacing or removing a factor, adding another, or
// reading or rotating recovery codes. A cookie alone, stolen for a minute, can then change
// nothing that would let its thief past the second step later. Stytch's session is the record:
// each proof adds its factor with last_authenticated_at, which MemberMFA reads.

// stepUpLife is how long a proof lets the member make changes.
const stepUpLife = 5 * time.Minute

// stale reports whether a change must wait for a proof: the member has a second factor (an
// app, or a confirmed number) and this session proved none in the last stepUpLife. A member
// with none adds a first one as before.
func (h *Account) stale(mf stytchb2b.MemberMFA) bool {
	has := mf.TOTP || mf.Phone != "" && mf.PhoneVerified
	return has && h.now().Sub(mf.ProvedAt) > stepUpLife
}

// confirmed lets a factor change through when the session proved a second factor recently;
// otherwise it sends the member to confirm it's them (or fails) and returns false.
func (h *Account) confirmed(w http.ResponseWriter, r *http.Request, m Member) bool {
	mf, err := h.stytch.MemberMFA(r.Context(), m.Token)
	if err != nil {
		h.re.fail(w, r, err)
		return false
	}
	if !h.stale(mf) {
		return true
	}
	h.re.log.Info("factor change waits for a second factor", "org", m.Org.ID, "path", r.URL.Path)
	redirect(w, r, "/account/confirm")
	return false
}

// ConfirmPage handles GET /account/confirm (signed in): the member's factors to prove one
// with; with nothing to confirm, back to the account page.
func (h *Account) ConfirmPage(w http.ResponseWriter, r *http.Request, m Member) {
	mf, err := h.stytch.MemberMFA(r.Context(), m.Token)
	switch {
	case err != nil:
		h.re.fail(w, r, err)
	case !h.stale(mf):
		redirect(w, r, "/account")
	default:
		h.renderConfirm(w, r, http.StatusOK, m, mf, refusal{})
	}
}

// renderConfirm shows "Confirm it's you" with status; rf is a refused form sent back.
func (h *Account) renderConfirm(w http.ResponseWriter, r *http.Request, status int, m Member, mf stytchb2b.MemberMFA, rf refusal) {
	d := views.StepUpData{
		OrgName: m.Org.Name, Minutes: int(stepUpLife / time.Minute), TOTP: mf.TOTP,
		Sent: h.step(r.Context(), m).ConfirmSent, Method: rf.method, Errors: rf.errors,
	}
	if mf.Phone != "" && mf.PhoneVerified {
		d.Phone = maskPhone(mf.Phone)
	}
	switch rf.method {
	case stytchb2b.MethodTOTP:
		d.Focus = "totp-code"
	case stytchb2b.MethodSMS:
		d.Focus = "sms-code"
	case methodRecovery:
		d.Focus = "recovery-code"
	}
	h.re.render(w, r, status, titleStepUp, views.StepUpFragment(d))
}

// ConfirmTOTPSubmit handles POST /account/confirm/totp (signed in; code).
func (h *Account) ConfirmTOTPSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	h.proveSubmit(w, r, m, factorOf(stytchb2b.MethodTOTP), func(ctx context.Context, fc stytchb2b.FactorCode) (stytchb2b.Session, error) {
		return h.stytch.AuthenticateTOTP(ctx, fc)
	})
}

// ConfirmSMSSubmit handles POST /account/confirm/sms (signed in; code): the code texted by
// ConfirmSendSubmit.
func (h *Account) ConfirmSMSSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	h.proveSubmit(w, r, m, factorOf(stytchb2b.MethodSMS), func(ctx context.Context, fc stytchb2b.FactorCode) (stytchb2b.Session, error) {
		return h.stytch.AuthenticateSMS(ctx, fc)
	})
}

// ConfirmRecoverySubmit handles POST /account/confirm/recovery (signed in; recovery_code):
// a recovery code proves the app's place (and is spent).
func (h *Account) ConfirmRecoverySubmit(w http.ResponseWriter, r *http.Request, m Member) {
	h.proveSubmit(w, r, m, factorOf(methodRecovery), func(ctx context.Context, fc stytchb2b.FactorCode) (stytchb2b.Session, error) {
		s, _, err := h.stytch.Recover(ctx, fc)
		return s, err
	})
}

// proveSubmit reads a code of factor f and has Stytch add it to the member's session (prove):
// the account page then lets changes through for stepUpLife. Wrong codes count towards the
// code limits; a refused code stays on the page by its field.
func (h *Account) proveSubmit(w http.ResponseWriter, r *http.Request, m Member, f *factor,
	prove func(context.Context, stytchb2b.FactorCode) (stytchb2b.Session, error)) {
	ctx := r.Context()
	mf, err := h.stytch.MemberMFA(ctx, m.Token)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	form, errs, ok := h.re.readFactorForm(w, r, f, f.field)
	if !ok {
		return
	}
	if errs != nil {
		h.renderConfirm(w, r, http.StatusUnprocessableEntity, m, mf, refusal{method: f.method, errors: errs})
		return
	}
	step, who := secretKey(m.Token), whoKey(m.Org.ID, m.MemberID)
	if wait := h.limits.guesses.wait(ctx, step, who); wait > 0 {
		h.re.waitPage(w, r, wait, titleTooManyCodes, msgWaitCodes, "/account/confirm", msgBackToAccount)
		return
	}
	s, err := prove(ctx, stytchb2b.FactorCode{Factor: h.factor(m), Code: form.Code})
	if err != nil {
		h.limits.guesses.counted(ctx, step, who, err)
		rf, ok := refuse(formField{f: f, name: f.field}, err)
		if !ok {
			h.re.fail(w, r, err)
			return
		}
		h.re.log.Info("confirmation refused", "org", m.Org.ID, "form", f.form, "err", err)
		h.renderConfirm(w, r, http.StatusUnprocessableEntity, m, mf, rf)
		return
	}
	h.refreshed(ctx, m, s)
	st := h.step(ctx, m)
	st.ConfirmSent = false
	h.state.put(ctx, keyAccount, st)
	h.re.log.Info("confirmed with a second factor", "org", m.Org.ID, "form", f.form)
	redirect(w, r, "/account?notice="+noticeConfirmed)
}

// ConfirmSendSubmit handles POST /account/confirm/sms/send (signed in): text a code to the
// member's confirmed number (within the text limits).
func (h *Account) ConfirmSendSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	ctx := r.Context()
	mf, err := h.stytch.MemberMFA(ctx, m.Token)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	if mf.Phone == "" || !mf.PhoneVerified {
		redirect(w, r, "/account/confirm")
		return
	}
	who := whoKey(m.Org.ID, m.MemberID)
	if !h.re.textAllowed(w, r, h.limits.texts, textTo{phone: mf.Phone, who: who, back: "/account/confirm", backLabel: msgBackToAccount}) {
		return
	}
	if err := h.stytch.SendSMS(ctx, h.factor(m), ""); err != nil {
		h.limits.texts.undo(ctx, mf.Phone, who)
		rf, ok := refuse(formField{f: factorOf(stytchb2b.MethodSMS), name: views.FieldPhone}, err)
		if !ok {
			h.re.fail(w, r, err)
			return
		}
		h.renderConfirm(w, r, http.StatusUnprocessableEntity, m, mf, rf)
		return
	}
	st := h.step(ctx, m)
	st.ConfirmSent = true
	h.state.put(ctx, keyAccount, st)
	redirect(w, r, "/account/confirm")
}
