package views

import (
	"strings"
	"testing"
	"unicode"
)

// initials matches its first definition (strings.FieldsFunc over letters and digits), which
// allocated a slice of words per avatar.
func TestInitialsAsWords(t *testing.T) {
	t.Parallel()
	byWords := func(name string) string {
		words := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if len(words) < 2 {
			return initial(name)
		}
		return initial(words[0]) + initial(words[1])
	}
	for _, name := range []string{"", " ", "Acme", "Acme Labs", "acme labs inc", "  -- x", "3M Co", "é ñ", "ßtraße öl",
		"日本 企業", "A", "a-b", "!!", "\xff\xfe bad", "Ünïcødé ✓ Org", "x\u00a0y", "ǆemal ǈj"} {
		if got, want := initials(name), byWords(name); got != want {
			t.Errorf("initials(%q) = %q, want %q", name, got, want)
		}
	}
}
