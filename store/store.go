// Package store owns what the app keeps between requests: the scs sessions, the organization
// each email entered last and the send limits. It runs on SQLite (one file, the embedded
// default) or on PostgreSQL (shared by every instance of the app); Open picks the engine from
// its target, applies that engine's embedded migrations, and both engines answer the same API.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
)

// Sentinel errors. Callers match them with errors.Is; everything else is wrapped with context.
var (
	// ErrNotFound: no such row.
	ErrNotFound = errors.New("store: not found")
	// ErrUnavailable: a failure a person can only wait out (SQLite locked, read-only or full;
	// PostgreSQL down, restarting, overloaded or too slow). The app answers 503.
	ErrUnavailable error = unavailable{}
)

// unavailable is ErrUnavailable. Its Unavailable method lets packages that must not import
// the store (metrics) recognise it: errors.As(err, &interface{ Unavailable() bool }).
type unavailable struct{}

func (unavailable) Error() string     { return "store: database unavailable" }
func (unavailable) Unavailable() bool { return true }

// Engine names, as Engine reports them.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// applyMigrations hands an engine's migrations (migrations/ENGINE/NNN_name.sql) to apply in
// order, stopping at the first error.
func applyMigrations(engine string, apply func(file string) error) error {
	names, err := fs.Glob(migrations, "migrations/"+engine+"/*.sql")
	if err != nil {
		return fmt.Errorf("store: list migrations: %w", err)
	}
	sort.Strings(names)
	for _, file := range names {
		if err := apply(file); err != nil {
			return err
		}
	}
	return nil
}

// Store is the app's database. Open returns one; a Store built by hand as &Store{DB: db}
// uses db as a SQLite database, which tests use to simulate a read-only or locked file.
type Store struct {
	// DB is the SQLite database (nil on PostgreSQL).
	DB *sql.DB

	be      backend // nil: SQLite on DB
	timeout time.Duration
}

// backend is what each engine implements; Store adds the deadline and hashes limit keys.
type backend interface {
	engine() string
	ping(ctx context.Context) error
	close() error
	setLastOrg(ctx context.Context, email, orgID string, at time.Time) error
	lastOrg(ctx context.Context, email string) (string, error)
	// limit computes key's retry-after under rules at now and, when record is set and the
	// answer is 0, records a hit, all in one transaction serialised per key.
	limit(ctx context.Context, key []byte, now time.Time, rules []Rule, record bool) (time.Duration, error)
	undo(ctx context.Context, key []byte) error
	deleteExpired(ctx context.Context, now time.Time) error
	sessions(cleanup time.Duration) sessionBackend
	ssoBackend // sso_domains.go
}

// Option adjusts Open.
type Option func(*options)

type options struct {
	timeout    time.Duration
	timeoutSet bool // WithQueryTimeout was given (SQLite has no timeout by default)
}

// WithQueryTimeout bounds every store call, so a slow database yields ErrUnavailable rather
// than a hung request. Default 5 s on PostgreSQL; none on SQLite, whose busy timeout (5 s)
// already bounds waiting for the write lock. 0 disables it.
func WithQueryTimeout(d time.Duration) Option {
	return func(o *options) { o.timeout, o.timeoutSet = d, true }
}

// IsPostgresURL reports whether target names a PostgreSQL database (a postgres:// or
// postgresql:// URL) rather than a SQLite file.
func IsPostgresURL(target string) bool {
	t := strings.ToLower(target)
	return strings.HasPrefix(t, "postgres://") || strings.HasPrefix(t, "postgresql://")
}

// Open connects to target and applies the migrations: a postgres:// or postgresql:// URL
// opens PostgreSQL (a pgx pool), anything else is the path of a SQLite file, created if
// needed. Several processes may Open the same PostgreSQL database at once.
func Open(ctx context.Context, target string, opts ...Option) (*Store, error) {
	if target == "" {
		return nil, errors.New("store: empty database target")
	}
	o := options{timeout: 5 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	if !IsPostgresURL(target) {
		if !o.timeoutSet {
			o.timeout = 0
		}
		db, err := openSQLite(ctx, target, o)
		if err != nil {
			return nil, err
		}
		return &Store{DB: db, be: sqliteDB{db}, timeout: o.timeout}, nil
	}
	pg, err := openPostgres(ctx, target, o)
	if err != nil {
		return nil, err
	}
	return &Store{be: pg, timeout: o.timeout}, nil
}

func (s *Store) backend() backend {
	if s.be == nil {
		return sqliteDB{s.DB}
	}
	return s.be
}

// bound applies the query timeout, if any.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.timeout)
}

// do runs f on the backend within the store's time limit; its error reads "store: op: …".
func (s *Store) do(ctx context.Context, op string, f func(context.Context, backend) error) error {
	_, err := query(ctx, s, op, func(ctx context.Context, b backend) (struct{}, error) { return struct{}{}, f(ctx, b) })
	return err
}

// query is do for a call with an answer.
func query[T any](ctx context.Context, s *Store, op string, f func(context.Context, backend) (T, error)) (T, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	v, err := f(ctx, s.backend())
	if err != nil {
		var none T
		return none, fmt.Errorf("store: %s: %w", op, err)
	}
	return v, nil
}

// Engine names the database engine: EngineSQLite or EnginePostgres.
func (s *Store) Engine() string { return s.backend().engine() }

// Close closes the database (the PostgreSQL pool waits for its connections to be released).
func (s *Store) Close() error { return s.backend().close() }

// Ping checks that the database answers (used by /healthz).
func (s *Store) Ping(ctx context.Context) error {
	return s.do(ctx, "ping", func(ctx context.Context, b backend) error { return b.ping(ctx) })
}

// SetLastOrg records the organization an email entered most recently.
func (s *Store) SetLastOrg(ctx context.Context, email, orgID string, at time.Time) error {
	return s.do(ctx, "set last org", func(ctx context.Context, b backend) error {
		return b.setLastOrg(ctx, strings.ToLower(email), orgID, at)
	})
}

// LastOrg returns the organization an email entered most recently, or ErrNotFound.
func (s *Store) LastOrg(ctx context.Context, email string) (string, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	orgID, err := s.backend().lastOrg(ctx, strings.ToLower(email))
	if errors.Is(err, ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: last org: %w", err)
	}
	return orgID, nil
}

// DeleteExpired deletes the sessions that expired before now and the send-limit hits that
// no rule can count any more. CleanupEvery runs it periodically.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) error {
	return s.do(ctx, "delete expired", func(ctx context.Context, b backend) error { return b.deleteExpired(ctx, now) })
}

// CleanupEvery calls DeleteExpired every interval until ctx ends, passing failures to onErr
// (which may be nil). Run it in its own goroutine, once per process.
func (s *Store) CleanupEvery(ctx context.Context, interval time.Duration, onErr func(error)) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if err := s.DeleteExpired(ctx, now); err != nil && onErr != nil && ctx.Err() == nil {
				onErr(err)
			}
		}
	}
}
