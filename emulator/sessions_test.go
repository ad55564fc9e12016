package emulator_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
)

// authSession authenticates a session (by token or JWT, with the options p gives).
func (e *env) authSession(p *sessions.AuthenticateParams) (*sessions.AuthenticateResponse, error) {
	return e.client.Sessions.Authenticate(e.ctx, p)
}

func TestSessionsAuthenticate(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	su := e.signUp("ada@acme.com", "Acme", "acme")

	t.Run("by token", func(t *testing.T) {
		resp, err := e.authSession(&sessions.AuthenticateParams{SessionToken: su.SessionToken})
		mustOK(t, err)
		if resp.SessionToken != su.SessionToken || resp.SessionJWT == "" || resp.Member.MemberID != su.MemberID ||
			resp.Organization.OrganizationSlug != "acme" || resp.MemberSession.MemberSessionID != su.MemberSession.MemberSessionID {
			t.Fatalf("resp = %+v", resp)
		}
		if got := strings.Join(resp.MemberSession.Roles, ","); got != "stytch_member,stytch_admin" {
			t.Errorf("roles = %s", got)
		}
	})
	t.Run("by JWT remotely", func(t *testing.T) {
		resp, err := e.authSession(&sessions.AuthenticateParams{SessionJWT: su.SessionJWT})
		mustOK(t, err)
		if resp.SessionToken != su.SessionToken || resp.Member.MemberID != su.MemberID {
			t.Fatalf("resp = %+v", resp)
		}
	})
	t.Run("JWT verified locally by the SDK", func(t *testing.T) {
		ms, err := e.client.Sessions.AuthenticateJWTLocal(e.ctx, su.SessionJWT, time.Minute, nil)
		mustOK(t, err)
		if ms.MemberID != su.MemberID || ms.OrganizationID != su.Organization.OrganizationID || ms.MemberSessionID != su.MemberSession.MemberSessionID {
			t.Fatalf("local session = %+v", ms)
		}
		before := e.emu.Calls()["POST /v1/b2b/sessions/authenticate"]
		resp, err := e.client.Sessions.AuthenticateJWT(e.ctx, &sessions.AuthenticateJWTParams{
			MaxTokenAge: time.Minute, Body: &sessions.AuthenticateParams{SessionJWT: su.SessionJWT}})
		mustOK(t, err)
		if resp.MemberSession.MemberID != su.MemberID {
			t.Errorf("AuthenticateJWT = %+v", resp)
		}
		if after := e.emu.Calls()["POST /v1/b2b/sessions/authenticate"]; after != before {
			t.Errorf("AuthenticateJWT with MaxTokenAge went remote (%d -> %d calls)", before, after)
		}
	})
	t.Run("exp-expired JWT refreshed remotely", func(t *testing.T) {
		// The JWT lives 5 minutes; the session 60. Past the JWT's exp the SDK's local check fails
		// and AuthenticateJWT falls back to the API, which returns a fresh JWT.
		e.emu.Advance(6 * time.Minute)
		resp, err := e.authSession(&sessions.AuthenticateParams{SessionJWT: su.SessionJWT})
		mustOK(t, err)
		if resp.SessionJWT == su.SessionJWT || resp.SessionJWT == "" {
			t.Fatalf("no fresh JWT")
		}
	})
}

func TestSessionJWTClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	su := e.signUp("ada@acme.com", "Acme", "acme")
	claims := jwt.MapClaims{}
	tok, _, err := jwt.NewParser().ParseUnverified(su.SessionJWT, claims)
	mustOK(t, err)
	if tok.Header["alg"] != "RS256" || tok.Header["typ"] != "JWT" || !strings.HasPrefix(tok.Header["kid"].(string), "jwk-test-") {
		t.Errorf("header = %v", tok.Header)
	}
	iat, _ := claims.GetIssuedAt()
	exp, _ := claims.GetExpirationTime()
	if iat == nil || exp == nil || exp.Sub(iat.Time) != 5*time.Minute {
		t.Errorf("iat/exp = %v/%v", iat, exp)
	}
	if claims["iss"] != "stytch.com/"+projectID || claims["sub"] != su.MemberID {
		t.Errorf("iss/sub = %v/%v", claims["iss"], claims["sub"])
	}
	org := claims["https://stytch.com/organization"].(map[string]any)
	if org["organization_id"] != su.Organization.OrganizationID || org["slug"] != "acme" {
		t.Errorf("org claim = %v", org)
	}
	sess := claims["https://stytch.com/session"].(map[string]any)
	for _, k := range []string{"id", "started_at", "last_accessed_at", "expires_at", "attributes", "authentication_factors", "roles"} {
		if _, ok := sess[k]; !ok {
			t.Errorf("session claim lacks %s", k)
		}
	}
}

