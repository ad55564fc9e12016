package stytchb2b

import (
	"context"
	"fmt"

	orgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/recoverycodes"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/totps"
)

// totpSetupMinutes is how long a new authenticator-app registration waits for its first code.
const totpSetupMinutes = 30

// check refuses a Proof that names neither or both tokens: Stytch would run the call with
// the project's rights, not on behalf of this sign-in.
func (p Proof) check(op string) error {
	if (p.IST == "") == (p.SessionToken == "") {
		return fmt.Errorf("%s: need exactly one of an intermediate session or a session: %w", op, ErrSessionEnded)
	}
	return nil
}

// durationFor is session_duration_minutes for a call that completes a sign-in (an IST); a call on
// a signed-in session leaves its length alone.
func (c *Client) durationFor(p Proof) int32 {
	if p.IST != "" {
		return c.duration
	}
	return 0
}

// CreateTOTP starts an authenticator-app registration for the member (pending until
// AuthenticateTOTP accepts its first code).
func (c *Client) CreateTOTP(ctx context.Context, f Factor) (TOTPSetup, error) {
	const op = "create totp"
	if err := f.check(op); err != nil {
		return TOTPSetup{}, err
	}
	resp, err := call(ctx, c, op, c.api.TOTPs.Create, &totps.CreateParams{
		OrganizationID: f.OrgID, MemberID: f.MemberID, ExpirationMinutes: totpSetupMinutes,
		IntermediateSessionToken: f.IST, SessionToken: f.SessionToken,
	})
	if err != nil {
		return TOTPSetup{}, err
	}
	return TOTPSetup{RegistrationID: resp.TOTPRegistrationID, Secret: resp.Secret, QRCode: resp.QrCode, RecoveryCodes: resp.RecoveryCodes}, nil
}

// AuthenticateTOTP checks a code from the member's authenticator app. With an IST it ends the
// sign-in (a new session); with a session token it adds the factor to that session.
// fc.Enrolling marks a first code (the registration becomes active and the member enrolled).
func (c *Client) AuthenticateTOTP(ctx context.Context, fc FactorCode) (Session, error) {
	const op = "authenticate totp"
	if err := fc.check(op); err != nil {
		return Session{}, err
	}
	resp, err := call(ctx, c, op, c.api.TOTPs.Authenticate, &totps.AuthenticateParams{
		OrganizationID: fc.OrgID, MemberID: fc.MemberID, Code: fc.Code, SetMFAEnrollment: fc.enrollment(),
		IntermediateSessionToken: fc.IST, SessionToken: fc.SessionToken, SessionDurationMinutes: c.durationFor(fc.Proof),
	})
	if err != nil {
		return Session{}, err
	}
	return mfaSession(op, resp.SessionToken, resp.SessionJWT, resp.MemberSession, &resp.Member, &resp.Organization)
}

// SendSMS texts a one-time code to the member's MFA phone; phone (E.164) links a number to a
// member who has none yet ("" = the member's own number, e.g. to send again).
func (c *Client) SendSMS(ctx context.Context, f Factor, phone string) error {
	const op = "send sms"
	if err := f.check(op); err != nil {
		return err
	}
	_, err := call(ctx, c, op, c.api.OTPs.Sms.Send, &sms.SendParams{
		OrganizationID: f.OrgID, MemberID: f.MemberID, MFAPhoneNumber: phone,
		IntermediateSessionToken: f.IST, SessionToken: f.SessionToken,
	})
	return err
}

// AuthenticateSMS checks a texted code: like AuthenticateTOTP, with an IST it ends the sign-in
// and with a session token it adds the factor; fc.Enrolling marks a newly linked number.
func (c *Client) AuthenticateSMS(ctx context.Context, fc FactorCode) (Session, error) {
	const op = "authenticate sms"
	if err := fc.check(op); err != nil {
		return Session{}, err
	}
	resp, err := call(ctx, c, op, c.api.OTPs.Sms.Authenticate, &sms.AuthenticateParams{
		OrganizationID: fc.OrgID, MemberID: fc.MemberID, Code: fc.Code, SetMFAEnrollment: fc.enrollment(),
		IntermediateSessionToken: fc.IST, SessionToken: fc.SessionToken, SessionDurationMinutes: c.durationFor(fc.Proof),
	})
	if err != nil {
		return Session{}, err
	}
	return mfaSession(op, resp.SessionToken, resp.SessionJWT, resp.MemberSession, &resp.Member, &resp.Organization)
}

