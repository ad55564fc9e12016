package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"

	"github.com/orgpick/orgpick/handlers"
)

// The main journey, plain and with htmx: the admin requires MFA on /settings; a member
// picks the organization, sets up an authenticator app (code from the secret on the page),
// sees the recovery codes once, reaches the dashboard; signs in again with a code; a wrong
// code gets a message and the right one still works.
func TestMFAJourneyTOTP(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e := newEnv(t)
		admin, orgID := e.newAdmin("ada@acme.test", "Acme")
		e.invite(admin, "bob@acme.test")
		r := admin.post("/settings/mfa", url.Values{"mfa_policy": {"REQUIRED_FOR_ALL"}, "allow_totp": {"on"}, "allow_sms_otp": {"on"}}, htmx)
		wantPosted(t, r, htmx, "/settings?notice=mfa-saved")
		if got := admin.get("/settings?notice=mfa-saved", false); !got.doc(t).Find("#mfa-policy-required").Is("[checked]") {
			t.Fatal("settings page does not show REQUIRED_FOR_ALL after saving")
		}

		b := e.browser()
		page := b.toMFA("bob@acme.test", orgID)
		if !page.has(t, "totp-setup-form") || !page.has(t, "phone-form") || page.has(t, "totp-form") {
			t.Fatalf("enrolment page should offer an app and a phone:\n%.3000s", page.body)
		}
		if got := page.testid(t, "mfa-org"); got != "Acme" {
			t.Fatalf("step names org %q", got)
		}
		wantPosted(t, b.post("/mfa/totp/setup", nil, htmx), htmx, "/mfa")
		page = b.get("/mfa", htmx)
		wantStatus(t, page, http.StatusOK)
		s := secret(t, page)
		code := page.doc(t).Find("#totp-code")
		if code.AttrOr("autocomplete", "") != "one-time-code" || code.AttrOr("inputmode", "") != "numeric" || !code.Is("[autofocus]") {
			t.Fatalf("code field lacks one-time-code / numeric / autofocus: %v", code.Nodes)
		}

		// Wrong code: 422, the message by the field, still on the step.
		r = b.post("/mfa/totp", url.Values{"code": {wrongCode(e.totp(s))}}, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if htmx {
			wantFragment(t, r, "mfa")
		}
		wantFieldError(t, r, "totp-code", "isn't right")
		if secret(t, r) != s {
			t.Fatal("a wrong code changed the secret")
		}

		wantPosted(t, b.post("/mfa/totp", url.Values{"code": {e.totp(s)}}, htmx), htmx, "/mfa/recovery-codes")
		r = b.get("/mfa/recovery-codes", htmx)
		wantStatus(t, r, http.StatusOK)
		if codes := recoveryCodes(t, r); len(codes) != 10 {
			t.Fatalf("%d recovery codes, want 10", len(codes))
		}
		wantPosted(t, b.post("/mfa/recovery-codes", nil, htmx), htmx, "/dashboard")
		dash := b.get("/dashboard", false)
		wantStatus(t, dash, http.StatusOK)
		if got := dash.testid(t, "dashboard-org"); got != "Acme" {
			t.Fatalf("dashboard org %q", got)
		}
		wantRedirect(t, b.get("/mfa/recovery-codes", false), "/dashboard") // shown once
		b.logout()

		// Signing in again asks for the app's code (no setup, no recovery codes).
		page = b.toMFA("bob@acme.test", orgID)
		if !page.has(t, "totp-form") || !page.has(t, "recovery-form") || page.has(t, "totp-setup-form") {
			t.Fatalf("verify page should offer the app and recovery codes:\n%.3000s", page.body)
		}
		wantStatus(t, b.post("/mfa/totp", url.Values{"code": {"12345"}}, htmx), http.StatusUnprocessableEntity)
		wantPosted(t, b.post("/mfa/totp", url.Values{"code": {e.nextTOTP(s)[:3] + " " + e.nextTOTP(s)[3:]}}, htmx), htmx, "/dashboard")
		wantRedirect(t, b.get("/mfa", false), "/dashboard") // the step is over
	})
}

