package cdshooks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// pagedFHIR is an in-process FHIR server for patient 1288992 whose
// Condition search has one page per code in codes, each with one active
// Condition of that ICD-10-CM code and a next link to the page after.
// A read can be made to fail or to hang: block names the page (or, with
// -1, the Patient) that never answers, as a server slower than the
// service's budget; failPage the page, and failPatient the Patient, that
// answer 500; redirect, when set, is where the first page redirects to;
// patient, when set, is the Patient it answers with.
type pagedFHIR struct {
	*httptest.Server
	fhirPlan
	hits atomic.Int32
}

// fhirPlan is what a pagedFHIR serves, and how.
type fhirPlan struct {
	codes       []string
	block       int
	failPage    int
	failPatient bool
	redirect    string
	patient     string
}

func newPagedFHIR(t *testing.T, plan fhirPlan) *pagedFHIR {
	t.Helper()
	p := &pagedFHIR{fhirPlan: plan}
	release := make(chan struct{})
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.hits.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+fhirToken {
			http.Error(w, `{"resourceType": "OperationOutcome"}`, http.StatusUnauthorized)
			return
		}
		hang := func() {
			// Until the service gives up on the read, or the test ends.
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}
		w.Header().Set("Content-Type", "application/fhir+json")
		switch r.URL.Path {
		case "/r4/Patient/1288992":
			switch {
			case p.block == -1:
				hang()
			case p.failPatient:
				http.Error(w, `{"resourceType": "OperationOutcome"}`, http.StatusInternalServerError)
			case p.patient != "":
				fmt.Fprint(w, p.patient)
			default:
				fmt.Fprint(w, `{"resourceType": "Patient", "id": "1288992", "birthDate": "1960-03-01"}`)
			}
		case "/r4/Condition":
			if r.URL.Query().Get("clinical-status") == "inactive,remission,resolved" {
				// No past Conditions.
				fmt.Fprint(w, `{"resourceType": "Bundle", "type": "searchset", "entry": []}`)
				return
			}
			page := 1
			if s := r.URL.Query().Get("page"); s != "" {
				page, _ = strconv.Atoi(s)
			}
			switch {
			case page < 1 || page > len(p.codes):
				http.NotFound(w, r)
			case page == p.block:
				hang()
			case page == p.failPage:
				http.Error(w, `{"resourceType": "OperationOutcome"}`, http.StatusInternalServerError)
			case page == 1 && p.redirect != "":
				http.Redirect(w, r, p.redirect, http.StatusFound)
			default:
				link := ""
				if page < len(p.codes) {
					link = fmt.Sprintf(`"link": [{"relation": "next", "url": "http://%s/r4/Condition?patient=1288992&page=%d"}], `, r.Host, page+1)
				}
				fmt.Fprintf(w, `{"resourceType": "Bundle", "type": "searchset", %s"entry": [{"resource": {"resourceType": "Condition", "id": "c%d",
					"clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
					"code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": %q}]},
					"subject": {"reference": "Patient/1288992"}}, "search": {"mode": "match"}}]}`, link, page, p.codes[page-1])
			}
		case "/r4/Observation":
			fmt.Fprint(w, `{"resourceType": "Bundle", "type": "searchset", "entry": []}`)
		default:
			http.NotFound(w, r)
		}
	}))
	// Cleanups run last first: the hanging handlers end, then the server.
	t.Cleanup(p.Close)
	t.Cleanup(func() { close(release) })
	return p
}

// pages is n codes: a disc herniation (M51.26) on every page, but for
// redFlag, when it is from 1 to n, which holds cauda equina syndrome
// (G83.4), a serious spinal condition.
func pages(n, redFlag int) []string {
	codes := make([]string, n)
	for i := range codes {
		codes[i] = "M51.26"
	}
	if redFlag >= 1 && redFlag <= n {
		codes[redFlag-1] = "G83.4"
	}
	return codes
}

