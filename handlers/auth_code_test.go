package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	callCodeSend  = "POST /v1/b2b/otps/email/discovery/send"
	callCodeAuth  = "POST /v1/b2b/otps/email/discovery/authenticate"
	callOAuthAuth = "POST /v1/b2b/oauth/discovery/authenticate"
)

// latestCode is the newest one-time code emailed to an address.
func (e *env) latestCode(to string) string {
	e.t.Helper()
	msgs, err := e.emu.Mailbox(e.t.Context(), to)
	if err != nil || len(msgs) == 0 || msgs[0].Kind != "discovery_otp" || len(msgs[0].Code) != 6 {
		e.t.Fatalf("no code mailed to %s: %v %+v", to, err, msgs)
	}
	return msgs[0].Code
}

// otherCode is a six-digit code that is not code.
func otherCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// sendCode asks for a code on the email form ("Email me a code instead").
func (b *browser) sendCode(t *testing.T, email string, htmx bool) {
	t.Helper()
	wantDone(t, b.post("/login", url.Values{"email": {email}, "method": {"code"}}, htmx), htmx, "/check-email")
}

// Email form → "Email me a code instead" → the code typed on the check-your-inbox page → the
// chooser, as with a link; a wrong code first is said next to the field.
func TestCodeSignIn(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e, b := envWithBrowser(t)
		page := b.get("/", false)
		if send := page.doc(t).Find(`#login-form button[name="method"][value="code"]`); send.Length() != 1 {
			t.Fatal("the email form has no 'Email me a code instead' button")
		}
		b.sendCode(t, "coder@methods.test", htmx)
		r := b.get("/check-email", false)
		in := r.doc(t).Find(`#code-form input[name="code"]`)
		if in.AttrOr("autocomplete", "") != "one-time-code" || in.AttrOr("inputmode", "") != "numeric" {
			t.Fatalf("code field attributes: %s", r.body)
		}
		code := e.latestCode("coder@methods.test")
		r = b.post("/authenticate/code", url.Values{"code": {otherCode(code)}}, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if htmx {
			wantFragment(t, r, "check-email")
		}
		if got := r.testid(t, "code-error"); !strings.Contains(got, "isn't right") {
			t.Fatalf("wrong code message %q", got)
		}
		if in := r.doc(t).Find("#code"); in.AttrOr("aria-invalid", "") != "true" || in.AttrOr("aria-describedby", "") != "code-error" {
			t.Fatal("the code field should be marked invalid and tied to its message")
		}
		wantDone(t, b.post("/authenticate/code", url.Values{"code": {code[:3] + " " + code[3:]}}, htmx), htmx, "/orgs")
		wantStatus(t, b.get("/orgs", false), http.StatusOK)
		b.createOrg("Coded")
	})
}

// A code past its 10 minutes, a malformed one, and a code form posted without a code sent.
func TestCodeRefusals(t *testing.T) {
	t.Parallel()
	e, b := envWithBrowser(t)
	b.sendCode(t, "late@methods.test", false)
	code := e.latestCode("late@methods.test")

	before := e.emu.Calls()[callCodeAuth]
	r := b.post("/authenticate/code", url.Values{"code": {"12ab"}}, false)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if got := r.testid(t, "code-error"); !strings.Contains(got, "6-digit") {
		t.Fatalf("malformed code message %q", got)
	}
	if e.emu.Calls()[callCodeAuth] != before {
		t.Fatal("a malformed code reached Stytch")
	}

	e.advance(11 * time.Minute)
	r = b.post("/authenticate/code", url.Values{"code": {code}}, false)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if got := r.testid(t, "code-error"); !strings.Contains(got, "expired") {
		t.Fatalf("expired code message %q", got)
	}
	if !r.has(t, "resend-form") || r.doc(t).Find(`#resend-form input[name="method"]`).AttrOr("value", "") != "code" {
		t.Fatal("the page should offer to send a new code")
	}

	fresh := e.browser()
	wantRedirect(t, fresh.post("/authenticate/code", url.Values{"code": {code}}, false), "/")
}
