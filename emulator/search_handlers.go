package emulator

import (
	"context"
	"database/sql"
	"net/http"
	"slices"
	"strings"
)

// orgFilters are the organization search filters Stytch documents.
var orgFilters = map[string]filterKind{
	"organization_ids": filterStrings, "organization_slugs": filterStrings,
	"organization_name_fuzzy": filterFuzzy, "organization_slug_fuzzy": filterFuzzy,
	"member_emails": filterStrings, "member_email_fuzzy": filterFuzzy,
	"allowed_domains": filterStrings, "allowed_domain_fuzzy": filterFuzzy,
	"claimed_email_domains": filterStrings,
}

// memberFilters are the member search filters Stytch documents.
var memberFilters = map[string]filterKind{
	"member_ids": filterStrings, "member_emails": filterStrings, "member_email_fuzzy": filterFuzzy,
	"member_is_breakglass": filterBool, "statuses": filterStrings, "member_roles": filterStrings,
	"member_mfa_phone_numbers": filterStrings, "member_mfa_phone_number_fuzzy": filterFuzzy,
	"member_password_exists": filterBool,
}

var memberStatuses = []string{"active", "pending", "invited", "deleted"}

// POST /v1/b2b/organizations/search
func (e *Emulator) orgSearch(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		Cursor string       `json:"cursor"`
		Limit  int          `json:"limit"`
		Query  *searchQuery `json:"query"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	pq, err := req.Query.parse("organization_search", orgFilters)
	if err != nil {
		return nil, err
	}
	orgs, err := listOrgs(ctx, tx)
	if err != nil {
		return nil, err
	}
	matched := []*organization{}
	for _, o := range orgs {
		var emails []string // the org's non-deleted member emails, loaded on demand
		ok, err := pq.match(func(op operand) (bool, error) {
			if strings.HasPrefix(op.Name, "member_email") && emails == nil {
				if emails, err = activeEmails(ctx, tx, o.OrganizationID); err != nil {
					return false, err
				}
			}
			return orgMatches(o, emails, op), nil
		})
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, o)
		}
	}
	page, next, err := paginate(matched, req.Cursor, req.Limit)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"organizations":    page,
		"results_metadata": map[string]any{"total": len(matched), "next_cursor": next},
	}, nil
}

// orgMatches tests one validated operand; emails are the org's member emails (for member_*).
func orgMatches(o *organization, emails []string, op operand) bool {
	switch op.Name {
	case "organization_ids":
		return slices.Contains(op.Strings, o.OrganizationID)
	case "organization_slugs":
		return containsFold(op.Strings, o.OrganizationSlug)
	case "organization_name_fuzzy":
		return anyContains([]string{o.OrganizationName}, op.Text)
	case "organization_slug_fuzzy":
		return anyContains([]string{o.OrganizationSlug}, op.Text)
	case "member_emails":
		return slices.ContainsFunc(op.Strings, func(s string) bool { return containsFold(emails, s) })
	case "member_email_fuzzy":
		return anyContains(emails, op.Text)
	case "allowed_domains":
		return slices.ContainsFunc(op.Strings, func(s string) bool { return containsFold(o.EmailAllowedDomains, s) })
	case "allowed_domain_fuzzy":
		return anyContains(o.EmailAllowedDomains, op.Text)
	case "claimed_email_domains":
		return slices.ContainsFunc(op.Strings, func(s string) bool { return containsFold(o.ClaimedEmailDomains, s) })
	}
	return false
}

// activeEmails lists the email addresses of an organization's non-deleted members.
func activeEmails(ctx context.Context, q querier, orgID string) ([]string, error) {
	ms, err := membersOfOrg(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, m := range ms {
		if m.Status != "deleted" {
			out = append(out, m.EmailAddress)
		}
	}
	return out, nil
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
	pq, err := req.Query.parse("member_search", memberFilters)
	if err != nil {
		return nil, err
	}
	if err := checkStatuses(pq); err != nil {
		return nil, err
	}
	caller, err := e.caller(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	orgs := map[string]*organization{}
	matched := []member{}
	for _, id := range req.OrganizationIDs {
		o, err := getOrg(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if _, dup := orgs[o.OrganizationID]; dup {
			continue
		}
		if err := e.authorize(caller, o, resMember, "search"); err != nil {
			return nil, err
		}
		orgs[o.OrganizationID] = o
		if matched, err = appendMatchingMembers(ctx, tx, matched, o, pq); err != nil {
			return nil, err
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

// checkStatuses: a statuses filter may only name member statuses.
func checkStatuses(pq *parsedQuery) error {
	for _, op := range pq.ops {
		if op.Name != "statuses" {
			continue
		}
		for _, s := range op.Strings {
			if !slices.Contains(memberStatuses, strings.ToLower(s)) {
				return newAPIError(400, "search_invalid_status_filter", "statuses may only contain active, pending, invited and deleted.")
			}
		}
	}
	return nil
}

// appendMatchingMembers adds o's members matching pq. Deleted members are included only when
// a statuses filter asks for them.
func appendMatchingMembers(ctx context.Context, q querier, out []member, o *organization, pq *parsedQuery) ([]member, error) {
	ms, err := membersOfOrg(ctx, q, o.OrganizationID)
	if err != nil {
		return nil, err
	}
	statusFiltered := slices.ContainsFunc(pq.ops, func(op operand) bool { return op.Name == "statuses" })
	for _, m := range ms {
		ok, _ := pq.match(func(op operand) (bool, error) { return memberMatches(m, op), nil })
		if ok && (m.Status != "deleted" || statusFiltered) {
			out = append(out, m.member)
		}
	}
	return out, nil
}

// memberMatches tests one validated operand against m.
func memberMatches(m *storedMember, op operand) bool {
	switch op.Name {
	case "member_ids":
		return slices.Contains(op.Strings, m.MemberID)
	case "member_emails":
		return containsFold(op.Strings, m.EmailAddress)
	case "member_email_fuzzy":
		return anyContains([]string{m.EmailAddress}, op.Text)
	case "statuses":
		return containsFold(op.Strings, m.Status)
	case "member_roles":
		return slices.ContainsFunc(op.Strings, func(r string) bool { return slices.Contains(m.roleIDs(), r) })
	case "member_is_breakglass":
		return m.IsBreakglass == op.Bool
	case "member_mfa_phone_numbers":
		return m.MFAPhoneNumber != "" && slices.Contains(op.Strings, m.MFAPhoneNumber)
	case "member_mfa_phone_number_fuzzy":
		return m.MFAPhoneNumber != "" && anyContains([]string{m.MFAPhoneNumber}, op.Text)
	case "member_password_exists":
		return (m.MemberPasswordID != "") == op.Bool
	}
	return false
}
