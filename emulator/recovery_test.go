package emulator_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/recoverycodes"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/totps"
)

func TestRecoveryCodes(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, _, orgID, bobID := newAcmeWithBob(t, fixedClock)
	c, _ := e.enrollTOTP(orgID, bobID, e.pendingExchange("bob@acme.com", orgID).IntermediateSessionToken)
	recoverWith := func(code string) (*recoverycodes.RecoverResponse, error) {
		ist := e.pendingExchange("bob@acme.com", orgID).IntermediateSessionToken
		return e.client.RecoveryCodes.Recover(e.ctx, &recoverycodes.RecoverParams{OrganizationID: orgID, MemberID: bobID,
			IntermediateSessionToken: ist, RecoveryCode: code})
	}
	get := func() []string {
		t.Helper()
		g, err := e.client.RecoveryCodes.Get(e.ctx, &recoverycodes.GetParams{OrganizationID: orgID, MemberID: bobID})
		mustOK(t, err)
		if g.MemberID != bobID || g.Organization.OrganizationID != orgID {
			t.Errorf("get = %+v", g)
		}
		return g.RecoveryCodes
	}

	if got := get(); !slices.Equal(got, c.RecoveryCodes) {
		t.Fatalf("get = %v, create gave %v", got, c.RecoveryCodes)
	}
	r, err := recoverWith(" " + strings.ToUpper(c.RecoveryCodes[0]) + " ")
	mustOK(t, err)
	t.Run("a recovery code signs in once", func(t *testing.T) {
		if r.SessionToken == "" || r.MemberSession == nil || r.RecoveryCodesRemaining != 9 {
			t.Fatalf("resp = %+v", r)
		}
		if got := factorTypes(r.MemberSession.AuthenticationFactors); got != "magic_link,recovery_codes" {
			t.Errorf("factors = %s", got)
		}
		f := r.MemberSession.AuthenticationFactors[1]
		if f.DeliveryMethod != "recovery_code" || f.RecoveryCodeFactor == nil || f.RecoveryCodeFactor.TOTPRecoveryCodeID == "" {
			t.Errorf("factor = %+v", f)
		}
		if got := jwtFactorTypes(t, r.SessionJWT); got != "magic_link,recovery_codes" {
			t.Errorf("JWT factors = %s", got)
		}
		_, err := recoverWith(c.RecoveryCodes[0])
		wantStytchError(t, err, 401, "unable_to_authenticate_recovery_code")
		if got := get(); len(got) != 9 || slices.Contains(got, c.RecoveryCodes[0]) {
			t.Errorf("remaining = %v", got)
		}
	})
	t.Run("rotate replaces every code", func(t *testing.T) {
		rot, err := e.client.RecoveryCodes.Rotate(e.ctx, &recoverycodes.RotateParams{OrganizationID: orgID, MemberID: bobID})
		mustOK(t, err)
		if len(rot.RecoveryCodes) != 10 || slices.Contains(rot.RecoveryCodes, c.RecoveryCodes[1]) {
			t.Fatalf("rotate = %v", rot.RecoveryCodes)
		}
		if got := get(); !slices.Equal(got, rot.RecoveryCodes) {
			t.Errorf("get after rotate = %v", got)
		}
		_, err = recoverWith(c.RecoveryCodes[1])
		wantStytchError(t, err, 401, "unable_to_authenticate_recovery_code")
		r, err := recoverWith(rot.RecoveryCodes[9])
		mustOK(t, err)
		if r.RecoveryCodesRemaining != 9 {
			t.Errorf("remaining = %d", r.RecoveryCodesRemaining)
		}
	})
	t.Run("the TOTP still works after a recovery", func(t *testing.T) {
		e.emu.Advance(30 * time.Second)
		ist := e.pendingExchange("bob@acme.com", orgID).IntermediateSessionToken
		_, err := e.client.TOTPs.Authenticate(e.ctx, &totps.AuthenticateParams{OrganizationID: orgID, MemberID: bobID,
			IntermediateSessionToken: ist, Code: e.totpNow(c.Secret)})
		mustOK(t, err)
	})
}

func TestRecoveryCodesLockAfterFiveWrong(t *testing.T) {
	t.Parallel()
	e, _, orgID, bobID := newAcmeWithBob(t, fixedClock)
	c, _ := e.enrollTOTP(orgID, bobID, e.pendingExchange("bob@acme.com", orgID).IntermediateSessionToken)
	ist := e.pendingExchange("bob@acme.com", orgID).IntermediateSessionToken
	rec := func(code string) error {
		_, err := e.client.RecoveryCodes.Recover(e.ctx, &recoverycodes.RecoverParams{OrganizationID: orgID, MemberID: bobID,
			IntermediateSessionToken: ist, RecoveryCode: code})
		return err
	}
	for range 5 {
		wantStytchError(t, rec("aaaa-bbbb-cccc"), 401, "unable_to_authenticate_recovery_code")
	}
	wantStytchError(t, rec(c.RecoveryCodes[0]), 429, "too_many_requests")
	e.emu.Advance(5 * time.Minute)
	mustOK(t, rec(c.RecoveryCodes[0]))
}