// Recover ends a sign-in with one of the member's recovery codes (each works once) instead of
// the authenticator app (fc.Enrolling does not apply). remaining is how many unused codes are
// left.
func (c *Client) Recover(ctx context.Context, fc FactorCode) (s Session, remaining int, err error) {
	const op = "recover"
	if err := fc.check(op); err != nil {
		return Session{}, 0, err
	}
	resp, err := call(ctx, c, op, c.api.RecoveryCodes.Recover, &recoverycodes.RecoverParams{
		OrganizationID: fc.OrgID, MemberID: fc.MemberID, RecoveryCode: fc.Code,
		IntermediateSessionToken: fc.IST, SessionToken: fc.SessionToken, SessionDurationMinutes: c.durationFor(fc.Proof),
	})
	if err != nil {
		return Session{}, 0, err
	}
	s, err = mfaSession(op, resp.SessionToken, resp.SessionJWT, resp.MemberSession, &resp.Member, &resp.Organization)
	return s, int(resp.RecoveryCodesRemaining), err
}

// RecoveryCodes returns the member's unused recovery codes. Stytch asks only for the project's
// credentials here: callers must have checked the member's own session first.
func (c *Client) RecoveryCodes(ctx context.Context, orgID, memberID string) ([]string, error) {
	resp, err := call(ctx, c, "get recovery codes", c.api.RecoveryCodes.Get, &recoverycodes.GetParams{OrganizationID: orgID, MemberID: memberID})
	if err != nil {
		return nil, err
	}
	return resp.RecoveryCodes, nil
}

// RotateRecoveryCodes replaces the member's recovery codes with new ones (the old stop
// working). Like RecoveryCodes, callers check the member's session first.
func (c *Client) RotateRecoveryCodes(ctx context.Context, orgID, memberID string) ([]string, error) {
	resp, err := call(ctx, c, "rotate recovery codes", c.api.RecoveryCodes.Rotate, &recoverycodes.RotateParams{OrganizationID: orgID, MemberID: memberID})
	if err != nil {
		return nil, err
	}
	return resp.RecoveryCodes, nil
}

// MemberMFA reads a signed-in member's factors and the organization's MFA policy, with the
// member's own session (sessions/authenticate answers with both).
func (c *Client) MemberMFA(ctx context.Context, sessionToken string) (MemberMFA, error) {
	resp, err := c.authenticateToken(ctx, "read member factors", sessionToken, nil)
	if err != nil {
		return MemberMFA{}, err
	}
	mf := memberMFA(&resp.Member, &resp.Organization)
	mf.ProvedAt = secondFactorAt(&resp.MemberSession)
	return mf, nil
}

// DeleteTOTP removes the member's authenticator app (and so its recovery codes), as the member:
// f presents the member's session.
func (c *Client) DeleteTOTP(ctx context.Context, f Factor) error {
	return doAsMember(ctx, c, "delete totp", f.SessionToken, c.api.Organizations.Members.DeleteTOTP,
		&members.DeleteTOTPParams{OrganizationID: f.OrgID, MemberID: f.MemberID}, &members.DeleteTOTPRequestOptions{Authorization: asMember(f.SessionToken)})
}

// DeletePhone removes the member's MFA phone number, as the member: f presents the member's
// session (Stytch changes a number only after the old one is deleted).
func (c *Client) DeletePhone(ctx context.Context, f Factor) error {
	return doAsMember(ctx, c, "delete mfa phone", f.SessionToken, c.api.Organizations.Members.DeleteMFAPhoneNumber,
		&members.DeleteMFAPhoneNumberParams{OrganizationID: f.OrgID, MemberID: f.MemberID}, &members.DeleteMFAPhoneNumberRequestOptions{Authorization: asMember(f.SessionToken)})
}

// UpdateMFASettings sets the organization's MFA policy and which methods it allows, with the
// admin's permissions. methods holding both MFA methods (or none) allows all of them.
func (c *Client) UpdateMFASettings(ctx context.Context, sessionToken, orgID, policy string, methods []string) error {
	params := &orgs.UpdateParams{OrganizationID: orgID, MFAPolicy: policy, MFAMethods: "ALL_ALLOWED"}
	if len(methods) == 1 {
		params.MFAMethods, params.AllowedMFAMethods = "RESTRICTED", methods
	}
	return doAsMember(ctx, c, "update mfa settings", sessionToken, c.api.Organizations.Update, params, &orgs.UpdateRequestOptions{Authorization: asMember(sessionToken)})
}

// mfaSession is the session a successful MFA call answers with.
func mfaSession(op, token, jwt string, ms *sessions.MemberSession, m *orgs.Member, o *orgs.Organization) (Session, error) {
	if token == "" || ms == nil {
		return Session{}, fmt.Errorf("%s: no session in the answer: %w", op, ErrStytchRejected)
	}
	return session(token, jwt, ms, m, o), nil
}
