package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orgpick/orgpick/handlers"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
)

// sessionCookie is the browser's scs cookie ("" for none).
func (b *browser) sessionCookie() string {
	if c := b.Cookie("session"); c != nil {
		return c.Value
	}
	return ""
}

// Issue 22, point 3 and survivor 1: an invitation link that leads to an MFA step is a new
// sign-in. The session token is renewed on entering the step, and the member signed in before
// is signed out at once (their Stytch session revoked), not when the step ends: the old member
// must not keep /dashboard while the step is pending.
//
// Mutants killed: startStep without RenewToken (the cookie before the link is the cookie during
// the step); needsMFA without NewSignIn's sign-out (auth_link.go passing NewSignIn false), or
// signOutLocally keeping keyMember/keyJWT (the old member keeps /dashboard).
func TestInvitationStepSignsOutThePreviousMember(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada, _ := e.newAdmin("ada@acme.test", "Acme")
	vic, vaultID := e.newAdmin("vic@vault.test", "Vault")
	e.requireMFA(vaultID)
	e.invite(vic, "ada@acme.test")

	before := ada.sessionCookie()
	calls := e.emu.Calls()
	ada.followLink(e.latestLink("ada@acme.test"), "/mfa")
	if got := callsSince(e.emu, calls)[callRevoke]; got != 1 {
		t.Fatalf("%d revocations on entering the step, want 1 (the replaced Acme session)", got)
	}
	if ada.sessionCookie() == before {
		t.Fatal("session token not renewed on entering the MFA step")
	}
	wantRedirect(t, ada.get("/dashboard", false), "/")
	page := ada.get("/mfa", false)
	wantStatus(t, page, http.StatusOK)
	replay := e.browser()
	u, _ := url.Parse(e.URL)
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: before}})
	wantRedirect(t, replay.get("/dashboard", false), "/")
}

// Survivors 1 and 4: a new discovery sign-in clears the previous member and any pending MFA
// step at once.
//
// Mutants killed: startDiscovery (signOutLocally) not removing keyMember and keyJWT (the old
// member keeps /dashboard); startDiscovery not removing keyMFA (the old step stays open).
func TestNewSignInClearsMemberAndStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, orgID := e.newAdmin("ada@acme.test", "Acme")
	admin.discover("ada2@other.test")
	wantRedirect(t, admin.get("/dashboard", false), "/")

	e.invite(e.signedInAdmin("boss@acme.test", orgID, admin), "bob@acme.test")
	e.requireMFA(orgID)
	b := e.browser()
	b.toMFA("bob@acme.test", orgID)
	b.discover("carol@else.test")
	if r := b.get("/mfa", false); r.StatusCode == http.StatusOK {
		t.Fatalf("bob's MFA step is still open after carol's sign-in started:\n%.2000s", r.body)
	}
}

// signedInAdmin signs ada back in (the test's first admin browser was used for another
// discovery) and returns a browser on Acme's dashboard.
func (e *env) signedInAdmin(_ string, orgID string, _ *browser) *browser {
	e.t.Helper()
	b := e.browser()
	b.discover("ada@acme.test")
	wantRedirect(e.t, b.post("/orgs/select", url.Values{"organization_id": {orgID}}, false), "/dashboard")
	return b
}

// Issue 22, point 4: recovery codes waiting for "I saved them" belong to their member. A
// second person signing in on the same browser doesn't see them; nor does the member in
// another organization after a switch.
//
// Mutants killed: newCodes without the member/org binding (codes shown after a switch);
// signOutLocally not removing keyCodes with the binding also gone (shown to the next person).
func TestPendingRecoveryCodesStayWithTheirMember(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, orgID := e.newAdmin("ada@acme.test", "Acme")
	e.invite(admin, "bob@acme.test")
	e.requireMFA(orgID)

	b := e.browser()
	b.toMFA("bob@acme.test", orgID)
	wantRedirect(t, b.post("/mfa/totp/setup", nil, false), "/mfa")
	s := secret(t, b.get("/mfa", false))
	wantRedirect(t, b.post("/mfa/totp", url.Values{"code": {e.totp(s)}}, false), "/mfa/recovery-codes")
	if len(recoveryCodes(t, b.get("/mfa/recovery-codes", false))) == 0 {
		t.Fatal("no codes shown to their member")
	}
	// Bob walks away without pressing "I saved them"; Carol signs in on the same browser.
	b.discover("carol@else.test")
	b.createOrg("Carol's")
	if r := b.get("/mfa/recovery-codes", false); r.StatusCode == http.StatusOK && len(recoveryCodes(t, r)) > 0 {
		t.Fatal("carol sees bob's recovery codes")
	}

	// The member's own codes, shown from /account in one organization, are not shown in
	// another after a switch.
	d, _ := e.newAdmin("dan@acme.test", "Dan Two")
	d.discover("dan@acme.test")
	d.createOrg("Dan One")
	ids := orgIDs(t, d.get("/dashboard", false))
	wantRedirect(t, d.post("/account/totp", nil, false), "/account")
	s = secret(t, d.get("/account", false))
	wantRedirect(t, d.post("/account/totp/confirm", url.Values{"code": {e.totp(s)}}, false), "/mfa/recovery-codes")
	wantRedirect(t, d.post("/orgs/switch", url.Values{"organization_id": {ids[0]}}, false), "/dashboard")
	wantRedirect(t, d.get("/mfa/recovery-codes", false), "/dashboard")
}

