package handlers_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/orgpick/orgpick/handlers"
)

// Issue 22, point 2: the app limits wrong codes (emailed, MFA, recovery) per step and per
// member, and texts per number and per member, in the shared store (a second instance on the
// same database refuses too); a refusal is a 429 with Retry-After and a countdown.
func TestWrongCodesLimited(t *testing.T) {
	t.Parallel()
	three := func(d *handlers.Deps) {
		d.StepCodeRules = []handlers.Rule{{Window: 10 * time.Minute, Max: 3}}
		d.MemberCodeRules = []handlers.Rule{{Window: time.Hour, Max: 3}}
	}
	t.Run("emailed code", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, three)
		b := e.browser()
		b.sendCode(t, "guess@limits.test", false)
		code := e.latestCode("guess@limits.test")
		for range 3 {
			wantStatus(t, b.post("/authenticate/code", url.Values{"code": {otherCode(code)}}, false), http.StatusUnprocessableEntity)
		}
		wantWait(t, b.post("/authenticate/code", url.Values{"code": {code}}, false), "/check-email")
		e.rewire(three) // another instance, the same store
		wantWait(t, b.post("/authenticate/code", url.Values{"code": {code}}, true), "/check-email")
	})
	t.Run("mfa code", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, three)
		admin, orgID := e.newAdmin("ada@acme.test", "Acme")
		e.invite(admin, "bob@acme.test")
		e.requireMFA(orgID)
		b := e.browser()
		b.toMFA("bob@acme.test", orgID)
		s, _ := b.enrolTOTP()
		b.logout()
		b.toMFA("bob@acme.test", orgID)
		for range 3 {
			wantStatus(t, b.post("/mfa/totp", url.Values{"code": {wrongCode(e.nextTOTP(s))}}, false), http.StatusUnprocessableEntity)
		}
		wantWait(t, b.post("/mfa/totp", url.Values{"code": {e.nextTOTP(s)}}, false), "/mfa")
		wantWait(t, b.post("/mfa/recovery", url.Values{"recovery_code": {"abcd-efgh-ijkl"}}, true), "/mfa")
		// Per member: a fresh step in another browser is refused too.
		c := e.browser()
		c.toMFA("bob@acme.test", orgID)
		wantWait(t, c.post("/mfa/totp", url.Values{"code": {e.nextTOTP(s)}}, false), "/mfa")
	})
}

func TestTextsLimited(t *testing.T) {
	t.Parallel()
	two := func(d *handlers.Deps) { d.PhoneTextRules = []handlers.Rule{{Window: time.Hour, Max: 2}} }
	e := newEnv(t, two)
	admin, orgID := e.newAdmin("ada@acme.test", "Acme")
	e.invite(admin, "bob@acme.test")
	e.requireMFA(orgID, "sms_otp")
	b := e.browser()
	b.toMFA("bob@acme.test", orgID)
	const phone = "+14155550100"
	wantRedirect(t, b.post("/mfa/sms/send", url.Values{"phone_number": {phone}}, false), "/mfa")
	wantRedirect(t, b.post("/mfa/sms/send", nil, false), "/mfa") // "text me a new code"
	sent := e.texts(phone)
	wantWait(t, b.post("/mfa/sms/send", nil, false), "/mfa")
	e.rewire(two)
	wantWait(t, b.post("/mfa/sms/send", nil, true), "/mfa")
	if e.texts(phone) != sent {
		t.Fatal("a refused send still texted")
	}
	// The account page counts texts to the same number.
	wantRedirect(t, b.post("/mfa/sms", url.Values{"code": {e.smsCode(phone)}}, false), "/dashboard")
	wantWait(t, b.post("/account/confirm/sms/send", nil, false), "/account/confirm")
}

// wantWait checks a refusal by a code or text limit: 429, Retry-After, a countdown and a way
// back to back (in #main for htmx).
func wantWait(t *testing.T, r response, back string) {
	t.Helper()
	wantStatus(t, r, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" || !r.has(t, "countdown") {
		t.Fatalf("no Retry-After or countdown:\n%.2000s", r.body)
	}
	if got := r.doc(t).Find(`[data-testid="wait-back"]`).AttrOr("href", ""); got != back {
		t.Fatalf("way back %q, want %q", got, back)
	}
	if r.Request.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Retarget") != "#main" {
		t.Fatal("htmx refusal not retargeted to #main")
	}
}

// Issue 22, point 6: a member who has a factor (here an app) proves it at the step; a phone
// number typed into /mfa/sms/send is refused by the app itself (as TOTP setup is for an enrolled
// member), before Stytch is asked: no call, no text.
func TestSMSSendRefusesEnrolledMember(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, orgID := e.newAdmin("ada@acme.test", "Acme")
	e.invite(admin, "bob@acme.test")
	e.requireMFA(orgID)
	b := e.browser()
	b.toMFA("bob@acme.test", orgID)
	b.enrolTOTP()
	b.logout()
	b.toMFA("bob@acme.test", orgID)
	const attacker = "+14155550166"
	wantCalls(t, e, "an enrolled member's typed number", map[string]int{}, func() {
		wantRedirect(t, b.post("/mfa/sms/send", url.Values{"phone_number": {attacker}}, false), "/mfa")
	})
	if e.texts(attacker) != 0 {
		t.Fatal("texted the typed number")
	}
}
