package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Issue 22, point 7: the "Continue signing in" page can't know whose link it is before Stytch
// answers, so it names no address (a planted link would look like one's own sign-in under the
// browser's remembered address); after Continue, the chooser names the address Stytch answered
// with, the one the link was sent to.
func TestContinuePageNamesNoRememberedAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mallory := e.browser()
	wantRedirect(t, mallory.post("/login", url.Values{"email": {"mallory@evil.test"}}, false), "/check-email")
	planted := e.latestLink("mallory@evil.test")

	victim := e.browser()
	wantRedirect(t, victim.post("/login", url.Values{"email": {"victim@acme.test"}}, false), "/check-email")
	page := victim.open(planted)
	wantStatus(t, page, http.StatusOK)
	if page.has(t, "continue-email") || strings.Contains(page.body, "victim@") /* an address renders as victim@<wbr>acme.test */ {
		t.Fatalf("the Continue page names the remembered address for someone else's link:\n%.2000s", page.body)
	}
	if got := page.testid(t, "continue-what"); !strings.Contains(got, "this link") {
		t.Fatalf("the Continue page says %q", got)
	}
	wantRedirect(t, victim.post("/authenticate", url.Values{"stytch_token_type": {planted.Query().Get("stytch_token_type")}, "token": {planted.Query().Get("token")}}, false), "/orgs")
	if got := victim.get("/orgs", false).testid(t, "chooser-email"); got != "mallory@evil.test" {
		t.Fatalf("the chooser names %q, want the link's address", got)
	}
}
