-- Send limits (Store.Allow): one row per counted event. key is the SHA-256 of the limit key
-- (so no email address or IP is stored here); at and expires are Unix nanoseconds, expires
-- being when the longest rule stops counting the hit (DeleteExpired removes it then).
CREATE TABLE IF NOT EXISTS limit_hits (
	id      INTEGER PRIMARY KEY,
	key     BLOB NOT NULL,
	at      INTEGER NOT NULL,
	expires INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS limit_hits_key_idx ON limit_hits(key, at);
CREATE INDEX IF NOT EXISTS limit_hits_expires_idx ON limit_hits(expires);
