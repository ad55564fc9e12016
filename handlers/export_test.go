package handlers

import (
	"encoding/json"
	"net/http"

	"github.com/orgpick/orgpick/views"
)

// StoredMemberToken is the Stytch session token in a member as the session stores it
// (member_codec.go), for tests that look into the server-side session.
func StoredMemberToken(stored []byte) (string, error) {
	m, err := decodeMember(stored)
	return m.Token, err
}

// SecurityHeaders is the middleware that sets every response's security headers.
func SecurityHeaders(next http.Handler) http.Handler { return securityHeaders(nil, next) }

// DecodeStoredMember decodes a member as the session stores it, as a page view does.
func DecodeStoredMember(stored []byte) error {
	_, err := decodeMember(stored)
	return err
}

// StoredMemberJSON is the same member as JSON, the form stored before the compact one.
func StoredMemberJSON(stored []byte) ([]byte, error) {
	m, err := decodeMember(stored)
	if err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

// MemberBar is the signed-in header's content for the member stored as stored.
func MemberBar(stored []byte) (*views.SessionBar, error) {
	m, err := decodeMember(stored)
	return memberBar(m), err
}

// WithStoredMemberToken is a member as the session stores it with its Stytch session token
// replaced, for tests that plant another member's session in a browser's row.
func WithStoredMemberToken(stored []byte, token string) ([]byte, error) {
	m, err := decodeMember(stored)
	if err != nil {
		return nil, err
	}
	m.Token = token
	return encodeMember(m), nil
}
