package cdshooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Request is a CDS Hooks service call, with the specification's field
// names. The hook's context and each prefetch are kept as JSON, read
// by [MapRequest].
type Request struct {
	// Hook names the hook that triggered the call: "patient-view".
	Hook string `json:"hook"`
	// HookInstance identifies this call.
	HookInstance string `json:"hookInstance"`
	// FHIRServer is the base URL of the client's FHIR server, if given.
	// The service never calls it.
	FHIRServer string `json:"fhirServer,omitempty"`
	// FHIRAuthorization is the client's access token for FHIRServer, if
	// given. The service never reads it.
	FHIRAuthorization json.RawMessage `json:"fhirAuthorization,omitempty"`
	// Context is the hook's context: for patient-view, patientId and
	// userId.
	Context map[string]json.RawMessage `json:"context"`
	// Prefetch holds the prefetched FHIR data by prefetch key: patient
	// and conditions. A key the client could not fill is missing; a key
	// it has no data for is JSON null.
	Prefetch map[string]json.RawMessage `json:"prefetch,omitempty"`
	// Extension is the request's extension object, if any; it is not
	// read.
	Extension json.RawMessage `json:"extension,omitempty"`
}

// ErrInvalidRequest is matched by every *RequestError the service answers
// with 400 Bad Request.
var ErrInvalidRequest = errors.New("invalid CDS Hooks request")

// ErrMissingPrefetch is matched by every *RequestError the service answers
// with 412 Precondition Failed: a prefetch it needs is missing, or the
// client says it could not fetch it.
var ErrMissingPrefetch = errors.New("missing prefetch")

// RequestError is a problem with a request.
type RequestError struct {
	// Status is the HTTP status the service answers with:
	// http.StatusBadRequest or http.StatusPreconditionFailed.
	Status int
	// Field is the JSON path of the value at fault, such as
	// "prefetch.conditions" or "context.patientId"; "" for the body as a
	// whole.
	Field string
	// Message says what is wrong, and how to fix it.
	Message string
	// Line and Column locate a JSON syntax error in the body: 1-based,
	// the column in characters. Both are 0 for other problems.
	Line, Column int
}

// Error returns "field: message", with the line and column of a syntax
// error.
func (e *RequestError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d col %d: ", e.Line, e.Column)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Unwrap returns ErrMissingPrefetch for a 412 and ErrInvalidRequest
// otherwise.
func (e *RequestError) Unwrap() error {
	if e.Status == http.StatusPreconditionFailed {
		return ErrMissingPrefetch
	}
	return ErrInvalidRequest
}

func badRequest(field, format string, args ...any) *RequestError {
	return &RequestError{Status: http.StatusBadRequest, Field: field, Message: fmt.Sprintf(format, args...)}
}

func missingPrefetch(field, format string, args ...any) *RequestError {
	return &RequestError{Status: http.StatusPreconditionFailed, Field: field, Message: fmt.Sprintf(format, args...)}
}

// DecodeRequest reads a CDS Hooks request from JSON. It checks the JSON
// and the fields every hook has: hook and hookInstance, non-empty
// strings, and context, an object. Fields it does not know are ignored,
// as CDS Hooks allows. A problem is a *RequestError matching
// ErrInvalidRequest that names the field, or the line and column of a
// syntax error.
func DecodeRequest(data []byte) (*Request, error) {
	if !utf8.Valid(data) {
		return nil, badRequest("", "the body is not valid UTF-8 JSON")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, badRequest("", "the body is empty: send a CDS Hooks request as JSON")
	}
	var req Request
	if err := json.Unmarshal(data, &req); err != nil {
		return nil, jsonError(data, "", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, jsonError(data, "", err)
	}
	for _, f := range []struct {
		name, value string
	}{{"hook", req.Hook}, {"hookInstance", req.HookInstance}} {
		if isNull(top[f.name]) {
			return nil, badRequest(f.name, "missing: a CDS Hooks request needs hook, hookInstance and context")
		}
		if strings.TrimSpace(f.value) == "" {
			return nil, badRequest(f.name, "must not be empty")
		}
	}
	if isNull(top["context"]) {
		return nil, badRequest("context", "missing: a CDS Hooks request needs hook, hookInstance and context")
	}
	return &req, nil
}

// isNull reports whether a JSON value is missing or null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// jsonError turns an error of encoding/json decoding data into a
// *RequestError. at is the path of data in the request, "" for the body.
func jsonError(data []byte, at string, err error) *RequestError {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end of JSON input"),
		err != nil && strings.Contains(err.Error(), "unexpected end of JSON input"):
		e := badRequest(at, "invalid JSON: the text ends before the JSON value does")
		if at == "" {
			e.Line, e.Column = position(data, len(data))
		}
		return e
	case errors.As(err, &se):
		e := badRequest(at, "invalid JSON: %s", strings.TrimPrefix(se.Error(), "json: "))
		if at == "" {
			e.Line, e.Column = position(data, int(se.Offset))
		}
		return e
	case errors.As(err, &te):
		field := te.Field
		if at != "" && field != "" {
			field = at + "." + field
		} else if at != "" {
			field = at
		}
		return badRequest(field, "must be %s, found %s", typeName(te.Type.Kind().String()), valueName(te.Value))
	}
	return badRequest(at, "invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// typeName names a Go kind as JSON does.
func typeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "true or false"
	}
	if strings.HasPrefix(kind, "int") || strings.HasPrefix(kind, "uint") || strings.HasPrefix(kind, "float") {
		return "a number"
	}
	return kind
}

// valueName names the JSON value encoding/json describes as v: "number",
// "number -5", "string", "bool", "array" or "object".
func valueName(v string) string {
	if v == "bool" {
		return "true or false"
	}
	return article(v) + " " + v
}

// position returns the 1-based line and column (in characters) of byte
// offset off of data.
func position(data []byte, off int) (line, col int) {
	off = max(0, min(off, len(data)))
	line = 1 + bytes.Count(data[:off], []byte("\n"))
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	// A syntax error's offset is just past the character at fault.
	col = utf8.RuneCount(data[start:off])
	return line, max(col, 1)
}

// decodeAt decodes the JSON value raw, found at path, into v.
func decodeAt(raw json.RawMessage, path string, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return jsonError(raw, path, err)
	}
	return nil
}

// quote quotes s for a message, cut short after 64 bytes.
func quote(s string) string {
	if len(s) > 64 {
		i := 64
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		return strconv.Quote(s[:i]) + "..."
	}
	return strconv.Quote(s)
}