// A recovery code signs in once, never twice.
func TestMFARecoveryCodeWorksOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st := e.atMFAStep("ada@acme.test", "Acme", "bob@acme.test")
	b, orgID := st.member, st.orgID
	_, codes := b.enrolTOTP()
	b.logout()

	b.toMFA("bob@acme.test", orgID)
	wantRedirect(t, b.post("/mfa/recovery", url.Values{"recovery_code": {" " + strings.ToUpper(codes[0]) + " "}}, false), "/dashboard")
	b.logout()

	b.toMFA("bob@acme.test", orgID)
	r := b.post("/mfa/recovery", url.Values{"recovery_code": {codes[0]}}, false)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "recovery-code", "already used")
	if !r.doc(t).Find(`[data-testid="recovery"]`).Is("[open]") {
		t.Fatal("the recovery form is folded away after its error")
	}
	r = b.post("/mfa/recovery", url.Values{"recovery_code": {"123456"}}, true)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFieldError(t, r, "recovery-code", "authenticator app")
	wantRedirect(t, b.post("/mfa/recovery", url.Values{"recovery_code": {codes[1]}}, false), "/dashboard")
}

// A phone: a malformed number gets a clear message; the texted code (from the outbox) enrols
// it and signs in; next time Stytch texts a code by itself.
func TestMFASMSEnrolAndSignIn(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e := newEnv(t)
		st := e.atMFAStep("ada@acme.test", "Acme", "bob@acme.test", "sms_otp")
		b, page, orgID := st.member, st.page, st.orgID
		if page.has(t, "totp-setup-form") || !page.has(t, "phone-form") {
			t.Fatalf("an SMS-only org should offer only a phone:\n%.3000s", page.body)
		}
		for _, c := range []struct{ typed, says string }{
			{"", "Enter your mobile number"},
			{"0415 555 0100", "country code"},
			{"+1 (415) 5x5-0100", "only digits"},
			{"+1 415", "too short"},
		} {
			r := b.post("/mfa/sms/send", url.Values{"phone_number": {c.typed}}, htmx)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantFieldError(t, r, "phone-number", c.says)
			if got := r.doc(t).Find("#phone-number").AttrOr("value", "?"); got != c.typed {
				t.Fatalf("the field holds %q after a refusal, want what was typed %q", got, c.typed)
			}
		}
		wantPosted(t, b.post("/mfa/sms/send", url.Values{"phone_number": {"+1 (415) 555-0100"}}, htmx), htmx, "/mfa")
		page = b.get("/mfa", htmx)
		if !page.has(t, "sms-form") || !page.doc(t).Find("#sms-code").Is("[autofocus]") {
			t.Fatalf("after sending, the code form should have the focus:\n%.3000s", page.body)
		}
		code := e.smsCode("+14155550100")
		r := b.post("/mfa/sms", url.Values{"code": {wrongCode(code)}}, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantFieldError(t, r, "sms-code", "isn't right")
		wantPosted(t, b.post("/mfa/sms", url.Values{"code": {code}}, htmx), htmx, "/dashboard") // no recovery codes for a phone
		b.logout()

		// Next sign-in: Stytch texts a code by itself; "text me a new code" sends another.
		before := e.texts("+14155550100")
		page = b.toMFA("bob@acme.test", orgID)
		if e.texts("+14155550100") != before+1 || !page.has(t, "sms-form") {
			t.Fatalf("no automatic text (%d → %d) or no code form", before, e.texts("+14155550100"))
		}
		wantPosted(t, b.post("/mfa/sms/send", nil, htmx), htmx, "/mfa")
		if e.texts("+14155550100") != before+2 {
			t.Fatal("text me a new code sent nothing")
		}
		wantPosted(t, b.post("/mfa/sms", url.Values{"code": {e.smsCode("+14155550100")}}, htmx), htmx, "/dashboard")
	})
}

