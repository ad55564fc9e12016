package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// MethodsSubmit handles POST /settings/methods (stytch.organization
// update.settings.allowed-auth-methods; auth_methods ALL_ALLOWED or RESTRICTED,
// allowed_auth_methods one value per method, email_invites, confirm): which sign-in methods
// the organization accepts, and who may be invited. Restricting away the method the admin
// signed in with asks first (the form again, 422, with a warning and "Restrict anyway").
func (h *Settings) MethodsSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	in, confirm, err := parseMethodsForm(r)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	ctx := r.Context()
	f := methodsData(in.AuthMethods == stytchb2b.Restricted, in.Allowed, in.EmailInvites)
	switch {
	case f.Restricted && len(in.Allowed) == 0:
		f.Errors = views.FieldErrors{views.FieldAllowedMethods: msgMethodsNone}
	case f.Restricted && confirm != views.ConfirmYes:
		used, err := h.ownMethods(r, m)
		if err != nil {
			h.re.fail(w, r, err)
			return
		}
		if len(used) > 0 && !slices.ContainsFunc(used, func(u string) bool { return slices.Contains(in.Allowed, u) }) {
			f.Warning = fmt.Sprintf(fmtMethodsLockout, methodLabel(used[0]))
		}
	}
	if f.Errors == nil && f.Warning == "" {
		err := h.stytch.UpdateSignInMethods(ctx, m.Token, m.Org.ID, in)
		if err != nil {
			h.re.fail(w, r, err)
			return
		}
		h.re.confirm(ctx, noticeMethodsSaved, fmt.Sprintf(fmtMethodsSaved, methodsSummary(f)))
		redirect(w, r, "/settings?notice="+noticeMethodsSaved)
		return
	}
	h.re.invalid(w, r, views.MethodsForm(f), func(status int) {
		h.rerender(w, r, m, status, func(d *views.SettingsData) { d.Methods = f })
	})
}

// parseMethodsForm reads the sign-in methods form and its confirm; a value none of our forms
// sends is ErrBadRequest.
func parseMethodsForm(r *http.Request) (stytchb2b.SignInMethods, string, error) {
	p := postForm{r: r}
	mode, invites, confirm := p.value(views.FieldAuthMethods), p.value(views.FieldEmailInvites), p.value(views.FieldConfirm)
	allowed := []string{}
	if p.err == nil {
		for _, v := range r.PostForm[views.FieldAllowedMethods] {
			if !slices.ContainsFunc(signInMethods, func(o views.Option) bool { return o.Value == v }) {
				p.err = fmt.Errorf("allowed_auth_methods %q: %w", shorten(v), ErrBadRequest)
			} else if !slices.Contains(allowed, v) {
				allowed = append(allowed, v)
			}
		}
	}
	switch {
	case p.err != nil:
	case mode != stytchb2b.AllAllowed && mode != stytchb2b.Restricted:
		p.err = fmt.Errorf("auth_methods %q: %w", shorten(mode), ErrBadRequest)
	case !slices.ContainsFunc(emailInviteChoices, func(o views.Option) bool { return o.Value == invites }):
		p.err = fmt.Errorf("email_invites %q: %w", shorten(invites), ErrBadRequest)
	}
	return stytchb2b.SignInMethods{AuthMethods: mode, Allowed: allowed, EmailInvites: invites}, confirm, p.err
}

// ownMethods are the sign-in methods the admin's current session proves (none when this
// session can't be found: no warning then, Stytch still applies the rule at the next sign-in).
func (h *Settings) ownMethods(r *http.Request, m Member) ([]string, error) {
	live, err := h.stytch.MemberSessions(r.Context(), m.Org.ID, m.MemberID)
	if err != nil {
		return nil, err
	}
	current := stytchb2b.SessionIDOf(m.JWT)
	for _, s := range live {
		if s.ID == current {
			return s.Primary, nil
		}
	}
	return nil, nil
}

// methodsSummary says in a sentence which methods are accepted.
func methodsSummary(f views.MethodsData) string {
	if !f.Restricted {
		return msgMethodsAll
	}
	var names []string
	for _, c := range f.Methods {
		if c.Allowed {
			names = append(names, c.Label)
		}
	}
	return fmt.Sprintf(fmtMethodsOnly, strings.Join(names, ", "))
}
