package cdshooks

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBundleEntries checks the walk of a prefetch Bundle's entries that
// both the conditions and the pain scores read: entries without a
// resource are passed over and the others keep their place in the list;
// an entry matches the search unless its search mode is include or
// outcome; an entry, or a resource, that is not a JSON object is yielded
// with why it could not be read, and costs only itself; and so does a
// resource whose keys or resourceType cannot be read, or that is a Bundle,
// yielded bad with its error: the entries after it are read.
func TestBundleEntries(t *testing.T) {
	// entry is what the walk yields, without the resource's text.
	type entry struct {
		Index      int
		Path, Type string
		Match      bool
	}
	const at = "prefetch.x"
	tests := []struct {
		name    string
		entries string // the Bundle's entry list
		want    []entry
	}{
		{
			name:    "no entries",
			entries: `[]`,
		},
		{
			name:    "entries without a resource are yielded empty, for the caller to report",
			entries: `[{"resource": null}, {}, {"resource": {"resourceType": "Condition"}}, {"resource": null}]`,
			want: []entry{
				{0, "prefetch.x.entry[0].resource", "(empty)", false},
				{1, "prefetch.x.entry[1].resource", "(empty)", false},
				{2, "prefetch.x.entry[2].resource", "Condition", true},
				{3, "prefetch.x.entry[3].resource", "(empty)", false},
			},
		},
		{
			name:    "a Bundle as a resource is yielded bad, for the caller to report: what it holds would go unread",
			entries: `[{"resource": {"resourceType": "Condition"}}, {"resource": {"resourceType": "Bundle", "entry": []}}, {"resource": {"resourceType": "Condition"}}]`,
			want: []entry{
				{0, "prefetch.x.entry[0].resource", "Condition", true},
				{1, "prefetch.x.entry[1].resource", "(bad) prefetch.x.entry[1].resource.resourceType: a Bundle inside the search Bundle: send its resources as entries of the search Bundle itself", false},
				{2, "prefetch.x.entry[2].resource", "Condition", true},
			},
		},
		{
			name: "search modes",
			entries: `[{"resource": {"resourceType": "Condition"}},
				{"resource": {"resourceType": "Condition"}, "search": {"mode": "match"}},
				{"resource": {"resourceType": "Patient"}, "search": {"mode": "include"}},
				{"resource": {"resourceType": "OperationOutcome"}, "search": {"mode": "outcome"}},
				{"resource": {"resourceType": "Condition"}, "search": {}}]`,
			want: []entry{
				{0, "prefetch.x.entry[0].resource", "Condition", true},
				{1, "prefetch.x.entry[1].resource", "Condition", true},
				{2, "prefetch.x.entry[2].resource", "Patient", false},
				{3, "prefetch.x.entry[3].resource", "OperationOutcome", false},
				{4, "prefetch.x.entry[4].resource", "Condition", true},
			},
		},
		{
			name:    "a resource without a resourceType is yielded for the caller to judge",
			entries: `[{"resource": {"id": "a"}}]`,
			want:    []entry{{0, "prefetch.x.entry[0].resource", "", true}},
		},
		{
			name: "an entry or a resource that is not an object is yielded unread, for the caller to report",
			entries: `[{"resource": {"resourceType": "Condition"}}, {"resource": 5}, {"resource": {"resourceType": "Condition"}},
				null, "Condition", {"resource": ["Condition"]}]`,
			want: []entry{
				{0, "prefetch.x.entry[0].resource", "Condition", true},
				{1, "prefetch.x.entry[1].resource", "(unread) the resource must be an object, found a number: nothing could be read", false},
				{2, "prefetch.x.entry[2].resource", "Condition", true},
				{3, "prefetch.x.entry[3].resource", "(empty)", false},
				{4, "prefetch.x.entry[4]", "(unread) the entry must be an object, found a string: nothing could be read", false},
				{5, "prefetch.x.entry[5].resource", "(unread) the resource must be an object, found an array: nothing could be read", false},
			},
		},
		{
			name:    "a search that cannot be read is taken as a match",
			entries: `[{"resource": {"resourceType": "Condition"}, "search": "include"}, {"resource": {"resourceType": "Condition"}, "search": {"mode": 1}}]`,
			want: []entry{
				{0, "prefetch.x.entry[0].resource", "Condition", true},
				{1, "prefetch.x.entry[1].resource", "Condition", true},
			},
		},
		{
			name:    "a resourceType that is not a string is yielded bad, and the walk goes on: the resource could be a Condition",
			entries: `[{"resource": {"resourceType": "Condition"}}, {"resource": {"resourceType": 5}}, {"resource": {"resourceType": "Condition"}}]`,
			want: []entry{
				{0, "prefetch.x.entry[0].resource", "Condition", true},
				{1, "prefetch.x.entry[1].resource", "(bad) prefetch.x.entry[1].resource.resourceType: must be a string, found a number", false},
				{2, "prefetch.x.entry[2].resource", "Condition", true},
			},
		},
		{
			name:    "an entry key in the wrong case is yielded bad",
			entries: `[{"Resource": {"resourceType": "Condition"}}]`,
			want:    []entry{{0, "prefetch.x.entry[0]", "(bad) prefetch.x.entry[0].Resource: wrong case: JSON keys are case-sensitive; write \"resource\"", false}},
		},
		{
			name:    "a key given twice in a resource is yielded bad",
			entries: `[{"resource": {"resourceType": "Condition", "code": {}, "code": {}}}, {"resource": {"resourceType": "Condition"}}]`,
			want: []entry{
				{0, "prefetch.x.entry[0]", "(bad) prefetch.x.entry[0].resource.code: the key is given twice in one object: JSON keys must be unique, and the service does not guess which value is meant", false},
				{1, "prefetch.x.entry[1].resource", "Condition", true},
			},
		},
		{
			name:    "a Bundle inside is yielded bad",
			entries: `[{"resource": {"resourceType": "Bundle"}}]`,
			want:    []entry{{0, "prefetch.x.entry[0].resource", "(bad) prefetch.x.entry[0].resource.resourceType: a Bundle inside the search Bundle: send its resources as entries of the search Bundle itself", false}},
		},
		{
			name:    "a resourceType in the wrong case is yielded bad",
			entries: `[{"resource": {"ResourceType": "Condition"}}, {"resource": {"resourceType": "Condition"}}]`,
			want: []entry{
				{0, "prefetch.x.entry[0].resource", "(bad) prefetch.x.entry[0].resource.ResourceType: wrong case: JSON keys are case-sensitive; write \"resourceType\"", false},
				{1, "prefetch.x.entry[1].resource", "Condition", true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b fhirBundle
			if err := json.Unmarshal([]byte(`{"resourceType": "Bundle", "entry": `+tt.entries+`}`), &b); err != nil {
				t.Fatal(err)
			}
			var got []entry
			for e := range b.entries(at) {
				typ := e.typ
				switch {
				case e.bad != nil:
					typ = "(bad) " + e.bad.Error()
				case e.empty:
					typ = "(empty)"
				case e.unread != "":
					typ = "(unread) " + e.unread
				}
				got = append(got, entry{e.index, e.path, typ, e.match})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBundleEntriesStop checks that the walk stops when its caller does:
// a Bundle's later entries are not read, and the iterator does not call
// on after the loop has ended (which would panic).
func TestBundleEntriesStop(t *testing.T) {
	var b fhirBundle
	if err := json.Unmarshal([]byte(`{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Condition"}}, {"resource": {"resourceType": "Observation"}}]}`), &b); err != nil {
		t.Fatal(err)
	}
	var got []string
	for e := range b.entries("prefetch.x") {
		got = append(got, e.typ)
		break
	}
	if diff := cmp.Diff([]string{"Condition"}, got); diff != "" {
		t.Errorf("types read (-want +got):\n%s", diff)
	}
}

// TestCanonicalCode checks how a coding is written before it is looked
// up: ICD-10-CM and the WHO's ICD-10 under their OIDs (the "urn:oid:" in
// any case) are read as under their FHIR URIs, and their codes are
// trimmed, put in capitals, read without a dot at the end, and given the
// dot after the category's three characters only when they have the shape
// of such a code (4 to 7 characters, no dot, a letter first), any other
// code left as the client wrote it but for the trim and the capitals; a
// WHO ICD-10 code is read without its dagger or asterisk, an ICD-10-CM one
// keeps what follows its code; neither system becomes the other. SNOMED CT
// under its OID is read as under its FHIR URI, and its code trimmed; every
// code of another system is left untouched.
func TestCanonicalCode(t *testing.T) {
	const cm, oid = "http://hl7.org/fhir/sid/icd-10-cm", "urn:oid:2.16.840.1.113883.6.90"
	const who, whoOID = "http://hl7.org/fhir/sid/icd-10", "urn:oid:2.16.840.1.113883.6.3"
	type coding struct{ System, Code string }
	tests := []struct {
		name string
		in   coding
		want coding
	}{
		{"with its dot", coding{cm, "M51.26"}, coding{cm, "M51.26"}},
		{"without its dot", coding{cm, "M5126"}, coding{cm, "M51.26"}},
		{"under the OID", coding{oid, "M5126"}, coding{cm, "M51.26"}},
		{"lower case", coding{cm, "m51.26"}, coding{cm, "M51.26"}},
		{"spaces around", coding{cm, " m5126 "}, coding{cm, "M51.26"}},
		{"spaces around a dotted code", coding{cm, "\tM51.26 "}, coding{cm, "M51.26"}},
		// Length: a category alone has 3 characters, a full code 7.
		{"3 characters: a category, no dot", coding{cm, "M51"}, coding{cm, "M51"}},
		{"4 characters, the shortest to get a dot", coding{cm, "M512"}, coding{cm, "M51.2"}},
		{"7 characters, the longest to get a dot", coding{cm, "S32019A"}, coding{cm, "S32.019A"}},
		{"8 characters is no ICD-10-CM code", coding{cm, "S32019AB"}, coding{cm, "S32019AB"}},
		// The first character: a letter from A to Z.
		{"first letter A", coding{cm, "A0101"}, coding{cm, "A01.01"}},
		{"first letter Z", coding{cm, "Z9981"}, coding{cm, "Z99.81"}},
		{"a digit first", coding{cm, "12345"}, coding{cm, "12345"}},
		{"the character before A first", coding{cm, "@1234"}, coding{cm, "@1234"}},
		{"the character after Z first", coding{cm, "[1234"}, coding{cm, "[1234"}},
		{"a letter first and a symbol after", coding{cm, "M_126"}, coding{cm, "M_1.26"}},
		{"a dot elsewhere", coding{cm, "M5.126"}, coding{cm, "M5.126"}},
		// A dot at the end is no dot.
		{"a dot at the end of a category", coding{cm, "I10."}, coding{cm, "I10"}},
		{"a dot at the end of a longer code", coding{cm, "M5126."}, coding{cm, "M51.26"}},
		{"a dot at the end of a dotted code", coding{cm, "m51.26. "}, coding{cm, "M51.26"}},
		{"a dot alone", coding{cm, "."}, coding{cm, ""}},
		// The OID's prefix in any case; its digits stay as they are.
		{"the OID in capitals", coding{"URN:OID:2.16.840.1.113883.6.90", "M5126"}, coding{cm, "M51.26"}},
		{"the OID in mixed case", coding{"Urn:Oid:2.16.840.1.113883.6.90", "M51.26"}, coding{cm, "M51.26"}},
		{"another OID in capitals", coding{"URN:OID:1.2.3", "m5126"}, coding{"urn:oid:1.2.3", "m5126"}},
		{"an OID system with spaces is not read", coding{" urn:oid:2.16.840.1.113883.6.90", "M5126"}, coding{" urn:oid:2.16.840.1.113883.6.90", "M5126"}},
		// The WHO's ICD-10, read as ICD-10-CM is, but kept apart from it.
		{"ICD-10", coding{who, " m5126"}, coding{who, "M51.26"}},
		{"ICD-10 with its dot", coding{who, "G83.4"}, coding{who, "G83.4"}},
		{"ICD-10 under its OID", coding{whoOID, "G834"}, coding{who, "G83.4"}},
		{"ICD-10 under its OID in capitals", coding{"URN:OID:2.16.840.1.113883.6.3", "g83.4"}, coding{who, "G83.4"}},
		{"ICD-10, a category", coding{who, "z85"}, coding{who, "Z85"}},
		{"ICD-10, a dot at the end", coding{who, "I10."}, coding{who, "I10"}},
		{"ICD-10, a site code", coding{who, "M4806"}, coding{who, "M48.06"}},
		{"ICD-10, 8 characters", coding{who, "M4806ABC"}, coding{who, "M4806ABC"}},
		// The dagger and the asterisk of WHO's dual coding are not part
		// of the code.
		{"ICD-10, a dagger", coding{who, "G83.4†"}, coding{who, "G83.4"}},
		{"ICD-10, an asterisk", coding{who, "M49.0*"}, coding{who, "M49.0"}},
		{"ICD-10, a plus for the dagger", coding{who, "A17.0+"}, coding{who, "A17.0"}},
		{"ICD-10, a dagger without the dot", coding{who, " g834† "}, coding{who, "G83.4"}},
		{"ICD-10, a space before the asterisk", coding{who, "M49.0 *"}, coding{who, "M49.0"}},
		{"ICD-10, a dagger after a dot at the end", coding{who, "I10.†"}, coding{who, "I10"}},
		{"ICD-10-CM keeps a mark", coding{cm, "G83.4†"}, coding{cm, "G83.4†"}},
		// ICD-10-CM's OID is not the WHO's, nor the other way round.
		{"ICD-10-CM's OID is ICD-10-CM", coding{oid, "G83.4"}, coding{cm, "G83.4"}},
		{"a near OID is neither", coding{"urn:oid:2.16.840.1.113883.6.30", "G834"}, coding{"urn:oid:2.16.840.1.113883.6.30", "G834"}},
		// Other systems.
		{"SNOMED CT", coding{"http://snomed.info/sct", "23056005"}, coding{"http://snomed.info/sct", "23056005"}},
		// SNOMED CT under its HL7 OID, and with spaces around its code.
		{"SNOMED CT under the OID", coding{"urn:oid:2.16.840.1.113883.6.96", "23056005"}, coding{"http://snomed.info/sct", "23056005"}},
		{"SNOMED CT, spaces around", coding{"http://snomed.info/sct", " 23056005\t"}, coding{"http://snomed.info/sct", "23056005"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got coding
			got.System, got.Code = canonicalCode(tt.in.System, tt.in.Code)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("canonicalCode(%q, %q) (-want +got):\n%s", tt.in.System, tt.in.Code, diff)
			}
		})
	}
}
