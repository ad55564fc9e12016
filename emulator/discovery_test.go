package emulator_test

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgpick/orgpick/emulator"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	mldiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
)

// discoverySends are the sends every mailbox test starts from: three accepted, the newest to
// [::1]:9, and three refused, which must leave nothing in the mailbox.
var discoverySends = []struct {
	name       string
	email      string
	redirect   string
	wantStatus int
	wantType   string
}{
	{"ok", "Ada@Acme.com", redirect, 200, ""},
	{"loopback ip and port", "ada@acme.com", "http://127.0.0.1:8080/authenticate?next=%2Fx", 200, ""},
	{"ipv6 loopback", "ada@acme.com", "https://[::1]:9/cb", 200, ""},
	{"invalid email", "not-an-email", redirect, 400, "invalid_email"},
	{"display name", "Ada <ada@acme.com>", redirect, 400, "invalid_email"},
	{"non-loopback redirect", "ada@acme.com", "https://evil.example/authenticate", 400, "invalid_discovery_redirect_url"},
}

// sendDiscoveries sends every case of discoverySends, in order, each checked in its own subtest.
func sendDiscoveries(t *testing.T, e *env) {
	t.Helper()
	for _, tt := range discoverySends {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.MagicLinks.Email.Discovery.Send(e.ctx, &emaildiscovery.SendParams{EmailAddress: tt.email, DiscoveryRedirectURL: tt.redirect})
			if tt.wantStatus != 200 {
				wantStytchError(t, err, tt.wantStatus, tt.wantType)
				return
			}
			mustOK(t, err)
		})
	}
}

func TestDiscoverySend(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and the last reads what the others sent.
	e := newEnv(t)
	sendDiscoveries(t, e)

	t.Run("mailbox records link", func(t *testing.T) {
		msgs, err := e.emu.Mailbox(e.ctx, "ADA@acme.com")
		mustOK(t, err)
		if len(msgs) != 3 {
			t.Fatalf("got %d messages, want 3", len(msgs))
		}
		newest, err := url.Parse(msgs[0].Link)
		mustOK(t, err)
		if newest.Host != "[::1]:9" || newest.Query().Get("stytch_token_type") != "discovery" || len(newest.Query().Get("token")) != 44 {
			t.Errorf("newest link = %s", msgs[0].Link)
		}
		kept, _ := url.Parse(msgs[1].Link)
		if kept.Query().Get("next") != "/x" {
			t.Errorf("existing query parameter lost: %s", msgs[1].Link)
		}
		if msgs[0].Kind != "discovery" || msgs[0].To != "ada@acme.com" || msgs[0].OrganizationID != "" || msgs[0].SentAt.IsZero() {
			t.Errorf("message = %+v", msgs[0])
		}
	})
}

func TestDevMailboxPages(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and the pages show what the sends left.
	e := newEnv(t)
	sendDiscoveries(t, e)

	t.Run("mailbox.json", func(t *testing.T) {
		var got []map[string]any
		resp := e.getJSON("/dev/mailbox.json?to=ada@acme.com", &got)
		if resp.StatusCode != 200 {
			t.Fatalf("status = %d", resp.StatusCode)
		}
		if len(got) != 3 {
			t.Fatalf("got %d messages", len(got))
		}
		for _, k := range []string{"to", "subject", "kind", "link", "organization_id", "sent_at"} {
			if _, ok := got[0][k]; !ok {
				t.Errorf("missing key %q in %v", k, got[0])
			}
		}
		var none []map[string]any
		e.getJSON("/dev/mailbox.json?to=nobody@acme.com", &none)
		if none == nil || len(none) != 0 {
			t.Errorf("filter for unknown address = %v, want []", none)
		}
	})

	t.Run("mailbox html", func(t *testing.T) {
		resp, html := e.getText("/dev/mailbox")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("status = %d, type %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !strings.Contains(html, `href="https://[::1]:9/cb?stytch_token_type=discovery&amp;token=`) {
			t.Errorf("newest link not clickable:\n%s", html)
		}
		if strings.Contains(html, "<script") || strings.Contains(html, "<style") || strings.Contains(html, "style=") {
			t.Errorf("mailbox page must have no script and no inline style")
		}
		if strings.Index(html, "[::1]:9") > strings.Index(html, "127.0.0.1:8080") {
			t.Errorf("mailbox not newest first")
		}
	})
}

