// Command loadgen measures orgpick on this machine. It builds and starts the real server (the
// cmd/web binary, embedded Stytch emulator, SQLite in a temporary directory, loopback only),
// signs one person in through the real HTTP flow, then drives GET /healthz and GET /dashboard
// in alternating rounds and prints one markdown report: requests/s, their ratio, latency
// percentiles, Stytch calls per 1,000 dashboard views and per sign-in (counted by the emulator,
// GET /dev/calls.json), the server's peak RSS, and the first page load's compressed size.
//
//	go run ./cmd/loadgen [-n 100000] [-c 32] [-rounds 4] [-warmup 5000] [-bin path]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/orgpick/orgpick/internal/command"

	"github.com/orgpick/orgpick/internal/testkit"
)

func main() {
	command.Main("loadgen", func(ctx context.Context) error { return run(ctx, os.Args[1:], os.Stdout, os.Stderr) })
}

// Targets from the performance issue.
const (
	targetRatio       = 0.50                                  // dashboard req/s ÷ healthz req/s, at 32 connections
	targetP99         = 5 * time.Millisecond                  // dashboard p99 at 32 connections
	targetRSS         = 50 << 20                              // server RSS after 100,000 requests
	targetFirstLoad   = 30 << 10                              // HTML + CSS + htmx, compressed
	targetSignInCalls = 3                                     // send, authenticate, exchange or create
	jwtLife           = 5 * time.Minute                       // the app trusts a session JWT this long
	sendInterval      = 30*time.Second + 500*time.Millisecond // the app's per-address send limit, plus slack
	sessionCookie     = "orgpick_session"
)

type options struct {
	n, c, rounds, warmup int
	bin                  string
	serverEnv            envList
	timeout              time.Duration
	keep                 bool
}

// envList is a repeatable KEY=VALUE flag.
type envList []string

func (e *envList) String() string { return strings.Join(*e, " ") }

func (e *envList) Set(kv string) error {
	if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", kv)
	}
	*e = append(*e, kv)
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "loadgen: "+format+"\n", a...) }

	dir, err := os.MkdirTemp("", "orgpick-loadgen-")
	if err != nil {
		return err
	}
	if o.keep {
		logf("keeping %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if o.bin == "" {
		logf("building ./cmd/web")
		if o.bin, err = testkit.Build(ctx, dir, false); err != nil {
			return err
		}
	}
	srv, err := testkit.NewServer(o.bin, filepath.Join(dir, "data"), o.serverEnv...)
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	defer func() {
		srv.Stop()
		os.WriteFile(filepath.Join(dir, "server.log"), []byte(srv.Log.String()), 0o644)
	}()
	logf("server pid %d on %s (log: %s)", srv.Pid(), srv.URL, filepath.Join(dir, "server.log"))

	rep := report{opts: o}
	if rep.firstLoad, err = firstLoad(ctx, srv.URL); err != nil {
		return err
	}
	m := &measurement{srv: srv, o: o, rep: &rep, logf: logf}
	if err := m.signInAndLoad(ctx); err != nil {
		return err
	}
	if err := m.returningSignIn(ctx); err != nil {
		return err
	}
	rep.machine = describeMachine()
	rep.write(stdout)
	return nil
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.n, "n", 100_000, "requests per endpoint (GET /healthz and GET /dashboard each)")
	fs.IntVar(&o.c, "c", 32, "concurrent connections")
	fs.IntVar(&o.rounds, "rounds", 4, "alternating rounds (healthz, dashboard, healthz, …) the n requests are split into")
	fs.IntVar(&o.warmup, "warmup", 5_000, "warm-up requests per endpoint, not measured")
	fs.StringVar(&o.bin, "bin", "", "server binary to run (default: go build ./cmd/web into a temp dir)")
	fs.Var(&o.serverEnv, "server-env", "KEY=VALUE added to the server's environment (repeatable), e.g. GOGC=400")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "limit for the whole run")
	fs.BoolVar(&o.keep, "keep", false, "keep the temp dir (database, server log)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.n < 100 || o.c < 1 || o.rounds < 1 || o.warmup < 0 || o.n/o.rounds < o.c {
		return o, errors.New("need -n ≥ 100, -c ≥ 1, -rounds ≥ 1, -warmup ≥ 0 and -n/-rounds ≥ -c")
	}
	return o, nil
}
