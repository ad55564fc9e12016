package emulator

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// insertOAuthState stores a started sign-in under the hash of its state token.
func insertOAuthState(ctx context.Context, q querier, state string, s oauthState, expires time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO oauth_states (hash, provider, redirect, pkce, login_hint, org_id, signup_redirect, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hashToken(state), s.Provider, s.Redirect, s.PKCE, s.LoginHint, s.OrgID, s.SignupRedirect,
		expires.UnixNano())
	if err != nil {
		return fmt.Errorf("store oauth state: %w", err)
	}
	return nil
}

// getOAuthState returns the live state for a state token of provider, else errStateGone.
func getOAuthState(ctx context.Context, q querier, provider, state string, now time.Time) (*oauthState, error) {
	var s oauthState
	var expires int64
	var used sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT provider, redirect, pkce, login_hint, org_id, signup_redirect, expires_at, used_at FROM oauth_states WHERE hash = ?`,
		hashToken(state)).Scan(&s.Provider, &s.Redirect, &s.PKCE, &s.LoginHint, &s.OrgID, &s.SignupRedirect, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (used.Valid || s.Provider != provider || !now.Before(time.Unix(0, expires)))) {
		return nil, errStateGone
	}
	if err != nil {
		return nil, fmt.Errorf("get oauth state: %w", err)
	}
	return &s, nil
}

// useOAuthState marks a state token used.
func useOAuthState(ctx context.Context, q querier, state string, now time.Time) error {
	if _, err := q.ExecContext(ctx, `UPDATE oauth_states SET used_at = ? WHERE hash = ?`, now.UnixNano(), hashToken(state)); err != nil {
		return fmt.Errorf("spend oauth state: %w", err)
	}
	return nil
}

// insertOAuthToken stores the identity a token stands for under the token's hash.
func insertOAuthToken(ctx context.Context, q querier, tok string, id oauthIdentity, expires time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO oauth_tokens (hash, provider, email, name, subject, tenant, pkce, org_id, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		hashToken(tok), id.Provider, id.Email, id.Name, id.Subject, id.Tenant, id.PKCE, id.OrgID, expires.UnixNano())
	if err != nil {
		return fmt.Errorf("store oauth token: %w", err)
	}
	return nil
}

// getOAuthToken returns the identity of a live, unspent token of the given kind (org-scoped or
// discovery); any other token is errOAuthToken.
func getOAuthToken(ctx context.Context, q querier, tok string, orgScoped bool, now time.Time) (oauthIdentity, error) {
	var id oauthIdentity
	var expires int64
	var used sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT provider, email, name, subject, tenant, pkce, org_id, expires_at, used_at FROM oauth_tokens WHERE hash = ?`,
		hashToken(tok)).Scan(&id.Provider, &id.Email, &id.Name, &id.Subject, &id.Tenant, &id.PKCE, &id.OrgID, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (used.Valid || !now.Before(time.Unix(0, expires)) || (id.OrgID != "") != orgScoped)) {
		return id, errOAuthToken
	}
	if err != nil {
		return id, fmt.Errorf("get oauth token: %w", err)
	}
	return id, nil
}

// useOAuthToken marks a token used; false when it already was.
func useOAuthToken(ctx context.Context, q querier, tok string, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE oauth_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL`, now.UnixNano(), hashToken(tok))
	if err != nil {
		return false, fmt.Errorf("spend oauth token: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
