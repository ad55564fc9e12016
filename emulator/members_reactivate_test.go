package emulator_test

import (
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/methodoptions"
)

// Delete ends a member's sessions; reactivate (by an admin's session) brings the member back,
// who can then sign in again. A never-verified member can't be reactivated; a plain member
// may not reactivate anyone.
func TestMemberReactivate(t *testing.T) {
	t.Parallel()
	e, acme, orgID := newAcme(t)
	admin := methodoptions.Authorization{SessionToken: acme.SessionToken}
	bobID := invite(t, e, orgID, "bob@acme.com")
	ist := e.discover("bob@acme.com").IntermediateSessionToken
	bob, err := e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: orgID})
	mustOK(t, err)
	cyID := invite(t, e, orgID, "cy@acme.com") // invited, never verified

	t.Run("a member may not reactivate", func(t *testing.T) {
		_, err := e.client.Organizations.Members.Reactivate(e.ctx, &members.ReactivateParams{OrganizationID: orgID, MemberID: cyID},
			&members.ReactivateRequestOptions{Authorization: methodoptions.Authorization{SessionToken: bob.SessionToken}})
		wantStytchError(t, err, 403, "session_authorization_error")
	})
	_, err = e.client.Organizations.Members.Delete(e.ctx, &members.DeleteParams{OrganizationID: orgID, MemberID: bobID},
		&members.DeleteRequestOptions{Authorization: admin})
	mustOK(t, err)
	_, err = e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionToken: bob.SessionToken})
	wantStytchError(t, err, 404, "session_not_found")

	r, err := e.client.Organizations.Members.Reactivate(e.ctx, &members.ReactivateParams{OrganizationID: orgID, MemberID: bobID},
		&members.ReactivateRequestOptions{Authorization: admin})
	mustOK(t, err)
	if r.Member.Status != "active" || r.MemberID != bobID {
		t.Fatalf("member = %+v", r.Member)
	}
	ist = e.discover("bob@acme.com").IntermediateSessionToken
	again, err := e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: orgID})
	mustOK(t, err)
	if !again.MemberAuthenticated {
		t.Fatal("a reactivated member signs in again")
	}

	_, err = e.client.Organizations.Members.Delete(e.ctx, &members.DeleteParams{OrganizationID: orgID, MemberID: cyID})
	mustOK(t, err)
	_, err = e.client.Organizations.Members.Reactivate(e.ctx, &members.ReactivateParams{OrganizationID: orgID, MemberID: cyID})
	wantStytchError(t, err, 400, "member_email_not_verified")
	_, err = e.client.Organizations.Members.Reactivate(e.ctx, &members.ReactivateParams{OrganizationID: orgID, MemberID: "member-test-nope"})
	wantStytchError(t, err, 404, "member_not_found")
}
