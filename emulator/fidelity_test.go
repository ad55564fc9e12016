package emulator_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/orgpick/orgpick/emulator"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	mldiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
)

// raw calls the API without the SDK (for fields v16 cannot send or read) and returns the
// status and the decoded JSON body.
func (e *env) raw(method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		mustOK(e.t, err)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.srv.URL+path, rd)
	mustOK(e.t, err)
	req.SetBasicAuth(projectID, secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	mustOK(e.t, err)
	defer resp.Body.Close()
	out := map[string]any{}
	mustOK(e.t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func TestCommonEmailDomains(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	org := e.signUp("ada@acme.com", "Acme", "acme").Organization.OrganizationID
	refused := []string{"gmail.com", "aol.com", "yahoo.com", "icloud.com", "hotmail.com", "msn.com", "comcast.net",
		"live.com", "outlook.com", "att.net", "earthlink.net", "me.com", "mac.com", "sbcglobal.net", "verizon.net",
		"hey.com", "laposte.net", "wanadoo.fr", "googlemail.com", "orange.fr", "rediffmail.com", "uol.com.br",
		"bol.com.br", "free.fr", "gmx.de", "gmx.net", "yandex.ru", "ymail.com", "libero.it", "yahoo.co.jp",
		"hotmail.co.uk", "mail.yahoo.co.jp"}
	for _, d := range refused {
		t.Run("refuses "+d, func(t *testing.T) {
			_, err := e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: org, EmailAllowedDomains: []string{d}})
			wantStytchError(t, err, 400, "organization_settings_domain_too_common")
			if !emulator.CommonEmailDomain(d) {
				t.Errorf("CommonEmailDomain(%q) = false", d)
			}
		})
	}
	for _, d := range []string{"protonmail.com", "zoho.com", "qq.com", "fastmail.com", "web.de", "mail.com", "acme.co.jp"} {
		t.Run("accepts "+d, func(t *testing.T) {
			_, err := e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: org, EmailAllowedDomains: []string{d}})
			mustOK(t, err)
		})
	}
	t.Run("default organization name", func(t *testing.T) {
		for email, want := range map[string]string{"ada.l@gmx.de": "ada.l", "grace@eng.initech.co.uk": "initech", "al@uol.com.br": "al"} {
			ist := e.discover(email).IntermediateSessionToken
			resp, err := e.client.Discovery.Organizations.Create(e.ctx, &dorgs.CreateParams{IntermediateSessionToken: ist})
			mustOK(t, err)
			if resp.Organization.OrganizationName != want {
				t.Errorf("%s: name = %q, want %q", email, resp.Organization.OrganizationName, want)
			}
		}
	})
}

