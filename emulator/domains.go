package emulator

import "github.com/orgpick/orgpick/internal/commondomain"

// CommonEmailDomain reports whether domain (e.g. "gmx.de") is one of Stytch's common email
// domains (internal/commondomain, which the app uses too).
func CommonEmailDomain(domain string) bool { return commondomain.Is(domain) }

func isCommonDomain(d string) bool { return commondomain.Is(d) }

func registrableName(domain string) string { return commondomain.RegistrableName(domain) }
