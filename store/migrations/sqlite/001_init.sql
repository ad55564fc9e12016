-- scs sessions (github.com/alexedwards/scs/sqlite3store): the IST, the Stytch session token
-- and JWT live here, never in the browser.
CREATE TABLE IF NOT EXISTS sessions (
	token  TEXT PRIMARY KEY,
	data   BLOB NOT NULL,
	expiry REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions(expiry);

-- The organization each email entered last, so the chooser can put it first.
CREATE TABLE IF NOT EXISTS last_org (
	email           TEXT PRIMARY KEY,
	organization_id TEXT NOT NULL,
	used_at         INTEGER NOT NULL
);