func TestOrganizationRules(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	create := func(email string, mod func(*dorgs.CreateParams)) (*dorgs.CreateResponse, error) {
		p := &dorgs.CreateParams{IntermediateSessionToken: e.discover(email).IntermediateSessionToken}
		mod(p)
		return e.client.Discovery.Organizations.Create(e.ctx, p)
	}
	t.Run("email_invites defaults", func(t *testing.T) {
		for i, c := range []struct {
			name string
			mod  func(*dorgs.CreateParams)
			want string
		}{
			{"no auth settings", func(*dorgs.CreateParams) {}, "ALL_ALLOWED"},
			{"some auth settings", func(p *dorgs.CreateParams) { p.EmailJITProvisioning = "NOT_ALLOWED" }, "NOT_ALLOWED"},
			{"explicit with other fields", func(p *dorgs.CreateParams) { p.MFAPolicy = "OPTIONAL"; p.EmailInvites = "RESTRICTED" }, "RESTRICTED"},
		} {
			name := c.name
			resp, err := create(fmt.Sprintf("ada@org%d.io", i), c.mod)
			mustOK(t, err)
			if got := resp.Organization.EmailInvites; got != c.want {
				t.Errorf("%s: email_invites = %s, want %s", name, got, c.want)
			}
		}
	})
	org := e.signUp("bo@acme.com", "Acme", "acme").Organization.OrganizationID
	update := func(p organizations.UpdateParams) error {
		p.OrganizationID = org
		_, err := e.client.Organizations.Update(e.ctx, &p)
		return err
	}
	t.Run("restricted auth methods", func(t *testing.T) {
		_, err := create("cy@restricted.io", func(p *dorgs.CreateParams) { p.AuthMethods = "RESTRICTED" })
		wantStytchError(t, err, 400, "allowed_auth_methods_required_for_restricted")
		wantStytchError(t, update(organizations.UpdateParams{AuthMethods: "RESTRICTED"}), 400, "allowed_auth_methods_required_for_restricted")
		wantStytchError(t, update(organizations.UpdateParams{AuthMethods: "RESTRICTED", AllowedAuthMethods: []string{"carrier_pigeon"}}), 400, "invalid_organization_allowed_auth_methods")
		mustOK(t, update(organizations.UpdateParams{AuthMethods: "RESTRICTED", AllowedAuthMethods: []string{"magic_link", "google_oauth"}}))
	})
	t.Run("duplicate domains", func(t *testing.T) {
		wantStytchError(t, update(organizations.UpdateParams{EmailAllowedDomains: []string{"acme.com", "ACME.com"}}), 400, "organization_settings_duplicate_domain")
	})
}

func TestLinkExpirationMinutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, mins := range []int{4, 10081} {
		status, body := e.raw("POST", "/v1/b2b/magic_links/email/discovery/send",
			map[string]any{"email_address": "ada@acme.com", "discovery_expiration_minutes": mins})
		if status != 400 || body["error_type"] != "invalid_expiration" {
			t.Errorf("%d minutes: %d %v", mins, status, body["error_type"])
		}
	}
	status, _ := e.raw("POST", "/v1/b2b/magic_links/email/discovery/send",
		map[string]any{"email_address": "ada@acme.com", "discovery_expiration_minutes": 5})
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	_, tok := e.lastLink("ada@acme.com")
	e.emu.Advance(6 * time.Minute)
	_, err := e.client.MagicLinks.Discovery.Authenticate(e.ctx, &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: tok})
	wantStytchError(t, err, 401, "unable_to_auth_magic_link")

	org := e.signUp("bo@acme.com", "Acme", "acme").Organization.OrganizationID
	status, body := e.raw("POST", "/v1/b2b/magic_links/email/invite",
		map[string]any{"organization_id": org, "email_address": "cy@acme.com", "invite_expiration_minutes": 20000})
	if status != 400 || body["error_type"] != "invalid_expiration" {
		t.Errorf("invite: %d %v", status, body)
	}
	status, _ = e.raw("POST", "/v1/b2b/magic_links/email/invite",
		map[string]any{"organization_id": org, "email_address": "cy@acme.com", "invite_expiration_minutes": 30})
	if status != 200 {
		t.Fatalf("invite status %d", status)
	}
	_, tok = e.lastLink("cy@acme.com")
	e.emu.Advance(31 * time.Minute)
	_, err = authMagicLink(e, tok)
	wantStytchError(t, err, 401, "unable_to_auth_magic_link")
}

