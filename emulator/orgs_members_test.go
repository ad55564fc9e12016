package emulator_test

import (
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/methodoptions"
)

func query(op string, operands ...map[string]any) *organizations.SearchQuery {
	return &organizations.SearchQuery{Operator: organizations.SearchQueryOperator(op), Operands: operands}
}

func filter(name string, value any) map[string]any {
	return map[string]any{"filter_name": name, "filter_value": value}
}

func TestOrganizationGetAndSearch(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e := newEnv(t)
	acme := e.signUp("ada@acme.com", "Acme Widgets", "acme")
	beta := e.signUp("bob@beta.io", "Beta Gadgets", "beta")

	t.Run("get", func(t *testing.T) {
		resp, err := e.client.Organizations.Get(e.ctx, &organizations.GetParams{OrganizationID: acme.Organization.OrganizationID})
		mustOK(t, err)
		if resp.Organization.OrganizationSlug != "acme" || resp.Organization.CreatedAt == nil {
			t.Fatalf("org = %+v", resp.Organization)
		}
		_, err = e.client.Organizations.Get(e.ctx, &organizations.GetParams{OrganizationID: "organization-test-nope"})
		wantStytchError(t, err, 404, "organization_not_found")
	})

	tests := []struct {
		name  string
		q     *organizations.SearchQuery
		want  []string
		error string
	}{
		{"all", nil, []string{"acme", "beta"}, ""},
		{"slug exact, any case", query("AND", filter("organization_slugs", []string{"ACME"})), []string{"acme"}, ""},
		{"unknown slug", query("AND", filter("organization_slugs", []string{"nope"})), []string{}, ""},
		{"name fuzzy", query("AND", filter("organization_name_fuzzy", "gadg")), []string{"beta"}, ""},
		{"OR", query("OR", filter("organization_slugs", []string{"acme"}), filter("organization_name_fuzzy", "gadg")), []string{"acme", "beta"}, ""},
		{"AND", query("AND", filter("organization_slugs", []string{"acme"}), filter("organization_name_fuzzy", "gadg")), []string{}, ""},
		{"by member email", query("AND", filter("member_emails", []string{"BOB@beta.io"})), []string{"beta"}, ""},
		{"fuzzy too short", query("AND", filter("organization_name_fuzzy", "ga")), nil, "organization_search_organization_name_fuzzy_too_short"},
		{"unknown filter", query("AND", filter("nope", "x")), nil, "organization_search_filter_name_not_recognized"},
	}
	for _, tt := range tests {
		t.Run("search "+tt.name, func(t *testing.T) {
			resp, err := e.client.Organizations.Search(e.ctx, &organizations.SearchParams{Query: tt.q})
			if tt.error != "" {
				wantStytchError(t, err, 400, tt.error)
				return
			}
			mustOK(t, err)
			got := []string{}
			for _, o := range resp.Organizations {
				got = append(got, o.OrganizationSlug)
			}
			if len(got) != len(tt.want) || int(resp.ResultsMetadata.Total) != len(tt.want) {
				t.Fatalf("got %v (total %d), want %v", got, resp.ResultsMetadata.Total, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
	t.Run("search pagination", func(t *testing.T) {
		resp, err := e.client.Organizations.Search(e.ctx, &organizations.SearchParams{Limit: 1})
		mustOK(t, err)
		if len(resp.Organizations) != 1 || resp.ResultsMetadata.NextCursor == "" {
			t.Fatalf("page 1 = %+v", resp.ResultsMetadata)
		}
		resp, err = e.client.Organizations.Search(e.ctx, &organizations.SearchParams{Limit: 1, Cursor: resp.ResultsMetadata.NextCursor})
		mustOK(t, err)
		if len(resp.Organizations) != 1 || resp.Organizations[0].OrganizationID != beta.Organization.OrganizationID || resp.ResultsMetadata.NextCursor != "" {
			t.Fatalf("page 2 = %+v", resp)
		}
	})
}

func TestOrganizationUpdate(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and some change its state or clock.
	e, acme, orgID := newAcme(t)
	e.signUp("zed@zed.io", "Zed", "zed")
	// bob: plain member of acme (joins by domain).
	update := func(p *organizations.UpdateParams, auth *methodoptions.Authorization) (*organizations.UpdateResponse, error) {
		p.OrganizationID = orgID
		if auth == nil {
			return e.client.Organizations.Update(e.ctx, p)
		}
		return e.client.Organizations.Update(e.ctx, p, &organizations.UpdateRequestOptions{Authorization: *auth})
	}

	t.Run("settings", func(t *testing.T) {
		resp, err := update(&organizations.UpdateParams{OrganizationName: "Acme Inc", OrganizationSlug: "acme-inc",
			EmailAllowedDomains: []string{"Acme.com", "acme.co.uk"}, EmailJITProvisioning: "RESTRICTED", EmailInvites: "RESTRICTED"}, nil)
		mustOK(t, err)
		o := resp.Organization
		if o.OrganizationName != "Acme Inc" || o.OrganizationSlug != "acme-inc" || o.EmailJITProvisioning != "RESTRICTED" ||
			o.EmailInvites != "RESTRICTED" || len(o.EmailAllowedDomains) != 2 || o.EmailAllowedDomains[0] != "acme.com" {
			t.Fatalf("org = %+v", o)
		}
		got, err := e.client.Organizations.Get(e.ctx, &organizations.GetParams{OrganizationID: orgID})
		mustOK(t, err)
		if got.Organization.OrganizationSlug != "acme-inc" {
			t.Errorf("update not persisted")
		}
	})
	t.Run("own slug again is fine", func(t *testing.T) {
		_, err := update(&organizations.UpdateParams{OrganizationSlug: "ACME-inc"}, nil)
		mustOK(t, err)
	})

	bob := joinOrg(t, e, orgID, "bob@acme.com")
	admin := &methodoptions.Authorization{SessionToken: acme.SessionToken}
	adminJWT := &methodoptions.Authorization{SessionJWT: acme.SessionJWT}
	plain := &methodoptions.Authorization{SessionToken: bob}
	zed := e.signUp("zed@zed.io", "Zed 2", "zed2")
	stranger := &methodoptions.Authorization{SessionToken: zed.SessionToken}

	tests := []struct {
		name   string
		p      organizations.UpdateParams
		auth   *methodoptions.Authorization
		status int
		typ    string
	}{
		{"slug taken", organizations.UpdateParams{OrganizationSlug: "ZED"}, nil, 400, "organization_slug_already_used"},
		{"slug invalid", organizations.UpdateParams{OrganizationSlug: "a/b"}, nil, 400, "invalid_organization_slug"},
		{"gmail domain", organizations.UpdateParams{EmailAllowedDomains: []string{"gmail.com"}}, nil, 400, "organization_settings_domain_too_common"},
		{"hotmail domain", organizations.UpdateParams{EmailAllowedDomains: []string{"acme.com", "HOTMAIL.com"}}, nil, 400, "organization_settings_domain_too_common"},
		{"bad domain", organizations.UpdateParams{EmailAllowedDomains: []string{"not a domain"}}, nil, 400, "organization_settings_invalid_domain"},
		{"bad jit value", organizations.UpdateParams{EmailJITProvisioning: "ALL_ALLOWED"}, nil, 400, "invalid_email_jit_provisioning"},
		{"member session not admin", organizations.UpdateParams{OrganizationName: "Hacked"}, plain, 403, "session_authorization_error"},
		{"other org's admin", organizations.UpdateParams{OrganizationName: "Hacked"}, stranger, 403, "session_authorization_tenancy_error"},
		{"admin sets trusted_metadata", organizations.UpdateParams{TrustedMetadata: map[string]any{"a": 1}}, admin, 400, "cannot_update_trusted_metadata"},
		{"revoked-looking session", organizations.UpdateParams{OrganizationName: "X"}, &methodoptions.Authorization{SessionToken: "nope"}, 404, "session_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			_, err := update(&p, tt.auth)
			wantStytchError(t, err, tt.status, tt.typ)
		})
	}
	t.Run("admin by token and JWT", func(t *testing.T) {
		for _, a := range []*methodoptions.Authorization{admin, adminJWT} {
			_, err := update(&organizations.UpdateParams{OrganizationName: "Acme Admin"}, a)
			mustOK(t, err)
		}
	})
	t.Run("unknown org", func(t *testing.T) {
		_, err := e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: "organization-test-nope", OrganizationName: "x"})
		wantStytchError(t, err, 404, "organization_not_found")
	})
}

// joinOrg signs email into orgID through discovery (an existing membership or JIT by
// domain) and returns the session token.
func joinOrg(t *testing.T, e *env, orgID, email string) string {
	t.Helper()
	resp, err := e.client.Discovery.IntermediateSessions.Exchange(e.ctx, &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: e.discover(email).IntermediateSessionToken, OrganizationID: orgID})
	mustOK(t, err)
	return resp.SessionToken
}

// membersFixture is acme (ada, its admin, and JIT for acme.com) with bob joined by domain and
// carol invited, and zed's org beside it.
type membersFixture struct {
	e          *env
	acme, zed  *dorgs.CreateResponse
	orgID      string
	bobSession string
	carolID    string
}

func newMembersFixture(t *testing.T) membersFixture {
	t.Helper()
	e := newEnv(t)
	acme := e.signUp("ada@acme.com", "Acme", "acme", jitByAcmeDomain, invitesAllowed)
	orgID := acme.Organization.OrganizationID
	return membersFixture{e: e, acme: acme, orgID: orgID, bobSession: joinOrg(t, e, orgID, "bob@acme.com"),
		carolID: invite(t, e, orgID, "carol@gmail.com"), zed: e.signUp("zed@zed.io", "Zed", "zed")}
}

// searchMembers searches with the project secret when auth is nil and as auth's session otherwise.
func searchMembers(e *env, p *members.SearchParams, auth *methodoptions.Authorization) (*members.SearchResponse, error) {
	if auth == nil {
		return e.client.Organizations.Members.Search(e.ctx, p)
	}
	return e.client.Organizations.Members.Search(e.ctx, p, &members.SearchRequestOptions{Authorization: *auth})
}

func memberEmails(r *members.SearchResponse) []string {
	out := []string{}
	for _, m := range r.Members {
		out = append(out, m.EmailAddress)
	}
	return out
}

func TestMembersGet(t *testing.T) {
	t.Parallel()
	f := newMembersFixture(t)
	e := f.e
	resp, err := e.client.Organizations.Members.Get(e.ctx, &members.GetParams{OrganizationID: f.orgID, EmailAddress: "BOB@acme.com"})
	mustOK(t, err)
	if resp.Member.EmailAddress != "bob@acme.com" || resp.Member.Status != "active" || resp.Organization.OrganizationID != f.orgID {
		t.Fatalf("resp = %+v", resp)
	}
	resp, err = e.client.Organizations.Members.Get(e.ctx, &members.GetParams{OrganizationID: f.orgID, MemberID: f.carolID})
	mustOK(t, err)
	if resp.Member.Status != "invited" {
		t.Errorf("carol status = %s", resp.Member.Status)
	}
	_, err = e.client.Organizations.Members.Get(e.ctx, &members.GetParams{OrganizationID: f.orgID, EmailAddress: "nobody@acme.com"})
	wantStytchError(t, err, 404, "member_not_found")
	_, err = e.client.Organizations.Members.Get(e.ctx, &members.GetParams{OrganizationID: f.zed.Organization.OrganizationID, MemberID: f.carolID})
	wantStytchError(t, err, 404, "member_not_found")
	_, err = e.client.Organizations.Members.Get(e.ctx, &members.GetParams{OrganizationID: "organization-test-nope", MemberID: f.carolID})
	wantStytchError(t, err, 404, "organization_not_found")
}

func TestMembersSearch(t *testing.T) {
	t.Parallel()
	f := newMembersFixture(t)
	e := f.e
	t.Run("search", func(t *testing.T) {
		resp, err := searchMembers(e, &members.SearchParams{OrganizationIds: []string{f.orgID}}, nil)
		mustOK(t, err)
		if got := memberEmails(resp); len(got) != 3 || resp.Organizations[f.orgID].OrganizationSlug != "acme" {
			t.Fatalf("got %v", got)
		}
		resp, err = searchMembers(e, &members.SearchParams{OrganizationIds: []string{f.orgID}, Query: query("AND", filter("statuses", []string{"invited"}))}, nil)
		mustOK(t, err)
		if got := memberEmails(resp); len(got) != 1 || got[0] != "carol@gmail.com" {
			t.Fatalf("invited = %v", got)
		}
		resp, err = searchMembers(e, &members.SearchParams{OrganizationIds: []string{f.orgID}, Query: query("AND", filter("member_email_fuzzy", "bob"))}, nil)
		mustOK(t, err)
		if got := memberEmails(resp); len(got) != 1 || got[0] != "bob@acme.com" {
			t.Fatalf("fuzzy = %v", got)
		}
		resp, err = searchMembers(e, &members.SearchParams{OrganizationIds: []string{f.orgID}, Query: query("AND", filter("member_roles", []string{"stytch_admin"}))}, nil)
		mustOK(t, err)
		if got := memberEmails(resp); len(got) != 1 || got[0] != "ada@acme.com" {
			t.Fatalf("admins = %v", got)
		}
		_, err = searchMembers(e, &members.SearchParams{}, nil)
		wantStytchError(t, err, 400, "member_search_organization_ids_empty")
	})
	t.Run("search RBAC", func(t *testing.T) {
		_, err := searchMembers(e, &members.SearchParams{OrganizationIds: []string{f.orgID}}, &methodoptions.Authorization{SessionToken: f.bobSession})
		wantStytchError(t, err, 403, "session_authorization_error") // stytch_member lacks stytch.member search
		_, err = searchMembers(e, &members.SearchParams{OrganizationIds: []string{"acme"}}, &methodoptions.Authorization{SessionToken: f.acme.SessionToken})
		mustOK(t, err) // stytch_admin may; the slug stands for the organization ID
		_, err = searchMembers(e, &members.SearchParams{OrganizationIds: []string{f.orgID}}, &methodoptions.Authorization{SessionJWT: f.zed.SessionJWT})
		wantStytchError(t, err, 403, "session_authorization_tenancy_error")
	})
}

func TestMembersDelete(t *testing.T) {
	t.Parallel()
	// Subtests run in order: they share one emulator, and each deletes a member.
	f := newMembersFixture(t)
	e := f.e
	del := func(memberID string, auth *methodoptions.Authorization) error {
		p := &members.DeleteParams{OrganizationID: f.orgID, MemberID: memberID}
		var err error
		if auth == nil {
			_, err = e.client.Organizations.Members.Delete(e.ctx, p)
		} else {
			_, err = e.client.Organizations.Members.Delete(e.ctx, p, &members.DeleteRequestOptions{Authorization: *auth})
		}
		return err
	}
	t.Run("delete RBAC", func(t *testing.T) {
		wantStytchError(t, del(f.carolID, &methodoptions.Authorization{SessionToken: f.bobSession}), 403, "session_authorization_error")
		wantStytchError(t, del(f.carolID, &methodoptions.Authorization{SessionToken: f.zed.SessionToken}), 403, "session_authorization_tenancy_error")
	})
	t.Run("revoke invite", func(t *testing.T) {
		_, inviteTok := e.lastLink("carol@gmail.com")
		mustOK(t, del(f.carolID, &methodoptions.Authorization{SessionToken: f.acme.SessionToken}))
		_, err := e.client.Organizations.Members.Get(e.ctx, &members.GetParams{OrganizationID: f.orgID, MemberID: f.carolID})
		wantStytchError(t, err, 404, "member_not_found")
		resp, err := searchMembers(e, &members.SearchParams{OrganizationIds: []string{f.orgID}, Query: query("AND", filter("statuses", []string{"deleted"}))}, nil)
		mustOK(t, err)
		if got := memberEmails(resp); len(got) != 1 || resp.Members[0].Status != "deleted" {
			t.Errorf("deleted = %v", got)
		}
		if got := memberships(e.discover("carol@gmail.com").DiscoveredOrganizations); len(got) != 0 {
			t.Errorf("revoked invite still discovered: %v", got)
		}
		_, err = authMagicLink(e, inviteTok)
		wantStytchError(t, err, 401, "unable_to_auth_magic_link")
		wantStytchError(t, del(f.carolID, nil), 404, "member_not_found")
	})
	t.Run("delete revokes sessions", func(t *testing.T) {
		m, err := e.client.Organizations.Members.Get(e.ctx, &members.GetParams{OrganizationID: f.orgID, EmailAddress: "bob@acme.com"})
		mustOK(t, err)
		mustOK(t, del(m.MemberID, nil))
		_, err = e.client.Sessions.Authenticate(e.ctx, &sessions.AuthenticateParams{SessionToken: f.bobSession})
		wantStytchError(t, err, 404, "session_not_found")
	})
}
