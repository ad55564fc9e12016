package stytchb2b

import (
	"context"
	"errors"
	"slices"

	orgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
)

// The permissions of the second round of admin pages (Stytch's default policy grants them to
// stytch_admin).
var (
	EditRoles      = Permission{"stytch.member", "update.settings.roles"}
	ResetFactors   = Permission{"stytch.member", "update.info.delete.mfa-totp"}
	RevokeSessions = Permission{"stytch.member", "revoke-sessions"}
)

// MemberRoleID is the role Stytch grants every member: never assigned, never offered.
const MemberRoleID = "stytch_member"

// Member statuses as Stytch's member search filters them.
const (
	StatusActive  = "active"
	StatusInvited = "invited"
	StatusPending = "pending"
	StatusDeleted = "deleted"
)

// MembersPageSize is how many members one page of the member list shows.
const MembersPageSize = 50

// MemberQuery is one page of the member list: a search Stytch runs (member search), so an
// organization with thousands of members costs one call a page.
type MemberQuery struct {
	Email  string // part of an address (member_email_fuzzy: 3 characters at least); "" for all
	Status string // one of the Status constants; "" for everyone not removed
	Role   string // a role ID; "" for any
	Cursor string // Stytch's next_cursor of the previous page; "" for the first
}

// MemberPage is one page of a member search.
type MemberPage struct {
	Members    []OrgMember
	Total      int    // matching members in all
	NextCursor string // "" on the last page
}

// Role is a role of the project's RBAC policy that admins may assign.
type Role struct {
	ID          string
	Description string
}

// SearchMembers returns one page of the organization's members matching q, with the acting
// member's permissions (stytch.member search).
func (c *Client) SearchMembers(ctx context.Context, sessionToken, orgID string, q MemberQuery) (MemberPage, error) {
	if err := needSession("search members", sessionToken); err != nil {
		return MemberPage{}, err
	}
	statuses := []string{StatusActive, StatusInvited, StatusPending}
	if q.Status != "" {
		statuses = []string{q.Status}
	}
	operands := []map[string]any{{"filter_name": "statuses", "filter_value": statuses}}
	if q.Email != "" {
		operands = append(operands, map[string]any{"filter_name": "member_email_fuzzy", "filter_value": q.Email})
	}
	if q.Role != "" {
		operands = append(operands, map[string]any{"filter_name": "member_roles", "filter_value": []string{q.Role}})
	}
	resp, err := callAs(ctx, c, "search members", c.api.Organizations.Members.Search, &members.SearchParams{
		OrganizationIds: []string{orgID}, Limit: MembersPageSize, Cursor: q.Cursor,
		Query: &orgs.SearchQuery{Operator: orgs.SearchQueryOperatorAND, Operands: operands},
	}, &members.SearchRequestOptions{Authorization: asMember(sessionToken)})
	if err != nil {
		return MemberPage{}, err
	}
	page := MemberPage{Members: make([]OrgMember, 0, len(resp.Members)), NextCursor: resp.ResultsMetadata.NextCursor}
	for _, m := range resp.Members {
		if m.OrganizationID == orgID {
			page.Members = append(page.Members, orgMember(m))
		}
	}
	page.Total = max(len(page.Members), int(resp.ResultsMetadata.Total))
	return page, nil
}

// FindAnyMember is FindMember that also finds removed (deleted) members.
func (c *Client) FindAnyMember(ctx context.Context, sessionToken, orgID, memberID string) (OrgMember, error) {
	return c.findMember(ctx, sessionToken, orgID, memberID, map[string]any{
		"filter_name": "statuses", "filter_value": []string{StatusActive, StatusInvited, StatusPending, StatusDeleted},
	})
}

// ActiveAdmins counts the organization's active members holding stytch_admin (one search call
// for one result: Stytch's total says how many).
func (c *Client) ActiveAdmins(ctx context.Context, sessionToken, orgID string) (int, error) {
	if err := needSession("count admins", sessionToken); err != nil {
		return 0, err
	}
	resp, err := callAs(ctx, c, "count admins", c.api.Organizations.Members.Search, &members.SearchParams{
		OrganizationIds: []string{orgID}, Limit: 1,
		Query: &orgs.SearchQuery{Operator: orgs.SearchQueryOperatorAND, Operands: []map[string]any{
			{"filter_name": "statuses", "filter_value": []string{StatusActive}},
			{"filter_name": "member_roles", "filter_value": []string{AdminRoleID}},
		}},
	}, &members.SearchRequestOptions{Authorization: asMember(sessionToken)})
	if err != nil {
		return 0, err
	}
	return max(len(resp.Members), int(resp.ResultsMetadata.Total)), nil
}

