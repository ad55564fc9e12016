package emulator

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/http"
	"regexp"
	"strings"
	"time"
)

const (
	recoveryCodeCount    = 10
	methodRecovery       = "recovery_codes" // failed-attempt bucket of recovery codes
	recoveryCodeAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
)

var (
	recoveryCodeRe = regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$`)

	errNoRecoveryFactor = newAPIError(400, "no_active_recovery_code_backed_factor",
		"The member has no active TOTP registration, so there are no recovery codes.")
)

// normalizeRecoveryCode ignores case and surrounding spaces.
func normalizeRecoveryCode(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// newRecoveryCode is xxxx-xxxx-xxxx of lower-case letters and digits.
func newRecoveryCode() string {
	out := make([]byte, 0, 14)
	var b [1]byte
	for len(out) < 14 {
		if len(out) == 4 || len(out) == 9 {
			out = append(out, '-')
			continue
		}
		_, _ = rand.Read(b[:])
		if b[0] >= 252 { // 252 = 7 × 36: keep the draw uniform
			continue
		}
		out = append(out, recoveryCodeAlphabet[int(b[0])%len(recoveryCodeAlphabet)])
	}
	return string(out)
}

// mintRecoveryCodes creates a fresh set of codes for a TOTP registration.
func mintRecoveryCodes(ctx context.Context, q querier, totpID, memberID string) ([]string, error) {
	codes := make([]string, 0, recoveryCodeCount)
	for i := range recoveryCodeCount {
		c := newRecoveryCode()
		if err := insertRecoveryCode(ctx, q, "member-totp-recovery-code-test-"+newUUID(), totpID, memberID, c, i); err != nil {
			return nil, err
		}
		codes = append(codes, c)
	}
	return codes, nil
}

// codeStrings returns the codes' text.
func codeStrings(cs []recoveryCode) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Code)
	}
	return out
}

// recoverRequest is the body of POST /v1/b2b/recovery_codes/recover.
type recoverRequest struct {
	OrganizationID string `json:"organization_id"`
	MemberID       string `json:"member_id"`
	RecoveryCode   string `json:"recovery_code"`
	mfaTokens
	sessionArgs
}

// POST /v1/b2b/recovery_codes/recover
func (e *Emulator) recoveryRecover(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req recoverRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	a, err := e.resolveMFA(ctx, tx, req.OrganizationID, req.MemberID, req.mfaTokens, true)
	if err != nil {
		return nil, err
	}
	if err := firstError(requireMethod(a.org, a.member, methodTOTP), req.sessionArgs.check()); err != nil {
		return nil, err
	}
	code := normalizeRecoveryCode(req.RecoveryCode)
	switch {
	case sixDigitsRe.MatchString(code):
		return nil, newAPIError(400, "totp_code_used_as_recovery_code", "A TOTP code was submitted as a recovery code: use the TOTP endpoint.")
	case !recoveryCodeRe.MatchString(code):
		return nil, newAPIError(400, "invalid_recovery_code", "Recovery codes look like xxxx-xxxx-xxxx.")
	case a.member.TOTPRegistrationID == "":
		return nil, errNoRecoveryFactor
	}
	now := e.now()
	id, remaining, err := spendRecoveryCode(ctx, tx, a.member.MemberID, code, now)
	if err != nil {
		return nil, err
	}
	resp, err := e.completeMFA(ctx, tx, a, recoveryFactor(id, now), req.sessionArgs)
	if err != nil {
		return nil, err
	}
	resp["recovery_codes_remaining"] = remaining
	return resp, nil
}

// spendRecoveryCode uses code once, counting wrong (or already used) codes like wrong TOTP
// codes. It returns the code's ID and how many unused codes remain.
func spendRecoveryCode(ctx context.Context, tx *sql.Tx, memberID, code string, now time.Time) (string, int, error) {
	if err := checkLock(ctx, tx, memberID, methodRecovery, now); err != nil {
		return "", 0, err
	}
	codes, err := activeRecoveryCodes(ctx, tx, memberID)
	if err != nil {
		return "", 0, err
	}
	for _, c := range codes {
		if c.Code == code {
			if err := useRecoveryCodes(ctx, tx, memberID, c.ID, now); err != nil {
				return "", 0, err
			}
			return c.ID, len(codes) - 1, clearFailures(ctx, tx, memberID, methodRecovery)
		}
	}
	return "", 0, recordFailure(ctx, tx, memberID, methodRecovery, now,
		newAPIError(401, "unable_to_authenticate_recovery_code", "The recovery code is incorrect or was already used."))
}

// recoveryMember loads the member of a get/rotate call, which needs an active TOTP.
func recoveryMember(ctx context.Context, q querier, orgID, memberID string) (*organization, *storedMember, error) {
	o, m, err := loadOrgMember(ctx, q, orgID, memberID)
	if err != nil {
		return nil, nil, err
	}
	if m.TOTPRegistrationID == "" {
		return nil, nil, errNoRecoveryFactor
	}
	return o, m, nil
}

// GET /v1/b2b/recovery_codes/{organization_id}/{member_id}
func (e *Emulator) recoveryGet(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	o, m, err := recoveryMember(ctx, tx, r.PathValue("organization_id"), r.PathValue("member_id"))
	if err != nil {
		return nil, err
	}
	codes, err := activeRecoveryCodes(ctx, tx, m.MemberID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"member_id": m.MemberID, "member": m.member, "organization": o, "recovery_codes": codeStrings(codes)}, nil
}

// POST /v1/b2b/recovery_codes/rotate
func (e *Emulator) recoveryRotate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		OrganizationID string `json:"organization_id"`
		MemberID       string `json:"member_id"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	o, m, err := recoveryMember(ctx, tx, req.OrganizationID, req.MemberID)
	if err != nil {
		return nil, err
	}
	if err := useRecoveryCodes(ctx, tx, m.MemberID, "", e.now()); err != nil {
		return nil, err
	}
	codes, err := mintRecoveryCodes(ctx, tx, m.TOTPRegistrationID, m.MemberID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"member_id": m.MemberID, "member": m.member, "organization": o, "recovery_codes": codes}, nil
}
