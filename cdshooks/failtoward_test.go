package cdshooks_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/recommend"
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
		ref         = "prefetch.conditions.entry[1].resource.subject.reference"
		e1          = "prefetch.conditions.entry[1].resource"
		// caudaCard is the referral of the serious spinal condition
		// (G83.4) beside sciatica (23056005).
		caudaCard = "Emergency: Known serious spinal condition with new neurological signs, gait change or fever; emergency assessment now; inform its team."
	)
	redFlag := condition(active, caudaEquina)
	whose := func(entry, subject string) string { return strings.Replace(entry, `"Patient/p"`, `"`+subject+`"`, 1) }
	sciatica := condition(active, sciaticaCode)
	patientEntry := `{"fullUrl": "urn:uuid:9d3c", "search": {"mode": "include"}, "resource": {"resourceType": "Patient", "id": "p"}}`
	body := func(entries ...string) string { return request("", entries...) }
	tests := []failedCase{
		{"a red flag beside a Condition whose subject is a urn", body(redFlag, whose(sciatica, "urn:uuid:9d3c")),
			failed{Status: 200, Cards: []string{caudaCard, unreadCard}, Unread: []string{e1 + " 23056005"}}},
		{"a red flag beside a Condition whose subject is contained", body(redFlag, whose(sciatica, "#pat")),
			failed{Status: 200, Cards: []string{caudaCard, unreadCard}, Unread: []string{e1 + " 23056005"}}},
		{"a red flag beside another patient's Condition", body(redFlag, whose(sciatica, "Patient/q")),
			failed{Status: 200, Cards: []string{caudaCard, unreadCard}, Unread: []string{e1 + " 23056005"}}},
		{"a red flag beside a Group's Condition", body(redFlag, whose(sciatica, "Group/p")),
			failed{Status: 200, Cards: []string{caudaCard, unreadCard}, Unread: []string{e1 + " 23056005"}}},
		{"the red flag itself of a subject in doubt counts", body(sciatica, whose(redFlag, "urn:uuid:9d3c")),
			failed{Status: 200, Cards: []string{caudaCard, unreadCard}, Unread: []string{e1 + " G83.4"}}},
		{"a urn the Bundle resolves to the patient", body(sciatica, whose(redFlag, "urn:uuid:9d3c"), patientEntry),
			failed{Status: 200, Cards: []string{caudaCard, avoidSeriousCard}}},
		{"no referral: the 400 naming the subject", body(sciatica, whose(sciatica, "urn:uuid:9d3c")),
			failed{Status: 400, Field: ref}},
	}
	checkFailedCalls(t, tests, "is not the patient in context")
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
		cancerNerve = "Emergency: Cancer history with neurological symptoms; suspect metastatic spinal cord compression; contact acute oncology now."
		painCard    = "Some pain scores could not be read: check the pain trend on the chart"
	)
	redFlag := request("", condition(active, caudaEquina))
	rename := func(body, from, to string) string { return strings.Replace(body, `"`+from+`"`, `"`+to+`"`, 1) }
	pastCancer := `{"resourceType": "Bundle", "type": "searchset", "entry": [` +
		condition(status("clinicalStatus", clinicalR4, "resolved"), `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C50.911"}`) + `]}`
	tests := []failedCase{
		{"PastConditions beside a red flag", rename(redFlag, "pastConditions", "PastConditions"),
			failed{Status: 200, Cards: []string{seriousCard, unreadPastCard}, Unread: []string{"prefetch.PastConditions"}}},
		{"a past cancer under PastConditions",
			strings.Replace(request("", condition(active, sciaticaCode)), `"pastConditions": null`, `"PastConditions": `+pastCancer, 1),
			failed{Status: 200, Cards: []string{cancerNerve, unreadPastCard}, Unread: []string{"prefetch.PastConditions"}}},
		{"a red flag under Conditions", rename(redFlag, "conditions", "Conditions"),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{"prefetch.Conditions"}}},
		{"Conditions beside conditions with a red flag", strings.Replace(redFlag, `"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}`, `"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "Conditions": null`, 1),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{"prefetch.Conditions"}}},
		{"Patient beside a red flag", rename(redFlag, "patient", "Patient"),
			failed{Status: 200, Cards: []string{seriousCard, unreadPatientCard, avoidSeriousCard}, Unread: []string{"prefetch.Patient"}}},
		{"PainScores beside a red flag", strings.Replace(redFlag, `"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}`, `"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "PainScores": null`, 1),
			failed{Status: 200, Cards: []string{seriousCard, painCard, avoidSeriousCard}, Unread: []string{"prefetch.PainScores"}}},
		{"Conditions that call for no referral: the 400 naming the key", rename(request("", condition(active, sciaticaCode)), "conditions", "Conditions"),
			failed{Status: 400, Field: "prefetch.Conditions"}},
	}
	checkFailedCalls(t, tests, "wrong case")
}