// The step lasts as long as Stytch's IST (10 minutes): after that, from the app's clock or from
// Stytch's answer, the person starts again with a message, the address kept.
func TestMFAExpiredStepRestarts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st := e.atMFAStep("ada@acme.test", "Acme", "bob@acme.test")
	b, orgID := st.member, st.orgID
	e.advance(11 * time.Minute)
	wantRedirect(t, b.get("/mfa", false), "/?notice=mfa-expired")
	login := b.get("/?notice=mfa-expired", false)
	if got := login.testid(t, "notice"); !strings.Contains(got, "second step") {
		t.Fatalf("notice %q", got)
	}
	if got := login.doc(t).Find("#email").AttrOr("value", ""); got != "bob@acme.test" {
		t.Fatalf("email field %q, want the address kept", got)
	}
	wantRedirect(t, b.get("/mfa", false), "/") // the step is forgotten

	// Stytch's IST expires while the app still holds the step: the same restart.
	b.toMFA("bob@acme.test", orgID)
	e.emu.Advance(11 * time.Minute)
	wantRedirect(t, b.post("/mfa/totp/setup", nil, false), "/?notice=mfa-expired")
	r := b.post("/mfa/totp", url.Values{"code": {"123456"}}, true)
	wantStatus(t, r, http.StatusNoContent) // htmx: HX-Location back to the email form
	if !strings.Contains(r.Header.Get("HX-Location"), `"path":"/"`) {
		t.Fatalf("HX-Location %q", r.Header.Get("HX-Location"))
	}
}

// The step lives in the server-side session (SQLite): a restarted app carries on with it.
func TestMFAStepSurvivesRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st := e.atMFAStep("ada@acme.test", "Acme", "bob@acme.test")
	b := st.member
	wantRedirect(t, b.post("/mfa/totp/setup", nil, false), "/mfa")
	s := secret(t, b.get("/mfa", false))

	e.rewire(func(*handlers.Deps) {}) // a new app on the same database: nothing held in memory survives
	if got := secret(t, b.get("/mfa", false)); got != s {
		t.Fatalf("after the restart the secret is %q, want %q", got, s)
	}
	wantRedirect(t, b.post("/mfa/totp", url.Values{"code": {e.totp(s)}}, false), "/mfa/recovery-codes")
}

// Switching from the dashboard into an organization that requires MFA goes through the same
// step; finishing it revokes the session it replaces.
func TestMFASwitchIntoMFAOrg(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, secureID := e.newAdmin("ada@acme.test", "Secure")
	wantRedirect(t, b.post("/settings/mfa", url.Values{"mfa_policy": {"REQUIRED_FOR_ALL"}, "allow_totp": {"on"}}, false), "/settings?notice=mfa-saved")
	b.logout()
	b.discover("ada@acme.test")
	b.createOrg("Plain")

	dash := b.get("/dashboard", false)
	if ids := orgIDs(t, dash); len(ids) != 1 || ids[0] != secureID {
		t.Fatalf("switcher offers %v, want Secure", ids)
	}
	revokes := e.emu.Calls()[callRevoke]
	wantRedirect(t, b.post("/orgs/switch", url.Values{"organization_id": {secureID}}, false), "/mfa")
	page := b.get("/mfa", false)
	if !page.has(t, "totp-setup-form") || page.has(t, "phone-form") || page.testid(t, "mfa-back") != "Back to the dashboard" {
		t.Fatalf("switch step should offer an app only and a way back:\n%.3000s", page.body)
	}
	if got := b.get("/dashboard", false).testid(t, "dashboard-org"); got != "Plain" {
		t.Fatalf("during the step the dashboard shows %q, want still Plain", got)
	}
	b.enrolTOTP()
	b.wantSwitched("Secure", revokes)
}

