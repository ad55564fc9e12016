package emulator_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgpick/orgpick/emulator"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/totps"
)

const phone = "+15555550100"

var sixDigits = regexp.MustCompile(`^[0-9]{6}$`)

// sendFirstSMS signs bob in up to his pending MFA and texts a code to phone, his first MFA phone
// number; it returns the IST and the text.
func sendFirstSMS(t *testing.T, e *env, orgID, bobID string) (ist string, msg emulator.Message) {
	t.Helper()
	ist = e.pendingExchange("bob@acme.com", orgID).IntermediateSessionToken
	s, err := e.client.OTPs.Sms.Send(e.ctx, &sms.SendParams{OrganizationID: orgID, MemberID: bobID, MFAPhoneNumber: phone, IntermediateSessionToken: ist})
	mustOK(t, err)
	if s.Member.MFAPhoneNumber != phone || s.Member.MFAPhoneNumberVerified || s.MemberID != bobID {
		t.Fatalf("send = %+v", s.Member)
	}
	return ist, e.lastSMS(phone)
}

func TestSMSOutbox(t *testing.T) {
	t.Parallel()
	e, _, orgID, bobID := newAcmeWithBob(t, fixedClock)
	_, msg := sendFirstSMS(t, e, orgID, bobID)
	if !sixDigits.MatchString(msg.Code) || msg.To != phone || msg.Link != "" || msg.OrganizationID != orgID || !strings.Contains(msg.Subject, msg.Code) {
		t.Fatalf("message = %+v", msg)
	}
	var items []map[string]any
	e.getJSON("/dev/mailbox.json?to="+phone, &items) // the "+" arrives as a space
	if len(items) != 1 || items[0]["kind"] != "sms" || items[0]["to"] != phone || items[0]["code"] != msg.Code {
		t.Fatalf("mailbox.json = %v", items)
	}
	var emails []map[string]any
	e.getJSON("/dev/mailbox.json?to=bob@acme.com", &emails)
	if _, ok := emails[0]["code"]; ok || emails[0]["kind"] != "discovery" {
		t.Errorf("email item = %v", emails[0])
	}
	_, page := e.getText("/dev/mailbox?to=%2B15555550100")
	if !strings.Contains(page, `data-testid="message-code">`+msg.Code+`<`) || strings.Contains(page, "message-link") {
		t.Errorf("mailbox page:\n%s", page)
	}
}

