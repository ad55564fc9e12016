package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultPostgresURL is where tests create their PostgreSQL databases (every development and
// CI machine of this project runs one); TEST_DATABASE_URL overrides it.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test"

// ErrNoPostgres says the test server can't be reached. Tests skip on it, except with CI=true,
// where PostgreSQL is always running and an unreachable server is a failure.
var ErrNoPostgres = errors.New("PostgreSQL unreachable")

// PostgresAdminURL is the server tests use.
func PostgresAdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// FreshPostgres creates an empty database with a random name and returns its URL and a
// function that drops it.
func FreshPostgres(ctx context.Context) (dbURL string, drop func() error, err error) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	admin, err := pgx.Connect(cctx, PostgresAdminURL())
	if err != nil {
		return "", nil, fmt.Errorf("%w: %w", ErrNoPostgres, err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	name := "orgpick_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		return "", nil, fmt.Errorf("create test database: %w", err)
	}
	drop = func() error {
		defer admin.Close(context.Background())
		_, err := admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	u, err := url.Parse(PostgresAdminURL())
	if err != nil {
		drop()
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

// SkipOrFail is what a test does when FreshPostgres fails: skip when PostgreSQL is merely not
// running here, fail with CI=true or for any other error.
func SkipOrFail(err error) (skip bool) {
	return errors.Is(err, ErrNoPostgres) && os.Getenv("CI") != "true"
}
