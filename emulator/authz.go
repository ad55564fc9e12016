package emulator

import (
	"context"
	"database/sql"
)

// Which permission each member-session-authorized call needs (X-Stytch-Member-Session or
// X-Stytch-Member-SessionJWT); without those headers the project's API key may do anything.

var errTrustedMetadata = newAPIError(400, "cannot_update_trusted_metadata",
	"trusted_metadata cannot be updated when acting as a Member (with a member session header).")

// updateActions lists the stytch.organization actions an organization update needs, one per
// field it sets (the field docs of stytch-go v16's UpdateParams).
func (s *orgSettings) updateActions() []string {
	var out []string
	add := func(set bool, action string) {
		if set {
			out = append(out, action)
		}
	}
	add(s.OrganizationName != nil, "update.info.name")
	add(s.OrganizationSlug != nil, "update.info.slug")
	add(s.OrganizationLogoURL != nil, "update.info.logo-url")
	add(s.OrganizationExternalID != nil, "update.info.external-id")
	add(s.SSOJITProvisioning != "" || s.SSOJITProvisioningAllowedConnections != nil, "update.settings.sso-jit-provisioning")
	add(s.SSODefaultConnectionID != nil, "update.settings.default-sso-connection")
	add(s.EmailAllowedDomains != nil, "update.settings.allowed-domains")
	add(s.EmailJITProvisioning != "", "update.settings.email-jit-provisioning")
	add(s.EmailInvites != "", "update.settings.email-invites")
	add(s.AuthMethods != "" || s.AllowedAuthMethods != nil, "update.settings.allowed-auth-methods")
	add(s.MFAPolicy != "", "update.settings.mfa-policy")
	add(s.RBACEmailImplicitRoleAssignments != nil, "update.settings.implicit-roles")
	add(s.MFAMethods != "" || s.AllowedMFAMethods != nil, "update.settings.allowed-mfa-methods")
	add(s.OAuthTenantJITProvisioning != "", "update.settings.oauth-tenant-jit-provisioning")
	add(s.AllowedOAuthTenants != nil, "update.settings.allowed-oauth-tenants")
	return out
}

// authorizeUpdate: a member-session organization update needs every action its fields need,
// and may not set trusted_metadata.
func (e *Emulator) authorizeUpdate(c *callerSession, o *organization, s *orgSettings) error {
	if c == nil {
		return nil
	}
	if c.member.OrganizationID != o.OrganizationID {
		return errTenancy
	}
	if s.TrustedMetadata != nil {
		return errTrustedMetadata
	}
	for _, action := range s.updateActions() {
		if err := e.authorize(c, o, resOrganization, action); err != nil {
			return err
		}
	}
	return nil
}

// authorizeRevoke: revoking a member's sessions needs revoke-sessions on stytch.self (one's
// own) or on stytch.member (anyone's in the organization).
func (e *Emulator) authorizeRevoke(ctx context.Context, q querier, c *callerSession, orgID, memberID string) error {
	if c == nil {
		return nil
	}
	o, err := getOrg(ctx, q, orgID)
	if err != nil {
		return err
	}
	return e.authorizeOnMember(c, o, memberID, "revoke-sessions")
}

// authorizationCheck is sessions/authenticate's authorization_check: the session's
// organization must be the named one (ID, slug or external ID) and one of the member's roles
// must grant the action. It returns the granting roles for the verdict.
func (e *Emulator) authorizationCheck(ctx context.Context, tx *sql.Tx, m *storedMember, o *organization, orgRef, resource, action string) ([]string, error) {
	target, err := getOrg(ctx, tx, orgRef)
	if err != nil || target.OrganizationID != o.OrganizationID {
		return nil, errTenancy
	}
	roles := e.grantingRoles(m, o, resource, action)
	if len(roles) == 0 {
		return nil, errAuthz
	}
	return roles, nil
}
