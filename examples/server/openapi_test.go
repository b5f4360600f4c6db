package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The OpenAPI document's schemas are JSON Schema 2020-12 (OpenAPI 3.1),
// compiled with a complete validator. Schemas are compiled by their JSON
// pointer in the document, so that a response is checked against exactly
// the schema the document gives for its path, method, status and media
// type.
var doc struct {
	once     sync.Once
	err      error
	parsed   map[string]any
	mu       sync.Mutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
}

const docURL = "openapi.json"

// loadDoc parses the document and prepares its compiler.
func loadDoc(t testing.TB) map[string]any {
	t.Helper()
	doc.once.Do(func() {
		if err := json.Unmarshal(openAPI, &doc.parsed); err != nil {
			doc.err = err
			return
		}
		res, err := jsonschema.UnmarshalJSON(bytes.NewReader(openAPI))
		if err != nil {
			doc.err = err
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.AssertFormat()
		doc.err = c.AddResource(docURL, res)
		doc.compiler = c
		doc.schemas = map[string]*jsonschema.Schema{}
	})
	if doc.err != nil {
		t.Fatalf("openapi.json: %v", doc.err)
	}
	return doc.parsed
}

// schemaAt compiles the schema at a JSON pointer of the document.
func schemaAt(t testing.TB, pointer string) *jsonschema.Schema {
	t.Helper()
	loadDoc(t)
	doc.mu.Lock()
	defer doc.mu.Unlock()
	if s, ok := doc.schemas[pointer]; ok {
		return s
	}
	s, err := doc.compiler.Compile(docURL + "#" + pointer)
	if err != nil {
		t.Fatalf("compile %s: %v", pointer, err)
	}
	doc.schemas[pointer] = s
	return s
}

// escape escapes a JSON pointer token.
func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// obj returns m[key] as an object, or nil.
func obj(m map[string]any, key string) map[string]any {
	v, _ := m[key].(map[string]any)
	return v
}

// checkDoc checks a response of the path's operation with method against
// the document: the status must be documented for the operation, the
// Content-Type must be the documented one, and the body must validate
// against its schema. A response sent with Content-Encoding must be
// documented with that header (see documentedHeader), and its body is
// decompressed before it is checked. An empty method means any operation
// of the path that documents the status, as for a 405.
func checkDoc(t testing.TB, method, path string, rec *httptest.ResponseRecorder) {
	t.Helper()
	d := loadDoc(t)
	item := obj(obj(d, "paths"), path)
	if item == nil {
		t.Errorf("openapi.json does not document path %s", path)
		return
	}
	status := strconv.Itoa(rec.Code)
	var op string
	if method != "" {
		op = strings.ToLower(method)
	} else {
		for _, m := range []string{"get", "post", "put", "delete"} {
			if obj(obj(obj(item, m), "responses"), status) != nil {
				op = m
				break
			}
		}
	}
	resp := obj(obj(obj(item, op), "responses"), status)
	if resp == nil {
		t.Errorf("openapi.json does not document status %s for %s %s", status, strings.ToUpper(op), path)
		return
	}
	body := rec.Body.Bytes()
	for _, h := range []string{"Content-Encoding", "Vary"} {
		if rec.Header().Get(h) != "" && rec.Body.Len() >= minGzipBytes {
			documentedHeader(t, d, resp, h, rec.Header().Get(h), op+" "+path+" "+status)
		}
	}
	if ce := rec.Header().Get("Content-Encoding"); ce == "gzip" {
		body = gunzip(t, body)
	} else if ce != "" {
		t.Errorf("%s %s %s: Content-Encoding %q", op, path, status, ce)
	}
	content := obj(resp, "content")
	if len(content) == 0 {
		if len(body) > 0 {
			t.Errorf("%s %s %s: openapi.json documents no body, got %d bytes", op, path, status, len(body))
		}
		return
	}
	mt, _, err := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	if err != nil || obj(content, mt) == nil {
		t.Errorf("%s %s %s: Content-Type %q is not documented", op, path, status, rec.Header().Get("Content-Type"))
		return
	}
	if mt != "application/json" {
		return
	}
	pointer := "/paths/" + escape(path) + "/" + op + "/responses/" + status + "/content/" + escape(mt) + "/schema"
	validate(t, schemaAt(t, pointer), body)
}

// documentedHeader checks that the response object resp of the document
// d documents the header name, by a $ref to components/headers that
// resolves, and that the header's value in the response, value, is one
// its schema allows.
func documentedHeader(t testing.TB, d, resp map[string]any, name, value, where string) {
	t.Helper()
	h := obj(obj(resp, "headers"), name)
	if h == nil {
		t.Errorf("%s: the response has %s, which openapi.json does not document for it", where, name)
		return
	}
	ref, _ := h["$ref"].(string)
	comp, ok := strings.CutPrefix(ref, "#/components/headers/")
	if !ok || obj(obj(obj(d, "components"), "headers"), comp) == nil {
		t.Errorf("%s: header %s refers to %q, not a header of components", where, name, ref)
		return
	}
	v, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, schemaAt(t, "/components/headers/"+escape(comp)+"/schema"), v)
}

// checkErrorBody checks that a JSON body is an Error of the document.
func checkErrorBody(t testing.TB, rec *httptest.ResponseRecorder) {
	t.Helper()
	if mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type")); mt != "application/json" {
		return // the page answers in HTML
	}
	validate(t, schemaAt(t, "/components/schemas/Error"), rec.Body.Bytes())
}

