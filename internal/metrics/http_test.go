package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orgpick/orgpick/internal/metrics"
)

type ctxKey struct{}

// app is shaped like the real one: an outer mux for /healthz that hands everything else to
// a session middleware (which copies the request, as scs's LoadAndSave does) and an inner
// mux with the app's routes.
func app(m *metrics.Metrics) http.Handler {
	inner := http.NewServeMux()
	inner.HandleFunc("GET /orgs/{id}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "org") })
	inner.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/check-email", http.StatusSeeOther)
	})
	inner.HandleFunc("GET /flush", func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush() // handlers that assert Flusher keep working
	})
	inner.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	inner.HandleFunc("GET /empty", func(w http.ResponseWriter, r *http.Request) {})
	sessions := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, "session")))
		})
	}
	outer := http.NewServeMux()
	outer.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	outer.Handle("/", sessions(m.Routes(inner)))
	return m.Middleware(m.Routes(outer))
}

func TestMiddlewareLabelsByPattern(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	h := app(m)
	serve := func(method, path string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		return rec.Code
	}
	for _, path := range []string{"/orgs/org-test-1111", "/orgs/org-test-2222", "/orgs/ada@acme.test"} {
		if code := serve(http.MethodGet, path); code != http.StatusOK {
			t.Fatalf("%s: %d", path, code)
		}
	}
	serve(http.MethodPost, "/login")
	serve(http.MethodGet, "/healthz")
	serve(http.MethodGet, "/secret-token-path")
	serve("BREW", "/orgs/1")
	serve(http.MethodGet, "/flush")
	serve(http.MethodGet, "/empty")
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic must reach the server's recovery")
			}
		}()
		serve(http.MethodGet, "/boom")
	}()

	body, fams := scrape(t, m)
	tests := []struct {
		route, method, status string
		want                  float64
	}{
		{"GET /orgs/{id}", "GET", "200", 3},
		{"POST /login", "POST", "303", 1},
		{"GET /healthz", "GET", "200", 1},
		{"unmatched", "GET", "404", 1},
		{"unmatched", "other", "405", 1}, // BREW on a GET-only pattern
		{"GET /flush", "GET", "200", 1},
		{"GET /empty", "GET", "200", 1},
		{"GET /boom", "GET", "500", 1},
	}
	for _, tt := range tests {
		labels := []string{"route", tt.route, "method", tt.method, "status", tt.status}
		if got := value(t, fams, "orgpick_http_requests_total", labels...); got != tt.want {
			t.Errorf("requests%v = %v, want %v", labels, got, tt.want)
		}
		if got := value(t, fams, "orgpick_http_request_duration_seconds", labels...); got != tt.want {
			t.Errorf("latency samples%v = %v, want %v", labels, got, tt.want)
		}
	}
	if got := value(t, fams, "orgpick_http_requests_in_flight"); got != 0 {
		t.Errorf("in flight %v after all requests ended", got)
	}
	for _, leak := range []string{"org-test-1111", "ada@acme.test", "secret-token-path", "BREW"} {
		if strings.Contains(body, leak) {
			t.Errorf("raw request data %q in the scrape", leak)
		}
	}
}

// Middleware wrapped directly around a ServeMux needs no Routes: it reads r.Pattern.
func TestMiddlewareAroundMux(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /members/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	rec := httptest.NewRecorder()
	m.Middleware(mux).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/members/m-1", nil))
	_, fams := scrape(t, m)
	if got := value(t, fams, "orgpick_http_requests_total", "route", "GET /members/{id}", "method", "GET", "status", "204"); got != 1 {
		t.Fatalf("requests %v, want 1", got)
	}
}

// The in-flight gauge counts requests being served.
func TestInFlight(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	entered, release := make(chan struct{}), make(chan struct{})
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	}()
	<-entered
	_, fams := scrape(t, m)
	if got := value(t, fams, "orgpick_http_requests_in_flight"); got != 1 {
		t.Errorf("in flight %v, want 1", got)
	}
	close(release)
	<-done
}
