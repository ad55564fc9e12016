package handlers_test

import (
	"net/http"
	"net/url"
	"testing"
)

// The emulator's routes for the MFA calls the app makes.
const (
	callOrgUpdate   = "PUT /v1/b2b/organizations/{organization_id}"
	callSessionExch = "POST /v1/b2b/sessions/exchange"
	callTOTPCreate  = "POST /v1/b2b/totp"
	callTOTPAuth    = "POST /v1/b2b/totp/authenticate"
	callSMSSend     = "POST /v1/b2b/otps/sms/send"
	callSMSAuth     = "POST /v1/b2b/otps/sms/authenticate"
	callRecover     = "POST /v1/b2b/recovery_codes/recover"
)

// mfaCallBudget is TestStytchCallBudget's part for the second sign-in step: the Stytch calls
// of each MFA path, counted at the emulator. Showing the step costs none (it renders from the
// session); each code costs exactly the one call that checks it.
func mfaCallBudget(t *testing.T, e *env) {
	signIn := map[string]int{callSend: 1, callDiscoveryAuth: 1}
	admin, orgID := e.newAdmin("boss@vault.test", "Vault")
	e.invite(admin, "totp@vault.test")
	e.invite(admin, "sms@vault.test")
	wantCalls(t, e, "admin requires MFA", map[string]int{callSessionAuth: 1, callOrgUpdate: 1}, func() {
		wantRedirect(t, admin.post("/settings/mfa", url.Values{"mfa_policy": {"REQUIRED_FOR_ALL"}, "allow_totp": {"on"}, "allow_sms_otp": {"on"}}, false), "/settings?notice=mfa-saved")
	})

	// Authenticator app: enrol, then sign in with a code, then with a recovery code.
	b := e.browser()
	wantCalls(t, e, "pick an MFA org: the step starts", with(signIn, callISTExchange), func() { b.toMFA("totp@vault.test", orgID) })
	wantCalls(t, e, "100 views of the step", nil, func() {
		for i := range 100 {
			wantStatus(t, b.get("/mfa", i%2 == 1), http.StatusOK)
		}
	})
	wantCalls(t, e, "set up an app", map[string]int{callTOTPCreate: 1}, func() {
		wantRedirect(t, b.post("/mfa/totp/setup", nil, false), "/mfa")
	})
	s := secret(t, b.get("/mfa", false))
	wantCalls(t, e, "a malformed code", nil, func() {
		wantStatus(t, b.post("/mfa/totp", url.Values{"code": {"12ab56"}}, false), http.StatusUnprocessableEntity)
	})
	wantCalls(t, e, "a wrong code", map[string]int{callTOTPAuth: 1}, func() {
		wantStatus(t, b.post("/mfa/totp", url.Values{"code": {wrongCode(e.totp(s))}}, false), http.StatusUnprocessableEntity)
	})
	wantCalls(t, e, "confirm the app, save the codes, dashboard", map[string]int{callTOTPAuth: 1}, func() {
		wantRedirect(t, b.post("/mfa/totp", url.Values{"code": {e.totp(s)}}, false), "/mfa/recovery-codes")
		if codes := recoveryCodes(t, b.get("/mfa/recovery-codes", false)); len(codes) == 0 {
			t.Fatal("no recovery codes shown")
		}
		wantRedirect(t, b.post("/mfa/recovery-codes", nil, false), "/dashboard")
		wantStatus(t, b.get("/dashboard", false), http.StatusOK)
	})
	b.logout()
	wantCalls(t, e, "sign in again with the app", with(with(signIn, callISTExchange), callTOTPAuth), func() {
		b.toMFA("totp@vault.test", orgID)
		wantRedirect(t, b.post("/mfa/totp", url.Values{"code": {e.nextTOTP(s)}}, false), "/dashboard")
	})
	b.logout()

	// Texted codes: enrol a phone, then sign in (Stytch texts by itself), then "send again".
	p := e.browser()
	p.toMFA("sms@vault.test", orgID)
	wantCalls(t, e, "link a phone and text it", map[string]int{callSMSSend: 1}, func() {
		wantRedirect(t, p.post("/mfa/sms/send", url.Values{"phone_number": {"+15555550123"}}, false), "/mfa")
	})
	wantCalls(t, e, "confirm the phone: dashboard", map[string]int{callSMSAuth: 1}, func() {
		wantRedirect(t, p.post("/mfa/sms", url.Values{"code": {e.smsCode("+15555550123")}}, false), "/dashboard")
	})
	p.logout()
	wantCalls(t, e, "sign in again with a texted code", with(with(with(signIn, callISTExchange), callSMSSend), callSMSAuth), func() {
		p.toMFA("sms@vault.test", orgID)
		wantRedirect(t, p.post("/mfa/sms/send", nil, false), "/mfa") // "text me a new code"
		wantRedirect(t, p.post("/mfa/sms", url.Values{"code": {e.smsCode("+15555550123")}}, false), "/dashboard")
	})

	// Switching into the MFA org from another org's dashboard.
	admin.logout()
	admin.discover("boss@vault.test")
	admin.createOrg("Vault Annex")
	wantCalls(t, e, "switch into an MFA org, set up its app", map[string]int{callSessionExch: 1, callTOTPCreate: 1, callTOTPAuth: 1, callRevoke: 1}, func() {
		wantRedirect(t, admin.post("/orgs/switch", url.Values{"organization_id": {orgID}}, false), "/mfa")
		admin.enrolTOTP()
	})
}

