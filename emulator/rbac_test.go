package emulator_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/orgpick/orgpick/emulator"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/rbac"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/methodoptions"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"
)

// docsPolicy adds a custom resource and an "editor" role, and lets every member read documents.
var docsPolicy = &emulator.Policy{
	Resources: []emulator.Resource{{ResourceID: "documents", Description: "Docs", Actions: []string{"read", "write"}}},
	Roles: []emulator.Role{
		{RoleID: "editor", Description: "Edits documents", Permissions: []emulator.Permission{{ResourceID: "documents", Actions: []string{"*"}}}},
		{RoleID: "stytch_member", Description: "Everyone", Permissions: []emulator.Permission{
			{ResourceID: "stytch.self", Actions: []string{"*"}}, {ResourceID: "documents", Actions: []string{"read"}}}},
	},
}

func TestRBACPolicyEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, err := e.client.RBAC.Policy(e.ctx, &rbac.PolicyParams{})
	mustOK(t, err)
	roles := map[string][]rbac.PolicyRolePermission{}
	for _, r := range resp.Policy.Roles {
		roles[r.RoleID] = r.Permissions
	}
	if len(roles[emulatorAdmin]) != 4 || roles["stytch_member"][0].ResourceID != "stytch.self" {
		t.Fatalf("roles = %+v", roles)
	}
	i := slices.IndexFunc(resp.Policy.Resources, func(r rbac.PolicyResource) bool { return r.ResourceID == "stytch.member" })
	if i < 0 || !slices.Contains(resp.Policy.Resources[i].Actions, "create") || !slices.Contains(resp.Policy.Resources[i].Actions, "search") {
		t.Fatalf("resources = %+v", resp.Policy.Resources)
	}
	if _, err := emulator.New(emulator.Config{ProjectID: projectID, Secret: secret,
		RBACPolicy: &emulator.Policy{Resources: []emulator.Resource{{ResourceID: "stytch.docs"}}}}); err == nil {
		t.Error("a stytch-prefixed custom resource was accepted")
	}
}

const emulatorAdmin = "stytch_admin"

func TestRBACAuthorization(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t, func(c *emulator.Config) { c.RBACPolicy = docsPolicy })
	admin := e.signUp("ada@acme.com", "Acme", "acme", jitByAcmeDomain, invitesAllowed)
	orgID := admin.Organization.OrganizationID
	bob := joinOrg(t, e, orgID, "bob@acme.com") // plain stytch_member
	_, err := e.client.MagicLinks.Email.Invite(e.ctx, &email.InviteParams{OrganizationID: orgID, EmailAddress: "eve@acme.com", Roles: []string{"editor"}})
	mustOK(t, err)
	eve := joinOrg(t, e, orgID, "eve@acme.com")

	check := func(tok, resource, action string) error {
		_, err := e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionToken: tok,
			AuthorizationCheck: &sessions.AuthorizationCheck{OrganizationID: orgID, ResourceID: resource, Action: action}})
		return err
	}
	for _, c := range []struct {
		who, tok, resource, action string
		ok                         bool
	}{
		{"admin", admin.SessionToken, "stytch.member", "create", true},
		{"admin", admin.SessionToken, "stytch.organization", "update.settings.allowed-domains", true},
		{"admin", admin.SessionToken, "documents", "read", true}, // every admin is a stytch_member too
		{"admin", admin.SessionToken, "documents", "write", false},
		{"member", bob, "stytch.member", "search", false},
		{"member", bob, "stytch.member", "create", false},
		{"member", bob, "stytch.self", "update.info.name", true},
		{"member", bob, "documents", "read", true},
		{"editor", eve, "documents", "write", true},
		{"editor", eve, "stytch.member", "create", false},
	} {
		err := check(c.tok, c.resource, c.action)
		if c.ok {
			mustOK(t, err)
		} else {
			wantStytchError(t, err, 403, "session_authorization_error")
		}
	}

	t.Run("SDK local check with the served policy", func(t *testing.T) {
		jwtFor := func(tok string) string {
			resp, err := e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionToken: tok})
			mustOK(t, err)
			return resp.SessionJWT
		}
		ac := &sessions.AuthorizationCheck{OrganizationID: orgID, ResourceID: "documents", Action: "write"}
		_, err := e.client.Sessions.AuthenticateJWTLocal(e.ctx, jwtFor(eve), time.Minute, ac)
		mustOK(t, err)
		_, err = e.client.Sessions.AuthenticateJWTLocal(e.ctx, jwtFor(bob), time.Minute, ac)
		var se stytcherror.Error // built by the SDK itself: no request ID
		if !errors.As(err, &se) || se.ErrorType != "session_authorization_error" {
			t.Errorf("local check for a plain member: %v", err)
		}
		_, err = e.client.Sessions.AuthenticateJWT(e.ctx, &sessions.AuthenticateJWTParams{MaxTokenAge: time.Minute,
			Body: &sessions.AuthenticateParams{SessionJWT: jwtFor(bob), AuthorizationCheck: ac}})
		wantStytchError(t, err, 403, "session_authorization_error") // the remote fallback refuses too
	})
}

