package cdshooks_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/internal/fuzzseed"
)

// FuzzDecodeRequest decodes arbitrary request bodies and maps them to
// profiles. Neither may panic; every problem must be a *RequestError with
// a 400 or a 412; a request that maps must give a profile the engine
// accepts, and cards that meet the specification.
func FuzzDecodeRequest(f *testing.F) {
	for _, data := range fuzzseed.Files(f, requestsDir+"/*.json", "../testdata/fuzz/FuzzDecodeRequest/*") {
		f.Add(data)
	}
	f.Add([]byte(`{"hook":"patient-view","hookInstance":"x","context":{"patientId":"p"},"prefetch":{"patient":{"resourceType":"Patient","birthDate":"1000"},"conditions":{"resourceType":"Bundle","entry":[{"resource":null},{"resource":{"resourceType":"Condition","code":{"coding":[{}]}}}]}}}`))
	f.Add([]byte(`{"hook":"patient-view","hookInstance":"x","context":{"patientId":"p"},"prefetch":{"patient":{"resourceType":"OperationOutcome"},"conditions":[]}}`))
	f.Add([]byte(`{"hook":"patient-view","hookInstance":"x","context":{"patientId":"p"},"prefetch":{"patient":null,"conditions":{"resourceType":"Bundle","total":2,"entry":[{"resource":{"resourceType":"Condition","clinicalStatus":{"coding":[{"system":"http://hl7.org/fhir/condition-clinical","code":"active"}]},"ClinicalStatus":{},"code":{"coding":[{"system":"http://snomed.info/sct","code":"23056005"}]}}},{"resource":{"resourceType":"condition","code":{}}}]}}}`))
	f.Add([]byte(`{"hook":"patient-view","hookInstance":"x","context":{"patientId":"p"},"prefetch":{"patient":null,"conditions":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Condition","verificationStatus":{"coding":[{"code":"refuted"}]},"code":{"coding":[{"system":"http://snomed.info/sct","code":"23056005"},{"code":"x"}]},"code":null}}]}}}`))
	f.Add([]byte(`{"hook":"patient-view","hookInstance":"x","context":{"patientId":"p"},"prefetch":{"patient":null,"conditions":null,"painScores":{"resourceType":"Bundle","total":3,"entry":[{"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"72514-3"}]},"effectiveDateTime":"2026-01-05","valueInteger":6}},{"resource":{"resourceType":"Observation","status":"amended","code":{"coding":[{"system":"http://loinc.org","code":"72514-3"}]},"effectivePeriod":{"start":"2026-01-12T09:00:00Z"},"valueQuantity":{"value":5}}},{"resource":{"resourceType":"Observation","status":"entered-in-error","code":{"coding":[{"system":"http://loinc.org","code":"72514-3"}]},"effectiveInstant":"1999-12-31T23:59:59Z","valueInteger":11}}]}}}`))
	f.Add([]byte(`{"hook":"patient-view","hookInstance":"x","context":{"patientId":"p"},"prefetch":{"patient":null,"conditions":null,"painScores":{"resourceType":"Bundle","link":[{"relation":"next"}],"entry":[{"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"72514-3"}]},"effectiveDateTime":"2026-02","valueQuantity":{"value":4.5}}},{"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"fatal"}]}}]}}}`))
	f.Add([]byte(`{"hook":"patient-view","hookInstance":"x","context":{"PatientId":"p","UserId":"Practitioner/1"},"prefetch":{"patient":null,"conditions":{"resourceType":"Bundle","entry":{"resource":{"resourceType":"Condition"}}},"conditions":null},"Prefetch":{"Conditions":{"resourceType":"Bundle","total":"1","Entry":[]}}}`))
	f.Add([]byte(`{"hook":"patient-view","hookInstance":"x","context":{"patientId":"p"},"prefetch":{},"prefetch":{"patient":null,"conditions":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Bundle","entry":[{"resource":{"Code":{"coding":[{"System":"http://hl7.org/fhir/sid/icd-10-cm","code":"G83.4"}]}}}]}}]}}}`))
	f.Add([]byte(`{"hook":"patient-view","hookInstance":"x","context":{"patientId":"p","userId":"Practitioner/1","patientId":"p","userId":"Patient/p"},"prefetch":{"patient":null,"conditions":{"resourceType":"Bundle","total":"2","Entry":[],"entry":[{"resource":{"resourceType":"Condition","code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"G83.4"}]}}}]}}}`))
	f.Add([]byte("\xff"))
	eng := defaultEngine(f)
	vocab := eng.Vocabulary()
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := cdshooks.DecodeRequest(data)
		if err != nil {
			var re *cdshooks.RequestError
			if !errors.As(err, &re) || re.Status != http.StatusBadRequest || re.Error() == "" {
				t.Fatalf("DecodeRequest error %T %v, want a 400 *RequestError", err, err)
			}
			return
		}
		m, err := cdshooks.MapRequest(req, vocab, today)
		if err != nil {
			var re *cdshooks.RequestError
			if !errors.As(err, &re) || (re.Status != http.StatusBadRequest && re.Status != http.StatusPreconditionFailed) {
				t.Fatalf("MapRequest error %T %v, want a 400 or 412 *RequestError", err, err)
			}
			return
		}
		if err := eng.Validate(m.Profile); err != nil {
			t.Fatalf("mapped profile %+v is invalid: %v", m.Profile, err)
		}
		res, err := eng.Recommend(t.Context(), m.Profile)
		if err != nil {
			t.Fatal(err)
		}
		cards, err := cdshooks.Cards(res, testHookInstance)
		if err != nil {
			t.Fatal(err)
		}
		body, err := json.Marshal(cdshooks.Response{Cards: cards})
		if err != nil {
			t.Fatal(err)
		}
		if probs := checkResponse(body); len(probs) > 0 {
			t.Fatalf("cards break the specification: %v", probs)
		}
	})
}