// validate checks body against s.
func validate(t testing.TB, s *jsonschema.Schema, body []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Errorf("body is not JSON: %v\n%s", err, body)
		return
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("body does not match openapi.json: %v", err)
	}
}

// TestOpenAPIDocumentsRoutes checks that every route the server registers
// is in the document: a "METHOD /path" pattern as that operation, a
// method-less pattern as a path, and a subtree pattern ("/x/") as at least
// one path under it.
func TestOpenAPIDocumentsRoutes(t *testing.T) {
	s, _ := newServer(t, Config{})
	paths := obj(loadDoc(t), "paths")
	var missing []string
	for _, r := range s.routes {
		method, path, ok := strings.Cut(r.pattern, " ")
		if !ok {
			method, path = "", r.pattern
		}
		path = strings.TrimSuffix(path, "{$}") // "/{$}" is exactly "/"
		switch {
		case method != "":
			if obj(obj(paths, path), strings.ToLower(method)) == nil {
				missing = append(missing, r.pattern)
			}
		case obj(paths, path) != nil:
		case strings.HasSuffix(path, "/") && path != "/":
			found := false
			for p := range paths {
				found = found || strings.HasPrefix(p, path)
			}
			if !found {
				missing = append(missing, r.pattern)
			}
		default:
			missing = append(missing, r.pattern)
		}
	}
	if diff := cmp.Diff([]string(nil), missing); diff != "" {
		t.Errorf("routes not in openapi.json (-want +got):\n%s", diff)
	}
}

// TestOpenAPISchemasCompile compiles every schema of the document, and
// checks the examples of the request bodies against their schemas and
// against the server, which must answer them with 200.
func TestOpenAPISchemasCompile(t *testing.T) {
	s, _ := newServer(t, Config{})
	d := loadDoc(t)
	for name := range obj(obj(d, "components"), "schemas") {
		schemaAt(t, "/components/schemas/"+escape(name))
	}
	for path, item := range obj(d, "paths") {
		for method, op := range item.(map[string]any) {
			content := obj(obj(op.(map[string]any), "requestBody"), "content")
			for mt, media := range content {
				ex, ok := media.(map[string]any)["example"]
				if !ok {
					continue
				}
				t.Run(method+" "+path, func(t *testing.T) {
					body, _ := json.Marshal(ex)
					validate(t, schemaAt(t, "/paths/"+escape(path)+"/"+method+"/requestBody/content/"+escape(mt)+"/schema"), body)
					rec := do(t, s.Handler(), strings.ToUpper(method), path, string(body))
					checkDoc(t, strings.ToUpper(method), path, rec)
					if rec.Code != 200 {
						t.Errorf("the example gets status %d, want 200: %s", rec.Code, rec.Body)
					}
				})
			}
		}
	}
}

// TestOpenAPIProfileLimits checks that the document's Profile states the
// engine's limits on each number: a client that checks a profile against
// the schema must refuse what the server refuses (a days_since_onset over
// recommend.MaxDaysSinceOnset was valid by the schema and a 400 from the
// server) and accept what it accepts, at both ends of each range.
func TestOpenAPIProfileLimits(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	s := schemaAt(t, "/components/schemas/Profile")
	// checkIn is a profile of one check-in of walking whose field is v.
	checkIn := func(field string, v int) string {
		ci := map[string]any{"day": 0, "pain_level": 0, "done": []map[string]any{{"movement": "walking", "sessions": 1, "response": "same"}}}
		ci[field] = v
		b, err := json.Marshal(map[string]any{"check_ins": []any{ci}})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	done := func(v int) string {
		return fmt.Sprintf(`{"check_ins":[{"day":0,"pain_level":0,"done":[{"movement":"walking","sessions":%d,"response":"same"}]}]}`, v)
	}
	top := func(field string) func(int) string {
		return func(v int) string { return fmt.Sprintf(`{%q:%d}`, field, v) }
	}
	tests := []struct {
		name     string
		body     func(int) string
		min, max int
	}{
		{"pain_level", top("pain_level"), 0, 10},
		{"days_since_onset", top("days_since_onset"), 0, recommend.MaxDaysSinceOnset},
		{"sitting_hours", top("sitting_hours"), 0, 24},
		{"age", top("age"), 0, recommend.MaxAge},
		{"pregnancy_week", top("pregnancy_week"), 0, recommend.MaxPregnancyWeek},
		{"check_ins[].day", func(v int) string { return checkIn("day", v) }, 0, recommend.MaxCheckInDay},
		{"check_ins[].pain_level", func(v int) string { return checkIn("pain_level", v) }, 0, 10},
		{"check_ins[].function", func(v int) string { return checkIn("function", v) }, 0, 10},
		{"check_ins[].done[].sessions", done, 0, recommend.MaxSessions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range []int{tt.min - 1, tt.min, tt.max, tt.max + 1} {
				body := tt.body(v)
				_, engErr := eng.DecodeProfile(strings.NewReader(body))
				inst, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				schemaErr := s.Validate(inst)
				if got, want := schemaErr == nil, engErr == nil; got != want {
					t.Errorf("%s: the schema accepts it: %v, the engine: %v (engine: %v)", body, got, want, engErr)
				}
			}
		})
	}
}
