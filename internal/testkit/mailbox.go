package testkit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orgpick/orgpick/emulator"
)

// Mailbox reads the emulator's outbox, newest first. *emulator.Emulator is one (in process);
// *Server is one (GET /dev/mailbox.json on the running binary).
type Mailbox interface {
	Mailbox(ctx context.Context, to string) ([]emulator.Message, error)
}

// LatestLink is the link in the newest message to an address.
func LatestLink(ctx context.Context, mb Mailbox, to string) (*url.URL, error) {
	msgs, err := mb.Mailbox(ctx, to)
	if err != nil {
		return nil, fmt.Errorf("mailbox of %s: %w", to, err)
	}
	if len(msgs) == 0 {
		return nil, fmt.Errorf("no mail for %s", to)
	}
	return url.Parse(msgs[0].Link)
}

// LinkToken is the token parameter of a magic link.
func LinkToken(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		return "", fmt.Errorf("no token in the link %q", link)
	}
	return u.Query().Get("token"), nil
}

// Mailbox returns the messages sent to an address, newest first (GET /dev/mailbox.json).
func (s *Server) Mailbox(ctx context.Context, to string) ([]emulator.Message, error) {
	var msgs []emulator.Message
	return msgs, s.getJSON(ctx, "/dev/mailbox.json?to="+url.QueryEscape(to), &msgs)
}

// Calls are the emulator's API calls per route since the server process started.
func (s *Server) Calls(ctx context.Context) (map[string]int, error) {
	c := map[string]int{}
	return c, s.getJSON(ctx, "/dev/calls.json", &c)
}

// CallsSince is Calls minus an earlier snapshot (routes whose count did not change left out).
func (s *Server) CallsSince(ctx context.Context, before map[string]int) (map[string]int, error) {
	after, err := s.Calls(ctx)
	if err != nil {
		return nil, err
	}
	diff := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			diff[k] = d
		}
	}
	return diff, nil
}

// AdvanceClock moves the embedded emulator's clock (not the app's) forward.
func (s *Server) AdvanceClock(ctx context.Context, d time.Duration) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+s.Prefix+"/dev/clock", strings.NewReader(url.Values{"advance": {d.String()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("advance clock: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("advance clock: status %d", resp.StatusCode)
	}
	return nil
}

func (s *Server) getJSON(ctx context.Context, path string, v any) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+s.Prefix+path, nil)
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}