func TestNothingDevUnderV1(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if resp := e.getJSON("/v1/dev/mailbox", nil); resp.StatusCode != 404 {
		t.Errorf("status = %d", resp.StatusCode)
	}
	rec := httpGet(t, e.emu.API(), "/dev/mailbox.json")
	if rec != 404 {
		t.Errorf("API() served /dev: %d", rec)
	}
	if got := httpGet(t, e.emu.Dev(), "/v1/b2b/sessions/jwks/"+projectID); got != 404 {
		t.Errorf("Dev() served /v1: %d", got)
	}
}

// Stytch's Go quickstart sends without a redirect URL: the project default is used.
func TestDiscoveryDefaultRedirectURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mustOK(t, sendDiscoveryNoRedirect(e, "bob@acme.com"))
	link, _ := e.lastLink("bob@acme.com")
	if !strings.HasPrefix(link, emulator.DefaultRedirectURL+"?") {
		t.Errorf("link = %s, want the default %s", link, emulator.DefaultRedirectURL)
	}
}

func TestDiscoveryAllowedRedirectList(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *emulator.Config) { c.AllowedRedirectURLs = []string{"https://app.example.com/authenticate"} })
	_, err := e.client.MagicLinks.Email.Discovery.Send(e.ctx, &emaildiscovery.SendParams{EmailAddress: "a@b.co", DiscoveryRedirectURL: redirect})
	wantStytchError(t, err, 400, "invalid_discovery_redirect_url")
	_, err = e.client.MagicLinks.Email.Discovery.Send(e.ctx, &emaildiscovery.SendParams{EmailAddress: "a@b.co"})
	mustOK(t, err)
	link, _ := e.lastLink("a@b.co")
	if !strings.HasPrefix(link, "https://app.example.com/authenticate?") {
		t.Errorf("default redirect not used: %s", link)
	}
}

func TestDiscoveryAuthenticate(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	auth := func(tok string) (*mldiscovery.AuthenticateResponse, error) {
		return e.client.MagicLinks.Discovery.Authenticate(e.ctx, &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: tok})
	}

	t.Run("ok then reused", func(t *testing.T) {
		tok := e.sendDiscovery("ada@acme.com")
		resp, err := auth(tok)
		mustOK(t, err)
		if resp.IntermediateSessionToken == "" || resp.EmailAddress != "ada@acme.com" || resp.DiscoveredOrganizations == nil {
			t.Fatalf("resp = %+v", resp)
		}
		_, err = auth(tok)
		wantStytchError(t, err, 401, "unable_to_auth_magic_link")
	})
	t.Run("expired", func(t *testing.T) {
		tok := e.sendDiscovery("bob@acme.com")
		e.emu.Advance(61 * time.Minute)
		_, err := auth(tok)
		wantStytchError(t, err, 401, "unable_to_auth_magic_link")
	})
	t.Run("unknown", func(t *testing.T) {
		_, err := auth("DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94=")
		wantStytchError(t, err, 404, "magic_link_not_found")
	})
}

func TestDiscoveryAuthenticateSingleUseUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sendDiscovery("race@acme.com")
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.client.MagicLinks.Discovery.Authenticate(e.ctx, &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: tok})
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d of %d concurrent authentications succeeded, want exactly 1", ok, n)
	}
}

