package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// sessionIDs are the sessions listed on an account page, and which one is this browser's.
func sessionIDs(t *testing.T, r response) (ids []string, current string) {
	t.Helper()
	r.doc(t).Find(`[data-testid="session"]`).Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("data-session-id")
		ids = append(ids, id)
		if _, ok := s.Attr("data-current"); ok {
			current = id
		}
	})
	return ids, current
}

// The account page lists the member's sessions in this organization, marks this one, and
// signs out one other or all others; the ended sessions end at Stytch.
func TestAccountSessions(t *testing.T) {
	t.Parallel()
	run(t, func(t *testing.T, htmx bool) {
		e := newEnv(t)
		here, orgID := e.newAdmin("sam@sessions.test", "Sessions Co")
		phone, laptop := e.browser(), e.browser()
		phone.signIn("sam@sessions.test", "", orgID, 0)
		laptop.signIn("sam@sessions.test", "", orgID, 0)
		phoneTok, laptopTok := phone.stytchToken(), laptop.stytchToken()

		r := here.get("/account", htmx)
		wantStatus(t, r, http.StatusOK)
		ids, current := sessionIDs(t, r)
		if len(ids) != 3 || current == "" || ids[0] != current {
			t.Fatalf("sessions %v, current %q: want 3, this one first", ids, current)
		}
		_, phoneID := sessionIDs(t, phone.get("/account", false))

		// One other: the phone's ends at Stytch; the laptop's and this one stay.
		r = here.post("/account/sessions/revoke", url.Values{"session_id": {phoneID}}, htmx)
		wantDone(t, r, htmx, "/account?notice=session-ended-one")
		e.wantSessionEnded("the phone's session", phoneTok)
		if ids, _ := sessionIDs(t, here.get("/account", false)); len(ids) != 2 {
			t.Fatalf("%d sessions left, want 2", len(ids))
		}

		// This browser's own, or a session not listed (another member's), never reach Stytch.
		before := e.emu.Calls()[callRevoke]
		wantStatus(t, here.post("/account/sessions/revoke", url.Values{"session_id": {current}}, htmx), http.StatusBadRequest)
		wantStatus(t, here.post("/account/sessions/revoke", url.Values{"session_id": {"member-session-test-nope"}}, htmx), http.StatusNotFound)
		if e.emu.Calls()[callRevoke] != before {
			t.Fatal("a refused revocation reached Stytch")
		}

		// Everywhere else: only this one is left, and it still works.
		wantDone(t, here.post("/account/sessions/revoke-others", nil, htmx), htmx, "/account?notice=others-ended")
		e.wantSessionEnded("the laptop's session", laptopTok)
		r = here.get("/account?notice=others-ended", false)
		if ids, cur := sessionIDs(t, r); len(ids) != 1 || cur != current || !r.has(t, "sessions-only-here") {
			t.Fatalf("after sign-out everywhere else: %v (current %q)", ids, cur)
		}
	})
}
