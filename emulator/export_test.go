package emulator

import (
	"crypto/rand"
	"crypto/rsa"
	"sync"
)

// sharedTestKey is generated once per test process: a 2048-bit RSA key costs 50-300 ms under
// -race, most of a test emulator's start-up.
var sharedTestKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// WithSharedTestKey makes a new database's signing key the process's shared test key (each
// database still has its own kid, so a JWT of one emulator is refused by another).
func WithSharedTestKey(c *Config) { c.newKey = sharedTestKey }