func TestDiscoveredOrganizations(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	// acme: ada is admin; JIT for acme.com; ada's verified email makes acme.com joinable.
	acme := e.signUp("ada@acme.com", "Acme", "acme", func(p *dorgs.CreateParams) {
		p.EmailJITProvisioning = "RESTRICTED"
		p.EmailAllowedDomains = []string{"acme.com", "acme-labs.com"}
	})
	// other: ada is admin, no JIT.
	other := e.signUp("ada@acme.com", "Other", "other")

	t.Run("creator sees active memberships", func(t *testing.T) {
		got := memberships(e.discover("ada@acme.com").DiscoveredOrganizations)
		want := map[string]string{acme.Organization.OrganizationID: "active_member", other.Organization.OrganizationID: "active_member"}
		if len(got) != 2 || got[acme.Organization.OrganizationID] != want[acme.Organization.OrganizationID] || got[other.Organization.OrganizationID] != "active_member" {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
	t.Run("colleague eligible by domain", func(t *testing.T) {
		resp := e.discover("Bob@ACME.com")
		got := memberships(resp.DiscoveredOrganizations)
		if len(got) != 1 || got[acme.Organization.OrganizationID] != "eligible_to_join_by_email_domain" {
			t.Fatalf("got %v", got)
		}
		d := resp.DiscoveredOrganizations[0]
		if d.Membership.Member != nil || d.Membership.Details["domain"] != "acme.com" {
			t.Errorf("membership = %+v", d.Membership)
		}
	})
	t.Run("anti-phishing: allowed domain without a verified member", func(t *testing.T) {
		if got := memberships(e.discover("carol@acme-labs.com").DiscoveredOrganizations); len(got) != 0 {
			t.Fatalf("got %v, want none", got)
		}
	})
	t.Run("gmail not eligible", func(t *testing.T) {
		if got := memberships(e.discover("dave@gmail.com").DiscoveredOrganizations); len(got) != 0 {
			t.Fatalf("got %v, want none", got)
		}
	})
	t.Run("invited member", func(t *testing.T) {
		invite(t, e, other.Organization.OrganizationID, "erin@gmail.com")
		got := memberships(e.discover("erin@gmail.com").DiscoveredOrganizations)
		if len(got) != 1 || got[other.Organization.OrganizationID] != "invited_member" {
			t.Fatalf("got %v", got)
		}
	})
}

func TestISTExchange(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	acme := e.signUp("ada@acme.com", "Acme", "acme", jitByAcmeDomain)
	orgID := acme.Organization.OrganizationID
	exchange := func(ist, org string, mins int32) (*intermediatesessions.ExchangeResponse, error) {
		return e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{
			IntermediateSessionToken: ist, OrganizationID: org, SessionDurationMinutes: mins})
	}

	t.Run("active member", func(t *testing.T) {
		ist := e.discover("ada@acme.com").IntermediateSessionToken
		resp, err := exchange(ist, orgID, 0)
		mustOK(t, err)
		if resp.SessionToken == "" || resp.SessionJWT == "" || !resp.MemberAuthenticated || resp.IntermediateSessionToken != "" {
			t.Fatalf("resp = %+v", resp)
		}
		ms := resp.MemberSession
		if ms.OrganizationID != orgID || ms.MemberID != acme.MemberID || ms.ExpiresAt.Sub(*ms.StartedAt) != 60*time.Minute {
			t.Errorf("member_session = %+v", ms)
		}
		if len(ms.AuthenticationFactors) != 1 || ms.AuthenticationFactors[0].Type != "magic_link" {
			t.Errorf("factors = %+v", ms.AuthenticationFactors)
		}
		t.Run("IST consumed", func(t *testing.T) {
			_, err := exchange(ist, orgID, 0)
			wantStytchError(t, err, 404, "intermediate_session_not_found")
		})
	})
	t.Run("JIT by domain creates member", func(t *testing.T) {
		resp, err := exchange(e.discover("bob@acme.com").IntermediateSessionToken, orgID, 30)
		mustOK(t, err)
		if resp.Member.Status != "active" || !resp.Member.EmailAddressVerified || resp.Member.IsAdmin {
			t.Errorf("member = %+v", resp.Member)
		}
	})
	t.Run("failures", func(t *testing.T) {
		ist := e.discover("zed@gmail.com").IntermediateSessionToken
		tests := []struct {
			name, ist, org string
			mins           int32
			status         int
			typ            string
		}{
			{"not offered org", ist, orgID, 0, 403, "email_jit_provisioning_not_allowed"},
			{"unknown org", ist, "organization-test-00000000-0000-0000-0000-000000000000", 0, 404, "organization_not_found"},
			{"unknown IST", "nope", orgID, 0, 404, "intermediate_session_not_found"},
			{"duration too short", ist, orgID, 4, 400, "invalid_session_duration_minutes"},
			{"duration too long", ist, orgID, 527041, 400, "invalid_session_duration_minutes"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := exchange(tt.ist, tt.org, tt.mins)
				wantStytchError(t, err, tt.status, tt.typ)
			})
		}
	})
	t.Run("failed exchange does not consume IST", func(t *testing.T) {
		ist := e.discover("cat@acme.com").IntermediateSessionToken
		_, err := exchange(ist, "organization-test-00000000-0000-0000-0000-000000000000", 0)
		wantStytchError(t, err, 404, "organization_not_found")
		_, err = exchange(ist, orgID, 0)
		mustOK(t, err)
	})
	t.Run("expired IST", func(t *testing.T) {
		ist := e.discover("ada@acme.com").IntermediateSessionToken
		e.emu.Advance(11 * time.Minute)
		_, err := exchange(ist, orgID, 0)
		wantStytchError(t, err, 404, "intermediate_session_not_found")
	})
}

func TestDiscoveryOrganizationCreate(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	create := func(p *dorgs.CreateParams) (*dorgs.CreateResponse, error) {
		return e.client.Discovery.Organizations.Create(e.ctx, p)
	}

	t.Run("ok", func(t *testing.T) {
		ist := e.discover("ada@acme.com").IntermediateSessionToken
		resp, err := create(&dorgs.CreateParams{IntermediateSessionToken: ist, OrganizationName: "Acme Co", OrganizationSlug: "Acme-Co"})
		mustOK(t, err)
		o := resp.Organization
		if o.OrganizationName != "Acme Co" || o.OrganizationSlug != "Acme-Co" || !strings.HasPrefix(o.OrganizationID, "organization-test-") {
			t.Errorf("organization = %+v", o)
		}
		if o.EmailJITProvisioning != "NOT_ALLOWED" || o.EmailInvites != "ALL_ALLOWED" || o.AuthMethods != "ALL_ALLOWED" || o.MFAPolicy != "OPTIONAL" {
			t.Errorf("defaults = %+v", o)
		}
		m := resp.Member
		roles := []string{}
		for _, r := range m.Roles {
			roles = append(roles, r.RoleID)
		}
		if !m.IsAdmin || m.Status != "active" || strings.Join(roles, ",") != "stytch_member,stytch_admin" || m.EmailAddress != "ada@acme.com" {
			t.Errorf("member = %+v roles %v", m, roles)
		}
		if resp.SessionToken == "" || resp.MemberSession == nil || resp.MemberSession.OrganizationID != o.OrganizationID {
			t.Errorf("session missing: %+v", resp)
		}
		_, err = create(&dorgs.CreateParams{IntermediateSessionToken: ist, OrganizationName: "Again", OrganizationSlug: "again"})
		wantStytchError(t, err, 404, "intermediate_session_not_found")
	})
	long := strings.Repeat("x", 129)
	tests := []struct {
		name   string
		p      dorgs.CreateParams
		status int
		typ    string
	}{
		{"duplicate slug, other case", dorgs.CreateParams{OrganizationName: "X", OrganizationSlug: "acme-co"}, 400, "organization_slug_already_used"},
		{"slug too short", dorgs.CreateParams{OrganizationName: "X", OrganizationSlug: "a"}, 400, "invalid_organization_slug"},
		{"slug bad chars", dorgs.CreateParams{OrganizationName: "X", OrganizationSlug: "a b"}, 400, "invalid_organization_slug"},
		{"slug no alnum", dorgs.CreateParams{OrganizationName: "X", OrganizationSlug: "--"}, 400, "invalid_organization_slug"},
		{"slug too long", dorgs.CreateParams{OrganizationName: "X", OrganizationSlug: long}, 400, "invalid_organization_slug"},
		{"name too long", dorgs.CreateParams{OrganizationName: long, OrganizationSlug: "fine"}, 400, "invalid_organization_name"},
		{"name blank", dorgs.CreateParams{OrganizationName: "   ", OrganizationSlug: "fine"}, 400, "invalid_organization_name"},
		{"common domain", dorgs.CreateParams{OrganizationName: "X", OrganizationSlug: "fine", EmailAllowedDomains: []string{"gmail.com"}}, 400, "organization_settings_domain_too_common"},
		{"bad duration", dorgs.CreateParams{OrganizationName: "X", OrganizationSlug: "fine", SessionDurationMinutes: 1}, 400, "invalid_session_duration_minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ist := e.discover("ada@acme.com").IntermediateSessionToken
			p := tt.p
			p.IntermediateSessionToken = ist
			_, err := create(&p)
			wantStytchError(t, err, tt.status, tt.typ)
			// A failed create leaves the IST usable.
			_, err = e.client.Discovery.Organizations.List(e.ctx, &dorgs.ListParams{IntermediateSessionToken: ist})
			mustOK(t, err)
		})
	}
	t.Run("128-char name ok", func(t *testing.T) {
		_, err := create(&dorgs.CreateParams{IntermediateSessionToken: e.discover("ada@acme.com").IntermediateSessionToken,
			OrganizationName: strings.Repeat("n", 128), OrganizationSlug: "s~_.1"})
		mustOK(t, err)
	})
}

