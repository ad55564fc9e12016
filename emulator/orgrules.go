package emulator

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/orgpick/orgpick/internal/commondomain"
)

// Organization configuration rules (https://stytch.com/docs/b2b/api/org-auth-settings) and the
// link-lifetime parameters of the email send endpoints.

var (
	errDuplicateDomain = newAPIError(400, "organization_settings_duplicate_domain",
		"email_allowed_domains contains the same domain more than once.")
	errAuthMethodsRequired = newAPIError(400, "allowed_auth_methods_required_for_restricted",
		"allowed_auth_methods must not be empty when auth_methods is RESTRICTED.")
	errAllowedAuthMethods = newAPIError(400, "invalid_organization_allowed_auth_methods",
		"allowed_auth_methods may only contain sso, magic_link, password, google_oauth, microsoft_oauth, email_otp, slack_oauth, github_oauth and hubspot_oauth.")
	errAllNotAllowed = newAPIError(400, "invalid_organization_auth_factor_setting",
		"sso_jit_provisioning, email_jit_provisioning and email_invites cannot all be NOT_ALLOWED.")
	errExternalIDUsed = newAPIError(400, "organization_external_id_already_used",
		"The provided organization_external_id is already used by another organization.")
	errExpiration = newAPIError(400, "invalid_expiration",
		"Expiration minutes must be between 5 and 10080 (one week).")
)

// authMethodNames are the values allowed_auth_methods accepts (v16 lists the first five; the
// newer API adds the others).
var authMethodNames = []string{"sso", "magic_link", "password", "google_oauth", "microsoft_oauth",
	"email_otp", "slack_oauth", "github_oauth", "hubspot_oauth"}

const (
	minLinkMinutes = 5
	maxLinkMinutes = 10080
)

// linkLifetime validates a *_expiration_minutes parameter (0 = absent ⇒ def).
func linkLifetime(mins int, def time.Duration) (time.Duration, error) {
	if mins == 0 {
		return def, nil
	}
	if mins < minLinkMinutes || mins > maxLinkMinutes {
		return 0, errExpiration
	}
	return time.Duration(mins) * time.Minute, nil
}

// allowedDomains validates email_allowed_domains: well-formed, not a common email domain,
// and no domain twice (Stytch refuses duplicates rather than dropping them).
func allowedDomains(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, d := range in {
		d = strings.ToLower(strings.TrimSpace(d))
		if !domainRe.MatchString(d) {
			return nil, errDomainInvalid
		}
		if commondomain.Is(d) {
			return nil, errDomainTooCommon
		}
		if slices.Contains(out, d) {
			return nil, errDuplicateDomain
		}
		out = append(out, d)
	}
	return out, nil
}

// hasAuthSettings reports whether a create request sets any organization authentication
// setting. Without any, email_invites defaults to ALL_ALLOWED; with some but no email_invites,
// it defaults to NOT_ALLOWED (Stytch's org configuration rules).
func (s *orgSettings) hasAuthSettings() bool {
	return s.SSOJITProvisioning != "" || s.SSOJITProvisioningAllowedConnections != nil ||
		s.EmailAllowedDomains != nil || s.EmailJITProvisioning != "" || s.EmailInvites != "" ||
		s.AuthMethods != "" || s.AllowedAuthMethods != nil || s.MFAPolicy != "" ||
		s.MFAMethods != "" || s.AllowedMFAMethods != nil || s.OAuthTenantJITProvisioning != "" ||
		s.AllowedOAuthTenants != nil
}

// newOrganizationFor is newOrganization with the email_invites default that depends on the
// request (see hasAuthSettings).
func newOrganizationFor(s *orgSettings, now time.Time) *organization {
	o := newOrganization(now)
	if s.hasAuthSettings() {
		o.EmailInvites = "NOT_ALLOWED"
	}
	return o
}

// applyRules finishes orgSettings.apply: the fields added after v16 and the rules that
// involve several settings at once.
func (s *orgSettings) applyRules(o *organization) error {
	if s.OrganizationExternalID != nil {
		o.OrganizationExternalID = strings.TrimSpace(*s.OrganizationExternalID)
	}
	for _, m := range o.AllowedAuthMethods {
		if !slices.Contains(authMethodNames, m) {
			return errAllowedAuthMethods
		}
	}
	if o.AuthMethods == "RESTRICTED" && len(o.AllowedAuthMethods) == 0 {
		return errAuthMethodsRequired
	}
	if o.SSOJITProvisioning == "NOT_ALLOWED" && o.EmailJITProvisioning == "NOT_ALLOWED" && o.EmailInvites == "NOT_ALLOWED" {
		return errAllNotAllowed
	}
	return nil
}

// checkExternalIDFree: organization_external_id, when set, is unique in the project.
func checkExternalIDFree(ctx context.Context, q querier, o *organization) error {
	if o.OrganizationExternalID == "" {
		return nil
	}
	taken, err := externalIDTaken(ctx, q, o.OrganizationExternalID, o.OrganizationID)
	if err != nil {
		return err
	}
	if taken {
		return errExternalIDUsed
	}
	return nil
}

// CommonEmailDomain reports whether domain (e.g. "gmx.de") is one of Stytch's common email
// domains (internal/commondomain, which the app uses too).
func CommonEmailDomain(domain string) bool { return commondomain.Is(domain) }
