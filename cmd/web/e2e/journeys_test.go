package e2e

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A new email signs up, creates an organization, sees its dashboard, logs out, and the
// dashboard then refuses the browser (also through the back button).
func TestJourneyNewUserSignsUpAndLogsOut(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		const email = "ada@acme.test"
		b.openLogin()
		b.submitInvalid("#login-form", "email", "not-an-email", "email-error", "/login")
		b.requestLink(email)

		// Asking again at once: the resend button waits (disabled) for its countdown, and the
		// email form is refused where it was asked, with the address, counting down.
		if b.count(`#resend-form button[type="submit"][disabled]`) != 1 {
			t.Errorf("e2e [%s]: the resend button is enabled while the server would refuse it", b.who())
		}
		b.expectHTTPError("/login", 429)
		b.click("Use another email", tid("use-another-email"))
		b.waitFor("login-form")
		b.click("Email me a sign-in link", `#login-form button[type="submit"]`) // the address is kept
		b.waitFor("cooldown")
		if got := b.text("cooldown"); !strings.Contains(got, email) || !strings.Contains(got, "you can ask for another in") {
			t.Errorf("e2e [%s]: the cooldown says %q", b.who(), got)
		}
		b.wantCountdown()
		b.wantFocus("email") // named by the cooldown (aria-describedby)
		if b.count(`#login-form button[data-testid="send-link"][disabled]`) != 1 {
			t.Errorf("e2e [%s]: the send button is enabled during the cooldown", b.who())
		}
		if b.js { // the countdown's end, brought forward: only "try again now", the buttons back
			evalOr(b, `(document.querySelector("[data-countdown]").dataset.until = String(Date.now()), "")`, "")
			time.Sleep(600 * time.Millisecond)
			if got := evalOr(b, `document.querySelector('[data-testid="cooldown"]').innerText.trim()`, ""); got != "You can try again now." || b.count(`#login-form button[disabled]`) != 0 {
				t.Errorf("e2e [js-on]: at the countdown's end it says %q, with %d buttons disabled", got, b.count(`#login-form button[disabled]`))
			}
		}
		link := b.openNewestMail(email, false)
		b.pressContinue("chooser")
		if !b.has("no-orgs") || !b.has("create-org") {
			t.Fatalf("e2e [%s]: a new email should see 'no organizations yet' and the create form", b.who())
		}
		b.wantFocus("organization_name") // nothing to choose: creating is the page's main action
		b.submitInvalid("#create-org", "organization_name", " ", "organization_name-error", "/orgs/create")
		b.createOrg("Acme Rockets")
		if got := b.text("notice"); !strings.Contains(got, "Acme Rockets is ready") {
			t.Errorf("e2e [%s]: after creating, the notice says %q", b.who(), got)
		}

		// Another organization in one form from the dashboard: no email, its dashboard next.
		b.click("Create another organization", `[data-testid="new-org-dashboard"] summary`)
		b.typeInto("#organization_name", "Acme Labs")
		b.toDashboard("create another organization", func() {
			b.click("Create organization", `#create-org button[type="submit"]`)
		})
		wantText(t, b, "dashboard-org", "Acme Labs")
		if got := b.text("notice"); !strings.Contains(got, "Acme Labs is ready") {
			t.Errorf("e2e [%s]: after creating another, the notice says %q", b.who(), got)
		}
		b.click("switch back", `[data-testid="switcher"] [data-testid="org-go"]`)
		b.waitText("dashboard-org", "Acme Rockets")
		b.open("/dashboard")
		b.waitFor("dashboard")
		wantText(t, b, "dashboard-email", "ada@acme.test")
		wantText(t, b, "dashboard-role", "Admin")
		b.checkNoToken(link)

		b.logout()
		b.open("/dashboard")
		b.waitFor("login-form")
		b.wantPath("/")
		b.wantKeptOut(link, "the dashboard still shows after logout")
	})
}

