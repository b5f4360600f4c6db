package cdshooks

import (
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestCodeLookup checks how a coding finds its term: exactly, or inside a
// category given with subcodes, the longest category first; never across
// code systems, and never by a prefix of a code given without subcodes.
func TestCodeLookup(t *testing.T) {
	const cm, icd = "http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10"
	vocab := recommend.Vocabulary{
		Conditions: []recommend.Term{
			{ID: "disc", Codes: []recommend.Code{{System: cm, Code: "M51.26"}}},
			{ID: "fracture_any", Codes: []recommend.Code{{System: cm, Code: "S32", Subcodes: true}}},
			{ID: "sciatica", Codes: []recommend.Code{{System: "http://snomed.info/sct", Code: "23056005"}}},
		},
		RedFlags: []recommend.Term{
			{ID: "lumbar_fracture", Codes: []recommend.Code{{System: cm, Code: "S32.0", Subcodes: true}}},
			{ID: "first_lumbar", Codes: []recommend.Code{{System: cm, Code: "S32.010A"}}},
		},
	}
	idx := codeIndex(vocab)
	name := func(t term) string {
		if t.redFlag {
			return vocab.RedFlags[t.index].ID
		}
		return vocab.Conditions[t.index].ID
	}
	tests := []struct {
		system, code string
		want         string // "" for no term
	}{
		{cm, "M51.26", "disc"},
		{cm, "M51.2", ""},                // a prefix of a code without subcodes
		{cm, "M51.260", ""},              // longer than a code without subcodes
		{cm, "S32.0", "lumbar_fracture"}, // the category itself
		{cm, "S32.019A", "lumbar_fracture"},
		{cm, "S32.010A", "first_lumbar"}, // exact beats a category
		{cm, "S32.1", "fracture_any"},    // only the shorter category holds it
		{icd, "S32.019A", ""},            // another code system
		{cm, "", ""},
		// ICD-10-CM under its HL7 OID, and written without the dot.
		{"urn:oid:2.16.840.1.113883.6.90", "M51.26", "disc"},
		{"urn:oid:2.16.840.1.113883.6.90", "M5126", "disc"},
		{cm, "M5126", "disc"},
		{cm, "m5126", "disc"},
		{cm, "S32019A", "lumbar_fracture"},
		{cm, "M512", ""},                                // still a prefix without subcodes
		{"urn:oid:2.16.840.1.113883.6.3", "M51.26", ""}, // the WHO's ICD-10 OID is another system
		{icd, "M5126", ""},                              // only ICD-10-CM is rewritten
		// SNOMED CT under its HL7 OID, and with spaces around.
		{"urn:oid:2.16.840.1.113883.6.96", "23056005", "sciatica"},
		{"http://snomed.info/sct", " 23056005 ", "sciatica"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			got := ""
			if tm, ok := idx.lookup(tt.system, tt.code); ok {
				got = name(tm)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("lookup(%s, %q) (-want +got):\n%s", tt.system, tt.code, diff)
			}
		})
	}
}
