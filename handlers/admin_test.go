package handlers_test

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"

	"github.com/orgpick/orgpick/handlers"
	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// Emulator routes the admin pages call (keys of emulator.Calls).
const (
	callInvite       = "POST /v1/b2b/magic_links/email/invite"
	callUpdateOrg    = "PUT /v1/b2b/organizations/{organization_id}"
	callDeleteMember = "DELETE /v1/b2b/organizations/{organization_id}/members/{member_id}"
	callSearch       = "POST /v1/b2b/organizations/members/search"
)

// signedIn signs email in on a fresh browser and creates an organization (email is its admin):
// the browser is on its dashboard.
func (e *env) signedIn(email, orgName string) *browser {
	e.t.Helper()
	b := e.browser()
	b.discover(email)
	b.createOrg(orgName)
	return b
}

// newAdmin signs a new email in, creates an organization and returns its browser and org ID.
func (e *env) newAdmin(addr, orgName string) (*browser, string) {
	e.t.Helper()
	b := e.signedIn(addr, orgName)
	return b, e.orgIDBySlug(strings.ToLower(strings.ReplaceAll(orgName, " ", "-")))
}

// memberRow finds the member list's row for an email (nil selection if absent).
func memberRow(t *testing.T, r response, addr string) *goquery.Selection {
	t.Helper()
	return r.doc(t).Find(`[data-testid="member-row"][data-email="` + addr + `"]`)
}

func cellOf(row *goquery.Selection, testid string) string {
	return strings.Join(strings.Fields(row.Find(`[data-testid="`+testid+`"]`).Text()), " ")
}

// memberIDOf reads a member's ID from the admin's member list.
func memberIDOf(t *testing.T, b *browser, addr string) string {
	t.Helper()
	r := b.get("/members", false)
	wantStatus(t, r, http.StatusOK)
	id, ok := memberRow(t, r, addr).Attr("data-member-id")
	if !ok {
		t.Fatalf("%s not in the member list:\n%s", addr, r.body)
	}
	return id
}

// The first journey: an admin invites by email, the invitee signs in from the mailbox
// link (Continue step, straight into the org), and the member list shows them active.
func TestAdminInvitesAndInviteeJoins(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e := newEnv(t)
		admin, orgID := e.newAdmin("boss@globex.test", "Globex")

		dash := admin.get("/dashboard", false)
		if !dash.has(t, "members-link") || !dash.has(t, "settings-link") {
			t.Fatalf("an admin's dashboard should link to members and settings:\n%s", dash.body)
		}
		r := admin.get("/members", htmx)
		wantStatus(t, r, http.StatusOK)
		if htmx {
			wantFragment(t, r, "members-list")
		}
		self := memberRow(t, r, "boss@globex.test")
		if cellOf(self, "member-status") != "Active" || cellOf(self, "member-role") != "Admin" || !strings.Contains(cellOf(self, "member-email"), "(you)") {
			t.Fatalf("admin row: %q / %q / %q", cellOf(self, "member-email"), cellOf(self, "member-status"), cellOf(self, "member-role"))
		}

		r = admin.post("/members/invite", url.Values{"email": {"  Hank@Globex.test "}}, htmx)
		wantDone(t, r, htmx, "/members?notice=invited")
		r = admin.get("/members?notice=invited", htmx)
		if !strings.Contains(r.testid(t, "notice"), "Invitation sent") {
			t.Fatalf("notice %q", r.testid(t, "notice"))
		}
		row := memberRow(t, r, "hank@globex.test")
		if got := cellOf(row, "member-status"); got != "Invited" {
			t.Fatalf("invitee status %q, want Invited\n%s", got, r.body)
		}
		if row.Find(`[data-testid="member-resend"]`).Length() != 1 || row.Find(`[data-testid="member-revoke"]`).Length() != 1 {
			t.Fatal("a pending invitation should offer resend and revoke")
		}

		msgs, _ := e.emu.Mailbox(t.Context(), "hank@globex.test")
		if len(msgs) != 1 || msgs[0].Kind != "invite" || msgs[0].OrganizationID != orgID {
			t.Fatalf("mailbox %+v", msgs)
		}
		link := e.latestLink("hank@globex.test")
		if got := link.Scheme + "://" + link.Host + link.Path; got != e.Deps.BaseURL+"/authenticate" {
			t.Fatalf("invite link lands on %q, want BASE_URL/authenticate", got)
		}
		if tt := link.Query().Get("stytch_token_type"); tt != "multi_tenant_magic_links" {
			t.Fatalf("token type %q", tt)
		}

		invitee := e.browser()
		d := invitee.followLink(link, "/dashboard")
		wantStatus(t, d, http.StatusOK)
		if d.testid(t, "dashboard-org") != "Globex" || d.testid(t, "dashboard-role") != "Member" {
			t.Fatalf("invitee landed in %q as %q", d.testid(t, "dashboard-org"), d.testid(t, "dashboard-role"))
		}
		if d.has(t, "settings-link") {
			t.Fatal("a member's dashboard should not link to the admin settings")
		}

		r = admin.get("/members", false)
		row = memberRow(t, r, "hank@globex.test")
		if cellOf(row, "member-status") != "Active" || cellOf(row, "member-role") != "Member" {
			t.Fatalf("after joining: %q / %q", cellOf(row, "member-status"), cellOf(row, "member-role"))
		}
		if row.Find(`[data-testid="member-resend"], [data-testid="member-revoke"]`).Length() != 0 {
			t.Fatal("an active member has no invitation to resend or revoke")
		}
	})
}

