package emulator_test

import (
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/recoverycodes"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/totps"
	"github.com/stytchauth/stytch-go/v16/stytch/methodoptions"
)

// memberUpdater returns an update of memberID in orgID (unless p names others), with the project
// secret when auth is nil and as auth's session otherwise.
func memberUpdater(e *env, orgID, memberID string) func(p members.UpdateParams, auth *methodoptions.Authorization) (*members.UpdateResponse, error) {
	return func(p members.UpdateParams, auth *methodoptions.Authorization) (*members.UpdateResponse, error) {
		if p.OrganizationID == "" {
			p.OrganizationID = orgID
		}
		if p.MemberID == "" {
			p.MemberID = memberID
		}
		if auth == nil {
			return e.client.Organizations.Members.Update(e.ctx, &p)
		}
		return e.client.Organizations.Members.Update(e.ctx, &p, &members.UpdateRequestOptions{Authorization: *auth})
	}
}

func TestMemberUpdate(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t, fixedClock)
	su := e.signUp("ada@acme.com", "Acme", "acme")
	orgID := su.Organization.OrganizationID
	bobID := invite(t, e, orgID, "bob@acme.com")
	cyID := invite(t, e, orgID, "cy@acme.com")
	update := memberUpdater(e, orgID, bobID)

	r, err := update(members.UpdateParams{Name: "Bob", MFAPhoneNumber: phone, MFAEnrolled: true, DefaultMFAMethod: "sms_otp",
		UntrustedMetadata: map[string]any{"k": "v"}}, nil)
	mustOK(t, err)
	if m := r.Member; m.Name != "Bob" || m.MFAPhoneNumber != phone || m.MFAPhoneNumberVerified || !m.MFAEnrolled ||
		m.DefaultMFAMethod != "sms_otp" || m.UntrustedMetadata["k"] != "v" || r.MemberID != bobID || r.Organization.OrganizationID != orgID {
		t.Fatalf("member = %+v", m)
	}
	t.Run("mfa_enrolled false from a raw body", func(t *testing.T) {
		status, body := e.raw("PUT", "/v1/b2b/organizations/"+orgID+"/members/"+bobID, map[string]any{"mfa_enrolled": false})
		m, _ := body["member"].(map[string]any)
		if status != 200 || m["mfa_enrolled"] != false || m["mfa_phone_number"] != phone {
			t.Fatalf("%d %v", status, body)
		}
	})
	admin := &methodoptions.Authorization{SessionToken: su.SessionToken}
	tests := []struct {
		name       string
		p          members.UpdateParams
		auth       *methodoptions.Authorization
		wantStatus int
		wantType   string
	}{
		{"same number is a no-op", members.UpdateParams{MFAPhoneNumber: phone}, nil, 200, ""},
		{"another number", members.UpdateParams{MFAPhoneNumber: "+15555550111"}, nil, 400, "duplicate_member_phone_number_for_member"},
		{"invalid number", members.UpdateParams{MemberID: cyID, MFAPhoneNumber: "0100"}, nil, 400, "invalid_phone_number"},
		{"number of another member", members.UpdateParams{MemberID: cyID, MFAPhoneNumber: phone}, nil, 400, "duplicate_member_phone_number"},
		{"unknown default method", members.UpdateParams{DefaultMFAMethod: "email"}, nil, 400, "invalid_mfa_default_method"},
		{"default method without the factor", members.UpdateParams{DefaultMFAMethod: "totp"}, nil, 400, "default_mfa_member_missing_factor"},
		{"unknown role", members.UpdateParams{Roles: &[]string{"owner"}}, nil, 400, "invalid_rbac_role_id"},
		{"unknown member", members.UpdateParams{MemberID: "member-test-nope", Name: "x"}, nil, 404, "member_not_found"},
		{"admin makes cy an admin", members.UpdateParams{MemberID: cyID, Roles: &[]string{"stytch_admin"}}, admin, 200, ""},
		{"admin may not set trusted metadata", members.UpdateParams{TrustedMetadata: map[string]any{"a": 1}}, admin, 400, "cannot_update_trusted_metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := update(tt.p, tt.auth)
			if tt.wantStatus != 200 {
				wantStytchError(t, err, tt.wantStatus, tt.wantType)
				return
			}
			mustOK(t, err)
		})
	}
	t.Run("a member on itself", func(t *testing.T) {
		bob := e.sessionFor("bob@acme.com", orgID)
		self := &methodoptions.Authorization{SessionToken: bob}
		r, err := update(members.UpdateParams{Name: "Robert", MFAEnrolled: true}, self)
		mustOK(t, err)
		if r.Member.Name != "Robert" || !r.Member.MFAEnrolled {
			t.Errorf("member = %+v", r.Member)
		}
		_, err = update(members.UpdateParams{Roles: &[]string{"stytch_admin"}}, self)
		wantStytchError(t, err, 403, "session_authorization_error")
		_, err = update(members.UpdateParams{MemberID: su.MemberID, Name: "Not Ada"}, self)
		wantStytchError(t, err, 403, "session_authorization_error")
		other := e.signUp("zed@other.com", "Other", "other")
		_, err = update(members.UpdateParams{Name: "x"}, &methodoptions.Authorization{SessionToken: other.SessionToken})
		wantStytchError(t, err, 403, "session_authorization_tenancy_error")
	})
}

