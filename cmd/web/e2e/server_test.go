package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/orgpick/orgpick/emulator"
	"github.com/orgpick/orgpick/internal/testkit"
)

// server is the real orgpick binary (testkit.Server) with this test's t: its helpers fail
// the test instead of returning errors.
type server struct {
	*testkit.Server
	t    *testing.T
	log  *testkit.SyncBuffer // stdout and stderr of every run, in order
	seed *testkit.Seeder
}

type syncBuffer = testkit.SyncBuffer

// startServer builds (once) and starts the app; t.Cleanup stops it and, on failure, prints its log.
func startServer(t *testing.T) *server {
	t.Helper()
	ts, err := testkit.NewServer(serverBinary(t), t.TempDir())
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	s := &server{Server: ts, t: t, log: ts.Log}
	t.Cleanup(func() {
		s.Stop()
		if strings.Contains(s.log.String(), "WARNING: DATA RACE") {
			t.Errorf("e2e: the server reported a data race (see its log)")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.log.String())
		}
	})
	s.check(s.Start(t.Context()))
	return s
}

func (s *server) check(err error) {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("e2e: %v", err)
	}
}

// restart is kill -9 followed by a start with the same port, database and environment.
func (s *server) restart() {
	s.t.Helper()
	s.check(s.Restart(s.t.Context()))
	s.seed = nil // the emulator listens on a new port
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

// calls are the emulator's API calls per route since this server process started.
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

// seeder is an SDK client on the embedded emulator, for the setup the app has no screen for
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
