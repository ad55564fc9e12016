package handlers_test

import (
	"net/http"
	"testing"

	"github.com/orgpick/orgpick/handlers"
)

// BenchmarkVerify is GET /auth/verify for a signed-in member whose JWT is fresh (a gateway's
// question on every request to the app): session load, local JWT check, six headers. No
// Stytch call, no session write. Compare with BenchmarkHealthz.
func BenchmarkVerify(b *testing.B) {
	be := newBenchEnv(b)
	ck := be.discover(b, "ada@acme.test", true)
	be.bench(b, newRequest("/auth/verify", ck), http.StatusOK)
}

// BenchmarkProxied is a request the reverse-proxy mode passes on (to an in-process upstream
// that answers 204, so the figure is orgpick's own cost, without the network hop).
func BenchmarkProxied(b *testing.B) {
	e := newEnv(b, func(d *handlers.Deps) {
		d.Prefix = prefix
		d.Upstream = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	})
	be := &benchEnv{env: e, handler: e.Handler()}
	br := be.browser()
	wantRedirect(b, br.signInPrefixed(e.URL+prefix+"/", "ada@acme.test", "Acme"), prefix+"/dashboard")
	be.bench(b, newRequest("/app/reports", br.Cookie("session")), http.StatusNoContent)
}
