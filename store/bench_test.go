package store_test

import (
	"bytes"
	"encoding/hex"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgpick/orgpick/store"
)

// eachEngineB runs fn as a sub-benchmark per engine, each on a fresh database. PostgreSQL
// runs twice: as configured (synchronous_commit=on: every commit waits for a WAL flush) and
// with ?synchronous_commit=off in the URL, whose durability is closer to SQLite's
// synchronous=NORMAL (a crash may lose the last moments of commits, never corrupts).
func eachEngineB(b *testing.B, fn func(b *testing.B, st *store.Store)) {
	run := func(name string, target func(b *testing.B) string) {
		b.Run(name, func(b *testing.B) {
			st := open(b, target(b))
			b.ResetTimer() // creating the database is not what is measured
			fn(b, st)
		})
	}
	run(store.EngineSQLite, func(b *testing.B) string { return filepath.Join(b.TempDir(), "app.db") })
	run(store.EnginePostgres, func(b *testing.B) string { return freshPostgres(b) })
	run(store.EnginePostgres+"-async", func(b *testing.B) string { return freshPostgres(b) + "?synchronous_commit=off" })
}

// sessionData is about the size of a signed-in session (member JSON, JWT, session token).
var sessionData = bytes.Repeat([]byte("x"), 1500)

// BenchmarkSessionFind: the read every request with a cookie makes.
func BenchmarkSessionFind(b *testing.B) {
	eachEngineB(b, func(b *testing.B, st *store.Store) {
		ss := st.NewSessionStore(0)
		for i := range 1000 {
			if err := ss.Commit("tok-"+strconv.Itoa(i), sessionData, time.Now().Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			if _, ok, err := ss.FindCtx(b.Context(), "tok-"+strconv.Itoa(i%1000)); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
}

// BenchmarkSessionCommit: the write a request that changes the session makes.
func BenchmarkSessionCommit(b *testing.B) {
	eachEngineB(b, func(b *testing.B, st *store.Store) {
		ss := st.NewSessionStore(0)
		for i := 0; b.Loop(); i++ {
			if err := ss.CommitCtx(b.Context(), "tok-"+strconv.Itoa(i%1000), sessionData, time.Now().Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSessionFindParallel: session reads from every CPU at once.
func BenchmarkSessionFindParallel(b *testing.B) {
	eachEngineB(b, func(b *testing.B, st *store.Store) {
		ss := st.NewSessionStore(0)
		if err := ss.Commit("tok", sessionData, time.Now().Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, ok, err := ss.FindCtx(b.Context(), "tok"); err != nil || !ok {
					b.Error(ok, err)
					return
				}
			}
		})
	})
}

// BenchmarkAllow: a send limit check that records a hit (a fresh key each time, as most
// sign-in attempts are), and one refused (a key at its limit).
func BenchmarkAllow(b *testing.B) {
	eachEngineB(b, func(b *testing.B, st *store.Store) {
		rules := []store.Rule{{Window: 30 * time.Second, Max: 1}, {Window: time.Hour, Max: 6}}
		b.Run("allowed", func(b *testing.B) {
			run := hex.EncodeToString(randBytes(b, 4)) // b.Loop may run this function again
			for i := 0; b.Loop(); i++ {
				if ok, _, err := st.Allow(b.Context(), "bench-email:"+run+strconv.Itoa(i), time.Now(), rules); err != nil || !ok {
					b.Fatal(ok, err)
				}
			}
		})
		b.Run("refused", func(b *testing.B) {
			if _, _, err := st.Allow(b.Context(), "bench-hot", time.Now(), rules); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if ok, _, err := st.Allow(b.Context(), "bench-hot", time.Now(), rules); err != nil || ok {
					b.Fatal(ok, err)
				}
			}
		})
	})
}

// BenchmarkAllowParallel: limit checks from every CPU at once on distinct keys (SQLite
// serialises them all on its write lock; PostgreSQL only per key).
func BenchmarkAllowParallel(b *testing.B) {
	eachEngineB(b, func(b *testing.B, st *store.Store) {
		rules := []store.Rule{{Window: time.Minute, Max: 10}, {Window: time.Hour, Max: 60}}
		var n atomicCounter
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := st.Allow(b.Context(), "bench-ip:"+strconv.FormatInt(n.next(), 10), time.Now(), rules); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

type atomicCounter struct{ v atomic.Int64 }

func (c *atomicCounter) next() int64 { return c.v.Add(1) }
