package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
)

// seedMembers adds n active members (m0000@domain …) to the organization at Stytch.
func (e *env) seedMembers(orgID, domain string, n int) {
	e.t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	next := make(chan int)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				_, err := e.api.Organizations.Members.Create(e.t.Context(), &members.CreateParams{
					OrganizationID: orgID, EmailAddress: fmt.Sprintf("m%04d@%s", i, domain),
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
}

// An organization with 2,000 members: the members page renders its first page with one Stytch
// call (a member search of one page), the next page with one more, and a search by address
// with one more: the cost doesn't grow with the organization.
func TestMembersPageWith2000Members(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, orgID := e.newAdmin("boss@big.test", "Big Co")
	e.seedMembers(orgID, "big.test", 1999)

	var first response
	wantCalls(t, e, "members page of 2,000", map[string]int{callSearch: 1}, func() {
		first = admin.get("/members", false)
	})
	wantStatus(t, first, http.StatusOK)
	rows := first.doc(t).Find(`[data-testid="member-row"]`)
	if rows.Length() != 50 {
		t.Fatalf("%d rows on the first page, want 50", rows.Length())
	}
	if got := first.testid(t, "members-truncated"); !strings.Contains(got, "50 of 2000") {
		t.Fatalf("count %q", got)
	}
	next, ok := first.doc(t).Find(`[data-testid="members-next"]`).Attr("href")
	if !ok {
		t.Fatal("no next page link")
	}
	firstIDs := map[string]bool{}
	rows.Each(func(_ int, s *goquery.Selection) { id, _ := s.Attr("data-member-id"); firstIDs[id] = true })

	var second response
	wantCalls(t, e, "second page", map[string]int{callSearch: 1}, func() { second = admin.get(next, true) })
	wantFragment(t, second, "members-list")
	second.doc(t).Find(`[data-testid="member-row"]`).Each(func(_ int, s *goquery.Selection) {
		if id, _ := s.Attr("data-member-id"); firstIDs[id] {
			t.Fatalf("member %s on both pages", id)
		}
	})
	if !second.has(t, "members-first") {
		t.Fatal("the second page links back to the first")
	}

	var found response
	wantCalls(t, e, "search by address", map[string]int{callSearch: 1}, func() { found = admin.get("/members?q=m1234", false) })
	if rows := found.doc(t).Find(`[data-testid="member-row"]`); rows.Length() != 1 || memberRow(t, found, "m1234@big.test").Length() != 1 {
		t.Fatalf("search m1234: %d rows", rows.Length())
	}
	if short := admin.get("/members?q=m1", false); !strings.Contains(short.testid(t, "member-q-hint"), "at least 3") {
		t.Fatal("a 2-character search says why it was ignored")
	}
}
