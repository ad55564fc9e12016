// Package testkit is the one place tests (and cmd/loadgen) start orgpick and sign a person in.
//
// It starts either the real binary (Build, Start: a free loopback port, the embedded emulator, a
// SQLite file in a folder that outlives restarts) or the in-process app (NewApp: handlers.New on
// an httptest server, the emulator on another, the real SDK between them). Either way a Browser
// (a cookie jar that does not follow redirects) signs a person in through the emulator's mailbox,
// exactly as a person would: email form, link, Continue, chooser. Seeding helpers make the
// organizations the app has no screen for through the SDK.
//
// Everything returns errors instead of taking a *testing.T, so cmd/loadgen uses it too; tests
// wrap the calls they make with their own t.Fatal.
package testkit
