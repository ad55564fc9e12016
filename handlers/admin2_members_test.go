package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// Emulator routes of the second round of admin actions (keys of emulator.Calls).
const (
	callUpdateMember = "PUT /v1/b2b/organizations/{organization_id}/members/{member_id}"
	callReactivate   = "PUT /v1/b2b/organizations/{organization_id}/members/{member_id}/reactivate"
	callSessionsGet  = "GET /v1/b2b/sessions"
)

// joined invites addr into the admin's organization and signs them in from the invitation:
// their browser, on the dashboard.
func (e *env) joined(t *testing.T, admin *browser, addr string) *browser {
	t.Helper()
	wantDone(t, admin.post("/members/invite", url.Values{"email": {addr}}, false), false, "/members?notice=invited")
	b := e.browser()
	b.followLink(e.latestLink(addr), "/dashboard")
	return b
}

// roleBoxes are the ticked role boxes of a member's row.
func roleBoxes(t *testing.T, r response, addr string) []string {
	t.Helper()
	var out []string
	memberRow(t, r, addr).Find(`[data-testid="member-roles-form"] input[type="checkbox"][checked]`).Each(func(_ int, s *goquery.Selection) {
		v, _ := s.Attr("value")
		out = append(out, v)
	})
	return out
}

// wantRefused checks an admin action's refusal: status, and the message on both paths.
func wantRefused(t *testing.T, r response, htmx bool, status int, want string) {
	t.Helper()
	wantStatus(t, r, status)
	if htmx && r.Header.Get("HX-Retarget") != "#flash" {
		t.Fatalf("htmx refusal not retargeted to #flash")
	}
	if got := r.testid(t, "error-message"); !strings.Contains(got, want) {
		t.Fatalf("message %q, want %q", got, want)
	}
}

// Promote a member to admin and back: the promoted member gets the admin pages at once, the
// demoted one loses them at once. The last admin can't drop the role.
func TestRolesPromoteDemoteAndLastAdmin(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e := newEnv(t)
		admin, _ := e.newAdmin("boss@roles2.test", "Roles Two")
		ada := e.joined(t, admin, "ada@roles2.test")
		adaID := memberIDOf(t, admin, "ada@roles2.test")
		bossID := memberIDOf(t, admin, "boss@roles2.test")
		wantStatus(t, ada.get("/settings", false), http.StatusForbidden)

		r := admin.get("/members", false)
		if got := roleBoxes(t, r, "boss@roles2.test"); !slices.Equal(got, []string{"stytch_admin"}) {
			t.Fatalf("boss's ticked roles %v", got)
		}
		if got := roleBoxes(t, r, "ada@roles2.test"); len(got) != 0 {
			t.Fatalf("ada's ticked roles %v", got)
		}

		// The last admin can't drop the role: nothing reaches Stytch's member update.
		before := e.emu.Calls()
		wantRefused(t, admin.post("/members/roles", url.Values{"member_id": {bossID}}, htmx), htmx, http.StatusConflict, "only admin left")
		if e.emu.Calls()[callUpdateMember] != before[callUpdateMember] {
			t.Fatal("a refused demotion reached Stytch")
		}

		// Promote Ada: she gets the admin pages on her very next request.
		r = admin.post("/members/roles", url.Values{"member_id": {adaID}, "roles": {"stytch_admin"}}, htmx)
		wantDone(t, r, htmx, "/members?notice=roles-saved")
		r = admin.get("/members?notice=roles-saved", false)
		if n := r.testid(t, "notice"); !strings.Contains(n, "ada@roles2.test") || !strings.Contains(n, "Admin") {
			t.Fatalf("notice %q", n)
		}
		if got := cellOf(memberRow(t, r, "ada@roles2.test"), "member-role"); got != "Admin" {
			t.Fatalf("ada's role %q", got)
		}
		wantStatus(t, ada.get("/settings", false), http.StatusOK)

		// Now two admins: the boss may step down, and loses the admin pages at once.
		wantDone(t, admin.post("/members/roles", url.Values{"member_id": {bossID}}, htmx), htmx, "/members?notice=roles-saved")
		wantStatus(t, admin.get("/settings", false), http.StatusForbidden)

		// Ada, the last admin now, demotes nobody into no admin; unknown roles are malformed.
		wantRefused(t, ada.post("/members/roles", url.Values{"member_id": {adaID}}, htmx), htmx, http.StatusConflict, "only admin left")
		wantStatus(t, ada.post("/members/roles", url.Values{"member_id": {bossID}, "roles": {"stytch_member"}}, htmx), http.StatusBadRequest)
		wantStatus(t, ada.post("/members/roles", url.Values{"member_id": {bossID}, "roles": {"root"}}, htmx), http.StatusBadRequest)

		// The demoted boss can't change roles any more.
		wantStatus(t, admin.post("/members/roles", url.Values{"member_id": {bossID}, "roles": {"stytch_admin"}}, htmx), http.StatusForbidden)
	})
}