// failed is what a call that met something it could not read answers, as
// the tests of failing toward a clinician compare it.
type failed struct {
	Status int
	// Field is the field of an error's body.
	Field string
	// Cards are the summaries of the cards, but for the key messages.
	Cards []string
	// Unread are the entries of the extension's unread lists (conditions,
	// past conditions, patient, pain scores), each with the codes it
	// counted.
	Unread []string
}

// withContext is body, a request written by request, with the hook's
// context holding with in place of patientId p.
func withContext(body, with string) string {
	return strings.Replace(body, `"context": {"patientId": "p"}`, `"context": {`+with+`}`, 1)
}

// failedCase is a call of the tests of failing toward a clinician: its
// body, and the answer it should get.
type failedCase struct {
	name, body string
	want       failed
}

// checkFailedCalls sends each case's body to the service, in a subtest,
// and compares the answer with the one it should get. The error of each
// call refused must hold every one of refusalSays (why the call is
// refused: "wrong case").
func checkFailedCalls(t *testing.T, tests []failedCase, refusalSays ...string) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg := failedAnswer(t, tt.body)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			for _, says := range refusalSays {
				if got.Status != http.StatusOK && !strings.Contains(msg, says) {
					t.Errorf("error %q, want it to say %q", msg, says)
				}
			}
		})
	}
}

// failedAnswer sends body to the service and reads its answer, and the
// message of its error, if any.
func failedAnswer(t *testing.T, body string) (failed, string) {
	t.Helper()
	rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, body)
	got := failed{Status: rec.Code}
	if rec.Code != http.StatusOK {
		e := decodeError(t, rec)
		got.Field = e.Field
		return got, e.Error
	}
	var resp cdshooks.Response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	for _, c := range resp.Cards {
		if c.Source.Topic == nil || c.Source.Topic.Code != "key-messages" {
			got.Cards = append(got.Cards, c.Summary)
		}
	}
	if x := resp.Extension; x != nil {
		for _, n := range append(x.UnreadConditions, x.UnreadPastConditions...) {
			e := n.Entry
			for _, cd := range n.Codes {
				e += " " + cd.Code
			}
			got.Unread = append(got.Unread, e)
		}
		for _, n := range x.UnreadPatient {
			got.Unread = append(got.Unread, n.Entry)
		}
		for _, n := range x.UnreadPainScores {
			got.Unread = append(got.Unread, n.Entry)
		}
	}
	return got, ""
}

// TestUnreadableEntryFailsTowardAClinician checks an entry of the
// conditions Bundle that cannot be read although it is an object: a
// resourceType that is missing, in the wrong case or not a string, a
// Bundle inside the Bundle, a key in the wrong case or given twice in the
// entry or its Condition. Each was a 400 that hid the red flags of the
// other entries, and its own. Now the entry is listed, with its path,
// under unread-conditions, its codes of the rule set's terms (a red flag
// among them) are counted, erring toward a referral, and the call is
// answered with the referral cards, the warning card and the rest of the
// advice withheld; the 400 naming the value at fault only when nothing
// calls for a referral.
func TestUnreadableEntryFailsTowardAClinician(t *testing.T) {
	const cauda = `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}`
	redFlag := condition(active, cauda)
	other := condition(active, unknownCode)
	const e1 = "prefetch.conditions.entry[1].resource"
	// Each breaks an entry written by condition.
	breaks := []struct {
		name  string
		do    func(entry string) string
		path  string // of the entry as listed
		field string // of the 400
	}{
		{"a resourceType missing", func(e string) string { return strings.Replace(e, `"resourceType": "Condition", `, "", 1) },
			e1, e1 + ".resourceType"},
		{"a resourceType in the wrong case", func(e string) string { return strings.Replace(e, `"Condition"`, `"condition"`, 1) },
			e1, e1 + ".resourceType"},
		{"a resourceType that is not a string", func(e string) string { return strings.Replace(e, `"Condition"`, `42`, 1) },
			e1, e1 + ".resourceType"},
		{"a Bundle inside the Bundle", func(e string) string {
			return `{"resource": {"resourceType": "Bundle", "type": "searchset", "entry": [` + e + `]}}`
		}, e1, e1 + ".resourceType"},
		{"Code", func(e string) string { return strings.Replace(e, `"code": {`, `"Code": {`, 1) },
			e1, e1 + ".Code"},
		{"code twice", func(e string) string {
			return strings.Replace(e, `"code": {`, `"code": {"text": "back pain"}, "code": {`, 1)
		},
			"prefetch.conditions.entry[1]", e1 + ".code"},
		{"ClinicalStatus", func(e string) string { return strings.Replace(e, `"clinicalStatus"`, `"ClinicalStatus"`, 1) },
			e1, e1 + ".ClinicalStatus"},
		{"a coding's Code", func(e string) string {
			i := strings.LastIndex(e, `"code": "`)
			return e[:i] + `"Code"` + e[i+len(`"code"`):]
		},
			e1, e1 + ".code.coding[0].Code"},
		{"Resource", func(e string) string { return strings.Replace(e, `"resource"`, `"Resource"`, 1) },
			"prefetch.conditions.entry[1]", "prefetch.conditions.entry[1].Resource"},
	}
	for _, b := range breaks {
		t.Run(b.name, func(t *testing.T) {
			checkFailedCalls(t, []failedCase{
				{"beside a red flag", request("", redFlag, b.do(other)),
					failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{b.path}}},
				{"the red flag itself", request("", other, b.do(redFlag)),
					failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{b.path + " G83.4"}}},
				{"no referral: the 400 naming it", request("", other, b.do(other)),
					failed{Status: 400, Field: b.field}},
			})
		})
	}
}

