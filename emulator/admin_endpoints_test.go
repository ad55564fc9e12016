package emulator_test

import (
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/methodoptions"
)

func TestOrganizationCreateDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, err := e.client.Organizations.Create(e.ctx, &organizations.CreateParams{OrganizationName: "Hooli", OrganizationSlug: "hooli"})
	mustOK(t, err)
	if o := resp.Organization; o.OrganizationSlug != "hooli" || o.EmailInvites != "ALL_ALLOWED" || o.SSOJITProvisioning != "ALL_ALLOWED" {
		t.Fatalf("organization = %+v", o)
	}
	resp, err = e.client.Organizations.Create(e.ctx, &organizations.CreateParams{OrganizationName: "Pied Piper", EmailJITProvisioning: "NOT_ALLOWED"})
	mustOK(t, err)
	if o := resp.Organization; o.OrganizationSlug != "pied-piper" || o.EmailInvites != "NOT_ALLOWED" {
		t.Errorf("derived slug / invites default = %q / %q", o.OrganizationSlug, o.EmailInvites)
	}
	_, err = e.client.Organizations.Create(e.ctx, &organizations.CreateParams{OrganizationSlug: "x1"})
	wantStytchError(t, err, 400, "organization_name_missing")
	_, err = e.client.Organizations.Create(e.ctx, &organizations.CreateParams{OrganizationName: "H", OrganizationSlug: "HOOLI"})
	wantStytchError(t, err, 400, "organization_slug_already_used")

	acme := e.signUp("ada@acme.com", "Acme", "acme", jitByAcmeDomain, invitesAllowed)
	bob := joinOrg(t, e, acme.Organization.OrganizationID, "bob@acme.com")
	del := func(tok string) error {
		_, err := e.client.Organizations.Delete(e.ctx, &organizations.DeleteParams{OrganizationID: "acme"},
			&organizations.DeleteRequestOptions{Authorization: methodoptions.Authorization{SessionToken: tok}})
		return err
	}
	wantStytchError(t, del(bob), 403, "session_authorization_error")
	mustOK(t, del(acme.SessionToken))
	_, err = e.client.Organizations.Get(e.ctx, &organizations.GetParams{OrganizationID: acme.Organization.OrganizationID})
	wantStytchError(t, err, 404, "organization_not_found")
	_, err = e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionToken: bob})
	wantStytchError(t, err, 404, "session_not_found")
	if got := memberships(e.discover("bob@acme.com").DiscoveredOrganizations); len(got) != 0 {
		t.Errorf("deleted organization still discovered: %v", got)
	}
}

func TestMemberCreateUpdate(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, acme, orgID := newAcme(t)
	admin := methodoptions.Authorization{SessionToken: acme.SessionToken}
	created, err := e.client.Organizations.Members.Create(e.ctx, &members.CreateParams{OrganizationID: orgID, EmailAddress: "Bob@Acme.com", Name: "Bob"},
		&members.CreateRequestOptions{Authorization: admin})
	mustOK(t, err)
	if m := created.Member; m.Status != "active" || m.EmailAddressVerified || m.EmailAddress != "bob@acme.com" || created.StatusCode != 201 {
		t.Fatalf("created %d %+v", created.StatusCode, m)
	}
	_, err = e.client.Organizations.Members.Create(e.ctx, &members.CreateParams{OrganizationID: orgID, EmailAddress: "bob@acme.com"})
	wantStytchError(t, err, 400, "duplicate_member_email")
	pending, err := e.client.Organizations.Members.Create(e.ctx, &members.CreateParams{OrganizationID: orgID, EmailAddress: "cy@acme.com", CreateMemberAsPending: true, Roles: []string{"stytch_admin"}})
	mustOK(t, err)
	if pending.Member.Status != "pending" || !pending.Member.IsAdmin {
		t.Errorf("pending admin = %+v", pending.Member)
	}
	bobTok := joinOrg(t, e, orgID, "bob@acme.com")
	bob := methodoptions.Authorization{SessionToken: bobTok}
	_, err = e.client.Organizations.Members.Create(e.ctx, &members.CreateParams{OrganizationID: orgID, EmailAddress: "dee@acme.com"},
		&members.CreateRequestOptions{Authorization: bob})
	wantStytchError(t, err, 403, "session_authorization_error")

	update := func(p members.UpdateParams, auth methodoptions.Authorization) (*members.UpdateResponse, error) {
		p.OrganizationID, p.MemberID = orgID, created.MemberID
		return e.client.Organizations.Members.Update(e.ctx, &p, &members.UpdateRequestOptions{Authorization: auth})
	}
	_, err = update(members.UpdateParams{Name: "Robert"}, bob) // stytch.self
	mustOK(t, err)
	_, err = update(members.UpdateParams{Roles: &[]string{"stytch_admin"}}, bob)
	wantStytchError(t, err, 403, "session_authorization_error")
	_, err = update(members.UpdateParams{EmailAddress: "rob@acme.com"}, bob)
	wantStytchError(t, err, 403, "member_cannot_update_their_email_address")
	up, err := update(members.UpdateParams{Roles: &[]string{"stytch_admin"}, EmailAddress: "rob@acme.com"}, admin)
	mustOK(t, err)
	if m := up.Member; !m.IsAdmin || m.Name != "Robert" || m.EmailAddress != "rob@acme.com" || len(m.RetiredEmailAddresses) != 1 {
		t.Errorf("updated = %+v", m)
	}
	up, err = update(members.UpdateParams{Roles: &[]string{}}, admin)
	mustOK(t, err)
	if up.Member.IsAdmin || len(up.Member.Roles) != 1 {
		t.Errorf("roles not cleared: %+v", up.Member.Roles)
	}

	t.Run("sessions get", func(t *testing.T) {
		get := func() int {
			resp, err := e.client.Sessions.Get(e.ctx, &sessions.GetParams{OrganizationID: "acme", MemberID: acme.MemberID})
			mustOK(t, err)
			return len(resp.MemberSessions)
		}
		if n := get(); n != 1 {
			t.Fatalf("sessions = %d", n)
		}
		_, err := e.client.Sessions.Revoke(e.ctx, &sessions.RevokeParams{SessionToken: acme.SessionToken})
		mustOK(t, err)
		if n := get(); n != 0 {
			t.Errorf("revoked session listed: %d", n)
		}
		_, err = e.client.Sessions.Get(e.ctx, &sessions.GetParams{OrganizationID: orgID, MemberID: "member-test-nope"})
		wantStytchError(t, err, 404, "member_not_found")
	})
}
