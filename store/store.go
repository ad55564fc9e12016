// Package store owns the app's SQLite database: connection tuning, embedded migrations
// (including the scs sessions table) and the few queries the app makes.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Sentinel errors. Callers match them with errors.Is; everything else is wrapped with context.
var (
	ErrNotFound    = errors.New("store: not found")
	ErrUnavailable = errors.New("store: database unavailable") // locked, read-only, disk full
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the app's database.
type Store struct {
	DB *sql.DB
}

// Open opens (creating if needed) the SQLite file at path, tuned for a web server
// (WAL, synchronous=NORMAL, busy timeout, foreign keys), and applies the migrations.
func Open(ctx context.Context, path string) (*Store, error) {
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
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{DB: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.DB.Close() }

func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("store: list migrations: %w", err)
	}
	sort.Strings(names)
	if _, err := s.DB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("store: migrations table: %w", classify(err))
	}
	for _, name := range names {
		var done int
		if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&done); err != nil {
			return fmt.Errorf("store: check migration %s: %w", name, classify(err))
		}
		if done > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("store: read migration %s: %w", name, err)
		}
		tx, err := s.DB.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: begin migration %s: %w", name, classify(err))
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: apply migration %s: %w", name, classify(err))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES (?)`, name); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: record migration %s: %w", name, classify(err))
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: commit migration %s: %w", name, classify(err))
		}
	}
	return nil
}

// Ping checks that the database answers (used by /healthz).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.DB.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", classify(err))
	}
	return nil
}

// SetLastOrg records the organization an email entered most recently.
func (s *Store) SetLastOrg(ctx context.Context, email, orgID string, at time.Time) error {
	_, err := s.DB.ExecContext(ctx, `
		INSERT INTO last_org (email, organization_id, used_at) VALUES (?, ?, ?)
		ON CONFLICT (email) DO UPDATE SET organization_id = excluded.organization_id, used_at = excluded.used_at`,
		strings.ToLower(email), orgID, at.Unix())
	if err != nil {
		return fmt.Errorf("store: set last org: %w", classify(err))
	}
	return nil
}

// LastOrg returns the organization an email entered most recently, or ErrNotFound.
func (s *Store) LastOrg(ctx context.Context, email string) (string, error) {
	var orgID string
	err := s.DB.QueryRowContext(ctx, `SELECT organization_id FROM last_org WHERE email = ?`, strings.ToLower(email)).Scan(&orgID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: last org: %w", classify(err))
	}
	return orgID, nil
}

// classify marks the SQLite failures a user can only wait out (locked, busy, read-only,
// full disk, I/O) as ErrUnavailable while keeping the driver error for the logs.
func classify(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrReadonly, sqlite3.ErrFull,
			sqlite3.ErrIoErr, sqlite3.ErrCantOpen, sqlite3.ErrPerm:
			return errors.Join(ErrUnavailable, err)
		}
	}
	return err
}
