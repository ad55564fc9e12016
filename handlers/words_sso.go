package handlers

// What a person reads about single sign-on (sso.go, org_page.go, settings_sso.go): titles,
// confirmations, problems by a field. The failures (error pages) are rows in errors.go.

// Page titles.
const (
	titleSSOChoice   = "Choose how to sign in"
	titleSSOLeaving  = "Taking you to your identity provider"
	fmtTitleSSOSetup = "Single sign-on for %s"
	fmtTitleOrgPage  = "Sign in to %s"
)

// Problems and confirmations.
const (
	fmtNoSSO             = "We don't know of single sign-on for %s. Get a sign-in link or a code instead: the address is kept."
	msgSSONameEmpty      = "Give the connection a name people will recognise, like “Okta” or “Acme login”."
	msgSSONameTooLong    = "That name is too long (128 characters at most)."
	msgSSOURLInvalid     = "Enter a full address starting with https:// (or http:// for a test provider on this machine)."
	msgSSOSAMLNeedsOne   = "Enter the metadata URL, or the entity ID, sign-in URL and certificate by hand."
	msgSSOCertInvalid    = "That isn't a PEM certificate: it starts with -----BEGIN CERTIFICATE-----."
	msgSSOMappingEmpty   = "Name the attribute that carries the email address."
	msgSSOMetadata       = "We couldn't read the identity provider's metadata at that address. Check the URL, or enter the details by hand."
	msgSSOConfigRefused  = "Our sign-in service refused these details. Check each value against your identity provider's setup page."
	msgSSOIssuerEmpty    = "Enter the issuer URL your identity provider shows (like https://login.example.com)."
	msgSSOClientEmpty    = "Enter the client ID and client secret your identity provider issued for this app."
	fmtSSODomainNotYours = "You can add only the domain of your own verified address (%s). An admin at %s can add it."
	msgSSODomainsNone    = "Add at least one domain, or people can't find this organization's single sign-on from their address."
	msgSSONoSSOJIT       = "Choose which connections may add new people."
	msgSSORequireNoConn  = "Set up an active connection first: requiring SSO without one would lock everyone out."
	fmtSSOCreated        = "Connection “%s” created. %s"
	msgSSOActiveNow      = "It's active: people can sign in with it now."
	msgSSOPendingNow     = "It's pending until every detail below is filled in."
	fmtSSOWarning        = "Our sign-in service says: %s"
	fmtSSODeleted        = "Connection “%s” deleted: nobody can sign in with it any more."
	fmtSSODefault        = "“%s” is now the default connection."
	msgSSODomainsSaved   = "Domains saved: people with these addresses find this organization's single sign-on from the sign-in page."
	msgSSOSettingsSaved  = "Single sign-on settings saved."
)

// Notices of /settings/sso (?notice=…).
const (
	noticeSSOSaved = "sso-saved"
)

// authMethodSSO is Stytch's name of SSO in allowed_auth_methods and primary_required.
const authMethodSSO = "sso"

// tokenSSO lands from an SSO sign-in: spent at once, never a link.
const tokenSSO = "sso"

// ssoJITWords are the choices of sso_jit_provisioning on the setup page.
var ssoJITWords = map[string]string{
	"ALL_ALLOWED": "Anyone the identity provider signs in becomes a member",
	"RESTRICTED":  "Only people from the connections ticked below become members",
	"NOT_ALLOWED": "Only people already invited or added can sign in with SSO",
}
