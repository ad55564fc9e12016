package emulator

// setProfile applies the optional name and metadata of an invite, member create or member
// update: an empty name or a nil map leaves the field unchanged.
func (m *storedMember) setProfile(name string, trusted, untrusted map[string]any) {
	if name != "" {
		m.Name = name
	}
	if trusted != nil {
		m.TrustedMetadata = trusted
	}
	if untrusted != nil {
		m.UntrustedMetadata = untrusted
	}
}
