package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
	"github.com/google/go-cmp/cmp"
)

// notFoundRoute is the route pattern that answers an unknown path.
const notFoundRoute = "/"

// fixedNow is the clock of the test servers.
var fixedNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// syncBuffer is a bytes.Buffer safe for concurrent use, for logs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newServer returns a Server of cfg, with the fixed clock and a JSON log
// in the returned buffer.
func newServer(t testing.TB, cfg Config) (*Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return fixedNow }
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, logs
}

// do sends one request to h and returns the recorded response.
func do(t testing.TB, h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	return doAccepting(t, h, method, target, body, "-")
}

// profiles returns the profiles of testdata/profiles, by file name, as
// JSON request bodies, with the profiles themselves.
func profiles(t testing.TB) (names []string, bodies map[string]string, decoded map[string]recommend.Profile) {
	t.Helper()
	files, err := filepath.Glob("../../testdata/profiles/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no profiles in testdata/profiles: %v", err)
	}
	bodies, decoded = map[string]string{}, map[string]recommend.Profile{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := recommend.DecodeProfile(bytes.NewReader(src))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		j, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		names = append(names, name)
		bodies[name], decoded[name] = string(j), p
	}
	return names, bodies, decoded
}

// wantResult returns the engine's own Result for p, as WriteJSON writes it.
func wantResult(t testing.TB, eng *recommend.Engine, p recommend.Profile) string {
	t.Helper()
	res, err := eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatalf("Recommend: %v", err)
	}
	var b strings.Builder
	if err := report.WriteJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// wantExplanation returns the engine's own explanation of movement for
