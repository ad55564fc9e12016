package views

import (
	"slices"
	"strconv"
	"strings"
)

// MemberPowers are the admin actions the viewer's roles allow, beyond invitations.
type MemberPowers struct {
	Roles   bool // change roles (POST /members/roles)
	Remove  bool // remove and restore (POST /members/remove, /members/restore)
	Reset   bool // reset second steps (POST /members/mfa/reset)
	Revoke  bool // end a member's sessions (POST /members/sessions/revoke)
	Removed bool // the list shows removed members (status filter "deleted")
}

// MemberFilter is the member list's search box, filters and pages (GET /members).
type MemberFilter struct {
	Query    string
	Status   string // "" (everyone not removed), "active", "invited", "pending" or "deleted"
	Role     string // a role ID, or "" for any
	Hint     string // why the search box was ignored ("" when it wasn't)
	NextURL  string // the next page ("" on the last)
	FirstURL string // back to the first page ("" on it)
	Statuses []Option
}

// Option is one choice of a select.
type Option struct{ Value, Label string }

// RoleOption is a role an admin may assign, with how it reads.
type RoleOption struct{ ID, Name string }

// RemoveConfirmData is the confirmation step of removing a member.
type RemoveConfirmData struct {
	MemberID string
	Email    string
	OrgName  string
	Sessions int // their live sessions, which removing ends
}

func hasRole(m MemberRow, id string) bool { return slices.Contains(m.Roles, id) }

// verbID is a verb as a test ID suffix ("Sign out" ⇒ "sign-out").
func verbID(verb string) string { return strings.ToLower(strings.ReplaceAll(verb, " ", "-")) }

// countText is a count as digits.
func countText(n int) string { return strconv.Itoa(n) }
