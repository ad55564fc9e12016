package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The second round of organization admin, in a browser with JavaScript on and off: make a
// member an admin (they get the settings at once) and back (they lose them at once), remove
// them after the confirmation names them, restore them, see where you're signed in, rename
// the organization, and delete it (the wrong URL name first).
func TestJourneyAdminRoundTwo(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		admin := roundTwoTeam(b)

		// Promote Ann: her next request reaches the settings.
		annRow := `[data-testid="member-row"][data-email="ann@round2.test"]`
		admin.open("/members")
		admin.waitFor("members")
		admin.click("Ann's admin box", chromedp.CSS(annRow+` [data-testid="role-stytch_admin"]`))
		admin.click("Save roles", chromedp.CSS(annRow+` [data-testid="member-roles-form"] button[type="submit"]`))
		admin.waitContains("notice", "Roles of ann@round2.test saved")
		b.open("/settings")
		b.waitFor("settings-form")
		b.open("/members") // and the member list, which she searches
		b.waitFor("members")
		b.typeInto("#member-q", "boss@")
		b.click("Show", `#member-filter button[type="submit"]`)
		b.settle()
		if n := b.count(annRow); n != 0 || b.memberStatus("boss@round2.test") != "active" {
			t.Errorf("e2e [%s]: searching boss@ lists Ann (%d) or not the boss", b.who(), n)
		}

		// And back: she loses them at once.
		admin.click("Ann's admin box", chromedp.CSS(annRow+` [data-testid="role-stytch_admin"]`))
		admin.click("Save roles", chromedp.CSS(annRow+` [data-testid="member-roles-form"] button[type="submit"]`))
		admin.waitContains("notice", "Roles of ann@round2.test saved: Member")
		b.expectHTTPError("/settings", 403)
		b.open("/settings")
		b.waitFor("error-page")

		// Remove, after a confirmation that names her; she is signed out.
		admin.click("Remove Ann", chromedp.CSS(annRow+` [data-testid="member-remove"] button`))
		admin.waitFor("remove-confirm")
		if h := admin.text("remove-sessions"); !strings.Contains(h, "1 device") {
			t.Errorf("e2e [%s]: the confirmation says %q", admin.who(), h)
		}
		admin.click("Remove ann@round2.test", `#remove-confirm button[type="submit"]`)
		admin.waitContains("notice", "ann@round2.test was removed")
		if got := admin.memberStatus("ann@round2.test"); got != "" {
			t.Errorf("e2e [%s]: a removed member is still listed (%q)", admin.who(), got)
		}
		b.open("/settings") // any request Stytch is asked about finds her session ended
		b.waitFor("login")

		// Restore her from the removed members.
		admin.open("/members?status=deleted")
		admin.waitFor("members")
		admin.click("Restore Ann", chromedp.CSS(annRow+` [data-testid="member-restore"] button`))
		admin.waitContains("notice", "ann@round2.test is a member of Round Two again")
		if got := admin.memberStatus("ann@round2.test"); got != "active" {
			t.Errorf("e2e [%s]: restored Ann is %q", admin.who(), got)
		}

		// Where the admin is signed in: this browser, marked.
		admin.open("/account")
		admin.waitFor("sessions-list")
		if n := admin.count(`[data-testid="session"][data-current]`); n != 1 {
			t.Errorf("e2e [%s]: %d sessions marked as this one", admin.who(), n)
		}

		// Rename, then delete with the wrong URL name and the right one.
		admin.open("/settings")
		admin.waitFor("profile-form")
		admin.typeInto("#profile-name", "Round Three")
		admin.click("Save profile", `#profile-form button[type="submit"]`)
		admin.waitContains("notice", "Profile saved: Round Three")
		admin.expectHTTPError("/settings/delete", 422)
		admin.typeInto("#confirm-slug", "round-three")
		admin.click("Delete", `#delete-org-form button[type="submit"]`)
		admin.waitFor("confirm-slug-error")
		admin.typeInto("#confirm-slug", "round-two")
		admin.click("Delete", `#delete-org-form button[type="submit"]`)
		admin.waitContains("notice", "organization was deleted")
		admin.wantPath("/")
	})
}

// waitContains waits until the element with this data-testid contains want (whitespace
// collapsed), polling from Go so it works with the page's scripts off; then the page settles.
func (b *browser) waitContains(testid, want string) {
	b.t.Helper()
	expr := fmt.Sprintf(`(document.querySelector('[data-testid=%q]')?.textContent ?? "").replace(/\s+/g, " ").trim()`, testid)
	deadline := time.Now().Add(stepTimeout)
	var got string
	for time.Now().Before(deadline) {
		if got = evalOr(b, expr, ""); strings.Contains(got, want) {
			b.settle()
			if pageTestids[testid] {
				b.audit()
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("e2e [%s]: %s shows %q, want it to contain %q (at %s)", b.who(), testid, got, want, b.locationOr("?"))
}

// roundTwoTeam signs the boss in, creates the organization and brings Ann (b) in by an
// invitation; it returns the boss's browser.
func roundTwoTeam(b *browser) *browser {
	admin := b.admin()
	admin.signIn("boss@round2.test")
	admin.createOrg("Round Two")
	admin.invite("ann@round2.test")
	b.openNewestMail("ann@round2.test", false)
	b.pressContinue("dashboard")
	return admin
}