// Invalid and refused invitations come back as 422 with the problem next to the field.
func TestInviteInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, _ := e.newAdmin("boss@invalid.test", "Invalid")
	cases := []struct{ email, want string }{
		{"", "Enter the email address"},
		{"not-an-email", "like name@company.com"},
		{"boss@invalid.test", "your own address"},
		{"BOSS@invalid.test", "your own address"},
	}
	// In order, not parallel: the cases share the admin's session, and the checks after them
	// count Stytch calls.
	for _, htmx := range modes() {
		for _, c := range cases {
			t.Run(modeName(htmx)+"/"+c.email, func(t *testing.T) {
				r := admin.post("/members/invite", url.Values{"email": {c.email}}, htmx)
				wantStatus(t, r, http.StatusUnprocessableEntity)
				if htmx {
					wantFragment(t, r, "invite-form")
					if r.has(t, "members-list") {
						t.Fatal("htmx 422 should be just the form")
					}
				} else if !r.has(t, "members-list") {
					t.Fatal("plain 422 should re-render the whole members page")
				}
				if got := r.testid(t, "invite-email-error"); !strings.Contains(got, c.want) {
					t.Fatalf("error %q, want it to say %q", got, c.want)
				}
				if v, _ := r.doc(t).Find("#invite-email").Attr("value"); v != c.email {
					t.Fatalf("typed address not kept: %q", v)
				}
				if got, _ := r.doc(t).Find("#invite-email").Attr("aria-invalid"); got != "true" {
					t.Fatal("the field should be marked invalid")
				}
			})
		}
	}
	if n := e.emu.Calls()[callInvite]; n != 0 {
		t.Fatalf("invalid addresses reached Stytch: %d invite calls", n)
	}

	// Refusals only Stytch can know: an active member, and a domain the org doesn't invite.
	member := e.browser()
	wantDone(t, admin.post("/members/invite", url.Values{"email": {"joined@invalid.test"}}, false), false, "/members?notice=invited")
	member.followLink(e.latestLink("joined@invalid.test"), "/dashboard")
	for _, htmx := range modes() {
		r := admin.post("/members/invite", url.Values{"email": {"joined@invalid.test"}}, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if got := r.testid(t, "invite-email-error"); !strings.Contains(got, "already an active member") {
			t.Fatalf("%s: error %q", modeName(htmx), got)
		}
	}
	orgID := e.orgIDBySlug("invalid")
	if _, err := e.api.Organizations.Update(t.Context(), &organizations.UpdateParams{OrganizationID: orgID, EmailAllowedDomains: []string{"invalid.test"}, EmailInvites: "RESTRICTED"}); err != nil {
		t.Fatal(err)
	}
	r := admin.post("/members/invite", url.Values{"email": {"outsider@elsewhere.test"}}, false)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if got := r.testid(t, "invite-email-error"); !strings.Contains(got, "allowed email domains") {
		t.Fatalf("error %q", got)
	}
}