// mfaRecoveryBudget: a recovery code costs one call.
func mfaRecoveryBudget(t *testing.T, e *env) {
	st := e.atMFAStep("keeper@keys.test", "Keys", "lost@keys.test")
	b, orgID := st.member, st.orgID
	_, codes := b.enrolTOTP()
	b.logout()
	b.toMFA("lost@keys.test", orgID)
	wantCalls(t, e, "sign in with a recovery code", map[string]int{callRecover: 1}, func() {
		wantRedirect(t, b.post("/mfa/recovery", url.Values{"recovery_code": {codes[0]}}, false), "/dashboard")
	})
}

// The account page's routes at the emulator.
const (
	callFactorDelete   = "DELETE /v1/b2b/organizations/{organization_id}/members/{first}/{second}" // an app or a phone
	callRecoveryGet    = "GET /v1/b2b/recovery_codes/{organization_id}/{member_id}"
	callRecoveryRotate = "POST /v1/b2b/recovery_codes/rotate"
)

// mfaAccountBudget: the account page reads the member's factors once per view; each change
// costs the calls that make it, plus one read of the session's factors (is a second factor
// proved recently enough to change them?).
func mfaAccountBudget(t *testing.T, e *env) {
	b, _ := e.newAdmin("self@own.test", "Own")
	wantCalls(t, e, "account page", map[string]int{callSessionAuth: 1, callSessionsGet: 1}, func() { wantStatus(t, b.get("/account", false), http.StatusOK) })
	wantCalls(t, e, "set up an app (any old one removed first)", map[string]int{callSessionAuth: 1, callFactorDelete: 1, callTOTPCreate: 1}, func() {
		wantRedirect(t, b.post("/account/totp", nil, false), "/account")
	})
	s := secret(t, b.get("/account", false))
	wantCalls(t, e, "confirm the app", map[string]int{callTOTPAuth: 1}, func() {
		wantRedirect(t, b.post("/account/totp/confirm", url.Values{"code": {e.totp(s)}}, false), "/mfa/recovery-codes")
	})
	wantCalls(t, e, "show the recovery codes", map[string]int{callSessionAuth: 1, callRecoveryGet: 1}, func() {
		wantRedirect(t, b.post("/account/recovery-codes", nil, false), "/mfa/recovery-codes")
	})
	wantCalls(t, e, "replace the recovery codes", map[string]int{callSessionAuth: 1, callRecoveryRotate: 1}, func() {
		wantRedirect(t, b.post("/account/recovery-codes/rotate", nil, false), "/mfa/recovery-codes")
	})
	wantCalls(t, e, "set a phone", map[string]int{callSessionAuth: 1, callSMSSend: 1, callSMSAuth: 1}, func() {
		wantRedirect(t, b.post("/account/phone", url.Values{"phone_number": {"+15555550177"}}, false), "/account")
		wantRedirect(t, b.post("/account/phone/confirm", url.Values{"code": {e.smsCode("+15555550177")}}, false), "/account?notice=phone-saved")
	})
	wantCalls(t, e, "change the phone", map[string]int{callSessionAuth: 1, callSMSSend: 2, callFactorDelete: 1}, func() {
		wantRedirect(t, b.post("/account/phone", url.Values{"phone_number": {"+15555550188"}}, false), "/account")
	})
}
