package main

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestUnreadableBodiesKeepTheirRedFlags checks that a request the server
// cannot read as a profile at all, at /recommend or /explain (malformed
// JSON, a body that is not a JSON object, one over the limit), is refused
// as before, and that the red flags it names still reach the referrals
// in its "result", each with a problem saying it was counted. Before, each
// of these gave no referral.
func TestUnreadableBodiesKeepTheirRedFlags(t *testing.T) {
	s, _ := newServer(t, Config{})
	over := `{"profile": {"red_flags": ["saddle_numbness"]}, "movement": "` + strings.Repeat("x", maxExplainBody) + `"}`
	tests := []struct {
		name, path, body string
		status           int
		want             recommend.Urgency // first referral; "" for no result
		named            []string          // values of the red_flags problems
	}{
		{"recommend: YAML", "/recommend", "conditions: [disc_herniation]\nred_flags: [saddle_numbness]\n",
			http.StatusBadRequest, recommend.UrgencyEmergency, []string{`"saddle_numbness"`}},
		{"recommend: a list", "/recommend", `["leg_weakness"]`,
			http.StatusBadRequest, recommend.UrgencyUrgent, []string{`"leg_weakness"`}},
		{"recommend: not an object, no red flag", "/recommend", `["disc_herniation"]`,
			http.StatusBadRequest, "", nil},
		{"explain: a syntax error before the red flag", "/explain", `{"profile": {"conditions": ["disc_herniation",], "red_flags": ["saddle_numbness"]}, "movement": "walking"}`,
			http.StatusBadRequest, recommend.UrgencyEmergency, []string{`"saddle_numbness"`}},
		{"explain: not an object", "/explain", `"fever_or_chills"`,
			http.StatusBadRequest, recommend.UrgencyUrgent, []string{`"fever_or_chills"`}},
		{"explain: a syntax error, no red flag", "/explain", `{"profile": {"conditions": ["disc_herniation",]}, "movement": "walking"}`,
			http.StatusBadRequest, "", nil},
		{"explain: over the limit", "/explain", over,
			http.StatusRequestEntityTooLarge, recommend.UrgencyEmergency, []string{`"saddle_numbness"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, s.Handler(), "POST", tt.path, tt.body)
			checkDoc(t, "POST", tt.path, rec)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, cut(rec.Body.String()))
			}
			checkNamed(t, rec.Body.Bytes(), tt.named, tt.want)
		})
	}
}

// checkNamed checks body, an error body of the server, for the red flags
// it says it counted (the values of its named-flag problems), and the
// urgency of the first referral of its result ("" for none).
func checkNamed(t *testing.T, body []byte, named []string, want recommend.Urgency) {
	t.Helper()
	var e invalidProfileError
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range e.Problems {
		if p.Field == "red_flags" && p.Message == namedFlagMessage {
			got = append(got, p.Value)
		}
	}
	if diff := cmp.Diff(named, got); diff != "" {
		t.Errorf("red flags counted (-want +got):\n%s", diff)
	}
	if got := firstReferral(t, e.Result); got != want {
		t.Errorf("first referral %q, want %q", got, want)
	}
}

// firstReferral returns the urgency of the first referral of result, the
// "result" of an error body, or "" when it is absent or has none.
func firstReferral(t testing.TB, result json.RawMessage) recommend.Urgency {
	t.Helper()
	if result == nil {
		return ""
	}
	var res recommend.Result
	if err := json.Unmarshal(result, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Referrals) == 0 {
		return ""
	}
	return res.Referrals[0].Urgency
}

// TestUnsupportedBodiesKeepTheirRedFlags checks that a body refused with
// 415, for its Content-Type (curl -d sends a form's) or its
// Content-Encoding, still reaches the referrals of the red flags its
// first 64 KiB name, decompressed when it is gzip or deflate, each with a
// problem saying it was counted. Before, the 415 carried no referral.
func TestUnsupportedBodiesKeepTheirRedFlags(t *testing.T) {
	s, _ := newServer(t, Config{})
	profile := `{"age": 40, "red_flags": ["saddle_numbness"]}`
	gz := func(text string) string {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write([]byte(text))
		_ = zw.Close()
		return b.String()
	}
	deflate := func(text string) string {
		var b bytes.Buffer
		zw := zlib.NewWriter(&b)
		_, _ = zw.Write([]byte(text))
		_ = zw.Close()
		return b.String()
	}
	tests := []struct {
		name, path, body string
		header           map[string]string
		want             recommend.Urgency // first referral; "" for no result
		named            []string          // values of the red_flags problems
	}{
		{"recommend: a form's Content-Type", "/recommend", profile,
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, recommend.UrgencyEmergency, []string{`"saddle_numbness"`}},
		{"recommend: no Content-Type", "/recommend", `red_flags: [leg_weakness]`,
			nil, recommend.UrgencyUrgent, []string{`"leg_weakness"`}},
		{"explain: text/plain", "/explain", `{"profile": {"red_flags": ["fever_or_chills"]}, "movement": "referral"}`,
			map[string]string{"Content-Type": "text/plain"}, recommend.UrgencyUrgent, []string{`"fever_or_chills"`}},
		{"recommend: gzip", "/recommend", gz(profile),
			map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"}, recommend.UrgencyEmergency, []string{`"saddle_numbness"`}},
		{"explain: deflate", "/explain", deflate(`{"profile": ` + profile + `, "movement": "walking"}`),
			map[string]string{"Content-Type": "application/json", "Content-Encoding": "deflate"}, recommend.UrgencyEmergency, []string{`"saddle_numbness"`}},
		{"recommend: gzip twice", "/recommend", gz(gz(profile)),
			map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip, x-gzip"}, recommend.UrgencyEmergency, []string{`"saddle_numbness"`}},
		{"recommend: a coding it cannot read", "/recommend", profile,
			map[string]string{"Content-Type": "application/json", "Content-Encoding": "br"}, "", nil},
		{"recommend: gzip that is not", "/recommend", profile,
			map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"}, "", nil},
		{"recommend: a form with no red flag", "/recommend", `{"conditions": ["sciatica"]}`,
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", tt.path, strings.NewReader(tt.body))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			checkDoc(t, "POST", tt.path, rec)
			if rec.Code != http.StatusUnsupportedMediaType {
				t.Fatalf("status %d, want 415: %s", rec.Code, cut(rec.Body.String()))
			}
			checkNamed(t, rec.Body.Bytes(), tt.named, tt.want)
		})
	}
}

// TestRefusedRequestsKeepWhatChangesAReferral checks, on every path the
// server refuses, that what the request says that can change a referral
// is counted as DecodeProfile counts it: of a number given twice the
// value whose referrals are the most pressing, and a condition named
// where the request could not be read (sciatica beside a cancer is the
// cord compression emergency). Before, the first pain was read, the
// condition dropped, and a JSON profile sent with a form's Content-Type
// was read only for its red flags: each gave "urgent", not "emergency".
func TestRefusedRequestsKeepWhatChangesAReferral(t *testing.T) {
	s, _ := newServer(t, Config{})
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	tests := []struct {
		name, target, body string
		header             map[string]string // nil: application/json
		status             int
		want               recommend.Urgency // first referral
		conditions         []string          // values of the problems of conditions counted
		twice              string            // the problem of the field given twice, if any
	}{
		{"recommend: a pain given twice, the higher second", "/recommend",
			`{"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 2, "pain_level": 9}`, nil,
			http.StatusBadRequest, recommend.UrgencyEmergency, nil, "given twice (2, 9): 9 counted, the value with the most pressing referrals, to be safe"},
		{"explain: a pain given twice, the higher second", "/explain",
			`{"profile": {"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 2, "pain_level": 9}, "movement": "walking"}`, nil,
			http.StatusBadRequest, recommend.UrgencyEmergency, nil, "given twice (2, 9): 9 counted, the value with the most pressing referrals, to be safe"},
		{"explain: the profile given twice, the red flag and the higher pain in the second", "/explain",
			`{"profile": {"pain_level": 2}, "profile": {"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 9}, "movement": "walking"}`, nil,
			http.StatusBadRequest, recommend.UrgencyEmergency, nil, "given more than once: the fields of each are read for the referrals, to be safe"},
		{"explain: the profile given twice, the second empty", "/explain",
			`{"profile": {"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 9}, "profile": {}, "movement": "walking"}`, nil,
			http.StatusBadRequest, recommend.UrgencyEmergency, nil, "given more than once: the fields of each are read for the referrals, to be safe"},
		{"recommend: a syntax error before sciatica", "/recommend",
			`{"red_flags": ["history_of_cancer"], "age": , "conditions": ["sciatica"]}`, nil,
			http.StatusBadRequest, recommend.UrgencyEmergency, []string{`"sciatica"`}, ""},
		{"recommend: not an object", "/recommend",
			`["history_of_cancer", "sciatica"]`, nil,
			http.StatusBadRequest, recommend.UrgencyEmergency, []string{`"sciatica"`}, ""},
		{"recommend: sciatica in a refused query", "/recommend?conditions=sciatica",
			`{"red_flags": ["history_of_cancer"]}`, nil,
			http.StatusBadRequest, recommend.UrgencyEmergency, []string{`"sciatica"`}, ""},
		{"explain: a syntax error before sciatica", "/explain",
			`{"profile": {"red_flags": ["history_of_cancer"],, "conditions": ["sciatica"]}, "movement": "walking"}`, nil,
			http.StatusBadRequest, recommend.UrgencyEmergency, []string{`"sciatica"`}, ""},
		{"recommend: 415, a form's Content-Type, the pain beside the red flag", "/recommend",
			`{"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 9}`, form,
			http.StatusUnsupportedMediaType, recommend.UrgencyEmergency, nil, ""},
		{"explain: 415, a form's Content-Type, the pain beside the red flag", "/explain",
			`{"profile": {"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 9}, "movement": "walking"}`, form,
			http.StatusUnsupportedMediaType, recommend.UrgencyEmergency, nil, ""},
		{"recommend: 415, sciatica", "/recommend",
			`conditions: [sciatica]\nred_flags: [history_of_cancer]`, form,
			http.StatusUnsupportedMediaType, recommend.UrgencyEmergency, []string{`"sciatica"`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", tt.target, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			path, _, _ := strings.Cut(tt.target, "?")
			checkDoc(t, "POST", path, rec)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, cut(rec.Body.String()))
			}
			var e invalidProfileError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
				t.Fatal(err)
			}
			var conds []string
			twice := ""
			for _, p := range e.Problems {
				field := p.Field[strings.LastIndexByte(p.Field, '.')+1:]
				switch {
				case field == "conditions" && strings.HasPrefix(p.Message, "named where"):
					conds = append(conds, p.Value)
				case strings.HasPrefix(p.Message, "given twice"), strings.HasPrefix(p.Message, "given more than once"):
					twice = p.Message
				}
			}
			if diff := cmp.Diff(tt.conditions, conds); diff != "" {
				t.Errorf("conditions counted (-want +got):\n%s", diff)
			}
			if twice != tt.twice {
				t.Errorf("problem of the field given twice %q, want %q", twice, tt.twice)
			}
			if got := firstReferral(t, e.Result); got != tt.want {
				t.Errorf("first referral %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFormBodiesCountTheirNumbers checks that a body sent as a form
// (curl -d), which the server does not read as a profile, counts its
// numbers and choices toward the referrals as the page counts those of
// its address (web.FormAnswers), not only the terms it names: belly pain
// with a pain of 9 is the emergency, with a pain of 2 the urgent review.
// Before, the pain was not read, and every case below was "urgent"; and
// an entry of a list the vocabulary lacks (red_flags=saddle_numbnes) was
// dropped without a word, though a JSON body's counts as its "did you
// mean".
func TestFormBodiesCountTheirNumbers(t *testing.T) {
	s, _ := newServer(t, Config{})
	const form, asJSON = "application/x-www-form-urlencoded", "application/json"
	belly := "red_flags=abdominal_pain_or_pulsation"
	tests := []struct {
		name, path, contentType, body string
		status                        int
		want                          recommend.Urgency // first referral
		counted                       map[string]string // field: value of its problem
	}{
		{"recommend: belly pain with a pain of 9", "/recommend", form, belly + "&pain_level=9",
			http.StatusUnsupportedMediaType, recommend.UrgencyEmergency, map[string]string{"pain_level": `"9"`}},
		{"recommend: belly pain with a pain of 2", "/recommend", form, belly + "&pain_level=2",
			http.StatusUnsupportedMediaType, recommend.UrgencyUrgent, map[string]string{"pain_level": `"2"`}},
		{"recommend: a pain given twice, the higher second", "/recommend", form, belly + "&pain_level=2&pain_level=9",
			http.StatusUnsupportedMediaType, recommend.UrgencyEmergency, map[string]string{"pain_level": `"2", "9"`}},
		{"recommend: a pain out of range, read as typed", "/recommend", form, "pain_level=11&" + belly,
			http.StatusUnsupportedMediaType, recommend.UrgencyEmergency, map[string]string{"pain_level": `"11"`}},
		{"recommend: a pain that is not a number is not counted", "/recommend", form, belly + "&pain_level=NaN",
			http.StatusUnsupportedMediaType, recommend.UrgencyUrgent, map[string]string{}},
		{"recommend: a form sent as JSON", "/recommend", asJSON, belly + "&pain_level=9",
			http.StatusBadRequest, recommend.UrgencyEmergency, map[string]string{"pain_level": `"9"`}},
		{"recommend: the red flag escaped", "/recommend", form, "red_flags=abdominal%5Fpain%5For%5Fpulsation&pain_level=9",
			http.StatusUnsupportedMediaType, recommend.UrgencyEmergency, map[string]string{"pain_level": `"9"`}},
		{"recommend: over the limit, the pain before the cut", "/recommend", form, belly + "&pain_level=9&note=" + strings.Repeat("x", maxRecommendBody),
			http.StatusUnsupportedMediaType, recommend.UrgencyEmergency, map[string]string{"pain_level": `"9"`}},
		{"recommend: sent as JSON, over the limit, the pain cut", "/recommend", asJSON, belly + "&pain_level=9&pain_level=1" + strings.Repeat("0", maxRecommendBody),
			http.StatusRequestEntityTooLarge, recommend.UrgencyEmergency, map[string]string{"pain_level": `"9"`}},
		{"explain: belly pain with a pain of 9", "/explain", form, belly + "&pain_level=9&movement=walking",
			http.StatusUnsupportedMediaType, recommend.UrgencyEmergency, map[string]string{"pain_level": `"9"`}},
		// An entry the vocabulary lacks counts as what its "did you
		// mean" names, as the page counts it.
		{"recommend: a red flag misspelt", "/recommend", form, "red_flags=saddle_numbnes",
			http.StatusUnsupportedMediaType, recommend.UrgencyEmergency, map[string]string{"red_flags": `"saddle_numbnes"`}},
		{"recommend: a condition misspelt, beside a cancer", "/recommend", form, "red_flags=history_of_cancer&conditions=sciatca",
			http.StatusUnsupportedMediaType, recommend.UrgencyEmergency, map[string]string{"conditions": `"sciatca"`}},
		{"explain: a red flag misspelt", "/explain", form, "red_flags=saddle_numbnes&movement=walking",
			http.StatusUnsupportedMediaType, recommend.UrgencyEmergency, map[string]string{"red_flags": `"saddle_numbnes"`}},
		// A mistake in the address: the form in the body (sent as JSON,
		// or it is a 415) is read all the same.
		{"recommend: an unknown query, belly pain with a pain of 9", "/recommend?verbose=1", asJSON, belly + "&pain_level=9",
			http.StatusBadRequest, recommend.UrgencyEmergency, map[string]string{"pain_level": `"9"`}},
		{"recommend: an unknown query, over the limit, the pain before the cut", "/recommend?verbose=1", asJSON, belly + "&pain_level=9&note=" + strings.Repeat("x", maxRecommendBody),
			http.StatusBadRequest, recommend.UrgencyEmergency, map[string]string{"pain_level": `"9"`}},
		{"explain: an unknown query, belly pain with a pain of 9", "/explain?verbose=1", asJSON, belly + "&pain_level=9&movement=walking",
			http.StatusBadRequest, recommend.UrgencyEmergency, map[string]string{"pain_level": `"9"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", tt.path, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.contentType)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			checkDoc(t, "POST", req.URL.Path, rec)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, cut(rec.Body.String()))
			}
			var e invalidProfileError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, p := range e.Problems {
				if p.Message == formFieldMessage {
					got[p.Field] = p.Value
				}
			}
			if diff := cmp.Diff(tt.counted, got); diff != "" {
				t.Errorf("fields counted (-want +got):\n%s", diff)
			}
			if got := firstReferral(t, e.Result); got != tt.want {
				t.Errorf("first referral %q, want %q", got, tt.want)
			}
		})
	}
}

// TestExplainWithoutItsWrapperCountsAsRecommend checks that a profile
// posted to /explain without its "profile" wrapper, which /explain
// refuses, reaches the same first referral as the same body posted to
// /recommend: an entry the vocabulary lacks counts as what its "did you
// mean" names, a name written with JSON escapes as the name, and a pain
// beside a red flag as the pain. Before, /explain read such a body only
// for the names it held whole: the misspelt and escaped red flags gave
// no referral, and belly pain with a pain of 9 was urgent where
// /recommend says emergency.
func TestExplainWithoutItsWrapperCountsAsRecommend(t *testing.T) {
	s, _ := newServer(t, Config{})
	tests := []struct {
		name, body string
		want       recommend.Urgency
	}{
		{"a red flag misspelt", `{"red_flags": ["saddle_numbnes"]}`, recommend.UrgencyEmergency},
		{"a red flag written with escapes", `{"red_flags": ["saddle\u005fnumbness"]}`, recommend.UrgencyEmergency},
		{"a red flag misspelt, with a movement", `{"red_flags": ["saddle_numbnes"], "movement": "walking"}`, recommend.UrgencyEmergency},
		{"belly pain with a pain of 9", `{"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 9}`, recommend.UrgencyEmergency},
		{"belly pain with a pain of 2", `{"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 2}`, recommend.UrgencyUrgent},
		{"a condition misspelt, beside a cancer", `{"red_flags": ["history_of_cancer"], "conditions": ["sciatca"]}`, recommend.UrgencyEmergency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]recommend.Urgency{}
			for _, path := range []string{"/recommend", "/explain"} {
				req := httptest.NewRequest("POST", path, strings.NewReader(tt.body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				s.Handler().ServeHTTP(rec, req)
				checkDoc(t, "POST", path, rec)
				switch {
				case path == "/recommend" && rec.Code == http.StatusOK:
					// A body that is a valid profile: the Result itself.
					got[path] = firstReferral(t, rec.Body.Bytes())
				case rec.Code == http.StatusBadRequest:
					var e invalidProfileError
					if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
						t.Fatal(err)
					}
					got[path] = firstReferral(t, e.Result)
				default:
					t.Fatalf("%s: status %d: %s", path, rec.Code, cut(rec.Body.String()))
				}
			}
			want := map[string]recommend.Urgency{"/recommend": tt.want, "/explain": tt.want}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("first referral by route (-want +got):\n%s", diff)
			}
		})
	}
}

// TestQueryEntryTheVocabularyLacks checks that a red flag or a condition
// misspelt in the address of /recommend or /explain, which they refuse,
// counts toward the referrals of the 400 as the same entry does in the
// page's address: as what its "did you mean" names. Before, only a name
// the query held whole counted: ?red_flags=saddle_numbness gave the
// emergency, ?red_flags=saddle_numbnes nothing.
func TestQueryEntryTheVocabularyLacks(t *testing.T) {
	s, _ := newServer(t, Config{})
	tests := []struct {
		name, target, body string
		want               recommend.Urgency
	}{
		{"recommend: a red flag misspelt", "/recommend?red_flags=saddle_numbnes", `{}`, recommend.UrgencyEmergency},
		{"recommend: the red flag written right", "/recommend?red_flags=saddle_numbness", `{}`, recommend.UrgencyEmergency},
		{"recommend: a condition misspelt, beside the body's cancer", "/recommend?conditions=sciatca", `{"red_flags": ["history_of_cancer"]}`, recommend.UrgencyEmergency},
		{"recommend: an entry that stands for nothing", "/recommend?red_flags=zzz", `{}`, ""},
		{"explain: a red flag misspelt", "/explain?red_flags=saddle_numbnes", `{"profile": {}, "movement": "walking"}`, recommend.UrgencyEmergency},
		// A number in the query counts with the body's as a field given
		// twice does, as the page's address counts it.
		{"recommend: a pain of 9 beside the body's belly pain", "/recommend?pain_level=9", `{"red_flags": ["abdominal_pain_or_pulsation"]}`, recommend.UrgencyEmergency},
		{"recommend: a pain of 9, the body's 3", "/recommend?pain_level=9", `{"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 3}`, recommend.UrgencyEmergency},
		{"recommend: a pain of 2, the body's 9", "/recommend?pain_level=2", `{"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 9}`, recommend.UrgencyEmergency},
		{"recommend: an age of 40, no belly pain", "/recommend?age=40", `{"pain_level": 9}`, ""},
		{"explain: a pain of 9 beside the profile's belly pain", "/explain?pain_level=9", `{"profile": {"red_flags": ["abdominal_pain_or_pulsation"]}, "movement": "walking"}`, recommend.UrgencyEmergency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", tt.target, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			checkDoc(t, "POST", req.URL.Path, rec)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", rec.Code, cut(rec.Body.String()))
			}
			var e invalidProfileError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
				t.Fatal(err)
			}
			if got := firstReferral(t, e.Result); got != tt.want {
				t.Errorf("first referral %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRecommendReadsAWrappedProfile checks that an explain request posted
// to /recommend, whose profile is wrapped under "profile", gets the
// referrals of that profile, and that a red flag given beside the
// wrapper counts on both routes: the body's fields and the wrapped
// profile are read as one profile for the 400's referrals. Before,
// /recommend read the wrapped profile only for the names it held whole,
// so a misspelt red flag gave no referral and belly pain with a pain of
// 9 the urgent review; and /explain did not read a red flag beside the
// profile at all, so saddle numbness there gave no referral.
func TestRecommendReadsAWrappedProfile(t *testing.T) {
	s, _ := newServer(t, Config{})
	tests := []struct {
		name, body string
		want       recommend.Urgency
		explain400 bool // /explain refuses it too, with the same referral
	}{
		{"a red flag misspelt", `{"profile": {"red_flags": ["saddle_numbnes"]}, "movement": "walking"}`, recommend.UrgencyEmergency, true},
		{"belly pain with a pain of 9", `{"profile": {"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 9}, "movement": "walking"}`, recommend.UrgencyEmergency, false},
		{"belly pain with a pain of 2", `{"profile": {"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 2}, "movement": "walking"}`, recommend.UrgencyUrgent, false},
		{"a condition misspelt inside, a cancer outside", `{"red_flags": ["history_of_cancer"], "profile": {"conditions": ["sciatca"]}}`, recommend.UrgencyEmergency, true},
		{"a red flag beside the profile", `{"red_flags": ["saddle_numbness"], "profile": {}, "movement": "walking"}`, recommend.UrgencyEmergency, true},
		{"a red flag misspelt beside the profile", `{"red_flags": ["saddle_numbnes"], "profile": {"age": 40}, "movement": "walking"}`, recommend.UrgencyEmergency, true},
		{"the profile given twice, the higher pain first", `{"profile": {"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 9}, "profile": {"pain_level": 2}, "movement": "walking"}`, recommend.UrgencyEmergency, true},
		{"after a byte order mark", "\uFEFF" + `{"red_flags": ["saddle_numbnes"], "profile": {"age": 40}, "movement": "walking"}`, recommend.UrgencyEmergency, true},
		// A syntax error after the profile, or in it, hides nothing the
		// profile says before the error.
		{"a trailing comma after the wrapper", `{"profile": {"red_flags": ["saddle_numbnes"]}, "movement": "walking",}`, recommend.UrgencyEmergency, true},
		{"a trailing comma, belly pain with a pain of 9", `{"profile": {"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 9}, "movement": "walking",}`, recommend.UrgencyEmergency, true},
		{"a trailing comma in the profile", `{"profile": {"red_flags": ["saddle_numbnes"],}, "movement": "walking"}`, recommend.UrgencyEmergency, true},
		{"a missing comma in the profile, after the pain", `{"profile": {"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 9 "age": 40}, "movement": "walking"}`, recommend.UrgencyEmergency, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]recommend.Urgency{}
			for _, path := range []string{"/recommend", "/explain"} {
				req := httptest.NewRequest("POST", path, strings.NewReader(tt.body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				s.Handler().ServeHTTP(rec, req)
				checkDoc(t, "POST", path, rec)
				got[path+" as text"] = unsupportedReferral(t, s, path, tt.body)
				switch {
				case path == "/explain" && rec.Code == http.StatusOK:
					// A valid explain request: an explanation, with
					// no referral to compare.
					continue
				case rec.Code != http.StatusBadRequest:
					t.Fatalf("%s: status %d, want 400: %s", path, rec.Code, cut(rec.Body.String()))
				}
				var e invalidProfileError
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
					t.Fatal(err)
				}
				got[path] = firstReferral(t, e.Result)
			}
			// Sent as text, each route answers 415 with the referrals.
			want := map[string]recommend.Urgency{"/recommend": tt.want, "/recommend as text": tt.want, "/explain as text": tt.want}
			if tt.explain400 {
				want["/explain"] = tt.want
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("first referral by route (-want +got):\n%s", diff)
			}
		})
	}
}

// unsupportedReferral posts body to path as text/plain, which path
// refuses with 415, and returns the first referral of the 415.
func unsupportedReferral(t *testing.T, s *Server, path, body string) recommend.Urgency {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "text/plain")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusUnsupportedMediaType {
		t.Fatalf("%s as text: status %d, want 415: %s", path, rec.Code, cut(rec.Body.String()))
	}
	var e invalidProfileError
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	return firstReferral(t, e.Result)
}
