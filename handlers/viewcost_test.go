package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
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
	op   func() error
}

// TestViewCost measures what each part of a dashboard view costs, each on its own, against
// GET /healthz: short blocks of /healthz and of the part alternate, so both see the same load
// on this shared machine, and the median ratio over the block pairs holds still where absolute
// figures move (ns/op is the median block's). It prints a markdown table (docs/benchmarks.md):
//
//	go test ./handlers -run '^TestViewCost$' -viewcost -v
func TestViewCost(t *testing.T) {
	if !*viewCost {
		t.Skip("a measurement, not a test: run with -viewcost")
	}
	e := newEnv(t)
	cookie := sessionCookie(t, e, "ada@acme.test", true)
	app := e.Handler()
	metered := withMetrics(app) // the same handler with the metrics middleware around it

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

	serve := func(h http.Handler, target string, ck *http.Cookie, htmx bool) func() error {
		req := newRequest(target, ck)
		if htmx {
			req.Header.Set("HX-Request", "true")
		}
		return func() error {
			w := &sink{h: http.Header{}}
			h.ServeHTTP(w, req)
			if w.status != http.StatusOK && w.status != 0 {
				return fmt.Errorf("%s: status %d", target, w.status)
			}
			return nil
		}
	}
	var buf bytes.Buffer
	render := func(c templ.Component) func() error {
		return func() error { buf.Reset(); return c.Render(context.Background(), &buf) }
	}
	healthz := serve(app, "/healthz", nil, false)
	parts := []viewPart{
		{"`GET /healthz` (the baseline, against itself)", healthz},
		{"security headers (middleware alone)", serve(handlers.SecurityHeaders(noop), "/dashboard", nil, false)},
		{"metrics middleware alone (`Middleware(Routes(h))`, h doing nothing)", serve(withMetrics(noop), "/dashboard", nil, false)},
		{"session load: cookie, SQLite row, session codec (`LoadAndSave`)", serve(sm.LoadAndSave(noop), "/dashboard", cookie, false)},
		{"member decode, compact form (now)", func() error { return handlers.DecodeStoredMember(stored) }},
		{"member decode, JSON (before)", func() error { var m handlers.Member; return json.Unmarshal(asJSON, &m) }},
		{"JWT check (verified-JWT cache hit)", func() error {
			_, _, err := e.Deps.Stytch.AuthenticateSession(context.Background(), jwt)
			return err
		}},
		{"permission checks for the links (2 × `Can`)", func() error {
			perms.Can(context.Background(), member.Roles, member.Org.ID, stytchb2b.ListMembers)
			perms.Can(context.Background(), member.Roles, member.Org.ID, stytchb2b.EditJoinRules)
			return nil
		}},
		{"flash lookup (one session value)", func() error { sm.GetBytes(loaded, "flash"); return nil }},
		{"render: dashboard fragment", render(views.DashboardFragment(dash))},
		{"render: signed-in header and switcher, live (before)", render(views.SessionHeader(bar, false))},
		{"render: layout around an empty page, header live (before)", render(views.Page(layout, templ.NopComponent))},
		{"whole view: `GET /dashboard`", serve(app, "/dashboard", cookie, false)},
		{"whole view: `GET /dashboard`, htmx", serve(app, "/dashboard", cookie, true)},
		{"whole view: `GET /dashboard` with the metrics middleware", serve(metered, "/dashboard", cookie, false)},
		{"`GET /healthz` with the metrics middleware", serve(metered, "/healthz", nil, false)},
	}
	t.Log("\n" + viewCostReport(t, healthz, parts))
}

func index(parts []viewPart, name string) int {
	return slices.IndexFunc(parts, func(p viewPart) bool { return p.name == name })
}

// withMetrics is h behind the metrics middleware as routes.go puts it around the app.
func withMetrics(h http.Handler) http.Handler {
	m := metrics.New()
	return m.Middleware(m.Routes(h))
}

// paired times blocks of k runs of a and of b, alternating which goes first, after a warm-up
// pair, and returns b's median time per op and the median ratio b/a over the block pairs: a
// block that another process preempted is an outlier the median leaves out.
func paired(t *testing.T, a, b func() error, k, blocks int) (perOp time.Duration, ratio float64) {
	t.Helper()
	block := func(op func() error) (time.Duration, error) {
		t0 := time.Now()
		for range k {
			if err := op(); err != nil {
				return 0, err
			}
		}
		return time.Since(t0), nil
	}
	var ratios []float64
	var times []time.Duration
	for i := range blocks + 1 {
		first, second := a, b
		if i%2 == 1 {
			first, second = b, a
		}
		d1, err1 := block(first)
		d2, err2 := block(second)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			d1, d2 = d2, d1
		}
		if i > 0 {
			ratios, times = append(ratios, float64(d2)/float64(d1)), append(times, d2/time.Duration(k))
		}
	}
	slices.Sort(ratios)
	slices.Sort(times)
	return times[len(times)/2], ratios[len(ratios)/2]
}

// viewCostReport measures each part against healthz, then the metrics middleware's share of a
// whole view, as a Markdown table and a sentence.
func viewCostReport(t *testing.T, healthz func() error, parts []viewPart) string {
	t.Helper()
	var out strings.Builder
	fmt.Fprintf(&out, "| Part | ns/op | allocs/op | × `GET /healthz` |\n|---|---:|---:|---:|\n")
	for _, p := range parts {
		// Blocks of about 200 µs (at least 10 ops): long enough for the clock, short enough
		// that few are preempted by the other processes on this machine.
		t0 := time.Now()
		for range 20 {
			p.op()
		}
		k := min(max(int(200*time.Microsecond/(time.Since(t0)/20+1)), 10), 1000)
		perOp, ratio := paired(t, healthz, p.op, k, 100)
		allocs := testing.AllocsPerRun(200, func() { p.op() })
		fmt.Fprintf(&out, "| %s | %d | %.0f | %.2f |\n", p.name, perOp.Nanoseconds(), allocs, ratio)
	}
	// The metrics middleware's share of a view: the two whole views, alternating.
	plain, withMetrics := parts[index(parts, "whole view: `GET /dashboard`")].op, parts[index(parts, "whole view: `GET /dashboard` with the metrics middleware")].op
	// Whole views take tens of µs: short blocks, many of them, so fewer are preempted.
	k, blocks := 10, 300
	var shares []string
	for range 3 {
		_, ratio := paired(t, plain, withMetrics, k, blocks)
		shares = append(shares, fmt.Sprintf("%+.1f %%", 100*(ratio-1)))
	}
	fmt.Fprintf(&out, "\nMetrics middleware's share of a dashboard view (median over %d blocks of %d views each, alternating; three times): %s.\n",
		blocks, k, strings.Join(shares, ", "))
	return out.String()
}
