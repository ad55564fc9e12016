package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/orgpick/orgpick/internal/commondomain"
	"github.com/orgpick/orgpick/views"
)

// formValue reads one field of a POSTed form (never the query string), refusing bodies that
// don't parse, a field sent twice, and text that isn't UTF-8.
func formValue(r *http.Request, name string) (string, error) {
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) { // stays recognisable: 413
			return "", fmt.Errorf("parse form: %w", err)
		}
		return "", fmt.Errorf("parse form: %w: %w", ErrBadRequest, err)
	}
	vals := r.PostForm[name]
	switch {
	case len(vals) > 1:
		return "", fmt.Errorf("field %q sent %d times: %w", name, len(vals), ErrBadRequest)
	case len(vals) == 0:
		return "", nil
	case !utf8.ValidString(vals[0]):
		return "", fmt.Errorf("field %q is not UTF-8: %w", name, ErrBadRequest)
	}
	return vals[0], nil
}

// postForm reads a POSTed form field by field with formValue's checks, keeping the first
// problem: a typed form's parse reads its fields in turn and checks err once at the end.
type postForm struct {
	r   *http.Request
	err error
}

// value is the field's text ("" once an earlier field was malformed).
func (f *postForm) value(name string) string {
	if f.err != nil {
		return ""
	}
	v, err := formValue(f.r, name)
	f.err = err
	return v
}

// checked reports whether a checkbox was ticked (sent with any value).
func (f *postForm) checked(name string) bool { return f.value(name) != "" }

// queryText reads a free-text query parameter (a filter box): valid UTF-8, at most 128 bytes,
// trimmed; anything else reads as empty.
func queryText(r *http.Request, name string) string {
	q := r.URL.Query().Get(name)
	if !utf8.ValidString(q) || len(q) > 128 {
		return ""
	}
	return strings.TrimSpace(q)
}

// parseEmail normalises an address and says in plain words what is wrong with it, if anything.
func parseEmail(raw string) (email, problem string) {
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return "", msgEmailEmpty
	case len(s) > 254:
		return "", msgEmailTooLong
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", msgEmailMalformed
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(local) > 64 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") {
		return "", msgEmailMalformed
	}
	return strings.ToLower(s), "" // Stytch compares addresses case-insensitively
}

// Magic-link token types this app accepts, and what a token looks like (URL-safe base64).
const (
	tokenDiscovery   = "discovery"
	tokenMultiTenant = "multi_tenant_magic_links"
	// tokenDiscoveryOAuth lands from Stytch's OAuth discovery: spent at once, never a link.
	tokenDiscoveryOAuth = "discovery_oauth"
	// tokenOAuth lands from an organization's own OAuth sign-in (its pending step asked for it).
	tokenOAuth = "oauth"
)

var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_\-]{16,200}={0,2}$`)

// linkParams validates a magic link's token type and token.
func linkParams(tokenType, token string) error {
	if tokenType != tokenDiscovery && tokenType != tokenMultiTenant {
		return fmt.Errorf("%w: unsupported token type", ErrUnsupportedLink)
	}
	if !tokenPattern.MatchString(token) {
		return fmt.Errorf("%w: malformed token", ErrLinkMalformed)
	}
	return nil
}

var memberIDPattern = regexp.MustCompile(`^member-[A-Za-z0-9_-]{1,120}$`)

// parseCreateOrg reads the create form (POST /orgs/create): the name and URL name, trimmed and
// checked by Stytch's rules (Errors by field).
func parseCreateOrg(r *http.Request) (views.CreateOrgData, error) {
	p := postForm{r: r}
	f := views.CreateOrgData{Name: strings.TrimSpace(p.value(views.FieldOrgName)), Slug: strings.TrimSpace(p.value(views.FieldOrgSlug))}
	if p.err == nil {
		f.Errors = validateOrg(f.Name, f.Slug)
	}
	return f, p.err
}

// validateOrg checks a new organization's name and URL name by Stytch's rules.
func validateOrg(name, slug string) views.FieldErrors {
	errs := views.FieldErrors{}
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		errs[views.FieldOrgName] = msgOrgNameEmpty
	case n > 128:
		errs[views.FieldOrgName] = msgOrgNameTooLong
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		errs[views.FieldOrgName] = msgOrgNameChars
	}
	if slug != "" && !validSlug(slug) {
		errs[views.FieldOrgSlug] = msgSlugRule
	} else if slug == "" && len(errs) == 0 && !validSlug(slugify(name)) {
		errs[views.FieldOrgSlug] = msgSlugUnderivable
	}
	return errs
}

func validSlug(s string) bool {
	if len(s) < 2 || len(s) > 128 {
		return false
	}
	alnum := false
	for _, c := range s {
		switch {
		case c < utf8.RuneSelf && (unicode.IsLetter(c) || unicode.IsDigit(c)):
			alnum = true
		case c == '-' || c == '.' || c == '_' || c == '~':
		default:
			return false
		}
	}
	return alnum
}

// slugify derives a URL name from an organization name: "Acme & Co." → "acme-co".
func slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(name) {
		if c < utf8.RuneSelf && (unicode.IsLetter(c) || unicode.IsDigit(c)) {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimSuffix(b.String(), "-")
	if len(s) > 128 {
		s = strings.TrimSuffix(s[:128], "-")
	}
	return s
}

// maxAllowedDomains is how many allowed email domains the settings form accepts.
const maxAllowedDomains = 20

var domainLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// parseDomains reads the allowed-domains field: domains separated by commas, semicolons,
// spaces or new lines; lower-cased, a leading "@" dropped, duplicates removed, in typed order.
// It says in plain words what is wrong, naming the first bad entry.
func parseDomains(raw string) ([]string, string) {
	var out []string
	for _, f := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
		d := strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(f), "@"), ".")
		if !validDomain(d) {
			return nil, fmt.Sprintf(fmtDomainMalformed, shorten(f))
		}
		if commondomain.Is(d) { // Stytch's own list and matching (yahoo.co.jp is yahoo)
			return nil, fmt.Sprintf(fmtDomainCommon, d)
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
		if len(out) > maxAllowedDomains {
			return nil, fmt.Sprintf(fmtDomainsTooMany, maxAllowedDomains)
		}
	}
	return out, ""
}

// validDomain: at most 253 characters, two or more labels of letters, digits and inner hyphens,
// and a top-level label of two or more letters (or an xn-- IDN label).
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(d) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !domainLabel.MatchString(l) {
			return false
		}
	}
	tld := labels[len(labels)-1]
	return strings.HasPrefix(tld, "xn--") || len(tld) >= 2 && strings.IndexFunc(tld, func(r rune) bool { return r < 'a' || r > 'z' }) < 0
}

// shorten keeps a quoted entry readable: at most 40 characters.
func shorten(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:39]) + "…"
}
