package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/alexedwards/scs/sqlite3store"
	"github.com/mattn/go-sqlite3"
)

// sqliteDB is the SQLite engine.
type sqliteDB struct{ db *sql.DB }

// openSQLite opens (creating if needed) the SQLite file at path, tuned for a web server
// (WAL, synchronous=NORMAL, busy timeout, foreign keys), and applies the migrations.
func openSQLite(ctx context.Context, path string, o options) (*sql.DB, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create %s: %w", dir, err)
		}
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_busy_timeout", "5000")
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// SQLite allows one writer; a small pool keeps readers concurrent without lock storms.
	const conns = 8
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := migrateSQLite(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// migrateSQLite applies the migrations not yet recorded in schema_migrations, each in its
// own transaction. Names are recorded without their folder; earlier versions recorded
// "migrations/001_init.sql", which the first statement below renames.
func migrateSQLite(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("store: migrations table: %w", classifySQLite(err))
	}
	if _, err := db.ExecContext(ctx, `UPDATE schema_migrations SET name = substr(name, 12) WHERE name LIKE 'migrations/%'`); err != nil {
		return fmt.Errorf("store: rename recorded migrations: %w", classifySQLite(err))
	}
	return applyMigrations("sqlite", func(file string) error { return applySQLite(ctx, db, file) })
}

func applySQLite(ctx context.Context, db *sql.DB, file string) error {
	name := path.Base(file)
	tx, err := db.BeginTx(ctx, nil) // immediate: two processes cannot both apply it
	if err != nil {
		return fmt.Errorf("store: begin migration %s: %w", name, classifySQLite(err))
	}
	defer tx.Rollback()
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&done); err != nil {
		return fmt.Errorf("store: check migration %s: %w", name, classifySQLite(err))
	}
	if done > 0 {
		return nil
	}
	body, err := migrations.ReadFile(file)
	if err != nil {
		return fmt.Errorf("store: read migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("store: apply migration %s: %w", name, classifySQLite(err))
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES (?)`, name); err != nil {
		return fmt.Errorf("store: record migration %s: %w", name, classifySQLite(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit migration %s: %w", name, classifySQLite(err))
	}
	return nil
}

func (sqliteDB) engine() string { return EngineSQLite }

func (d sqliteDB) close() error { return d.db.Close() }

func (d sqliteDB) ping(ctx context.Context) error { return classifySQLite(d.db.PingContext(ctx)) }

func (d sqliteDB) setLastOrg(ctx context.Context, email, orgID string, at time.Time) error {
	_, err := d.db.ExecContext(ctx, `
		INSERT INTO last_org (email, organization_id, used_at) VALUES (?, ?, ?)
		ON CONFLICT (email) DO UPDATE SET organization_id = excluded.organization_id, used_at = excluded.used_at`,
		email, orgID, at.Unix())
	return classifySQLite(err)
}

func (d sqliteDB) lastOrg(ctx context.Context, email string) (string, error) {
	var orgID string
	err := d.db.QueryRowContext(ctx, `SELECT organization_id FROM last_org WHERE email = ?`, email).Scan(&orgID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return orgID, classifySQLite(err)
}

// limit: the first statement of the transaction is a write (pruning key's dead hits), so
// the transaction holds SQLite's single write lock before it reads, even on a connection
// opened without _txlock=immediate; concurrent callers for any key are serialised.
func (d sqliteDB) limit(ctx context.Context, key []byte, now time.Time, rules []Rule, record bool) (time.Duration, error) {
	if !record {
		hits, err := sqliteHits(ctx, d.db, key)
		if err != nil {
			return 0, err
		}
		return retryAfter(hits, now, rules), nil
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, classifySQLite(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM limit_hits WHERE key = ? AND expires <= ?`, key, now.UnixNano()); err != nil {
		return 0, classifySQLite(err)
	}
	hits, err := sqliteHits(ctx, tx, key)
	if err != nil {
		return 0, err
	}
	wait := retryAfter(hits, now, rules)
	if wait == 0 {
		_, err = tx.ExecContext(ctx, `INSERT INTO limit_hits (key, at, expires) VALUES (?, ?, ?)`,
			key, now.UnixNano(), now.Add(longestWindow(rules)).UnixNano())
		if err != nil {
			return 0, classifySQLite(err)
		}
	}
	return wait, classifySQLite(tx.Commit())
}