// Resend mails a fresh working link; revoke deletes the pending member, so its link fails.
func TestResendAndRevoke(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e := newEnv(t)
		admin, _ := e.newAdmin("boss@umbrella.test", "Umbrella")
		wantDone(t, admin.post("/members/invite", url.Values{"email": {"ada@umbrella.test"}}, false), false, "/members?notice=invited")
		wantDone(t, admin.post("/members/invite", url.Values{"email": {"bob@umbrella.test"}}, false), false, "/members?notice=invited")

		// Resend.
		ada := memberIDOf(t, admin, "ada@umbrella.test")
		r := admin.post("/members/resend", url.Values{"member_id": {ada}}, htmx)
		wantDone(t, r, htmx, "/members?notice=resent")
		if msgs, _ := e.emu.Mailbox(t.Context(), "ada@umbrella.test"); len(msgs) != 2 {
			t.Fatalf("%d invitations mailed, want 2", len(msgs))
		}
		e.browser().followLink(e.latestLink("ada@umbrella.test"), "/dashboard")

		// Revoke.
		bob := memberIDOf(t, admin, "bob@umbrella.test")
		bobLink := e.latestLink("bob@umbrella.test")
		r = admin.post("/members/revoke", url.Values{"member_id": {bob}}, htmx)
		wantDone(t, r, htmx, "/members?notice=revoked")
		r = admin.get("/members?notice=revoked", false)
		if memberRow(t, r, "bob@umbrella.test").Length() != 0 {
			t.Fatal("a revoked invitation should leave the list")
		}
		if !strings.Contains(r.testid(t, "notice"), "revoked") {
			t.Fatalf("notice %q", r.testid(t, "notice"))
		}
		q := bobLink.Query()
		r = e.browser().post("/authenticate", url.Values{"stytch_token_type": {q.Get("stytch_token_type")}, "token": {q.Get("token")}}, false)
		wantStatus(t, r, http.StatusBadRequest)
		if !strings.Contains(r.testid(t, "error-message"), "expired or was already used") {
			t.Fatalf("revoked link: %q", r.testid(t, "error-message"))
		}

		// What can't be resent or revoked: active members (Ada has joined), yourself,
		// someone already revoked, an ID from nowhere, an admin of another org's member.
		self := memberIDOf(t, admin, "boss@umbrella.test")
		before := e.emu.Calls()
		for _, c := range []struct {
			path, id string
			status   int
			want     string
		}{
			{"/members/revoke", ada, http.StatusConflict, "already joined"},
			{"/members/resend", ada, http.StatusConflict, "already joined"},
			{"/members/revoke", self, http.StatusConflict, "your own membership"},
			{"/members/resend", self, http.StatusConflict, "your own membership"},
			{"/members/revoke", bob, http.StatusNotFound, "couldn't find that person"},
			{"/members/revoke", "member-test-00000000-0000-4000-8000-000000000000", http.StatusNotFound, "couldn't find"},
			{"/members/revoke", "../../organizations", http.StatusNotFound, "couldn't find"},
			{"/members/revoke", "", http.StatusNotFound, "couldn't find"},
		} {
			r := admin.post(c.path, url.Values{"member_id": {c.id}}, htmx)
			wantStatus(t, r, c.status)
			if htmx && r.Header.Get("HX-Retarget") != "#flash" {
				t.Fatalf("%s %q: htmx error should be retargeted to #flash", c.path, c.id)
			}
			if got := r.testid(t, "error-message"); !strings.Contains(got, c.want) {
				t.Fatalf("%s %q: message %q, want %q", c.path, c.id, got, c.want)
			}
		}
		after := e.emu.Calls()
		if after[callDeleteMember] != before[callDeleteMember] || after[callInvite] != before[callInvite] {
			t.Fatal("refused resend/revoke must not reach Stytch's invite or delete")
		}
		if r := admin.get("/members", false); cellOf(memberRow(t, r, "ada@umbrella.test"), "member-status") != "Active" {
			t.Fatal("Ada must still be an active member")
		}
	})
}

// An admin can neither resend nor revoke another organization's invitation.
func TestResendAndRevokeAnotherOrgsMember(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, _ := e.newAdmin("boss@one.test", "One")
	other, _ := e.newAdmin("boss@two.test", "Two")
	wantDone(t, other.post("/members/invite", url.Values{"email": {"x@two.test"}}, false), false, "/members?notice=invited")
	x := memberIDOf(t, other, "x@two.test")
	wantStatus(t, admin.post("/members/revoke", url.Values{"member_id": {x}}, false), http.StatusNotFound)
	wantStatus(t, admin.post("/members/resend", url.Values{"member_id": {x}}, false), http.StatusNotFound)
	if r := other.get("/members", false); cellOf(memberRow(t, r, "x@two.test"), "member-status") != "Invited" {
		t.Fatal("the other org's invitation must be untouched")
	}
}

