package e2e

import (
	"slices"
	"testing"
)

// Issue 22: an address with a quote and a plus (accepted by the email form, and a hazard for any
// SQL or HTML built by hand) signs in end to end, with and without JavaScript: the link from
// the mailbox, Continue, the chooser (listing an organization the address already belongs to),
// a new organization with a quote in its name, and the dashboard naming the address. The
// handler test TestQuotedAddressSignsInAndIsRemembered checks the last-used ordering.
func TestJourneyQuotedAddress(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		const email = "o'hara+x@acme.test"
		b.srv.seedOrg(email, "Hara One", "hara-one")
		b.signIn(email)
		if _, names := b.orgRows("chooser"); !slices.Equal(names, []string{"Hara One"}) {
			t.Errorf("e2e [%s]: chooser offers %v, want Hara One", b.who(), names)
		}
		b.click("Create a new organization", tid("create-open"))
		b.waitFor("create-org")
		b.createOrg("O'Hara & Sons")
		wantText(t, b, "dashboard-org", "O'Hara & Sons")
		wantText(t, b, "dashboard-email", email)
		if _, others := b.orgRows("switcher"); !slices.Equal(others, []string{"Hara One"}) {
			t.Errorf("e2e [%s]: switcher offers %v, want Hara One", b.who(), others)
		}
		b.logout()
	})
}
