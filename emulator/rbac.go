package emulator

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Policy is an RBAC policy, as GET /v1/b2b/rbac/policy serves it.
type Policy struct {
	Roles     []Role     `json:"roles"`
	Resources []Resource `json:"resources"`
}

// Role is a named set of permissions, assigned to members.
type Role struct {
	RoleID      string       `json:"role_id"`
	Description string       `json:"description"`
	Permissions []Permission `json:"permissions"`
}

// Permission grants actions ("*" = all) on one resource.
type Permission struct {
	ResourceID string   `json:"resource_id"`
	Actions    []string `json:"actions"`
}

// Resource is something roles act upon, with the actions it knows.
type Resource struct {
	ResourceID  string   `json:"resource_id"`
	Description string   `json:"description"`
	Actions     []string `json:"actions"`
}

const (
	resOrganization = "stytch.organization"
	resMember       = "stytch.member"
	resSelf         = "stytch.self"
)

// DefaultPolicy is Stytch's default RBAC policy: the stytch.* resources with their actions,
// stytch_member (every member) with all of stytch.self, and stytch_admin with all of
// stytch.organization, stytch.member, stytch.sso and stytch.scim.
func DefaultPolicy() Policy {
	selfActions := []string{"update.info.name", "update.info.untrusted-metadata", "update.info.mfa-phone",
		"update.info.delete.mfa-phone", "update.info.delete.mfa-totp", "update.info.delete.password",
		"update.settings.mfa-enrolled", "update.settings.default-mfa-method", "revoke-sessions", "delete"}
	return Policy{
		Resources: []Resource{
			{resSelf, "The logged-in member's own Member object.", selfActions},
			{resOrganization, "The member's Organization.", []string{"update.info.name", "update.info.slug",
				"update.info.logo-url", "update.info.external-id", "update.settings.sso-jit-provisioning",
				"update.settings.email-jit-provisioning", "update.settings.email-invites",
				"update.settings.allowed-domains", "update.settings.default-sso-connection",
				"update.settings.mfa-policy", "update.settings.implicit-roles",
				"update.settings.allowed-auth-methods", "update.settings.allowed-mfa-methods",
				"update.settings.oauth-tenant-jit-provisioning", "update.settings.allowed-oauth-tenants", "delete"}},
			{resMember, "All Members of the Organization.", append([]string{"create", "search",
				"update.info.email", "update.settings.is-breakglass", "update.settings.roles"}, selfActions...)},
			{"stytch.sso", "The Organization's SSO connections.", []string{"create", "get", "update", "delete"}},
			{"stytch.scim", "The Organization's SCIM connection.", []string{"create", "get", "update", "delete"}},
		},
		Roles: []Role{
			{roleMember, "Granted to every Member.", []Permission{{resSelf, []string{"*"}}}},
			{roleAdmin, "Granted to the creator of an Organization; administers it.", []Permission{
				{resOrganization, []string{"*"}}, {resMember, []string{"*"}},
				{"stytch.sso", []string{"*"}}, {"stytch.scim", []string{"*"}}}},
		},
	}
}

// buildPolicy merges the configured policy into the default one: custom resources are added;
// a role with a default role's ID replaces that role's permissions (as editing stytch_member
// or stytch_admin in the Dashboard does); other roles are added.
func buildPolicy(custom *Policy) (Policy, error) {
	p := DefaultPolicy()
	if custom == nil {
		return p, nil
	}
	for _, r := range custom.Resources {
		if strings.HasPrefix(r.ResourceID, "stytch") || r.ResourceID == "" {
			return Policy{}, fmt.Errorf("emulator: RBAC resource %q: custom resource IDs may not be empty or start with \"stytch\"", r.ResourceID)
		}
		p.Resources = append(p.Resources, r)
	}
	for _, r := range custom.Roles {
		if i := slices.IndexFunc(p.Roles, func(d Role) bool { return d.RoleID == r.RoleID }); i >= 0 {
			p.Roles[i] = r
			continue
		}
		if r.RoleID == "" || strings.HasPrefix(r.RoleID, "stytch_") {
			return Policy{}, fmt.Errorf("emulator: RBAC role %q: custom role IDs may not be empty or start with \"stytch_\"", r.RoleID)
		}
		p.Roles = append(p.Roles, r)
	}
	return p, nil
}

