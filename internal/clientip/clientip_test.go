package clientip_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/orgpick/orgpick/internal/clientip"
)

func resolver(t testing.TB, list string) *clientip.Resolver {
	t.Helper()
	trusted, err := clientip.ParseTrusted(list)
	if err != nil {
		t.Fatal(err)
	}
	r, err := clientip.New(trusted)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func request(remote string, xff ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = remote
	for _, v := range xff {
		r.Header.Add("X-Forwarded-For", v)
	}
	return r
}

// proxies is the list of trusted proxies most cases use.
const proxies = "10.0.0.0/8, 192.0.2.7, 2001:db8:aa::/48"

// clientIPCase is a peer address and its X-Forwarded-For lines, resolved trusting the listed proxies.
type clientIPCase struct {
	name    string
	trusted string
	remote  string
	xff     []string
	want    string
}

// wantClientIPs resolves every case in parallel, each within 100ms.
func wantClientIPs(t *testing.T, tests []clientIPCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			got := resolver(t, tt.trusted).ClientIP(request(tt.remote, tt.xff...))
			if got.String() != tt.want {
				t.Fatalf("ClientIP = %s, want %s", got, tt.want)
			}
			if d := time.Since(start); d > 100*time.Millisecond {
				t.Fatalf("took %v", d)
			}
		})
	}
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	wantClientIPs(t, []clientIPCase{
		// No trusted proxies: the header is never read.
		{"no proxies, no header", "", "203.0.113.9:5000", nil, "203.0.113.9"},
		{"no proxies, spoofed header", "", "203.0.113.9:5000", []string{"1.1.1.1"}, "203.0.113.9"},
		{"no proxies, peer in a private range", "", "10.0.0.1:5000", []string{"1.1.1.1"}, "10.0.0.1"},
		// Untrusted peer: its header is ignored whatever it says.
		{"untrusted peer spoofs", proxies, "203.0.113.9:5000", []string{"1.1.1.1"}, "203.0.113.9"},
		{"untrusted peer claims to be a proxy", proxies, "203.0.113.9:5000", []string{"1.1.1.1, 10.0.0.2"}, "203.0.113.9"},
		// Trusted peer.
		{"trusted peer, no header", proxies, "10.0.0.2:80", nil, "10.0.0.2"},
		{"trusted peer, blank header", proxies, "10.0.0.2:80", []string{"  "}, "10.0.0.2"},
		{"one proxy", proxies, "10.0.0.2:80", []string{"198.51.100.4"}, "198.51.100.4"},
		{"single-address proxy", proxies, "192.0.2.7:80", []string{"198.51.100.4"}, "198.51.100.4"},
		{"client prepends a spoof", proxies, "10.0.0.2:80", []string{"1.1.1.1, 198.51.100.4"}, "198.51.100.4"},
		{"client prepends trusted-looking hops", proxies, "10.0.0.2:80", []string{"10.9.9.9, 192.0.2.7, 198.51.100.4"}, "198.51.100.4"},
		{"chain of proxies", proxies, "10.0.0.2:80", []string{"1.1.1.1, 198.51.100.4, 10.0.0.3, 192.0.2.7"}, "198.51.100.4"},
		{"proxies add separate lines", proxies, "10.0.0.2:80", []string{"1.1.1.1, 198.51.100.4", "10.0.0.3"}, "198.51.100.4"},
		{"client sends its own line first", proxies, "10.0.0.2:80", []string{"1.1.1.1", "2.2.2.2", "198.51.100.4"}, "198.51.100.4"},
		{"every hop trusted: leftmost", proxies, "10.0.0.2:80", []string{"10.0.0.5, 10.0.0.4"}, "10.0.0.5"},
		{"blanks and tabs", proxies, "10.0.0.2:80", []string{" 1.1.1.1 ,\t198.51.100.4\t, 10.0.0.3 "}, "198.51.100.4"},
		// Ports, IPv6, zones, mapped addresses.
		{"hop with port", proxies, "10.0.0.2:80", []string{"198.51.100.4:5123"}, "198.51.100.4"},
		{"IPv6 peer and client", proxies, "[2001:db8:aa::1]:443", []string{"2001:db8:bb::7"}, "2001:db8:bb::7"},
		{"IPv6 client bracketed with port", proxies, "10.0.0.2:80", []string{"[2001:db8:bb::7]:5000"}, "2001:db8:bb::7"},
		{"IPv6 client bracketed", proxies, "10.0.0.2:80", []string{"[2001:db8:bb::7]"}, "2001:db8:bb::7"},
		{"IPv4 in brackets", proxies, "10.0.0.2:80", []string{"[198.51.100.4]"}, "10.0.0.2"},
		{"unclosed bracket", proxies, "10.0.0.2:80", []string{"[2001:db8:bb::7"}, "10.0.0.2"},
		{"IPv6 client with zone", proxies, "10.0.0.2:80", []string{"fe80::1%eth0"}, "fe80::1"},
		{"IPv4-mapped client", proxies, "10.0.0.2:80", []string{"::ffff:198.51.100.4"}, "198.51.100.4"},
		{"IPv4-mapped peer is trusted", proxies, "[::ffff:10.0.0.2]:80", []string{"198.51.100.4"}, "198.51.100.4"},
		{"IPv4-mapped trusted hop", proxies, "10.0.0.2:80", []string{"198.51.100.4, ::ffff:10.0.0.3"}, "198.51.100.4"},
		{"zoned peer", proxies, "[fe80::1%eth0]:80", []string{"198.51.100.4"}, "fe80::1"},
		{"IPv6 proxy chain", proxies, "[2001:db8:aa::1]:443", []string{"2001:db8:bb::7, [2001:db8:aa::2]:8080"}, "2001:db8:bb::7"},
		// Peer addresses net/http would not produce but a listener might.
		{"peer without port", proxies, "203.0.113.9", nil, "203.0.113.9"},
		{"peer not an IP", proxies, "@unix", []string{"198.51.100.4"}, "invalid IP"},
		{"empty peer", proxies, "", []string{"198.51.100.4"}, "invalid IP"},
	})
}

