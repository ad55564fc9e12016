package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
	discoveryorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks"
	mldiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/methodoptions"
)

// The embedded emulator's fixed credentials (cmd/web/config.go: emulatorProjectID, emulatorSecret).
const (
	emulatorProjectID = "project-test-00000000-0000-4000-8000-000000000000"
	emulatorSecret    = "secret-test-orgpick-local-emulator"
)

// server is the real orgpick binary on a free loopback port, with its SQLite file (and the
// embedded emulator's, next to it) in a temporary folder that outlives restarts.
type server struct {
	t      *testing.T
	bin    string
	addr   string // 127.0.0.1:port
	URL    string // http://127.0.0.1:port, also BASE_URL
	dbPath string
	log    *syncBuffer // stdout and stderr of every run, in order

	cmd    *exec.Cmd
	exited chan struct{}
	apiURL string            // the embedded emulator's API, parsed from the log
	api    *b2bstytchapi.API // SDK client for seeding what the app has no screen for
	http   *http.Client
}

// startServer builds (once) and starts the app; t.Cleanup stops it and, on failure, prints its log.
func startServer(t *testing.T) *server {
	t.Helper()
	bin := os.Getenv("E2E_SERVER_BIN") // a prebuilt binary, e.g. from `make build`
	if bin == "" {
		bin = serverBinary(t)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("e2e: free port: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &server{
		t: t, bin: bin, addr: addr, URL: "http://" + addr,
		dbPath: filepath.Join(t.TempDir(), "app.db"),
		log:    &syncBuffer{},
		http:   &http.Client{Timeout: 10 * time.Second},
	}
	t.Cleanup(func() {
		s.stop()
		if strings.Contains(s.log.String(), "WARNING: DATA RACE") {
			t.Errorf("e2e: the server reported a data race (see its log)")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.log.String())
		}
	})
	s.start()
	return s
}

var apiLine = regexp.MustCompile(`using the embedded Stytch emulator.* api=(http://127\.0\.0\.1:\d+)`)

