package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orgpick/orgpick/store"
)

func TestOpenPicksEngine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		target string
		pg     bool
	}{
		{"postgres://u@h/db", true},
		{"postgresql://u@h/db", true},
		{"POSTGRES://u@h/db", true},
		{"data/app.db", false},
		{"/var/lib/orgpick/app.db", false},
		{"postgres.db", false},
		{"file:postgres://x", false},
	}
	for _, tt := range tests {
		if got := store.IsPostgresURL(tt.target); got != tt.pg {
			t.Errorf("IsPostgresURL(%q) = %v, want %v", tt.target, got, tt.pg)
		}
	}
	if _, err := store.Open(t.Context(), ""); err == nil {
		t.Error("empty target: want an error")
	}
	if _, err := store.Open(t.Context(), "postgres://u@h:notaport/db"); err == nil {
		t.Error("bad URL: want an error")
	}
	eachEngine(t, func(t *testing.T, target string) {
		if got, want := open(t, target).Engine(), path.Base(t.Name()); got != want {
			t.Fatalf("Engine() = %q, want %q", got, want)
		}
	})
}

// Every process applies the migrations at start; they are recorded once, even when several
// instances start at the same moment.
func TestMigrationsApplyOnce(t *testing.T) {
	t.Parallel()
	want := map[string]int{store.EngineSQLite: 3, store.EnginePostgres: 2}
	eachEngine(t, func(t *testing.T, target string) {
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				st, err := store.Open(t.Context(), target)
				if err == nil {
					st.Close()
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		st := open(t, target)
		if n := count(t, target, "SELECT count(*) FROM schema_migrations"); n != want[st.Engine()] {
			t.Fatalf("migrations recorded %d, want %d", n, want[st.Engine()])
		}
		for _, table := range []string{"sessions", "last_org", "limit_hits", "sso_domains", "sso_connections"} {
			count(t, target, "SELECT count(*) FROM "+table)
		}
	})
}

func TestSQLiteTuning(t *testing.T) {
	t.Parallel()
	st := open(t, filepath.Join(t.TempDir(), "nested", "app.db"))
	var mode, sync string
	var busy int
	if err := st.DB.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q (%v)", mode, err)
	}
	if err := st.DB.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != "1" { // NORMAL
		t.Fatalf("synchronous %q (%v)", sync, err)
	}
	if err := st.DB.QueryRow("PRAGMA busy_timeout").Scan(&busy); err != nil || busy != 5000 {
		t.Fatalf("busy_timeout %d (%v)", busy, err)
	}
}

// A database migrated by an earlier version recorded "migrations/001_init.sql": it is
// recognised, not re-applied, and the new migration is added.
func TestSQLiteLegacyMigrationName(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite3", "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`CREATE TABLE schema_migrations (name TEXT PRIMARY KEY);
		INSERT INTO schema_migrations VALUES ('migrations/001_init.sql');
		CREATE TABLE sessions (token TEXT PRIMARY KEY, data BLOB NOT NULL, expiry REAL NOT NULL);
		CREATE TABLE last_org (email TEXT PRIMARY KEY, organization_id TEXT NOT NULL, used_at INTEGER NOT NULL);
		INSERT INTO last_org VALUES ('ada@acme.test', 'org-1', 1)`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	st := open(t, file)
	if got, err := st.LastOrg(t.Context(), "ada@acme.test"); err != nil || got != "org-1" {
		t.Fatalf("existing data: %q %v", got, err)
	}
	for _, name := range []string{"001_init.sql", "002_limits.sql", "003_sso_domains.sql"} {
		if n := count(t, file, "SELECT count(*) FROM schema_migrations WHERE name = '"+name+"'"); n != 1 {
			t.Fatalf("%s recorded %d times", name, n)
		}
	}
	if n := count(t, file, "SELECT count(*) FROM schema_migrations"); n != 3 {
		t.Fatalf("%d migrations recorded, want 3", n)
	}
}

