package store_test

import (
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgpick/orgpick/store"
)

var (
	emailRules = []store.Rule{{Window: 30 * time.Second, Max: 1}, {Window: time.Hour, Max: 6}}
	ipRules    = []store.Rule{{Window: time.Minute, Max: 10}, {Window: time.Hour, Max: 60}}
)

// step is one call in a limit scenario: at is seconds after t0.
type step struct {
	op   string // allow, wait, undo
	key  string
	at   float64
	ok   bool    // allow: allowed?
	wait float64 // allow and wait: seconds to wait
}

func TestLimitScenarios(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rules []store.Rule
		steps []step
	}{
		{"one per 30 s", emailRules, []step{
			{op: "allow", key: "e", at: 0, ok: true},
			{op: "allow", key: "e", at: 0, wait: 30},
			{op: "wait", key: "e", at: 10, wait: 20},
			{op: "allow", key: "e", at: 29.5, wait: 0.5},
			{op: "allow", key: "e", at: 30, ok: true},
		}},
		{"six an hour", emailRules, []step{
			{op: "allow", key: "e", at: 0, ok: true}, {op: "allow", key: "e", at: 30, ok: true},
			{op: "allow", key: "e", at: 60, ok: true}, {op: "allow", key: "e", at: 90, ok: true},
			{op: "allow", key: "e", at: 120, ok: true}, {op: "allow", key: "e", at: 150, ok: true},
			{op: "allow", key: "e", at: 180, wait: 3600 - 180}, // until the first leaves the hour
			{op: "allow", key: "e", at: 3600, ok: true},
			{op: "allow", key: "e", at: 3630, ok: true}, // the hits at 0 and 30 have left the hour
		}},
		{"refusals do not count", ipRules, append(repeat(step{op: "allow", key: "ip", at: 1, ok: true}, 10),
			step{op: "allow", key: "ip", at: 2, wait: 59}, step{op: "allow", key: "ip", at: 3, wait: 58},
			step{op: "allow", key: "ip", at: 61, ok: true})},
		{"keys are independent", emailRules, []step{
			{op: "allow", key: "a", at: 0, ok: true},
			{op: "allow", key: "b", at: 0, ok: true},
			{op: "wait", key: "c", at: 0},
			{op: "allow", key: "a", at: 1, wait: 29},
		}},
		{"undo refunds the latest", emailRules, []step{
			{op: "undo", key: "e", at: 0}, // nothing to undo
			{op: "allow", key: "e", at: 0, ok: true},
			{op: "undo", key: "e", at: 1},
			{op: "wait", key: "e", at: 1},
			{op: "allow", key: "e", at: 2, ok: true},
			{op: "allow", key: "e", at: 3, wait: 29},
		}},
		{"no rules", nil, []step{{op: "allow", key: "x", at: 0, ok: true}, {op: "allow", key: "x", at: 0, ok: true}}},
		{"max 0 limits nothing", []store.Rule{{Window: time.Hour, Max: 0}}, []step{
			{op: "allow", key: "x", at: 0, ok: true}, {op: "allow", key: "x", at: 0, ok: true},
		}},
	}
	eachEngine(t, func(t *testing.T, target string) {
		for _, tt := range tests { // in order: the scenarios share one database (keys apart)
			t.Run(tt.name, func(t *testing.T) {
				st := open(t, target)
				prefix := tt.name + ":" // scenarios share the database
				t0 := time.Unix(1_900_000_000, 0)
				for i, s := range tt.steps {
					now := t0.Add(time.Duration(s.at * float64(time.Second)))
					ok, wait := run(t, st, s.op, prefix+s.key, now, tt.rules)
					want := time.Duration(s.wait * float64(time.Second))
					if ok != s.ok || wait != want {
						t.Fatalf("step %d %s %s at %vs: ok %v wait %v, want ok %v wait %v", i, s.op, s.key, s.at, ok, wait, s.ok, want)
					}
				}
			})
		}
	})
}

func repeat(s step, n int) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// run performs op and returns (allowed, wait); undo returns (false, 0).
func run(t *testing.T, st *store.Store, op, key string, now time.Time, rules []store.Rule) (bool, time.Duration) {
	t.Helper()
	switch op {
	case "allow":
		ok, wait, err := st.Allow(t.Context(), key, now, rules)
		if err != nil {
			t.Fatal(err)
		}
		return ok, wait
	case "wait":
		wait, err := st.Wait(t.Context(), key, now, rules)
		if err != nil {
			t.Fatal(err)
		}
		return false, wait
	case "undo":
		if err := st.Undo(t.Context(), key); err != nil {
			t.Fatal(err)
		}
		return false, 0
	}
	t.Fatalf("unknown op %q", op)
	return false, 0
}