// The second journey: the admin allows the company domain; a colleague at that domain
// discovers the org as joinable and joins.
func TestSettingsLetColleaguesJoinByDomain(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e := newEnv(t)
		admin, orgID := e.newAdmin("boss@initrode.test", "Initrode")
		r := admin.get("/settings", htmx)
		wantStatus(t, r, http.StatusOK)
		if htmx {
			wantFragment(t, r, "settings-form")
		}
		if _, checked := r.doc(t).Find("#email_jit_provisioning").Attr("checked"); checked {
			t.Fatal("a new org doesn't let people join by domain")
		}
		if got := r.testid(t, "invites-setting"); !strings.Contains(got, "invite anyone") {
			t.Fatalf("invites setting %q", got)
		}

		r = admin.post("/settings", url.Values{"email_allowed_domains": {"Initrode.test, @initrode-labs.test\ninitrode.test"}, "email_jit_provisioning": {"on"}}, htmx)
		wantDone(t, r, htmx, "/settings?notice=saved")
		org, err := e.api.Organizations.Get(t.Context(), &organizations.GetParams{OrganizationID: orgID})
		if err != nil {
			t.Fatal(err)
		}
		if got := org.Organization.EmailAllowedDomains; !slices.Equal(got, []string{"initrode.test", "initrode-labs.test"}) || org.Organization.EmailJITProvisioning != "RESTRICTED" {
			t.Fatalf("stytch has domains %v, jit %q", got, org.Organization.EmailJITProvisioning)
		}
		r = admin.get("/settings?notice=saved", false)
		if got := r.doc(t).Find("#email_allowed_domains").Text(); got != "initrode.test\ninitrode-labs.test" {
			t.Fatalf("textarea %q", got)
		}
		if _, checked := r.doc(t).Find("#email_jit_provisioning").Attr("checked"); !checked || r.testid(t, "notice") != "Settings saved." {
			t.Fatal("saved settings should show, with a notice")
		}

		colleague := e.browser()
		chooser := colleague.discover("milton@initrode.test")
		if !chooser.has(t, "org-group-domain") || !strings.Contains(chooser.testid(t, "org-reason"), "initrode.test") {
			t.Fatalf("the org should be offered by domain:\n%s", chooser.body)
		}
		wantRedirect(t, colleague.post("/orgs/select", url.Values{"organization_id": {orgID}}, false), "/dashboard")
		if got := colleague.get("/dashboard", false).testid(t, "dashboard-org"); got != "Initrode" {
			t.Fatalf("joined %q", got)
		}
		if row := memberRow(t, admin.get("/members", false), "milton@initrode.test"); cellOf(row, "member-status") != "Active" {
			t.Fatal("the colleague should be listed as active")
		}

		// Turning joining off keeps the domains (they can't be emptied) and stops offering the org.
		wantDone(t, admin.post("/settings", url.Values{"email_allowed_domains": {"initrode.test"}}, htmx), htmx, "/settings?notice=saved")
		if other := e.browser().discover("peter@initrode.test"); slices.Contains(orgIDs(t, other), orgID) {
			t.Fatal("with joining off the org must not be offered by domain")
		}
	})
}

// Bad settings are 422 with the problem next to the field, on both paths; the ones the app can
// judge never reach Stytch.
func TestSettingsInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, orgID := e.newAdmin("boss@hooli.test", "Hooli")
	cases := []struct {
		name, domains, jit string
		field, want        string
		askStytch          bool
	}{
		{"common domain", "hooli.test, Gmail.com", "on", "domains-error", "gmail.com is a common email provider", false},
		{"common domain under another TLD", "hooli.test gmx.de", "on", "domains-error", "gmx.de is a common email provider", false},
		{"common domain of Stytch's list", "yahoo.co.jp", "on", "domains-error", "yahoo.co.jp is a common email provider", false},
		{"not a domain", "https://hooli.test/", "on", "domains-error", "isn't a domain name", false},
		{"no dot", "localhost", "", "domains-error", "isn't a domain name", false},
		{"bad label", "-hooli.test", "", "domains-error", "isn't a domain name", false},
		{"too many", strings.Repeat("a.test b.test c.test d.test e.test f.test g.test h.test i.test j.test ", 1) + "k.test l.test m.test n.test o.test p.test q.test r.test s.test t.test u.test", "", "domains-error", "more than 20", false},
		{"joining needs a domain", "", "on", "domains-error", "Add at least one domain", false},
	}
	// In order, not parallel: the cases share the admin's session and count Stytch calls.
	for _, htmx := range modes() {
		for _, c := range cases {
			t.Run(modeName(htmx)+"/"+c.name, func(t *testing.T) {
				before := e.emu.Calls()[callUpdateOrg]
				form := url.Values{"email_allowed_domains": {c.domains}}
				if c.jit != "" {
					form.Set("email_jit_provisioning", c.jit)
				}
				r := admin.post("/settings", form, htmx)
				wantStatus(t, r, http.StatusUnprocessableEntity)
				if htmx {
					wantFragment(t, r, "settings-form")
				} else if !r.has(t, "settings") {
					t.Fatal("plain 422 should be the whole settings page")
				}
				if got := r.testid(t, c.field); !strings.Contains(got, c.want) {
					t.Fatalf("%s: %q, want %q", c.field, got, c.want)
				}
				if got := r.doc(t).Find("#email_allowed_domains").Text(); got != c.domains {
					t.Fatalf("typed domains not kept: %q", got)
				}
				if _, checked := r.doc(t).Find("#email_jit_provisioning").Attr("checked"); checked != (c.jit != "") {
					t.Fatal("the checkbox should keep what was sent")
				}
				if asked := e.emu.Calls()[callUpdateOrg] > before; asked != c.askStytch {
					t.Fatalf("Stytch asked: %v, want %v", asked, c.askStytch)
				}
			})
		}
	}
	// Once domains are set, the list can't be emptied (the SDK omits empty lists): say so.
	wantDone(t, admin.post("/settings", url.Values{"email_allowed_domains": {"hooli.test"}}, false), false, "/settings?notice=saved")
	if r := admin.get("/settings", false); !strings.Contains(r.doc(t).Find("#domains-hint").Text(), "not empty it here") {
		t.Fatal("the form should say the list can't be emptied")
	}
	r := admin.post("/settings", url.Values{"email_allowed_domains": {"  \n "}}, false)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if got := r.testid(t, "domains-error"); !strings.Contains(got, "can't be emptied") {
		t.Fatalf("error %q", got)
	}
	org, _ := e.api.Organizations.Get(t.Context(), &organizations.GetParams{OrganizationID: orgID})
	if !slices.Equal(org.Organization.EmailAllowedDomains, []string{"hooli.test"}) {
		t.Fatalf("domains %v", org.Organization.EmailAllowedDomains)
	}
}

