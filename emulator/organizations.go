package emulator

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/orgpick/orgpick/internal/commondomain"
)

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
	OrganizationExternalID               *string        `json:"organization_external_id"`
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
	SSODefaultConnectionID               *string        `json:"sso_default_connection_id"` // checked by checkOrgSSOSettings (sso.go)
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
		domains, err := allowedDomains(s.EmailAllowedDomains)
		if err != nil {
			return err
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
	if err := s.applyRules(o); err != nil {
		return err
	}
	return checkMFASettings(o)
}

// checkSlugFree: the slug and any organization_external_id are unused by other organizations.
func checkSlugFree(ctx context.Context, q querier, o *organization) error {
	taken, err := slugTaken(ctx, q, o.OrganizationSlug, o.OrganizationID)
	if err != nil {
		return err
	}
	if taken {
		return errSlugUsed
	}
	return checkExternalIDFree(ctx, q, o)
}

// deriveOrgName names a new organization after the registrable name of the email's domain
// ("ada@eng.acme.co.uk" ⇒ "acme"), or after its local part for common providers and .edu
// ("ada.l@gmail.com" ⇒ "ada.l").
// The slug is the lower-cased name with other characters replaced by "-", suffixed "-2",
// "-3", … until it is free.
func deriveOrgName(ctx context.Context, q querier, email string) (name, slug string, err error) {
	local, domain, _ := strings.Cut(email, "@")
	name = local
	if !commondomain.Is(domain) && !strings.HasSuffix(domain, ".edu") {
		name = commondomain.RegistrableName(domain)
	}
	if name == "" {
		name = "organization"
	}
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:100])
	}
	slug, err = slugFromName(ctx, q, name)
	return name, slug, err
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
	if err := e.authorizeUpdate(caller, o, &req); err != nil {
		return nil, err
	}
	if err := req.apply(o); err != nil {
		return nil, err
	}
	if err := checkOrgSSOSettings(ctx, tx, o, &req); err != nil {
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