// GET /v1/b2b/rbac/policy
func (e *Emulator) rbacPolicy(_ context.Context, _ *sql.Tx, _ *http.Request) (map[string]any, error) {
	return map[string]any{"policy": e.policy}, nil
}

// grantingRoles returns the member's roles that allow action on resource: the project policy's
// roles plus the organization's custom roles.
func (e *Emulator) grantingRoles(m *storedMember, o *organization, resource, action string) []string {
	held := m.roleIDs()
	var out []string
	for _, roles := range [][]Role{e.policy.Roles, o.CustomRoles} {
		for _, r := range roles {
			if !slices.Contains(held, r.RoleID) || slices.Contains(out, r.RoleID) {
				continue
			}
			for _, p := range r.Permissions {
				if p.ResourceID == resource && (slices.Contains(p.Actions, "*") || slices.Contains(p.Actions, action)) {
					out = append(out, r.RoleID)
					break
				}
			}
		}
	}
	return out
}

var errDefaultRole = newAPIError(400, "cannot_assign_default_rbac_role_id",
	"stytch_member is granted to every member and cannot be assigned explicitly.")

// checkRoles validates explicitly assigned roles: each must be a role of the project policy
// or of the organization, and not stytch_member.
func (e *Emulator) checkRoles(o *organization, roles []string) error {
	for _, id := range roles {
		if id == roleMember {
			return errDefaultRole
		}
		known := func(r Role) bool { return r.RoleID == id }
		if !slices.ContainsFunc(e.policy.Roles, known) && !slices.ContainsFunc(o.CustomRoles, known) {
			return newAPIError(400, "invalid_rbac_role_id", "Unknown role "+id+": it is in neither the project's RBAC policy nor the organization's custom roles.")
		}
	}
	return nil
}

// authorize: the caller (nil = API key, allowed everything) must belong to o and hold a role
// granting action on resource.
func (e *Emulator) authorize(c *callerSession, o *organization, resource, action string) error {
	if c == nil {
		return nil
	}
	if c.member.OrganizationID != o.OrganizationID {
		return errTenancy
	}
	if len(e.grantingRoles(c.member, o, resource, action)) == 0 {
		return errAuthz
	}
	return nil
}

// authorizeOnMember: acting on memberID needs the stytch.self action when it is the caller's
// own member, the stytch.member action otherwise.
func (e *Emulator) authorizeOnMember(c *callerSession, o *organization, memberID, action string) error {
	if c != nil && c.member.MemberID == memberID && e.authorize(c, o, resSelf, action) == nil {
		return nil
	}
	return e.authorize(c, o, resMember, action)
}

// SetOrganizationCustomRoles replaces an organization's custom roles (org is its ID or slug).
// Their permissions must name resources of the project policy; their IDs must not clash with
// project roles. Members get them through invites, member create or member update.
func (e *Emulator) SetOrganizationCustomRoles(ctx context.Context, org string, roles []Role) error {
	for _, r := range roles {
		if r.RoleID == "" || strings.HasPrefix(r.RoleID, "stytch_") ||
			slices.ContainsFunc(e.policy.Roles, func(p Role) bool { return p.RoleID == r.RoleID }) {
			return fmt.Errorf("emulator: custom role %q: empty, reserved or already a project role", r.RoleID)
		}
		for _, p := range r.Permissions {
			if !slices.ContainsFunc(e.policy.Resources, func(res Resource) bool { return res.ResourceID == p.ResourceID }) {
				return fmt.Errorf("emulator: custom role %q: unknown resource %q", r.RoleID, p.ResourceID)
			}
		}
	}
	err := e.tx(ctx, func(tx *sql.Tx) error {
		o, err := getOrg(ctx, tx, org)
		if err != nil {
			return err
		}
		o.CustomRoles = slices.Clone(roles)
		o.UpdatedAt = ts(e.now())
		return saveOrg(ctx, tx, o, e.now())
	})
	var ae *apiError
	if errors.As(err, &ae) {
		return fmt.Errorf("emulator: organization %q: %s", org, ae.Type)
	}
	return err
}
