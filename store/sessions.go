package store

import (
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/alexedwards/scs/sqlite3store"
)

// SessionStore is the scs store for the app's sessions: sqlite3store's table and queries on
// the app database, with its failures classified (ErrUnavailable) so the app can answer 503
// instead of 500. Built by NewCachedSessionStore, it also keeps sessions in memory.
type SessionStore struct {
	db    *sql.DB
	inner *sqlite3store.SQLite3Store
	cache *sessionCache // nil: every Find reads SQLite
}

// NewSessionStore returns the scs store. Expired sessions are deleted every cleanup interval
// (0 disables the background cleanup); call StopCleanup on shutdown.
func (s *Store) NewSessionStore(cleanup time.Duration) *SessionStore {
	return &SessionStore{db: s.DB, inner: sqlite3store.NewWithCleanupInterval(s.DB, cleanup)}
}

// NewCachedSessionStore is NewSessionStore plus an in-memory copy of up to max sessions, so a
// page view's session lookup (every request with a cookie) skips SQLite. SQLite stays the
// record: Commit and Delete write it and the cache follows under the same lock, so logout and
// token renewal take effect at once — in this process. It assumes this process is the only
// one writing the sessions table, as the in-memory send limits already do: a session deleted
// by another process would stay readable here until it expires.
func (s *Store) NewCachedSessionStore(cleanup time.Duration, max int) *SessionStore {
	ss := s.NewSessionStore(cleanup)
	ss.cache = &sessionCache{max: max, m: make(map[string]cachedSession)}
	return ss
}

// Find implements scs.Store: the session's data unless it is unknown or expired.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	var gen uint64
	if s.cache != nil {
		if b, ok := s.cache.get(token, time.Now()); ok {
			return b, true, nil
		}
		gen = s.cache.generation()
	}
	var b []byte
	var expiry float64 // Julian day, as sqlite3store writes it
	err := s.db.QueryRow(`SELECT data, expiry FROM sessions WHERE token = ? AND julianday('now') < expiry`, token).Scan(&b, &expiry)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: find session: %w", classify(err))
	}
	if s.cache != nil {
		s.cache.fill(token, b, julianTime(expiry), gen)
	}
	return b, true, nil
}

// julianTime converts a Julian day number to a time (to the tens of microseconds).
func julianTime(jd float64) time.Time {
	const unixEpoch = 2440587.5 // julianday('1970-01-01')
	return time.Unix(0, int64((jd-unixEpoch)*float64(24*time.Hour)))
}

// Commit implements scs.Store.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	written := false
	if s.cache != nil {
		s.cache.begin(token)
		defer func() { s.cache.end(token, b, expiry, written) }()
	}
	if err := s.inner.Commit(token, b, expiry); err != nil {
		return fmt.Errorf("store: commit session: %w", classify(err))
	}
	written = true
	return nil
}

// Delete implements scs.Store.
func (s *SessionStore) Delete(token string) error {
	if s.cache != nil {
		s.cache.begin(token)
		defer s.cache.end(token, nil, time.Time{}, false)
	}
	if err := s.inner.Delete(token); err != nil {
		return fmt.Errorf("store: delete session: %w", classify(err))
	}
	return nil
}

// StopCleanup ends the background cleanup goroutine.
func (s *SessionStore) StopCleanup() { s.inner.StopCleanup() }

// sessionCache holds encoded sessions by token (never modified: scs only decodes them).
// Writers are serialised (SQLite has one writer anyway) and bump gen before and after their
// SQLite write, so a Find that read SQLite around a write never caches what it read.
type sessionCache struct {
	write sync.Mutex   // held by a Commit or Delete across its SQLite write
	mu    sync.RWMutex // guards gen and m, held briefly
	gen   uint64
	max   int
	m     map[string]cachedSession
}

type cachedSession struct {
	b      []byte
	expiry time.Time
}

func (c *sessionCache) get(token string, now time.Time) ([]byte, bool) {
	c.mu.RLock()
	e, ok := c.m[token]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expiry) {
		return nil, false
	}
	return e.b, true
}

func (c *sessionCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// fill caches what Find read, unless a write began since Find read gen.
func (c *sessionCache) fill(token string, b []byte, expiry time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.putLocked(token, b, expiry)
	}
}

// begin starts a write of token: the cached copy goes before SQLite changes.
func (c *sessionCache) begin(token string) {
	c.write.Lock()
	c.mu.Lock()
	c.gen++
	delete(c.m, token)
	c.mu.Unlock()
}

// end finishes a write; a successful Commit's data becomes the cached copy.
func (c *sessionCache) end(token string, b []byte, expiry time.Time, cache bool) {
	c.mu.Lock()
	c.gen++
	if cache {
		c.putLocked(token, b, expiry)
	}
	c.mu.Unlock()
	c.write.Unlock()
}

// putLocked stores an entry, first making room: expired entries go, then arbitrary ones.
func (c *sessionCache) putLocked(token string, b []byte, expiry time.Time) {
	if c.max <= 0 {
		return
	}
	if _, ok := c.m[token]; !ok && len(c.m) >= c.max {
		now := time.Now()
		for k, e := range c.m {
			if !now.Before(e.expiry) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < c.max {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[token] = cachedSession{b: b, expiry: expiry}
}
