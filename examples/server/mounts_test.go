package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// cdsRequest reads a sample request of testdata/cdshooks/requests.
func cdsRequest(t *testing.T, name string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("../../testdata/cdshooks/requests", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// largeCDSRequest is the sample request known-serious-condition with 1,500
// more active Conditions of a code the vocabulary lacks, each with a
// narrative of a kilobyte: a chart of more than 1 MiB, the limit the
// server had, with its serious spinal condition last.
func largeCDSRequest(t *testing.T) string {
	t.Helper()
	var req map[string]any
	if err := json.Unmarshal([]byte(cdsRequest(t, "known-serious-condition")), &req); err != nil {
		t.Fatal(err)
	}
	bundle := req["prefetch"].(map[string]any)["conditions"].(map[string]any)
	entries := bundle["entry"].([]any)
	var padded []any
	for i := range 1500 {
		padded = append(padded, map[string]any{"resource": map[string]any{
			"resourceType": "Condition", "id": fmt.Sprintf("pad-%d", i),
			"clinicalStatus": map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}}},
			"code":           map[string]any{"coding": []any{map[string]any{"system": "http://example.org/local", "code": "42"}}},
			"subject":        map[string]any{"reference": "Patient/1288992"},
			"text":           map[string]any{"status": "generated", "div": `<div xmlns="http://www.w3.org/1999/xhtml">` + strings.Repeat("A condition on the problem list. ", 32) + `</div>`},
		}})
	}
	bundle["entry"] = append(padded, entries...)
	bundle["total"] = len(padded) + len(entries)
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(body) <= 1<<20 {
		t.Fatalf("the request is %d bytes, want more than 1 MiB", len(body))
	}
	return string(body)
}

// directCDS answers a request with package cdshooks alone, for eng, on
// the test clock: what the server must pass through unchanged.
func directCDS(eng *recommend.Engine, method, target, body string) *httptest.ResponseRecorder {
	svc := cdshooks.NewService(func() *recommend.Engine { return eng }, cdshooks.WithClock(func() time.Time { return fixedNow }))
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	svc.ServeHTTP(rec, req)
	return rec
}