// Survivor 3: an address with a quote and a plus (accepted by the email form) signs in end to
// end, and the organization it entered last is remembered and listed first: the last-org SQL
// takes the address as a parameter.
//
// Mutant killed: the last-org SELECT (or INSERT) built by concatenating the email (a syntax
// error at the quote, which the chooser only logs, so the order falls back to Stytch's).
func TestQuotedAddressSignsInAndIsRemembered(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const email = "o'hara+x@acme.test"
	b := e.browser()
	b.discover(email)
	b.createOrg("Hara One")
	b.discover(email)
	page := b.createOrg("Hara Two")
	if got := page.testid(t, "dashboard-email"); got != email {
		t.Fatalf("dashboard email %q, want %q", got, email)
	}
	b.logout()
	chooser := b.discover(email)
	ids := orgIDs(t, chooser)
	if len(ids) != 2 {
		t.Fatalf("chooser lists %v, want both organizations", ids)
	}
	wantRedirect(t, b.post("/orgs/select", url.Values{"organization_id": {ids[0]}}, false), "/dashboard")
	if got := b.get("/dashboard", false).testid(t, "dashboard-org"); got != "Hara Two" {
		t.Fatalf("the chooser listed %q first, want the last used, Hara Two", got)
	}
}

// Survivor 7: an enrolled member at the step is not offered a new authenticator app: POST
// /mfa/totp/setup leads back to the step without asking Stytch.
//
// Mutant killed: TOTPSetupSubmit without `p.Enrolled() ||`.
func TestTOTPSetupRefusedToEnrolledMember(t *testing.T) {
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
	wantCalls(t, e, "an enrolled member's setup", map[string]int{}, func() {
		wantRedirect(t, b.post("/mfa/totp/setup", nil, false), "/mfa")
	})
}

// Survivor 8: while the organization wants another sign-in method first, no factor form runs:
// each leads back to the step without asking Stytch (not only the redirect is checked).
//
// Mutant killed: MFA.open without `&& p.PrimaryRequired != nil`.
func TestFactorFormsWaitForThePrimaryMethod(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, orgID := e.newAdmin("ada@restricted.test", "Googlers")
	e.restrictTo(orgID, "google_oauth")
	b := e.browser()
	b.toMFA("ada@restricted.test", orgID)
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{"/mfa/totp/setup", nil},
		{"/mfa/totp", url.Values{"code": {"123456"}}},
		{"/mfa/sms/send", url.Values{"phone_number": {"+14155550100"}}},
		{"/mfa/sms", url.Values{"code": {"123456"}}},
		{"/mfa/recovery", url.Values{"recovery_code": {"abcd-efgh-ijkl"}}},
	} {
		wantCalls(t, e, c.path, map[string]int{}, func() {
			wantRedirect(t, b.post(c.path, c.form, false), "/mfa")
		})
	}
}

// Survivor 9: the admin re-check's answer must name the member and organization the session
// row holds. A row holding another member's Stytch session token (Bob's, an admin of the same
// organization, in Alice's row with Alice's JWT) is ended, not served as Bob.
//
// Mutant killed: guard.can without the `s.MemberID != m.MemberID || s.Org.ID != m.Org.ID` case.
func TestAdminRecheckRefusesAnotherMembersSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, orgID := e.newAdmin("alice@guard.test", "Alice Co")
	e.invite(alice, "bob@guard.test")
	bob := e.browser()
	bob.discover("bob@guard.test")
	wantRedirect(t, bob.post("/orgs/select", url.Values{"organization_id": {orgID}}, false), "/dashboard")
	found, err := e.api.Organizations.Members.Search(t.Context(), &members.SearchParams{OrganizationIds: []string{orgID}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range found.Members {
		if m.EmailAddress == "bob@guard.test" {
			if _, err := e.api.Organizations.Members.Update(t.Context(), &members.UpdateParams{
				OrganizationID: orgID, MemberID: m.MemberID, Roles: &[]string{"stytch_admin"},
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	wantStatus(t, bob.get("/settings", false), http.StatusOK) // Bob is an admin now

	ctx := alice.serverSession()
	b, err := handlers.WithStoredMemberToken(e.Deps.Sessions.GetBytes(ctx, "member"), bob.stytchToken())
	if err != nil {
		t.Fatal(err)
	}
	e.Deps.Sessions.Put(ctx, "member", b)
	if _, _, err := e.Deps.Sessions.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	wantRedirect(t, alice.get("/settings", false), "/?notice=session-ended")
}

// Survivor 10: a factor being added on the account page belongs to the member who started it:
// another member's step in this browser's row (Bob's app setup, with its secret) is neither
// shown nor confirmed.
//
// Mutant killed: Account.step without the `st.MemberID != m.MemberID || st.OrgID != m.Org.ID`
// check.
func TestAccountStepStaysWithItsMember(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, _ := e.newAdmin("alice@acct.test", "Alice Co")
	bob, _ := e.newAdmin("bob@acct.test", "Bob Co")
	wantRedirect(t, bob.post("/account/totp", nil, false), "/account")
	s := secret(t, bob.get("/account", false))
	ctx := alice.serverSession()
	e.Deps.Sessions.Put(ctx, "account", e.Deps.Sessions.GetBytes(bob.serverSession(), "account"))
	if _, _, err := e.Deps.Sessions.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if page := alice.get("/account", false); strings.Contains(page.body, s) || page.has(t, "totp-setup") {
		t.Fatal("alice's account page shows bob's app setup")
	}
	wantRedirect(t, alice.post("/account/totp/confirm", url.Values{"code": {e.totp(s)}}, false), "/account")
}
