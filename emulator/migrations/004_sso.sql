-- Enterprise SSO state (issue 23), applied after the other schemas (idempotent). Tokens,
-- states and codes are stored as SHA-256 hashes; times are Unix nanoseconds.

-- SAML and OIDC connections: the wire object (plus nothing secret beyond client_secret, which
-- Stytch also returns) as JSON in data; kind is saml or oidc.
CREATE TABLE IF NOT EXISTS sso_connections (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL,
	kind       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	data       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sso_connections_org ON sso_connections(org_id, created_at);

-- A started SSO sign-in (public sso/start): the SAML RelayState or the OIDC state, hashed.
-- request_id is the AuthnRequest ID a SAML Response must answer (InResponseTo); nonce is
-- the OIDC nonce the id_token must carry.
CREATE TABLE IF NOT EXISTS sso_starts (
	hash            TEXT PRIMARY KEY,
	connection_id   TEXT NOT NULL,
	request_id      TEXT NOT NULL,
	nonce           TEXT NOT NULL DEFAULT '',
	login_redirect  TEXT NOT NULL,
	signup_redirect TEXT NOT NULL,
	pkce            TEXT NOT NULL DEFAULT '',
	expires_at      INTEGER NOT NULL,
	used_at         INTEGER
);

-- The single-use sso token a callback sends the browser back with; identity is the JSON
-- of what the IdP vouched for.
CREATE TABLE IF NOT EXISTS sso_tokens (
	hash          TEXT PRIMARY KEY,
	connection_id TEXT NOT NULL,
	identity      TEXT NOT NULL,
	pkce          TEXT NOT NULL DEFAULT '',
	expires_at    INTEGER NOT NULL,
	used_at       INTEGER
);

-- SAML assertion IDs accepted per connection, kept until the assertion's NotOnOrAfter:
-- the same assertion twice is a replay.
CREATE TABLE IF NOT EXISTS sso_saml_assertions (
	connection_id TEXT NOT NULL,
	assertion_id  TEXT NOT NULL,
	expires_at    INTEGER NOT NULL,
	PRIMARY KEY (connection_id, assertion_id)
);

-- Authorization codes of the emulated OIDC identity provider (single use, 10 minutes).
CREATE TABLE IF NOT EXISTS idp_oidc_codes (
	hash         TEXT PRIMARY KEY,
	client_id    TEXT NOT NULL,
	redirect_uri TEXT NOT NULL,
	identity     TEXT NOT NULL,
	nonce        TEXT NOT NULL DEFAULT '',
	challenge    TEXT NOT NULL DEFAULT '',
	expires_at   INTEGER NOT NULL,
	used_at      INTEGER
);
