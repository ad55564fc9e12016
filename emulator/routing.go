package emulator

import (
	"net/http"
	"strings"
)

var (
	errRouteNotFound = newAPIError(404, "route_not_found", "The requested route could not be found.")
	errMethod        = newAPIError(405, "method_not_allowed", "The method used is not supported.")
)

// routeMethods are the methods tried when a request matches no route, to tell an unknown
// path (404 route_not_found) from a known path called with the wrong method (405).
var routeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// unrouted answers requests no API route matched, in Stytch's words. catchAll is the
// pattern this handler is registered under (it matches every path, so it is skipped).
func (e *Emulator) unrouted(mux *http.ServeMux, catchAll string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range routeMethods {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != catchAll {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			e.writeError(w, r, errRouteNotFound)
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		e.writeError(w, r, errMethod)
	}
}
