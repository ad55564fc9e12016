package emulator

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// commonDomains are consumer email providers: they can't be allowed domains, and organizations
// created from such an address are named after the local part.
var commonDomains = []string{
	"gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "outlook.com", "hotmail.com",
	"live.com", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "protonmail.com",
	"proton.me", "pm.me", "gmx.com", "gmx.net", "mail.com", "zoho.com", "yandex.com",
	"yandex.ru", "mail.ru", "qq.com", "163.com", "hey.com", "fastmail.com", "tutanota.com",
	"yahoo.co.uk", "hotmail.co.uk", "outlook.fr", "hotmail.fr", "web.de", "comcast.net",
}

func isCommonDomain(d string) bool { return slices.Contains(commonDomains, strings.ToLower(d)) }

var (
	slugRe   = regexp.MustCompile(`^[A-Za-z0-9._~-]{2,128}$`)
	alnumRe  = regexp.MustCompile(`[A-Za-z0-9]`)
	domainRe = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

func validSlug(s string) bool { return slugRe.MatchString(s) && alnumRe.MatchString(s) }

// orgSettings are the organization fields accepted by discovery create and organization update.
// Absent fields are left unchanged (the SDK omits zero values, so "" and [] never arrive from it).
type orgSettings struct {
	OrganizationName                     *string        `json:"organization_name"`
	OrganizationSlug                     *string        `json:"organization_slug"`
	OrganizationLogoURL                  *string        `json:"organization_logo_url"`
	TrustedMetadata                      map[string]any `json:"trusted_metadata"`
	SSOJITProvisioning                   string         `json:"sso_jit_provisioning"`
	SSOJITProvisioningAllowedConnections []string       `json:"sso_jit_provisioning_allowed_connections"`
	EmailAllowedDomains                  []string       `json:"email_allowed_domains"`
	EmailJITProvisioning                 string         `json:"email_jit_provisioning"`
	EmailInvites                         string         `json:"email_invites"`
	AuthMethods                          string         `json:"auth_methods"`
	AllowedAuthMethods                   []string       `json:"allowed_auth_methods"`
	MFAPolicy                            string         `json:"mfa_policy"`
	MFAMethods                           string         `json:"mfa_methods"`
	AllowedMFAMethods                    []string       `json:"allowed_mfa_methods"`
	OAuthTenantJITProvisioning           string         `json:"oauth_tenant_jit_provisioning"`
	RBACEmailImplicitRoleAssignments     []any          `json:"rbac_email_implicit_role_assignments"`
	AllowedOAuthTenants                  map[string]any `json:"allowed_oauth_tenants"`
}

func newOrganization(now time.Time) *organization {
	o := &organization{
		OrganizationID:             "organization-test-" + newUUID(),
		SSOJITProvisioning:         "ALL_ALLOWED",
		EmailJITProvisioning:       "NOT_ALLOWED",
		EmailInvites:               "ALL_ALLOWED",
		AuthMethods:                "ALL_ALLOWED",
		MFAPolicy:                  "OPTIONAL",
		MFAMethods:                 "ALL_ALLOWED",
		OAuthTenantJITProvisioning: "NOT_ALLOWED",
		CreatedAt:                  ts(now),
		UpdatedAt:                  ts(now),
	}
	o.normalize()
	return o
}

func enumSetting(field, v string, allowed ...string) error {
	if v == "" || slices.Contains(allowed, v) {
		return nil
	}
	return newAPIError(400, "invalid_"+field, fmt.Sprintf("%s must be one of %s.", field, strings.Join(allowed, ", ")))
}

// apply validates s and writes it into o.
func (s *orgSettings) apply(o *organization) error {
	if s.OrganizationName != nil {
		name := strings.TrimSpace(*s.OrganizationName)
		if n := utf8.RuneCountInString(name); n < 1 || n > 128 {
			return errNameInvalid
		}
		o.OrganizationName = name
	}
	if s.OrganizationSlug != nil {
		if !validSlug(*s.OrganizationSlug) {
			return errSlugInvalid
		}
		o.OrganizationSlug = *s.OrganizationSlug
	}
	for _, c := range []struct {
		field, v string
		allowed  []string
	}{
		{"sso_jit_provisioning", s.SSOJITProvisioning, []string{"ALL_ALLOWED", "RESTRICTED", "NOT_ALLOWED"}},
		{"email_jit_provisioning", s.EmailJITProvisioning, []string{"RESTRICTED", "NOT_ALLOWED"}},
		{"email_invites", s.EmailInvites, []string{"ALL_ALLOWED", "RESTRICTED", "NOT_ALLOWED"}},
		{"auth_methods", s.AuthMethods, []string{"ALL_ALLOWED", "RESTRICTED"}},
		{"mfa_methods", s.MFAMethods, []string{"ALL_ALLOWED", "RESTRICTED"}},
		{"oauth_tenant_jit_provisioning", s.OAuthTenantJITProvisioning, []string{"RESTRICTED", "NOT_ALLOWED"}},
	} {
		if err := enumSetting(c.field, c.v, c.allowed...); err != nil {
			return err
		}
	}
	if err := s.applyMFASettings(o); err != nil {
		return err
	}
	if s.EmailAllowedDomains != nil {
		domains := make([]string, 0, len(s.EmailAllowedDomains))
		for _, d := range s.EmailAllowedDomains {
			d = strings.ToLower(strings.TrimSpace(d))
			if !domainRe.MatchString(d) {
				return errDomainInvalid
			}
			if isCommonDomain(d) {
				return errDomainTooCommon
			}
			if !slices.Contains(domains, d) {
				domains = append(domains, d)
			}
		}
		o.EmailAllowedDomains = domains
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&o.SSOJITProvisioning, s.SSOJITProvisioning)
	set(&o.EmailJITProvisioning, s.EmailJITProvisioning)
	set(&o.EmailInvites, s.EmailInvites)
	set(&o.AuthMethods, s.AuthMethods)
	set(&o.MFAPolicy, s.MFAPolicy)
	set(&o.MFAMethods, s.MFAMethods)
	set(&o.OAuthTenantJITProvisioning, s.OAuthTenantJITProvisioning)
	if s.OrganizationLogoURL != nil {
		o.OrganizationLogoURL = *s.OrganizationLogoURL
	}
	if s.TrustedMetadata != nil {
		o.TrustedMetadata = s.TrustedMetadata
	}
	if s.SSOJITProvisioningAllowedConnections != nil {
		o.SSOJITProvisioningAllowedConnections = s.SSOJITProvisioningAllowedConnections
	}
	if s.AllowedAuthMethods != nil {
		o.AllowedAuthMethods = s.AllowedAuthMethods
	}
	if s.RBACEmailImplicitRoleAssignments != nil {
		o.RBACEmailImplicitRoleAssignments = s.RBACEmailImplicitRoleAssignments
	}
	if s.AllowedOAuthTenants != nil {
		o.AllowedOAuthTenants = s.AllowedOAuthTenants
	}
	if o.SSOJITProvisioning == "NOT_ALLOWED" && o.EmailJITProvisioning == "NOT_ALLOWED" && o.EmailInvites == "NOT_ALLOWED" {
		return newAPIError(400, "invalid_organization_auth_factor_setting",
			"sso_jit_provisioning, email_jit_provisioning and email_invites cannot all be NOT_ALLOWED.")
	}
	return checkMFASettings(o)
}

func checkSlugFree(ctx context.Context, q querier, o *organization) error {
	taken, err := slugTaken(ctx, q, o.OrganizationSlug, o.OrganizationID)
	if err != nil {
		return err
	}
	if taken {
		return errSlugUsed
	}
	return nil
}

// deriveOrgName names a new organization after the email's domain ("ada@acme.com" ⇒ "acme"),
// or after its local part for common providers and .edu ("ada.l@gmail.com" ⇒ "ada.l").
// The slug is the lower-cased name with other characters replaced by "-", suffixed "-2",
// "-3", … until it is free.
func deriveOrgName(ctx context.Context, q querier, email string) (name, slug string, err error) {
	local, domain, _ := strings.Cut(email, "@")
	name = local
	if !isCommonDomain(domain) && !strings.HasSuffix(domain, ".edu") {
		name, _, _ = strings.Cut(domain, ".")
	}
	if name == "" {
		name = "organization"
	}
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:100])
	}
	base := strings.Trim(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.', r == '_', r == '~':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, name), "-._~")
	if len(base) < 2 || !validSlug(base) {
		base = "org-" + base
		base = strings.TrimRight(base, "-")
	}
	slug = base
	for i := 2; ; i++ {
		taken, err := slugTaken(ctx, q, slug, "")
		if err != nil {
			return "", "", err
		}
		if !taken {
			return name, slug, nil
		}
		slug = base + "-" + strconv.Itoa(i)
	}
}

