package emulator

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// getMFAAttempts returns the member's consecutive wrong codes for method and the lock they
// caused (Unix nanoseconds; 0 = none), zeros when there are none.
func getMFAAttempts(ctx context.Context, q querier, memberID, method string) (failures int, lockedUntil int64, err error) {
	err = q.QueryRowContext(ctx, `SELECT failures, locked_until FROM mfa_attempts WHERE member_id = ? AND method = ?`, memberID, method).
		Scan(&failures, &lockedUntil)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("read mfa attempts: %w", err)
	}
	return failures, lockedUntil, nil
}

// putMFAAttempts stores the count and lock of member's wrong codes for method.
func putMFAAttempts(ctx context.Context, q querier, memberID, method string, failures int, lockedUntil int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO mfa_attempts (member_id, method, failures, locked_until) VALUES (?, ?, ?, ?)
		ON CONFLICT(member_id, method) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until`,
		memberID, method, failures, lockedUntil)
	if err != nil {
		return fmt.Errorf("record mfa attempt: %w", err)
	}
	return nil
}

// clearFailures resets the count after a right code.
func clearFailures(ctx context.Context, q querier, memberID, method string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM mfa_attempts WHERE member_id = ? AND method = ?`, memberID, method)
	if err != nil {
		return fmt.Errorf("clear mfa attempts: %w", err)
	}
	return nil
}