// The admin's MFA form: both paths, a refusal without any method, non-admins and forged values.
func TestMFASettingsForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, orgID := e.newAdmin("ada@acme.test", "Acme")
	page := admin.get("/settings", false)
	if !page.doc(t).Find("#mfa-policy-optional").Is("[checked]") || !page.doc(t).Find("#allow-totp").Is("[checked]") {
		t.Fatalf("a new org should show OPTIONAL with every method:\n%.3000s", page.body)
	}
	r := admin.post("/settings/mfa", url.Values{"mfa_policy": {"REQUIRED_FOR_ALL"}}, true)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantFragment(t, r, "mfa-settings-form")
	wantFieldError(t, r, "mfa-methods", "at least one")
	r = admin.post("/settings/mfa", url.Values{"mfa_policy": {"REQUIRED_FOR_ALL"}}, false)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if !r.has(t, "settings-form") || !r.doc(t).Find("#mfa-policy-required").Is("[checked]") {
		t.Fatal("the plain 422 should be the whole settings page, keeping the choice")
	}
	wantStatus(t, admin.post("/settings/mfa", url.Values{"mfa_policy": {"SOMETIMES"}, "allow_totp": {"on"}}, false), http.StatusBadRequest)
	wantRedirect(t, admin.post("/settings/mfa", url.Values{"mfa_policy": {"REQUIRED_FOR_ALL"}, "allow_sms_otp": {"on"}}, false), "/settings?notice=mfa-saved")
	o, err := e.api.Organizations.Get(t.Context(), &organizations.GetParams{OrganizationID: orgID})
	if err != nil {
		t.Fatal(err)
	}
	if o.Organization.MFAPolicy != "REQUIRED_FOR_ALL" || o.Organization.MFAMethods != "RESTRICTED" || len(o.Organization.AllowedMFAMethods) != 1 {
		t.Fatalf("org after saving: policy %s, methods %s %v", o.Organization.MFAPolicy, o.Organization.MFAMethods, o.Organization.AllowedMFAMethods)
	}

	// A member (not admin) is refused; so is a cross-site POST.
	e.invite(admin, "bob@acme.test")
	e.requireMFA(orgID, "sms_otp")
	b := e.browser()
	b.toMFA("bob@acme.test", orgID)
	wantRedirect(t, b.post("/mfa/sms/send", url.Values{"phone_number": {"+14155550100"}}, false), "/mfa")
	wantRedirect(t, b.post("/mfa/sms", url.Values{"code": {e.smsCode("+14155550100")}}, false), "/dashboard")
	wantStatus(t, b.post("/settings/mfa", url.Values{"mfa_policy": {"OPTIONAL"}, "allow_totp": {"on"}}, false), http.StatusForbidden)
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/settings/mfa", strings.NewReader("mfa_policy=OPTIONAL&allow_totp=on"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	wantStatus(t, admin.do(req), http.StatusForbidden)
}

// wantPosted checks a successful POST: 303 to path, or for htmx 204 with HX-Location.
func wantPosted(t testing.TB, r response, htmx bool, path string) {
	t.Helper()
	if htmx {
		wantHXLocation(t, r, path)
		return
	}
	wantRedirect(t, r, path)
}

// wantFieldError checks a field's message (id-error, containing says) and that the field
// points to it and is marked invalid.
func wantFieldError(t testing.TB, r response, id, says string) {
	t.Helper()
	doc := r.doc(t)
	if got := doc.Find("#" + id + "-error").Text(); !strings.Contains(got, says) {
		t.Fatalf("#%s-error says %q, want it to mention %q\n%.3000s", id, got, says, r.body)
	}
	field := doc.Find("#" + id)
	if field.Length() > 0 && (!strings.Contains(field.AttrOr("aria-describedby", ""), id+"-error") || field.AttrOr("aria-invalid", "") != "true") {
		t.Fatalf("#%s is not marked invalid / described by its error", id)
	}
	if field.Length() > 0 && field.Is("input") && !field.Is("[autofocus]") {
		t.Fatalf("#%s does not get the focus after its error", id)
	}
}

// An invitation link into an organization that requires MFA leads to the same step (the
// switcher's organizations are asked of Stytch once the step is done).
func TestMFAInvitationLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, orgID := e.newAdmin("ada@acme.test", "Acme")
	e.requireMFA(orgID)
	e.invite(admin, "carol@acme.test")
	b := e.browser()
	page := b.followLink(e.latestLink("carol@acme.test"), "/mfa")
	if !page.has(t, "totp-setup-form") || page.testid(t, "mfa-email") != "carol@acme.test" {
		t.Fatalf("invitation into an MFA org should start the step:\n%.3000s", page.body)
	}
	before := e.emu.Calls()[callOrgList]
	b.enrolTOTP()
	if got := e.emu.Calls()[callOrgList]; got != before+1 {
		t.Fatalf("organization lists %d → %d, want one for the switcher", before, got)
	}
	if got := b.get("/dashboard", false).testid(t, "dashboard-role"); got != "Member" {
		t.Fatalf("role %q", got)
	}
}