func TestSlugInPlaceOfOrganizationID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := e.signUp("ada@acme.com", "Acme", "Acme-Co")
	slug := "acme-co" // slugs match case-insensitively
	got, err := e.client.Organizations.Get(e.ctx, &organizations.GetParams{OrganizationID: slug})
	mustOK(t, err)
	if got.Organization.OrganizationID != acme.Organization.OrganizationID {
		t.Fatalf("get by slug = %+v", got.Organization)
	}
	_, err = e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: slug, OrganizationName: "Acme Inc"})
	mustOK(t, err)
	_, err = e.client.Organizations.Members.Get(e.ctx, &members.GetParams{OrganizationID: slug, EmailAddress: "ada@acme.com"})
	mustOK(t, err)
	_, err = e.client.MagicLinks.Email.Invite(e.ctx, &email.InviteParams{OrganizationID: slug, EmailAddress: "bo@beta.io"})
	mustOK(t, err)
	ist := e.discover("bo@beta.io").IntermediateSessionToken
	ex, err := e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: slug})
	mustOK(t, err)
	if ex.Organization.OrganizationID != acme.Organization.OrganizationID || ex.MemberSession.OrganizationID != acme.Organization.OrganizationID {
		t.Errorf("exchange by slug landed in %+v", ex.Organization)
	}
	_, err = e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionToken: acme.SessionToken,
		AuthorizationCheck: &sessions.AuthorizationCheck{OrganizationID: slug, ResourceID: "stytch.member", Action: "create"}})
	mustOK(t, err)
	status, _ := e.raw("PUT", "/v1/b2b/organizations/"+slug, map[string]any{"organization_external_id": "ext-42"})
	if status != 200 {
		t.Fatalf("set external id: %d", status)
	}
	got, err = e.client.Organizations.Get(e.ctx, &organizations.GetParams{OrganizationID: "ext-42"})
	mustOK(t, err)
	if got.Organization.OrganizationID != acme.Organization.OrganizationID {
		t.Errorf("get by external id = %+v", got.Organization)
	}
	other := e.signUp("zed@zed.io", "Zed", "zed").Organization.OrganizationID
	status, body := e.raw("PUT", "/v1/b2b/organizations/"+other, map[string]any{"organization_external_id": "ext-42"})
	if status != 400 || body["error_type"] != "organization_external_id_already_used" {
		t.Errorf("duplicate external id: %d %v", status, body)
	}
}

func TestNewerFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	su := e.signUp("ada@acme.com", "Acme", "acme")
	status, body := e.raw("GET", "/v1/b2b/organizations/acme/member?email_address=ada@acme.com", nil)
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	org := body["organization"].(map[string]any)
	for _, k := range []string{"claimed_email_domains", "custom_roles", "organization_external_id"} {
		if _, ok := org[k]; !ok {
			t.Errorf("organization lacks %s", k)
		}
	}
	m := body["member"].(map[string]any)
	if m["is_locked"] != false || m["external_id"] != "" {
		t.Errorf("member is_locked/external_id = %v/%v", m["is_locked"], m["external_id"])
	}
	status, body = e.raw("POST", "/v1/b2b/sessions/authenticate", map[string]any{"session_token": su.SessionToken})
	if ms := body["member_session"].(map[string]any); status != 200 || ms["organization_slug"] != "acme" {
		t.Errorf("member_session.organization_slug = %v", ms["organization_slug"])
	}
	mustOK(t, sendDiscoveryNoRedirect(e, "bo@beta.io"))
	_, tok := e.lastLink("bo@beta.io")
	status, body = e.raw("POST", "/v1/b2b/magic_links/discovery/authenticate", map[string]any{"discovery_magic_links_token": tok})
	exp, _ := time.Parse(time.RFC3339, body["intermediate_session_token_expires_at"].(string))
	if status != 200 || exp.Sub(time.Now()) < 9*time.Minute || exp.Sub(time.Now()) > 11*time.Minute {
		t.Errorf("intermediate_session_token_expires_at = %v", body["intermediate_session_token_expires_at"])
	}
	jwks, err := e.client.Sessions.GetJWKS(e.ctx, &sessions.GetJWKSParams{ProjectID: projectID})
	mustOK(t, err)
	k := jwks.Keys[0]
	der, err := base64.StdEncoding.DecodeString(k.X5C[0])
	mustOK(t, err)
	sum := sha256.Sum256(der)
	if k.X5TS256 == "" || k.X5TS256 != base64.RawURLEncoding.EncodeToString(sum[:]) {
		t.Errorf("x5t_s256 = %q", k.X5TS256)
	}
}

func sendDiscoveryNoRedirect(e *env, addr string) error {
	_, err := e.client.MagicLinks.Email.Discovery.Send(e.ctx, &emaildiscovery.SendParams{EmailAddress: addr})
	return err
}

func TestRouteErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct {
		method, path string
		status       int
		typ, allow   string
	}{
		{"GET", "/v1/b2b/nope", 404, "route_not_found", ""},
		{"POST", "/v1/b2b/sessions/authenticat", 404, "route_not_found", ""},
		{"GET", "/v1/b2b/sessions/authenticate", 405, "method_not_allowed", "POST"},
		{"DELETE", "/v1/b2b/organizations/members/search", 405, "method_not_allowed", "POST"},
		{"PATCH", "/v1/b2b/organizations/org-1", 405, "method_not_allowed", "GET, PUT, DELETE"},
	} {
		req, _ := http.NewRequest(c.method, e.srv.URL+c.path, nil)
		req.SetBasicAuth(projectID, secret)
		resp, err := http.DefaultClient.Do(req)
		mustOK(t, err)
		var body map[string]any
		mustOK(t, json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		if resp.StatusCode != c.status || body["error_type"] != c.typ || resp.Header.Get("Allow") != c.allow {
			t.Errorf("%s %s = %d %v (Allow %q), want %d %s (Allow %q)", c.method, c.path, resp.StatusCode, body["error_type"], resp.Header.Get("Allow"), c.status, c.typ, c.allow)
		}
	}
}

func TestSearchFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := e.signUp("ada@acme.com", "Acme", "acme", func(p *dorgs.CreateParams) { p.EmailAllowedDomains = []string{"acme.com"} })
	orgID := acme.Organization.OrganizationID
	orgCases := []struct {
		name string
		q    *organizations.SearchQuery
		n    int
		err  string
	}{
		{"allowed_domain_fuzzy", query("AND", filter("allowed_domain_fuzzy", "acm")), 1, ""},
		{"member_email_fuzzy", query("AND", filter("member_email_fuzzy", "ada@")), 1, ""},
		{"claimed_email_domains", query("AND", filter("claimed_email_domains", []string{"acme.com"})), 0, ""},
		{"unknown", query("AND", filter("organization_color", "red")), 0, "organization_search_filter_name_not_recognized"},
		{"short", query("AND", filter("allowed_domain_fuzzy", "ac")), 0, "organization_search_allowed_domain_fuzzy_too_short"},
		{"wrong type", query("AND", filter("organization_slugs", "acme")), 0, "organization_search_expected_array_of_strings"},
	}
	for _, c := range orgCases {
		resp, err := e.client.Organizations.Search(e.ctx, &organizations.SearchParams{Query: c.q})
		if c.err != "" {
			wantStytchError(t, err, 400, c.err)
			continue
		}
		mustOK(t, err)
		if len(resp.Organizations) != c.n {
			t.Errorf("%s: %d organizations", c.name, len(resp.Organizations))
		}
	}
	memberCases := []struct {
		name string
		q    *organizations.SearchQuery
		err  string
	}{
		{"unknown", query("AND", filter("member_shoe_size", []string{"9"})), "member_search_filter_name_not_recognized"},
		{"short", query("AND", filter("member_email_fuzzy", "ad")), "member_search_member_email_fuzzy_too_short"},
		{"wrong type", query("AND", filter("member_is_breakglass", "yes")), "member_search_expected_boolean"},
		{"bad status", query("AND", filter("statuses", []string{"retired"})), "search_invalid_status_filter"},
	}
	for _, c := range memberCases {
		_, err := e.client.Organizations.Members.Search(e.ctx, &members.SearchParams{OrganizationIds: []string{orgID}, Query: c.q})
		wantStytchError(t, err, 400, c.err)
	}
	resp, err := e.client.Organizations.Members.Search(e.ctx, &members.SearchParams{OrganizationIds: []string{orgID},
		Query: query("AND", filter("member_password_exists", false), filter("member_is_breakglass", false))})
	mustOK(t, err)
	if len(resp.Members) != 1 {
		t.Errorf("members = %d", len(resp.Members))
	}
}
