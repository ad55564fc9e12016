package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// The app's own limits on codes and texts, over the shared store like the send limits (so they
// hold across instances and restarts). Stytch limits wrong codes and texts too; these keep a
// stolen cookie or a scripted browser from spending Stytch's allowance.
var (
	// DefaultStepCodeRules: wrong codes per step (one MFA step, one session's confirmation, one
	// address's emailed code).
	DefaultStepCodeRules = []Rule{{Window: 10 * time.Minute, Max: 5}}
	// DefaultMemberCodeRules: wrong codes per member, across steps and browsers.
	DefaultMemberCodeRules = []Rule{{Window: time.Hour, Max: 10}}
	// DefaultPhoneTextRules: texts per phone number (five in 10 minutes, ten an hour).
	DefaultPhoneTextRules = []Rule{{Window: 10 * time.Minute, Max: 5}, {Window: time.Hour, Max: 10}}
	// DefaultMemberTextRules: texts per member, whatever the number.
	DefaultMemberTextRules = []Rule{{Window: time.Hour, Max: 10}}
)

// guesses limits wrong codes: per step and per member (or per address, for emailed codes).
// Only wrong codes count; a right one costs nothing.
type guesses struct {
	byStep, byWho *Limiter
}

// wait is how long until another code may be tried for step and who (0: now).
func (g guesses) wait(ctx context.Context, step, who string) time.Duration {
	return max(g.byStep.Wait(ctx, step), g.byWho.Wait(ctx, who))
}

// counted records err when it says the code was wrong, and reports whether it did.
func (g guesses) counted(ctx context.Context, step, who string, err error) bool {
	if !errors.Is(err, stytchb2b.ErrCodeWrong) && !errors.Is(err, stytchb2b.ErrRecoveryCodeWrong) {
		return false
	}
	g.byStep.Allow(ctx, step) // a refusal here only means the limit is already reached
	g.byWho.Allow(ctx, who)
	return true
}

// texts limits texted codes: per phone number and per member.
type texts struct {
	byPhone, byWho *Limiter
}

// allow records a text to phone for who, or returns the WaitError of the limit it hits.
func (t texts) allow(ctx context.Context, phone, who string) error {
	if err := t.byPhone.Allow(ctx, phone); err != nil {
		return err
	}
	if err := t.byWho.Allow(ctx, who); err != nil {
		t.byPhone.Undo(ctx, phone)
		return err
	}
	return nil
}

// undo gives back a text that was not sent.
func (t texts) undo(ctx context.Context, phone, who string) {
	t.byPhone.Undo(ctx, phone)
	t.byWho.Undo(ctx, who)
}

// limits are the code and text limits the MFA step and the account page share.
type limits struct {
	guesses guesses
	texts   texts
}

// whoKey names a member of an organization in a limit's key.
func whoKey(orgID, memberID string) string { return orgID + ":" + memberID }

// secretKey names a step by a token without keeping the token (the store hashes keys too).
func secretKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:16])
}

// waitPage answers a code or text a limit refused: 429 with Retry-After and the wait counted
// down, with a way back to the page (htmx: into #main, as the form's region is gone).
func (re *responder) waitPage(w http.ResponseWriter, r *http.Request, wait time.Duration, title, text, back, backLabel string) {
	c := views.Cooldown{Seconds: max(1, ceilSeconds(wait)), Text: text}
	re.log.Info("code or text refused by the rate limit", "path", r.URL.Path, "wait_s", c.Seconds)
	w.Header().Set("Retry-After", strconv.Itoa(c.Seconds))
	retarget(w, r)
	re.render(w, r, http.StatusTooManyRequests, title, views.WaitFragment(title, c, back, backLabel))
}

// textTo is a text about to be sent: to phone, for who (whoKey), from a page with a way back.
type textTo struct {
	phone, who      string
	back, backLabel string // where the wait page leads back to, and its words
}

// textAllowed counts the text against t. Over a limit it has answered with the wait page, on
// any other error with fail; either way it reports false.
func (re *responder) textAllowed(w http.ResponseWriter, r *http.Request, t texts, to textTo) bool {
	err := t.allow(r.Context(), to.phone, to.who)
	if err == nil {
		return true
	}
	if wait, ok := waitOf(err); ok {
		re.waitPage(w, r, wait, titleTooManyTexts, msgWaitTexts, to.back, to.backLabel)
	} else {
		re.fail(w, r, err)
	}
	return false
}

// waitOf is the wait err asks for (a WaitError), ok false for any other error.
func waitOf(err error) (time.Duration, bool) {
	var we WaitError
	if errors.As(err, &we) {
		return we.Wait, true
	}
	return 0, false
}
