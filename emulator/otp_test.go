package emulator_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgpick/orgpick/emulator"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	otpdiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/otp/email/discovery"
)

// sendCode sends a discovery email code and returns it from the mailbox.
func (e *env) sendCode(addr string) string {
	e.t.Helper()
	_, err := e.client.OTPs.Email.Discovery.Send(e.ctx, &otpdiscovery.SendParams{EmailAddress: addr})
	mustOK(e.t, err)
	msgs, err := e.emu.Mailbox(e.ctx, addr)
	mustOK(e.t, err)
	if len(msgs) == 0 || msgs[0].Kind != "discovery_otp" || msgs[0].Link != "" {
		e.t.Fatalf("mail = %+v", msgs)
	}
	return msgs[0].Code
}

func (e *env) authCode(addr, code string) (*otpdiscovery.AuthenticateResponse, error) {
	return e.client.OTPs.Email.Discovery.Authenticate(e.ctx, &otpdiscovery.AuthenticateParams{EmailAddress: addr, Code: code})
}

// otherCode is a well-formed code different from code.
func otherCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func TestEmailOTPDiscovery(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	acme := e.signUp("ada@acme.com", "Acme", "acme")

	code := e.sendCode("ADA@acme.com")
	if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(code) {
		t.Fatalf("code = %q", code)
	}
	var box []map[string]any
	e.getJSON("/dev/mailbox.json?to=ada@acme.com", &box)
	if box[0]["kind"] != "discovery_otp" || box[0]["code"] != code {
		t.Errorf("mailbox.json = %v", box[0])
	}
	_, html := e.getText("/dev/mailbox?to=ada@acme.com")
	if !strings.Contains(html, `data-testid="message-code">`+code+`<`) || !strings.Contains(html, ">Sign-in code</span>") {
		t.Errorf("mailbox page does not show the code:\n%s", html)
	}
	_, err := e.authCode("ada@acme.com", otherCode(code))
	wantStytchError(t, err, 404, "otp_code_not_found")
	resp, err := e.authCode("Ada@Acme.com", code) // a wrong try doesn't spend the code
	mustOK(t, err)
	if resp.EmailAddress != "ada@acme.com" || memberships(resp.DiscoveredOrganizations)[acme.Organization.OrganizationID] != "active_member" {
		t.Fatalf("discovery = %+v", resp)
	}
	_, err = e.authCode("ada@acme.com", code)
	wantStytchError(t, err, 401, "unable_to_auth_otp_code")

	ex, err := e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: resp.IntermediateSessionToken, OrganizationID: acme.Organization.OrganizationID})
	mustOK(t, err)
	if f := ex.MemberSession.AuthenticationFactors; len(f) != 1 || f[0].Type != "email_otp" || f[0].DeliveryMethod != "email" ||
		f[0].EmailFactor == nil || f[0].EmailFactor.EmailAddress != "ada@acme.com" {
		t.Errorf("factors = %+v", f)
	}

	t.Run("errors", func(t *testing.T) {
		_, err := e.authCode("never@acme.com", "123456")
		wantStytchError(t, err, 404, "otp_code_not_found")
		_, err = e.authCode("ada@acme.com", "12ab")
		wantStytchError(t, err, 400, "invalid_code")
		_, err = e.client.OTPs.Email.Discovery.Send(e.ctx, &otpdiscovery.SendParams{EmailAddress: "nope"})
		wantStytchError(t, err, 400, "invalid_email")
		status, body := e.raw("POST", "/v1/b2b/otps/email/discovery/send", map[string]any{"email_address": "a@acme.com", "discovery_expiration_minutes": 16})
		if status != 400 || body["error_type"] != "invalid_expiration_otp" {
			t.Errorf("expiration 16: %d %v", status, body["error_type"])
		}
	})
	t.Run("a new code replaces the old one", func(t *testing.T) {
		old := e.sendCode("bo@beta.io")
		newer := e.sendCode("bo@beta.io")
		if old != newer {
			_, err := e.authCode("bo@beta.io", old)
			wantStytchError(t, err, 404, "otp_code_not_found")
		}
		_, err := e.authCode("bo@beta.io", newer)
		mustOK(t, err)
	})
	t.Run("attempt limit", func(t *testing.T) {
		code := e.sendCode("cy@beta.io")
		for range 5 {
			_, err := e.authCode("cy@beta.io", otherCode(code))
			wantStytchError(t, err, 404, "otp_code_not_found")
		}
		_, err := e.authCode("cy@beta.io", code)
		wantStytchError(t, err, 401, "unable_to_auth_otp_code")
	})
	t.Run("lifetime", func(t *testing.T) {
		code := e.sendCode("di@beta.io")
		e.emu.Advance(10*time.Minute + time.Second)
		_, err := e.authCode("di@beta.io", code)
		wantStytchError(t, err, 401, "unable_to_auth_otp_code")
	})
}

func TestEmailOTPRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *emulator.Config) { c.DisableEmailRateLimit, c.EmailRateBurst = false, 1 })
	e.sendCode("ada@acme.com")
	_, err := e.client.OTPs.Email.Discovery.Send(e.ctx, &otpdiscovery.SendParams{EmailAddress: "ada@acme.com"})
	wantStytchError(t, err, 429, "too_many_requests")
}
