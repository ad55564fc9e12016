package emulator

import (
	"net/http"
	"time"
)

// GET /dev/calls.json
func (e *Emulator) callsJSON(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, e.Calls())
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
