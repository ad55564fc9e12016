package views

// SessionsData renders where the member is signed in, on the account page.
type SessionsData struct {
	Sessions []SessionRow
	Others   int // sessions other than this one
}

// SessionRow is one live session of the member in this organization.
type SessionRow struct {
	ID       string
	Method   string // how it was signed in, in words
	Started  string
	LastUsed string
	Current  bool // this browser's session
}
