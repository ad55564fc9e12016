package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/orgpick/orgpick/emulator"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery"
	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	mldiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"
)

const (
	projectID = "project-test-11111111-2222-3333-4444-555555555555"
	secret    = "secret-test-emulator-unit-tests"
	redirect  = "http://localhost:3000/authenticate"
)

// env is an emulator behind a real HTTP server and an unmodified SDK client.
type env struct {
	t      *testing.T
	emu    *emulator.Emulator
	srv    *httptest.Server
	client *b2bstytchapi.API
	ctx    context.Context
}

func newEnv(t *testing.T, opts ...func(*emulator.Config)) *env {
	t.Helper()
	cfg := emulator.Config{ProjectID: projectID, Secret: secret, Log: slog.New(slog.DiscardHandler), DisableEmailRateLimit: true}
	emulator.WithSharedTestKey(&cfg)
	for _, o := range opts {
		o(&cfg)
	}
	emu, err := emulator.New(cfg)
	if err != nil {
		t.Fatalf("emulator.New: %v", err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(func() {
		srv.Close()
		emu.Close()
	})
	return &env{t: t, emu: emu, srv: srv, client: newClient(t, srv.URL, secret), ctx: t.Context()}
}

func newClient(t *testing.T, baseURL, sec string) *b2bstytchapi.API {
	t.Helper()
	c, err := b2bstytchapi.NewClient(projectID, sec, b2bstytchapi.WithBaseURI(baseURL))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// wantStytchError checks err is a Stytch error with the given status and type.
func wantStytchError(t *testing.T, err error, status int, typ string) {
	t.Helper()
	var se stytcherror.Error
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want stytcherror.Error %d %s", err, err, status, typ)
	}
	if se.StatusCode != status || string(se.ErrorType) != typ {
		t.Fatalf("error = %d %s (%s), want %d %s", se.StatusCode, se.ErrorType, se.ErrorMessage, status, typ)
	}
	if se.RequestID == "" || se.ErrorMessage == "" || se.ErrorURL == "" {
		t.Fatalf("error body incomplete: %+v", se)
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// lastLink returns the newest mailbox link for to, and its token.
func (e *env) lastLink(to string) (link, token string) {
	e.t.Helper()
	msgs, err := e.emu.Mailbox(e.ctx, to)
	mustOK(e.t, err)
	if len(msgs) == 0 {
		e.t.Fatalf("no mail for %s", to)
	}
	u, err := url.Parse(msgs[0].Link)
	mustOK(e.t, err)
	return msgs[0].Link, u.Query().Get("token")
}

// sendDiscovery sends a discovery email and returns the token from the link.
func (e *env) sendDiscovery(email string) string {
	e.t.Helper()
	_, err := e.client.MagicLinks.Email.Discovery.Send(e.ctx, &emaildiscovery.SendParams{EmailAddress: email, DiscoveryRedirectURL: redirect})
	mustOK(e.t, err)
	_, tok := e.lastLink(email)
	return tok
}

// discover runs send + authenticate and returns the IST and the discovered organizations.
func (e *env) discover(email string) *mldiscovery.AuthenticateResponse {
	e.t.Helper()
	tok := e.sendDiscovery(email)
	resp, err := e.client.MagicLinks.Discovery.Authenticate(e.ctx, &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: tok})
	mustOK(e.t, err)
	return resp
}

// signUp creates an organization via discovery for email and returns the response.
func (e *env) signUp(email, name, slug string, mod ...func(*dorgs.CreateParams)) *dorgs.CreateResponse {
	e.t.Helper()
	ist := e.discover(email).IntermediateSessionToken
	p := &dorgs.CreateParams{IntermediateSessionToken: ist, OrganizationName: name, OrganizationSlug: slug}
	for _, m := range mod {
		m(p)
	}
	resp, err := e.client.Discovery.Organizations.Create(e.ctx, p)
	mustOK(e.t, err)
	return resp
}

// newAcme is the usual start: an emulator where ada@acme.com signed up organization acme
// (Acme) by discovery.
func newAcme(t *testing.T, opts ...func(*emulator.Config)) (e *env, acme *dorgs.CreateResponse, orgID string) {
	t.Helper()
	e = newEnv(t, opts...)
	acme = e.signUp("ada@acme.com", "Acme", "acme")
	return e, acme, acme.Organization.OrganizationID
}

// jitByAcmeDomain lets anyone with a verified acme.com email join by JIT (a signUp option).
func jitByAcmeDomain(p *dorgs.CreateParams) {
	p.EmailJITProvisioning = "RESTRICTED"
	p.EmailAllowedDomains = []string{"acme.com"}
}

// invitesAllowed keeps invites on: with other auth settings they would default to NOT_ALLOWED.
func invitesAllowed(p *dorgs.CreateParams) { p.EmailInvites = "ALL_ALLOWED" }

// getJSON GETs path on the emulator server and decodes the JSON body into v.
func (e *env) getJSON(path string, v any) *http.Response {
	e.t.Helper()
	resp, err := http.Get(e.srv.URL + path)
	mustOK(e.t, err)
	defer resp.Body.Close()
	if v != nil {
		mustOK(e.t, json.NewDecoder(resp.Body).Decode(v))
	}
	return resp
}

// getText GETs path on the emulator server and returns the response and its body.
func (e *env) getText(path string) (*http.Response, string) {
	e.t.Helper()
	resp, err := http.Get(e.srv.URL + path)
	mustOK(e.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	mustOK(e.t, err)
	return resp, string(body)
}

// memberships maps organization ID to membership type.
func memberships(orgs []discovery.DiscoveredOrganization) map[string]string {
	out := map[string]string{}
	for _, o := range orgs {
		out[o.Organization.OrganizationID] = o.Membership.Type
	}
	return out
}

// invite invites email to orgID with the API key (no member session) and returns the member ID.
func invite(t *testing.T, e *env, orgID, addr string) string {
	t.Helper()
	resp, err := e.client.MagicLinks.Email.Invite(e.ctx, &email.InviteParams{OrganizationID: orgID, EmailAddress: addr, InviteRedirectURL: redirect})
	mustOK(t, err)
	return resp.MemberID
}

// httpGet serves GET path with h and returns the status.
func httpGet(t *testing.T, h http.Handler, path string) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code
}
