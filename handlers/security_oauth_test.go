package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
)

// withToken is landing with its token replaced (same shape, not one Stytch issued).
func withToken(landing *url.URL, token string) string {
	u := *landing
	q := u.Query()
	q.Set("token", token)
	u.RawQuery = q.Encode()
	return u.RequestURI()
}

// Issue 22, point 5: starting OAuth is a POST form (no other site can start it), and a landing
// changes nothing before Stytch proves its token: a junk landing doesn't cancel the sign-in in
// progress, and a landing with no start here signs no one out.
func TestOAuthLandingChangesNothingUnproved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	// A cross-site POST can't start one.
	b := e.browser()
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/oauth/google", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	wantStatus(t, b.do(req), http.StatusForbidden)

	// A junk landing (another site's link) leaves the started sign-in to finish.
	landing, err := b.OAuthLanding(t.Context(), "google", "jo@oauth.test")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, b.get(withToken(landing, strings.Repeat("j", 44)), false), http.StatusBadRequest)
	wantRedirect(t, b.get(landing.RequestURI(), false), "/orgs")

	// A signed-in member opening a foreign landing stays signed in; nothing is revoked.
	admin, _ := e.newAdmin("ada@acme.test", "Acme")
	calls := e.emu.Calls()
	for _, typ := range []string{"discovery_oauth", "oauth"} {
		r := admin.get("/authenticate?stytch_token_type="+typ+"&token="+strings.Repeat("x", 44), false)
		wantStatus(t, r, http.StatusBadRequest)
	}
	if n := callsSince(e.emu, calls); len(n) != 0 {
		t.Fatalf("foreign landings reached Stytch: %v", n)
	}
	wantStatus(t, admin.get("/dashboard", false), http.StatusOK)
}

// Survivor 5: a landing after the start's 10 minutes is refused ("start again") without asking
// Stytch.
//
// Mutant killed: oauthLanding without `!h.now().Before(st.ExpiresAt)`.
func TestOAuthStaleStartRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	landing, err := b.OAuthLanding(t.Context(), "google", "late@oauth.test")
	if err != nil {
		t.Fatal(err)
	}
	e.advance(11 * time.Minute)
	calls := e.emu.Calls()
	r := b.get(landing.RequestURI(), false)
	wantStatus(t, r, http.StatusBadRequest)
	if got := r.testid(t, "error-heading"); got != "Please start signing in again" {
		t.Fatalf("a stale landing says %q", got)
	}
	if n := callsSince(e.emu, calls)[callOAuthAuth]; n != 0 {
		t.Fatal("a stale landing reached Stytch")
	}
}

// Survivor 6: an organization's own OAuth landing is for the step it was started from. With
// another organization's step pending now, the landing is refused before Stytch is asked.
//
// Mutant killed: FinishOAuth without `p.Org.ID != orgID`.
func TestOAuthForeignOrgLandingRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, xID := e.newAdmin("ada@restricted.test", "Googlers X")
	admin.discover("ada@restricted.test")
	admin.createOrg("Googlers Y")
	yID := ""
	resp, err := e.api.Organizations.Search(t.Context(), &organizations.SearchParams{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range resp.Organizations {
		if o.OrganizationName == "Googlers Y" {
			yID = o.OrganizationID
		}
	}
	e.restrictTo(xID, "google_oauth")
	e.restrictTo(yID, "google_oauth")

	b := e.browser()
	b.toMFA("ada@restricted.test", xID)
	landing := b.stepUpLanding("google", "ada@restricted.test") // X's sign-in, not opened yet
	b.toMFA("ada@restricted.test", yID)                         // now Y's step is the one pending
	calls := e.emu.Calls()
	r := b.get(landing.RequestURI(), false)
	wantStatus(t, r, http.StatusBadRequest)
	if got := r.testid(t, "error-heading"); got != "Please start signing in again" {
		t.Fatalf("a foreign landing says %q", got)
	}
	if n := callsSince(e.emu, calls)[callOrgOAuthAuth]; n != 0 {
		t.Fatal("a landing for another organization's step reached Stytch")
	}
}