// Roles are the roles of the project's RBAC policy an admin may assign (all but stytch_member),
// admin first.
func (c *Client) Roles(ctx context.Context) ([]Role, error) {
	policy, err := c.policy(ctx)
	if err != nil {
		return nil, err
	}
	out := []Role{}
	for _, r := range policy.Roles {
		if r.RoleID != MemberRoleID {
			out = append(out, Role{ID: r.RoleID, Description: r.Description})
		}
	}
	slices.SortStableFunc(out, func(a, b Role) int {
		switch {
		case a.ID == AdminRoleID:
			return -1
		case b.ID == AdminRoleID:
			return 1
		}
		return 0
	})
	return out, nil
}

// SetRoles replaces the member's explicitly assigned roles, with the acting member's
// permissions (stytch.member update.settings.roles). Roles granted implicitly (by email
// domain, SSO) stay.
func (c *Client) SetRoles(ctx context.Context, sessionToken, orgID, memberID string, roles []string) (OrgMember, error) {
	if err := needSession("set roles", sessionToken); err != nil {
		return OrgMember{}, err
	}
	roles = slices.Clone(roles)
	if roles == nil {
		roles = []string{}
	}
	resp, err := callAs(ctx, c, "set roles", c.api.Organizations.Members.Update, &members.UpdateParams{
		OrganizationID: orgID, MemberID: memberID, Roles: &roles,
	}, &members.UpdateRequestOptions{Authorization: asMember(sessionToken)})
	if err != nil {
		return OrgMember{}, err
	}
	return orgMember(resp.Member), nil
}

// ReactivateMember restores a removed member (Stytch's reactivate).
func (c *Client) ReactivateMember(ctx context.Context, sessionToken, orgID, memberID string) (OrgMember, error) {
	if err := needSession("reactivate member", sessionToken); err != nil {
		return OrgMember{}, err
	}
	resp, err := callAs(ctx, c, "reactivate member", c.api.Organizations.Members.Reactivate, &members.ReactivateParams{
		OrganizationID: orgID, MemberID: memberID,
	}, &members.ReactivateRequestOptions{Authorization: asMember(sessionToken)})
	if err != nil {
		return OrgMember{}, err
	}
	return orgMember(resp.Member), nil
}

// ResetFactors deletes the member's authenticator app and MFA phone number, so their next
// sign-in sets a second step up again. A factor the member doesn't have is no error.
func (c *Client) ResetFactors(ctx context.Context, sessionToken, orgID, memberID string) error {
	if err := needSession("reset factors", sessionToken); err != nil {
		return err
	}
	auth := asMember(sessionToken)
	_, err := callAs(ctx, c, "delete member totp", c.api.Organizations.Members.DeleteTOTP,
		&members.DeleteTOTPParams{OrganizationID: orgID, MemberID: memberID}, &members.DeleteTOTPRequestOptions{Authorization: auth})
	if err != nil && !errors.Is(err, ErrNoTOTP) {
		return err
	}
	_, err = callAs(ctx, c, "delete member phone", c.api.Organizations.Members.DeleteMFAPhoneNumber,
		&members.DeleteMFAPhoneNumberParams{OrganizationID: orgID, MemberID: memberID}, &members.DeleteMFAPhoneNumberRequestOptions{Authorization: auth})
	if err != nil && !errors.Is(err, ErrNoPhone) {
		return err
	}
	return nil
}

// roleIDs are a member's roles, assigned or implied, except the one every member holds.
func roleIDs(in []orgs.MemberRole) []string {
	out := []string{}
	for _, r := range in {
		if r.RoleID != MemberRoleID && !slices.Contains(out, r.RoleID) {
			out = append(out, r.RoleID)
		}
	}
	return out
}
