package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"

	"github.com/orgpick/orgpick/emulator"
)

// requireMFA sets an organization's mfa_policy to REQUIRED_FOR_ALL through the seeding SDK
// client (the admin's form is tested in TestMFASettingsForm).
func (e *env) requireMFA(orgID string, methods ...string) {
	e.t.Helper()
	p := &organizations.UpdateParams{OrganizationID: orgID, MFAPolicy: "REQUIRED_FOR_ALL"}
	if len(methods) > 0 {
		p.MFAMethods, p.AllowedMFAMethods = "RESTRICTED", methods
	}
	if _, err := e.api.Organizations.Update(e.t.Context(), p); err != nil {
		e.t.Fatal(err)
	}
}

// totp is what an authenticator app holding secret shows now (the emulator's clock).
func (e *env) totp(secret string) string {
	e.t.Helper()
	code := emulator.TOTPCode(secret, e.emu.Now())
	if code == "" {
		e.t.Fatalf("no TOTP code for secret %q", secret)
	}
	return code
}

// nextTOTP is the app's code for the next 30-second step, which Stytch accepts too: a code
// works once per step, so a second sign-in within the same step uses this one. (Moving the
// clocks instead would make the emulator sign JWTs "from the future" for the SDK's local check.)
func (e *env) nextTOTP(secret string) string {
	e.t.Helper()
	return emulator.TOTPCode(secret, e.emu.Now().Add(30*time.Second))
}

// smsCode is the code in the newest text to phone.
func (e *env) smsCode(phone string) string {
	e.t.Helper()
	msgs, err := e.emu.Mailbox(e.t.Context(), phone)
	if err != nil || len(msgs) == 0 || msgs[0].Kind != "sms" || msgs[0].Code == "" {
		e.t.Fatalf("no text to %s: %v %+v", phone, err, msgs)
	}
	return msgs[0].Code
}

// texts is how many texts phone has received.
func (e *env) texts(phone string) int {
	e.t.Helper()
	msgs, err := e.emu.Mailbox(e.t.Context(), phone)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(msgs)
}

// wrongCode is a 6-digit code that is not code.
func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+5)%10
	return string(b)
}

// toMFA picks an organization from the chooser (discovering email first) and expects the
// second step; it returns GET /mfa.
func (b *browser) toMFA(email, orgID string) response {
	t := b.e.t
	t.Helper()
	b.discover(email)
	wantRedirect(t, b.post("/orgs/select", url.Values{"organization_id": {orgID}}, false), "/mfa")
	r := b.get("/mfa", false)
	wantStatus(t, r, http.StatusOK)
	return r
}

// secret is the TOTP secret the enrolment page shows (data-totp-secret), checked against the
// grouped text a person reads.
func secret(t testing.TB, r response) string {
	t.Helper()
	el := r.doc(t).Find("[data-totp-secret]")
	s := el.AttrOr("data-totp-secret", "")
	if s == "" || strings.ReplaceAll(el.Text(), " ", "") != s {
		t.Fatalf("no TOTP secret on the page (attr %q, text %q)\n%.3000s", s, el.Text(), r.body)
	}
	return s
}

// recoveryCodes lists the codes on the recovery-codes page (data-recovery-code).
func recoveryCodes(t testing.TB, r response) []string {
	t.Helper()
	var codes []string
	r.doc(t).Find("[data-recovery-code]").Each(func(_ int, s *goquery.Selection) {
		codes = append(codes, s.AttrOr("data-recovery-code", ""))
	})
	return codes
}

// enrolTOTP sets up an authenticator app from the enrolment page and confirms it; it returns
// the secret and the recovery codes shown once, and ends on the dashboard.
func (b *browser) enrolTOTP() (string, []string) {
	t, e := b.e.t, b.e
	t.Helper()
	wantRedirect(t, b.post("/mfa/totp/setup", nil, false), "/mfa")
	page := b.get("/mfa", false)
	wantStatus(t, page, http.StatusOK)
	s := secret(t, page)
	if src := page.doc(t).Find(`[data-testid="totp-qr"]`).AttrOr("src", ""); !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Fatalf("QR code src %.40q, want a PNG data URL", src)
	}
	if page.doc(t).Find(`[data-testid="phone-form"], [data-testid="text-me-form"]`).Length() != 0 {
		t.Fatal("while the app is being set up (QR code shown), the page offers nothing else")
	}
	wantRedirect(t, b.post("/mfa/totp", url.Values{"code": {e.totp(s)}}, false), "/mfa/recovery-codes")
	r := b.get("/mfa/recovery-codes", false)
	wantStatus(t, r, http.StatusOK)
	codes := recoveryCodes(t, r)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10", len(codes))
	}
	wantRedirect(t, b.post("/mfa/recovery-codes", nil, false), "/dashboard")
	wantStatus(t, b.get("/dashboard", false), http.StatusOK)
	return s, codes
}

// wantSwitched checks, after a switch that needed a step, that the dashboard shows org and that
// the session the switch replaced was revoked (one revocation more than revokes).
func (b *browser) wantSwitched(org string, revokes int) {
	t := b.e.t
	t.Helper()
	if got := b.get("/dashboard", false).testid(t, "dashboard-org"); got != org {
		t.Fatalf("after the step the dashboard shows %q, want %s", got, org)
	}
	if got := b.e.emu.Calls()[callRevoke]; got != revokes+1 {
		t.Fatalf("revocations %d → %d, want the replaced session revoked", revokes, got)
	}
}

// invite has admin (signed in on the app) invite email; the invitee can then pick the
// organization from the chooser.
func (e *env) invite(admin *browser, email string) {
	e.t.Helper()
	wantRedirect(e.t, admin.post("/members/invite", url.Values{"email": {email}}, false), "/members?notice=invited")
}

// mfaStep is an organization that requires MFA, with its admin signed in and an invited
// member at the MFA step (see atMFAStep).
type mfaStep struct {
	admin, member *browser
	page          response // the member's MFA step
	orgID         string
}

// atMFAStep makes an organization (its admin signed in on a browser of its own), invites member
// into it, requires MFA (methods as requireMFA) and brings member, on a fresh browser, to the
// MFA step.
func (e *env) atMFAStep(admin, org, member string, methods ...string) mfaStep {
	e.t.Helper()
	a, orgID := e.newAdmin(admin, org)
	e.invite(a, member)
	e.requireMFA(orgID, methods...)
	b := e.browser()
	return mfaStep{admin: a, member: b, page: b.toMFA(member, orgID), orgID: orgID}
}
