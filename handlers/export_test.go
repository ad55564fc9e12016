package handlers

// StoredMemberToken is the Stytch session token in a member as the session stores it
// (member_codec.go), for tests that look into the server-side session.
func StoredMemberToken(stored []byte) (string, error) {
	m, err := decodeMember(stored)
	return m.Token, err
}
