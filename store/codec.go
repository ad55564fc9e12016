package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"
)

// SessionCodec is an scs.Codec (SessionManager.Codec) for sessions whose values are strings
// and byte slices, which is all this app stores. scs decodes the session on every request that
// carries a cookie, and its default gob codec rebuilds its type tables each time: about a tenth
// of a dashboard view's CPU. This flat layout decodes without reflection.
//
// Layout: 0x00 0x01, deadline (varint Unix nanoseconds), count (uvarint), then per value: key
// (uvarint length, bytes), kind (1 string, 2 []byte), value (uvarint length, bytes). A session
// holding any other type is written by scs.GobCodec instead, and gob data (including sessions
// saved before this codec was used) is read by it: a gob stream never starts with 0x00 (its
// first byte is a non-zero message length), so the two cannot be confused.
type SessionCodec struct{}

const (
	codecMagic   = 0x00
	codecVersion = 0x01
	kindString   = 1
	kindBytes    = 2
)

// ErrSessionData is session data that is neither this codec's layout nor gob.
var ErrSessionData = errors.New("store: malformed session data")

// Encode implements scs.Codec.
func (SessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	if y := deadline.Year(); y < 1700 || y > 2200 { // outside UnixNano's range: let gob keep it
		return scs.GobCodec{}.Encode(deadline, values)
	}
	n := 2 + 2*binary.MaxVarintLen64
	for k, v := range values {
		switch v := v.(type) {
		case string:
			n += 1 + 2*binary.MaxVarintLen64 + len(k) + len(v)
		case []byte:
			n += 1 + 2*binary.MaxVarintLen64 + len(k) + len(v)
		default:
			return scs.GobCodec{}.Encode(deadline, values)
		}
	}
	b := make([]byte, 0, n)
	b = append(b, codecMagic, codecVersion)
	b = binary.AppendVarint(b, deadline.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(values)))
	for k, v := range values {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		switch v := v.(type) {
		case string:
			b = append(b, kindString)
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		case []byte:
			b = append(b, kindBytes)
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	return b, nil
}

// Decode implements scs.Codec.
func (SessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if len(b) == 0 || b[0] != codecMagic {
		return scs.GobCodec{}.Decode(b)
	}
	d := decoder{b: b[1:]}
	if v, ok := d.byte(); !ok || v != codecVersion {
		return time.Time{}, nil, fmt.Errorf("%w: unknown version", ErrSessionData)
	}
	nanos, ok1 := d.varint()
	count, ok2 := d.uvarint()
	if !ok1 || !ok2 || count > uint64(len(d.b)) { // every value takes at least 3 bytes
		return time.Time{}, nil, ErrSessionData
	}
	values := make(map[string]any, count)
	// One copy of the data as a string: keys and string values are slices of it, not an
	// allocation each (scs decodes the session on every request with a cookie).
	text, end := string(d.b), cap(d.b)
	str := func(chunk []byte) string { // chunk slices d.b: its capacity runs to the same end
		start := end - cap(chunk)
		return text[start : start+len(chunk)]
	}
	for range count {
		key, ok1 := d.chunk()
		kind, ok2 := d.byte()
		val, ok3 := d.chunk()
		if !ok1 || !ok2 || !ok3 {
			return time.Time{}, nil, ErrSessionData
		}
		switch kind {
		case kindString:
			values[str(key)] = str(val)
		case kindBytes:
			values[str(key)] = bytes.Clone(val)
		default:
			return time.Time{}, nil, fmt.Errorf("%w: unknown kind %d", ErrSessionData, kind)
		}
	}
	if len(d.b) != 0 {
		return time.Time{}, nil, fmt.Errorf("%w: trailing bytes", ErrSessionData)
	}
	return time.Unix(0, nanos), values, nil
}

// decoder reads the layout above, reporting false on truncated or oversized fields.
type decoder struct{ b []byte }

func (d *decoder) byte() (byte, bool) {
	if len(d.b) == 0 {
		return 0, false
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v, true
}

// varint reads a zig-zag signed varint (binary.PutVarint's) through uvarint.
func (d *decoder) varint() (int64, bool) {
	u, ok := d.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v, ok
}

func (d *decoder) uvarint() (uint64, bool) {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		return 0, false
	}
	d.b = d.b[n:]
	return v, true
}

func (d *decoder) chunk() ([]byte, bool) {
	n, ok := d.uvarint()
	if !ok || n > uint64(len(d.b)) {
		return nil, false
	}
	c := d.b[:n]
	d.b = d.b[n:]
	return c, true
}