// A returning email with two organizations sees both and picks the second.
func TestJourneyReturningUserPicksSecondOrg(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		b.srv.seedOrg("grace@navy.test", "Navy One", "navy-one")
		b.srv.seedOrg("grace@navy.test", "Navy Two", "navy-two")

		link := b.signIn("grace@navy.test")
		ids, names := b.orgRows("chooser")
		if len(ids) != 2 || !slices.Contains(names, "Navy One") || !slices.Contains(names, "Navy Two") {
			t.Fatalf("e2e [%s]: chooser offers %v, want Navy One and Navy Two", b.who(), names)
		}
		if !b.has("org-group-member") {
			t.Errorf("e2e [%s]: memberships should be grouped as such", b.who())
		}
		// With organizations to choose, creating one is a secondary action that opens in place.
		if b.count(`details[data-testid="create-toggle"][open]`) != 0 {
			t.Errorf("e2e [%s]: the create form is open although there are organizations to choose", b.who())
		}
		b.click("Create a new organization", tid("create-open"))
		b.waitFor("create-org")
		b.typeInto("#organization_name", "Navy Three")
		b.submitInvalid("#create-org", "organization_slug", "no spaces allowed", "organization_slug-error", "/orgs/create")
		if b.count(`details[data-testid="create-toggle"][open]`) != 1 {
			t.Errorf("e2e [%s]: after the 422 the create form is closed", b.who())
		}
		b.pickOrg(ids[1])
		wantText(t, b, "dashboard-org", names[1])
		wantText(t, b, "dashboard-email", "grace@navy.test")
		if _, others := b.orgRows("switcher"); !slices.Equal(others, names[:1]) {
			t.Errorf("e2e [%s]: switcher offers %v, want %v", b.who(), others, names[:1])
		}
		b.leaveNoToken(link)
	})
}

// An admin invites someone from the members page; the invitee opens the invitation from the
// inbox, continues, and lands in the org as a member.
func TestJourneyInvitedUserAccepts(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		admin := b.admin()
		admin.signIn("boss@corp.test")
		admin.createOrg("Corp")
		admin.click("Members", tid("members-link"))
		admin.waitFor("invite-form")
		admin.submitInvalid("#invite-form", "invite-email", "new at corp", "invite-email-error", "/members/invite")
		admin.invite("new@corp.test")
		if got := admin.text("notice"); !strings.Contains(got, "Invitation sent to new@corp.test") {
			t.Errorf("e2e [%s]: after inviting, the notice says %q", admin.who(), got)
		}

		link := b.openNewestMail("new@corp.test", false)
		spent := b.spent()
		b.pressContinue("dashboard")
		b.wantPath("/dashboard")
		if got := b.spent(); got != spent+1 {
			t.Errorf("e2e [%s]: Continue authenticated %d links, want 1", b.who(), got-spent)
		}
		wantText(t, b, "dashboard-org", "Corp")
		wantText(t, b, "dashboard-email", "new@corp.test")
		wantText(t, b, "dashboard-role", "Member")
		b.checkNoToken(link)
		b.logout()
		b.walkBack([]string{link}, "dashboard")

		// The admin sees the invitee as an active member now.
		admin.open("/members")
		admin.waitFor("members")
		if got := admin.memberStatus("new@corp.test"); got != "active" {
			t.Errorf("e2e [%s]: after accepting, new@corp.test has status %q on /members, want active", admin.who(), got)
		}
	})
}

// One email belongs to 200 organizations. The chooser shows all of them with a filter box;
// the person types one organization's name, sees only it (with JavaScript, htmx's active
// search replaces just the list and puts ?q= in the address bar; without, the form is sent
// with GET), picks it, and lands on its dashboard.
func TestJourneyChooserSearch200(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		const email, total = "many@fleet.test", 200
		var names, slugs []string
		for i := 1; i <= total; i++ {
			names, slugs = append(names, fmt.Sprintf("Tenant %03d", i)), append(slugs, fmt.Sprintf("tenant-%03d", i))
		}
		start := time.Now()
		ids := b.srv.seedMemberships(email, names, slugs)
		t.Logf("e2e [%s]: seeded %d organizations for %s in %s", b.who(), total, email, time.Since(start).Round(time.Millisecond))

		link := b.signIn(email)
		if !b.has("org-filter") {
			t.Fatalf("e2e [%s]: %d organizations, but no filter box", b.who(), total)
		}
		if got, _ := b.orgRows("chooser"); len(got) != total {
			t.Fatalf("e2e [%s]: the chooser lists %d organizations, want %d", b.who(), len(got), total)
		}
		if b.has("match-count") {
			t.Errorf("e2e [%s]: a match count before any filter: %q", b.who(), b.text("match-count"))
		}

		b.filterOrgs("tenant 137", fmt.Sprintf("1 of %d organizations matches.", total)) // typed in lower case
		got, gotNames := b.orgRows("chooser")
		if !slices.Equal(got, []string{ids[136]}) || !slices.Equal(gotNames, []string{"Tenant 137"}) {
			t.Fatalf("e2e [%s]: after filtering, the chooser offers %v %v, want only Tenant 137 (%s)", b.who(), gotNames, got, ids[136])
		}
		b.pickOrg(ids[136])
		wantText(t, b, "dashboard-org", "Tenant 137")
		wantText(t, b, "dashboard-email", email)
		wantText(t, b, "dashboard-role", "Member")
		if others, _ := b.orgRows("switcher"); len(others) != total-1 {
			t.Errorf("e2e [%s]: the switcher offers %d organizations, want %d", b.who(), len(others), total-1)
		}
		b.leaveNoToken(link)
	})
}