func TestSMSEnrolThenSignIn(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, _, orgID, bobID := newAcmeWithBob(t, fixedClock)
	ist, msg := sendFirstSMS(t, e, orgID, bobID)
	auth := func(p sms.AuthenticateParams) (*sms.AuthenticateResponse, error) {
		p.OrganizationID, p.MemberID = orgID, bobID
		return e.client.OTPs.Sms.Authenticate(e.ctx, &p)
	}
	t.Run("wrong code keeps the IST", func(t *testing.T) {
		_, err := auth(sms.AuthenticateParams{IntermediateSessionToken: ist, Code: otherCode(msg.Code)})
		wantStytchError(t, err, 404, "otp_code_not_found")
	})
	a, err := auth(sms.AuthenticateParams{IntermediateSessionToken: ist, Code: msg.Code})
	mustOK(t, err)
	t.Run("session with both factors", func(t *testing.T) {
		if got := factorTypes(a.MemberSession.AuthenticationFactors); got != "magic_link,otp" {
			t.Fatalf("factors = %s", got)
		}
		f := a.MemberSession.AuthenticationFactors[1]
		if f.DeliveryMethod != "sms" || f.PhoneNumberFactor == nil || f.PhoneNumberFactor.PhoneNumber != phone || f.PhoneNumberFactor.PhoneID == "" {
			t.Errorf("factor = %+v", f)
		}
		if got := jwtFactorTypes(t, a.SessionJWT); got != "magic_link,otp" {
			t.Errorf("JWT factors = %s", got)
		}
		m := a.Member
		if !m.MFAPhoneNumberVerified || !m.MFAEnrolled || m.DefaultMFAMethod != "sms_otp" {
			t.Errorf("member = %+v", m)
		}
	})
	t.Run("a used code is refused", func(t *testing.T) {
		_, err := auth(sms.AuthenticateParams{SessionToken: a.SessionToken, Code: msg.Code})
		wantStytchError(t, err, 401, "unable_to_auth_otp_code")
	})
	t.Run("next sign-in texts a code by itself", func(t *testing.T) {
		before := e.smsCount(phone)
		p := e.pendingExchange("bob@acme.com", orgID)
		if p.MFARequired.SecondaryAuthInitiated != "sms_otp" || p.MFARequired.MemberOptions == nil ||
			p.MFARequired.MemberOptions.MFAPhoneNumber != phone || p.MFARequired.MemberOptions.TOTPRegistrationID != "" {
			t.Fatalf("mfa_required = %+v", p.MFARequired)
		}
		if e.smsCount(phone) != before+1 {
			t.Fatal("no text sent")
		}
		_, err := auth(sms.AuthenticateParams{IntermediateSessionToken: p.IntermediateSessionToken, Code: e.lastSMS(phone).Code})
		mustOK(t, err)
	})
	t.Run("a resend replaces the code; codes expire after two minutes", func(t *testing.T) {
		p := e.pendingExchange("bob@acme.com", orgID)
		first := e.lastSMS(phone).Code
		_, err := e.client.OTPs.Sms.Send(e.ctx, &sms.SendParams{OrganizationID: orgID, MemberID: bobID, IntermediateSessionToken: p.IntermediateSessionToken})
		mustOK(t, err)
		second := e.lastSMS(phone).Code
		if first != second {
			_, err = auth(sms.AuthenticateParams{IntermediateSessionToken: p.IntermediateSessionToken, Code: first})
			wantStytchError(t, err, 404, "otp_code_not_found")
		}
		e.emu.Advance(2*time.Minute + time.Second)
		_, err = auth(sms.AuthenticateParams{IntermediateSessionToken: p.IntermediateSessionToken, Code: second})
		wantStytchError(t, err, 401, "unable_to_auth_otp_code")
	})
	t.Run("five wrong codes kill the code", func(t *testing.T) {
		p := e.pendingExchange("bob@acme.com", orgID)
		code := e.lastSMS(phone).Code
		for range 5 {
			_, err := auth(sms.AuthenticateParams{IntermediateSessionToken: p.IntermediateSessionToken, Code: otherCode(code)})
			wantStytchError(t, err, 404, "otp_code_not_found")
		}
		_, err := auth(sms.AuthenticateParams{IntermediateSessionToken: p.IntermediateSessionToken, Code: code})
		wantStytchError(t, err, 401, "unable_to_auth_otp_code")
	})
}

