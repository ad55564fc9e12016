package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// Issue 22, point 1: someone holding a member's cookie for a minute (here: the member's own
// browser, minutes after their last second factor) cannot replace the authenticator app,
// change or add a phone, or read or rotate recovery codes. The page asks for a code from a
// factor the member has; once one is proved, the member can, for a few minutes.
func TestStepUpGuardsFactorChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, _ := e.newAdmin("ada@acme.test", "Acme")

	// A first factor needs no confirmation (there is nothing to confirm with).
	wantRedirect(t, b.post("/account/totp", nil, false), "/account")
	s := secret(t, b.get("/account", false))
	wantRedirect(t, b.post("/account/totp/confirm", url.Values{"code": {e.totp(s)}}, false), "/mfa/recovery-codes")
	codes := recoveryCodes(t, b.get("/mfa/recovery-codes", false))
	wantRedirect(t, b.post("/mfa/recovery-codes", nil, false), "/account")

	// Minutes later the cookie is all the thief has.
	e.advance(stepUpAge)
	const thiefPhone = "+14155550199"
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{"/account/totp", nil},
		{"/account/phone", url.Values{"phone_number": {thiefPhone}}},
		{"/account/recovery-codes", nil},
		{"/account/recovery-codes/rotate", nil},
	} {
		wantRedirect(t, b.post(c.path, c.form, false), "/account/confirm")
		wantHXLocation(t, b.post(c.path, c.form, true), "/account/confirm")
	}
	if n := e.texts(thiefPhone); n != 0 {
		t.Fatalf("%d texts went to the thief's number", n)
	}
	wantRedirect(t, b.get("/mfa/recovery-codes", false), "/dashboard") // no codes were read
	if b.get("/account", false).has(t, "totp-setup") {
		t.Fatal("the app was replaced without a second factor")
	}

	// The page asks for a code; a wrong one is refused by its field.
	page := b.get("/account/confirm", false)
	wantStatus(t, page, http.StatusOK)
	for _, id := range []string{"stepup-totp-form", "recovery-form"} {
		if !page.has(t, id) {
			t.Fatalf("confirm page lacks %s:\n%.3000s", id, page.body)
		}
	}
	r := b.post("/account/confirm/totp", url.Values{"code": {wrongCode(e.totp(s))}}, true)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFragment(t, r, "stepup")
	wantFieldError(t, r, "totp-code", "isn't right")

	// The app's code proves it's the member: the same changes now go through.
	wantRedirect(t, b.post("/account/confirm/totp", url.Values{"code": {e.totp(s)}}, false), "/account?notice=confirmed")
	wantRedirect(t, b.post("/account/recovery-codes", nil, false), "/mfa/recovery-codes")
	if got := recoveryCodes(t, b.get("/mfa/recovery-codes", false)); !slices.Equal(got, codes) {
		t.Fatalf("codes after confirming: %v, want %v", got, codes)
	}
	wantRedirect(t, b.post("/mfa/recovery-codes", nil, false), "/account")
	wantRedirect(t, b.get("/account/confirm", false), "/account") // nothing to confirm now

	// And the proof wears off.
	e.advance(stepUpAge)
	wantRedirect(t, b.post("/account/recovery-codes", nil, false), "/account/confirm")

	// A recovery code proves it too (and is spent).
	wantRedirect(t, b.post("/account/confirm/recovery", url.Values{"recovery_code": {codes[0]}}, false), "/account?notice=confirmed")
	wantRedirect(t, b.post("/account/totp", nil, false), "/account")
	if s2 := secret(t, b.get("/account", false)); s2 == s {
		t.Fatal("replacing the app kept the secret")
	}
}

// A member whose second factor is a phone confirms with a texted code.
func TestStepUpByText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, _ := e.newAdmin("bea@acme.test", "Acme")
	const phone = "+14155550111"
	wantRedirect(t, b.post("/account/phone", url.Values{"phone_number": {phone}}, false), "/account")
	wantRedirect(t, b.post("/account/phone/confirm", url.Values{"code": {e.smsCode(phone)}}, false), "/account?notice=phone-saved")

	e.advance(stepUpAge)
	wantRedirect(t, b.post("/account/phone", url.Values{"phone_number": {"+14155550199"}}, false), "/account/confirm")
	wantRedirect(t, b.post("/account/totp", nil, false), "/account/confirm") // adding an app too
	page := b.get("/account/confirm", false)
	if page.has(t, "stepup-totp-form") || !page.has(t, "text-me-form") {
		t.Fatalf("confirm page for a phone:\n%.3000s", page.body)
	}
	sent := e.texts(phone)
	wantRedirect(t, b.post("/account/confirm/sms/send", nil, false), "/account/confirm")
	if e.texts(phone) != sent+1 {
		t.Fatal("no code texted to the member's number")
	}
	if !b.get("/account/confirm", false).has(t, "sms-form") {
		t.Fatal("no code form after texting")
	}
	wantRedirect(t, b.post("/account/confirm/sms", url.Values{"code": {e.smsCode(phone)}}, false), "/account?notice=confirmed")
	wantRedirect(t, b.post("/account/totp", nil, false), "/account")
	if !strings.Contains(b.get("/account", false).body, "data-totp-secret") {
		t.Fatal("no app setup after confirming")
	}
}

// stepUpAge is older than a confirmation lasts (5 minutes).
const stepUpAge = 6 * time.Minute
