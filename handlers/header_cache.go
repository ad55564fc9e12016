package handlers

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/a-h/templ"

	"github.com/orgpick/orgpick/views"
)

// maxHeaders bounds the header cache: one entry per member state shown recently (a few KB
// each with a full switcher).
const maxHeaders = 500

// headerCache keeps the signed-in header's HTML by the member it shows. The header is a pure
// function of the member (email, org, role, the orgs to switch to), but rendering it is a
// third of a page view's allocations; a member whose session has not changed gets the same
// bytes back. The key is the member's compact form (member_codec.go), so any change to what
// the header shows is a new entry, never a stale one. Its zero value is ready to use.
type headerCache struct {
	mu sync.Mutex
	m  map[string]*renderedHeader
}

// renderedHeader is one member's header, as a page draws it and as htmx receives it out of
// band; each is rendered the first time it is asked for.
type renderedHeader struct {
	page, oob rawHTML
	hasPage   bool
	hasOOB    bool
}

// rawHTML is HTML rendered earlier by a templ component (so already escaped).
type rawHTML string

func (h rawHTML) Render(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, string(h))
	return err
}

// header is the signed-in header for this request (out of band for htmx), or the empty one
// when the guard did not let a member through.
func (re *responder) header(ctx context.Context, oob bool) templ.Component {
	m, ok := ctx.Value(memberKey{}).(Member)
	if !ok {
		return views.SessionHeader(nil, oob)
	}
	return re.headers.get(ctx, m, oob)
}

func (c *headerCache) get(ctx context.Context, m Member, oob bool) templ.Component {
	m.JWT = "" // not shown, and not part of the compact form anyway
	key := encodeMember(m)
	c.mu.Lock()
	e := c.m[string(key)]
	if e != nil && (oob && e.hasOOB || !oob && e.hasPage) {
		html := e.page
		if oob {
			html = e.oob
		}
		c.mu.Unlock()
		return html
	}
	c.mu.Unlock()

	var buf bytes.Buffer
	live := views.SessionHeader(memberBar(m), oob)
	if err := live.Render(ctx, &buf); err != nil {
		return live // let the page's own render report it
	}
	html := rawHTML(buf.String())
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxHeaders {
		c.m = make(map[string]*renderedHeader)
	}
	if e = c.m[string(key)]; e == nil {
		e = &renderedHeader{}
		c.m[string(key)] = e
	}
	if oob {
		e.oob, e.hasOOB = html, true
	} else {
		e.page, e.hasPage = html, true
	}
	return html
}
