package handlers

import (
	"bytes"
	"strings"
	"testing"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// The cached header is byte for byte the live one, for the page and for htmx, and follows
// every change of the member (here a rename of the org and a new org to switch to).
func TestHeaderCacheMatchesLiveRender(t *testing.T) {
	t.Parallel()
	var c headerCache
	m := Member{Session: stytchb2b.Session{Email: "ada@acme.test", MemberID: "member-1", Org: stytchb2b.Org{ID: "org-1", Name: "Acme"}, Roles: []string{stytchb2b.AdminRoleID}}}
	renamed := m
	renamed.Org.Name = "Acme Rockets"
	joined := renamed
	joined.Others = []stytchb2b.Org{{ID: "org-2", Name: "Beta", Membership: stytchb2b.ActiveMember}}
	for _, m := range []Member{m, renamed, joined, m} {
		for _, oob := range []bool{false, true} {
			var live, cached bytes.Buffer
			if err := views.SessionHeader(memberBar(m), oob).Render(t.Context(), &live); err != nil {
				t.Fatal(err)
			}
			for range 2 { // rendered, then from the cache
				cached.Reset()
				if err := c.get(t.Context(), m, oob).Render(t.Context(), &cached); err != nil {
					t.Fatal(err)
				}
				if cached.String() != live.String() {
					t.Fatalf("org %q, oob %v: cached header\n%s\nwant\n%s", m.Org.Name, oob, cached.String(), live.String())
				}
			}
			if !strings.Contains(live.String(), m.Org.Name) {
				t.Fatalf("header lacks %q", m.Org.Name)
			}
		}
	}
	if len(c.m) != 3 {
		t.Fatalf("%d entries for 3 member states", len(c.m))
	}
}
