package handlers_test

import (
	"net/http"
	"net/url"
	"testing"
)

// The invite form offers the policy's roles (as the member rows do): a ticked one is given to
// the invitee by Stytch's invite, kept ticked on a refusal; a role the policy lacks is refused.
func TestInviteWithRoles(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e := newEnv(t)
		admin, _ := e.newAdmin("boss@inviteroles.test", "Invite Roles")

		r := admin.get("/members", htmx)
		if !r.has(t, "invite-roles") || !r.has(t, "invite-role-stytch_admin") {
			t.Fatalf("the invite form should offer the roles:\n%s", r.body)
		}
		if r.doc(t).Find(`[data-testid="invite-form"] ~ [data-testid="members-list"]`).Length() != 1 {
			t.Fatal("the invite form should come before the member list")
		}

		r = admin.post("/members/invite", url.Values{"email": {"not-an-email"}, "roles": {"stytch_admin"}}, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if r.doc(t).Find(`[data-testid="invite-role-stytch_admin"][checked]`).Length() != 1 {
			t.Fatalf("a refused invitation keeps its roles ticked:\n%s", r.body)
		}

		r = admin.post("/members/invite", url.Values{"email": {"kim@inviteroles.test"}, "roles": {"stytch_admin"}}, htmx)
		wantDone(t, r, htmx, "/members?notice=invited")
		r = admin.get("/members", false)
		if got := cellOf(memberRow(t, r, "kim@inviteroles.test"), "member-role"); got != "Admin" {
			t.Fatalf("the invitee's role %q, want Admin", got)
		}

		r = admin.post("/members/invite", url.Values{"email": {"lee@inviteroles.test"}, "roles": {"no_such_role"}}, htmx)
		wantStatus(t, r, http.StatusBadRequest)
	})
}
