package cdshooks_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// The code systems of Condition's statuses, in R4 and in STU3.
const (
	clinicalR4   = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	verR4        = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
	clinicalSTU3 = "http://hl7.org/fhir/condition-clinical"
	verSTU3      = "http://hl7.org/fhir/condition-ver-status"
)

// Codings of the test engine: a red flag (an emergency) and a condition.
const (
	saddleCode   = `{"system": "` + testOnlySystem + `", "code": "saddle-numbness"}`
	sciaticaCode = `{"system": "http://snomed.info/sct", "code": "23056005"}`
	unknownCode  = `{"system": "http://example.org/local", "code": "42"}`
)

// saddle is the profile's red flags when the saddle numbness Condition
// counts.
var saddle = []string{"saddle_numbness"}

// status is a clinicalStatus or verificationStatus of one coding.
func status(field, system, code string) string {
	return `"` + field + `": {"coding": [{"system": "` + system + `", "code": "` + code + `"}]}`
}

// active is the clinicalStatus of an active Condition.
var active = status("clinicalStatus", clinicalR4, "active")

// condition is an entry of a Condition with the given fields besides
// resourceType, subject and code, and the given codings.
func condition(fields string, codings ...string) string {
	if fields != "" {
		fields += ", "
	}
	return `{"resource": {"resourceType": "Condition", ` + fields +
		`"subject": {"reference": "Patient/p"}, "code": {"coding": [` + strings.Join(codings, ", ") + `]}}}`
}

// request is a patient-view request for patient p whose conditions
// Bundle has the given entries; bundle adds fields to the Bundle.
func request(bundle string, entries ...string) string {
	if bundle != "" {
		bundle += ", "
	}
	return `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
		"prefetch": {"pastConditions": null, "patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "conditions": {"resourceType": "Bundle", "type": "searchset", ` + bundle +
		`"entry": [` + strings.Join(entries, ",\n") + `]}}}`
}

// mapBody decodes and maps a request body with the test engine, today.
func mapBody(t *testing.T, body string) (*cdshooks.Mapping, error) {
	t.Helper()
	return mapBodyAt(t, body, today)
}

// mapBodyAt decodes and maps a request body with the test engine at now.
func mapBodyAt(t *testing.T, body string, now time.Time) (*cdshooks.Mapping, error) {
	t.Helper()
	req, err := cdshooks.DecodeRequest([]byte(body))
	if err != nil {
		return nil, err
	}
	return cdshooks.MapRequest(req, testEngine(t).Vocabulary(), now)
}

// notes returns the entry and reason of each note.
func notes(ns []cdshooks.ConditionNote) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Entry+": "+n.Reason)
	}
	return out
}

