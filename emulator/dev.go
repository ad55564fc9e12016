package emulator

import (
	"html/template"
	"net/http"
	"time"
)

// devRoutes are the emulator-only helpers. They live under /dev/, never under /v1/.
func (e *Emulator) devRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dev/mailbox", e.mailboxPage)
	mux.HandleFunc("GET /dev/mailbox.json", e.mailboxJSON)
	mux.HandleFunc("GET /dev/clock", e.clockGet)
	mux.HandleFunc("POST /dev/clock", e.clockAdvance)
	mux.HandleFunc("GET /dev/calls.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, e.Calls())
	})
	return mux
}

var mailboxTmpl = template.Must(template.New("mailbox").Funcs(template.FuncMap{
	"when": func(t time.Time) string { return t.Format(time.RFC3339) },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Stytch emulator mailbox</title><link rel="icon" href="data:,">
</head>
<body>
<main>
<h1>Stytch emulator mailbox</h1>
<p>Emails and text messages the emulator would have sent, newest first. Nothing leaves this machine.{{if .To}} Showing mail to <strong>{{.To}}</strong> (<a href="/dev/mailbox">show all</a>).{{end}}</p>
{{if .Messages}}
<ol reversed data-testid="mailbox">
{{range .Messages}}
<li data-testid="message">
<article aria-label="{{.Subject}} to {{.To}}">
<h2>{{.Subject}}</h2>
<dl>
<dt>To</dt><dd>{{.To}}</dd>
<dt>Kind</dt><dd>{{.Kind}}</dd>
{{if .OrganizationID}}<dt>Organization</dt><dd>{{.OrganizationID}}</dd>{{end}}
<dt>Sent</dt><dd><time datetime="{{when .SentAt}}">{{when .SentAt}}</time></dd>
</dl>
{{if .Link}}<p><a href="{{.Link}}" data-testid="message-link">Open the link: {{.Subject}}</a></p>{{end}}
{{if .Code}}<p>Code: <strong data-testid="message-code">{{.Code}}</strong></p>{{end}}
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

// GET /dev/mailbox.json[?to=]
func (e *Emulator) mailboxJSON(w http.ResponseWriter, r *http.Request) {
	msgs, err := e.Mailbox(r.Context(), r.URL.Query().Get("to"))
	if err != nil {
		e.log.Error("emulator mailbox", "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "mailbox unavailable"})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, msgs)
}

// GET /dev/clock
func (e *Emulator) clockGet(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"now": e.now().Format(time.RFC3339)})
}

// POST /dev/clock with advance=<Go duration> (form or query).
func (e *Emulator) clockAdvance(w http.ResponseWriter, r *http.Request) {
	d, err := time.ParseDuration(r.FormValue("advance"))
	if err != nil || d < 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "advance must be a non-negative Go duration, e.g. 61m"})
		return
	}
	e.Advance(d)
	e.clockGet(w, r)
}
