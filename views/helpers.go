package views

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/a-h/templ"
)

// initial is the first letter of a name, upper-cased, for avatars without a logo.
func initial(name string) string {
	for _, r := range strings.TrimSpace(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return string(unicode.ToUpper(r))
		}
	}
	if r, _ := utf8.DecodeRuneInString(name); r != utf8.RuneError {
		return string(r)
	}
	return "?"
}

// initials are the first letters of a name's first two words ("Acme Labs" → "AL"), or one.
// A word is a run of letters and digits.
func initials(name string) string {
	var first, second rune
	inWord := false
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			inWord = false
			continue
		}
		if !inWord && first == 0 {
			first = r
		} else if !inWord {
			second = r
			break
		}
		inWord = true
	}
	if second == 0 {
		return initial(name)
	}
	var b [2 * utf8.UTFMax]byte
	n := utf8.EncodeRune(b[:], unicode.ToUpper(first))
	n += utf8.EncodeRune(b[n:], unicode.ToUpper(second))
	return string(b[:n])
}

// avatarClasses are the avatar's classes for each colour app.css defines (.avatar.c0 … .c9).
var avatarClasses = [...]string{"avatar c0", "avatar c1", "avatar c2", "avatar c3", "avatar c4",
	"avatar c5", "avatar c6", "avatar c7", "avatar c8", "avatar c9"}

// avatarClass picks an avatar's classes with a colour from an organization's ID (FNV-1a), so
// it stays the same for an organization everywhere and differs between look-alike names.
func avatarClass(id string) string {
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return avatarClasses[h%uint32(len(avatarClasses))]
}

// verbObject completes a row button's accessible name after its visible verb: "Join Acme",
// "Continue to Acme", "Switch to Acme".
func verbObject(verb, name string) string {
	if verb == "Join" {
		return " " + name
	}
	return " to " + name
}

// relative says how far t is from now in whole units: "in 7 days", "in 5 hours", "in 3 minutes".
func relative(now, t time.Time) string {
	d := t.Sub(now)
	switch {
	case d <= 0:
		return "now"
	case d < time.Hour:
		return "in " + plural(int(math.Ceil(d.Minutes())), "minute")
	case d < 48*time.Hour:
		return "in " + plural(int(d.Round(time.Hour)/time.Hour), "hour")
	}
	return "in " + plural(int(d.Round(24*time.Hour)/(24*time.Hour)), "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// cooldownOn is non-empty when a cooldown is shown (for describedBy).
func cooldownOn(c Cooldown) string {
	if c.Seconds > 0 {
		return "on"
	}
	return ""
}

// WaitWords says a wait of s seconds as app.js does: seconds, or whole minutes from 2 on.
func WaitWords(s int) string {
	if s >= 120 {
		return strconv.Itoa((s+59)/60) + " minutes"
	}
	return seconds(s)
}

// minutes says "1 minute" or "N minutes".
func minutes(n int) string {
	if n == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", n)
}

// seconds says "1 second" or "N seconds".
func seconds(n int) string {
	if n == 1 {
		return "1 second"
	}
	return fmt.Sprintf("%d seconds", n)
}

// stamp formats a time for a <time> element's text and its datetime attribute.
func stamp(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 MST") }
func iso(t time.Time) string   { return t.UTC().Format(time.RFC3339) }

// describedBy names the error element of a field when it has one.
func describedBy(id, msg string) string {
	if msg == "" {
		return ""
	}
	return id
}

// orgGroup is a titled run of organizations in the chooser.
type orgGroup struct {
	Key, Title string
	Orgs       []OrgChoice
}

// groupOrgs groups organizations by why they are offered, keeping their order within a group
// (so the last-used org stays first) and the groups in a fixed order.
func groupOrgs(orgs []OrgChoice) []orgGroup {
	groups := []orgGroup{
		{Key: "member", Title: "Your organizations"},
		{Key: "invited", Title: "Invitations"},
		{Key: "domain", Title: "You can join with your email domain"},
	}
	for _, o := range orgs {
		for i := range groups {
			if groups[i].Key == o.Group {
				groups[i].Orgs = append(groups[i].Orgs, o)
			}
		}
	}
	out := groups[:0]
	for _, g := range groups {
		if len(g.Orgs) > 0 {
			out = append(out, g)
		}
	}
	return out
}

func countMatches(n, total int) string {
	if n == 1 {
		return fmt.Sprintf("1 of %d organizations matches.", total)
	}
	return fmt.Sprintf("%d of %d organizations match.", n, total)
}

// dashboardOrgs is the dashboard's DashboardOrgs: the one rendered earlier if given.
func dashboardOrgs(d DashboardData) templ.Component {
	if d.Orgs != nil {
		return d.Orgs
	}
	return DashboardOrgs(d)
}

// layoutAssets is the layout's LayoutAssets: the one rendered earlier if given.
func layoutAssets(l LayoutData) templ.Component {
	if l.Assets != nil {
		return l.Assets
	}
	return LayoutAssets(l)
}

// sessionHeader is the layout's signed-in header: the one rendered earlier if given.
func sessionHeader(l LayoutData) templ.Component {
	if l.Header != nil {
		return l.Header
	}
	return SessionHeader(l.Session, false)
}

// Page is body inside the layout: the whole document a plain (non-htmx) request gets.
func Page(l LayoutData, body templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		return Layout(l).Render(templ.WithChildren(ctx, body), w)
	})
}

// sentWhat names what the check-your-inbox page waits for.
func sentWhat(code bool) string {
	if code {
		return "code"
	}
	return "link"
}

// joinIDs joins the non-empty element ids for aria-describedby.
func joinIDs(ids ...string) string {
	out := ids[:0:0]
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return strings.Join(out, " ")
}
