package handlers_test

import (
	"net/http"
	"net/url"
	"testing"
)

const callDeleteOrg = "DELETE /v1/b2b/organizations/{organization_id}"

// Each action of the second round of admin pages, and the Stytch calls it makes (inside the
// JWT's life; the RBAC policy is cached). Admin routes ask Stytch for the member's roles on
// every request (sessions/authenticate with an authorization check).
func TestStytchCallBudgetAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, orgID := e.newAdmin("boss@budget2.test", "Budget Two")
	ann := e.joined(t, admin, "ann@budget2.test")
	annID := memberIDOf(t, admin, "ann@budget2.test")
	other := e.browser()
	other.signIn("boss@budget2.test", "", orgID, 0)
	wantStatus(t, ann.get("/dashboard", false), http.StatusOK)

	wantCalls(t, e, "members page", map[string]int{callSearch: 1}, func() { wantStatus(t, admin.get("/members", false), http.StatusOK) })
	wantCalls(t, e, "promote", map[string]int{callSessionAuth: 1, callSearch: 1, callUpdateMember: 1}, func() {
		wantRedirect(t, admin.post("/members/roles", url.Values{"member_id": {annID}, "roles": {"stytch_admin"}}, false), "/members?notice=roles-saved")
	})
	wantCalls(t, e, "demote (counts the admins first)", map[string]int{callSessionAuth: 1, callSearch: 2, callUpdateMember: 1}, func() {
		wantRedirect(t, admin.post("/members/roles", url.Values{"member_id": {annID}}, false), "/members?notice=roles-saved")
	})
	wantCalls(t, e, "reset second steps", map[string]int{callSessionAuth: 1, callSearch: 1, callFactorDelete: 2}, func() {
		wantRedirect(t, admin.post("/members/mfa/reset", url.Values{"member_id": {annID}}, false), "/members?notice=factors-reset")
	})
	wantCalls(t, e, "sign a member out", map[string]int{callSessionAuth: 1, callSearch: 1, callRevoke: 1}, func() {
		wantRedirect(t, admin.post("/members/sessions/revoke", url.Values{"member_id": {annID}}, false), "/members?notice=member-signed-out")
	})
	wantCalls(t, e, "remove: the confirmation", map[string]int{callSessionAuth: 1, callSearch: 1, callSessionsGet: 1}, func() {
		wantStatus(t, admin.post("/members/remove", url.Values{"member_id": {annID}}, false), http.StatusOK)
	})
	wantCalls(t, e, "remove", map[string]int{callSessionAuth: 1, callSearch: 1, callRevoke: 1, callDeleteMember: 1}, func() {
		wantRedirect(t, admin.post("/members/remove", url.Values{"member_id": {annID}, "confirm": {"yes"}}, false), "/members?notice=removed")
	})
	wantCalls(t, e, "restore", map[string]int{callSessionAuth: 1, callSearch: 1, callReactivate: 1}, func() {
		wantRedirect(t, admin.post("/members/restore", url.Values{"member_id": {annID}}, false), "/members?notice=restored")
	})

	wantCalls(t, e, "account page", map[string]int{callSessionAuth: 1, callSessionsGet: 1}, func() { wantStatus(t, admin.get("/account", false), http.StatusOK) })
	_, otherID := sessionIDs(t, other.get("/account", false))
	wantCalls(t, e, "sign out one session", map[string]int{callSessionsGet: 1, callRevoke: 1}, func() {
		wantRedirect(t, admin.post("/account/sessions/revoke", url.Values{"session_id": {otherID}}, false), "/account?notice=session-ended-one")
	})
	wantCalls(t, e, "sign out everywhere else, with none left", map[string]int{callSessionsGet: 1}, func() {
		wantRedirect(t, admin.post("/account/sessions/revoke-others", nil, false), "/account?notice=others-ended")
	})

	wantCalls(t, e, "settings page", map[string]int{callSessionAuth: 2}, func() { wantStatus(t, admin.get("/settings", false), http.StatusOK) })
	wantCalls(t, e, "save the profile", map[string]int{callSessionAuth: 2, callUpdateOrg: 1}, func() {
		wantRedirect(t, admin.post("/settings/profile", url.Values{"organization_name": {"Budget 2"}, "organization_slug": {"budget-2"}}, false), "/settings?notice=profile-saved")
	})
	wantCalls(t, e, "restrict the sign-in methods (the admin's own method checked)", map[string]int{callSessionAuth: 1, callSessionsGet: 1, callUpdateOrg: 1}, func() {
		wantRedirect(t, admin.post("/settings/methods", url.Values{"auth_methods": {"RESTRICTED"}, "allowed_auth_methods": {"magic_link", "google_oauth"}, "email_invites": {"ALL_ALLOWED"}}, false), "/settings?notice=methods-saved")
	})
	wantCalls(t, e, "delete the organization", map[string]int{callSessionAuth: 2, callDeleteOrg: 1}, func() {
		wantRedirect(t, admin.post("/settings/delete", url.Values{"confirm_slug": {"budget-2"}}, false), "/?notice=org-deleted")
	})
}
