package emulator_test

import (
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	otpemail "github.com/stytchauth/stytch-go/v16/stytch/b2b/otp/email"
)

// An organization's own email code, through the SDK: an active member gets a login code that
// signs straight into the organization (factor email_otp), once; a wrong code counts; a new
// address joins only by the organization's email domain (a sign-up code, pending until the
// code); an organization restricted to SSO answers the primary step instead of a session.
func TestEmailOTPOrganization(t *testing.T) {
	t.Parallel()
	e, acme, orgID := newAcme(t)
	send := func(addr string) (string, error) {
		_, err := e.client.OTPs.Email.LoginOrSignup(e.ctx, &otpemail.LoginOrSignupParams{OrganizationID: orgID, EmailAddress: addr})
		if err != nil {
			return "", err
		}
		msgs, err := e.emu.Mailbox(e.ctx, addr)
		mustOK(t, err)
		return msgs[0].Code, nil
	}
	auth := func(addr, code string) (*otpemail.AuthenticateResponse, error) {
		return e.client.OTPs.Email.Authenticate(e.ctx, &otpemail.AuthenticateParams{OrganizationID: orgID, EmailAddress: addr, Code: code})
	}

	code, err := send("ada@acme.com")
	mustOK(t, err)
	msgs, _ := e.emu.Mailbox(e.ctx, "ada@acme.com")
	if msgs[0].Kind != "login_otp" || msgs[0].OrganizationID != orgID || len(code) != 6 {
		t.Fatalf("mail = %+v", msgs[0])
	}
	_, err = auth("ada@acme.com", otherCode(code))
	wantStytchError(t, err, 404, "otp_code_not_found")
	resp, err := auth("ada@acme.com", code)
	mustOK(t, err)
	if !resp.MemberAuthenticated || resp.SessionToken == "" || resp.OrganizationID != orgID || resp.MemberID != acme.Member.MemberID {
		t.Fatalf("authenticate = %+v", resp)
	}
	if f := resp.MemberSession.AuthenticationFactors; len(f) != 1 || f[0].Type != "email_otp" {
		t.Fatalf("factors = %+v", f)
	}
	_, err = auth("ada@acme.com", code)
	wantStytchError(t, err, 401, "unable_to_auth_otp_code")
	// A discovery code is another code.
	_, err = auth("ada@acme.com", e.sendCode("ada@acme.com"))
	wantStytchError(t, err, 401, "unable_to_auth_otp_code")

	// A new address: refused without email JIT; with it, a sign-up code.
	_, err = send("bo@acme.com")
	wantStytchError(t, err, 403, "email_jit_provisioning_not_allowed")
	_, err = e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID, EmailAllowedDomains: []string{"acme.com"}, EmailJITProvisioning: "RESTRICTED"})
	mustOK(t, err)
	code, err = send("bo@acme.com")
	mustOK(t, err)
	if msgs, _ := e.emu.Mailbox(e.ctx, "bo@acme.com"); msgs[0].Kind != "signup_otp" {
		t.Fatalf("new address mail kind %q", msgs[0].Kind)
	}
	resp, err = auth("bo@acme.com", code)
	mustOK(t, err)
	if resp.Member.Status != "active" || !resp.Member.EmailAddressVerified {
		t.Fatalf("new member = %+v", resp.Member)
	}

	// Restricted to SSO: the code is a primary factor the organization doesn't accept.
	_, err = e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID, AuthMethods: "RESTRICTED", AllowedAuthMethods: []string{"sso"}})
	mustOK(t, err)
	code, err = send("ada@acme.com")
	mustOK(t, err)
	resp, err = auth("ada@acme.com", code)
	mustOK(t, err)
	if resp.MemberAuthenticated || resp.IntermediateSessionToken == "" {
		t.Fatalf("restricted organization answered a session: %+v", resp)
	}
}
