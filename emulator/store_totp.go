package emulator

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// totpReg is a member's TOTP registration.
type totpReg struct {
	ID        string
	Secret    string
	Status    string // "pending" | "active"
	ExpiresAt time.Time
	LastStep  int64
}

// memberTOTP returns the member's active registration, else its newest pending one, else nil.
func memberTOTP(ctx context.Context, q querier, memberID string) (*totpReg, error) {
	var r totpReg
	var expires int64
	err := q.QueryRowContext(ctx, `SELECT id, secret, status, expires_at, last_step FROM totp_registrations
		WHERE member_id = ? AND status IN ('active', 'pending') ORDER BY status = 'active' DESC, created_at DESC LIMIT 1`, memberID).
		Scan(&r.ID, &r.Secret, &r.Status, &expires, &r.LastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get totp registration: %w", err)
	}
	r.ExpiresAt = time.Unix(0, expires).UTC()
	return &r, nil
}

// insertTOTP stores a new registration of memberID.
func insertTOTP(ctx context.Context, q querier, memberID string, r *totpReg, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO totp_registrations (id, member_id, secret, status, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		r.ID, memberID, r.Secret, r.Status, r.ExpiresAt.UnixNano(), now.UnixNano())
	if err != nil {
		return fmt.Errorf("insert totp registration: %w", err)
	}
	return nil
}

// deleteTOTPs retires the member's registrations of the given statuses.
func deleteTOTPs(ctx context.Context, q querier, memberID string, statuses ...string) error {
	for _, st := range statuses {
		_, err := q.ExecContext(ctx, `UPDATE totp_registrations SET status = 'deleted' WHERE member_id = ? AND status = ?`, memberID, st)
		if err != nil {
			return fmt.Errorf("delete totp registrations: %w", err)
		}
	}
	return nil
}

// activateTOTP makes a registration active and records the newest accepted step.
func activateTOTP(ctx context.Context, q querier, id string, step int64) error {
	_, err := q.ExecContext(ctx, `UPDATE totp_registrations SET status = 'active', last_step = ? WHERE id = ?`, step, id)
	if err != nil {
		return fmt.Errorf("activate totp registration: %w", err)
	}
	return nil
}

// insertRecoveryCode stores the seq-th code of a TOTP registration.
func insertRecoveryCode(ctx context.Context, q querier, id, totpID, memberID, code string, seq int) error {
	_, err := q.ExecContext(ctx, `INSERT INTO recovery_codes (id, totp_id, member_id, code, seq) VALUES (?, ?, ?, ?, ?)`,
		id, totpID, memberID, code, seq)
	if err != nil {
		return fmt.Errorf("insert recovery code: %w", err)
	}
	return nil
}

// recoveryCode is one unused code of the member's active TOTP registration.
type recoveryCode struct {
	ID   string
	Code string
}

// activeRecoveryCodes lists the unused codes of the member's active TOTP registration, in order.
func activeRecoveryCodes(ctx context.Context, q querier, memberID string) ([]recoveryCode, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.code FROM recovery_codes c JOIN totp_registrations t ON t.id = c.totp_id
		WHERE c.member_id = ? AND t.status = 'active' AND c.used_at IS NULL ORDER BY c.seq`, memberID)
	if err != nil {
		return nil, fmt.Errorf("list recovery codes: %w", err)
	}
	defer rows.Close()
	out := []recoveryCode{}
	for rows.Next() {
		var c recoveryCode
		if err := rows.Scan(&c.ID, &c.Code); err != nil {
			return nil, fmt.Errorf("scan recovery code: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// useRecoveryCodes marks the member's unused codes used: only onlyID, or all when onlyID is "".
func useRecoveryCodes(ctx context.Context, q querier, memberID, onlyID string, now time.Time) error {
	query, args := `UPDATE recovery_codes SET used_at = ? WHERE member_id = ? AND used_at IS NULL`, []any{now.UnixNano(), memberID}
	if onlyID != "" {
		query += ` AND id = ?`
		args = append(args, onlyID)
	}
	if _, err := q.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("use recovery codes: %w", err)
	}
	return nil
}
