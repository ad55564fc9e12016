package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
)

// New email → create org → dashboard → switch → logout, all through the real SDK and emulator.
func TestJourneyNewUserCreatesSwitchesAndLogsOut(t *testing.T) {
	t.Parallel()
	e, b := envWithBrowser(t)

	chooser := b.discover("ada@acme.test")
	wantStatus(t, chooser, http.StatusOK)
	if got := chooser.testid(t, "chooser-email"); got != "ada@acme.test" {
		t.Fatalf("chooser email %q", got)
	}
	if !chooser.has(t, "no-orgs") || !chooser.has(t, "create-org") {
		t.Fatal("new email should see 'no organizations' and the create form")
	}
	if got := chooser.testid(t, "choice-expiry"); !strings.Contains(got, "10 minutes") {
		t.Fatalf("chooser should say how long the choice lasts, got %q", got)
	}

	dash := b.createOrg("Acme Rockets")
	if got := dash.testid(t, "dashboard-org"); got != "Acme Rockets" {
		t.Fatalf("dashboard org %q", got)
	}
	if got := dash.testid(t, "dashboard-email"); got != "ada@acme.test" {
		t.Fatalf("dashboard email %q", got)
	}
	if got := dash.testid(t, "dashboard-role"); got != "Admin" {
		t.Fatalf("creator role %q, want Admin", got)
	}
	if dash.has(t, "switcher") {
		t.Fatal("one org: no switcher expected")
	}
	b.logout()

	// A second org for the same email, then switch between them from the dashboard.
	b.discover("ada@acme.test")
	dash = b.createOrg("Acme Labs")
	ids := orgIDs(t, dash)
	if len(ids) != 1 {
		t.Fatalf("switcher offers %v, want the other org", ids)
	}
	r := b.post("/orgs/switch", url.Values{"organization_id": {ids[0]}}, false)
	wantRedirect(t, r, "/dashboard")
	dash = b.get("/dashboard", false)
	wantStatus(t, dash, http.StatusOK)
	if got := dash.testid(t, "dashboard-org"); got != "Acme Rockets" {
		t.Fatalf("after switch org %q, want Acme Rockets", got)
	}
	if got := orgIDs(t, dash); len(got) != 1 || got[0] == ids[0] {
		t.Fatalf("after switch the switcher offers %v", got)
	}

	// Logout revokes at Stytch: the old session token no longer authenticates, and the
	// dashboard refuses this browser at once.
	b.logout()
	r = b.get("/dashboard", false)
	wantRedirect(t, r, "/")
	if calls := e.emu.Calls()["POST /v1/b2b/sessions/revoke"]; calls != 3 { // two logouts and the switch
		t.Fatalf("revoke calls %d, want 3", calls)
	}
}

