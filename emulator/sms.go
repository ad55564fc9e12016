package emulator

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"math/big"
	"net/http"
	"time"
)

const (
	smsCodeLifetime = 2 * time.Minute
	maxSMSFailures  = 5 // wrong guesses that kill the live code
)

var (
	errInvalidPhone = newAPIError(400, "invalid_phone_number",
		"The phone number is invalid. Ensure the phone number is in the E.164 format, e.g. +15555550123.")
	errDuplicatePhone = newAPIError(400, "duplicate_member_phone_number",
		"Another member of this organization already uses this phone number.")
	errOTPUnusable = newAPIError(401, "unable_to_auth_otp_code",
		"The passcode was already used or has expired. Send another one.")
)

// newOTPCode is a uniformly random 6-digit code.
func newOTPCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// sendSMSCode texts a new code to m's phone, replacing any live one, and records the text in the
// dev outbox. It sends nothing and returns false when the number's rate limit is exhausted.
func (e *Emulator) sendSMSCode(ctx context.Context, tx *sql.Tx, m *storedMember, o *organization, now time.Time) (bool, error) {
	if !e.limiter.allow("sms:"+m.MFAPhoneNumber, now) {
		return false, nil
	}
	code := newOTPCode()
	if err := putSMSCode(ctx, tx, m.MemberID, m.MFAPhoneNumber, code, now.Add(smsCodeLifetime)); err != nil {
		return false, err
	}
	msg := Message{To: m.MFAPhoneNumber, Kind: "sms", Code: code, OrganizationID: o.OrganizationID, SentAt: now,
		Subject: fmt.Sprintf("%s is your verification code for %s. It expires in 2 minutes.", code, o.OrganizationName)}
	return true, e.recordSMS(ctx, tx, msg)
}

// recordSMS stores a text message in the mailbox beside the emails, with its code.
func (e *Emulator) recordSMS(ctx context.Context, tx *sql.Tx, msg Message) error {
	if err := insertText(ctx, tx, msg); err != nil {
		return err
	}
	e.log.Info("stytch emulator sms", "to", msg.To, "code", msg.Code)
	return nil
}

// checkPhoneFree refuses a number another non-deleted member of the organization uses.
func checkPhoneFree(ctx context.Context, q querier, orgID, memberID, phone string) error {
	ms, err := membersOfOrg(ctx, q, orgID)
	if err != nil {
		return err
	}
	for _, other := range ms {
		if other.MemberID != memberID && other.Status != "deleted" && other.MFAPhoneNumber == phone {
			return errDuplicatePhone
		}
	}
	return nil
}

// POST /v1/b2b/otps/sms/send
func (e *Emulator) smsSend(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		OrganizationID string `json:"organization_id"`
		MemberID       string `json:"member_id"`
		MFAPhoneNumber string `json:"mfa_phone_number"`
		mfaTokens
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	a, err := e.resolveMFA(ctx, tx, req.OrganizationID, req.MemberID, req.mfaTokens, false)
	if err != nil {
		return nil, err
	}
	if err := requireMethod(a.org, a.member, methodSMS); err != nil {
		return nil, err
	}
	now := e.now()
	if err := linkPhone(ctx, tx, a, req.MFAPhoneNumber, now); err != nil {
		return nil, err
	}
	sent, err := e.sendSMSCode(ctx, tx, a.member, a.org, now)
	if err != nil {
		return nil, err
	}
	if !sent {
		return nil, errRateLimited
	}
	return map[string]any{"member_id": a.member.MemberID, "member": a.member.member, "organization": a.org}, nil
}

// linkPhone applies mfa_phone_number of an SMS send: a member without a number gets it
// (unverified until an SMS authenticate); a different number than the member's is refused.
func linkPhone(ctx context.Context, tx *sql.Tx, a *mfaAuth, phone string, now time.Time) error {
	m := a.member
	if phone != "" && !e164Re.MatchString(phone) {
		return errInvalidPhone
	}
	switch {
	case m.MFAPhoneNumber != "" && phone != "" && phone != m.MFAPhoneNumber:
		return newAPIError(400, "duplicate_member_phone_number_for_member",
			"The member already has a different MFA phone number; delete it before setting another.")
	case m.MFAPhoneNumber != "":
		return nil
	case phone == "":
		return newAPIError(400, "missing_sms_parameter", "The member has no MFA phone number: pass mfa_phone_number.")
	case m.TOTPRegistrationID != "" && !a.hasMFAFactor():
		return errFactorSessionRequired
	}
	if err := checkPhoneFree(ctx, tx, m.OrganizationID, m.MemberID, phone); err != nil {
		return err
	}
	m.MFAPhoneNumber, m.MFAPhoneNumberVerified, m.UpdatedAt = phone, false, ts(now)
	return saveMember(ctx, tx, m, now)
}

// smsAuthRequest is the body of POST /v1/b2b/otps/sms/authenticate.
type smsAuthRequest struct {
	OrganizationID   string `json:"organization_id"`
	MemberID         string `json:"member_id"`
	Code             string `json:"code"`
	SetMFAEnrollment string `json:"set_mfa_enrollment"`
	SetDefaultMFA    bool   `json:"set_default_mfa"`
	mfaTokens
	sessionArgs
}

// POST /v1/b2b/otps/sms/authenticate
func (e *Emulator) smsAuthenticate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req smsAuthRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	a, err := e.resolveMFA(ctx, tx, req.OrganizationID, req.MemberID, req.mfaTokens, true)
	if err != nil {
		return nil, err
	}
	o, m := a.org, a.member
	if err := requireMethod(o, m, methodSMS); err != nil {
		return nil, err
	}
	code := req.Code
	if !sixDigitsRe.MatchString(code) {
		return nil, errInvalidCode
	}
	if err := firstError(checkEnrollment(req.SetMFAEnrollment), req.sessionArgs.check()); err != nil {
		return nil, err
	}
	now := e.now()
	if err := verifySMS(ctx, tx, m, code, now); err != nil {
		return nil, err
	}
	m.MFAPhoneNumberVerified = true
	applyEnrollment(o, m, methodSMS, req.SetMFAEnrollment, req.SetDefaultMFA, now)
	if err := saveMember(ctx, tx, m, now); err != nil {
		return nil, err
	}
	return e.completeMFA(ctx, tx, a, smsFactor(m.MemberID, m.MFAPhoneNumber, now), req.sessionArgs)
}

// verifySMS spends the member's live code. A wrong code is 404 otp_code_not_found and counts
// against the live code (maxSMSFailures kill it); the right code once used, expired, killed or
// sent to a number the member no longer has is 401 unable_to_auth_otp_code.
func verifySMS(ctx context.Context, tx *sql.Tx, m *storedMember, code string, now time.Time) error {
	c, err := getSMSCode(ctx, tx, m.MemberID)
	if err != nil {
		return err
	}
	if c == nil {
		return errOTPNotFound
	}
	live := !c.Used && now.UnixNano() < c.ExpiresAt && c.Failures < maxSMSFailures && c.Phone == m.MFAPhoneNumber
	if code != c.Code {
		if !live {
			return errOTPNotFound
		}
		if err := countSMSFailure(ctx, tx, m.MemberID); err != nil {
			return err
		}
		return keepTx(errOTPNotFound)
	}
	if !live {
		return errOTPUnusable
	}
	return useSMSCode(ctx, tx, m.MemberID, now)
}
