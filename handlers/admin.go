package handlers

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/a-h/templ"

	"github.com/orgpick/orgpick/views"
)

// Admin serves an organization's member list, invitations and join-by-domain settings. Every
// route signs the member in through guard.member. Every admin action is checked twice: here
// (Member.IsAdmin, refused with ErrNotAdmin before Stytch is asked) and by Stytch, which runs
// each call with the member's own session token and its RBAC permissions.
type Admin struct {
	re         *responder
	stytch     Stytch
	guard      *guard
	redirectTo string // BASE_URL/authenticate (shared with Auth): where invitation links land
	// Invitation emails are limited like sign-in emails, since anyone can create an org and
	// invite: per recipient address (Deps.EmailRules) and per sending admin (Deps.IPRules).
	byRecipient, bySender *Limiter
}

// The app's own refusals of admin actions.
var (
	ErrRevokeActive = errors.New("refused to revoke an active member")
	ErrRevokeSelf   = errors.New("refused to act on the caller's own membership")
)

// adminNotices are the fixed messages a redirect may ask the admin pages to show (?notice=…).
var adminNotices = map[string]views.Notice{
	"invited": {Kind: "info", Text: "Invitation sent. Its link signs them straight into this organization; it works once, for a week."},
	"resent":  {Kind: "info", Text: "Invitation sent again."},
	"revoked": {Kind: "info", Text: "Invitation revoked: its link no longer works."},
	"saved":   {Kind: "info", Text: "Settings saved."},
}

// maxAllowedDomains is how many allowed email domains the settings form accepts.
const maxAllowedDomains = 20

// admin returns the signed-in member if they are an admin of their organization. Otherwise it
// answers the request itself (a member gets 403 and a clear message) and returns false.
func (h *Admin) admin(w http.ResponseWriter, r *http.Request) (Member, bool) {
	m, ok := h.guard.member(w, r)
	if !ok {
		return Member{}, false
	}
	if !m.IsAdmin() {
		h.re.fail(w, r, fmt.Errorf("member %s: %w", m.MemberID, ErrNotAdmin))
		return Member{}, false
	}
	return m, true
}

// failed answers a failed Stytch call; a session Stytch no longer knows signs the person out.
func (h *Admin) failed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrSessionEnded) {
		h.guard.ended(w, r, err)
		return
	}
	h.re.fail(w, r, err)
}

// MembersPage handles GET /members: the organization's members; admins also get the invite
// form and can resend or revoke pending invitations.
func (h *Admin) MembersPage(w http.ResponseWriter, r *http.Request) {
	m, ok := h.guard.member(w, r)
	if !ok {
		return
	}
	h.renderMembers(w, r, http.StatusOK, m, views.InviteData{}, adminNotices[r.URL.Query().Get("notice")])
}

func (h *Admin) renderMembers(w http.ResponseWriter, r *http.Request, status int, m Member, invite views.InviteData, notice views.Notice) {
	list, total, err := h.stytch.Members(r.Context(), m.Token, m.Org.ID)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	d := views.MembersData{OrgName: m.Org.Name, Admin: m.IsAdmin(), Members: memberRows(list, m.MemberID), Total: total, Invite: invite, Notice: notice}
	h.re.render(w, r, status, "Members", func(l views.LayoutData) templ.Component { return views.MembersPage(l, d) }, views.MembersFragment(d))
}

