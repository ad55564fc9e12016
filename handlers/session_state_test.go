package handlers

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
)

// A session value that no longer decodes (say a JSON field renamed between releases) reads as
// absent, and says so in the log once per read, naming the key but not the value.
func TestSessionValueThatDoesNotDecodeIsLogged(t *testing.T) {
	t.Parallel()
	sm := scs.New()
	sm.Store = memstore.New()
	var logs bytes.Buffer
	state := sessionState{sm: sm, log: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, err := sm.Load(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	sm.Put(ctx, keyMember, []byte(`{"member_id": 42, "secret-ist-value": "x"`))
	if m, ok := state.member(ctx); ok {
		t.Fatalf("a member that doesn't decode read as signed in: %+v", m)
	}
	out := logs.String()
	if !strings.Contains(out, "session value does not decode") || !strings.Contains(out, "key=member") {
		t.Fatalf("no log line for the value that didn't decode: %q", out)
	}
	if strings.Contains(out, "secret-ist-value") {
		t.Fatalf("the log repeats the session value: %q", out)
	}
	state.put(ctx, keyEmail+"-typed", map[string]string{"a": "b"})
	var v map[string]string
	logs.Reset()
	if !state.get(ctx, keyEmail+"-typed", &v) || v["a"] != "b" || logs.Len() != 0 {
		t.Fatalf("a good value: %v, logs %q", v, logs.String())
	}
}
