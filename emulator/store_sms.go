package emulator

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// smsCode is the one live SMS passcode of a member (sms_otps).
type smsCode struct {
	Phone     string
	Code      string
	ExpiresAt int64 // Unix nanoseconds
	Failures  int
	Used      bool
}

// putSMSCode stores the member's new code, replacing any other.
func putSMSCode(ctx context.Context, q querier, memberID, phone, code string, expires time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO sms_otps (member_id, phone, code, expires_at, failures, used_at) VALUES (?, ?, ?, ?, 0, NULL)
		ON CONFLICT(member_id) DO UPDATE SET phone = excluded.phone, code = excluded.code, expires_at = excluded.expires_at,
		failures = 0, used_at = NULL`, memberID, phone, code, expires.UnixNano())
	if err != nil {
		return fmt.Errorf("store sms code: %w", err)
	}
	return nil
}

// getSMSCode returns the member's code, or nil.
func getSMSCode(ctx context.Context, q querier, memberID string) (*smsCode, error) {
	var c smsCode
	var used sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT phone, code, expires_at, failures, used_at FROM sms_otps WHERE member_id = ?`, memberID).
		Scan(&c.Phone, &c.Code, &c.ExpiresAt, &c.Failures, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get sms code: %w", err)
	}
	c.Used = used.Valid
	return &c, nil
}

// countSMSFailure records a wrong code against the member's code.
func countSMSFailure(ctx context.Context, q querier, memberID string) error {
	if _, err := q.ExecContext(ctx, `UPDATE sms_otps SET failures = failures + 1 WHERE member_id = ?`, memberID); err != nil {
		return fmt.Errorf("count sms failure: %w", err)
	}
	return nil
}

// useSMSCode marks the member's code used.
func useSMSCode(ctx context.Context, q querier, memberID string, now time.Time) error {
	if _, err := q.ExecContext(ctx, `UPDATE sms_otps SET used_at = ? WHERE member_id = ?`, now.UnixNano(), memberID); err != nil {
		return fmt.Errorf("use sms code: %w", err)
	}
	return nil
}

// deleteSMSCode drops the member's code (its phone number was removed).
func deleteSMSCode(ctx context.Context, q querier, memberID string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM sms_otps WHERE member_id = ?`, memberID); err != nil {
		return fmt.Errorf("delete sms code: %w", err)
	}
	return nil
}
