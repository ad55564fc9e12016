-- 001..003 keep IF NOT EXISTS: a database file from before numbered migrations already has
-- their tables (store_migrate.go adopts it). Migrations from 004 on need not.
-- Emulator state. Times are Unix nanoseconds; magic-link and intermediate-session tokens are
-- stored as SHA-256 hashes. Organizations and members keep their wire object as JSON in data.
CREATE TABLE IF NOT EXISTS kv (
	k TEXT PRIMARY KEY,
	v TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS organizations (
	id         TEXT PRIMARY KEY,
	slug       TEXT NOT NULL UNIQUE COLLATE NOCASE,
	created_at INTEGER NOT NULL,
	data       TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS members (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES organizations(id),
	email      TEXT NOT NULL,
	status     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	data       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS members_email ON members(email);
CREATE INDEX IF NOT EXISTS members_org ON members(org_id);

CREATE TABLE IF NOT EXISTS magic_links (
	hash       TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	email      TEXT NOT NULL,
	org_id     TEXT NOT NULL DEFAULT '',
	member_id  TEXT NOT NULL DEFAULT '',
	expires_at INTEGER NOT NULL,
	used_at    INTEGER
);

CREATE TABLE IF NOT EXISTS intermediate_sessions (
	hash        TEXT PRIMARY KEY,
	email       TEXT NOT NULL,
	email_id    TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	consumed_at INTEGER
);

CREATE TABLE IF NOT EXISTS sessions (
	id               TEXT PRIMARY KEY,
	token            TEXT NOT NULL UNIQUE,
	member_id        TEXT NOT NULL,
	org_id           TEXT NOT NULL,
	started_at       INTEGER NOT NULL,
	last_accessed_at INTEGER NOT NULL,
	expires_at       INTEGER NOT NULL,
	revoked_at       INTEGER,
	factors          TEXT NOT NULL,
	custom_claims    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_member ON sessions(member_id);

CREATE TABLE IF NOT EXISTS mailbox (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	to_addr  TEXT NOT NULL,
	subject  TEXT NOT NULL,
	kind     TEXT NOT NULL,
	link     TEXT NOT NULL,
	code     TEXT NOT NULL DEFAULT '', -- email codes (discovery OTP)
	org_id   TEXT NOT NULL DEFAULT '',
	sent_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS mailbox_to ON mailbox(to_addr);
