// Package commondomain is Stytch's rule for common (consumer) email domains, shared by the
// app (which refuses them before asking Stytch) and the emulator (which refuses them as Stytch
// does), so the two always agree.
package commondomain

import (
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// names is Stytch's documented list of common email domains. Stytch names them without a TLD,
// and they are matched by registrable name across every public suffix: yahoo.com, yahoo.co.jp
// and yahoo.fr are all "yahoo".
var names = []string{
	"gmail", "aol", "yahoo", "icloud", "hotmail", "msn", "comcast", "live", "outlook", "att",
	"earthlink", "me", "mac", "sbcglobal", "verizon", "hey", "laposte", "wanadoo", "googlemail",
	"orange", "rediffmail", "uol", "bol", "free", "gmx", "yandex", "ymail", "libero",
}

// RegistrableName is the label just left of a domain's public suffix: "mail.yahoo.co.jp" ⇒
// "yahoo", "acme.com" ⇒ "acme", "uol.com.br" ⇒ "uol". A domain that is itself a public suffix
// (or unparseable) yields its first label.
func RegistrableName(domain string) string {
	domain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	etld1, err := publicsuffix.EffectiveTLDPlusOne(domain)
	if err != nil {
		etld1 = domain
	}
	name, _, _ := strings.Cut(etld1, ".")
	return name
}

// Is reports whether domain (e.g. "gmx.de") is one of Stytch's common email domains: it may
// not be an organization's allowed domain, and organizations created from such an address are
// named after the address's local part.
func Is(domain string) bool { return slices.Contains(names, RegistrableName(domain)) }