// TestCDSHooks checks that the CDS Hooks endpoints are mounted and pass
// every answer of package cdshooks through unchanged, errors included
// (400, 405, 412, 413), and that the answers match openapi.json.
func TestCDSHooks(t *testing.T) {
	s, _ := newServer(t, Config{})
	tests := []struct {
		name, method, path, body string
		wantStatus               int
	}{
		{"discovery", "GET", "/cds-services", "", 200},
		{"cards", "POST", "/cds-services/backrules", cdsRequest(t, "disc-herniation"), 200},
		{"emergency", "POST", "/cds-services/backrules", cdsRequest(t, "emergency-red-flag"), 200},
		{"unknown codes", "POST", "/cds-services/backrules", cdsRequest(t, "unknown-codes"), 200},
		{"missing prefetch is 412", "POST", "/cds-services/backrules", cdsRequest(t, "missing-prefetch"), 412},
		{"paged conditions is 412", "POST", "/cds-services/backrules", cdsRequest(t, "paged-conditions"), 412},
		{"failed search is 412", "POST", "/cds-services/backrules", cdsRequest(t, "failed-search"), 412},
		{"malformed is 400", "POST", "/cds-services/backrules", cdsRequest(t, "malformed"), 400},
		{"wrong patient is read as a Patient not read", "POST", "/cds-services/backrules", cdsRequest(t, "wrong-patient"), 200},
		{"a chart over 1 MiB is read", "POST", "/cds-services/backrules", largeCDSRequest(t), 200},
		{"too large is 413", "POST", "/cds-services/backrules", `{"hook": "` + strings.Repeat("x", maxBody) + `"}`, 413},
		{"wrong method on discovery", "POST", "/cds-services", "{}", 405},
		{"wrong method on the service", "GET", "/cds-services/backrules", "", 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, s.Handler(), tt.method, tt.path, tt.body)
			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d: %s", rec.Code, tt.wantStatus, cut(rec.Body.String()))
			}
			method := tt.method
			if rec.Code == http.StatusMethodNotAllowed {
				method = ""
			}
			checkDoc(t, method, tt.path, rec)
			want := directCDS(s.Engine(), tt.method, tt.path, tt.body)
			if diff := cmp.Diff(want.Body.String(), rec.Body.String()); diff != "" {
				t.Errorf("body differs from package cdshooks' (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want.Header().Get("Allow"), rec.Header().Get("Allow")); diff != "" {
				t.Errorf("Allow (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPage checks that the page is mounted at exactly "/": the form, a
// posted form, and the page's own 405; any other path is the server's
// JSON 404.
func TestPage(t *testing.T) {
	s, _ := newServer(t, Config{})
	get := do(t, s.Handler(), "GET", "/", "")
	checkDoc(t, "GET", "/", get)
	if get.Code != http.StatusOK || !strings.Contains(get.Body.String(), `name="conditions"`) {
		t.Errorf("GET /: status %d; want 200 and the form:\n%s", get.Code, cut(get.Body.String()))
	}

	req := httptest.NewRequest("POST", "/", strings.NewReader("conditions=disc_herniation"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post := httptest.NewRecorder()
	s.Handler().ServeHTTP(post, req)
	checkDoc(t, "POST", "/", post)
	if post.Code != http.StatusOK || !strings.Contains(post.Body.String(), "Knee to chest") {
		t.Errorf("POST /: status %d; want 200 and the advice:\n%s", post.Code, cut(post.Body.String()))
	}

	put := do(t, s.Handler(), "PUT", "/", "")
	if put.Code != http.StatusMethodNotAllowed || put.Header().Get("Allow") == "" {
		t.Errorf("PUT /: status %d, Allow %q; want 405 with Allow", put.Code, put.Header().Get("Allow"))
	}

	nf := do(t, s.Handler(), "GET", "/index.html", "")
	checkDoc(t, "GET", "/", nf)
	want := errorShape{Status: 404, Error: "no such endpoint: see /openapi.json"}
	if diff := cmp.Diff(want, decodeError(t, nf.Body.Bytes())); diff != "" {
		t.Errorf("GET /index.html (-want +got):\n%s", diff)
	}
}

// TestMountsFollowReload checks that the page and the CDS Hooks service
// answer with the engine a reload swapped in.
func TestMountsFollowReload(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, "mount-1")
	s, _ := newServer(t, Config{Rules: os.DirFS(dir)})
	writeRules(t, dir, "mount-2")
	if changed, err := s.Reload(); !changed || err != nil {
		t.Fatalf("Reload = %v, %v; want true, nil", changed, err)
	}
	v2 := s.Engine()

	body := cdsRequest(t, "disc-herniation")
	rec := do(t, s.Handler(), "POST", "/cds-services/backrules", body)
	if diff := cmp.Diff(directCDS(v2, "POST", "/cds-services/backrules", body).Body.String(), rec.Body.String()); diff != "" {
		t.Errorf("cards after reload differ from version 2's (-want +got):\n%s", diff)
	}
	var cards struct{ Cards []json.RawMessage }
	if err := json.Unmarshal(rec.Body.Bytes(), &cards); err != nil || len(cards.Cards) == 0 {
		t.Errorf("cards after reload: %v, %d cards", err, len(cards.Cards))
	}

	req := httptest.NewRequest("POST", "/", strings.NewReader("conditions=disc_herniation"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	page := httptest.NewRecorder()
	s.Handler().ServeHTTP(page, req)
	if want := "mount-2, " + v2.RuleSet().Digest; !strings.Contains(page.Body.String(), want) {
		t.Errorf("the page after reload does not name rule set %q", want)
	}
}

// TestCDSRefusalsLikeTheService checks that a call the server refuses on
// a CDS Hooks route, such as one not sent as application/json, is
// answered as the service answers its own refusals: with the CORS headers
// a browser-based EHR needs to read it, in the service's JSON error, and
// counted in backrules_cds_calls_total and the decision log.
func TestCDSRefusalsLikeTheService(t *testing.T) {
	const origin = "https://sandbox.cds-hooks.org"
	type answer struct {
		Status      int
		Error       string
		AllowOrigin string
		Expose      string
		VaryOrigin  bool
		Counted     float64 // backrules_cds_calls_total of the route's bad_request
		Logged      string  // the decision log's line: route, status and outcome
	}
	tests := []struct {
		name, path, contentType, body, route string
		want                                 answer
	}{
		{"service call as text/plain", "/cds-services/backrules", "text/plain", cdsRequest(t, "disc-herniation"), "service",
			answer{Status: 415, Error: "the request body must be sent as Content-Type: application/json",
				AllowOrigin: origin, Expose: "WWW-Authenticate", VaryOrigin: true, Counted: 1, Logged: "service 415 bad_request"}},
		{"service call without a Content-Type", "/cds-services/backrules", "", cdsRequest(t, "disc-herniation"), "service",
			answer{Status: 415, Error: "the request body must be sent as Content-Type: application/json",
				AllowOrigin: origin, Expose: "WWW-Authenticate", VaryOrigin: true, Counted: 1, Logged: "service 415 bad_request"}},
		{"feedback as a form", cdshooks.FeedbackPath, "application/x-www-form-urlencoded", readFile(t, filepath.Join(cdsRequests, "feedback", "spec-overridden.json")), "feedback",
			answer{Status: 415, Error: "the request body must be sent as Content-Type: application/json",
				AllowOrigin: origin, Expose: "WWW-Authenticate", VaryOrigin: true, Counted: 1, Logged: "feedback 415 bad_request"}},
		{"service call in latin1", "/cds-services/backrules", "application/json; charset=latin1", cdsRequest(t, "disc-herniation"), "service",
			answer{Status: 415, Error: "the request body must be sent as Content-Type: application/json",
				AllowOrigin: origin, Expose: "WWW-Authenticate", VaryOrigin: true, Counted: 1, Logged: "service 415 bad_request"}},
		// The service's own refusal, for comparison.
		{"malformed service call", "/cds-services/backrules", "application/json", `{`, "service",
			answer{Status: 400, Error: "invalid JSON: the text ends before the JSON value does",
				AllowOrigin: origin, Expose: "WWW-Authenticate", VaryOrigin: true, Counted: 1, Logged: "service 400 bad_request"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dlog bytes.Buffer
			s, _ := newServer(t, Config{DecisionLog: &dlog})
			h := s.Handler()
			req := httptest.NewRequest(http.MethodPost, tt.path, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			req.Header.Set("Origin", origin)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			checkDoc(t, http.MethodPost, tt.path, rec)
			var body struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			var line struct {
				Route   string `json:"route"`
				Status  int    `json:"status"`
				Outcome string `json:"outcome"`
			}
			if dlog.Len() > 0 {
				if err := json.Unmarshal(dlog.Bytes(), &line); err != nil {
					t.Fatalf("decision log %q: %v", dlog.String(), err)
				}
			}
			got := answer{Status: rec.Code, Error: body.Error,
				AllowOrigin: rec.Header().Get("Access-Control-Allow-Origin"),
				Expose:      rec.Header().Get("Access-Control-Expose-Headers"),
				VaryOrigin:  strings.Contains(strings.Join(rec.Header().Values("Vary"), ", "), "Origin"),
				Counted:     sample(scrape(t, h), "backrules_cds_calls_total", map[string]string{"route": tt.route, "outcome": "bad_request"}),
				Logged:      strings.TrimSpace(fmt.Sprintf("%s %d %s", line.Route, line.Status, line.Outcome)),
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}
