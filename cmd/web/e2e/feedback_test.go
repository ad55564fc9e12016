package e2e

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
)

// whileInFlight submits a form through submit and holds its request to path (DevTools' Fetch
// domain: as on a very slow network) while it checks, with JavaScript on, what a person sees:
// the form's submit button disabled with its indicator showing (and, with others, every
// button that must not be pressed meanwhile), and a second press sending nothing. Then it
// lets the request go. With JavaScript off there is nothing to check: the browser's own
// loading indicator is all a plain form has, so it only submits. Each form is checked once
// per package run (the journeys submit the same forms many times).
func (b *browser) whileInFlight(form, path string, submit func(), others ...string) {
	b.t.Helper()
	if !b.js || checked.before(path) {
		submit()
		return
	}
	pattern := []*fetch.RequestPattern{{URLPattern: "*" + path, RequestStage: fetch.RequestStageRequest}}
	b.call("hold "+path, func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: pattern})
		return err
	})
	b.rec.drainPaused()
	submit()
	held := b.rec.waitPaused(stepTimeout)
	if held == "" {
		b.t.Fatalf("e2e [%s]: no request to %s after submitting %s", b.who(), path, form)
	}
	type state struct {
		Disabled, Shown bool
		Enabled         []string
	}
	s := eval[state](b, fmt.Sprintf(`(() => {
		const f = document.querySelector(%q), btn = f && f.querySelector("button[type=submit]"), busy = btn && btn.querySelector(".busy");
		const enabled = %s.flatMap(sel => Array.from(document.querySelectorAll(sel))).filter(e => !e.disabled).map(e => e.textContent.trim());
		return {Disabled: !!btn && btn.disabled, Shown: !!busy && getComputedStyle(busy).display !== "none" && busy.getBoundingClientRect().width > 0, Enabled: enabled};
	})()`, form, jsArray(others)))
	if !s.Disabled || !s.Shown {
		b.t.Errorf("e2e [%s]: while %s is in flight, %s's button: disabled=%v, indicator shown=%v; want both", b.who(), path, form, s.Disabled, s.Shown)
	}
	if len(s.Enabled) > 0 {
		b.t.Errorf("e2e [%s]: while %s is in flight, still enabled: %v", b.who(), path, s.Enabled)
	}
	// A second press (the button is disabled; Enter in a field submits too) sends nothing.
	b.do("press again", chromedp.EvaluateAsDevTools[chromedp.Void](fmt.Sprintf(`(() => { const f = document.querySelector(%q); f.querySelector("button[type=submit]").click(); f.requestSubmit(); })()`, form)))
	held2 := []string{held}
	if again := b.rec.waitPaused(250 * time.Millisecond); again != "" {
		b.t.Errorf("e2e [%s]: a second press while %s was in flight sent it again", b.who(), path)
		held2 = append(held2, again)
	}
	b.release(held2...)
}

// checked are the paths whose forms whileInFlight has checked in this package run (the first
// row of a list stands for the others).
var checked = onceSet{seen: map[string]bool{}}

// onceSet remembers keys across the package run (journeys run their two modes in parallel).
type onceSet struct {
	sync.Mutex
	seen map[string]bool
}

// before reports whether key was seen already, and records it.
func (s *onceSet) before(key string) bool {
	s.Lock()
	defer s.Unlock()
	seen := s.seen[key]
	s.seen[key] = true
	return seen
}