func TestSMSSendErrors(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, su, orgID, bobID := newAcmeWithBob(t, fixedClock)
	cyID := invite(t, e, orgID, "cy@acme.com")
	send := func(p sms.SendParams) error {
		if p.OrganizationID == "" {
			p.OrganizationID = orgID
		}
		_, err := e.client.OTPs.Sms.Send(e.ctx, &p)
		return err
	}
	mustOK(t, send(sms.SendParams{MemberID: cyID, MFAPhoneNumber: "+15555550199"}))
	tests := []struct {
		name       string
		p          sms.SendParams
		wantStatus int
		wantType   string
	}{
		{"not E.164", sms.SendParams{MemberID: bobID, MFAPhoneNumber: "555-0100"}, 400, "invalid_phone_number"},
		{"no plus", sms.SendParams{MemberID: bobID, MFAPhoneNumber: "15555550100"}, 400, "invalid_phone_number"},
		{"no number anywhere", sms.SendParams{MemberID: bobID}, 400, "missing_sms_parameter"},
		{"another member's number", sms.SendParams{MemberID: bobID, MFAPhoneNumber: "+15555550199"}, 400, "duplicate_member_phone_number"},
		{"a different number than the member's", sms.SendParams{MemberID: cyID, MFAPhoneNumber: "+15555550198"}, 400, "duplicate_member_phone_number_for_member"},
		{"unknown member", sms.SendParams{MemberID: "member-test-nope", MFAPhoneNumber: phone}, 404, "member_not_found"},
		{"unknown org", sms.SendParams{OrganizationID: "organization-test-nope", MemberID: bobID, MFAPhoneNumber: phone}, 404, "organization_not_found"},
		{"session of another member", sms.SendParams{MemberID: bobID, MFAPhoneNumber: phone, SessionToken: su.SessionToken}, 403, "session_authorization_error"},
		{"same number again is fine", sms.SendParams{MemberID: cyID, MFAPhoneNumber: "+15555550199"}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := send(tt.p)
			if tt.wantStatus != 200 {
				wantStytchError(t, err, tt.wantStatus, tt.wantType)
				return
			}
			mustOK(t, err)
		})
	}
	t.Run("a member with TOTP needs an MFA session to add a phone", func(t *testing.T) {
		ist := e.pendingExchange("bob@acme.com", orgID).IntermediateSessionToken
		_, a := e.enrollTOTP(orgID, bobID, ist)
		ist = e.pendingExchange("bob@acme.com", orgID).IntermediateSessionToken
		wantStytchError(t, send(sms.SendParams{MemberID: bobID, MFAPhoneNumber: phone, IntermediateSessionToken: ist}), 403, "session_enforced_factor_matching_session_required")
		mustOK(t, send(sms.SendParams{MemberID: bobID, MFAPhoneNumber: phone, SessionToken: a.SessionToken}))
	})
	t.Run("organization restricts MFA to TOTP", func(t *testing.T) {
		_, err := e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID, MFAMethods: "RESTRICTED", AllowedMFAMethods: []string{"totp"}})
		mustOK(t, err)
		wantStytchError(t, send(sms.SendParams{MemberID: cyID}), 400, "operation_restricted_by_organization_mfa_methods")
		before := e.smsCount("+15555550199")
		p := e.pendingExchange("cy@acme.com", orgID)
		if p.MFARequired.SecondaryAuthInitiated != "" || e.smsCount("+15555550199") != before {
			t.Errorf("SMS sent although the org allows only TOTP: %+v", p.MFARequired)
		}
		_, err = e.client.OTPs.Sms.Authenticate(e.ctx, &sms.AuthenticateParams{OrganizationID: orgID, MemberID: cyID,
			IntermediateSessionToken: p.IntermediateSessionToken, Code: "123456"})
		wantStytchError(t, err, 400, "operation_restricted_by_organization_mfa_methods")
	})
}

func TestSMSAuthenticateErrors(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, su, orgID, bobID := newAcmeWithBob(t, fixedClock)
	ist := e.pendingExchange("bob@acme.com", orgID).IntermediateSessionToken
	auth := func(p sms.AuthenticateParams) error {
		p.OrganizationID, p.MemberID = orgID, bobID
		_, err := e.client.OTPs.Sms.Authenticate(e.ctx, &p)
		return err
	}
	wantStytchError(t, auth(sms.AuthenticateParams{IntermediateSessionToken: ist, Code: "123456"}), 404, "otp_code_not_found")
	_, err := e.client.OTPs.Sms.Send(e.ctx, &sms.SendParams{OrganizationID: orgID, MemberID: bobID, MFAPhoneNumber: phone})
	mustOK(t, err)
	code := e.lastSMS(phone).Code
	tests := []struct {
		name       string
		p          sms.AuthenticateParams
		wantStatus int
		wantType   string
	}{
		{"no session argument", sms.AuthenticateParams{Code: code}, 400, "no_session_arguments"},
		{"two session arguments", sms.AuthenticateParams{Code: code, IntermediateSessionToken: ist, SessionToken: su.SessionToken}, 400, "too_many_session_arguments"},
		{"IST of another member", sms.AuthenticateParams{Code: code, IntermediateSessionToken: e.discover("ada@acme.com").IntermediateSessionToken}, 400, "invalid_intermediate_session_token_for_organization"},
		{"bad code format", sms.AuthenticateParams{Code: "12 345", IntermediateSessionToken: ist}, 400, "invalid_code"},
		{"bad set_mfa_enrollment", sms.AuthenticateParams{Code: code, IntermediateSessionToken: ist, SetMFAEnrollment: "yes"}, 400, "invalid_argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantStytchError(t, auth(tt.p), tt.wantStatus, tt.wantType) })
	}
	t.Run("a code to a number the member no longer has", func(t *testing.T) {
		_, err := e.client.Organizations.Members.DeleteMFAPhoneNumber(e.ctx, &members.DeleteMFAPhoneNumberParams{OrganizationID: orgID, MemberID: bobID})
		mustOK(t, err)
		wantStytchError(t, auth(sms.AuthenticateParams{IntermediateSessionToken: ist, Code: code}), 404, "otp_code_not_found")
	})
}

func TestSMSRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fixedClock, func(c *emulator.Config) {
		c.DisableEmailRateLimit = false
		c.EmailRateBurst = 2
	})
	su := e.signUp("ada@acme.com", "Acme", "acme")
	send := func() error {
		_, err := e.client.OTPs.Sms.Send(e.ctx, &sms.SendParams{OrganizationID: su.Organization.OrganizationID, MemberID: su.MemberID, MFAPhoneNumber: phone})
		return err
	}
	mustOK(t, send())
	mustOK(t, send())
	wantStytchError(t, send(), 429, "too_many_requests")
	e.emu.Advance(time.Second)
	mustOK(t, send())
}

