package testkit

import (
	"strings"
	"testing"
)

// The stand-in mailbox link goes after the "We sent …" line of the check-email page only, once,
// with the address escaped in the URL and the right word for a code.
func TestWithMailboxLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, page, want string
	}{
		{"link", `<p>We sent a sign-in link to <strong data-testid="sent-to">a+b@x.test</strong>. It works for 60 minutes, once.</p><form>`,
			`once.</p><p class="hint">Running locally: no email leaves this machine. Open the <a href="/dev/mailbox?to=a%2Bb%40x.test" data-testid="mailbox-link">local inbox</a> to find the link.</p><form>`},
		{"code", `<p>We sent a 6-digit code to <strong data-testid="sent-to">o&#39;neil@x.test</strong>. It works.</p><form id="code-form" data-testid="code-form">`,
			`<a href="/dev/mailbox?to=o%27neil%40x.test" data-testid="mailbox-link">local inbox</a> to find the code.</p><form id="code-form"`},
		{"already there", `<strong data-testid="sent-to">a@x.test</strong>.</p><a data-testid="mailbox-link">`, ""},
		{"other page", `<h1>Dashboard</h1>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := string(withMailboxLink([]byte(tt.page)))
			if tt.want == "" {
				if got != tt.page {
					t.Fatalf("changed a page it should leave alone:\n%s", got)
				}
				return
			}
			if !strings.Contains(got, tt.want) || strings.Count(got, "mailbox-link") != 1 {
				t.Fatalf("got\n%s\nwant it to contain\n%s", got, tt.want)
			}
		})
	}
}
