package emulator

import (
	"context"
	"crypto/sha256"
	"database/sql"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

//go:embed schema.sql
var schemaSQL string

// openDB opens the SQLite database at path ("" = private in-memory) and applies the schema.
// The pool holds a single connection: every request is serialised by Emulator.mu anyway.
func openDB(path string) (*sql.DB, error) {
	var dsn string
	if path == "" {
		dsn = "file:emu-" + newUUID() + "?mode=memory&cache=shared&_foreign_keys=on"
	} else {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("emulator: create database directory: %w", err)
			}
		}
		dsn = "file:" + path + "?_journal_mode=WAL&_busy_timeout=5000&_foreign_keys=on&_txlock=immediate"
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("emulator: open database: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	for _, schema := range []string{schemaSQL, mfaSchemaSQL} {
		if _, err := db.Exec(schema); err != nil {
			db.Close()
			return nil, fmt.Errorf("emulator: apply schema: %w", err)
		}
	}
	if err := migrate(db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

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

type emailFactor struct {
	EmailID      string `json:"email_id"`
	EmailAddress string `json:"email_address"`
}

type authFactor struct {
	Type                 string       `json:"type"`
	DeliveryMethod       string       `json:"delivery_method"`
	LastAuthenticatedAt  string       `json:"last_authenticated_at"`
	CreatedAt            string       `json:"created_at"`
	UpdatedAt            string       `json:"updated_at"`
	EmailFactor          *emailFactor `json:"email_factor"`
	GoogleOAuthFactor    *oauthFactor `json:"google_oauth_factor,omitempty"`
	MicrosoftOAuthFactor *oauthFactor `json:"microsoft_oauth_factor,omitempty"`

	PhoneNumberFactor      *phoneNumberFactor      `json:"phone_number_factor,omitempty"`
	AuthenticatorAppFactor *authenticatorAppFactor `json:"authenticator_app_factor,omitempty"`
	RecoveryCodeFactor     *recoveryCodeFactor     `json:"recovery_code_factor,omitempty"`
}

func magicLinkFactor(emailID, email string, now time.Time) authFactor {
	return authFactor{
		Type: "magic_link", DeliveryMethod: "email",
		LastAuthenticatedAt: ts(now), CreatedAt: ts(now), UpdatedAt: ts(now),
		EmailFactor: &emailFactor{EmailID: emailID, EmailAddress: email},
	}
}

// hashToken is how magic-link and intermediate-session tokens are stored.
func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// querier is satisfied by *sql.DB and *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
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

// Magic links.

type magicLink struct {
	Kind     string
	Email    string
	OrgID    string
	MemberID string
}

func insertMagicLink(ctx context.Context, q querier, tok string, ml magicLink, expires time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO magic_links (hash, kind, email, org_id, member_id, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		hashToken(tok), ml.Kind, ml.Email, ml.OrgID, ml.MemberID, expires.UnixNano())
	if err != nil {
		return fmt.Errorf("insert magic link: %w", err)
	}
	return nil
}

// consumeMagicLink marks the token used and returns it. kinds restricts which kinds qualify
// (a token of another kind is reported as not found). Unknown ⇒ magic_link_not_found;
// used or expired ⇒ unable_to_auth_magic_link. The conditional UPDATE makes use single.
func consumeMagicLink(ctx context.Context, q querier, tok string, now time.Time, kinds ...string) (*magicLink, error) {
	if tok == "" {
		return nil, errMagicLinkNotFound
	}
	h := hashToken(tok)
	var ml magicLink
	var expires int64
	var used sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT kind, email, org_id, member_id, expires_at, used_at FROM magic_links WHERE hash = ?`, h).
		Scan(&ml.Kind, &ml.Email, &ml.OrgID, &ml.MemberID, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errMagicLinkNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get magic link: %w", err)
	}
	kindOK := false
	for _, k := range kinds {
		kindOK = kindOK || k == ml.Kind
	}
	if !kindOK {
		return nil, errMagicLinkNotFound
	}
	if used.Valid || !now.Before(time.Unix(0, expires)) {
		return nil, errMagicLinkUsed
	}
	res, err := q.ExecContext(ctx, `UPDATE magic_links SET used_at = ? WHERE hash = ? AND used_at IS NULL`, now.UnixNano(), h)
	if err != nil {
		return nil, fmt.Errorf("consume magic link: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, errMagicLinkUsed
	}
	return &ml, nil
}

// Intermediate sessions.

type intermediateSession struct {
	Hash    string
	Email   string
	EmailID string
	Created time.Time
}

func insertIST(ctx context.Context, q querier, tok, email, emailID string, now, expires time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO intermediate_sessions (hash, email, email_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		hashToken(tok), email, emailID, now.UnixNano(), expires.UnixNano())
	if err != nil {
		return fmt.Errorf("insert intermediate session: %w", err)
	}
	return nil
}

// getIST returns a live (unconsumed, unexpired) intermediate session.
func getIST(ctx context.Context, q querier, tok string, now time.Time) (*intermediateSession, error) {
	if tok == "" {
		return nil, errISTNotFound
	}
	ist := intermediateSession{Hash: hashToken(tok)}
	var created, expires int64
	var consumed sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT email, email_id, created_at, expires_at, consumed_at FROM intermediate_sessions WHERE hash = ?`, ist.Hash).
		Scan(&ist.Email, &ist.EmailID, &created, &expires, &consumed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errISTNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get intermediate session: %w", err)
	}
	if consumed.Valid || !now.Before(time.Unix(0, expires)) {
		return nil, errISTNotFound
	}
	ist.Created = time.Unix(0, created).UTC()
	return &ist, nil
}

func consumeIST(ctx context.Context, q querier, ist *intermediateSession, now time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE intermediate_sessions SET consumed_at = ? WHERE hash = ? AND consumed_at IS NULL`, now.UnixNano(), ist.Hash)
	if err != nil {
		return fmt.Errorf("consume intermediate session: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errISTNotFound
	}
	return nil
}

// Sessions.

type sessionRow struct {
	ID             string
	Token          string
	MemberID       string
	OrgID          string
	StartedAt      time.Time
	LastAccessedAt time.Time
	ExpiresAt      time.Time
	Revoked        bool
	Factors        []authFactor
	CustomClaims   map[string]any
}

func insertSession(ctx context.Context, q querier, s *sessionRow) error {
	factors, _ := json.Marshal(s.Factors)
	claims, _ := json.Marshal(s.CustomClaims)
	_, err := q.ExecContext(ctx, `INSERT INTO sessions (id, token, member_id, org_id, started_at, last_accessed_at, expires_at, factors, custom_claims)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.Token, s.MemberID, s.OrgID, s.StartedAt.UnixNano(), s.LastAccessedAt.UnixNano(), s.ExpiresAt.UnixNano(), string(factors), string(claims))
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

func updateSession(ctx context.Context, q querier, s *sessionRow) error {
	claims, _ := json.Marshal(s.CustomClaims)
	_, err := q.ExecContext(ctx, `UPDATE sessions SET last_accessed_at = ?, expires_at = ?, custom_claims = ? WHERE id = ?`,
		s.LastAccessedAt.UnixNano(), s.ExpiresAt.UnixNano(), string(claims), s.ID)
	if err != nil {
		return fmt.Errorf("update session: %w", err)
	}
	return nil
}

// getSession looks a session up by "id" or "token" and returns it only while it is alive.
func getSession(ctx context.Context, q querier, by, value string, now time.Time) (*sessionRow, error) {
	if value == "" {
		return nil, errSessionNotFound
	}
	col := "id"
	if by == "token" {
		col = "token"
	}
	var s sessionRow
	var started, last, expires int64
	var revoked sql.NullInt64
	var factors, claims string
	err := q.QueryRowContext(ctx, `SELECT id, token, member_id, org_id, started_at, last_accessed_at, expires_at, revoked_at, factors, custom_claims
		FROM sessions WHERE `+col+` = ?`, value).
		Scan(&s.ID, &s.Token, &s.MemberID, &s.OrgID, &started, &last, &expires, &revoked, &factors, &claims)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errSessionNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	s.StartedAt, s.LastAccessedAt, s.ExpiresAt = time.Unix(0, started).UTC(), time.Unix(0, last).UTC(), time.Unix(0, expires).UTC()
	if revoked.Valid || !now.Before(s.ExpiresAt) {
		return nil, errSessionNotFound
	}
	if err := json.Unmarshal([]byte(factors), &s.Factors); err != nil {
		return nil, fmt.Errorf("decode session factors: %w", err)
	}
	if err := json.Unmarshal([]byte(claims), &s.CustomClaims); err != nil {
		return nil, fmt.Errorf("decode session claims: %w", err)
	}
	if s.CustomClaims == nil {
		s.CustomClaims = map[string]any{}
	}
	return &s, nil
}

func revokeSession(ctx context.Context, q querier, id string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now.UnixNano(), id)
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

func revokeMemberSessions(ctx context.Context, q querier, memberID string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE member_id = ? AND revoked_at IS NULL`, now.UnixNano(), memberID)
	if err != nil {
		return fmt.Errorf("revoke member sessions: %w", err)
	}
	return nil
}

// KV.

func getKV(ctx context.Context, q querier, k string) (string, bool, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT v FROM kv WHERE k = ?`, k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("get %s: %w", k, err)
	}
	return v, true, nil
}

func putKV(ctx context.Context, q querier, k, v string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`, k, v)
	if err != nil {
		return fmt.Errorf("put %s: %w", k, err)
	}
	return nil
}
