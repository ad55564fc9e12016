package emulator

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"net/http"
	"regexp"
	"time"
)

// Email one-time passcodes for discovery (OTPs.Email.Discovery): a 6-digit code, valid 10
// minutes, single use; a new send invalidates the address's earlier codes; 5 wrong attempts
// invalidate the code.

const (
	otpLifetime    = 10 * time.Minute
	otpMaxAttempts = 5
	minOTPMinutes  = 2
	maxOTPMinutes  = 15
)

var (
	otpCodeRe         = regexp.MustCompile(`^[0-9]{6}$`)
	errOTPNotFound    = newAPIError(404, "otp_code_not_found", "The passcode is incorrect. Check it, or send a new one.")
	errOTPUnavailable = newAPIError(401, "unable_to_auth_otp_code",
		"The passcode could not be authenticated because it was already used, expired or tried too many times. Send a new one.")
	errOTPFormat     = newAPIError(400, "invalid_code", "The code must be the 6 digits from the email.")
	errOTPExpiration = newAPIError(400, "invalid_expiration_otp",
		"discovery_expiration_minutes must be between 2 and 15.")
)

// POST /v1/b2b/otps/email/discovery/send
func (e *Emulator) otpDiscoverySend(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		EmailAddress      string `json:"email_address"`
		ExpirationMinutes int    `json:"discovery_expiration_minutes"` // newer API only
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	email, err := normalizeEmail(req.EmailAddress)
	if err != nil {
		return nil, err
	}
	lifetime := otpLifetime
	if m := req.ExpirationMinutes; m != 0 {
		if m < minOTPMinutes || m > maxOTPMinutes {
			return nil, errOTPExpiration
		}
		lifetime = time.Duration(m) * time.Minute
	}
	now := e.now()
	if !e.limiter.allow(email, now) {
		return nil, errRateLimited
	}
	code := newOTPCode()
	if err := putEmailOTP(ctx, tx, email, hashToken(email+":"+code), now.Add(lifetime)); err != nil {
		return nil, err
	}
	err = e.recordMail(ctx, tx, Message{To: email, Subject: "Your sign-in code is " + code, Kind: "discovery_otp", Code: code, SentAt: now})
	if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

// POST /v1/b2b/otps/email/discovery/authenticate
func (e *Emulator) otpDiscoveryAuthenticate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		EmailAddress string `json:"email_address"`
		Code         string `json:"code"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	email, err := normalizeEmail(req.EmailAddress)
	if err != nil {
		return nil, err
	}
	if !otpCodeRe.MatchString(req.Code) {
		return nil, errOTPFormat
	}
	now := e.now()
	if err := checkOTP(ctx, tx, email, req.Code, now); err != nil {
		return nil, err
	}
	factor := authFactor{Type: "email_otp", DeliveryMethod: "email", EmailFactor: &emailFactor{EmailID: "email-test-" + newUUID(), EmailAddress: email}}
	ist, err := newDiscoveryIST(ctx, tx, email, factor, now)
	if err != nil {
		return nil, err
	}
	return discoveryResult(ctx, tx, ist, email, factor, now)
}

// checkOTP spends the address's code if code matches. A wrong code counts an attempt (kept
// even though the call fails); the fifth wrong attempt invalidates the code.
func checkOTP(ctx context.Context, tx *sql.Tx, email, code string, now time.Time) error {
	c, err := getEmailOTP(ctx, tx, email)
	if err != nil {
		return err
	}
	if c == nil {
		return errOTPNotFound
	}
	if c.Used || c.Attempts >= otpMaxAttempts || !now.Before(c.ExpiresAt) {
		return errOTPUnavailable
	}
	if subtle.ConstantTimeCompare([]byte(c.CodeHash), []byte(hashToken(email+":"+code))) != 1 {
		if err := countEmailOTPAttempt(ctx, tx, email); err != nil {
			return err
		}
		return keepTx(errOTPNotFound)
	}
	spent, err := spendEmailOTP(ctx, tx, email, now)
	if err != nil {
		return err
	}
	if !spent {
		return errOTPUnavailable
	}
	return nil
}
