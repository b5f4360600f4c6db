package cdshooks_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/backrules/backrules/cdshooks"
	"github.com/google/go-cmp/cmp"
)

// unmappedEntry is an entry of an active Condition of patient p whose code
// is code, a CodeableConcept as JSON.
func unmappedEntry(code string) string {
	return `{"resource": {"resourceType": "Condition", "subject": {"reference": "Patient/p"}, ` + active + `, "code": ` + code + `}}`
}

// resolvedEntry is an entry of a resolved Condition of patient p whose
// code is code, a CodeableConcept as JSON.
func resolvedEntry(code string) string {
	return `{"resource": {"resourceType": "Condition", "subject": {"reference": "Patient/p"}, ` +
		status("clinicalStatus", clinicalR4, "resolved") + `, "code": ` + code + `}}`
}

// textOnly is the code of a Condition coded only in text.
func textOnly(text string) string {
	return `{"text": "` + text + `"}`
}

// cardLine is what TestUnmappedConditions compares of a card.
type cardLine struct {
	Indicator cdshooks.Indicator
	Topic     string
	Summary   string
}

// TestUnmappedConditions answers a chart with active Conditions the
// service counted but could not map to its vocabulary (coded only in text,
// under a local code system, or with codes the vocabulary does not have)
// with one card asking the clinician to review them, when what they are
// called names a red flag (a warning) or a condition that can change a
// referral (info), after the referral cards; never with a referral for
// them, and never saying a red flag is present. A chart whose unmapped
// Conditions name nothing of interest, or that has none, gets no such
// card.
func TestUnmappedConditions(t *testing.T) {
	const (
		oneFlag   = "1 condition on the chart could not be read by this service: review it for red flags"
		oneInfo   = "1 condition on the chart could not be read by this service: review it, as the advice does not include it"
		notRead   = "conditions-not-read"
		g834      = `{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}]}`
		localCES  = `{"coding": [{"system": "http://example.org/local-codes", "code": "CES-1", "display": "Cauda equina syndrome"}]}`
		asthmaSCT = `{"coding": [{"system": "http://snomed.info/sct", "code": "195967001", "display": "Asthma"}]}`
	)
	many := make([]string, 30)
	for i := range many {
		many[i] = unmappedEntry(textOnly(fmt.Sprintf("Unread condition %d", i+1)))
	}
	many[29] = unmappedEntry(textOnly("saddle numbness"))
	tests := []struct {
		name    string
		entries []string
		want    []cardLine
		// inDetail are texts the unmapped card's detail holds, and
		// notInDetail texts it does not.
		inDetail, notInDetail []string
	}{
		{
			name:     "text only, saddle numbness",
			entries:  []string{unmappedEntry(textOnly("saddle numbness"))},
			want:     []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
			inDetail: []string{"**Condition not read.** 1 condition on the chart is coded only in text", "\n- saddle numbness\n"},
		},
		{
			// A right-to-left override and a zero-width space in the
			// chart's text are shown as escapes, not acted on.
			name:        "text only, saddle numbness with invisible characters",
			entries:     []string{unmappedEntry(textOnly("saddle numbness \u202eevah ton seod\u200b"))},
			want:        []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
			inDetail:    []string{`- saddle numbness \\u202eevah ton seod\\u200b` + "\n"},
			notInDetail: []string{"\u202e", "\u200b"},
		},
		{
			name:     "local code, display Cauda equina syndrome",
			entries:  []string{unmappedEntry(localCES)},
			want:     []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
			inDetail: []string{"\n- Cauda equina syndrome\n"},
		},
		{
			name:     "family history of cancer: no referral",
			entries:  []string{unmappedEntry(textOnly("family history of cancer"))},
			want:     []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
			inDetail: []string{"\n- family history of cancer\n", "cannot tell from a name whether a red flag is present, absent or a relative's"},
		},
		{
			name:     "no saddle numbness: no referral",
			entries:  []string{unmappedEntry(textOnly("no saddle numbness"))},
			want:     []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
			inDetail: []string{"\n- no saddle numbness\n"},
		},
		{
			name:     "text only, a cancer named without history of",
			entries:  []string{unmappedEntry(textOnly("Prostate cancer"))},
			want:     []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
			inDetail: []string{"\n- Prostate cancer\n"},
		},
		{
			name:    "local code, display Metastatic breast cancer",
			entries: []string{unmappedEntry(`{"coding": [{"system": "http://example.org/local-codes", "code": "ONC-7", "display": "Metastatic breast cancer"}]}`)},
			want:    []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
		},
		{
			name:    "text only, full-width letters",
			entries: []string{unmappedEntry(textOnly("Ｃａｕｄａ ｅｑｕｉｎａ ｓｙｎｄｒｏｍｅ"))},
			want:    []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
		},
		{
			name:     "resolved, text only, a past cancer",
			entries:  []string{resolvedEntry(textOnly("Breast cancer 2015"))},
			want:     []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
			inDetail: []string{"\n- Breast cancer 2015 (no longer active)\n"},
		},
		{
			name:    "resolved, local code, display History of cancer",
			entries: []string{resolvedEntry(`{"coding": [{"system": "http://example.org/local-codes", "code": "ONC-9", "display": "History of cancer"}]}`)},
			want:    []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
		},
		{
			name:    "resolved, names only what does not count in the past: no card",
			entries: []string{resolvedEntry(textOnly("saddle numbness")), resolvedEntry(textOnly("Sciatica"))},
		},
		{
			name:     "resolved beside active: only those that name a past red flag are listed",
			entries:  []string{resolvedEntry(textOnly("Sciatica")), unmappedEntry(textOnly("Osteoporosis")), resolvedEntry(textOnly("Lung cancer"))},
			want:     []cardLine{{cdshooks.IndicatorWarning, notRead, "2 conditions on the chart could not be read by this service: review them for red flags"}},
			inDetail: []string{"\n- Osteoporosis\n- Lung cancer (no longer active)\n\n"},
		},
		{
			name:     "text only, a condition that can change a referral",
			entries:  []string{unmappedEntry(textOnly("Sciatica"))},
			want:     []cardLine{{cdshooks.IndicatorInfo, notRead, oneInfo}},
			inDetail: []string{"\n- Sciatica\n"},
		},
		{
			name: "after the referral cards, before the rest",
			entries: []string{unmappedEntry(g834), unmappedEntry(textOnly("saddle numbness")),
				unmappedEntry(`{"text": "*bold* [link](https://example.org) <b>x</b>"}`)},
			want: []cardLine{
				{cdshooks.IndicatorWarning, "referral", "Urgent: Serious spinal condition on record; ask the treating team within 1 to 2 days what activity is safe, before any exercise advice."},
				{cdshooks.IndicatorWarning, notRead, "2 conditions on the chart could not be read by this service: review them for red flags"},
				{cdshooks.IndicatorInfo, "key-messages", "Key messages for the patient: 1 message, in the detail"},
			},
			inDetail:    []string{"\n- saddle numbness\n- \\*bold\\* \\[link\\](https://example.org) \\<b\\>x\\</b\\>\n"},
			notInDetail: []string{"<b>", "[link]("},
		},
		{
			name:    "30 conditions not read: the list is bounded",
			entries: many,
			want:    []cardLine{{cdshooks.IndicatorWarning, notRead, "30 conditions on the chart could not be read by this service: review them for red flags"}},
			inDetail: []string{"\n- Unread condition 1\n", "\n- Unread condition 10\n- and 20 more\n\n",
				"**Conditions not read.** 30 conditions on the chart are coded only in text"},
			notInDetail: []string{"Unread condition 11", "- saddle numbness"},
		},
		// Names the vocabulary lists under also_called: a clinician's
		// term, an abbreviation, a spelling, on a Condition named only so.
		{
			name:     "text only, an also_called name: Saddle anaesthesia",
			entries:  []string{unmappedEntry(textOnly("Saddle anaesthesia"))},
			want:     []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
			inDetail: []string{"\n- Saddle anaesthesia\n"},
		},
		{
			name:     "text only, a phrase that may name a milder thing: Urinary incontinence",
			entries:  []string{unmappedEntry(textOnly("Urinary incontinence"))},
			want:     []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
			inDetail: []string{"\n- Urinary incontinence\n"},
		},
		{
			name:    "local code, display an abbreviation: CES",
			entries: []string{unmappedEntry(`{"coding": [{"system": "http://example.org/local-codes", "code": "N-12", "display": "CES"}]}`)},
			want:    []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
		},
		{
			name:    "local code alone, an abbreviation: AAA",
			entries: []string{unmappedEntry(`{"coding": [{"system": "http://example.org/local-codes", "code": "AAA"}]}`)},
			want:    []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
		},
		{
			name: "text only, also_called names, one a line",
			entries: []string{unmappedEntry(textOnly("Metastatic carcinoma")), unmappedEntry(textOnly("Urinary retention")),
				unmappedEntry(textOnly("Vertebral osteomyelitis")), unmappedEntry(textOnly("Spinal epidural abscess"))},
			want: []cardLine{{cdshooks.IndicatorWarning, notRead, "4 conditions on the chart could not be read by this service: review them for red flags"}},
		},
		{
			name: "text only, a chart's shorthand: a wedge fracture, long-term steroid use, prostate ca",
			entries: []string{unmappedEntry(textOnly("L1 wedge fracture")), unmappedEntry(textOnly("Long-term steroid use")),
				unmappedEntry(textOnly("Hx prostate ca"))},
			want: []cardLine{{cdshooks.IndicatorWarning, notRead, "3 conditions on the chart could not be read by this service: review them for red flags"}},
		},
		{
			name:     "resolved, text only, metastases: a past cancer by an also_called name",
			entries:  []string{resolvedEntry(textOnly("Bone metastases"))},
			want:     []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
			inDetail: []string{"\n- Bone metastases (no longer active)\n"},
		},
		{
			name:    "resolved, text only, discitis: not a red flag that counts in the past",
			entries: []string{resolvedEntry(textOnly("Discitis"))},
		},
		{
			name:    "abbreviations inside words name nothing: no card",
			entries: []string{unmappedEntry(textOnly("Processes of care")), unmappedEntry(textOnly("AAAA battery allergy"))},
		},
		{
			name: "everyday conditions that share a word with a red flag's name: no card",
			entries: []string{unmappedEntry(textOnly("Hay fever")), unmappedEntry(textOnly("Stress incontinence")),
				unmappedEntry(textOnly("Benign tumour of skin"))},
		},
		{
			name:    "names nothing of interest: no card",
			entries: []string{unmappedEntry(asthmaSCT), unmappedEntry(textOnly("Type 2 diabetes"))},
		},
		// A Condition whose codes stand for a condition of the vocabulary
		// (used for the advice) but for no red flag, while what it is
		// called names one: the red flag must not go unseen behind the
		// advice.
		{
			name:     "coded as sciatica, its text names a red flag",
			entries:  []string{unmappedEntry(`{"coding": [` + sciaticaCode + `], "text": "Sciatica due to metastatic prostate cancer"}`)},
			want:     []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}, {cdshooks.IndicatorInfo, "key-messages", "Key messages for the patient: 3 messages, in the detail"}},
			inDetail: []string{"\n- Sciatica due to metastatic prostate cancer (its codes read only as sciatica)\n", "**Condition not read in full.**"},
		},
		{
			name: "coded as a disc herniation, a translation under an unknown system names a red flag",
			entries: []string{unmappedEntry(`{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M51.26"}, ` +
				`{"system": "http://snomed.info/sct", "code": "192970008", "display": "Cauda equina syndrome"}]}`)},
			want:     []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}, {cdshooks.IndicatorInfo, "key-messages", "Key messages for the patient: 3 messages, in the detail"}},
			inDetail: []string{"\n- Cauda equina syndrome (its codes read only as disc herniation)\n"},
		},
		{
			name:    "coded as a red flag, its text names another: the referral stands, no card",
			entries: []string{unmappedEntry(`{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}], "text": "Cauda equina syndrome with saddle anaesthesia"}`)},
			want: []cardLine{
				{cdshooks.IndicatorWarning, "referral", "Urgent: Serious spinal condition on record; ask the treating team within 1 to 2 days what activity is safe, before any exercise advice."},
				{cdshooks.IndicatorInfo, "key-messages", "Key messages for the patient: 1 message, in the detail"},
			},
		},
		{
			name:    "coded as sciatica, named as its code is: no card",
			entries: []string{unmappedEntry(`{"coding": [` + sciaticaCode + `], "text": "Sciatica, right side"}`)},
			want: []cardLine{
				{cdshooks.IndicatorInfo, "key-messages", "Key messages for the patient: 3 messages, in the detail"},
			},
		},
		// The code of a red flag sent under a code system the vocabulary
		// has no code of (none, or FHIR's written another way) is not
		// counted, but it is not left to the list of unknown codes either.
		{
			name: "the code of a red flag under systems written another way, or none",
			entries: []string{unmappedEntry(`{"coding": [{"system": "https://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}]}`),
				unmappedEntry(`{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm/", "code": "G834"}]}`),
				unmappedEntry(`{"coding": [{"system": "ICD-10-CM", "code": "C41.2"}]}`),
				unmappedEntry(`{"coding": [{"code": "S32.010A"}]}`)},
			want:     []cardLine{{cdshooks.IndicatorWarning, notRead, "4 conditions on the chart could not be read by this service: review them for red flags"}},
			inDetail: []string{"\n- https://hl7.org/fhir/sid/icd-10-cm G83.4\n", "\n- S32.010A\n", "the code of a red flag sent under a code system the service does not read"},
		},
		{
			name:    "a resolved past cancer's code under a system written another way",
			entries: []string{resolvedEntry(`{"coding": [{"system": "icd-10-cm", "code": "Z85.3"}]}`)},
			want:    []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
		},
		{
			name:    "a resolved cauda equina syndrome under a system written another way: not a red flag of the past, no card",
			entries: []string{resolvedEntry(`{"coding": [{"system": "icd-10-cm", "code": "G83.4"}]}`)},
		},
		{
			name:    "coded as a disc herniation, a second coding with a red flag's code under no system",
			entries: []string{unmappedEntry(`{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M51.26"}, {"code": "G83.4"}]}`)},
			want:    []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}, {cdshooks.IndicatorInfo, "key-messages", "Key messages for the patient: 3 messages, in the detail"}},
		},
		// The WHO's ICD-10 codes the vocabulary does not list yet: a red
		// flag's code in ICD-10-CM is not counted (the two ICD-10s differ
		// below their categories), but gets the card.
		{
			name:    "cauda equina syndrome in the WHO's ICD-10, which the vocabulary does not list",
			entries: []string{unmappedEntry(`{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "G83.4"}]}`)},
			want:    []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
		},
		{
			name:    "a resolved past cancer in the WHO's ICD-10, under its OID",
			entries: []string{resolvedEntry(`{"coding": [{"system": "urn:oid:2.16.840.1.113883.6.3", "code": "Z85.3"}]}`)},
			want:    []cardLine{{cdshooks.IndicatorWarning, notRead, oneFlag}},
		},
		{
			name:    "a disc herniation's ICD-10-CM code sent as the WHO's: a condition, not a red flag, no card",
			entries: []string{unmappedEntry(`{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "M51.26"}]}`)},
		},
		{
			name:    "a code of a condition, not a red flag, under no system: no card",
			entries: []string{unmappedEntry(`{"coding": [{"code": "M51.26"}]}`)},
		},
		{
			name:    "every condition read: no card",
			entries: []string{unmappedEntry(`{"coding": [` + sciaticaCode + `]}`)},
			want: []cardLine{
				{cdshooks.IndicatorInfo, "key-messages", "Key messages for the patient: 3 messages, in the detail"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events []cdshooks.Event
			rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, request("", tt.entries...),
				cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
			resp := okResponse(t, rec)
			var got []cardLine
			var unmapped *cdshooks.Card
			for i, c := range resp.Cards {
				topic := ""
				if c.Source.Topic != nil {
					topic = c.Source.Topic.Code
				}
				if topic == notRead {
					unmapped = &resp.Cards[i]
				}
				// Only the cards up to the key messages: the rest are
				// the exercise advice, which other tests check.
				if len(got) == 0 || got[len(got)-1].Topic != "key-messages" {
					got = append(got, cardLine{c.Indicator, topic, c.Summary})
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("cards (-want +got):\n%s\n%s", diff, rec.Body)
			}
			if unmapped == nil {
				if len(tt.inDetail) > 0 {
					t.Fatalf("no card of the conditions not read: %s", rec.Body)
				}
				return
			}
			for _, s := range tt.inDetail {
				if !strings.Contains(unmapped.Detail, s) {
					t.Errorf("the detail lacks %q:\n%s", s, unmapped.Detail)
				}
			}
			for _, s := range tt.notInDetail {
				if strings.Contains(unmapped.Detail, s) {
					t.Errorf("the detail holds %q:\n%s", s, unmapped.Detail)
				}
			}
			// The card asks for a review: it never says a red flag is
			// present, and what the Conditions are called gives no
			// referral.
			for _, claim := range []string{"has a red flag", "red flag is present.", "red flags are present", "Refer", "refer the patient"} {
				if strings.Contains(unmapped.Summary+" "+unmapped.Detail, claim) {
					t.Errorf("the card says %q:\n%s\n%s", claim, unmapped.Summary, unmapped.Detail)
				}
			}
			if len([]rune(unmapped.Summary)) > cdshooks.MaxSummary || unmapped.Source.Label == "" || unmapped.UUID == "" {
				t.Errorf("not a CDS Hooks card: summary of %d characters, source %q, uuid %q", len([]rune(unmapped.Summary)), unmapped.Source.Label, unmapped.UUID)
			}
			// The decision log keeps its uuid, for feedback to find, and
			// the same request gets the same uuid.
			if len(events) != 1 || !slices.Contains(events[0].Cards, unmapped.UUID) {
				t.Errorf("events %+v do not record the card %s", events, unmapped.UUID)
			}
			again := okResponse(t, serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, request("", tt.entries...)))
			if !slices.ContainsFunc(again.Cards, func(c cdshooks.Card) bool { return c.UUID == unmapped.UUID }) {
				t.Errorf("the same request again lacks the card %s", unmapped.UUID)
			}
		})
	}
}

