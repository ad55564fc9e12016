package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/orgpick/orgpick/store"
	"github.com/orgpick/orgpick/views"
)

// The app's own failures (Stytch's are in stytch.go).
var (
	ErrBadRequest    = errors.New("malformed request")
	ErrCrossOrigin   = errors.New("cross-origin request refused")
	ErrOrgNotOffered = errors.New("organization not offered for this sign-in")
	ErrNotAdmin      = errors.New("admin role required")
	ErrNotFound      = errors.New("no such page")
)

// WaitError says a limit was hit and how long until the next try is allowed.
type WaitError struct{ Wait time.Duration }

func (e WaitError) Error() string { return fmt.Sprintf("rate limited for %s", e.Wait) }

// Is makes every WaitError match ErrRateLimited.
func (e WaitError) Is(target error) bool { return target == ErrRateLimited }

// failure is what a person sees for an error: status, a sentence saying what happened and what
// to do, and a link to the next step on the full page.
type failure struct {
	status          int
	msg             string
	next, nextLabel string
}

// describe maps an error to what the person sees. It is the one place errors become words.
func describe(err error) failure {
	f := failure{http.StatusInternalServerError, "Something went wrong on our side. Please try again.", "/", "Back to sign in"}
	var wait WaitError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &wait):
		f.status, f.msg = http.StatusTooManyRequests, fmt.Sprintf("Too many attempts. Please wait %s and try again.", humanSeconds(wait.Wait))
	case errors.Is(err, ErrRateLimited):
		f.status, f.msg = http.StatusTooManyRequests, "Too many attempts right now. Please wait a minute and try again."
	case errors.Is(err, ErrUnsupportedLink):
		f.status, f.msg = http.StatusBadRequest, "This kind of sign-in link isn't supported here. Enter your email to get a sign-in link that is."
	case errors.Is(err, ErrLinkExpired), errors.Is(err, ErrLinkNotFound):
		f.status, f.msg, f.nextLabel = http.StatusBadRequest, "This sign-in link has expired or was already used. Links work once, for 60 minutes. Enter your email to get a new one.", "Get a new link"
	case errors.Is(err, ErrChoiceExpired):
		f.status, f.msg, f.nextLabel = http.StatusGone, "Your sign-in expired before you chose an organization (it lasts 10 minutes). Enter your email to get a new link.", "Get a new link"
	case errors.Is(err, ErrSessionEnded):
		f.status, f.msg = http.StatusUnauthorized, "Your session has ended. Please sign in again."
	case errors.Is(err, ErrOrgNotFound):
		f.status, f.msg = http.StatusNotFound, "That organization no longer exists. Please choose another one."
	case errors.Is(err, ErrOrgNotOffered), errors.Is(err, ErrNotEligible):
		f.status, f.msg = http.StatusForbidden, "You can't enter that organization with this email address. Please choose one from the list."
	case errors.Is(err, ErrNotAdmin):
		f.status, f.msg, f.next, f.nextLabel = http.StatusForbidden, "Only an admin of this organization can do that. Ask an admin for help.", "/dashboard", "Back to the dashboard"
	case errors.Is(err, ErrMemberNotFound):
		f.status, f.msg, f.next, f.nextLabel = http.StatusNotFound, "We couldn't find that person in this organization. They may have been removed already.", "/members", "Back to members"
	case errors.Is(err, ErrMemberActive), errors.Is(err, ErrRevokeActive):
		f.status, f.msg, f.next, f.nextLabel = http.StatusConflict, "That person has already joined this organization, so there's no invitation to resend or revoke.", "/members", "Back to members"
	case errors.Is(err, ErrRevokeSelf):
		f.status, f.msg, f.next, f.nextLabel = http.StatusConflict, "That's your own membership: there's no invitation of yours to resend or revoke.", "/members", "Back to members"
	case errors.Is(err, ErrInviteDomain), errors.Is(err, ErrInvitesOff):
		f.status, f.msg, f.next, f.nextLabel = http.StatusConflict, "This organization's settings no longer allow an invitation to that address.", "/members", "Back to members"
	case errors.Is(err, ErrMFARequired):
		f.status, f.msg = http.StatusForbidden, "This organization requires an extra sign-in step (such as SSO or a second factor) that this app doesn't support yet. Ask its admin, or choose another organization."
	case errors.Is(err, ErrEmailInvalid):
		f.status, f.msg = http.StatusBadRequest, "We can't send email to that address. Please check it, or use another one."
	case errors.Is(err, ErrStytchDown):
		f.status, f.msg, f.nextLabel = http.StatusServiceUnavailable, "We can't reach our sign-in service right now. Nothing you entered was lost: please try again in a moment.", "Try again"
	case errors.Is(err, store.ErrUnavailable):
		f.status, f.msg, f.nextLabel = http.StatusServiceUnavailable, "Our database is busy or unavailable right now. Nothing was lost: please try again in a moment.", "Try again"
	case errors.Is(err, ErrCrossOrigin):
		f.status, f.msg = http.StatusForbidden, "This form was sent from another site, so we ignored it. If you meant to do this, use the form on this site."
	case errors.As(err, &tooBig):
		f.status, f.msg = http.StatusRequestEntityTooLarge, "That request was too large. Please check what you entered."
	case errors.Is(err, ErrBadRequest):
		f.status, f.msg = http.StatusBadRequest, "That request was incomplete or malformed. Please go back and try again."
	case errors.Is(err, ErrNotFound):
		f.status, f.msg = http.StatusNotFound, "There's no page at this address."
	case errors.Is(err, ErrStytchRejected):
		f.status, f.msg = http.StatusBadRequest, "Our sign-in service refused that request. Please start again."
	}
	return f
}

// fail is the one place an error becomes a response: it logs once and renders the failure,
// as a page or, for htmx, as a message retargeted into #flash.
func (re *responder) fail(w http.ResponseWriter, r *http.Request, err error) {
	f := describe(err)
	level := slog.LevelWarn
	if f.status >= 500 {
		level = slog.LevelError
	}
	re.log.Log(r.Context(), level, "request failed", "method", r.Method, "path", r.URL.Path, "status", f.status, "err", err)
	var wait WaitError
	if errors.As(err, &wait) {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Wait.Seconds()))))
	}
	if isFragment(r) {
		w.Header().Set("HX-Retarget", "#flash")
		w.Header().Set("HX-Reswap", "innerHTML")
		w.Header().Set("HX-Reselect", "#error-message") // the requester may have hx-select'ed something else
	}
	re.render(w, r, f.status, "", func(l views.LayoutData) templ.Component {
		l.Title = views.ErrorTitle(f.status)
		return views.ErrorPage(l, f.status, f.msg, f.next, f.nextLabel)
	}, views.ErrorFragment(f.msg))
}

func humanSeconds(d time.Duration) string {
	s := int(math.Ceil(d.Seconds()))
	if s <= 1 {
		return "1 second"
	}
	if s < 120 {
		return fmt.Sprintf("%d seconds", s)
	}
	return fmt.Sprintf("%d minutes", int(math.Ceil(float64(s)/60)))
}
