package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/a-h/templ"

	"github.com/orgpick/orgpick/views"
)

// Orgs serves the organization chooser (IST held server-side) and the dashboard's org switch.
type Orgs struct {
	re     *responder
	state  sessionState
	stytch Stytch
	guard  *guard
	signer *signer
	now    func() time.Time
}

// searchableAt is how many orgs it takes for the chooser to show its filter box.
const searchableAt = 6

// pending returns the discovery in progress. When there is none, or it has expired, it answers
// the request itself (back to the email form, address kept) and returns false.
func (h *Orgs) pending(w http.ResponseWriter, r *http.Request) (Pending, bool) {
	p, ok := h.state.pending(r.Context())
	switch {
	case !ok:
		if _, signedIn := h.state.member(r.Context()); signedIn {
			redirect(w, r, "/dashboard")
		} else {
			redirect(w, r, "/")
		}
		return Pending{}, false
	case !h.now().Before(p.ExpiresAt):
		h.choiceExpired(w, r)
		return Pending{}, false
	}
	return p, true
}

// choiceExpired forgets the IST and sends the person back to the email form, which keeps the address.
func (h *Orgs) choiceExpired(w http.ResponseWriter, r *http.Request) {
	h.state.sm.Remove(r.Context(), keyPending)
	h.re.log.Info("intermediate session expired", "path", r.URL.Path)
	redirect(w, r, "/?notice=choice-expired")
}

// ChooserPage handles GET /orgs (optionally ?q= to filter): it renders from the session, no Stytch call.
func (h *Orgs) ChooserPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.pending(w, r)
	if !ok {
		return
	}
	q := r.URL.Query().Get("q")
	if !utf8.ValidString(q) || len(q) > 128 {
		q = ""
	}
	h.renderChooser(w, r, http.StatusOK, p, strings.TrimSpace(q), views.CreateOrgData{})
}

func (h *Orgs) renderChooser(w http.ResponseWriter, r *http.Request, status int, p Pending, q string, create views.CreateOrgData) {
	if len(p.Orgs) < searchableAt {
		q = "" // no filter box, so no invisible filter from a hand-typed ?q= either
	}
	d := views.ChooserData{
		Email:       p.Email,
		ExpiresAt:   p.ExpiresAt,
		MinutesLeft: max(1, int(p.ExpiresAt.Sub(h.now()).Round(time.Minute)/time.Minute)),
		Query:       q,
		Searchable:  len(p.Orgs) >= searchableAt,
		Total:       len(p.Orgs),
		Create:      create,
	}
	for i, o := range p.Orgs {
		if q == "" || containsFold(o.Name, q) || containsFold(o.Slug, q) {
			c := choice(o)
			c.Last = i == 0 && p.LastID == o.ID
			d.Orgs = append(d.Orgs, c)
		}
	}
	h.re.render(w, r, status, "Choose an organization", func(l views.LayoutData) templ.Component { return views.ChooserPage(l, d) }, views.ChooserFragment(d))
}