// Garbage: the walk stops at the last address known to be real.
func TestClientIPGarbage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("10.1.1.1, ", 100_000) + "10.2.2.2" // 1 MB of trusted hops
	wantClientIPs(t, []clientIPCase{
		{"garbage rightmost", proxies, "10.0.0.2:80", []string{"198.51.100.4, not-an-ip"}, "10.0.0.2"},
		{"garbage after a trusted hop", proxies, "10.0.0.2:80", []string{"x, 10.0.0.3"}, "10.0.0.3"},
		{"garbage left of the client is never read", proxies, "10.0.0.2:80", []string{"<script>, 198.51.100.4"}, "198.51.100.4"},
		{"unknown", proxies, "10.0.0.2:80", []string{"unknown"}, "10.0.0.2"},
		{"empty entries", proxies, "10.0.0.2:80", []string{",,,"}, "10.0.0.2"},
		{"trailing comma", proxies, "10.0.0.2:80", []string{"198.51.100.4,"}, "10.0.0.2"},
		{"five octets", proxies, "10.0.0.2:80", []string{"1.2.3.4.5"}, "10.0.0.2"},
		{"octet out of range", proxies, "10.0.0.2:80", []string{"999.1.1.1"}, "10.0.0.2"},
		{"leading zeros", proxies, "10.0.0.2:80", []string{"010.1.1.1"}, "10.0.0.2"},
		{"control characters", proxies, "10.0.0.2:80", []string{"198.51.100.4\x00"}, "10.0.0.2"},
		{"oversized entry", proxies, "10.0.0.2:80", []string{strings.Repeat("1", 5000)}, "10.0.0.2"},
		{"quoted", proxies, "10.0.0.2:80", []string{`"198.51.100.4"`}, "10.0.0.2"},
		{"Forwarded syntax", proxies, "10.0.0.2:80", []string{"for=198.51.100.4"}, "10.0.0.2"},
		{"bad port", proxies, "10.0.0.2:80", []string{"198.51.100.4:http"}, "10.0.0.2"},
		{"port too long", proxies, "10.0.0.2:80", []string{"198.51.100.4:123456"}, "10.0.0.2"},
		{"huge header of trusted hops stops at the cap", proxies, "10.0.0.2:80", []string{long}, "10.1.1.1"},
		{"huge garbage header", proxies, "10.0.0.2:80", []string{strings.Repeat("a", 1<<20)}, "10.0.0.2"},
		{"many header lines", proxies, "10.0.0.2:80", append(repeatStr("1.1.1.1", 1000), "198.51.100.4"), "198.51.100.4"},
	})
}

