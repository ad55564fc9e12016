package emulator

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	_ "github.com/mattn/go-sqlite3"
)

// openDB opens the SQLite database at path ("" = private in-memory) and applies the migrations
// (store_migrate.go).
// The pool holds a single connection: every request is serialised by Emulator.mu anyway.
func openDB(path string) (*sql.DB, error) {
	var dsn string
	if path == "" {
		dsn = "file:emu-" + newUUID() + "?mode=memory&cache=shared&_foreign_keys=on"
	} else {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("emulator: create database directory: %w", err)
			}
		}
		dsn = "file:" + path + "?_journal_mode=WAL&_busy_timeout=5000&_foreign_keys=on&_txlock=immediate"
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("emulator: open database: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := migrate(context.Background(), db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// hashToken is how magic-link and intermediate-session tokens are stored.
func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// tx runs f in one transaction while holding the state lock (Emulator.mu): every request,
// and every state access from Go, goes through it. It commits when f succeeds or when f's
// error is marked by keepTx, and rolls back otherwise.
func (e *Emulator) tx(ctx context.Context, f func(*sql.Tx) error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	err = f(tx)
	var keep *keptError
	if err != nil && !errors.As(err, &keep) {
		return err
	}
	if cerr := tx.Commit(); cerr != nil {
		return fmt.Errorf("commit: %w", cerr)
	}
	if keep != nil {
		return keep.err
	}
	return nil
}

// keptError is an error whose transaction is committed anyway (a wrong code still counts as
// an attempt). Emulator.tx unwraps it.
type keptError struct{ err error }

func (k *keptError) Error() string { return k.err.Error() }
func (k *keptError) Unwrap() error { return k.err }

// keepTx marks err so that its transaction is committed anyway.
func keepTx(err error) error { return &keptError{err: err} }

// querier is satisfied by *sql.DB and *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// KV.

func getKV(ctx context.Context, q querier, k string) (string, bool, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT v FROM kv WHERE k = ?`, k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("get %s: %w", k, err)
	}
	return v, true, nil
}

func putKV(ctx context.Context, q querier, k, v string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`, k, v)
	if err != nil {
		return fmt.Errorf("put %s: %w", k, err)
	}
	return nil
}
