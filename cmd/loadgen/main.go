// Command loadgen measures orgpick on this machine. It builds and starts the real server (the
// cmd/web binary, embedded Stytch emulator, SQLite in a temporary directory, loopback only),
// signs one person in through the real HTTP flow, then drives GET /healthz and GET /dashboard
// in alternating rounds and prints one markdown report: requests/s, their ratio, latency
// percentiles, Stytch calls per 1,000 dashboard views and per sign-in (counted by the emulator,
// GET /dev/calls.json), the server's peak RSS, and the first page load's compressed size.
//
// It does so for SQLite and, unless -pg is empty, for PostgreSQL (a fresh database on the
// server -pg names), one engine after the other, and first runs BenchmarkDashboard for the
// allocations per view; a summary table puts both engines side by side.
//
//	go run ./cmd/loadgen [-n 100000] [-c 32] [-rounds 4] [-warmup 5000] [-bin path] [-pg URL] [-allocs=false]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
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
	targetRatio         = 0.50                                  // dashboard req/s ÷ healthz req/s, at 32 connections (SQLite)
	targetRatioPostgres = 0.40                                  // the same on PostgreSQL (/healthz pays a round trip there too)
	targetAllocs        = 100                                   // allocations per dashboard view (BenchmarkDashboard)
	targetP99           = 5 * time.Millisecond                  // dashboard p99 at 32 connections
	targetRSS           = 50 << 20                              // server RSS after 100,000 requests
	targetFirstLoad     = 30 << 10                              // HTML + CSS + htmx, compressed
	targetSignInCalls   = 3                                     // send, authenticate, exchange or create
	jwtLife             = 5 * time.Minute                       // the app trusts a session JWT this long
	sendInterval        = 30*time.Second + 500*time.Millisecond // the app's per-address send limit, plus slack
	sessionCookie       = "orgpick_session"
)

type options struct {
	n, c, rounds, warmup int
	bin                  string
	serverEnv            envList
	timeout              time.Duration
	keep, allocs         bool
	pg                   string
	pgSet                bool // -pg given: a PostgreSQL server that can't be reached is an error
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
	var allocs []benchAllocs
	if o.allocs {
		// Before the load, so the benchmark and the load never share the CPU.
		logf("measuring allocations per view: go test -bench %s ./handlers", benchPattern)
		if allocs, err = viewAllocs(ctx); err != nil {
			return err
		}
	}
	if o.bin == "" {
		logf("building ./cmd/web")
		if o.bin, err = testkit.Build(ctx, dir, false); err != nil {
			return err
		}
	}
	engines := []*engineRun{{name: "SQLite", target: targetRatio, env: o.serverEnv}}
	if o.pg != "" {
		os.Setenv("TEST_DATABASE_URL", o.pg) // where testkit.FreshPostgres creates the database
		dbURL, drop, err := testkit.FreshPostgres(ctx)
		switch {
		case errors.Is(err, testkit.ErrNoPostgres) && !o.pgSet:
			logf("no PostgreSQL at %s: measuring SQLite alone (%v)", o.pg, err)
		case err != nil:
			return fmt.Errorf("PostgreSQL at %s (-pg \"\" measures SQLite alone): %w", o.pg, err)
		default:
			defer drop()
			env := append(slices.Clone(o.serverEnv), "DATABASE_URL="+dbURL)
			engines = append(engines, &engineRun{name: "PostgreSQL", target: targetRatioPostgres, env: env})
		}
	}
	// Each engine's server is started and loaded in turn (never two loads at once); the
	// returning sign-ins come after all loads, when the per-address send limit has passed.
	for _, e := range engines {
		if err := e.load(ctx, o, filepath.Join(dir, strings.ToLower(e.name)), logf); err != nil {
			return err
		}
		defer e.stop()
	}
	for _, e := range engines {
		if err := e.m.returningSignIn(ctx); err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		e.stop()
	}
	machine := describeMachine()
	writeSummary(stdout, engines, allocs)
	for _, e := range engines {
		e.rep.machine = machine
		e.rep.write(stdout)
	}
	return nil
}

// engineRun is one database engine's server and its measurement.
type engineRun struct {
	name   string
	target float64 // dashboard ÷ healthz the issue asks of this engine
	env    envList
	srv    *testkit.Server
	m      *measurement
	rep    report
	dir    string
}

// load starts the engine's server, measures the first page load and drives the load.
func (e *engineRun) load(ctx context.Context, o options, dir string, logf func(string, ...any)) error {
	srv, err := testkit.NewServer(o.bin, filepath.Join(dir, "data"), e.env...)
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	e.srv, e.dir = srv, dir
	logf("%s: server pid %d on %s (log: %s)", e.name, srv.Pid(), srv.URL, filepath.Join(dir, "server.log"))
	o.serverEnv = e.env
	e.rep = report{opts: o, engine: e.name, targetRatio: e.target}
	if e.rep.firstLoad, err = firstLoad(ctx, srv.URL); err != nil {
		return err
	}
	e.m = &measurement{srv: srv, o: o, rep: &e.rep, logf: func(f string, a ...any) { logf(e.name+": "+f, a...) }}
	return e.m.signInAndLoad(ctx)
}

// stop stops the server (once) and keeps its log beside its data.
func (e *engineRun) stop() {
	if e.srv == nil {
		return
	}
	e.srv.Stop()
	os.WriteFile(filepath.Join(e.dir, "server.log"), []byte(e.srv.Log.String()), 0o644)
	e.srv = nil
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
	fs.BoolVar(&o.allocs, "allocs", true, "first run BenchmarkDashboard (go test ./handlers) for the allocations per view")
	fs.StringVar(&o.pg, "pg", testkit.PostgresAdminURL(), "PostgreSQL server to measure beside SQLite, in a fresh database on it (\"\": SQLite only)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	fs.Visit(func(f *flag.Flag) { o.pgSet = o.pgSet || f.Name == "pg" })
	if o.n < 100 || o.c < 1 || o.rounds < 1 || o.warmup < 0 || o.n/o.rounds < o.c {
		return o, errors.New("need -n ≥ 100, -c ≥ 1, -rounds ≥ 1, -warmup ≥ 0 and -n/-rounds ≥ -c")
	}
	return o, nil
}
