-- The emulator schema before numbered migrations (schema.sql, schema_methods.sql, mfa_schema.sql).
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
	org_id   TEXT NOT NULL DEFAULT '',
	sent_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS mailbox_to ON mailbox(to_addr);
-- State of the discovery methods beyond magic links (email OTP, OAuth). Codes, states and
-- tokens are stored as SHA-256 hashes; times are Unix nanoseconds.
CREATE TABLE IF NOT EXISTS email_otps (
	email      TEXT PRIMARY KEY, -- only the newest code of an address is valid
	code_hash  TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER,
	attempts   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS oauth_states (
	hash       TEXT PRIMARY KEY,
	provider   TEXT NOT NULL,
	redirect   TEXT NOT NULL,
	pkce       TEXT NOT NULL DEFAULT '',
	login_hint TEXT NOT NULL DEFAULT '',
	org_id     TEXT NOT NULL DEFAULT '', -- set for an org-scoped start ('' = discovery)
	signup_redirect TEXT NOT NULL DEFAULT '', -- org-scoped: redirect is the login URL
	expires_at INTEGER NOT NULL,
	used_at    INTEGER
);

CREATE TABLE IF NOT EXISTS oauth_tokens (
	hash       TEXT PRIMARY KEY,
	provider   TEXT NOT NULL,
	email      TEXT NOT NULL,
	name       TEXT NOT NULL DEFAULT '',
	subject    TEXT NOT NULL,
	tenant     TEXT NOT NULL DEFAULT '',
	pkce       TEXT NOT NULL DEFAULT '',
	org_id     TEXT NOT NULL DEFAULT '', -- set: an oauth token of that organization; '': discovery_oauth
	expires_at INTEGER NOT NULL,
	used_at    INTEGER
);

-- The primary factor an intermediate session carries when it is not an email magic link.
CREATE TABLE IF NOT EXISTS ist_factors (
	hash   TEXT PRIMARY KEY,
	factor TEXT NOT NULL
);
-- MFA state, applied after schema.sql (idempotent). Times are Unix nanoseconds.

-- An intermediate session bound to one member of one organization: the fresh IST a primary
-- factor returns while MFA is pending. factors is the JSON list proven so far; parent_hash is
-- the discovery IST it was exchanged from ('' if none), consumed together with it.
CREATE TABLE IF NOT EXISTS ist_scopes (
	hash        TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL,
	member_id   TEXT NOT NULL,
	factors     TEXT NOT NULL,
	parent_hash TEXT NOT NULL DEFAULT ''
);

-- TOTP registrations: pending until the first successful authenticate (then active), deleted
-- when replaced or removed. last_step is the newest 30-second step accepted (no replay).
CREATE TABLE IF NOT EXISTS totp_registrations (
	id         TEXT PRIMARY KEY,
	member_id  TEXT NOT NULL,
	secret     TEXT NOT NULL,
	status     TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	last_step  INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS totp_registrations_member ON totp_registrations(member_id);

-- Recovery codes belong to a TOTP registration; used_at is set when one is spent or rotated away.
CREATE TABLE IF NOT EXISTS recovery_codes (
	id         TEXT PRIMARY KEY,
	totp_id    TEXT NOT NULL,
	member_id  TEXT NOT NULL,
	code       TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	used_at    INTEGER
);
CREATE INDEX IF NOT EXISTS recovery_codes_member ON recovery_codes(member_id);

-- The one live SMS passcode of a member (a new send replaces it).
CREATE TABLE IF NOT EXISTS sms_otps (
	member_id  TEXT PRIMARY KEY,
	phone      TEXT NOT NULL,
	code       TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	failures   INTEGER NOT NULL DEFAULT 0,
	used_at    INTEGER
);

-- Consecutive wrong codes per member and method (totp, recovery_codes), and the lock they cause.
CREATE TABLE IF NOT EXISTS mfa_attempts (
	member_id    TEXT NOT NULL,
	method       TEXT NOT NULL,
	failures     INTEGER NOT NULL,
	locked_until INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (member_id, method)
);

-- Passcodes shown in the dev mailbox beside a message (SMS items).
CREATE TABLE IF NOT EXISTS mailbox_codes (
	mailbox_id INTEGER PRIMARY KEY,
	code       TEXT NOT NULL
);
-- A file made by that emulator also had this column (added on open):
ALTER TABLE mailbox ADD COLUMN code TEXT NOT NULL DEFAULT '';
