package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"time"
)

// asset is one response of the first page load, as transferred.
type asset struct {
	path     string
	bytes    int
	encoding string
}

var (
	cssHref = regexp.MustCompile(`<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"`)
	jsSrc   = regexp.MustCompile(`<script[^>]+src="([^"]+)"`)
)

// firstLoad fetches GET / and the stylesheet and script it links, as a new visitor whose
// browser accepts gzip, and returns the bytes each took on the wire (body, as encoded).
func firstLoad(ctx context.Context, base string) ([]asset, error) {
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	defer c.CloseIdleConnections()
	// fetch returns what path took on the wire and its text (decompressed).
	fetch := func(path string) (asset, string, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		resp, err := c.Do(req)
		if err != nil {
			return asset{}, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
		}
		a := asset{path: path, bytes: len(body), encoding: resp.Header.Get("Content-Encoding")}
		if err != nil || a.encoding != "gzip" {
			return a, string(body), err
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return a, "", fmt.Errorf("GET %s: %w", path, err)
		}
		text, err := io.ReadAll(io.LimitReader(zr, 16<<20))
		return a, string(text), err
	}
	page, html, err := fetch("/")
	if err != nil {
		return nil, fmt.Errorf("first load: %w", err)
	}
	out := []asset{page}
	for _, re := range []*regexp.Regexp{cssHref, jsSrc} {
		for _, m := range re.FindAllStringSubmatch(html, -1) {
			a, _, err := fetch(m[1])
			if err != nil {
				return nil, fmt.Errorf("first load: %w", err)
			}
			out = append(out, a)
		}
	}
	if len(out) < 3 {
		return nil, fmt.Errorf("first load: found %d linked files in GET /, want the CSS and htmx", len(out)-1)
	}
	return out, nil
}
