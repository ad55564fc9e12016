package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// runJourney runs a journey twice, each time against a fresh server and browser: as
// TestJourneyX/js-on (htmx) and TestJourneyX/js-off (plain forms, script execution disabled).
func runJourney(t *testing.T, journey func(t *testing.T, b *browser)) {
	requireBrowser(t)
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			srv := startServer(t)
			b := newBrowser(t, srv, js, "person")
			journey(t, b)
			if !b.jsChecked {
				b.checkJavaScriptState()
			}
		})
	}
}

// checkJavaScriptState checks the run really had JavaScript on (htmx loaded) or off (it didn't).
func (b *browser) checkJavaScriptState() {
	b.t.Helper()
	b.jsChecked = true
	got := eval[string](b, `typeof htmx`)
	switch {
	case b.js && got != "object":
		b.t.Errorf("e2e [js-on]: typeof htmx = %q on %s: htmx did not load", got, b.location())
	case !b.js && got != "undefined":
		b.t.Errorf("e2e [js-off]: typeof htmx = %q: scripts ran although JavaScript is off", got)
	}
}

// admin opens a second browser (same JavaScript mode, same server) for an organization admin.
func (b *browser) admin() *browser {
	b.t.Helper()
	return newBrowser(b.t, b.srv, b.js, "admin")
}

// createOrg creates an organization from the chooser and lands on its dashboard.
func (b *browser) createOrg(name string) {
	b.t.Helper()
	b.typeInto("#organization_name", name)
	b.toDashboard("create an organization", func() {
		b.click("Create organization", `#create-org button[type="submit"]`)
	})
	wantText(b.t, b, "dashboard-org", name)
}

// invite sends an invitation from the members page, as an admin.
func (b *browser) invite(email string) {
	b.t.Helper()
	b.click("Members", tid("members-link"))
	b.waitFor("invite-form")
	b.typeInto("#invite-email", email)
	b.click("Send invitation", `#invite-form button[type="submit"]`)
	b.waitFor("notice")
	b.settle()
	b.wantPath("/members")
	row := `[data-testid="member-row"][data-email="` + email + `"]`
	if b.count(row) != 1 {
		b.t.Fatalf("e2e [%s]: %s is not listed after the invitation", b.who(), email)
	}
	if got := eval[string](b, `document.querySelector('`+row+`').dataset.status`); got != "invited" {
		b.t.Errorf("e2e [%s]: %s has status %q, want invited", b.who(), email, got)
	}
}

// allowDomain lets people at this email domain join without an invitation, as an admin.
func (b *browser) allowDomain(domain string) {
	b.t.Helper()
	b.click("Who can join (settings)", tid("settings-link"))
	b.waitFor("settings-form")
	b.typeInto("#email_allowed_domains", domain)
	if !eval[bool](b, `document.querySelector("#email_jit_provisioning").checked`) {
		b.click("the join-by-domain box", "#email_jit_provisioning")
	}
	b.click("Save settings", `#settings-form button[type="submit"]`)
	b.waitFor("notice")
	b.settle()
	b.wantPath("/settings")
	if got := eval[string](b, `document.querySelector("#email_allowed_domains").value.trim()`); got != domain {
		b.t.Errorf("e2e [%s]: allowed domains after saving: %q, want %q", b.who(), got, domain)
	}
	if !eval[bool](b, `document.querySelector("#email_jit_provisioning").checked`) {
		b.t.Errorf("e2e [%s]: join by domain is off after saving", b.who())
	}
}

// requestLink fills in the email form and sends it, as a person would, and lands on "check
// your inbox".
func (b *browser) requestLink(email string) {
	b.t.Helper()
	b.open("/")
	b.waitFor("login-form")
	b.typeInto("#email", email)
	b.click("Email me a sign-in link", `#login-form button[type="submit"]`)
	b.waitFor("check-email")
	if got := b.text("sent-to"); got != email {
		b.t.Fatalf("e2e [%s]: check-email says it sent to %q, want %q", b.who(), got, email)
	}
}

