package handlers

import (
	"net/http"
	"strings"

	"github.com/orgpick/orgpick/views"
)

// DeleteSubmit handles POST /settings/delete (stytch.organization delete; confirm_slug): delete
// the organization once its URL name is typed exactly. Stytch deletes its members and ends
// their sessions; this browser's sign-in ends with it, and the admin lands on the email form.
func (h *Settings) DeleteSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	typed, err := formValue(r, views.FieldConfirmSlug)
	cur, ok := h.current(w, r, m, err) // the slug as it is now, not as the session last saw it
	if !ok {
		return
	}
	ctx := r.Context()
	if strings.TrimSpace(typed) != cur.Profile.Slug || cur.Profile.Slug == "" {
		d := settingsData(m, cur)
		d.Delete.Typed, d.Delete.Error = typed, msgConfirmSlugWrong
		h.re.invalid(w, r, views.DeleteOrgForm(d.Delete), func(status int) { h.renderSettings(w, r, status, d) })
		return
	}
	if err := h.stytch.DeleteOrg(ctx, m.Token, m.Org.ID); err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.re.log.Info("organization deleted", "org", m.Org.ID)
	if err := h.re.state.sm.Destroy(ctx); err != nil {
		h.re.fail(w, r, err)
		return
	}
	redirect(w, r, "/?notice="+noticeOrgDeleted)
}