// GET /v1/b2b/organizations/{organization_id}
func (e *Emulator) orgGet(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	o, err := getOrg(ctx, tx, r.PathValue("organization_id"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"organization": o}, nil
}

// PUT /v1/b2b/organizations/{organization_id}
func (e *Emulator) orgUpdate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req orgSettings
	if err := decode(r, &req); err != nil {
		return nil, err
	}
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
	if caller != nil && req.TrustedMetadata != nil {
		return nil, errAuthz // trusted_metadata can't be set with a member session
	}
	if err := req.apply(o); err != nil {
		return nil, err
	}
	if err := checkSlugFree(ctx, tx, o); err != nil {
		return nil, err
	}
	now := e.now()
	o.UpdatedAt = ts(now)
	if err := saveOrg(ctx, tx, o, now); err != nil {
		return nil, err
	}
	return map[string]any{"organization": o}, nil
}

// searchQuery is the {operator, operands} filter of the search endpoints.
type searchQuery struct {
	Operator string `json:"operator"`
	Operands []struct {
		FilterName  string `json:"filter_name"`
		FilterValue any    `json:"filter_value"`
	} `json:"operands"`
}

// match combines per-operand results with AND (default) or OR.
func (q *searchQuery) match(test func(name string, value any) (bool, error)) (bool, error) {
	if q == nil || len(q.Operands) == 0 {
		return true, nil
	}
	or := strings.EqualFold(q.Operator, "OR")
	for _, op := range q.Operands {
		ok, err := test(op.FilterName, op.FilterValue)
		if err != nil {
			return false, err
		}
		if or && ok {
			return true, nil
		}
		if !or && !ok {
			return false, nil
		}
	}
	return !or, nil
}