// callOutcome is what a test of the FHIR reads checks of one call.
type callOutcome struct {
	Status int
	// Field and Error are those of an error's body.
	Field, Error string
	// Cards are the summaries of the cards, but for the key messages
	// (which an incomplete Result may carry).
	Cards []string
	// Unread is the extension's unread-conditions, and UnreadPatient its
	// unread-patient.
	Unread        []cdshooks.ConditionNote
	UnreadPatient []cdshooks.PatientNote
	// The call's Event.
	Outcome   string
	Urgencies []recommend.Urgency
	FHIRError string
	Fetched   bool
}

// outcomeOf reads a call's answer and its one Event.
func outcomeOf(t *testing.T, rec *httptest.ResponseRecorder, events []cdshooks.Event) callOutcome {
	t.Helper()
	got := callOutcome{Status: rec.Code}
	if rec.Code == http.StatusOK {
		var resp cdshooks.Response
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		for _, c := range resp.Cards {
			if c.Source.Topic == nil || c.Source.Topic.Code != "key-messages" {
				got.Cards = append(got.Cards, c.Summary)
			}
		}
		if resp.Extension != nil {
			got.Unread, got.UnreadPatient = resp.Extension.UnreadConditions, resp.Extension.UnreadPatient
		}
		if probs := checkResponse(rec.Body.Bytes()); len(probs) > 0 {
			t.Errorf("the response breaks the specification: %v", probs)
		}
	} else {
		e := decodeError(t, rec)
		got.Field, got.Error = e.Field, e.Error
	}
	if len(events) != 1 {
		t.Fatalf("%d events, want 1", len(events))
	}
	ev := events[0]
	got.Outcome, got.Urgencies, got.FHIRError, got.Fetched = ev.Outcome, ev.Urgencies, ev.FHIRError, ev.Fetched
	return got
}

// The texts of the tests of the FHIR reads.
const (
	seriousCard = "Urgent: Serious spinal condition on record; ask the treating team within 1 to 2 days what activity is safe, before any exercise advice."
	avoidCard   = "Avoid for now: Inversion table, Child's pose, Knee to chest, Double knee to chest, Happy baby and Foam roll the lower back."
	// avoidSeriousCard is the avoid card of the serious spinal condition
	// alone, avoidCard that of it with a disc herniation.
	avoidSeriousCard = "Avoid for now: Inversion table, Happy baby and Foam roll the lower back."
	unreadCard       = "Not every active condition could be read: exercise advice withheld; check the chart for red flags"
	// unreadRequestCard is the warning card of a call whose Conditions
	// were all read, but not every part of the request (a context key in
	// the wrong case, or given twice; a prefetch key it does not read).
	unreadRequestCard = "Part of the request could not be read: exercise advice withheld; every active condition was read"
	unreadPatientCard = "Patient could not be read: age-related referrals not assessed; check the age on the chart"
	// unreadPastCard is the card of past Conditions not all read.
	unreadPastCard = "Past conditions could not all be read: exercise advice withheld; check the chart for a past cancer"
	// unreadBirthDateCard and unreadSexCard are the cards of a Patient
	// read whose birthDate, or gender, could not be read.
	unreadBirthDateCard = "Birth date could not be read: age-related referrals not assessed; check the age on the chart"
	unreadSexCard       = "Gender could not be read: sex taken as not stated; check the sex on the chart"
	// testBudget is the FHIR budget of a case whose server hangs, and
	// longBudget that of a case whose server answers every read: never
	// reached, so that a slow machine cannot fail it.
	testBudget      = 200 * time.Millisecond
	longBudget      = 30 * time.Second
	budgetRanOut    = "the time allowed for reading from fhirServer (200ms in all for one call) ran out"
	unreadReasonOf  = "not every active Condition could be read from fhirServer: %s; the referrals are those of the Conditions read, and the rest of the advice is withheld"
	unreadPatientOf = "the Patient could not be read from fhirServer (%s): the age is taken as unknown, and the sex as not stated"
	// unreadBothOf is the error of the 412 of a call whose Patient could
	// not be read, nor (what) the Conditions, and those read call for no
	// referral: the Patient's cause, what was not read, and its cause.
	unreadBothOf = "missing, and the service could not read it from fhirServer: %s; nor %s: %s; " +
		"it needs the patient (Patient/{{context.patientId}}) to know the age, and a red flag may be among the conditions it could not read, so it does not answer without them"
)

