package emulator

import (
	_ "embed"
	"html/template"
	"net/http"
	"time"
)

//go:embed mailbox.css
var mailboxCSS []byte

// kindNames are the mailbox's words for each kind of message.
var kindNames = map[string]string{
	"discovery":     "Sign-in link",
	"login":         "Organization login link",
	"signup":        "Organization sign-up link",
	"invite":        "Invitation",
	"discovery_otp": "Sign-in code",
	"login_otp":     "Organization sign-in code",
	"signup_otp":    "Organization sign-up code",
}

var mailboxTmpl = template.Must(template.New("mailbox").Funcs(template.FuncMap{
	"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"local": func(t time.Time) string { return t.Local().Format("Mon 2 Jan 2006, 15:04:05 MST") },
	"kind": func(k string) string {
		if n, ok := kindNames[k]; ok {
			return n
		}
		return k
	},
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local inbox · Stytch emulator</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/dev/mailbox.css">
</head>
<body>
<header class="top"><span class="brand">Stytch emulator</span> · local inbox</header>
<main>
<h1>Local inbox</h1>
<p class="hint">Emails the emulator would have sent, newest first. Nothing leaves this machine.
{{if .To}}Showing mail to <strong>{{.To}}</strong> (<a href="/dev/mailbox">show all</a>).{{end}}
<a href="/dev/mailbox{{if .To}}?to={{.To}}{{end}}">Refresh</a></p>
<form role="search" method="get" action="/dev/mailbox">
<label for="to">Recipient</label>
<input id="to" name="to" type="email" value="{{.To}}" autocomplete="email">
<button type="submit">Show</button>
</form>
{{if .Messages}}
<ol class="mails" data-testid="mailbox">
{{range .Messages}}
<li class="card" data-testid="message">
<article aria-label="{{.Subject}} to {{.To}}">
<span class="kind" data-testid="message-kind">{{kind .Kind}}</span>
<h2>{{.Subject}}</h2>
<dl class="facts">
<dt>To</dt><dd>{{.To}}</dd>
{{if .OrganizationID}}<dt>Organization</dt><dd title="{{.OrganizationID}}">{{or .OrganizationName .OrganizationID}}</dd>{{end}}
<dt>Sent</dt><dd><time datetime="{{iso .SentAt}}">{{local .SentAt}}</time></dd>
</dl>
{{if .Code}}<p>Your code:</p><p class="code" data-testid="message-code">{{.Code}}</p>{{end}}
{{if .Link}}<p><a class="button" href="{{.Link}}" data-testid="message-link">Open the link: {{.Subject}}</a></p>{{end}}
</article>
</li>
{{end}}
</ol>
{{else}}
<p data-testid="mailbox-empty">No messages yet.</p>
{{end}}
</main>
</body>
</html>
`))

// GET /dev/mailbox[?to=]
func (e *Emulator) mailboxPage(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("to")
	msgs, err := e.Mailbox(r.Context(), to)
	if err != nil {
		e.log.Error("emulator mailbox", "err", err)
		http.Error(w, "mailbox unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := mailboxTmpl.Execute(w, struct {
		To       string
		Messages []Message
	}{to, msgs}); err != nil {
		e.log.Error("emulator mailbox render", "err", err)
	}
}

// GET /dev/mailbox.css
func mailboxStyles(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(mailboxCSS)
}