// The third journey: a member's crafted invite, resend, revoke and settings POSTs are
// refused with 403 and a clear message, before Stytch is asked, and nothing changes.
func TestNonAdminIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, orgID := e.newAdmin("boss@acme.test", "Acme")
	wantDone(t, admin.post("/members/invite", url.Values{"email": {"pending@acme.test"}}, false), false, "/members?notice=invited")
	wantDone(t, admin.post("/members/invite", url.Values{"email": {"member@acme.test"}}, false), false, "/members?notice=invited")
	pending := memberIDOf(t, admin, "pending@acme.test")
	member := e.browser()
	member.followLink(e.latestLink("member@acme.test"), "/dashboard")

	// Stytch's default RBAC policy gives stytch_member nothing on stytch.member: no member list
	// (Stytch refuses the search made with the member's session), and no links to admin pages.
	r := member.get("/members", false)
	wantStatus(t, r, http.StatusForbidden)
	if got := r.testid(t, "error-message"); !strings.Contains(got, "Only an admin of this organization can do that") {
		t.Fatalf("message %q", got)
	}
	if d := member.get("/dashboard", false); d.has(t, "members-link") || d.has(t, "settings-link") {
		t.Fatal("a member's dashboard should not offer the admin pages")
	}
	if d := admin.get("/dashboard", false); !d.has(t, "members-link") || !d.has(t, "settings-link") {
		t.Fatal("an admin's dashboard offers the members and settings pages")
	}

	before := e.emu.Calls()
	// In order, not parallel: the cases share the member's session, and the checks after them
	// count Stytch calls.
	for _, htmx := range modes() {
		for _, c := range []struct {
			method, path string
			form         url.Values
		}{
			{http.MethodPost, "/members/invite", url.Values{"email": {"mallory@evil.test"}}},
			{http.MethodPost, "/members/resend", url.Values{"member_id": {pending}}},
			{http.MethodPost, "/members/revoke", url.Values{"member_id": {pending}}},
			{http.MethodPost, "/settings", url.Values{"email_allowed_domains": {"evil.test"}, "email_jit_provisioning": {"on"}}},
			{http.MethodGet, "/settings", nil},
		} {
			t.Run(modeName(htmx)+" "+c.method+" "+c.path, func(t *testing.T) {
				var r response
				if c.method == http.MethodGet {
					r = member.get(c.path, htmx)
				} else {
					r = member.post(c.path, c.form, htmx)
				}
				wantStatus(t, r, http.StatusForbidden)
				if got := r.testid(t, "error-message"); !strings.Contains(got, "Only an admin of this organization can do that") {
					t.Fatalf("message %q", got)
				}
				if htmx {
					if r.Header.Get("HX-Retarget") != "#flash" || strings.Contains(r.body, "<html") {
						t.Fatal("htmx: the message goes to #flash, as a fragment")
					}
				} else if r.testid(t, "error-next") != "Back to the dashboard" {
					t.Fatal("the 403 page should lead back to the dashboard")
				}
			})
		}
	}
	after := e.emu.Calls()
	for _, k := range []string{callInvite, callUpdateOrg, callDeleteMember, "GET /v1/b2b/organizations/{organization_id}"} {
		if after[k] != before[k] {
			t.Fatalf("%s called %d times for a non-admin", k, after[k]-before[k])
		}
	}
	if msgs, _ := e.emu.Mailbox(t.Context(), "mallory@evil.test"); len(msgs) != 0 {
		t.Fatal("no invitation may be sent")
	}
	org, _ := e.api.Organizations.Get(t.Context(), &organizations.GetParams{OrganizationID: orgID})
	if len(org.Organization.EmailAllowedDomains) != 0 || org.Organization.EmailJITProvisioning != "NOT_ALLOWED" {
		t.Fatal("the organization's settings must be unchanged")
	}
	if cellOf(memberRow(t, admin.get("/members", false), "pending@acme.test"), "member-status") != "Invited" {
		t.Fatal("the pending invitation must be untouched")
	}
}

