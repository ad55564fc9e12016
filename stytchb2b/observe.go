package stytchb2b

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Observed wraps base (nil: http.DefaultTransport) so that every Stytch API call is reported
// to observe: its endpoint, named after the SDK's method ("sessions.authenticate"), how long
// it took, and its failure (a transport error, or an HTTP status of 400 or more). Tokens and
// IDs in the path never reach the name.
func Observed(base http.RoundTripper, observe func(endpoint string, d time.Duration, err error)) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := base.RoundTrip(r)
		failure := err
		if err == nil && resp.StatusCode >= 400 {
			failure = fmt.Errorf("status %d", resp.StatusCode)
		}
		observe(EndpointName(r.Method, r.URL.Path), time.Since(start), failure)
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// endpointNames are the endpoints whose SDK name is not their path with dots.
var endpointNames = map[string]string{
	"POST discovery.organizations": "discovery.organizations.list",
	"GET organizations":            "organizations.get",
	"PUT organizations":            "organizations.update",
	"GET organizations.member":     "organizations.members.get",
	"DELETE organizations.members": "organizations.members.delete",
	"GET sessions.jwks":            "sessions.get_jwks",
	"GET recovery_codes":           "recovery_codes.get",
	"POST totp":                    "totp.create",
	"GET rbac.policy":              "rbac.policy",
	"POST organizations.members":   "organizations.members.create",
	"PUT organizations.members":    "organizations.members.update",
}

// EndpointName names a Stytch B2B API call by its method and path: the path after /v1/b2b/
// without its IDs, dotted ("POST /v1/b2b/magic_links/email/discovery/send" is
// "magic_links.email.discovery.send"), or the SDK's name where that differs.
func EndpointName(method, path string) string {
	var parts []string
	for _, p := range strings.Split(strings.TrimPrefix(path, "/v1/b2b/"), "/") {
		if p != "" && !isID(p) {
			parts = append(parts, p)
		}
	}
	dotted := strings.Join(parts, ".")
	if name, ok := endpointNames[method+" "+dotted]; ok {
		return name
	}
	return dotted
}

// isID: Stytch's IDs and tokens in paths (organization-test-…, member-live-…, project-…).
func isID(segment string) bool {
	return strings.Contains(segment, "-test-") || strings.Contains(segment, "-live-")
}
