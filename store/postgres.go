package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path"
	"strings"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Advisory lock keys. Migrations take the one-bigint lock; send limits take the two-int
// lock (limitLockSpace, first four bytes of the key's hash). PostgreSQL keeps the two forms
// apart, and a hash collision only serialises two unrelated keys.
const (
	migrationLockID int64 = 0x6f7267706963_6b // "orgpick"
	limitLockSpace  int32 = 0x6c696d74        // "limt"
)

// pgDB is the PostgreSQL engine: a pgx pool shared by every goroutine of the process.
type pgDB struct{ pool *pgxpool.Pool }

// openPostgres connects to the database at url and applies the migrations. Failing to reach
// the server is ErrUnavailable.
func openPostgres(ctx context.Context, url string, o options) (*pgDB, error) {
	cfg, err := pgxpool.ParseConfig(url) // its errors show the URL with the password redacted
	if err != nil {
		return nil, fmt.Errorf("store: database URL: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 { // the URL's connect_timeout wins
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", classifyPG(err))
	}
	if err := migratePostgres(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &pgDB{pool: pool}, nil
}

// migratePostgres applies each migration not yet recorded, each in a transaction that first
// takes an advisory lock, so instances starting together apply each migration once.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool) error {
	return applyMigrations("postgres", func(file string) error { return applyPostgres(ctx, pool, file) })
}

func applyPostgres(ctx context.Context, pool *pgxpool.Pool, file string) error {
	name := path.Base(file)
	body, err := migrations.ReadFile(file)
	if err != nil {
		return fmt.Errorf("store: read migration %s: %w", name, err)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)`); err != nil {
			return err
		}
		var done bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = $1)`, name).Scan(&done); err != nil || done {
			return err
		}
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name) VALUES ($1)`, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: apply migration %s: %w", name, classifyPG(err))
	}
	return nil
}

func (*pgDB) engine() string { return EnginePostgres }

func (p *pgDB) close() error {
	p.pool.Close()
	return nil
}

func (p *pgDB) ping(ctx context.Context) error { return classifyPG(p.pool.Ping(ctx)) }

func (p *pgDB) setLastOrg(ctx context.Context, email, orgID string, at time.Time) error {
	_, err := p.pool.Exec(ctx, `
		INSERT INTO last_org (email, organization_id, used_at) VALUES ($1, $2, $3)
		ON CONFLICT (email) DO UPDATE SET organization_id = excluded.organization_id, used_at = excluded.used_at`,
		email, orgID, at)
	return classifyPG(err)
}

func (p *pgDB) lastOrg(ctx context.Context, email string) (string, error) {
	var orgID string
	err := p.pool.QueryRow(ctx, `SELECT organization_id FROM last_org WHERE email = $1`, email).Scan(&orgID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	return orgID, classifyPG(err)
}

// limit: a transaction-scoped advisory lock on the key serialises every caller for that key,
// on every instance. Two round trips: BEGIN, lock, prune and read in one batch; the insert
// (if allowed) and COMMIT in another. On any failure the connection is left inside the
// transaction, and pgxpool closes such a connection on Release, which rolls it back.
func (p *pgDB) limit(ctx context.Context, key []byte, now time.Time, rules []Rule, record bool) (time.Duration, error) {
	if !record {
		rows, err := p.pool.Query(ctx, `SELECT at FROM limit_hits WHERE key = $1 ORDER BY at, id`, key)
		hits, err := pgHits(rows, err)
		if err != nil {
			return 0, err
		}
		return retryAfter(hits, now, rules), nil
	}
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return 0, classifyPG(err)
	}
	defer conn.Release()
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(`SELECT pg_advisory_xact_lock($1, $2)`, limitLockSpace, lockID(key))
	b.Queue(`DELETE FROM limit_hits WHERE key = $1 AND expires <= $2`, key, now.UnixNano())
	b.Queue(`SELECT at FROM limit_hits WHERE key = $1 ORDER BY at, id`, key)
	hits, err := batchHits(conn.SendBatch(ctx, b))
	if err != nil {
		return 0, err
	}
	wait := retryAfter(hits, now, rules)
	b = &pgx.Batch{}
	if wait == 0 {
		b.Queue(`INSERT INTO limit_hits (key, at, expires) VALUES ($1, $2, $3)`,
			key, now.UnixNano(), now.Add(longestWindow(rules)).UnixNano())
	}
	b.Queue(`COMMIT`) // also when refused: keeps the pruning
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return 0, classifyPG(err)
	}
	return wait, nil
}

// batchHits reads the results of the begin, lock, prune, select batch and closes it.
func batchHits(br pgx.BatchResults) (hits []time.Time, err error) {
	defer func() { err = errors.Join(err, classifyPG(br.Close())) }()
	for range 3 {
		if _, err := br.Exec(); err != nil {
			return nil, classifyPG(err)
		}
	}
	return pgHits(br.Query())
}

// pgHits collects the at column (Unix nanoseconds) of rows.
func pgHits(rows pgx.Rows, err error) ([]time.Time, error) {
	if err != nil {
		return nil, classifyPG(err)
	}
	hits, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (time.Time, error) {
		var at int64
		err := row.Scan(&at)
		return time.Unix(0, at), err
	})
	return hits, classifyPG(err)
}

func lockID(key []byte) int32 {
	return int32(uint32(key[0])<<24 | uint32(key[1])<<16 | uint32(key[2])<<8 | uint32(key[3]))
}

// undo: lock and delete go in one batch, which PostgreSQL runs as one implicit transaction.
func (p *pgDB) undo(ctx context.Context, key []byte) error {
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1, $2)`, limitLockSpace, lockID(key))
	b.Queue(`DELETE FROM limit_hits WHERE id = (SELECT max(id) FROM limit_hits WHERE key = $1)`, key)
	return classifyPG(p.pool.SendBatch(ctx, b).Close())
}