// A plain member of an organization (invited by its admin) is shown no admin controls, and the
// server refuses the admin pages and same-origin POSTs to the admin actions from the member's
// own signed-in browser, with 403 and nothing changed. With JavaScript the POSTs are fetch()
// calls from the page; without, a form put into the page through DevTools and clicked.
func TestJourneyNonAdminRefused(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		const org, member, intruder = "Umbrella", "clerk@umbrella.test", "intruder@umbrella.test"
		const notAdmin = "Only an admin of this organization can do that. Ask an admin for help."
		admin := b.admin()
		admin.signIn("chief@umbrella.test")
		admin.createOrg(org)
		admin.invite(member)

		link := b.openNewestMail(member, false)
		b.pressContinue("dashboard")
		wantText(t, b, "dashboard-org", org)
		wantText(t, b, "dashboard-email", member)
		wantText(t, b, "dashboard-role", "Member")
		for _, link := range []string{"settings-link", "members-link"} {
			if b.has(link) { // Stytch's default policy: stytch_member may not search members
				t.Errorf("e2e [%s]: a member's dashboard offers %s", b.who(), link)
			}
		}

		b.refused = append(b.refused, "/settings", "/members", "/members/invite")
		b.expectHTTPError("/members", 403)
		b.open("/members")
		b.waitFor("error-page")
		wantText(t, b, "error-message", notAdmin)
		b.expectHTTPError("/settings", 403)
		b.open("/settings")
		b.waitFor("error-page")
		if got := b.rec.documentStatus("GET", "/settings"); got != 403 {
			t.Errorf("e2e [%s]: GET /settings as a member: status %d, want 403", b.who(), got)
		}
		wantText(t, b, "error-message", notAdmin)
		wantText(t, b, "error-next", "Back to the dashboard")
		if b.has("settings-form") {
			t.Errorf("e2e [%s]: the 403 page shows the settings form", b.who())
		}

		// Forged same-origin POSTs to the admin actions, from the member's own page: refused, no effect.
		b.open("/dashboard")
		b.waitFor("dashboard")
		before := b.srv.calls()
		b.expectHTTPError("/members/invite", 403) // and /settings, above
		b.forgeAdminPOSTs(intruder, notAdmin)
		b.wantAdminPOSTsHadNoEffect(admin, before, intruder)

		b.open("/dashboard")
		b.waitFor("dashboard")
		b.checkNoToken(link)
		b.logout()
		b.walkBack([]string{link}, "dashboard", "members")
	})
}

// forgeAdminPOSTs posts the invite and settings forms from a member's page, as a forged
// same-origin form (scripts off) or fetch (scripts on), and expects each refused with notAdmin.
func (b *browser) forgeAdminPOSTs(intruder, notAdmin string) {
	b.t.Helper()
	forged := []struct {
		path string
		form url.Values
	}{
		{"/members/invite", url.Values{"email": {intruder}}},
		{"/settings", url.Values{"email_allowed_domains": {"umbrella.test"}, "email_jit_provisioning": {"on"}}},
	}
	for _, f := range forged {
		if b.js {
			status, body := b.fetchPost(f.path, f.form)
			if status != 403 || !strings.Contains(body, notAdmin) {
				b.t.Errorf("e2e [%s]: fetch POST %s as a member: status %d, want 403 with %q in:\n%s", b.who(), f.path, status, notAdmin, body)
			}
			continue
		}
		if status := b.submitForgedForm(f.path, f.form); status != 403 {
			b.t.Errorf("e2e [%s]: forged form POST %s as a member: status %d, want 403", b.who(), f.path, status)
		}
		b.waitFor("error-page")
		wantText(b.t, b, "error-message", notAdmin)
	}
}