// SelectSubmit handles POST /orgs/select: exchange the IST for a session in an offered org.
func (h *Orgs) SelectSubmit(w http.ResponseWriter, r *http.Request) {
	p, ok := h.pending(w, r)
	if !ok {
		return
	}
	orgID, err := formValue(r, "organization_id")
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	if _, offered := p.Offered(orgID); !offered { // only orgs Stytch offered to this email
		h.re.fail(w, r, ErrOrgNotOffered)
		return
	}
	s, err := h.stytch.ExchangeIST(r.Context(), p.IST, orgID)
	if errors.Is(err, ErrChoiceExpired) {
		h.choiceExpired(w, r)
		return
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.signer.signedIn(w, r, memberFrom(s, p.Email, p.Orgs))
}

// CreateSubmit handles POST /orgs/create: create an organization with the IST and enter it.
func (h *Orgs) CreateSubmit(w http.ResponseWriter, r *http.Request) {
	p, ok := h.pending(w, r)
	if !ok {
		return
	}
	name, err1 := formValue(r, "organization_name")
	slug, err2 := formValue(r, "organization_slug")
	if err := errors.Join(err1, err2); err != nil {
		h.re.fail(w, r, err)
		return
	}
	f := views.CreateOrgData{Name: strings.TrimSpace(name), Slug: strings.TrimSpace(slug)}
	f.Errors = validateOrg(f.Name, f.Slug)
	if len(f.Errors) == 0 && f.Slug == "" {
		f.Slug = slugify(f.Name)
	}
	if len(f.Errors) > 0 {
		h.invalidCreate(w, r, p, f)
		return
	}
	s, err := h.stytch.CreateOrg(r.Context(), p.IST, f.Name, f.Slug)
	switch {
	case errors.Is(err, ErrChoiceExpired):
		h.choiceExpired(w, r)
		return
	case errors.Is(err, ErrSlugTaken):
		f.Errors = map[string]string{"organization_slug": "That URL name is already taken. Please choose another."}
	case errors.Is(err, ErrSlugInvalid):
		f.Errors = map[string]string{"organization_slug": slugRule}
	case errors.Is(err, ErrNameInvalid):
		f.Errors = map[string]string{"organization_name": "Stytch refused that name. Please choose another."}
	case err != nil:
		h.re.fail(w, r, err)
		return
	}
	if len(f.Errors) > 0 {
		h.re.log.Info("create organization refused", "err", err)
		h.invalidCreate(w, r, p, f)
		return
	}
	h.signer.signedIn(w, r, memberFrom(s, p.Email, p.Orgs))
}

// invalidCreate re-renders the create form (htmx) or the whole chooser (no JS) with 422.
func (h *Orgs) invalidCreate(w http.ResponseWriter, r *http.Request, p Pending, f views.CreateOrgData) {
	if isFragment(r) {
		h.re.render(w, r, http.StatusUnprocessableEntity, "", nil, views.CreateOrgFragment(f))
		return
	}
	h.renderChooser(w, r, http.StatusUnprocessableEntity, p, "", f)
}

// SwitchSubmit handles POST /orgs/switch: exchange the session for one in another org.
func (h *Orgs) SwitchSubmit(w http.ResponseWriter, r *http.Request) {
	m, ok := h.guard.member(w, r)
	if !ok {
		return
	}
	orgID, err := formValue(r, "organization_id")
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	if _, ok := m.Switchable(orgID); !ok {
		h.re.fail(w, r, ErrOrgNotOffered)
		return
	}
	s, err := h.stytch.ExchangeSession(r.Context(), m.Token, orgID)
	if errors.Is(err, ErrSessionEnded) {
		h.guard.ended(w, r, err)
		return
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.signer.signedIn(w, r, memberFrom(s, m.Email, append(m.Others, m.Org)))
}

// choice is how an org appears in the chooser and switcher.
func choice(o Org) views.OrgChoice {
	c := views.OrgChoice{ID: o.ID, Name: o.Name, LogoURL: o.LogoURL}
	switch o.Membership {
	case InvitedMember:
		c.Group, c.Reason = "invited", "You've been invited"
	case PendingMember:
		c.Group, c.Reason = "invited", "You've been added; continue to join"
	case EligibleByDomain:
		c.Group, c.Reason = "domain", "You can join because your email is at "+o.Domain
	default:
		c.Group, c.Reason = "member", "You're a member"
	}
	return c
}

const slugRule = "Use 2 to 128 letters, digits, or - . _ ~ (at least one letter or digit)."

// validateOrg checks a new organization's name and URL name by Stytch's rules.
func validateOrg(name, slug string) map[string]string {
	errs := map[string]string{}
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		errs["organization_name"] = "Enter a name for your organization."
	case n > 128:
		errs["organization_name"] = "That name is too long (128 characters at most)."
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		errs["organization_name"] = "That name contains characters we can't use."
	}
	if slug != "" && !validSlug(slug) {
		errs["organization_slug"] = slugRule
	} else if slug == "" && len(errs) == 0 && !validSlug(slugify(name)) {
		errs["organization_slug"] = "We can't make a URL name from that name. " + slugRule
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

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