func (p *pgDB) deleteExpired(ctx context.Context, now time.Time) error {
	if _, err := p.pool.Exec(ctx, `DELETE FROM sessions WHERE expiry < $1`, now); err != nil {
		return classifyPG(err)
	}
	_, err := p.pool.Exec(ctx, `DELETE FROM limit_hits WHERE expires <= $1`, now.UnixNano())
	return classifyPG(err)
}

func (p *pgDB) sessions(cleanup time.Duration) sessionBackend {
	return pgSessions{pgxstore.NewWithCleanupInterval(p.pool, cleanup)}
}

// pgSessions adapts pgxstore to sessionBackend.
type pgSessions struct{ s *pgxstore.PostgresStore }

func (s pgSessions) find(ctx context.Context, token string) ([]byte, bool, error) {
	b, found, err := s.s.FindCtx(ctx, token)
	return b, found, classifyPG(err)
}

func (s pgSessions) commit(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return classifyPG(s.s.CommitCtx(ctx, token, b, expiry))
}

func (s pgSessions) delete(ctx context.Context, token string) error {
	return classifyPG(s.s.DeleteCtx(ctx, token))
}

func (s pgSessions) stop() { s.s.StopCleanup() }

// classifyPG marks the PostgreSQL failures a person can only wait out as ErrUnavailable,
// keeping the driver error for the logs: the server unreachable, shutting down or starting,
// out of connections or resources, read-only (a standby), a lock or statement timeout, a
// deadlock or serialisation failure, a connection lost mid-query, or the query deadline.
// A cancelled context (the client left) is not. nil stays nil.
func classifyPG(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"),  // insufficient resources (too many connections, disk full)
			strings.HasPrefix(pe.Code, "57P"), // admin/crash shutdown, cannot connect now
			pe.Code == "57014",                // query canceled (statement_timeout)
			pe.Code == "25006",                // read-only transaction
			pe.Code == "40001", pe.Code == "40P01", pe.Code == "55P03":
			return errors.Join(ErrUnavailable, err)
		}
		return err
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, pgconn.ErrConnClosed) {
		return errors.Join(ErrUnavailable, err)
	}
	return err
}
