package cdshooks

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/backrules/backrules/recommend"
)

// TestCancerCodes checks, on the default rules, that a coded cancer, in
// the past or now, is the red flag history_of_cancer whatever its site:
// every code of ICD-10-CM's personal history of malignant neoplasm
// (Z85), the current cancers that most often spread to the spine, and
// cancer spread to bone. A history coded by its site, such as breast
// (Z85.3), used to be lost: only Z85.9 was listed. Benign and in-situ
// histories (Z86) and primary bone cancer of the spine (C41.2, a
// known serious spinal condition) are not it.
func TestCancerCodes(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	v := eng.Vocabulary()
	idx := codeIndex(v)
	const cm = "http://hl7.org/fhir/sid/icd-10-cm"
	tests := []struct {
		code string
		want string // the term's id, "" for none
	}{
		{"Z85.9", "history_of_cancer"},
		{"Z85.3", "history_of_cancer"},   // breast
		{"Z85.46", "history_of_cancer"},  // prostate
		{"Z85.038", "history_of_cancer"}, // large intestine
		{"Z85118", "history_of_cancer"},  // lung, written without the dot
		{"C50.911", "history_of_cancer"},
		{"C61", "history_of_cancer"},
		{"C34.90", "history_of_cancer"},
		{"C64.1", "history_of_cancer"},
		{"C90.00", "history_of_cancer"},
		{"C79.51", "history_of_cancer"},
		{"C79.52", "history_of_cancer"},
		{"C41.2", "known_serious_spinal_condition"},
		{"Z86.010", ""}, // a history of benign polyps
		{"Z86.000", ""}, // a history of carcinoma in situ of the breast
		{"C79.0", ""},   // spread to the kidney: not a listed code
		// Low back pain with no specific cause, coded before and after
		// October 2021, is a back condition: the chart is relevant.
		{"M54.5", "low_back_pain"},
		{"M54.50", "low_back_pain"},
		{"M54.59", "low_back_pain"},
		{"M5450", "low_back_pain"},
		{"M54.4", ""}, // lumbago with sciatica, left unmapped
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			got := ""
			if tm, ok := idx.lookup(cm, tt.code); ok {
				terms := v.Conditions
				if tm.redFlag {
					terms = v.RedFlags
				}
				got = terms[tm.index].ID
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("lookup(%q) (-want +got):\n%s", tt.code, diff)
			}
		})
	}
}

// TestLowBackPainSNOMED checks that SNOMED CT's low back pain finding is
// the vocabulary's low back pain, so that a chart that records only it is
// relevant to the service.
func TestLowBackPainSNOMED(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	v := eng.Vocabulary()
	tm, ok := codeIndex(v).lookup("http://snomed.info/sct", "279039007")
	if !ok || tm.redFlag || v.Conditions[tm.index].ID != "low_back_pain" {
		t.Errorf("SNOMED CT 279039007 is %+v, %v; want the condition low_back_pain", tm, ok)
	}
}
