package emulator_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orgpick/orgpick/emulator"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/totps"
	consumersessions "github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
)

// fixedClock freezes the emulator's clock 5 s into a TOTP step; only Advance moves it.
func fixedClock(c *emulator.Config) {
	t0 := time.Now().UTC().Truncate(30 * time.Second).Add(5 * time.Second)
	c.Now = func() time.Time { return t0 }
}

// mfaOrg signs admin up to a new organization and then requires MFA of everyone (so the
// admin's own session predates the policy).
func (e *env) mfaOrg(admin, slug string) *dorgs.CreateResponse {
	e.t.Helper()
	su := e.signUp(admin, slug, slug)
	_, err := e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{
		OrganizationID: su.Organization.OrganizationID, MFAPolicy: "REQUIRED_FOR_ALL"})
	mustOK(e.t, err)
	return su
}

// newAcmeWithBob is the usual MFA setup: organization acme requires MFA, ada@acme.com is its
// admin (su) and bob@acme.com an invited member.
func newAcmeWithBob(t *testing.T, opts ...func(*emulator.Config)) (e *env, su *dorgs.CreateResponse, orgID, bobID string) {
	t.Helper()
	e = newEnv(t, opts...)
	su = e.mfaOrg("ada@acme.com", "acme")
	orgID = su.Organization.OrganizationID
	return e, su, orgID, invite(t, e, orgID, "bob@acme.com")
}

// pendingExchange discovers email and exchanges its IST for orgID, expecting MFA to be pending.
func (e *env) pendingExchange(email, orgID string) *intermediatesessions.ExchangeResponse {
	e.t.Helper()
	ist := e.discover(email).IntermediateSessionToken
	resp, err := e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: ist, OrganizationID: orgID})
	mustOK(e.t, err)
	if resp.MemberAuthenticated || resp.MFARequired == nil || resp.IntermediateSessionToken == "" || resp.SessionToken != "" {
		e.t.Fatalf("exchange did not leave MFA pending: %+v", resp)
	}
	return resp
}

// totpNow is the code of secret on the emulator's clock.
func (e *env) totpNow(secret string) string { return emulator.TOTPCode(secret, e.emu.Now()) }

// wrongTOTP is a 6-digit code no step within two of now produces.
func (e *env) wrongTOTP(secret string) string {
	near := map[string]bool{}
	for i := -2; i <= 2; i++ {
		near[emulator.TOTPCode(secret, e.emu.Now().Add(time.Duration(i)*30*time.Second))] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333", "444444", "555555"} {
		if !near[c] {
			return c
		}
	}
	e.t.Fatal("no wrong code found")
	return ""
}

// enrollTOTP creates a TOTP registration with ist and confirms it; it returns both responses.
func (e *env) enrollTOTP(orgID, memberID, ist string) (*totps.CreateResponse, *totps.AuthenticateResponse) {
	e.t.Helper()
	c, err := e.client.TOTPs.Create(e.ctx, &totps.CreateParams{OrganizationID: orgID, MemberID: memberID, IntermediateSessionToken: ist})
	mustOK(e.t, err)
	a, err := e.client.TOTPs.Authenticate(e.ctx, &totps.AuthenticateParams{OrganizationID: orgID, MemberID: memberID,
		IntermediateSessionToken: ist, Code: e.totpNow(c.Secret)})
	mustOK(e.t, err)
	return c, a
}

// lastSMS returns the newest text message to phone.
func (e *env) lastSMS(phone string) emulator.Message {
	e.t.Helper()
	msgs, err := e.emu.Mailbox(e.ctx, phone)
	mustOK(e.t, err)
	if len(msgs) == 0 || msgs[0].Kind != "sms" {
		e.t.Fatalf("no text message to %s: %+v", phone, msgs)
	}
	return msgs[0]
}

// smsCount is how many text messages went to phone.
func (e *env) smsCount(phone string) int {
	e.t.Helper()
	msgs, err := e.emu.Mailbox(e.ctx, phone)
	mustOK(e.t, err)
	return len(msgs)
}

// postRaw POSTs a JSON body to the API with the project's credentials and decodes the answer.
func (e *env) postRaw(path string, body any) (int, map[string]any) {
	e.t.Helper()
	return e.raw(http.MethodPost, path, body)
}

// factorTypes lists a session's factor types, e.g. "magic_link,totp".
func factorTypes(fs []consumersessions.AuthenticationFactor) string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, string(f.Type))
	}
	return strings.Join(out, ",")
}

// jwtFactorTypes lists the factor types of a session JWT's session claim.
func jwtFactorTypes(t *testing.T, jwt string) string {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	var claims struct {
		Session struct {
			Factors []struct {
				Type string `json:"type"`
			} `json:"authentication_factors"`
		} `json:"https://stytch.com/session"`
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	mustOK(t, err)
	mustOK(t, json.Unmarshal(raw, &claims))
	out := []string{}
	for _, f := range claims.Session.Factors {
		out = append(out, f.Type)
	}
	return strings.Join(out, ",")
}
