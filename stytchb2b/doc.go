// Package stytchb2b is the app's adapter for Stytch's B2B API, on the stytch-go v16 SDK. It owns
// the SDK client, the app's types for what Stytch returns (organizations, sessions, discovery),
// the mapping of Stytch's errors to this package's sentinels, and the cache of session JWTs
// already verified locally. No other package of the app imports the SDK.
package stytchb2b
