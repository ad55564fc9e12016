package handlers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/orgpick/orgpick/store"
	"github.com/orgpick/orgpick/stytchb2b"
)

// sentinels are every error a handler may meet, by name: the app's own, the Stytch adapter's
// and the store's. TestEverySentinelHasWords reads the source files to make sure the list is
// whole, so a new sentinel without words fails here.
var sentinels = map[string]error{
	"ErrBadRequest": ErrBadRequest, "ErrCrossOrigin": ErrCrossOrigin, "ErrOrgNotOffered": ErrOrgNotOffered,
	"ErrNotFound": ErrNotFound, "ErrUnsupportedLink": ErrUnsupportedLink, "ErrLinkMalformed": ErrLinkMalformed,
	"ErrRevokeActive": ErrRevokeActive, "ErrRevokeSelf": ErrRevokeSelf, "ErrOAuthNotStarted": ErrOAuthNotStarted,
	"ErrLastAdmin": ErrLastAdmin, "ErrActOnSelf": ErrActOnSelf, "ErrNotRemoved": ErrNotRemoved,
	"ErrCannotRestore": stytchb2b.ErrCannotRestore,

	"ErrLinkExpired": stytchb2b.ErrLinkExpired, "ErrLinkNotFound": stytchb2b.ErrLinkNotFound,
	"ErrChoiceExpired": stytchb2b.ErrChoiceExpired, "ErrSessionEnded": stytchb2b.ErrSessionEnded,
	"ErrOrgNotFound": stytchb2b.ErrOrgNotFound, "ErrNotEligible": stytchb2b.ErrNotEligible,
	"ErrSlugTaken": stytchb2b.ErrSlugTaken, "ErrSlugInvalid": stytchb2b.ErrSlugInvalid,
	"ErrNameInvalid": stytchb2b.ErrNameInvalid, "ErrEmailInvalid": stytchb2b.ErrEmailInvalid,
	"ErrRateLimited": stytchb2b.ErrRateLimited, "ErrStytchDown": stytchb2b.ErrStytchDown,
	"ErrMFARequired": stytchb2b.ErrMFARequired, "ErrStytchRejected": stytchb2b.ErrStytchRejected,
	"ErrMemberNotFound": stytchb2b.ErrMemberNotFound, "ErrMemberActive": stytchb2b.ErrMemberActive,
	"ErrInvitesOff": stytchb2b.ErrInvitesOff, "ErrInviteDomain": stytchb2b.ErrInviteDomain,
	"ErrDomainTooCommon": stytchb2b.ErrDomainTooCommon, "ErrDomainInvalid": stytchb2b.ErrDomainInvalid,
	"ErrSettingsConflict": stytchb2b.ErrSettingsConflict, "ErrForbidden": stytchb2b.ErrForbidden,
	"ErrCodeWrong": stytchb2b.ErrCodeWrong, "ErrCodeUsed": stytchb2b.ErrCodeUsed,
	"ErrCodeExpired": stytchb2b.ErrCodeExpired, "ErrRecoveryCodeWrong": stytchb2b.ErrRecoveryCodeWrong,
	"ErrTOTPSetupExpired": stytchb2b.ErrTOTPSetupExpired, "ErrTOTPExists": stytchb2b.ErrTOTPExists,
	"ErrNoTOTP": stytchb2b.ErrNoTOTP, "ErrNoPhone": stytchb2b.ErrNoPhone,
	"ErrPhoneInvalid": stytchb2b.ErrPhoneInvalid, "ErrPhoneTaken": stytchb2b.ErrPhoneTaken,
	"ErrPhoneMismatch": stytchb2b.ErrPhoneMismatch, "ErrMethodNotAllowed": stytchb2b.ErrMethodNotAllowed,
	"ErrNeedsMFASession": stytchb2b.ErrNeedsMFASession, "ErrMFASettings": stytchb2b.ErrMFASettings,
	"ErrOAuthExpired": stytchb2b.ErrOAuthExpired, "ErrOAuthDevice": stytchb2b.ErrOAuthDevice,
	"ErrOAuthOtherAccount": stytchb2b.ErrOAuthOtherAccount,

	"ErrSSONotStarted": ErrSSONotStarted, "ErrSSONotOffered": ErrSSONotOffered, "ErrSSOUnavailable": ErrSSOUnavailable,
	"ErrOrgPageNotFound": ErrOrgPageNotFound, "ErrSSOExpired": stytchb2b.ErrSSOExpired, "ErrSSONoJIT": stytchb2b.ErrSSONoJIT,
	"ErrSSOConnNotFound": stytchb2b.ErrSSOConnNotFound, "ErrSSODefaultInUse": stytchb2b.ErrSSODefaultInUse,
	"ErrSSOMetadata": stytchb2b.ErrSSOMetadata, "ErrSSOConfigInvalid": stytchb2b.ErrSSOConfigInvalid,
	"ErrSSORestricted": stytchb2b.ErrSSORestricted,

	"store.ErrUnavailable": store.ErrUnavailable, "store.ErrNotFound": store.ErrNotFound,
	"store.ErrSessionData": store.ErrSessionData,
}

