package handlers

import (
	"bytes"
	"strings"
	"testing"

	"github.com/orgpick/orgpick/stytchb2b"
)

// Each cached part is byte for byte the live one, and follows every change of the member
// (here a rename of the org and a new org to switch to).
func TestMemberHTMLMatchesLiveRender(t *testing.T) {
	t.Parallel()
	var c memberHTML
	m := Member{Session: stytchb2b.Session{Email: "ada@acme.test", MemberID: "member-1", Org: stytchb2b.Org{ID: "org-1", Name: "Acme"}, Roles: []string{stytchb2b.AdminRoleID}}}
	renamed := m
	renamed.Org.Name = "Acme Rockets"
	joined := renamed
	joined.Others = []stytchb2b.Org{{ID: "org-2", Name: "Beta", Membership: stytchb2b.ActiveMember}}
	for _, m := range []Member{m, renamed, joined, m} {
		for p := range memberParts {
			var live, cached bytes.Buffer
			if err := p.render(m).Render(t.Context(), &live); err != nil {
				t.Fatal(err)
			}
			for range 2 { // rendered, then from the cache
				cached.Reset()
				if err := c.get(t.Context(), m, p).Render(t.Context(), &cached); err != nil {
					t.Fatal(err)
				}
				if cached.String() != live.String() {
					t.Fatalf("org %q, part %d: cached\n%s\nwant\n%s", m.Org.Name, p, cached.String(), live.String())
				}
			}
			if p != partDashboardOrgs && !strings.Contains(live.String(), m.Org.Name) {
				t.Fatalf("header lacks %q", m.Org.Name)
			}
		}
	}
	if len(c.m) != 3 {
		t.Fatalf("%d entries for 3 member states", len(c.m))
	}
}
