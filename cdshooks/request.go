package cdshooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/internal/words"
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
	// The service reads from it only to fill a missing patient or
	// conditions prefetch, and only when the calling client is trusted
	// and lists it (see WithTrust).
	FHIRServer string `json:"fhirServer,omitempty"`
	// FHIRAuthorization is the client's access token for FHIRServer, if
	// given: its access_token is sent to FHIRServer when the service reads
	// from it, and never logged or kept.
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

	// earlier are the earlier values of context.patientId or
	// context.userId given twice, in the order given, each with its path:
	// Context holds the last, as encoding/json would. DecodeRequest sets
	// them, MapRequest reports them (a patientId given twice with another
	// value is a 400), and the service refuses a userId among them that
	// names a patient or their proxy.
	earlier []otherPrefetch

	// others are the prefetch values that are not a key of Prefetch, in
	// the order given: the earlier values of a key given twice, and the
	// keys of a prefetch object in the wrong case ("Prefetch"), or of a
	// second prefetch object. DecodeRequest sets them, and MapRequest
	// reads them as it reads a prefetch key in the wrong case.
	others []otherPrefetch

	// unreadPages are, by prefetch key, the pages of its search that the
	// service read from fhirServer and could not read as a Bundle (see
	// keepUnreadPage): MapRequest scans them for codes.
	unreadPages map[string][]*unreadPageError
}

// otherPrefetch is a prefetch value that is not the key it stands for:
// see Request.others.
type otherPrefetch struct {
	// at is the JSON path of the value, such as "Prefetch.conditions";
	// key is the key it was given under.
	at, key string
	// why says why it is not the key.
	why string
	raw json.RawMessage
}

