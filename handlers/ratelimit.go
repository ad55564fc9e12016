package handlers

import (
	"context"
	"log/slog"
	"time"

	"github.com/orgpick/orgpick/internal/metrics"
	"github.com/orgpick/orgpick/store"
)

// Rule allows at most Max events per sliding Window.
type Rule = store.Rule

// LimitStore counts events per key. store.Store implements it on SQLite or PostgreSQL, so the
// limits are shared by every instance of the app and survive restarts.
type LimitStore interface {
	Allow(ctx context.Context, key string, now time.Time, rules []Rule) (ok bool, retryAfter time.Duration, err error)
	Wait(ctx context.Context, key string, now time.Time, rules []Rule) (time.Duration, error)
	Undo(ctx context.Context, key string) error
}

// Limiter is one kind of send limit (per address, per IP, per inviting admin …) over the
// shared LimitStore. Limits protect Stytch's quota and people's inboxes.
type Limiter struct {
	db      LimitStore
	kind    string // the keys' prefix; also the metric label ("email", "ip", "invite_recipient", "invite_sender")
	rules   []Rule
	now     func() time.Time
	log     *slog.Logger
	metrics *metrics.Metrics // counts refusals and store failures; may be nil
}

// newLimiter is a limiter of kind enforcing rules; no rules means no limit (and no store access).
func newLimiter(db LimitStore, kind string, rules []Rule, now func() time.Time, log *slog.Logger, m *metrics.Metrics) *Limiter {
	return &Limiter{db: db, kind: kind, rules: rules, now: now, log: log, metrics: m}
}

// waitScopes says whose limit refused, where a page words it differently (invitations).
var waitScopes = map[string]string{"invite_sender": scopeSender, "invite_recipient": scopeRecipient}

// Allow records an event for key if every rule allows it. Otherwise it returns a WaitError
// saying how long to wait, or the store's error.
func (l *Limiter) Allow(ctx context.Context, key string) error {
	if len(l.rules) == 0 {
		return nil
	}
	ok, wait, err := l.db.Allow(ctx, l.kind+":"+key, l.now(), l.rules)
	switch {
	case err != nil:
		l.metrics.StoreError("limit", err)
		return err
	case !ok:
		l.metrics.RateLimited(l.kind)
		return WaitError{Wait: wait, Scope: waitScopes[l.kind]}
	}
	return nil
}

// Undo forgets key's latest event (the action it allowed did not happen after all). A store
// failure is logged: at worst the person waits a little longer.
func (l *Limiter) Undo(ctx context.Context, key string) {
	if len(l.rules) == 0 {
		return
	}
	if err := l.db.Undo(ctx, l.kind+":"+key); err != nil {
		l.log.Warn("undo send limit failed", "kind", l.kind, "err", err)
	}
}

// Wait returns how long until key may have another event (0 = now, or when the store fails:
// the page then just doesn't show a countdown).
func (l *Limiter) Wait(ctx context.Context, key string) time.Duration {
	if len(l.rules) == 0 {
		return 0
	}
	wait, err := l.db.Wait(ctx, l.kind+":"+key, l.now(), l.rules)
	if err != nil {
		l.log.Warn("read send limit failed", "kind", l.kind, "err", err)
	}
	return wait
}
