// Command whoami is the smallest app behind orgpick: it answers every request with who is
// signed in, as orgpick's identity headers tell it, and logs one line per request. Put it
// behind nginx, Caddy or Traefik with forward auth to orgpick, or run orgpick with
// UPSTREAM_URL pointing at it (README "Put it in front of your app").
//
//	go run ./examples/whoami -addr 127.0.0.1:8080
//
// It trusts the X-Orgpick-* headers because only the gateway (or orgpick) can reach it: an app
// reachable directly, bypassing the gateway, must not. An app that wants more proof verifies
// X-Orgpick-Session-Jwt itself against Stytch's JWKS.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"strings"
	"time"
)

// Who is what the app learns about the request.
type Who struct {
	Path      string              `json:"path"`
	SignedIn  bool                `json:"signed_in"`
	MemberID  string              `json:"member_id"`
	Email     string              `json:"email"`
	OrgID     string              `json:"organization_id"`
	OrgSlug   string              `json:"organization_slug"`
	Roles     []string            `json:"roles"`
	HasJWT    bool                `json:"has_session_jwt"`
	Headers   map[string][]string `json:"orgpick_headers"` // every X-Orgpick-* header received but the JWT
	CookieSet []string            `json:"cookies"`         // the names of the cookies received
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	srv := &http.Server{Addr: *addr, Handler: http.HandlerFunc(whoami), ReadHeaderTimeout: 5 * time.Second}
	log.Printf("whoami listening on http://%s", *addr)
	log.Fatal(srv.ListenAndServe())
}

func whoami(w http.ResponseWriter, r *http.Request) {
	h := r.Header
	who := Who{
		Path: r.URL.RequestURI(), MemberID: h.Get("X-Orgpick-Member-Id"), Email: h.Get("X-Orgpick-Email"),
		OrgID: h.Get("X-Orgpick-Organization-Id"), OrgSlug: h.Get("X-Orgpick-Organization-Slug"),
		HasJWT: h.Get("X-Orgpick-Session-Jwt") != "", Headers: map[string][]string{},
	}
	who.SignedIn = who.MemberID != ""
	if roles := h.Get("X-Orgpick-Roles"); roles != "" {
		who.Roles = strings.Split(roles, ",")
	}
	for k, v := range h {
		if strings.HasPrefix(k, "X-Orgpick-") && k != "X-Orgpick-Session-Jwt" {
			who.Headers[k] = v
		}
	}
	for _, c := range r.Cookies() {
		who.CookieSet = append(who.CookieSet, c.Name)
	}
	log.Printf("%s %s member=%q email=%q org=%q", r.Method, who.Path, who.MemberID, who.Email, who.OrgSlug)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(who)
}