// The app passes the member's session to Stytch, so Stytch (here the emulator) enforces the
// same rules: a member's session can't invite, delete or change settings, and an admin's
// session can't act on another organization.
func TestStytchEnforcesRolesWithMemberSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	boss, orgID := e.newAdmin("boss@rbac.test", "Rbac")
	_, otherID := e.newAdmin("boss@other-rbac.test", "Other Rbac")
	ctx := t.Context()
	st := stytchb2b.New(e.api, 5*time.Second, time.Hour)

	// A member's session, straight through the SDK: invited, then the link spent.
	if _, err := e.api.MagicLinks.Email.Invite(ctx, &email.InviteParams{OrganizationID: orgID, EmailAddress: "m@rbac.test", InviteRedirectURL: e.Deps.BaseURL + "/authenticate"}); err != nil {
		t.Fatal(err)
	}
	memberTok := e.sessionFromLink(e.latestLink("m@rbac.test"))
	if _, err := e.api.MagicLinks.Email.Invite(ctx, &email.InviteParams{OrganizationID: orgID, EmailAddress: "p@rbac.test", InviteRedirectURL: e.Deps.BaseURL + "/authenticate"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Members(ctx, memberTok, orgID); !errors.Is(err, stytchb2b.ErrForbidden) {
		t.Fatalf("a plain member lists its org's members: %v, want ErrForbidden (Stytch's default policy)", err)
	}
	pending, _, err := st.Members(ctx, boss.stytchToken(), orgID)
	if err != nil {
		t.Fatalf("an admin lists its org: %v", err)
	}
	i := slices.IndexFunc(pending, func(m stytchb2b.OrgMember) bool { return m.Email == "p@rbac.test" })
	if i < 0 {
		t.Fatal("invited member not listed")
	}
	pid := pending[i].ID

	for name, call := range map[string]func(tok string) error{
		"invite": func(tok string) error {
			return st.Invite(ctx, tok, stytchb2b.Invitation{OrgID: orgID, Email: "new@rbac.test", RedirectURL: e.Deps.BaseURL + "/authenticate"})
		},
		"delete": func(tok string) error { return st.DeleteMember(ctx, tok, orgID, pid) },
		"update": func(tok string) error {
			_, err := st.UpdateOrgSettings(ctx, tok, orgID, stytchb2b.OrgSettings{AllowedDomains: []string{"rbac.test"}, JITByDomain: true})
			return err
		},
	} {
		if err := call(memberTok); !errors.Is(err, stytchb2b.ErrForbidden) {
			t.Errorf("%s with a member's session: %v, want ErrForbidden", name, err)
		}
	}
	// Without a member session the SDK would send no RBAC header at all: refused before Stytch.
	before := e.emu.Calls()[callInvite]
	if err := st.Invite(ctx, "", stytchb2b.Invitation{OrgID: orgID, Email: "new@rbac.test", RedirectURL: e.Deps.BaseURL + "/authenticate"}); !errors.Is(err, stytchb2b.ErrSessionEnded) {
		t.Errorf("invite without a session: %v, want ErrSessionEnded", err)
	}
	if e.emu.Calls()[callInvite] != before {
		t.Error("an invite without a member session reached Stytch")
	}
	if _, _, err := st.Members(ctx, memberTok, otherID); !errors.Is(err, stytchb2b.ErrForbidden) {
		t.Errorf("listing another org's members: %v, want ErrForbidden", err)
	}
	if _, err := st.FindMember(ctx, memberTok, orgID, pid); !errors.Is(err, stytchb2b.ErrForbidden) {
		t.Errorf("a plain member looks up another member: %v, want ErrForbidden", err)
	}
	if _, err := st.FindMember(ctx, boss.stytchToken(), orgID, "member-test-00000000-0000-4000-8000-000000000000"); !errors.Is(err, stytchb2b.ErrMemberNotFound) {
		t.Errorf("unknown member: %v", err)
	}
}

// sessionFromLink spends a multi-tenant magic link through the SDK and returns the session token.
func (e *env) sessionFromLink(link *url.URL) string {
	e.t.Helper()
	resp, err := e.api.MagicLinks.Authenticate(e.t.Context(), &magiclinks.AuthenticateParams{MagicLinksToken: link.Query().Get("token")})
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.SessionToken
}

// Invitation emails are limited per recipient and per sending admin (anyone can create an org
// and invite): a friendly 429 that says how long to wait, and Stytch isn't asked.
func TestInvitesAreRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(d *handlers.Deps) {
		d.EmailRules = []handlers.Rule{{Window: 30 * time.Second, Max: 1}}
		d.IPRules = []handlers.Rule{{Window: time.Minute, Max: 3}}
	})
	admin, _ := e.newAdmin("boss@limits.test", "Limits")
	wantDone(t, admin.post("/members/invite", url.Values{"email": {"a@limits.test"}}, false), false, "/members?notice=invited")
	a := memberIDOf(t, admin, "a@limits.test")
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{"/members/invite", url.Values{"email": {"a@limits.test"}}},
		{"/members/resend", url.Values{"member_id": {a}}},
	} {
		r := admin.post(c.path, c.form, true)
		wantStatus(t, r, http.StatusTooManyRequests)
		msg := r.testid(t, "error-message") // resend: a button, so the flash
		if c.path == "/members/invite" {    // the form that was sent says why and when
			msg = r.testid(t, "cooldown")
			wantFragment(t, r, "invite-form")
		}
		if !strings.Contains(msg, "another in") && !strings.Contains(msg, "wait") || r.Header.Get("Retry-After") == "" {
			t.Fatalf("%s: 429 should say how long to wait: %q", c.path, msg)
		}
	}
	if msgs, _ := e.emu.Mailbox(t.Context(), "a@limits.test"); len(msgs) != 1 {
		t.Fatalf("%d emails to a@, want 1", len(msgs))
	}
	// Refusals don't use up the sender's allowance: the two 429s above (recipient limit) and an
	// invalid address leave room for b@ and c@, and only d@ is over.
	wantStatus(t, admin.post("/members/invite", url.Values{"email": {"nobody"}}, false), http.StatusUnprocessableEntity)
	wantDone(t, admin.post("/members/invite", url.Values{"email": {"b@limits.test"}}, false), false, "/members?notice=invited")
	wantDone(t, admin.post("/members/invite", url.Values{"email": {"c@limits.test"}}, false), false, "/members?notice=invited")
	wantStatus(t, admin.post("/members/invite", url.Values{"email": {"d@limits.test"}}, false), http.StatusTooManyRequests)
	e.advance(61 * time.Second)
	wantDone(t, admin.post("/members/invite", url.Values{"email": {"d@limits.test"}}, false), false, "/members?notice=invited")
	wantDone(t, admin.post("/members/resend", url.Values{"member_id": {a}}, false), false, "/members?notice=resent")
}