// A create without name or slug derives both from the email's domain, or from its local part
// for a common domain.
func TestDiscoveryOrganizationCreateDerivesNameAndSlug(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	create := func(p *dorgs.CreateParams) (*dorgs.CreateResponse, error) {
		return e.client.Discovery.Organizations.Create(e.ctx, p)
	}
	resp, err := create(&dorgs.CreateParams{IntermediateSessionToken: e.discover("zoe@acme.com").IntermediateSessionToken})
	mustOK(t, err)
	if resp.Organization.OrganizationName != "acme" || resp.Organization.OrganizationSlug != "acme" {
		t.Errorf("derived = %q %q", resp.Organization.OrganizationName, resp.Organization.OrganizationSlug)
	}
	resp, err = create(&dorgs.CreateParams{IntermediateSessionToken: e.discover("Zoe.B@gmail.com").IntermediateSessionToken})
	mustOK(t, err)
	if resp.Organization.OrganizationSlug != "zoe.b" {
		t.Errorf("derived slug for gmail = %q", resp.Organization.OrganizationSlug)
	}
}

func TestDiscoveryList(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	acme := e.signUp("ada@acme.com", "Acme", "acme", jitByAcmeDomain)
	other := e.signUp("zed@zed.io", "Zed", "zed")
	invite(t, e, other.Organization.OrganizationID, "bob@acme.com")
	bob := e.discover("bob@acme.com")

	t.Run("by IST includes eligible, does not consume", func(t *testing.T) {
		for range 2 {
			resp, err := e.client.Discovery.Organizations.List(e.ctx, &dorgs.ListParams{IntermediateSessionToken: bob.IntermediateSessionToken})
			mustOK(t, err)
			got := memberships(resp.DiscoveredOrganizations)
			if got[acme.Organization.OrganizationID] != "eligible_to_join_by_email_domain" || got[other.Organization.OrganizationID] != "invited_member" || resp.EmailAddress != "bob@acme.com" {
				t.Fatalf("got %v", got)
			}
		}
	})
	t.Run("by session excludes eligible", func(t *testing.T) {
		// Bob joins acme by domain, then lists with his session.
		ex, err := e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{
			IntermediateSessionToken: bob.IntermediateSessionToken, OrganizationID: acme.Organization.OrganizationID})
		mustOK(t, err)
		for _, p := range []*dorgs.ListParams{{SessionToken: ex.SessionToken}, {SessionJWT: ex.SessionJWT}} {
			resp, err := e.client.Discovery.Organizations.List(e.ctx, p)
			mustOK(t, err)
			got := memberships(resp.DiscoveredOrganizations)
			if len(got) != 2 || got[acme.Organization.OrganizationID] != "active_member" || got[other.Organization.OrganizationID] != "invited_member" {
				t.Fatalf("got %v", got)
			}
		}
		// A third org bob could join by domain is not listed for a session.
		third := e.signUp("ann@acme.com", "Third", "third", jitByAcmeDomain)
		resp, err := e.client.Discovery.Organizations.List(e.ctx, &dorgs.ListParams{SessionToken: ex.SessionToken})
		mustOK(t, err)
		if _, ok := memberships(resp.DiscoveredOrganizations)[third.Organization.OrganizationID]; ok {
			t.Errorf("eligible org listed for a session")
		}
	})
	t.Run("argument errors", func(t *testing.T) {
		_, err := e.client.Discovery.Organizations.List(e.ctx, &dorgs.ListParams{})
		wantStytchError(t, err, 400, "no_session_arguments")
		_, err = e.client.Discovery.Organizations.List(e.ctx, &dorgs.ListParams{IntermediateSessionToken: "a", SessionToken: "b"})
		wantStytchError(t, err, 400, "too_many_session_arguments")
		_, err = e.client.Discovery.Organizations.List(e.ctx, &dorgs.ListParams{IntermediateSessionToken: "unknown"})
		wantStytchError(t, err, 404, "intermediate_session_not_found")
		_, err = e.client.Discovery.Organizations.List(e.ctx, &dorgs.ListParams{SessionToken: "unknown"})
		wantStytchError(t, err, 404, "session_not_found")
	})
}
