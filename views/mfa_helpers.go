package views

import "strings"

// groupSecret writes a TOTP secret in groups of four, easier to type into an app by hand
// (authenticator apps ignore the spaces).
func groupSecret(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// unconfirmed says so after a phone number no texted code has confirmed yet.
func unconfirmed(verified bool) string {
	if verified {
		return ""
	}
	return " (not confirmed yet)"
}

// or is a when first holds, else b: a heading that changes once something stands above it.
func or(first bool, a, b string) string {
	if first {
		return a
	}
	return b
}

// CodeForm is a form that sends one one-time code: its id (also its data-testid), where it
// posts, the region htmx swaps, a heading ("" for none), the field and the button's words.
type CodeForm struct {
	ID        string
	Action    string
	Target    string
	Heading   string
	Button    string
	Secondary bool // not the page's main action: a secondary button
	Field     CodeInput
}

// CodeInput is a one-time code field: its id, label, hint and problem ("" for none), and the
// id of the page's field that has the focus.
type CodeInput struct {
	ID    string
	Label string
	Hint  string
	Error string
	Focus string
}

// accountAction is a one-button form on the account page: where it posts, its data-testid, the
// button's words and class ("" for the main style).
type accountAction struct {
	Action string
	TestID string
	Label  string
	Class  string
}