// Every admin form refuses a cross-site POST before anything else.
func TestAdminCrossSiteRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, _ := e.newAdmin("boss@csrf-admin.test", "Csrf Admin")
	before := e.emu.Calls()
	for _, path := range []string{"/members/invite", "/members/resend", "/members/revoke", "/settings"} {
		req, _ := http.NewRequest(http.MethodPost, e.URL+path, strings.NewReader("email=evil%40evil.test&email_allowed_domains=evil.test&email_jit_provisioning=on"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		r := admin.do(req)
		wantStatus(t, r, http.StatusForbidden)
		if !strings.Contains(r.testid(t, "error-message"), "another site") {
			t.Fatalf("%s: %q", path, r.testid(t, "error-message"))
		}
	}
	if !maps.Equal(before, e.emu.Calls()) {
		t.Fatal("a cross-site POST reached Stytch")
	}
}

// Admin pages need a signed-in member: anyone else goes to the sign-in page.
func TestAdminPagesNeedSignIn(t *testing.T) {
	t.Parallel()
	_, b := envWithBrowser(t)
	for _, path := range []string{"/members", "/settings"} {
		wantRedirect(t, b.get(path, false), "/")
	}
	wantRedirect(t, b.post("/members/invite", url.Values{"email": {"a@b.test"}}, false), "/")
	wantRedirect(t, b.post("/settings", url.Values{"email_allowed_domains": {"b.test"}}, false), "/")
}

// The fourth journey: a person with 200 organizations (plus an invitation and one
// joinable by domain) filters to one and picks it, with and without htmx.
func TestChooserWith200Orgs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const addr = "busy@conglomerate.test"
	e.memberships(addr, numbered("Branch", 200)...)
	host, hostID := e.newAdmin("boss@partner.test", "Partner")
	wantDone(t, host.post("/members/invite", url.Values{"email": {addr}}, false), false, "/members?notice=invited")
	_, domainID := e.newAdmin("founder@conglomerate.test", "Holding")
	if _, err := e.api.Organizations.Update(t.Context(), &organizations.UpdateParams{OrganizationID: domainID, EmailAllowedDomains: []string{"conglomerate.test"}, EmailJITProvisioning: "RESTRICTED"}); err != nil {
		t.Fatal(err)
	}

	// In order, not parallel: both runs sign the same address in, each reading its newest mail.
	for _, htmx := range modes() {
		t.Run(modeName(htmx), func(t *testing.T) {
			b := e.browser()
			chooser := b.discover(addr)
			if n := len(orgIDs(t, chooser)); n != 202 {
				t.Fatalf("chooser lists %d orgs, want 202", n)
			}
			for group, want := range map[string]int{"member": 200, "invited": 1, "domain": 1} {
				if n := chooser.doc(t).Find(`[data-testid="org-group-` + group + `"] [data-testid="org"]`).Length(); n != want {
					t.Fatalf("group %s has %d orgs, want %d", group, n, want)
				}
			}
			// The filter is a plain GET form that htmx upgrades to active search on #org-list.
			f := chooser.doc(t).Find(`form[data-testid="org-filter"]`)
			for attr, want := range map[string]string{"method": "get", "action": "/orgs", "hx-get": "/orgs", "hx-select": "#org-list", "hx-target": "#org-list", "hx-push-url": "true"} {
				if got, _ := f.Attr(attr); got != want {
					t.Fatalf("filter form %s=%q, want %q", attr, got, want)
				}
			}

			r := b.get("/orgs?q="+url.QueryEscape("branch 137"), htmx)
			wantStatus(t, r, http.StatusOK)
			if htmx {
				wantFragment(t, r, "org-list")
				if !r.has(t, "org-status") {
					t.Fatal("the htmx answer must carry #org-status for hx-select-oob")
				}
			}
			ids := orgIDs(t, r)
			if len(ids) != 1 || r.testid(t, "org-name") != "Branch 137" {
				t.Fatalf("filter kept %d orgs (%q)", len(ids), r.testid(t, "org-name"))
			}
			if got := r.testid(t, "match-count"); got != "1 of 202 organizations matches." {
				t.Fatalf("match count %q", got)
			}
			if v, _ := r.doc(t).Find("#org-q").Attr("value"); v != "branch 137" {
				t.Fatalf("filter box keeps %q", v)
			}
			// An invitation is found by its name like any other org.
			if r := b.get("/orgs?q=partner", false); len(orgIDs(t, r)) != 1 || orgIDs(t, r)[0] != hostID {
				t.Fatal("filtering for the inviting org should find it")
			}
			if r := b.get("/orgs?q=nothing-like-this", htmx); !r.has(t, "no-matches") || len(orgIDs(t, r)) != 0 {
				t.Fatal("no match should say so")
			}

			r = b.post("/orgs/select", url.Values{"organization_id": {ids[0]}}, htmx)
			wantDone(t, r, htmx, "/dashboard")
			if got := b.get("/dashboard", false).testid(t, "dashboard-org"); got != "Branch 137" {
				t.Fatalf("picked %q", got)
			}
		})
	}
}

// A handful of orgs gets no filter box, and a hand-typed ?q= doesn't hide orgs invisibly.
func TestChooserFewOrgsNoFilter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.memberships("few@small.test", numbered("Shop", 3)...)
	b := e.browser()
	chooser := b.discover("few@small.test")
	if chooser.has(t, "org-filter") {
		t.Fatal("3 orgs need no filter box")
	}
	if n := len(orgIDs(t, b.get("/orgs?q=shop+002", false))); n != 3 {
		t.Fatalf("?q= without a filter box hid orgs: %d listed", n)
	}
}

// Rendering the chooser for 200 organizations (run with -bench; no timed assertions).
func BenchmarkChooserFragment200(b *testing.B) {
	d := views.ChooserData{Email: "busy@conglomerate.test", MinutesLeft: 10, Searchable: true, Total: 200}
	for i := range 200 {
		d.Orgs = append(d.Orgs, views.OrgChoice{ID: fmt.Sprintf("organization-test-%036d", i), Name: fmt.Sprintf("Branch %03d", i), Reason: "You're a member", Group: "member"})
	}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := views.ChooserFragment(d).Render(b.Context(), &buf); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}