// TestConditionStatus counts a Condition unless its status says, in the
// R4 code systems, that it is not active, refuted or entered in error; a
// status that cannot be read counts (erring toward a referral) and is
// reported, and a Condition left out is reported too.
func TestConditionStatus(t *testing.T) {
	const entry = "prefetch.conditions.entry[0].resource: "
	const assumed = ": counted as active, erring toward a referral"
	tests := []struct {
		name, fields string
		counted      bool
		skipped      string // the reason it is skipped, if it is
		assumed      string // the reason it is counted with doubt, if it is
	}{
		{name: "active", fields: active, counted: true},
		{name: "recurrence", fields: status("clinicalStatus", clinicalR4, "recurrence"), counted: true},
		{name: "relapse", fields: status("clinicalStatus", clinicalR4, "relapse"), counted: true},
		{name: "inactive", fields: status("clinicalStatus", clinicalR4, "inactive"), skipped: "clinicalStatus is inactive"},
		{name: "remission", fields: status("clinicalStatus", clinicalR4, "remission"), skipped: "clinicalStatus is remission"},
		{name: "resolved", fields: status("clinicalStatus", clinicalR4, "resolved"), skipped: "clinicalStatus is resolved"},
		{name: "refuted", fields: active + ", " + status("verificationStatus", verR4, "refuted"),
			skipped: "verificationStatus is refuted"},
		{name: "entered in error, without a clinicalStatus", fields: status("verificationStatus", verR4, "entered-in-error"),
			skipped: "verificationStatus is entered-in-error"},
		{name: "refuted and resolved", fields: status("clinicalStatus", clinicalR4, "resolved") + ", " + status("verificationStatus", verR4, "refuted"),
			skipped: "verificationStatus is refuted"},
		{name: "unconfirmed", fields: active + ", " + status("verificationStatus", verR4, "unconfirmed"), counted: true},
		{name: "provisional", fields: active + ", " + status("verificationStatus", verR4, "provisional"), counted: true},
		{name: "differential", fields: active + ", " + status("verificationStatus", verR4, "differential"), counted: true},
		{name: "confirmed", fields: active + ", " + status("verificationStatus", verR4, "confirmed"), counted: true},
		{name: "verificationStatus without a coding", fields: active + `, "verificationStatus": {"text": "refuted"}`, counted: true},

		{name: "clinicalStatus missing", fields: status("verificationStatus", verR4, "confirmed"), counted: true,
			assumed: "clinicalStatus is missing"},
		{name: "clinicalStatus without a coding", fields: `"clinicalStatus": {"coding": [], "text": "resolved"}`, counted: true,
			assumed: "clinicalStatus is missing"},
		{name: "clinicalStatus null", fields: `"clinicalStatus": null`, counted: true, assumed: "clinicalStatus is missing"},
		{name: "no system, active", fields: `"clinicalStatus": {"coding": [{"code": "active"}]}`, counted: true,
			assumed: `clinicalStatus "active" has no system (R4 uses ` + clinicalR4 + `)`},
		{name: "no system, resolved", fields: `"clinicalStatus": {"coding": [{"code": "resolved"}]}`, counted: true,
			assumed: `clinicalStatus "resolved" has no system (R4 uses ` + clinicalR4 + `)`},
		{name: "STU3 system, resolved", fields: status("clinicalStatus", clinicalSTU3, "resolved"), counted: true,
			assumed: `clinicalStatus "resolved" is of ` + clinicalSTU3 + `, the code system of FHIR STU3 (R4 uses ` + clinicalR4 + `)`},
		{name: "another system, active", fields: status("clinicalStatus", "http://example.org", "active"), counted: true,
			assumed: `clinicalStatus "active" is of "http://example.org", not of ` + clinicalR4},
		{name: "a code R4 does not have", fields: status("clinicalStatus", clinicalR4, "Resolved"), counted: true,
			assumed: `clinicalStatus has a code that is not a code of ` + clinicalR4},
		{name: "two R4 codes that disagree", fields: `"clinicalStatus": {"coding": [{"system": "` + clinicalR4 + `", "code": "resolved"}, {"system": "` + clinicalR4 + `", "code": "active"}]}`,
			counted: true, assumed: `clinicalStatus has two codes of ` + clinicalR4 + `, "resolved" and "active"`},
		{name: "the same R4 code twice", fields: `"clinicalStatus": {"coding": [{"system": "` + clinicalR4 + `", "code": "resolved"}, {"system": "` + clinicalR4 + `", "code": "resolved"}]}`,
			skipped: "clinicalStatus is resolved"},
		{name: "an STU3 code, then R4 resolved", fields: `"clinicalStatus": {"coding": [{"system": "` + clinicalSTU3 + `", "code": "active"}, {"system": "` + clinicalR4 + `", "code": "resolved"}]}`,
			skipped: "clinicalStatus is resolved"},
		{name: "R4 active, then an STU3 code", fields: `"clinicalStatus": {"coding": [{"system": "` + clinicalR4 + `", "code": "active"}, {"system": "` + clinicalSTU3 + `", "code": "resolved"}]}`,
			counted: true},
		{name: "STU3 refuted", fields: active + ", " + status("verificationStatus", verSTU3, "refuted"), counted: true,
			assumed: `verificationStatus "refuted" is of ` + verSTU3 + `, the code system of FHIR STU3 (R4 uses ` + verR4 + `)`},
		{name: "refuted without a system", fields: active + `, "verificationStatus": {"coding": [{"code": "refuted"}]}`, counted: true,
			assumed: `verificationStatus "refuted" has no system (R4 uses ` + verR4 + `)`},
		{name: "a verificationStatus code R4 does not have", fields: active + ", " + status("verificationStatus", verR4, "doubtful"), counted: true,
			assumed: `verificationStatus has a code that is not a code of ` + verR4},
		{name: "neither status can be read", fields: status("verificationStatus", verSTU3, "entered-in-error"), counted: true,
			assumed: `clinicalStatus is missing; verificationStatus "entered-in-error" is of ` + verSTU3 + `, the code system of FHIR STU3 (R4 uses ` + verR4 + `)`},
		{name: "resolved, STU3 refuted", fields: status("clinicalStatus", clinicalR4, "resolved") + ", " + status("verificationStatus", verSTU3, "refuted"),
			skipped: "clinicalStatus is resolved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mapBody(t, request("", condition(tt.fields, saddleCode)))
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			if tt.counted {
				want = saddle
			}
			if diff := cmp.Diff(want, m.Profile.RedFlags); diff != "" {
				t.Errorf("red flags mismatch (-want +got):\n%s", diff)
			}
			var wantSkipped, wantAssumed []string
			if tt.skipped != "" {
				wantSkipped = []string{entry + tt.skipped}
			}
			if tt.assumed != "" {
				wantAssumed = []string{entry + tt.assumed + assumed}
			}
			if diff := cmp.Diff(wantSkipped, notes(m.Skipped)); diff != "" {
				t.Errorf("skipped mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantAssumed, notes(m.Assumed)); diff != "" {
				t.Errorf("assumed active mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestConditionNote checks what a note says of its Condition: where it
// is, its id and its codes.
func TestConditionNote(t *testing.T) {
	m, err := mapBody(t, request("",
		condition(active, sciaticaCode),
		`{"resource": {"resourceType": "Condition", "id": "c9", `+status("clinicalStatus", clinicalR4, "resolved")+`,
			"code": {"coding": [`+saddleCode+`, {"system": "http://example.org/local", "code": "7", "display": "Seven"}]}}}`,
		`{"resource": {"resourceType": "Condition", "id": "c10"}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []cdshooks.ConditionNote{
		{Entry: "prefetch.conditions.entry[1].resource", ID: "c9", Reason: "clinicalStatus is resolved", Codes: []cdshooks.Coding{
			{System: testOnlySystem, Code: "saddle-numbness"}, {System: "http://example.org/local", Code: "7", Display: "Seven"}}},
		{Entry: "prefetch.conditions.entry[2].resource", ID: "c10", Reason: "its code has no coding with a code to look up in the vocabulary"},
	}
	if diff := cmp.Diff(want, m.Skipped); diff != "" {
		t.Errorf("skipped mismatch (-want +got):\n%s", diff)
	}
	wantAssumed := []cdshooks.ConditionNote{{Entry: "prefetch.conditions.entry[2].resource", ID: "c10",
		Reason: "clinicalStatus is missing: counted as active, erring toward a referral"}}
	if diff := cmp.Diff(wantAssumed, m.Assumed); diff != "" {
		t.Errorf("assumed active mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"sciatica"}, m.Profile.Conditions); diff != "" {
		t.Errorf("conditions mismatch (-want +got):\n%s", diff)
	}
	if len(m.Profile.RedFlags) != 0 || len(m.Unknown) != 0 {
		t.Errorf("a skipped Condition's codes were used: red flags %v, unknown %v", m.Profile.RedFlags, m.Unknown)
	}
}

// TestRedFlagAfterEntry puts a red-flag Condition after each kind of
// entry the mapping passes over, and after each kind of coding, so that
// passing over one never ends the reading of the Bundle or the code.
func TestRedFlagAfterEntry(t *testing.T) {
	redFlag := condition(active, saddleCode)
	tests := []struct {
		name     string
		entries  []string
		conds    []string
		unknown  int
		skipped  int
		assumed  int
		unread   int // entries that could not be read, with the 412 of a search that failed in part
		noFlagOK bool
	}{
		{name: "a null resource", entries: []string{`{"resource": null}`, redFlag}, unread: 1},
		{name: "an entry without a resource", entries: []string{`{"fullUrl": "urn:uuid:1"}`, redFlag}, unread: 1},
		{name: "an included resource", entries: []string{`{"search": {"mode": "include"}, "resource": {"resourceType": "Patient", "id": "p"}}`, redFlag}},
		{name: "an informational OperationOutcome", entries: []string{`{"search": {"mode": "outcome"}, "resource": {"resourceType": "OperationOutcome", "issue": [{"severity": "information"}]}}`, redFlag}},
		{name: "a Condition without a code", entries: []string{`{"resource": {"resourceType": "Condition", ` + active + `}}`, redFlag}, skipped: 1},
		{name: "a Condition with an empty coding", entries: []string{condition(active, `{}`), redFlag}, skipped: 1},
		{name: "a Condition with an unknown code", entries: []string{condition(active, unknownCode), redFlag}, unknown: 1},
		{name: "a Condition with an unknown code met before", entries: []string{condition(active, unknownCode), condition(active, unknownCode), redFlag}, unknown: 1},
		{name: "a resolved Condition", entries: []string{condition(status("clinicalStatus", clinicalR4, "resolved"), sciaticaCode), redFlag}, skipped: 1},
		{name: "a Condition without a status", entries: []string{condition("", sciaticaCode), redFlag}, conds: []string{"sciatica"}, assumed: 1},
		{name: "a known condition", entries: []string{condition(active, sciaticaCode), redFlag}, conds: []string{"sciatica"}},
		{name: "an unknown coding of the same code", entries: []string{condition(active, unknownCode, saddleCode)}, unknown: 1},
		{name: "an unknown coding met before, of the same code", entries: []string{condition(active, unknownCode), condition(active, unknownCode, saddleCode)}, unknown: 1},
		{name: "an empty coding of the same code", entries: []string{condition(active, `{"system": "http://snomed.info/sct"}`, saddleCode)}},
		{name: "a Condition whose subject has no reference", entries: []string{`{"resource": {"resourceType": "Condition", ` + active + `, "subject": {"display": "Jo"}, "code": {"coding": [` + sciaticaCode + `]}}}`, redFlag}, conds: []string{"sciatica"}},
		{name: "a Condition whose subject reference is empty", entries: []string{`{"resource": {"resourceType": "Condition", ` + active + `, "subject": {"reference": ""}, "code": {"coding": [` + sciaticaCode + `]}}}`, redFlag}, conds: []string{"sciatica"}},
		{name: "a known coding of the same code", entries: []string{condition(active, sciaticaCode, saddleCode)}, conds: []string{"sciatica"}},

		// Entries that cannot be read cost only themselves, but say that
		// not every Condition could be read.
		{name: "a null entry", entries: []string{`null`, redFlag}, unread: 1},
		{name: "an entry that is a number", entries: []string{`5`, redFlag}, unread: 1},
		{name: "a resource that is a string", entries: []string{`{"resource": "Condition"}`, redFlag}, unread: 1},
		{name: "a resource that is a list", entries: []string{`{"resource": [` + strings.TrimPrefix(strings.TrimSuffix(redFlag, "}"), `{"resource": `) + `]}`, redFlag}, unread: 1},
		{name: "a clinicalStatus that is a string", entries: []string{condition(`"clinicalStatus": "resolved"`, sciaticaCode), redFlag},
			conds: []string{"sciatica"}, assumed: 1},
		{name: "a verificationStatus coding that is an object", entries: []string{condition(active+`, "verificationStatus": {"coding": {"code": "refuted"}}`, sciaticaCode), redFlag},
			conds: []string{"sciatica"}, assumed: 1},
		{name: "a code that is a string", entries: []string{`{"resource": {"resourceType": "Condition", ` + active + `, "code": "23056005"}}`, redFlag}, unread: 1},
		{name: "a coding that is an object", entries: []string{`{"resource": {"resourceType": "Condition", ` + active + `, "code": {"coding": ` + sciaticaCode + `}}}`, redFlag},
			conds: []string{"sciatica"}, unread: 1},
		{name: "a coding's code that is a number", entries: []string{condition(active, `{"system": "http://snomed.info/sct", "code": 23056005}`), redFlag}, unread: 1},
		{name: "a red flag beside a coding that cannot be read", entries: []string{condition(active, `{"system": "http://snomed.info/sct", "display": 42}`, saddleCode)}, unread: 1},
		{name: "a red flag beside a coding that is a string", entries: []string{condition(active, `"oops"`, saddleCode)}, unread: 1},
		{name: "a null coding beside a red flag", entries: []string{condition(active, `null`, saddleCode)}},
		{name: "a refuted Condition whose code cannot be read", entries: []string{`{"resource": {"resourceType": "Condition", ` +
			status("verificationStatus", "http://terminology.hl7.org/CodeSystem/condition-ver-status", "refuted") + `, "code": 5}}`, redFlag}, skipped: 1},
		{name: "a resolved Condition whose code cannot be read", entries: []string{`{"resource": {"resourceType": "Condition", ` +
			status("clinicalStatus", clinicalR4, "resolved") + `, "code": 5}}`, redFlag}, unread: 1},
		{name: "a subject reference that is a number", entries: []string{`{"resource": {"resourceType": "Condition", ` + active + `, "subject": {"reference": 1}, "code": {"coding": [` + sciaticaCode + `]}}}`, redFlag},
			conds: []string{"sciatica"}, assumed: 1},
		{name: "an id that is a number", entries: []string{`{"resource": {"resourceType": "Condition", "id": 7, ` + active + `, "code": {"coding": [` + sciaticaCode + `]}}}`, redFlag},
			conds: []string{"sciatica"}},
		{name: "a search that is a string", entries: []string{`{"search": "match", "resource": ` + strings.TrimPrefix(condition(active, sciaticaCode), `{"resource": `), redFlag},
			conds: []string{"sciatica"}},
		{name: "the red flag's own clinicalStatus a string", entries: []string{condition(`"clinicalStatus": "active"`, saddleCode)}, assumed: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mapBody(t, request("", tt.entries...))
			if m == nil || (err != nil) != (tt.unread > 0) || err != nil && !errors.Is(err, cdshooks.ErrMissingPrefetch) {
				t.Fatalf("MapRequest = %v, %v; want a Mapping, and a 412 only with an entry not read", m, err)
			}
			got := []any{m.Profile.RedFlags, m.Profile.Conditions, len(m.Unknown), len(m.Skipped), len(m.Assumed), len(m.UnreadConditions)}
			want := []any{saddle, tt.conds, tt.unknown, tt.skipped, tt.assumed, tt.unread}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("red flags, conditions, unknown, skipped, assumed, unread (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUnreadableConditionNotes checks what the notes of Condition
// entries that cannot be read say: the path of what could not be read,
// and why. An entry that cannot be read, or a Condition that counts (or
// could count in the past) with a code or coding that cannot be read, is
// not read: a red flag may be in it, so not every Condition could be read
// (Mapping.UnreadConditions, with a 412 naming the first); the codings
// that can be read still count. One whose code can be read but whose
// status or subject cannot is counted, erring toward a referral.
func TestUnreadableConditionNotes(t *testing.T) {
	const e = "prefetch.conditions.entry"
	m, err := mapBody(t, request("",
		`null`,
		`"Condition"`,
		`{"resource": 5}`,
		condition(`"clinicalStatus": "active"`, sciaticaCode),
		`{"resource": {"resourceType": "Condition", "id": "c4", `+active+`, "code": {"coding": {"code": "G83.4"}}}}`,
		condition(`"clinicalStatus": "resolved", "verificationStatus": {"coding": 1}`, unknownCode),
		`{"resource": {"resourceType": "Condition", `+active+`, "subject": "Patient/p", "code": {"coding": [`+saddleCode+`]}}}`,
		`{"resource": {"resourceType": "Condition", "clinicalStatus": {"coding": [{"system": 1}]}, "code": []}}`,
		condition(active, `{"code": 1}`, sciaticaCode, `"x"`),
		condition(status("clinicalStatus", clinicalR4, "resolved"), `{"code": 1}`),
		condition(status("verificationStatus", "http://terminology.hl7.org/CodeSystem/condition-ver-status", "entered-in-error"), `{"code": 1}`),
	))
	var re *cdshooks.RequestError
	if !errors.As(err, &re) || re.Status != 412 || re.Field != e+"[0].resource" || m == nil {
		t.Fatalf("MapRequest = %v, %v; want the Mapping, and a 412 naming entry 0", m, err)
	}
	const may = ", and it may be a red flag"
	wantUnread := []string{
		e + "[0].resource: the entry has no resource: it may be an active Condition, with a red flag",
		e + "[1]: the entry must be an object, found a string: nothing could be read, and it may be an active Condition, with a red flag",
		e + "[2].resource: the resource must be an object, found a number: nothing could be read, and it may be an active Condition, with a red flag",
		e + "[4].resource: code.coding must be an array, found an object: its code could not be read" + may,
		e + "[7].resource: code must be an object, found an array: its code could not be read" + may,
		e + "[8].resource: code.coding[0].code must be a string, found a number: the coding could not be read; code.coding[2] must be an object, found a string: the coding could not be read" + may,
		e + "[9].resource: clinicalStatus is resolved, but code.coding[0].code must be a string, found a number: the coding could not be read" + may + " that counts in the past",
	}
	wantSkipped := []string{
		e + "[10].resource: verificationStatus is entered-in-error; its code could not be read: code.coding[0].code must be a string, found a number: the coding could not be read",
	}
	wantAssumed := []string{
		e + "[3].resource: clinicalStatus must be an object, found a string: counted as active, erring toward a referral",
		e + "[5].resource: clinicalStatus must be an object, found a string; verificationStatus.coding must be an array, found a number: counted as active, erring toward a referral",
		e + "[6].resource: subject must be an object, found a string: counted as the patient's, erring toward a referral",
		e + "[7].resource: clinicalStatus.coding.system must be a string, found a number: counted as active, erring toward a referral",
	}
	if diff := cmp.Diff(wantUnread, notes(m.UnreadConditions)); diff != "" {
		t.Errorf("unread (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantSkipped, notes(m.Skipped)); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantAssumed, notes(m.Assumed)); diff != "" {
		t.Errorf("assumed active (-want +got):\n%s", diff)
	}
	if m.UnreadConditions[3].ID != "c4" {
		t.Errorf("the note of entry 4 has id %q, want c4", m.UnreadConditions[3].ID)
	}
	if diff := cmp.Diff([]cdshooks.Coding{{System: "http://snomed.info/sct", Code: "23056005"}}, m.UnreadConditions[5].Codes); diff != "" {
		t.Errorf("the codings read of entry 8 (-want +got):\n%s", diff)
	}
	got := []any{m.Profile.Conditions, m.Profile.RedFlags, m.Unknown}
	want := []any{[]string{"sciatica"}, saddle, []cdshooks.Coding{{System: "http://example.org/local", Code: "42"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("conditions, red flags, unknown codes (-want +got):\n%s", diff)
	}
}

// TestMapRefuses checks the problems that are a 400 or a 412 naming a
// path: a resource that could be a Condition but does not say so, keys
// given twice or in the wrong case, a Bundle that holds fewer Conditions
// than it says, a subject that is not the patient, and malformed entries.
// Each is placed before a red-flag Condition, which must not be read as
// the answer; but a subject that is not the patient's costs only its
// Condition, counted and reported, the refusal answered only when nothing
// calls for a referral (TestSubjectNotConfirmedFailsTowardAClinician).
func TestMapRefuses(t *testing.T) {
	redFlag := condition(active, saddleCode)
	tests := []struct {
		name   string
		body   string
		status int
		field  string
		msg    string // a part of the message
	}{
		{"resourceType missing", request("", `{"resource": {"clinicalStatus": {}, "code": {"coding": [`+saddleCode+`]}}}`, redFlag),
			400, "prefetch.conditions.entry[0].resource.resourceType", "missing"},
		{"a Bundle inside the Bundle", request("", `{"resource": {"resourceType": "Bundle", "type": "searchset", "entry": [`+redFlag+`]}}`),
			400, "prefetch.conditions.entry[0].resource.resourceType", "a Bundle inside the search Bundle"},
		{"resourceType null", request("", `{"resource": {"resourceType": null}}`, redFlag),
			400, "prefetch.conditions.entry[0].resource.resourceType", "missing"},
		{"resourceType empty", request("", redFlag, `{"resource": {"resourceType": ""}}`),
			400, "prefetch.conditions.entry[1].resource.resourceType", "missing"},
		{"resourceType condition", request("", strings.Replace(redFlag, `"Condition"`, `"condition"`, 1), redFlag),
			400, "prefetch.conditions.entry[0].resource.resourceType", `"condition" is not a FHIR resource type`},
		{"resourceType CONDITION", request("", strings.Replace(redFlag, `"Condition"`, `"CONDITION"`, 1)),
			400, "prefetch.conditions.entry[0].resource.resourceType", `"CONDITION" is not a FHIR resource type`},
		{"resourceType operationOutcome", request("", `{"resource": {"resourceType": "operationOutcome", "issue": [{"severity": "error"}]}}`, redFlag),
			400, "prefetch.conditions.entry[0].resource.resourceType", `"operationOutcome" is not a FHIR resource type`},
		{"resourceType Operationoutcome", request("", `{"resource": {"resourceType": "Operationoutcome", "issue": [{"severity": "error"}]}}`, redFlag),
			400, "prefetch.conditions.entry[0].resource.resourceType", `"Operationoutcome" is not a FHIR resource type`},
		{"resourceType ConDition", request("", strings.Replace(redFlag, `"Condition"`, `"ConDition"`, 1)),
			400, "prefetch.conditions.entry[0].resource.resourceType", `"ConDition" is not a FHIR resource type`},
		{"resourceType observation", request("", `{"resource": {"resourceType": "observation"}}`, redFlag),
			400, "prefetch.conditions.entry[0].resource.resourceType", `"observation" is not a FHIR resource type`},
		{"resourceType with a blank", request("", `{"resource": {"resourceType": "Condition "}}`, redFlag),
			400, "prefetch.conditions.entry[0].resource.resourceType", `"Condition " is not a FHIR resource type`},
		{"resourceType a number", request("", `{"resource": {"resourceType": 7}}`, redFlag),
			400, "prefetch.conditions.entry[0].resource.resourceType", "must be a string"},
		{"entries an object", strings.Replace(request(""), `"entry": []`, `"entry": {"resource": {}}`, 1),
			400, "prefetch.conditions.entry", "must be an array, found an object"},
		{"conditions a list", strings.Replace(request(""), `{"resourceType": "Bundle", "type": "searchset", "entry": []}`, `[]`, 1),
			400, "prefetch.conditions", "must be an object, found an array"},
		{"a key in the wrong case inside a status", request("", condition(`"clinicalStatus": {"coding": [{"system": "`+clinicalR4+`", "Code": "resolved"}]}`, saddleCode), redFlag),
			400, "prefetch.conditions.entry[0].resource.clinicalStatus.coding[0].Code", `write "code"`},

		{"duplicate clinicalStatus", request("", condition(active+", "+status("clinicalStatus", clinicalR4, "resolved"), saddleCode)),
			400, "prefetch.conditions.entry[0].resource.clinicalStatus", "given twice"},
		{"duplicate code", request("", condition(active+`, "code": {"coding": [`+saddleCode+`]}`, sciaticaCode)),
			400, "prefetch.conditions.entry[0].resource.code", "given twice"},
		{"duplicate resourceType", request("", strings.Replace(redFlag, `"resourceType": "Condition"`, `"resourceType": "Condition", "resourceType": "Observation"`, 1)),
			400, "prefetch.conditions.entry[0].resource.resourceType", "given twice"},
		{"duplicate key in an object not read", request("", condition(active+`, "meta": {"tag": [{"code": "a", "code": "b"}]}`, saddleCode)),
			400, "prefetch.conditions.entry[0].resource.meta.tag[0].code", "given twice"},
		{"duplicate entry", request(`"entry": []`, redFlag),
			400, "prefetch.conditions.entry", "given twice"},
		{"ClinicalStatus", request("", condition(status("ClinicalStatus", clinicalR4, "resolved"), saddleCode)),
			400, "prefetch.conditions.entry[0].resource.ClinicalStatus", `write "clinicalStatus"`},
		{"clinicalstatus", request("", condition(status("clinicalstatus", clinicalR4, "resolved"), saddleCode)),
			400, "prefetch.conditions.entry[0].resource.clinicalstatus", `write "clinicalStatus"`},
		{"active and ClinicalStatus", request("", condition(active+", "+status("ClinicalStatus", clinicalR4, "resolved"), saddleCode)),
			400, "prefetch.conditions.entry[0].resource.ClinicalStatus", `write "clinicalStatus"`},
		{"Coding", request("", condition(`"clinicalStatus": {"Coding": [{"system": "`+clinicalR4+`", "code": "resolved"}]}`, saddleCode)),
			400, "prefetch.conditions.entry[0].resource.clinicalStatus.Coding", `write "coding"`},
		{"System", request("", condition(`"clinicalStatus": {"coding": [{"System": "`+clinicalR4+`", "code": "resolved"}]}`, saddleCode)),
			400, "prefetch.conditions.entry[0].resource.clinicalStatus.coding[0].System", `write "system"`},
		{"ResourceType", request("", strings.Replace(redFlag, `"resourceType"`, `"ResourceType"`, 1)),
			400, "prefetch.conditions.entry[0].resource.ResourceType", `write "resourceType"`},
		{"Subject", request("", `{"resource": {"resourceType": "Condition", `+active+`, "Subject": {"reference": "Patient/q"}, "code": {"coding": [`+saddleCode+`]}}}`),
			400, "prefetch.conditions.entry[0].resource.Subject", `write "subject"`},
		{"Entry", strings.Replace(request("", redFlag), `"entry"`, `"Entry"`, 1),
			400, "prefetch.conditions.Entry", `write "entry"`},
		{"Total", request(`"Total": 3`, redFlag),
			400, "prefetch.conditions.Total", `write "total"`},
		{"Resource", request("", strings.Replace(redFlag, `"resource"`, `"Resource"`, 1)),
			400, "prefetch.conditions.entry[0].Resource", `write "resource"`},
		{"Conditions", strings.Replace(request("", redFlag), `"conditions"`, `"Conditions"`, 1),
			400, "prefetch.Conditions", `write "conditions"`},
		{"PatientId", strings.Replace(request("", redFlag), `"patientId"`, `"PatientId"`, 1),
			400, "context.PatientId", `write "patientId"`},

		{"total over the entries", request(`"total": 2`, redFlag),
			412, "prefetch.conditions.total", "matched 2 conditions but holds 1"},
		{"total counting an included resource", request(`"total": 2`, redFlag, `{"search": {"mode": "include"}, "resource": {"resourceType": "Patient"}}`),
			412, "prefetch.conditions.total", "matched 2 conditions but holds 1"},
		{"total counting an included Condition", request(`"total": 2`, redFlag, `{"search": {"mode": "include"}, "resource": `+strings.TrimPrefix(redFlag, `{"resource": `)),
			412, "prefetch.conditions.total", "matched 2 conditions but holds 1"},
		{"total counting a Condition of mode outcome", request(`"total": 2`, redFlag, `{"search": {"mode": "outcome"}, "resource": `+strings.TrimPrefix(redFlag, `{"resource": `)),
			412, "prefetch.conditions.total", "matched 2 conditions but holds 1"},
		{"total counting an outcome", request(`"total": 2`, redFlag, `{"search": {"mode": "outcome"}, "resource": {"resourceType": "OperationOutcome", "issue": []}}`),
			412, "prefetch.conditions.total", "matched 2 conditions but holds 1"},
		{"total counting a null resource", request(`"total": 2`, redFlag, `{"search": {"mode": "match"}, "resource": null}`),
			412, "prefetch.conditions.entry[1].resource", "the entry has no resource"},
		{"total of a count-only search", request(`"total": 1`),
			412, "prefetch.conditions.total", "matched 1 conditions but holds 0"},
		{"total negative", request(`"total": -1`, redFlag),
			400, "prefetch.conditions.total", "must not be negative"},
		{"total a string", request(`"total": "1"`, redFlag),
			400, "prefetch.conditions.total", "must be a number"},
		{"next link", request(`"total": 1, "link": [{"relation": "self", "url": "x"}, {"relation": "next", "url": "y"}]`, redFlag),
			412, "prefetch.conditions", "next link"},
		// Link relation types are compared without case (RFC 8288).
		{"next link written Next", request(`"link": [{"relation": "Next", "url": "y"}]`, redFlag),
			412, "prefetch.conditions", "next link"},

		{"subject a Group", request("", strings.Replace(redFlag, `"Patient/p"`, `"Group/p"`, 1)),
			400, "prefetch.conditions.entry[0].resource.subject.reference", `"Group/p" is not the patient in context (Patient/p)`},
		{"subject an absolute Group", request("", strings.Replace(redFlag, `"Patient/p"`, `"https://ehr.example.org/fhir/Group/p"`, 1)),
			400, "prefetch.conditions.entry[0].resource.subject.reference", `is not the patient in context`},
		{"subject a versioned Group", request("", strings.Replace(redFlag, `"Patient/p"`, `"Group/p/_history/2"`, 1)),
			400, "prefetch.conditions.entry[0].resource.subject.reference", `is not the patient in context`},
		{"subject a reference that only ends like the patient's", request("", strings.Replace(redFlag, `"Patient/p"`, `"/_history/1/Patient/p"`, 1)),
			400, "prefetch.conditions.entry[0].resource.subject.reference", `is not the patient in context`},
		{"subject the bare id", request("", strings.Replace(redFlag, `"Patient/p"`, `"p"`, 1)),
			400, "prefetch.conditions.entry[0].resource.subject.reference", `is not the patient in context`},
		{"subject a Patient whose type ends like Patient", request("", strings.Replace(redFlag, `"Patient/p"`, `"XPatient/p"`, 1)),
			400, "prefetch.conditions.entry[0].resource.subject.reference", `is not the patient in context`},
		{"subject of another patient after a Condition of the patient", request("", redFlag, strings.Replace(redFlag, `"Patient/p"`, `"Patient/q"`, 1)),
			400, "prefetch.conditions.entry[1].resource.subject.reference", `is not the patient in context`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mapBody(t, tt.body)
			var re *cdshooks.RequestError
			if !errors.As(err, &re) {
				t.Fatalf("MapRequest = %+v, %v; want a *RequestError at %s", m, err, tt.field)
			}
			if diff := cmp.Diff([]any{tt.status, tt.field}, []any{re.Status, re.Field}); diff != "" {
				t.Errorf("status and field (-want +got):\n%s\nerror: %v", diff, err)
			}
			if !strings.Contains(re.Message, tt.msg) {
				t.Errorf("message %q does not say %q", re.Message, tt.msg)
			}
		})
	}
}

// TestTotalAllowed checks the totals that are not a problem: as many as
// the Conditions, fewer, or none given.
func TestTotalAllowed(t *testing.T) {
	redFlag := condition(active, saddleCode)
	for _, bundle := range []string{`"total": 1`, `"total": 0`, ``, `"total": 2, "link": [{"relation": "self", "url": "x"}]`} {
		entries := []string{redFlag, `{"search": {"mode": "outcome"}, "resource": {"resourceType": "OperationOutcome", "issue": []}}`}
		if strings.Contains(bundle, "2") {
			entries = append(entries, `{"search": {"mode": "match"}, "resource": `+strings.TrimPrefix(condition(active, sciaticaCode), `{"resource": `))
		}
		t.Run(bundle, func(t *testing.T) {
			m, err := mapBody(t, request(bundle, entries...))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(saddle, m.Profile.RedFlags); diff != "" {
				t.Errorf("red flags mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStrictBody checks that DecodeRequest refuses repeated keys anywhere
// in the body, and keys of the request in the wrong case, with the key's
// line and column, and that MapRequest refuses repeated keys in a
// prefetch given to it directly.
func TestStrictBody(t *testing.T) {
	tests := []struct {
		name, body string
		want       errorBody
	}{
		{"repeated conditions prefetch", "{\"hook\": \"patient-view\", \"hookInstance\": \"x\", \"context\": {\"patientId\": \"p\"},\n" +
			" \"prefetch\": {\"patient\": null, \"conditions\": {\"resourceType\": \"Bundle\"},\n  \"conditions\": null}}",
			errorBody{Status: 400, Field: "prefetch.conditions",
				Error: "the key is given twice in one object: JSON keys must be unique, and the service does not guess which value is meant"}},
		{"repeated prefetch", `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}, "prefetch": {}, "prefetch": {}}`,
			errorBody{Status: 400, Field: "prefetch",
				Error: "the key is given twice in one object: JSON keys must be unique, and the service does not guess which value is meant"}},
		{"repeated patientId", `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p", "patientId": "q"}}`,
			errorBody{Status: 400, Field: "context.patientId",
				Error: "the key is given twice in one object: JSON keys must be unique, and the service does not guess which value is meant: its values differ, so the service cannot tell which patient is in context"}},
		{"Prefetch", `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}, "Prefetch": {}}`,
			errorBody{Status: 400, Field: "Prefetch",
				Error: `wrong case: JSON keys are case-sensitive; write "prefetch"`}},
		{"HOOK", `{"HOOK": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}}`,
			errorBody{Status: 400, Field: "HOOK", Line: 1, Column: 2,
				Error: `wrong case: JSON keys are case-sensitive; write "hook"`}},
		{"a key with a quote", `{"hook": "patient-view", "hookInstance": "x", "context": {"a\"b": 1, "a\"b": 2}}`,
			errorBody{Status: 400, Field: `context."a\"b"`, Line: 1, Column: 70,
				Error: "the key is given twice in one object: JSON keys must be unique, and the service does not guess which value is meant"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, http.MethodPost, "/cds-services/backrules", tt.body)
			if diff := cmp.Diff(tt.want, decodeError(t, rec)); diff != "" {
				t.Errorf("error body mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("MapRequest of a Request made in Go", func(t *testing.T) {
		req := &cdshooks.Request{Hook: "patient-view", HookInstance: "x",
			Context: map[string]json.RawMessage{"patientId": json.RawMessage(`"p"`)},
			Prefetch: map[string]json.RawMessage{"patient": json.RawMessage(`null`),
				"conditions": json.RawMessage(`{"resourceType": "Bundle", "entry": [` +
					condition(active+", "+status("clinicalStatus", clinicalR4, "resolved"), saddleCode) + `]}`)}}
		_, err := cdshooks.MapRequest(req, testEngine(t).Vocabulary(), today)
		var re *cdshooks.RequestError
		if !errors.As(err, &re) || re.Field != "prefetch.conditions.entry[0].resource.clinicalStatus" || re.Line != 0 {
			t.Errorf("MapRequest = %v, want a 400 at prefetch.conditions.entry[0].resource.clinicalStatus without a line", err)
		}
	})
}

// TestResponseReportsConditions checks that the response's extension and
// the log list the Conditions skipped or counted without their status,
// next to the unknown codes, and that neither says anything when there
// is nothing to report.
func TestResponseReportsConditions(t *testing.T) {
	eng := testEngine(t)
	var logs bytes.Buffer
	svc := cdshooks.NewService(func() *recommend.Engine { return eng }, cdshooks.WithClock(clock),
		cdshooks.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	body := request("",
		condition("", saddleCode),
		condition(status("clinicalStatus", clinicalR4, "resolved"), sciaticaCode),
		condition(active, unknownCode))
	rec := post(t, svc, []byte(body))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var resp struct {
		Cards     []cdshooks.Card            `json:"cards"`
		Extension map[string]json.RawMessage `json:"extension"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Cards) == 0 || resp.Cards[0].Indicator != cdshooks.IndicatorCritical {
		t.Errorf("the first card is not the emergency: %+v", resp.Cards)
	}
	var got map[string]any
	if err := json.Unmarshal(mustJSON(t, resp.Extension), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		cdshooks.ExtensionUnknownCodes: []any{map[string]any{"system": "http://example.org/local", "code": "42"}},
		cdshooks.ExtensionSkippedConditions: []any{map[string]any{"entry": "prefetch.conditions.entry[1].resource",
			"codes": []any{map[string]any{"system": "http://snomed.info/sct", "code": "23056005"}}, "reason": "clinicalStatus is resolved"}},
		cdshooks.ExtensionAssumedActive: []any{map[string]any{"entry": "prefetch.conditions.entry[0].resource",
			"codes":  []any{map[string]any{"system": testOnlySystem, "code": "saddle-numbness"}},
			"reason": "clinicalStatus is missing: counted as active, erring toward a referral"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("extension mismatch (-want +got):\n%s", diff)
	}
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log %q is not one JSON line: %v", logs.String(), err)
	}
	delete(line, "time")
	wantLine := map[string]any{"level": "WARN", "msg": "conditions skipped or counted without their status",
		"hook_instance": "x", "assumed_active": 1.0, "skipped": 1.0, "conditions": []any{
			"prefetch.conditions.entry[0].resource: clinicalStatus is missing: counted as active, erring toward a referral",
			"prefetch.conditions.entry[1].resource: skipped: clinicalStatus is resolved"}}
	if diff := cmp.Diff(wantLine, line); diff != "" {
		t.Errorf("log mismatch (-want +got):\n%s", diff)
	}

	t.Run("no status code but FHIR's in the log", func(t *testing.T) {
		logs.Reset()
		rec := post(t, svc, []byte(request("",
			condition(status("clinicalStatus", clinicalR4, "STATUSSECRET"), saddleCode),
			condition(status("clinicalStatus", clinicalSTU3, "SECRET2"), sciaticaCode),
			condition(status("clinicalStatus", "", "active"), sciaticaCode),
			condition(`"clinicalStatus": {"coding": [{"system": "`+clinicalR4+`", "code": "active"}, {"system": "`+clinicalR4+`", "code": "SECRET3"}]}`, sciaticaCode),
			`null`)))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		for _, secret := range []string{"SECRET", "23056005", "saddle-numbness"} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("the log holds %q: %s", secret, logs.String())
			}
		}
		for _, want := range []string{`clinicalStatus has a code that is not a code of`, `clinicalStatus (an unknown code) is of`,
			`clinicalStatus \"active\" has no system`, `\"active\" and (an unknown code)`, `entry[4].resource: not read: the entry has no resource`, `"unread":1`} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("the log lacks %q: %s", want, logs.String())
			}
		}
	})

	t.Run("skipped only", func(t *testing.T) {
		logs.Reset()
		rec := post(t, svc, []byte(request("", condition(status("clinicalStatus", clinicalR4, "resolved"), saddleCode))))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if !strings.Contains(logs.String(), `"level":"INFO"`) || !strings.Contains(logs.String(), `"skipped":1`) {
			t.Errorf("log %q is not one INFO line with one skipped", logs.String())
		}
		if !strings.Contains(rec.Body.String(), cdshooks.ExtensionSkippedConditions) || strings.Contains(rec.Body.String(), cdshooks.ExtensionAssumedActive) {
			t.Errorf("extension does not list the skipped Condition alone: %s", rec.Body)
		}
	})
	t.Run("a long hookInstance", func(t *testing.T) {
		logs.Reset()
		long := strings.Repeat("h", 65)
		rec := post(t, svc, []byte(strings.Replace(request("", condition("", saddleCode)), `"hookInstance": "x"`, `"hookInstance": "`+long+`"`, 1)))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if want := `"hook_instance":"` + long[:64] + `"`; !strings.Contains(logs.String(), want) {
			t.Errorf("log %q does not hold %s", logs.String(), want)
		}
	})
	t.Run("nothing to report", func(t *testing.T) {
		logs.Reset()
		rec := post(t, svc, []byte(request("", condition(active, saddleCode))))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if logs.Len() != 0 {
			t.Errorf("logged %q with nothing to report", logs.String())
		}
		if strings.Contains(rec.Body.String(), `"extension"`) {
			t.Errorf("the response has an extension with nothing to report: %s", rec.Body)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPatientAndContext checks every problem with context.patientId, with
// its status, path and whole message, and with the patient prefetch, which
// costs only the Patient.
func TestPatientAndContext(t *testing.T) {
	body := func(context, patient string) string {
		return `{"hook": "patient-view", "hookInstance": "x", "context": ` + context +
			`, "prefetch": {"pastConditions": null, "patient": ` + patient + `, "conditions": null}}`
	}
	const ctx = `{"patientId": "p"}`
	tests := []struct {
		name, body string
		want       cdshooks.RequestError
	}{
		{"patientId missing", body(`{"userId": "u"}`, "null"),
			cdshooks.RequestError{Status: 400, Field: "context.patientId", Message: "missing: patient-view gives the id of the patient in view"}},
		{"patientId null", body(`{"patientId": null}`, "null"),
			cdshooks.RequestError{Status: 400, Field: "context.patientId", Message: "missing: patient-view gives the id of the patient in view"}},
		{"patientId empty", body(`{"patientId": ""}`, "null"),
			cdshooks.RequestError{Status: 400, Field: "context.patientId", Message: "must not be empty"}},
		{"patientId blank", body(`{"patientId": " \t"}`, "null"),
			cdshooks.RequestError{Status: 400, Field: "context.patientId", Message: "must not be empty"}},
		{"patientId a number", body(`{"patientId": 7}`, "null"),
			cdshooks.RequestError{Status: 400, Field: "context.patientId", Message: "must be a string, found a number"}},
		{"patientId an object", body(`{"patientId": {"a": 1}}`, "null"),
			cdshooks.RequestError{Status: 400, Field: "context.patientId", Message: "must be a string, found an object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mapBody(t, tt.body)
			var re *cdshooks.RequestError
			if !errors.As(err, &re) {
				t.Fatalf("MapRequest = %+v, %v; want %v", m, err, &tt.want)
			}
			if diff := cmp.Diff(tt.want, *re); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
	// A patient that cannot be read, or is another patient's, is a
	// Patient not read: the age unknown, the sex not stated, and why
	// noted with its path; the Conditions are still read, so that their
	// referrals reach the clinician.
	const notRead = ": the Patient is not read; the age is taken as unknown, and the sex as not stated"
	unreadTests := []struct {
		name, patient string
		want          cdshooks.PatientNote
	}{
		{"patient a Group", `{"resourceType": "Group", "id": "p"}`,
			cdshooks.PatientNote{Entry: "prefetch.patient.resourceType", Reason: `must be "Patient", found "Group"` + notRead}},
		{"patient without a resourceType", `{"id": "p"}`,
			cdshooks.PatientNote{Entry: "prefetch.patient.resourceType", Reason: `must be "Patient", found ""` + notRead}},
		{"patient of another id", `{"resourceType": "Patient", "id": "q", "birthDate": "1950"}`,
			cdshooks.PatientNote{Entry: "prefetch.patient.id", Reason: `"q" is not the patient in context (context.patientId "p"): ` +
				"none of it is read: the age is taken as unknown, and the sex as not stated"}},
		{"patient a list", `[]`,
			cdshooks.PatientNote{Entry: "prefetch.patient", Reason: "must be an object, found an array" + notRead}},
		{"patient with a key twice", `{"resourceType": "Patient", "birthDate": "1950", "birthDate": "2020"}`,
			cdshooks.PatientNote{Entry: "prefetch.patient.birthDate", Reason: "the key is given twice in one object: JSON keys must be unique, and the service does not guess which value is meant" + notRead}},
		{"patient a string", `"Patient/p"`,
			cdshooks.PatientNote{Entry: "prefetch.patient", Reason: "must be an object, found a string" + notRead}},
		{"resourceType a number", `{"resourceType": 7, "birthDate": "1950"}`,
			cdshooks.PatientNote{Entry: "prefetch.patient.resourceType", Reason: "must be a string, found a number" + notRead}},
		{"patient null, no data", `null`,
			cdshooks.PatientNote{Entry: "prefetch.patient", Reason: "null: the client sent no Patient, so there is no birth date: the age is taken as unknown, and the sex as not stated"}},
		{"BirthDate", `{"resourceType": "Patient", "BirthDate": "1950"}`,
			cdshooks.PatientNote{Entry: "prefetch.patient.BirthDate", Reason: `wrong case: JSON keys are case-sensitive; write "birthDate"` + notRead}},
	}
	for _, tt := range unreadTests {
		t.Run(tt.name, func(t *testing.T) {
			body := strings.Replace(request("", condition(active, saddleCode)), `"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}`, `"patient": `+tt.patient, 1)
			m, err := mapBody(t, body)
			if err != nil {
				t.Fatalf("MapRequest: %v; want the Mapping, the Patient not read", err)
			}
			got := []any{m.Profile.RedFlags, m.Profile.Age, m.UnreadPatient}
			want := []any{saddle, 0, []cdshooks.PatientNote{tt.want}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("red flags, age, unread patient (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("no request", func(t *testing.T) {
		_, err := cdshooks.MapRequest(nil, recommend.Vocabulary{}, today)
		if err == nil || err.Error() != "no request" {
			t.Errorf("MapRequest(nil) = %v, want no request", err)
		}
	})
	t.Run("no birth date", func(t *testing.T) {
		m, err := mapBody(t, body(ctx, `{"resourceType": "Patient", "id": "p", "gender": "female"}`))
		if err != nil {
			t.Fatal(err)
		}
		if m.Profile.Age != 0 {
			t.Errorf("age = %d, want 0 (unknown)", m.Profile.Age)
		}
	})
}

// TestAgeOnDates checks the age from a birth date, whole or partial, on
// days around the ends of months and years.
func TestAgeOnDates(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	tests := []struct {
		birth string
		now   time.Time
		want  int
	}{
		{"1961", day(2026, time.December, 31), 65},
		{"1961", day(2026, time.December, 30), 64},
		{"1961", day(2026, time.January, 1), 64},
		{"1961-12", day(2026, time.December, 31), 65},
		{"1961-12", day(2026, time.December, 30), 64},
		{"1961-02", day(2026, time.February, 28), 65},
		{"1960-02", day(2026, time.February, 28), 65}, // February 1960 had 29 days, 2026's has 28
		{"1960-02", day(2028, time.February, 28), 67},
		{"1960-02", day(2028, time.February, 29), 68},
		{"1961-06-15", day(2026, time.June, 14), 64},
		{"1961-06-15", day(2026, time.June, 15), 65},
		{"1961-06-15", day(2026, time.May, 20), 64},
		{"1961-06-15", day(2026, time.July, 1), 65},
		{"2025-12", day(2026, time.January, 5), 1},
		{"2025", day(2026, time.December, 31), 1},
		{"1896", day(2026, time.December, 31), 130},
		{"1896-12-31", day(2026, time.December, 31), 130},
		{"1895-11-25", day(2026, time.November, 24), 130},
		{"2026-01-01", day(2026, time.December, 31), 1},
		{"2026-11-24", day(2026, time.November, 24), 1},
		{"2026-11-01", day(2026, time.November, 24), 1},
		{"2026-10-31", day(2026, time.November, 24), 1},
		{"2025-11-25", day(2026, time.November, 24), 1},
		{"2025-11-24", day(2026, time.November, 24), 1},
		{"2025-12-01", day(2026, time.November, 24), 1},
		{"2025-10-30", day(2026, time.November, 24), 1},
		{"2025-11", day(2026, time.November, 24), 1},
		{"2025-10", day(2026, time.November, 24), 1},
	}
	for _, tt := range tests {
		t.Run(tt.birth+" on "+tt.now.Format(time.DateOnly), func(t *testing.T) {
			req, err := cdshooks.DecodeRequest([]byte(`{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
				"prefetch": {"pastConditions": null, "patient": {"resourceType": "Patient", "birthDate": "` + tt.birth + `"}, "conditions": null}}`))
			if err != nil {
				t.Fatal(err)
			}
			m, err := cdshooks.MapRequest(req, recommend.Vocabulary{}, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if m.Profile.Age != tt.want {
				t.Errorf("age = %d, want %d", m.Profile.Age, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		birth string
		now   time.Time
		msg   string
	}{
		{"2026-12", day(2026, time.November, 30), `"2026-12" is after today (2026-11-30)`},
		{"2027", day(2026, time.December, 31), `"2027" is after today (2026-12-31)`},
		{"2026-12-01", day(2026, time.November, 30), `"2026-12-01" is after today (2026-11-30)`},
		{"2026-11-25", day(2026, time.November, 24), `"2026-11-25" is after today (2026-11-24)`},
		{"2026-11-30", day(2026, time.November, 1), `"2026-11-30" is after today (2026-11-01)`},
		{"2027-01-01", day(2026, time.December, 31), `"2027-01-01" is after today (2026-12-31)`},
		{"2027-11", day(2026, time.November, 24), `"2027-11" is after today (2026-11-24)`},
		{"1895-11-24", day(2026, time.November, 24), `"1895-11-24" gives an age of 131, over 130`},
		{"1895", day(2026, time.December, 31), `"1895" gives an age of 131, over 130`},
		{"1961-04-31", day(2026, time.December, 31), `"1961-04-31" is not a day of the calendar`},
		{"1961-00", day(2026, time.December, 31), `"1961-00" is not a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)`},
	} {
		t.Run("invalid "+tt.birth, func(t *testing.T) {
			req, err := cdshooks.DecodeRequest([]byte(`{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
				"prefetch": {"pastConditions": null, "patient": {"resourceType": "Patient", "birthDate": "` + tt.birth + `"}, "conditions": null}}`))
			if err != nil {
				t.Fatal(err)
			}
			m, err := cdshooks.MapRequest(req, recommend.Vocabulary{}, tt.now)
			if err != nil {
				t.Fatalf("MapRequest: %v; want the age unknown and the birth date reported", err)
			}
			want := []cdshooks.PatientNote{{Entry: "prefetch.patient.birthDate", Reason: tt.msg + ": the age is taken as unknown"}}
			if diff := cmp.Diff(want, m.UnreadPatient); m.Profile.Age != 0 || diff != "" {
				t.Errorf("age %d, want 0; unread patient (-want +got):\n%s", m.Profile.Age, diff)
			}
		})
	}
}

// TestHistoryOfCancerWhateverItsStatus checks that a Condition whose code
// stands for history_of_cancer counts whatever its clinicalStatus: a
// cancer that is resolved, inactive or in remission is a cancer in the
// past, which is the red flag itself. Refuted or entered in error, it
// still does not count; its other codes, of a Condition no longer active,
// are not used, and it is listed with why.
func TestHistoryOfCancerWhateverItsStatus(t *testing.T) {
	const cm = "http://hl7.org/fhir/sid/icd-10-cm"
	coding := func(code string) string { return `{"system": "` + cm + `", "code": "` + code + `"}` }
	clin := func(code string) string { return status("clinicalStatus", clinicalR4, code) }
	history := []string{"history_of_cancer"}
	const e = "prefetch.conditions.entry[0].resource: "
	tests := []struct {
		name, fields string
		codings      []string
		flags        []string
		conds        []string
		skipped      []string
	}{
		{name: "Z85.3 resolved", fields: clin("resolved"), codings: []string{coding("Z85.3")}, flags: history},
		{name: "C50.911 inactive", fields: clin("inactive"), codings: []string{coding("C50.911")}, flags: history},
		{name: "C61 in remission", fields: clin("remission"), codings: []string{coding("C61")}, flags: history},
		{name: "C79.51 resolved, under the OID", fields: clin("resolved"), codings: []string{`{"system": "urn:oid:2.16.840.1.113883.6.90", "code": "C7951"}`}, flags: history},
		{name: "Z85.3 active", fields: active, codings: []string{coding("Z85.3")}, flags: history},
		{name: "Z85.3 resolved, entered in error", fields: clin("resolved") + ", " + status("verificationStatus", verR4, "entered-in-error"),
			codings: []string{coding("Z85.3")}, skipped: []string{e + "verificationStatus is entered-in-error"}},
		{name: "C50.911 active, refuted", fields: active + ", " + status("verificationStatus", verR4, "refuted"),
			codings: []string{coding("C50.911")}, skipped: []string{e + "verificationStatus is refuted"}},
		{name: "C50.911 in remission, confirmed", fields: clin("remission") + ", " + status("verificationStatus", verR4, "confirmed"),
			codings: []string{coding("C50.911")}, flags: history},
		{name: "a resolved disc herniation is still skipped", fields: clin("resolved"), codings: []string{coding("M51.26")},
			skipped: []string{e + "clinicalStatus is resolved"}},
		{name: "a resolved cancer also coded otherwise", fields: clin("resolved"), codings: []string{coding("M51.26"), coding("C50.911"), unknownCode},
			flags:   history,
			skipped: []string{e + "clinicalStatus is resolved: counted only for history_of_cancer, which a Condition in the past still stands for; its other codes are not used"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := cdshooks.DecodeRequest([]byte(request("", condition(tt.fields, tt.codings...))))
			if err != nil {
				t.Fatal(err)
			}
			m, err := cdshooks.MapRequest(req, defaultEngine(t).Vocabulary(), today)
			if err != nil {
				t.Fatal(err)
			}
			got := []any{m.Profile.RedFlags, m.Profile.Conditions, notes(m.Skipped), len(m.Unknown), len(m.Assumed)}
			want := []any{tt.flags, tt.conds, tt.skipped, 0, 0}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("red flags, conditions, skipped, unknown, assumed (-want +got):\n%s", diff)
			}
		})
	}
}
