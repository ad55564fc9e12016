package store

import (
	"context"
	"crypto/sha256"
	"time"
)

// Rule allows at most Max events per sliding Window. A rule with Max <= 0 limits nothing.
type Rule struct {
	Window time.Duration
	Max    int
}

// Allow records an event for key at now if every rule allows it, and reports ok. Otherwise
// it records nothing and returns how long until the next event would be allowed. The check
// and the record are one transaction, serialised per key across every process sharing the
// database, so N concurrent callers never get more than the rules allow.
//
// Keys share one space: prefix them with their kind ("login-email:", "login-ip:", ...) so
// two limits on the same value stay apart. Only a SHA-256 of the key is stored. An event
// counts for a rule while now - event < Window, and the wait is when the Max-th most recent
// counted event leaves the window, the longest over all rules. now comes from the caller
// (its clock).
func (s *Store) Allow(ctx context.Context, key string, now time.Time, rules []Rule) (ok bool, retryAfter time.Duration, err error) {
	wait, err := query(ctx, s, "allow", func(ctx context.Context, b backend) (time.Duration, error) {
		return b.limit(ctx, hashKey(key), now, rules, true)
	})
	if err != nil {
		return false, 0, err
	}
	return wait == 0, wait, nil
}

// Wait returns how long until key may have another event under rules (0 = now), recording
// nothing.
func (s *Store) Wait(ctx context.Context, key string, now time.Time, rules []Rule) (time.Duration, error) {
	wait, err := query(ctx, s, "limit wait", func(ctx context.Context, b backend) (time.Duration, error) {
		return b.limit(ctx, hashKey(key), now, rules, false)
	})
	if err != nil {
		return 0, err
	}
	return wait, nil
}

// Undo forgets key's most recently recorded event (the action Allow allowed did not happen
// after all). With no event recorded it does nothing.
func (s *Store) Undo(ctx context.Context, key string) error {
	return s.do(ctx, "undo limit", func(ctx context.Context, b backend) error { return b.undo(ctx, hashKey(key)) })
}

func hashKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// retryAfter mirrors handlers.Limiter.wait: hits are key's events, oldest first.
func retryAfter(hits []time.Time, now time.Time, rules []Rule) time.Duration {
	var longest time.Duration
	for _, r := range rules {
		var in []time.Time
		for _, t := range hits {
			if now.Sub(t) < r.Window {
				in = append(in, t)
			}
		}
		if len(in) >= r.Max && r.Max > 0 {
			if w := in[len(in)-r.Max].Add(r.Window).Sub(now); w > longest {
				longest = w
			}
		}
	}
	return longest
}

// longestWindow is how long a hit recorded now can count for any of rules.
func longestWindow(rules []Rule) time.Duration {
	var longest time.Duration
	for _, r := range rules {
		longest = max(longest, r.Window)
	}
	return longest
}
