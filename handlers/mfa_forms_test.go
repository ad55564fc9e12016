package handlers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/orgpick/orgpick/stytchb2b"
)

func TestParsePhone(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ raw, want, problem string }{
		{"+14155550100", "+14155550100", ""},
		{" +1 (415) 555-0100 ", "+14155550100", ""},
		{"0044 20 7946 0958", "+442079460958", ""},
		{"+44.20.7946.0958", "+442079460958", ""},
		{"", "", msgPhoneEmpty},
		{"   ", "", msgPhoneEmpty},
		{"415 555 0100", "", msgPhoneNoCountry},
		{"+0 415 555 0100", "", msgPhoneNoCountry},
		{"+1 415 CALL ME", "", msgPhoneChars},
		{"+1 415 555 0100 ext 7", "", msgPhoneChars},
		{"++14155550100", "", msgPhoneChars},
		{"+1234", "", msgPhoneShort},
		{"+1234567890123456", "", msgPhoneLong},
		{"+１４１５５５５０１００", "", msgPhoneChars}, // full-width digits are not E.164
	} {
		got, problem := parsePhone(c.raw)
		if got != c.want || problem != c.problem {
			t.Errorf("parsePhone(%q) = %q, %q; want %q, %q", c.raw, got, problem, c.want, c.problem)
		}
	}
}

func TestParseOTP(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ raw, want string }{
		{"123456", "123456"}, {" 123 456 ", "123456"}, {"123-456", "123456"},
		{"", ""}, {"12345", ""}, {"1234567", ""}, {"12a456", ""}, {"１２３４５６", ""},
	} {
		got, problem := parseOTP(c.raw, "enter it")
		if got != c.want || (got == "") != (problem == "enter it") {
			t.Errorf("parseOTP(%q) = %q, %q; want %q", c.raw, got, problem, c.want)
		}
	}
}

func TestParseRecoveryCode(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ raw, want, problem string }{
		{"abcd-efgh-ijkl", "abcd-efgh-ijkl", ""},
		{" ABCD-efgh-1234 ", "abcd-efgh-1234", ""},
		{"", "", msgRecoveryEmpty},
		{"123456", "", msgRecoveryIsOTP},
		{"123 456", "", msgRecoveryIsOTP},
		{"abcd--efgh", "", msgRecoveryMalformed},
		{"-abcd", "", msgRecoveryMalformed},
		{"abcd_efgh", "", msgRecoveryMalformed},
		{strings.Repeat("a", 65), "", msgRecoveryMalformed},
	} {
		got, problem := parseRecoveryCode(c.raw)
		if got != c.want || problem != c.problem {
			t.Errorf("parseRecoveryCode(%q) = %q, %q; want %q, %q", c.raw, got, problem, c.want, c.problem)
		}
	}
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"+14155550100", "00 44 20", "+", "", "+1 (415) 555-0100", "\x00+1", "+٣٣٣٣٣٣٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, problem := parsePhone(raw)
		if (p == "") == (problem == "") {
			t.Fatalf("parsePhone(%q) = %q, %q: exactly one must be set", raw, p, problem)
		}
		if p != "" && !e164.MatchString(p) {
			t.Fatalf("parsePhone(%q) accepted %q, not E.164", raw, p)
		}
	})
}

// Every MFA refusal Stytch can answer has a sentence, and one that reaches fail is not a 500.
func TestMFAErrorsHaveSentences(t *testing.T) {
	t.Parallel()
	for _, sentinel := range []error{
		stytchb2b.ErrCodeWrong, stytchb2b.ErrCodeUsed, stytchb2b.ErrCodeExpired, stytchb2b.ErrRecoveryCodeWrong,
		stytchb2b.ErrTOTPSetupExpired, stytchb2b.ErrTOTPExists, stytchb2b.ErrNoTOTP, stytchb2b.ErrNoPhone,
		stytchb2b.ErrPhoneInvalid, stytchb2b.ErrPhoneTaken, stytchb2b.ErrPhoneMismatch, stytchb2b.ErrMethodNotAllowed,
		stytchb2b.ErrNeedsMFASession, stytchb2b.ErrMFASettings,
	} {
		err := fmt.Errorf("some call: %w", sentinel)
		if mfaProblem(err) == "" {
			t.Errorf("%v: no sentence", sentinel)
		}
		if f := describe(err); f.status >= 500 {
			t.Errorf("%v: status %d", sentinel, f.status)
		}
	}
}