// plainFormProgress checks, with JavaScript on, what app.js does for a plain (non-htmx) form
// once it is submitted: its button disabled with the indicator showing. DevTools can't read a
// page whose navigation is held, so the submit event here leads nowhere (a synthetic one);
// the check then undoes what app.js did, as its pageshow handler would.
func (b *browser) plainFormProgress(form string) {
	b.t.Helper()
	if !b.js || checked.before("plain "+form) {
		return
	}
	b.settle() // app.js (deferred) is listening once the document is complete: on a loaded machine it may not be yet
	b.do("submit "+form+" (an event only)", chromedp.EvaluateAsDevTools[chromedp.Void](fmt.Sprintf(
		`document.querySelector(%q).dispatchEvent(new SubmitEvent("submit", {bubbles: true, cancelable: true}))`, form)))
	time.Sleep(100 * time.Millisecond)
	type state struct{ Disabled, Shown bool }
	s := eval[state](b, fmt.Sprintf(`(() => { const btn = document.querySelector(%q + " button[type=submit]"), busy = btn.querySelector(".busy");
		return {Disabled: btn.disabled, Shown: getComputedStyle(busy).display !== "none" && busy.getBoundingClientRect().width > 0}; })()`, form))
	if !s.Disabled || !s.Shown {
		b.t.Errorf("e2e [js-on]: after submitting %s, its button: disabled=%v, indicator shown=%v; want both", form, s.Disabled, s.Shown)
	}
	b.do("undo", chromedp.EvaluateAsDevTools[chromedp.Void](fmt.Sprintf(
		`(() => { const f = document.querySelector(%q); f.classList.remove("is-submitting"); f.querySelector("button[type=submit]").disabled = false; })()`, form)))
}

// release lets the held requests go and stops holding (so the page they lead to isn't held).
func (b *browser) release(ids ...string) {
	b.t.Helper()
	b.call("release the held requests", func(ctx context.Context) error {
		for _, id := range ids {
			if _, err := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: fetch.RequestID(id)}); err != nil {
				return err
			}
		}
		_, err := chromedp.Call(ctx, fetch.Disable, cdp.Empty{})
		return err
	})
}

func jsArray(ss []string) string {
	out := "["
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += strconv.Quote(s)
	}
	return out + "]"
}

// drainPaused forgets held requests already reported.
func (r *recorder) drainPaused() {
	for {
		select {
		case <-r.paused:
		default:
			return
		}
	}
}

// waitPaused returns the ID of the next held request, or "" if none comes within d.
func (r *recorder) waitPaused(d time.Duration) string {
	select {
	case id := <-r.paused:
		return id
	case <-time.After(d):
		return ""
	}
}

// wantFocus waits until the focused element is the one with this id (htmx focuses a swapped
// form's autofocus field when it settles; a page load focuses it at once).
func (b *browser) wantFocus(id string) {
	b.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		if got = evalOr(b, `document.activeElement ? document.activeElement.id : ""`, ""); got == id {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Errorf("e2e [%s]: focus on #%s, want #%s (at %s)", b.who(), got, id, b.locationOr("?"))
}

// submitInvalid fills a form's field with value, submits it, and expects the 422 answer: the
// field's error shown, the field marked invalid and focused (JS on and off).
func (b *browser) submitInvalid(form, field, value, errorTestid, path string) {
	b.t.Helper()
	b.expectHTTPError(path, 422)
	b.typeInto(chromedp.CSS("#"+field), value)
	b.click("submit "+form, chromedp.CSS(form+` button[type="submit"]`))
	b.waitFor(errorTestid)
	b.settle()
	if got := eval[string](b, fmt.Sprintf(`document.getElementById(%q).getAttribute("aria-invalid") || ""`, field)); got != "true" {
		b.t.Errorf("e2e [%s]: #%s has aria-invalid=%q after the 422", b.who(), field, got)
	}
	b.wantFocus(field)
}

// wantCountdown checks a cooldown's seconds go down with JavaScript (and stay as sent without).
func (b *browser) wantCountdown() {
	b.t.Helper()
	read := func() int {
		n, _ := strconv.Atoi(evalOr(b, `(document.querySelector('[data-testid="cooldown"] [data-countdown]')?.textContent ?? "").replace(/\D+/g, "")`, ""))
		return n
	}
	first := read()
	if first == 0 {
		b.t.Fatalf("e2e [%s]: the cooldown shows no seconds", b.who())
	}
	time.Sleep(1600 * time.Millisecond) // app.js ticks every second
	switch later := read(); {
	case b.js && later >= first:
		b.t.Errorf("e2e [js-on]: the cooldown doesn't count down: %d s, then %d s", first, later)
	case !b.js && later != first:
		b.t.Errorf("e2e [js-off]: the cooldown changed without JavaScript: %d → %d", first, later)
	}
}
