package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// OrgChooser is what Orgs needs of the Stytch adapter.
type OrgChooser interface {
	ExchangeIST(ctx context.Context, ist, orgID string) (stytchb2b.Session, error)
	CreateOrg(ctx context.Context, ist, name, slug string) (stytchb2b.Session, error)
	ExchangeSession(ctx context.Context, sessionToken, orgID string) (stytchb2b.Session, error)
	NewOrgFor(ctx context.Context, email, name, slug string) (stytchb2b.Org, error)
}

// Orgs serves the organization chooser (IST held server-side) and the dashboard's org switch.
type Orgs struct {
	re     *responder
	state  sessionState
	stytch OrgChooser
	signer *signer
	now    func() time.Time
}

// NewOrgs returns the chooser handlers.
func NewOrgs(re *responder, state sessionState, st OrgChooser, sign *signer, now func() time.Time) *Orgs {
	return &Orgs{re: re, state: state, stytch: st, signer: sign, now: now}
}

// searchableAt is how many orgs it takes for the chooser to show its filter box.
const searchableAt = 6

// pending returns the discovery in progress. When there is none, or it has expired, it answers
// the request itself (back to the email form, address kept) and returns false.
func (h *Orgs) pending(w http.ResponseWriter, r *http.Request) (Pending, bool) {
	p, ok := h.state.pending(r.Context())
	switch {
	case !ok:
		h.state.nothingPending(w, r)
		return Pending{}, false
	case !h.now().Before(p.ExpiresAt):
		h.choiceExpired(w, r)
		return Pending{}, false
	}
	return p, true
}

// choiceExpired forgets the IST and sends the person back to the email form, which keeps the address.
func (h *Orgs) choiceExpired(w http.ResponseWriter, r *http.Request) {
	h.state.forgetPending(r.Context())
	h.re.log.Info("intermediate session expired", "path", r.URL.Path)
	redirect(w, r, "/?notice="+noticeChoiceExpired)
}

// ChooserPage handles GET /orgs (optionally ?q= to filter): it renders from the session, no Stytch call.
func (h *Orgs) ChooserPage(w http.ResponseWriter, r *http.Request) {
	if p, ok := h.pending(w, r); ok {
		h.renderChooser(w, r, http.StatusOK, p, queryText(r, "q"), views.CreateOrgData{First: len(p.Orgs) == 0})
	}
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
		NewOrg:      h.state.newOrg(r.Context()),
	}
	for i, o := range p.Orgs {
		if q == "" || containsFold(o.Name, q) || containsFold(o.Slug, q) {
			c := choice(o)
			c.Last = i == 0 && p.LastID == o.ID
			c.Primary = len(p.Orgs) == 1
			d.Orgs = append(d.Orgs, c)
		}
	}
	h.re.render(w, r, status, titleChooser, views.ChooserFragment(d))
}