// TestUnreadableBundleFailsTowardAClinician checks a part of the
// conditions Bundle that cannot be read: an entry list that is not an
// array (one entry sent as an object), "Entry" in the wrong case or
// "entry" given twice, a total that is a string or negative, a link list
// that is not an array. Each was a 400 that hid the red flags of the
// entries: the Bundle is now read but for that part, which is listed, with
// its path, under unread-conditions, its codes of the rule set's terms
// counted (a total or link that cannot be read says nothing of the
// Conditions the Bundle lacks, so the rest of the advice is withheld);
// the 400 naming it only when nothing calls for a referral. A resource
// that is not an object is scanned for codes too.
func TestUnreadableBundleFailsTowardAClinician(t *testing.T) {
	const cauda = `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}`
	redFlag := condition(active, cauda)
	other := condition(active, unknownCode)
	const at = "prefetch.conditions"
	// bundle is a request whose conditions Bundle is written out.
	bundle := func(members string) string {
		return `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
			"prefetch": {"pastConditions": null, "patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "conditions": {"resourceType": "Bundle", "type": "searchset", ` + members + `}}}`
	}
	tests := []failedCase{
		{"an entry list that is an entry", bundle(`"entry": ` + redFlag),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{at + ".entry G83.4"}}},
		{"an entry list that is an entry, and no referral", bundle(`"entry": ` + other),
			failed{Status: 400, Field: at + ".entry"}},
		{"Entry beside entry", bundle(`"entry": [` + other + `], "Entry": [` + redFlag + `]`),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{at + ".Entry G83.4"}}},
		{"Entry alone", bundle(`"Entry": [` + redFlag + `]`),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{at + ".Entry G83.4"}}},
		{"entry given twice", bundle(`"entry": [` + redFlag + `], "entry": [` + other + `]`),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{at + ".entry"}}},
		{"entry given twice, the red flag in the second", bundle(`"entry": [` + other + `], "entry": [` + redFlag + `]`),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{at + ".entry G83.4"}}},
		{"a total that is a string", bundle(`"total": "1", "entry": [` + redFlag + `]`),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{at + ".total"}}},
		{"a total that is a string, and no referral", bundle(`"total": "1", "entry": [` + other + `]`),
			failed{Status: 400, Field: at + ".total"}},
		{"a negative total", bundle(`"total": -1, "entry": [` + redFlag + `]`),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{at + ".total"}}},
		{"a link list that is an object", bundle(`"link": {"relation": "next", "url": "https://fhir.example.org/Condition?page=2"}, "entry": [` + redFlag + `]`),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{at + ".link"}}},
		{"a key given twice in the Bundle's meta", bundle(`"meta": {"tag": [], "tag": []}, "entry": [` + redFlag + `]`),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{at + ".meta"}}},
		{"a resource that is an array holding the red flag", bundle(`"entry": [` + other + `, {"resource": [` + strings.TrimSuffix(strings.TrimPrefix(redFlag, `{"resource": `), `}`) + `]}]`),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{at + ".entry[1].resource G83.4"}}},
	}
	checkFailedCalls(t, tests)
}