// openNewestMail reads the inbox from the "local inbox" link on the check-email page (or, with
// fromCheckEmail false, by opening the mailbox directly), clicks the newest message's link and
// waits for the Continue page. It returns the link it opened.
func (b *browser) openNewestMail(email string, fromCheckEmail bool) string {
	b.t.Helper()
	if fromCheckEmail {
		b.click("the local inbox link", tid("mailbox-link"))
	} else {
		b.open("/dev/mailbox?to=" + url.QueryEscape(email))
	}
	b.waitFor("message-link")
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(tid("message-link"), "href"))
	if err != nil || !href.Exists {
		b.t.Fatalf("e2e: newest message's link: %v", err)
	}
	if want := b.srv.latestLink(email); href.Value != want {
		b.t.Fatalf("e2e: the inbox's first message links to %s, but the newest mail to %s is %s", href.Value, email, want)
	}
	b.click("the link in the newest message", tid("message-link"))
	b.waitFor("continue-form")
	return href.Value
}

// pressContinue presses "Continue signing in" (a plain form in both modes: a full page load)
// and waits for the page with this data-testid.
func (b *browser) pressContinue(want string) {
	b.t.Helper()
	b.click("Continue signing in", `#continue-form button[type="submit"]`)
	b.waitFor(want)
}

// signIn goes from the email form to the chooser through the inbox and returns the link used.
func (b *browser) signIn(email string) string {
	b.t.Helper()
	b.requestLink(email)
	link := b.openNewestMail(email, true)
	spent := b.spent()
	b.pressContinue("chooser")
	if got := b.spent(); got != spent+1 {
		b.t.Errorf("e2e [%s]: Continue authenticated %d links, want 1", b.who(), got-spent)
	}
	b.wantPath("/orgs")
	if got := b.text("chooser-email"); got != email {
		b.t.Fatalf("e2e [%s]: chooser signed in as %q, want %q", b.who(), got, email)
	}
	return link
}

// toDashboard submits something that leads to the dashboard (pick, create, switch) and checks
// how it got there: with JavaScript, htmx swaps the dashboard in with no document load and
// pushes /dashboard; without, the form posts and the browser loads /dashboard after the 303.
func (b *browser) toDashboard(what string, submit func()) {
	b.t.Helper()
	loads := b.rec.documentLoads()
	if b.js {
		b.do("mark the document", chromedp.EvaluateAsDevTools[chromedp.Void](`window.__e2eSameDocument = "yes"`))
	}
	submit()
	b.waitFor("dashboard")
	b.settle()
	b.wantPath("/dashboard")
	after := b.rec.documentLoads()
	if b.js {
		if marker := evalOr(b, `String(window.__e2eSameDocument)`, "?"); marker != "yes" || after != loads {
			b.t.Errorf("e2e [js-on]: %s: the dashboard came with a full page load (document loads %d → %d, marker %q); want an htmx swap", what, loads, after, marker)
		}
	} else if after == loads {
		b.t.Errorf("e2e [js-off]: %s: no document load, yet JavaScript is off", what)
	}
}

// pickOrg presses Continue on the chooser row of this organization.
func (b *browser) pickOrg(orgID string) {
	b.t.Helper()
	b.toDashboard("pick "+orgID, func() {
		b.click("Continue to "+orgID, chromedp.CSS(`[data-testid="chooser"] [data-testid="org"][data-org-id="`+orgID+`"] button[type="submit"]`))
	})
}

// orgRows lists the organizations offered in a list (chooser or switcher), in page order.
func (b *browser) orgRows(within string) (ids, names []string) {
	b.t.Helper()
	type row struct{ ID, Name string }
	rows := eval[[]row](b, `Array.from(document.querySelectorAll('[data-testid="`+within+`"] [data-testid="org"]')).map(e => ({ID: e.dataset.orgId, Name: e.querySelector('[data-testid="org-name"]').textContent.trim()}))`)
	for _, r := range rows {
		ids, names = append(ids, r.ID), append(names, r.Name)
	}
	return ids, names
}

// logout presses "Log out" and waits for the signed-out email form.
func (b *browser) logout() {
	b.t.Helper()
	b.click("Log out", `#logout-form button[type="submit"]`)
	b.waitFor("login-form")
	b.settle()
	b.wantPath("/")
	if got := b.text("notice"); !strings.Contains(got, "signed out") {
		b.t.Errorf("e2e [%s]: after logout the notice says %q, want it to say signed out", b.who(), got)
	}
}

