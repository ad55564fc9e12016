package handlers

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// The authenticator app (TOTP): its forms on the second sign-in step and on the account page.

// TOTPSubmit handles POST /mfa/totp (code): a code from the authenticator app ends the step. A
// first code also confirms a new app, whose recovery codes are then shown once.
func (h *MFA) TOTPSubmit(w http.ResponseWriter, r *http.Request) {
	h.codeSubmit(w, r, factorOf(stytchb2b.MethodTOTP))
}

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
	setup, err := h.stytch.CreateTOTP(r.Context(), p.factor())
	if h.refused(w, r, p, formField{f: factorOf(stytchb2b.MethodTOTP), name: views.FieldCode}, err) {
		return
	}
	p.Setup = &setup
	h.state.putMFA(r.Context(), p)
	redirect(w, r, "/mfa")
}

// verifyTOTP spends an authenticator-app code; a first one confirms a new app, whose recovery
// codes are to be shown once.
func (h *MFA) verifyTOTP(ctx context.Context, p MFAPending, code string) (stytchb2b.Session, []string, error) {
	s, err := h.stytch.AuthenticateTOTP(ctx, stytchb2b.FactorCode{Factor: p.factor(), Code: code, Enrolling: p.Setup != nil})
	if err != nil || p.Setup == nil {
		return s, nil, err
	}
	return s, p.Setup.RecoveryCodes, nil
}

// TOTPSubmit handles POST /account/totp (signed in): set up an authenticator app, replacing
// the current one (Stytch keeps one per member, so the old one is removed first).
func (h *Account) TOTPSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	if !h.confirmed(w, r, m) { // a factor change needs a fresh second factor
		return
	}
	ctx := r.Context()
	err := h.stytch.DeleteTOTP(ctx, h.factor(m))
	if errors.Is(err, stytchb2b.ErrNoTOTP) {
		err = nil
	}
	var setup stytchb2b.TOTPSetup
	if err == nil {
		setup, err = h.stytch.CreateTOTP(ctx, h.factor(m))
	}
	h.begin(w, r, m, totpField(), err, func(st *accountStep) { st.Setup = &setup })
}

// TOTPConfirmSubmit handles POST /account/totp/confirm (signed in; code): the app's first code
// activates it; its recovery codes are shown once, then the account page again.
func (h *Account) TOTPConfirmSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	h.confirmSubmit(w, r, m, factorOf(stytchb2b.MethodTOTP))
}

// confirmTOTP spends the new app's first code; its recovery codes are to be shown once.
func (h *Account) confirmTOTP(ctx context.Context, m Member, st *accountStep, code string) (stytchb2b.Session, []string, error) {
	codes := st.Setup.RecoveryCodes
	st.Setup = nil // kept once the code is accepted
	s, err := h.stytch.AuthenticateTOTP(ctx, stytchb2b.FactorCode{Factor: h.factor(m), Code: code, Enrolling: true})
	return s, codes, err
}

// totpField is where a problem of the authenticator app stands: by its code field, or by its
// section when there is none.
func totpField() formField {
	return formField{f: factorOf(stytchb2b.MethodTOTP), name: views.FieldCode}
}

// totpStep: the app's code when the member has one (allowed here), else setting one up.
func totpStep(p MFAPending, mode views.MFAMode) (views.FactorForm, bool) {
	if mode == views.MFAEnrol {
		return views.FactorForm{Setup: setupView(p.Setup)}, p.Allows(stytchb2b.MethodTOTP)
	}
	return views.FactorForm{}, p.Has(stytchb2b.MethodTOTP) && p.Allows(stytchb2b.MethodTOTP)
}

// totpFocus: the code field, once there is one.
func totpFocus(f views.FactorForm) string {
	if f.Mode == views.MFAVerify || f.Setup != nil {
		return "totp-code"
	}
	return ""
}

// totpAccount: the app, and one being set up (whose code field takes the focus; a problem
// without it stands by the section).
func totpAccount(mf stytchb2b.MemberMFA, st accountStep, _ views.FieldErrors) (views.FactorForm, string) {
	f := views.FactorForm{Has: mf.TOTP, Offered: mf.TOTP || slices.Contains(mf.Methods, stytchb2b.MethodTOTP), Setup: setupView(st.Setup)}
	if f.Setup != nil {
		return f, "totp-code"
	}
	return f, ""
}

// setupView is what the page shows of an authenticator app being set up (nil: none).
func setupView(s *stytchb2b.TOTPSetup) *views.TOTPSetupData {
	if s == nil {
		return nil
	}
	return &views.TOTPSetupData{QRCode: qrURL(s.QRCode), Secret: s.Secret}
}

// qrURL passes on a QR code only as the PNG data URL Stytch sends (the page's CSP allows
// data: images); anything else shows no image, and the secret is still there to type.
func qrURL(qr string) string {
	if strings.HasPrefix(qr, "data:image/png;base64,") {
		return qr
	}
	return ""
}
