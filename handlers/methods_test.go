package handlers_test

import (
	"context"
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
	for _, htmx := range modes() {
		t.Run(modeName(htmx), func(t *testing.T) {
			e := newEnv(t)
			b := e.browser()
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
}

// A code past its 10 minutes, a malformed one, and a code form posted without a code sent.
func TestCodeRefusals(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
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

// "Continue with Google / Microsoft": the app's start route, the emulated provider, back to
// /authenticate, the chooser and the dashboard.
func TestOAuthSignIn(t *testing.T) {
	for _, provider := range []string{"google", "microsoft"} {
		t.Run(provider, func(t *testing.T) {
			e := newEnv(t)
			b := e.browser()
			if !b.get("/", false).has(t, "oauth-"+provider) {
				t.Fatalf("the email form has no Continue with %s", provider)
			}
			r := b.must(b.OAuthSignIn(context.Background(), provider, "oauth@"+provider+"-corp.test"))
			wantStatus(t, r, http.StatusOK)
			if !r.has(t, "chooser") {
				t.Fatalf("OAuth sign-in did not reach the chooser:\n%.1500s", r.body)
			}
			b.createOrg("OAuth " + provider)
		})
	}
}

// An OAuth token is spent once; a landing this browser did not start is refused; neither
// shows a raw error.
func TestOAuthRefusals(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	landing, err := b.OAuthLanding(context.Background(), "google", "spent@oauth-corp.test")
	if err != nil {
		t.Fatal(err)
	}
	wantRedirect(t, b.get(landing.RequestURI(), false), "/orgs")

	// The same token again, after a new start (so a verifier is waiting): Stytch refuses it.
	if _, err := b.OAuthLanding(context.Background(), "google", "other@oauth-corp.test"); err != nil {
		t.Fatal(err)
	}
	r := b.get(landing.RequestURI(), false)
	wantStatus(t, r, http.StatusBadRequest)
	if got := r.testid(t, "error-message"); !strings.Contains(got, "expired or was already used") {
		t.Fatalf("spent token message %q", got)
	}

	// A landing in a browser that never started a sign-in (login CSRF): refused before Stytch.
	landing2, err := e.browser().OAuthLanding(context.Background(), "microsoft", "victim@oauth-corp.test")
	if err != nil {
		t.Fatal(err)
	}
	before := e.emu.Calls()[callOAuthAuth]
	r = e.browser().get(landing2.RequestURI(), false)
	wantStatus(t, r, http.StatusBadRequest)
	if got := r.testid(t, "error-message"); !strings.Contains(got, "started in another browser") {
		t.Fatalf("unstarted landing message %q", got)
	}
	if e.emu.Calls()[callOAuthAuth] != before {
		t.Fatal("a landing without a start reached Stytch")
	}
	wantStatus(t, b.post("/oauth/myspace", nil, false), http.StatusNotFound)
}

// The Stytch calls of a code sign-in and of an OAuth sign-in (TestStytchCallBudget's rules):
// a code costs send, authenticate and create; OAuth costs authenticate and create (its start is
// the browser's redirect to Stytch, counted by the emulator but not an API call of the app's).
func TestStytchCallBudgetMethods(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	// (plus the RBAC policy, fetched once per process by the first dashboard view)
	wantCalls(t, e, "code sign-in creating an org", map[string]int{callCodeSend: 1, callCodeAuth: 1, callOrgCreate: 1, callPolicy: 1}, func() {
		b.sendCode(t, "budget@methods.test", false)
		wantStatus(t, b.get("/check-email", false), http.StatusOK)
		wantRedirect(t, b.post("/authenticate/code", url.Values{"code": {e.latestCode("budget@methods.test")}}, false), "/orgs")
		b.createOrg("Budget Codes")
	})
	o := e.browser()
	wantCalls(t, e, "OAuth sign-in creating an org", map[string]int{"GET /v1/b2b/public/oauth/{provider}/discovery/start": 1, callOAuthAuth: 1, callOrgCreate: 1}, func() {
		o.must(o.OAuthSignIn(context.Background(), "google", "budget@oauth-corp.test"))
		o.createOrg("Budget OAuth")
	})
}
