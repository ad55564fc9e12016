package emulator_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgpick/orgpick/emulator"
)

func TestMailboxPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := e.signUp("ada@acme.com", "Acme & Co", "acme")
	invite(t, e, acme.Organization.OrganizationID, "bob@beta.io")

	var got []map[string]any
	e.getJSON("/dev/mailbox.json?to=bob@beta.io", &got)
	if len(got) != 1 || got[0]["organization_name"] != "Acme & Co" || got[0]["kind"] != "invite" {
		t.Fatalf("mailbox.json = %v", got)
	}
	if _, ok := got[0]["code"]; ok {
		t.Errorf("a link message has a code: %v", got[0])
	}

	_, html := e.getText("/dev/mailbox")
	for _, want := range []string{
		`<link rel="stylesheet" href="/dev/mailbox.css">`,
		`title="` + acme.Organization.OrganizationID + `">Acme &amp; Co</dd>`, // the name, the ID as a title
		`>Invitation</span>`, `>Sign-in link</span>`, // readable kinds
		`<time datetime="`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("mailbox page lacks %s", want)
		}
	}

	resp, _ := e.getText("/dev/mailbox.css")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// A database file from an emulator without the mailbox's code column still opens.
func TestMailboxMigratesOldDatabase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", path)
	mustOK(t, err)
	_, err = db.Exec(`CREATE TABLE mailbox (id INTEGER PRIMARY KEY AUTOINCREMENT, to_addr TEXT NOT NULL,
		subject TEXT NOT NULL, kind TEXT NOT NULL, link TEXT NOT NULL, org_id TEXT NOT NULL DEFAULT '', sent_at INTEGER NOT NULL);
		INSERT INTO mailbox (to_addr, subject, kind, link, sent_at) VALUES ('old@acme.com', 'Old', 'discovery', 'http://x', 1)`)
	mustOK(t, err)
	db.Close()
	e := newEnv(t, func(c *emulator.Config) { c.DatabasePath = path })
	e.sendDiscovery("new@acme.com")
	msgs, err := e.emu.Mailbox(e.ctx, "")
	mustOK(t, err)
	if len(msgs) != 2 || msgs[1].To != "old@acme.com" {
		t.Errorf("mailbox = %+v", msgs)
	}
}