// p, or of the referrals for "referral", as JSON.
func wantExplanation(t testing.TB, eng *recommend.Engine, p recommend.Profile, movement string) string {
	t.Helper()
	var b strings.Builder
	ctx := context.Background()
	if movement == "referral" {
		x, err := eng.ExplainReferrals(ctx, p)
		if err != nil {
			t.Fatalf("ExplainReferrals: %v", err)
		}
		if err := report.WriteReferralExplanationJSON(&b, x); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	x, err := eng.Explain(ctx, p, movement)
	if err != nil {
		t.Fatalf("Explain: %v", err)
	}
	if err := report.WriteExplanationJSON(&b, x); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRecommendTrace checks the trace query parameter of POST /recommend:
// the trace is written when it is true, left out when it is false or
// absent, and any other value is a 400 naming it.
func TestRecommendTrace(t *testing.T) {
	s, _ := newServer(t, Config{})
	_, bodies, decoded := profiles(t)
	const name = "disc-herniation"
	res, err := s.Engine().Recommend(context.Background(), decoded[name])
	if err != nil {
		t.Fatal(err)
	}
	withTrace := func(trace bool) string {
		var b strings.Builder
		if err := report.WriteJSONWith(&b, res, report.JSONOptions{Trace: trace}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	tests := []struct {
		query  string
		status int
		want   string // the body, for a 200
	}{
		{"", http.StatusOK, withTrace(false)},
		{"?trace=false", http.StatusOK, withTrace(false)},
		{"?trace=true", http.StatusOK, withTrace(true)},
		{"?trace=1", http.StatusOK, withTrace(true)},
		{"?trace=yes", http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rec := do(t, s.Handler(), "POST", "/recommend"+tt.query, bodies[name])
			checkDoc(t, "POST", "/recommend", rec)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status != http.StatusOK {
				var e struct{ Problems []struct{ Field string } }
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || len(e.Problems) != 1 || e.Problems[0].Field != "trace" {
					t.Errorf("body %s does not name the trace parameter", rec.Body)
				}
				return
			}
			if diff := cmp.Diff(tt.want, rec.Body.String()); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
	if !strings.Contains(withTrace(true), `"trace":[`) || strings.Contains(withTrace(false), `"trace"`) {
		t.Error("the trace is not what tells the two answers apart: the test proves nothing")
	}
}

// TestRecommend checks POST /recommend for every test profile against
// the engine's own Result, and the headers, and the OpenAPI document.
func TestRecommend(t *testing.T) {
	s, _ := newServer(t, Config{})
	names, bodies, decoded := profiles(t)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			rec := do(t, s.Handler(), "POST", "/recommend", bodies[name])
			checkDoc(t, "POST", "/recommend", rec)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200; body %s", rec.Code, rec.Body)
			}
			if diff := cmp.Diff(wantResult(t, s.Engine(), decoded[name]), rec.Body.String()); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			wantHeader := http.Header{
				"Content-Type":           {"application/json"},
				"Cache-Control":          {"no-store"},
				"X-Content-Type-Options": {"nosniff"},
				"Content-Length":         {rec.Header().Get("Content-Length")},
				"Vary":                   {"Accept-Encoding"},
			}
			if diff := cmp.Diff(wantHeader, rec.Header()); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if got, want := rec.Header().Get("Content-Length"), strconv.Itoa(rec.Body.Len()); got != want {
				t.Errorf("Content-Length %s, want %s", got, want)
			}
		})
	}
}

// problemAt is a problem without its message, which the recommend
// package words; tests check that it is there.
type problemAt struct {
	Field, Value string
	Line, Column int
}

// errorShape is an error body with the messages of its problems left out
// (and its result: TestInvalidProfileShowsReferrals).
type errorShape struct {
	Status   int
	Error    string
	Problems []problemAt
}

// decodeError reads an error body, and fails the test for a problem
// without a message.
func decodeError(t *testing.T, body []byte) errorShape {
	t.Helper()
	var e invalidProfileError
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	got := errorShape{Status: e.Status, Error: e.Error}
	for _, p := range e.Problems {
		if p.Message == "" {
			t.Errorf("problem %+v has no message", p)
		}
		got.Problems = append(got.Problems, problemAt{p.Field, p.Value, p.Line, p.Column})
	}
	return got
}

// TestInvalidProfileShowsReferrals checks that a mistake in one field of
// a profile does not hide the emergency another reports: the 400 of
// /recommend and /explain carries, in "result", the referrals of what
// could be read of the profile, every movement withheld; and that a
// profile whose readable part calls for no referral gets no result.
func TestInvalidProfileShowsReferrals(t *testing.T) {
	s, _ := newServer(t, Config{})
	tests := []struct {
		name, path, body string
		want             recommend.Urgency // "" for no result
	}{
		{"out of range beside a red flag", "/recommend", `{"red_flags": ["saddle_numbness"], "pain_level": 11}`, recommend.UrgencyEmergency},
		{"unknown field beside a red flag", "/recommend", `{"pain": 4, "red_flags": ["saddle_numbness"]}`, recommend.UrgencyEmergency},
		{"unknown value beside a red flag", "/recommend", `{"red_flags": ["saddle_numbness"], "aggravated_by": ["bending_forwards"]}`, recommend.UrgencyEmergency},
		{"a flag misspelt beside another", "/recommend", `{"red_flags": ["sadle_numbness", "fever_or_chills"]}`, recommend.UrgencyEmergency},
		{"a flag misspelt, alone", "/recommend", `{"red_flags": ["leg_weaknes"]}`, recommend.UrgencyUrgent},
		{"no red flag", "/recommend", `{"pain_level": 11}`, ""},
		{"explain, a flag misspelt", "/explain", `{"movement": "walking", "profile": {"red_flags": ["saddle_numbness", "saddle_numbnes"]}}`, recommend.UrgencyEmergency},
		{"explain, a movement misspelt", "/explain", `{"movement": "Walking", "profile": {"red_flags": ["saddle_numbness"]}}`, recommend.UrgencyEmergency},
		{"a list given twice", "/recommend", `{"red_flags": ["night_pain"], "red_flags": ["saddle_numbness"]}`, recommend.UrgencyEmergency},
		{"an age written as a string", "/recommend", `{"red_flags": ["abdominal_pain_or_pulsation"], "age": "72"}`, recommend.UrgencyEmergency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, s.Handler(), "POST", tt.path, tt.body)
			checkDoc(t, "POST", tt.path, rec)
			var e invalidProfileError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != http.StatusBadRequest || len(e.Problems) == 0 {
				t.Fatalf("status %d, body %s (%v); want a 400 with problems", rec.Code, cut(rec.Body.String()), err)
			}
			var got recommend.Urgency
			if e.Result != nil {
				var res recommend.Result
				if err := json.Unmarshal(e.Result, &res); err != nil {
					t.Fatal(err)
				}
				if len(res.Referrals) == 0 || !res.Incomplete || !res.Withheld || len(res.Recommended)+len(res.Avoided)+len(res.Plan) > 0 {
					t.Errorf("result %s: want referrals, incomplete, withheld, nothing advised", cut(string(e.Result)))
				}
				if len(res.Referrals) > 0 {
					got = res.Referrals[0].Urgency
				}
			}
			if got != tt.want {
				t.Errorf("first referral of the result %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRecommendErrors checks every error path of POST /recommend: the
// status, and the field, value and position of each problem.
func TestRecommendErrors(t *testing.T) {
	s, _ := newServer(t, Config{})
	tests := []struct {
		name, body string
		want       errorShape
	}{
		{"unknown condition", `{"conditions":["disc_herniaton"]}`,
			errorShape{400, "invalid profile", []problemAt{{"conditions[0]", `"disc_herniaton"`, 1, 16}}}},
		{"out of range", `{"pain_level": 11}`,
			errorShape{400, "invalid profile", []problemAt{{"pain_level", "11", 1, 16}}}},
		{"not a whole number", "{\n  \"age\": 40.5\n}",
			errorShape{400, "invalid profile", []problemAt{{"age", "40.5", 2, 10}}}},
		{"unknown field", `{"pain": 3}`,
			errorShape{400, "invalid profile", []problemAt{{"pain", `"pain"`, 1, 2}}}},
		{"duplicate entry", `{"conditions":["sciatica","sciatica"]}`,
			errorShape{400, "invalid profile", []problemAt{{"conditions[1]", `"sciatica"`, 1, 27}}}},
		{"null", `{"conditions": null}`,
			errorShape{400, "invalid profile", []problemAt{{"conditions", "", 1, 16}}}},
		{"malformed", `{"conditions": [`,
			errorShape{400, "invalid profile", []problemAt{{"", "", 1, 17}}}},
		{"trailing data", `{} {}`,
			errorShape{400, "invalid profile", []problemAt{{"", "", 1, 4}}}},
		{"a list", `[1]`,
			errorShape{400, "invalid profile", []problemAt{{}}}},
		{"YAML", "conditions: [sciatica]",
			errorShape{400, "invalid profile", []problemAt{{}, {Field: "conditions", Value: `"sciatica"`}}}},
		{"empty", ``,
			errorShape{400, "invalid profile", []problemAt{{}}}},
		{"too large", `{"conditions":["` + strings.Repeat("a", maxRecommendBody) + `"]}`,
			errorShape{413, "the request body is larger than 65536 bytes", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, s.Handler(), "POST", "/recommend", tt.body)
			checkDoc(t, "POST", "/recommend", rec)
			if rec.Code != tt.want.Status {
				t.Errorf("status %d, want %d", rec.Code, tt.want.Status)
			}
			if diff := cmp.Diff(tt.want, decodeError(t, rec.Body.Bytes())); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExplain checks POST /explain against the engine's own explanations.
func TestExplain(t *testing.T) {
	s, _ := newServer(t, Config{})
	_, bodies, decoded := profiles(t)
	tests := []struct{ profile, movement string }{
		{"disc-herniation", "knee_to_chest"},
		{"disc-herniation", "towel_stretch"},
		{"acute-strain", "walking"},
		{"saddle-numbness", "walking"},
		{"saddle-numbness", "referral"},
		{"disc-sciatica", "referral"},
		{"spinal-stenosis", "cat_cow"},
	}
	for _, tt := range tests {
		t.Run(tt.profile+"/"+tt.movement, func(t *testing.T) {
			body := `{"profile": ` + bodies[tt.profile] + `, "movement": "` + tt.movement + `"}`
			rec := do(t, s.Handler(), "POST", "/explain", body)
			checkDoc(t, "POST", "/explain", rec)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200; body %s", rec.Code, rec.Body)
			}
			want := wantExplanation(t, s.Engine(), decoded[tt.profile], tt.movement)
			if diff := cmp.Diff(want, rec.Body.String()); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExplainErrors checks every error path of POST /explain.
func TestExplainErrors(t *testing.T) {
	s, _ := newServer(t, Config{})
	bad := "invalid explain request"
	tests := []struct {
		name, body string
		want       errorShape
	}{
		{"unknown movement", `{"profile": {}, "movement": "knee_to_chst"}`,
			errorShape{400, `unknown movement "knee_to_chst" (did you mean "knee_to_chest"?)`, []problemAt{{"movement", `"knee_to_chst"`, 0, 0}}}},
		{"the referral rules, misspelt", `{"profile": {}, "movement": "referrals"}`,
			errorShape{400, `unknown movement "referrals" (did you mean "referral"?)`, []problemAt{{"movement", `"referrals"`, 0, 0}}}},
		{"profile problem, placed in the body", "{\"movement\": \"walking\",\n  \"profile\": {\"pain_level\": 12}}",
			errorShape{400, bad, []problemAt{{"profile.pain_level", "12", 2, 29}}}},
		{"profile problem on a later line", "{\"movement\": \"walking\", \"profile\": {\n  \"age\": -1}}",
			errorShape{400, bad, []problemAt{{"profile.age", "-1", 2, 10}}}},
		{"vocabulary problem", `{"movement": "walking", "profile": {"red_flags": ["saddle_numbness", "saddle_numbnes"]}}`,
			errorShape{400, bad, []problemAt{{"profile.red_flags[1]", `"saddle_numbnes"`, 1, 70}}}},
		{"unknown profile field", `{"movement": "walking", "profile": {"pain": 1}}`,
			errorShape{400, bad, []problemAt{{"profile.pain", `"pain"`, 1, 37}}}},
		{"missing movement", `{"profile": {}}`,
			errorShape{400, bad, []problemAt{{"movement", "", 0, 0}}}},
		{"missing profile", `{"movement": "walking"}`,
			errorShape{400, bad, []problemAt{{"profile", "", 0, 0}}}},
		{"empty movement", `{"profile": {}, "movement": ""}`,
			errorShape{400, bad, []problemAt{{"movement", `""`, 1, 29}}}},
		{"movement not a string", `{"profile": {}, "movement": 7}`,
			errorShape{400, bad, []problemAt{{"movement", "7", 1, 29}}}},
		{"profile not an object", `{"profile": ["sciatica"], "movement": "walking"}`,
			errorShape{400, bad, []problemAt{{"profile", `["sciatica"]`, 1, 13}, {Field: "conditions", Value: `"sciatica"`}}}},
		{"profile null", `{"profile": null, "movement": "walking"}`,
			errorShape{400, bad, []problemAt{{"profile", "null", 1, 13}}}},
		{"unknown field", `{"profile": {}, "movement": "walking", "patient": "x"}`,
			errorShape{400, bad, []problemAt{{"patient", "", 1, 40}}}},
		{"duplicate field", `{"profile": {}, "movement": "walking", "movement": "plank"}`,
			errorShape{400, bad, []problemAt{{"movement", "", 1, 40}}}},
		{"trailing data", `{"profile": {}, "movement": "walking"} []`,
			errorShape{400, bad, []problemAt{{"", "", 1, 41}}}},
		{"malformed", `{"profile": {}, "movement": }`,
			errorShape{400, bad, []problemAt{{"", "", 1, 29}}}},
		{"cut short", `{"profile": {}, "movement": "walking"`,
			errorShape{400, bad, []problemAt{{"", "", 1, 38}}}},
		{"not an object", `"walking"`,
			errorShape{400, bad, []problemAt{{}}}},
		{"not UTF-8", "{\"profile\": {}, \"movement\": \"walk\xff\"}",
			errorShape{400, bad, []problemAt{{}}}},
		{"too large", `{"profile": {}, "movement": "` + strings.Repeat("a", maxExplainBody) + `"}`,
			errorShape{413, "the request body is larger than 66560 bytes", nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, s.Handler(), "POST", "/explain", tt.body)
			checkDoc(t, "POST", "/explain", rec)
			if rec.Code != tt.want.Status {
				t.Errorf("status %d, want %d", rec.Code, tt.want.Status)
			}
			if diff := cmp.Diff(tt.want, decodeError(t, rec.Body.Bytes())); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHealth checks GET and HEAD /healthz.
func TestHealth(t *testing.T) {
	s, _ := newServer(t, Config{})
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	rec := do(t, s.Handler(), "GET", "/healthz", "")
	checkDoc(t, "GET", "/healthz", rec)
	want := health{Status: "ok", RuleSet: eng.RuleSet(), LoadedAt: fixedNow}
	if diff := cmp.Diff(want, decodeHealth(t, rec)); diff != "" {
		t.Errorf("health (-want +got):\n%s", diff)
	}
	if head := do(t, s.Handler(), "HEAD", "/healthz", ""); head.Code != http.StatusOK {
		t.Errorf("HEAD /healthz: status %d, want 200", head.Code)
	}
}

// decodeHealth reads a /healthz body strictly.
func decodeHealth(t *testing.T, rec *httptest.ResponseRecorder) health {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", rec.Code, rec.Body)
	}
	var h health
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		t.Fatalf("health: %v", err)
	}
	return h
}

// TestOpenAPIServed checks that GET /openapi.json serves the document.
func TestOpenAPIServed(t *testing.T) {
	s, _ := newServer(t, Config{})
	rec := do(t, s.Handler(), "GET", "/openapi.json", "")
	checkDoc(t, "GET", "/openapi.json", rec)
	if diff := cmp.Diff(string(openAPI), rec.Body.String()); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

// TestMethodNotAllowed checks that every JSON endpoint answers a wrong
// method with 405, Allow and a JSON error.
func TestMethodNotAllowed(t *testing.T) {
	s, _ := newServer(t, Config{})
	tests := []struct{ method, path, allow string }{
		{"GET", "/recommend", "POST"},
		{"PUT", "/recommend", "POST"},
		{"HEAD", "/recommend", "POST"},
		{"GET", "/explain", "POST"},
		{"DELETE", "/explain", "POST"},
		{"POST", "/healthz", "GET, HEAD"},
		{"OPTIONS", "/healthz", "GET, HEAD"},
		{"POST", "/openapi.json", "GET, HEAD"},
		{"BREW", "/recommend", "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := do(t, s.Handler(), tt.method, tt.path, "{}")
			if rec.Code != http.StatusMethodNotAllowed {
				t.Fatalf("status %d, want 405", rec.Code)
			}
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
			if tt.method == "HEAD" {
				return
			}
			checkDoc(t, "", tt.path, rec)
			want := errorShape{Status: 405, Error: "method " + tt.method + " is not allowed: use " + tt.allow}
			if diff := cmp.Diff(want, decodeError(t, rec.Body.Bytes())); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNotFound checks that a path the server does not serve is a 404.
func TestNotFound(t *testing.T) {
	s, _ := newServer(t, Config{})
	for _, path := range []string{"/nope", "/recommend/x", "/healthz/", "/api/recommend"} {
		t.Run(path, func(t *testing.T) {
			rec := do(t, s.Handler(), "GET", path, "")
			if rec.Code != http.StatusNotFound {
				t.Errorf("status %d, want 404", rec.Code)
			}
			checkErrorBody(t, rec)
		})
	}
}

// TestRequestLog checks the log line of each request: the fields it has,
// and that no request data reaches it.
func TestRequestLog(t *testing.T) {
	s, logs := newServer(t, Config{})
	digest := s.Engine().RuleSet().Digest
	secret := `{"conditions":["sciatica"],"red_flags":["history_of_cancer"]}`
	for _, r := range []struct{ method, target, body string }{
		{"POST", "/recommend?trace=true", secret},
		// Refused, with a 400 that names the parameter: the log must
		// not.
		{"POST", "/recommend?patient=jane-doe", secret},
		{"POST", "/recommend", `{"conditions":["pregnancyy"]}`},
		{"POST", "/explain", `{"profile":` + secret + `,"movement":"walking"}`},
		{"GET", "/healthz", ""},
		{"GET", "/no/such/jane-doe", ""},
	} {
		req := httptest.NewRequest(r.method, r.target, strings.NewReader(r.body))
		req.RemoteAddr = "203.0.113.77:4242"
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "jane-doe-agent")
		s.Handler().ServeHTTP(httptest.NewRecorder(), req)
	}
	type line struct {
		Level, Msg, Method, Route, RuleSet string
		Status                             int
		Bytes                              int64
	}
	var got []line
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if diff := cmp.Diff([]string{"bytes", "duration", "level", "method", "msg", "route", "rule_set", "status", "time"}, slices.Sorted(maps.Keys(m))); diff != "" {
			t.Errorf("log keys (-want +got):\n%s", diff)
		}
		got = append(got, line{Level: m["level"].(string), Msg: m["msg"].(string), Method: m["method"].(string),
			Route: m["route"].(string), RuleSet: m["rule_set"].(string), Status: int(m["status"].(float64)), Bytes: int64(m["bytes"].(float64))})
	}
	for i := range got {
		if got[i].Bytes <= 0 {
			t.Errorf("line %d: bytes %d, want > 0", i, got[i].Bytes)
		}
		got[i].Bytes = 0
	}
	want := []line{
		{"INFO", "request", "POST", "POST /recommend", digest, 200, 0},
		{"INFO", "request", "POST", "POST /recommend", digest, 400, 0},
		{"INFO", "request", "POST", "POST /recommend", digest, 400, 0},
		{"INFO", "request", "POST", "POST /explain", digest, 200, 0},
		{"INFO", "request", "GET", "GET /healthz", digest, 200, 0},
		{"INFO", "request", "GET", notFoundRoute, digest, 404, 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log lines (-want +got):\n%s", diff)
	}
	for _, leak := range []string{"sciatica", "history_of_cancer", "pregnancy", "jane-doe", "203.0.113.77", "patient"} {
		if strings.Contains(logs.String(), leak) {
			t.Errorf("the log holds request data %q:\n%s", leak, logs)
		}
	}
}

// TestPanicRecovered checks that a handler's panic gives a 500 in JSON
// and an error line, not a dropped connection.
func TestPanicRecovered(t *testing.T) {
	s, logs := newServer(t, Config{})
	h := s.logRequests(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom: jane-doe") }))
	rec := do(t, h, "GET", "/x", "")
	want := errorShape{Status: 500, Error: "internal error"}
	if diff := cmp.Diff(want, decodeError(t, rec.Body.Bytes())); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if !strings.Contains(logs.String(), `"msg":"handler panicked"`) || strings.Contains(logs.String(), "jane-doe") {
		t.Errorf("log: want a panic line without the panic's value:\n%s", logs)
	}
}

// TestRequestTimeout checks that RequestTimeout bounds the rules' work on
// every endpoint that runs them, and that a request that runs out of time
// after the referral rules ran still gets the referrals: /recommend a 200
// with them, incomplete and an error saying it took too long; /explain a
// 503 that carries them; CDS Hooks their cards and the info card.
func TestRequestTimeout(t *testing.T) {
	s, _ := newServer(t, Config{RequestTimeout: time.Nanosecond})
	const tooLong = "the request took too long: only the referrals were worked out, and the rest of the advice is withheld"
	p := `{"red_flags":["saddle_numbness"]}`

	rec := do(t, s.Handler(), "POST", "/recommend", p)
	checkDoc(t, "POST", "/recommend", rec)
	var got incompleteBody
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || !got.Incomplete || !got.Withheld || len(got.Referrals) == 0 ||
		got.Referrals[0].Urgency != recommend.UrgencyEmergency || got.Error != (partialFailure{Error: tooLong}) {
		t.Errorf("/recommend: status %d, %+v; want 200 with the emergency and %q", rec.Code, got, tooLong)
	}

	rec = do(t, s.Handler(), "POST", "/explain", `{"profile":`+p+`,"movement":"walking"}`)
	checkDoc(t, "POST", "/explain", rec)
	var x struct {
		Status int
		Error  string
		Result incompleteBody
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &x); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusServiceUnavailable || x.Error != "no explanation: "+tooLong ||
		len(x.Result.Referrals) == 0 || x.Result.Referrals[0].Urgency != recommend.UrgencyEmergency {
		t.Errorf("/explain: status %d, %s; want 503 with the emergency", rec.Code, cut(rec.Body.String()))
	}

	rec = do(t, s.Handler(), "POST", "/cds-services/backrules", cdsRequest(t, "disc-herniation"))
	checkDoc(t, "POST", "/cds-services/backrules", rec)
	var cards struct {
		Cards []struct{ Summary, Indicator string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &cards); err != nil {
		t.Fatal(err)
	}
	// The safety net, which an incomplete result keeps, still reaches
	// the patient through the clinician.
	want := []struct{ Summary, Indicator string }{
		{"Exercise advice unavailable: assess the patient before any exercises", "info"},
		{"Key messages for the patient: 1 message, in the detail", "info"},
	}
	if diff := cmp.Diff(want, cards.Cards); rec.Code != http.StatusOK || diff != "" {
		t.Errorf("CDS Hooks: status %d; cards (-want +got):\n%s", rec.Code, diff)
	}
}
