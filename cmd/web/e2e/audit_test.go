package e2e

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"net/http"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (testdata/axe-LICENSE.txt: MPL-2.0), vendored for this suite only:
// it is put into the page through DevTools, never served by the app.
//
//go:embed testdata/axe-4.14.1.min.js
var axeSource string

// narrowWidths are the phone widths every page must fit without scrolling sideways.
var narrowWidths = []int64{390, 320}

// pageTestids are the regions that make a page or a state of one: when waitFor sees one, the
// page is audited (once per state, see auditKey).
var pageTestids = map[string]bool{
	"login": true, "login-form": true, "check-email": true, "continue-form": true, "chooser": true,
	"dashboard": true, "members": true, "invite-form": true, "settings-form": true, "error-page": true,
	"notice": true, "cooldown": true, "header-switcher": true, "email-error": true,
	"organization_name-error": true, "invite-email-error": true, "domains-error": true,
	"organization_slug-error": true, "create-org": true,
	"sso-setup": true, "saml-form": true, "oidc-form": true, "sso-test-result": true, "sso-choice": true,
	"org-page": true, "primary-sso": true,
	"remove-confirm": true, "sessions-list": true, "profile-form": true, "confirm-slug-error": true,
}

// audited are the page states audit has checked in this package run, by mode: the suite
// visits the same states in many journeys (the email form, "check your inbox"), and each is
// checked once with JavaScript on and once with it off.
var audited = onceSet{seen: map[string]bool{}}

// audit checks the page as it is now, once per state: axe-core reports no violation (with the
// page's scripts on or off: DevTools evaluates axe either way), and at 390 and 320 px wide
// nothing is wider than the viewport (the document does not scroll sideways and no element
// sticks out to the right). The emulator's /dev/ pages are not the app's and are skipped.
func (b *browser) audit() {
	b.t.Helper()
	key := b.auditKey()
	if key == "" {
		return
	}
	if audited.before(mode(b.js) + " " + key) {
		return
	}
	b.rec.note("audit %s", key)
	b.axe(key)
	b.design(key)
	for _, w := range narrowWidths {
		b.checkWidth(key, w)
	}
}

// auditKey names the state the page is in: its path, the region in #main, whether it shows
// invalid fields, a notice, a flash message, a cooldown, an open menu, the header, a filter
// box, and how many organization and member rows (none, a few, many). "" for pages that
// aren't the app's.
func (b *browser) auditKey() string {
	return evalOr(b, `(() => {
		if (location.protocol !== "http:" || location.pathname.startsWith("/dev/")) return "";
		const bucket = n => n === 0 ? "0" : n < 6 ? "few" : "many";
		const main = document.querySelector("#main > [id]");
		return [location.pathname, main ? main.id : "-",
			"invalid=" + document.querySelectorAll("[aria-invalid=true]").length,
			"notice=" + document.querySelectorAll("[data-testid=notice]").length,
			"flash=" + (document.querySelector("#flash")?.textContent.trim() ? 1 : 0),
			"cooldown=" + document.querySelectorAll("[data-testid=cooldown]").length,
			"open=" + document.querySelectorAll("details[open]").length,
			"header=" + document.querySelectorAll("#session-bar > *").length,
			"filter=" + document.querySelectorAll("#org-filter").length,
			"rows=" + bucket(document.querySelectorAll("#main [data-testid=org]").length),
			"members=" + bucket(document.querySelectorAll("[data-testid=member-row]").length),
			"actions=" + document.querySelectorAll("[data-testid=member-resend]").length].join(" ");
	})()`, "")
}

type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

