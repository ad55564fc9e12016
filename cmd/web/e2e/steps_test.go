package e2e

import (
	"context"
	"fmt"
	"html"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
)

// runJourney runs a journey twice, each time against a fresh server and browser: as
// TestJourneyX/js-on (htmx) and TestJourneyX/js-off (plain forms, script execution disabled).
// Runs share nothing but the Chromium process (each has its own server, tab and browser
// context), so the journeys and both runs of each run in parallel, as many at once as
// go test's -parallel allows (make test sets it).
func runJourney(t *testing.T, journey func(t *testing.T, b *browser)) {
	t.Parallel()
	requireBrowser(t)
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			t.Parallel()
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
		b.whileInFlight("#create-org", "/orgs/create", func() {
			b.click("Create organization", `#create-org button[type="submit"]`)
		})
	})
	wantText(b.t, b, "dashboard-org", name)
}

// invite sends an invitation from the members page, as an admin.
func (b *browser) invite(email string) {
	b.t.Helper()
	if !b.has("invite-form") {
		b.click("Members", tid("members-link"))
		b.waitFor("invite-form")
	}
	b.typeInto("#invite-email", email)
	b.whileInFlight("#invite-form", "/members/invite", func() {
		b.click("Send invitation", `#invite-form button[type="submit"]`)
	})
	b.waitFor("notice")
	b.settle()
	b.wantPath("/members")
	if got := b.memberStatus(email); got != "invited" {
		b.t.Errorf("e2e [%s]: %s has status %q after the invitation, want invited", b.who(), email, got)
	}
}

// memberStatus is the status of this email's row on the members page (data-status: active,
// invited, pending), checked against the text the row shows; "" when it has no row.
func (b *browser) memberStatus(email string) string {
	b.t.Helper()
	row := `[data-testid="member-row"][data-email="` + email + `"]`
	switch n := b.count(row); n {
	case 0:
		return ""
	case 1:
	default:
		b.t.Fatalf("e2e [%s]: %d rows for %s on the members page", b.who(), n, email)
	}
	status := eval[string](b, `document.querySelector('`+row+`').dataset.status`)
	shown := eval[string](b, `document.querySelector('`+row+` [data-testid="member-status"]').textContent.trim()`)
	if !strings.EqualFold(shown, status) {
		b.t.Errorf("e2e [%s]: %s's row shows %q, but its status is %q", b.who(), email, shown, status)
	}
	return status
}

// filterOrgs types into the chooser's filter box and waits for the list to show wantCount
// (the match count's text). With JavaScript, htmx's active search must replace only #org-list
// (and the count in #org-status), in the same document, and push /orgs?q=…; without, the
// person presses Filter and the browser loads /orgs?q=….
func (b *browser) filterOrgs(q, wantCount string) {
	b.t.Helper()
	loads := b.rec.documentLoads()
	// Expando properties on elements survive only as long as the elements do.
	const mark = `window.__e2eSameDocument = "yes";
		for (const id of ["chooser", "org-filter", "org-q", "org-status", "org-list", "create-org"]) document.getElementById(id).__e2eBefore = true`
	if b.js {
		b.do("mark the chooser", chromedp.EvaluateAsDevTools[chromedp.Void](mark))
		b.typeInto("#org-q", q)
	} else {
		b.typeInto("#org-q", q)
		b.click("Filter", `#org-filter button[type="submit"]`)
	}
	b.waitText("match-count", wantCount)
	b.settle()
	b.wantPath("/orgs")
	if got := b.location().Query().Get("q"); got != q {
		b.t.Errorf("e2e [%s]: address bar %s, want ?q=%s", b.who(), b.location(), q)
	}
	if got := eval[string](b, `document.querySelector("#org-q").value`); got != q {
		b.t.Errorf("e2e [%s]: the filter box holds %q after filtering, want %q", b.who(), got, q)
	}
	after := b.rec.documentLoads()
	if !b.js {
		if after == loads {
			b.t.Errorf("e2e [js-off]: filter: no document load, yet JavaScript is off")
		}
		return
	}
	type kept struct {
		Same                                                string
		Chooser, Filter, Box, Status, OldList, List, Create bool
		Focus                                               string
	}
	k := eval[kept](b, `(() => { const kept = id => document.getElementById(id)?.__e2eBefore === true;
		return {Same: String(window.__e2eSameDocument), Chooser: kept("chooser"), Filter: kept("org-filter"), Box: kept("org-q"),
			Status: kept("org-status"), OldList: kept("org-list"), List: document.getElementById("org-list") !== null,
			Create: kept("create-org"), Focus: document.activeElement?.id ?? ""} })()`)
	if k.Same != "yes" || after != loads {
		b.t.Errorf("e2e [js-on]: filter: a full page load (document loads %d → %d, marker %q); want an htmx swap", loads, after, k.Same)
	}
	if !k.Chooser || !k.Filter || !k.Box || !k.Status || !k.Create {
		b.t.Errorf("e2e [js-on]: filter replaced more than #org-list: kept chooser=%v org-filter=%v org-q=%v org-status=%v create-org=%v", k.Chooser, k.Filter, k.Box, k.Status, k.Create)
	}
	if k.OldList || !k.List {
		b.t.Errorf("e2e [js-on]: filter did not replace #org-list (old list kept: %v, a list present: %v)", k.OldList, k.List)
	}
	if k.Focus != "org-q" {
		b.t.Errorf("e2e [js-on]: after filtering the focus is on %q, want it still in the filter box", k.Focus)
	}
	if !b.rec.sent(func(r request) bool {
		u, err := url.Parse(r.url)
		return err == nil && r.htmx && r.method == "GET" && u.Path == "/orgs" && u.Query().Get("q") == q
	}) {
		b.t.Errorf("e2e [js-on]: no htmx GET /orgs?q=%s was sent", q)
	}
}

