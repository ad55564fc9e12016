package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
)

// SessionStore is the scs store for the app's sessions on the store's engine: sqlite3store
// on SQLite, pgxstore on PostgreSQL. Failures are classified (ErrUnavailable) so the app can
// answer 503 instead of 500. It implements scs.CtxStore, so scs passes each request's
// context (SQLite's store ignores it).
type SessionStore struct {
	st      *Store
	inner   sessionBackend
	stopped sync.Once
}

var _ scs.CtxStore = (*SessionStore)(nil)

// sessionBackend is an engine's scs store.
type sessionBackend interface {
	find(ctx context.Context, token string) ([]byte, bool, error)
	commit(ctx context.Context, token string, b []byte, expiry time.Time) error
	delete(ctx context.Context, token string) error
	stop()
}

// NewSessionStore returns the scs store. Expired sessions are deleted every cleanup interval
// by the scs store's own goroutine, which logs failures with the standard logger (0 disables
// it; Store.CleanupEvery does the same job and reports errors to the caller). Call
// StopCleanup on shutdown.
func (s *Store) NewSessionStore(cleanup time.Duration) *SessionStore {
	return &SessionStore{st: s, inner: s.backend().sessions(cleanup)}
}

// Find implements scs.Store.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store.
func (s *SessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// FindCtx implements scs.CtxStore.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	ctx, cancel := s.st.bound(ctx)
	defer cancel()
	b, found, err := s.inner.find(ctx, token)
	if err != nil {
		return nil, false, fmt.Errorf("store: find session: %w", err)
	}
	return b, found, nil
}

// CommitCtx implements scs.CtxStore.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	ctx, cancel := s.st.bound(ctx)
	defer cancel()
	if err := s.inner.commit(ctx, token, b, expiry); err != nil {
		return fmt.Errorf("store: commit session: %w", err)
	}
	return nil
}

// DeleteCtx implements scs.CtxStore.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	ctx, cancel := s.st.bound(ctx)
	defer cancel()
	if err := s.inner.delete(ctx, token); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// StopCleanup ends the background cleanup goroutine. Calling it again does nothing (the scs
// stores it wraps block forever on a second stop).
func (s *SessionStore) StopCleanup() { s.stopped.Do(s.inner.stop) }
