package handlers_test

import (
	"net/http"
	"net/url"
	"testing"
)

// wantLeave checks the end of a sign-in that returns to target: 303 to it without JavaScript,
// 204 with HX-Redirect (a full navigation, not a swap into #main) with htmx.
func wantLeave(t testing.TB, r response, htmx bool, target string) {
	t.Helper()
	if htmx {
		wantStatus(t, r, http.StatusNoContent)
		if got := r.Header.Get("HX-Redirect"); got != target {
			t.Fatalf("HX-Redirect %q, want %q", got, target)
		}
		return
	}
	wantRedirect(t, r, target)
}

// TestReturnToAfterSignIn: the sign-in page's ?return_to= is kept through the journey (in a
// cookie until there is a session, then server-side) and replaces the dashboard once.
func TestReturnToAfterSignIn(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e, b := envWithBrowser(t)
		r := b.get("/?return_to="+url.QueryEscape("/app/reports?q=1&b=2"), false)
		if wantStatus(t, r, http.StatusOK); len(r.Header.Values("Set-Cookie")) != 1 {
			t.Fatalf("cookies %q: want only the return_to cookie (no session for a visitor)", r.Header.Values("Set-Cookie"))
		}
		b.discover("ada@acme.test")
		if b.Cookie("orgpick_return") != nil {
			t.Fatal("the return_to cookie outlived the start of the session")
		}
		r = b.post("/orgs/create", url.Values{"organization_name": {"Acme"}}, htmx)
		wantLeave(t, r, htmx, e.URL+"/app/reports?q=1&b=2")

		// Once: the next sign-in ends on the dashboard.
		chooser := b.discover("ada@acme.test")
		wantDone(t, b.post("/orgs/select", url.Values{"organization_id": {orgIDs(t, chooser)[0]}}, htmx), htmx, "/dashboard")

		// Signed in, the sign-in page sends there at once.
		wantRedirect(t, b.get("/?return_to=%2Fapp%2Finvoices", false), e.URL+"/app/invoices")
	})
}

// TestReturnToBypassesIgnored: a return_to that could lead off the origin is ignored, and the
// sign-in ends on the dashboard as usual.
func TestReturnToBypassesIgnored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i, raw := range []string{"//evil.test", `/\evil.test`, "https:evil.test", "https://evil.test/", "%2F%2Fevil.test",
		"/%2F%2Fevil.test", "https://" + e.URL[len("http://"):] + "@evil.test/", "/\t/evil.test", "javascript:alert(1)"} {
		b := e.in(t).browser()
		if r := b.get("/?return_to="+url.QueryEscape(raw), false); len(r.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("%q: cookies %q, want none", raw, r.Header.Values("Set-Cookie"))
		}
		b.discover("ada@acme.test")
		r := b.post("/orgs/create", url.Values{"organization_name": {"Acme " + string(rune('a'+i))}}, false)
		wantRedirect(t, r, "/dashboard")
	}
}

// TestReturnToAfterMFA: a sign-in that goes through the second step (here setting up an
// authenticator app, whose recovery codes come first) ends on the page first asked for.
func TestReturnToAfterMFA(t *testing.T) {
	t.Parallel()
	e, admin := envWithBrowser(t)
	admin.signIn("ada@acme.test", "Acme", "", 0)
	orgID := admin.verify("", nil).Header.Get("X-Orgpick-Organization-Id")
	e.requireMFA(orgID)

	b := e.browser()
	wantStatus(t, b.get("/?return_to=%2Fapp%2Freports", false), http.StatusOK)
	b.toMFA("ada@acme.test", orgID)
	wantRedirect(t, b.post("/mfa/totp/setup", nil, false), "/mfa")
	s := secret(t, b.get("/mfa", false))
	wantRedirect(t, b.post("/mfa/totp", url.Values{"code": {e.totp(s)}}, false), "/mfa/recovery-codes")
	wantLeave(t, b.post("/mfa/recovery-codes", nil, false), false, e.URL+"/app/reports")

	// The next sign-in, with the app's code this time, asked for another page.
	b2 := e.browser()
	wantStatus(t, b2.get("/?return_to=%2Fapp%2Finvoices", false), http.StatusOK)
	b2.toMFA("ada@acme.test", orgID)
	wantLeave(t, b2.post("/mfa/totp", url.Values{"code": {e.nextTOTP(s)}}, true), true, e.URL+"/app/invoices")
}
