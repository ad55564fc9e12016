package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// After a join, a switch, a new organization and an invitation, the next page says what
// happened, naming it; the names travel in the session, not the URL, and show once.
func TestConfirmationsNameWhatHappened(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.browser()
	admin.discover("boss@confirm.test")
	dash := admin.createOrg("Confirm Co")
	if got := dash.testid(t, "notice"); !strings.Contains(got, "Confirm Co is ready") {
		t.Fatalf("after create: %q", got)
	}
	if admin.get("/dashboard", false).has(t, "notice") {
		t.Fatal("a confirmation shows once")
	}
	wantDone(t, admin.post("/members/invite", url.Values{"email": {"new@confirm.test"}}, false), false, "/members?notice=invited")
	r := admin.get("/members?notice=invited", false)
	if got := r.testid(t, "notice"); !strings.Contains(got, "Invitation sent to new@confirm.test") || !strings.Contains(got, "Confirm Co") {
		t.Fatalf("after invite: %q", got)
	}
	if got := admin.get("/members?notice=invited", false).testid(t, "notice"); strings.Contains(got, "new@confirm.test") {
		t.Fatalf("a reload shows the fixed words, without the address: %q", got)
	}

	invitee := e.browser()
	if got := invitee.followLink(e.latestLink("new@confirm.test"), "/dashboard").testid(t, "notice"); !strings.Contains(got, "now a member of Confirm Co") {
		t.Fatalf("after accepting: %q", got)
	}

	invitee.discover("new@confirm.test")
	dash = invitee.createOrg("Second Co")
	ids := orgIDs(t, dash)
	for _, htmx := range []bool{true, false} {
		wantDone(t, invitee.post("/orgs/switch", url.Values{"organization_id": {ids[0]}}, htmx), htmx, "/dashboard")
		r = invitee.get("/dashboard", htmx)
		if got := r.testid(t, "notice"); !strings.HasPrefix(got, "You switched to ") {
			t.Fatalf("htmx=%v: after switching: %q", htmx, got)
		}
		ids = orgIDs(t, r)
	}
}

// Every signed-in page has the header: current organization, switcher, email, logout. htmx
// answers carry it out of band, so it follows a switch; signed out, it is empty.
func TestSessionHeaderOnSignedInPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn("head@bar.test", "Head One")
	b.discover("head@bar.test")
	b.createOrg("Head Two")
	for _, path := range []string{"/dashboard", "/members", "/settings"} {
		r := b.get(path, false)
		wantStatus(t, r, http.StatusOK)
		bar := r.doc(t).Find("#session-bar")
		if bar.Find(`[data-testid="header-org"]`).Text() != "Head Two" || bar.Find(`[data-testid="header-email"]`).Text() != "head@bar.test" {
			t.Fatalf("%s: header %q", path, bar.Text())
		}
		if bar.Find(`[data-testid="header-switcher"] form[action="/orgs/switch"]`).Length() != 1 || bar.Find(`form[action="/logout"]`).Length() != 1 {
			t.Fatalf("%s: the header switches organization and logs out", path)
		}
		if bar.Find(`a[data-testid="new-org-header"]`).AttrOr("href", "") != "/orgs/new" {
			t.Fatalf("%s: the header offers another organization", path)
		}
	}
	r := b.get("/members", true)
	if bar := r.doc(t).Find("#session-bar"); bar.AttrOr("hx-swap-oob", "") != "true" || !strings.Contains(bar.Text(), "Head Two") {
		t.Fatalf("htmx: the header comes out of band:\n%.600s", r.body)
	}
	b.logout()
	r = b.get("/", false)
	if r.doc(t).Find("#session-bar").Children().Length() != 0 {
		t.Fatal("signed out: no header controls")
	}
}

// Error pages are headed by what happened; a malformed link is told apart from a used one.
func TestErrorPagesSayWhatHappened(t *testing.T) {
	t.Parallel()
	e, b := envWithBrowser(t)
	r := b.get("/authenticate?stytch_token_type=discovery&token=cut-short", false)
	wantStatus(t, r, http.StatusBadRequest)
	if r.testid(t, "error-heading") != "This link is incomplete" || r.testid(t, "error-next") != "Get a new link" {
		t.Fatalf("malformed link: %q", r.testid(t, "error-heading"))
	}
	b.discover("used@heads.test")
	q := e.latestLink("used@heads.test").Query()
	r = b.post("/authenticate", url.Values{"stytch_token_type": {q.Get("stytch_token_type")}, "token": {q.Get("token")}}, false)
	if r.testid(t, "error-heading") != "This link has expired or was already used" {
		t.Fatalf("used link: %q", r.testid(t, "error-heading"))
	}
	if r := b.get("/nowhere", false); r.testid(t, "error-heading") != "Page not found" {
		t.Fatalf("404: %q", r.testid(t, "error-heading"))
	}
}

