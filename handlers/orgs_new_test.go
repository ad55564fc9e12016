package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Another organization in one form while signed in: no email, its dashboard next with the
// person as admin and the first organization in the switcher; an empty name is a 422 with the
// form; a cross-site POST is refused. Plain and htmx.
func TestNewOrgInOneStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn("one@step.test", "First Co")
	mailbox := func() int {
		m, err := e.emu.Mailbox(t.Context(), "one@step.test")
		if err != nil {
			t.Fatal(err)
		}
		return len(m)
	}
	mails := mailbox()
	for i, htmx := range []bool{false, true} {
		r := b.post("/orgs/new", url.Values{"organization_name": {" "}}, htmx)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if !r.has(t, "organization_name-error") || (htmx && strings.Contains(r.body, "<html")) {
			t.Fatalf("htmx=%v: an empty name: %.400s", htmx, r.body)
		}
		name := []string{"Second Co", "Third Co"}[i]
		wantDone(t, b.post("/orgs/new", url.Values{"organization_name": {name}}, htmx), htmx, "/dashboard")
		d := b.get("/dashboard", false)
		if d.testid(t, "dashboard-org") != name || d.testid(t, "dashboard-role") != "Admin" || !strings.Contains(d.testid(t, "notice"), name+" is ready") {
			t.Fatalf("htmx=%v: after creating: %q as %q, %q", htmx, d.testid(t, "dashboard-org"), d.testid(t, "dashboard-role"), d.testid(t, "notice"))
		}
		if !strings.Contains(d.byTestid(t, "switcher").Text(), "First Co") {
			t.Fatalf("htmx=%v: the first organization is not in the switcher", htmx)
		}
	}
	if got := mailbox(); got != mails {
		t.Fatalf("%d emails sent to create organizations, want none", got-mails)
	}
	wantStatus(t, b.get("/orgs/new", false), http.StatusOK)
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/orgs/new", strings.NewReader("organization_name=Evil"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	wantStatus(t, b.do(req), http.StatusForbidden)
}
