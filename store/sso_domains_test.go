package store_test

import (
	"slices"
	"testing"

	"github.com/orgpick/orgpick/store"
)

// The SSO domain index on each engine: domains and connections replaced per organization, a
// lookup joining them (default first), a domain two organizations claim answering both, and
// an organization without active connections answering nothing.
func TestSSODomainIndex(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, target string) {
		st, ctx := open(t, target), t.Context()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(st.SetSSODomains(ctx, "org-a", []string{"Acme.com", "acme.co.uk"}))
		must(st.SetSSOConnections(ctx, "org-a", []store.SSOConn{
			{ConnectionID: "saml-1", Name: "Okta", Default: true}, {ConnectionID: "oidc-1", Name: "Entra"},
		}))
		got, err := st.SSOByDomain(ctx, "ACME.com")
		must(err)
		want := []store.SSOConn{{OrgID: "org-a", ConnectionID: "saml-1", Name: "Okta", Default: true}, {OrgID: "org-a", ConnectionID: "oidc-1", Name: "Entra"}}
		if !slices.Equal(got, want) {
			t.Fatalf("by domain: %+v, want %+v", got, want)
		}
		doms, err := st.SSODomains(ctx, "org-a")
		must(err)
		if !slices.Equal(doms, []string{"acme.co.uk", "acme.com"}) {
			t.Fatalf("domains %v", doms)
		}

		// Another organization claims the same domain: both answer.
		must(st.SetSSODomains(ctx, "org-b", []string{"acme.com"}))
		must(st.SetSSOConnections(ctx, "org-b", []store.SSOConn{{ConnectionID: "saml-2", Name: "Acme IdP", Default: true}}))
		if got, _ := st.SSOByDomain(ctx, "acme.com"); len(got) != 3 {
			t.Fatalf("a shared domain answers %+v, want both organizations' connections", got)
		}

		// Replacing drops what is no longer named; no connections, no answer.
		must(st.SetSSODomains(ctx, "org-a", []string{"acme.co.uk"}))
		must(st.SetSSOConnections(ctx, "org-b", nil))
		if got, _ := st.SSOByDomain(ctx, "acme.com"); len(got) != 0 {
			t.Fatalf("after replacing: %+v", got)
		}
		if got, _ := st.SSOByDomain(ctx, "acme.co.uk"); len(got) != 2 {
			t.Fatalf("org-a's remaining domain: %+v", got)
		}
		if doms, _ := st.SSODomains(ctx, "org-none"); doms == nil || len(doms) != 0 {
			t.Fatalf("no domains: %#v, want an empty list", doms)
		}
	})
}
