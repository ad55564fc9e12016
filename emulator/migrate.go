package emulator

import (
	"database/sql"
	_ "embed"
	"fmt"
)

//go:embed schema_methods.sql
var methodsSchemaSQL string

// addedColumns are columns added to tables after the first schema; openDB adds any a database
// file from an older emulator lacks (CREATE TABLE IF NOT EXISTS leaves old tables as they were).
var addedColumns = []struct{ table, column, decl string }{
	{"mailbox", "code", "TEXT NOT NULL DEFAULT ''"},
	{"oauth_states", "org_id", "TEXT NOT NULL DEFAULT ''"},
	{"oauth_states", "signup_redirect", "TEXT NOT NULL DEFAULT ''"},
	{"oauth_tokens", "org_id", "TEXT NOT NULL DEFAULT ''"},
}

// migrate creates the tables of schema_methods.sql and adds the missing addedColumns.
func migrate(db *sql.DB) error {
	if _, err := db.Exec(methodsSchemaSQL); err != nil {
		return fmt.Errorf("emulator: apply methods schema: %w", err)
	}
	for _, c := range addedColumns {
		var n int
		err := db.QueryRow(`SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?`, c.table, c.column).Scan(&n)
		if err != nil {
			return fmt.Errorf("emulator: inspect %s: %w", c.table, err)
		}
		if n > 0 {
			continue
		}
		if _, err := db.Exec(`ALTER TABLE ` + c.table + ` ADD COLUMN ` + c.column + ` ` + c.decl); err != nil {
			return fmt.Errorf("emulator: add %s.%s: %w", c.table, c.column, err)
		}
	}
	return nil
}
