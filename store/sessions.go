package store

import (
	"fmt"
	"time"

	"github.com/alexedwards/scs/sqlite3store"
)

// SessionStore is the scs store for the app's sessions: sqlite3store on the app database,
// with its failures classified (ErrUnavailable) so the app can answer 503 instead of 500.
type SessionStore struct {
	inner *sqlite3store.SQLite3Store
}

// NewSessionStore returns the scs store. Expired sessions are deleted every cleanup interval
// (0 disables the background cleanup); call StopCleanup on shutdown.
func (s *Store) NewSessionStore(cleanup time.Duration) *SessionStore {
	return &SessionStore{inner: sqlite3store.NewWithCleanupInterval(s.DB, cleanup)}
}

// Find implements scs.Store.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	b, found, err := s.inner.Find(token)
	if err != nil {
		return nil, false, fmt.Errorf("store: find session: %w", classify(err))
	}
	return b, found, nil
}

// Commit implements scs.Store.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	if err := s.inner.Commit(token, b, expiry); err != nil {
		return fmt.Errorf("store: commit session: %w", classify(err))
	}
	return nil
}

// Delete implements scs.Store.
func (s *SessionStore) Delete(token string) error {
	if err := s.inner.Delete(token); err != nil {
		return fmt.Errorf("store: delete session: %w", classify(err))
	}
	return nil
}

// StopCleanup ends the background cleanup goroutine.
func (s *SessionStore) StopCleanup() { s.inner.StopCleanup() }
