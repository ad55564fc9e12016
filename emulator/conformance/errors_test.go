package conformance_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/intermediatesessions"
	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks"
	mldiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/methodoptions"
)

// fixture is the state the error cases run against: organization "errs" (JIT by domain,
// invites allowed) with admin Ada and plain member Bob, and organization "other" with Zed.
type fixture struct {
	t        *testing.T
	ctx      context.Context
	c        *b2bstytchapi.API
	orgID    string
	ada, bob *dorgs.CreateResponse // bob: only SessionToken, SessionJWT and MemberID are set
	zed      *dorgs.CreateResponse
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, ctx: t.Context(), c: newClient(t)}
	f.ada = f.create("ada@errs.example", "Errs", "errs", func(p *dorgs.CreateParams) {
		p.EmailJITProvisioning, p.EmailAllowedDomains, p.EmailInvites = "RESTRICTED", []string{"errs.example"}, "ALL_ALLOWED"
	})
	f.orgID = f.ada.Organization.OrganizationID
	ist := discoverByEmail(t, f.ctx, f.c, "bob@errs.example").IntermediateSessionToken
	ex, err := f.c.Discovery.IntermediateSessions.Exchange(f.ctx, &intermediatesessions.ExchangeParams{IntermediateSessionToken: ist, OrganizationID: f.orgID})
	if err != nil {
		t.Fatalf("bob joins: %v", err)
	}
	f.bob = &dorgs.CreateResponse{SessionToken: ex.SessionToken, SessionJWT: ex.SessionJWT, MemberID: ex.MemberID}
	f.zed = f.create("zed@other.example", "Other", "other", func(*dorgs.CreateParams) {})
	return f
}

func (f *fixture) create(email, name, slug string, mod func(*dorgs.CreateParams)) *dorgs.CreateResponse {
	f.t.Helper()
	p := &dorgs.CreateParams{IntermediateSessionToken: discoverByEmail(f.t, f.ctx, f.c, email).IntermediateSessionToken,
		OrganizationName: name, OrganizationSlug: slug}
	mod(p)
	resp, err := f.c.Discovery.Organizations.Create(f.ctx, p)
	if err != nil {
		f.t.Fatalf("create %s: %v", slug, err)
	}
	return resp
}

func as(tok string) methodoptions.Authorization {
	return methodoptions.Authorization{SessionToken: tok}
}

// errCase is one documented error: call must fail with status and error_type.
type errCase struct {
	name   string
	call   func() error
	status int
	typ    string
}

// TestErrorCases runs every error case of emulator/README.md's table through the SDK (or, for
// what v16 cannot send, plain HTTP) against the binary.
func TestErrorCases(t *testing.T) {
	t.Parallel() // one binary serves every test: each uses its own addresses and organizations
	f := newFixture(t)
	var cases []errCase
	for _, group := range []func() []errCase{f.transportCases, f.discoveryCases, f.settingsCases, f.sessionCases,
		f.memberCases, f.inviteCases, f.rbacCases} {
		cases = append(cases, group()...)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if status, typ := stytchErr(err); status != c.status || typ != c.typ {
				t.Errorf("got %d %q (%v), want %d %q", status, typ, err, c.status, c.typ)
			}
		})
	}
	t.Logf("%d error cases", len(cases))
}

// rawErr adapts a raw HTTP call to errCase.call: it returns a stytcherror.Error-like error.
func rawErr(t *testing.T, method, path string, body any) func() error {
	return func() error {
		status, typ := rawCall(t, method, path, body)
		return fakeErr(status, typ)
	}
}

