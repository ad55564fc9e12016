// Package metrics exposes the app's Prometheus metrics on a registry of its own (never the
// global one), for a separate listener (METRICS_ADDR), never the public one.
//
// Labels carry no personal data and no tokens, and every label takes a bounded set of
// values: route patterns (not raw paths), known methods, known Stytch endpoints, known
// sign-in methods and limit kinds. Anything else is recorded as "other".
package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// other is the label value for anything outside a label's known set.
const other = "other"

// Sign-in methods (SignInStarted, SignInCompleted).
var signInMethods = []string{"link", "code", "google", "microsoft"}

// Limit kinds (RateLimited): the discovery email's address and client IP, and an admin's
// invitations per sender and per recipient.
var limitKinds = []string{"email", "ip", "invite_sender", "invite_recipient"}

// Store operations (StoreError).
var storeOps = []string{"session", "last_org", "limit", "ping", "cleanup"}

// DefaultStytchEndpoints are the Stytch B2B API operations ObserveStytch accepts unless
// WithStytchEndpoints says otherwise: those the app calls, named after the SDK's methods
// (MagicLinks.Email.Discovery.Send is "magic_links.email.discovery.send"), plus the
// email-code and OAuth discovery flows.
func DefaultStytchEndpoints() []string {
	return []string{
		"magic_links.email.discovery.send", "magic_links.discovery.authenticate",
		"magic_links.authenticate", "magic_links.email.invite",
		"otps.email.discovery.send", "otps.email.discovery.authenticate",
		"oauth.discovery.authenticate",
		"discovery.intermediate_sessions.exchange", "discovery.organizations.create",
		"discovery.organizations.list",
		"sessions.authenticate", "sessions.authenticate_jwt", "sessions.exchange", "sessions.revoke",
		"sessions.get_jwks",
		"organizations.get", "organizations.update",
		"organizations.members.search", "organizations.members.get", "organizations.members.delete",
	}
}

// Metrics holds the app's collectors and their registry. Its methods are safe for concurrent
// use; a nil *Metrics records nothing, so tests and tools may pass nil.
type Metrics struct {
	reg       *prometheus.Registry
	endpoints []string

	requests        *prometheus.CounterVec
	duration        *prometheus.HistogramVec
	series          requestSeries // requests and duration by series, found once
	inFlight        prometheus.Gauge
	signInStarted   *prometheus.CounterVec
	signInCompleted *prometheus.CounterVec
	stytchCalls     *prometheus.CounterVec
	stytchDuration  *prometheus.HistogramVec
	rateLimited     *prometheus.CounterVec
	storeErrors     *prometheus.CounterVec
	sessionsCreated prometheus.Counter
}

// Option adjusts New.
type Option func(*Metrics)

// WithStytchEndpoints replaces DefaultStytchEndpoints as the endpoints ObserveStytch records
// by name (others are "other").
func WithStytchEndpoints(names ...string) Option {
	return func(m *Metrics) { m.endpoints = slices.Clone(names) }
}

