package handlers

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// AccountManager is what Account needs of the Stytch adapter: the member's own factors, each
// call made with the member's session (the recovery-code reads take only the project's
// credentials at Stytch, so the signed-in guard is what protects them).
type AccountManager interface {
	MemberMFA(ctx context.Context, sessionToken string) (stytchb2b.MemberMFA, error)
	CreateTOTP(ctx context.Context, p stytchb2b.Proof, orgID, memberID string) (stytchb2b.TOTPSetup, error)
	AuthenticateTOTP(ctx context.Context, p stytchb2b.Proof, orgID, memberID, code string, enrolling bool) (stytchb2b.Session, error)
	SendSMS(ctx context.Context, p stytchb2b.Proof, orgID, memberID, phone string) error
	AuthenticateSMS(ctx context.Context, p stytchb2b.Proof, orgID, memberID, code string, enrolling bool) (stytchb2b.Session, error)
	DeleteTOTP(ctx context.Context, sessionToken, orgID, memberID string) error
	DeletePhone(ctx context.Context, sessionToken, orgID, memberID string) error
	RecoveryCodes(ctx context.Context, orgID, memberID string) ([]string, error)
	RotateRecoveryCodes(ctx context.Context, orgID, memberID string) ([]string, error)
}

// Account serves a member's own sign-in security: add or replace the authenticator app, set or
// change the phone, see or replace the recovery codes.
type Account struct {
	re     *responder
	state  sessionState
	stytch AccountManager
}

// NewAccount returns the account handlers.
func NewAccount(re *responder, state sessionState, st AccountManager) *Account {
	return &Account{re: re, state: state, stytch: st}
}

// accountStep is a factor being added on the account page, held server-side for the member
// who started it: an app's setup (secret, QR code, recovery codes), or a number to confirm.
type accountStep struct {
	MemberID  string               `json:"member_id"`
	OrgID     string               `json:"org_id"`
	Setup     *stytchb2b.TOTPSetup `json:"setup,omitempty"`
	PhoneSent string               `json:"phone_sent,omitempty"`
}

// step is the member's step in progress (empty if none, or another member's).
func (h *Account) step(ctx context.Context, m Member) accountStep {
	var st accountStep
	if !h.state.get(ctx, keyAccount, &st) || st.MemberID != m.MemberID || st.OrgID != m.Org.ID {
		return accountStep{MemberID: m.MemberID, OrgID: m.Org.ID}
	}
	return st
}

// proof is what the account's MFA calls present: the member's own session.
func (h *Account) proof(m Member) stytchb2b.Proof { return stytchb2b.Proof{SessionToken: m.Token} }

// AccountPage handles GET /account (signed in): the member's factors (one Stytch call).
func (h *Account) AccountPage(w http.ResponseWriter, r *http.Request, m Member) {
	h.render(w, r, http.StatusOK, m, nil, "", h.re.notice(r))
}

// render shows the page with status; errs (by form: totp, phone, sms) and phone (as typed)
// come back from a refused form, on both paths the whole region.
func (h *Account) render(w http.ResponseWriter, r *http.Request, status int, m Member, errs map[string]string, phone string, n views.Notice) {
	f, err := h.stytch.MemberMFA(r.Context(), m.Token)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	st := h.step(r.Context(), m)
	d := views.AccountData{
		Email: m.Email, OrgName: m.Org.Name, Required: f.Enrolled || f.Policy == stytchb2b.PolicyRequiredAll, Policy: f.Policy,
		TOTP: f.TOTP, OfferTOTP: f.TOTP || slices.Contains(f.Methods, stytchb2b.MethodTOTP),
		PhoneVerified: f.PhoneVerified, OfferSMS: slices.Contains(f.Methods, stytchb2b.MethodSMS),
		PhoneNumber: phone, Errors: errs, Notice: n,
	}
	if f.Phone != "" {
		d.Phone = maskPhone(f.Phone)
	}
	if st.Setup != nil {
		d.Setup = &views.TOTPSetupData{QRCode: qrURL(st.Setup.QRCode), Secret: st.Setup.Secret}
	}
	if st.PhoneSent != "" {
		d.PhoneSent = maskPhone(st.PhoneSent)
	}
	for form, id := range map[string]string{"totp": "totp-code", "sms": "sms-code", "phone": "phone-number"} {
		if errs[form] != "" && (form != "totp" || d.Setup != nil) {
			d.Focus = id
		}
	}
	if d.Focus == "" && d.Setup != nil {
		d.Focus = "totp-code"
	} else if d.Focus == "" && d.PhoneSent != "" {
		d.Focus = "sms-code"
	}
	h.re.render(w, r, status, "Your sign-in security", views.AccountFragment(d))
}

// refused answers a failed Stytch call on a form: the sentence by the form (422), or fail.
func (h *Account) refused(w http.ResponseWriter, r *http.Request, m Member, form string, err error, wrong, phone string) {
	msg := mfaProblem(err)
	if errors.Is(err, stytchb2b.ErrCodeWrong) && wrong != "" {
		msg = wrong
	}
	if msg == "" {
		h.re.fail(w, r, err)
		return
	}
	h.re.log.Info("account change refused", "org", m.Org.ID, "form", form, "err", err)
	h.render(w, r, http.StatusUnprocessableEntity, m, map[string]string{form: msg}, phone, views.Notice{})
}