func TestSessionsAuthenticateParams(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some extend the session.
	e := newEnv(t)
	su := e.signUp("ada@acme.com", "Acme", "acme")

	t.Run("custom claims and extension", func(t *testing.T) {
		resp, err := e.authSession(&sessions.AuthenticateParams{SessionToken: su.SessionToken, SessionDurationMinutes: 120,
			SessionCustomClaims: map[string]any{"plan": "pro"}})
		mustOK(t, err)
		if resp.MemberSession.CustomClaims["plan"] != "pro" || resp.MemberSession.ExpiresAt.Sub(*resp.MemberSession.LastAccessedAt) != 120*time.Minute {
			t.Errorf("member_session = %+v", resp.MemberSession)
		}
		claims := jwt.MapClaims{}
		_, _, err = jwt.NewParser().ParseUnverified(resp.SessionJWT, claims)
		mustOK(t, err)
		if claims["plan"] != "pro" {
			t.Errorf("custom claim not in JWT")
		}
	})
	t.Run("authorization_check", func(t *testing.T) {
		resp, err := e.authSession(&sessions.AuthenticateParams{SessionToken: su.SessionToken, AuthorizationCheck: &sessions.AuthorizationCheck{
			OrganizationID: su.Organization.OrganizationID, ResourceID: "stytch.organization", Action: "update.info.name"}})
		mustOK(t, err)
		if resp.Verdict == nil || !resp.Verdict.Authorized {
			t.Errorf("verdict = %+v", resp.Verdict)
		}
		_, err = e.authSession(&sessions.AuthenticateParams{SessionToken: su.SessionToken, AuthorizationCheck: &sessions.AuthorizationCheck{
			OrganizationID: "organization-test-other", ResourceID: "stytch.organization", Action: "update.info.name"}})
		wantStytchError(t, err, 403, "session_authorization_tenancy_error")
	})

	tests := []struct {
		name   string
		p      sessions.AuthenticateParams
		status int
		typ    string
	}{
		{"unknown token", sessions.AuthenticateParams{SessionToken: "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q"}, 404, "session_not_found"},
		{"neither", sessions.AuthenticateParams{}, 400, "no_session_arguments"},
		{"both", sessions.AuthenticateParams{SessionToken: "a", SessionJWT: "b"}, 400, "too_many_session_arguments"},
		{"garbage JWT", sessions.AuthenticateParams{SessionJWT: "not.a.jwt"}, 401, "unable_to_parse_session_jwt"},
		{"duration too short", sessions.AuthenticateParams{SessionToken: su.SessionToken, SessionDurationMinutes: 4}, 400, "invalid_session_duration_minutes"},
		{"duration too long", sessions.AuthenticateParams{SessionToken: su.SessionToken, SessionDurationMinutes: 527041}, 400, "invalid_session_duration_minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.authSession(&tt.p)
			wantStytchError(t, err, tt.status, tt.typ)
		})
	}
	t.Run("duration bounds inclusive", func(t *testing.T) {
		for _, mins := range []int32{5, 527040} {
			_, err := e.authSession(&sessions.AuthenticateParams{SessionToken: su.SessionToken, SessionDurationMinutes: mins})
			mustOK(t, err)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	su := e.signUp("ada@acme.com", "Acme", "acme")
	e.emu.Advance(59 * time.Minute)
	_, err := e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionToken: su.SessionToken})
	mustOK(t, err) // without session_duration_minutes the session is not extended
	e.emu.Advance(2 * time.Minute)
	_, err = e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionToken: su.SessionToken})
	wantStytchError(t, err, 404, "session_not_found")
	_, err = e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionJWT: su.SessionJWT})
	wantStytchError(t, err, 404, "session_not_found")
}

