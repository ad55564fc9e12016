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

// enroll is set_mfa_enrollment on a confirmed enrolment: from then on the member passes MFA
// at every sign-in (Stytch ignores it where the organization requires MFA of everyone).
const enroll = "enroll"

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
func (c *Client) CreateTOTP(ctx context.Context, p Proof, orgID, memberID string) (TOTPSetup, error) {
	if err := p.check("create totp"); err != nil {
		return TOTPSetup{}, err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.api.TOTPs.Create(ctx, &totps.CreateParams{
		OrganizationID: orgID, MemberID: memberID, ExpirationMinutes: totpSetupMinutes,
		IntermediateSessionToken: p.IST, SessionToken: p.SessionToken,
	})
	if err != nil {
		return TOTPSetup{}, mapErr("create totp", err)
	}
	return TOTPSetup{RegistrationID: resp.TOTPRegistrationID, Secret: resp.Secret, QRCode: resp.QrCode, RecoveryCodes: resp.RecoveryCodes}, nil
}

// AuthenticateTOTP checks a code from the member's authenticator app. With an IST it ends the
// sign-in (a new session); with a session token it adds the factor to that session. enrolling
// marks a first code (the registration becomes active and the member enrolled).
func (c *Client) AuthenticateTOTP(ctx context.Context, p Proof, orgID, memberID, code string, enrolling bool) (Session, error) {
	if err := p.check("authenticate totp"); err != nil {
		return Session{}, err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	params := &totps.AuthenticateParams{
		OrganizationID: orgID, MemberID: memberID, Code: code,
		IntermediateSessionToken: p.IST, SessionToken: p.SessionToken, SessionDurationMinutes: c.durationFor(p),
	}
	if enrolling {
		params.SetMFAEnrollment = enroll
	}
	resp, err := c.api.TOTPs.Authenticate(ctx, params)
	if err != nil {
		return Session{}, mapErr("authenticate totp", err)
	}
	return mfaSession("authenticate totp", resp.SessionToken, resp.SessionJWT, resp.MemberSession, &resp.Member, &resp.Organization)
}

// SendSMS texts a one-time code to the member's MFA phone; phone (E.164) links a number to a
// member who has none yet ("" = the member's own number, e.g. to send again).
func (c *Client) SendSMS(ctx context.Context, p Proof, orgID, memberID, phone string) error {
	if err := p.check("send sms"); err != nil {
		return err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	_, err := c.api.OTPs.Sms.Send(ctx, &sms.SendParams{
		OrganizationID: orgID, MemberID: memberID, MFAPhoneNumber: phone,
		IntermediateSessionToken: p.IST, SessionToken: p.SessionToken,
	})
	return mapErr("send sms", err)
}

// AuthenticateSMS checks a texted code: like AuthenticateTOTP, with an IST it ends the sign-in
// and with a session token it adds the factor; enrolling marks a newly linked number.
func (c *Client) AuthenticateSMS(ctx context.Context, p Proof, orgID, memberID, code string, enrolling bool) (Session, error) {
	if err := p.check("authenticate sms"); err != nil {
		return Session{}, err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	params := &sms.AuthenticateParams{
		OrganizationID: orgID, MemberID: memberID, Code: code,
		IntermediateSessionToken: p.IST, SessionToken: p.SessionToken, SessionDurationMinutes: c.durationFor(p),
	}
	if enrolling {
		params.SetMFAEnrollment = enroll
	}
	resp, err := c.api.OTPs.Sms.Authenticate(ctx, params)
	if err != nil {
		return Session{}, mapErr("authenticate sms", err)
	}
	return mfaSession("authenticate sms", resp.SessionToken, resp.SessionJWT, resp.MemberSession, &resp.Member, &resp.Organization)
}

// Recover ends a sign-in with one of the member's recovery codes (each works once) instead of
// the authenticator app. remaining is how many unused codes are left.
func (c *Client) Recover(ctx context.Context, p Proof, orgID, memberID, code string) (s Session, remaining int, err error) {
	if err := p.check("recover"); err != nil {
		return Session{}, 0, err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.api.RecoveryCodes.Recover(ctx, &recoverycodes.RecoverParams{
		OrganizationID: orgID, MemberID: memberID, RecoveryCode: code,
		IntermediateSessionToken: p.IST, SessionToken: p.SessionToken, SessionDurationMinutes: c.durationFor(p),
	})
	if err != nil {
		return Session{}, 0, mapErr("recover", err)
	}
	s, err = mfaSession("recover", resp.SessionToken, resp.SessionJWT, resp.MemberSession, &resp.Member, &resp.Organization)
	return s, int(resp.RecoveryCodesRemaining), err
}

// RecoveryCodes returns the member's unused recovery codes. Stytch asks only for the project's
// credentials here: callers must have checked the member's own session first.
func (c *Client) RecoveryCodes(ctx context.Context, orgID, memberID string) ([]string, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.api.RecoveryCodes.Get(ctx, &recoverycodes.GetParams{OrganizationID: orgID, MemberID: memberID})
	if err != nil {
		return nil, mapErr("get recovery codes", err)
	}
	return resp.RecoveryCodes, nil
}

// RotateRecoveryCodes replaces the member's recovery codes with new ones (the old stop
// working). Like RecoveryCodes, callers check the member's session first.
func (c *Client) RotateRecoveryCodes(ctx context.Context, orgID, memberID string) ([]string, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.api.RecoveryCodes.Rotate(ctx, &recoverycodes.RotateParams{OrganizationID: orgID, MemberID: memberID})
	if err != nil {
		return nil, mapErr("rotate recovery codes", err)
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
	return memberMFA(&resp.Member, &resp.Organization), nil
}

// DeleteTOTP removes the member's authenticator app (and so its recovery codes), as the member.
func (c *Client) DeleteTOTP(ctx context.Context, sessionToken, orgID, memberID string) error {
	if err := needSession("delete totp", sessionToken); err != nil {
		return err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	_, err := c.api.Organizations.Members.DeleteTOTP(ctx, &members.DeleteTOTPParams{OrganizationID: orgID, MemberID: memberID},
		&members.DeleteTOTPRequestOptions{Authorization: asMember(sessionToken)})
	return mapErr("delete totp", err)
}

// DeletePhone removes the member's MFA phone number, as the member (Stytch changes a number
// only after the old one is deleted).
func (c *Client) DeletePhone(ctx context.Context, sessionToken, orgID, memberID string) error {
	if err := needSession("delete mfa phone", sessionToken); err != nil {
		return err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	_, err := c.api.Organizations.Members.DeleteMFAPhoneNumber(ctx, &members.DeleteMFAPhoneNumberParams{OrganizationID: orgID, MemberID: memberID},
		&members.DeleteMFAPhoneNumberRequestOptions{Authorization: asMember(sessionToken)})
	return mapErr("delete mfa phone", err)
}

// UpdateMFASettings sets the organization's MFA policy and which methods it allows, with the
// admin's permissions. methods holding both MFA methods (or none) allows all of them.
func (c *Client) UpdateMFASettings(ctx context.Context, sessionToken, orgID, policy string, methods []string) error {
	if err := needSession("update mfa settings", sessionToken); err != nil {
		return err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	params := &orgs.UpdateParams{OrganizationID: orgID, MFAPolicy: policy, MFAMethods: "ALL_ALLOWED"}
	if len(methods) == 1 {
		params.MFAMethods, params.AllowedMFAMethods = "RESTRICTED", methods
	}
	_, err := c.api.Organizations.Update(ctx, params, &orgs.UpdateRequestOptions{Authorization: asMember(sessionToken)})
	return mapErr("update mfa settings", err)
}

// mfaSession is the session a successful MFA call answers with.
func mfaSession(op, token, jwt string, ms *sessions.MemberSession, m *orgs.Member, o *orgs.Organization) (Session, error) {
	if token == "" || ms == nil {
		return Session{}, fmt.Errorf("%s: no session in the answer: %w", op, ErrStytchRejected)
	}
	return session(token, jwt, ms, m, o), nil
}
