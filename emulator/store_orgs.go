package emulator

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Wire objects. Every documented key is present; absent objects are null, empty lists [].

type organization struct {
	OrganizationID                       string         `json:"organization_id"`
	OrganizationName                     string         `json:"organization_name"`
	OrganizationLogoURL                  string         `json:"organization_logo_url"`
	OrganizationSlug                     string         `json:"organization_slug"`
	SSOJITProvisioning                   string         `json:"sso_jit_provisioning"`
	SSOJITProvisioningAllowedConnections []string       `json:"sso_jit_provisioning_allowed_connections"`
	SSOActiveConnections                 []any          `json:"sso_active_connections"`
	EmailAllowedDomains                  []string       `json:"email_allowed_domains"`
	EmailJITProvisioning                 string         `json:"email_jit_provisioning"`
	EmailInvites                         string         `json:"email_invites"`
	AuthMethods                          string         `json:"auth_methods"`
	AllowedAuthMethods                   []string       `json:"allowed_auth_methods"`
	MFAPolicy                            string         `json:"mfa_policy"`
	RBACEmailImplicitRoleAssignments     []any          `json:"rbac_email_implicit_role_assignments"`
	MFAMethods                           string         `json:"mfa_methods"`
	AllowedMFAMethods                    []string       `json:"allowed_mfa_methods"`
	OAuthTenantJITProvisioning           string         `json:"oauth_tenant_jit_provisioning"`
	TrustedMetadata                      map[string]any `json:"trusted_metadata"`
	CreatedAt                            string         `json:"created_at"`
	UpdatedAt                            string         `json:"updated_at"`
	SSODefaultConnectionID               *string        `json:"sso_default_connection_id"`
	SCIMActiveConnection                 any            `json:"scim_active_connection"`
	AllowedOAuthTenants                  map[string]any `json:"allowed_oauth_tenants"`
	OrganizationExternalID               string         `json:"organization_external_id"`
	ClaimedEmailDomains                  []string       `json:"claimed_email_domains"`
	CustomRoles                          []Role         `json:"custom_roles"`
}

// normalize replaces nil lists and maps with empty ones so they encode as [] and {}.
func (o *organization) normalize() {
	for _, s := range []*[]string{&o.SSOJITProvisioningAllowedConnections, &o.EmailAllowedDomains,
		&o.AllowedAuthMethods, &o.AllowedMFAMethods, &o.ClaimedEmailDomains} {
		if *s == nil {
			*s = []string{}
		}
	}
	if o.SSOActiveConnections == nil {
		o.SSOActiveConnections = []any{}
	}
	if o.RBACEmailImplicitRoleAssignments == nil {
		o.RBACEmailImplicitRoleAssignments = []any{}
	}
	if o.TrustedMetadata == nil {
		o.TrustedMetadata = map[string]any{}
	}
	if o.AllowedOAuthTenants == nil {
		o.AllowedOAuthTenants = map[string]any{}
	}
	if o.CustomRoles == nil {
		o.CustomRoles = []Role{}
	}
}

// Organizations.

// getOrg finds an organization by ID or, as Stytch allows wherever it takes an organization
// ID, by its slug (case-insensitively) or its organization_external_id.
func getOrg(ctx context.Context, q querier, id string) (*organization, error) {
	var data string
	err := q.QueryRowContext(ctx, `SELECT data FROM organizations WHERE id = ?`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) && id != "" { // the slow path only for slugs and external IDs
		err = q.QueryRowContext(ctx, `SELECT data FROM organizations
			WHERE slug = ?1 OR json_extract(data, '$.organization_external_id') = ?1
			ORDER BY slug = ?1 DESC LIMIT 1`, id).Scan(&data)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errOrgNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get organization: %w", err)
	}
	var o organization
	if err := json.Unmarshal([]byte(data), &o); err != nil {
		return nil, fmt.Errorf("decode organization: %w", err)
	}
	o.normalize()
	return &o, nil
}

func listOrgs(ctx context.Context, q querier) ([]*organization, error) {
	rows, err := q.QueryContext(ctx, `SELECT data FROM organizations ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list organizations: %w", err)
	}
	defer rows.Close()
	var out []*organization
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("scan organization: %w", err)
		}
		var o organization
		if err := json.Unmarshal([]byte(data), &o); err != nil {
			return nil, fmt.Errorf("decode organization: %w", err)
		}
		o.normalize()
		out = append(out, &o)
	}
	return out, rows.Err()
}

// slugTaken reports whether another organization uses slug (case-insensitively).
func slugTaken(ctx context.Context, q querier, slug, exceptID string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations WHERE slug = ? COLLATE NOCASE AND id != ?`, slug, exceptID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check slug: %w", err)
	}
	return n > 0, nil
}

func saveOrg(ctx context.Context, q querier, o *organization, created time.Time) error {
	o.normalize()
	data, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("encode organization: %w", err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO organizations (id, slug, created_at, data) VALUES (?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET slug = excluded.slug, data = excluded.data`,
		o.OrganizationID, o.OrganizationSlug, created.UnixNano(), string(data))
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return errSlugUsed
		}
		return fmt.Errorf("save organization: %w", err)
	}
	return nil
}

// externalIDTaken reports whether another organization than exceptID has external ID ext.
func externalIDTaken(ctx context.Context, q querier, ext, exceptID string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations
		WHERE id != ? AND json_extract(data, '$.organization_external_id') = ?`, exceptID, ext).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check organization external id: %w", err)
	}
	return n > 0, nil
}

// deleteOrg removes an organization with its members and magic links, and revokes its sessions.
func deleteOrg(ctx context.Context, q querier, id string, now time.Time) error {
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE sessions SET revoked_at = ? WHERE org_id = ? AND revoked_at IS NULL`, []any{now.UnixNano(), id}},
		{`DELETE FROM magic_links WHERE org_id = ?`, []any{id}},
		{`DELETE FROM members WHERE org_id = ?`, []any{id}},
		{`DELETE FROM organizations WHERE id = ?`, []any{id}},
	} {
		if _, err := q.ExecContext(ctx, stmt.sql, stmt.args...); err != nil {
			return fmt.Errorf("delete organization: %w", err)
		}
	}
	return nil
}
