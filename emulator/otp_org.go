package emulator

import (
	"context"
	"database/sql"
	"net/http"
)

// Email one-time passcodes for one organization (OTPs.Email.LoginOrSignup / Authenticate): the
// code-sized twin of magic_links/email/login_or_signup. An active member gets a login code, a
// pending or invited one (or a new email the organization lets join by domain) a sign-up code;
// the code lands in that organization with no discovery. Codes live in email_otps beside the
// discovery codes, keyed apart (orgOTPKey), with the same rules: 6 digits, 10 minutes, once,
// a new send replaces the old code, five wrong tries spend it.

// orgOTPKey is the email_otps key of an organization's code for an address.
func orgOTPKey(orgID, email string) string { return "org:" + orgID + ":" + email }

// POST /v1/b2b/otps/email/login_or_signup
func (e *Emulator) otpOrgSend(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		OrganizationID string `json:"organization_id"`
		EmailAddress   string `json:"email_address"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	email, err := normalizeEmail(req.EmailAddress)
	if err != nil {
		return nil, err
	}
	o, err := getOrg(ctx, tx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	now := e.now()
	m, created, err := orgSignInMember(ctx, tx, o, email, now) // magiclinks.go
	if err != nil {
		return nil, err
	}
	if !e.limiter.allow(email, now) {
		return nil, errRateLimited
	}
	if created {
		if err := saveMember(ctx, tx, m, now); err != nil {
			return nil, err
		}
	}
	code := newOTPCode()
	key := orgOTPKey(o.OrganizationID, email)
	if err := putEmailOTP(ctx, tx, key, hashToken(key+":"+code), now.Add(otpLifetime)); err != nil {
		return nil, err
	}
	kind := "signup_otp"
	if m.Status == "active" {
		kind = "login_otp"
	}
	err = e.recordMail(ctx, tx, Message{To: email, Subject: "Your code for " + o.OrganizationName + " is " + code, Kind: kind, Code: code,
		OrganizationID: o.OrganizationID, SentAt: now})
	if err != nil {
		return nil, err
	}
	return map[string]any{"member_id": m.MemberID, "member_created": created, "member": m.member, "organization": o}, nil
}

// POST /v1/b2b/otps/email/authenticate
func (e *Emulator) otpOrgAuthenticate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		OrganizationID         string         `json:"organization_id"`
		EmailAddress           string         `json:"email_address"`
		Code                   string         `json:"code"`
		SessionDurationMinutes int            `json:"session_duration_minutes"`
		SessionCustomClaims    map[string]any `json:"session_custom_claims"`
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
	d, err := sessionDuration(req.SessionDurationMinutes, defaultSessionMins)
	if err != nil {
		return nil, err
	}
	o, err := getOrg(ctx, tx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	now := e.now()
	if err := checkOTP(ctx, tx, orgOTPKey(o.OrganizationID, email), req.Code, now); err != nil {
		return nil, err
	}
	m, err := memberByEmail(ctx, tx, o.OrganizationID, email)
	if err != nil {
		return nil, err
	}
	if m == nil || m.Status == "deleted" {
		return nil, errOTPUnavailable // removed since the code was sent
	}
	if err := e.activate(ctx, tx, m, now); err != nil {
		return nil, err
	}
	factor := authFactor{Type: "email_otp", DeliveryMethod: "email", LastAuthenticatedAt: ts(now), CreatedAt: ts(now), UpdatedAt: ts(now),
		EmailFactor: &emailFactor{EmailID: m.EmailID, EmailAddress: m.EmailAddress}}
	resp, err := e.finishPrimary(ctx, tx, primaryAuth{Member: m, Org: o, Duration: d, Claims: req.SessionCustomClaims, Factors: []authFactor{factor}})
	if err != nil {
		return nil, err
	}
	resp["method_id"] = m.EmailID
	resp["organization_id"] = o.OrganizationID
	return resp, nil
}
