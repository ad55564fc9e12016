package main

import (
	"strings"
	"testing"
)

// Issue 22, point 7: a METRICS_ADDR that listens beyond this machine (":9090" is every
// interface) is allowed but warned about at startup; a loopback one is not.
func TestMetricsAddrWarning(t *testing.T) {
	t.Parallel()
	for addr, warn := range map[string]bool{
		":9090": true, "0.0.0.0:9090": true, "10.1.2.3:9090": true, "[::]:9090": true,
		"127.0.0.1:9090": false, "localhost:9090": false, "[::1]:9090": false, "": false,
	} {
		c, err := LoadConfig(func(k string) string { return map[string]string{"METRICS_ADDR": addr}[k] })
		if err != nil {
			t.Fatalf("METRICS_ADDR %q: %v", addr, err)
		}
		w := c.Warnings()
		if got := len(w) == 1 && strings.Contains(w[0], "not a loopback address"); got != warn {
			t.Errorf("METRICS_ADDR %q: warnings %q, want a warning: %v", addr, w, warn)
		}
	}
}
