package testkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// Browser is one person's cookie jar on the app at Base. It does not follow redirects, so
// callers see each 303.
type Browser struct {
	Base   string
	Jar    *cookiejar.Jar
	Client *http.Client
}

// NewBrowser is a fresh browser (no cookies) on the app at base.
func NewBrowser(base string) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{Base: base, Jar: jar, Client: &http.Client{
		Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Response is a fetched page with its body read (at most 4 MiB).
type Response struct {
	*http.Response
	Body string
}

// Do sends req with the browser's cookies.
func (b *Browser) Do(req *http.Request) (Response, error) {
	resp, err := b.Client.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return Response{resp, string(body)}, err
}

// Get loads path; htmx adds the header htmx sends.
func (b *Browser) Get(ctx context.Context, path string, htmx bool) (Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.Base+path, nil)
	if err != nil {
		return Response{}, err
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return b.Do(req)
}

// Post submits a form as a same-origin browser does.
func (b *Browser) Post(ctx context.Context, path string, form url.Values, htmx bool) (Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.Base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return Response{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return b.Do(req)
}

// Cookie is the named cookie the browser holds for the app, or nil.
func (b *Browser) Cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.Base)
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Expect checks a response's status and, for a redirect, its Location.
func Expect(r Response, status int, location string) error {
	if r.StatusCode != status || (location != "" && r.Header.Get("Location") != location) {
		return fmt.Errorf("%s %s: status %d, Location %q; want %d %q\n%.2000s",
			r.Request.Method, r.Request.URL.Path, r.StatusCode, r.Header.Get("Location"), status, location, r.Body)
	}
	return nil
}

// postSeeOther posts a form and expects a 303 to want.
func (b *Browser) postSeeOther(ctx context.Context, path string, form url.Values, want string) error {
	r, err := b.Post(ctx, path, form, false)
	if err != nil {
		return err
	}
	return Expect(r, http.StatusSeeOther, want)
}

// getOK loads path and expects a 200.
func (b *Browser) getOK(ctx context.Context, path string) (Response, error) {
	r, err := b.Get(ctx, path, false)
	if err != nil {
		return r, err
	}
	return r, Expect(r, http.StatusOK, "")
}

// Open opens a magic link as a browser does: the token moves into a cookie and the 303 leads
// to the bare /authenticate, which shows the Continue button (nothing is spent yet).
func (b *Browser) Open(ctx context.Context, link *url.URL) (Response, error) {
	r, err := b.Get(ctx, link.RequestURI(), false)
	if err != nil {
		return r, err
	}
	if err := Expect(r, http.StatusSeeOther, "/authenticate"); err != nil {
		return r, err
	}
	r, err = b.getOK(ctx, "/authenticate")
	if err == nil && !strings.Contains(r.Body, `data-testid="continue-form"`) {
		err = fmt.Errorf("no Continue button on /authenticate:\n%.2000s", r.Body)
	}
	return r, err
}

// FollowLink opens a magic link, presses Continue, expects a 303 to want and loads it.
func (b *Browser) FollowLink(ctx context.Context, link *url.URL, want string) (Response, error) {
	r, err := b.Open(ctx, link)
	if err != nil {
		return r, err
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		return r, err
	}
	cont := doc.Find(`[data-testid="continue-form"]`)
	form := url.Values{ // what pressing Continue sends
		"stytch_token_type": {cont.Find(`input[name="stytch_token_type"]`).AttrOr("value", "")},
		"token":             {cont.Find(`input[name="token"]`).AttrOr("value", "")},
	}
	if err := b.postSeeOther(ctx, "/authenticate", form, want); err != nil {
		return Response{}, err
	}
	return b.getOK(ctx, want)
}

// Discover runs email → link (from mb) → Continue and returns the chooser.
func (b *Browser) Discover(ctx context.Context, mb Mailbox, email string) (Response, error) {
	if err := b.postSeeOther(ctx, "/login", url.Values{"email": {email}}, "/check-email"); err != nil {
		return Response{}, err
	}
	if _, err := b.getOK(ctx, "/check-email"); err != nil {
		return Response{}, err
	}
	link, err := LatestLink(ctx, mb, email)
	if err != nil {
		return Response{}, err
	}
	return b.FollowLink(ctx, link, "/orgs")
}

var orgIDAttr = regexp.MustCompile(`data-org-id="([^"]+)"`)

// SignIn is the whole discovery sign-in: Discover, then create an org named orgName or
// (orgName == "") enter the first org offered. It returns the dashboard.
func (b *Browser) SignIn(ctx context.Context, mb Mailbox, email, orgName string) (Response, error) {
	chooser, err := b.Discover(ctx, mb, email)
	if err != nil {
		return chooser, err
	}
	if orgName != "" {
		err = b.postSeeOther(ctx, "/orgs/create", url.Values{"organization_name": {orgName}}, "/dashboard")
	} else if m := orgIDAttr.FindStringSubmatch(chooser.Body); m != nil {
		err = b.postSeeOther(ctx, "/orgs/select", url.Values{"organization_id": {m[1]}}, "/dashboard")
	} else {
		err = errors.New("the chooser offers no organization")
	}
	if err != nil {
		return Response{}, err
	}
	return b.getOK(ctx, "/dashboard")
}

// OAuthSignIn is "Continue with <provider>" up to the chooser: the app's start route, Stytch's
// discovery start, the emulated provider's page (signing in as email), and back to the app's
// /authenticate, which leads to /orgs. It returns the chooser, or the landing's answer if it
// led elsewhere (with an error).
func (b *Browser) OAuthSignIn(ctx context.Context, provider, email string) (Response, error) {
	landing, err := b.OAuthLanding(ctx, provider, email)
	if err != nil {
		return Response{}, err
	}
	r, err := b.Get(ctx, landing.RequestURI(), false)
	if err != nil {
		return r, err
	}
	if err := Expect(r, http.StatusSeeOther, "/orgs"); err != nil {
		return r, err
	}
	return b.getOK(ctx, "/orgs")
}

// OAuthLanding runs "Continue with <provider>" up to the URL the provider sends the browser
// back to (the app's /authenticate with a discovery_oauth token), without opening it.
func (b *Browser) OAuthLanding(ctx context.Context, provider, email string) (*url.URL, error) {
	return b.ProviderLanding(ctx, "/oauth/"+provider, email)
}

// ProviderLanding presses the app's OAuth start at path (a POST form, answered 303 to Stytch's
// start), signs in to the emulated provider as email, and returns the URL the provider sends
// the browser back to, without opening it.
func (b *Browser) ProviderLanding(ctx context.Context, path, email string) (*url.URL, error) {
	r, err := b.Post(ctx, path, nil, false)
	if err != nil {
		return nil, err
	}
	if r.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("POST %s: status %d", path, r.StatusCode)
	}
	// Stytch's start and the provider are another site: no app cookies, redirects followed
	// until the provider's page.
	idp := &http.Client{Timeout: b.Client.Timeout}
	resp, err := idp.Get(r.Header.Get("Location"))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("provider page: status %d (%v)", resp.StatusCode, err)
	}
	form := doc.Find(`form[data-testid="idp-form"]`)
	action, _ := form.Attr("action")
	target, err := resp.Request.URL.Parse(action)
	if err != nil {
		return nil, err
	}
	vals := url.Values{"state": {form.Find(`input[name="state"]`).AttrOr("value", "")}, "email": {email}}
	noFollow := &http.Client{Timeout: b.Client.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	back, err := noFollow.PostForm(target.String(), vals)
	if err != nil {
		return nil, err
	}
	back.Body.Close()
	if back.StatusCode/100 != 3 {
		return nil, fmt.Errorf("provider sign-in: status %d", back.StatusCode)
	}
	return url.Parse(back.Header.Get("Location"))
}