// A URL name the app made from the name and found taken is retried with a number; when those
// are taken too, the form says the app chose it, and asks for one.
func TestDerivedSlugTaken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, slug := range []string{"zeta", "zeta-3", "zeta-4"} {
		if _, err := e.Seeder().CreateOrg(context.Background(), "owner-"+slug+"@other.test", "Zeta "+slug, slug); err != nil {
			t.Fatal(err)
		}
	}
	b := e.browser()
	b.discover("z@zeta.test")
	dash := b.createOrg("Zeta")
	if got := dash.testid(t, "dashboard-slug"); got != "zeta-2" {
		t.Fatalf("slug %q, want zeta-2", got)
	}
	if _, err := e.Seeder().CreateOrg(context.Background(), "owner@other.test", "Zeta 5", "zeta-5"); err != nil {
		t.Fatal(err)
	}
	other := e.browser()
	other.discover("y@zeta.test")
	for _, htmx := range []bool{false, true} {
		r := other.post("/orgs/create", url.Values{"organization_name": {"Zeta"}}, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if got := r.testid(t, "organization_slug-error"); !strings.Contains(got, "We made the URL name “zeta”") {
			t.Fatalf("htmx=%v: %q", htmx, got)
		}
		slug := r.doc(t).Find("#organization_slug")
		if slug.AttrOr("value", "x") != "" || !hasAttr(slug, "autofocus") {
			t.Fatalf("htmx=%v: the URL name field is empty and focused", htmx)
		}
	}
}

// "Create another organization" while signed in: a fresh discovery link (Stytch creates
// organizations only with one), then the chooser with the create form open.
func TestCreateAnotherOrgWhileSignedIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn("more@orgs.test", "First Org")
	for _, htmx := range []bool{true, false} {
		wantDone(t, b.post("/login", url.Values{"email": {"more@orgs.test"}, "intent": {"new-org"}}, htmx), htmx, "/check-email")
	}
	if r := b.get("/check-email", false); !r.has(t, "new-org-hint") {
		t.Fatal("check-email says what the link is for")
	}
	b.followLink(e.latestLink("more@orgs.test"), "/orgs")
	chooser := b.get("/orgs", false)
	if _, open := chooser.doc(t).Find(`[data-testid="create-toggle"]`).Attr("open"); !open || hasAttr(chooser.doc(t).Find("h1"), "autofocus") {
		t.Fatal("the chooser opens the create form, without focusing the heading")
	}
	dash := b.createOrg("Second Org")
	if dash.testid(t, "dashboard-org") != "Second Org" || len(orgIDs(t, dash)) != 1 {
		t.Fatal("in the new organization, with the first one to switch to")
	}
	if _, open := b.discover("more@orgs.test").doc(t).Find(`[data-testid="create-toggle"]`).Attr("open"); open {
		t.Fatal("an ordinary sign-in leaves the create form closed")
	}
}

// After a 422 the invalid field is the one element with autofocus (the heading isn't), in the
// fragment htmx swaps and in the whole page; no ARIA attribute is ever empty.
func TestFocusGoesToTheInvalidField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, _ := e.newAdmin("focus@aria.test", "Focus")
	chooser := e.browser()
	chooser.discover("focus@aria.test")
	cases := []struct {
		b     *browser
		path  string
		form  url.Values
		field string
	}{
		{e.browser(), "/login", url.Values{"email": {"not an email"}}, "email"},
		{chooser, "/orgs/create", url.Values{"organization_name": {""}}, "organization_name"},
		{chooser, "/orgs/create", url.Values{"organization_name": {"Ok"}, "organization_slug": {"!"}}, "organization_slug"},
		{admin, "/members/invite", url.Values{"email": {"nope"}}, "invite-email"},
		{admin, "/settings", url.Values{"email_allowed_domains": {"https://x"}}, "email_allowed_domains"},
	}
	for _, c := range cases {
		for _, htmx := range []bool{false, true} {
			r := c.b.post(c.path, c.form, htmx)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			focus := r.doc(t).Find("[autofocus]")
			if focus.Length() != 1 || focus.AttrOr("id", "") != c.field || focus.AttrOr("aria-invalid", "") != "true" {
				t.Errorf("%s htmx=%v: autofocus on %d elements (%q), want only #%s", c.path, htmx, focus.Length(), focus.AttrOr("id", ""), c.field)
			}
			for _, id := range strings.Fields(focus.AttrOr("aria-describedby", "")) {
				if r.doc(t).Find("#"+id).Length() != 1 {
					t.Errorf("%s: aria-describedby names #%s, which isn't there", c.path, id)
				}
			}
			noEmptyARIA(t, c.path, r)
		}
	}
	for _, path := range []string{"/dashboard", "/members", "/settings", "/"} {
		noEmptyARIA(t, path, admin.get(path, false))
	}
	noEmptyARIA(t, "/orgs", chooser.get("/orgs", false))
}

func noEmptyARIA(t *testing.T, what string, r response) {
	t.Helper()
	r.doc(t).Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			if strings.HasPrefix(a.Key, "aria-") && strings.TrimSpace(a.Val) == "" {
				t.Errorf("%s: empty %s on <%s id=%q>", what, a.Key, s.Nodes[0].Data, s.AttrOr("id", ""))
			}
		}
	})
}

func hasAttr(s *goquery.Selection, name string) bool {
	_, ok := s.Attr(name)
	return ok
}
