package emulator_test

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgpick/orgpick/emulator"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/totps"
)

var recoveryCodeFormat = regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$`)

// RFC 6238 appendix B (SHA-1), truncated to 6 digits.
func TestTOTPCode(t *testing.T) {
	t.Parallel()
	secret := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	for _, tt := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}} {
		if got := emulator.TOTPCode(secret, time.Unix(tt.unix, 0)); got != tt.want {
			t.Errorf("TOTPCode(%d) = %s, want %s", tt.unix, got, tt.want)
		}
	}
	if got := emulator.TOTPCode(strings.ToLower(strings.TrimRight(secret, "=")), time.Unix(59, 0)); got != "287082" {
		t.Errorf("lower-case unpadded secret: %s", got)
	}
	if got := emulator.TOTPCode("not base32!", time.Now()); got != "" {
		t.Errorf("invalid secret gave %q", got)
	}
}

func TestTOTPCreate(t *testing.T) {
	t.Parallel()
	e, _, orgID, bobID := newAcmeWithBob(t, fixedClock)
	c, err := e.client.TOTPs.Create(e.ctx, &totps.CreateParams{OrganizationID: orgID, MemberID: bobID,
		IntermediateSessionToken: e.pendingExchange("bob@acme.com", orgID).IntermediateSessionToken})
	mustOK(t, err)
	if len(c.Secret) != 32 || !strings.HasPrefix(c.TOTPRegistrationID, "member-totp-test-") || c.MemberID != bobID {
		t.Errorf("resp = %+v", c)
	}
	png, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(c.QrCode, "data:image/png;base64,"))
	if !strings.HasPrefix(c.QrCode, "data:image/png;base64,") || err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("qr_code is not a PNG data URL: %.60s… (%v)", c.QrCode, err)
	}
	seen := map[string]bool{}
	for _, rc := range c.RecoveryCodes {
		if !recoveryCodeFormat.MatchString(rc) || seen[rc] {
			t.Errorf("recovery code %q", rc)
		}
		seen[rc] = true
	}
	if len(c.RecoveryCodes) != 10 {
		t.Errorf("%d recovery codes", len(c.RecoveryCodes))
	}
	if c.Member.TOTPRegistrationID != "" || c.Member.MFAEnrolled {
		t.Errorf("pending registration already on the member: %+v", c.Member)
	}
}

func TestTOTPEnrolThenSignIn(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, _, orgID, bobID := newAcmeWithBob(t, fixedClock)
	discoveryIST := e.discover("bob@acme.com").IntermediateSessionToken
	p, err := e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: discoveryIST, OrganizationID: orgID})
	mustOK(t, err)

	c, err := e.client.TOTPs.Create(e.ctx, &totps.CreateParams{OrganizationID: orgID, MemberID: bobID, IntermediateSessionToken: p.IntermediateSessionToken})
	mustOK(t, err)
	auth := func(ist, code string) (*totps.AuthenticateResponse, error) {
		return e.client.TOTPs.Authenticate(e.ctx, &totps.AuthenticateParams{OrganizationID: orgID, MemberID: bobID,
			IntermediateSessionToken: ist, Code: code, SessionDurationMinutes: 90})
	}
	t.Run("wrong code keeps the IST", func(t *testing.T) {
		_, err := auth(p.IntermediateSessionToken, e.wrongTOTP(c.Secret))
		wantStytchError(t, err, 401, "unable_to_authenticate_totp")
	})
	code := e.totpNow(c.Secret)
	a, err := auth(p.IntermediateSessionToken, code)
	mustOK(t, err)
	t.Run("session with both factors", func(t *testing.T) {
		if a.SessionToken == "" || a.SessionJWT == "" || a.MemberSession == nil || a.MemberID != bobID {
			t.Fatalf("resp = %+v", a)
		}
		if got := factorTypes(a.MemberSession.AuthenticationFactors); got != "magic_link,totp" {
			t.Errorf("factors = %s", got)
		}
		f := a.MemberSession.AuthenticationFactors[1]
		if f.DeliveryMethod != "authenticator_app" || f.AuthenticatorAppFactor == nil || f.AuthenticatorAppFactor.TOTPID != c.TOTPRegistrationID {
			t.Errorf("totp factor = %+v", f)
		}
		if got := jwtFactorTypes(t, a.SessionJWT); got != "magic_link,totp" {
			t.Errorf("JWT factors = %s", got)
		}
		if got := a.MemberSession.ExpiresAt.Sub(*a.MemberSession.StartedAt); got != 90*time.Minute {
			t.Errorf("session length = %s", got)
		}
		m := a.Member
		if !m.MFAEnrolled || m.TOTPRegistrationID != c.TOTPRegistrationID || m.DefaultMFAMethod != "totp" {
			t.Errorf("member = %+v", m)
		}
		s, err := e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionToken: a.SessionToken})
		mustOK(t, err)
		if got := factorTypes(s.MemberSession.AuthenticationFactors); got != "magic_link,totp" {
			t.Errorf("factors after authenticate = %s", got)
		}
	})
	t.Run("the IST and the discovery IST it came from are consumed", func(t *testing.T) {
		_, err := auth(p.IntermediateSessionToken, code)
		wantStytchError(t, err, 404, "intermediate_session_not_found")
		_, err = e.client.Discovery.Organizations.List(e.ctx, &dorgs.ListParams{IntermediateSessionToken: discoveryIST})
		wantStytchError(t, err, 404, "intermediate_session_not_found")
	})
	t.Run("next sign-in asks for the registered TOTP; a used code is refused", func(t *testing.T) {
		e.emu.Advance(30 * time.Second)
		p2 := e.pendingExchange("bob@acme.com", orgID)
		opts := p2.MFARequired.MemberOptions
		if opts == nil || opts.TOTPRegistrationID != c.TOTPRegistrationID || opts.MFAPhoneNumber != "" || p2.MFARequired.SecondaryAuthInitiated != "" {
			t.Fatalf("mfa_required = %+v / %+v", p2.MFARequired, opts)
		}
		_, err := auth(p2.IntermediateSessionToken, code)
		wantStytchError(t, err, 400, "totp_code_already_authenticated")
		a2, err := auth(p2.IntermediateSessionToken, e.totpNow(c.Secret))
		mustOK(t, err)
		if a2.SessionToken == a.SessionToken {
			t.Error("same session token twice")
		}
	})
	t.Run("a code from one step either side is accepted", func(t *testing.T) {
		e.emu.Advance(60 * time.Second)
		p3 := e.pendingExchange("bob@acme.com", orgID)
		_, err := auth(p3.IntermediateSessionToken, emulator.TOTPCode(c.Secret, e.emu.Now().Add(-30*time.Second)))
		mustOK(t, err)
	})
}

func TestTOTPCreateErrors(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, su, orgID, bobID := newAcmeWithBob(t, fixedClock)
	other := e.signUp("cy@other.com", "Other", "other")
	p := e.pendingExchange("bob@acme.com", orgID)
	ist := p.IntermediateSessionToken
	tests := []struct {
		name       string
		p          totps.CreateParams
		wantStatus int
		wantType   string
	}{
		{"unknown org", totps.CreateParams{OrganizationID: "organization-test-nope", MemberID: bobID}, 404, "organization_not_found"},
		{"unknown member", totps.CreateParams{OrganizationID: orgID, MemberID: "member-test-nope"}, 404, "member_not_found"},
		{"member of another org", totps.CreateParams{OrganizationID: orgID, MemberID: other.MemberID}, 404, "member_not_found"},
		{"expiry too short", totps.CreateParams{OrganizationID: orgID, MemberID: bobID, ExpirationMinutes: 4}, 400, "invalid_expiration"},
		{"expiry too long", totps.CreateParams{OrganizationID: orgID, MemberID: bobID, ExpirationMinutes: 1441}, 400, "invalid_expiration"},
		{"IST of another member", totps.CreateParams{OrganizationID: orgID, MemberID: su.MemberID, IntermediateSessionToken: ist}, 400, "invalid_intermediate_session_token_for_organization"},
		{"unknown IST", totps.CreateParams{OrganizationID: orgID, MemberID: bobID, IntermediateSessionToken: "nope"}, 404, "intermediate_session_not_found"},
		{"IST and session", totps.CreateParams{OrganizationID: orgID, MemberID: bobID, IntermediateSessionToken: ist, SessionToken: su.SessionToken}, 400, "too_many_session_arguments"},
		{"session of another member", totps.CreateParams{OrganizationID: orgID, MemberID: bobID, SessionToken: su.SessionToken}, 403, "session_authorization_error"},
		{"no token is fine", totps.CreateParams{OrganizationID: orgID, MemberID: bobID}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.TOTPs.Create(e.ctx, &tt.p)
			if tt.wantStatus != 200 {
				wantStytchError(t, err, tt.wantStatus, tt.wantType)
				return
			}
			mustOK(t, err)
		})
	}
	t.Run("re-creating replaces the pending registration", func(t *testing.T) {
		first, err := e.client.TOTPs.Create(e.ctx, &totps.CreateParams{OrganizationID: orgID, MemberID: bobID, IntermediateSessionToken: ist})
		mustOK(t, err)
		second, err := e.client.TOTPs.Create(e.ctx, &totps.CreateParams{OrganizationID: orgID, MemberID: bobID, IntermediateSessionToken: ist})
		mustOK(t, err)
		if first.Secret == second.Secret || first.TOTPRegistrationID == second.TOTPRegistrationID {
			t.Fatal("same registration twice")
		}
		_, err = e.client.TOTPs.Authenticate(e.ctx, &totps.AuthenticateParams{OrganizationID: orgID, MemberID: bobID, IntermediateSessionToken: ist, Code: e.totpNow(first.Secret)})
		wantStytchError(t, err, 401, "unable_to_authenticate_totp")
		_, err = e.client.TOTPs.Authenticate(e.ctx, &totps.AuthenticateParams{OrganizationID: orgID, MemberID: bobID, IntermediateSessionToken: ist, Code: e.totpNow(second.Secret)})
		mustOK(t, err)
	})
	t.Run("active registration exists", func(t *testing.T) {
		_, err := e.client.TOTPs.Create(e.ctx, &totps.CreateParams{OrganizationID: orgID, MemberID: bobID})
		wantStytchError(t, err, 400, "active_totp_exists")
	})
	t.Run("organization restricts MFA to SMS", func(t *testing.T) {
		_, err := e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID, MFAMethods: "RESTRICTED", AllowedMFAMethods: []string{"sms_otp"}})
		mustOK(t, err)
		_, err = e.client.TOTPs.Create(e.ctx, &totps.CreateParams{OrganizationID: orgID, MemberID: su.MemberID})
		wantStytchError(t, err, 400, "operation_restricted_by_organization_mfa_methods")
	})
}

func TestTOTPAuthenticateErrors(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, _, orgID, bobID := newAcmeWithBob(t, fixedClock)
	ist := e.pendingExchange("bob@acme.com", orgID).IntermediateSessionToken
	auth := func(p totps.AuthenticateParams) error {
		p.OrganizationID, p.MemberID = orgID, bobID
		_, err := e.client.TOTPs.Authenticate(e.ctx, &p)
		return err
	}
	wantStytchError(t, auth(totps.AuthenticateParams{IntermediateSessionToken: ist, Code: "123456"}), 404, "totp_not_found")
	c, err := e.client.TOTPs.Create(e.ctx, &totps.CreateParams{OrganizationID: orgID, MemberID: bobID, IntermediateSessionToken: ist, ExpirationMinutes: 5})
	mustOK(t, err)
	code := e.totpNow(c.Secret)
	tests := []struct {
		name       string
		p          totps.AuthenticateParams
		wantStatus int
		wantType   string
	}{
		{"no session argument", totps.AuthenticateParams{Code: code}, 400, "no_session_arguments"},
		{"two session arguments", totps.AuthenticateParams{Code: code, IntermediateSessionToken: ist, SessionJWT: "x"}, 400, "too_many_session_arguments"},
		{"five digits", totps.AuthenticateParams{Code: "12345", IntermediateSessionToken: ist}, 400, "invalid_code"},
		{"letters", totps.AuthenticateParams{Code: "12a456", IntermediateSessionToken: ist}, 400, "invalid_code"},
		{"a recovery code", totps.AuthenticateParams{Code: c.RecoveryCodes[0], IntermediateSessionToken: ist}, 400, "recovery_code_used_as_totp_code"},
		{"bad set_mfa_enrollment", totps.AuthenticateParams{Code: code, IntermediateSessionToken: ist, SetMFAEnrollment: "maybe"}, 400, "invalid_argument"},
		{"bad session duration", totps.AuthenticateParams{Code: code, IntermediateSessionToken: ist, SessionDurationMinutes: 4}, 400, "invalid_session_duration_minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantStytchError(t, auth(tt.p), tt.wantStatus, tt.wantType) })
	}
	t.Run("five wrong codes lock TOTP for five minutes", func(t *testing.T) {
		for range 5 {
			wantStytchError(t, auth(totps.AuthenticateParams{IntermediateSessionToken: ist, Code: e.wrongTOTP(c.Secret)}), 401, "unable_to_authenticate_totp")
		}
		wantStytchError(t, auth(totps.AuthenticateParams{IntermediateSessionToken: ist, Code: code}), 429, "too_many_requests")
		e.emu.Advance(4 * time.Minute)
		wantStytchError(t, auth(totps.AuthenticateParams{IntermediateSessionToken: ist, Code: e.totpNow(c.Secret)}), 429, "too_many_requests")
	})
	t.Run("pending registration expires", func(t *testing.T) {
		e.emu.Advance(61 * time.Second) // 5 min 1 s after create: lock over, registration expired
		wantStytchError(t, auth(totps.AuthenticateParams{IntermediateSessionToken: ist, Code: e.totpNow(c.Secret)}), 400, "expired_totp")
	})
}

func TestTOTPOnASession(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t, fixedClock)
	su := e.signUp("ada@acme.com", "Acme", "acme")
	orgID := su.Organization.OrganizationID
	c, err := e.client.TOTPs.Create(e.ctx, &totps.CreateParams{OrganizationID: orgID, MemberID: su.MemberID, SessionToken: su.SessionToken})
	mustOK(t, err)
	a, err := e.client.TOTPs.Authenticate(e.ctx, &totps.AuthenticateParams{OrganizationID: orgID, MemberID: su.MemberID,
		SessionJWT: su.SessionJWT, Code: e.totpNow(c.Secret), SessionDurationMinutes: 120, SetMFAEnrollment: "enroll",
		SessionCustomClaims: map[string]any{"team": "blue"}})
	mustOK(t, err)
	if a.SessionToken != su.SessionToken || a.MemberSession.MemberSessionID != su.MemberSession.MemberSessionID {
		t.Fatalf("step-up made a new session: %+v", a)
	}
	if got := factorTypes(a.MemberSession.AuthenticationFactors); got != "magic_link,totp" {
		t.Errorf("factors = %s", got)
	}
	if got := a.MemberSession.ExpiresAt.Sub(e.emu.Now()); got != 120*time.Minute {
		t.Errorf("session not extended: %s left", got)
	}
	if a.MemberSession.CustomClaims["team"] != "blue" || !a.Member.MFAEnrolled {
		t.Errorf("claims / member = %v / %+v", a.MemberSession.CustomClaims, a.Member)
	}
	t.Run("enrolled member of an OPTIONAL org now gets MFA", func(t *testing.T) {
		p := e.pendingExchange("ada@acme.com", orgID)
		if p.MFARequired.MemberOptions == nil || p.MFARequired.MemberOptions.TOTPRegistrationID != c.TOTPRegistrationID {
			t.Errorf("member_options = %+v", p.MFARequired.MemberOptions)
		}
	})
	t.Run("unenroll", func(t *testing.T) {
		e.emu.Advance(30 * time.Second)
		a, err := e.client.TOTPs.Authenticate(e.ctx, &totps.AuthenticateParams{OrganizationID: orgID, MemberID: su.MemberID,
			SessionToken: su.SessionToken, Code: e.totpNow(c.Secret), SetMFAEnrollment: "unenroll"})
		mustOK(t, err)
		if a.Member.MFAEnrolled || factorTypes(a.MemberSession.AuthenticationFactors) != "magic_link,totp" {
			t.Errorf("member = %+v, factors = %s", a.Member, factorTypes(a.MemberSession.AuthenticationFactors))
		}
	})
}

// A discovery IST works on the MFA endpoints without an exchange first; it activates an invitee.
func TestTOTPWithDiscoveryIST(t *testing.T) {
	t.Parallel()
	e, su, orgID, bobID := newAcmeWithBob(t, fixedClock)
	ist := e.discover("bob@acme.com").IntermediateSessionToken
	_, err := e.client.TOTPs.Create(e.ctx, &totps.CreateParams{OrganizationID: orgID, MemberID: su.MemberID, IntermediateSessionToken: ist})
	wantStytchError(t, err, 400, "invalid_intermediate_session_token_for_organization")
	_, a := e.enrollTOTP(orgID, bobID, ist)
	if a.Member.Status != "active" || !a.Member.EmailAddressVerified || factorTypes(a.MemberSession.AuthenticationFactors) != "magic_link,totp" {
		t.Errorf("member = %+v", a.Member)
	}
}
