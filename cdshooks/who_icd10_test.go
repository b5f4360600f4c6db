package cdshooks_test

import (
	"net/http"
	"testing"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// The URIs and OIDs of the two ICD-10s.
const (
	icd10CM    = "http://hl7.org/fhir/sid/icd-10-cm"
	icd10CMOID = "urn:oid:2.16.840.1.113883.6.90"
	icd10WHO   = "http://hl7.org/fhir/sid/icd-10"
	icd10OID   = "urn:oid:2.16.840.1.113883.6.3"
)

// cardsFor serves a chart of an adult with one active Condition per
// coding, and returns the summaries of its cards and the codes the
// extension lists as unknown.
func cardsFor(t *testing.T, codings ...recommend.Code) ([]string, []cdshooks.Coding) {
	t.Helper()
	body := `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
		"prefetch": {"pastConditions": null, "patient": {"resourceType": "Patient", "id": "p", "birthDate": "1970-05-01"},
		"conditions": ` + conditionsBundle(codings...) + `}}`
	rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, body)
	resp := okResponse(t, rec)
	var summaries []string
	for _, c := range resp.Cards {
		summaries = append(summaries, c.Summary)
	}
	var unknown []cdshooks.Coding
	if resp.Extension != nil {
		unknown = resp.Extension.UnknownCodes
	}
	return summaries, unknown
}

// TestWHOICD10Chart checks, through the service on the default rules,
// that a chart coded in the WHO's ICD-10, as charts outside the US are,
// gets the cards of the same chart coded in ICD-10-CM: the urgent
// referral for a spine infection on record (osteomyelitis of a vertebra,
// a disc infection, discitis, each with WHO's site code for the lumbar
// region) or a fracture of a thoracic vertebra (closed, open, or neither
// said), the urgent referral for a cancer of the lung, and the advice for
// lumbar spinal stenosis. The WHO code is read however the client writes
// it (its OID in capitals, no dot, a dot at the end, the dagger of WHO's
// dual coding). Such a chart used to be answered with no cards at all,
// its codes listed as unknown.
func TestWHOICD10Chart(t *testing.T) {
	const (
		seriousCard = "Urgent: Serious spinal condition on record; ask the treating team within 1 to 2 days what activity is safe, before any exercise advice."
		// A chart that holds only a risk factor does not say the person
		// has back pain, so the card applies if back pain is reported.
		cancerCard = "If back pain is reported: Urgent: New back pain in a patient with a history of cancer; assess within days for spinal metastases."
	)
	tests := []struct {
		name    string
		who, cm recommend.Code
		first   string // the referral the cards start with, "" for none
	}{
		{"osteomyelitis of a lumbar vertebra", recommend.Code{System: icd10WHO, Code: "M46.26"}, recommend.Code{System: icd10CM, Code: "M46.26"}, seriousCard},
		{"osteomyelitis of a vertebra, no site", recommend.Code{System: icd10WHO, Code: "M46.2"}, recommend.Code{System: icd10CM, Code: "M46.20"}, seriousCard},
		{"a lumbar disc infection, under the OID in capitals with a dagger", recommend.Code{System: "URN:OID:2.16.840.1.113883.6.3", Code: "M4636†"}, recommend.Code{System: icd10CMOID, Code: "M4636"}, seriousCard},
		{"lumbar discitis, a dot at the end", recommend.Code{System: icd10OID, Code: "m46.46."}, recommend.Code{System: icd10CM, Code: "M46.46"}, seriousCard},
		{"a fracture of a thoracic vertebra, closed", recommend.Code{System: icd10WHO, Code: "S22.00"}, recommend.Code{System: icd10CM, Code: "S22.009A"}, seriousCard},
		{"a fracture of a thoracic vertebra, open, under the OID", recommend.Code{System: icd10OID, Code: "S2201"}, recommend.Code{System: icd10CM, Code: "S22.009B"}, seriousCard},
		{"a fracture of a thoracic vertebra, closed or open not said", recommend.Code{System: icd10WHO, Code: "S22.0"}, recommend.Code{System: icd10CM, Code: "S22.009A"}, seriousCard},
		{"a cancer of the upper lobe of a lung", recommend.Code{System: icd10WHO, Code: "C34.1"}, recommend.Code{System: icd10CM, Code: "C34.11"}, cancerCard},
		{"a cancer of the lung, unspecified", recommend.Code{System: icd10WHO, Code: "C349"}, recommend.Code{System: icd10CM, Code: "C34.90"}, cancerCard},
		{"lumbar spinal stenosis", recommend.Code{System: icd10WHO, Code: "M48.06"}, recommend.Code{System: icd10CM, Code: "M48.061"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, wantUnknown := cardsFor(t, tt.cm)
			got, gotUnknown := cardsFor(t, tt.who)
			if len(want) == 0 || len(wantUnknown) != 0 {
				t.Fatalf("the ICD-10-CM chart has cards %q and unknown codes %v: it should be understood", want, wantUnknown)
			}
			if first := want[0]; tt.first != "" && first != tt.first || tt.first == "" && (first == seriousCard || first == cancerCard) {
				t.Fatalf("the ICD-10-CM chart's first card is %q; want the referral %q", first, tt.first)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("cards of the WHO ICD-10 chart (-want +got):\n%s", diff)
			}
			if len(gotUnknown) != 0 {
				t.Errorf("unknown codes %v, want none", gotUnknown)
			}
		})
	}
}

// TestWHOICD10Unknown checks that a WHO ICD-10 code the vocabulary does
// not have is still listed, as sent, under the extension's unknown codes,
// beside a WHO code it does have, and that an ICD-10-CM code is not read
// as the WHO's, nor a WHO code as ICD-10-CM's: a code of one system that
// only the other lists is unknown.
func TestWHOICD10Unknown(t *testing.T) {
	tests := []struct {
		name        string
		codings     []recommend.Code
		wantUnknown []cdshooks.Coding
	}{
		{"a WHO code the vocabulary lacks beside one it has",
			[]recommend.Code{{System: icd10WHO, Code: "M46.26"}, {System: icd10WHO, Code: "J45.9"}},
			[]cdshooks.Coding{{System: icd10WHO, Code: "J45.9"}}},
		{"a WHO code under its OID the vocabulary lacks",
			[]recommend.Code{{System: icd10WHO, Code: "M46.26"}, {System: icd10OID, Code: "J459"}},
			[]cdshooks.Coding{{System: icd10OID, Code: "J459"}}},
		{"an ICD-10-CM code listed only in ICD-10-CM, sent as WHO ICD-10",
			[]recommend.Code{{System: icd10WHO, Code: "M46.26"}, {System: icd10WHO, Code: "M48.061"}},
			[]cdshooks.Coding{{System: icd10WHO, Code: "M48.061"}}},
		{"a WHO code listed only in WHO ICD-10, sent as ICD-10-CM",
			[]recommend.Code{{System: icd10WHO, Code: "M46.26"}, {System: icd10CM, Code: "M48.06"}},
			[]cdshooks.Coding{{System: icd10CM, Code: "M48.06"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cards, unknown := cardsFor(t, tt.codings...)
			if len(cards) == 0 {
				t.Fatalf("no cards: the WHO code of the vocabulary was not read")
			}
			if diff := cmp.Diff(tt.wantUnknown, unknown); diff != "" {
				t.Errorf("unknown codes (-want +got):\n%s", diff)
			}
		})
	}
}
