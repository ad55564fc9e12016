package emulator

import (
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// commonDomainNames is Stytch's documented list of common (consumer) email domains. Stytch
// names them without a TLD, and they are matched by registrable name across every public
// suffix: yahoo.com, yahoo.co.jp and yahoo.fr are all "yahoo".
var commonDomainNames = []string{
	"gmail", "aol", "yahoo", "icloud", "hotmail", "msn", "comcast", "live", "outlook", "att",
	"earthlink", "me", "mac", "sbcglobal", "verizon", "hey", "laposte", "wanadoo", "googlemail",
	"orange", "rediffmail", "uol", "bol", "free", "gmx", "yandex", "ymail", "libero",
}

// registrableName is the label just left of a domain's public suffix: "mail.yahoo.co.jp" ⇒
// "yahoo", "acme.com" ⇒ "acme", "uol.com.br" ⇒ "uol". A domain that is itself a public
// suffix (or unparseable) yields its first label.
func registrableName(domain string) string {
	domain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	etld1, err := publicsuffix.EffectiveTLDPlusOne(domain)
	if err != nil {
		etld1 = domain
	}
	name, _, _ := strings.Cut(etld1, ".")
	return name
}

// CommonEmailDomain reports whether domain (e.g. "gmx.de") is one of Stytch's common email
// domains: it may not be an organization's allowed domain, and organizations created from such
// an address are named after the address's local part. The app can use it to agree with the
// emulator (and Stytch) before calling the API.
func CommonEmailDomain(domain string) bool {
	return slices.Contains(commonDomainNames, registrableName(domain))
}

func isCommonDomain(d string) bool { return CommonEmailDomain(d) }