// querier is *sql.DB or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// sqliteHits returns key's hits, oldest first.
func sqliteHits(ctx context.Context, q querier, key []byte) ([]time.Time, error) {
	rows, err := q.QueryContext(ctx, `SELECT at FROM limit_hits WHERE key = ? ORDER BY at, id`, key)
	if err != nil {
		return nil, classifySQLite(err)
	}
	defer rows.Close()
	var hits []time.Time
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, classifySQLite(err)
		}
		hits = append(hits, time.Unix(0, at))
	}
	return hits, classifySQLite(rows.Err())
}

func (d sqliteDB) undo(ctx context.Context, key []byte) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM limit_hits WHERE id = (SELECT max(id) FROM limit_hits WHERE key = ?)`, key)
	return classifySQLite(err)
}

func (d sqliteDB) deleteExpired(ctx context.Context, now time.Time) error {
	// sqlite3store keeps expiry as a Julian day number; compare the same way it does.
	if _, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE expiry < julianday(?)`,
		now.UTC().Format("2006-01-02T15:04:05.999")); err != nil {
		return classifySQLite(err)
	}
	_, err := d.db.ExecContext(ctx, `DELETE FROM limit_hits WHERE expires <= ?`, now.UnixNano())
	return classifySQLite(err)
}

func (d sqliteDB) sessions(cleanup time.Duration) sessionBackend {
	s := sqliteSessions{s: sqlite3store.NewWithCleanupInterval(d.db, cleanup)}
	// A session is read on every request with a cookie: sqlite3store formats and prepares
	// its query each time. Prepared once here, the same query (expiry compared as
	// sqlite3store does); if preparing fails, find falls back to sqlite3store.
	if stmt, err := d.db.Prepare(`SELECT data FROM sessions WHERE token = $1 AND julianday('now') < expiry`); err == nil {
		s.findStmt = stmt
	}
	return s
}

// sqliteSessions adapts sqlite3store, which takes no context, to sessionBackend.
type sqliteSessions struct {
	s        *sqlite3store.SQLite3Store
	findStmt *sql.Stmt // nil: prepare failed, use s.Find
}

// find reads a session as sqlite3store.Find does, without a context like it: a cancellable
// one makes database/sql watch it from a goroutine per query.
func (s sqliteSessions) find(_ context.Context, token string) ([]byte, bool, error) {
	if s.findStmt == nil {
		b, found, err := s.s.Find(token)
		return b, found, classifySQLite(err)
	}
	var b []byte
	switch err := s.findStmt.QueryRow(token).Scan(&b); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, false, nil
	case err != nil:
		return nil, false, classifySQLite(err)
	}
	return b, true, nil
}

func (s sqliteSessions) commit(_ context.Context, token string, b []byte, expiry time.Time) error {
	return classifySQLite(s.s.Commit(token, b, expiry))
}

func (s sqliteSessions) delete(_ context.Context, token string) error {
	return classifySQLite(s.s.Delete(token))
}

func (s sqliteSessions) stop() {
	s.s.StopCleanup()
	if s.findStmt != nil {
		s.findStmt.Close()
	}
}

// classifySQLite marks the SQLite failures a user can only wait out (locked, busy,
// read-only, full disk, I/O) and deadlines as ErrUnavailable while keeping the driver error
// for the logs. nil stays nil.
func classifySQLite(err error) error {
	if err == nil {
		return nil
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrReadonly, sqlite3.ErrFull,
			sqlite3.ErrIoErr, sqlite3.ErrCantOpen, sqlite3.ErrPerm:
			return errors.Join(ErrUnavailable, err)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.Join(ErrUnavailable, err)
	}
	return err
}
