package store_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/orgpick/orgpick/store"
)

func TestSessionCodecRoundTrip(t *testing.T) {
	t.Parallel()
	deadline := time.Date(2026, 11, 27, 9, 30, 0, 123456789, time.UTC)
	tests := []struct {
		name   string
		values map[string]any
	}{
		{"empty", map[string]any{}},
		{"app values", map[string]any{"email": "ada@acme.test", "member": []byte(`{"member_id":"m-1"}`), "jwt": "eyJ.a.b"}},
		{"empty string and bytes", map[string]any{"": "", "b": []byte{}}},
		{"binary and unicode", map[string]any{"ключ": "значение", "raw": []byte{0, 1, 2, 255}}},
		{"long value", map[string]any{"big": string(bytes.Repeat([]byte("x"), 70_000))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := store.SessionCodec{}.Encode(deadline, tt.values)
			if err != nil {
				t.Fatal(err)
			}
			if b[0] != 0x00 {
				t.Fatalf("strings and bytes should use the flat layout, got first byte %#x", b[0])
			}
			gotDeadline, got, err := store.SessionCodec{}.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if !gotDeadline.Equal(deadline) {
				t.Fatalf("deadline %v, want %v", gotDeadline, deadline)
			}
			if !reflect.DeepEqual(got, tt.values) {
				t.Fatalf("values %v, want %v", got, tt.values)
			}
		})
	}
}

// Other value types, and sessions saved by scs's gob codec, go through gob.
func TestSessionCodecGob(t *testing.T) {
	t.Parallel()
	deadline := time.Now().Add(time.Hour).Round(0)
	mixed := map[string]any{"count": 3, "email": "ada@acme.test"}
	b, err := store.SessionCodec{}.Encode(deadline, mixed)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] == 0x00 {
		t.Fatal("an int value should be written with gob")
	}
	legacy, err := scs.GobCodec{}.Encode(deadline, map[string]any{"email": "ada@acme.test", "member": []byte("{}")})
	if err != nil {
		t.Fatal(err)
	}
	for name, tt := range map[string]struct {
		data []byte
		want map[string]any
	}{
		"mixed types": {b, mixed},
		"legacy gob":  {legacy, map[string]any{"email": "ada@acme.test", "member": []byte("{}")}},
	} {
		got, values, err := store.SessionCodec{}.Decode(tt.data)
		if err != nil || !got.Equal(deadline) || !reflect.DeepEqual(values, tt.want) {
			t.Fatalf("%s: got %v %v %v, want %v %v", name, got, values, err, deadline, tt.want)
		}
	}
}

func TestSessionCodecMalformed(t *testing.T) {
	t.Parallel()
	good, err := store.SessionCodec{}.Encode(time.Now(), map[string]any{"email": "ada@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string][]byte{
		"magic only":    {0x00},
		"bad version":   {0x00, 0x09, 0x02, 0x00},
		"truncated":     good[:len(good)-3],
		"trailing byte": append(bytes.Clone(good), 0x00),
		"bad kind":      {0x00, 0x01, 0x02, 0x01, 0x01, 'k', 0x07, 0x00},
		"huge count":    {0x00, 0x01, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"huge length":   {0x00, 0x01, 0x02, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f},
	}
	for name, b := range tests {
		if _, _, err := (store.SessionCodec{}).Decode(b); !errors.Is(err, store.ErrSessionData) {
			t.Errorf("%s: err %v, want ErrSessionData", name, err)
		}
	}
}

// FuzzSessionCodec: decoding never panics, and whatever decodes re-encodes to the same session.
func FuzzSessionCodec(f *testing.F) {
	for _, v := range []map[string]any{{}, {"email": "ada@acme.test", "member": []byte(`{"a":1}`)}} {
		b, _ := store.SessionCodec{}.Encode(time.Unix(1_800_000_000, 5), v)
		f.Add(b)
	}
	f.Add([]byte{0x00, 0x01, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 || b[0] != 0x00 {
			return // gob's business
		}
		deadline, values, err := store.SessionCodec{}.Decode(b)
		if err != nil {
			return
		}
		again, err := store.SessionCodec{}.Encode(deadline, values)
		if err != nil {
			t.Fatal(err)
		}
		d2, v2, err := store.SessionCodec{}.Decode(again)
		if err != nil || !d2.Equal(deadline) || !reflect.DeepEqual(v2, values) {
			t.Fatalf("re-encoding changed the session: %v %v %v, want %v %v", d2, v2, err, deadline, values)
		}
	})
}

// Through scs and each engine's session store: values survive a request, and a session saved with
// the gob codec (before switching) is still read.
func TestSessionCodecWithStore(t *testing.T) {
	t.Parallel()
	eachEngine(t, testSessionCodecWithStore)
}

func testSessionCodecWithStore(t *testing.T, target string) {
	st := open(t, target)
	manager := func(codec scs.Codec) *scs.SessionManager {
		sm := scs.New()
		ss := st.NewSessionStore(0)
		t.Cleanup(ss.StopCleanup)
		sm.Store = ss
		sm.Codec = codec
		return sm
	}
	old, current := manager(scs.GobCodec{}), manager(store.SessionCodec{})

	put := func(sm *scs.SessionManager) *http.Cookie {
		h := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sm.Put(r.Context(), "email", "ada@acme.test")
			sm.Put(r.Context(), "member", []byte(`{"member_id":"m-1"}`))
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		cookies := rec.Result().Cookies()
		if len(cookies) != 1 {
			t.Fatalf("cookies %v, want the session cookie", cookies)
		}
		return cookies[0]
	}
	for name, cookie := range map[string]*http.Cookie{"this codec": put(current), "gob": put(old)} {
		var email string
		var member []byte
		h := current.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			email, member = current.GetString(r.Context(), "email"), current.GetBytes(r.Context(), "member")
		}))
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || email != "ada@acme.test" || string(member) != `{"member_id":"m-1"}` {
			t.Fatalf("%s: status %d, email %q, member %q", name, rec.Code, email, member)
		}
	}
}
