package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// unmatched is the route label of a request no ServeMux pattern matched.
const unmatched = "unmatched"

// methods are the HTTP methods recorded by name; others are "other".
var methods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions,
}

// routeKey is the context key of the *route a request's Routes wrapper fills in.
type routeKey struct{}

// route is the pattern that served a request, filled in by the innermost Routes wrapper
// ("" when that mux matched nothing).
type route struct {
	pattern string
	set     bool
}

// Middleware records every request: count and latency by route pattern, method and
// status, and requests in flight. Put it outside everything else (so a 503 from a store
// fault or a 403 from cross-origin protection counts too), and wrap the app's ServeMux(es)
// with Routes so the route label is the pattern that matched ("GET /orgs/{id}"), never the
// raw path. A nil *Metrics returns next unchanged.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inFlight.Inc()
		sw := &statusWriter{ResponseWriter: w} // one allocation for the writer and the route
		rt := &sw.route
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, rt))
		defer func() {
			m.inFlight.Dec()
			status := sw.status
			if p := recover(); p != nil {
				status = http.StatusInternalServerError // what the server's recovery answers
				defer panic(p)
			}
			pattern := rt.pattern
			if !rt.set {
				pattern = r.Pattern // no Routes: Middleware wrapped a ServeMux directly, or nothing
			}
			if pattern == "" {
				pattern = unmatched
			}
			sr := m.series.get(m, seriesKey{pattern, oneOf(r.Method, methods), status})
			sr.count.Inc()
			sr.duration.Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(sw, r)
	})
}

// Routes wraps a handler that sets Request.Pattern (an http.ServeMux) so Middleware labels
// the request with the pattern that matched. With nested muxes wrap each: the innermost
// wins, and if it matched nothing (404, 405) the route is "unmatched", not the outer mux's
// catch-all. Patterns come from the app's code, so the label's values are bounded.
func (m *Metrics) Routes(mux http.Handler) http.Handler {
	if m == nil {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { // also when the handler panics
			if rt, ok := r.Context().Value(routeKey{}).(*route); ok && !rt.set {
				rt.pattern, rt.set = r.Pattern, true
			}
		}()
		mux.ServeHTTP(w, r) // ServeMux sets r.Pattern on the request it is given
	})
}

// statusLabel is the status code, or "other" outside 100-599.
func statusLabel(code int) string {
	if code == 0 {
		code = http.StatusOK // nothing written: net/http sends 200
	}
	if code < 100 || code > 599 {
		return other
	}
	return strconv.Itoa(code)
}

// statusWriter remembers the final status code written through it. Unwrap lets
// http.ResponseController reach the underlying writer (Flush, deadlines).
type statusWriter struct {
	http.ResponseWriter
	status int
	route  route // the request's route, which Routes fills in (through the context)
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 { // 1xx (e.g. 103 Early Hints) are not the final status
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush implements http.Flusher for handlers that assert it directly.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// seriesKey is one request series: route pattern, method label and status code.
type seriesKey struct {
	route, method string
	status        int
}

// series are the collectors of one request series.
type series struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// requestSeries finds each request series' collectors once: WithLabelValues hashes the labels
// and looks them up on every call, twice a request. The keys are bounded as the labels are
// (route patterns, known methods, status codes). Its zero value is ready to use.
type requestSeries struct {
	mu sync.RWMutex
	m  map[seriesKey]series
}

func (c *requestSeries) get(m *Metrics, k seriesKey) series {
	c.mu.RLock()
	s, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return s
	}
	labels := []string{k.route, k.method, statusLabel(k.status)}
	s = series{count: m.requests.WithLabelValues(labels...), duration: m.duration.WithLabelValues(labels...)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[seriesKey]series)
	}
	c.m[k] = s
	return s
}
