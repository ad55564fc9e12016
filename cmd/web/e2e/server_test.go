package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgpick/orgpick/emulator"
	"github.com/orgpick/orgpick/internal/testkit"
)

// server is what a journey runs against, with this test's t: its helpers fail the test
// instead of returning errors. By default that is the real orgpick binary (testkit.Server);
// with E2E_INSTANCES=n (n ≥ 2), n of them behind a round-robin proxy (testkit.Instances).
type server struct {
	app
	URL  string // what the browser opens: the app, or the proxy in front of the instances
	t    *testing.T
	log  fmt.Stringer // stdout and stderr of every run, in order (every instance's, with E2E_INSTANCES)
	seed *testkit.Seeder
}

// app is what *testkit.Server and *testkit.Instances both do.
type app interface {
	testkit.Mailbox
	Start(context.Context) error
	Stop() error
	Restart(context.Context) error
	Calls(context.Context) (map[string]int, error)
	AdvanceClock(context.Context, time.Duration) error
	NewSeeder() (*testkit.Seeder, error)
}

type syncBuffer = testkit.SyncBuffer

// startServer builds (once) and starts the app; t.Cleanup stops it and, on failure, prints its log.
func startServer(t *testing.T) *server {
	t.Helper()
	if n := instanceCount(t); n > 1 {
		return startInstances(t, n)
	}
	return startBinary(t, "")
}

// startBinary starts the real binary with extra environment (NAME=value), serving its pages
// under prefix (its AUTH_PREFIX, "" for the root).
func startBinary(t *testing.T, prefix string, env ...string) *server {
	t.Helper()
	ts, err := testkit.NewServer(serverBinary(t), t.TempDir(), env...)
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	ts.Prefix = prefix
	s := &server{app: ts, URL: ts.URL, t: t, log: ts.Log}
	t.Cleanup(func() {
		s.Stop()
		s.checkLog()
	})
	s.check(s.Start(t.Context()))
	return s
}

// instanceCount is $E2E_INSTANCES: how many app processes serve each journey (default 1).
func instanceCount(t *testing.T) int {
	t.Helper()
	v := os.Getenv("E2E_INSTANCES")
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 26 {
		t.Fatalf("e2e: E2E_INSTANCES=%q: want a number of instances from 1 to 26", v)
	}
	return n
}

// startInstances starts n instances of the app on a fresh PostgreSQL database and one shared
// emulator, behind a proxy that alternates requests between them (testkit.Instances). It fails
// without PostgreSQL: this mode was asked for. t.Cleanup also fails the test when an instance
// served no request (the journey would not have tested several instances).
func startInstances(t *testing.T, n int) *server {
	t.Helper()
	dbURL, drop, err := testkit.FreshPostgres(t.Context())
	if err != nil {
		t.Fatalf("e2e: E2E_INSTANCES=%d needs PostgreSQL (%s): %v", n, testkit.PostgresAdminURL(), err)
	}
	in, err := testkit.NewInstances(serverBinary(t), t.TempDir(), dbURL, n)
	if err != nil {
		drop()
		t.Fatalf("e2e: %v", err)
	}
	s := &server{app: in, URL: in.URL, t: t, log: stringer(in.Log)}
	t.Cleanup(func() {
		in.Close()
		if err := drop(); err != nil {
			t.Logf("e2e: drop the test database: %v", err)
		}
		served := in.Served()
		for i, c := range served {
			if c == 0 {
				t.Errorf("e2e: instance %c served no request (requests per instance: %v)", 'A'+i, served)
			}
		}
		t.Logf("e2e: requests per instance (A, B, …): %v", served)
		s.checkLog()
	})
	s.check(s.Start(t.Context()))
	return s
}

// stringer turns a func into a fmt.Stringer.
type stringer func() string

func (f stringer) String() string { return f() }

// checkLog fails the test on a data race the server reported and, on failure, prints its log.
func (s *server) checkLog() {
	if strings.Contains(s.log.String(), "WARNING: DATA RACE") {
		s.t.Errorf("e2e: the server reported a data race (see its log)")
	}
	if s.t.Failed() {
		s.t.Logf("server log:\n%s", s.log.String())
	}
}

func (s *server) check(err error) {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("e2e: %v", err)
	}
}

// restart is kill -9 followed by a start with the same port, database and environment; with
// E2E_INSTANCES, of every instance (each is killed before any starts again), so whatever a
// journey finds afterwards came from the database, not from a surviving process.
func (s *server) restart() {
	s.t.Helper()
	s.check(s.Restart(s.t.Context()))
	s.seed = nil // an embedded emulator listens on a new port
}

// mailbox returns the messages sent to an address, newest first.
func (s *server) mailbox(to string) []emulator.Message {
	s.t.Helper()
	msgs, err := s.Mailbox(s.t.Context(), to)
	s.check(err)
	return msgs
}

// latestLink is the newest link mailed to an address.
func (s *server) latestLink(to string) string {
	s.t.Helper()
	u, err := testkit.LatestLink(s.t.Context(), s, to)
	s.check(err)
	return u.String()
}

// calls are the emulator's API calls per route since this server process started (with
// E2E_INSTANCES, since the shared emulator started: compare snapshots).
func (s *server) calls() map[string]int {
	s.t.Helper()
	c, err := s.Calls(s.t.Context())
	s.check(err)
	return c
}

const callDiscoveryAuthenticate = "POST /v1/b2b/magic_links/discovery/authenticate"
const callMagicLinkAuthenticate = "POST /v1/b2b/magic_links/authenticate"
const callInvite = "POST /v1/b2b/magic_links/email/invite"
const callUpdateOrg = "PUT /v1/b2b/organizations/{organization_id}"

// advanceClock moves the emulator's clock (not the app's) forward.
func (s *server) advanceClock(d time.Duration) {
	s.t.Helper()
	s.check(s.AdvanceClock(s.t.Context(), d))
}

// seeder is an SDK client on the emulator (the embedded or the shared one), for the setup the app has no screen for
// (invitations, organization settings) and for organizations that already exist when a
// journey starts. (The app's own limit of one link per address every 30 s would otherwise
// make a journey wait between two sign-ins of the same person.)
func (s *server) seeder() *testkit.Seeder {
	s.t.Helper()
	if s.seed == nil {
		sd, err := s.NewSeeder()
		s.check(err)
		s.seed = sd
	}
	return s.seed
}

// seedOrg creates an organization whose first member (admin) is email, the way the app does
// it: discovery link → IST → create. It returns the organization ID.
func (s *server) seedOrg(email, name, slug string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.t.Context(), 10*time.Second)
	defer cancel()
	org, err := s.seeder().CreateOrg(ctx, email, name, slug)
	s.check(err)
	return org.Organization.OrganizationID
}

// seedMemberships makes email an active member of one new organization per name (see
// testkit.Seeder.Memberships) and returns their IDs in the order of names.
func (s *server) seedMemberships(email string, names, slugs []string) []string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.t.Context(), 2*time.Minute)
	defer cancel()
	ids, err := s.seeder().Memberships(ctx, email, names, slugs)
	s.check(err)
	return ids
}
