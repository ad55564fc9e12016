package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
)

// getOrg reads an organization at Stytch (the emulator), as the project sees it.
func (e *env) getOrg(orgID string) organizations.Organization {
	e.t.Helper()
	resp, err := e.api.Organizations.Get(e.t.Context(), &organizations.GetParams{OrganizationID: orgID})
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.Organization
}

// Rename and re-slug: saved at Stytch, the header shows the new name at once; Stytch's and our
// refusals show next to the field.
func TestSettingsProfile(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e := newEnv(t)
		admin, orgID := e.newAdmin("boss@profile.test", "Profile Co")
		e.newAdmin("boss@taken.test", "Taken")

		r := admin.get("/settings", htmx)
		wantStatus(t, r, http.StatusOK)
		if v, _ := r.doc(t).Find("#profile-slug").Attr("value"); v != "profile-co" {
			t.Fatalf("slug field %q", v)
		}
		form := url.Values{"organization_name": {" Profile Labs "}, "organization_slug": {"profile-labs"}, "organization_logo_url": {"https://cdn.profile.test/logo.png"}}
		wantDone(t, admin.post("/settings/profile", form, htmx), htmx, "/settings?notice=profile-saved")
		o := e.getOrg(orgID)
		if o.OrganizationName != "Profile Labs" || o.OrganizationSlug != "profile-labs" || o.OrganizationLogoURL != "https://cdn.profile.test/logo.png" {
			t.Fatalf("org at Stytch %q %q %q", o.OrganizationName, o.OrganizationSlug, o.OrganizationLogoURL)
		}
		r = admin.get("/settings?notice=profile-saved", false)
		if got := r.testid(t, "notice"); !strings.Contains(got, "Profile Labs") || !strings.Contains(got, "profile-labs") {
			t.Fatalf("notice %q", got)
		}
		// The notice sits beside the form that was saved (not at the top) and takes the focus.
		if r.doc(t).Find(`[data-testid="notice"][autofocus] + [data-testid="profile-form"]`).Length() != 1 || r.doc(t).Find("h1[autofocus]").Length() != 0 {
			t.Fatalf("the saved notice should sit above the profile form, focused:\n%s", r.body)
		}
		if got := admin.get("/dashboard", false).testid(t, "dashboard-org"); got != "Profile Labs" {
			t.Fatalf("dashboard org %q after rename", got)
		}

		for _, c := range []struct {
			form        url.Values
			errID, want string
		}{
			{url.Values{"organization_name": {"Profile Labs"}, "organization_slug": {"taken"}, "organization_logo_url": {"https://cdn.profile.test/logo.png"}}, "profile-slug-error", "already taken"},
			{url.Values{"organization_name": {"Profile Labs"}, "organization_slug": {"no spaces"}, "organization_logo_url": {"https://cdn.profile.test/logo.png"}}, "profile-slug-error", "letters, digits"},
			{url.Values{"organization_name": {""}, "organization_slug": {"profile-labs"}, "organization_logo_url": {"https://cdn.profile.test/logo.png"}}, "profile-name-error", "Enter a name"},
			{url.Values{"organization_name": {"Profile Labs"}, "organization_slug": {"profile-labs"}, "organization_logo_url": {"javascript:alert(1)"}}, "profile-logo-error", "https://"},
			{url.Values{"organization_name": {"Profile Labs"}, "organization_slug": {"profile-labs"}, "organization_logo_url": {""}}, "profile-logo-error", "can't be removed"},
		} {
			r := admin.post("/settings/profile", c.form, htmx)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if htmx {
				wantFragment(t, r, "profile-form")
			}
			if got := r.testid(t, c.errID); !strings.Contains(got, c.want) {
				t.Fatalf("%v: %s %q, want %q", c.form, c.errID, got, c.want)
			}
		}
		if o := e.getOrg(orgID); o.OrganizationSlug != "profile-labs" {
			t.Fatalf("a refused profile changed the slug to %q", o.OrganizationSlug)
		}
	})
}