// TestWrongBundleFailsTowardAClinician checks a conditions prefetch that
// cannot be told to be a search Bundle: a resourceType that is misspelt
// ("Bundl"), another resource's ("Patient") or not a string, or a value
// that is not an object (the Conditions sent as an array). Each was a 400
// that hid the red flags it holds. Now it is scanned for codes, as an
// entry that cannot be read is: it is listed, with its path, under
// unread-conditions with its codes of the rule set's terms counted, and
// the call is answered with the referral cards, the warning card and the
// rest of the advice withheld; the 400 naming it only when nothing calls
// for a referral. A past conditions prefetch of the wrong type is scanned
// for the terms that count in the past (a past cancer).
func TestWrongBundleFailsTowardAClinician(t *testing.T) {
	const (
		cauda       = `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}`
		cancer      = `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C50.911"}`
		cancerNerve = "Emergency: Cancer history with neurological symptoms; suspect metastatic spinal cord compression; contact acute oncology now."
		pastCard    = "Past conditions could not all be read: exercise advice withheld; check the chart for a past cancer"
	)
	redFlag, other := condition(active, cauda), condition(active, unknownCode)
	// body is a request whose conditions and past conditions are written
	// out.
	body := func(conditions, past string) string {
		return `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
			"prefetch": {"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "pastConditions": ` + past + `, "conditions": ` + conditions + `}}`
	}
	bundle := func(resourceType string, entries ...string) string {
		return `{"resourceType": ` + resourceType + `, "type": "searchset", "entry": [` + strings.Join(entries, ", ") + `]}`
	}
	const at = "prefetch.conditions"
	tests := []failedCase{
		{"Bundl holding a red flag", body(bundle(`"Bundl"`, other, redFlag), "null"),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{at + " G83.4"}}},
		{"Patient holding a red flag", body(bundle(`"Patient"`, redFlag), "null"),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{at + " G83.4"}}},
		{"a resourceType that is not a string, holding a red flag", body(bundle(`42`, redFlag), "null"),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{at + " G83.4"}}},
		{"an array of entries holding a red flag", body(`[`+redFlag+`]`, "null"),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{at + " G83.4"}}},
		{"Bundl, and no referral: the 400 naming it", body(bundle(`"Bundl"`, other), "null"),
			failed{Status: 400, Field: at + ".resourceType"}},
		{"an array, and no referral: the 400 naming it", body(`[`+other+`]`, "null"),
			failed{Status: 400, Field: at}},
		{"past conditions as Bundl holding a past cancer", body(bundle(`"Bundle"`, condition(active, sciaticaCode)),
			bundle(`"Bundl"`, condition(status("clinicalStatus", clinicalR4, "resolved"), cancer))),
			failed{Status: 200, Cards: []string{cancerNerve, pastCard}, Unread: []string{"prefetch.pastConditions C50.911"}}},
	}
	checkFailedCalls(t, tests)
}

// TestMiscasedContextKeyFailsTowardAClinician checks a key of the hook's
// context in the wrong case ("PatientId", "UserId"): it is not the key,
// and is reported with its name under unread-conditions, but it no longer
// makes the call a 400 that hides the red flags. A PatientId without a
// patientId is the patient in context, which the prefetch is checked
// against; a UserId that names a patient or their proxy stays a 400 (a
// patient may be viewing, who gets no cards, so nothing is hidden from a
// clinician). A context with no patient id at all stays a 400, whatever
// the prefetch holds: nothing in it can be told to be the patient's.
func TestMiscasedContextKeyFailsTowardAClinician(t *testing.T) {
	const cauda = `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}`
	redFlag := request("", condition(active, cauda))
	none := request("", condition(active, unknownCode))
	tests := []failedCase{
		{"PatientId beside a red flag", withContext(redFlag, `"PatientId": "p"`),
			failed{Status: 200, Cards: []string{seriousCard, unreadRequestCard}, Unread: []string{"context.PatientId"}}},
		{"PatientId beside patientId", withContext(redFlag, `"patientId": "p", "PatientId": "q"`),
			failed{Status: 200, Cards: []string{seriousCard, unreadRequestCard}, Unread: []string{"context.PatientId"}}},
		{"PatientId checks the subjects", withContext(strings.Replace(redFlag, `"Patient/p"`, `"Patient/q"`, 1), `"PatientId": "p"`),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{"prefetch.conditions.entry[0].resource G83.4", "context.PatientId"}}},
		{"PatientId and no referral: the 400 naming it", withContext(none, `"PatientId": "p"`),
			failed{Status: 400, Field: "context.PatientId"}},
		{"two PatientIds", withContext(redFlag, `"PatientId": "p", "PATIENTID": "p"`),
			failed{Status: 400, Field: "context.PATIENTID"}},
		{"no patient id at all", withContext(redFlag, `"userId": "Practitioner/1"`),
			failed{Status: 400, Field: "context.patientId"}},
		{"UserId of a practitioner beside a red flag", withContext(redFlag, `"patientId": "p", "UserId": "Practitioner/1"`),
			failed{Status: 200, Cards: []string{seriousCard, unreadRequestCard}, Unread: []string{"context.UserId"}}},
		{"UserId of a practitioner, and no referral: the 400 naming it", withContext(none, `"patientId": "p", "UserId": "Practitioner/1"`),
			failed{Status: 400, Field: "context.UserId"}},
		{"UserId of a patient: a patient may be viewing", withContext(redFlag, `"patientId": "p", "UserId": "Patient/p"`),
			failed{Status: 400, Field: "context.UserId"}},
		{"a userId of a patient beside a UserId: no cards", withContext(redFlag, `"patientId": "p", "userId": "Patient/p", "UserId": "Practitioner/1"`),
			failed{Status: 200}},
	}
	checkFailedCalls(t, tests)
}