func TestLastOrg(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, target string) {
		st := open(t, target)
		if _, err := st.LastOrg(t.Context(), "ada@acme.test"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown email: %v", err)
		}
		now := time.Now()
		for _, org := range []string{"org-1", "org-2"} {
			if err := st.SetLastOrg(t.Context(), "Ada@Acme.test", org, now); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := st.LastOrg(t.Context(), "ada@ACME.test"); err != nil || got != "org-2" {
			t.Fatalf("last org %q (%v), want org-2 (case-insensitive email)", got, err)
		}
		other := open(t, target) // another instance sees it
		if got, err := other.LastOrg(t.Context(), "ada@acme.test"); err != nil || got != "org-2" {
			t.Fatalf("second instance: %q (%v)", got, err)
		}
	})
}

func TestSessionStore(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, target string) {
		ss := open(t, target).NewSessionStore(0)
		defer ss.StopCleanup()
		ctx := t.Context()
		if err := ss.Commit("tok", []byte("data"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if b, ok, err := ss.Find("tok"); err != nil || !ok || string(b) != "data" {
			t.Fatalf("find: %q %v %v", b, ok, err)
		}
		if err := ss.CommitCtx(ctx, "tok", []byte("data2"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		other := open(t, target).NewSessionStore(0) // another instance reads the overwrite
		defer other.StopCleanup()
		if b, ok, err := other.FindCtx(ctx, "tok"); err != nil || !ok || string(b) != "data2" {
			t.Fatalf("find on other instance: %q %v %v", b, ok, err)
		}
		if err := ss.Commit("old", []byte("x"), time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := ss.FindCtx(ctx, "old"); ok || err != nil {
			t.Fatalf("expired session found (%v)", err)
		}
		if _, ok, err := ss.Find("never"); ok || err != nil {
			t.Fatalf("unknown token found (%v)", err)
		}
		if err := other.DeleteCtx(ctx, "tok"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := ss.Find("tok"); ok {
			t.Fatal("deleted session found")
		}
		if err := ss.Delete("tok"); err != nil { // deleting twice is fine
			t.Fatal(err)
		}
	})
}

func TestDeleteExpired(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, target string) {
		st := open(t, target)
		ss := st.NewSessionStore(0)
		defer ss.StopCleanup()
		now := time.Now()
		for token, expiry := range map[string]time.Time{"live": now.Add(time.Hour), "dead": now.Add(-time.Minute)} {
			if err := ss.Commit(token, []byte("x"), expiry); err != nil {
				t.Fatal(err)
			}
		}
		rules := []store.Rule{{Window: time.Minute, Max: 5}}
		for _, at := range []time.Time{now.Add(-2 * time.Minute), now.Add(-30 * time.Second)} {
			if ok, _, err := st.Allow(t.Context(), "k", at, rules); err != nil || !ok {
				t.Fatalf("allow: %v %v", ok, err)
			}
		}
		if err := st.DeleteExpired(t.Context(), now); err != nil {
			t.Fatal(err)
		}
		if n := count(t, target, "SELECT count(*) FROM sessions"); n != 1 {
			t.Fatalf("%d sessions left, want the live one", n)
		}
		if n := count(t, target, "SELECT count(*) FROM limit_hits"); n != 1 {
			t.Fatalf("%d hits left, want the one still in its window", n)
		}
		if _, ok, _ := ss.Find("live"); !ok {
			t.Fatal("live session deleted")
		}
	})
}

func TestCleanupEvery(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, target string) {
		st := open(t, target)
		if err := st.NewSessionStore(0).Commit("dead", []byte("x"), time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			st.CleanupEvery(ctx, 10*time.Millisecond, func(err error) { t.Error(err) })
		}()
		deadline := time.Now().Add(5 * time.Second)
		for count(t, target, "SELECT count(*) FROM sessions") != 0 {
			if time.Now().After(deadline) {
				t.Fatal("expired session never cleaned up")
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		<-done
	})
}

// A read-only SQLite file: writes are ErrUnavailable (the app answers 503), reads still work.
func TestSQLiteUnavailableIsClassified(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "app.db")
	open(t, file).Close()
	db, err := sql.Open("sqlite3", "file:"+file+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	ro := &store.Store{DB: db}
	defer ro.Close()
	if ro.Engine() != store.EngineSQLite {
		t.Fatalf("engine %q", ro.Engine())
	}
	err = ro.SetLastOrg(t.Context(), "a@b.test", "org", time.Now())
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("read-only write: %v, want ErrUnavailable", err)
	}
	if err := ro.NewSessionStore(0).Commit("t", []byte("x"), time.Now().Add(time.Hour)); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("session commit: %v, want ErrUnavailable", err)
	}
	if _, _, err := ro.Allow(t.Context(), "k", time.Now(), []store.Rule{{Window: time.Minute, Max: 1}}); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("allow: %v, want ErrUnavailable", err)
	}
	if _, err := ro.Wait(t.Context(), "k", time.Now(), []store.Rule{{Window: time.Minute, Max: 1}}); err != nil {
		t.Fatalf("wait only reads: %v", err)
	}
	if err := ro.Ping(t.Context()); err != nil {
		t.Fatalf("reads still work: %v", err)
	}
}