// axe runs axe-core on the page and fails the test for every violation.
func (b *browser) axe(key string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*stepTimeout)
	defer cancel()
	if !b.js {
		// axe-core waits on timers, which don't fire while the page's scripts are off. Turning them
		// on now runs none of the page's own scripts: those were skipped when the page loaded.
		b.scriptsOff(false)
		defer b.scriptsOff(true)
	}
	if err := chromedp.Do(ctx, chromedp.EvaluateAsDevTools[chromedp.Void](`window.axe ? undefined : (() => {`+axeSource+`
		})()`)); err != nil {
		b.t.Fatalf("e2e [%s]: inject axe-core on %s: %v", b.who(), key, err)
	}
	// WCAG 2.2's rules too: target-size (2.5.8) is off by default in axe-core 4.x.
	const run = `axe.run(document, {resultTypes: ["violations"], rules: {"target-size": {enabled: true}}}).then(r => r.violations.map(v => ({
		ID: v.id, Impact: v.impact || "", Help: v.help,
		Nodes: v.nodes.map(n => n.target.join(" ") + " — " + (n.failureSummary || "").replace(/\s+/g, " "))})))`
	vs, err := chromedp.Run(ctx, chromedp.EvaluateAsDevTools[[]axeViolation](run, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("e2e [%s]: axe-core on %s: %v", b.who(), key, err)
	}
	for _, v := range vs {
		b.t.Errorf("e2e [%s]: axe-core on %s: %s (%s): %s\n\t%s", b.who(), key, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
}

// design checks the design system's promises on the page as it is (issue 26), at the window's
// desktop width: every text-like field has the same height, border and font; the header's items
// are centred on one line and an open organization menu sits right under its trigger; no word
// "Stytch" on the app's pages; the sign-in card is at most 480 px wide; and no link on the page
// answers 403 (a plain member is offered no admin page).
func (b *browser) design(key string) {
	b.t.Helper()
	b.do("viewport 1280 px", chromedp.EmulateViewport(1280, 900))
	defer b.do("restore the viewport", chromedp.ResetViewport())
	time.Sleep(50 * time.Millisecond) // a layout pass
	const check = `(() => {
		const out = [], shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
		const fields = [...document.querySelectorAll("input:not([type=checkbox]):not([type=radio]):not([type=hidden]):not([type=submit]):not([type=button]), select")].filter(shown);
		const sig = e => { const c = getComputedStyle(e); return [c.height, c.borderTopWidth, c.borderTopStyle, c.fontFamily, c.fontSize].join(" "); };
		const colour = e => getComputedStyle(e).borderTopColor;
		const ok = fields.filter(e => e.getAttribute("aria-invalid") !== "true");
		for (const e of fields) if (sig(e) !== sig(fields[0])) out.push("field #" + e.id + " is " + sig(e) + ", #" + fields[0].id + " is " + sig(fields[0]));
		for (const e of ok) if (colour(e) !== colour(ok[0])) out.push("field #" + e.id + " border " + colour(e) + ", #" + ok[0].id + " " + colour(ok[0]));
		const mid = e => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; };
		const brand = document.querySelector(".top .brand"), items = [...document.querySelectorAll("#session-bar > details > summary, #session-bar > .who, #logout-form button")].filter(shown);
		for (const e of items) if (Math.abs(mid(e) - mid(brand)) > 2) out.push("header item " + (e.className || e.tagName) + " is off the brand's line by " + Math.round(mid(e) - mid(brand)) + " px");
		const menu = document.querySelector("details.menu[open]");
		if (menu) {
			const t = menu.querySelector("summary").getBoundingClientRect(), p = menu.querySelector(".menu-panel").getBoundingClientRect();
			if (p.top < t.bottom || p.top > t.bottom + 16 || p.left > t.left + 1 || p.right < t.right - 1) out.push("the open menu is not under its trigger: trigger " + JSON.stringify(t) + ", panel " + JSON.stringify(p));
		}
		if (/stytch/i.test(document.body.innerText + document.title)) out.push("the page says Stytch");
		for (const c of document.querySelectorAll(".card.auth")) if (c.getBoundingClientRect().width > 480) out.push("the sign-in card #" + c.id + " is " + c.getBoundingClientRect().width + " px wide");
		return out;
	})()`
	for _, p := range eval[[]string](b, check) {
		b.t.Errorf("e2e [%s]: on %s: %s", b.who(), key, p)
	}
	b.noForbiddenLinks(key)
}

// noForbiddenLinks GETs every same-origin link on the page (outside /dev/) with the browser's
// cookies, from here rather than from the page (so the journey's request log stays the
// page's own), and fails the test for each one that answers 403.
func (b *browser) noForbiddenLinks(key string) {
	b.t.Helper()
	links := eval[[]string](b, `[...new Set([...document.querySelectorAll("a[href^='/']")].map(a => a.getAttribute("href").split("#")[0]))].filter(h => !h.startsWith("/dev/"))`)
	if len(links) == 0 {
		return
	}
	var cookies []*network.Cookie
	b.call("read the cookies", func(ctx context.Context) error {
		res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{})
		cookies = res.Cookies
		return err
	})
	base := b.location()
	client := &http.Client{Timeout: stepTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, l := range links {
		req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, base.Scheme+"://"+base.Host+l, nil)
		if err != nil {
			b.t.Fatal(err)
		}
		for _, c := range cookies {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		resp, err := client.Do(req)
		if err != nil {
			b.t.Fatalf("e2e [%s]: GET %s: %v", b.who(), l, err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusForbidden {
			b.t.Errorf("e2e [%s]: on %s the link %s answers 403", b.who(), key, l)
		}
	}
}

// checkWidth narrows the viewport to width and fails the test if the page scrolls sideways or
// an element reaches past its right edge; then it restores the window's size.
func (b *browser) checkWidth(key string, width int64) {
	b.t.Helper()
	b.do(fmt.Sprintf("viewport %d px", width), chromedp.EmulateViewport(width, 800))
	defer b.do("restore the viewport", chromedp.ResetViewport())
	time.Sleep(50 * time.Millisecond) // a layout pass
	type fit struct {
		ScrollWidth, Width int
		Wide               []string
	}
	f := eval[fit](b, `(() => {
		const w = document.documentElement.clientWidth, wide = [];
		for (const e of document.querySelectorAll("body *")) {
			const r = e.getBoundingClientRect();
			if (r.width > 0 && r.height > 0 && r.right > w + 0.5 && getComputedStyle(e).visibility !== "hidden")
				wide.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().replace(/\s+/g, ".") : "") + " right=" + Math.round(r.right));
		}
		return {ScrollWidth: document.documentElement.scrollWidth, Width: w, Wide: wide.slice(0, 8)};
	})()`)
	if f.ScrollWidth > f.Width || len(f.Wide) > 0 {
		b.t.Errorf("e2e [%s]: at %d px, %s is %d px wide (viewport %d); elements past the edge: %v", b.who(), width, key, f.ScrollWidth, f.Width, f.Wide)
	}
}

// scriptsOff turns the page's script execution off or on (a js-off browser starts with it off).
func (b *browser) scriptsOff(off bool) {
	b.t.Helper()
	b.call(fmt.Sprintf("script execution disabled=%v", off), func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off})
		return err
	})
}
