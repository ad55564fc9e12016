package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// "Continue with Google / Microsoft": the app's start route, the emulated provider, back to
// /authenticate, the chooser and the dashboard.
func TestOAuthSignIn(t *testing.T) {
	t.Parallel()
	for _, provider := range []string{"google", "microsoft"} {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			_, b := envWithBrowser(t)
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
	t.Parallel()
	e, b := envWithBrowser(t)
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
	t.Parallel()
	e, b := envWithBrowser(t)
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
