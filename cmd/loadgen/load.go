package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// target is one endpoint under load and its accumulated measurements.
type target struct {
	name, url, cookie, mustContain string
	lat                            []time.Duration
	elapsed, serverCPU             time.Duration
}

func (t *target) add(r result) {
	t.lat = append(t.lat, r.lat...)
	t.elapsed += r.elapsed
	t.serverCPU += r.serverCPU
}

// cpuPerRequest is the server's CPU time (user + system, all threads) per request.
func (t *target) cpuPerRequest() time.Duration { return t.serverCPU / time.Duration(len(t.lat)) }

func (t *target) rps() float64 { return float64(len(t.lat)) / t.elapsed.Seconds() }

// percentile returns the p-th percentile (nearest rank) of the recorded latencies.
func (t *target) percentile(p float64) time.Duration {
	s := slices.Clone(t.lat)
	slices.Sort(s)
	return nearestRank(s, p)
}

func nearestRank(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

type result struct {
	lat                []time.Duration
	elapsed, serverCPU time.Duration
}

// loadClient keeps one keep-alive connection per worker.
func loadClient(c int) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: c * 2, MaxIdleConnsPerHost: c * 2, MaxConnsPerHost: c,
		DisableCompression: true, IdleConnTimeout: time.Minute,
	}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// drive sends n GETs to t from c workers and records each latency. Any response other than a
// 200 (with t.mustContain in the first response checked) fails the run.
func drive(parent context.Context, client *http.Client, t *target, n, c int) (result, error) {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	fail := func(err error) {
		failed.CompareAndSwap(nil, &err)
		cancel()
	}
	start := time.Now()
	for range c {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, t.url, nil)
				if t.cookie != "" {
					req.Header.Set("Cookie", t.cookie)
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					fail(fmt.Errorf("%s: %w", t.name, err))
					return
				}
				var body []byte
				if i == 0 && t.mustContain != "" {
					body, err = io.ReadAll(resp.Body)
				} else {
					_, err = io.Copy(io.Discard, resp.Body)
				}
				resp.Body.Close()
				lat[i] = time.Since(t0)
				switch {
				case err != nil:
					fail(fmt.Errorf("%s: read body: %w", t.name, err))
					return
				case resp.StatusCode != http.StatusOK:
					fail(fmt.Errorf("%s: status %d (Location %q)", t.name, resp.StatusCode, resp.Header.Get("Location")))
					return
				case body != nil && !strings.Contains(string(body), t.mustContain):
					fail(fmt.Errorf("%s: response lacks %s", t.name, t.mustContain))
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if p := failed.Load(); p != nil {
		return result{}, *p
	}
	if err := parent.Err(); err != nil {
		return result{}, err
	}
	return result{lat: lat, elapsed: elapsed}, nil
}
