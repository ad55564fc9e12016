package handlers_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"github.com/orgpick/orgpick/handlers"
)

// serverSession loads this browser's server-side session (the scs row), as the app would on
// its next request, into a context for the scs getters.
func (b *browser) serverSession() context.Context {
	b.e.t.Helper()
	ck := b.Cookie("session")
	if ck == nil {
		b.e.t.Fatal("no session cookie")
	}
	ctx, err := b.e.Deps.Sessions.Load(b.e.t.Context(), ck.Value)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return ctx
}

// stytchToken is the Stytch session token this browser's sign-in holds server-side.
func (b *browser) stytchToken() string {
	b.e.t.Helper()
	token, err := handlers.StoredMemberToken(b.e.Deps.Sessions.GetBytes(b.serverSession(), "member"))
	if err != nil || token == "" {
		b.e.t.Fatalf("no signed-in member in the session (%v)", err)
	}
	return token
}

// wantSessionEnded fails unless Stytch (the emulator) refuses the session token.
func (e *env) wantSessionEnded(what, token string) {
	e.t.Helper()
	_, err := e.api.Sessions.Authenticate(e.t.Context(), &sessions.AuthenticateParams{SessionToken: token})
	var se stytcherror.Error
	if !errors.As(err, &se) || se.ErrorType != "session_not_found" {
		e.t.Errorf("%s: sessions/authenticate answered %v, want session_not_found", what, err)
	}
}

// Sign in, switch twice, log out: none of the three Stytch sessions outlives the logout.
func TestLogoutEndsEverySession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := e.memberships("tri@ends.test", "One", "Two", "Three")
	b := e.browser()
	b.discover("tri@ends.test")
	wantRedirect(t, b.post("/orgs/select", url.Values{"organization_id": {ids[0]}}, false), "/dashboard")
	tokens := []string{b.stytchToken()}
	for _, id := range ids[1:] {
		wantRedirect(t, b.post("/orgs/switch", url.Values{"organization_id": {id}}, false), "/dashboard")
		tokens = append(tokens, b.stytchToken())
	}
	// A switch revokes the session it replaces at once.
	e.wantSessionEnded("first session after the switches", tokens[0])
	e.wantSessionEnded("second session after the switches", tokens[1])
	b.logout()
	for i, tok := range tokens {
		e.wantSessionEnded("session "+string(rune('1'+i))+" after logout", tok)
	}
}

// Starting a new sign-in while signed in ends the Stytch session it replaces.
func TestNewSignInRevokesTheOneItReplaces(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn("again@ends.test", "Again")
	first := b.stytchToken()
	b.discover("again@ends.test") // signed in, and signs in again: the chooser
	e.wantSessionEnded("the session a new sign-in replaced", first)
}

// A replaced session whose revocation fails (Stytch down at that moment) is revoked at logout.
func TestFailedRevocationRetriedAtLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := newFaultProxy(t, e)
	ids := e.memberships("retry@ends.test", "R1", "R2")
	b := e.browser()
	b.discover("retry@ends.test")
	wantRedirect(t, b.post("/orgs/select", url.Values{"organization_id": {ids[0]}}, false), "/dashboard")
	first := b.stytchToken()
	p.failPath.Store("/v1/b2b/sessions/revoke") // only revocations fail
	wantRedirect(t, b.post("/orgs/switch", url.Values{"organization_id": {ids[1]}}, false), "/dashboard")
	second := b.stytchToken()
	if _, err := e.api.Sessions.Authenticate(t.Context(), &sessions.AuthenticateParams{SessionToken: first}); err != nil {
		t.Fatalf("the revocation was meant to fail, but the first session is gone: %v", err)
	}
	p.failPath.Store("")
	b.logout()
	e.wantSessionEnded("the replaced session, retried at logout", first)
	e.wantSessionEnded("the current session", second)
}

// sessionRows counts the scs rows in the app's database.
func (e *env) sessionRows() int {
	e.t.Helper()
	var n int
	if err := e.store.DB.QueryRow("SELECT count(*) FROM sessions").Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// 100 refused POST /login from cookieless clients (invalid, rate-limited, cross-origin) write
// no session row.
func TestRefusedLoginsWriteNoSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(d *handlers.Deps) { d.EmailRules = handlers.DefaultEmailRules })
	wantRedirect(t, e.browser().post("/login", url.Values{"email": {"taken@rows.test"}}, false), "/check-email")
	before := e.sessionRows()
	if before != 1 {
		t.Fatalf("%d session rows after one accepted sign-in, want 1", before)
	}
	for i := range 100 {
		b := e.browser() // a new cookieless visitor each time
		switch i % 3 {
		case 0:
			wantStatus(t, b.post("/login", url.Values{"email": {"not an email"}}, false), http.StatusUnprocessableEntity)
		case 1:
			wantStatus(t, b.post("/login", url.Values{"email": {"taken@rows.test"}}, false), http.StatusTooManyRequests)
		case 2:
			req, _ := http.NewRequest(http.MethodPost, e.URL+"/login", nil)
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			wantStatus(t, b.do(req), http.StatusForbidden)
		}
	}
	if n := e.sessionRows(); n != before {
		t.Fatalf("100 refused logins wrote %d session rows", n-before)
	}
}

