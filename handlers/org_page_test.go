package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// GET /org/{slug}: name and the methods the organization accepts (SSO buttons, an email link
// or code for it alone); an unknown slug is a friendly 404.
func TestSSOOrgPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, orgID := e.newAdmin("ada@orgpage.test", "Org Page")
	slug := "org-page"

	b := e.browser()
	page := b.get("/org/"+slug, false)
	wantStatus(t, page, http.StatusOK)
	if page.has(t, "sso-start") || !page.has(t, "org-login-form") {
		t.Fatalf("without SSO the page offers the link only:\n%.2000s", page.body)
	}
	wantFragment(t, b.get("/org/"+slug, true), "org-page")
	for _, bad := range []string{"no-such-org", orgID, "x"} {
		wantStatus(t, b.get("/org/"+bad, false), http.StatusNotFound)
	}

	// The email link, scoped to the organization: straight in, no chooser.
	r := b.post("/org/"+slug+"/login", url.Values{"email": {"ada@orgpage.test"}}, false)
	wantRedirect(t, r, "/org/"+slug+"?notice=link-sent")
	if got := b.get("/org/"+slug+"?notice=link-sent", false).testid(t, "org-link-sent"); !strings.Contains(got, "ada@orgpage.test") {
		t.Fatalf("sent notice %q", got)
	}
	b.followLink(e.latestLink("ada@orgpage.test"), "/dashboard")
	wantStatus(t, b.post("/org/"+slug+"/login", url.Values{"email": {"nope"}}, false), http.StatusUnprocessableEntity)
	// An address the organization won't take reads as sent (no membership oracle); nothing is.
	wantRedirect(t, b.post("/org/"+slug+"/login", url.Values{"email": {"stranger@elsewhere.test"}}, false), "/org/"+slug+"?notice=link-sent")
	if msgs, _ := e.emu.Mailbox(t.Context(), "stranger@elsewhere.test"); len(msgs) != 0 {
		t.Fatalf("mail to a stranger: %+v", msgs)
	}

	// The email code, scoped to the organization, plain then htmx: a wrong code by the field,
	// the right one straight in.
	for _, htmx := range []bool{false, true} {
		c := e.browser()
		r := c.post("/org/"+slug+"/login", url.Values{"email": {"ada@orgpage.test"}, "method": {"code"}}, htmx)
		if htmx {
			wantHXLocation(t, r, "/org/"+slug+"?notice=code-sent")
		} else {
			wantRedirect(t, r, "/org/"+slug+"?notice=code-sent")
		}
		page := c.get("/org/"+slug+"?notice=code-sent", htmx)
		if !page.has(t, "org-code-form") {
			t.Fatalf("htmx=%v: no code form:\n%.2000s", htmx, page.body)
		}
		msgs, err := e.emu.Mailbox(t.Context(), "ada@orgpage.test")
		if err != nil || len(msgs) == 0 || msgs[0].Kind != "login_otp" {
			t.Fatalf("mailbox %+v %v", msgs, err)
		}
		wrong := "000000"
		if msgs[0].Code == wrong {
			wrong = "111111"
		}
		r = c.post("/org/"+slug+"/code", url.Values{"code": {wrong}}, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if !r.has(t, "org-code-error") {
			t.Fatalf("htmx=%v: wrong code not said by the field", htmx)
		}
		r = c.post("/org/"+slug+"/code", url.Values{"code": {msgs[0].Code}}, htmx)
		if htmx {
			wantHXLocation(t, r, "/dashboard")
		} else {
			wantRedirect(t, r, "/dashboard")
		}
		e.advance(31 * time.Second) // the next code to the same address
	}

	// With a connection and SSO required: SSO only.
	admin.createSAML("Okta")
	wantRedirect(t, admin.post("/settings/sso/settings", url.Values{"sso_jit_provisioning": {"ALL_ALLOWED"}, "require_sso": {"on"}}, false), "/settings/sso?notice=sso-saved")
	c := e.browser()
	page = c.get("/org/"+slug, false)
	if !page.has(t, "sso-start") || page.has(t, "org-login-form") {
		t.Fatalf("an SSO-only organization's page:\n%.2000s", page.body)
	}
	connID := page.doc(t).Find(`[data-testid="sso-start"]`).AttrOr("data-connection-id", "")
	landing := c.ssoLanding(c.post("/sso/start", url.Values{"connection_id": {connID}, "organization_slug": {slug}}, false), idpPerson{email: "dee@orgpage.test", name: "Dee"})
	wantRedirect(t, c.get(landing.RequestURI(), false), "/dashboard")
}
