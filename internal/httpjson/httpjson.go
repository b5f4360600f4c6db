// Package httpjson writes the JSON responses of backrules' HTTP handlers,
// the CDS Hooks service and the example server alike, so that both send
// the same headers: JSON, its length, no caching (the bodies hold a
// person's health data) and no content sniffing.
package httpjson

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// Write writes v as indented JSON, without HTML escaping, with status.
// If v does not encode, it writes a 500 with a short JSON error instead.
func Write(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		// Every value written here encodes; say so if one does not.
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"status":500,"error":"internal error: encode response"}` + "\n")
	}
	WriteBody(w, status, buf.Bytes())
}

// WriteBody writes body, which is JSON already, with status and the
// package's headers.
func WriteBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body) // a client that went away is not an error here
}
