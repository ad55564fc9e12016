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
