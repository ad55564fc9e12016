package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"unicode/utf8"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// MemberManager is what the second round of admin actions needs of the Stytch adapter: the
// member list by search (one page a call), roles, removing and restoring, second steps and
// sessions. Each call runs with the acting member's session (Stytch's RBAC), except
// MemberSessions, which Stytch answers with project credentials only.
type MemberManager interface {
	SearchMembers(ctx context.Context, sessionToken, orgID string, q stytchb2b.MemberQuery) (stytchb2b.MemberPage, error)
	FindAnyMember(ctx context.Context, sessionToken, orgID, memberID string) (stytchb2b.OrgMember, error)
	ActiveAdmins(ctx context.Context, sessionToken, orgID string) (int, error)
	Roles(ctx context.Context) ([]stytchb2b.Role, error)
	SetRoles(ctx context.Context, sessionToken, orgID, memberID string, roles []string) (stytchb2b.OrgMember, error)
	ReactivateMember(ctx context.Context, sessionToken, orgID, memberID string) (stytchb2b.OrgMember, error)
	ResetFactors(ctx context.Context, sessionToken, orgID, memberID string) error
	RevokeMemberSessions(ctx context.Context, sessionToken, memberID string) error
	MemberSessions(ctx context.Context, orgID, memberID string) ([]stytchb2b.MemberSession, error)
}

// minSearch is the shortest text Stytch's fuzzy email search accepts.
const minSearch = 3

// membersData builds the member list from the request's search, filters and page: one
// member search call; what the viewer may do comes from the cached RBAC policy.
func (h *Members) membersData(r *http.Request, m Member) (views.MembersData, error) {
	ctx := r.Context()
	roles, err := h.stytch.Roles(ctx)
	if err != nil {
		roles = nil // offer no role choices; the list still shows
	}
	q, f := memberQuery(r, roles)
	page, err := h.stytch.SearchMembers(ctx, m.Token, m.Org.ID, q)
	if err != nil {
		return views.MembersData{}, err
	}
	can := func(p stytchb2b.Permission) bool { return h.stytch.Can(ctx, m.Roles, m.Org.ID, p) }
	d := views.MembersData{
		OrgName: m.Org.Name, Admin: can(stytchb2b.InviteMembers), Members: memberRows(page.Members, m.MemberID), Total: page.Total,
		Can: views.MemberPowers{
			Roles: can(stytchb2b.EditRoles), Remove: can(stytchb2b.RemoveMembers), Reset: can(stytchb2b.ResetFactors),
			Revoke: can(stytchb2b.RevokeSessions), Removed: q.Status == stytchb2b.StatusDeleted,
		},
		Filter: f,
	}
	d.Roles = roleOptions(roles)
	if page.NextCursor != "" {
		d.Filter.NextURL = membersURL(f, page.NextCursor)
	}
	if q.Cursor != "" {
		d.Filter.FirstURL = membersURL(f, "")
	}
	return d, nil
}

// memberQuery reads the member list's search box, filters and page from the URL; a value that
// isn't one of the choices reads as no filter.
func memberQuery(r *http.Request, roles []stytchb2b.Role) (stytchb2b.MemberQuery, views.MemberFilter) {
	f := views.MemberFilter{Query: queryText(r, views.FieldQuery), Statuses: memberStatusFilters}
	if s := r.URL.Query().Get(views.FieldStatus); slices.ContainsFunc(memberStatusFilters, func(o views.Option) bool { return o.Value == s }) {
		f.Status = s
	}
	if id := r.URL.Query().Get(views.FieldRole); slices.ContainsFunc(roles, func(x stytchb2b.Role) bool { return x.ID == id }) {
		f.Role = id
	}
	q := stytchb2b.MemberQuery{Status: f.Status, Role: f.Role}
	switch n := utf8.RuneCountInString(f.Query); {
	case n >= minSearch:
		q.Email = f.Query
	case n > 0:
		f.Hint = msgSearchShort
	}
	if c := r.URL.Query().Get(views.FieldCursor); len(c) <= 512 && utf8.ValidString(c) {
		q.Cursor = c
	}
	return q, f
}

// membersURL is the member list with f's search and filters, at cursor's page.
func membersURL(f views.MemberFilter, cursor string) string {
	v := url.Values{}
	for k, s := range map[string]string{views.FieldQuery: f.Query, views.FieldStatus: f.Status, views.FieldRole: f.Role, views.FieldCursor: cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if len(v) == 0 {
		return "/members"
	}
	return "/members?" + v.Encode()
}

// memberRoles is how a member's roles read in the list (an invited member's too).
func memberRoles(o stytchb2b.OrgMember) string {
	if len(o.Roles) == 0 && o.Admin {
		return roleName(true)
	}
	return rolesLabel(o.Roles)
}

// targetMember returns the member of the admin's organization that the form's member_id
// names, whatever their status; the caller's own member is refused with self (nil: allowed).
func (h *Members) targetMember(r *http.Request, m Member, self error) (stytchb2b.OrgMember, error) {
	id, err := formValue(r, views.FieldMemberID)
	switch {
	case err != nil:
		return stytchb2b.OrgMember{}, err
	case id == m.MemberID && self != nil:
		return stytchb2b.OrgMember{}, self
	case !memberIDPattern.MatchString(id):
		return stytchb2b.OrgMember{}, fmt.Errorf("malformed member_id: %w", stytchb2b.ErrMemberNotFound)
	}
	return h.stytch.FindAnyMember(r.Context(), m.Token, m.Org.ID, id)
}

// keepsAnAdmin refuses (ErrLastAdmin) a change that would leave the organization without an
// active admin: target holds the admin role now and wouldAfter says whether they still will.
func (h *Members) keepsAnAdmin(ctx context.Context, m Member, target stytchb2b.OrgMember, wouldAfter bool) error {
	if wouldAfter || target.Status != stytchb2b.StatusActive || !slices.Contains(target.Roles, stytchb2b.AdminRoleID) {
		return nil
	}
	n, err := h.stytch.ActiveAdmins(ctx, m.Token, m.Org.ID)
	if err != nil {
		return err
	}
	if n <= 1 {
		return fmt.Errorf("member %s is the last admin of %s: %w", target.ID, m.Org.ID, ErrLastAdmin)
	}
	return nil
}

// roleOptions are the policy's roles as the forms offer them.
func roleOptions(roles []stytchb2b.Role) []views.RoleOption {
	var opts []views.RoleOption
	for _, role := range roles {
		opts = append(opts, views.RoleOption{ID: role.ID, Name: roleLabel(role.ID)})
	}
	return opts
}
