package emulator

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"
)

const (
	totpPeriod        = 30 // seconds per step
	totpSkew          = 1  // steps accepted on either side of the current one
	defaultTOTPExpiry = 60 // minutes to finish enrolment
	minTOTPExpiry     = 5
	maxTOTPExpiry     = 1440
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// TOTPCode returns the RFC 6238 code of a base32 secret at t (HMAC-SHA1, 6 digits, 30-second
// steps): what an authenticator app shows for the secret of POST /v1/b2b/totp. Pair it with
// (*Emulator).Now to get a code the emulator accepts. It returns "" if secret is not base32.
func TOTPCode(secret string, t time.Time) string {
	key, err := decodeSecret(secret)
	if err != nil {
		return ""
	}
	return hotp(key, t.Unix()/totpPeriod)
}

// decodeSecret reads a base32 secret, ignoring case, spaces and padding.
func decodeSecret(secret string) ([]byte, error) {
	s := strings.TrimRight(strings.ToUpper(strings.ReplaceAll(secret, " ", "")), "=")
	key, err := b32.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decode totp secret: %w", err)
	}
	return key, nil
}

// hotp is RFC 4226 truncated to 6 digits.
func hotp(key []byte, counter int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1000000)
}

// newTOTPSecret is 160 random bits in base32 (32 characters, no padding).
func newTOTPSecret() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return b32.EncodeToString(b[:])
}