// SelectSubmit handles POST /orgs/select: exchange the IST for a session in an offered org.
func (h *Orgs) SelectSubmit(w http.ResponseWriter, r *http.Request) {
	p, ok := h.pending(w, r)
	if !ok {
		return
	}
	orgID, err := formValue(r, views.FieldOrgID)
	if _, offered := p.Offered(orgID); err == nil && !offered { // only orgs Stytch offered to this email
		err = ErrOrgNotOffered
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	s, err := h.stytch.ExchangeIST(r.Context(), p.IST, orgID)
	if errors.Is(err, stytchb2b.ErrChoiceExpired) {
		h.choiceExpired(w, r)
		return
	}
	if h.signer.needsMFA(w, r, err, afterStep{Others: p.Orgs}) {
		return
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	if o, _ := p.Offered(orgID); o.Membership != stytchb2b.ActiveMember {
		h.re.confirm(r.Context(), "", fmt.Sprintf(fmtJoined, s.Org.Name))
	}
	h.signer.finish(w, r, memberFrom(s, p.Email, p.Orgs))
}

// CreateSubmit handles POST /orgs/create: create an organization with the IST and enter it.
func (h *Orgs) CreateSubmit(w http.ResponseWriter, r *http.Request) {
	p, ok := h.pending(w, r)
	if !ok {
		return
	}
	f, err := parseCreateOrg(r)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	if f.First = len(p.Orgs) == 0; len(f.Errors) > 0 {
		h.invalidCreate(w, r, p, f)
		return
	}
	s, err := h.create(r.Context(), p.IST, f)
	if errors.Is(err, stytchb2b.ErrChoiceExpired) {
		h.choiceExpired(w, r)
		return
	}
	if h.signer.needsMFA(w, r, err, afterStep{Others: p.Orgs}) {
		return
	}
	if f.Errors = fieldErrors(err, createOrgProblems); f.Errors != nil {
		h.re.log.Info("create organization refused", "err", err)
		if f.Slug == "" && errors.Is(err, stytchb2b.ErrSlugTaken) { // we chose it: say so, don't blame them
			f.Errors[views.FieldOrgSlug] = fmt.Sprintf(fmtSlugDerived, slugify(f.Name))
		}
		h.invalidCreate(w, r, p, f)
		return
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.re.confirm(r.Context(), "", fmt.Sprintf(fmtCreated, s.Org.Name))
	h.signer.finish(w, r, memberFrom(s, p.Email, p.Orgs))
}

// derivedSlugTries is how many URL names made from the name are tried ("acme", "acme-2", …)
// before asking the person to choose one.
const derivedSlugTries = 4

// create creates the organization with the IST (see withSlug).
func (h *Orgs) create(ctx context.Context, ist string, f views.CreateOrgData) (stytchb2b.Session, error) {
	return withSlug(f, func(slug string) (stytchb2b.Session, error) { return h.stytch.CreateOrg(ctx, ist, f.Name, slug) })
}

// withSlug calls create with the URL name typed or, without one, one made from the name and,
// when another organization has it, the next few with a number.
func withSlug[T any](f views.CreateOrgData, create func(slug string) (T, error)) (T, error) {
	if f.Slug != "" {
		return create(f.Slug)
	}
	base := slugify(f.Name)
	var (
		out T
		err error
	)
	for i := 1; i <= derivedSlugTries; i++ {
		slug := base
		if i > 1 {
			slug = strings.TrimSuffix(base[:min(len(base), 124)], "-") + "-" + strconv.Itoa(i)
		}
		if out, err = create(slug); !errors.Is(err, stytchb2b.ErrSlugTaken) {
			return out, err
		}
	}
	var zero T
	return zero, err
}

// invalidCreate re-renders the create form (htmx) or the whole chooser (no JS) with 422.
func (h *Orgs) invalidCreate(w http.ResponseWriter, r *http.Request, p Pending, f views.CreateOrgData) {
	h.re.invalid(w, r, views.CreateOrgFragment(f), func(status int) { h.renderChooser(w, r, status, p, "", f) })
}

// NewOrgPage handles GET /orgs/new (signed in): the form to create another organization.
func (h *Orgs) NewOrgPage(w http.ResponseWriter, r *http.Request, _ Member) {
	h.re.render(w, r, http.StatusOK, titleNewOrg, views.NewOrgPage(views.CreateOrgData{First: true, SignedIn: true}))
}

// NewOrgSubmit handles POST /orgs/new (signed in): create another organization in one step,
// with the person as its admin (Stytch's backend create, then the member), and exchange the
// session into it, as a switch does: the new organization's dashboard follows, no email.
func (h *Orgs) NewOrgSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	f, err := parseCreateOrg(r)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	f.SignedIn, f.First = true, true
	if len(f.Errors) > 0 {
		h.invalidNewOrg(w, r, f)
		return
	}
	org, err := withSlug(f, func(slug string) (stytchb2b.Org, error) {
		return h.stytch.NewOrgFor(r.Context(), m.Email, f.Name, slug)
	})
	if f.Errors = fieldErrors(err, createOrgProblems); f.Errors != nil {
		h.re.log.Info("create organization refused", "err", err)
		if f.Slug == "" && errors.Is(err, stytchb2b.ErrSlugTaken) {
			f.Errors[views.FieldOrgSlug] = fmt.Sprintf(fmtSlugDerived, slugify(f.Name))
		}
		h.invalidNewOrg(w, r, f)
		return
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	others := append(m.Others, m.Org)
	s, err := h.stytch.ExchangeSession(r.Context(), m.Token, org.ID)
	if h.signer.needsMFA(w, r, err, afterStep{Others: others}) {
		return
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.re.confirm(r.Context(), "", fmt.Sprintf(fmtCreated, s.Org.Name))
	h.signer.finish(w, r, memberFrom(s, m.Email, others))
}

// invalidNewOrg re-renders the one-step create form (htmx) or its page (no JS) with 422.
func (h *Orgs) invalidNewOrg(w http.ResponseWriter, r *http.Request, f views.CreateOrgData) {
	h.re.invalid(w, r, views.CreateOrgFragment(f), func(status int) {
		h.re.render(w, r, status, titleNewOrg, views.NewOrgPage(f))
	})
}

// SwitchSubmit handles POST /orgs/switch (signed in): exchange the session for one in another org.
func (h *Orgs) SwitchSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	orgID, err := formValue(r, views.FieldOrgID)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	if _, ok := m.Switchable(orgID); !ok {
		h.re.fail(w, r, ErrOrgNotOffered)
		return
	}
	s, err := h.stytch.ExchangeSession(r.Context(), m.Token, orgID)
	if h.signer.needsMFA(w, r, err, afterStep{Others: append(m.Others, m.Org)}) { // the new org asks for its own second step
		return
	}
	if err != nil {
		h.re.fail(w, r, err) // an ended session signs the person out there
		return
	}
	h.re.confirm(r.Context(), "", fmt.Sprintf(fmtSwitched, s.Org.Name))
	h.signer.finish(w, r, memberFrom(s, m.Email, append(m.Others, m.Org)))
}

// choice is how an org appears in the chooser and switcher: why it is offered, in one verb
// per reason.
func choice(o stytchb2b.Org) views.OrgChoice {
	w, ok := choiceWords[o.Membership]
	if !ok {
		w = choiceWords[""]
	}
	c := views.OrgChoice{ID: o.ID, Name: o.Name, Slug: o.Slug, LogoURL: o.LogoURL, Group: w.group, Reason: w.reason, Verb: w.verb}
	switch {
	case o.Membership == stytchb2b.EligibleByDomain:
		c.Reason = fmt.Sprintf(w.reason, o.Domain)
	case o.Membership == stytchb2b.ActiveMember && o.Admin:
		c.Reason = reasonAdmin
	}
	if len(o.PrimaryRequired) > 0 {
		c.Needs = fmt.Sprintf(fmtNeedsLogin, views.OrList(needsWords(o))) // SSO by its connections' names (sso.go)
	}
	return c
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