// wantAdminPOSTsHadNoEffect checks the refused POSTs changed nothing: no invitation asked of
// Stytch (calls since before) or mailed to intruder, no setting changed, as admin sees it.
func (b *browser) wantAdminPOSTsHadNoEffect(admin *browser, before map[string]int, intruder string) {
	b.t.Helper()
	after := b.srv.calls()
	for _, call := range []string{callInvite, callUpdateOrg} {
		if after[call] != before[call] {
			b.t.Errorf("e2e [%s]: the refused POSTs still reached Stytch: %s %d → %d", b.who(), call, before[call], after[call])
		}
	}
	if msgs := b.srv.mailbox(intruder); len(msgs) != 0 {
		b.t.Errorf("e2e [%s]: %d mails went to %s after the refused invitation", b.who(), len(msgs), intruder)
	}
	admin.open("/members")
	admin.waitFor("members")
	if got := admin.memberStatus(intruder); got != "" {
		b.t.Errorf("e2e [%s]: %s is listed as %s after the refused invitation", admin.who(), intruder, got)
	}
	admin.open("/settings")
	admin.waitFor("settings-form")
	if got := eval[string](admin, `document.querySelector("#email_allowed_domains").value.trim()`); got != "" {
		b.t.Errorf("e2e [%s]: allowed domains after the refused POST: %q, want none", admin.who(), got)
	}
	if eval[bool](admin, `document.querySelector("#email_jit_provisioning").checked`) {
		b.t.Errorf("e2e [%s]: join by domain is on after the refused POST", admin.who())
	}
}

// An admin allows an email domain in the settings; a colleague at that domain is offered the
// org by domain and joins it.
func TestJourneyEmailDomainJoins(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		admin := b.admin()
		admin.signIn("boss@initech.test")
		admin.createOrg("Initech")
		admin.allowDomain("initech.test")

		link := b.signIn("peter@initech.test")
		if !b.has("org-group-domain") {
			t.Fatalf("e2e [%s]: Initech should be offered under the email-domain group", b.who())
		}
		if got := b.text("org-reason"); !strings.Contains(got, "initech.test") {
			t.Errorf("e2e [%s]: reason %q should name the domain", b.who(), got)
		}
		ids, names := b.orgRows("chooser")
		if !slices.Equal(names, []string{"Initech"}) {
			t.Fatalf("e2e [%s]: chooser offers %v, want [Initech]", b.who(), names)
		}
		b.pickOrg(ids[0])
		wantText(t, b, "dashboard-org", "Initech")
		wantText(t, b, "dashboard-email", "peter@initech.test")
		wantText(t, b, "dashboard-role", "Member")
		b.leaveNoToken(link)
	})
}

// A member of two orgs enters one and switches to the other from the dashboard.
func TestJourneyOrgSwitch(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		alpha := b.srv.seedOrg("lin@switch.test", "Switch Alpha", "switch-alpha")
		beta := b.srv.seedOrg("lin@switch.test", "Switch Beta", "switch-beta")

		link := b.signIn("lin@switch.test")
		b.pickOrg(alpha)
		wantText(t, b, "dashboard-org", "Switch Alpha")
		if ids, _ := b.orgRows("switcher"); !slices.Equal(ids, []string{beta}) {
			t.Fatalf("e2e [%s]: switcher offers %v, want [%s]", b.who(), ids, beta)
		}
		row := `[data-testid="switcher"] [data-org-id="` + beta + `"]`
		b.toDashboard("switch organization", func() {
			b.whileInFlight(row+" form", "/orgs/switch", func() {
				b.click("Switch to Switch Beta", chromedp.CSS(row+` button[type="submit"]`))
			}, "[data-testid=switcher] button")
			b.waitText("dashboard-org", "Switch Beta")
		})
		wantText(t, b, "dashboard-org", "Switch Beta")
		wantText(t, b, "notice", "You switched to Switch Beta.")
		wantText(t, b, "header-org", "Switch Beta")
		if ids, _ := b.orgRows("switcher"); !slices.Equal(ids, []string{alpha}) {
			t.Errorf("e2e [%s]: after the switch the switcher offers %v, want [%s]", b.who(), ids, alpha)
		}

		// Every signed-in page has the header's switcher: back to Alpha from the members page.
		b.click("Members", tid("members-link"))
		b.waitFor("members")
		b.click("the organization menu", tid("org-menu-toggle"))
		b.waitFor("header-switcher")
		b.toDashboard("switch from the header", func() {
			b.click("Switch to Switch Alpha", chromedp.CSS(`[data-testid="header-switcher"] [data-org-id="`+alpha+`"] button[type="submit"]`))
			b.waitText("dashboard-org", "Switch Alpha")
		})
		wantText(t, b, "notice", "You switched to Switch Alpha.")
		wantText(t, b, "header-org", "Switch Alpha")
		b.leaveNoToken(link)
	})
}

