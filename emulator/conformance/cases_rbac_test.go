package conformance_test

import (
	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
)

func (f *fixture) inviteCases() []errCase {
	invite := func(p email.InviteParams, tok string) func() error {
		return func() error {
			if p.OrganizationID == "" {
				p.OrganizationID = f.orgID
			}
			var opts []*email.InviteRequestOptions
			if tok != "" {
				opts = append(opts, &email.InviteRequestOptions{Authorization: as(tok)})
			}
			_, err := f.c.MagicLinks.Email.Invite(f.ctx, &p, opts...)
			return err
		}
	}
	// An organization created with auth settings but no email_invites: invites default to off.
	quiet := f.create("q@quiet.example", "Quiet", "quiet", func(p *dorgs.CreateParams) { p.EmailJITProvisioning = "NOT_ALLOWED" })
	strict := f.create("s@strict.example", "Strict", "strict", func(p *dorgs.CreateParams) {
		p.EmailInvites, p.EmailAllowedDomains = "RESTRICTED", []string{"strict.example"}
	})
	return []errCase{
		{"invite an active member", invite(email.InviteParams{EmailAddress: "ada@errs.example"}, ""), 400, "member_already_active"},
		{"invites default to off", invite(email.InviteParams{OrganizationID: quiet.Organization.OrganizationID, EmailAddress: "x@quiet.example"}, ""), 403, "email_invites_not_allowed"},
		{"invite outside the allowed domains", invite(email.InviteParams{OrganizationID: "strict", EmailAddress: "x@else.example"}, strict.SessionToken), 403, "invalid_email_for_invites"},
		{"unknown role", invite(email.InviteParams{EmailAddress: "r@errs.example", Roles: []string{"owner"}}, ""), 400, "invalid_rbac_role_id"},
		{"explicit stytch_member", invite(email.InviteParams{EmailAddress: "r@errs.example", Roles: []string{"stytch_member"}}, ""), 400, "cannot_assign_default_rbac_role_id"},
		{"invite redirect not allowed", invite(email.InviteParams{EmailAddress: "r@errs.example", InviteRedirectURL: "https://evil.example/"}, ""), 400, "no_match_for_provided_magic_link_url"},
		{"invite_expiration_minutes out of range", rawErr(f.t, "POST", "/v1/b2b/magic_links/email/invite",
			map[string]any{"organization_id": f.orgID, "email_address": "r@errs.example", "invite_expiration_minutes": 3}), 400, "invalid_expiration"},
		{"plain member invites", invite(email.InviteParams{EmailAddress: "r@errs.example"}, f.bob.SessionToken), 403, "session_authorization_error"},
		{"admin of another org invites", invite(email.InviteParams{EmailAddress: "r@errs.example"}, f.zed.SessionToken), 403, "session_authorization_tenancy_error"},
	}
}

func (f *fixture) rbacCases() []errCase {
	check := func(tok, org, resource, action string) func() error {
		return func() error {
			_, err := f.c.Sessions.Authenticate(f.ctx, &sessions.AuthenticateParams{SessionToken: tok,
				AuthorizationCheck: &sessions.AuthorizationCheck{OrganizationID: org, ResourceID: resource, Action: action}})
			return err
		}
	}
	update := func(p organizations.UpdateParams, tok string) func() error {
		return func() error {
			p.OrganizationID = f.orgID
			_, err := f.c.Organizations.Update(f.ctx, &p, &organizations.UpdateRequestOptions{Authorization: as(tok)})
			return err
		}
	}
	return []errCase{
		{"authorization_check denied", check(f.bob.SessionToken, f.orgID, "stytch.member", "create"), 403, "session_authorization_error"},
		{"authorization_check other org", check(f.bob.SessionToken, "other", "stytch.self", "update.info.name"), 403, "session_authorization_tenancy_error"},
		{"plain member searches members", func() error {
			_, err := f.c.Organizations.Members.Search(f.ctx, &members.SearchParams{OrganizationIds: []string{f.orgID}},
				&members.SearchRequestOptions{Authorization: as(f.bob.SessionToken)})
			return err
		}, 403, "session_authorization_error"},
		{"admin of another org searches", func() error {
			_, err := f.c.Organizations.Members.Search(f.ctx, &members.SearchParams{OrganizationIds: []string{f.orgID}},
				&members.SearchRequestOptions{Authorization: as(f.zed.SessionToken)})
			return err
		}, 403, "session_authorization_tenancy_error"},
		{"plain member renames the org", update(organizations.UpdateParams{OrganizationName: "Mine"}, f.bob.SessionToken), 403, "session_authorization_error"},
		{"trusted_metadata as a member", update(organizations.UpdateParams{TrustedMetadata: map[string]any{"a": 1}}, f.ada.SessionToken), 400, "cannot_update_trusted_metadata"},
		{"plain member deletes the admin", func() error {
			_, err := f.c.Organizations.Members.Delete(f.ctx, &members.DeleteParams{OrganizationID: f.orgID, MemberID: f.ada.MemberID},
				&members.DeleteRequestOptions{Authorization: as(f.bob.SessionToken)})
			return err
		}, 403, "session_authorization_error"},
		{"plain member deletes the org", func() error {
			_, err := f.c.Organizations.Delete(f.ctx, &organizations.DeleteParams{OrganizationID: f.orgID},
				&organizations.DeleteRequestOptions{Authorization: as(f.bob.SessionToken)})
			return err
		}, 403, "session_authorization_error"},
		{"member changes own email", func() error {
			_, err := f.c.Organizations.Members.Update(f.ctx, &members.UpdateParams{OrganizationID: f.orgID, MemberID: f.bob.MemberID, EmailAddress: "b2@errs.example"},
				&members.UpdateRequestOptions{Authorization: as(f.bob.SessionToken)})
			return err
		}, 403, "member_cannot_update_their_email_address"},
		{"plain member revokes the admin", func() error {
			_, err := f.c.Sessions.Revoke(f.ctx, &sessions.RevokeParams{MemberID: f.ada.MemberID}, &sessions.RevokeRequestOptions{Authorization: as(f.bob.SessionToken)})
			return err
		}, 403, "session_authorization_error"},
	}
}
