// Package clientip finds the address of the person behind a request: the connecting peer,
// or, when that peer is one of the app's own reverse proxies (TRUSTED_PROXIES), the address
// those proxies recorded in X-Forwarded-For.
//
// Each proxy appends the address it received the request from, so the header reads
// "client-supplied…, client, proxy1, proxy2" (the peer being proxy3). Walking from the right,
// every hop written by a trusted proxy is genuine; the first address that is not a trusted
// proxy is the client. Anything to its left came from the client and is never read, so a
// spoofed header changes nothing. Other headers (Forwarded, X-Real-IP) are not consulted.
package clientip

import (
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/netip"
	"strings"
)

// maxHops bounds the walk through X-Forwarded-For: no deployment chains this many trusted
// proxies, and a header of any size costs at most this many parses.
const maxHops = 32

// maxEntry is longer than any address with port and zone ("[ffff:…:ffff%zone]:65535").
const maxEntry = 64

// Resolver resolves client addresses. It is immutable and safe for concurrent use.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a resolver trusting X-Forwarded-For from peers in the given networks (none:
// the peer address is always the client). ParseTrusted reads them from TRUSTED_PROXIES.
func New(trusted []netip.Prefix) (*Resolver, error) {
	r := &Resolver{}
	for _, p := range trusted {
		if err := checkPrefix(p); err != nil {
			return nil, fmt.Errorf("clientip: trusted proxy %s: %w", p, err)
		}
		r.trusted = append(r.trusted, p.Masked())
	}
	return r, nil
}

// ParseTrusted parses TRUSTED_PROXIES: comma-separated networks in CIDR notation
// ("10.0.0.0/8, 2001:db8::/32") or single addresses ("192.0.2.7", meaning /32 or /128).
// An empty or blank value means no trusted proxy. Errors name the offending entry.
func ParseTrusted(list string) ([]netip.Prefix, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var out []netip.Prefix
	for i, raw := range strings.Split(list, ",") {
		entry := strings.TrimSpace(raw)
		p, err := parsePrefix(entry)
		if err == nil {
			err = checkPrefix(p)
		}
		if err != nil {
			return nil, fmt.Errorf("TRUSTED_PROXIES entry %d %q: %w", i+1, entry, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func parsePrefix(entry string) (netip.Prefix, error) {
	switch {
	case entry == "":
		return netip.Prefix{}, errors.New("empty entry (stray comma?)")
	case strings.Contains(entry, "%"):
		return netip.Prefix{}, errors.New("zones (%eth0) are not allowed")
	case strings.Contains(entry, "/"):
		p, err := netip.ParsePrefix(entry)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("not a CIDR network such as 10.0.0.0/8 or 2001:db8::/32: %w", err)
		}
		return p, nil
	}
	a, err := netip.ParseAddr(entry)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not an IP address or CIDR network: %w", err)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// checkPrefix refuses what cannot be meant: an invalid prefix, and /0, which would trust
// every address and so let any client choose its own.
func checkPrefix(p netip.Prefix) error {
	switch {
	case !p.IsValid():
		return errors.New("invalid network")
	case p.Addr().Zone() != "":
		return errors.New("zones are not allowed")
	case p.Bits() == 0:
		return errors.New("trusts every address, so any client could pick its own; list your proxies' networks")
	}
	return nil
}

// ClientIP returns the client's address: the peer's (r.RemoteAddr), unless the peer is a
// trusted proxy, in which case it is the rightmost X-Forwarded-For hop that is not a trusted
// proxy. If every hop is trusted, the leftmost is the client. A hop that is not an address
// (garbage, "unknown", empty) ends the walk at the last address known to be real. Addresses
// come back without zone and with IPv4-mapped IPv6 unmapped, so one client has one form.
// The zero Addr means RemoteAddr is not an IP address (a Unix socket, say).
func (r *Resolver) ClientIP(req *http.Request) netip.Addr {
	peer, ok := parseHop(req.RemoteAddr)
	if !ok || !r.isTrusted(peer) {
		return peer
	}
	client := peer
	hops := 0
	for entry := range fromRight(req.Header.Values("X-Forwarded-For")) {
		if hops++; hops > maxHops {
			break
		}
		hop, ok := parseHop(entry)
		if !ok {
			break
		}
		client = hop
		if !r.isTrusted(hop) {
			break
		}
	}
	return client
}

// fromRight yields the comma-separated entries of the header lines, last first. Later lines
// were added by later proxies; blank lines are skipped. Nothing is split up front, so a huge
// header costs only the entries actually read.
func fromRight(values []string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for i := len(values) - 1; i >= 0; i-- {
			v := values[i]
			if strings.TrimSpace(v) == "" {
				continue
			}
			for {
				j := strings.LastIndexByte(v, ',')
				if !yield(v[j+1:]) {
					return
				}
				if j < 0 {
					break
				}
				v = v[:j]
			}
		}
	}
}

// FromTrustedProxy reports whether the request's peer is one of the trusted proxies, so the
// other headers it forwards (X-Forwarded-Host, -Proto, -Uri, X-Original-URL) may be believed.
func (r *Resolver) FromTrustedProxy(req *http.Request) bool {
	peer, ok := parseHop(req.RemoteAddr)
	return ok && r.isTrusted(peer)
}

func (r *Resolver) isTrusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads one address as proxies write them: "192.0.2.1", "192.0.2.1:5678",
// "2001:db8::1", "[2001:db8::1]" or "[2001:db8::1]:443", with optional blanks around it.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.Trim(s, " \t")
	if s == "" || len(s) > maxEntry {
		return netip.Addr{}, false
	}
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 || (end != len(s)-1 && !isPort(s[end+1:])) {
			return netip.Addr{}, false
		}
		a, err := netip.ParseAddr(s[1:end])
		if err != nil || !a.Is6() {
			return netip.Addr{}, false
		}
		return norm(a), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return norm(a), true
	}
	host, port, found := strings.Cut(s, ":")
	if !found || !isPort(":"+port) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Is4() {
		return netip.Addr{}, false
	}
	return norm(a), true
}

// isPort reports whether s is ":" followed by 1 to 5 digits.
func isPort(s string) bool {
	if len(s) < 2 || len(s) > 6 || s[0] != ':' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func norm(a netip.Addr) netip.Addr { return a.WithZone("").Unmap() }

// LimitKey is the per-address send-limit key for a client address: the address itself for
// IPv4, and its /64 network for IPv6, because one subscriber usually holds a whole /64 and
// could otherwise step through 2^64 addresses to escape a per-address limit. The zero Addr
// (no IP) gives "unknown", so such requests share one budget.
func LimitKey(a netip.Addr) string {
	a = norm(a)
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is4():
		return a.String()
	}
	p, _ := a.Prefix(64) // cannot fail for a valid IPv6 address
	return p.String()
}