// No server listens on port 1: Open fails fast with ErrUnavailable (no PostgreSQL needed).
func TestPostgresUnreachable(t *testing.T) {
	t.Parallel()
	start := time.Now()
	_, err := store.Open(t.Context(), "postgres://postgres:secret-pw@127.0.0.1:1/x?connect_timeout=2")
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("err %v, want ErrUnavailable", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
}

// A PostgreSQL that is too slow (here: a table locked by someone else) yields ErrUnavailable
// once the query timeout passes, and nothing is half-written.
func TestPostgresSlowIsUnavailable(t *testing.T) {
	t.Parallel()
	target := freshPostgres(t)
	st := open(t, target, store.WithQueryTimeout(500*time.Millisecond))
	if err := st.SetLastOrg(t.Context(), "a@b.test", "org-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	locker, err := pgx.Connect(t.Context(), target)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(context.Background())
	tx, err := locker.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(t.Context(), "LOCK TABLE last_org, limit_hits IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetLastOrg(t.Context(), "a@b.test", "org-2", time.Now()); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("set last org: %v, want ErrUnavailable", err)
	}
	if _, _, err := st.Allow(t.Context(), "k", time.Now(), []store.Rule{{Window: time.Minute, Max: 1}}); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("allow: %v, want ErrUnavailable", err)
	}
	// The server itself still answers (the timed-out calls' connections were closed, so a
	// new one may have to be made within the same short deadline: allow a few tries).
	for try := 1; ; try++ {
		err := st.Ping(t.Context())
		if err == nil {
			break
		}
		if try == 5 {
			t.Fatalf("ping (the server answers): %v", err)
		}
	}
	tx.Rollback(t.Context())
	if got, err := st.LastOrg(t.Context(), "a@b.test"); err != nil || got != "org-1" {
		t.Fatalf("after the lock: %q %v", got, err)
	}
	if ok, _, err := st.Allow(t.Context(), "k", time.Now(), []store.Rule{{Window: time.Minute, Max: 1}}); err != nil || !ok {
		t.Fatalf("the timed-out Allow recorded a hit, or failed: %v %v", ok, err)
	}
}

// The server drops every connection (a restart, a failover): calls fail with ErrUnavailable
// at worst, and the pool recovers without the app doing anything.
func TestPostgresRecoversFromDroppedConnections(t *testing.T) {
	t.Parallel()
	target := freshPostgres(t)
	st := open(t, target)
	if err := st.SetLastOrg(t.Context(), "a@b.test", "org-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	admin := adminConn(t)
	if _, err := admin.Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = $1 AND pid <> pg_backend_pid()`, dbName(t, target)); err != nil {
		t.Fatal(err)
	}
	var ok bool
	for range 5 {
		_, err := st.LastOrg(t.Context(), "a@b.test")
		if err == nil {
			ok = true
			break
		}
		t.Logf("after the drop: %v", err)
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("after the drop: %v, want ErrUnavailable", err)
		}
	}
	if !ok {
		t.Fatal("the store did not recover")
	}
}

func dbName(t *testing.T, target string) string {
	cfg, err := pgx.ParseConfig(target)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Database
}