// matchTOTP returns the newest step within ±totpSkew of now whose code equals code.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	key, err := decodeSecret(secret)
	if err != nil {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for step := cur + totpSkew; step >= cur-totpSkew; step-- {
		if subtle.ConstantTimeCompare([]byte(hotp(key, step)), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// otpauthURI is what the QR code encodes: issuer is the organization's name.
func otpauthURI(o *organization, m *storedMember, secret string) string {
	label := url.PathEscape(o.OrganizationName) + ":" + url.PathEscape(m.EmailAddress)
	q := url.Values{"secret": {secret}, "issuer": {o.OrganizationName}, "algorithm": {"SHA1"},
		"digits": {"6"}, "period": {"30"}}
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// qrDataURL renders content as a 256×256 PNG QR code in a data URL (usable as an <img src>).
func qrDataURL(content string) (string, error) {
	png, err := qrcode.Encode(content, qrcode.Medium, 256)
	if err != nil {
		return "", fmt.Errorf("encode qr code: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), nil
}

// POST /v1/b2b/totp
func (e *Emulator) totpCreate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		OrganizationID    string `json:"organization_id"`
		MemberID          string `json:"member_id"`
		ExpirationMinutes int    `json:"expiration_minutes"`
		mfaTokens
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	mins := req.ExpirationMinutes
	if mins == 0 {
		mins = defaultTOTPExpiry
	}
	if mins < minTOTPExpiry || mins > maxTOTPExpiry {
		return nil, newAPIError(400, "invalid_expiration", "expiration_minutes must be between 5 and 1440.")
	}
	a, err := e.resolveMFA(ctx, tx, req.OrganizationID, req.MemberID, req.mfaTokens, false)
	if err != nil {
		return nil, err
	}
	o, m := a.org, a.member
	if err := requireMethod(o, m, methodTOTP); err != nil {
		return nil, err
	}
	if m.TOTPRegistrationID != "" {
		return nil, newAPIError(400, "active_totp_exists", "The member already has an active TOTP registration; only one is allowed at a time. Delete it first.")
	}
	if m.MFAPhoneNumberVerified && !a.hasMFAFactor() {
		return nil, errFactorSessionRequired
	}
	now := e.now()
	if err := deleteTOTPs(ctx, tx, m.MemberID, "pending"); err != nil { // re-creating replaces a pending one
		return nil, err
	}
	reg := &totpReg{ID: "member-totp-test-" + newUUID(), Secret: newTOTPSecret(), Status: "pending",
		ExpiresAt: now.Add(time.Duration(mins) * time.Minute)}
	if err := insertTOTP(ctx, tx, m.MemberID, reg, now); err != nil {
		return nil, err
	}
	codes, err := mintRecoveryCodes(ctx, tx, reg.ID, m.MemberID)
	if err != nil {
		return nil, err
	}
	qr, err := qrDataURL(otpauthURI(o, m, reg.Secret))
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"member_id": m.MemberID, "totp_registration_id": reg.ID, "secret": reg.Secret, "qr_code": qr,
		"recovery_codes": codes, "member": m.member, "organization": o,
	}, nil
}

// totpAuthRequest is the body of POST /v1/b2b/totp/authenticate.
type totpAuthRequest struct {
	OrganizationID   string `json:"organization_id"`
	MemberID         string `json:"member_id"`
	Code             string `json:"code"`
	SetMFAEnrollment string `json:"set_mfa_enrollment"`
	SetDefaultMFA    bool   `json:"set_default_mfa"`
	mfaTokens
	sessionArgs
}

// POST /v1/b2b/totp/authenticate
func (e *Emulator) totpAuthenticate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req totpAuthRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	a, err := e.resolveMFA(ctx, tx, req.OrganizationID, req.MemberID, req.mfaTokens, true)
	if err != nil {
		return nil, err
	}
	o, m := a.org, a.member
	if err := requireMethod(o, m, methodTOTP); err != nil {
		return nil, err
	}
	if err := firstError(checkEnrollment(req.SetMFAEnrollment), req.sessionArgs.check(), checkTOTPCode(req.Code)); err != nil {
		return nil, err
	}
	now := e.now()
	reg, err := e.verifyTOTP(ctx, tx, m.MemberID, req.Code, now)
	if err != nil {
		return nil, err
	}
	m.TOTPRegistrationID = reg.ID
	applyEnrollment(o, m, methodTOTP, req.SetMFAEnrollment, req.SetDefaultMFA, now)
	if err := saveMember(ctx, tx, m, now); err != nil {
		return nil, err
	}
	return e.completeMFA(ctx, tx, a, totpFactor(reg.ID, now), req.sessionArgs)
}

// checkTOTPCode: six digits; a recovery code here gets its own error.
func checkTOTPCode(code string) error {
	switch {
	case sixDigitsRe.MatchString(code):
		return nil
	case recoveryCodeRe.MatchString(normalizeRecoveryCode(code)):
		return newAPIError(400, "recovery_code_used_as_totp_code", "A recovery code was submitted as a TOTP code: use the recovery codes endpoint.")
	}
	return errInvalidCode
}

// verifyTOTP checks code against the member's registration (activating a pending one) and
// counts failures: maxCodeFailures wrong codes in a row lock TOTP for codeLockout.
func (e *Emulator) verifyTOTP(ctx context.Context, tx *sql.Tx, memberID, code string, now time.Time) (*totpReg, error) {
	reg, err := memberTOTP(ctx, tx, memberID)
	if err != nil {
		return nil, err
	}
	if reg == nil {
		return nil, newAPIError(404, "totp_not_found", "The member has no TOTP registration.")
	}
	if reg.Status == "pending" && !now.Before(reg.ExpiresAt) {
		return nil, newAPIError(400, "expired_totp", "The TOTP registration was not completed in time; create a new one.")
	}
	if err := checkLock(ctx, tx, memberID, methodTOTP, now); err != nil {
		return nil, err
	}
	step, ok := matchTOTP(reg.Secret, code, now)
	if !ok {
		return nil, recordFailure(ctx, tx, memberID, methodTOTP, now,
			newAPIError(401, "unable_to_authenticate_totp", "The TOTP code is incorrect or outside the accepted time window."))
	}
	if step <= reg.LastStep {
		return nil, newAPIError(400, "totp_code_already_authenticated", "This TOTP code was already used; wait for the next one.")
	}
	if err := clearFailures(ctx, tx, memberID, methodTOTP); err != nil {
		return nil, err
	}
	if err := activateTOTP(ctx, tx, reg.ID, step); err != nil {
		return nil, err
	}
	return reg, nil
}

// firstError returns the first non-nil error.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
