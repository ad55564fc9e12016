package stytchb2b

import (
	"context"
	"fmt"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	orgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/methodoptions"
)

// maxMembersListed bounds one member search (Stytch's maximum page size).
const maxMembersListed = 1000

// asMember runs a call with the member's permissions (X-Stytch-Member-Session).
func asMember(sessionToken string) methodoptions.Authorization {
	return methodoptions.Authorization{SessionToken: sessionToken}
}

// needSession refuses an admin call without a member session: without the header, Stytch would
// run it with the project's full rights instead of the member's.
func needSession(op, sessionToken string) error {
	if sessionToken == "" {
		return fmt.Errorf("%s: no member session token: %w", op, ErrSessionEnded)
	}
	return nil
}

// doAsMember makes a call whose answer is not needed as the member whose session token it is
// (opts carries asMember(sessionToken)), refused without one (needSession).
func doAsMember[P, R, O any](ctx context.Context, c *Client, op, sessionToken string, f func(context.Context, *P, ...*O) (*R, error), params *P, opts *O) error {
	if err := needSession(op, sessionToken); err != nil {
		return err
	}
	_, err := callAs(ctx, c, op, f, params, opts)
	return err
}

// Members returns the organization's members (not deleted ones), up to
// maxMembersListed, and how many there are in all.
func (c *Client) Members(ctx context.Context, sessionToken, orgID string) ([]OrgMember, int, error) {
	if err := needSession("search members", sessionToken); err != nil {
		return nil, 0, err
	}
	resp, err := callAs(ctx, c, "search members", c.api.Organizations.Members.Search, &members.SearchParams{
		OrganizationIds: []string{orgID}, Limit: maxMembersListed,
	}, &members.SearchRequestOptions{Authorization: asMember(sessionToken)})
	if err != nil {
		return nil, 0, err
	}
	out := make([]OrgMember, 0, len(resp.Members))
	for _, m := range resp.Members {
		if m.OrganizationID == orgID {
			out = append(out, orgMember(m))
		}
	}
	return out, max(len(out), int(resp.ResultsMetadata.Total)), nil
}

// FindMember returns one member of the organization (not a removed one), or ErrMemberNotFound.
func (c *Client) FindMember(ctx context.Context, sessionToken, orgID, memberID string) (OrgMember, error) {
	return c.findMember(ctx, sessionToken, orgID, memberID)
}

// findMember searches the organization for one member ID, with more filters if given.
func (c *Client) findMember(ctx context.Context, sessionToken, orgID, memberID string, filters ...map[string]any) (OrgMember, error) {
	if err := needSession("find member", sessionToken); err != nil {
		return OrgMember{}, err
	}
	operands := append([]map[string]any{{"filter_name": "member_ids", "filter_value": []string{memberID}}}, filters...)
	resp, err := callAs(ctx, c, "find member", c.api.Organizations.Members.Search, &members.SearchParams{
		OrganizationIds: []string{orgID}, Limit: 1,
		Query: &orgs.SearchQuery{Operator: orgs.SearchQueryOperatorAND, Operands: operands},
	}, &members.SearchRequestOptions{Authorization: asMember(sessionToken)})
	if err != nil {
		return OrgMember{}, err
	}
	for _, m := range resp.Members {
		if m.MemberID == memberID && m.OrganizationID == orgID {
			return orgMember(m), nil
		}
	}
	return OrgMember{}, fmt.Errorf("find member: %w", ErrMemberNotFound)
}

// Invitation is an invitation email: a multi_tenant_magic_links link to RedirectURL, valid a
// week, that signs Email into OrgID.
type Invitation struct {
	OrgID       string
	Email       string
	InvitedBy   string // the inviting member's ID ("" for none)
	RedirectURL string
	Roles       []string // role IDs to give the invitee besides stytch_member (none: the default)
}

// Invite emails an invitation with the inviting member's session (Stytch checks their
// permission). Inviting an invited member again sends a fresh link.
func (c *Client) Invite(ctx context.Context, sessionToken string, inv Invitation) error {
	return doAsMember(ctx, c, "invite member", sessionToken, c.api.MagicLinks.Email.Invite, &email.InviteParams{
		OrganizationID: inv.OrgID, EmailAddress: inv.Email, InviteRedirectURL: inv.RedirectURL, InvitedByMemberID: inv.InvitedBy,
		Roles: inv.Roles,
	}, &email.InviteRequestOptions{Authorization: asMember(sessionToken)})
}

// DeleteMember deletes a member (for an invited member: the invitation
// is revoked and its link stops working).
func (c *Client) DeleteMember(ctx context.Context, sessionToken, orgID, memberID string) error {
	return doAsMember(ctx, c, "delete member", sessionToken, c.api.Organizations.Members.Delete, &members.DeleteParams{OrganizationID: orgID, MemberID: memberID},
		&members.DeleteRequestOptions{Authorization: asMember(sessionToken)})
}

// OrgSettings reads the member's organization's join settings with the member's own session
// (sessions/authenticate answers with the organization): Organizations.Get takes no member
// session in stytch-go v16, and a read with project credentials would bypass Stytch's RBAC.
func (c *Client) OrgSettings(ctx context.Context, sessionToken string) (OrgSettings, error) {
	resp, err := c.authenticateToken(ctx, "read organization settings", sessionToken, nil)
	if err != nil {
		return OrgSettings{}, err
	}
	return orgSettings(resp.Organization), nil
}

// UpdateOrgSettings changes them with the member's permissions. The SDK omits empty lists, so an empty AllowedDomains
// leaves the organization's domains unchanged: callers must not promise to clear them.
func (c *Client) UpdateOrgSettings(ctx context.Context, sessionToken, orgID string, s OrgSettings) (OrgSettings, error) {
	if err := needSession("update organization", sessionToken); err != nil {
		return OrgSettings{}, err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	jit := "NOT_ALLOWED"
	if s.JITByDomain {
		jit = "RESTRICTED"
	}
	resp, err := c.api.Organizations.Update(ctx, &orgs.UpdateParams{
		OrganizationID: orgID, EmailAllowedDomains: s.AllowedDomains, EmailJITProvisioning: jit,
	}, &orgs.UpdateRequestOptions{Authorization: asMember(sessionToken)})
	if err != nil {
		return OrgSettings{}, mapErr("update organization", err)
	}
	return orgSettings(resp.Organization), nil
}

func orgMember(m orgs.Member) OrgMember {
	return OrgMember{ID: m.MemberID, Email: m.EmailAddress, Name: m.Name, Status: m.Status, Admin: m.IsAdmin, Roles: roleIDs(m.Roles)}
}

func orgSettings(o orgs.Organization) OrgSettings {
	s := OrgSettings{AllowedDomains: o.EmailAllowedDomains, JITByDomain: o.EmailJITProvisioning == "RESTRICTED", EmailInvites: o.EmailInvites}
	s.MFAPolicy, s.MFAMethods = o.MFAPolicy, allowedMethods(&o, &orgs.Member{})
	s.Profile = OrgProfile{Name: o.OrganizationName, Slug: o.OrganizationSlug, LogoURL: o.OrganizationLogoURL}
	s.SignIn = SignInMethods{AuthMethods: o.AuthMethods, Allowed: o.AllowedAuthMethods, EmailInvites: o.EmailInvites}
	if s.MFAPolicy == "" {
		s.MFAPolicy = PolicyOptional
	}
	return s
}
