package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/orgpick/orgpick/internal/gateway"
)

// TestProxyHeaders: the proxy removes every client-sent X-Orgpick-* header (whatever its
// spelling) and orgpick's cookie, keeps the app's own cookies, and adds the identity the
// request's context carries.
func TestProxyHeaders(t *testing.T) {
	t.Parallel()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"header": r.Header, "host": r.Host})
	}))
	t.Cleanup(up.Close)
	target, _ := url.Parse(up.URL)
	proxy := gateway.NewProxy(target, gateway.ProxyOptions{DropCookies: []string{"orgpick_session"}})

	for _, signedIn := range []bool{false, true} {
		req := httptest.NewRequest(http.MethodGet, "http://app.test/app/reports", nil)
		req.Header["x-orgpick-email"] = []string{"eve@evil.test"} // not canonical: as a raw client might send it
		req.Header.Set("X-Orgpick-Roles", "stytch_admin")
		req.Header.Set("X-Orgpick-Whatever", "x")
		req.Header.Set("Cookie", "theme=dark; orgpick_session=secret; lang=en")
		if signedIn {
			id := gateway.Identity{MemberID: "member-1", Email: "ada@acme.test", OrgID: "organization-1", OrgSlug: "acme", Roles: []string{"stytch_member", "stytch_admin"}, JWT: "ey.x.y"}
			req = req.WithContext(gateway.WithIdentity(req.Context(), id))
		}
		w := httptest.NewRecorder()
		proxy.ServeHTTP(w, req)
		var got struct {
			Header http.Header
			Host   string
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		h := got.Header
		want := map[string]string{gateway.HeaderEmail: "", gateway.HeaderRoles: "", "X-Orgpick-Whatever": "", "Cookie": "theme=dark; lang=en"}
		if signedIn {
			want[gateway.HeaderEmail], want[gateway.HeaderRoles], want[gateway.HeaderOrgSlug] = "ada@acme.test", "stytch_member,stytch_admin", "acme"
		}
		for k, v := range want {
			if len(h.Values(k)) > 1 || h.Get(k) != v {
				t.Errorf("signed in %v: %s = %q, want %q", signedIn, k, h.Values(k), v)
			}
		}
		if got.Host != "app.test" || h.Get("X-Forwarded-Host") != "app.test" {
			t.Errorf("host %q, X-Forwarded-Host %q: want the browser's", got.Host, h.Get("X-Forwarded-Host"))
		}
	}
}
