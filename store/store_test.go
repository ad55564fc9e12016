package store_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/orgpick/orgpick/store"
)

func open(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestOpenTunesAndMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "app.db")
	st := open(t, path)
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
	for _, table := range []string{"sessions", "last_org"} {
		if _, err := st.DB.Exec("SELECT count(*) FROM " + table); err != nil {
			t.Fatalf("table %s: %v", table, err)
		}
	}
	st.Close()
	again := open(t, path) // migrations are recorded, not re-applied
	var n int
	if err := again.DB.QueryRow("SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n != 1 {
		t.Fatalf("migrations recorded %d (%v)", n, err)
	}
}

func TestLastOrg(t *testing.T) {
	st := open(t, filepath.Join(t.TempDir(), "app.db"))
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
}

func TestSessionStoreRoundTripAndExpiry(t *testing.T) {
	st := open(t, filepath.Join(t.TempDir(), "app.db"))
	ss := st.NewSessionStore(0)
	defer ss.StopCleanup()
	if err := ss.Commit("tok", []byte("data"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if b, ok, err := ss.Find("tok"); err != nil || !ok || string(b) != "data" {
		t.Fatalf("find: %q %v %v", b, ok, err)
	}
	if err := ss.Commit("old", []byte("x"), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := ss.Find("old"); ok {
		t.Fatal("expired session found")
	}
	if err := ss.Delete("tok"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := ss.Find("tok"); ok {
		t.Fatal("deleted session found")
	}
}

func TestUnavailableIsClassified(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	open(t, path).Close()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	ro := &store.Store{DB: db}
	defer ro.Close()
	err = ro.SetLastOrg(t.Context(), "a@b.test", "org", time.Now())
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("read-only write: %v, want ErrUnavailable", err)
	}
	if err := ro.NewSessionStore(0).Commit("t", []byte("x"), time.Now().Add(time.Hour)); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("session commit: %v, want ErrUnavailable", err)
	}
	if err := ro.Ping(t.Context()); err != nil {
		t.Fatalf("reads still work: %v", err)
	}
}