// The store answers exactly as the in-memory limiter it replaces (refLimiter, a copy of
// handlers.Limiter) over long random sequences of calls.
func TestLimitMatchesInMemoryLimiter(t *testing.T) {
	t.Parallel()
	ruleSets := map[string][]store.Rule{
		"email": emailRules,
		"ip":    ipRules,
		"odd":   {{Window: time.Second, Max: 3}, {Window: 10 * time.Second, Max: 0}, {Window: 7 * time.Second, Max: 4}},
	}
	eachEngine(t, func(t *testing.T, target string) {
		st := open(t, target)
		for name, rules := range ruleSets { // in order: the rule sets share one store (keys apart)
			t.Run(name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, uint64(len(name))))
				now := time.Unix(1_900_000_000, 0)
				ref := newRefLimiter(func() time.Time { return now }, rules...)
				for i := range 400 {
					key := name + ":" + []string{"a", "b", "c"}[rng.IntN(3)]
					now = now.Add(time.Duration(rng.IntN(int(rules[0].Window/time.Millisecond)/2+1)) * time.Millisecond)
					op := []string{"allow", "allow", "allow", "wait", "undo"}[rng.IntN(5)]
					ok, wait := run(t, st, op, key, now, rules)
					var refOK bool
					var refWait time.Duration
					switch op {
					case "allow":
						refWait, refOK = ref.Allow(key)
					case "wait":
						refWait = ref.Wait(key)
					case "undo":
						ref.Undo(key)
					}
					if ok != refOK || wait != refWait {
						t.Fatalf("call %d %s %s: store ok %v wait %v, in-memory ok %v wait %v", i, op, key, ok, wait, refOK, refWait)
					}
				}
			})
		}
	})
}

// Many goroutines on two instances (two pools on one database, as two app processes) race
// for the same key: exactly Max are allowed, and concurrent undos refund every hit.
func TestAllowIsAtomicAcrossInstances(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, target string) {
		instances := []*store.Store{open(t, target), open(t, target)}
		rules := []store.Rule{{Window: time.Hour, Max: 10}}
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for i := range 60 {
			st := instances[i%2]
			wg.Go(func() {
				ok, wait, err := st.Allow(t.Context(), "hot", time.Now(), rules)
				switch {
				case err != nil:
					t.Error(err)
				case ok:
					allowed.Add(1)
				case wait <= 0 || wait > time.Hour+time.Second: // each caller reads its own clock
					t.Errorf("refused with wait %v", wait)
				}
			})
		}
		wg.Wait()
		if n := allowed.Load(); n != 10 {
			t.Fatalf("%d allowed, want exactly 10", n)
		}
		for i := range 10 {
			wg.Go(func() {
				if err := instances[i%2].Undo(t.Context(), "hot"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if wait, err := instances[0].Wait(t.Context(), "hot", time.Now(), rules); err != nil || wait != 0 {
			t.Fatalf("after 10 undos: wait %v (%v), want 0", wait, err)
		}
	})
}

// refLimiter is handlers.Limiter (handlers/ratelimit.go) as of this commit, copied so this
// test does not depend on the handlers package.
type refLimiter struct {
	now   func() time.Time
	rules []store.Rule
	hits  map[string][]time.Time
}

func newRefLimiter(now func() time.Time, rules ...store.Rule) *refLimiter {
	return &refLimiter{now: now, rules: rules, hits: map[string][]time.Time{}}
}

func (l *refLimiter) Allow(key string) (time.Duration, bool) {
	now := l.now()
	if wait := l.wait(key, now); wait > 0 {
		return wait, false
	}
	l.hits[key] = append(l.hits[key], now)
	return 0, true
}

func (l *refLimiter) Undo(key string) {
	if hits := l.hits[key]; len(hits) > 0 {
		l.hits[key] = hits[:len(hits)-1]
	}
}

func (l *refLimiter) Wait(key string) time.Duration { return l.wait(key, l.now()) }

func (l *refLimiter) wait(key string, now time.Time) time.Duration {
	var longest time.Duration
	for _, r := range l.rules {
		if r.Max <= 0 {
			continue
		}
		inWindow := 0
		for _, hit := range slices.Backward(l.hits[key]) { // newest first
			if now.Sub(hit) >= r.Window {
				continue
			}
			if inWindow++; inWindow == r.Max { // the Max-th newest hit frees a place when it ages out
				longest = max(longest, hit.Add(r.Window).Sub(now))
				break
			}
		}
	}
	return longest
}
