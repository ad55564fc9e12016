package emulator

import (
	"html/template"
	"net/http"
)

// idpStyle is the stylesheet the emulated identity providers' pages share (in the style of
// the Google/Microsoft stand-in's page); each page template is a clone of it.
var idpStyle = template.Must(template.New("idp-style").Parse(`<style>
body{font-family:system-ui,sans-serif;background:#f6f8fa;color:#1b1f24;margin:0}
main{max-width:28rem;margin:3rem auto;padding:1.5rem;background:#fff;border:1px solid #d0d7de;border-radius:.5rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #d0d7de;border-radius:.375rem}
button{margin-top:.75rem;padding:.5rem 1rem;font:inherit;font-weight:600;color:#fff;background:#0b5cad;border:0;border-radius:.375rem;cursor:pointer}
.hint{color:#57606a;font-size:.9rem}.error{color:#b42318}
</style>`))

// idpTemplate parses a page template that may use {{template "idp-style"}}.
func idpTemplate(name, text string) *template.Template {
	return template.Must(template.Must(idpStyle.Clone()).New(name).Parse(text))
}

// renderIdPPage writes an identity provider page (never cached).
func (e *Emulator) renderIdPPage(w http.ResponseWriter, status int, tmpl *template.Template, page any) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := tmpl.Execute(w, page); err != nil {
		e.log.Error("emulator identity provider page render", "err", err)
	}
}