func (q *searchQuery) validate(prefix string) error {
	if q == nil {
		return nil
	}
	if q.Operator != "" && !strings.EqualFold(q.Operator, "AND") && !strings.EqualFold(q.Operator, "OR") {
		return newAPIError(400, prefix+"_invalid_operator", "operator must be AND or OR.")
	}
	return nil
}

func stringList(v any) []string {
	switch t := v.(type) {
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		return []string{t}
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func fuzzyArg(prefix string, v any) (string, error) {
	s, _ := v.(string)
	if utf8.RuneCountInString(s) < 3 {
		return "", newAPIError(400, prefix+"_fuzzy_filter_too_short", "Fuzzy search filters need at least 3 characters.")
	}
	return strings.ToLower(s), nil
}

// paginate applies cursor (an offset) and limit (default 100, max 1000).
func paginate[T any](items []T, cursor string, limit int) ([]T, any, error) {
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		limit = 1000
	}
	start := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return nil, nil, newAPIError(400, "invalid_cursor", "The cursor is invalid.")
		}
		start = n
	}
	if start > len(items) {
		start = len(items)
	}
	end := min(start+limit, len(items))
	var next any
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

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
	if err := req.Query.validate("organization_search"); err != nil {
		return nil, err
	}
	orgs, err := listOrgs(ctx, tx)
	if err != nil {
		return nil, err
	}
	var memberEmails map[string][]string // org id ⇒ member emails, loaded on demand
	matched := []*organization{}
	for _, o := range orgs {
		ok, err := req.Query.match(func(name string, v any) (bool, error) {
			switch name {
			case "organization_ids":
				return slices.Contains(stringList(v), o.OrganizationID), nil
			case "organization_slugs":
				return containsFold(stringList(v), o.OrganizationSlug), nil
			case "organization_name_fuzzy":
				s, err := fuzzyArg("organization_search", v)
				return err == nil && strings.Contains(strings.ToLower(o.OrganizationName), s), err
			case "organization_slug_fuzzy":
				s, err := fuzzyArg("organization_search", v)
				return err == nil && strings.Contains(strings.ToLower(o.OrganizationSlug), s), err
			case "allowed_domains":
				for _, d := range stringList(v) {
					if slices.Contains(o.EmailAllowedDomains, strings.ToLower(d)) {
						return true, nil
					}
				}
				return false, nil
			case "member_emails":
				if memberEmails == nil {
					memberEmails = map[string][]string{}
				}
				if _, ok := memberEmails[o.OrganizationID]; !ok {
					ms, err := membersOfOrg(ctx, tx, o.OrganizationID)
					if err != nil {
						return false, err
					}
					emails := []string{}
					for _, m := range ms {
						if m.Status != "deleted" {
							emails = append(emails, m.EmailAddress)
						}
					}
					memberEmails[o.OrganizationID] = emails
				}
				for _, want := range stringList(v) {
					if slices.Contains(memberEmails[o.OrganizationID], strings.ToLower(want)) {
						return true, nil
					}
				}
				return false, nil
			}
			return false, newAPIError(400, "organization_search_invalid_filter_name", "Unknown filter_name "+strconv.Quote(name)+".")
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