// start runs the binary and waits until GET /healthz answers 200 and the emulator's URL is logged.
func (s *server) start() {
	s.t.Helper()
	mark := s.log.Len()
	fmt.Fprintf(s.log, "----- e2e: starting %s on %s -----\n", filepath.Base(s.bin), s.addr)
	cmd := exec.Command(s.bin)
	cmd.Env = append(envWithout(os.Environ(), "STYTCH_", "ADDR=", "BASE_URL=", "DATABASE_PATH=", "LOG_FORMAT="),
		"ADDR="+s.addr, "BASE_URL="+s.URL, "DATABASE_PATH="+s.dbPath, "LOG_FORMAT=text")
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("e2e: start server: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	s.cmd, s.exited, s.api, s.apiURL = cmd, exited, nil, ""

	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-exited:
			s.t.Fatalf("e2e: server exited during start (%v):\n%s", cmd.ProcessState, s.log.From(mark))
		default:
		}
		if m := apiLine.FindStringSubmatch(s.log.From(mark)); m != nil && s.healthy() {
			s.apiURL = m[1]
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("e2e: server not healthy (or no emulator URL logged) after 20s:\n%s", s.log.From(mark))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) healthy() bool {
	resp, err := s.http.Get(s.URL + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// kill ends the server with SIGKILL: no graceful shutdown, nothing flushed on the way out.
func (s *server) kill() {
	s.t.Helper()
	if s.cmd == nil {
		return
	}
	fmt.Fprintf(s.log, "----- e2e: SIGKILL -----\n")
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
	s.cmd = nil
}

// stop ends the server gracefully (SIGTERM), then by force after 10 s.
func (s *server) stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.exited
	}
	s.cmd = nil
}

// restart is kill -9 followed by a start with the same port, database and environment.
func (s *server) restart() {
	s.t.Helper()
	s.kill()
	s.start()
}

// mail is one message in the emulator's mailbox (GET /dev/mailbox.json).
type mail struct {
	To             string    `json:"to"`
	Subject        string    `json:"subject"`
	Kind           string    `json:"kind"`
	Link           string    `json:"link"`
	OrganizationID string    `json:"organization_id"`
	SentAt         time.Time `json:"sent_at"`
}

// mailbox returns the messages sent to an address, newest first.
func (s *server) mailbox(to string) []mail {
	s.t.Helper()
	var msgs []mail
	s.getJSON("/dev/mailbox.json?to="+url.QueryEscape(to), &msgs)
	return msgs
}

// latestLink is the newest link mailed to an address.
func (s *server) latestLink(to string) string {
	s.t.Helper()
	msgs := s.mailbox(to)
	if len(msgs) == 0 {
		s.t.Fatalf("e2e: no mail for %s", to)
	}
	return msgs[0].Link
}

// calls are the emulator's API calls per route since this server process started.
func (s *server) calls() map[string]int {
	s.t.Helper()
	c := map[string]int{}
	s.getJSON("/dev/calls.json", &c)
	return c
}

const callDiscoveryAuthenticate = "POST /v1/b2b/magic_links/discovery/authenticate"
const callMagicLinkAuthenticate = "POST /v1/b2b/magic_links/authenticate"
const callInvite = "POST /v1/b2b/magic_links/email/invite"
const callUpdateOrg = "PUT /v1/b2b/organizations/{organization_id}"

// advanceClock moves the emulator's clock (not the app's) forward.
func (s *server) advanceClock(d time.Duration) {
	s.t.Helper()
	resp, err := s.http.PostForm(s.URL+"/dev/clock", url.Values{"advance": {d.String()}})
	if err != nil {
		s.t.Fatalf("e2e: advance clock: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("e2e: advance clock: status %d", resp.StatusCode)
	}
}

func (s *server) getJSON(path string, v any) {
	s.t.Helper()
	resp, err := s.http.Get(s.URL + path)
	if err != nil {
		s.t.Fatalf("e2e: GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("e2e: GET %s: status %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		s.t.Fatalf("e2e: GET %s: %v", path, err)
	}
}

// stytch is an SDK client on the embedded emulator, for the setup the app has no screen for
// (invitations, organization settings) and for organizations that already exist when a
// journey starts. (The app's own limit of one link per address every 30 s would otherwise
// make a journey wait between two sign-ins of the same person.)
func (s *server) stytch() *b2bstytchapi.API {
	s.t.Helper()
	if s.api == nil {
		api, err := b2bstytchapi.NewClient(emulatorProjectID, emulatorSecret, b2bstytchapi.WithBaseURI(s.apiURL))
		if err != nil {
			s.t.Fatalf("e2e: stytch client on %s: %v", s.apiURL, err)
		}
		s.api = api
	}
	return s.api
}

// seedOrg creates an organization whose first member (admin) is email, the way the app does
// it: discovery link → IST → create. It returns the organization ID.
func (s *server) seedOrg(email, name, slug string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.createOrgAs(ctx, email, name, slug).Organization.OrganizationID
}

// createOrgAs is seedOrg's work; the answer carries the new admin's member ID and session.
func (s *server) createOrgAs(ctx context.Context, email, name, slug string) *discoveryorgs.CreateResponse {
	s.t.Helper()
	api := s.stytch()
	if _, err := api.MagicLinks.Email.Discovery.Send(ctx, &emaildiscovery.SendParams{EmailAddress: email, DiscoveryRedirectURL: s.URL + "/authenticate"}); err != nil {
		s.t.Fatalf("e2e: seed %s: send: %v", name, err)
	}
	auth, err := api.MagicLinks.Discovery.Authenticate(ctx, &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: linkToken(s.t, s.latestLink(email))})
	if err != nil {
		s.t.Fatalf("e2e: seed %s: authenticate: %v", name, err)
	}
	org, err := api.Discovery.Organizations.Create(ctx, &discoveryorgs.CreateParams{IntermediateSessionToken: auth.IntermediateSessionToken, OrganizationName: name, OrganizationSlug: slug})
	if err != nil {
		s.t.Fatalf("e2e: seed %s: create: %v", name, err)
	}
	return org
}

// seedMemberships makes email an active member of one new organization per name (with the
// slug at the same index), as it happens without this app: each organization is created by its
// own admin (owner-<slug>@<email's domain>, discovery link → IST → create), who invites email
// (magic_links/email/invite with the admin's session); email opens every invitation
// (magic_links/authenticate), which makes it an active member. It returns the organization IDs
// in the order of names.
//
// Not seedOrg per name: the emulator's discovery authenticate reads every organization and each
// of the email's memberships, so n creates by one email cost O(n²), with a reply growing to n
// organizations: 10 s for 200 with -race, against 3.5 s this way.
//
// The emulator lets one address receive a burst of 5 emails, then one a second on its own
// clock, and every invitation is an email to the same address. So after every 5 the emulator's
// clock moves on by 5 s (POST /dev/clock), as if the seeding had waited; it ends with the
// address's allowance full again, for the sign-in that follows. The emulator's clock then runs
// about n seconds ahead of the app's: session JWTs it signs are "not yet valid" for the SDK's
// local check, so the app asks the emulator instead, which accepts them (see emulator/README.md,
// "Not covered").
func (s *server) seedMemberships(email string, names, slugs []string) []string {
	s.t.Helper()
	if len(names) != len(slugs) {
		s.t.Fatalf("e2e: seedMemberships: %d names, %d slugs", len(names), len(slugs))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	api := s.stytch()
	domain := email[strings.LastIndex(email, "@")+1:]
	ids := make([]string, 0, len(names))
	const burst = 5 // the emulator's default per-address email burst
	for first := 0; first < len(names); first += burst {
		n := min(burst, len(names)-first)
		batch := map[string]bool{}
		for i := first; i < first+n; i++ {
			org := s.createOrgAs(ctx, "owner-"+slugs[i]+"@"+domain, names[i], slugs[i])
			id := org.Organization.OrganizationID
			_, err := api.MagicLinks.Email.Invite(ctx,
				&mlemail.InviteParams{OrganizationID: id, EmailAddress: email, InviteRedirectURL: s.URL + "/authenticate", InvitedByMemberID: org.Member.MemberID},
				&mlemail.InviteRequestOptions{Authorization: methodoptions.Authorization{SessionToken: org.SessionToken}})
			if err != nil {
				s.t.Fatalf("e2e: seed %s: invite %s: %v", names[i], email, err)
			}
			ids, batch[id] = append(ids, id), true
		}
		msgs := s.mailbox(email)
		if len(msgs) < n {
			s.t.Fatalf("e2e: seed: %d invitations to %s, but %d mails", n, email, len(msgs))
		}
		for _, m := range msgs[:n] { // newest first: this batch's invitations
			if m.Kind != "invite" || !batch[m.OrganizationID] {
				s.t.Fatalf("e2e: seed: expected an invitation to one of %v, got a %s mail for %q", slices.Collect(maps.Keys(batch)), m.Kind, m.OrganizationID)
			}
			if _, err := api.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{MagicLinksToken: linkToken(s.t, m.Link)}); err != nil {
				s.t.Fatalf("e2e: seed: %s accepts the invitation to %s: %v", email, m.OrganizationID, err)
			}
		}
		s.advanceClock(burst * time.Second)
	}
	return ids
}

// linkToken is the token parameter of a magic link.
func linkToken(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("e2e: no token in the link %q (%v)", link, err)
	}
	return u.Query().Get("token")
}

// envWithout drops the variables whose "NAME=" starts with any of the prefixes.
func envWithout(env []string, prefixes ...string) []string {
	var out []string
next:
	for _, kv := range env {
		for _, p := range prefixes {
			if strings.HasPrefix(kv, p) {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for the process's output goroutines and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *syncBuffer) String() string { return b.From(0) }

// From returns what was written from byte offset i on.
func (b *syncBuffer) From(i int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf.Bytes()[i:])
}
