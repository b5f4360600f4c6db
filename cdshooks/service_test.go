package cdshooks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// serve sends a request to a service on the default rules.
func serve(t *testing.T, method, target, body string, opts ...cdshooks.Option) *httptest.ResponseRecorder {
	t.Helper()
	eng := defaultEngine(t)
	svc := cdshooks.NewService(func() *recommend.Engine { return eng }, append([]cdshooks.Option{cdshooks.WithClock(clock), quiet}, opts...)...)
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	rec := httptest.NewRecorder()
	svc.ServeHTTP(rec, req)
	return rec
}

// okResponse returns the cards answer in rec, failing the test unless
// rec is a 200 whose body decodes as a Response.
func okResponse(t *testing.T, rec *httptest.ResponseRecorder) cdshooks.Response {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", rec.Code, rec.Body)
	}
	var resp cdshooks.Response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	return resp
}

// errorBody is the JSON body of an error answer.
type errorBody struct {
	Status int    `json:"status"`
	Error  string `json:"error"`
	Field  string `json:"field,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

func decodeError(t *testing.T, rec *httptest.ResponseRecorder) errorBody {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var e errorBody
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("error body is not the JSON error: %v", err)
	}
	return e
}

func TestDiscovery(t *testing.T) {
	rec := serve(t, http.MethodGet, "/cds-services", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"services": []any{map[string]any{
		"hook":  "patient-view",
		"id":    "backrules",
		"title": "backrules back-care advice",
		"description": "Cited self-care advice for lower back pain from the patient's active conditions and age: referrals for red flags, the exercises to start with, other helpful movements and the movements to avoid. " +
			"With the patient's pain scores (LOINC 72514-3, optional), the pain trend and a review when the pain has not eased by six weeks or keeps rising. " +
			"General information, not a diagnosis.",
		"prefetch": map[string]any{
			"patient":    "Patient/{{context.patientId}}",
			"conditions": "Condition?patient={{context.patientId}}&clinical-status=active,recurrence,relapse",
			// Built from the vocabulary: history_of_cancer counts when past.
			"pastConditions": "Condition?patient={{context.patientId}}&clinical-status=inactive,remission,resolved&_count=100",
			"painScores":     "Observation?patient={{context.patientId}}&code=http://loinc.org|72514-3&_sort=-date&_count=52",
		},
	}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("discovery mismatch (-want +got):\n%s", diff)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
}

// TestErrors checks every error answer: status, Allow header and the JSON
// error naming what is wrong.
func TestErrors(t *testing.T) {
	valid, err := os.ReadFile(filepath.Join(requestsDir, "disc-herniation.json"))
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal(valid, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	prefetch := func(m map[string]any) map[string]any { return m["prefetch"].(map[string]any) }
	tests := []struct {
		name, method, target, body string
		opts                       []cdshooks.Option
		want                       errorBody
		allow                      string
	}{
		{name: "POST to discovery", method: http.MethodPost, target: "/cds-services",
			want: errorBody{Status: 405, Error: "method POST not allowed: use GET, HEAD, OPTIONS"}, allow: "GET, HEAD, OPTIONS"},
		{name: "GET of the service", method: http.MethodGet, target: "/cds-services/backrules",
			want: errorBody{Status: 405, Error: "method GET not allowed: use POST, OPTIONS"}, allow: "POST, OPTIONS"},
		{name: "DELETE of the service", method: http.MethodDelete, target: "/cds-services/backrules",
			want: errorBody{Status: 405, Error: "method DELETE not allowed: use POST, OPTIONS"}, allow: "POST, OPTIONS"},
		{name: "GET of feedback", method: http.MethodGet, target: "/cds-services/backrules/feedback",
			want: errorBody{Status: 405, Error: "method GET not allowed: use POST, OPTIONS"}, allow: "POST, OPTIONS"},
		{name: "unknown service", method: http.MethodPost, target: "/cds-services/other", body: string(valid),
			want: errorBody{Status: 404, Error: "not found: this server offers GET /cds-services, POST /cds-services/backrules and POST /cds-services/backrules/feedback"}},
		{name: "feedback without entries", method: http.MethodPost, target: "/cds-services/backrules/feedback", body: "{}",
			want: errorBody{Status: 400, Field: "feedback", Error: `missing: send {"feedback": [...]} with one entry per card`}},
		{name: "empty body", method: http.MethodPost, target: "/cds-services/backrules",
			want: errorBody{Status: 400, Error: "the body is empty: send a CDS Hooks request as JSON"}},
		{name: "syntax error", method: http.MethodPost, target: "/cds-services/backrules", body: "{\n  \"hook\": patient-view\n}",
			want: errorBody{Status: 400, Error: "invalid JSON: invalid character 'p' looking for beginning of value", Line: 2, Column: 11}},
		{name: "truncated", method: http.MethodPost, target: "/cds-services/backrules", body: "{\"hook\": \"patient-view\",",
			want: errorBody{Status: 400, Error: "invalid JSON: the text ends before the JSON value does", Line: 1, Column: 24}},
		{name: "trailing data", method: http.MethodPost, target: "/cds-services/backrules", body: string(valid) + "{}",
			want: errorBody{Status: 400, Error: "invalid JSON: invalid character '{' after top-level value",
				Line: strings.Count(string(valid), "\n") + 1, Column: 1}},
		{name: "not an object", method: http.MethodPost, target: "/cds-services/backrules", body: "[]",
			want: errorBody{Status: 400, Error: "must be an object, found an array"}},
		{name: "hook a number", method: http.MethodPost, target: "/cds-services/backrules",
			body: edit(func(m map[string]any) { m["hook"] = 7 }),
			want: errorBody{Status: 400, Field: "hook", Error: "must be a string, found a number"}},
		{name: "hookInstance missing", method: http.MethodPost, target: "/cds-services/backrules",
			body: edit(func(m map[string]any) { delete(m, "hookInstance") }),
			want: errorBody{Status: 400, Field: "hookInstance", Error: "missing: a CDS Hooks request needs hook, hookInstance and context"}},
		{name: "context missing", method: http.MethodPost, target: "/cds-services/backrules",
			body: edit(func(m map[string]any) { delete(m, "context") }),
			want: errorBody{Status: 400, Field: "context", Error: "missing: a CDS Hooks request needs hook, hookInstance and context"}},
		{name: "other hook", method: http.MethodPost, target: "/cds-services/backrules",
			body: edit(func(m map[string]any) { m["hook"] = "order-sign" }),
			want: errorBody{Status: 400, Field: "hook", Error: `hook "order-sign": this service answers patient-view only`}},
		{name: "patientId missing", method: http.MethodPost, target: "/cds-services/backrules",
			body: edit(func(m map[string]any) { m["context"] = map[string]any{"userId": "Practitioner/1"} }),
			want: errorBody{Status: 400, Field: "context.patientId", Error: "missing: patient-view gives the id of the patient in view"}},
		{name: "prefetch missing", method: http.MethodPost, target: "/cds-services/backrules",
			body: edit(func(m map[string]any) { delete(m, "prefetch") }),
			want: errorBody{Status: 412, Field: "prefetch.patient", Error: "missing: this service needs the patient (Patient/{{context.patientId}}) to know the age; send it, or null when there is no patient data"}},
		{name: "patient prefetch missing", method: http.MethodPost, target: "/cds-services/backrules",
			body: edit(func(m map[string]any) { delete(prefetch(m), "patient") }),
			want: errorBody{Status: 412, Field: "prefetch.patient", Error: "missing: this service needs the patient (Patient/{{context.patientId}}) to know the age; send it, or null when there is no patient data"}},
		{name: "conditions an OperationOutcome", method: http.MethodPost, target: "/cds-services/backrules",
			body: edit(func(m map[string]any) {
				prefetch(m)["conditions"] = map[string]any{"resourceType": "OperationOutcome", "issue": []any{}}
			}),
			want: errorBody{Status: 412, Field: "prefetch.conditions", Error: "the client sent an OperationOutcome instead of the data: it could not fetch it, and the service does not guess without it"}},
		{name: "conditions search failed in part", method: http.MethodPost, target: "/cds-services/backrules",
			body: edit(func(m map[string]any) {
				b := prefetch(m)["conditions"].(map[string]any)
				b["entry"] = append(b["entry"].([]any), map[string]any{"search": map[string]any{"mode": "outcome"},
					"resource": map[string]any{"resourceType": "OperationOutcome", "issue": []any{
						map[string]any{"severity": "warning", "code": "informational"},
						map[string]any{"severity": "error", "code": "timeout"}}}})
			}),
			want: errorBody{Status: 412, Field: "prefetch.conditions.entry[4].resource",
				Error: "an OperationOutcome of severity error: the client could not fetch every active condition, and the service does not guess without them"}},
		{name: "conditions not a Bundle", method: http.MethodPost, target: "/cds-services/backrules",
			body: edit(func(m map[string]any) { prefetch(m)["conditions"] = map[string]any{"resourceType": "Condition"} }),
			want: errorBody{Status: 400, Field: "prefetch.conditions.resourceType", Error: `must be "Bundle", the result of the search, found "Condition"`}},
		{name: "conditions entries not a list", method: http.MethodPost, target: "/cds-services/backrules",
			body: edit(func(m map[string]any) { prefetch(m)["conditions"].(map[string]any)["entry"] = map[string]any{} }),
			want: errorBody{Status: 400, Field: "prefetch.conditions.entry", Error: "must be an array, found an object"}},
		{name: "condition of another patient", method: http.MethodPost, target: "/cds-services/backrules",
			body: edit(func(m map[string]any) {
				e := prefetch(m)["conditions"].(map[string]any)["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
				e["subject"] = map[string]any{"reference": "Patient/42"}
			}),
			want: errorBody{Status: 400, Field: "prefetch.conditions.entry[0].resource.subject.reference", Error: `"Patient/42" is not the patient in context (Patient/1288992)`}},
		{name: "body over the limit", method: http.MethodPost, target: "/cds-services/backrules", body: string(valid),
			opts: []cdshooks.Option{cdshooks.WithMaxBodyBytes(100)},
			want: errorBody{Status: 413, Error: "the body is over 100 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, tt.method, tt.target, tt.body, tt.opts...)
			if rec.Code != tt.want.Status {
				t.Errorf("status = %d, want %d", rec.Code, tt.want.Status)
			}
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if diff := cmp.Diff(tt.want, decodeError(t, rec)); diff != "" {
				t.Errorf("error body mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLargeChartIsRead checks a prefetched chart larger than 1 MiB, the
// limit the service had: 1,500 active Conditions, each with a narrative
// of a kilobyte, and a coded cauda equina syndrome (G83.4) among them. It
// was a 413 without a card, while the same Conditions, read from a
// trusted client's fhirServer (up to 8 MiB), gave the referral. Under the
// default limit it is read, and the referral is the first card; a body
// over the limit is still a 413.
func TestLargeChartIsRead(t *testing.T) {
	narrative := `"text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">` + strings.Repeat("A condition on the problem list. ", 32) + `</div>"}`
	other := condition(active+", "+narrative, unknownCode)
	entries := slices.Repeat([]string{other}, 1500)
	entries = append(entries, condition(active, `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}`))
	body := `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}, "prefetch": {` +
		`"patient": {"resourceType": "Patient", "id": "p", "birthDate": "1970-05-02"}, "pastConditions": null, ` +
		`"conditions": {"resourceType": "Bundle", "type": "searchset", "entry": [` + strings.Join(entries, ", ") + `]}}}`
	if len(body) <= 1<<20 {
		t.Fatalf("the body is %d bytes, want more than 1 MiB", len(body))
	}
	rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, body)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: %.300s", rec.Code, rec.Body)
	}
	resp := okResponse(t, rec)
	if len(resp.Cards) == 0 || !strings.HasPrefix(resp.Cards[0].Summary, "Urgent: Serious spinal condition on record") {
		t.Errorf("cards %+v, want the referral of the serious spinal condition first", resp.Cards)
	}
	over := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, `{"hook": "`+strings.Repeat("x", cdshooks.DefaultMaxBodyBytes)+`"}`)
	if over.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit: status %d, want 413", over.Code)
	}
}