// sentinelsOfOurs mean a fault of ours, so they read as the 500 page: a session row that
// doesn't decode, and a store lookup that finds nothing (handled where it happens: LastOrg).
var sentinelsOfOurs = []string{"store.ErrSessionData", "store.ErrNotFound"}

// sentinelsWordedInForms are refused only inside a form, never on a page of their own: their
// words are a problem row (errors.go), checked below instead of describe.
var sentinelsWordedInForms = []string{
	"ErrSlugTaken", "ErrSlugInvalid", "ErrNameInvalid", "ErrDomainTooCommon", "ErrDomainInvalid",
	"ErrSettingsConflict", "ErrCodeWrong", "ErrCodeUsed", "ErrCodeExpired",
}

// TestEverySentinelHasWords: every exported Err… variable of handlers, stytchb2b and store is in
// sentinels, and each one reads as a page of its own (not the 500 "Something went wrong") or, for
// those only ever refused in a form, as a problem row of a form.
func TestEverySentinelHasWords(t *testing.T) {
	t.Parallel()
	var declared []string
	for dir, prefix := range map[string]string{".": "", "../stytchb2b": "", "../store": "store."} {
		for _, name := range exportedErrVars(t, dir) {
			declared = append(declared, prefix+name)
		}
	}
	for _, name := range declared {
		if _, ok := sentinels[name]; !ok {
			t.Errorf("%s is declared but not in this test's sentinels: add it, and its words to errors.go", name)
		}
	}
	for name, err := range sentinels {
		if !slices.Contains(declared, name) {
			t.Errorf("sentinels lists %s, which no source file declares", name)
		}
		if slices.Contains(sentinelsOfOurs, name) {
			continue
		}
		if slices.Contains(sentinelsWordedInForms, name) {
			if !wordedInAForm(err) {
				t.Errorf("%s has no problem row in any form's table", name)
			}
			continue
		}
		f := describe(err)
		if f.status == http.StatusInternalServerError || f.msg == msgDefaultFailure || f.title == "" {
			t.Errorf("%s reads as %d %q: give it a row in failures", name, f.status, f.title)
		}
	}
}

func wordedInAForm(err error) bool {
	for _, rows := range [][]problem{inviteProblems, createOrgProblems, settingsProblems, emailCodeProblems, mfaProblems} {
		if p, ok := problemOf(err, rows); ok && p.msg != "" {
			return true
		}
	}
	return false
}

// exportedErrVars lists the exported package-level variables named Err… in dir's non-test files.
func exportedErrVars(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.VAR {
					continue
				}
				for _, spec := range g.Specs {
					for _, n := range spec.(*ast.ValueSpec).Names {
						if strings.HasPrefix(n.Name, "Err") {
							names = append(names, n.Name)
						}
					}
				}
			}
		}
	}
	return names
}