// A link opened after its 60 minutes says so, and offers a new one with the email kept.
func TestJourneyExpiredLink(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		b.requestLink("old@late.test")
		b.srv.advanceClock(61 * time.Minute)
		link := b.openNewestMail("old@late.test", true)
		b.expectHTTPError("/authenticate", 400)
		b.pressContinue("error-page")
		if got := b.text("error-message"); !strings.Contains(got, "expired") {
			t.Errorf("e2e [%s]: error message %q should say the link expired", b.who(), got)
		}
		wantText(t, b, "error-next", "Get a new link")
		b.click("Get a new link", tid("error-next"))
		b.waitFor("login-form")
		b.wantPath("/")
		if got := eval[string](b, `document.querySelector("#email").value`); got != "old@late.test" {
			t.Errorf("e2e [%s]: email field holds %q, want the address kept", b.who(), got)
		}
		b.leaveNoToken(link)
	})
}

// A choice left open past the IST's 10 minutes sends the person back to the email form, which
// says why and keeps the address.
func TestJourneyExpiredChoice(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		orgID := b.srv.seedOrg("slow@late.test", "Slow Co", "slow-co")
		link := b.signIn("slow@late.test")
		b.srv.advanceClock(11 * time.Minute)
		b.click("Continue to Slow Co", chromedp.CSS(`[data-testid="org"][data-org-id="`+orgID+`"] button[type="submit"]`))
		b.waitFor("login-form")
		b.settle()
		b.wantPath("/")
		if got := b.location().Query().Get("notice"); got != "choice-expired" {
			t.Errorf("e2e [%s]: address bar %s, want ?notice=choice-expired", b.who(), b.location())
		}
		if got := b.text("notice"); !strings.Contains(got, "expired") || !strings.Contains(got, "new link") {
			t.Errorf("e2e [%s]: notice %q should say the sign-in expired and how to get a new link", b.who(), got)
		}
		if got := eval[string](b, `document.querySelector("#email").value`); got != "slow@late.test" {
			t.Errorf("e2e [%s]: email field holds %q, want the address kept", b.who(), got)
		}
		b.wantKeptOut(link, "an expired choice reached the dashboard")
	})
}

// The server is killed (SIGKILL) between the link's Continue and the pick, and started again
// on the same database: the IST survived in SQLite, so the pick still works.
func TestJourneyServerRestartBeforePick(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		orgID := b.srv.seedOrg("kim@restart.test", "Restart Co", "restart-co")
		link := b.signIn("kim@restart.test")
		b.srv.restart()
		b.pickOrg(orgID)
		wantText(t, b, "dashboard-org", "Restart Co")
		wantText(t, b, "dashboard-email", "kim@restart.test")
		b.leaveNoToken(link)
	})
}

// The issue asks for no token in the final URL or the history. The journeys above allow one
// history entry, the magic link the person opened (GET /authenticate?…&token=…, which only
// shows the Continue button); this test allows none.
func TestNoTokenInHistory(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		orgID := b.srv.seedOrg("max@history.test", "History Co", "history-co")
		b.signIn("max@history.test")
		b.pickOrg(orgID)
		b.checkNoToken() // no exception
		if t.Failed() {
			t.Log("e2e: the entry of the opened magic link keeps its token. One way out: GET /authenticate " +
				"with a token keeps it server-side and answers 303 to /authenticate, which renders Continue.")
		}
	})
}

func wantText(t *testing.T, b *browser, testid, want string) {
	t.Helper()
	if got := b.text(testid); got != want {
		t.Errorf("e2e [%s]: %s = %q, want %q", b.who(), testid, got, want)
	}
}