// TestFHIRBudget checks that all the FHIR reads of one call share one
// budget (WithFHIRBudget): a server that answers each page within the
// limit of one read, but not all of them within the budget, stops the
// reads when it runs out, and the call is answered at once. When the
// Conditions read call for a referral, its card reaches the clinician,
// with a card saying that not every Condition could be read and no
// exercise advice; when they call for none, the call is a 412 that says
// why. A read that fails (status 500) is answered the same way. A
// Patient that never answers leaves the age unknown, and the Conditions
// are read with what is left of the budget: when it used it all, the
// Conditions of the client's first page still give their referral, and
// a 412 names both reads. The Event records what was answered, and why
// the reads stopped. The server's slowness is a read that never
// answers, so a case that hangs waits only for the short budget, and the
// others have a long one, which they never need: the test asserts
// nothing about time.
func TestFHIRBudget(t *testing.T) {
	pagesRequest := func(t *testing.T, server string) []byte {
		// The client's first page holds the red flag; the rest is on the
		// server, from page 2.
		return bytes.Replace(pagedRequest(t, server+"/r4", server+"/r4/Condition?patient=1288992&page=2", 0), []byte(`"M51.26"`), []byte(`"G83.4"`), 1)
	}
	spec := func(t *testing.T, s string) []byte { return specRequest(t, s+"/r4") }
	patientRanOut := []cdshooks.PatientNote{{Entry: "prefetch.patient", Reason: fmt.Sprintf(unreadPatientOf, budgetRanOut)}}
	tests := []struct {
		name   string
		server fhirPlan
		// budget is the FHIR budget: testBudget for a case whose server
		// hangs, longBudget otherwise.
		budget time.Duration
		body   func(t *testing.T, server string) []byte
		want   callOutcome
	}{
		{name: "the red flag on a page read before the budget ran out",
			server: fhirPlan{codes: pages(9, 1), block: 3}, budget: testBudget,
			body: spec,
			// The budget ran out before the past Conditions too.
			want: callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard, unreadPastCard},
				Unread:  []cdshooks.ConditionNote{{Entry: "prefetch.conditions", Reason: fmt.Sprintf(unreadReasonOf, budgetRanOut)}},
				Outcome: cdshooks.OutcomeCards, Urgencies: []recommend.Urgency{recommend.UrgencyUrgent}, FHIRError: budgetRanOut, Fetched: true}},
		{name: "the red flag on the last page, not read before the budget ran out",
			server: fhirPlan{codes: pages(9, 9), block: 3}, budget: testBudget,
			body: spec,
			want: callOutcome{Status: 412, Field: "prefetch.conditions",
				Error: "missing, and the service could not read every active condition from fhirServer: " + budgetRanOut +
					"; a red flag may be among those it could not read, so it does not answer without them",
				Outcome: cdshooks.OutcomePrecondition, FHIRError: budgetRanOut, Fetched: true}},
		{name: "the Patient not read before the budget ran out, which leaves nothing for the Conditions",
			server: fhirPlan{codes: pages(2, 1), block: -1}, budget: testBudget,
			body: spec,
			want: callOutcome{Status: 412, Field: "prefetch.patient", Error: fmt.Sprintf(unreadBothOf, budgetRanOut, "every active condition", budgetRanOut),
				Outcome: cdshooks.OutcomePrecondition, FHIRError: budgetRanOut}},
		{name: "the Patient not read before the budget ran out, the red flag on the client's first page",
			server: fhirPlan{codes: pages(9, 0), block: -1}, budget: testBudget,
			body: func(t *testing.T, s string) []byte { return withoutPatient(t, pagesRequest(t, s)) },
			want: callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard, unreadPatientCard},
				Unread:        []cdshooks.ConditionNote{{Entry: "prefetch.conditions", Reason: fmt.Sprintf(unreadReasonOf, budgetRanOut)}},
				UnreadPatient: patientRanOut,
				Outcome:       cdshooks.OutcomeCards, Urgencies: []recommend.Urgency{recommend.UrgencyUrgent}, FHIRError: budgetRanOut}},
		{name: "the Patient not read before the budget ran out, no red flag on the client's first page",
			server: fhirPlan{codes: pages(9, 0), block: -1}, budget: testBudget,
			body: func(t *testing.T, s string) []byte {
				return withoutPatient(t, pagedRequest(t, s+"/r4", s+"/r4/Condition?patient=1288992&page=2", 0))
			},
			want: callOutcome{Status: 412, Field: "prefetch.patient",
				Error:   fmt.Sprintf(unreadBothOf, budgetRanOut, "the other pages of the conditions Bundle", budgetRanOut),
				Outcome: cdshooks.OutcomePrecondition, FHIRError: budgetRanOut}},
		{name: "the Patient not read before the budget ran out, every condition sent",
			server: fhirPlan{codes: pages(1, 0), block: -1}, budget: testBudget,
			body: func(t *testing.T, s string) []byte {
				return bytes.Replace(withoutPatient(t, pagedRequest(t, s+"/r4", "", 0)), []byte(`"M51.26"`), []byte(`"G83.4"`), 1)
			},
			want: callOutcome{Status: 200, Cards: []string{seriousCard, unreadPatientCard, avoidSeriousCard},
				UnreadPatient: patientRanOut,
				Outcome:       cdshooks.OutcomeCards, Urgencies: []recommend.Urgency{recommend.UrgencyUrgent}, FHIRError: budgetRanOut}},
		{name: "the other pages of the prefetch, the budget ran out",
			server: fhirPlan{codes: pages(9, 0), block: 2}, budget: testBudget,
			body: pagesRequest,
			want: callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard},
				Unread:  []cdshooks.ConditionNote{{Entry: "prefetch.conditions", Reason: fmt.Sprintf(unreadReasonOf, budgetRanOut)}},
				Outcome: cdshooks.OutcomeCards, Urgencies: []recommend.Urgency{recommend.UrgencyUrgent}, FHIRError: budgetRanOut}},
		{name: "the other pages of the prefetch, a page fails",
			server: fhirPlan{codes: pages(9, 0), failPage: 2}, budget: longBudget,
			body: pagesRequest,
			want: callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard},
				Unread:  []cdshooks.ConditionNote{{Entry: "prefetch.conditions", Reason: fmt.Sprintf(unreadReasonOf, "status 500")}},
				Outcome: cdshooks.OutcomeCards, Urgencies: []recommend.Urgency{recommend.UrgencyUrgent}, FHIRError: "status 500"}},
		{name: "every page within the budget",
			server: fhirPlan{codes: pages(9, 9)}, budget: longBudget,
			body: spec,
			want: callOutcome{Status: 200, Cards: []string{seriousCard, avoidCard},
				Outcome: cdshooks.OutcomeCards, Urgencies: []recommend.Urgency{recommend.UrgencyUrgent}, Fetched: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fhir := newPagedFHIR(t, tt.server)
			env := newTrustEnv(t, func(f *cdshooks.TrustFile) { f.Clients[0].FHIRServers = []string{fhir.URL + "/r4"} })
			var logs strings.Builder
			var events []cdshooks.Event
			svc := trustedService(t, env, cdshooks.WithFHIRBudget(tt.budget),
				cdshooks.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
				cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
			auth := "Bearer " + sign(t, tokenSpec{alg: jose.RS384, key: keys().rsa, kid: "rsa-1", claims: goodClaims(ehrIss, servicePath)})
			rec := callWith(t, svc, servicePath, auth, tt.body(t, fhir.URL))
			body := rec.Body.String()
			if diff := cmp.Diff(tt.want, outcomeOf(t, rec, events)); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			if strings.Contains(body, fhirToken) || strings.Contains(logs.String(), fhirToken) {
				t.Errorf("the FHIR access token is in the answer or the log:\n%s\n%s", body, logs.String())
			}
		})
	}
}

