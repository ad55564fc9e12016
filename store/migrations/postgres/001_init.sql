-- scs sessions (github.com/alexedwards/scs/pgxstore): the IST, the Stytch session token
-- and JWT live here, never in the browser.
CREATE TABLE IF NOT EXISTS sessions (
	token  TEXT PRIMARY KEY,
	data   BYTEA NOT NULL,
	expiry TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions (expiry);

-- The organization each email entered last, so the chooser can put it first.
CREATE TABLE IF NOT EXISTS last_org (
	email           TEXT PRIMARY KEY,
	organization_id TEXT NOT NULL,
	used_at         TIMESTAMPTZ NOT NULL
);

-- Send limits (Store.Allow), shared by every instance: one row per counted event. key is the
-- SHA-256 of the limit key (so no email address or IP is stored here); at and expires are
-- Unix nanoseconds, expires being when the longest rule stops counting the hit.
CREATE TABLE IF NOT EXISTS limit_hits (
	id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	key     BYTEA NOT NULL,
	at      BIGINT NOT NULL,
	expires BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS limit_hits_key_idx ON limit_hits (key, at);
CREATE INDEX IF NOT EXISTS limit_hits_expires_idx ON limit_hits (expires);
