package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// TOTPSetupSubmit handles POST /mfa/totp/setup: start an authenticator-app registration (its
// QR code, secret and recovery codes stay server-side until the first code confirms it).
func (h *MFA) TOTPSetupSubmit(w http.ResponseWriter, r *http.Request) {
	p, ok := h.open(w, r)
	if !ok {
		return
	}
	if p.Enrolled() || !p.Allows(stytchb2b.MethodTOTP) {
		redirect(w, r, "/mfa") // nothing to set up here: the page shows what is
		return
	}
	setup, err := h.stytch.CreateTOTP(r.Context(), p.proof(), p.Org.ID, p.MemberID)
	if h.refused(w, r, p, mfaForm{}, "totp", err, "") {
		return
	}
	p.Setup = &setup
	h.state.putMFA(r.Context(), p)
	redirect(w, r, "/mfa")
}

// TOTPSubmit handles POST /mfa/totp (code): a code from the authenticator app ends the step. A
// first code also confirms a new app, whose recovery codes are then shown once.
func (h *MFA) TOTPSubmit(w http.ResponseWriter, r *http.Request) {
	p, ok := h.open(w, r)
	if !ok {
		return
	}
	code, ok := h.code(w, r, p, "totp", msgTOTPEmpty)
	if !ok {
		return
	}
	s, err := h.stytch.AuthenticateTOTP(r.Context(), p.proof(), p.Org.ID, p.MemberID, code, p.Setup != nil)
	if errors.Is(err, stytchb2b.ErrTOTPSetupExpired) {
		p.Setup = nil
		h.state.putMFA(r.Context(), p)
	}
	if h.refused(w, r, p, mfaForm{}, "totp", err, msgTOTPWrong) {
		return
	}
	var codes []string
	if p.Setup != nil {
		codes = p.Setup.RecoveryCodes
	}
	h.finish(w, r, p, s, codes)
}

// SMSSendSubmit handles POST /mfa/sms/send (phone_number when setting up a phone): text a
// code to the member's number, or link the typed number and text it.
func (h *MFA) SMSSendSubmit(w http.ResponseWriter, r *http.Request) {
	p, ok := h.open(w, r)
	if !ok {
		return
	}
	raw, err := formValue(r, "phone_number")
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	phone, f := p.Phone, mfaForm{phone: raw}
	if phone == "" && p.SMSTo != "" {
		phone = p.SMSTo // sending again to the number typed earlier in this step
	}
	if phone == "" {
		var problem string
		if phone, problem = parsePhone(raw); problem != "" {
			h.render(w, r, http.StatusUnprocessableEntity, p, f.with("phone", problem))
			return
		}
	}
	err = h.stytch.SendSMS(r.Context(), p.proof(), p.Org.ID, p.MemberID, phone)
	if h.refused(w, r, p, f, "phone", err, "") {
		return
	}
	p.SMSTo = phone
	h.state.putMFA(r.Context(), p)
	redirect(w, r, "/mfa")
}

// SMSSubmit handles POST /mfa/sms (code): the texted code ends the step (and confirms a new number).
func (h *MFA) SMSSubmit(w http.ResponseWriter, r *http.Request) {
	p, ok := h.open(w, r)
	if !ok {
		return
	}
	code, ok := h.code(w, r, p, "sms", msgSMSEmpty)
	if !ok {
		return
	}
	s, err := h.stytch.AuthenticateSMS(r.Context(), p.proof(), p.Org.ID, p.MemberID, code, !p.PhoneVerified)
	if h.refused(w, r, p, mfaForm{}, "sms", err, msgSMSWrong) {
		return
	}
	h.finish(w, r, p, s, nil)
}

// RecoverySubmit handles POST /mfa/recovery (recovery_code): a recovery code ends the step in
// place of the authenticator app; it works once.
func (h *MFA) RecoverySubmit(w http.ResponseWriter, r *http.Request) {
	p, ok := h.open(w, r)
	if !ok {
		return
	}
	raw, err := formValue(r, "recovery_code")
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	code, problem := parseRecoveryCode(raw)
	if problem != "" {
		h.render(w, r, http.StatusUnprocessableEntity, p, mfaForm{}.with("recovery", problem))
		return
	}
	s, remaining, err := h.stytch.Recover(r.Context(), p.proof(), p.Org.ID, p.MemberID, code)
	if h.refused(w, r, p, mfaForm{}, "recovery", err, msgRecoveryWrong) {
		return
	}
	h.re.log.Info("signed in with a recovery code", "org", p.Org.ID, "remaining", remaining)
	h.finish(w, r, p, s, nil)
}