func TestSessionsRevoke(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	revoke := func(p *sessions.RevokeParams) error {
		_, err := e.client.Sessions.Revoke(e.ctx, p)
		return err
	}
	for _, tc := range []struct {
		name string
		p    func(*dorgs.CreateResponse) *sessions.RevokeParams
	}{
		{"by token", func(s *dorgs.CreateResponse) *sessions.RevokeParams {
			return &sessions.RevokeParams{SessionToken: s.SessionToken}
		}},
		{"by JWT", func(s *dorgs.CreateResponse) *sessions.RevokeParams {
			return &sessions.RevokeParams{SessionJWT: s.SessionJWT}
		}},
		{"by id", func(s *dorgs.CreateResponse) *sessions.RevokeParams {
			return &sessions.RevokeParams{MemberSessionID: s.MemberSession.MemberSessionID}
		}},
		{"all of member", func(s *dorgs.CreateResponse) *sessions.RevokeParams {
			return &sessions.RevokeParams{MemberID: s.MemberID}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			su := e.signUp("ada@acme.com", "Acme", "")
			mustOK(t, revoke(tc.p(su)))
			_, err := e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionToken: su.SessionToken})
			wantStytchError(t, err, 404, "session_not_found")
			_, err = e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionJWT: su.SessionJWT})
			wantStytchError(t, err, 404, "session_not_found")
		})
	}
	t.Run("again", func(t *testing.T) {
		su := e.signUp("bob@acme.com", "Bob", "bob")
		mustOK(t, revoke(&sessions.RevokeParams{SessionToken: su.SessionToken}))
		wantStytchError(t, revoke(&sessions.RevokeParams{SessionToken: su.SessionToken}), 404, "session_not_found")
	})
	t.Run("argument errors", func(t *testing.T) {
		wantStytchError(t, revoke(&sessions.RevokeParams{}), 400, "no_session_revoke_arguments")
		wantStytchError(t, revoke(&sessions.RevokeParams{SessionToken: "a", MemberID: "b"}), 400, "too_many_session_revoke_arguments")
	})
}

func TestSessionsExchange(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	a := e.signUp("ada@acme.com", "Acme", "acme")
	b := e.signUp("ada@acme.com", "Beta", "beta")
	z := e.signUp("zed@zed.io", "Zed", "zed")
	invitedOrg := z.Organization.OrganizationID
	invite(t, e, invitedOrg, "ada@acme.com")

	exchange := func(p *sessions.ExchangeParams) (*sessions.ExchangeResponse, error) {
		return e.client.Sessions.Exchange(e.ctx, p)
	}
	t.Run("switch org", func(t *testing.T) {
		resp, err := exchange(&sessions.ExchangeParams{SessionToken: a.SessionToken, OrganizationID: b.Organization.OrganizationID})
		mustOK(t, err)
		if resp.Organization.OrganizationID != b.Organization.OrganizationID || resp.MemberID != b.MemberID ||
			resp.SessionToken == a.SessionToken || !resp.MemberAuthenticated {
			t.Fatalf("resp = %+v", resp)
		}
		if len(resp.MemberSession.AuthenticationFactors) != 1 {
			t.Errorf("factors not carried over: %+v", resp.MemberSession.AuthenticationFactors)
		}
		// The source session stays valid (documented choice).
		_, err = e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionToken: a.SessionToken})
		mustOK(t, err)
	})
	t.Run("accepts invite", func(t *testing.T) {
		resp, err := exchange(&sessions.ExchangeParams{SessionJWT: a.SessionJWT, OrganizationID: invitedOrg})
		mustOK(t, err)
		if resp.Member.Status != "active" {
			t.Errorf("status = %s", resp.Member.Status)
		}
	})
	t.Run("no membership", func(t *testing.T) {
		other := e.signUp("yan@yan.io", "Yan", "yan")
		_, err := exchange(&sessions.ExchangeParams{SessionToken: a.SessionToken, OrganizationID: other.Organization.OrganizationID})
		wantStytchError(t, err, 404, "member_not_found")
	})
	t.Run("unknown org", func(t *testing.T) {
		_, err := exchange(&sessions.ExchangeParams{SessionToken: a.SessionToken, OrganizationID: "organization-test-x"})
		wantStytchError(t, err, 404, "organization_not_found")
	})
	t.Run("unknown session", func(t *testing.T) {
		_, err := exchange(&sessions.ExchangeParams{SessionToken: "nope", OrganizationID: b.Organization.OrganizationID})
		wantStytchError(t, err, 404, "session_not_found")
	})
}

