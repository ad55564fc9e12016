package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/orgpick/orgpick/internal/metrics"
)

// scrape GETs the metrics handler as Prometheus would and parses the text format.
func scrape(t *testing.T, m *metrics.Metrics) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("Content-Type %q, want Prometheus text format", ct)
	}
	body := rec.Body.String()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not valid text format: %v\n%s", err, body)
	}
	return body, fams
}

// value is the counter value, gauge value or histogram count of the series with labels.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	fam, ok := fams[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	for _, s := range fam.GetMetric() {
		got := map[string]string{}
		for _, l := range s.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		match := len(got) == len(labels)/2
		for i := 0; i+1 < len(labels); i += 2 {
			match = match && got[labels[i]] == labels[i+1]
		}
		if !match {
			continue
		}
		switch {
		case s.Counter != nil:
			return s.GetCounter().GetValue()
		case s.Gauge != nil:
			return s.GetGauge().GetValue()
		case s.Histogram != nil:
			return float64(s.GetHistogram().GetSampleCount())
		}
	}
	return 0
}

func TestHandlerTextFormat(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	_, fams := scrape(t, m)
	for _, name := range []string{
		"orgpick_sign_ins_started_total", "orgpick_sign_ins_completed_total", "orgpick_rate_limited_total",
		"orgpick_sessions_created_total", "orgpick_http_requests_in_flight",
		"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes",
	} {
		if _, ok := fams[name]; !ok {
			t.Errorf("fresh registry lacks %s", name)
		}
	}
	if v := value(t, fams, "orgpick_sign_ins_started_total", "method", "google"); v != 0 {
		t.Errorf("fresh counter %v", v)
	}
	problems, err := promlint.NewWithMetricFamilies(familyList(fams)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "orgpick_") {
			t.Errorf("lint %s: %s", p.Metric, p.Text)
		}
	}
}

func familyList(fams map[string]*dto.MetricFamily) []*dto.MetricFamily {
	var out []*dto.MetricFamily
	for _, f := range fams {
		out = append(out, f)
	}
	return out
}

func TestCountersAndBoundedLabels(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.SignInStarted("link")
	m.SignInStarted("link")
	m.SignInStarted("code")
	m.SignInCompleted("microsoft")
	m.SignInStarted("ada@acme.test") // never a label value
	m.RateLimited("ip")
	m.RateLimited("email")
	m.RateLimited("203.0.113.9")
	m.StoreError("session", fmt.Errorf("store: find session: %w", unavailable{}))
	m.StoreError("limit", errors.New("syntax error at or near SELECT"))
	m.StoreError("DELETE FROM sessions", nil)
	m.SessionCreated()
	m.SessionCreated()
	body, fams := scrape(t, m)
	tests := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"orgpick_sign_ins_started_total", []string{"method", "link"}, 2},
		{"orgpick_sign_ins_started_total", []string{"method", "code"}, 1},
		{"orgpick_sign_ins_started_total", []string{"method", "other"}, 1},
		{"orgpick_sign_ins_completed_total", []string{"method", "microsoft"}, 1},
		{"orgpick_sign_ins_completed_total", []string{"method", "link"}, 0},
		{"orgpick_rate_limited_total", []string{"kind", "ip"}, 1},
		{"orgpick_rate_limited_total", []string{"kind", "email"}, 1},
		{"orgpick_rate_limited_total", []string{"kind", "other"}, 1},
		{"orgpick_store_errors_total", []string{"op", "session", "kind", "unavailable"}, 1},
		{"orgpick_store_errors_total", []string{"op", "limit", "kind", "other"}, 1},
		{"orgpick_store_errors_total", []string{"op", "other", "kind", "other"}, 1},
		{"orgpick_sessions_created_total", nil, 2},
	}
	for _, tt := range tests {
		if got := value(t, fams, tt.name, tt.labels...); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	for _, leak := range []string{"ada@acme.test", "203.0.113.9", "syntax error", "DELETE FROM"} {
		if strings.Contains(body, leak) {
			t.Errorf("scrape contains %q", leak)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestObserveStytch(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	const send = "magic_links.email.discovery.send"
	m.ObserveStytch(send, 120*time.Millisecond, nil)
	m.ObserveStytch(send, 3*time.Second, fmt.Errorf("stytch: %w", context.DeadlineExceeded))
	m.ObserveStytch(send, time.Second, fmt.Errorf("post: %w", timeoutErr{}))
	m.ObserveStytch(send, time.Millisecond, context.Canceled)
	m.ObserveStytch("sessions.revoke", 40*time.Millisecond, errors.New("session_not_found: token sess-secret-123"))
	m.ObserveStytch("/v1/b2b/sessions/authenticate?session_token=sess-secret-456", time.Millisecond, nil)
	custom := metrics.New(metrics.WithStytchEndpoints("SendDiscoveryEmail"))
	custom.ObserveStytch("SendDiscoveryEmail", time.Millisecond, nil)
	custom.ObserveStytch(send, time.Millisecond, nil)

	body, fams := scrape(t, m)
	tests := []struct {
		labels []string
		want   float64
	}{
		{[]string{"endpoint", send, "outcome", "ok"}, 1},
		{[]string{"endpoint", send, "outcome", "timeout"}, 2},
		{[]string{"endpoint", send, "outcome", "canceled"}, 1},
		{[]string{"endpoint", "sessions.revoke", "outcome", "error"}, 1},
		{[]string{"endpoint", "other", "outcome", "ok"}, 1},
	}
	for _, tt := range tests {
		if got := value(t, fams, "orgpick_stytch_requests_total", tt.labels...); got != tt.want {
			t.Errorf("stytch_requests_total%v = %v, want %v", tt.labels, got, tt.want)
		}
	}
	if got := value(t, fams, "orgpick_stytch_request_duration_seconds", "endpoint", send); got != 4 {
		t.Errorf("latency samples %v, want 4", got)
	}
	if !strings.Contains(body, `orgpick_stytch_request_duration_seconds_bucket{endpoint="`+send+`",le="0.25"} 2`) {
		t.Errorf("want 2 sends under 0.25 s (120 ms and 1 ms):\n%s", grep(body, "duration_seconds_bucket{endpoint=\""+send))
	}
	if strings.Contains(body, "sess-secret") {
		t.Error("a token reached the scrape")
	}
	_, fams = scrape(t, custom)
	if value(t, fams, "orgpick_stytch_requests_total", "endpoint", "SendDiscoveryEmail", "outcome", "ok") != 1 ||
		value(t, fams, "orgpick_stytch_requests_total", "endpoint", "other", "outcome", "ok") != 1 {
		t.Error("WithStytchEndpoints not honoured")
	}
}

func grep(body, s string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// A nil *Metrics records nothing and never panics (tests and tools pass nil).
func TestNilMetrics(t *testing.T) {
	t.Parallel()
	var m *metrics.Metrics
	m.SignInStarted("link")
	m.SignInCompleted("link")
	m.ObserveStytch("x", time.Second, nil)
	m.RateLimited("ip")
	m.StoreError("session", nil)
	m.SessionCreated()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	rec := httptest.NewRecorder()
	m.Middleware(m.Routes(h)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Body.String() != "ok" {
		t.Fatalf("body %q", rec.Body.String())
	}
}

// unavailable stands for the store's ErrUnavailable (this package must not import the store).
type unavailable struct{}

func (unavailable) Error() string     { return "database unavailable" }
func (unavailable) Unavailable() bool { return true }
