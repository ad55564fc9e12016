package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"
)

// report is everything one run measured, written as markdown.
type report struct {
	opts                                 options
	engine                               string  // SQLite or PostgreSQL
	targetRatio                          float64 // dashboard ÷ healthz asked of this engine
	machine                              string
	firstLoad                            []asset
	signInCreate, signInExchange, logout map[string]int
	dashCalls                            map[string]int
	dashViews, requests                  int
	jwtAgeAtEnd                          time.Duration
	healthz, dashboard                   target
	hwm, rss                             int64
	cpu                                  cpuShare
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// breakdown lists calls by route, e.g. "send 1, authenticate 1".
func breakdown(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("`%s` ×%d", strings.TrimPrefix(k, "POST /v1/b2b/"), m[k]))
	}
	return strings.Join(parts, ", ")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func status(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

func (r *report) write(w io.Writer) {
	o := r.opts
	fmt.Fprintf(w, "## orgpick load run: %s\n\n", r.engine)
	store := "SQLite in a temp dir"
	if r.engine == "PostgreSQL" {
		store = "PostgreSQL (a fresh database)"
	}
	fmt.Fprintf(w, "Machine: %s. Server: the cmd/web binary with the embedded Stytch emulator and %s; "+
		"client: this process, on the same machine, over loopback keep-alive connections.\n\n", r.machine, store)
	fmt.Fprintf(w, "%d connections; %d requests per endpoint in %d alternating rounds after %d warm-up requests each.",
		o.c, o.n, o.rounds, o.warmup)
	if len(o.serverEnv) > 0 {
		fmt.Fprintf(w, " Server environment: `%s`.", o.serverEnv.String())
	}
	fmt.Fprintf(w, "\n\n")

	fmt.Fprintf(w, "| Endpoint | Requests | Req/s | p50 | p99 | max | Server CPU per request |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, t := range []*target{&r.healthz, &r.dashboard} {
		fmt.Fprintf(w, "| `%s` | %d | %.0f | %s | %s | %s | %.0f µs |\n", t.name, len(t.lat), t.rps(),
			ms(t.percentile(50)), ms(t.percentile(99)), ms(t.percentile(100)), float64(t.cpuPerRequest())/float64(time.Microsecond))
	}
	ratio := r.dashboard.rps() / r.healthz.rps()
	fmt.Fprintf(w, "\nDashboard ÷ healthz throughput: **%.0f%%**.\n\n", ratio*100)
	c := r.cpu
	other := max(c.machine-c.server-c.loadgen, 0)
	fmt.Fprintf(w, "CPU during the measured rounds (%d cores × %s): server %.0f%%, loadgen %.0f%%, everything else %.0f%%%s.\n\n",
		runtime.NumCPU(), (c.capacity / time.Duration(runtime.NumCPU())).Round(100*time.Millisecond),
		pct(c.server, c.capacity), pct(c.loadgen, c.capacity), pct(other, c.capacity), noisy(pct(other, c.capacity)))

	var firstBytes int
	compressed := true
	fmt.Fprintf(w, "| First page load | Bytes on the wire | Content-Encoding |\n|---|---:|---|\n")
	for i, a := range r.firstLoad {
		firstBytes += a.bytes
		if i > 0 && a.encoding != "gzip" {
			compressed = false
		}
		fmt.Fprintf(w, "| `%s` | %d | %s |\n", a.path, a.bytes, orDefault(a.encoding, "identity"))
	}
	fmt.Fprintf(w, "| **total** | **%d** (%.1f KiB) | |\n\n", firstBytes, float64(firstBytes)/1024)

	dashCalls := total(r.dashCalls)
	perK := float64(dashCalls) / float64(r.dashViews) * 1000
	fmt.Fprintf(w, "| Stytch calls (counted at the emulator) | Calls | Routes |\n|---|---:|---|\n")
	fmt.Fprintf(w, "| per 1,000 dashboard views (%d views, JWT %s old at the end) | %.3f | %s |\n",
		r.dashViews, r.jwtAgeAtEnd.Round(time.Second), perK, breakdown(r.dashCalls))
	fmt.Fprintf(w, "| per sign-in, new email (create org) | %d | %s |\n", total(r.signInCreate), breakdown(r.signInCreate))
	fmt.Fprintf(w, "| per sign-in, returning email (pick org) | %d | %s |\n", total(r.signInExchange), breakdown(r.signInExchange))
	fmt.Fprintf(w, "| per logout | %d | %s |\n\n", total(r.logout), breakdown(r.logout))

	fmt.Fprintf(w, "Server memory after %d requests: peak RSS (VmHWM) **%s**, RSS now %s.\n\n", r.requests, mib(r.hwm), mib(r.rss))

	p99 := r.dashboard.percentile(99)
	inLife := r.jwtAgeAtEnd < jwtLife
	fmt.Fprintf(w, "| Target | Measured | Status |\n|---|---|---|\n")
	fmt.Fprintf(w, "| 0 Stytch calls per dashboard view inside the JWT's life | %d calls in %d views | %s |\n",
		dashCalls, r.dashViews, statusNote(dashCalls == 0, inLife))
	fmt.Fprintf(w, "| %d Stytch calls per sign-in | create %d, pick %d | %s |\n", targetSignInCalls,
		total(r.signInCreate), total(r.signInExchange), status(total(r.signInCreate) == targetSignInCalls && total(r.signInExchange) == targetSignInCalls))
	fmt.Fprintf(w, "| dashboard ≥ %.0f%% of healthz req/s at %d connections | %.0f%% | %s |\n", r.targetRatio*100, o.c, ratio*100, status(ratio >= r.targetRatio))
	fmt.Fprintf(w, "| dashboard p99 < %s at %d connections | %s | %s |\n", ms(targetP99), o.c, ms(p99), status(p99 < targetP99))
	rssStatus := status(r.hwm < targetRSS)
	if r.requests < 100_000 {
		rssStatus = "not measured (fewer than 100,000 requests)"
	}
	fmt.Fprintf(w, "| RSS < %s after 100,000 requests | peak %s after %d | %s |\n", mib(targetRSS), mib(r.hwm), r.requests, rssStatus)
	fmt.Fprintf(w, "| first page load < %d KiB compressed; static files compressed | %.1f KiB; CSS/JS gzip: %v | %s |\n",
		targetFirstLoad>>10, float64(firstBytes)/1024, compressed, status(firstBytes < targetFirstLoad && compressed))
}

// ratio is dashboard req/s ÷ healthz req/s.
func (r *report) ratio() float64 { return r.dashboard.rps() / r.healthz.rps() }

// otherPct is the share of the machine's CPU other processes took during the measured rounds.
func (r *report) otherPct() float64 {
	c := r.cpu
	return pct(max(c.machine-c.server-c.loadgen, 0), c.capacity)
}

// writeSummary puts the engines side by side with the allocations per view, dated.
func writeSummary(w io.Writer, engines []*engineRun, allocs []benchAllocs) {
	fmt.Fprintf(w, "## orgpick load run, %s: summary\n\n| | %s |\n|---|", time.Now().Format("2006-01-02"), strings.Join(names(engines), " | "))
	fmt.Fprintf(w, "%s\n", strings.Repeat("---:|", len(engines)))
	row := func(label string, f func(r *report) string) {
		fmt.Fprintf(w, "| %s |", label)
		for _, e := range engines {
			fmt.Fprintf(w, " %s |", f(&e.rep))
		}
		fmt.Fprintln(w)
	}
	row("dashboard ÷ healthz (target)", func(r *report) string {
		return fmt.Sprintf("**%.2f** (≥ %.2f: %s)", r.ratio(), r.targetRatio, status(r.ratio() >= r.targetRatio))
	})
	row("`GET /healthz`, `GET /dashboard` req/s", func(r *report) string {
		return fmt.Sprintf("%.0f, %.0f", r.healthz.rps(), r.dashboard.rps())
	})
	row("dashboard p99", func(r *report) string { return ms(r.dashboard.percentile(99)) })
	row("server CPU per dashboard view", func(r *report) string {
		return fmt.Sprintf("%.0f µs", float64(r.dashboard.cpuPerRequest())/float64(time.Microsecond))
	})
	row("Stytch calls per 1,000 dashboard views", func(r *report) string {
		return fmt.Sprintf("%.3f", float64(total(r.dashCalls))/float64(r.dashViews)*1000)
	})
	row("peak RSS (after requests)", func(r *report) string { return fmt.Sprintf("%s (%d)", mib(r.hwm), r.requests) })
	row("CPU taken by other processes", func(r *report) string { return fmt.Sprintf("%.0f%%%s", r.otherPct(), noisy(r.otherPct())) })
	fmt.Fprintln(w)
	if len(allocs) == 0 {
		fmt.Fprintf(w, "Allocations per view: not measured (-allocs=false).\n\n")
		return
	}
	fmt.Fprintf(w, "| In-process benchmark (`go test -bench '%s' -benchmem ./handlers`) | allocs/op | B/op | ≤ %d allocs |\n|---|---:|---:|---|\n", benchPattern, targetAllocs)
	for _, a := range allocs {
		fmt.Fprintf(w, "| `%s` | %d | %d | %s |\n", a.name, a.allocs, a.bytes, status(a.allocs <= targetAllocs))
	}
	fmt.Fprintln(w)
}

func names(engines []*engineRun) []string {
	s := make([]string, len(engines))
	for i, e := range engines {
		s[i] = e.name
	}
	return s
}

func pct(d, of time.Duration) float64 {
	if of <= 0 {
		return 0
	}
	return 100 * float64(d) / float64(of)
}

// noisy warns when other processes took a noticeable share of the machine during the run.
func noisy(otherPct float64) string {
	if otherPct >= 5 {
		return " — **other processes were busy: throughput and latency figures are disturbed; rerun on a quiet machine**"
	}
	return ""
}

func statusNote(ok, inLife bool) string {
	if !inLife {
		return status(ok) + " (run outlived the JWT: refreshes expected)"
	}
	return status(ok)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