func (f *fixture) transportCases() []errCase {
	t := f.t
	wrong, err := b2bstytchapi.NewClient(projectID, "wrong-secret", b2bstytchapi.WithBaseURI(baseURL))
	if err != nil {
		t.Fatal(err)
	}
	return []errCase{
		{"wrong secret", func() error {
			_, err := wrong.MagicLinks.Email.Discovery.Send(f.ctx, &emaildiscovery.SendParams{EmailAddress: "a@errs.example"})
			return err
		}, 401, "unauthorized_credentials"},
		{"no Authorization header", func() error {
			resp, err := http.Post(baseURL+"/v1/b2b/sessions/authenticate", "application/json", strings.NewReader("{}"))
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			return fakeErr(resp.StatusCode, decodeType(resp))
		}, 400, "invalid_authorization_header"},
		{"unknown route", rawErr(t, "GET", "/v1/b2b/nope", nil), 404, "route_not_found"},
		{"wrong method", rawErr(t, "GET", "/v1/b2b/sessions/authenticate", nil), 405, "method_not_allowed"},
		{"malformed JSON", func() error {
			req, _ := http.NewRequest("POST", baseURL+"/v1/b2b/sessions/authenticate", strings.NewReader("{"))
			req.SetBasicAuth(projectID, secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			return fakeErr(resp.StatusCode, decodeType(resp))
		}, 400, "invalid_request"},
		{"JWKS of another project", func() error {
			resp, err := http.Get(baseURL + "/v1/b2b/sessions/jwks/project-test-nope")
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			return fakeErr(resp.StatusCode, decodeType(resp))
		}, 404, "project_not_found"},
	}
}

func (f *fixture) discoveryCases() []errCase {
	send := func(email, redirect string) func() error {
		return func() error {
			_, err := f.c.MagicLinks.Email.Discovery.Send(f.ctx, &emaildiscovery.SendParams{EmailAddress: email, DiscoveryRedirectURL: redirect})
			return err
		}
	}
	used := discoverByEmailToken(f, "used@errs.example")
	stranger := discoverByEmail(f.t, f.ctx, f.c, "stranger@else.example").IntermediateSessionToken
	exchange := func(ist, org string, mins int32) func() error {
		return func() error {
			_, err := f.c.Discovery.IntermediateSessions.Exchange(f.ctx, &intermediatesessions.ExchangeParams{
				IntermediateSessionToken: ist, OrganizationID: org, SessionDurationMinutes: mins})
			return err
		}
	}
	return []errCase{
		{"invalid email", send("not-an-email", ""), 400, "invalid_email"},
		{"redirect URL not allowed", send("a@errs.example", "https://evil.example/cb"), 400, "invalid_discovery_redirect_url"},
		{"discovery_expiration_minutes out of range", rawErr(f.t, "POST", "/v1/b2b/magic_links/email/discovery/send",
			map[string]any{"email_address": "a@errs.example", "discovery_expiration_minutes": 4}), 400, "invalid_expiration"},
		{"email rate limit", func() error {
			var err error
			for range 6 {
				err = send("flood@errs.example", "")()
			}
			return err
		}, 429, "too_many_requests"},
		{"unknown magic link", func() error {
			_, err := f.c.MagicLinks.Discovery.Authenticate(f.ctx, &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: "CprTtwhnRNiMBiUS2jSLcWYrfuO2POeBNdo5HhW6qTM="})
			return err
		}, 404, "magic_link_not_found"},
		{"used magic link", func() error {
			_, err := f.c.MagicLinks.Discovery.Authenticate(f.ctx, &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: used})
			return err
		}, 401, "unable_to_auth_magic_link"},
		{"unknown org magic link", func() error {
			_, err := f.c.MagicLinks.Authenticate(f.ctx, &magiclinks.AuthenticateParams{MagicLinksToken: "nope"})
			return err
		}, 404, "magic_link_not_found"},
		{"unknown IST", exchange("nope", f.orgID, 0), 404, "intermediate_session_not_found"},
		{"unknown organization", exchange(stranger, "organization-test-00000000-0000-4000-8000-000000000000", 0), 404, "organization_not_found"},
		{"not eligible", exchange(stranger, f.orgID, 0), 403, "email_jit_provisioning_not_allowed"},
		{"session duration", exchange(stranger, f.orgID, 4), 400, "invalid_session_duration_minutes"},
	}
}

// discoverByEmailToken sends a discovery email, authenticates its link once and returns the
// (now used) token.
func discoverByEmailToken(f *fixture, email string) string {
	discoverByEmail(f.t, f.ctx, f.c, email)
	return tokenOf(f.t, newestMail(f.t, email).Link)
}

// fakeErr turns a raw status and error type into a stytcherror.Error.
func fakeErr(status int, typ string) error { return stytchError(status, typ) }