// TOTPSubmit handles POST /account/totp (signed in): set up an authenticator app, replacing
// the current one (Stytch keeps one per member, so the old one is removed first).
func (h *Account) TOTPSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	ctx := r.Context()
	err := h.stytch.DeleteTOTP(ctx, m.Token, m.Org.ID, m.MemberID)
	if err != nil && !errors.Is(err, stytchb2b.ErrNoTOTP) {
		h.refused(w, r, m, "totp", err, "", "")
		return
	}
	setup, err := h.stytch.CreateTOTP(ctx, h.proof(m), m.Org.ID, m.MemberID)
	if err != nil {
		h.refused(w, r, m, "totp", err, "", "")
		return
	}
	st := h.step(ctx, m)
	st.Setup = &setup
	h.state.put(ctx, keyAccount, st)
	redirect(w, r, "/account")
}

// TOTPConfirmSubmit handles POST /account/totp/confirm (signed in; code): the app's first code
// activates it; its recovery codes are shown once, then the account page again.
func (h *Account) TOTPConfirmSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	ctx := r.Context()
	st := h.step(ctx, m)
	code, problem, err := h.code(r, msgTOTPEmpty)
	switch {
	case err != nil:
		h.re.fail(w, r, err)
		return
	case st.Setup == nil:
		redirect(w, r, "/account")
		return
	case problem != "":
		h.render(w, r, http.StatusUnprocessableEntity, m, map[string]string{"totp": problem}, "", views.Notice{})
		return
	}
	s, err := h.stytch.AuthenticateTOTP(ctx, h.proof(m), m.Org.ID, m.MemberID, code, true)
	if err != nil {
		h.refused(w, r, m, "totp", err, msgTOTPWrong, "")
		return
	}
	h.refreshed(ctx, m, s)
	codes := st.Setup.RecoveryCodes
	st.Setup = nil
	h.state.put(ctx, keyAccount, st)
	h.state.put(ctx, keyCodes, newCodes{Codes: codes, Next: "/account"})
	redirect(w, r, "/mfa/recovery-codes")
}

// PhoneSubmit handles POST /account/phone (signed in; phone_number): text a code to the
// number; a different number replaces the member's (Stytch changes one only once it is gone).
func (h *Account) PhoneSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	ctx := r.Context()
	raw, err := formValue(r, "phone_number")
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	phone, problem := parsePhone(raw)
	if problem != "" {
		h.render(w, r, http.StatusUnprocessableEntity, m, map[string]string{"phone": problem}, raw, views.Notice{})
		return
	}
	err = h.stytch.SendSMS(ctx, h.proof(m), m.Org.ID, m.MemberID, phone)
	if errors.Is(err, stytchb2b.ErrPhoneMismatch) { // the member has another number: replace it
		if err = h.stytch.DeletePhone(ctx, m.Token, m.Org.ID, m.MemberID); err == nil {
			err = h.stytch.SendSMS(ctx, h.proof(m), m.Org.ID, m.MemberID, phone)
		}
	}
	if err != nil {
		h.refused(w, r, m, "phone", err, "", raw)
		return
	}
	st := h.step(ctx, m)
	st.PhoneSent = phone
	h.state.put(ctx, keyAccount, st)
	redirect(w, r, "/account")
}

// PhoneConfirmSubmit handles POST /account/phone/confirm (signed in; code): the texted code
// confirms the number.
func (h *Account) PhoneConfirmSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	ctx := r.Context()
	st := h.step(ctx, m)
	code, problem, err := h.code(r, msgSMSEmpty)
	switch {
	case err != nil:
		h.re.fail(w, r, err)
		return
	case st.PhoneSent == "":
		redirect(w, r, "/account")
		return
	case problem != "":
		h.render(w, r, http.StatusUnprocessableEntity, m, map[string]string{"sms": problem}, "", views.Notice{})
		return
	}
	s, err := h.stytch.AuthenticateSMS(ctx, h.proof(m), m.Org.ID, m.MemberID, code, true)
	if err != nil {
		h.refused(w, r, m, "sms", err, msgSMSWrong, "")
		return
	}
	h.refreshed(ctx, m, s)
	st.PhoneSent = ""
	h.state.put(ctx, keyAccount, st)
	redirect(w, r, "/account?notice="+noticePhoneSaved)
}

// RecoveryCodesSubmit handles POST /account/recovery-codes (signed in): show the unused
// recovery codes once more.
func (h *Account) RecoveryCodesSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	codes, err := h.stytch.RecoveryCodes(r.Context(), m.Org.ID, m.MemberID)
	h.showCodes(w, r, m, codes, err)
}

// RotateSubmit handles POST /account/recovery-codes/rotate (signed in): new recovery codes;
// the old ones stop working.
func (h *Account) RotateSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	codes, err := h.stytch.RotateRecoveryCodes(r.Context(), m.Org.ID, m.MemberID)
	h.showCodes(w, r, m, codes, err)
}

// showCodes leads to the page that shows codes once, then back to the account page.
func (h *Account) showCodes(w http.ResponseWriter, r *http.Request, m Member, codes []string, err error) {
	if err == nil && len(codes) == 0 {
		err = stytchb2b.ErrNoTOTP
	}
	if err != nil {
		h.refused(w, r, m, "totp", err, "", "")
		return
	}
	h.state.put(r.Context(), keyCodes, newCodes{Codes: codes, Next: "/account"})
	redirect(w, r, "/mfa/recovery-codes")
}

// code reads the code field: the code, or the sentence saying what is wrong with it.
func (h *Account) code(r *http.Request, empty string) (code, problem string, err error) {
	raw, err := formValue(r, "code")
	if err != nil {
		return "", "", err
	}
	code, problem = parseOTP(raw, empty)
	return code, problem, nil
}

// refreshed keeps the JWT Stytch answered with (the session now lists the new factor).
func (h *Account) refreshed(ctx context.Context, m Member, s stytchb2b.Session) {
	if s.Token != m.Token || s.MemberID != m.MemberID {
		return // not this session: keep the one the guard knows
	}
	h.state.putMember(ctx, memberFrom(s, m.Email, m.Others))
}
