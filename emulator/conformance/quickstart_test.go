package conformance_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	mldiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/methodoptions"
)

// discoverByEmail is the quickstart's first two steps: send a discovery email with no
// redirect URL (the project default applies), then authenticate the link's token.
func discoverByEmail(t *testing.T, ctx context.Context, c *b2bstytchapi.API, email string) *mldiscovery.AuthenticateResponse {
	t.Helper()
	if _, err := c.MagicLinks.Email.Discovery.Send(ctx, &emaildiscovery.SendParams{EmailAddress: email}); err != nil {
		t.Fatalf("send discovery email without a redirect URL: %v", err)
	}
	m := newestMail(t, email)
	if m.Kind != "discovery" || !strings.HasPrefix(m.Link, "http://localhost:3000/authenticate?") || !strings.Contains(m.Link, "stytch_token_type=discovery&") {
		t.Fatalf("discovery mail = %+v", m)
	}
	resp, err := c.MagicLinks.Discovery.Authenticate(ctx, &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: tokenOf(t, m.Link)})
	if err != nil {
		t.Fatalf("authenticate discovery link: %v", err)
	}
	return resp
}

// TestQuickstartFlow follows Stytch's B2B Go quickstart, unmodified apart from the base URL.
func TestQuickstartFlow(t *testing.T) {
	t.Parallel() // one binary serves every test: each uses its own addresses and organizations
	ctx := t.Context()
	c := newClient(t)

	founder := discoverByEmail(t, ctx, c, "founder@initech.example")
	if founder.EmailAddress != "founder@initech.example" || len(founder.DiscoveredOrganizations) != 0 {
		t.Fatalf("discovery = %+v", founder)
	}
	created, err := c.Discovery.Organizations.Create(ctx, &dorgs.CreateParams{
		IntermediateSessionToken: founder.IntermediateSessionToken, OrganizationName: "Initech", OrganizationSlug: "initech"})
	if err != nil || !created.MemberAuthenticated || !created.Member.IsAdmin {
		t.Fatalf("create organization: %v %+v", err, created)
	}
	orgID := created.Organization.OrganizationID

	// enableJitHandler: the admin, acting as a member, allows JIT by email domain.
	_, err = c.Organizations.Update(ctx, &organizations.UpdateParams{OrganizationID: orgID,
		EmailAllowedDomains: []string{"initech.example"}, EmailJITProvisioning: "RESTRICTED"},
		&organizations.UpdateRequestOptions{Authorization: methodoptions.Authorization{SessionToken: created.SessionToken}})
	if err != nil {
		t.Fatalf("enable JIT as the admin: %v", err)
	}

	peter := discoverByEmail(t, ctx, c, "peter@initech.example")
	if len(peter.DiscoveredOrganizations) != 1 || peter.DiscoveredOrganizations[0].Membership.Type != "eligible_to_join_by_email_domain" {
		t.Fatalf("peter discovers %+v", peter.DiscoveredOrganizations)
	}
	joined, err := c.Discovery.IntermediateSessions.Exchange(ctx, &intermediatesessions.ExchangeParams{
		IntermediateSessionToken: peter.IntermediateSessionToken, OrganizationID: orgID})
	if err != nil || !joined.MemberAuthenticated || joined.Member.IsAdmin {
		t.Fatalf("exchange: %v %+v", err, joined)
	}

	// orgIndexHandler: find the organization by slug.
	found, err := c.Organizations.Search(ctx, &organizations.SearchParams{Query: &organizations.SearchQuery{
		Operator: organizations.SearchQueryOperatorAND,
		Operands: []map[string]any{{"filter_name": "organization_slugs", "filter_value": []string{"initech"}}}}})
	if err != nil || len(found.Organizations) != 1 || found.Organizations[0].OrganizationID != orgID {
		t.Fatalf("search by slug: %v %+v", err, found)
	}

	// RBAC-checked authenticate: the SDK verifies the JWT locally against the served policy.
	check := &sessions.AuthorizationCheck{OrganizationID: orgID, ResourceID: "stytch.member", Action: "create"}
	rbacAuth := func(jwt string) (*sessions.AuthenticateResponse, error) {
		return c.Sessions.AuthenticateJWT(ctx, &sessions.AuthenticateJWTParams{MaxTokenAge: time.Minute,
			Body: &sessions.AuthenticateParams{SessionJWT: jwt, AuthorizationCheck: check}})
	}
	if resp, err := rbacAuth(created.SessionJWT); err != nil || resp.MemberSession.MemberID != created.MemberID {
		t.Fatalf("admin may invite: %v", err)
	}
	if _, err := rbacAuth(joined.SessionJWT); !isErr(err, 403, "session_authorization_error") {
		t.Fatalf("a plain member may not invite, got %v", err)
	}

	// Switch organizations and log out.
	list, err := c.Discovery.Organizations.List(ctx, &dorgs.ListParams{SessionToken: joined.SessionToken})
	if err != nil || len(list.DiscoveredOrganizations) != 1 {
		t.Fatalf("list: %v %+v", err, list)
	}
	if _, err := c.Sessions.Revoke(ctx, &sessions.RevokeParams{SessionToken: joined.SessionToken}); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if _, err := c.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: joined.SessionToken}); !isErr(err, 404, "session_not_found") {
		t.Fatalf("revoked session: %v", err)
	}
}

func isErr(err error, status int, typ string) bool {
	s, ty := stytchErr(err)
	return s == status && ty == typ
}