func TestRecoveryCodeErrors(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, _, orgID, bobID := newAcmeWithBob(t, fixedClock)
	ist := e.pendingExchange("bob@acme.com", orgID).IntermediateSessionToken
	recoverCode := func(p recoverycodes.RecoverParams) error {
		p.OrganizationID, p.MemberID = orgID, bobID
		_, err := e.client.RecoveryCodes.Recover(e.ctx, &p)
		return err
	}
	t.Run("no TOTP", func(t *testing.T) {
		wantStytchError(t, recoverCode(recoverycodes.RecoverParams{IntermediateSessionToken: ist, RecoveryCode: "abcd-efgh-ijkl"}), 400, "no_active_recovery_code_backed_factor")
		_, err := e.client.RecoveryCodes.Get(e.ctx, &recoverycodes.GetParams{OrganizationID: orgID, MemberID: bobID})
		wantStytchError(t, err, 400, "no_active_recovery_code_backed_factor")
		_, err = e.client.RecoveryCodes.Rotate(e.ctx, &recoverycodes.RotateParams{OrganizationID: orgID, MemberID: bobID})
		wantStytchError(t, err, 400, "no_active_recovery_code_backed_factor")
	})
	c, err := e.client.TOTPs.Create(e.ctx, &totps.CreateParams{OrganizationID: orgID, MemberID: bobID, IntermediateSessionToken: ist})
	mustOK(t, err)
	t.Run("codes of a pending registration do not work yet", func(t *testing.T) {
		wantStytchError(t, recoverCode(recoverycodes.RecoverParams{IntermediateSessionToken: ist, RecoveryCode: c.RecoveryCodes[0]}), 400, "no_active_recovery_code_backed_factor")
	})
	tests := []struct {
		name       string
		p          recoverycodes.RecoverParams
		wantStatus int
		wantType   string
	}{
		{"no session argument", recoverycodes.RecoverParams{RecoveryCode: c.RecoveryCodes[0]}, 400, "no_session_arguments"},
		{"a TOTP code", recoverycodes.RecoverParams{IntermediateSessionToken: ist, RecoveryCode: "123456"}, 400, "totp_code_used_as_recovery_code"},
		{"malformed", recoverycodes.RecoverParams{IntermediateSessionToken: ist, RecoveryCode: "nope"}, 400, "invalid_recovery_code"},
		{"unknown IST", recoverycodes.RecoverParams{IntermediateSessionToken: "nope", RecoveryCode: c.RecoveryCodes[0]}, 404, "intermediate_session_not_found"},
		{"bad duration", recoverycodes.RecoverParams{IntermediateSessionToken: ist, RecoveryCode: c.RecoveryCodes[0], SessionDurationMinutes: 600000}, 400, "invalid_session_duration_minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantStytchError(t, recoverCode(tt.p), tt.wantStatus, tt.wantType) })
	}
	t.Run("unknown member", func(t *testing.T) {
		_, err := e.client.RecoveryCodes.Get(e.ctx, &recoverycodes.GetParams{OrganizationID: orgID, MemberID: "member-test-nope"})
		wantStytchError(t, err, 404, "member_not_found")
		_, err = e.client.RecoveryCodes.Rotate(e.ctx, &recoverycodes.RotateParams{OrganizationID: "organization-test-nope", MemberID: bobID})
		wantStytchError(t, err, 404, "organization_not_found")
	})
	t.Run("step-up on a session", func(t *testing.T) {
		_, a := e.enrollTOTP(orgID, bobID, ist)
		c2, err := e.client.RecoveryCodes.Get(e.ctx, &recoverycodes.GetParams{OrganizationID: orgID, MemberID: bobID})
		mustOK(t, err)
		r, err := e.client.RecoveryCodes.Recover(e.ctx, &recoverycodes.RecoverParams{OrganizationID: orgID, MemberID: bobID,
			SessionToken: a.SessionToken, RecoveryCode: c2.RecoveryCodes[0]})
		mustOK(t, err)
		if r.SessionToken != a.SessionToken || factorTypes(r.MemberSession.AuthenticationFactors) != "magic_link,totp,recovery_codes" {
			t.Errorf("resp = %+v", r)
		}
	})
}