// InviteSubmit handles POST /members/invite (email): Stytch emails the person a link that signs
// them straight into this organization.
func (h *Admin) InviteSubmit(w http.ResponseWriter, r *http.Request) {
	m, ok := h.admin(w, r)
	if !ok {
		return
	}
	raw, err := formValue(r, "email")
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	addr, problem := parseEmail(raw)
	switch {
	case strings.TrimSpace(raw) == "":
		problem = "Enter the email address of the person to invite."
	case problem == "" && strings.EqualFold(addr, m.Email):
		problem = "That's your own address: you're already a member."
	}
	if problem != "" {
		h.invalidInvite(w, r, m, views.InviteData{Email: raw, Error: problem})
		return
	}
	err = h.invite(r, m, addr)
	if msg := inviteProblem(err); msg != "" {
		h.re.log.Info("invitation refused", "org", m.Org.ID, "err", err)
		h.invalidInvite(w, r, m, views.InviteData{Email: addr, Error: msg})
		return
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	redirect(w, r, "/members?notice=invited")
}

// inviteProblem words the refusals that concern the address typed, shown next to the field.
func inviteProblem(err error) string {
	switch {
	case errors.Is(err, ErrMemberActive):
		return "That person is already an active member of this organization."
	case errors.Is(err, ErrEmailInvalid):
		return "We can't send email to that address. Please check it."
	case errors.Is(err, ErrInviteDomain):
		return "This organization only allows invitations to addresses at its allowed email domains."
	case errors.Is(err, ErrInvitesOff):
		return "This organization doesn't allow email invitations."
	}
	return ""
}

// invalidInvite re-renders the invite form (htmx) or the whole member list (no JS) with 422.
func (h *Admin) invalidInvite(w http.ResponseWriter, r *http.Request, m Member, f views.InviteData) {
	if isFragment(r) {
		h.re.render(w, r, http.StatusUnprocessableEntity, "", nil, views.InviteForm(f))
		return
	}
	h.renderMembers(w, r, http.StatusUnprocessableEntity, m, f, views.Notice{})
}

// ResendSubmit handles POST /members/resend (member_id): a fresh invitation email to a member
// who hasn't joined yet.
func (h *Admin) ResendSubmit(w http.ResponseWriter, r *http.Request) {
	m, invitee, ok := h.invitation(w, r, ErrMemberActive)
	if !ok {
		return
	}
	if err := h.invite(r, m, invitee.Email); err != nil {
		h.failed(w, r, err)
		return
	}
	redirect(w, r, "/members?notice=resent")
}

// invite has Stytch email an invitation, within the send limits.
func (h *Admin) invite(r *http.Request, m Member, addr string) error {
	if wait, ok := h.bySender.Allow(m.MemberID); !ok {
		return WaitError{wait}
	}
	if wait, ok := h.byRecipient.Allow(addr); !ok {
		h.bySender.Undo(m.MemberID)
		return WaitError{wait}
	}
	err := h.stytch.Invite(r.Context(), m.Token, m.Org.ID, m.MemberID, addr, h.redirectTo)
	if err != nil { // nothing was sent: don't make them wait to retry
		h.bySender.Undo(m.MemberID)
		h.byRecipient.Undo(addr)
	}
	return err
}

// RevokeSubmit handles POST /members/revoke (member_id): delete a member who hasn't joined yet,
// so the invitation link stops working. Active members (and yourself) are refused.
func (h *Admin) RevokeSubmit(w http.ResponseWriter, r *http.Request) {
	m, invitee, ok := h.invitation(w, r, ErrRevokeActive)
	if !ok {
		return
	}
	err := h.stytch.DeleteMember(r.Context(), m.Token, m.Org.ID, invitee.ID)
	if errors.Is(err, ErrMemberNotFound) {
		err = nil // revoked meanwhile (another admin, another tab): what was asked for
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	redirect(w, r, "/members?notice=revoked")
}

var memberIDPattern = regexp.MustCompile(`^member-[A-Za-z0-9_-]{1,120}$`)

// invitation returns the admin and the not-yet-joined member the form's member_id names, looked
// up in the admin's own organization; otherwise it answers the request itself (a member who
// has joined is refused with active).
func (h *Admin) invitation(w http.ResponseWriter, r *http.Request, active error) (Member, OrgMember, bool) {
	m, ok := h.admin(w, r)
	if !ok {
		return Member{}, OrgMember{}, false
	}
	id, err := formValue(r, "member_id")
	switch {
	case err != nil:
	case id == m.MemberID:
		err = ErrRevokeSelf
	case !memberIDPattern.MatchString(id):
		err = fmt.Errorf("malformed member_id: %w", ErrMemberNotFound)
	}
	if err != nil {
		h.re.fail(w, r, err)
		return Member{}, OrgMember{}, false
	}
	invitee, err := h.stytch.FindMember(r.Context(), m.Token, m.Org.ID, id)
	if err == nil && invitee.Status != "invited" && invitee.Status != "pending" {
		err = fmt.Errorf("member %s is %s: %w", id, invitee.Status, active)
	}
	if err != nil {
		h.failed(w, r, err)
		return Member{}, OrgMember{}, false
	}
	return m, invitee, true
}

// memberRows orders members for the list: active first, then invited and pending, each by email.
func memberRows(list []OrgMember, selfID string) []views.MemberRow {
	rank := map[string]int{"active": 0, "invited": 1, "pending": 2}
	list = slices.Clone(list)
	slices.SortStableFunc(list, func(a, b OrgMember) int {
		ra, oka := rank[a.Status]
		rb, okb := rank[b.Status]
		if !oka {
			ra = len(rank)
		}
		if !okb {
			rb = len(rank)
		}
		return cmp.Or(cmp.Compare(ra, rb), strings.Compare(a.Email, b.Email))
	})
	rows := make([]views.MemberRow, 0, len(list))
	for _, o := range list {
		row := views.MemberRow{ID: o.ID, Email: o.Email, Name: o.Name, Status: o.Status, Role: "Member", You: o.ID == selfID}
		if o.Admin {
			row.Role = "Admin"
		}
		rows = append(rows, row)
	}
	return rows
}

// SettingsPage handles GET /settings (admins only): allowed email domains and joining by them.
func (h *Admin) SettingsPage(w http.ResponseWriter, r *http.Request) {
	m, ok := h.admin(w, r)
	if !ok {
		return
	}
	cur, err := h.stytch.OrgSettings(r.Context(), m.Org.ID)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	d := settingsData(m, cur)
	d.Notice = adminNotices[r.URL.Query().Get("notice")]
	h.renderSettings(w, r, http.StatusOK, d)
}

// SettingsSubmit handles POST /settings (email_allowed_domains, email_jit_provisioning).
func (h *Admin) SettingsSubmit(w http.ResponseWriter, r *http.Request) {
	m, ok := h.admin(w, r)
	if !ok {
		return
	}
	raw, err1 := formValue(r, "email_allowed_domains")
	jit, err2 := formValue(r, "email_jit_provisioning")
	if err := errors.Join(err1, err2); err != nil {
		h.re.fail(w, r, err)
		return
	}
	ctx := r.Context()
	cur, err := h.stytch.OrgSettings(ctx, m.Org.ID)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	d := settingsData(m, cur)
	d.Domains, d.JIT = raw, jit != ""
	domains, problem := parseDomains(raw)
	switch {
	case problem != "":
	case len(domains) == 0 && d.HasDomains:
		// stytch-go omits an empty list from the request, so Stytch would keep the old domains.
		problem = "The list can't be emptied here: Stytch keeps the current domains unless you replace them. Keep at least one; unticking the box below is what stops people joining by domain."
	case len(domains) == 0 && d.JIT:
		problem = "Add at least one domain, or untick the box: joining by email domain needs a domain."
	}
	errs := map[string]string{}
	if problem != "" {
		errs["email_allowed_domains"] = problem
	} else {
		_, err := h.stytch.UpdateOrgSettings(ctx, m.Token, m.Org.ID, OrgSettings{AllowedDomains: domains, JITByDomain: d.JIT})
		switch {
		case errors.Is(err, ErrDomainTooCommon):
			errs["email_allowed_domains"] = "Stytch refuses common email providers (such as gmail.com or outlook.com), because anyone can get an address there. List only your organization's own domains."
		case errors.Is(err, ErrDomainInvalid):
			errs["email_allowed_domains"] = "Stytch says one of these isn't a valid domain. Use names like example.com."
		case errors.Is(err, ErrSettingsConflict):
			errs["email_jit_provisioning"] = "Stytch needs at least one way for people to join this organization (invitations, SSO or email domain), so this one can't be turned off while the others are."
		case err != nil:
			h.failed(w, r, err)
			return
		}
		if len(errs) > 0 {
			h.re.log.Info("organization settings refused", "org", m.Org.ID, "err", err)
		}
	}
	if len(errs) > 0 {
		d.Errors = errs
		if isFragment(r) {
			h.re.render(w, r, http.StatusUnprocessableEntity, "", nil, views.SettingsForm(d))
			return
		}
		h.renderSettings(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	redirect(w, r, "/settings?notice=saved")
}

func (h *Admin) renderSettings(w http.ResponseWriter, r *http.Request, status int, d views.SettingsData) {
	h.re.render(w, r, status, "Organization settings", func(l views.LayoutData) templ.Component { return views.SettingsPage(l, d) }, views.SettingsFragment(d))
}

func settingsData(m Member, s OrgSettings) views.SettingsData {
	d := views.SettingsData{
		OrgName: m.Org.Name, Domains: strings.Join(s.AllowedDomains, "\n"), JIT: s.JITByDomain,
		HasDomains: len(s.AllowedDomains) > 0, MaxDomains: maxAllowedDomains,
	}
	switch s.EmailInvites {
	case "RESTRICTED":
		d.EmailInvites = "admins can invite only people at the allowed domains."
	case "NOT_ALLOWED":
		d.EmailInvites = "turned off for this organization."
	default:
		d.EmailInvites = "admins can invite anyone by email."
	}
	return d
}

// commonDomains are well-known consumer email providers, refused before asking Stytch (which
// refuses these and more, with organization_settings_domain_too_common).
var commonDomains = []string{
	"gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
	"icloud.com", "me.com", "aol.com", "protonmail.com", "proton.me",
}

var domainLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// parseDomains reads the allowed-domains field: domains separated by commas, semicolons,
// spaces or new lines; lower-cased, a leading "@" dropped, duplicates removed, in typed order.
// It says in plain words what is wrong, naming the first bad entry.
func parseDomains(raw string) ([]string, string) {
	var out []string
	for _, f := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
		d := strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(f), "@"), ".")
		if !validDomain(d) {
			return nil, fmt.Sprintf("“%s” isn't a domain name. Use names like example.com, without https://, @ or a path.", shorten(f))
		}
		if slices.Contains(commonDomains, d) {
			return nil, fmt.Sprintf("%s is a common email provider: anyone can get an address there, so Stytch doesn't allow it. List only your organization's own domains.", d)
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
		if len(out) > maxAllowedDomains {
			return nil, fmt.Sprintf("That's more than %d domains, the most this form accepts.", maxAllowedDomains)
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
