package views

// Form field names, shared by the templ components that render the forms and the handlers
// that read them: a field is named once.
const (
	FieldEmail          = "email"
	FieldIntent         = "intent" // which form sent POST /login: "", "resend", "new-org"
	FieldMethod         = "method" // the email form's submit button: "link" or "code"
	FieldCode           = "code"   // a 6-digit one-time code (email, authenticator app, text message)
	FieldTokenType      = "stytch_token_type"
	FieldToken          = "token"
	FieldOrgID          = "organization_id"
	FieldOrgName        = "organization_name"
	FieldOrgSlug        = "organization_slug"
	FieldMemberID       = "member_id"
	FieldAllowedDomains = "email_allowed_domains"
	FieldJITByDomain    = "email_jit_provisioning"
	FieldMFAPolicy      = "mfa_policy"
	FieldAllowTOTP      = "allow_totp"
	FieldAllowSMS       = "allow_sms_otp"
	FieldMFAMethods     = "mfa_methods" // the MFA settings' methods fieldset (its error only)
	FieldPhone          = "phone_number"
	FieldRecoveryCode   = "recovery_code"
	FieldQuery          = "q"       // the chooser's and the member list's filter box (GET)
	FieldStatus         = "status"  // the member list's status filter (GET)
	FieldRole           = "role"    // the member list's role filter (GET)
	FieldCursor         = "cursor"  // the member list's page (GET): Stytch's next_cursor
	FieldRoles          = "roles"   // POST /members/roles: one value per role ID
	FieldConfirm        = "confirm" // a confirmation step's "yes" (ConfirmYes)
	FieldSessionID      = "session_id"
	FieldOrgLogoURL     = "organization_logo_url"
	FieldAuthMethods    = "auth_methods"
	FieldAllowedMethods = "allowed_auth_methods"
	FieldEmailInvites   = "email_invites"
	FieldConfirmSlug    = "confirm_slug"

	// Single sign-on (the SSO start and the setup page, settings_sso.templ).
	FieldConnectionID = "connection_id"
	FieldDisplayName  = "display_name"
	FieldMetadataURL  = "idp_metadata_url"
	FieldIdPEntityID  = "idp_entity_id"
	FieldIdPSSOURL    = "idp_sso_url"
	FieldCertificate  = "x509_certificate"
	FieldMapEmail     = "attr_email"
	FieldMapName      = "attr_full_name"
	FieldMapGroups    = "attr_groups"
	FieldIssuer       = "issuer"
	FieldClientID     = "client_id"
	FieldClientSecret = "client_secret"
	FieldSSODomains   = "domains"
	FieldSSOJIT       = "sso_jit_provisioning"
	FieldSSOJITConns  = "sso_jit_connection" // one checkbox per connection (sent once each)
	FieldRequireSSO   = "require_sso"
)

// ConfirmYes is the value of FieldConfirm that a confirmation step's button sends.
const ConfirmYes = "yes"

// Values of the email form's intent and method fields.
const (
	IntentResend = "resend"  // the resend button of "check your inbox"
	IntentNewOrg = "new-org" // "Create another organization" (signed in)
	MethodLink   = "link"
	MethodCode   = "code"
	MethodSSO    = "sso" // "Sign in with SSO": the address's domain leads to its identity provider
)

// FieldErrors are the problems of a form, by field name, each a sentence shown next to its
// field. A nil map is a form with no problem.
type FieldErrors map[string]string