// TestRepeatedPrefetchFailsTowardAClinician checks a prefetch key given
// twice, and a prefetch object in the wrong case ("Prefetch") or given
// twice. encoding/json would keep the last value, and the earlier one may
// hold the red flag: each was a 400 that hid every red flag. The last
// value is now read as the key, the others for their referrals only, each
// listed by its path with why, and the call is answered with the
// referral cards, the warning card and the rest of the advice withheld; the
// 400 naming the first only when nothing calls for a referral. A Patient
// or pain scores given twice are not read, as one in the wrong case.
func TestRepeatedPrefetchFailsTowardAClinician(t *testing.T) {
	const cauda = `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}`
	bundle := func(entry string) string {
		return `{"resourceType": "Bundle", "type": "searchset", "entry": [` + entry + `]}`
	}
	red, other := bundle(condition(active, cauda)), bundle(condition(active, unknownCode))
	// body is a request with the prefetch written out.
	body := func(prefetch string) string {
		return `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}, ` + prefetch + `}`
	}
	const (
		patientCard = "Patient could not be read: age-related referrals not assessed; check the age on the chart"
		painCard    = "Some pain scores could not be read: check the pain trend on the chart"
		pastCard    = "Past conditions could not all be read: exercise advice withheld; check the chart for a past cancer"
		// Every Condition was read: the advice is not withheld.
		avoidCard = "Avoid for now: Inversion table, Happy baby and Foam roll the lower back."
	)
	tests := []failedCase{
		{"conditions twice, the red flag first", body(`"prefetch": {"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "pastConditions": null, "conditions": ` + red + `, "conditions": ` + other + `}`),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{"prefetch.conditions"}}},
		{"conditions twice, the red flag last", body(`"prefetch": {"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "pastConditions": null, "conditions": ` + other + `, "conditions": ` + red + `}`),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{"prefetch.conditions"}}},
		{"conditions twice, and no referral: the 400 naming it", body(`"prefetch": {"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "pastConditions": null, "conditions": ` + other + `, "conditions": null}`),
			failed{Status: 400, Field: "prefetch.conditions"}},
		{"patient twice beside a red flag", body(`"prefetch": {"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "pastConditions": null, "conditions": ` + red + `}`),
			failed{Status: 200, Cards: []string{seriousCard, patientCard, avoidCard}, Unread: []string{"prefetch.patient"}}},
		{"painScores twice beside a red flag", body(`"prefetch": {"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "pastConditions": null, "conditions": ` + red + `, "painScores": null, "painScores": null}`),
			failed{Status: 200, Cards: []string{seriousCard, painCard, avoidCard}, Unread: []string{"prefetch.painScores"}}},
		{"Prefetch", body(`"Prefetch": {"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "pastConditions": null, "conditions": ` + red + `}`),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard, pastCard, patientCard},
				Unread: []string{"Prefetch.conditions", "Prefetch.pastConditions", "Prefetch.patient"}}},
		{"Prefetch beside prefetch", body(`"prefetch": {"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "pastConditions": null, "conditions": ` + other + `}, "Prefetch": {"conditions": ` + red + `}`),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{"Prefetch.conditions"}}},
		{"Prefetch, and no referral: the 400 naming it", body(`"Prefetch": {"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "pastConditions": null, "conditions": ` + other + `}`),
			failed{Status: 400, Field: "Prefetch.conditions"}},
		{"a null Prefetch beside a red flag", body(`"prefetch": {"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "pastConditions": null, "conditions": ` + red + `}, "Prefetch": null`),
			failed{Status: 200, Cards: []string{seriousCard, unreadRequestCard}, Unread: []string{"Prefetch"}}},
		{"a key the service does not read, twice", body(`"prefetch": {"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "pastConditions": null, "conditions": ` + red + `, "x": 1, "x": 2}`),
			failed{Status: 200, Cards: []string{seriousCard, unreadRequestCard}, Unread: []string{"prefetch.x"}}},
		{"prefetch twice", body(`"prefetch": {"conditions": ` + red + `}, "prefetch": {"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "pastConditions": null, "conditions": ` + other + `}`),
			failed{Status: 200, Cards: []string{seriousCard, unreadCard}, Unread: []string{"prefetch.conditions"}}},
	}
	checkFailedCalls(t, tests)
}

