package handlers

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"unicode"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// factorForm is a factor's form as posted, on the step page and the account page alike: a code
// (views.FieldCode or views.FieldRecoveryCode, read by the factor's parse) or a phone number
// (views.FieldPhone).
type factorForm struct {
	Code  string // the code, checked
	Typed string // the phone number as typed (shown again on a refused form)
	Phone string // that number in E.164, once it reads
}

// readFactorForm reads field of f's form: the form, or the field's problem. A malformed
// request has been answered (fail) when ok is false.
func (re *responder) readFactorForm(w http.ResponseWriter, r *http.Request, f *factor, field string) (form factorForm, errs views.FieldErrors, ok bool) {
	raw, err := formValue(r, field)
	if err != nil {
		re.fail(w, r, err)
		return factorForm{}, nil, false
	}
	var problem string
	if field == views.FieldPhone {
		form.Typed = raw
		form.Phone, problem = parsePhone(raw)
	} else {
		form.Code, problem = f.parse(raw)
	}
	if problem != "" {
		return form, views.FieldErrors{field: problem}, true
	}
	return form, nil, true
}

// formField is a field of a factor's form: where the problem of a call the form made stands,
// with the phone number as typed.
type formField struct {
	f     *factor
	name  string // views.FieldCode, views.FieldPhone or views.FieldRecoveryCode
	typed string
}

// refuse words err, the refusal of a call made from field, as the form sent back to its page
// (a wrong code in the factor's own words); false when err is not about what was typed.
func refuse(field formField, err error) (refusal, bool) {
	msg := mfaProblem(err)
	if errors.Is(err, stytchb2b.ErrCodeWrong) && field.f.wrong != "" {
		msg = field.f.wrong
	}
	return refusal{method: field.f.method, errors: views.FieldErrors{field.name: msg}, typed: field.typed}, msg != ""
}

// stripSeparators drops the spaces, dashes, dots and brackets people type inside codes and
// phone numbers.
func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune("-.()/", r) {
			return -1
		}
		return r
	}, s)
}

var sixDigits = regexp.MustCompile(`^[0-9]{6}$`)

// parseOTP reads a 6-digit one-time code ("123 456" and "123-456" too). empty is the sentence
// for a missing or malformed code.
func parseOTP(raw, empty string) (code, problem string) {
	c := stripSeparators(raw)
	if !sixDigits.MatchString(c) {
		return "", empty
	}
	return c, ""
}

var recoveryCodePattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// parseRecoveryCode reads a recovery code like abcd-efgh-ijkl: trimmed, lower-cased (Stytch
// ignores case), at most 64 characters of letters, digits and inner dashes.
func parseRecoveryCode(raw string) (code, problem string) {
	c := strings.ToLower(strings.Join(strings.Fields(raw), ""))
	switch {
	case c == "":
		return "", msgRecoveryEmpty
	case sixDigits.MatchString(c):
		return "", msgRecoveryIsOTP
	case len(c) > 64 || !recoveryCodePattern.MatchString(c):
		return "", msgRecoveryMalformed
	}
	return c, ""
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// parsePhone reads a phone number in international form and returns it as E.164 (+ and 7 to
// 15 digits), or says in plain words what is wrong. A leading 00 counts as +.
func parsePhone(raw string) (phone, problem string) {
	p := stripSeparators(raw)
	if strings.HasPrefix(p, "00") {
		p = "+" + p[2:]
	}
	digits := strings.TrimPrefix(p, "+")
	switch {
	case p == "":
		return "", msgPhoneEmpty
	case strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) >= 0:
		return "", msgPhoneChars
	case !strings.HasPrefix(p, "+"):
		return "", msgPhoneNoCountry
	case strings.HasPrefix(digits, "0"):
		return "", msgPhoneNoCountry
	case len(digits) < 7:
		return "", msgPhoneShort
	case len(digits) > 15:
		return "", msgPhoneLong
	case !e164.MatchString(p):
		return "", msgPhoneInvalid
	}
	return p, ""
}

// maskPhone hides all but the last four digits of a number for display: ••••••0100.
func maskPhone(p string) string {
	if len(p) < 8 {
		return p
	}
	return "••••••" + p[len(p)-4:]
}