// TestMappingUnmapped lists in Mapping.Unmapped each active Condition
// counted whose code stands for no vocabulary term, with its text and
// codings, and no other: not one with a code of a term, one left out for
// its status, nor one whose code could not be read (listed in
// UnreadConditions, with its own card).
func TestMappingUnmapped(t *testing.T) {
	const at = "prefetch.conditions.entry[0].resource"
	local := cdshooks.Coding{System: "http://example.org/local", Code: "42"}
	tests := []struct {
		name  string
		entry string
		want  []cdshooks.UnmappedCondition
	}{
		{"text only", unmappedEntry(textOnly("saddle numbness")), []cdshooks.UnmappedCondition{{Entry: at, Text: "saddle numbness"}}},
		{"local code", unmappedEntry(`{"coding": [` + unknownCode + `], "text": "Cauda equina syndrome"}`),
			[]cdshooks.UnmappedCondition{{Entry: at, Text: "Cauda equina syndrome", Codes: []cdshooks.Coding{local}}}},
		{"no code", `{"resource": {"resourceType": "Condition", "subject": {"reference": "Patient/p"}, ` + active + `}}`,
			[]cdshooks.UnmappedCondition{{Entry: at}}},
		{"text of another type", unmappedEntry(`{"coding": [` + unknownCode + `], "text": 42}`),
			[]cdshooks.UnmappedCondition{{Entry: at, Codes: []cdshooks.Coding{local}}}},
		{"a code of a term beside an unknown one", unmappedEntry(`{"coding": [` + unknownCode + `, ` + sciaticaCode + `], "text": "x"}`), nil},
		{"resolved", `{"resource": {"resourceType": "Condition", "subject": {"reference": "Patient/p"}, ` +
			status("clinicalStatus", clinicalR4, "resolved") + `, "code": {"text": "saddle numbness"}}}`,
			[]cdshooks.UnmappedCondition{{Entry: at, Text: "saddle numbness", Past: true}}},
		{"resolved, with a code of a term", `{"resource": {"resourceType": "Condition", "subject": {"reference": "Patient/p"}, ` +
			status("clinicalStatus", clinicalR4, "resolved") + `, "code": {"coding": [` + sciaticaCode + `], "text": "x"}}}`, nil},
		{"refuted", `{"resource": {"resourceType": "Condition", "subject": {"reference": "Patient/p"}, ` + active + `, ` +
			status("verificationStatus", verR4, "refuted") + `, "code": {"text": "saddle numbness"}}}`, nil},
		{"a coding that cannot be read", unmappedEntry(`{"coding": [{"system": "http://example.org/local", "code": "42", "display": 42}], "text": "x"}`), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mapBody(t, request("", tt.entry))
			if m == nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, m.Unmapped); diff != "" {
				t.Errorf("Unmapped (-want +got):\n%s", diff)
			}
		})
	}
}
