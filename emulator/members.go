package emulator

import (
	"context"
	"database/sql"
	"net/http"
	"slices"
	"strings"
)

// GET /v1/b2b/organizations/{organization_id}/member?member_id=…|email_address=…
func (e *Emulator) memberGet(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	o, err := getOrg(ctx, tx, r.PathValue("organization_id"))
	if err != nil {
		return nil, err
	}
	id, email := r.URL.Query().Get("member_id"), r.URL.Query().Get("email_address")
	var m *storedMember
	switch {
	case id != "":
		m, err = getMember(ctx, tx, id)
		if err == nil && (m.OrganizationID != o.OrganizationID || m.Status == "deleted") {
			err = errMemberNotFound
		}
	case email != "":
		m, err = memberByEmail(ctx, tx, o.OrganizationID, email)
		if err == nil && m == nil {
			err = errMemberNotFound
		}
	default:
		err = newAPIError(400, "member_id_or_email_address_required", "Provide member_id or email_address.")
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"member_id": m.MemberID, "member": m.member, "organization": o}, nil
}

// POST /v1/b2b/organizations/members/search
func (e *Emulator) memberSearch(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		OrganizationIDs []string     `json:"organization_ids"`
		Cursor          string       `json:"cursor"`
		Limit           int          `json:"limit"`
		Query           *searchQuery `json:"query"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if len(req.OrganizationIDs) == 0 {
		return nil, newAPIError(400, "member_search_organization_ids_empty", "organization_ids must contain at least one organization.")
	}
	if err := req.Query.validate("member_search"); err != nil {
		return nil, err
	}
	caller, err := e.caller(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	orgs := map[string]*organization{}
	matched := []member{}
	for _, id := range req.OrganizationIDs {
		if _, dup := orgs[id]; dup {
			continue
		}
		o, err := getOrg(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if err := caller.requireMemberOf(o.OrganizationID); err != nil {
			return nil, err
		}
		orgs[id] = o
		ms, err := membersOfOrg(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			statusFiltered := false
			ok, err := req.Query.match(func(name string, v any) (bool, error) {
				switch name {
				case "member_ids":
					return slices.Contains(stringList(v), m.MemberID), nil
				case "member_emails":
					return containsFold(stringList(v), m.EmailAddress), nil
				case "member_email_fuzzy":
					s, err := fuzzyArg("member_search", v)
					return err == nil && strings.Contains(m.EmailAddress, s), err
				case "statuses":
					statusFiltered = true
					return slices.Contains(stringList(v), m.Status), nil
				case "member_roles":
					for _, role := range stringList(v) {
						if slices.Contains(m.roleIDs(), role) {
							return true, nil
						}
					}
					return false, nil
				case "member_is_breakglass":
					b, _ := v.(bool)
					return m.IsBreakglass == b, nil
				}
				return false, newAPIError(400, "member_search_invalid_filter_name", "Unknown filter_name "+name+".")
			})
			if err != nil {
				return nil, err
			}
			if ok && (m.Status != "deleted" || statusFiltered) {
				matched = append(matched, m.member)
			}
		}
	}
	page, next, err := paginate(matched, req.Cursor, req.Limit)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"members":          page,
		"results_metadata": map[string]any{"total": len(matched), "next_cursor": next},
		"organizations":    orgs,
	}, nil
}

// DELETE /v1/b2b/organizations/{organization_id}/members/{member_id}
// Sets the member's status to deleted (which also revokes a pending invite) and revokes its sessions.
func (e *Emulator) memberDelete(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	o, err := getOrg(ctx, tx, r.PathValue("organization_id"))
	if err != nil {
		return nil, err
	}
	caller, err := e.caller(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	if err := caller.requireAdmin(o.OrganizationID); err != nil {
		return nil, err
	}
	m, err := getMember(ctx, tx, r.PathValue("member_id"))
	if err != nil {
		return nil, err
	}
	if m.OrganizationID != o.OrganizationID || m.Status == "deleted" {
		return nil, errMemberNotFound
	}
	now := e.now()
	m.Status = "deleted"
	m.UpdatedAt = ts(now)
	if err := saveMember(ctx, tx, m, now); err != nil {
		return nil, err
	}
	if err := revokeMemberSessions(ctx, tx, m.MemberID, now); err != nil {
		return nil, err
	}
	return map[string]any{"member_id": m.MemberID}, nil
}
