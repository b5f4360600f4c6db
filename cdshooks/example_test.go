package cdshooks_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/recommend"
)

// A patient-view call for a patient with an active lumbar disc
// displacement (ICD-10-CM M51.26) and a code the vocabulary does not know.
func ExampleNewService() {
	eng, err := recommend.Default()
	if err != nil {
		log.Fatal(err)
	}
	svc := cdshooks.NewService(func() *recommend.Engine { return eng },
		cdshooks.WithClock(func() time.Time { return time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC) }))

	mux := http.NewServeMux()
	mux.Handle("/cds-services", svc)
	mux.Handle("/cds-services/", svc)

	body := `{
	  "hook": "patient-view",
	  "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
	  "context": {"userId": "Practitioner/example", "patientId": "1288992"},
	  "prefetch": {
	    "patient": {"resourceType": "Patient", "id": "1288992", "birthDate": "1980-05-02"},
	    "conditions": {"resourceType": "Bundle", "type": "searchset", "entry": [
	      {"resource": {"resourceType": "Condition",
	        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
	        "code": {"coding": [
	          {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M51.26"},
	          {"system": "http://example.org/local", "code": "42"}]},
	        "subject": {"reference": "Patient/1288992"}}}]},
	    "pastConditions": {"resourceType": "Bundle", "type": "searchset", "entry": []}
	  }
	}`
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/cds-services/backrules", strings.NewReader(body)))

	var resp cdshooks.Response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.Code)
	for _, c := range resp.Cards {
		fmt.Printf("%-7s %s\n", c.Indicator, c.Summary)
	}
	fmt.Println("unknown:", resp.Extension.UnknownCodes)
	// Output:
	// 200
	// info    Key messages for the patient: 3 messages, in the detail
	// info    Plan step 1: Walking
	// info    Plan step 2: Bird dog
	// info    Also helpful: Hamstring stretch, Piriformis stretch, Warm-up, Plank, Dead bug, Glute bridge, Movement breaks, Desk setup and 3 more.
	// warning Avoid for now: Inversion table, Child's pose, Knee to chest, Double knee to chest, Happy baby and Foam roll the lower back.
	// unknown: [{http://example.org/local 42 }]
}
