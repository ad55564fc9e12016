package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestNearestRank(t *testing.T) {
	sorted := make([]time.Duration, 100)
	for i := range sorted {
		sorted[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		p    float64
		want time.Duration
	}{
		{50, 50 * time.Millisecond},
		{99, 99 * time.Millisecond},
		{99.5, 100 * time.Millisecond},
		{100, 100 * time.Millisecond},
		{0, time.Millisecond},
	}
	for _, tt := range tests {
		if got := nearestRank(sorted, tt.p); got != tt.want {
			t.Errorf("p%v = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := nearestRank(nil, 50); got != 0 {
		t.Errorf("empty: %v", got)
	}
}

func TestBreakdown(t *testing.T) {
	got := breakdown(map[string]int{"POST /v1/b2b/sessions/revoke": 1, "POST /v1/b2b/discovery/organizations": 2})
	if want := "`discovery/organizations` ×2, `sessions/revoke` ×1"; got != want {
		t.Fatalf("breakdown %q, want %q", got, want)
	}
	if got := breakdown(nil); got != "none" {
		t.Fatalf("breakdown(nil) %q", got)
	}
}

func TestEnvList(t *testing.T) {
	var e envList
	for _, bad := range []string{"GOGC", "=1", ""} {
		if e.Set(bad) == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
	if err := e.Set("GOGC=400"); err != nil || e.String() != "GOGC=400" {
		t.Fatalf("Set: %v, %q", err, e.String())
	}
}

// The /proc readers work on this process (Linux only, like the load run).
func TestProcReaders(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	hwm, rss, err := memory(os.Getpid())
	if err != nil || hwm <= 0 || rss <= 0 {
		t.Fatalf("memory: %d %d %v", hwm, rss, err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for processCPU(os.Getpid()) == 0 && time.Now().Before(deadline) { // spin until a clock tick is charged
	}
	if processCPU(os.Getpid()) <= 0 || machineCPU() <= 0 {
		t.Fatal("CPU counters read as zero")
	}
	if d := describeMachine(); !strings.Contains(d, "go1.") {
		t.Fatalf("machine %q", d)
	}
}

func TestParseBenchAllocs(t *testing.T) {
	out := "goos: linux\nBenchmarkDashboard/page-2   2000  26975 ns/op  4144 resp-bytes  0 stytch-calls/op  14257 B/op  96 allocs/op\n" +
		"BenchmarkDashboard/htmx-2   2000  29399 ns/op  12720 B/op  100 allocs/op\nPASS\n"
	got := parseBenchAllocs(out)
	want := []benchAllocs{{"BenchmarkDashboard/page", 96, 14257}, {"BenchmarkDashboard/htmx", 100, 12720}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("parseBenchAllocs: %+v, want %+v", got, want)
	}
}
