package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/orgpick/orgpick/handlers"
	"github.com/orgpick/orgpick/internal/metrics"
	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

var viewCost = flag.Bool("viewcost", false, "TestViewCost: measure each part of a dashboard view against GET /healthz (CPU-heavy)")

// viewPart is one thing a dashboard view does, measured on its own.
type viewPart struct {
	name string
	run  func(b *testing.B)
}

// TestViewCost measures what each part of a dashboard view costs, each on its own, as a ratio
// to GET /healthz measured in the same run (the machine is shared: absolute figures move, the
// ratio much less), and prints a markdown table (docs/benchmarks.md):
//
//	go test ./handlers -run '^TestViewCost$' -viewcost -v -test.benchtime=5000x
func TestViewCost(t *testing.T) {
	if !*viewCost {
		t.Skip("a measurement, not a test: run with -viewcost")
	}
	e := newEnv(t)
	withMetrics := newEnv(t, func(d *handlers.Deps) { d.Metrics = metrics.New() })
	cookie := signedInCookie(t, e, "ada@acme.test")
	cookieM := signedInCookie(t, withMetrics, "ada@acme.test")

	sm := e.Deps.Sessions
	loaded, err := sm.Load(t.Context(), cookie.Value)
	if err != nil {
		t.Fatal(err)
	}
	stored, jwt := sm.GetBytes(loaded, "member"), sm.GetString(loaded, "jwt")
	asJSON, err := handlers.StoredMemberJSON(stored)
	if err != nil || jwt == "" {
		t.Fatalf("no member in the session: %v", err)
	}
	var member handlers.Member
	if err := json.Unmarshal(asJSON, &member); err != nil {
		t.Fatal(err)
	}
	bar, _ := handlers.MemberBar(stored)
	perms := e.Deps.Stytch.(interface {
		Can(ctx context.Context, roles []string, orgID string, p stytchb2b.Permission) bool
	})
	dash := views.DashboardData{Email: member.Email, OrgID: member.Org.ID, OrgName: member.Org.Name, Slug: member.Org.Slug,
		Role: "Admin", ExpiresAt: member.ExpiresAt, Now: time.Now(), CanMembers: true, CanSettings: true}
	layout := views.LayoutData{Title: member.Org.Name, CSS: "/assets/app.1.css", JS: "/assets/htmx.1.js", AppJS: "/assets/app.1.js", Icon: "/assets/favicon.1.svg", Session: bar}
	noop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

	serve := func(h http.Handler, target string, ck *http.Cookie, htmx bool) func(*testing.B) {
		return func(b *testing.B) {
			req := newRequest(target, ck)
			if htmx {
				req.Header.Set("HX-Request", "true")
			}
			for b.Loop() {
				w := &sink{h: http.Header{}}
				h.ServeHTTP(w, req)
				if w.status != http.StatusOK && w.status != 0 {
					b.Fatalf("%s: status %d", target, w.status)
				}
			}
		}
	}
	render := func(c templ.Component) func(*testing.B) {
		return func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := c.Render(context.Background(), &buf); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	parts := []viewPart{
		{"`GET /healthz` (the baseline)", serve(e.Handler(), "/healthz", nil, false)},
		{"security headers (middleware alone)", serve(handlers.SecurityHeaders(noop), "/dashboard", nil, false)},
		{"metrics middleware alone (`Middleware(Routes(mux))`, one route)", serve(metricsAround(noop), "/dashboard", nil, false)},
		{"session load: cookie, SQLite row, session codec (`LoadAndSave`)", serve(sm.LoadAndSave(noop), "/dashboard", cookie, false)},
		{"member decode, compact form (now)", func(b *testing.B) {
			for b.Loop() {
				if err := handlers.DecodeStoredMember(stored); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{"member decode, JSON (before)", func(b *testing.B) {
			for b.Loop() {
				var m handlers.Member
				if err := json.Unmarshal(asJSON, &m); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{"JWT check (verified-JWT cache hit)", func(b *testing.B) {
			for b.Loop() {
				if _, refreshed, err := e.Deps.Stytch.AuthenticateSession(context.Background(), jwt); err != nil || refreshed {
					b.Fatal(err, refreshed)
				}
			}
		}},
		{"permission checks for the links (2 × `Can`)", func(b *testing.B) {
			for b.Loop() {
				perms.Can(context.Background(), member.Roles, member.Org.ID, stytchb2b.ListMembers)
				perms.Can(context.Background(), member.Roles, member.Org.ID, stytchb2b.EditJoinRules)
			}
		}},
		{"flash lookup (one session value)", func(b *testing.B) {
			for b.Loop() {
				sm.GetBytes(loaded, "flash")
			}
		}},
		{"render: dashboard fragment", render(views.DashboardFragment(dash))},
		{"render: signed-in header and switcher (live)", render(views.SessionHeader(bar, false))},
		{"render: layout around an empty page, header live", render(views.Page(layout, templ.NopComponent))},
		{"whole view: `GET /dashboard`", serve(e.Handler(), "/dashboard", cookie, false)},
		{"whole view: `GET /dashboard`, htmx", serve(e.Handler(), "/dashboard", cookie, true)},
		{"whole view: `GET /dashboard` with the metrics middleware", serve(withMetrics.Handler(), "/dashboard", cookieM, false)},
		{"`GET /healthz` with the metrics middleware", serve(withMetrics.Handler(), "/healthz", nil, false)},
	}
	const rounds = 5
	ratio := make([][]float64, len(parts)) // to the baseline of the same round
	ns := make([][]float64, len(parts))
	allocs := make([]int64, len(parts))
	for range rounds {
		var base float64
		for i, p := range parts {
			r := testing.Benchmark(p.run)
			if r.N == 0 {
				t.Fatalf("%s: did not run", p.name)
			}
			v := float64(r.T.Nanoseconds()) / float64(r.N)
			if i == 0 {
				base = v
			}
			ns[i], ratio[i] = append(ns[i], v), append(ratio[i], v/base)
			allocs[i] = r.AllocsPerOp()
		}
	}
	median := func(v []float64) float64 { s := slices.Clone(v); slices.Sort(s); return s[len(s)/2] }
	var out strings.Builder
	fmt.Fprintf(&out, "| Part | ns/op | allocs/op | × `GET /healthz` |\n|---|---:|---:|---:|\n")
	for i, p := range parts {
		fmt.Fprintf(&out, "| %s | %.0f | %d | %.2f |\n", p.name, median(ns[i]), allocs[i], median(ratio[i]))
	}
	// The metrics middleware's share of a view: the two whole-view rows, round by round.
	plain, metered := index(parts, "whole view: `GET /dashboard`"), index(parts, "whole view: `GET /dashboard` with the metrics middleware")
	var share []float64
	for r := range rounds {
		share = append(share, ratio[metered][r]/ratio[plain][r]-1)
	}
	fmt.Fprintf(&out, "\nMetrics middleware's share of a dashboard view (median of %d rounds): %+.1f %% (rounds: %s).\n",
		rounds, 100*median(share), percents(share))
	t.Log("\n" + out.String())
}

func index(parts []viewPart, name string) int {
	return slices.IndexFunc(parts, func(p viewPart) bool { return p.name == name })
}

func percents(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%+.1f %%", 100*x)
	}
	return strings.Join(s, ", ")
}

// signedInCookie signs email up (creating an org) in e and returns the session cookie.
func signedInCookie(t *testing.T, e *env, email string) *http.Cookie {
	t.Helper()
	br := e.browser()
	br.discover(email)
	br.createOrg("Acme " + email)
	u, _ := url.Parse(e.URL)
	for _, ck := range br.Jar.Cookies(u) {
		if ck.Name == "session" {
			return ck
		}
	}
	t.Fatal("no session cookie after sign-in")
	return nil
}

// metricsAround is h behind the metrics middleware as routes.go wires it (Routes on the mux).
func metricsAround(h http.Handler) http.Handler {
	m := metrics.New()
	mux := http.NewServeMux()
	mux.Handle("GET /dashboard", h)
	return m.Middleware(m.Routes(mux))
}