// Remove (with a confirmation naming the member) ends their sessions at Stytch and they can no
// longer choose the organization; restore brings them back.
func TestRemoveAndRestore(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e := newEnv(t)
		admin, orgID := e.newAdmin("boss@remove.test", "Remove Co")
		bob := e.joined(t, admin, "bob@remove.test")
		bobToken := bob.stytchToken()
		bobID := memberIDOf(t, admin, "bob@remove.test")
		bossID := memberIDOf(t, admin, "boss@remove.test")

		// The first press asks, naming Bob; nothing is removed.
		before := e.emu.Calls()
		r := admin.post("/members/remove", url.Values{"member_id": {bobID}}, htmx)
		wantStatus(t, r, http.StatusOK)
		if htmx {
			wantFragment(t, r, "remove-confirm")
		}
		if h := r.doc(t).Find("#remove-confirm h1").Text(); !strings.Contains(h, "bob@remove.test") || !strings.Contains(h, "Remove Co") {
			t.Fatalf("confirmation heading %q", h)
		}
		if got := r.testid(t, "remove-sessions"); !strings.Contains(got, "1 device") {
			t.Fatalf("sessions %q", got)
		}
		if after := e.emu.Calls(); after[callDeleteMember] != before[callDeleteMember] {
			t.Fatal("the confirmation step deleted the member")
		}

		// Confirmed: Bob's session ends at Stytch and the org is no longer offered to him.
		r = admin.post("/members/remove", url.Values{"member_id": {bobID}, "confirm": {"yes"}}, htmx)
		wantDone(t, r, htmx, "/members?notice=removed")
		e.wantSessionEnded("bob after removal", bobToken)
		r = admin.get("/members?notice=removed", false)
		if memberRow(t, r, "bob@remove.test").Length() != 0 || !strings.Contains(r.testid(t, "notice"), "bob@remove.test") {
			t.Fatalf("bob still listed, or notice %q", r.testid(t, "notice"))
		}
		if ids := orgIDs(t, e.browser().discover("bob@remove.test")); slices.Contains(ids, orgID) {
			t.Fatal("a removed member is still offered the organization")
		}

		// Listed apart, and restored.
		r = admin.get("/members?status=deleted", htmx)
		wantStatus(t, r, http.StatusOK)
		if got := cellOf(memberRow(t, r, "bob@remove.test"), "member-status"); got != "Removed" {
			t.Fatalf("removed list: bob %q", got)
		}
		wantDone(t, admin.post("/members/restore", url.Values{"member_id": {bobID}}, htmx), htmx, "/members?notice=restored")
		if got := cellOf(memberRow(t, admin.get("/members", false), "bob@remove.test"), "member-status"); got != "Active" {
			t.Fatalf("restored bob %q", got)
		}
		if ids := orgIDs(t, e.browser().discover("bob@remove.test")); !slices.Contains(ids, orgID) {
			t.Fatal("a restored member is offered the organization again")
		}

		// Refusals: yourself, someone not removed, an invitation never accepted.
		wantRefused(t, admin.post("/members/remove", url.Values{"member_id": {bossID}}, htmx), htmx, http.StatusConflict, "your own membership")
		wantRefused(t, admin.post("/members/restore", url.Values{"member_id": {bobID}}, htmx), htmx, http.StatusConflict, "hasn't been removed")
		wantRefused(t, admin.post("/members/remove", url.Values{"member_id": {"member-test-nope"}}, htmx), htmx, http.StatusNotFound, "couldn't find")
		back := e.browser() // restored Bob signs in again, and is no admin
		back.signIn("bob@remove.test", "", orgID, 0)
		wantRefused(t, back.post("/members/remove", url.Values{"member_id": {bossID}}, htmx), htmx, http.StatusForbidden, "Only an admin")
	})
}

// Reset factors deletes a member's authenticator app and phone; "Sign out" ends their sessions.
func TestResetFactorsAndSignOutMember(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e := newEnv(t)
		admin, _ := e.newAdmin("boss@reset.test", "Reset Co")
		cy := e.joined(t, admin, "cy@reset.test")
		cyID := memberIDOf(t, admin, "cy@reset.test")
		wantRedirect(t, cy.post("/account/phone", url.Values{"phone_number": {"+15555550123"}}, false), "/account")

		before := e.emu.Calls()
		wantDone(t, admin.post("/members/mfa/reset", url.Values{"member_id": {cyID}}, htmx), htmx, "/members?notice=factors-reset")
		if n := e.emu.Calls()[callFactorDelete] - before[callFactorDelete]; n != 2 {
			t.Fatalf("%d factor deletions, want 2 (app, phone)", n)
		}
		if got := admin.get("/members?notice=factors-reset", false).testid(t, "notice"); !strings.Contains(got, "cy@reset.test") {
			t.Fatalf("notice %q", got)
		}

		tok := cy.stytchToken()
		wantDone(t, admin.post("/members/sessions/revoke", url.Values{"member_id": {cyID}}, htmx), htmx, "/members?notice=member-signed-out")
		e.wantSessionEnded("cy after sign-out", tok)
	})
}

// Every new admin and account form refuses a cross-site POST before Stytch hears of it.
func TestAdminRoundTwoCrossSiteRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, _ := e.newAdmin("boss@xsite2.test", "Xsite Two")
	before := e.emu.Calls()
	for _, path := range []string{
		"/members/roles", "/members/remove", "/members/restore", "/members/mfa/reset", "/members/sessions/revoke",
		"/account/sessions/revoke", "/account/sessions/revoke-others", "/settings/profile", "/settings/methods", "/settings/delete",
	} {
		req, _ := http.NewRequest(http.MethodPost, e.URL+path, strings.NewReader("member_id=member-test-x&confirm=yes&confirm_slug=xsite-two"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		wantStatus(t, admin.do(req), http.StatusForbidden)
	}
	if got := callsSince(e.emu, before); len(got) != 0 {
		t.Fatalf("cross-site posts reached Stytch: %v", got)
	}
}
