package views

// SSOSetupData renders the SSO setup page (GET /settings/sso).
type SSOSetupData struct {
	OrgName     string
	Notice      Notice
	Connections []SSOConnRow
	SAML        SAMLFormData
	OIDC        OIDCFormData
	Domains     SSODomainsData
	Settings    SSOSettingsData
	LocalIdP    bool // "Use the local test identity provider" is offered (embedded emulator)
	Test        *SSOTestResult
}

// SSOConnRow is one connection on the setup page: what the IT admin copies into their IdP.
type SSOConnRow struct {
	ID, Kind, Name string // Kind "SAML" or "OIDC"
	Active         bool
	Default        bool
	// What the identity provider needs (SAML: ACS URL and audience; OIDC: redirect URL) and
	// what Stytch has of it.
	ACSURL, AudienceURI, RedirectURL string
	IdPEntityID, IdPSSOURL, Issuer   string
	Certificates                     int
	ClientID                         string
	SecretSet                        bool
	Mapping                          string // "email → email, full_name → name"
}

// SAMLFormData is the "new SAML connection" form.
type SAMLFormData struct {
	Name, MetadataURL, EntityID, SSOURL, Certificate string
	MapEmail, MapName, MapGroups                     string
	Errors                                           FieldErrors
}

// OIDCFormData is the "new OIDC connection" form.
type OIDCFormData struct {
	Name, Issuer, ClientID, ClientSecret string
	Errors                               FieldErrors
}

// SSODomainsData is the form of the email domains that lead to this organization's SSO.
type SSODomainsData struct {
	Domains string // one per line
	Own     string // the admin's own domain (the only one they may add)
	Errors  FieldErrors
}

// SSOSettingsData is the form of the organization's SSO rules.
type SSOSettingsData struct {
	JIT        string // ALL_ALLOWED, RESTRICTED, NOT_ALLOWED
	JITChoices []SSOChoice
	JITConns   []SSOJITConn
	RequireSSO bool
	CanRequire bool // an active connection exists
	Errors     FieldErrors
}

// SSOChoice is a radio choice of sso_jit_provisioning.
type SSOChoice struct{ Value, Label string }

// SSOJITConn is a connection's "may add new people" checkbox.
type SSOJITConn struct {
	ID, Name string
	Allowed  bool
}

// SSOTestResult is what the identity provider sent in an admin's test sign-in.
type SSOTestResult struct {
	Connection string
	OK         bool
	Email      string
	Name       string
	Groups     []string
	Problem    string
}
