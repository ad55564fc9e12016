package handlers

import (
	"bytes"
	"context"
	"io"
	"sync"
	"time"

	"github.com/a-h/templ"

	"github.com/orgpick/orgpick/views"
)

// maxMembersHTML bounds the cache: one entry per member state shown recently (a few KB each
// with a full switcher).
const maxMembersHTML = 500

// memberPart is a piece of the signed-in pages that depends on the member alone.
type memberPart int

const (
	partHeader        memberPart = iota // the signed-in header, as a page draws it
	partHeaderOOB                       // the same, out of band for htmx
	partDashboardOrgs                   // the dashboard's switcher and new-organization form
	memberParts
)

// render is the part's live component for member m.
func (p memberPart) render(m Member) templ.Component {
	switch p {
	case partHeader, partHeaderOOB:
		return views.SessionHeader(memberBar(m), p == partHeaderOOB)
	default:
		d := views.DashboardData{Email: m.Email}
		for _, o := range m.Others {
			d.Others = append(d.Others, switchChoice(o))
		}
		return views.DashboardOrgs(d)
	}
}

// memberHTML keeps the HTML of the member parts by the member they show. Each is a pure
// function of the member (email, org, role, the orgs to switch to), yet rendering them was
// half of a page view's allocations (and grows with every org in the switcher); a member whose
// session has not changed gets the same bytes back. The key is the member's compact form
// (member_codec.go), so any change to what they show is a new entry, never a stale one. Its
// zero value is ready to use.
type memberHTML struct {
	mu sync.Mutex
	m  map[string]*[memberParts]templ.Component // rawHTML, nil until first asked for
}

// rawHTML is HTML rendered earlier by a templ component (so already escaped).
type rawHTML string

func (h rawHTML) Render(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, string(h))
	return err
}

// memberPart is part p for the member the guard let through, if any: the signed-in header
// is empty without one.
func (re *responder) memberPart(ctx context.Context, p memberPart) templ.Component {
	m, ok := ctx.Value(memberKey{}).(Member)
	switch {
	case ok:
		return re.members.get(ctx, m, p)
	case p == partDashboardOrgs:
		return p.render(Member{})
	default:
		return views.SessionHeader(nil, p == partHeaderOOB)
	}
}

func (c *memberHTML) get(ctx context.Context, m Member, p memberPart) templ.Component {
	// The key leaves out what no part shows: the cache holds no session token, and one member
	// signed in twice shares the entry.
	m.Token, m.JWT, m.ExpiresAt = "", "", time.Time{}
	key := encodeMember(m)
	c.mu.Lock()
	if e := c.m[string(key)]; e != nil && e[p] != nil {
		html := e[p]
		c.mu.Unlock()
		return html
	}
	c.mu.Unlock()

	var buf bytes.Buffer
	live := p.render(m)
	if err := live.Render(ctx, &buf); err != nil {
		return live // let the page's own render report it
	}
	var html templ.Component = rawHTML(buf.String())
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxMembersHTML {
		c.m = make(map[string]*[memberParts]templ.Component)
	}
	e := c.m[string(key)]
	if e == nil {
		e = new([memberParts]templ.Component)
		c.m[string(key)] = e
	}
	e[p] = html
	return html
}

// assetsHTML is the layout's LayoutAssets rendered once: they only depend on the asset URLs.
type assetsHTML struct {
	once sync.Once
	html templ.Component
}

func (re *responder) layoutAssets() templ.Component {
	re.assets.once.Do(func() {
		live := views.LayoutAssets(views.LayoutData{CSS: re.css, JS: re.js, AppJS: re.appJS, Icon: re.icon})
		var buf bytes.Buffer
		if err := live.Render(context.Background(), &buf); err != nil {
			re.assets.html = live // rendered per page then, which reports the error
			return
		}
		re.assets.html = rawHTML(buf.String())
	})
	return re.assets.html
}