// TestMissingPatientFailsTowardAClinician checks a request without the
// patient prefetch (the key missing, not null), which no trusted client's
// fhirServer fills. It was a 412 whatever the Conditions held, so a red
// flag on the chart, an emergency among them, reached no card. The
// Conditions are now read with the age unknown, as for a patient of null:
// when they call for a referral, the call is answered with the cards and
// the warning card saying the patient was missing; the 412 naming the
// patient only when they call for none.
func TestMissingPatientFailsTowardAClinician(t *testing.T) {
	const cauda = `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}`
	bundle := func(entry string) string {
		return `{"resourceType": "Bundle", "type": "searchset", "entry": [` + entry + `]}`
	}
	red, other := bundle(condition(active, cauda)), bundle(condition(active, unknownCode))
	body := func(prefetch string) string {
		return `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}, "prefetch": {` + prefetch + `}}`
	}
	const (
		missingCard = "Patient missing: age-related referrals not assessed; check the age on the chart"
		avoidCard   = "Avoid for now: Inversion table, Happy baby and Foam roll the lower back."
	)
	tests := []failedCase{
		{"a red flag", body(`"pastConditions": null, "conditions": ` + red),
			failed{Status: 200, Cards: []string{seriousCard, missingCard, avoidCard}, Unread: []string{"prefetch.patient"}}},
		{"no referral: the 412 naming the patient", body(`"pastConditions": null, "conditions": ` + other),
			failed{Status: 412, Field: "prefetch.patient"}},
		{"an empty chart", body(`"pastConditions": null, "conditions": ` + bundle("")),
			failed{Status: 412, Field: "prefetch.patient"}},
		{"the conditions missing too", body(`"pastConditions": null`),
			failed{Status: 412, Field: "prefetch.patient"}},
	}
	checkFailedCalls(t, tests, "missing")

	t.Run("an emergency", func(t *testing.T) {
		eng := testEngine(t)
		svc := cdshooks.NewService(func() *recommend.Engine { return eng }, cdshooks.WithClock(clock), quiet)
		saddle := bundle(condition(active, `{"system": "`+testOnlySystem+`", "code": "saddle-numbness"}`))
		rec := httptest.NewRecorder()
		svc.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/cds-services/"+cdshooks.ServiceID, strings.NewReader(body(`"pastConditions": null, "conditions": `+saddle))))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d, want 200: %s", rec.Code, rec.Body)
		}
		var resp cdshooks.Response
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		if len(resp.Cards) < 2 || resp.Cards[0].Indicator != cdshooks.IndicatorCritical || resp.Cards[1].Summary != missingCard {
			t.Errorf("cards %+v, want the emergency first, then %q", resp.Cards, missingCard)
		}
	})
}

// TestNoActiveConditionReadFailsTowardAClinician checks a request none of
// whose active Conditions could be read (the conditions key missing, or an
// OperationOutcome in its place) while the rest of it calls for a
// referral: a past cancer among the past Conditions. It was a 412 that
// hid the referral, although a Bundle read in part (a page of several)
// gave it. It is now answered as that Bundle is: the referral cards and
// the warning card, the conditions listed under unread-conditions, the
// 412 naming them only when nothing calls for a referral.
func TestNoActiveConditionReadFailsTowardAClinician(t *testing.T) {
	const (
		cancerCard = "Urgent: New back pain in a patient with a history of cancer; assess within days for spinal metastases."
		failedOO   = `{"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception"}]}`
	)
	pastCancer := pastBundle("", pastCondition("p1", "resolved", "C50.911"))
	body := func(conditions, past string) string {
		prefetch := `"patient": {"resourceType": "Patient", "id": "p", "birthDate": "1960-05-01"}, "pastConditions": ` + past
		if conditions != "" {
			prefetch += `, "conditions": ` + conditions
		}
		return `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}, "prefetch": {` + prefetch + `}}`
	}
	tests := []failedCase{
		{"the key missing, a past cancer", body("", pastCancer),
			failed{Status: 200, Cards: []string{cancerCard, unreadCard}, Unread: []string{"prefetch.conditions"}}},
		{"an OperationOutcome, a past cancer", body(failedOO, pastCancer),
			failed{Status: 200, Cards: []string{cancerCard, unreadCard}, Unread: []string{"prefetch.conditions"}}},
		{"the key missing, and no referral: the 412 naming it", body("", "null"),
			failed{Status: 412, Field: "prefetch.conditions"}},
		{"an OperationOutcome, and no referral: the 412 naming it", body(failedOO, pastBundle("", pastCondition("p1", "resolved", "M51.26"))),
			failed{Status: 412, Field: "prefetch.conditions"}},
		{"the patient missing too, a past cancer", strings.Replace(body("", pastCancer), `"patient": {"resourceType": "Patient", "id": "p", "birthDate": "1960-05-01"}, `, "", 1),
			failed{Status: 200, Cards: []string{cancerCard, unreadCard, "Patient missing: age-related referrals not assessed; check the age on the chart"},
				Unread: []string{"prefetch.conditions", "prefetch.patient"}}},
		{"the patient missing too, and no referral: the 412 naming the patient", strings.Replace(body("", "null"), `"patient": {"resourceType": "Patient", "id": "p", "birthDate": "1960-05-01"}, `, "", 1),
			failed{Status: 412, Field: "prefetch.patient"}},
	}
	checkFailedCalls(t, tests)
}

