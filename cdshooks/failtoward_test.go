package cdshooks_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/backrules/backrules/cdshooks"
	"github.com/google/go-cmp/cmp"
)

// TestSubjectNotConfirmedFailsTowardAClinician checks a Condition whose
// subject cannot be told to be the patient in context (a urn no entry
// resolves, a contained resource, another Patient, a Group): it no longer
// makes the call a 400 that hides the other Conditions' red flags. Its
// codes count, as the patient's (the search was for the patient's
// Conditions), and it is reported as not read, so that the referral cards
// come with the warning card and the rest of the advice withheld; with no
// referral at all, the 400 naming the subject is the answer. A urn that an
// entry of the Bundle resolves to the Patient in context is the patient.
func TestSubjectNotConfirmedFailsTowardAClinician(t *testing.T) {
	const (
		caudaEquina = `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}`
		referral    = "Emergency: "
		incomplete  = "Not every active condition could be read: exercise advice withheld; check the chart for red flags"
		ref         = "prefetch.conditions.entry[1].resource.subject.reference"
	)
	redFlag := condition(active, caudaEquina)
	whose := func(entry, subject string) string { return strings.Replace(entry, `"Patient/p"`, `"`+subject+`"`, 1) }
	sciatica := condition(active, sciaticaCode)
	patientEntry := `{"fullUrl": "urn:uuid:9d3c", "search": {"mode": "include"}, "resource": {"resourceType": "Patient", "id": "p"}}`
	tests := []struct {
		name    string
		entries []string
		status  int
		field   string   // of an error
		cards   []string // the start of each card's summary, up to the warning card
		unread  []string // the entries of the unread-conditions extension
	}{
		{name: "a red flag beside a Condition whose subject is a urn",
			entries: []string{redFlag, whose(sciatica, "urn:uuid:9d3c")},
			status:  200, cards: []string{referral, incomplete}, unread: []string{"prefetch.conditions.entry[1].resource"}},
		{name: "a red flag beside a Condition whose subject is contained",
			entries: []string{redFlag, whose(sciatica, "#pat")},
			status:  200, cards: []string{referral, incomplete}, unread: []string{"prefetch.conditions.entry[1].resource"}},
		{name: "a red flag beside another patient's Condition",
			entries: []string{redFlag, whose(sciatica, "Patient/q")},
			status:  200, cards: []string{referral, incomplete}, unread: []string{"prefetch.conditions.entry[1].resource"}},
		{name: "a red flag beside a Group's Condition",
			entries: []string{redFlag, whose(sciatica, "Group/p")},
			status:  200, cards: []string{referral, incomplete}, unread: []string{"prefetch.conditions.entry[1].resource"}},
		{name: "the red flag itself of a subject in doubt counts",
			entries: []string{sciatica, whose(redFlag, "urn:uuid:9d3c")},
			status:  200, cards: []string{referral, incomplete}, unread: []string{"prefetch.conditions.entry[1].resource"}},
		{name: "a urn the Bundle resolves to the patient",
			entries: []string{sciatica, whose(redFlag, "urn:uuid:9d3c"), patientEntry},
			status:  200, cards: []string{referral}},
		{name: "no referral: the 400 naming the subject",
			entries: []string{sciatica, whose(sciatica, "urn:uuid:9d3c")},
			status:  400, field: ref},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, request("", tt.entries...))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status != http.StatusOK {
				if e := decodeError(t, rec); e.Field != tt.field || !strings.Contains(e.Error, "is not the patient in context") {
					t.Errorf("error %+v, want one at %s saying it is not the patient in context", e, tt.field)
				}
				return
			}
			var resp cdshooks.Response
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range resp.Cards {
				if len(got) == len(tt.cards) {
					break
				}
				got = append(got, c.Summary)
			}
			if len(got) != len(tt.cards) {
				t.Fatalf("cards %q, want %d starting %q", got, len(tt.cards), tt.cards)
			}
			for i, want := range tt.cards {
				if !strings.HasPrefix(got[i], want) {
					t.Errorf("card %d is %q, want it to start %q", i, got[i], want)
				}
			}
			var unread []string
			if resp.Extension != nil {
				unread = entriesOf(resp.Extension.UnreadConditions)
			}
			if diff := cmp.Diff(tt.unread, unread); diff != "" {
				t.Errorf("unread conditions (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMiscasedPrefetchKeyFailsTowardAClinician checks a prefetch key in
// the wrong case ("Conditions", "PastConditions", "Patient",
// "PainScores"): JSON keys are case-sensitive, so it is not the key, and
// it is reported with its name; but it no longer makes the call a 400 that
// hides the red flags of the other keys, nor those it holds itself. The
// Conditions of a miscased key count toward a referral, with the rest of
// the advice withheld and the warning card of the Conditions not read; a
// miscased Patient or pain scores key is not read, as one that cannot be
// read. With no referral at all, the 400 naming the key is the answer.
func TestMiscasedPrefetchKeyFailsTowardAClinician(t *testing.T) {
	const (
		caudaEquina = `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}`
		serious     = "Urgent: Serious spinal condition"     // G83.4
		cancerNerve = "Emergency: Cancer history with neuro" // a past cancer with sciatica
		activeCard  = "Not every active condition could be read: exercise advice withheld; check the chart for red flags"
		pastCard    = "Past conditions could not all be read: exercise advice withheld; check the chart for a past cancer"
		patientCard = "Patient could not be read: age-related referrals not assessed; check the age on the chart"
		painCard    = "Some pain scores could not be read: check the pain trend on the chart"
	)
	redFlag := request("", condition(active, caudaEquina))
	rename := func(body, from, to string) string { return strings.Replace(body, `"`+from+`"`, `"`+to+`"`, 1) }
	pastCancer := `{"resourceType": "Bundle", "type": "searchset", "entry": [` +
		condition(status("clinicalStatus", clinicalR4, "resolved"), `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C50.911"}`) + `]}`
	tests := []struct {
		name   string
		body   string
		status int
		field  string   // of an error
		cards  []string // the start of each card's summary, up to the last note card
		notes  []string // the entries of the extension's unread lists
	}{
		{name: "PastConditions beside a red flag",
			body:   rename(redFlag, "pastConditions", "PastConditions"),
			status: 200, cards: []string{serious, pastCard}, notes: []string{"prefetch.PastConditions"}},
		{name: "a past cancer under PastConditions",
			body:   strings.Replace(request("", condition(active, sciaticaCode)), `"pastConditions": null`, `"PastConditions": `+pastCancer, 1),
			status: 200, cards: []string{cancerNerve, pastCard}, notes: []string{"prefetch.PastConditions"}},
		{name: "a red flag under Conditions",
			body:   rename(redFlag, "conditions", "Conditions"),
			status: 200, cards: []string{serious, activeCard}, notes: []string{"prefetch.Conditions"}},
		{name: "Conditions beside conditions with a red flag",
			body:   strings.Replace(redFlag, `"patient": null`, `"patient": null, "Conditions": null`, 1),
			status: 200, cards: []string{serious, activeCard}, notes: []string{"prefetch.Conditions"}},
		{name: "Patient beside a red flag",
			body:   rename(redFlag, "patient", "Patient"),
			status: 200, cards: []string{serious, patientCard}, notes: []string{"prefetch.Patient"}},
		{name: "PainScores beside a red flag",
			body:   strings.Replace(redFlag, `"patient": null`, `"patient": null, "PainScores": null`, 1),
			status: 200, cards: []string{serious, painCard}, notes: []string{"prefetch.PainScores"}},
		{name: "Conditions that call for no referral: the 400 naming the key",
			body:   rename(request("", condition(active, sciaticaCode)), "conditions", "Conditions"),
			status: 400, field: "prefetch.Conditions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, tt.body)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status != http.StatusOK {
				if e := decodeError(t, rec); e.Field != tt.field || !strings.Contains(e.Error, "wrong case") {
					t.Errorf("error %+v, want one at %s saying wrong case", e, tt.field)
				}
				return
			}
			var resp cdshooks.Response
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range resp.Cards[:min(len(tt.cards), len(resp.Cards))] {
				got = append(got, c.Summary)
			}
			if len(got) != len(tt.cards) {
				t.Fatalf("cards %q, want %d starting %q", got, len(tt.cards), tt.cards)
			}
			for i, want := range tt.cards {
				if !strings.HasPrefix(got[i], want) {
					t.Errorf("card %d is %q, want it to start %q", i, got[i], want)
				}
			}
			var notes []string
			if x := resp.Extension; x != nil {
				for _, n := range append(x.UnreadConditions, x.UnreadPastConditions...) {
					notes = append(notes, n.Entry)
				}
				for _, n := range x.UnreadPatient {
					notes = append(notes, n.Entry)
				}
				for _, n := range x.UnreadPainScores {
					notes = append(notes, n.Entry)
				}
			}
			if diff := cmp.Diff(tt.notes, notes); diff != "" {
				t.Errorf("the entries not read (-want +got):\n%s", diff)
			}
		})
	}
}
