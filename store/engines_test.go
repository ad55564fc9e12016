package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orgpick/orgpick/store"
)

// defaultAdminURL is where the PostgreSQL tests create their databases; TEST_DATABASE_URL
// (a postgres:// URL) overrides it.
const defaultAdminURL = "postgres://postgres@127.0.0.1:5432/test"

// eachEngine runs fn as a subtest per engine, in parallel, each with a target of its own: a
// fresh SQLite file, and a fresh PostgreSQL database (dropped afterwards). Open the target once per
// "instance" with open.
func eachEngine(t *testing.T, fn func(t *testing.T, target string)) {
	t.Helper()
	t.Run(store.EngineSQLite, func(t *testing.T) {
		t.Parallel()
		fn(t, filepath.Join(t.TempDir(), "app.db"))
	})
	t.Run(store.EnginePostgres, func(t *testing.T) {
		t.Parallel()
		fn(t, freshPostgres(t))
	})
}

// open opens target as the app would and closes it when the test ends.
func open(tb testing.TB, target string, opts ...store.Option) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), target, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// adminURL is the PostgreSQL server the tests use.
func adminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return defaultAdminURL
}

// adminConn connects to the test server. When it cannot, the test is skipped, unless CI=true:
// CI machines run PostgreSQL, so there an unreachable server fails the test.
func adminConn(tb testing.TB) *pgx.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL())
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL unreachable (CI=true, so this fails rather than skips): %v", err)
		}
		tb.Skipf("PostgreSQL unreachable, skipping (CI=true makes this fail): %v", err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// freshPostgres creates an empty database with a random name, drops it when the test ends,
// and returns its URL.
func freshPostgres(tb testing.TB) string {
	tb.Helper()
	admin := adminConn(tb)
	name := "orgpick_test_" + hex.EncodeToString(randBytes(tb, 8))
	if _, err := admin.Exec(context.Background(), "CREATE DATABASE "+name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if _, err := admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database: %v", err)
		}
	})
	u, err := url.Parse(adminURL())
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func randBytes(tb testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return b
}

// count runs a count(*) query on target through a connection of its own (not the store's).
func count(tb testing.TB, target, query string) int {
	tb.Helper()
	var n int
	if store.IsPostgresURL(target) {
		conn, err := pgx.Connect(context.Background(), target)
		if err != nil {
			tb.Fatal(err)
		}
		defer conn.Close(context.Background())
		if err := conn.QueryRow(context.Background(), query).Scan(&n); err != nil {
			tb.Fatalf("%s: %v", query, err)
		}
		return n
	}
	db, err := sql.Open("sqlite3", "file:"+target)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(query).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}
