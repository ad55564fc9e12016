package handlers

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"

	"github.com/orgpick/orgpick/stytchb2b"
)

// The signed-in member is read on every page view, so the session keeps it in a compact form
// rather than JSON: decoding it is one string allocation (every text field is a slice of it)
// plus one per list, instead of a JSON scan with an allocation per field.
//
// Layout: memberFormat, then the session (token, member ID, email, org, roles, expiry), then
// the other orgs. A string is its uvarint length and bytes; a list is uvarint count+1 (0 for
// nil) then its items; a time is a flag byte (0 zero time) and varint Unix nanoseconds; an org
// is ID, name, slug, logo URL, membership, domain, admin (one byte), primary-required list,
// then (from format 2) its SSO connections, each ID, name and default (one byte). A value
// starting with '{' is the JSON written before this form, and still reads; so does format 1.
const (
	memberFormat      = 0x02
	memberFormatNoSSO = 0x01 // before organizations carried their SSO connections
)

var errMemberData = errors.New("malformed member data")

// encodeMember is the compact form of m, without its JWT (the session keeps that apart).
func encodeMember(m Member) []byte {
	b := make([]byte, 0, 512)
	b = append(b, memberFormat)
	b = appendString(b, m.Token)
	b = appendString(b, m.MemberID)
	b = appendString(b, m.Email)
	b = appendOrg(b, m.Org)
	b = appendStrings(b, m.Roles)
	if m.ExpiresAt.IsZero() {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = binary.AppendVarint(b, m.ExpiresAt.UnixNano())
	}
	b = appendCount(b, m.Others == nil, len(m.Others))
	for _, o := range m.Others {
		b = appendOrg(b, o)
	}
	return b
}

// decodeMember reads what encodeMember wrote (or the JSON of earlier releases). The expiry
// comes back in UTC; the JWT is not part of it.
func decodeMember(data []byte) (Member, error) {
	if len(data) > 0 && data[0] == '{' {
		var m Member
		err := json.Unmarshal(data, &m)
		return m, err
	}
	if len(data) == 0 || data[0] != memberFormat && data[0] != memberFormatNoSSO {
		return Member{}, errMemberData
	}
	r := memberReader{s: string(data[1:]), sso: data[0] == memberFormat} // the one copy every text field slices
	var m Member
	m.Token, m.MemberID, m.Email = r.str(), r.str(), r.str()
	m.Org = r.org()
	m.Roles = r.strs()
	if r.byte() == 1 {
		m.ExpiresAt = time.Unix(0, r.varint()).UTC()
	}
	if n, isNil := r.count(); !isNil {
		m.Others = make([]stytchb2b.Org, n)
		for i := range m.Others {
			m.Others[i] = r.org()
		}
	}
	if r.bad || r.i != len(r.s) {
		return Member{}, errMemberData
	}
	return m, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendCount(b []byte, isNil bool, n int) []byte {
	if isNil {
		return append(b, 0)
	}
	return binary.AppendUvarint(b, uint64(n)+1)
}

func appendStrings(b []byte, ss []string) []byte {
	b = appendCount(b, ss == nil, len(ss))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

func appendOrg(b []byte, o stytchb2b.Org) []byte {
	for _, s := range [...]string{o.ID, o.Name, o.Slug, o.LogoURL, o.Membership, o.Domain} {
		b = appendString(b, s)
	}
	admin := byte(0)
	if o.Admin {
		admin = 1
	}
	b = appendStrings(append(b, admin), o.PrimaryRequired)
	b = appendCount(b, o.SSO == nil, len(o.SSO))
	for _, c := range o.SSO {
		b = appendString(appendString(b, c.ID), c.Name)
		def := byte(0)
		if c.Default {
			def = 1
		}
		b = append(b, def)
	}
	return b
}

// memberReader reads the compact form; past the end or on a malformed length it sets bad
// and returns zero values, which decodeMember then refuses.
type memberReader struct {
	s   string
	i   int
	bad bool
	sso bool // the format carries organizations' SSO connections
}

func (r *memberReader) uvarint() uint64 {
	var v uint64
	for shift := 0; shift < 64 && r.i < len(r.s); shift += 7 {
		c := r.s[r.i]
		r.i++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.bad = true
	return 0
}

func (r *memberReader) varint() int64 {
	u := r.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (r *memberReader) byte() byte {
	if r.i >= len(r.s) {
		r.bad = true
		return 0
	}
	r.i++
	return r.s[r.i-1]
}

func (r *memberReader) str() string {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.s)-r.i) {
		r.bad = true
		return ""
	}
	s := r.s[r.i : r.i+int(n)]
	r.i += int(n)
	return s
}

// count reads a list's length; a length the rest of the data cannot hold (every item takes a
// byte at least) is malformed, so a corrupt value cannot make a huge allocation.
func (r *memberReader) count() (n int, isNil bool) {
	c := r.uvarint()
	if r.bad || c == 0 {
		return 0, true
	}
	if c-1 > uint64(len(r.s)-r.i) {
		r.bad = true
		return 0, true
	}
	return int(c - 1), false
}

func (r *memberReader) strs() []string {
	n, isNil := r.count()
	if isNil {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = r.str()
	}
	return ss
}

func (r *memberReader) org() stytchb2b.Org {
	o := stytchb2b.Org{ID: r.str(), Name: r.str(), Slug: r.str(), LogoURL: r.str(), Membership: r.str(), Domain: r.str()}
	o.Admin = r.byte() == 1
	o.PrimaryRequired = r.strs()
	if !r.sso {
		return o
	}
	if n, isNil := r.count(); !isNil {
		o.SSO = make([]stytchb2b.SSOConn, n)
		for i := range o.SSO {
			o.SSO[i] = stytchb2b.SSOConn{ID: r.str(), Name: r.str(), Default: r.byte() == 1}
		}
	}
	return o
}
