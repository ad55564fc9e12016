package store_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/orgpick/orgpick/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func wantFind(t *testing.T, ss *store.SessionStore, token, want string) {
	t.Helper()
	b, found, err := ss.Find(token)
	switch {
	case err != nil:
		t.Fatalf("Find(%s): %v", token, err)
	case want == "" && found:
		t.Fatalf("Find(%s) = %q, want not found", token, b)
	case want != "" && (!found || string(b) != want):
		t.Fatalf("Find(%s) = %q, %v; want %q", token, b, found, want)
	}
}

// Both stores behave the same to scs: commit, find, replace, delete, expire.
func TestSessionStore(t *testing.T) {
	for name, newStore := range map[string]func(*store.Store) *store.SessionStore{
		"sqlite": func(st *store.Store) *store.SessionStore { return st.NewSessionStore(0) },
		"cached": func(st *store.Store) *store.SessionStore { return st.NewCachedSessionStore(0, 100) },
	} {
		t.Run(name, func(t *testing.T) {
			ss := newStore(openStore(t))
			hour := time.Now().Add(time.Hour)
			wantFind(t, ss, "nobody", "")
			if err := ss.Commit("tok", []byte("one"), hour); err != nil {
				t.Fatal(err)
			}
			wantFind(t, ss, "tok", "one")
			if err := ss.Commit("tok", []byte("two"), hour); err != nil {
				t.Fatal(err)
			}
			wantFind(t, ss, "tok", "two")
			if err := ss.Delete("tok"); err != nil {
				t.Fatal(err)
			}
			wantFind(t, ss, "tok", "")
			if err := ss.Commit("short", []byte("brief"), time.Now().Add(50*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			wantFind(t, ss, "short", "brief")
			time.Sleep(60 * time.Millisecond)
			wantFind(t, ss, "short", "")
		})
	}
}

// The cache answers without SQLite (a row removed behind its back is still served, which is
// why it needs to be the only writer) and follows its own writes at once.
func TestCachedSessionStoreServesFromMemory(t *testing.T) {
	st := openStore(t)
	ss := st.NewCachedSessionStore(0, 100)
	if err := ss.Commit("tok", []byte("data"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Exec(`DELETE FROM sessions`); err != nil {
		t.Fatal(err)
	}
	wantFind(t, ss, "tok", "data")
	if err := ss.Delete("tok"); err != nil {
		t.Fatal(err)
	}
	wantFind(t, ss, "tok", "")

	// A session written before this process started is cached on first read, with the
	// expiry stored in SQLite.
	other := st.NewSessionStore(0)
	if err := other.Commit("old", []byte("kept"), time.Now().Add(80*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	wantFind(t, ss, "old", "kept")
	if _, err := st.DB.Exec(`DELETE FROM sessions`); err != nil {
		t.Fatal(err)
	}
	wantFind(t, ss, "old", "kept")
	time.Sleep(100 * time.Millisecond)
	wantFind(t, ss, "old", "")
}

// A write that fails leaves nothing cached: the next Find goes to SQLite (and fails too).
func TestCachedSessionStoreFailedCommit(t *testing.T) {
	st := openStore(t)
	ss := st.NewCachedSessionStore(0, 100)
	st.Close()
	if err := ss.Commit("tok", []byte("data"), time.Now().Add(time.Hour)); err == nil {
		t.Fatal("commit on a closed database succeeded")
	}
	if _, _, err := ss.Find("tok"); err == nil {
		t.Fatal("Find answered from the cache after a failed commit")
	}
}

// The cache holds at most max sessions; the newest is always kept.
func TestCachedSessionStoreBound(t *testing.T) {
	st := openStore(t)
	ss := st.NewCachedSessionStore(0, 2)
	for i := range 5 {
		if err := ss.Commit(fmt.Sprint("tok", i), []byte(fmt.Sprint("data", i)), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.DB.Exec(`DELETE FROM sessions`); err != nil {
		t.Fatal(err)
	}
	served := 0
	for i := range 5 {
		if _, found, _ := ss.Find(fmt.Sprint("tok", i)); found {
			served++
		}
	}
	if served != 2 {
		t.Fatalf("%d sessions served from memory, want 2", served)
	}
	wantFind(t, ss, "tok4", "data4")
}

// Concurrent reads and writes of one session: a reader sees a committed version or nothing,
// and after the last write the cache agrees with SQLite. Run with -race.
func TestCachedSessionStoreConcurrent(t *testing.T) {
	st := openStore(t)
	ss := st.NewCachedSessionStore(0, 100)
	hour := time.Now().Add(time.Hour)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				var err error
				if (w+i)%5 == 0 {
					err = ss.Delete("tok")
				} else {
					err = ss.Commit("tok", []byte(fmt.Sprintf("w%d-%d", w, i)), hour)
				}
				if err != nil && !errors.Is(err, store.ErrUnavailable) {
					t.Error(err)
				}
			}
		})
		wg.Go(func() {
			for range 200 {
				if _, _, err := ss.Find("tok"); err != nil && !errors.Is(err, store.ErrUnavailable) {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	cached, inCache, err1 := ss.Find("tok")
	stored, inDB, err2 := st.NewSessionStore(0).Find("tok")
	if err1 != nil || err2 != nil || inCache != inDB || string(cached) != string(stored) {
		t.Fatalf("cache %q %v %v disagrees with SQLite %q %v %v", cached, inCache, err1, stored, inDB, err2)
	}
	if err := ss.Commit("tok", []byte("final"), hour); err != nil {
		t.Fatal(err)
	}
	wantFind(t, ss, "tok", "final")
	wantFind(t, st.NewSessionStore(0), "tok", "final")
}