// fetchPost sends a same-origin form POST from the page with fetch, as a script on the page
// could (the session cookie goes with it), and returns the status and the body's text. It needs
// the page's JavaScript on.
func (b *browser) fetchPost(path string, form url.Values) (int, string) {
	b.t.Helper()
	type answer struct {
		Status int
		Body   string
	}
	expr := fmt.Sprintf(`fetch(%q, {method: "POST", credentials: "same-origin", body: new URLSearchParams(%q)}).then(async r => ({Status: r.status, Body: await r.text()}))`, path, form.Encode())
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	a, err := chromedp.Run(ctx, chromedp.EvaluateAsDevTools[answer](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("e2e [%s]: fetch POST %s: %v", b.who(), path, err)
	}
	return a.Status, a.Body
}

// submitForgedForm puts a plain form (method post, action path, the fields as hidden inputs)
// into the current page through DevTools' DOM domain (as a person could in the Elements panel;
// no script runs, so it works with JavaScript off), clicks its button, and waits for the answer
// page. It returns the status the browser got for the POST.
func (b *browser) submitForgedForm(path string, form url.Values) int64 {
	b.t.Helper()
	var h strings.Builder
	fmt.Fprintf(&h, `<div id="flash"><form id="forged" method="post" action="%s">`, html.EscapeString(path))
	for _, k := range slices.Sorted(maps.Keys(form)) {
		for _, v := range form[k] {
			fmt.Fprintf(&h, `<input type="hidden" name="%s" value="%s">`, html.EscapeString(k), html.EscapeString(v))
		}
	}
	h.WriteString(`<button type="submit">Send</button></form></div>`)
	b.call("put a forged form into the page", func(ctx context.Context) error {
		nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#flash")))
		if err != nil {
			return err
		}
		_, err = chromedp.Call(ctx, dom.SetOuterHTML, dom.SetOuterHTMLParams{NodeID: nodes[0].NodeID, OuterHTML: h.String()})
		return err
	})
	loads := b.rec.documentLoads()
	b.click("the forged form's button", `#forged button[type="submit"]`)
	deadline := time.Now().Add(stepTimeout)
	for b.rec.documentLoads() == loads && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	b.settle()
	return b.rec.documentStatus("POST", path)
}

// allowDomain lets people at this email domain join without an invitation, as an admin.
func (b *browser) allowDomain(domain string) {
	b.t.Helper()
	b.click("Who can join", tid("settings-link"))
	b.waitFor("settings-form")
	b.submitInvalid("#settings-form", "email_allowed_domains", "gmail.com", "domains-error", "/settings")
	b.typeInto("#email_allowed_domains", domain)
	if !eval[bool](b, `document.querySelector("#email_jit_provisioning").checked`) {
		b.click("the join-by-domain box", "#email_jit_provisioning")
	}
	b.whileInFlight("#settings-form", "/settings", func() {
		b.click("Save settings", `#settings-form button[type="submit"]`)
	})
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

// openLogin opens the email form.
func (b *browser) openLogin() {
	b.t.Helper()
	b.open("/")
	b.waitFor("login-form")
}

// createFirstOrg waits for the chooser of a person with no organization yet, creates one and
// checks the dashboard names the person's email.
func (b *browser) createFirstOrg(name, email string) {
	b.t.Helper()
	b.waitFor("chooser")
	b.wantPath("/orgs")
	b.createOrg(name)
	wantText(b.t, b, "dashboard-email", email)
}

// wantKeptOut checks that the dashboard is not on the page (else why fails the run), that no
// token is in the address bar or the history but the opened link, and that the back button
// reaches no dashboard either.
func (b *browser) wantKeptOut(link, why string) {
	b.t.Helper()
	if b.has("dashboard") {
		b.t.Errorf("e2e [%s]: %s", b.who(), why)
	}
	b.leaveNoToken(link, "dashboard")
}

// leaveNoToken checks that no token is in the address bar or the history but the opened link,
// then walks the history back (see walkBack: no link spent again, no forbidden page).
func (b *browser) leaveNoToken(link string, forbidden ...string) {
	b.t.Helper()
	b.checkNoToken(link)
	b.walkBack([]string{link}, forbidden...)
}

// askCode sends the email form asking for a code instead of a link, and waits for the code form.
func (b *browser) askCode(email string) {
	b.t.Helper()
	b.openLogin()
	b.typeInto("#email", email)
	b.click("Email me a code instead", tid("send-code"))
	b.waitFor("code-form")
}

// requestLink fills in the email form and sends it, as a person would, and lands on "check
// your inbox".
func (b *browser) requestLink(email string) {
	b.t.Helper()
	b.openLogin()
	b.typeInto("#email", email)
	b.whileInFlight("#login-form", "/login", func() {
		b.click("Email me a sign-in link", `#login-form button[type="submit"]`)
	})
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
	b.plainFormProgress("#continue-form")
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
	row := `[data-testid="chooser"] [data-testid="org"][data-org-id="` + orgID + `"]`
	b.toDashboard("pick "+orgID, func() {
		b.whileInFlight(row+" form", "/orgs/select", func() {
			b.click("Continue to "+orgID, chromedp.CSS(row+` button[type="submit"]`))
		}, "#org-list button", "#create-org button")
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
	b.whileInFlight("#logout-form", "/logout", func() {
		b.click("Log out", `#logout-form button[type="submit"]`)
	})
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
	if b.has("error-page") && !slices.Contains(b.refused, loc.Path) {
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
