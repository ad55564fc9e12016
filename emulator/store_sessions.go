package emulator

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Wire objects. Every documented key is present; absent objects are null, empty lists [].

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
	SAMLSSOFactor          *ssoFactorDetail        `json:"saml_sso_factor,omitempty"`
	OIDCSSOFactor          *ssoFactorDetail        `json:"oidc_sso_factor,omitempty"`
}

func magicLinkFactor(emailID, email string, now time.Time) authFactor {
	return authFactor{
		Type: "magic_link", DeliveryMethod: "email",
		LastAuthenticatedAt: ts(now), CreatedAt: ts(now), UpdatedAt: ts(now),
		EmailFactor: &emailFactor{EmailID: emailID, EmailAddress: email},
	}
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

// saveSessionFactors writes a session's factors, last access, expiry and custom claims.
func saveSessionFactors(ctx context.Context, q querier, s *sessionRow) error {
	factors, err := jsonString(s.Factors)
	if err != nil {
		return err
	}
	claims, err := jsonString(s.CustomClaims)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `UPDATE sessions SET factors = ?, last_accessed_at = ?, expires_at = ?, custom_claims = ? WHERE id = ?`,
		factors, s.LastAccessedAt.UnixNano(), s.ExpiresAt.UnixNano(), claims, s.ID)
	if err != nil {
		return fmt.Errorf("update session factors: %w", err)
	}
	return nil
}

// memberSessionIDs lists the IDs of all the member's sessions (live or not), oldest first.
func memberSessionIDs(ctx context.Context, q querier, memberID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM sessions WHERE member_id = ? ORDER BY started_at, id`, memberID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan session: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
