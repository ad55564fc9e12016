package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// A member manages their own factors on /account: sets up an authenticator app (and so is
// asked for it at the next sign-in, even in an OPTIONAL organization), sees and replaces the
// recovery codes, sets and changes the phone, replaces the app.
func TestAccountFactors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, orgID := e.newAdmin("ada@acme.test", "Acme")
	wantRedirect(t, e.browser().get("/account", false), "/")
	page := b.get("/account", false)
	wantStatus(t, page, http.StatusOK)
	if page.testid(t, "account-totp") != "Not set up." || page.testid(t, "account-phone") != "No number set up." {
		t.Fatalf("new member's account page:\n%.3000s", page.body)
	}

	// An app: set up, a wrong then a right code, its recovery codes, back to the account page.
	wantHXLocation(t, b.post("/account/totp", nil, true), "/account")
	s := secret(t, b.get("/account", true))
	r := b.post("/account/totp/confirm", url.Values{"code": {wrongCode(e.totp(s))}}, true)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFragment(t, r, "account")
	wantFieldError(t, r, "totp-code", "isn't right")
	wantRedirect(t, b.post("/account/totp/confirm", url.Values{"code": {e.totp(s)}}, false), "/mfa/recovery-codes")
	codes := recoveryCodes(t, b.get("/mfa/recovery-codes", false))
	wantRedirect(t, b.post("/mfa/recovery-codes", nil, false), "/account")
	if got := b.get("/account", false).testid(t, "account-totp"); !strings.HasPrefix(got, "Set up.") {
		t.Fatalf("after setting up, the account page says %q", got)
	}

	// The next sign-in asks for it.
	b.logout()
	page = b.toMFA("ada@acme.test", orgID)
	if !page.has(t, "totp-form") {
		t.Fatalf("a member who set up an app should be asked for it:\n%.3000s", page.body)
	}
	wantRedirect(t, b.post("/mfa/totp", url.Values{"code": {e.nextTOTP(s)}}, false), "/dashboard")

	// Recovery codes: shown again, then replaced.
	wantRedirect(t, b.post("/account/recovery-codes", nil, false), "/mfa/recovery-codes")
	if again := recoveryCodes(t, b.get("/mfa/recovery-codes", false)); !slices.Equal(again, codes) {
		t.Fatalf("shown again: %v, want %v", again, codes)
	}
	wantRedirect(t, b.post("/account/recovery-codes/rotate", nil, false), "/mfa/recovery-codes")
	if rotated := recoveryCodes(t, b.get("/mfa/recovery-codes", false)); len(rotated) != 10 || slices.Contains(rotated, codes[0]) {
		t.Fatalf("rotated codes %v still hold an old one", rotated)
	}
	wantRedirect(t, b.post("/mfa/recovery-codes", nil, false), "/account")

	// A phone: a malformed number, then a number confirmed with the texted code, then changed.
	r = b.post("/account/phone", url.Values{"phone_number": {"415 555 0111"}}, false)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "phone-number", "country code")
	for _, phone := range []string{"+14155550111", "+14155550122"} {
		wantRedirect(t, b.post("/account/phone", url.Values{"phone_number": {phone}}, false), "/account")
		if !b.get("/account", false).has(t, "sms-form") {
			t.Fatal("no code form after texting the number")
		}
		wantStatus(t, b.post("/account/phone/confirm", url.Values{"code": {wrongCode(e.smsCode(phone))}}, false), http.StatusUnprocessableEntity)
		wantRedirect(t, b.post("/account/phone/confirm", url.Values{"code": {e.smsCode(phone)}}, false), "/account?notice=phone-saved")
		if got := b.get("/account", false).testid(t, "account-phone"); !strings.Contains(got, phone[len(phone)-4:]) || strings.Contains(got, "not confirmed") {
			t.Fatalf("account page says %q, want the confirmed number ending %s", got, phone[len(phone)-4:])
		}
	}

	// Replacing the app: a new secret; the old app's codes stop working.
	wantRedirect(t, b.post("/account/totp", nil, false), "/account")
	s2 := secret(t, b.get("/account", false))
	if s2 == s {
		t.Fatal("replacing the app kept the secret")
	}
	wantRedirect(t, b.post("/account/totp/confirm", url.Values{"code": {e.totp(s2)}}, false), "/mfa/recovery-codes")

	req, _ := http.NewRequest(http.MethodPost, e.URL+"/account/totp", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	wantStatus(t, b.do(req), http.StatusForbidden)
}
