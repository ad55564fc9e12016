package handlers_test

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
)

// postRoutes reads the state-changing routes of the route table (routes.go), so a route added
// there is covered here without a change: every POST route, and any route registered without a
// method (a mistake this test exists to catch), but for the catch-all "/" and the dev routes.
// Paths that also have a GET page (/authenticate, /settings, /mfa/recovery-codes) are left
// out: their GET handler answers, and is tested to change nothing.
func postRoutes(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, m := range regexp.MustCompile(`Handle(?:Func)?\("(POST |[A-Z]+ )?(/[^"]*)"`).FindAllStringSubmatch(string(src), -1) {
		method, path := m[1], m[2]
		switch {
		case method != "" && method != "POST ", path == "/", path == "/dev/":
			continue
		case strings.Contains(string(src), `"GET `+path+`"`):
			continue
		}
		paths = append(paths, strings.NewReplacer("{provider}", "google", "{$}", "").Replace(path))
	}
	if len(paths) < 20 {
		t.Fatalf("found only %d POST routes in routes.go: %v", len(paths), paths)
	}
	return paths
}

// Survivor 2 (and SECURITY.md's "no state changes on GET or HEAD"): GET and HEAD to every POST
// route of the route table answer 405 or 404, reach no Stytch route, set no cookie, and leave a
// signed-in member signed in with the same session.
//
// Mutant killed: any POST route registered without its method (e.g. "/logout" or
// "/oauth/{provider}" in place of "POST /logout"), which a cross-site link or <img> could then
// trigger.
func TestGetAndHeadNeverReachPostRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, _ := e.newAdmin("ada@acme.test", "Acme")
	cookie := b.sessionCookie()
	calls := e.emu.Calls()
	for _, path := range postRoutes(t) {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			req, _ := http.NewRequest(method, e.URL+path, nil)
			r := b.do(req)
			if r.StatusCode != http.StatusMethodNotAllowed && r.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s: status %d, want 405 or 404", method, path, r.StatusCode)
			}
			if sc := r.Header.Values("Set-Cookie"); len(sc) > 0 {
				t.Errorf("%s %s set a cookie: %v", method, path, sc)
			}
		}
	}
	if n := callsSince(e.emu, calls); len(n) != 0 {
		t.Fatalf("GET or HEAD to POST routes reached Stytch: %v", n)
	}
	if b.sessionCookie() != cookie {
		t.Fatal("the session cookie changed")
	}
	wantStatus(t, b.get("/dashboard", false), http.StatusOK)
}
