// Command stytch-emulator serves the embedded Stytch B2B emulator on its own, for any Stytch
// client: point the SDK at the printed base URL with the printed project ID and secret.
//
//	go run ./cmd/stytch-emulator [-addr 127.0.0.1:4010] [-db data/stytch-emulator.db] [-project-id …] [-secret …]
//
// Each flag falls back to an environment variable (EMULATOR_ADDR, EMULATOR_DATABASE_PATH,
// STYTCH_PROJECT_ID, STYTCH_SECRET, STYTCH_PUBLIC_TOKEN, EMULATOR_REDIRECT_URLS) and then to a
// fixed development default.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/orgpick/orgpick/internal/command"

	"github.com/orgpick/orgpick/emulator"
)

const (
	defaultAddr      = "127.0.0.1:4010"
	defaultDB        = "data/stytch-emulator.db"
	defaultProjectID = "project-test-00000000-0000-4000-8000-000000000000"
	defaultSecret    = "secret-test-emulator-dev-only-not-a-real-secret"
)

func main() {
	command.Main("stytch-emulator", func(ctx context.Context) error { return run(ctx, os.Args[1:], os.Getenv, os.Stderr) })
}

// run parses args (env as fallback), serves until ctx is done, then shuts down gracefully.
// The listening address is printed before serving, so -addr 127.0.0.1:0 works.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	orDefault := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("stytch-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", orDefault("EMULATOR_ADDR", defaultAddr), "listen address (env EMULATOR_ADDR)")
	dbPath := fs.String("db", orDefault("EMULATOR_DATABASE_PATH", defaultDB), "SQLite file (env EMULATOR_DATABASE_PATH)")
	projectID := fs.String("project-id", orDefault("STYTCH_PROJECT_ID", defaultProjectID), "project ID (env STYTCH_PROJECT_ID)")
	secret := fs.String("secret", orDefault("STYTCH_SECRET", defaultSecret), "secret (env STYTCH_SECRET)")
	publicToken := fs.String("public-token", getenv("STYTCH_PUBLIC_TOKEN"), "public token for the OAuth start URLs; empty = one generated and kept in the database (env STYTCH_PUBLIC_TOKEN)")
	redirects := fs.String("redirect-urls", getenv("EMULATOR_REDIRECT_URLS"),
		"comma-separated allowed redirect URLs, the first being the default; empty = any loopback URL, default "+emulator.DefaultRedirectURL+" (env EMULATOR_REDIRECT_URLS)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h: the usage went to stderr; asking for help is not a failure
		}
		return err
	}
	if strings.HasPrefix(*projectID, "project-live-") {
		return errors.New("refusing a live project ID: the emulator is for development only")
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg := emulator.Config{ProjectID: *projectID, Secret: *secret, DatabasePath: *dbPath, Log: log, PublicToken: *publicToken}
	for _, u := range strings.Split(*redirects, ",") {
		if u = strings.TrimSpace(u); u != "" {
			cfg.AllowedRedirectURLs = append(cfg.AllowedRedirectURLs, u)
		}
	}
	emu, err := emulator.New(cfg)
	if err != nil {
		return err
	}
	defer emu.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stderr, "Stytch B2B emulator listening on %s\n", base)
	fmt.Fprintf(stderr, "  STYTCH_BASE_URL=%s\n  STYTCH_PROJECT_ID=%s\n  STYTCH_SECRET=%s\n  STYTCH_PUBLIC_TOKEN=%s\n",
		base, *projectID, *secret, emu.PublicToken())
	fmt.Fprintf(stderr, "  mailbox: %s/dev/mailbox (JSON: %s/dev/mailbox.json)\n  database: %s\n", base, base, *dbPath)

	srv := &http.Server{
		Handler:           emu,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelError),
	}
	return command.Serve(ctx, srv, ln, 5*time.Second)
}
