package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunServesJWKS(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	db := filepath.Join(t.TempDir(), "sub", "emu.db")
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"-addr", "127.0.0.1:0", "-db", db}, func(k string) string {
			if k == "STYTCH_PROJECT_ID" {
				return "project-test-cmd"
			}
			return ""
		}, pw)
		pw.Close()
		done <- err
	}()

	sc := bufio.NewScanner(pr)
	var base string
	for sc.Scan() {
		if after, ok := strings.CutPrefix(sc.Text(), "Stytch B2B emulator listening on "); ok {
			base = after
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if base == "" {
		t.Fatal("no base URL printed")
	}

	resp, err := http.Get(base + "/v1/b2b/sessions/jwks/project-test-cmd")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("JWKS status = %d", resp.StatusCode)
	}
	resp, err = http.Get(base + "/dev/mailbox.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("mailbox status = %d", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
}

func TestRunRejectsLiveProject(t *testing.T) {
	t.Parallel()
	err := run(t.Context(), []string{"-project-id", "project-live-x", "-db", filepath.Join(t.TempDir(), "e.db")},
		func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "refusing a live project ID") {
		t.Fatalf("run with a live project ID: %v, want the refusal", err)
	}
}

func TestRunHelpIsNotAnError(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	if err := run(t.Context(), []string{"-h"}, func(string) string { return "" }, &out); err != nil {
		t.Fatalf("-h: %v", err)
	}
	if !strings.Contains(out.String(), "-redirect-urls") {
		t.Errorf("usage not printed: %q", out.String())
	}
}
