package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkMiddleware is what the metrics add to a request: Middleware and Routes around a
// ServeMux whose handler does nothing, beside the same mux bare.
func BenchmarkMiddleware(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dashboard", func(http.ResponseWriter, *http.Request) {})
	m := New()
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", mux}, {"metrics", m.Middleware(m.Routes(mux))}} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/dashboard", nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeHTTP(w, req)
			}
		})
	}
}
