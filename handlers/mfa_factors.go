package handlers

import (
	"cmp"
	"context"
	"slices"

	"github.com/a-h/templ"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// methodRecovery stands for recovery codes in the table: not an MFA method of Stytch's (they
// stand in for the authenticator app), but a form of the step like one.
const methodRecovery = "recovery"

// factor is one MFA method as the app offers it: on the second sign-in step (/mfa) and on the
// account page (/account).
//
// Adding a method takes:
//   - its adapter calls (stytchb2b/mfa_calls.go, and MFAMethods / MFAStep.Has in stytchb2b/mfa.go),
//     added to factorCalls (mfa.go) for the pages to make them;
//   - its templ components: its form on the step page (views/mfa.templ) and its section on the
//     account page (views/account.templ);
//   - its handler file (like mfa_totp.go, mfa_sms.go): its submit handlers (a code form is a line
//     over MFA.codeSubmit / Account.confirmSubmit) with its routes, its verify / confirm calls, and
//     what its form and section show;
//   - one entry in factors below.
//
// Beyond that, only what the method keeps between requests (a field of MFAPending or
// accountStep, as SMSTo and Setup) and its own refusals (mfaProblem, errors.go) name it: the
// pages range over this table.
type factor struct {
	method string            // Stytch's name (stytchb2b.MethodTOTP, …), or methodRecovery
	form   string            // its form's name in logs
	field  string            // the field its code is typed in (views.FieldCode or views.FieldRecoveryCode)
	ids    map[string]string // the input id of each of its fields on the page
	parse  func(raw string) (code, problem string)
	wrong  string // the sentence for a code Stytch says is wrong ("" for mfaProblem's)

	// verify spends a code at the step: the session, and recovery codes to show once.
	verify func(h *MFA, ctx context.Context, p MFAPending, code string) (stytchb2b.Session, []string, error)
	// step is its form on the step page in mode (false: not offered there).
	step func(p MFAPending, mode views.MFAMode) (views.FactorForm, bool)
	// stepFocus is the id of the field its form takes the focus with when nothing was refused.
	stepFocus func(f views.FactorForm) string
	stepView  func(views.FactorForm) templ.Component

	// confirm spends a code on the account page (nil: none there), updating the member's step
	// (kept once Stytch accepts it): the session, and recovery codes to show once.
	confirm func(h *Account, ctx context.Context, m Member, st *accountStep, code string) (stytchb2b.Session, []string, error)
	// confirmed is the account page's notice once its code is accepted ("" for none).
	confirmed string
	// awaits reports whether the account page waits for a code of this factor.
	awaits func(st accountStep) bool
	// account is its section on the account page (nil: none), with errs the problems of its
	// refused form, and the id of the field it takes the focus with.
	account     func(f stytchb2b.MemberMFA, st accountStep, errs views.FieldErrors) (views.FactorForm, string)
	accountView func(views.FactorForm) templ.Component
}

// factors are the MFA methods, in the order the pages offer them.
var factors = []*factor{
	{
		method: stytchb2b.MethodTOTP, form: "totp", field: views.FieldCode, ids: map[string]string{views.FieldCode: "totp-code"},
		parse: otp(msgTOTPEmpty), wrong: msgTOTPWrong,
		verify: (*MFA).verifyTOTP, step: totpStep, stepFocus: totpFocus, stepView: views.TOTPForm,
		confirm: (*Account).confirmTOTP, awaits: func(st accountStep) bool { return st.Setup != nil },
		account: totpAccount, accountView: views.AccountTOTP,
	},
	{
		method: stytchb2b.MethodSMS, form: "sms", field: views.FieldCode,
		ids:   map[string]string{views.FieldCode: "sms-code", views.FieldPhone: "phone-number"},
		parse: otp(msgSMSEmpty), wrong: msgSMSWrong,
		verify: (*MFA).verifySMS, step: smsStep, stepFocus: smsFocus, stepView: views.SMSForm,
		confirm: (*Account).confirmSMS, confirmed: noticePhoneSaved, awaits: func(st accountStep) bool { return st.PhoneSent != "" },
		account: smsAccount, accountView: views.AccountSMS,
	},
	{
		method: methodRecovery, form: "recovery", field: views.FieldRecoveryCode, ids: map[string]string{views.FieldRecoveryCode: "recovery-code"},
		parse: parseRecoveryCode, wrong: msgRecoveryWrong,
		verify: (*MFA).verifyRecovery, step: recoveryStep, stepFocus: func(views.FactorForm) string { return "" }, stepView: views.RecoveryForm,
	},
}

// factorOf returns the table's entry for method.
func factorOf(method string) *factor {
	i := slices.IndexFunc(factors, func(f *factor) bool { return f.method == method })
	return factors[i]
}

// otp reads a 6-digit code; empty is the sentence for a missing or malformed one.
func otp(empty string) func(string) (string, string) {
	return func(raw string) (string, string) { return parseOTP(raw, empty) }
}

// refusal is a factor's form sent back to its page: whose form it was, its problems by field
// (a problem of the authenticator app without a field stands by views.FieldCode), and the phone
// number as typed.
type refusal struct {
	method string
	errors views.FieldErrors
	typed  string
}

// of is the refusal's problems if it is method's form's.
func (r refusal) of(method string) views.FieldErrors {
	if r.method != method {
		return nil
	}
	return r.errors
}

// field is the refused field of f's form ("" when the refusal isn't f's).
func (r refusal) field(f *factor) string {
	for field := range r.of(f.method) {
		return field
	}
	return ""
}

// shown is a factor's form or section as a page shows it, and the field it would take the
// focus with.
type shown struct {
	f     *factor
	form  views.FactorForm
	focus string
}

// focusOf is the id of the field that gets the focus: the refused form's, else the first that
// wants it.
func focusOf(ss []shown, refused string) string {
	for _, s := range ss {
		if refused == "" && s.focus != "" || refused != "" && s.f.method == refused {
			return s.focus
		}
	}
	return ""
}

// stepForms are the forms the step page offers in mode, in order (a code on its way first when
// verifying), each with the page's focus, and that focus.
func stepForms(p MFAPending, mode views.MFAMode, r refusal) ([]templ.Component, string) {
	var ss []shown
	for _, f := range factors {
		form, ok := f.step(p, mode)
		if !ok {
			continue
		}
		form.Mode, form.OrgName, form.Errors, form.Typed = mode, p.Org.Name, r.of(f.method), r.typed
		ss = append(ss, shown{f: f, form: form})
	}
	if settingUp := func(s shown) bool { return s.form.Setup != nil }; slices.ContainsFunc(ss, settingUp) {
		// An authenticator app being set up (its QR code shown) is the page's one task.
		ss = slices.DeleteFunc(ss, func(s shown) bool { return !settingUp(s) })
	}
	sentFirst := func(a, b shown) int { return cmp.Compare(btoi(b.form.Sent), btoi(a.form.Sent)) }
	if mode == views.MFAVerify {
		slices.SortStableFunc(ss, sentFirst)
	}
	for i := range ss {
		ss[i].form.First = i == 0
		ss[i].focus = ss[i].f.stepFocus(ss[i].form)
		if field := r.field(ss[i].f); field != "" {
			ss[i].focus = ss[i].f.ids[field]
		}
	}
	focus := focusOf(slices.SortedStableFunc(slices.Values(ss), sentFirst), r.method)
	out := make([]templ.Component, len(ss))
	for i, s := range ss {
		s.form.Focus = focus
		out[i] = s.f.stepView(s.form)
	}
	return out, focus
}

// btoi is 1 for true, for sorting by a flag.
func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// accountSections are the account page's sections, in order, each with the page's focus, and
// that focus.
func accountSections(mf stytchb2b.MemberMFA, st accountStep, orgName string, r refusal) ([]templ.Component, string) {
	var ss []shown
	for _, f := range factors {
		if f.account == nil {
			continue
		}
		form, focus := f.account(mf, st, r.of(f.method))
		form.OrgName, form.Errors, form.Typed = orgName, r.of(f.method), r.typed
		ss = append(ss, shown{f: f, form: form, focus: focus})
	}
	focus := focusOf(ss, r.method)
	out := make([]templ.Component, len(ss))
	for i, s := range ss {
		s.form.Focus = focus
		out[i] = s.f.accountView(s.form)
	}
	return out, focus
}
