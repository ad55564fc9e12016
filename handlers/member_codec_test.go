package handlers

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/orgpick/orgpick/stytchb2b"
)

// fill sets every field reachable from v to a non-zero value (strings named by their path,
// lists of two), so a field added to Member, Session or Org that the codec forgets fails the
// round trip below.
func fill(v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(path)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), path+"["+string(rune('0'+i))+"]")
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2026, 12, 8, 9, 30, 0, 123, time.UTC)))
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	default:
		panic("member_codec_test: no filler for " + v.Kind().String() + " at " + path)
	}
}

func TestMemberCodecRoundTrip(t *testing.T) {
	t.Parallel()
	var full Member
	fill(reflect.ValueOf(&full).Elem(), "m")
	full.JWT = "" // kept apart, under keyJWT
	cases := map[string]Member{
		"every field": full,
		"zero":        {},
		"empty lists": {Session: stytchb2b.Session{Roles: []string{}}, Others: []stytchb2b.Org{{PrimaryRequired: []string{}}}},
		"unicode":     {Session: stytchb2b.Session{Email: "zoë@example.test", Org: stytchb2b.Org{Name: "Ünïcødé ✓"}}},
	}
	for name, m := range cases {
		got, err := decodeMember(encodeMember(m))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("%s: round trip\n got %+v\nwant %+v", name, got, m)
		}
	}
}

// Members stored as JSON by earlier releases still read.
func TestMemberCodecReadsJSON(t *testing.T) {
	t.Parallel()
	var m Member
	fill(reflect.ValueOf(&m).Elem(), "m")
	m.JWT = ""
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeMember(b)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("JSON member: %v\n got %+v\nwant %+v", err, got, m)
	}
}

// A value cut short or corrupted is refused, never half read, and never panics.
func TestMemberCodecRefusesDamage(t *testing.T) {
	t.Parallel()
	var m Member
	fill(reflect.ValueOf(&m).Elem(), "m")
	b := encodeMember(m)
	for n := range len(b) {
		if _, err := decodeMember(b[:n]); err == nil {
			t.Fatalf("decoded %d of %d bytes", n, len(b))
		}
	}
	if _, err := decodeMember(append(b, 0)); err == nil {
		t.Fatal("decoded with a trailing byte")
	}
	if _, err := decodeMember([]byte{memberFormat, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}); err == nil {
		t.Fatal("decoded a huge length")
	}
}

func FuzzMemberCodec(f *testing.F) {
	var m Member
	fill(reflect.ValueOf(&m).Elem(), "m")
	m.JWT = ""
	f.Add(encodeMember(m))
	f.Add(encodeMember(Member{}))
	f.Add([]byte{memberFormat, 0x05})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeMember(b)
		if err != nil || len(b) == 0 || b[0] != memberFormat {
			return
		}
		again, err := decodeMember(encodeMember(got))
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("re-encoding what decoded: %v\n got %+v\nwant %+v", err, again, got)
		}
	})
}
