package emulator

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// emailOTP is the one code of an address (email_otps).
type emailOTP struct {
	CodeHash  string
	ExpiresAt time.Time
	Used      bool
	Attempts  int
}

// putEmailOTP stores the address's new code, replacing its old one.
func putEmailOTP(ctx context.Context, q querier, email, codeHash string, expires time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO email_otps (email, code_hash, expires_at) VALUES (?, ?, ?)
		ON CONFLICT(email) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, used_at = NULL, attempts = 0`,
		email, codeHash, expires.UnixNano())
	if err != nil {
		return fmt.Errorf("store email otp: %w", err)
	}
	return nil
}

// getEmailOTP returns the address's code, or nil.
func getEmailOTP(ctx context.Context, q querier, email string) (*emailOTP, error) {
	var c emailOTP
	var expires int64
	var used sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT code_hash, expires_at, used_at, attempts FROM email_otps WHERE email = ?`, email).
		Scan(&c.CodeHash, &expires, &used, &c.Attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get email otp: %w", err)
	}
	c.ExpiresAt, c.Used = time.Unix(0, expires), used.Valid
	return &c, nil
}

// countEmailOTPAttempt records a wrong code.
func countEmailOTPAttempt(ctx context.Context, q querier, email string) error {
	if _, err := q.ExecContext(ctx, `UPDATE email_otps SET attempts = attempts + 1 WHERE email = ?`, email); err != nil {
		return fmt.Errorf("count otp attempt: %w", err)
	}
	return nil
}

// spendEmailOTP marks the address's code used; false when it already was.
func spendEmailOTP(ctx context.Context, q querier, email string, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE email_otps SET used_at = ? WHERE email = ? AND used_at IS NULL`, now.UnixNano(), email)
	if err != nil {
		return false, fmt.Errorf("spend email otp: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
