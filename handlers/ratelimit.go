package handlers

import (
	"sync"
	"time"
)

// Rule allows at most Max events per Window.
type Rule struct {
	Window time.Duration
	Max    int
}

// Limiter counts events per key (an email address, a client IP) in memory. Limits protect
// Stytch quota and people's inboxes; losing them on restart is harmless.
type Limiter struct {
	mu    sync.Mutex
	now   func() time.Time
	rules []Rule
	hits  map[string][]time.Time
	calls int
}

// NewLimiter returns a limiter enforcing every rule.
func NewLimiter(now func() time.Time, rules ...Rule) *Limiter {
	return &Limiter{now: now, rules: rules, hits: map[string][]time.Time{}}
}

// Allow records an event for key if every rule allows it; otherwise it returns how long to wait.
func (l *Limiter) Allow(key string) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if wait = l.wait(key, now); wait > 0 {
		return wait, false
	}
	l.hits[key] = append(l.hits[key], now)
	if l.calls++; l.calls%1024 == 0 {
		l.prune(now)
	}
	return 0, true
}

// Undo forgets key's latest event (the action it allowed did not happen after all).
func (l *Limiter) Undo(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if hits := l.hits[key]; len(hits) > 0 {
		l.hits[key] = hits[:len(hits)-1]
	}
}

// Wait returns how long until key may have another event (0 = now), recording nothing.
func (l *Limiter) Wait(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.wait(key, l.now())
}

func (l *Limiter) wait(key string, now time.Time) time.Duration {
	var longest time.Duration
	hits := l.hits[key]
	for _, r := range l.rules {
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

// prune forgets events older than the longest window.
func (l *Limiter) prune(now time.Time) {
	var longest time.Duration
	for _, r := range l.rules {
		longest = max(longest, r.Window)
	}
	for k, hits := range l.hits {
		i := 0
		for i < len(hits) && now.Sub(hits[i]) >= longest {
			i++
		}
		if i == len(hits) {
			delete(l.hits, k)
		} else {
			l.hits[k] = hits[i:]
		}
	}
}