// A returning email with two orgs sees both (last used first) and picks the second.
func TestJourneyReturningUserPicksSecondOrg(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e := newEnv(t)
		b := e.signedIn("grace@navy.test", "Navy One")
		b.logout()
		b.discover("grace@navy.test")
		b.createOrg("Navy Two")
		b.logout()

		chooser := b.discover("grace@navy.test")
		ids := orgIDs(t, chooser)
		if len(ids) != 2 {
			t.Fatalf("chooser offers %d orgs, want 2", len(ids))
		}
		names := chooser.doc(t).Find(`[data-testid="org-name"]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
		if names[0] != "Navy Two" || !chooser.has(t, "org-last") {
			t.Fatalf("last used org should be first and marked: %v", names)
		}
		r := b.post("/orgs/select", url.Values{"organization_id": {ids[1]}}, htmx)
		if htmx {
			wantHXLocation(t, r, "/dashboard")
			r = b.get("/dashboard", true)
			wantStatus(t, r, http.StatusOK)
			wantFragment(t, r, "dashboard")
		} else {
			wantRedirect(t, r, "/dashboard")
			r = b.get("/dashboard", false)
		}
		if got := r.testid(t, "dashboard-org"); got != "Navy One" {
			t.Fatalf("picked org %q, want Navy One", got)
		}
		// The IST is spent and forgotten: the chooser now sends this person to the dashboard.
		wantRedirect(t, b.get("/orgs", false), "/dashboard")
	})
}

// An invited email sees the invitation in the chooser and joins; the invite link itself also signs in.
func TestJourneyInvitedUserJoins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, orgID := e.newAdmin("boss@corp.test", "Corp")

	if _, err := e.api.MagicLinks.Email.Invite(t.Context(), &email.InviteParams{OrganizationID: orgID, EmailAddress: "new@corp.test", InviteRedirectURL: e.Deps.BaseURL + "/authenticate"}); err != nil {
		t.Fatal(err)
	}
	t.Run("via discovery", func(t *testing.T) {
		t.Parallel()
		e := e.in(t)
		b := e.browser()
		chooser := b.discover("new@corp.test")
		if got := chooser.testid(t, "org-reason"); !strings.Contains(got, "invited") {
			t.Fatalf("reason %q should say invited", got)
		}
		if !chooser.has(t, "org-group-invited") {
			t.Fatal("invitation should be grouped under Invitations")
		}
		r := b.post("/orgs/select", url.Values{"organization_id": {orgID}}, false)
		wantRedirect(t, r, "/dashboard")
		dash := b.get("/dashboard", false)
		if got := dash.testid(t, "dashboard-role"); got != "Member" {
			t.Fatalf("invitee role %q", got)
		}
	})
	t.Run("via the invite link", func(t *testing.T) {
		t.Parallel()
		e := e.in(t)
		if _, err := e.api.MagicLinks.Email.Invite(t.Context(), &email.InviteParams{OrganizationID: orgID, EmailAddress: "second@corp.test", InviteRedirectURL: e.Deps.BaseURL + "/authenticate"}); err != nil {
			t.Fatal(err)
		}
		b := e.browser()
		dash := b.followLink(e.latestLink("second@corp.test"), "/dashboard")
		wantStatus(t, dash, http.StatusOK)
		if got := dash.testid(t, "dashboard-org"); got != "Corp" {
			t.Fatalf("invite link landed in %q", got)
		}
	})
}

// A colleague at an allowed email domain discovers the org as joinable and joins.
func TestJourneyEmailDomainEligibleJoins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, orgID := e.newAdmin("boss@initech.test", "Initech")
	if _, err := e.api.Organizations.Update(t.Context(), &organizations.UpdateParams{
		OrganizationID: orgID, EmailAllowedDomains: []string{"initech.test"}, EmailJITProvisioning: "RESTRICTED",
	}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	chooser := b.discover("peter@initech.test")
	if !chooser.has(t, "org-group-domain") {
		t.Fatalf("org should be offered by email domain:\n%s", chooser.body)
	}
	if got := chooser.testid(t, "org-reason"); !strings.Contains(got, "initech.test") {
		t.Fatalf("reason %q should name the domain", got)
	}
	wantRedirect(t, b.post("/orgs/select", url.Values{"organization_id": {orgID}}, false), "/dashboard")
	if got := b.get("/dashboard", false).testid(t, "dashboard-org"); got != "Initech" {
		t.Fatalf("joined %q", got)
	}
	// Someone at another domain is not offered it.
	other := e.browser().discover("eve@evil.test")
	if slices.Contains(orgIDs(t, other), orgID) {
		t.Fatal("org offered to another domain")
	}
}

// Each form posted plainly (303) and with htmx (fragment or HX-Location, never a full page):
// here the sign-in form, which also refuses a cross-site POST.
func TestLoginFormPlainAndHTMX(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("cross-site POST refused", func(t *testing.T) {
		t.Parallel()
		b := e.in(t).browser()
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/login", strings.NewReader("email=x%40y.test"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		r := b.do(req)
		wantStatus(t, r, http.StatusForbidden)
		if r.testid(t, "error-message") == "" {
			t.Fatal("403 should explain itself")
		}
	})
	run(t, func(t *testing.T, htmx bool) {
		name := modeName(htmx)
		t.Run("login", func(t *testing.T) {
			b := e.in(t).browser()
			r := b.post("/login", url.Values{"email": {"lin-" + name + "@forms.test"}}, htmx)
			if htmx {
				wantHXLocation(t, r, "/check-email")
				r = b.get("/check-email", true)
				wantFragment(t, r, "check-email")
			} else {
				wantRedirect(t, r, "/check-email")
				r = b.get("/check-email", false)
			}
			if got := r.testid(t, "sent-to"); got != "lin-"+name+"@forms.test" {
				t.Fatalf("check-email names %q", got)
			}
		})
		t.Run("login invalid", func(t *testing.T) {
			r := e.in(t).browser().post("/login", url.Values{"email": {"not-an-email"}}, htmx)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if htmx {
				wantFragment(t, r, "login-form")
			}
			if got := r.testid(t, "email-error"); got == "" {
				t.Fatal("422 should explain the email problem next to the field")
			}
			if v, _ := r.doc(t).Find("#email").Attr("value"); v != "not-an-email" {
				t.Fatalf("the typed address should be kept, got %q", v)
			}
		})
	})
}

// Creating an organization and signing out, each posted plainly and with htmx.
func TestCreateOrgAndLogoutPlainAndHTMX(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	run(t, func(t *testing.T, htmx bool) {
		// In order: "duplicate slug" takes the slug "create invalid and valid" made.
		name := modeName(htmx)
		t.Run("create invalid and valid", func(t *testing.T) {
			b := e.in(t).browser()
			b.discover("cr-" + name + "@forms.test")
			r := b.post("/orgs/create", url.Values{"organization_name": {"  "}, "organization_slug": {"!"}}, htmx)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if htmx {
				wantFragment(t, r, "create-org")
			} else if !r.has(t, "chooser") {
				t.Fatal("plain 422 should re-render the whole chooser")
			}
			if r.testid(t, "organization_name-error") == "" || r.testid(t, "organization_slug-error") == "" {
				t.Fatalf("both field errors expected:\n%s", r.body)
			}
			r = b.post("/orgs/create", url.Values{"organization_name": {"Forms " + name}}, htmx)
			if htmx {
				wantHXLocation(t, r, "/dashboard")
			} else {
				wantRedirect(t, r, "/dashboard")
			}
		})
		t.Run("duplicate slug", func(t *testing.T) {
			b := e.in(t).browser()
			b.discover("dup-" + name + "@forms.test")
			r := b.post("/orgs/create", url.Values{"organization_name": {"Whatever"}, "organization_slug": {"forms-" + name}}, htmx)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if !strings.Contains(r.testid(t, "organization_slug-error"), "taken") {
				t.Fatalf("slug error should say taken:\n%s", r.body)
			}
		})
		t.Run("logout", func(t *testing.T) {
			b := e.in(t).browser()
			b.discover("out-" + name + "@forms.test")
			b.createOrg("Out " + name)
			r := b.post("/logout", nil, htmx)
			if htmx {
				wantHXLocation(t, r, "/?notice=signed-out")
			} else {
				wantRedirect(t, r, "/?notice=signed-out")
			}
			wantRedirect(t, b.get("/dashboard", false), "/")
		})
	})
}

// Expired and used links, an expired choice, and a forged organization_id.
func TestFailuresShowWhatHappened(t *testing.T) {
	t.Parallel()
	t.Run("used link", func(t *testing.T) {
		t.Parallel()
		e, b := envWithBrowser(t)
		b.discover("used@fail.test")
		link := e.latestLink("used@fail.test")
		q := link.Query()
		r := b.post("/authenticate", url.Values{"stytch_token_type": {q.Get("stytch_token_type")}, "token": {q.Get("token")}}, false)
		wantStatus(t, r, http.StatusBadRequest)
		if !strings.Contains(r.testid(t, "error-message"), "expired or was already used") {
			t.Fatalf("message: %q", r.testid(t, "error-message"))
		}
		if strings.Contains(r.body, q.Get("token")) {
			t.Fatal("the error page must not echo the token")
		}
	})
	t.Run("expired link", func(t *testing.T) {
		t.Parallel()
		e, b := envWithBrowser(t)
		b.askLink("late@fail.test")
		e.advance(61 * time.Minute)
		link := e.latestLink("late@fail.test")
		b.open(link) // GET never spends or checks it
		q := link.Query()
		r := b.post("/authenticate", url.Values{"stytch_token_type": {q.Get("stytch_token_type")}, "token": {q.Get("token")}}, false)
		wantStatus(t, r, http.StatusBadRequest)
		if got := r.testid(t, "error-next"); got != "Get a new link" {
			t.Fatalf("way forward %q", got)
		}
	})
	t.Run("expired choice keeps the email", func(t *testing.T) {
		t.Parallel()
		e, b := envWithBrowser(t)
		b.discover("slow@fail.test")
		e.advance(11 * time.Minute)
		wantRedirect(t, b.get("/orgs", false), "/?notice=choice-expired")
		r := b.get("/?notice=choice-expired", false)
		if v, _ := r.doc(t).Find("#email").Attr("value"); v != "slow@fail.test" {
			t.Fatalf("email kept %q", v)
		}
		if !strings.Contains(r.testid(t, "notice"), "expired") {
			t.Fatalf("notice %q", r.testid(t, "notice"))
		}
	})
	t.Run("IST expired at Stytch only", func(t *testing.T) {
		t.Parallel()
		e, b := envWithBrowser(t)
		b.discover("drift@fail.test")
		e.emu.Advance(11 * time.Minute) // the app still thinks it's valid; Stytch says no
		r := b.post("/orgs/create", url.Values{"organization_name": {"Drift"}}, true)
		wantHXLocation(t, r, "/?notice=choice-expired")
	})
	t.Run("forged organization_id", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		_, private := e.newAdmin("owner@private.test", "Private")
		b := e.browser()
		b.discover("mallory@elsewhere.test")
		for _, id := range []string{private, "organization-test-00000000-0000-0000-0000-000000000000", ""} {
			r := b.post("/orgs/select", url.Values{"organization_id": {id}}, false)
			wantStatus(t, r, http.StatusForbidden)
		}
		if n := e.emu.Calls()["POST /v1/b2b/discovery/intermediate_sessions/exchange"]; n != 0 {
			t.Fatalf("forged ids must be refused before Stytch is asked; exchange calls %d", n)
		}
		// Switching to an org the member doesn't belong to is refused too.
		b.createOrg("Elsewhere")
		wantStatus(t, b.post("/orgs/switch", url.Values{"organization_id": {private}}, false), http.StatusForbidden)
	})
}

// Every GET page can be reloaded safely: same answer, no state change, no token spent.
func TestReloadIsSafe(t *testing.T) {
	t.Parallel()
	e, b := envWithBrowser(t)
	b.askLink("reload@safe.test")
	for range 2 {
		wantStatus(t, b.get("/check-email", false), http.StatusOK)
	}
	link := e.latestLink("reload@safe.test")
	for range 3 {
		b.open(link)
		wantStatus(t, b.get("/authenticate", false), http.StatusOK)
	}
	if n := e.emu.Calls()["POST /v1/b2b/magic_links/discovery/authenticate"]; n != 0 {
		t.Fatalf("GET /authenticate spent the token (%d calls)", n)
	}
	b.followLink(link, "/orgs")
	for range 2 {
		wantStatus(t, b.get("/orgs", false), http.StatusOK)
	}
	b.createOrg("Reload")
	for range 2 {
		wantStatus(t, b.get("/dashboard", false), http.StatusOK)
	}
	wantRedirect(t, b.get("/", false), "/dashboard")
}

// orgIDBySlug looks an organization up through the SDK.
func (e *env) orgIDBySlug(slug string) string {
	e.t.Helper()
	resp, err := e.api.Organizations.Search(e.t.Context(), &organizations.SearchParams{
		Query: &organizations.SearchQuery{Operator: "AND", Operands: []map[string]any{{"filter_name": "organization_slugs", "filter_value": []string{slug}}}},
	})
	if err != nil || len(resp.Organizations) != 1 {
		e.t.Fatalf("search slug %q: %v (%d found)", slug, err, len(resp.Organizations))
	}
	return resp.Organizations[0].OrganizationID
}
