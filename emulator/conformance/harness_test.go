package conformance_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"
)

const (
	projectID = "project-test-c0f0c0f0-0000-4000-8000-00000000c0f0"
	secret    = "secret-test-conformance"
)

// baseURL and publicToken are the running binary's address and public token (as it prints
// them), set by TestMain.
var baseURL, publicToken string

// TestMain builds cmd/stytch-emulator, starts it on a free loopback port with a fresh database
// and stops it (SIGINT, graceful) after the tests.
func TestMain(m *testing.M) {
	code, err := runWithEmulator(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runWithEmulator(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "stytch-conformance-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "stytch-emulator")
	goTool, err := exec.LookPath("go") // go test puts GOROOT/bin first on PATH
	if err != nil {
		return 0, err
	}
	if out, err := exec.Command(goTool, "build", "-o", bin, "github.com/orgpick/orgpick/cmd/stytch-emulator").CombinedOutput(); err != nil {
		return 0, fmt.Errorf("build: %w\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "emu.db"), "-project-id", projectID, "-secret", secret)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")} // no EMULATOR_* or STYTCH_* from the caller
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start: %w", err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	sc := bufio.NewScanner(stderr)
	for publicToken == "" && sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if after, ok := strings.CutPrefix(line, "Stytch B2B emulator listening on "); ok {
			baseURL = after
		}
		if after, ok := strings.CutPrefix(line, "STYTCH_PUBLIC_TOKEN="); ok {
			publicToken = after
		}
	}
	if baseURL == "" || publicToken == "" {
		return 0, errors.New("the emulator printed no base URL or public token")
	}
	go io.Copy(io.Discard, stderr)
	return m.Run(), nil
}

// newClient is an unmodified SDK client pointed at the binary.
func newClient(t *testing.T) *b2bstytchapi.API {
	t.Helper()
	c, err := b2bstytchapi.NewClient(projectID, secret, b2bstytchapi.WithBaseURI(baseURL))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// stytchErr returns err's status and error type ("" if err is not a Stytch API error).
func stytchErr(err error) (int, string) {
	var se stytcherror.Error
	if !errors.As(err, &se) {
		return 0, ""
	}
	return se.StatusCode, string(se.ErrorType)
}

// mail is one /dev/mailbox.json entry.
type mail struct {
	Kind string `json:"kind"`
	Link string `json:"link"`
	Code string `json:"code"`
}

// newestMail reads the emulator's dev outbox for to.
func newestMail(t *testing.T, to string) mail {
	t.Helper()
	resp, err := http.Get(baseURL + "/dev/mailbox.json?to=" + url.QueryEscape(to))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var msgs []mail
	if err := json.NewDecoder(resp.Body).Decode(&msgs); err != nil || len(msgs) == 0 {
		t.Fatalf("no mail for %s (%v)", to, err)
	}
	return msgs[0]
}

// tokenOf returns the token query parameter of a link.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// rawCall sends a request without the SDK (for routes and fields v16 cannot produce) and
// returns the status and the error_type of the body.
func rawCall(t *testing.T, method, path string, body any) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, baseURL+path, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(projectID, secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ErrorType string `json:"error_type"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.ErrorType
}

// stytchError is a stytcherror.Error for a raw response (nil for 2xx), so raw calls and SDK
// calls are checked alike.
func stytchError(status int, typ string) error {
	if status >= 200 && status < 300 {
		return nil
	}
	return stytcherror.Error{StatusCode: status, ErrorType: stytcherror.Type(typ)}
}

// decodeType reads error_type from a response body.
func decodeType(resp *http.Response) string {
	var out struct {
		ErrorType string `json:"error_type"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out.ErrorType
}
