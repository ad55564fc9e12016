-- MFA state. Times are Unix nanoseconds.

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