// TestRequestErrorsMatch checks that request errors work with errors.Is
// and errors.As.
func TestRequestErrorsMatch(t *testing.T) {
	req, err := cdshooks.DecodeRequest([]byte(`{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = cdshooks.MapRequest(req, defaultEngine(t).Vocabulary(), today)
	var re *cdshooks.RequestError
	if !errors.As(err, &re) || !errors.Is(err, cdshooks.ErrMissingPrefetch) || errors.Is(err, cdshooks.ErrInvalidRequest) {
		t.Fatalf("MapRequest without prefetch = %v, want a *RequestError matching ErrMissingPrefetch only", err)
	}
	if re.Status != http.StatusPreconditionFailed || re.Field != "prefetch.patient" {
		t.Errorf("status %d field %q, want 412 prefetch.patient", re.Status, re.Field)
	}
	_, err = cdshooks.DecodeRequest([]byte(`{`))
	if !errors.As(err, &re) || !errors.Is(err, cdshooks.ErrInvalidRequest) {
		t.Fatalf("DecodeRequest({) = %v, want a *RequestError matching ErrInvalidRequest", err)
	}
	if _, err := cdshooks.MapRequest(nil, recommend.Vocabulary{}, today); !errors.Is(err, cdshooks.ErrInvalidRequest) {
		t.Errorf("MapRequest(nil) = %v, want ErrInvalidRequest", err)
	}
	if _, err := cdshooks.Cards(nil, testHookInstance); err == nil {
		t.Error("Cards(nil) succeeded, want an error")
	}
}

// TestNoEngine answers 503 when there is no engine to ask.
func TestNoEngine(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(requestsDir, "disc-herniation.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, engine := range map[string]func() *recommend.Engine{
		"nil func":    nil,
		"nil engine":  func() *recommend.Engine { return nil },
		"zero engine": func() *recommend.Engine { return new(recommend.Engine) },
	} {
		t.Run(name, func(t *testing.T) {
			rec := post(t, cdshooks.NewService(engine, nil), body)
			want := errorBody{Status: 503, Error: "no rules are loaded"}
			if diff := cmp.Diff(want, decodeError(t, rec)); diff != "" || rec.Code != 503 {
				t.Errorf("status %d, body mismatch (-want +got):\n%s", rec.Code, diff)
			}
		})
	}
}

// TestServiceNotMade checks that a Service NewService did not make, nil or
// zero, answers every call with 503 instead of panicking.
func TestServiceNotMade(t *testing.T) {
	var nilService *cdshooks.Service
	for name, svc := range map[string]*cdshooks.Service{"nil": nilService, "zero": {}} {
		for _, path := range []string{"/cds-services", "/cds-services/backrules", "/cds-services/backrules/feedback"} {
			t.Run(name+path, func(t *testing.T) {
				rec := httptest.NewRecorder()
				svc.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader("{}")))
				want := errorBody{Status: 503, Error: "the service is not set up: create it with NewService"}
				if diff := cmp.Diff(want, decodeError(t, rec)); diff != "" || rec.Code != 503 {
					t.Errorf("status %d, body mismatch (-want +got):\n%s", rec.Code, diff)
				}
			})
		}
	}
}

// TestTimeout checks that WithTimeout bounds the rules' work: a call that
// runs out of time after the referral rules ran gets their cards and the
// info card saying the rest is unavailable, logged through WithLogger;
// no bound (the default, or d <= 0) leaves the call to the request's own
// context.
func TestTimeout(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(requestsDir, "disc-herniation.json"))
	if err != nil {
		t.Fatal(err)
	}
	eng := defaultEngine(t)
	tests := []struct {
		name    string
		opts    []cdshooks.Option
		runsOut bool
	}{
		{"no bound", nil, false},
		{"zero is no bound", []cdshooks.Option{cdshooks.WithTimeout(0)}, false},
		{"a generous bound", []cdshooks.Option{cdshooks.WithTimeout(time.Hour)}, false},
		{"run out", []cdshooks.Option{cdshooks.WithTimeout(time.Nanosecond)}, true},
	}
	const unavailable = "Exercise advice unavailable: assess the patient before any exercises"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			opts := append(tt.opts, cdshooks.WithClock(clock), cdshooks.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			svc := cdshooks.NewService(func() *recommend.Engine { return eng }, opts...)
			rec := post(t, svc, body)
			resp := okResponse(t, rec)
			var summaries []string
			for _, c := range resp.Cards {
				summaries = append(summaries, c.Summary)
			}
			if got := slices.Contains(summaries, unavailable); got != tt.runsOut {
				t.Errorf("cards %q: the card %q is there: %v, want %v", summaries, unavailable, got, tt.runsOut)
			}
			// The incomplete advice keeps its safety net, which the
			// patient still needs: the card of the incomplete advice and
			// the key messages' card, nothing else.
			want := []string{unavailable, "Key messages for the patient: 1 message, in the detail"}
			if tt.runsOut && (!slices.Equal(summaries, want) || !strings.Contains(logs.String(), "ran out of time")) {
				t.Errorf("cards %q, log %q; want %q, and a log line", summaries, logs.String(), want)
			}
		})
	}
}

// TestEngineCalledPerRequest checks that the service asks for the engine
// on every call and never keeps it, so a server can swap it.
func TestEngineCalledPerRequest(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(requestsDir, "emergency-red-flag.json"))
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	engines := []*recommend.Engine{defaultEngine(t), testEngine(t)}
	svc := cdshooks.NewService(func() *recommend.Engine {
		return engines[(calls.Add(1)-1)%2]
	}, cdshooks.WithClock(clock))
	var critical []bool
	for range 4 {
		rec := post(t, svc, body)
		var resp cdshooks.Response
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		critical = append(critical, len(resp.Cards) > 0 && resp.Cards[0].Indicator == cdshooks.IndicatorCritical)
	}
	// The default rules do not know the test-only code; the test engine
	// maps it to saddle numbness, an emergency.
	if diff := cmp.Diff([]bool{false, true, false, true}, critical); diff != "" {
		t.Errorf("critical first card per call (-want +got):\n%s", diff)
	}
	if n := calls.Load(); n != 4 {
		t.Errorf("engine called %d times for 4 requests", n)
	}
}

// TestAge maps birth dates of every precision to the age the patient has
// certainly reached on the clock's date, 2026-11-24.
func TestAge(t *testing.T) {
	tests := []struct {
		birth string
		want  int
	}{
		{"1980-11-24", 46}, // birthday today
		{"1980-11-25", 45}, // tomorrow
		{"1980-02-29", 46},
		{"1980", 45},    // 31 December 1980 at the latest
		{"1980-11", 45}, // 30 November 1980 at the latest
		{"1980-10", 46},
		{"2026", 1},    // born this year: under one, counted as 1, not unknown
		{"2026-11", 1}, // born this month
		{"2026-03-01", 1},
		{"1896-11-24", 130},
	}
	for _, tt := range tests {
		t.Run(tt.birth, func(t *testing.T) {
			body := `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
				"prefetch": {"pastConditions": null, "patient": {"resourceType": "Patient", "birthDate": "` + tt.birth + `"}, "conditions": null}}`
			req, err := cdshooks.DecodeRequest([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			m, err := cdshooks.MapRequest(req, recommend.Vocabulary{}, today)
			if err != nil {
				t.Fatal(err)
			}
			if m.Profile.Age != tt.want {
				t.Errorf("age = %d, want %d", m.Profile.Age, tt.want)
			}
		})
	}
	// A birth date that gives no age leaves the age unknown, and says so.
	for _, bad := range []string{"1895-11-23", "80-01-01", "1980-13", "1980-1-1", "1980-01-01T00:00:00Z", "2026-12"} {
		t.Run("invalid "+bad, func(t *testing.T) {
			body := `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
				"prefetch": {"pastConditions": null, "patient": {"resourceType": "Patient", "birthDate": "` + bad + `"}, "conditions": null}}`
			req, err := cdshooks.DecodeRequest([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			m, err := cdshooks.MapRequest(req, recommend.Vocabulary{}, today)
			if err != nil {
				t.Fatalf("MapRequest: %v; want the age unknown and the birth date reported", err)
			}
			var entries []string
			for _, n := range m.UnreadPatient {
				entries = append(entries, n.Entry)
			}
			if diff := cmp.Diff([]string{"prefetch.patient.birthDate"}, entries); m.Profile.Age != 0 || diff != "" {
				t.Errorf("age %d, want 0; unread patient entries (-want +got):\n%s", m.Profile.Age, diff)
			}
		})
	}
}

// TestUnreadableBirthDate checks that a birth date that gives no age (not
// a date of the calendar, one that gives an age over recommend.MaxAge,
// one after today, or one that is not a string) does not cost a chart its
// referral: the age is taken as unknown, the urgent card of the history
// of cancer (Z85.9) stands, a warning card after it says the birth date
// could not be read, and the extension says why. A gender or an id of the
// wrong type costs only the sex, or the Patient, the same way. A Patient
// that is not a JSON object, or not a Patient, and a body that is not a
// CDS Hooks request at all stay a 400.
func TestUnreadableBirthDate(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(requestsDir, "urgent-history-of-cancer.json"))
	if err != nil {
		t.Fatal(err)
	}
	withPatient := func(key string, value any) string {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		if key == "" {
			m["prefetch"].(map[string]any)["patient"] = value
		} else {
			m["prefetch"].(map[string]any)["patient"].(map[string]any)[key] = value
		}
		return string(mustJSON(t, m))
	}
	withBirthDate := func(birth any) string { return withPatient("birthDate", birth) }
	withoutBirthDate := func() string {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		delete(m["prefetch"].(map[string]any)["patient"].(map[string]any), "birthDate")
		return string(mustJSON(t, m))
	}
	const (
		cancer    = "Urgent: New back pain in a patient with a history of cancer; assess within days for spinal metastases."
		noAge     = "Birth date could not be read: age-related referrals not assessed; check the age on the chart"
		noBirth   = "Birth date missing: age-related referrals not assessed; check the age on the chart"
		noSex     = "Gender could not be read: sex taken as not stated; check the sex on the chart"
		noPatient = "Patient could not be read: age-related referrals not assessed; check the age on the chart"
		unknown   = ": the age is taken as unknown"
		birthKey  = "prefetch.patient.birthDate"
	)
	type outcome struct {
		Status  int
		Error   string // of an error
		Cards   []string
		Unread  []cdshooks.PatientNote
		Outcome string
	}
	tests := []struct {
		name string
		body string
		want outcome
	}{
		{"not a date", withBirthDate("1964-13-45"), outcome{Status: 200, Cards: []string{cancer, noAge},
			Unread:  []cdshooks.PatientNote{{Entry: birthKey, Reason: `"1964-13-45" is not a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)` + unknown}},
			Outcome: cdshooks.OutcomeCards}},
		{"an age over 130", withBirthDate("1850-01-01"), outcome{Status: 200, Cards: []string{cancer, noAge},
			Unread:  []cdshooks.PatientNote{{Entry: birthKey, Reason: `"1850-01-01" gives an age of 176, over 130` + unknown}},
			Outcome: cdshooks.OutcomeCards}},
		{"not a day of the calendar", withBirthDate("1980-02-30"), outcome{Status: 200, Cards: []string{cancer, noAge},
			Unread:  []cdshooks.PatientNote{{Entry: birthKey, Reason: `"1980-02-30" is not a day of the calendar` + unknown}},
			Outcome: cdshooks.OutcomeCards}},
		{"after today", withBirthDate("2027-01-01"), outcome{Status: 200, Cards: []string{cancer, noAge},
			Unread:  []cdshooks.PatientNote{{Entry: birthKey, Reason: `"2027-01-01" is after today (2026-11-24)` + unknown}},
			Outcome: cdshooks.OutcomeCards}},
		{"a date", withBirthDate("1950-06-01"), outcome{Status: 200, Cards: []string{cancer}, Outcome: cdshooks.OutcomeCards}},
		// No birth date leaves the age unknown as one that cannot be read
		// does: the clinician is told, as of that one.
		{"no birthDate", withoutBirthDate(), outcome{Status: 200, Cards: []string{cancer, noBirth},
			Unread:  []cdshooks.PatientNote{{Entry: birthKey, Reason: "missing" + unknown}},
			Outcome: cdshooks.OutcomeCards}},
		{"a birthDate of null", withBirthDate(nil), outcome{Status: 200, Cards: []string{cancer, noBirth},
			Unread:  []cdshooks.PatientNote{{Entry: birthKey, Reason: "missing" + unknown}},
			Outcome: cdshooks.OutcomeCards}},
		// A patient of null, CDS Hooks' "no data", has no birth date
		// either: the clinician is told, not given an adult's advice in
		// silence.
		{"a patient of null", withPatient("", nil), outcome{Status: 200, Cards: []string{cancer, "Patient missing: age-related referrals not assessed; check the age on the chart"},
			Unread: []cdshooks.PatientNote{{Entry: "prefetch.patient", Reason: "null: the client sent no Patient, so there is no birth date" + unknown +
				", and the sex as not stated"}},
			Outcome: cdshooks.OutcomeCards}},
		{"a number: the wrong type", withBirthDate(1964), outcome{Status: 200, Cards: []string{cancer, noAge},
			Unread:  []cdshooks.PatientNote{{Entry: birthKey, Reason: "must be a string, found a number" + unknown}},
			Outcome: cdshooks.OutcomeCards}},
		{"an object: the wrong type", withBirthDate(map[string]any{"value": "1950"}), outcome{Status: 200, Cards: []string{cancer, noAge},
			Unread:  []cdshooks.PatientNote{{Entry: birthKey, Reason: "must be a string, found an object" + unknown}},
			Outcome: cdshooks.OutcomeCards}},
		{"a gender of the wrong type", withPatient("gender", 5), outcome{Status: 200, Cards: []string{cancer, noSex},
			Unread:  []cdshooks.PatientNote{{Entry: "prefetch.patient.gender", Reason: "must be a string, found a number: the sex is taken as not stated"}},
			Outcome: cdshooks.OutcomeCards}},
		{"an id of the wrong type", withPatient("id", 1288992), outcome{Status: 200, Cards: []string{cancer, noPatient},
			Unread: []cdshooks.PatientNote{{Entry: "prefetch.patient.id", Reason: "must be a string, found a number: " +
				"the Patient cannot be told to be the patient in context, so none of it is read: the age is taken as unknown, and the sex as not stated"}},
			Outcome: cdshooks.OutcomeCards}},
		// A Patient that cannot be read hides no referral of the
		// Conditions: it is read as one not fetched.
		{"a Patient that is not an object", withPatient("", []any{"1950"}), outcome{Status: 200, Cards: []string{cancer, noPatient},
			Unread: []cdshooks.PatientNote{{Entry: "prefetch.patient", Reason: "must be an object, found an array: " +
				"the Patient is not read; the age is taken as unknown, and the sex as not stated"}},
			Outcome: cdshooks.OutcomeCards}},
		{"a Patient of another type", withPatient("resourceType", "Group"), outcome{Status: 200, Cards: []string{cancer, noPatient},
			Unread: []cdshooks.PatientNote{{Entry: "prefetch.patient.resourceType", Reason: `must be "Patient", found "Group": ` +
				"the Patient is not read; the age is taken as unknown, and the sex as not stated"}},
			Outcome: cdshooks.OutcomeCards}},
		{"another patient's Patient", withPatient("id", "999"), outcome{Status: 200, Cards: []string{cancer, noPatient},
			Unread: []cdshooks.PatientNote{{Entry: "prefetch.patient.id", Reason: `"999" is not the patient in context (context.patientId "1288992"): ` +
				"none of it is read: the age is taken as unknown, and the sex as not stated"}},
			Outcome: cdshooks.OutcomeCards}},
		{"not JSON", `{"hook": "patient-view",`, outcome{Status: 400, Error: "invalid JSON: the text ends before the JSON value does",
			Outcome: cdshooks.OutcomeBadRequest}},
		{"no hook", strings.Replace(withBirthDate("1964-13-45"), `"hook":"patient-view",`, "", 1),
			outcome{Status: 400, Error: "missing: a CDS Hooks request needs hook, hookInstance and context", Outcome: cdshooks.OutcomeBadRequest}},
	}
	eng := defaultEngine(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events []cdshooks.Event
			svc := cdshooks.NewService(func() *recommend.Engine { return eng }, cdshooks.WithClock(clock), quiet,
				cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
			rec := post(t, svc, []byte(tt.body))
			got := outcome{Status: rec.Code}
			if rec.Code == http.StatusOK {
				if probs := checkResponse(rec.Body.Bytes()); len(probs) > 0 {
					t.Errorf("the response breaks the specification: %v", probs)
				}
				var resp cdshooks.Response
				if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
					t.Fatal(err)
				}
				for _, c := range resp.Cards {
					if topic := c.Source.Topic.Code; topic == "referral" || topic == "advice-unavailable" {
						got.Cards = append(got.Cards, c.Summary)
					}
				}
				if resp.Extension != nil {
					got.Unread = resp.Extension.UnreadPatient
				}
			} else {
				got.Error = decodeError(t, rec).Error
			}
			if len(events) != 1 {
				t.Fatalf("%d events, want 1", len(events))
			}
			got.Outcome = events[0].Outcome
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSex maps the patient's administrative gender to the profile's sex,
// only to a value the vocabulary declares.
func TestSex(t *testing.T) {
	withSex := recommend.Vocabulary{Sex: []recommend.Term{{ID: "female", Label: "Female"}, {ID: "male", Label: "Male"}, {ID: "not_stated", Label: "Prefer not to say"}}}
	tests := []struct {
		name, patient string
		vocab         recommend.Vocabulary
		want          string
	}{
		{"female", `{"resourceType": "Patient", "gender": "female"}`, withSex, "female"},
		{"male", `{"resourceType": "Patient", "gender": "male"}`, withSex, "male"},
		{"other", `{"resourceType": "Patient", "gender": "other"}`, withSex, ""},
		{"unknown", `{"resourceType": "Patient", "gender": "unknown"}`, withSex, ""},
		{"no gender", `{"resourceType": "Patient"}`, withSex, ""},
		{"no patient", `null`, withSex, ""},
		{"not_stated is not a FHIR gender", `{"resourceType": "Patient", "gender": "not_stated"}`, withSex, ""},
		{"vocabulary without sex", `{"resourceType": "Patient", "gender": "female"}`, recommend.Vocabulary{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
				"prefetch": {"pastConditions": null, "patient": ` + tt.patient + `, "conditions": null}}`
			req, err := cdshooks.DecodeRequest([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			m, err := cdshooks.MapRequest(req, tt.vocab, today)
			if err != nil {
				t.Fatal(err)
			}
			if m.Profile.Sex != tt.want {
				t.Errorf("sex = %q, want %q", m.Profile.Sex, tt.want)
			}
		})
	}
}

