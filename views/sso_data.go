package views

import "strings"

// SSOButton is one SSO connection a person may sign in with: a form posting its ID to
// /sso/start.
type SSOButton struct {
	ID   string // connection_id
	Name string // its display name ("Okta")
}

// SSOChoiceData renders the choice page: the address's domain leads to several connections.
type SSOChoiceData struct {
	Email string
	Conns []SSOButton
}

// OrgPageData renders an organization's own sign-in page (GET /org/{slug}).
type OrgPageData struct {
	OrgID     string
	Name      string
	Slug      string
	LogoURL   string
	SSO       []SSOButton // its active connections, default first (none when it doesn't accept SSO)
	Link      bool        // it accepts an email link (scoped to it)
	OTP       bool        // it accepts an email code (scoped to it)
	Email     string
	Error     string   // problem with the email field
	Sent      string   // the address a link or code was just sent to
	Code      bool     // a code was sent: the page holds the code form
	CodeError string   // problem with the typed code
	Mailbox   string   // the embedded emulator's inbox, or ""
	Others    []string // methods it accepts that this page can't start, in words
}

// joinComma joins words with commas ("admins, engineers").
func joinComma(words []string) string { return strings.Join(words, ", ") }