// withoutPatient is body, a request, without its patient prefetch, so
// that the service reads the Patient from fhirServer.
func withoutPatient(t *testing.T, body []byte) []byte {
	t.Helper()
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	delete(req["prefetch"].(map[string]any), "patient")
	return mustJSON(t, req)
}

// TestFHIRReadFailureSaysWhy checks that a 412 for a prefetch the service
// could not read from fhirServer names the cause, without the access
// token or the patient's id, rather than only saying that the prefetch is
// missing; and that a redirect is never followed, to another host or
// any. A Patient that cannot be read is answered as an unreadable
// birthDate is: the Conditions are read all the same, the age is taken
// as unknown, the extension says why and a warning card says the
// age-related referrals were not assessed; only when the Conditions read
// call for no referral either is the call a 412, naming both causes. A
// Patient read whose birthDate or gender is of the wrong type costs only
// that value, as in prefetch.
func TestFHIRReadFailureSaysWhy(t *testing.T) {
	other := newPagedFHIR(t, fhirPlan{codes: pages(1, 1)})
	const conditions = "missing, and the service could not read every active condition from fhirServer: %s; " +
		"a red flag may be among those it could not read, so it does not answer without them"
	patient500 := []cdshooks.PatientNote{{Entry: "prefetch.patient", Reason: fmt.Sprintf(unreadPatientOf, "status 500")}}
	tests := []struct {
		name   string
		server fhirPlan
		want   callOutcome
	}{
		{name: "the search answers 500", server: fhirPlan{codes: pages(2, 2), failPage: 1},
			want: callOutcome{Status: 412, Field: "prefetch.conditions", Error: fmt.Sprintf(conditions, "status 500"),
				Outcome: cdshooks.OutcomePrecondition, FHIRError: "status 500", Fetched: true}},
		{name: "a later page answers 500, and the first gives no referral", server: fhirPlan{codes: pages(3, 3), failPage: 2},
			want: callOutcome{Status: 412, Field: "prefetch.conditions", Error: fmt.Sprintf(conditions, "status 500"),
				Outcome: cdshooks.OutcomePrecondition, FHIRError: "status 500", Fetched: true}},
		{name: "the search redirects to another host", server: fhirPlan{codes: pages(1, 1), redirect: other.URL + "/r4/Condition?patient=1288992"},
			want: callOutcome{Status: 412, Field: "prefetch.conditions", Error: fmt.Sprintf(conditions, "status 302, a redirect: not followed"),
				Outcome: cdshooks.OutcomePrecondition, FHIRError: "status 302, a redirect: not followed", Fetched: true}},
		{name: "the Patient answers 500, the red flag read", server: fhirPlan{codes: pages(2, 2), failPatient: true},
			want: callOutcome{Status: 200, Cards: []string{seriousCard, unreadPatientCard, avoidCard},
				UnreadPatient: patient500,
				Outcome:       cdshooks.OutcomeCards, Urgencies: []recommend.Urgency{recommend.UrgencyUrgent}, FHIRError: "status 500", Fetched: true}},
		{name: "the Patient answers 500, the red flag on a page read before one failed", server: fhirPlan{codes: pages(3, 1), failPatient: true, failPage: 2},
			want: callOutcome{Status: 200, Cards: []string{seriousCard, unreadCard, unreadPatientCard},
				Unread:        []cdshooks.ConditionNote{{Entry: "prefetch.conditions", Reason: fmt.Sprintf(unreadReasonOf, "status 500")}},
				UnreadPatient: patient500,
				Outcome:       cdshooks.OutcomeCards, Urgencies: []recommend.Urgency{recommend.UrgencyUrgent}, FHIRError: "status 500", Fetched: true}},
		{name: "the Patient answers 500, and the chart has nothing the rules know", server: fhirPlan{codes: []string{"Z00.00"}, failPatient: true},
			want: callOutcome{Status: 200, UnreadPatient: patient500, Outcome: cdshooks.OutcomeNoCards, FHIRError: "status 500", Fetched: true}},
		{name: "the Patient an OperationOutcome, the red flag read", server: fhirPlan{codes: pages(2, 2), patient: `{"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "processing"}]}`},
			want: callOutcome{Status: 200, Cards: []string{seriousCard, unreadPatientCard, avoidCard},
				UnreadPatient: []cdshooks.PatientNote{{Entry: "prefetch.patient",
					Reason: "an OperationOutcome in place of the Patient: it could not be fetched; the age is taken as unknown, and the sex as not stated"}},
				Outcome: cdshooks.OutcomeCards, Urgencies: []recommend.Urgency{recommend.UrgencyUrgent}, Fetched: true}},
		{name: "the Patient's birthDate a number", server: fhirPlan{codes: pages(2, 2), patient: `{"resourceType": "Patient", "id": "1288992", "birthDate": 1950}`},
			want: callOutcome{Status: 200, Cards: []string{seriousCard, unreadBirthDateCard, avoidCard},
				UnreadPatient: []cdshooks.PatientNote{{Entry: "prefetch.patient.birthDate", Reason: "must be a string, found a number: the age is taken as unknown"}},
				Outcome:       cdshooks.OutcomeCards, Urgencies: []recommend.Urgency{recommend.UrgencyUrgent}, Fetched: true}},
		{name: "the Patient's gender a number", server: fhirPlan{codes: pages(2, 2), patient: `{"resourceType": "Patient", "id": "1288992", "birthDate": "1950-01-01", "gender": 5}`},
			want: callOutcome{Status: 200, Cards: []string{seriousCard, unreadSexCard, avoidCard},
				UnreadPatient: []cdshooks.PatientNote{{Entry: "prefetch.patient.gender", Reason: "must be a string, found a number: the sex is taken as not stated"}},
				Outcome:       cdshooks.OutcomeCards, Urgencies: []recommend.Urgency{recommend.UrgencyUrgent}, Fetched: true}},
		{name: "the Patient answers 500, and so does the search", server: fhirPlan{codes: pages(1, 1), failPatient: true, failPage: 1},
			want: callOutcome{Status: 412, Field: "prefetch.patient", Error: fmt.Sprintf(unreadBothOf, "status 500", "every active condition", "status 500"),
				// The past Conditions were read.
				Outcome: cdshooks.OutcomePrecondition, FHIRError: "status 500", Fetched: true}},
		{name: "the Patient answers 500, and the pages read give no referral", server: fhirPlan{codes: pages(3, 3), failPatient: true, failPage: 2},
			want: callOutcome{Status: 412, Field: "prefetch.patient", Error: fmt.Sprintf(unreadBothOf, "status 500", "every active condition", "status 500"),
				Outcome: cdshooks.OutcomePrecondition, FHIRError: "status 500", Fetched: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fhir := newPagedFHIR(t, tt.server)
			env := newTrustEnv(t, func(f *cdshooks.TrustFile) { f.Clients[0].FHIRServers = []string{fhir.URL + "/r4"} })
			var events []cdshooks.Event
			svc := trustedService(t, env, cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
			auth := "Bearer " + sign(t, tokenSpec{alg: jose.RS384, key: keys().rsa, kid: "rsa-1", claims: goodClaims(ehrIss, servicePath)})
			before := other.hits.Load()
			rec := callWith(t, svc, servicePath, auth, specRequest(t, fhir.URL+"/r4"))
			body := rec.Body.String()
			if diff := cmp.Diff(tt.want, outcomeOf(t, rec, events)); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			for _, secret := range []string{fhirToken, "1288992"} {
				if strings.Contains(body, secret) {
					t.Errorf("the answer holds %q: %s", secret, body)
				}
			}
			if n := other.hits.Load() - before; n != 0 {
				t.Errorf("the other host got %d requests, want none", n)
			}
		})
	}
}
