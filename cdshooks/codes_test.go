package cdshooks

import (
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestCodeLookup checks how a coding finds its term: exactly, or inside a
// category given with subcodes, the longest category first; never across
// code systems (ICD-10-CM and the WHO's ICD-10 among them), and never by a
// prefix of a code given without subcodes; an ICD-10 code of either system
// written another way (an OID, in any case; no dot; a dot at the end; for
// WHO ICD-10, a dagger or asterisk) is read as written the vocabulary's way.
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
			{ID: "cauda", Codes: []recommend.Code{{System: cm, Code: "G83.4"}, {System: icd, Code: "G83.4"}}},
			{ID: "who_vertebra", Codes: []recommend.Code{{System: icd, Code: "M46.2", Subcodes: true}}},
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
		{icd, "M5126", ""},                              // an ICD-10-CM term is not the WHO's
		// The OID's prefix in any case, and a dot at the end.
		{"URN:OID:2.16.840.1.113883.6.90", "M5126", "disc"},
		{"urn:OID:2.16.840.1.113883.6.90", "M51.26", "disc"},
		{cm, "M51.26.", "disc"},
		{cm, "G83.4.", "cauda"},
		// The WHO's ICD-10, written as ICD-10-CM may be, and with the
		// dagger or asterisk of its dual coding.
		{icd, "G83.4", "cauda"},
		{icd, "g834", "cauda"},
		{"urn:oid:2.16.840.1.113883.6.3", "G83.4", "cauda"},
		{"URN:OID:2.16.840.1.113883.6.3", "G834", "cauda"},
		{icd, "G83.4†", "cauda"},
		{icd, "G83.4*", "cauda"},
		{icd, "M46.26", "who_vertebra"}, // a site code under the category
		{icd, "M4626†", "who_vertebra"},
		{icd, "M46.2", "who_vertebra"},
		{icd, "M46.3", ""},
		// The two systems stay apart: a WHO category is not ICD-10-CM's.
		{cm, "M46.26", ""},
		{"urn:oid:2.16.840.1.113883.6.90", "M46.2", ""},
		{cm, "G83.4†", ""}, // ICD-10-CM has no dagger
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

// TestWHOCodes checks, on the default rules, the WHO ICD-10 codes the
// vocabulary lists: osteomyelitis of a vertebra, a disc infection and
// discitis, at any site, and a fracture of a thoracic vertebra, closed or
// open, are a known serious spinal condition; a cancer of the bronchus or
// lung, anywhere in it, is a history of cancer; and spinal stenosis is
// lumbar spinal stenosis only with WHO's site code for the lumbar region
// (M48.06); without a site, or at another, it is no term.
func TestWHOCodes(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	v := eng.Vocabulary()
	idx := codeIndex(v)
	const who = "http://hl7.org/fhir/sid/icd-10"
	tests := []struct {
		code string
		want string // the term's id, "" for none
	}{
		{"M46.2", "known_serious_spinal_condition"},
		{"M46.26", "known_serious_spinal_condition"},
		{"M46.29", "known_serious_spinal_condition"},
		{"M46.3", "known_serious_spinal_condition"},
		{"M4636", "known_serious_spinal_condition"},
		{"M46.4", "known_serious_spinal_condition"},
		{"M46.46", "known_serious_spinal_condition"},
		{"M46.5", ""}, // other infective spondylopathies: not listed
		{"M48.06", "spinal_stenosis"},
		{"M4806", "spinal_stenosis"},
		{"M48.0", ""},  // no site
		{"M48.07", ""}, // lumbosacral region
		{"M48.09", ""}, // site unspecified
		{"M48.061", ""},
		{"S22.0", "known_serious_spinal_condition"},
		{"S22.00", "known_serious_spinal_condition"}, // closed
		{"S2201", "known_serious_spinal_condition"},  // open
		{"S22.1", "known_serious_spinal_condition"},  // multiple fractures of thoracic spine
		{"S22.11", "known_serious_spinal_condition"}, // the same, open
		{"S22.2", ""}, // sternum
		{"S22", ""},
		{"C34", "history_of_cancer"},
		{"C34.1", "history_of_cancer"},
		{"C349", "history_of_cancer"},
		{"C33", ""}, // trachea
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			got := ""
			if tm, ok := idx.lookup(who, tt.code); ok {
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