// sessionFor signs email into orgID (an organization without MFA) and returns the session token.
func (e *env) sessionFor(email, orgID string) string {
	e.t.Helper()
	ist := e.discover(email).IntermediateSessionToken
	status, body := e.postRaw("/v1/b2b/discovery/intermediate_sessions/exchange",
		map[string]any{"intermediate_session_token": ist, "organization_id": orgID})
	tok, _ := body["session_token"].(string)
	if status != 200 || tok == "" {
		e.t.Fatalf("%d %v", status, body)
	}
	return tok
}

func TestMemberFactorDelete(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, _, orgID, bobID := newAcmeWithBob(t, fixedClock)
	c, a := e.enrollTOTP(orgID, bobID, e.pendingExchange("bob@acme.com", orgID).IntermediateSessionToken)
	_, err := e.client.Organizations.Members.Update(e.ctx, &members.UpdateParams{OrganizationID: orgID, MemberID: bobID, MFAPhoneNumber: phone})
	mustOK(t, err)
	bobSession := &methodoptions.Authorization{SessionToken: a.SessionToken}

	t.Run("another member may not delete bob's TOTP", func(t *testing.T) {
		cyID := invite(t, e, orgID, "cy@acme.com")
		cy := e.pendingExchange("cy@acme.com", orgID)
		_, ca := e.enrollTOTP(orgID, cyID, cy.IntermediateSessionToken)
		_, err := e.client.Organizations.Members.DeleteTOTP(e.ctx, &members.DeleteTOTPParams{OrganizationID: orgID, MemberID: bobID},
			&members.DeleteTOTPRequestOptions{Authorization: methodoptions.Authorization{SessionToken: ca.SessionToken}})
		wantStytchError(t, err, 403, "session_authorization_error")
	})
	d, err := e.client.Organizations.Members.DeleteTOTP(e.ctx, &members.DeleteTOTPParams{OrganizationID: orgID, MemberID: bobID},
		&members.DeleteTOTPRequestOptions{Authorization: *bobSession})
	mustOK(t, err)
	if d.Member.TOTPRegistrationID != "" || d.Member.DefaultMFAMethod != "sms_otp" || d.MemberID != bobID {
		t.Fatalf("member = %+v", d.Member)
	}
	t.Run("TOTP gone: no codes, next sign-in offers only the phone, re-enrolment works", func(t *testing.T) {
		_, err := e.client.RecoveryCodes.Get(e.ctx, &recoverycodes.GetParams{OrganizationID: orgID, MemberID: bobID})
		wantStytchError(t, err, 400, "no_active_recovery_code_backed_factor")
		_, err = e.client.Organizations.Members.DeleteTOTP(e.ctx, &members.DeleteTOTPParams{OrganizationID: orgID, MemberID: bobID})
		wantStytchError(t, err, 404, "totp_not_found")
		p := e.pendingExchange("bob@acme.com", orgID)
		if o := p.MFARequired.MemberOptions; o == nil || o.TOTPRegistrationID != "" || o.MFAPhoneNumber != phone || p.MFARequired.SecondaryAuthInitiated != "sms_otp" {
			t.Errorf("mfa_required = %+v", p.MFARequired)
		}
		c2, err := e.client.TOTPs.Create(e.ctx, &totps.CreateParams{OrganizationID: orgID, MemberID: bobID, SessionToken: a.SessionToken})
		mustOK(t, err)
		if c2.Secret == c.Secret {
			t.Error("same secret")
		}
	})
	t.Run("delete the phone", func(t *testing.T) {
		d, err := e.client.Organizations.Members.DeleteMFAPhoneNumber(e.ctx, &members.DeleteMFAPhoneNumberParams{OrganizationID: orgID, MemberID: bobID},
			&members.DeleteMFAPhoneNumberRequestOptions{Authorization: *bobSession})
		mustOK(t, err)
		if d.Member.MFAPhoneNumber != "" || d.Member.MFAPhoneNumberVerified || d.Member.DefaultMFAMethod != "" {
			t.Fatalf("member = %+v", d.Member)
		}
		_, err = e.client.Organizations.Members.DeleteMFAPhoneNumber(e.ctx, &members.DeleteMFAPhoneNumberParams{OrganizationID: orgID, MemberID: bobID})
		wantStytchError(t, err, 404, "member_phone_number_not_found")
		_, err = e.client.Organizations.Members.DeleteMFAPhoneNumber(e.ctx, &members.DeleteMFAPhoneNumberParams{OrganizationID: orgID, MemberID: "member-test-nope"})
		wantStytchError(t, err, 404, "member_not_found")
	})
	t.Run("the session keeps its TOTP factor", func(t *testing.T) {
		if got := factorTypes(a.MemberSession.AuthenticationFactors); got != "magic_link,totp" {
			t.Errorf("factors = %s", got)
		}
		status, _ := e.postRaw("/v1/b2b/sessions/authenticate", map[string]any{"session_token": a.SessionToken})
		if status != 200 {
			t.Errorf("session ended: %d", status)
		}
	})
	t.Run("unknown factor path", func(t *testing.T) {
		status, body := e.raw("DELETE", "/v1/b2b/organizations/"+orgID+"/members/"+bobID+"/password", nil)
		if status != 404 || body["error_type"] != "route_not_found" {
			t.Errorf("%d %v", status, body)
		}
	})
}