// When the per-address limit refuses, the per-IP hit is given back: a busy address does not
// use up the whole office's budget.
func TestPerIPHitRefundedWhenAddressRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(d *handlers.Deps) {
		d.EmailRules = handlers.DefaultEmailRules
		d.IPRules = []handlers.Rule{{Window: time.Minute, Max: 3}}
	})
	b := e.browser()
	b.askLink("busy@ip.test")
	for range 4 {
		wantStatus(t, b.post("/login", url.Values{"email": {"busy@ip.test"}}, false), http.StatusTooManyRequests)
	}
	b.askLink("colleague@ip.test")
}

// The link cookie is deleted (Max-Age=0) once the link is spent, not replaced by an empty one.
func TestLinkCookieDeletedWhenSpent(t *testing.T) {
	t.Parallel()
	_, b := envWithBrowser(t)
	link := b.askLink("crumb@cookie.test")
	b.open(link)
	r := b.post("/authenticate", url.Values{"stytch_token_type": {link.Query().Get("stytch_token_type")}, "token": {link.Query().Get("token")}}, false)
	wantRedirect(t, r, "/orgs")
	var deleted bool
	for _, c := range r.Cookies() {
		if c.Name == "orgpick_link" {
			deleted = c.MaxAge < 0 && c.Value == ""
		}
	}
	if !deleted {
		t.Fatalf("the spent link's cookie is not deleted: %q", r.Header.Values("Set-Cookie"))
	}
	if b.Cookie("orgpick_link") != nil {
		t.Fatal("the browser still holds the link cookie")
	}
}

// Pages (signed in or not, errors too) are never cached and never framed.
func TestPagesNeverCachedOrFramed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn("frame@cache.test", "Frame")
	for _, path := range []string{"/", "/dashboard", "/members", "/settings", "/nope"} {
		r := b.get(path, false)
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, got)
		}
		if got := r.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("GET %s: X-Frame-Options %q, want DENY", path, got)
		}
	}
}

// The guard refuses a session whose JWT names another member than the one signed in here
// (a tampered or mixed-up session row): the person is signed out, nothing is shown.
func TestGuardRefusesAnotherMembersJWT(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob := e.browser(), e.browser()
	alice.discover("alice@guard.test")
	alice.createOrg("Alice Co")
	bob.discover("bob@guard.test")
	bob.createOrg("Bob Co")
	ctx := alice.serverSession()
	bobJWT := e.Deps.Sessions.GetString(bob.serverSession(), "jwt")
	if bobJWT == "" {
		t.Fatal("no JWT in Bob's session")
	}
	e.Deps.Sessions.Put(ctx, "jwt", bobJWT) // Bob's valid JWT in Alice's row
	if _, _, err := e.Deps.Sessions.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := alice.get("/dashboard", false)
	wantRedirect(t, r, "/?notice=session-ended")
}

// A switch to an organization the switcher did not offer is refused by the app itself:
// Stytch is never asked.
func TestSwitchToUnofferedOrgNeverReachesStytch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, otherID := e.newAdmin("owner@elsewhere.test", "Elsewhere")
	b := e.signedIn("me@switch.test", "Mine")
	before := e.emu.Calls()["POST /v1/b2b/sessions/exchange"]
	r := b.post("/orgs/switch", url.Values{"organization_id": {otherID}}, false)
	if r.StatusCode < 400 || r.StatusCode >= 500 {
		t.Fatalf("switch to an org not offered: status %d", r.StatusCode)
	}
	if n := e.emu.Calls()["POST /v1/b2b/sessions/exchange"] - before; n != 0 {
		t.Fatalf("the app asked Stytch to switch into an org it did not offer (%d exchanges)", n)
	}
}

// A demoted admin loses the admin pages on the very next request, not when the JWT refreshes.
func TestDemotedAdminLosesAdminPagesAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, orgID := e.newAdmin("demoted@roles.test", "Demoted")
	wantStatus(t, b.get("/members", false), http.StatusOK)
	wantStatus(t, b.get("/settings", false), http.StatusOK)
	found, err := e.api.Organizations.Members.Search(t.Context(), &members.SearchParams{OrganizationIds: []string{orgID}})
	if err != nil || len(found.Members) != 1 {
		t.Fatalf("members: %v", err)
	}
	if _, err := e.api.Organizations.Members.Update(t.Context(), &members.UpdateParams{
		OrganizationID: orgID, MemberID: found.Members[0].MemberID, Roles: &[]string{},
	}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, b.get("/settings", false), http.StatusForbidden)
	r := b.post("/members/invite", url.Values{"email": {"x@roles.test"}}, false)
	wantStatus(t, r, http.StatusForbidden)
	if r := b.get("/members", false); r.has(t, "invite-form") { // the list stays readable to members
		t.Fatal("a demoted admin is still offered the invite form")
	}
	if got := b.get("/dashboard", false).testid(t, "dashboard-role"); got != "Member" {
		t.Fatalf("dashboard role after demotion %q, want Member", got)
	}
}
