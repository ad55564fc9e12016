// Package emulator is an offline stand-in for the Stytch B2B API, wire-compatible with the
// stytch-go v16 SDK (b2bstytchapi.NewClient(projectID, secret, b2bstytchapi.WithBaseURI(url))).
//
// It serves the real paths under /v1/b2b/..., keeps its state in SQLite (organizations, members,
// magic-link tokens, intermediate sessions, member sessions, the JWT signing key and the mailbox)
// and never sends mail: each message is recorded in a mailbox served under /dev/.
//
// Where the Stytch documentation does not say which error a situation produces, the emulator
// makes these choices (see README.md for the full list):
//
//   - IST exchange for an organization the email may not join: 403 email_jit_provisioning_not_allowed
//     (also used by login_or_signup for a new email when the organization does not allow JIT).
//   - sessions/exchange to an organization without a membership: 404 member_not_found.
//   - Inviting a member whose status is active: 400 member_already_active.
//   - email_invites NOT_ALLOWED: 403 email_invites_not_allowed; RESTRICTED and the domain is not
//     allowed: 403 invalid_email_for_invites.
//   - Malformed JSON body: 400 invalid_request.
//   - Expired ISTs, magic links and sessions answer like unknown or used ones.
//
// # Where things are
//
// A request enters through the route table (routes.go: one line per endpoint) and the one
// wrapper every route passes through, Emulator.serve: it counts /v1/ calls, checks Basic auth
// and runs an API call (an apiFunc) inside one transaction, Emulator.tx (store.go), which holds
// the state lock. Browser-facing pages (the public OAuth start URLs and the emulated provider)
// are table lines too; they reach state through Emulator.tx. A failure that must still be
// recorded (a wrong code counts as an attempt) is returned as keepTx(err): tx commits, then
// answers err. Errors become Stytch's JSON body in one place, writeError (errors.go).
//
// SQL lives only in store.go and store_*.go, as small functions over a querier (a *sql.Tx or
// *sql.DB); handlers call them. The schema is the numbered files in migrations/, applied in
// order and recorded in schema_migrations (store_migrate.go); a file from before numbered
// migrations is adopted on open.
//
// Adding an API area (SSO, say): migrations/00N_<area>.sql, store_<area>.go for its queries,
// <area>.go for its handlers, and its lines in the route table.
//
// # File map
//
// Core:
//
//	doc.go               this map
//	emulator.go          Config, New, Emulator (ServeHTTP, API, Dev, Advance, Calls), JSON helpers
//	routes.go            the route table (API and /dev/), serve, Basic auth, 404/405 for unrouted paths
//	errors.go            apiError, the shared Stytch errors, writeError
//	store.go             openDB, Emulator.tx and keepTx, querier, the kv table
//	store_migrate.go     numbered migrations (migrations/*.sql) and adoption of older files
//
// Discovery (magic links, email codes, OAuth) and the intermediate session:
//
//	discovery.go         discovery send/authenticate, IST exchange, discovered organizations, create, list
//	discovery_methods.go the discovery IST of the non-magic-link methods and its factor
//	otp.go               email codes: otps/email/discovery send and authenticate
//	otp_org.go           an organization's email codes: otps/email/login_or_signup and authenticate
//	oauth.go             OAuth discovery: public start URL, token, oauth/discovery/authenticate, PKCE
//	oauth_org.go         organization-scoped OAuth: start URL, oauth/authenticate
//	oauth_idp.go         the emulated Google/Microsoft page (/_emulator/oauth/{provider})
//	store_tokens.go      magic links, intermediate sessions, their factors and MFA scopes
//	store_otp.go         email codes (email_otps)
//	store_oauth.go       OAuth states and tokens
//
// Magic links of an organization:
//
//	magiclinks.go        login_or_signup, invite, magic_links/authenticate, redirect URLs, email rate limit
//
// Sessions and JWTs:
//
//	sessions.go          sessions authenticate, exchange, revoke; issuing a session
//	sessions_get.go      GET /v1/b2b/sessions (Sessions.Get)
//	session_jwt.go       the signing key, JWKS, signing and reading JWTs
//	jwk.go               the key's self-signed certificate (x5c, x5t_s256)
//	store_sessions.go    session rows, their wire shape and factors
//
// Organizations and members:
//
//	organizations.go     organization get/update, settings, slugs, default names
//	orgrules.go          organization rules (domains, auth methods, provisioning), CommonEmailDomain
//	orgs_admin.go        backend organization create and delete
//	members.go           member get, delete and reactivate
//	members_admin.go     backend member create and update
//	search.go            the search query language (filters, AND/OR)
//	search_handlers.go   organizations/search and members/search
//	store_orgs.go        organization rows
//	store_members.go     member rows
//
// RBAC:
//
//	rbac.go              DefaultPolicy, the served policy, role checks, custom roles
//	authz.go             which caller may change which settings and members
//
// MFA and primary authentication:
//
//	mfa.go               factors, the MFA-pending IST (scopes), finishPrimary
//	mfa_complete.go      resolving the IST or session of an MFA call, completing MFA, lockouts
//	mfa_settings.go      when MFA is required and which methods an organization allows
//	mfa_members.go       member MFA phone/default method, deleting a member's TOTP or phone
//	primary.go           restricted primary authentication (primary_required)
//	totp.go              TOTP create and authenticate, TOTPCode
//	sms.go               SMS codes send and authenticate
//	recovery.go          recovery codes recover, get, rotate
//	store_mfa.go         failed-attempt counts and locks
//	store_totp.go        TOTP registrations and recovery codes
//	store_sms.go         SMS codes
//
// Enterprise SSO (SAML, OIDC) and the emulated identity providers:
//
//	sso.go               the connections API: get, delete, organization SSO fields, stytch.sso RBAC
//	sso_saml.go          SAML connections: create, update, update from metadata URL, certificates
//	sso_saml_metadata.go reading IdP metadata; the XML guards (no DTD) the callback shares too
//	sso_oidc.go          OIDC connections: create, update, issuer discovery (with warning)
//	sso_flow.go          the browser flow: public start URL, sso/authenticate (PKCE, JIT, roles)
//	sso_saml_verify.go   the SAML callback (ACS): signature, destination, audience, times, replay
//	sso_oidc_rp.go       the OIDC callback: state, code exchange, id_token checks, userinfo
//	idp_saml.go          the emulated SAML IdP: metadata, sign-in page, signed Response
//	idp_oidc.go          the emulated OpenID Provider: discovery, authorize, token, userinfo, JWKS
//	idp_keys.go          the emulated IdPs' signing key and certificate
//	idp_page.go          the emulated IdPs' page style and renderer
//	store_sso.go         connections, starts, SSO tokens, the SAML replay cache
//
// Dev helpers (/dev/, never under /v1/):
//
//	dev.go               mailbox.json, clock, calls.json
//	mailbox.go           Message, recording mail, Emulator.Mailbox
//	mailbox_page.go      the HTML mailbox (/dev/mailbox) and its stylesheet (mailbox.css)
//	store_mailbox.go     mailbox rows
//
// Tests build one emulator each on a private in-memory database, behind an httptest server
// and the unmodified SDK (helpers_test.go, mfa_helpers_test.go); conformance/ runs Stytch's
// quickstart flow against the built binary.
package emulator
