package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestQueryParameters checks that POST /recommend and POST /explain
// refuse, with a 400 whose problems name each parameter, a query
// parameter they do not define (a profile field sent in the address
// among them: it must not be answered as if the profile lacked it), one
// given twice, a trace that is not true or false, and one that cannot be
// read, and take the ones they define; the 400 carries the referrals of
// the profile in the body and of a red flag the query names. The
// requests run in order on one
// server, so that a refused query also meets an answer kept in the
// answer cache for the same body.
func TestQueryParameters(t *testing.T) {
	s, _ := newServer(t, Config{})
	const (
		recommendOnly = "unknown query parameter: POST /recommend takes only trace; the profile goes in the body"
		explainNone   = "unknown query parameter: POST /explain takes no query parameters; the profile goes in the body"
		explainBody   = `{"profile": {"red_flags": ["saddle_numbness"]}, "movement": "walking"}`
	)
	tests := []struct {
		name, path, query, body string
		// want is the body's error and problems, for a 400; a 200 is
		// wanted when it is nil.
		want *apiError
		// referral is the urgency of the first referral of the 400's
		// result: the profile in the body, and a red flag in the
		// address, reach their referrals though the query is refused.
		referral recommend.Urgency
	}{
		{"recommend, no query", "/recommend", "", `{}`, nil, ""},
		{"recommend, no query, kept", "/recommend", "", `{}`, nil, ""},
		{"recommend, trace", "/recommend", "trace=true", `{}`, nil, ""},
		{"recommend, empty parts", "/recommend", "&trace=false&", `{}`, nil, ""},
		{"recommend, a red flag in the address", "/recommend", "red_flags=saddle_numbness", `{}`, &apiError{Status: 400, Error: "invalid query",
			Problems: []problem{{Field: "red_flags", Value: `"saddle_numbness"`, Message: recommendOnly}, {Field: "red_flags", Value: `"saddle_numbness"`, Message: namedFlagMessage}}}, recommend.UrgencyEmergency},
		{"recommend, profile fields with the trace", "/recommend", "trace=true&age=70&red_flags=saddle_numbness", `{}`, &apiError{Status: 400, Error: "invalid query",
			Problems: []problem{
				{Field: "age", Value: `"70"`, Message: recommendOnly},
				{Field: "red_flags", Value: `"saddle_numbness"`, Message: recommendOnly},
				{Field: "red_flags", Value: `"saddle_numbness"`, Message: namedFlagMessage},
			}}, recommend.UrgencyEmergency},
		{"recommend, a name in another case", "/recommend", "Trace=true", `{}`, &apiError{Status: 400, Error: "invalid query",
			Problems: []problem{{Field: "Trace", Value: `"true"`, Message: recommendOnly}}}, ""},
		{"recommend, trace twice", "/recommend", "trace=true&trace=false", `{}`, &apiError{Status: 400, Error: "invalid query",
			Problems: []problem{{Field: "trace", Message: "given more than once"}}}, ""},
		{"recommend, trace twice, once escaped", "/recommend", "trace=true&tr%61ce=true", `{}`, &apiError{Status: 400, Error: "invalid query",
			Problems: []problem{{Field: "trace", Message: "given more than once"}}}, ""},
		{"recommend, trace without a value", "/recommend", "trace", `{}`, &apiError{Status: 400, Error: "invalid query",
			Problems: []problem{{Field: "trace", Value: `""`, Message: "must be true or false"}}}, ""},
		{"recommend, trace empty", "/recommend", "trace=", `{}`, &apiError{Status: 400, Error: "invalid query",
			Problems: []problem{{Field: "trace", Value: `""`, Message: "must be true or false"}}}, ""},
		{"recommend, trace yes", "/recommend", "trace=yes", `{}`, &apiError{Status: 400, Error: "invalid query",
			Problems: []problem{{Field: "trace", Value: `"yes"`, Message: "must be true or false"}}}, ""},
		{"recommend, trace yes, a red flag in the body", "/recommend", "trace=yes", `{"red_flags": ["leg_weakness"]}`, &apiError{Status: 400, Error: "invalid query",
			Problems: []problem{{Field: "trace", Value: `"yes"`, Message: "must be true or false"}}}, recommend.UrgencyUrgent},
		{"recommend, semicolon", "/recommend", "trace=true;red_flags=saddle_numbness", `{}`, &apiError{Status: 400, Error: "invalid query",
			Problems: []problem{{Field: "trace", Value: `"trace=true;red_flags=saddle_numbness"`, Message: "a semicolon does not separate query parameters: use &"}, {Field: "red_flags", Value: `"saddle_numbness"`, Message: namedFlagMessage}}}, recommend.UrgencyEmergency},
		{"recommend, malformed escape", "/recommend", "red%zzflags=saddle_numbness", `{}`, &apiError{Status: 400, Error: "invalid query",
			Problems: []problem{{Field: "red%zzflags", Value: `"red%zzflags=saddle_numbness"`, Message: "malformed query parameter: a % must start an escape such as %20"}, {Field: "red_flags", Value: `"saddle_numbness"`, Message: namedFlagMessage}}}, recommend.UrgencyEmergency},
		{"explain, no query", "/explain", "", explainBody, nil, ""},
		{"explain, trace", "/explain", "trace=true", explainBody, &apiError{Status: 400, Error: "invalid query",
			Problems: []problem{{Field: "trace", Value: `"true"`, Message: explainNone}}}, recommend.UrgencyEmergency},
		{"explain, movement in the address", "/explain", "movement=referral", explainBody, &apiError{Status: 400, Error: "invalid query",
			Problems: []problem{{Field: "movement", Value: `"referral"`, Message: explainNone}}}, recommend.UrgencyEmergency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.path
			if tt.query != "" {
				target += "?" + tt.query
			}
			rec := do(t, s.Handler(), "POST", target, tt.body)
			checkDoc(t, "POST", tt.path, rec)
			if tt.want == nil {
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d, want 200; body %s", rec.Code, rec.Body)
				}
				return
			}
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", rec.Code, rec.Body)
			}
			var got invalidProfileError
			dec := json.NewDecoder(strings.NewReader(rec.Body.String()))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("body %s: %v", rec.Body, err)
			}
			if diff := cmp.Diff(*tt.want, got.apiError); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if referral := firstReferral(t, got.Result); referral != tt.referral {
				t.Errorf("first referral %q, want %q", referral, tt.referral)
			}
		})
	}
}