// TestSexUnread checks that a gender of the wrong type costs only the
// sex: it is taken as not stated and reported in UnreadPatient, as an
// unreadable birth date is, so that the Conditions' referrals still
// come; and that a "Gender" in the wrong case, alone or beside a gender,
// is still refused with its path, as every key in the wrong case is
// (encoding/json would read it as the gender).
func TestSexUnread(t *testing.T) {
	withSex := recommend.Vocabulary{Sex: []recommend.Term{{ID: "female", Label: "Female"}, {ID: "male", Label: "Male"}}}
	const unread = ": the sex is taken as not stated"
	wrongCase := []cdshooks.PatientNote{{Entry: "prefetch.patient.Gender",
		Reason: `wrong case: JSON keys are case-sensitive; write "gender": the Patient is not read; the age is taken as unknown, and the sex as not stated`}}
	for _, tc := range []struct {
		patient string
		notes   []cdshooks.PatientNote
	}{
		{patient: `{"resourceType": "Patient", "gender": 5, "birthDate": "1950-01-01"}`,
			notes: []cdshooks.PatientNote{{Entry: "prefetch.patient.gender", Reason: "must be a string, found a number" + unread}}},
		{patient: `{"resourceType": "Patient", "gender": ["female"], "birthDate": "1950-01-01"}`,
			notes: []cdshooks.PatientNote{{Entry: "prefetch.patient.gender", Reason: "must be a string, found an array" + unread}}},
		{patient: `{"resourceType": "Patient", "gender": "female", "Gender": 5}`, notes: wrongCase},
		{patient: `{"resourceType": "Patient", "Gender": 5, "gender": "male"}`, notes: wrongCase},
		{patient: `{"resourceType": "Patient", "Gender": "female"}`, notes: wrongCase},
	} {
		t.Run(tc.patient, func(t *testing.T) {
			body := `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
				"prefetch": {"pastConditions": null, "patient": ` + tc.patient + `, "conditions": null}}`
			req, err := cdshooks.DecodeRequest([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			m, err := cdshooks.MapRequest(req, withSex, today)
			if err != nil {
				t.Fatal(err)
			}
			if m.Profile.Sex != "" {
				t.Errorf("sex = %q, want not stated", m.Profile.Sex)
			}
			if diff := cmp.Diff(tc.notes, m.UnreadPatient); diff != "" {
				t.Errorf("unread patient (-want +got):\n%s", diff)
			}
		})
	}
}

// TestConditionsBundle checks how the entries of the conditions Bundle
// other than Conditions, and the references to the patient, are read: an
// OperationOutcome of the search that reports an error or a fatal issue,
// or whose issues cannot be read, is a 412 that comes with the
// Conditions read (the Service answers with their referrals, if any) and
// why in UnreadConditions; one that only warns or informs is ignored; and
// a versioned reference to the patient in context is that patient.
func TestConditionsBundle(t *testing.T) {
	const condition = `{"resource": {"resourceType": "Condition",
		"clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
		"code": {"coding": [{"system": "http://snomed.info/sct", "code": "23056005"}]},
		"subject": {"reference": "SUBJECT"}}}`
	outcomeOf := func(severity, code string) string {
		return `{"search": {"mode": "outcome"}, "resource": {"resourceType": "OperationOutcome",
			"issue": [{"severity": "` + severity + `", "code": "` + code + `"}]}}`
	}
	outcome := func(severity string) string { return outcomeOf(severity, "processing") }
	// incomplete is a search that says, as a warning or information, that
	// it did not return all it matched.
	incomplete := func(code string, at int) []string {
		return []string{fmt.Sprintf("prefetch.conditions.entry[%d].resource: an OperationOutcome of code %s (the results are not complete): "+
			"the client could not fetch every active Condition", at, code)}
	}
	patient := strings.NewReplacer("SUBJECT", "Patient/p")
	tests := []struct {
		name    string
		entries []string
		want    []string // the profile's conditions, when wantErr is ""
		wantErr string   // the field of the *RequestError, if one
		status  int      // its status
		// unread is the Mapping's UnreadConditions, entry and reason,
		// of a 412 that comes with the Conditions read (want).
		unread []string
	}{
		{name: "information", entries: []string{patient.Replace(condition), outcome("information")}, want: []string{"sciatica"}},
		{name: "warning", entries: []string{outcome("warning"), patient.Replace(condition)}, want: []string{"sciatica"}},
		{name: "error", entries: []string{patient.Replace(condition), outcome("error")},
			wantErr: "prefetch.conditions.entry[1].resource", status: http.StatusPreconditionFailed, want: []string{"sciatica"},
			unread: []string{"prefetch.conditions.entry[1].resource: an OperationOutcome of severity error: the client could not fetch every active Condition"}},
		{name: "fatal", entries: []string{outcome("fatal"), patient.Replace(condition)},
			wantErr: "prefetch.conditions.entry[0].resource", status: http.StatusPreconditionFailed, want: []string{"sciatica"},
			unread: []string{"prefetch.conditions.entry[0].resource: an OperationOutcome of severity fatal: the client could not fetch every active Condition"}},
		{name: "a warning: incomplete", entries: []string{patient.Replace(condition), outcomeOf("warning", "incomplete")},
			wantErr: "prefetch.conditions.entry[1].resource", status: http.StatusPreconditionFailed, want: []string{"sciatica"},
			unread: incomplete("incomplete", 1)},
		{name: "information: too-costly", entries: []string{outcomeOf("information", "too-costly"), patient.Replace(condition)},
			wantErr: "prefetch.conditions.entry[0].resource", status: http.StatusPreconditionFailed, want: []string{"sciatica"},
			unread: incomplete("too-costly", 0)},
		{name: "a warning: throttled", entries: []string{outcomeOf("warning", "throttled"), patient.Replace(condition)},
			wantErr: "prefetch.conditions.entry[0].resource", status: http.StatusPreconditionFailed, want: []string{"sciatica"},
			unread: incomplete("throttled", 0)},
		{name: "a warning: timeout", entries: []string{patient.Replace(condition), outcomeOf("warning", "timeout")},
			wantErr: "prefetch.conditions.entry[1].resource", status: http.StatusPreconditionFailed, want: []string{"sciatica"},
			unread: incomplete("timeout", 1)},
		{name: "information: suppressed, withheld from the clinician too", entries: []string{patient.Replace(condition), outcomeOf("information", "suppressed")},
			want: []string{"sciatica"}},
		{name: "two failures", entries: []string{outcome("fatal"), outcome("error")},
			wantErr: "prefetch.conditions.entry[0].resource", status: http.StatusPreconditionFailed,
			unread: []string{"prefetch.conditions.entry[0].resource: an OperationOutcome of severity fatal: the client could not fetch every active Condition",
				"prefetch.conditions.entry[1].resource: an OperationOutcome of severity error: the client could not fetch every active Condition"}},
		{name: "issue of the wrong type", entries: []string{`{"resource": {"resourceType": "OperationOutcome", "issue": {}}}`},
			wantErr: "prefetch.conditions.entry[0].resource", status: http.StatusPreconditionFailed,
			unread: []string{"prefetch.conditions.entry[0].resource: an OperationOutcome whose issues could not be read (issue must be an array, found an object): " +
				"the client could not fetch every active Condition"}},
		{name: "a key in the wrong case in an OperationOutcome", entries: []string{`{"resource": {"resourceType": "OperationOutcome", "Issue": []}}`},
			wantErr: "prefetch.conditions.entry[0].resource.Issue", status: http.StatusBadRequest,
			unread: []string{`prefetch.conditions.entry[0].resource: Issue: wrong case: JSON keys are case-sensitive; write "issue"; it may say the search failed in part; ` +
				"no code in it is one of the rule set's terms"}},
		{name: "versioned reference", entries: []string{strings.Replace(condition, "SUBJECT", "Patient/p/_history/3", 1)},
			want: []string{"sciatica"}},
		{name: "absolute versioned reference", entries: []string{strings.Replace(condition, "SUBJECT", "https://ehr.example.org/fhir/Patient/p/_history/3", 1)},
			want: []string{"sciatica"}},
		// Counted, erring toward a referral, and reported: the 400 is the
		// answer only when nothing calls for a referral.
		{name: "another patient, versioned", entries: []string{strings.Replace(condition, "SUBJECT", "Patient/q/_history/3", 1)},
			wantErr: "prefetch.conditions.entry[0].resource.subject.reference", status: http.StatusBadRequest, want: []string{"sciatica"},
			unread: []string{"prefetch.conditions.entry[0].resource: its subject is another Patient than the patient in context: its codes are counted as the patient's, erring toward a referral"}},
		{name: "another patient whose id ends like p", entries: []string{strings.Replace(condition, "SUBJECT", "Patient/xp", 1)},
			wantErr: "prefetch.conditions.entry[0].resource.subject.reference", status: http.StatusBadRequest, want: []string{"sciatica"},
			unread: []string{"prefetch.conditions.entry[0].resource: its subject is another Patient than the patient in context: its codes are counted as the patient's, erring toward a referral"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
				"prefetch": {"pastConditions": null, "patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "conditions": {"resourceType": "Bundle", "type": "searchset",
					"entry": [` + strings.Join(tt.entries, ", ") + `]}}}`
			req, err := cdshooks.DecodeRequest([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			m, err := cdshooks.MapRequest(req, defaultEngine(t).Vocabulary(), today)
			if tt.wantErr != "" {
				var re *cdshooks.RequestError
				if !errors.As(err, &re) {
					t.Fatalf("MapRequest = %v, want a *RequestError at %s", err, tt.wantErr)
				}
				if diff := cmp.Diff([]any{tt.status, tt.wantErr}, []any{re.Status, re.Field}); diff != "" {
					t.Errorf("status and field (-want +got):\n%s", diff)
				}
				if tt.unread == nil {
					if m != nil {
						t.Errorf("MapRequest = %+v with its error, want no Mapping", m)
					}
					return
				}
				if m == nil {
					t.Fatal("MapRequest gave no Mapping with its 412: the Conditions read are lost")
				}
				if diff := cmp.Diff(tt.unread, notes(m.UnreadConditions)); diff != "" {
					t.Errorf("unread conditions (-want +got):\n%s", diff)
				}
			}
			if err != nil && tt.unread == nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, m.Profile.Conditions); diff != "" {
				t.Errorf("conditions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCardUUIDsPerCall checks that a card's uuid identifies the card of
// one call, as CDS Hooks asks (feedback names it): the same request sent
// again gets the same uuids, another call (another hookInstance, or
// another patient with the same conditions) gets other uuids, and no two
// cards of one answer share one. The event of each call records its
// hookInstance beside the uuids, so that feedback on a card can be tied
// to the call that showed it.
func TestCardUUIDsPerCall(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(requestsDir, "disc-herniation.json"))
	if err != nil {
		t.Fatal(err)
	}
	const hook = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea" // the sample's hookInstance
	with := func(hookInstance, patientID string) []byte {
		out := strings.ReplaceAll(string(body), hook, hookInstance)
		return []byte(strings.ReplaceAll(out, "1288992", patientID))
	}
	var events []cdshooks.Event
	svc := newService(t, cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
	uuids := func(t *testing.T, req []byte) []string {
		t.Helper()
		rec := post(t, svc, req)
		resp := okResponse(t, rec)
		var out []string
		for _, c := range resp.Cards {
			out = append(out, c.UUID)
		}
		if len(out) < 2 {
			t.Fatalf("%d cards, want several", len(out))
		}
		return out
	}
	first := uuids(t, with(hook, "1288992"))
	tests := []struct {
		name string
		req  []byte
		same bool // the uuids of first, or none of them
	}{
		{"the same request again", with(hook, "1288992"), true},
		{"another hookInstance", with("7a2f4c1e-93b8-4d5a-8e6f-0b1c2d3e4f50", "1288992"), false},
		{"another patient, another hookInstance", with("0c9e8d7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f", "4711"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := uuids(t, tt.req)
			if tt.same {
				if diff := cmp.Diff(first, got); diff != "" {
					t.Errorf("uuids (-want +got):\n%s", diff)
				}
				return
			}
			var shared []string
			for _, u := range got {
				if slices.Contains(first, u) {
					shared = append(shared, u)
				}
			}
			if diff := cmp.Diff([]string(nil), shared); diff != "" {
				t.Errorf("uuids shared with the first call (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("unique in one answer", func(t *testing.T) {
		got := uuids(t, with(hook, "1288992"))
		if diff := cmp.Diff(len(got), len(slices.Compact(slices.Sorted(slices.Values(got))))); diff != "" {
			t.Errorf("distinct uuids (-want +got):\n%s", diff)
		}
	})
	t.Run("events", func(t *testing.T) {
		// Each event names its call's hookInstance and cards; one that is
		// not a UUID could hold anything, and is not kept.
		tests := []struct {
			hookInstance, want string
		}{
			{hook, hook},
			{"7A2F4C1E-93B8-4D5A-8E6F-0B1C2D3E4F50", "7A2F4C1E-93B8-4D5A-8E6F-0B1C2D3E4F50"},
			{"patient-1288992-chart", ""},
			{"urn:uuid:" + hook, ""},
		}
		for _, tt := range tests {
			events = nil
			got := uuids(t, with(tt.hookInstance, "1288992"))
			if len(events) != 1 {
				t.Fatalf("%d events, want 1", len(events))
			}
			if diff := cmp.Diff(tt.want, events[0].HookInstance); diff != "" {
				t.Errorf("hookInstance %q: recorded (-want +got):\n%s", tt.hookInstance, diff)
			}
			if diff := cmp.Diff(got, events[0].Cards); diff != "" {
				t.Errorf("hookInstance %q: cards recorded (-want +got):\n%s", tt.hookInstance, diff)
			}
		}
	})
}

// TestCardsStable checks that the same Result and hookInstance give the
// same cards, UUIDs included, and that the UUIDs change with the rule set
// and with the hookInstance, and only they.
func TestCardsStable(t *testing.T) {
	eng := defaultEngine(t)
	res, err := eng.Recommend(t.Context(), recommend.Profile{Conditions: []string{"disc_herniation"}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := cdshooks.Cards(res, testHookInstance)
	if err != nil {
		t.Fatal(err)
	}
	res2, err := eng.Recommend(t.Context(), recommend.Profile{Conditions: []string{"disc_herniation"}})
	if err != nil {
		t.Fatal(err)
	}
	otherRules := *res2
	otherRules.RuleSet.Digest = "sha256:other"
	tests := []struct {
		name         string
		res          *recommend.Result
		hookInstance string
		same         bool // the uuids of a, or none of them
	}{
		{"the same input", res2, testHookInstance, true},
		{"another rule set", &otherRules, testHookInstance, false},
		{"another hookInstance", res2, "f0e1d2c3-b4a5-4968-8776-655443322110", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := cdshooks.Cards(tt.res, tt.hookInstance)
			if err != nil {
				t.Fatal(err)
			}
			if tt.same {
				if diff := cmp.Diff(a, b); diff != "" {
					t.Errorf("cards differ for the same input (-want +got):\n%s", diff)
				}
				return
			}
			if len(b) != len(a) {
				t.Fatalf("%d cards, want %d", len(b), len(a))
			}
			for i := range a {
				if a[i].UUID == b[i].UUID {
					t.Errorf("card %d keeps uuid %s", i, a[i].UUID)
				}
				b[i].UUID = a[i].UUID
			}
			if diff := cmp.Diff(a, b); diff != "" {
				t.Errorf("cards differ beyond their uuids (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCardsEscapeMarkdown checks that rule text cannot add links, images
// or HTML to a card, and that summaries stay short.
func TestCardsEscapeMarkdown(t *testing.T) {
	res := &recommend.Result{
		Referrals: []recommend.Referral{{Urgency: recommend.UrgencyUrgent,
			Message: strings.Repeat("See a doctor soon <script>x</script> [click](https://evil.example) ![img](x) ", 5)}},
		RuleSet: recommend.RuleSet{Digest: "sha256:x"},
	}
	cards, err := cdshooks.Cards(res, testHookInstance)
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 1 {
		t.Fatalf("%d cards, want 1", len(cards))
	}
	c := cards[0]
	for _, raw := range []string{"<script>", "[click](", "![img]"} {
		if strings.Contains(c.Detail, raw) {
			t.Errorf("detail holds %q unescaped:\n%s", raw, c.Detail)
		}
	}
	if n := len([]rune(c.Summary)); n > cdshooks.MaxSummary {
		t.Errorf("summary has %d characters", n)
	}
	// A Result without citations still gets a source.
	if c.Source.Label != "backrules rule set" || c.Indicator != cdshooks.IndicatorWarning {
		t.Errorf("source %+v, indicator %s; want the rule set as source, warning", c.Source, c.Indicator)
	}
	body, err := json.Marshal(cdshooks.Response{Cards: cards})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkResponse(body) {
		t.Error(p)
	}
}

// TestServiceConcurrent serves the sample requests from many goroutines at
// once, as a server does, and checks that every answer is the one a single
// call gives.
func TestServiceConcurrent(t *testing.T) {
	eng := defaultEngine(t)
	svc := cdshooks.NewService(func() *recommend.Engine { return eng }, cdshooks.WithClock(func() time.Time { return today }))
	body, err := os.ReadFile(filepath.Join(requestsDir, "disc-herniation.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := post(t, svc, body).Body.Bytes()
	errs := make(chan string, 16)
	for range 16 {
		go func() {
			rec := httptest.NewRecorder()
			svc.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/cds-services/backrules", bytes.NewReader(body)))
			if !bytes.Equal(rec.Body.Bytes(), want) {
				errs <- "a concurrent answer differs"
				return
			}
			errs <- ""
		}()
	}
	for range 16 {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

// TestVocabularyCodesView checks the codes the default rules give through
// Engine.Vocabulary, and that the view is a copy.
func TestVocabularyCodesView(t *testing.T) {
	eng := defaultEngine(t)
	v := eng.Vocabulary()
	codes := map[string][]recommend.Code{}
	for _, term := range append(append([]recommend.Term{}, v.Conditions...), v.RedFlags...) {
		if len(term.Codes) > 0 {
			codes[term.ID] = term.Codes
		}
	}
	const sct, cm, who = "http://snomed.info/sct", "http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10"
	want := map[string][]recommend.Code{
		"disc_herniation": {{System: cm, Code: "M51.26"}},
		"acute_strain":    {{System: cm, Code: "S39.012A"}},
		"sciatica":        {{System: sct, Code: "23056005"}, {System: cm, Code: "M54.30"}, {System: cm, Code: "M54.31"}, {System: cm, Code: "M54.32"}},
		"spinal_stenosis": {{System: sct, Code: "18347007"}, {System: cm, Code: "M48.061"}, {System: cm, Code: "M48.062"}, {System: who, Code: "M48.06"}},
		"low_back_pain":   {{System: cm, Code: "M54.5", Subcodes: true}, {System: sct, Code: "279039007"}},
		"osteoporosis":    {{System: sct, Code: "64859006"}},
		"pregnancy":       {{System: sct, Code: "77386006"}},
		"history_of_cancer": {{System: cm, Code: "Z85", Subcodes: true}, {System: cm, Code: "C50", Subcodes: true}, {System: cm, Code: "C61"},
			{System: cm, Code: "C34", Subcodes: true}, {System: cm, Code: "C64", Subcodes: true}, {System: cm, Code: "C90", Subcodes: true},
			{System: cm, Code: "C79.5", Subcodes: true}, {System: who, Code: "C34", Subcodes: true}},
		"long_term_steroids":  {{System: cm, Code: "Z79.52"}},
		"high_blood_pressure": {{System: cm, Code: "I10"}},
		"heart_disease":       {{System: cm, Code: "I51.9"}},
		"glaucoma":            {{System: cm, Code: "H40.9"}},
		"known_serious_spinal_condition": {
			{System: cm, Code: "G83.4"},
			{System: cm, Code: "S32.0", Subcodes: true}, {System: cm, Code: "S22.0", Subcodes: true},
			{System: cm, Code: "M80.08", Subcodes: true}, {System: cm, Code: "M46.2", Subcodes: true},
			{System: cm, Code: "M46.3", Subcodes: true}, {System: cm, Code: "M46.4", Subcodes: true},
			{System: who, Code: "M46.2", Subcodes: true}, {System: who, Code: "M46.3", Subcodes: true},
			{System: who, Code: "M46.4", Subcodes: true}, {System: who, Code: "S22.0", Subcodes: true}, {System: who, Code: "S22.1", Subcodes: true},
			{System: cm, Code: "C41.2"},
		},
	}
	if diff := cmp.Diff(want, codes); diff != "" {
		t.Errorf("vocabulary codes mismatch (-want +got):\n%s", diff)
	}
	v.Conditions[0].Codes[0].Code = "changed"
	if got := eng.Vocabulary().Conditions[0].Codes[0].Code; got != "M51.26" {
		t.Errorf("changing a view changed the engine: code %q", got)
	}
}

// TestCardsOnlyWebLinks checks that a citation's url becomes the source's
// url, a link and a markdown link only when it is an absolute http or
// https URL.
func TestCardsOnlyWebLinks(t *testing.T) {
	tests := []struct {
		url  string
		want string // the card's source url, "" for none
	}{
		{"https://www.nice.org.uk/guidance/ng59", "https://www.nice.org.uk/guidance/ng59"},
		{"http://example.org/a?b=c#d", "http://example.org/a?b=c#d"},
		{"javascript:alert(1)", ""},
		{"data:text/html,hi", ""},
		{"/relative/page", ""},
		{"https://example.org/a b", ""},
		{"https://example.org/>x", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			src := recommend.Source{ID: "s", Title: "T", Publisher: "P", Kind: "guideline", URL: tt.url}
			other := recommend.Source{ID: "o", Title: "O", Publisher: "P", Kind: "trial", URL: tt.url + "/o"}
			res := &recommend.Result{Referrals: []recommend.Referral{{Urgency: recommend.UrgencyRoutine, Message: "See a physio.",
				Citations: []recommend.Citation{recommend.CitationOf(src, "1", "c"), recommend.CitationOf(other, "2", "d")}}}}
			cards, err := cdshooks.Cards(res, testHookInstance)
			if err != nil {
				t.Fatal(err)
			}
			c := cards[0]
			var links []cdshooks.Link
			if tt.want != "" {
				links = []cdshooks.Link{{Label: "O", URL: tt.want + "/o", Type: "absolute"}}
			}
			got := struct {
				URL   string
				Links []cdshooks.Link
			}{c.Source.URL, c.Links}
			want := struct {
				URL   string
				Links []cdshooks.Link
			}{tt.want, links}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("source url and links mismatch (-want +got):\n%s", diff)
			}
			if tt.want == "" && tt.url != "" && strings.Contains(c.Detail, "](") {
				t.Errorf("detail links to %q:\n%s", tt.url, c.Detail)
			}
		})
	}
}

// TestCardsLinkLabels checks that every link has a label, as CDS Hooks
// requires, when a cited source lacks a title: its publisher, its id or
// its address stands in.
func TestCardsLinkLabels(t *testing.T) {
	const u = "https://example.org/other"
	tests := []struct {
		name string
		src  recommend.Source
		want string
	}{
		{"title", recommend.Source{ID: "o", Title: "Other  title", Publisher: "P", URL: u}, "Other title"},
		{"publisher", recommend.Source{ID: "o", Publisher: "Other publisher", URL: u}, "Other publisher"},
		{"id", recommend.Source{ID: "other-source", URL: u}, "other-source"},
		{"address", recommend.Source{URL: u}, u},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := recommend.Source{ID: "s", Title: "T", Publisher: "P", Kind: "guideline", URL: "https://example.org/first"}
			res := &recommend.Result{Referrals: []recommend.Referral{{Urgency: recommend.UrgencyRoutine, Message: "See a physio.",
				Citations: []recommend.Citation{recommend.CitationOf(first, "1", "c"), recommend.CitationOf(tt.src, "2", "d")}}},
				RuleSet: recommend.RuleSet{Digest: "sha256:x"}}
			cards, err := cdshooks.Cards(res, testHookInstance)
			if err != nil {
				t.Fatal(err)
			}
			want := []cdshooks.Link{{Label: tt.want, URL: u, Type: "absolute"}}
			if diff := cmp.Diff(want, cards[0].Links); diff != "" {
				t.Errorf("links mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(cards[0].Detail, "2. [") || strings.Contains(cards[0].Detail, "[](") {
				t.Errorf("detail does not name the second source in its link:\n%s", cards[0].Detail)
			}
			body, err := json.Marshal(cdshooks.Response{Cards: cards})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range checkResponse(body) {
				t.Error(p)
			}
		})
	}
}

// TestCardsFollowTheReferralStory checks that the cards show the referrals
// the referral story shows, and not those it folded into them.
func TestCardsFollowTheReferralStory(t *testing.T) {
	eng := defaultEngine(t)
	res, err := eng.Recommend(context.Background(), recommend.Profile{RedFlags: []string{"history_of_cancer", "leg_numbness_or_tingling"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.FoldedReferrals) == 0 {
		t.Fatal("no referral is folded: the profile no longer tests the story")
	}
	cards, err := cdshooks.Cards(res, testHookInstance)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, c := range cards {
		text.WriteString(c.Summary + "\n" + c.Detail + "\n")
	}
	for _, r := range res.Referrals {
		if !strings.Contains(text.String(), firstWords(r.Message)) {
			t.Errorf("the cards do not show the referral %v", r.Rules)
		}
	}
	for _, f := range res.FoldedReferrals {
		if strings.Contains(text.String(), firstWords(f.Message)) {
			t.Errorf("the cards show the folded referral %v", f.Rules)
		}
	}
}

// firstWords returns the message's second sentence, or its first when it
// has one: the sentence that tells referrals apart.
func firstWords(msg string) string {
	parts := strings.SplitAfter(msg, ". ")
	if len(parts) > 1 {
		return strings.TrimSpace(parts[1])
	}
	return msg
}

// TestCardsIncomplete checks the cards of an incomplete Result, the one
// a *recommend.PartialError holds: the referral cards first, then one
// info card saying the rest is unavailable, and no exercise cards; and
// that a complete Result has no such card.
func TestCardsIncomplete(t *testing.T) {
	const unavailable = "info: Exercise advice unavailable: assess the patient before any exercises"
	eng := defaultEngine(t)
	tests := []struct {
		name       string
		profile    recommend.Profile
		incomplete bool
		want       []string // the first cards, "indicator: summary" prefixes
	}{
		{"emergency, incomplete", recommend.Profile{RedFlags: []string{"saddle_numbness"}}, true,
			[]string{"critical: Emergency", unavailable}},
		{"no referral, incomplete", recommend.Profile{}, true, []string{unavailable}},
		{"emergency, complete", recommend.Profile{RedFlags: []string{"saddle_numbness"}}, false, []string{"critical: Emergency"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			if tt.incomplete {
				// What a PartialError's Result holds: the referrals
				// only.
				res.Incomplete, res.Withheld = true, true
				res.Recommended, res.Avoided, res.Plan = []recommend.Item{}, []recommend.Item{}, []recommend.PlanStep{}
				res.Messages = []recommend.Message{}
			}
			cards, err := cdshooks.Cards(res, testHookInstance)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cards {
				got = append(got, string(c.Indicator)+": "+c.Summary)
			}
			for i, w := range tt.want {
				if i >= len(got) || !strings.HasPrefix(got[i], w) {
					t.Fatalf("cards %q; want them to begin with %q", got, tt.want)
				}
			}
			if !tt.incomplete && slices.Contains(got, unavailable) {
				t.Errorf("a complete Result has the card %q", unavailable)
			}
			if tt.incomplete {
				if n := len(got) - len(tt.want); n > 0 && tt.profile.RedFlags == nil {
					t.Errorf("cards %q; want only the card of the incomplete advice", got)
				}
				for _, c := range cards {
					if c.Summary == strings.TrimPrefix(unavailable, "info: ") && (c.Detail == "" || c.Source.Label == "") {
						t.Errorf("card %+v has no detail or source", c)
					}
				}
			}
		})
	}
}

// TestUnreadableEntryKeepsReferrals checks, through the service, that no
// Condition entry that cannot be read, and no search that failed in part,
// costs a chart the referral its readable Conditions call for (here cauda
// equina syndrome, G83.4, an urgent one): the entry is reported, and the
// cards come. A conditions Bundle whose search failed in part (an
// OperationOutcome of severity error) is answered as a failed read from
// fhirServer is: the referral cards, a card saying not every condition
// could be read and no other advice; a 412 naming the cause only when
// the Conditions read call for no referral. A past cancer is a history of
// cancer. A conditions prefetch that is not a Bundle stays a 400.
func TestUnreadableEntryKeepsReferrals(t *testing.T) {
	const cm = "http://hl7.org/fhir/sid/icd-10-cm"
	cauda := condition(active, `{"system": "`+cm+`", "code": "G83.4"}`)
	outcome := `{"search": {"mode": "outcome"}, "resource": {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}}`
	const (
		cancerCard = "Urgent: New back pain in a patient with a history of cancer; assess within days for spinal metastases."
		oo         = "prefetch.conditions.entry[1].resource"
		ooWhy      = "an OperationOutcome of severity error: the client could not fetch every active Condition"
		rest       = "; the referrals are those of the Conditions read, and the rest of the advice is withheld"
		counted    = "; its codes of the rule set's terms are counted, erring toward a referral"
		e0         = "prefetch.conditions.entry[0].resource"
	)
	urgent := []recommend.Urgency{recommend.UrgencyUrgent}
	resolved := status("clinicalStatus", clinicalR4, "resolved")
	tests := []struct {
		name string
		body string
		want callOutcome
	}{
		// An entry that cannot be read may be an active Condition with a
		// red flag: as an unread page, the referrals of the others come
		// with the warning card, and no exercise advice.
		{"a null entry", request("", `null`, cauda),
			callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard},
				Unread:  []cdshooks.ConditionNote{{Entry: e0, Reason: "the entry has no resource: it may be an active Condition, with a red flag" + rest}},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		{"an entry that is not an object", request("", `"Condition/1"`, cauda),
			callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard},
				Unread: []cdshooks.ConditionNote{{Entry: "prefetch.conditions.entry[0]",
					Reason: "the entry must be an object, found a string: nothing could be read, and it may be an active Condition, with a red flag" + rest}},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		{"a resource that is a string", request("", `{"resource": "Condition"}`, cauda),
			callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard},
				Unread: []cdshooks.ConditionNote{{Entry: e0,
					Reason: "the resource must be an object, found a string: nothing could be read, and it may be an active Condition, with a red flag" + rest}},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		{"coding an object", request("", `{"resource": {"resourceType": "Condition", `+active+`, "code": {"coding": {"system": "`+cm+`", "code": "M51.26"}}}}`, cauda),
			callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard},
				Unread: []cdshooks.ConditionNote{{Entry: e0, Codes: []cdshooks.Coding{{System: cm, Code: "M51.26"}},
					Reason: "code.coding must be an array, found an object: its code could not be read, and it may be a red flag" + counted + rest}},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		// The codes of a code or coding that cannot be read are counted,
		// as those of an entry that cannot be read: a red flag in one
		// reaches its referral, rather than a 412 without cards.
		{"the red flag in a coding sent as an object", request("", `{"resource": {"resourceType": "Condition", `+active+`, "code": {"coding": {"system": "`+cm+`", "code": "G83.4"}}}}`),
			callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard},
				Unread: []cdshooks.ConditionNote{{Entry: e0, Codes: []cdshooks.Coding{{System: cm, Code: "G83.4"}},
					Reason: "code.coding must be an array, found an object: its code could not be read, and it may be a red flag" + counted + rest}},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		{"the red flag in a coding whose display is a number", request("", condition(active, `{"system": "`+cm+`", "code": "G83.4", "display": 42}`)),
			callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard},
				Unread: []cdshooks.ConditionNote{{Entry: e0, Codes: []cdshooks.Coding{{System: cm, Code: "G83.4"}},
					Reason: "code.coding[0].display must be a string, found a number: the coding could not be read, and it may be a red flag" + counted + rest}},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		{"a past cancer in a resolved Condition's coding sent as an object", request("", `{"resource": {"resourceType": "Condition", `+resolved+`, "code": {"coding": {"system": "`+cm+`", "code": "Z85.3"}}}}`),
			callOutcome{Status: 200, Cards: []string{cancerCard, unreadCard},
				Unread: []cdshooks.ConditionNote{{Entry: e0, Codes: []cdshooks.Coding{{System: cm, Code: "Z85.3"}},
					Reason: "clinicalStatus is resolved, but code.coding must be an array, found an object: its code could not be read, and it may be a red flag that counts in the past" + counted + rest}},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		{"a serious condition in a resolved Condition's coding sent as an object", request("", `{"resource": {"resourceType": "Condition", `+resolved+`, "code": {"coding": {"system": "`+cm+`", "code": "G83.4"}}}}`),
			callOutcome{Status: 412, Field: e0 + ".code.coding",
				Error:   "clinicalStatus is resolved, but code.coding must be an array, found an object: its code could not be read, and it may be a red flag that counts in the past; the service does not answer without it",
				Outcome: cdshooks.OutcomePrecondition}},
		{"a null entry, and no referral", request("", `null`, condition(active, `{"system": "`+cm+`", "code": "M51.26"}`)),
			callOutcome{Status: 412, Field: e0,
				Error:   "the entry has no resource: it may be an active Condition, with a red flag; the service does not answer without it",
				Outcome: cdshooks.OutcomePrecondition}},
		// A coding that cannot be read costs only itself: the red flag
		// beside it is read.
		{"a red flag beside a coding whose display is a number", request("", condition(active, `{"system": "`+cm+`", "code": "G83.4"}`, `{"system": "`+cm+`", "code": "M51.26", "display": 42}`)),
			callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard},
				Unread: []cdshooks.ConditionNote{{Entry: e0, Codes: []cdshooks.Coding{{System: cm, Code: "G83.4"}, {System: cm, Code: "M51.26"}},
					Reason: "code.coding[1].display must be a string, found a number: the coding could not be read, and it may be a red flag" + counted + rest}},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		{"a red flag beside a coding that is a string", request("", condition(active, `{"system": "`+cm+`", "code": "G83.4"}`, `"oops"`)),
			callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard},
				Unread: []cdshooks.ConditionNote{{Entry: e0, Codes: []cdshooks.Coding{{System: cm, Code: "G83.4"}},
					Reason: "code.coding[1] must be an object, found a string: the coding could not be read, and it may be a red flag" + rest}},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		{"a key in the wrong case beside a value of the wrong type", request("", condition(active, `{"System": "`+cm+`", "code": "G83.4", "display": 42}`), cauda),
			callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard},
				Unread: []cdshooks.ConditionNote{{Entry: e0, Codes: []cdshooks.Coding{{System: cm, Code: "G83.4"}},
					Reason: `code.coding[0].System: wrong case: JSON keys are case-sensitive; write "system"; it may be an active Condition, with a red flag; ` +
						"its codes of the rule set's terms are counted, erring toward a referral" + rest}},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		// A page of several that the service cannot complete, or a
		// Bundle whose total says some are missing, is known in part:
		// the referrals of the Conditions on it reach the clinician; with
		// none, the 412 says what is missing.
		{"a red flag on the first page of several", request(`"link": [{"relation": "next", "url": "https://fhir.example.org/Condition?page=2"}]`, cauda),
			callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard},
				Unread: []cdshooks.ConditionNote{{Entry: "prefetch.conditions",
					Reason: "the Bundle is one page of several (it has a next link): the service cannot fetch the rest, and a red flag may be on another page; send every active condition in one Bundle" + rest}},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		{"a red flag in a Bundle whose total says one is missing", request(`"total": 2`, cauda),
			callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard},
				Unread: []cdshooks.ConditionNote{{Entry: "prefetch.conditions.total",
					Reason: "the Bundle says the search matched 2 conditions but holds 1: the service cannot fetch the rest, and a red flag may be among them; send every active condition in one Bundle" + rest}},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		{"a first page of several, and no referral", request(`"link": [{"relation": "next", "url": "https://fhir.example.org/Condition?page=2"}]`, condition(active, `{"system": "`+cm+`", "code": "M51.26"}`)),
			callOutcome{Status: 412, Field: "prefetch.conditions",
				Error:   "the Bundle is one page of several (it has a next link): the service cannot fetch the rest, and a red flag may be on another page; send every active condition in one Bundle",
				Outcome: cdshooks.OutcomePrecondition}},
		// An entry skipped for what it says stays a plain skip.
		{"an entered-in-error Condition whose code cannot be read", request("",
			`{"resource": {"resourceType": "Condition", `+status("verificationStatus", "http://terminology.hl7.org/CodeSystem/condition-ver-status", "entered-in-error")+`, "code": "x"}}`, cauda),
			callOutcome{Status: 200, Cards: []string{seriousCard, avoidSeriousCard}, Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		// A Patient the client could not fetch is one that could not be
		// read: the age is unknown, and the referrals still come.
		{"the Patient an OperationOutcome", strings.Replace(request("", cauda), `"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}`, `"patient": {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found"}]}`, 1),
			callOutcome{Status: 200, Cards: []string{seriousCard, unreadPatientCard, avoidSeriousCard},
				UnreadPatient: []cdshooks.PatientNote{{Entry: "prefetch.patient",
					Reason: "an OperationOutcome in place of the Patient: it could not be fetched; the age is taken as unknown, and the sex as not stated"}},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		{"clinicalStatus a string", request("", cauda, condition(`"clinicalStatus": "resolved"`, `{"system": "`+cm+`", "code": "M51.26"}`)),
			callOutcome{Status: 200, Cards: []string{seriousCard, avoidCard}, Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		{"the red flag's own clinicalStatus a string", request("", condition(`"clinicalStatus": "active"`, `{"system": "`+cm+`", "code": "G83.4"}`)),
			callOutcome{Status: 200, Cards: []string{seriousCard, avoidSeriousCard}, Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		{"a search that failed in part", request("", cauda, outcome),
			callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard},
				Unread:  []cdshooks.ConditionNote{{Entry: oo, Reason: ooWhy + rest}},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		{"a search that failed in part, and no referral", request("", condition(active, `{"system": "`+cm+`", "code": "M51.26"}`), outcome),
			callOutcome{Status: 412, Field: oo,
				Error:   "an OperationOutcome of severity error: the client could not fetch every active condition, and the service does not guess without them",
				Outcome: cdshooks.OutcomePrecondition}},
		{"a resolved breast cancer", request("", condition(status("clinicalStatus", clinicalR4, "resolved"), `{"system": "`+cm+`", "code": "C50.911"}`)),
			// A past cancer is a risk factor, and the chart records
			// nothing else: the cards apply if back pain is reported.
			callOutcome{Status: 200, Cards: []string{cdshooks.IfBackPain + cancerCard, cdshooks.IfBackPain + avoidSeriousCard},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		// A Bundle that is not one is scanned for codes, as an entry that
		// cannot be read; the 400 only when nothing calls for a referral.
		{"a Bundle that is not a Bundle", strings.Replace(request("", cauda), `"resourceType": "Bundle"`, `"resourceType": "List"`, 1),
			callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard},
				Unread: []cdshooks.ConditionNote{{Entry: "prefetch.conditions", Codes: []cdshooks.Coding{{System: cm, Code: "G83.4"}},
					Reason: `resourceType: must be "Bundle", the result of the search, found "List"; it may be the search Bundle, and hold an active Condition, with a red flag; its codes of the rule set's terms are counted, erring toward a referral` + rest}},
				Outcome: cdshooks.OutcomeCards, Urgencies: urgent}},
		{"a Bundle that is not a Bundle, and no referral", strings.Replace(request("", condition(active, unknownCode)), `"resourceType": "Bundle"`, `"resourceType": "List"`, 1),
			callOutcome{Status: 400, Field: "prefetch.conditions.resourceType", Error: `must be "Bundle", the result of the search, found "List"`,
				Outcome: cdshooks.OutcomeBadRequest}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events []cdshooks.Event
			svc := newService(t, cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
			rec := post(t, svc, []byte(tt.body))
			if diff := cmp.Diff(tt.want, outcomeOf(t, rec, events)); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
		})
	}
}
