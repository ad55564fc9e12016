// Package conformance drives the standalone stytch-emulator binary (cmd/stytch-emulator)
// through the unmodified stytch-go v16 SDK, the way an independently written client would:
// Stytch's Go quickstart flow (a discovery email without a redirect URL, authenticate, create,
// exchange, an RBAC-checked authenticate) and a table of documented error cases. It has only
// tests; run them with go test ./emulator/conformance.
package conformance
