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