func repeatStr(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestParseTrusted(t *testing.T) {
	t.Parallel()
	good := []struct {
		list string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"10.0.0.0/8", []string{"10.0.0.0/8"}},
		{" 10.0.0.0/8 , 192.0.2.7,2001:db8::/32 ", []string{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"}},
		{"10.1.2.3/8", []string{"10.0.0.0/8"}}, // host bits are dropped
		{"::1", []string{"::1/128"}},
	}
	for _, tt := range good {
		got, err := clientip.ParseTrusted(tt.list)
		if err != nil {
			t.Errorf("%q: %v", tt.list, err)
			continue
		}
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if strings.Join(s, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%q: %v, want %v", tt.list, s, tt.want)
		}
	}
	bad := []struct{ list, mention string }{
		{"10.0.0.0/33", `entry 1 "10.0.0.0/33"`},
		{"10.0.0.0/8,,192.0.2.0/24", "entry 2"},
		{"10.0.0.0/8,", "stray comma"},
		{"proxy.internal", "not an IP address"},
		{"10.0.0.0/x", "CIDR"},
		{"0.0.0.0/0", "trusts every address"},
		{"::/0", "trusts every address"},
		{"fe80::1%eth0", "zones"},
		{"fe80::%eth0/64", "zones"},
		{"10.0.0.0/8 192.0.2.0/24", "entry 1"}, // space instead of comma
	}
	for _, tt := range bad {
		_, err := clientip.ParseTrusted(tt.list)
		if err == nil || !strings.Contains(err.Error(), tt.mention) || !strings.Contains(err.Error(), "TRUSTED_PROXIES") {
			t.Errorf("%q: err %v, want one mentioning TRUSTED_PROXIES and %q", tt.list, err, tt.mention)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	for _, p := range []netip.Prefix{{}, netip.MustParsePrefix("0.0.0.0/0")} {
		if _, err := clientip.New([]netip.Prefix{p}); err == nil {
			t.Errorf("New(%v): want an error", p)
		}
	}
	r, err := clientip.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.ClientIP(request("10.0.0.2:80", "1.1.1.1")); got.String() != "10.0.0.2" {
		t.Fatalf("no trusted proxies: %s", got)
	}
}

// FuzzClientIP: never panics; the answer is the zero Addr (peer not an IP) or an address
// written in RemoteAddr or in the header, normalised; an untrusted peer always gets itself.
func FuzzClientIP(f *testing.F) {
	f.Add("10.0.0.2:80", "1.1.1.1, 198.51.100.4, 10.0.0.3")
	f.Add("203.0.113.9:1", "198.51.100.4")
	f.Add("[2001:db8:aa::1]:443", "[2001:db8:bb::7]:5000, fe80::1%eth0")
	f.Add("10.0.0.2:80", ",,,[,]:,:")
	v4, v6 := netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:aa::/48")
	r, err := clientip.New([]netip.Prefix{v4, v6})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		req := request(remote)
		req.Header["X-Forwarded-For"] = []string{xff}
		got := r.ClientIP(req)
		if !got.IsValid() {
			return
		}
		if got.Zone() != "" || got.Is4In6() {
			t.Fatalf("%s not normalised", got)
		}
		peer := addrs(remote)
		if len(peer) == 1 && !v4.Contains(peer[0]) && !v6.Contains(peer[0]) && got != peer[0] {
			t.Fatalf("untrusted peer %s got %s", peer[0], got)
		}
		for _, a := range append(peer, addrs(strings.Split(xff, ",")...)...) {
			if a == got {
				return
			}
		}
		t.Fatalf("ClientIP(%q, %q) = %s: written in neither", remote, xff, got)
	})
}

// addrs returns the addresses each hop text could denote, normalised.
func addrs(hops ...string) []netip.Addr {
	var out []netip.Addr
	for _, h := range hops {
		h = strings.Trim(h, " \t")
		if ap, err := netip.ParseAddrPort(h); err == nil {
			out = append(out, ap.Addr().WithZone("").Unmap())
		} else if a, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
			out = append(out, a.WithZone("").Unmap())
		} else if host, _, ok := strings.Cut(h, ":"); ok {
			if a, err := netip.ParseAddr(host); err == nil {
				out = append(out, a.WithZone("").Unmap())
			}
		}
	}
	return out
}

func TestLimitKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr netip.Addr
		want string
	}{
		{netip.MustParseAddr("198.51.100.4"), "198.51.100.4"},
		{netip.MustParseAddr("::ffff:198.51.100.4"), "198.51.100.4"},
		{netip.MustParseAddr("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64"},
		{netip.MustParseAddr("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64"},
		{netip.MustParseAddr("fe80::1%eth0"), "fe80::/64"},
		{netip.Addr{}, "unknown"},
	}
	for _, tt := range tests {
		if got := clientip.LimitKey(tt.addr); got != tt.want {
			t.Errorf("LimitKey(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}