// An SMS factor carries into another organization when the member there has the same verified
// number; a TOTP-preferring member gets no automatic text.
func TestSMSFactorAcrossOrganizations(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t, fixedClock)
	alpha := e.mfaOrg("boss@alpha.com", "alpha")
	beta := e.mfaOrg("boss@beta.com", "beta")
	alphaID, betaID := alpha.Organization.OrganizationID, beta.Organization.OrganizationID
	inAlpha := invite(t, e, alphaID, "ada@ada.dev")
	inBeta := invite(t, e, betaID, "ada@ada.dev")
	enrolSMS := func(orgID, memberID string) *sms.AuthenticateResponse {
		t.Helper()
		ist := e.pendingExchange("ada@ada.dev", orgID).IntermediateSessionToken
		_, err := e.client.OTPs.Sms.Send(e.ctx, &sms.SendParams{OrganizationID: orgID, MemberID: memberID, MFAPhoneNumber: phone, IntermediateSessionToken: ist})
		mustOK(t, err)
		a, err := e.client.OTPs.Sms.Authenticate(e.ctx, &sms.AuthenticateParams{OrganizationID: orgID, MemberID: memberID,
			IntermediateSessionToken: ist, Code: e.lastSMS(phone).Code})
		mustOK(t, err)
		return a
	}
	enrolSMS(betaID, inBeta)
	a := enrolSMS(alphaID, inAlpha)
	x, err := e.client.Sessions.Exchange(e.ctx, &sessions.ExchangeParams{OrganizationID: betaID, SessionToken: a.SessionToken})
	mustOK(t, err)
	if !x.MemberAuthenticated || x.SessionToken == "" || factorTypes(x.MemberSession.AuthenticationFactors) != "magic_link,otp" {
		t.Fatalf("exchange = %+v", x)
	}

	t.Run("TOTP preferred: no automatic text", func(t *testing.T) {
		ist := e.pendingExchange("ada@ada.dev", alphaID).IntermediateSessionToken
		a, err := e.client.OTPs.Sms.Authenticate(e.ctx, &sms.AuthenticateParams{OrganizationID: alphaID, MemberID: inAlpha,
			IntermediateSessionToken: ist, Code: e.lastSMS(phone).Code})
		mustOK(t, err)
		c, err := e.client.TOTPs.Create(e.ctx, &totps.CreateParams{OrganizationID: alphaID, MemberID: inAlpha, SessionToken: a.SessionToken})
		mustOK(t, err)
		_, err = e.client.TOTPs.Authenticate(e.ctx, &totps.AuthenticateParams{OrganizationID: alphaID, MemberID: inAlpha,
			SessionToken: a.SessionToken, Code: e.totpNow(c.Secret), SetDefaultMFA: true})
		mustOK(t, err)
		before := e.smsCount(phone)
		p := e.pendingExchange("ada@ada.dev", alphaID)
		opts := p.MFARequired.MemberOptions
		if p.MFARequired.SecondaryAuthInitiated != "" || e.smsCount(phone) != before || opts == nil || opts.MFAPhoneNumber != phone || opts.TOTPRegistrationID != c.TOTPRegistrationID {
			t.Errorf("mfa_required = %+v / %+v", p.MFARequired, opts)
		}
	})
}
