package emulator

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// All SQL of enterprise SSO (connections, starts, sso tokens, SAML replay cache, the emulated
// OIDC provider's codes). Tables: migrations/004_sso.sql.

// ssoConn is one stored connection: exactly one of SAML and OIDC is set.
type ssoConn struct {
	ID, OrgID, Kind string
	Created         time.Time
	SAML            *samlConnection
	OIDC            *oidcConnection
}

// wire is the connection's wire object.
func (c *ssoConn) wire() any {
	if c.SAML != nil {
		return c.SAML
	}
	return c.OIDC
}

// saveConn inserts or updates c.
func saveConn(ctx context.Context, q querier, c *ssoConn) error {
	data, err := json.Marshal(c.wire())
	if err != nil {
		return fmt.Errorf("encode sso connection: %w", err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO sso_connections (id, org_id, kind, created_at, data) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET data = excluded.data`, c.ID, c.OrgID, c.Kind, c.Created.UnixNano(), string(data))
	if err != nil {
		return fmt.Errorf("save sso connection: %w", err)
	}
	return nil
}

func scanConns(rows *sql.Rows) ([]*ssoConn, error) {
	defer rows.Close()
	var out []*ssoConn
	for rows.Next() {
		var c ssoConn
		var created int64
		var data string
		if err := rows.Scan(&c.ID, &c.OrgID, &c.Kind, &created, &data); err != nil {
			return nil, fmt.Errorf("scan sso connection: %w", err)
		}
		c.Created = time.Unix(0, created).UTC()
		var err error
		if c.Kind == "saml" {
			c.SAML = &samlConnection{}
			err = json.Unmarshal([]byte(data), c.SAML)
			c.SAML.normalize()
		} else {
			c.OIDC = &oidcConnection{}
			err = json.Unmarshal([]byte(data), c.OIDC)
			c.OIDC.normalize()
		}
		if err != nil {
			return nil, fmt.Errorf("decode sso connection: %w", err)
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}

// getConn returns the connection with id, or nil.
func getConn(ctx context.Context, q querier, id string) (*ssoConn, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, org_id, kind, created_at, data FROM sso_connections WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("get sso connection: %w", err)
	}
	cs, err := scanConns(rows)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return cs[0], nil
}

// connsOfOrg lists an organization's connections, oldest first.
func connsOfOrg(ctx context.Context, q querier, orgID string) ([]*ssoConn, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, org_id, kind, created_at, data FROM sso_connections WHERE org_id = ? ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list sso connections: %w", err)
	}
	return scanConns(rows)
}

func deleteConn(ctx context.Context, q querier, id string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM sso_connections WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete sso connection: %w", err)
	}
	return nil
}

// ssoStart is a started sign-in, keyed by its RelayState / state.
type ssoStart struct {
	ConnectionID, RequestID, Nonce, LoginRedirect, SignupRedirect, PKCE string
}

func insertSSOStart(ctx context.Context, q querier, state string, s ssoStart, expires time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO sso_starts (hash, connection_id, request_id, nonce, login_redirect, signup_redirect, pkce, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hashToken(state), s.ConnectionID, s.RequestID, s.Nonce, s.LoginRedirect, s.SignupRedirect, s.PKCE, expires.UnixNano())
	if err != nil {
		return fmt.Errorf("insert sso start: %w", err)
	}
	return nil
}

// getSSOStart returns the live (unused, unexpired) start for state, or nil.
func getSSOStart(ctx context.Context, q querier, state string, now time.Time) (*ssoStart, error) {
	if state == "" {
		return nil, nil
	}
	var s ssoStart
	var expires int64
	var used sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT connection_id, request_id, nonce, login_redirect, signup_redirect, pkce, expires_at, used_at FROM sso_starts WHERE hash = ?`,
		hashToken(state)).Scan(&s.ConnectionID, &s.RequestID, &s.Nonce, &s.LoginRedirect, &s.SignupRedirect, &s.PKCE, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get sso start: %w", err)
	}
	if used.Valid || !now.Before(time.Unix(0, expires)) {
		return nil, nil
	}
	return &s, nil
}

// spendSSOStart marks the start used; false when it already was.
func spendSSOStart(ctx context.Context, q querier, state string, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE sso_starts SET used_at = ? WHERE hash = ? AND used_at IS NULL`, now.UnixNano(), hashToken(state))
	if err != nil {
		return false, fmt.Errorf("spend sso start: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func insertSSOToken(ctx context.Context, q querier, tok string, id ssoIdentity, pkce string, expires time.Time) error {
	data, err := json.Marshal(id)
	if err != nil {
		return fmt.Errorf("encode sso identity: %w", err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO sso_tokens (hash, connection_id, identity, pkce, expires_at) VALUES (?, ?, ?, ?, ?)`,
		hashToken(tok), id.ConnectionID, string(data), pkce, expires.UnixNano())
	if err != nil {
		return fmt.Errorf("insert sso token: %w", err)
	}
	return nil
}