// TestRepeatedContextKeyFailsTowardAClinician checks a patientId or userId
// given twice in the hook's context. encoding/json would keep the last
// value, and the call was a 400 that hid every red flag. A userId given
// twice that names no patient or proxy, and a patientId given twice with
// the same value, are now listed by path under unread-conditions and
// answered with the referral cards, the warning card and the rest of the
// advice withheld, the 400 only when nothing calls for a referral. A
// patientId given twice with another value stays a 400: the service
// cannot tell whose chart is in view. A userId given twice that names a
// patient or their proxy stays a 400, as a UserId does (a patient may be
// viewing); when the last names one, the call gets no cards, as for one
// userId.
func TestRepeatedContextKeyFailsTowardAClinician(t *testing.T) {
	const cauda = `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}`
	redFlag := request("", condition(active, cauda))
	none := request("", condition(active, unknownCode))
	checkFailedCalls(t, []failedCase{
		{"userId twice beside a red flag", withContext(redFlag, `"patientId": "p", "userId": "Practitioner/1", "userId": "Practitioner/2"`),
			failed{Status: 200, Cards: []string{seriousCard, unreadRequestCard}, Unread: []string{"context.userId"}}},
		{"userId twice, and no referral: the 400 naming it", withContext(none, `"patientId": "p", "userId": "Practitioner/1", "userId": "Practitioner/2"`),
			failed{Status: 400, Field: "context.userId"}},
		{"userId twice, the first a patient", withContext(redFlag, `"patientId": "p", "userId": "Patient/p", "userId": "Practitioner/1"`),
			failed{Status: 400, Field: "context.userId"}},
		{"userId twice, the last a proxy: no cards", withContext(redFlag, `"patientId": "p", "userId": "Practitioner/1", "userId": "RelatedPerson/1"`),
			failed{Status: 200}},
		{"patientId twice, the same", withContext(redFlag, `"patientId": "p", "patientId": "p"`),
			failed{Status: 200, Cards: []string{seriousCard, unreadRequestCard}, Unread: []string{"context.patientId"}}},
		{"patientId twice, the same, and no referral", withContext(none, `"patientId": "p", "patientId": "p"`),
			failed{Status: 400, Field: "context.patientId"}},
		{"patientId twice, another patient", withContext(redFlag, `"patientId": "q", "patientId": "p"`),
			failed{Status: 400, Field: "context.patientId"}},
		{"another key twice stays a 400", withContext(redFlag, `"patientId": "p", "encounterId": "e", "encounterId": "f"`),
			failed{Status: 400, Field: "context.encounterId"}},
	})
}

// TestRepeatedContextKeyNamed checks that the warning card of a context
// key given twice names the key: the card's detail is all a clinician
// reads, and "given twice" alone does not say what.
func TestRepeatedContextKeyNamed(t *testing.T) {
	const cauda = `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}`
	for _, key := range []string{"patientId", "userId"} {
		context := `"patientId": "p", "userId": "Practitioner/1", "` + key + `": "` + map[string]string{"patientId": "p", "userId": "Practitioner/2"}[key] + `"`
		body := withContext(request("", condition(active, cauda)), context)
		rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, body)
		var resp cdshooks.Response
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("%s: %v: %s", key, err, rec.Body)
		}
		i := slices.IndexFunc(resp.Cards, func(c cdshooks.Card) bool { return c.Summary == unreadRequestCard })
		if i < 0 {
			t.Fatalf("%s given twice: no card %q", key, unreadRequestCard)
		}
		if !strings.Contains(resp.Cards[i].Detail, "context."+key+" is given twice") {
			t.Errorf("%s given twice: the warning card does not name it:\n%s", key, resp.Cards[i].Detail)
		}
	}
}

