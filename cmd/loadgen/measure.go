package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"time"

	"github.com/orgpick/orgpick/internal/testkit"
)

// measurement is one run's phases against the running server, filling rep.
type measurement struct {
	srv        *testkit.Server
	o          options
	rep        *report
	logf       func(string, ...any)
	firstSend  time.Time // when the first sign-in asked for a link (the app's send limit)
	signedInAt time.Time
}

const loadEmail = "load@acme.test"

// signInAndLoad signs one person up (creates an org) and drives /healthz and that person's
// /dashboard in alternating rounds.
func (m *measurement) signInAndLoad(ctx context.Context) error {
	alice := testkit.NewBrowser(m.srv.URL)
	before, err := m.srv.Calls(ctx)
	if err != nil {
		return err
	}
	m.firstSend = time.Now()
	if _, err := alice.SignIn(ctx, m.srv, loadEmail, "Acme Load"); err != nil {
		return fmt.Errorf("sign-in (create): %w", err)
	}
	m.signedInAt = time.Now()
	if m.rep.signInCreate, err = m.srv.CallsSince(ctx, before); err != nil {
		return err
	}
	cookie := alice.Cookie(sessionCookie)
	if cookie == nil {
		return errors.New("no session cookie after sign-in")
	}
	healthz := target{name: "GET /healthz", url: m.srv.URL + "/healthz"}
	dashboard := target{name: "GET /dashboard", url: m.srv.URL + "/dashboard", cookie: cookie.Name + "=" + cookie.Value, mustContain: `data-testid="dashboard"`}
	client := loadClient(m.o.c)
	defer client.CloseIdleConnections()
	if before, err = m.srv.Calls(ctx); err != nil {
		return err
	}
	if err := m.rounds(ctx, client, &healthz, &dashboard); err != nil {
		return err
	}
	dashCalls, err := m.srv.CallsSince(ctx, before)
	if err != nil {
		return err
	}
	m.rep.dashCalls, m.rep.dashViews = dashCalls, m.o.warmup+m.o.n
	m.rep.jwtAgeAtEnd = time.Since(m.signedInAt)
	m.rep.healthz, m.rep.dashboard = healthz, dashboard
	m.rep.requests = 2 * (m.o.warmup + m.o.n)
	m.rep.hwm, m.rep.rss, err = memory(m.srv.Pid())
	return err
}

// rounds warms both targets up, then drives them in alternating rounds, charging each round
// the server CPU it used.
func (m *measurement) rounds(ctx context.Context, client *http.Client, healthz, dashboard *target) error {
	o := m.o
	m.logf("warm-up: %d requests each at %d connections", o.warmup, o.c)
	for _, t := range []*target{healthz, dashboard} {
		if _, err := drive(ctx, client, t, o.warmup, o.c); err != nil {
			return err
		}
	}
	pid := m.srv.Pid()
	machine0, self0 := machineCPU(), processCPU(os.Getpid())
	server0 := processCPU(pid)
	per := o.n / o.rounds
	for r := range o.rounds {
		for _, t := range []*target{healthz, dashboard} {
			k := per
			if r == o.rounds-1 {
				k = o.n - per*(o.rounds-1)
			}
			m.logf("round %d/%d: %s × %d", r+1, o.rounds, t.name, k)
			cpu0 := processCPU(pid)
			res, err := drive(ctx, client, t, k, o.c)
			if err != nil {
				return err
			}
			res.serverCPU = processCPU(pid) - cpu0
			t.add(res)
		}
	}
	m.rep.cpu = cpuShare{
		machine: machineCPU() - machine0, server: processCPU(pid) - server0, loadgen: processCPU(os.Getpid()) - self0,
		capacity: time.Duration(runtime.NumCPU()) * (healthz.elapsed + dashboard.elapsed),
	}
	return nil
}

// returningSignIn signs the same person in again (picking the org) and logs out, counting the
// Stytch calls of each. The app allows one link per address every 30 s, so it may wait.
func (m *measurement) returningSignIn(ctx context.Context) error {
	if wait := sendInterval - time.Since(m.firstSend); wait > 0 {
		m.logf("waiting %s for the app's per-address send limit", wait.Round(time.Second))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	bob := testkit.NewBrowser(m.srv.URL)
	before, err := m.srv.Calls(ctx)
	if err != nil {
		return err
	}
	if _, err := bob.SignIn(ctx, m.srv, loadEmail, ""); err != nil {
		return fmt.Errorf("sign-in (exchange): %w", err)
	}
	if m.rep.signInExchange, err = m.srv.CallsSince(ctx, before); err != nil {
		return err
	}
	if before, err = m.srv.Calls(ctx); err != nil {
		return err
	}
	r, err := bob.Post(ctx, "/logout", nil, false)
	if err == nil {
		err = testkit.Expect(r, http.StatusSeeOther, "/?notice=signed-out")
	}
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	m.rep.logout, err = m.srv.CallsSince(ctx, before)
	return err
}