// getSSOToken returns the live token's identity and PKCE challenge; ok false when the token
// is unknown, used or expired.
func getSSOToken(ctx context.Context, q querier, tok string, now time.Time) (id ssoIdentity, pkce string, ok bool, err error) {
	var data string
	var expires int64
	var used sql.NullInt64
	err = q.QueryRowContext(ctx, `SELECT identity, pkce, expires_at, used_at FROM sso_tokens WHERE hash = ?`, hashToken(tok)).
		Scan(&data, &pkce, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return id, "", false, nil
	}
	if err != nil {
		return id, "", false, fmt.Errorf("get sso token: %w", err)
	}
	if used.Valid || !now.Before(time.Unix(0, expires)) {
		return id, "", false, nil
	}
	if err := json.Unmarshal([]byte(data), &id); err != nil {
		return id, "", false, fmt.Errorf("decode sso identity: %w", err)
	}
	return id, pkce, true, nil
}

// spendSSOToken marks the token used; false when it already was.
func spendSSOToken(ctx context.Context, q querier, tok string, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE sso_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL`, now.UnixNano(), hashToken(tok))
	if err != nil {
		return false, fmt.Errorf("spend sso token: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// rememberAssertion records an accepted assertion ID until expires; false when the
// connection already accepted it (a replay). Expired entries are dropped first.
func rememberAssertion(ctx context.Context, q querier, connID, assertionID string, expires, now time.Time) (bool, error) {
	if _, err := q.ExecContext(ctx, `DELETE FROM sso_saml_assertions WHERE expires_at < ?`, now.UnixNano()); err != nil {
		return false, fmt.Errorf("prune saml assertions: %w", err)
	}
	res, err := q.ExecContext(ctx, `INSERT INTO sso_saml_assertions (connection_id, assertion_id, expires_at) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`, connID, assertionID, expires.UnixNano())
	if err != nil {
		return false, fmt.Errorf("remember saml assertion: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// idpCode is an authorization code of the emulated OIDC provider.
type idpCode struct {
	ClientID, RedirectURI, Nonce, Challenge string
	Identity                                idpIdentity
}

func insertIdPCode(ctx context.Context, q querier, code string, c idpCode, expires time.Time) error {
	data, err := json.Marshal(c.Identity)
	if err != nil {
		return fmt.Errorf("encode idp identity: %w", err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO idp_oidc_codes (hash, client_id, redirect_uri, identity, nonce, challenge, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		hashToken(code), c.ClientID, c.RedirectURI, string(data), c.Nonce, c.Challenge, expires.UnixNano())
	if err != nil {
		return fmt.Errorf("insert idp code: %w", err)
	}
	return nil
}

// spendIdPCode consumes a live code and returns it, or nil when it is unknown, used or expired.
func spendIdPCode(ctx context.Context, q querier, code string, now time.Time) (*idpCode, error) {
	var c idpCode
	var data string
	var expires int64
	var used sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT client_id, redirect_uri, identity, nonce, challenge, expires_at, used_at FROM idp_oidc_codes WHERE hash = ?`,
		hashToken(code)).Scan(&c.ClientID, &c.RedirectURI, &data, &c.Nonce, &c.Challenge, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get idp code: %w", err)
	}
	if used.Valid || !now.Before(time.Unix(0, expires)) {
		return nil, nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE idp_oidc_codes SET used_at = ? WHERE hash = ?`, now.UnixNano(), hashToken(code)); err != nil {
		return nil, fmt.Errorf("spend idp code: %w", err)
	}
	if err := json.Unmarshal([]byte(data), &c.Identity); err != nil {
		return nil, fmt.Errorf("decode idp identity: %w", err)
	}
	return &c, nil
}