// TestUnreadRequestPartCardSaysWhatWasNotRead checks the warning card of
// a call whose Conditions were all read, but a part of the request was
// not: a context key in the wrong case or given twice (PatientId, UserId,
// userId twice), a prefetch key the service does not read given twice.
// The card used to say the service "could not read every active
// Condition", sending the clinician to look for Conditions it had read;
// it now says that every active Condition was read, and what was not.
// When a Condition could not be read too, the card says so, as before.
func TestUnreadRequestPartCardSaysWhatWasNotRead(t *testing.T) {
	const cauda = `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}`
	redFlag := request("", condition(active, cauda))
	unreadEntry := request("", condition(active, cauda), `{"resource": {"resourceType": "Condition", "Code": {}}}`)
	const allRead = "Every active Condition was read, but not every part of the request ("
	type card struct {
		Summary string
		// AllRead is whether the detail says every Condition was read;
		// NotRead whether it says one could not be.
		AllRead, NotRead bool
	}
	tests := []struct {
		name, body string
		want       card
	}{
		{"PatientId beside patientId", withContext(redFlag, `"patientId": "p", "PatientId": "q"`),
			card{Summary: unreadRequestCard, AllRead: true}},
		{"UserId of a practitioner", withContext(redFlag, `"patientId": "p", "UserId": "Practitioner/1"`),
			card{Summary: unreadRequestCard, AllRead: true}},
		{"userId twice", withContext(redFlag, `"patientId": "p", "userId": "Practitioner/1", "userId": "Practitioner/2"`),
			card{Summary: unreadRequestCard, AllRead: true}},
		{"patientId twice, the same", withContext(redFlag, `"patientId": "p", "patientId": "p"`),
			card{Summary: unreadRequestCard, AllRead: true}},
		{"a prefetch key the service does not read, twice", strings.Replace(redFlag, `"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}`, `"patient": {"resourceType": "Patient", "birthDate": "1980-05-02"}, "x": 1, "x": 2`, 1),
			card{Summary: unreadRequestCard, AllRead: true}},
		{"UserId beside an entry that cannot be read", withContext(unreadEntry, `"patientId": "p", "UserId": "Practitioner/1"`),
			card{Summary: unreadCard, NotRead: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, tt.body)
			var resp cdshooks.Response
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatalf("%v: %s", err, rec.Body)
			}
			i := slices.IndexFunc(resp.Cards, func(c cdshooks.Card) bool {
				return c.Indicator == cdshooks.IndicatorWarning && c.Source.Topic != nil && c.Source.Topic.Code == "advice-unavailable"
			})
			if i < 0 {
				t.Fatalf("no warning card: %s", rec.Body)
			}
			c := resp.Cards[i]
			got := card{Summary: c.Summary, AllRead: strings.Contains(c.Detail, allRead),
				NotRead: strings.Contains(c.Detail, "could not read every active Condition")}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("warning card (-want +got):\n%s\ndetail: %s", diff, c.Detail)
			}
		})
	}
}

// TestManyUnreadEntriesCardStaysReadable checks the warning card of a
// conditions Bundle with many entries that cannot be read: its detail
// lists the first few reasons and how many more, and the extension lists
// every entry. The detail used to hold every reason, a card of megabytes
// for a Bundle of thousands of such entries.
func TestManyUnreadEntriesCardStaysReadable(t *testing.T) {
	const cauda = `{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}`
	entries := []string{condition(active, cauda)}
	for range 50 {
		entries = append(entries, `{"resource": {"resourceType": "Condition", "Code": {}}}`)
	}
	rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, request("", entries...))
	var resp cdshooks.Response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	i := slices.IndexFunc(resp.Cards, func(c cdshooks.Card) bool { return c.Summary == unreadCard })
	if i < 0 {
		t.Fatalf("no card %q", unreadCard)
	}
	if d := resp.Cards[i].Detail; len(d) > 4000 || !strings.Contains(d, "; and 45 more, listed in the extension") {
		t.Errorf("the warning card's detail, %d bytes, does not list 5 reasons and 45 more:\n%s", len(d), d)
	}
	if resp.Extension == nil || len(resp.Extension.UnreadConditions) != 50 {
		t.Errorf("the extension does not list the 50 entries: %+v", resp.Extension)
	}
}