// open is pending for the forms: a step that needs another primary method first takes none.
func (h *MFA) open(w http.ResponseWriter, r *http.Request) (MFAPending, bool) {
	p, ok := h.pending(w, r)
	if ok && p.PrimaryRequired != nil {
		redirect(w, r, "/mfa")
		return MFAPending{}, false
	}
	return p, ok
}

// code reads and checks the code field of form; a malformed one is answered here (422).
func (h *MFA) code(w http.ResponseWriter, r *http.Request, p MFAPending, form, empty string) (string, bool) {
	raw, err := formValue(r, "code")
	if err != nil {
		h.re.fail(w, r, err)
		return "", false
	}
	code, problem := parseOTP(raw, empty)
	if problem != "" {
		h.render(w, r, http.StatusUnprocessableEntity, p, mfaForm{}.with(form, problem))
		return "", false
	}
	return code, true
}

// refused answers a failed MFA call and reports whether it did: an expired step starts over;
// a wrong code (wrong, or mfaProblem's sentence) stays on the page with a 422 and the message
// by form's field; anything else fails.
func (h *MFA) refused(w http.ResponseWriter, r *http.Request, p MFAPending, f mfaForm, form string, err error, wrong string) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, stytchb2b.ErrChoiceExpired) {
		h.expired(w, r)
		return true
	}
	msg := mfaProblem(err)
	if errors.Is(err, stytchb2b.ErrCodeWrong) && wrong != "" {
		msg = wrong
	}
	if msg == "" {
		h.re.fail(w, r, err)
		return true
	}
	h.re.log.Info("second sign-in step refused", "org", p.Org.ID, "form", form, "err", err)
	h.render(w, r, http.StatusUnprocessableEntity, p, f.with(form, msg))
	return true
}

// finish signs the member in once Stytch accepted the second factor (signer.signedIn: the
// session it replaces is revoked). codes, the recovery codes of a new authenticator app, are
// kept server-side and shown once before the dashboard.
func (h *MFA) finish(w http.ResponseWriter, r *http.Request, p MFAPending, s stytchb2b.Session, codes []string) {
	ctx := r.Context()
	others := p.Others
	if p.ListOrgs {
		var err error
		if others, err = h.stytch.ListOrgs(ctx, s.Token); err != nil {
			h.re.log.Warn("list organizations failed", "org", s.Org.ID, "err", err) // the switcher can wait
		}
	}
	next := "/dashboard"
	if len(codes) > 0 {
		h.state.put(ctx, keyCodes, newCodes{Codes: codes, Next: next})
		next = "/mfa/recovery-codes"
	}
	h.signer.finishTo(w, r, memberFrom(s, p.Email, others), next)
}

// newCodes are recovery codes to show once (a new app's, or the account page's), and where
// "I saved them" leads.
type newCodes struct {
	Codes []string `json:"codes"`
	Next  string   `json:"next"` // /dashboard or /account
}

// codes returns the recovery codes waiting to be shown, if any.
func (s sessionState) codes(ctx context.Context) (newCodes, bool) {
	var c newCodes
	return c, s.get(ctx, keyCodes, &c) && len(c.Codes) > 0
}

// RecoveryCodesPage handles GET /mfa/recovery-codes (signed in): recovery codes to save,
// shown until the member says they are saved.
func (h *MFA) RecoveryCodesPage(w http.ResponseWriter, r *http.Request, m Member) {
	c, ok := h.state.codes(r.Context())
	if !ok {
		redirect(w, r, "/dashboard")
		return
	}
	h.re.render(w, r, http.StatusOK, "Save your recovery codes", views.RecoveryCodesFragment(views.RecoveryCodesData{
		Codes: c.Codes, Action: "/mfa/recovery-codes", Label: "I saved them",
	}))
}

// RecoveryCodesSubmit handles POST /mfa/recovery-codes (signed in): "I saved them". The codes
// are forgotten here (Stytch keeps them; the account page can show them again).
func (h *MFA) RecoveryCodesSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	next := "/dashboard"
	if c, ok := h.state.codes(r.Context()); ok && c.Next == "/account" {
		next = c.Next
	}
	h.state.sm.Remove(r.Context(), keyCodes)
	redirect(w, r, next)
}
