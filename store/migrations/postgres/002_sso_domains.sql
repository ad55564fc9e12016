-- Single sign-on by email domain (issue 24): the domains an organization's admins named on
-- /settings/sso, and the organization's active SSO connections, shared by every instance, so
-- signing in with SSO finds the identity provider from the address's domain with no Stytch
-- call. A domain two organizations claim keeps both rows (the sign-in offers a choice).
CREATE TABLE IF NOT EXISTS sso_domains (
	domain          TEXT NOT NULL,
	organization_id TEXT NOT NULL,
	PRIMARY KEY (domain, organization_id)
);
CREATE INDEX IF NOT EXISTS sso_domains_org_idx ON sso_domains (organization_id);

CREATE TABLE IF NOT EXISTS sso_connections (
	organization_id TEXT NOT NULL,
	connection_id   TEXT NOT NULL,
	display_name    TEXT NOT NULL,
	is_default      BOOLEAN NOT NULL DEFAULT FALSE,
	position        INTEGER NOT NULL,
	PRIMARY KEY (organization_id, connection_id)
);
