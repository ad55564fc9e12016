package emulator

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Wire objects. Every documented key is present; absent objects are null, empty lists [].

type roleSource struct {
	Type    string         `json:"type"`
	Details map[string]any `json:"details"`
}

type memberRole struct {
	RoleID  string       `json:"role_id"`
	Sources []roleSource `json:"sources"`
}

type member struct {
	OrganizationID         string         `json:"organization_id"`
	MemberID               string         `json:"member_id"`
	EmailAddress           string         `json:"email_address"`
	Status                 string         `json:"status"`
	Name                   string         `json:"name"`
	SSORegistrations       []any          `json:"sso_registrations"`
	IsBreakglass           bool           `json:"is_breakglass"`
	MemberPasswordID       string         `json:"member_password_id"`
	OAuthRegistrations     []any          `json:"oauth_registrations"`
	EmailAddressVerified   bool           `json:"email_address_verified"`
	MFAPhoneNumberVerified bool           `json:"mfa_phone_number_verified"`
	IsAdmin                bool           `json:"is_admin"`
	TOTPRegistrationID     string         `json:"totp_registration_id"`
	RetiredEmailAddresses  []any          `json:"retired_email_addresses"`
	MFAEnrolled            bool           `json:"mfa_enrolled"`
	MFAPhoneNumber         string         `json:"mfa_phone_number"`
	DefaultMFAMethod       string         `json:"default_mfa_method"`
	Roles                  []memberRole   `json:"roles"`
	TrustedMetadata        map[string]any `json:"trusted_metadata"`
	UntrustedMetadata      map[string]any `json:"untrusted_metadata"`
	CreatedAt              string         `json:"created_at"`
	UpdatedAt              string         `json:"updated_at"`
	SCIMRegistration       any            `json:"scim_registration"`
	IsLocked               bool           `json:"is_locked"`
	ExternalID             string         `json:"external_id"`
	LockCreatedAt          *string        `json:"lock_created_at"`
	LockExpiresAt          *string        `json:"lock_expires_at"`
}

// storedMember is a member plus what the emulator keeps but the wire object lacks.
type storedMember struct {
	member
	EmailID string `json:"email_id"`
}

const (
	roleMember = "stytch_member"
	roleAdmin  = "stytch_admin"
)

func newMember(orgID, email string, status string, verified bool, roles []string, now time.Time) *storedMember {
	m := &storedMember{EmailID: "email-test-" + newUUID()}
	m.OrganizationID = orgID
	m.MemberID = "member-test-" + newUUID()
	m.EmailAddress = email
	m.Status = status
	m.EmailAddressVerified = verified
	m.CreatedAt = ts(now)
	m.UpdatedAt = ts(now)
	m.setRoles(roles)
	m.normalize()
	return m
}

// setRoles sets the directly assigned roles (validated by checkRoles); stytch_member is always
// present, and is_admin tells whether stytch_admin is among them.
func (m *storedMember) setRoles(roles []string) {
	m.Roles = []memberRole{{RoleID: roleMember, Sources: []roleSource{{Type: "direct_assignment", Details: map[string]any{}}}}}
	m.IsAdmin = false
	for _, r := range roles {
		if slices.Contains(m.roleIDs(), r) {
			continue
		}
		m.IsAdmin = m.IsAdmin || r == roleAdmin
		m.Roles = append(m.Roles, memberRole{RoleID: r, Sources: []roleSource{{Type: "direct_assignment", Details: map[string]any{}}}})
	}
}

func (m *storedMember) roleIDs() []string {
	ids := make([]string, 0, len(m.Roles))
	for _, r := range m.Roles {
		ids = append(ids, r.RoleID)
	}
	return ids
}

func (m *member) normalize() {
	for _, s := range []*[]any{&m.SSORegistrations, &m.OAuthRegistrations, &m.RetiredEmailAddresses} {
		if *s == nil {
			*s = []any{}
		}
	}
	if m.Roles == nil {
		m.Roles = []memberRole{}
	}
	if m.TrustedMetadata == nil {
		m.TrustedMetadata = map[string]any{}
	}
	if m.UntrustedMetadata == nil {
		m.UntrustedMetadata = map[string]any{}
	}
}

// Members.

func scanMembers(rows *sql.Rows) ([]*storedMember, error) {
	defer rows.Close()
	var out []*storedMember
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("scan member: %w", err)
		}
		var m storedMember
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			return nil, fmt.Errorf("decode member: %w", err)
		}
		m.normalize()
		out = append(out, &m)
	}
	return out, rows.Err()
}

func getMember(ctx context.Context, q querier, id string) (*storedMember, error) {
	rows, err := q.QueryContext(ctx, `SELECT data FROM members WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("get member: %w", err)
	}
	ms, err := scanMembers(rows)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, errMemberNotFound
	}
	return ms[0], nil
}

// memberByEmail returns the non-deleted member of org with email, or nil.
func memberByEmail(ctx context.Context, q querier, orgID, email string) (*storedMember, error) {
	rows, err := q.QueryContext(ctx, `SELECT data FROM members WHERE org_id = ? AND email = ? AND status != 'deleted'
		ORDER BY created_at DESC LIMIT 1`, orgID, strings.ToLower(email))
	if err != nil {
		return nil, fmt.Errorf("get member by email: %w", err)
	}
	ms, err := scanMembers(rows)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	return ms[0], nil
}

// membersByEmail returns every non-deleted member with email, across organizations.
func membersByEmail(ctx context.Context, q querier, email string) ([]*storedMember, error) {
	rows, err := q.QueryContext(ctx, `SELECT data FROM members WHERE email = ? AND status != 'deleted'
		ORDER BY created_at, id`, strings.ToLower(email))
	if err != nil {
		return nil, fmt.Errorf("list members by email: %w", err)
	}
	return scanMembers(rows)
}

// membersOfOrg returns all members of org, deleted ones included.
func membersOfOrg(ctx context.Context, q querier, orgID string) ([]*storedMember, error) {
	rows, err := q.QueryContext(ctx, `SELECT data FROM members WHERE org_id = ? ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return scanMembers(rows)
}

func saveMember(ctx context.Context, q querier, m *storedMember, created time.Time) error {
	m.EmailAddress = strings.ToLower(m.EmailAddress)
	m.normalize()
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode member: %w", err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO members (id, org_id, email, status, created_at, data) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET email = excluded.email, status = excluded.status, data = excluded.data`,
		m.MemberID, m.OrganizationID, m.EmailAddress, m.Status, created.UnixNano(), string(data))
	if err != nil {
		return fmt.Errorf("save member: %w", err)
	}
	return nil
}