func TestRBACOrganizationCustomRoles(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	admin := e.signUp("ada@acme.com", "Acme", "acme", jitByAcmeDomain, invitesAllowed)
	orgID := admin.Organization.OrganizationID
	mustOK(t, e.emu.SetOrganizationCustomRoles(e.ctx, "acme", []emulator.Role{{RoleID: "people-manager",
		Permissions: []emulator.Permission{{ResourceID: "stytch.member", Actions: []string{"search", "create"}},
			{ResourceID: "stytch.organization", Actions: []string{"update.info.name"}}}}}))
	if err := e.emu.SetOrganizationCustomRoles(e.ctx, "acme", []emulator.Role{{RoleID: "x", Permissions: []emulator.Permission{{ResourceID: "nope", Actions: []string{"*"}}}}}); err == nil {
		t.Error("custom role on an unknown resource was accepted")
	}
	_, err := e.client.MagicLinks.Email.Invite(e.ctx, &email.InviteParams{OrganizationID: orgID, EmailAddress: "pm@acme.com", Roles: []string{"people-manager"}})
	mustOK(t, err)
	pm := &methodoptions.Authorization{SessionToken: joinOrg(t, e, orgID, "pm@acme.com")}
	bob := &methodoptions.Authorization{SessionToken: joinOrg(t, e, orgID, "bob@acme.com")}

	_, err = e.client.Organizations.Members.Search(e.ctx, &members.SearchParams{OrganizationIds: []string{orgID}}, &members.SearchRequestOptions{Authorization: *pm})
	mustOK(t, err)
	_, err = e.client.MagicLinks.Email.Invite(e.ctx, &email.InviteParams{OrganizationID: orgID, EmailAddress: "new@acme.com"}, &email.InviteRequestOptions{Authorization: *pm})
	mustOK(t, err)
	_, err = e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID, OrganizationName: "Acme 2"}, &organizations.UpdateRequestOptions{Authorization: *pm})
	mustOK(t, err)
	_, err = e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID, OrganizationName: "Acme 3", EmailJITProvisioning: "NOT_ALLOWED"}, &organizations.UpdateRequestOptions{Authorization: *pm})
	wantStytchError(t, err, 403, "session_authorization_error") // the JIT setting needs another action
	_, err = e.client.Organizations.Members.Delete(e.ctx, &members.DeleteParams{OrganizationID: orgID, MemberID: admin.MemberID}, &members.DeleteRequestOptions{Authorization: *pm})
	wantStytchError(t, err, 403, "session_authorization_error")

	t.Run("revoke", func(t *testing.T) {
		bobMember, err := e.client.Organizations.Members.Get(e.ctx, &members.GetParams{OrganizationID: orgID, EmailAddress: "bob@acme.com"})
		mustOK(t, err)
		_, err = e.client.Sessions.Revoke(e.ctx, &sessions.RevokeParams{MemberID: admin.MemberID}, &sessions.RevokeRequestOptions{Authorization: *bob})
		wantStytchError(t, err, 403, "session_authorization_error")
		_, err = e.client.Sessions.Revoke(e.ctx, &sessions.RevokeParams{MemberID: bobMember.MemberID}, &sessions.RevokeRequestOptions{Authorization: *bob})
		mustOK(t, err) // stytch.self revoke-sessions
	})
	t.Run("roles on the member and the JWT", func(t *testing.T) {
		resp, err := e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionToken: pm.SessionToken})
		mustOK(t, err)
		if !slices.Contains(resp.MemberSession.Roles, "people-manager") || resp.Member.IsAdmin {
			t.Errorf("roles = %v, is_admin %v", resp.MemberSession.Roles, resp.Member.IsAdmin)
		}
	})
}
