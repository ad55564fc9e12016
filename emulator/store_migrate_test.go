package emulator_test

import (
	"database/sql"
	_ "embed"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgpick/orgpick/emulator"
)

// preMigrationsSchema is the schema the emulator applied before numbered migrations
// (schema.sql, schema_methods.sql and mfa_schema.sql, as a file made then holds them).
//
//go:embed testdata/pre_migrations_schema.sql
var preMigrationsSchema string

// A database file made before numbered migrations opens, keeps its state, gains the columns
// it lacks and records the migrations it already holds.
func TestPreMigrationsDatabaseUpgrades(t *testing.T) {
	t.Parallel()
	for name, schema := range map[string]string{
		"current":        preMigrationsSchema,
		"before columns": withoutLegacyColumns(preMigrationsSchema),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "emu.db")
			db := openSQLite(t, path)
			mustExec(t, db, schema)
			mustExec(t, db, `INSERT INTO kv (k, v) VALUES ('public_token', 'public-token-test-kept')`)
			mustExec(t, db, `INSERT INTO mailbox (to_addr, subject, kind, link, sent_at) VALUES ('ada@acme.com', 'old', 'discovery', 'http://localhost:3000/authenticate?token=x', 1)`)
			db.Close()

			e := newEnv(t, func(c *emulator.Config) { c.DatabasePath = path })
			if got := e.emu.PublicToken(); got != "public-token-test-kept" {
				t.Fatalf("public token = %q, want the stored one", got)
			}
			msgs, err := e.emu.Mailbox(e.ctx, "ada@acme.com")
			mustOK(t, err)
			if len(msgs) != 1 || msgs[0].Subject != "old" {
				t.Fatalf("mailbox = %+v, want the old message", msgs)
			}
			org := e.signUp("ada@acme.com", "Acme", "acme").Organization.OrganizationID
			mustOK(t, e.emu.SetOrganizationCustomRoles(e.ctx, org, nil))
			e.emu.Close()

			db = openSQLite(t, path)
			defer db.Close()
			var n int
			mustOK(t, db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n))
			if n < 3 {
				t.Fatalf("schema_migrations has %d rows, want the 3 adopted ones at least", n)
			}
			mustOK(t, db.QueryRow(`SELECT COUNT(*) FROM pragma_table_info('oauth_tokens') WHERE name = 'org_id'`).Scan(&n))
			if n != 1 {
				t.Fatal("oauth_tokens.org_id was not added")
			}
		})
	}
}

// A fresh file opened twice applies each migration once.
func TestMigrationsApplyOnce(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "emu.db")
	for range 2 {
		emu, err := emulator.New(emulator.Config{ProjectID: projectID, Secret: secret, DatabasePath: path, Log: slog.New(slog.DiscardHandler)})
		mustOK(t, err)
		emu.Close()
	}
	db := openSQLite(t, path)
	defer db.Close()
	var n, distinct int
	mustOK(t, db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT name) FROM schema_migrations`).Scan(&n, &distinct))
	if n < 3 || n != distinct {
		t.Fatalf("schema_migrations: %d rows, %d distinct", n, distinct)
	}
}

// withoutLegacyColumns drops the columns added to the first schema later on.
func withoutLegacyColumns(schema string) string {
	var kept []string
	for _, line := range strings.Split(schema, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "org_id     TEXT NOT NULL DEFAULT '', -- set") ||
			strings.HasPrefix(trimmed, "signup_redirect ") || strings.HasPrefix(trimmed, "ALTER TABLE mailbox") {
			continue
		}
		kept = append(kept, line)
	}
	return strings.Join(kept, "\n")
}

func openSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=on")
	mustOK(t, err)
	return db
}

func mustExec(t *testing.T, db *sql.DB, query string) {
	t.Helper()
	if _, err := db.Exec(query); err != nil {
		t.Fatalf("exec: %v", err)
	}
}