// latencyBuckets (seconds) span a cached page view (~1 ms) to a Stytch timeout (10 s).
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New returns the app's metrics on a fresh registry, with the Go runtime and process
// collectors (memory, GC, open files, CPU) included.
func New(opts ...Option) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), endpoints: DefaultStytchEndpoints()}
	for _, o := range opts {
		o(m)
	}
	f := factory{m.reg}
	m.requests = f.counter("http_requests_total", "HTTP requests served, by route pattern, method and status.", "route", "method", "status")
	m.duration = f.histogram("http_request_duration_seconds", "Time to serve HTTP requests, by route pattern, method and status.", "route", "method", "status")
	m.inFlight = f.gauge("http_requests_in_flight", "HTTP requests being served.")
	m.signInStarted = f.counter("sign_ins_started_total", "Sign-ins started (a link or code sent, a provider redirect), by method.", "method")
	m.signInCompleted = f.counter("sign_ins_completed_total", "Sign-ins completed with a session in an organization, by method.", "method")
	m.stytchCalls = f.counter("stytch_requests_total", "Calls to the Stytch API, by endpoint and outcome (ok, error, timeout, canceled).", "endpoint", "outcome")
	m.stytchDuration = f.histogram("stytch_request_duration_seconds", "Duration of calls to the Stytch API, by endpoint.", "endpoint")
	m.rateLimited = f.counter("rate_limited_total", "Requests refused by a send limit, by kind.", "kind")
	m.storeErrors = f.counter("store_errors_total", "Failed store operations, by operation and kind (unavailable: the database is down, locked or slow).", "op", "kind")
	m.sessionsCreated = f.counter("sessions_created_total", "Sessions created.").WithLabelValues()
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every labelled series the app can produce for the fixed label sets starts at 0, so a
	// rate() over a fresh process is defined.
	for _, v := range signInMethods {
		m.signInStarted.WithLabelValues(v)
		m.signInCompleted.WithLabelValues(v)
	}
	for _, v := range limitKinds {
		m.rateLimited.WithLabelValues(v)
	}
	return m
}

// factory registers collectors named orgpick_<name> on one registry.
type factory struct{ reg *prometheus.Registry }

func (f factory) counter(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "orgpick", Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) histogram(name, help string, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "orgpick", Name: name, Help: help, Buckets: latencyBuckets}, labels)
	f.reg.MustRegister(h)
	return h
}

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "orgpick", Name: name, Help: help})
	f.reg.MustRegister(g)
	return g
}

// Registry is the registry behind Handler (for tests, or to add collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in Prometheus' text format (or OpenMetrics, if asked). Serve it
// on the metrics listener only.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, EnableOpenMetrics: true})
}

// SignInStarted counts a sign-in started by method: "link", "code", "google", "microsoft".
func (m *Metrics) SignInStarted(method string) {
	if m != nil {
		m.signInStarted.WithLabelValues(oneOf(method, signInMethods)).Inc()
	}
}

// SignInCompleted counts a sign-in that ended with a session, by method (as SignInStarted).
func (m *Metrics) SignInCompleted(method string) {
	if m != nil {
		m.signInCompleted.WithLabelValues(oneOf(method, signInMethods)).Inc()
	}
}

// ObserveStytch records one call to the Stytch API: its endpoint (see
// DefaultStytchEndpoints), how long it took, and its error (nil: ok; a deadline or network
// timeout: timeout; a cancelled context: canceled; anything else: error). The error's text
// is never recorded.
func (m *Metrics) ObserveStytch(endpoint string, d time.Duration, err error) {
	if m == nil {
		return
	}
	endpoint = oneOf(endpoint, m.endpoints)
	m.stytchCalls.WithLabelValues(endpoint, outcome(err)).Inc()
	m.stytchDuration.WithLabelValues(endpoint).Observe(d.Seconds())
}

func outcome(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "error"
}

// RateLimited counts a request refused by a send limit: kind "email", "ip",
// "invite_sender" or "invite_recipient".
func (m *Metrics) RateLimited(kind string) {
	if m != nil {
		m.rateLimited.WithLabelValues(oneOf(kind, limitKinds)).Inc()
	}
}

// StoreError counts a failed store operation: op "session", "last_org", "limit", "ping" or
// "cleanup"; kind "unavailable" when err says so (the store's ErrUnavailable has an
// Unavailable method), else "other".
func (m *Metrics) StoreError(op string, err error) {
	if m == nil {
		return
	}
	kind := other
	var u interface{ Unavailable() bool }
	if errors.As(err, &u) && u.Unavailable() {
		kind = "unavailable"
	}
	m.storeErrors.WithLabelValues(oneOf(op, storeOps), kind).Inc()
}

// SessionCreated counts a session created (a new session token issued).
func (m *Metrics) SessionCreated() {
	if m != nil {
		m.sessionsCreated.Inc()
	}
}

// oneOf returns v if it is in known, else "other".
func oneOf(v string, known []string) string {
	if slices.Contains(known, v) {
		return v
	}
	return other
}
