package emulator

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

// migrations are the numbered schema files, applied in name order; each is recorded in
// schema_migrations once applied. A new area adds the next number (004_sso.sql, ...).
//
//go:embed migrations/*.sql
var migrations embed.FS

// legacyBaseline is the last migration a database file from before numbered migrations
// (tables but no schema_migrations) already holds, perhaps without the legacyColumns.
const legacyBaseline = "003_mfa.sql"

// legacyColumns were added to tables after the first release; a pre-migrations file may lack
// them (001..003 create their tables with them).
var legacyColumns = []struct{ table, column, decl string }{
	{"mailbox", "code", "TEXT NOT NULL DEFAULT ''"},
	{"oauth_states", "org_id", "TEXT NOT NULL DEFAULT ''"},
	{"oauth_states", "signup_redirect", "TEXT NOT NULL DEFAULT ''"},
	{"oauth_tokens", "org_id", "TEXT NOT NULL DEFAULT ''"},
}

// migrate applies the migrations not yet recorded in schema_migrations, each in its own
// transaction. A pre-migrations file is adopted: 001..003 (CREATE ... IF NOT EXISTS) add only
// the tables it lacks, then its missing legacyColumns are added.
func migrate(ctx context.Context, db *sql.DB) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("emulator: list migrations: %w", err)
	}
	sort.Strings(names)
	legacy, err := predatesMigrations(ctx, db)
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("emulator: migrations table: %w", err)
	}
	for _, file := range names {
		if err := applyMigration(ctx, db, file); err != nil {
			return err
		}
		if legacy && path.Base(file) == legacyBaseline {
			if err := addLegacyColumns(ctx, db); err != nil {
				return err
			}
		}
	}
	return nil
}

// predatesMigrations reports whether db holds tables but no schema_migrations.
func predatesMigrations(ctx context.Context, db *sql.DB) (bool, error) {
	var tables, recorded int
	err := db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'),
		(SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')`).Scan(&tables, &recorded)
	if err != nil {
		return false, fmt.Errorf("emulator: inspect schema: %w", err)
	}
	return tables > 0 && recorded == 0, nil
}

func applyMigration(ctx context.Context, db *sql.DB, file string) error {
	name := path.Base(file)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("emulator: begin migration %s: %w", name, err)
	}
	defer tx.Rollback()
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name = ?`, name).Scan(&done); err != nil {
		return fmt.Errorf("emulator: check migration %s: %w", name, err)
	}
	if done > 0 {
		return nil
	}
	body, err := migrations.ReadFile(file)
	if err != nil {
		return fmt.Errorf("emulator: read migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("emulator: apply migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES (?)`, name); err != nil {
		return fmt.Errorf("emulator: record migration %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("emulator: commit migration %s: %w", name, err)
	}
	return nil
}

// addLegacyColumns adds the legacyColumns a pre-migrations file lacks.
func addLegacyColumns(ctx context.Context, db *sql.DB) error {
	for _, c := range legacyColumns {
		var n int
		err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?`, c.table, c.column).Scan(&n)
		if err != nil {
			return fmt.Errorf("emulator: inspect %s: %w", c.table, err)
		}
		if n > 0 {
			continue
		}
		if _, err := db.ExecContext(ctx, `ALTER TABLE `+c.table+` ADD COLUMN `+c.column+` `+c.decl); err != nil {
			return fmt.Errorf("emulator: add %s.%s: %w", c.table, c.column, err)
		}
	}
	return nil
}
