package cdshooks_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/backrules/backrules/cdshooks"
	"github.com/google/go-cmp/cmp"
)

// TestFeedback posts the specification's three feedback examples
// (testdata/cdshooks/requests/feedback), each a 200 whose entries reach the
// events without the user's comment, and invalid bodies, each a 400
// naming the field.
func TestFeedback(t *testing.T) {
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	examples := []struct {
		file string
		want []cdshooks.FeedbackRecord
	}{
		{"spec-accepted.json", []cdshooks.FeedbackRecord{{Card: "4e0a3a1e-3283-4575-ab82-028d55fe2719", Outcome: "accepted",
			AcceptedSuggestions: 1, OutcomeTimestamp: ts("2021-12-11T10:05:31Z")}}},
		{"spec-overridden.json", []cdshooks.FeedbackRecord{{Card: "f6b95768-b1c8-40dc-8385-bf3504b82ffb", Outcome: "overridden",
			OutcomeTimestamp: ts("2020-12-11T00:00:00Z")}}},
		{"spec-override-reason.json", []cdshooks.FeedbackRecord{{Card: "9368d37b-283f-44a0-93ea-547cebab93ed", Outcome: "overridden",
			// The example's reason is not one the cards offer: recorded
			// as given, without its code.
			OtherOverrideReason: true, OutcomeTimestamp: ts("2020-12-11T00:00:00Z")}}},
	}
	for _, tt := range examples {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(requestsDir, "feedback", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var events []cdshooks.Event
			svc := newService(t, cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
			rec := callWith(t, svc, cdshooks.FeedbackPath, "", body)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if len(events) != 1 || events[0].Route != cdshooks.RouteFeedback || events[0].Outcome != cdshooks.OutcomeFeedback {
				t.Fatalf("events %+v", events)
			}
			if diff := cmp.Diff(tt.want, events[0].Feedback); diff != "" {
				t.Errorf("feedback recorded (-want +got):\n%s", diff)
			}
			if strings.Contains(string(mustJSON(t, events[0])), "comment") {
				t.Errorf("the event keeps the user's comment: %s", mustJSON(t, events[0]))
			}
		})
	}

	invalid := []struct {
		name, body string
		want       errorBody
	}{
		{"not JSON", `{`, errorBody{Status: 400, Error: "invalid JSON: the text ends before the JSON value does", Line: 1, Column: 1}},
		{"empty list", `{"feedback": []}`, errorBody{Status: 400, Field: "feedback", Error: `missing: send {"feedback": [...]} with one entry per card`}},
		{"no card", `{"feedback": [{"outcome": "overridden", "outcomeTimestamp": "2020-12-11T00:00:00Z"}]}`,
			errorBody{Status: 400, Field: "feedback[0].card", Error: cardNotUUID}},
		{"other outcome", `{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "ignored", "outcomeTimestamp": "2020-12-11T00:00:00Z"}]}`,
			errorBody{Status: 400, Field: "feedback[0].outcome", Error: `must be accepted or overridden, found "ignored"`}},
		{"accepted without suggestions", `{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "accepted", "outcomeTimestamp": "2020-12-11T00:00:00Z"}]}`,
			errorBody{Status: 400, Field: "feedback[0].acceptedSuggestions", Error: "required when the outcome is accepted"}},
		{"suggestion without id", `{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "accepted", "acceptedSuggestions": [{}], "outcomeTimestamp": "2020-12-11T00:00:00Z"}]}`,
			errorBody{Status: 400, Field: "feedback[0].acceptedSuggestions[0].id", Error: "missing: the suggestion's uuid"}},
		{"reason without system", `{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "overridden", "overrideReason": {"reason": {"code": "x"}}, "outcomeTimestamp": "2020-12-11T00:00:00Z"}]}`,
			errorBody{Status: 400, Field: "feedback[0].overrideReason.reason", Error: "a Coding needs system and code"}},
		{"empty overrideReason", `{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "overridden", "overrideReason": {}, "outcomeTimestamp": "2020-12-11T00:00:00Z"}]}`,
			errorBody{Status: 400, Field: "feedback[0].overrideReason", Error: "give a reason, a userComment or both"}},
		{"no timestamp", `{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "overridden"}]}`,
			errorBody{Status: 400, Field: "feedback[0].outcomeTimestamp", Error: `must be an RFC 3339 date-time, such as 2021-12-11T10:05:31Z, found ""`}},
		{"a date only", `{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "overridden", "outcomeTimestamp": "2020-12-11"}]}`,
			errorBody{Status: 400, Field: "feedback[0].outcomeTimestamp", Error: `must be an RFC 3339 date-time, such as 2021-12-11T10:05:31Z, found "2020-12-11"`}},
		{"no offset", `{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "overridden", "outcomeTimestamp": "2020-12-11T10:05:31"}]}`,
			errorBody{Status: 400, Field: "feedback[0].outcomeTimestamp", Error: `must be an RFC 3339 date-time, such as 2021-12-11T10:05:31Z, found "2020-12-11T10:05:31"`}},
		{"a second of 61", `{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "overridden", "outcomeTimestamp": "1990-12-31T23:59:61Z"}]}`,
			errorBody{Status: 400, Field: "feedback[0].outcomeTimestamp", Error: `must be an RFC 3339 date-time, such as 2021-12-11T10:05:31Z, found "1990-12-31T23:59:61Z"`}},
		{"a letter other than t or z", `{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "overridden", "outcomeTimestamp": "1990-12-31x23:59:59Z"}]}`,
			errorBody{Status: 400, Field: "feedback[0].outcomeTimestamp", Error: `must be an RFC 3339 date-time, such as 2021-12-11T10:05:31Z, found "1990-12-31x23:59:59Z"`}},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			rec := callWith(t, newService(t), cdshooks.FeedbackPath, "", []byte(tt.body))
			if diff := cmp.Diff(tt.want, decodeError(t, rec)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// cardNotUUID is the error of a feedback entry whose card is not a UUID.
const cardNotUUID = "must be the card's uuid, as the service answered it: 32 hexadecimal digits in groups of 8, 4, 4, 4 and 12"

// TestFeedbackKeepsNoFreeText checks that nothing a client writes freely
// in feedback reaches the events (and so the decision log): a card that is
// not a UUID is a 400 naming the field, without repeating the value; an
// override reason is kept only when it is one the cards offer, and
// otherwise recorded as another reason, without its text; accepted
// suggestions are counted, never kept. The card uuid is kept in lower
// case, as the cards give it.
func TestFeedbackKeepsNoFreeText(t *testing.T) {
	const (
		card     = "4e0a3a1e-3283-4575-ab82-028d55fe2719"
		when     = `"outcomeTimestamp": "2020-12-11T00:00:00Z"`
		personal = "Jane Doe born 1961-04-02 MRN 12345"
	)
	at := time.Date(2020, 12, 11, 0, 0, 0, 0, time.UTC)
	overridden := func(cardText, reason string) string {
		if reason != "" {
			reason = `, "overrideReason": {"reason": ` + reason + `, "userComment": "` + personal + `"}`
		}
		return `{"feedback": [{"card": "` + cardText + `", "outcome": "overridden"` + reason + `, ` + when + `}]}`
	}
	tests := []struct {
		name, body string
		want       []cdshooks.FeedbackRecord // nil: a 400
		wantErr    errorBody
	}{
		{"a card that is free text", overridden(personal, ""), nil,
			errorBody{Status: 400, Field: "feedback[0].card", Error: cardNotUUID}},
		{"a card that is a UUID urn", overridden("urn:uuid:"+card, ""), nil,
			errorBody{Status: 400, Field: "feedback[0].card", Error: cardNotUUID}},
		{"a card that is a UUID with text after it", overridden(card+` `+personal, ""), nil,
			errorBody{Status: 400, Field: "feedback[0].card", Error: cardNotUUID}},
		{"a card that is a UUID and a newline", overridden(card+`\n`, ""), nil,
			errorBody{Status: 400, Field: "feedback[0].card", Error: cardNotUUID}},
		{"a card without dashes", overridden(strings.ReplaceAll(card, "-", ""), ""), nil,
			errorBody{Status: 400, Field: "feedback[0].card", Error: cardNotUUID}},
		{"a card of 36 characters that are not hexadecimal", overridden("4e0a3a1e-3283-4575-ab82-028d55fe27zz", ""), nil,
			errorBody{Status: 400, Field: "feedback[0].card", Error: cardNotUUID}},
		{"a second entry's card that is free text",
			`{"feedback": [{"card": "` + card + `", "outcome": "overridden", ` + when + `}, {"card": "` + personal + `", "outcome": "overridden", ` + when + `}]}`, nil,
			errorBody{Status: 400, Field: "feedback[1].card", Error: cardNotUUID}},
		{"a card in upper case, kept in lower case", overridden(strings.ToUpper(card), ""),
			[]cdshooks.FeedbackRecord{{Card: card, Outcome: "overridden", OutcomeTimestamp: at}}, errorBody{}},
		{"a reason the cards offer", overridden(card, `{"system": "`+cdshooks.OverrideReasonSystem+`", "code": "already-referred", "display": "`+personal+`"}`),
			[]cdshooks.FeedbackRecord{{Card: card, Outcome: "overridden",
				OverrideReason: &cdshooks.Coding{System: cdshooks.OverrideReasonSystem, Code: "already-referred"}, OutcomeTimestamp: at}}, errorBody{}},
		{"free text as the code of the service's system", overridden(card, `{"system": "`+cdshooks.OverrideReasonSystem+`", "code": "`+personal+`"}`),
			[]cdshooks.FeedbackRecord{{Card: card, Outcome: "overridden", OtherOverrideReason: true, OutcomeTimestamp: at}}, errorBody{}},
		{"an offered code in upper case", overridden(card, `{"system": "`+cdshooks.OverrideReasonSystem+`", "code": "ALREADY-REFERRED"}`),
			[]cdshooks.FeedbackRecord{{Card: card, Outcome: "overridden", OtherOverrideReason: true, OutcomeTimestamp: at}}, errorBody{}},
		{"an offered code of another system", overridden(card, `{"system": "https://example.com/`+strings.ReplaceAll(personal, " ", "-")+`", "code": "already-referred"}`),
			[]cdshooks.FeedbackRecord{{Card: card, Outcome: "overridden", OtherOverrideReason: true, OutcomeTimestamp: at}}, errorBody{}},
		{"a comment alone", `{"feedback": [{"card": "` + card + `", "outcome": "overridden", "overrideReason": {"userComment": "` + personal + `"}, ` + when + `}]}`,
			[]cdshooks.FeedbackRecord{{Card: card, Outcome: "overridden", OutcomeTimestamp: at}}, errorBody{}},
		{"accepted suggestions whose ids are free text",
			`{"feedback": [{"card": "` + card + `", "outcome": "accepted", "acceptedSuggestions": [{"id": "` + personal + `"}, {"id": "MRN 12345"}], ` + when + `}]}`,
			[]cdshooks.FeedbackRecord{{Card: card, Outcome: "accepted", AcceptedSuggestions: 2, OutcomeTimestamp: at}}, errorBody{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events []cdshooks.Event
			svc := newService(t, cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
			rec := callWith(t, svc, cdshooks.FeedbackPath, "", []byte(tt.body))
			if len(events) != 1 {
				t.Fatalf("%d events, want 1", len(events))
			}
			if tt.want == nil {
				if diff := cmp.Diff(tt.wantErr, decodeError(t, rec)); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
			} else if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if diff := cmp.Diff(tt.want, events[0].Feedback); diff != "" {
				t.Errorf("feedback recorded (-want +got):\n%s", diff)
			}
			for _, out := range []string{string(mustJSON(t, events[0])), rec.Body.String()} {
				for _, s := range []string{"Jane", "1961", "12345", "MRN"} {
					if strings.Contains(out, s) {
						t.Errorf("%q is kept or repeated: %s", s, out)
					}
				}
			}
		})
	}
}

// TestFeedbackStrict checks that a feedback body is read as strictly as a
// service call: a key that is unknown, in the wrong case or given twice is
// a 400 naming the key, with its line and column, where encoding/json
// would ignore it, match it regardless of case or keep the last value.
// The extension objects CDS Hooks reserves are taken, and an
// outcomeTimestamp with an offset other than Z is taken and kept in UTC.
func TestFeedbackStrict(t *testing.T) {
	const entry = `"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "overridden", "outcomeTimestamp": "2020-12-11T00:00:00Z"`
	invalid := []struct {
		name, body string
		want       errorBody
	}{
		{"unknown key in the body", `{"feedback": [{` + entry + `}], "feedbak": []}`,
			errorBody{Status: 400, Field: "feedbak", Error: "unknown key: the keys here are feedback and extension", Line: 1, Column: 135}},
		{"unknown key in an entry", `{"feedback": [{` + entry + `, "outcom": "accepted"}]}`,
			errorBody{Status: 400, Field: "feedback[0].outcom",
				Error: "unknown key: the keys here are card, outcome, acceptedSuggestions, overrideReason, outcomeTimestamp and extension", Line: 1, Column: 133}},
		{"unknown key in an override reason", `{"feedback": [{` + entry + `, "overrideReason": {"reasons": {"system": "s", "code": "c"}}}]}`,
			errorBody{Status: 400, Field: "feedback[0].overrideReason.reasons",
				Error: "unknown key: the keys here are reason, userComment and extension", Line: 1, Column: 152}},
		{"unknown key in a reason's Coding", `{"feedback": [{` + entry + `, "overrideReason": {"reason": {"system": "s", "code": "c", "version": "1"}}}]}`,
			errorBody{Status: 400, Field: "feedback[0].overrideReason.reason.version",
				Error: "unknown key: the keys here are system, code and display", Line: 1, Column: 191}},
		{"key in the wrong case", `{"feedback": [{"Card": "a", "outcome": "overridden", "outcomeTimestamp": "2020-12-11T00:00:00Z"}]}`,
			errorBody{Status: 400, Field: "feedback[0].Card", Error: `wrong case: JSON keys are case-sensitive; write "card"`, Line: 1, Column: 16}},
		{"body key in the wrong case", `{"Feedback": [{` + entry + `}]}`,
			errorBody{Status: 400, Field: "Feedback", Error: `wrong case: JSON keys are case-sensitive; write "feedback"`, Line: 1, Column: 2}},
		{"outcome given twice", `{"feedback": [{` + entry + `, "outcome": "accepted"}]}`,
			errorBody{Status: 400, Field: "feedback[0].outcome",
				Error: "the key is given twice in one object: JSON keys must be unique, and the service does not guess which value is meant", Line: 1, Column: 133}},
		{"feedback given twice", `{"feedback": [{` + entry + `}], "feedback": [{` + entry + `}]}`,
			errorBody{Status: 400, Field: "feedback",
				Error: "the key is given twice in one object: JSON keys must be unique, and the service does not guess which value is meant", Line: 1, Column: 135}},
		{"a key twice in an extension", `{"feedback": [{` + entry + `, "extension": {"com.example.a": 1, "com.example.a": 2}}]}`,
			errorBody{Status: 400, Field: `feedback[0].extension."com.example.a"`,
				Error: "the key is given twice in one object: JSON keys must be unique, and the service does not guess which value is meant", Line: 1, Column: 167}},
		{"an extension that is not an object", `{"feedback": [{` + entry + `}], "extension": "x"}`,
			errorBody{Status: 400, Field: "extension", Error: "must be an object, found a string"}},
		{"a list, not an object", `[]`, errorBody{Status: 400, Error: "must be an object, found an array"}},
		{"not UTF-8", "{\"feedback\": \"\xff\"}", errorBody{Status: 400, Error: "the body is not valid UTF-8 JSON (byte 0xff here): send it encoded as UTF-8", Line: 1, Column: 15}},
		{"not UTF-8 on a later line, after a character of two bytes", "{\"feedback\":\n [\"\u00e9\xe9\"]}", errorBody{Status: 400, Error: "the body is not valid UTF-8 JSON (byte 0xe9 here): send it encoded as UTF-8", Line: 2, Column: 5}},
		{"empty", " ", errorBody{Status: 400, Error: "the body is empty: send the feedback as JSON"}},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			var events []cdshooks.Event
			svc := newService(t, cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
			rec := callWith(t, svc, cdshooks.FeedbackPath, "", []byte(tt.body))
			if diff := cmp.Diff(tt.want, decodeError(t, rec)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if len(events) != 1 || events[0].Outcome != cdshooks.OutcomeBadRequest || len(events[0].Feedback) != 0 {
				t.Errorf("events %+v: want one bad_request without feedback", events)
			}
		})
	}

	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	valid := []struct {
		name, body string
		want       []cdshooks.FeedbackRecord
	}{
		{"extensions where CDS Hooks reserves them",
			`{"feedback": [{` + entry + `, "overrideReason": {"reason": {"system": "s", "code": "c", "display": "d"}, "extension": {"com.example.a": {}}},
			"extension": {"com.example.b": [1]}}], "extension": {"com.example.c": "x"}}`,
			[]cdshooks.FeedbackRecord{{Card: "4e0a3a1e-3283-4575-ab82-028d55fe2719", Outcome: "overridden", OtherOverrideReason: true, OutcomeTimestamp: ts("2020-12-11T00:00:00Z")}}},
		{"an accepted suggestion with an extension",
			`{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "accepted", "acceptedSuggestions": [{"id": "s1", "extension": {}}], "outcomeTimestamp": "2020-12-11T00:00:00.52Z"}]}`,
			[]cdshooks.FeedbackRecord{{Card: "4e0a3a1e-3283-4575-ab82-028d55fe2719", Outcome: "accepted", AcceptedSuggestions: 1, OutcomeTimestamp: ts("2020-12-11T00:00:00.52Z")}}},
		// CDS Hooks asks for UTC; an RFC 3339 offset names the same
		// instant, so it is taken and the instant kept in UTC.
		// RFC 3339 (5.6) allows "t" and "z" in lower case, and a leap
		// second, which time.Parse refuses.
		{"t and z in lower case",
			`{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "overridden", "outcomeTimestamp": "1985-04-12t23:20:50.52z"}]}`,
			[]cdshooks.FeedbackRecord{{Card: "4e0a3a1e-3283-4575-ab82-028d55fe2719", Outcome: "overridden", OutcomeTimestamp: ts("1985-04-12T23:20:50.52Z")}}},
		{"a leap second, RFC 3339's own example",
			`{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "overridden", "outcomeTimestamp": "1990-12-31T23:59:60Z"}]}`,
			[]cdshooks.FeedbackRecord{{Card: "4e0a3a1e-3283-4575-ab82-028d55fe2719", Outcome: "overridden", OutcomeTimestamp: ts("1991-01-01T00:00:00Z")}}},
		{"a leap second with an offset",
			`{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "overridden", "outcomeTimestamp": "1990-12-31T15:59:60-08:00"}]}`,
			[]cdshooks.FeedbackRecord{{Card: "4e0a3a1e-3283-4575-ab82-028d55fe2719", Outcome: "overridden", OutcomeTimestamp: ts("1991-01-01T00:00:00Z")}}},
		{"an offset other than Z",
			`{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "overridden", "outcomeTimestamp": "2021-12-11T11:05:31+01:00"}]}`,
			[]cdshooks.FeedbackRecord{{Card: "4e0a3a1e-3283-4575-ab82-028d55fe2719", Outcome: "overridden", OutcomeTimestamp: ts("2021-12-11T10:05:31Z")}}},
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			var events []cdshooks.Event
			svc := newService(t, cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
			rec := callWith(t, svc, cdshooks.FeedbackPath, "", []byte(tt.body))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if len(events) != 1 {
				t.Fatalf("%d events, want 1", len(events))
			}
			if diff := cmp.Diff(tt.want, events[0].Feedback); diff != "" {
				t.Errorf("feedback recorded (-want +got):\n%s", diff)
			}
			if loc := events[0].Feedback[0].OutcomeTimestamp.Location(); loc != time.UTC {
				t.Errorf("outcome time in %v, want UTC", loc)
			}
		})
	}
}

// TestEventsKeepNoIdentifiers checks that the event of a service call
// holds the rule set, the rules, the urgencies, the card uuids and the
// hookInstance they are derived from, and none of the request's other
// identifiers or dates.
func TestEventsKeepNoIdentifiers(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(requestsDir, "disc-herniation.json"))
	if err != nil {
		t.Fatal(err)
	}
	var events []cdshooks.Event
	svc := newService(t, cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
	rec := callWith(t, svc, servicePath, "", body)
	if rec.Code != 200 || len(events) != 1 {
		t.Fatalf("status %d, %d events", rec.Code, len(events))
	}
	e := events[0]
	if e.Outcome != cdshooks.OutcomeCards || e.RuleSet != defaultEngine(t).RuleSet().Digest || len(e.Rules) == 0 || len(e.Cards) == 0 {
		t.Errorf("event %+v: want cards, the rule set's digest, the matched rules and the card uuids", e)
	}
	if diff := cmp.Diff("d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", e.HookInstance); diff != "" {
		t.Errorf("hookInstance (-want +got):\n%s", diff)
	}
	e.HookInstance = ""
	out := string(mustJSON(t, e))
	for _, id := range []string{"1288992", "d1577c69", "Practitioner", "1980-05-02", "M51.26"} {
		if strings.Contains(out, id) {
			t.Errorf("the event holds %q from the request: %s", id, out)
		}
	}
	// A 412 is an event too.
	events = nil
	callWith(t, svc, servicePath, "", []byte(`{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "1"}}`))
	if len(events) != 1 || events[0].Outcome != cdshooks.OutcomePrecondition || events[0].Status != 412 {
		t.Errorf("events %+v: want one precondition_failed", events)
	}
}