// Restrict to Google only: the admin who signed in by email link is warned first; once saved,
// a member who signs in with a link is asked to use Google, through the existing step.
func TestSettingsMethodsGoogleOnly(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e := newEnv(t)
		admin, orgID := e.newAdmin("boss@methods2.test", "Methods Two")
		e.joined(t, admin, "ann@methods2.test")

		form := url.Values{"auth_methods": {"RESTRICTED"}, "allowed_auth_methods": {"google_oauth"}, "email_invites": {"ALL_ALLOWED"}}
		r := admin.post("/settings/methods", form, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if got := r.testid(t, "methods-warning"); !strings.Contains(got, "Email link") {
			t.Fatalf("warning %q", got)
		}
		if o := e.getOrg(orgID); o.AuthMethods == "RESTRICTED" {
			t.Fatal("the warning step saved the restriction")
		}
		form.Set("confirm", "yes")
		wantDone(t, admin.post("/settings/methods", form, htmx), htmx, "/settings?notice=methods-saved")
		if o := e.getOrg(orgID); o.AuthMethods != "RESTRICTED" || !slices.Equal(o.AllowedAuthMethods, []string{"google_oauth"}) {
			t.Fatalf("org at Stytch %q %v", o.AuthMethods, o.AllowedAuthMethods)
		}

		ann := e.browser()
		ann.discover("ann@methods2.test")
		wantDone(t, ann.post("/orgs/select", url.Values{"organization_id": {orgID}}, htmx), htmx, "/mfa")
		if step := ann.get("/mfa", false); !step.has(t, "primary-oauth-google") {
			t.Fatalf("ann should be asked to continue with Google:\n%.1500s", step.body)
		}

		// None ticked, or a method we don't offer.
		r = admin.post("/settings/methods", url.Values{"auth_methods": {"RESTRICTED"}, "email_invites": {"ALL_ALLOWED"}}, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if got := r.testid(t, "methods-error"); !strings.Contains(got, "at least one") {
			t.Fatalf("error %q", got)
		}
		wantStatus(t, admin.post("/settings/methods", url.Values{"auth_methods": {"RESTRICTED"}, "allowed_auth_methods": {"password"}, "email_invites": {"ALL_ALLOWED"}}, htmx), http.StatusBadRequest)
	})
}

// Delete with the wrong confirmation (nothing happens) and the right one: the organization and
// its members' sessions end; the admin lands on the email form.
func TestSettingsDeleteOrg(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e := newEnv(t)
		admin, orgID := e.newAdmin("boss@doomed.test", "Doomed")
		dee := e.joined(t, admin, "dee@doomed.test")
		deeTok, bossTok := dee.stytchToken(), admin.stytchToken()

		r := admin.post("/settings/delete", url.Values{"confirm_slug": {"Doomed"}}, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if htmx {
			wantFragment(t, r, "delete-org-form")
		}
		if got := r.testid(t, "confirm-slug-error"); !strings.Contains(got, "URL name") {
			t.Fatalf("error %q", got)
		}
		e.getOrg(orgID) // still there
		wantStatus(t, dee.post("/settings/delete", url.Values{"confirm_slug": {"doomed"}}, htmx), http.StatusForbidden)

		wantDone(t, admin.post("/settings/delete", url.Values{"confirm_slug": {"doomed"}}, htmx), htmx, "/?notice=org-deleted")
		if _, err := e.api.Organizations.Get(t.Context(), &organizations.GetParams{OrganizationID: orgID}); err == nil {
			t.Fatal("the organization is still at Stytch")
		}
		e.wantSessionEnded("dee's session", deeTok)
		e.wantSessionEnded("the admin's session", bossTok)
		if got := admin.get("/?notice=org-deleted", false).testid(t, "notice"); !strings.Contains(got, "deleted") {
			t.Fatalf("notice %q", got)
		}
	})
}