// spent is how many magic links the emulator has authenticated (discovery and org links).
func (b *browser) spent() int {
	b.t.Helper()
	c := b.srv.calls()
	return c[callDiscoveryAuthenticate] + c[callMagicLinkAuthenticate]
}

// checkNoToken: the address bar has no token, and no entry of the tab's history (what back
// and forward walk) has one, except the magic links the person opened (TestNoTokenInHistory
// allows none).
func (b *browser) checkNoToken(opened ...string) {
	b.t.Helper()
	if loc := b.location(); hasToken(loc.String()) {
		b.t.Errorf("e2e [%s]: token in the address bar: %s", b.who(), loc)
	}
	h := b.history()
	for _, e := range h.Entries {
		if hasToken(e.URL) && !sameLink(e.URL, opened) {
			b.t.Errorf("e2e [%s]: token in history entry %s", b.who(), e.URL)
		}
	}
}

func hasToken(u string) bool { return strings.Contains(strings.ToLower(u), "token=") }

// sameLink reports whether u is one of the magic links (same path and token).
func sameLink(u string, links []string) bool {
	pu, err := url.Parse(u)
	if err != nil {
		return false
	}
	for _, l := range links {
		pl, err := url.Parse(l)
		if err == nil && pu.Path == pl.Path && pu.Query().Get("token") != "" && pu.Query().Get("token") == pl.Query().Get("token") {
			return true
		}
	}
	return false
}

// walkBack presses the back button until the first page of the journey, checking after every
// press: no magic link was authenticated again (the emulator's count is unchanged), no app
// error page, and none of the forbidden data-testids (e.g. the dashboard after logout) on a
// page the server sent. Where it lands on a link the person opened, that page shows its
// Continue button again (a GET never spends a token).
//
// Chromium restores some pages from its back/forward cache without asking the server (even
// with Cache-Control: no-store). Such a snapshot is logged, then reloaded, and the reloaded
// page must pass the same checks.
//
// Run it last: it leaves the tab on the first page.
func (b *browser) walkBack(opened []string, forbidden ...string) {
	b.t.Helper()
	b.checkJavaScriptState() // while still on the journey's last page
	want := b.spent()
	for b.history().CurrentIndex > 1 { // entry 0 is the new tab's about:blank
		b.back()
		loc := b.location()
		b.rec.note("back → %s%s", shortURL(loc), map[bool]string{true: " (from the back/forward cache)"}[b.rec.restoredFromCache()])
		b.checkAfterBack(loc, want, forbidden)
		if sameLink(loc.String(), opened) && !b.has("continue-form") {
			b.t.Fatalf("e2e [%s]: back on the magic link's page, but no Continue button", b.who())
		}
	}
}

func (b *browser) checkAfterBack(loc *url.URL, spent int, forbidden []string) {
	b.t.Helper()
	if got := b.spent(); got != spent {
		b.t.Fatalf("e2e [%s]: back to %s authenticated a magic link again (%d → %d)", b.who(), loc, spent, got)
	}
	if b.has("error-page") {
		b.t.Fatalf("e2e [%s]: back to %s shows an error page: %q", b.who(), loc, b.text("error-message"))
	}
	for _, f := range forbidden {
		if !b.has(f) {
			continue
		}
		if !b.rec.restoredFromCache() {
			b.t.Fatalf("e2e [%s]: back to %s: the server sent %s", b.who(), loc, f)
		}
		b.t.Logf("e2e [%s]: NOTE: back shows a cached snapshot with %s (no request reached the server); reloading it", b.who(), f)
		b.do("reload", chromedp.Reload())
		b.settle()
		if b.has(f) {
			b.t.Fatalf("e2e [%s]: reloading %s still shows %s", b.who(), b.location(), f)
		}
		if got := b.spent(); got != spent {
			b.t.Fatalf("e2e [%s]: reloading %s authenticated a magic link again", b.who(), loc)
		}
	}
}

// shortURL is the path and query for the app's pages, the whole URL for anything else (such
// as chrome-error://chromewebdata/, the browser's "confirm form resubmission" page).
func shortURL(u *url.URL) string {
	if u.Scheme == "http" || u.Scheme == "https" {
		return u.RequestURI()
	}
	return u.String()
}
