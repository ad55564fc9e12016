package testkit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The embedded emulator's fixed credentials (cmd/web/config.go: emulatorProjectID, emulatorSecret).
const (
	EmulatorProjectID = "project-test-00000000-0000-4000-8000-000000000000"
	EmulatorSecret    = "secret-test-orgpick-local-emulator"
)

// Build compiles github.com/orgpick/orgpick/cmd/web into dir (with -race if race) and returns
// the binary's path.
func Build(ctx context.Context, dir string, race bool) (string, error) {
	bin := filepath.Join(dir, "orgpick")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	out, err := exec.CommandContext(ctx, goTool(), append(args, "github.com/orgpick/orgpick/cmd/web")...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build the server: %w\n%s", err, out)
	}
	return bin, nil
}

// goTool is the go command of the toolchain that built this program, else the one on PATH.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); runtime.GOROOT() != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "go"
}

// Server is the real orgpick binary on a free loopback port, with its SQLite file (and the
// embedded emulator's, next to it) in a folder that outlives restarts. With STYTCH_PROJECT_ID
// in Env it runs on the Stytch API at STYTCH_BASE_URL instead of an embedded emulator (see
// Instances).
type Server struct {
	Bin     string
	Addr    string // 127.0.0.1:port
	URL     string // http://127.0.0.1:port
	BaseURL string // BASE_URL; "" means URL (a proxy in front sets its own)
	Prefix  string // AUTH_PREFIX the server runs with (set it in Env too): its routes, /healthz and /dev/ included, live under it
	DBPath  string
	Env     []string // extra NAME=value pairs, after the ones Start sets
	Log     *SyncBuffer
	APIURL  string // the Stytch API: the embedded emulator's, parsed from the log on every start, else STYTCH_BASE_URL
	HTTP    *http.Client

	cmd    *exec.Cmd
	exited chan struct{}
}

// NewServer prepares (does not start) bin on a free port with its data in dir.
func NewServer(bin, dir string, env ...string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("free port: %w", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return &Server{
		Bin: bin, Addr: addr, URL: "http://" + addr, DBPath: filepath.Join(dir, "app.db"), Env: env,
		Log: &SyncBuffer{}, HTTP: &http.Client{Timeout: 10 * time.Second},
	}, nil
}

var apiLine = regexp.MustCompile(`using the embedded Stytch emulator.* api=(http://127\.0\.0\.1:\d+)`)

// Start runs the binary and waits until GET /healthz answers 200 and, with the embedded
// emulator (no STYTCH_PROJECT_ID in Env), the emulator's URL is logged.
func (s *Server) Start(ctx context.Context) error {
	if s.cmd != nil {
		return errors.New("server already running")
	}
	mark := s.Log.Len()
	fmt.Fprintf(s.Log, "----- testkit: starting %s on %s -----\n", filepath.Base(s.Bin), s.Addr)
	base := s.BaseURL
	if base == "" {
		base = s.URL
	}
	cmd := exec.Command(s.Bin)
	cmd.Env = append(envWithout(os.Environ(), "STYTCH_", "ADDR=", "BASE_URL=", "DATABASE_PATH=", "LOG_FORMAT="),
		"ADDR="+s.Addr, "BASE_URL="+base, "DATABASE_PATH="+s.DBPath, "LOG_FORMAT=text")
	cmd.Env = append(cmd.Env, s.Env...)
	cmd.Stdout, cmd.Stderr = s.Log, s.Log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.Bin, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	s.cmd, s.exited, s.APIURL = cmd, exited, ""
	embedded := envValue(s.Env, "STYTCH_PROJECT_ID") == ""

	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		if !embedded && s.healthy(ctx) {
			s.APIURL = envValue(s.Env, "STYTCH_BASE_URL")
			return nil
		}
		if m := apiLine.FindStringSubmatch(s.Log.From(mark)); embedded && m != nil && s.healthy(ctx) {
			s.APIURL = m[1]
			return nil
		}
		select {
		case <-exited:
			s.cmd = nil
			return fmt.Errorf("server exited during start (%v):\n%s", cmd.ProcessState, s.Log.From(mark))
		case <-ctx.Done():
			s.Stop()
			return fmt.Errorf("server not healthy (or no emulator URL logged): %w\n%s", ctx.Err(), s.Log.From(mark))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Server) healthy(ctx context.Context) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+s.Prefix+"/healthz", nil)
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Kill ends the server with SIGKILL: no graceful shutdown, nothing flushed on the way out.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	fmt.Fprintf(s.Log, "----- testkit: SIGKILL -----\n")
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
	s.cmd = nil
}

// Stop ends the server gracefully (SIGTERM), then by force after 15 s. It returns the exit
// error of a process that did not exit cleanly.
func (s *Server) Stop() error {
	if s.cmd == nil {
		return nil
	}
	cmd := s.cmd
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		cmd.Process.Signal(syscall.SIGKILL)
		<-s.exited
	}
	s.cmd = nil
	if !cmd.ProcessState.Success() {
		return fmt.Errorf("server exit: %v", cmd.ProcessState)
	}
	return nil
}

// Restart is kill -9 followed by a start with the same port, database and environment.
func (s *Server) Restart(ctx context.Context) error {
	s.Kill()
	return s.Start(ctx)
}

// Base is BASE_URL: BaseURL, or URL when no proxy in front sets its own.
func (s *Server) Base() string {
	if s.BaseURL != "" {
		return s.BaseURL
	}
	return s.URL
}

// Pid is the running process's ID (0 when stopped).
func (s *Server) Pid() int {
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// envValue is the value of the last NAME=value in env ("" when absent), as exec.Cmd uses it.
func envValue(env []string, name string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == name {
			v = val
		}
	}
	return v
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

// SyncBuffer is a bytes.Buffer safe for a process's output goroutines and the test.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

var _ io.Writer = (*SyncBuffer)(nil)

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Len is how many bytes were written so far.
func (b *SyncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *SyncBuffer) String() string { return b.From(0) }

// From returns what was written from byte offset i on.
func (b *SyncBuffer) From(i int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf.Bytes()[i:])
}