func TestJWKSAndCredentials(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	t.Run("JWKS without auth", func(t *testing.T) {
		var body struct {
			Keys []map[string]any `json:"keys"`
		}
		resp := e.getJSON("/v1/b2b/sessions/jwks/"+projectID, &body)
		if resp.StatusCode != 200 || len(body.Keys) != 1 || body.Keys[0]["alg"] != "RS256" || body.Keys[0]["use"] != "sig" {
			t.Fatalf("status %d, keys %v", resp.StatusCode, body.Keys)
		}
		got, err := e.client.Sessions.GetJWKS(e.ctx, &sessions.GetJWKSParams{ProjectID: projectID})
		mustOK(t, err)
		if len(got.Keys) != 1 || got.Keys[0].Kid != body.Keys[0]["kid"] {
			t.Errorf("SDK JWKS = %+v", got.Keys)
		}
	})
	t.Run("JWKS wrong project", func(t *testing.T) {
		if resp := e.getJSON("/v1/b2b/sessions/jwks/project-test-other", nil); resp.StatusCode != 404 {
			t.Errorf("status = %d", resp.StatusCode)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		bad := newClient(t, e.srv.URL, "secret-test-wrong")
		_, err := bad.MagicLinks.Email.Discovery.Send(e.ctx, &emaildiscovery.SendParams{EmailAddress: "a@acme.com", DiscoveryRedirectURL: redirect})
		wantStytchError(t, err, 401, "unauthorized_credentials")
	})
	t.Run("missing authorization header", func(t *testing.T) {
		resp, err := http.Post(e.srv.URL+"/v1/b2b/sessions/authenticate", "application/json", strings.NewReader(`{}`))
		mustOK(t, err)
		defer resp.Body.Close()
		var body map[string]any
		mustOK(t, json.NewDecoder(resp.Body).Decode(&body))
		if resp.StatusCode != 400 || body["error_type"] != "invalid_authorization_header" {
			t.Fatalf("status %d body %v", resp.StatusCode, body)
		}
		for _, k := range []string{"status_code", "request_id", "error_type", "error_message", "error_url"} {
			if _, ok := body[k]; !ok {
				t.Errorf("error body lacks %s", k)
			}
		}
		if body["error_url"] != "https://stytch.com/docs/api/errors/400#invalid_authorization_header" {
			t.Errorf("error_url = %v", body["error_url"])
		}
	})
	t.Run("malformed JSON and unknown fields", func(t *testing.T) {
		post := func(body string) int {
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/v1/b2b/magic_links/email/discovery/send", strings.NewReader(body))
			req.SetBasicAuth(projectID, secret)
			resp, err := http.DefaultClient.Do(req)
			mustOK(t, err)
			resp.Body.Close()
			return resp.StatusCode
		}
		if got := post(`{"email_address":`); got != 400 {
			t.Errorf("malformed JSON: %d", got)
		}
		if got := post(`{"email_address":"u@acme.com","discovery_redirect_url":"` + redirect + `","discovery_expiration_minutes":5,"new_field":{"x":1}}`); got != 200 {
			t.Errorf("unknown fields: %d", got)
		}
	})
	t.Run("calls counted", func(t *testing.T) {
		calls := e.emu.Calls()
		if calls["GET /v1/b2b/sessions/jwks/{project_id}"] < 2 || calls["POST /v1/b2b/magic_links/email/discovery/send"] < 2 {
			t.Errorf("calls = %v", calls)
		}
		var fromDev map[string]int
		e.getJSON("/dev/calls.json", &fromDev)
		if fromDev["GET /v1/b2b/sessions/jwks/{project_id}"] != calls["GET /v1/b2b/sessions/jwks/{project_id}"] {
			t.Errorf("/dev/calls.json = %v", fromDev)
		}
	})
}

func TestDevClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var before, after map[string]string
	e.getJSON("/dev/clock", &before)
	resp, err := http.PostForm(e.srv.URL+"/dev/clock", map[string][]string{"advance": {"61m"}})
	mustOK(t, err)
	defer resp.Body.Close()
	mustOK(t, json.NewDecoder(resp.Body).Decode(&after))
	b, _ := time.Parse(time.RFC3339, before["now"])
	a, _ := time.Parse(time.RFC3339, after["now"])
	if resp.StatusCode != 200 || a.Sub(b) < 61*time.Minute {
		t.Fatalf("status %d, before %v after %v", resp.StatusCode, before, after)
	}
	bad, err := http.Post(e.srv.URL+"/dev/clock?advance=soon", "", nil)
	mustOK(t, err)
	bad.Body.Close()
	if bad.StatusCode != 400 {
		t.Errorf("bad advance: %d", bad.StatusCode)
	}
}
