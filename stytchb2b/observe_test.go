package stytchb2b

import "testing"

func TestEndpointName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ method, path, want string }{
		{"POST", "/v1/b2b/magic_links/email/discovery/send", "magic_links.email.discovery.send"},
		{"POST", "/v1/b2b/discovery/organizations", "discovery.organizations.list"},
		{"POST", "/v1/b2b/discovery/organizations/create", "discovery.organizations.create"},
		{"GET", "/v1/b2b/organizations/organization-test-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "organizations.get"},
		{"PUT", "/v1/b2b/organizations/organization-live-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "organizations.update"},
		{"DELETE", "/v1/b2b/organizations/organization-test-1/members/member-test-2", "organizations.members.delete"},
		{"GET", "/v1/b2b/sessions/jwks/project-test-11111111-1111-4111-8111-111111111111", "sessions.get_jwks"},
		{"POST", "/v1/b2b/sessions/authenticate", "sessions.authenticate"},
	} {
		if got := EndpointName(c.method, c.path); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.method, c.path, got, c.want)
		}
	}
}
