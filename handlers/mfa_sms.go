package handlers

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// Text messages (SMS): the phone number and its codes, on the second sign-in step and on the
// account page.

// SMSSendSubmit handles POST /mfa/sms/send (phone_number when setting up a phone): text a
// code to the member's number, or link the typed number and text it.
func (h *MFA) SMSSendSubmit(w http.ResponseWriter, r *http.Request) {
	p, ok := h.open(w, r)
	if !ok {
		return
	}
	sms := factorOf(stytchb2b.MethodSMS)
	form, errs, ok := h.re.readFactorForm(w, r, sms, views.FieldPhone)
	if !ok {
		return
	}
	phone := p.Phone
	if phone == "" && p.SMSTo != "" {
		phone = p.SMSTo // sending again to the number typed earlier in this step
	}
	if phone == "" && p.Enrolled() {
		redirect(w, r, "/mfa") // a member with a factor proves it here, never adds a number
		return
	}
	if phone == "" && errs != nil {
		h.render(w, r, http.StatusUnprocessableEntity, p, refusal{method: sms.method, errors: errs, typed: form.Typed})
		return
	}
	if phone == "" {
		phone = form.Phone
	}
	ctx, who := r.Context(), whoKey(p.Org.ID, p.MemberID)
	if !h.re.textAllowed(w, r, h.limits.texts, textTo{phone: phone, who: who, back: "/mfa", backLabel: msgBackToStep}) {
		return
	}
	err := h.stytch.SendSMS(ctx, p.factor(), phone)
	if err != nil {
		h.limits.texts.undo(ctx, phone, who)
	}
	if h.refused(w, r, p, formField{f: sms, name: views.FieldPhone, typed: form.Typed}, err) {
		return
	}
	p.SMSTo = phone
	h.state.putMFA(r.Context(), p)
	redirect(w, r, "/mfa")
}

// SMSSubmit handles POST /mfa/sms (code): the texted code ends the step (and confirms a new number).
func (h *MFA) SMSSubmit(w http.ResponseWriter, r *http.Request) {
	h.codeSubmit(w, r, factorOf(stytchb2b.MethodSMS))
}

// verifySMS spends a texted code (the first one to a new number confirms it).
func (h *MFA) verifySMS(ctx context.Context, p MFAPending, code string) (stytchb2b.Session, []string, error) {
	s, err := h.stytch.AuthenticateSMS(ctx, stytchb2b.FactorCode{Factor: p.factor(), Code: code, Enrolling: !p.PhoneVerified})
	return s, nil, err
}

// PhoneSubmit handles POST /account/phone (signed in; phone_number): text a code to the
// number; a different number replaces the member's (Stytch changes one only once it is gone).
func (h *Account) PhoneSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	if !h.confirmed(w, r, m) { // a factor change needs a fresh second factor
		return
	}
	ctx := r.Context()
	sms := factorOf(stytchb2b.MethodSMS)
	form, errs, ok := h.re.readFactorForm(w, r, sms, views.FieldPhone)
	if !ok {
		return
	}
	if errs != nil {
		h.render(w, r, http.StatusUnprocessableEntity, m, refusal{method: sms.method, errors: errs, typed: form.Typed}, views.Notice{})
		return
	}
	who := whoKey(m.Org.ID, m.MemberID)
	if !h.re.textAllowed(w, r, h.limits.texts, textTo{phone: form.Phone, who: who, back: "/account", backLabel: msgBackToAccount}) {
		return
	}
	err := h.stytch.SendSMS(ctx, h.factor(m), form.Phone)
	if errors.Is(err, stytchb2b.ErrPhoneMismatch) { // the member has another number: replace it
		if err = h.stytch.DeletePhone(ctx, h.factor(m)); err == nil {
			err = h.stytch.SendSMS(ctx, h.factor(m), form.Phone)
		}
	}
	if err != nil {
		h.limits.texts.undo(ctx, form.Phone, who)
	}
	h.begin(w, r, m, formField{f: sms, name: views.FieldPhone, typed: form.Typed}, err, func(st *accountStep) { st.PhoneSent = form.Phone })
}

// PhoneConfirmSubmit handles POST /account/phone/confirm (signed in; code): the texted code
// confirms the number.
func (h *Account) PhoneConfirmSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	h.confirmSubmit(w, r, m, factorOf(stytchb2b.MethodSMS))
}

// confirmSMS spends the code texted to the new number.
func (h *Account) confirmSMS(ctx context.Context, m Member, st *accountStep, code string) (stytchb2b.Session, []string, error) {
	st.PhoneSent = "" // kept once the code is accepted
	s, err := h.stytch.AuthenticateSMS(ctx, stytchb2b.FactorCode{Factor: h.factor(m), Code: code, Enrolling: true})
	return s, nil, err
}

// smsStep: the texted code once one is on its way; else "text me a code" to the member's
// number, or (setting up) a number to text.
func smsStep(p MFAPending, mode views.MFAMode) (views.FactorForm, bool) {
	phone := p.Phone
	if p.SMSTo != "" {
		phone = p.SMSTo
	}
	f := views.FactorForm{Phone: maskPhone(phone), Sent: p.smsSent()}
	if mode == views.MFAEnrol {
		return f, p.Allows(stytchb2b.MethodSMS)
	}
	return f, (f.Sent || p.Phone != "") && p.Allows(stytchb2b.MethodSMS)
}

// smsFocus: the code field once a code is on its way, else the number when nothing comes first.
func smsFocus(f views.FactorForm) string {
	switch {
	case f.Sent:
		return "sms-code"
	case f.Mode == views.MFAEnrol && f.First:
		return "phone-number"
	}
	return ""
}

// smsAccount: the member's number, and one a code was texted to for confirming (the refused
// field takes the focus, else that code's).
func smsAccount(mf stytchb2b.MemberMFA, st accountStep, errs views.FieldErrors) (views.FactorForm, string) {
	f := views.FactorForm{Has: mf.Phone != "", Offered: slices.Contains(mf.Methods, stytchb2b.MethodSMS), Verified: mf.PhoneVerified}
	if mf.Phone != "" {
		f.Phone = maskPhone(mf.Phone)
	}
	if st.PhoneSent != "" {
		f.Phone, f.Sent = maskPhone(st.PhoneSent), true
	}
	switch {
	case errs[views.FieldPhone] != "":
		return f, "phone-number"
	case errs[views.FieldCode] != "" || f.Sent:
		return f, "sms-code"
	}
	return f, ""
}