// requestBody is a Request as DecodeRequest decodes the body: the
// prefetch is read on its own (see prefetchOf), so that a key given twice
// in it, or a "Prefetch" in the wrong case, is not lost.
type requestBody struct {
	Hook              string                     `json:"hook"`
	HookInstance      string                     `json:"hookInstance"`
	FHIRServer        string                     `json:"fhirServer,omitempty"`
	FHIRAuthorization json.RawMessage            `json:"fhirAuthorization,omitempty"`
	Context           map[string]json.RawMessage `json:"context"`
	Prefetch          map[string]json.RawMessage `json:"-"`
	Extension         json.RawMessage            `json:"extension,omitempty"`
	earlier           []otherPrefetch
	others            []otherPrefetch
	unreadPages       map[string][]*unreadPageError // never set: see Request
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
	// Line and Column locate a JSON syntax error in the body, or its
	// first byte that is not UTF-8: 1-based, the column in characters.
	// Both are 0 for other problems.
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
// as CDS Hooks allows, but the JSON is read strictly: a key given twice
// in the request or its context is an error (encoding/json would keep the
// last value), and so is a key that differs only in case from a field of
// the request ("Hook" is not "hook": CDS Hooks and FHIR JSON are
// case-sensitive). The prefetch is the exception, since what it holds may
// be an emergency: a prefetch key given twice ("conditions"), or a
// prefetch object in the wrong case ("Prefetch") or given twice, is not
// lost, nor taken as the key; the values that are not Prefetch's are kept
// for [MapRequest], which reads them for their referrals only and reports
// them by name, as it does a prefetch key in the wrong case. So are the
// context's patientId and userId, which may be given twice: the last
// value is Context's, and the earlier are kept for MapRequest, which
// reports them (see MapRequest). MapRequest
// reads the prefetch data as strictly. A leading UTF-8 byte order mark
// is skipped. A problem is a *RequestError
// matching ErrInvalidRequest that names the field, and the line and
// column of a syntax error or a key at fault.
func DecodeRequest(data []byte) (*Request, error) {
	data = parse.TrimBOM(data) // JSON readers may skip one (RFC 8259, 8.1), as the profile decoder does
	var body requestBody
	// The prefetch values are read, and checked, by MapRequest; CDS Hooks
	// lets a request carry fields the service does not know.
	if err := decodeBodyExcept(data, &body, "a CDS Hooks request", "prefetch", contextTwice...); err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, jsonError(data, "", err)
	}
	body.earlier = earlierValues(top["context"], "context", contextTwice)
	var err error
	if body.Prefetch, body.others, err = prefetchOf(data); err != nil {
		return nil, err
	}
	req := Request(body)
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

// contextTwice are the paths of the context keys that may be given twice
// (see Request.earlier).
var contextTwice = []string{"context.patientId", "context.userId"}

// earlierValues returns the earlier values of each key of the JSON object
// raw, found at path at, that is given twice and whose path is one of
// paths: all but the last, in order.
func earlierValues(raw json.RawMessage, at string, paths []string) []otherPrefetch {
	var out []otherPrefetch
	left := map[string]int{}
	for _, n := range keyCounts(raw) {
		left[n.key] = n.count
	}
	for key, value := range members(raw) {
		kat := at + "." + parse.PathKey(key)
		if left[key] > 1 && slices.Contains(paths, kat) {
			left[key]--
			out = append(out, otherPrefetch{at: kat, key: key, why: twice, raw: value})
		}
	}
	return out
}

// patientViewer returns the resource type of the request's
// context.userId when it is one patient-view names for a patient, or
// their proxy, viewing the record ("Patient/123", "RelatedPerson/7", or
// either as an absolute URL or with a version), and "" otherwise: for a
// clinician (Practitioner, PractitionerRole), and for a userId that is
// missing, of the wrong type or of another form, whose cards err toward
// the clinician they are written for.
func patientViewer(req *Request) string {
	raw, ok := req.Context["userId"]
	if !ok || isNull(raw) {
		return ""
	}
	var user string
	if json.Unmarshal(raw, &user) != nil {
		return ""
	}
	if i := strings.LastIndex(user, "/_history/"); i >= 0 {
		user = user[:i]
	}
	parts := strings.Split(user, "/")
	if len(parts) < 2 || parts[len(parts)-1] == "" {
		return ""
	}
	switch typ := parts[len(parts)-2]; typ {
	case "Patient", "RelatedPerson":
		return typ
	}
	return ""
}

// viewerInDoubt returns a 400 for a key of the request's context that is
// userId only when case is ignored ("UserId") and, read as userId, names a
// patient or their proxy (see patientViewer): JSON keys are
// case-sensitive, so it is not the userId, but a patient may be viewing,
// and the cards are written for a clinician. A patient viewing gets no
// cards, so the 400 hides none from a clinician. Such a key that names
// anyone else is not refused here: see MapRequest.
func viewerInDoubt(req *Request) error {
	for _, k := range miscasedKeys(req.Context, "userId")["userId"] {
		if patientViewer(&Request{Context: map[string]json.RawMessage{"userId": req.Context[k]}}) != "" {
			return badRequest("context."+parse.PathKey(k), "%s: it names a patient or their proxy, who may be viewing the record, and the cards are written for a clinician", miscasedWhy("userId"))
		}
	}
	for _, o := range req.earlier {
		if o.key == "userId" && patientViewer(&Request{Context: map[string]json.RawMessage{"userId": o.raw}}) != "" {
			return badRequest(o.at, "%s: an earlier value names a patient or their proxy, who may be viewing the record, and the cards are written for a clinician", twice)
		}
	}
	return nil
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

// invalidUTF8 returns the offset of the first byte of data that is not
// part of valid UTF-8, or len(data) when there is none.
func invalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
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

// decodeBody decodes data, the body of a service or feedback call (what
// it should be, for the message of an empty one), into v, as strictly as
// the service reads every body: valid UTF-8, not blank, and JSON whose
// keys are neither given twice in one object nor in the wrong case (see
// checkKeys). whole checks the parts of data that v does not describe
// (json.RawMessage values) for repeated keys too; closed refuses a key
// that no field of v's struct types names. A problem is a *RequestError
// naming the key, with its line and column.
func decodeBody(data []byte, v any, what string, whole, closed bool) error {
	if err := bodyJSON(data, v, what); err != nil {
		return err
	}
	return checkKeys(data, "", reflect.TypeOf(v), whole, closed)
}

// decodeBodyExcept decodes data as decodeBody does (neither whole nor
// closed), but leaves the keys of the body that are except when case is
// ignored, and their values, unchecked, and the keys at the paths twiceOK
// free to be given twice, for the caller to read.
func decodeBodyExcept(data []byte, v any, what, except string, twiceOK ...string) error {
	if err := bodyJSON(data, v, what); err != nil {
		return err
	}
	k := &keyChecker{data: data, body: true, except: except, twiceOK: twiceOK, dec: json.NewDecoder(bytes.NewReader(data))}
	k.dec.UseNumber()
	return k.value(reflect.TypeOf(v), "")
}

// bodyJSON decodes data, the body of a call (what it should be, for the
// message of an empty one), into v: valid UTF-8, not blank, and JSON.
func bodyJSON(data []byte, v any, what string) error {
	if !utf8.Valid(data) {
		// At the first byte that is not UTF-8, as a syntax error is
		// placed: a body saved in Latin-1 or UTF-16 is refused where
		// its author can find it.
		off := invalidUTF8(data)
		e := badRequest("", "the body is not valid UTF-8 JSON (byte 0x%02x here): send it encoded as UTF-8", data[off])
		e.Line, e.Column = position(data, off+1)
		return e
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return badRequest("", "the body is empty: send %s as JSON", what)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return jsonError(data, "", err)
	}
	return nil
}

// prefetchOf reads the prefetch of data, a request's body that
// decodeBodyExcept has read: the last value of the key "prefetch", as
// encoding/json would read it, without the earlier values of a key given
// twice in it, which are returned as others, with every key of another
// prefetch object ("Prefetch", or the earlier of two "prefetch"), each
// with its path and why it is not the key. A prefetch that is not an
// object, or null, is an error: nothing in it can be read.
func prefetchOf(data []byte) (map[string]json.RawMessage, []otherPrefetch, error) {
	var objects []otherPrefetch // each key of the body that is "prefetch" when case is ignored
	last := -1
	for key, raw := range members(data) {
		if !strings.EqualFold(key, "prefetch") {
			continue
		}
		if key == "prefetch" {
			last = len(objects)
		}
		objects = append(objects, otherPrefetch{at: parse.PathKey(key), key: key, raw: raw})
	}
	var prefetch map[string]json.RawMessage
	var others []otherPrefetch
	for i, o := range objects {
		why := "wrong case: JSON keys are case-sensitive; write \"prefetch\""
		if o.key == "prefetch" {
			why = twice
		}
		if isNull(o.raw) && i != last {
			// Nothing in it, but not passed over without a word.
			others = append(others, otherPrefetch{at: o.at, why: why, raw: o.raw})
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(o.raw, &obj); err != nil {
			re := jsonError(o.raw, o.at, err)
			if i == last {
				return nil, nil, re
			}
			others = append(others, otherPrefetch{at: o.at, why: why + "; it " + re.Message, raw: o.raw})
			continue
		}
		seen := map[string]int{} // the keys of the prefetch read, and how many times each is given
		for _, n := range keyCounts(o.raw) {
			seen[n.key] = n.count
		}
		for key, raw := range members(o.raw) {
			at := o.at + "." + parse.PathKey(key)
			switch {
			case i != last:
				others = append(others, otherPrefetch{at: at, key: key, why: why, raw: raw})
			case seen[key] > 1:
				// The earlier values of a key given twice.
				seen[key]--
				others = append(others, otherPrefetch{at: at, key: key, why: twice, raw: raw})
			}
		}
		if i != last && len(obj) == 0 {
			// Nothing in it, but not passed over without a word.
			others = append(others, otherPrefetch{at: o.at, why: why, raw: o.raw})
		}
		if i == last {
			prefetch = obj
		}
	}
	return prefetch, others, nil
}

// twice says what is wrong with a key given twice in one object.
const twice = "the key is given twice in one object: JSON keys must be unique, and the service does not guess which value is meant"

// keyCount is a key of a JSON object and how many times it is given.
type keyCount struct {
	key   string
	count int
}

// keyCounts returns the keys of the JSON object raw, in the order first
// given, with how many times each is given.
func keyCounts(raw json.RawMessage) []keyCount {
	var out []keyCount
	at := map[string]int{}
	for key := range members(raw) {
		if i, ok := at[key]; ok {
			out[i].count++
			continue
		}
		at[key] = len(out)
		out = append(out, keyCount{key, 1})
	}
	return out
}

// decodeAt decodes the JSON value raw, found at path ("" for the body),
// into v, strictly: see checkKeys.
func decodeAt(raw json.RawMessage, path string, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return jsonError(raw, path, err)
	}
	return checkKeys(raw, path, reflect.TypeOf(v), true, false)
}

// decodePart decodes raw, a part of a value that decodeAt has read, as
// decodeAt does, but checks only the keys of v's own fields: the repeated
// keys of the parts v does not describe are checked already.
func decodePart(raw json.RawMessage, path string, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return jsonError(raw, path, err)
	}
	return checkKeys(raw, path, reflect.TypeOf(v), false, false)
}

// checkKeys walks the JSON value data, found at path at ("" for the
// body), which json.Unmarshal has read into a value of type t without an
// error, and refuses what encoding/json lets through but JSON read as
// data must not: a key given twice in one object, anywhere in the value
// (encoding/json keeps the last one), and a key that matches a field of
// t only when case is ignored (encoding/json would read it as the field).
// Values that t does not describe, such as a json.RawMessage, are checked
// for repeated keys only, and only when whole is true. With closed, a key
// of an object read into a struct that names no field of the struct is
// refused too (encoding/json would ignore it). The error is a
// *RequestError naming the key's path, with its line and column when at
// is "".
func checkKeys(data []byte, at string, t reflect.Type, whole, closed bool) error {
	k := &keyChecker{data: data, body: at == "", whole: whole, closed: closed, dec: json.NewDecoder(bytes.NewReader(data))}
	k.dec.UseNumber()
	return k.value(t, at)
}

// keyChecker is the state of checkKeys.
type keyChecker struct {
	data   []byte
	body   bool
	whole  bool // check the values t does not describe too
	closed bool // refuse the keys of a struct that name no field
	// except, when not "", is a key of the body left unchecked, with its
	// value, in whatever case it is written (see decodeBodyExcept).
	except string
	// twiceOK are the paths of keys that may be given twice, left to the
	// caller (see decodeBodyExcept).
	twiceOK []string
	dec     *json.Decoder
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

func (k *keyChecker) value(t reflect.Type, at string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType {
		t = nil
	}
	if t == nil && !k.whole {
		var skip json.RawMessage
		if err := k.dec.Decode(&skip); err != nil {
			return jsonError(k.data, at, err)
		}
		return nil
	}
	tok, err := k.dec.Token()
	if err != nil {
		return jsonError(k.data, at, err)
	}
	switch tok {
	case json.Delim('{'):
		var fields []jsonField
		var elem reflect.Type
		isStruct := t != nil && t.Kind() == reflect.Struct
		if isStruct {
			fields = fieldsOf(t)
		} else if t != nil && t.Kind() == reflect.Map {
			elem = t.Elem()
		}
		seen := map[string]bool{}
		for k.dec.More() {
			// Only blanks and a comma stand between the decoder and the key.
			start := int(k.dec.InputOffset())
			start += bytes.IndexByte(k.data[start:], '"')
			tok, err := k.dec.Token()
			if err != nil {
				return jsonError(k.data, at, err)
			}
			key, _ := tok.(string)
			if at == "" && k.except != "" && strings.EqualFold(key, k.except) {
				var skip json.RawMessage
				if err := k.dec.Decode(&skip); err != nil {
					return jsonError(k.data, at, err)
				}
				continue
			}
			kat := parse.PathKey(key)
			if at != "" {
				kat = at + "." + kat
			}
			if seen[key] && !slices.Contains(k.twiceOK, kat) {
				return k.fail(kat, start, "%s", twice)
			}
			seen[key] = true
			vt, known := elem, !isStruct
			for _, f := range fields {
				if f.name == key {
					vt, known = f.typ, true
					break
				}
				if strings.EqualFold(f.name, key) {
					return k.fail(kat, start, "wrong case: JSON keys are case-sensitive; write %s", quote(f.name))
				}
			}
			if !known && k.closed {
				names := make([]string, len(fields))
				for i, f := range fields {
					names[i] = f.name
				}
				return k.fail(kat, start, "unknown key: the keys here are %s", words.List(names))
			}
			if err := k.value(vt, kat); err != nil {
				return err
			}
		}
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; k.dec.More(); i++ {
			if err := k.value(elem, at+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	if _, err := k.dec.Token(); err != nil { // the closing } or ]
		return jsonError(k.data, at, err)
	}
	return nil
}

// fail returns the 400 for the key at path kat, which starts at byte
// start of the data; in the body, with the key's line and column.
func (k *keyChecker) fail(kat string, start int, format string, args ...any) error {
	e := badRequest(kat, format, args...)
	if k.body {
		e.Line, e.Column = position(k.data, start+1)
	}
	return e
}

// jsonField is a field of a struct as encoding/json names it.
type jsonField struct {
	name string
	typ  reflect.Type
}

var fieldCache sync.Map // reflect.Type → []jsonField

// fieldsOf returns the JSON fields of the struct type t.
func fieldsOf(t reflect.Type) []jsonField {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]jsonField)
	}
	var fs []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		fs = append(fs, jsonField{name, f.Type})
	}
	fieldCache.Store(t, fs)
	return fs
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
