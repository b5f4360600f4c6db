package cdshooks_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// conditionsBundle is a Bundle of active Conditions of patient p, one per
// coding.
func conditionsBundle(codings ...recommend.Code) string {
	var entries []string
	for _, c := range codings {
		entries = append(entries, `{"resource": {"resourceType": "Condition", "subject": {"reference": "Patient/p"},
			"clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
			"code": {"coding": [{"system": "`+c.System+`", "code": "`+c.Code+`"}]}}}`)
	}
	return `{"resourceType": "Bundle", "type": "searchset", "entry": [` + strings.Join(entries, ",") + `]}`
}

// TestRelevance answers {"cards": []} for a chart without a term of the
// vocabulary, and cards for every red flag and condition the vocabulary
// codes.
func TestRelevance(t *testing.T) {
	vocab := defaultEngine(t).Vocabulary()
	type tc struct {
		name       string
		birth      string
		conditions string
		wantCards  bool
	}
	tests := []tc{
		{"empty chart", "null", "null", false},
		{"no patient data, empty bundle", `{"resourceType": "Patient"}`, `{"resourceType": "Bundle", "type": "searchset", "entry": []}`, false},
		{"7-year-old without conditions", `{"resourceType": "Patient", "birthDate": "2019-05-01"}`, "null", false},
		{"90-year-old without conditions", `{"resourceType": "Patient", "birthDate": "1936-05-01"}`, "null", false},
		{"only unknown codes", `{"resourceType": "Patient", "birthDate": "1970-05-01"}`,
			conditionsBundle(recommend.Code{System: "http://snomed.info/sct", Code: "38341003999"}, recommend.Code{System: "http://hl7.org/fhir/sid/icd-10-cm", Code: "Z99.89"}), false},
	}
	for _, term := range vocab.RedFlags {
		if len(term.Codes) > 0 {
			c := term.Codes[0]
			tests = append(tests, tc{"red flag " + term.ID + " " + c.Code, `{"resourceType": "Patient", "birthDate": "1970-05-01"}`, conditionsBundle(c), true})
		}
	}
	for _, term := range vocab.Conditions {
		if len(term.Codes) > 0 {
			c := term.Codes[0]
			tests = append(tests, tc{"condition " + term.ID + " " + c.Code, `{"resourceType": "Patient", "birthDate": "1970-05-01"}`, conditionsBundle(c), true})
		}
	}
	if len(tests) < 10 {
		t.Fatalf("only %d cases: the vocabulary has too few codes to test", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
				"prefetch": {"pastConditions": null, "patient": ` + tt.birth + `, "conditions": ` + tt.conditions + `}}`
			rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, body)
			resp := okResponse(t, rec)
			if resp.Cards == nil {
				t.Fatalf("cards is null, want a list: %s", rec.Body)
			}
			if got := len(resp.Cards) > 0; got != tt.wantCards {
				t.Errorf("%d cards, want cards: %v\n%s", len(resp.Cards), tt.wantCards, rec.Body)
			}
		})
	}
}

// TestRelevancePastUnread answers a chart with nothing the rule set knows,
// whose past Conditions could not be read, with the card that says so
// alone: a past cancer may be among them, but what the age alone calls for
// (the routine referral of a child) and the key messages are not shown, as
// they are not when the past Conditions are read, and no card says its
// advice comes from pain scores the chart does not have. A red flag still
// gets its referral beside that card.
func TestRelevancePastUnread(t *testing.T) {
	const pastUnread = "Past conditions could not all be read: exercise advice withheld; check the chart for a past cancer"
	tests := []struct {
		name, patient, conditions, past string
		want                            []string // the cards' summaries, or their starts
	}{
		{"empty chart, past missing", `{"resourceType": "Patient", "birthDate": "1970-05-01"}`, `{"resourceType": "Bundle", "type": "searchset", "entry": []}`, "", []string{pastUnread}},
		{"7-year-old, past missing", `{"resourceType": "Patient", "birthDate": "2019-05-01"}`, "null", "", []string{pastUnread}},
		{"90-year-old, past an OperationOutcome", `{"resourceType": "Patient", "birthDate": "1936-05-01"}`, "null",
			`, "pastConditions": {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception"}]}`, []string{pastUnread}},
		{"only unknown codes, past missing", `{"resourceType": "Patient", "birthDate": "1970-05-01"}`,
			conditionsBundle(recommend.Code{System: "http://hl7.org/fhir/sid/icd-10-cm", Code: "Z99.89"}), "", []string{pastUnread}},
		{"a serious spinal condition, past missing", `{"resourceType": "Patient", "birthDate": "1970-05-01"}`,
			conditionsBundle(recommend.Code{System: "http://hl7.org/fhir/sid/icd-10-cm", Code: "G83.4"}), "", []string{"Urgent: ", pastUnread, "Key messages"}},
		{"saddle numbness in text only, past missing", `{"resourceType": "Patient", "birthDate": "1970-05-01"}`,
			`{"resourceType": "Bundle", "type": "searchset", "entry": [` + unmappedEntry(textOnly("saddle numbness")) + `]}`, "",
			[]string{pastUnread, "1 condition on the chart could not be read by this service: review it for red flags"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
				"prefetch": {"patient": ` + tt.patient + `, "conditions": ` + tt.conditions + tt.past + `}}`
			rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, body)
			resp := okResponse(t, rec)
			var got []string
			for _, c := range resp.Cards {
				got = append(got, c.Summary)
				if strings.Contains(c.Detail, "pain scores") {
					t.Errorf("card %q says its advice comes from pain scores, which the chart does not have:\n%s", c.Summary, c.Detail)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("cards %q, want %q", got, tt.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("card %d is %q, want it to start %q", i, got[i], tt.want[i])
				}
			}
			if resp.Extension == nil || len(resp.Extension.UnreadPastConditions) == 0 {
				t.Errorf("no %s in the extension: %s", cdshooks.ExtensionUnreadPastConditions, rec.Body)
			}
		})
	}
}

// TestMappingRelevant checks what makes a mapping relevant: a condition
// or a red flag of the vocabulary, not the age, the sex or codes no term
// has; and that no mapping at all (nil) is not relevant rather than a
// panic.
func TestMappingRelevant(t *testing.T) {
	tests := []struct {
		name string
		m    *cdshooks.Mapping
		want bool
	}{
		{"no mapping", nil, false},
		{"empty", &cdshooks.Mapping{}, false},
		{"age and sex only", &cdshooks.Mapping{Profile: recommend.Profile{Age: 70, Sex: "female"}}, false},
		{"unknown codes only", &cdshooks.Mapping{Unknown: []cdshooks.Coding{{System: "http://snomed.info/sct", Code: "1"}}}, false},
		{"a condition", &cdshooks.Mapping{Profile: recommend.Profile{Conditions: []string{"disc"}}}, true},
		{"a red flag", &cdshooks.Mapping{Profile: recommend.Profile{RedFlags: []string{"cauda_equina"}}}, true},
		{"both", &cdshooks.Mapping{Profile: recommend.Profile{Conditions: []string{"disc"}, RedFlags: []string{"cauda_equina"}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.Relevant(); got != tt.want {
				t.Errorf("Relevant() = %v, want %v", got, tt.want)
			}
		})
	}
}

// secondPerson returns the words of s that address the reader: "you",
// "your" and the like.
func secondPerson(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !('a' <= r && r <= 'z' || r == '\'') }) {
		switch w {
		case "you", "your", "yours", "yourself", "yourselves", "you're", "you'll", "you've", "you'd":
			out = append(out, w)
		}
	}
	return out
}

// unlabelledPatientWords returns the paragraphs of a card's detail that
// address the patient ("you", "your") without being labelled as the
// patient's words: a paragraph "**What the patient is told:**" labels the
// paragraph after it (a list), and "**The patient is told:** " labels the
// rest of its own paragraph. The list of sources, last, is left out: it
// quotes the sources' titles, sections and claims, which may say "you".
func unlabelledPatientWords(detail string) []string {
	if i := strings.Index(detail, "**Sources**\n"); i >= 0 {
		detail = detail[:i]
	}
	var bad []string
	labelled := false
	for _, p := range strings.Split(detail, "\n\n") {
		switch {
		case p == "**What the patient is told:**":
			labelled = true
			continue
		case labelled:
			labelled = false
			continue
		case strings.HasPrefix(p, "**The patient is told:** ") && !strings.Contains(p, "\n"):
			continue
		}
		if len(secondPerson(p)) > 0 {
			bad = append(bad, p)
		}
	}
	return bad
}

// TestCardsSpeakToClinicians checks, for a 76-year-old with each coded
// red flag and condition of the default vocabulary, that no card summary
// addresses the patient or says "GP", that a card's detail addresses the
// patient only in the patient's words, labelled as such (what the patient
// is told: the plan's how, dose and why, the movements' reasons, the
// messages, the referral's message), and that every warning and critical
// card offers overrideReasons.
func TestCardsSpeakToClinicians(t *testing.T) {
	eng := defaultEngine(t)
	vocab := eng.Vocabulary()
	var terms []recommend.Term
	terms = append(terms, vocab.RedFlags...)
	terms = append(terms, vocab.Conditions...)
	checked := 0
	for _, term := range terms {
		if len(term.Codes) == 0 {
			continue
		}
		c := term.Codes[0]
		body := `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
				"prefetch": {"pastConditions": null, "patient": {"resourceType": "Patient", "birthDate": "1950-05-01"}, "conditions": ` + conditionsBundle(c) + `}}`
		rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, body)
		var resp cdshooks.Response
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		for _, card := range resp.Cards {
			checked++
			for _, w := range strings.FieldsFunc(strings.ToLower(card.Summary), func(r rune) bool { return !('a' <= r && r <= 'z') }) {
				if w == "you" || w == "your" || w == "gp" {
					t.Errorf("%s %s: summary %q says %q", term.ID, c.Code, card.Summary, w)
				}
			}
			for _, p := range unlabelledPatientWords(card.Detail) {
				t.Errorf("%s %s: card %q addresses the patient outside the patient's words: %q", term.ID, c.Code, card.Summary, p)
			}
			if card.Indicator != cdshooks.IndicatorInfo && len(card.OverrideReasons) == 0 {
				t.Errorf("%s: %s card %q offers no overrideReasons", term.ID, card.Indicator, card.Summary)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d cards checked", checked)
	}
}

// TestCardSourceTakesASide checks that a card's source is a source that
// takes a side on its advice: for spinal stenosis, every citation of NASS
// 2013 is background (it names no exercise), so no card names it as its
// source, though it is the strongest kind of source the cards cite.
func TestCardSourceTakesASide(t *testing.T) {
	res, err := defaultEngine(t).Recommend(t.Context(), recommend.Profile{Conditions: []string{"spinal_stenosis"}, Age: 73})
	if err != nil {
		t.Fatal(err)
	}
	cards, err := cdshooks.Cards(res, "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea")
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) == 0 {
		t.Fatal("no cards")
	}
	for _, c := range cards {
		if strings.Contains(c.Source.Label, "North American Spine Society") {
			t.Errorf("card %q names NASS as its source, which it cites for background only", c.Summary)
		}
	}
}

// TestReferralCardSource checks that a referral card names the strongest
// source its rule cites, though a referral rule cites its sources for
// background: the emergency card of saddle numbness rests on the GIRFT
// cauda equina pathway, not on the rule set alone.
func TestReferralCardSource(t *testing.T) {
	res, err := defaultEngine(t).Recommend(t.Context(), recommend.Profile{RedFlags: []string{"bladder_bowel_dysfunction"}})
	if err != nil {
		t.Fatal(err)
	}
	cards, err := cdshooks.Cards(res, "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea")
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) == 0 || cards[0].Indicator != cdshooks.IndicatorCritical {
		t.Fatalf("cards %+v: want a critical card first", cards)
	}
	if got := cards[0].Source.Label; strings.HasPrefix(got, "backrules rule set") {
		t.Errorf("the emergency card's source is %q; want the guideline its rule cites", got)
	}
}

// TestRiskFactorsOnlyFraming frames every card of a chart that records
// only risk factors (a history of cancer, high blood pressure, pregnancy)
// as applying if the patient reports back pain, which the rules assume and
// such a chart does not say; a chart with a back condition or a coded
// serious spinal condition beside them keeps its cards as they are.
func TestRiskFactorsOnlyFraming(t *testing.T) {
	icd := func(code string) recommend.Code {
		return recommend.Code{System: "http://hl7.org/fhir/sid/icd-10-cm", Code: code}
	}
	tests := []struct {
		name    string
		codes   []recommend.Code
		framed  bool
		urgency string // the first card's summary after the framing, up to its colon
	}{
		{"past skin cancer only", []recommend.Code{icd("Z85.828")}, true, "Urgent"},
		{"high blood pressure only", []recommend.Code{icd("I10")}, true, ""},
		{"pregnancy only", []recommend.Code{{System: "http://snomed.info/sct", Code: "77386006"}}, true, ""},
		{"steroids and a cancer history", []recommend.Code{icd("Z79.52"), icd("Z85.3")}, true, "Urgent"},
		{"cancer history and low back pain", []recommend.Code{icd("Z85.3"), icd("M54.50")}, false, "Urgent"},
		// Sciatica, radiating nerve pain, after a cancer is suspected
		// spinal cord compression (NICE NG234).
		{"cancer history and sciatica", []recommend.Code{icd("Z85.3"), icd("M54.31")}, false, "Emergency"},
		{"cauda equina syndrome alone", []recommend.Code{icd("G83.4")}, false, "Urgent"},
		{"disc herniation alone", []recommend.Code{icd("M51.26")}, false, ""},
		// A code the vocabulary does not know may be back pain.
		{"cancer history and lumbago with sciatica (unmapped)", []recommend.Code{icd("Z85.3"), icd("M54.41")}, false, "Urgent"},
		{"osteoporosis only: the avoid list fits whole", []recommend.Code{{System: "http://snomed.info/sct", Code: "64859006"}}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
				"prefetch": {"pastConditions": null, "patient": {"resourceType": "Patient", "id": "p", "birthDate": "1960-05-01"}, "conditions": ` + conditionsBundle(tt.codes...) + `}}`
			rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, body)
			resp := okResponse(t, rec)
			if len(resp.Cards) == 0 {
				t.Fatalf("no cards: %s", rec.Body)
			}
			for i, c := range resp.Cards {
				framed := strings.HasPrefix(c.Summary, cdshooks.IfBackPain)
				if framed != tt.framed {
					t.Errorf("card %d %q: framed %v, want %v", i, c.Summary, framed, tt.framed)
				}
				if framed != strings.Contains(c.Detail, "No back condition this service recognises is coded on this chart, only risk factors") {
					t.Errorf("card %d: the summary is framed %v but the detail does not say so: %q", i, framed, c.Detail)
				}
				// A list of names is written to fit beside the frame, not
				// cut by it.
				if rest, _ := strings.CutPrefix(c.Summary, cdshooks.IfBackPain); (strings.HasPrefix(rest, "Avoid for now:") ||
					strings.HasPrefix(rest, "Also helpful:")) && !strings.HasSuffix(rest, ".") {
					t.Errorf("card %d: the list in %q was cut", i, c.Summary)
				}
				if n := len([]rune(c.Summary)); n > cdshooks.MaxSummary {
					t.Errorf("card %d: summary of %d characters, over %d", i, n, cdshooks.MaxSummary)
				}
			}
			if tt.urgency != "" {
				got := strings.TrimPrefix(resp.Cards[0].Summary, cdshooks.IfBackPain)
				if !strings.HasPrefix(got, tt.urgency+":") {
					t.Errorf("first card %q, want a %s referral first", resp.Cards[0].Summary, tt.urgency)
				}
			}
		})
	}
}

// TestCardsOnlyForClinicians answers {"cards": []} when patient-view's
// context.userId is a patient or their proxy viewing the record (CDS
// Hooks names Patient and RelatedPerson for them): the cards are written
// for the clinician, and a red flag's referral card ("assess within days
// for spinal metastases") is not how a patient should hear of it. A
// clinician, and a userId that cannot be read, get the cards.
func TestCardsOnlyForClinicians(t *testing.T) {
	cancer := conditionsBundle(recommend.Code{System: "http://hl7.org/fhir/sid/icd-10-cm", Code: "Z85.3"})
	tests := []struct {
		name      string
		context   string // the request's context, beside patientId
		status    int
		wantCards bool
	}{
		{"practitioner", `"userId": "Practitioner/abc"`, http.StatusOK, true},
		{"practitioner role", `"userId": "PractitionerRole/123"`, http.StatusOK, true},
		{"no userId", ``, http.StatusOK, true},
		{"userId of the wrong type", `"userId": 42`, http.StatusOK, true},
		{"userId without a type", `"userId": "p"`, http.StatusOK, true},
		{"the patient", `"userId": "Patient/p"`, http.StatusOK, false},
		{"the patient's proxy", `"userId": "RelatedPerson/r1"`, http.StatusOK, false},
		{"the patient, by absolute URL", `"userId": "https://ehr.example.org/fhir/Patient/p"`, http.StatusOK, false},
		{"the patient, with a version", `"userId": "Patient/p/_history/2"`, http.StatusOK, false},
		{"userId in the wrong case", `"UserId": "Patient/p"`, http.StatusBadRequest, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := `"patientId": "p"`
			if tt.context != "" {
				ctx = tt.context + ", " + ctx
			}
			body := `{"hook": "patient-view", "hookInstance": "x", "context": {` + ctx + `},
				"prefetch": {"pastConditions": null, "patient": {"resourceType": "Patient", "id": "p", "birthDate": "1960-05-01"}, "conditions": ` + cancer + `}}`
			checkCards(t, body, tt.status, tt.wantCards)
		})
	}
}

// TestNoCardsForTheDeceased answers {"cards": []} for a patient the
// Patient says has died (deceasedBoolean true, or a deceasedDateTime not
// after today, on a red-flag chart): the advice, referral included, is not
// for anyone. A deceased[x] that is false, cannot be read or is in the
// future errs toward the cards.
func TestNoCardsForTheDeceased(t *testing.T) {
	tests := []struct {
		name      string
		deceased  string // the Patient's deceased[x], JSON
		status    int
		wantCards bool
	}{
		{"alive", ``, http.StatusOK, true},
		{"deceasedBoolean false", `"deceasedBoolean": false`, http.StatusOK, true},
		{"deceasedBoolean true", `"deceasedBoolean": true`, http.StatusOK, false},
		{"deceasedDateTime, a day", `"deceasedDateTime": "2025-03-01"`, http.StatusOK, false},
		{"deceasedDateTime, a time", `"deceasedDateTime": "2026-11-20T10:00:00+01:00"`, http.StatusOK, false},
		{"deceasedDateTime, a year", `"deceasedDateTime": "2019"`, http.StatusOK, false},
		{"deceasedDateTime, a month", `"deceasedDateTime": "2026-11"`, http.StatusOK, false},
		{"deceasedDateTime, next month: a mistake", `"deceasedDateTime": "2026-12"`, http.StatusOK, true},
		{"deceasedDateTime in the future: a mistake", `"deceasedDateTime": "2031-01-01"`, http.StatusOK, true},
		{"deceasedDateTime today, a day", `"deceasedDateTime": "2026-11-24"`, http.StatusOK, false},
		{"deceasedDateTime today, earlier", `"deceasedDateTime": "2026-11-24T05:00:00-03:00"`, http.StatusOK, false},
		{"deceasedDateTime today, later: a mistake", `"deceasedDateTime": "2026-11-24T18:00:00Z"`, http.StatusOK, true},
		{"deceasedDateTime tomorrow: a mistake", `"deceasedDateTime": "2026-11-25"`, http.StatusOK, true},
		{"deceasedDateTime not a date", `"deceasedDateTime": "yes"`, http.StatusOK, true},
		{"deceasedBoolean of the wrong type", `"deceasedBoolean": "true"`, http.StatusOK, true},
		// The Patient is not read, its key reported: the cards err
		// toward the clinician.
		{"deceasedBoolean in the wrong case", `"DeceasedBoolean": true`, http.StatusOK, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := deceasedRequest(tt.deceased)
			checkCards(t, body, tt.status, tt.wantCards)
		})
	}
}

// TestFramedReferralSaysHowSoon checks the referral card of a chart with
// only a risk factor and a pain score (a history of cancer, and pain 8
// yesterday): its summary, framed as applying if back pain is reported,
// keeps how soon to act, which a cut at the end had dropped ("...;
// suspect spinal metastases; specialist…").
func TestFramedReferralSaysHowSoon(t *testing.T) {
	cancer := conditionsBundle(recommend.Code{System: "http://hl7.org/fhir/sid/icd-10-cm", Code: "Z85.3"})
	pain := `{"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {"resourceType": "Observation", "status": "final",
		"code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]}, "subject": {"reference": "Patient/p"},
		"effectiveDateTime": "2026-11-23", "valueInteger": 8}}]}`
	body := `{"hook": "patient-view", "hookInstance": "x", "context": {"userId": "Practitioner/abc", "patientId": "p"},
		"prefetch": {"pastConditions": null, "patient": {"resourceType": "Patient", "id": "p", "birthDate": "1960-05-01"}, "conditions": ` + cancer + `, "painScores": ` + pain + `}}`
	rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, body)
	resp := okResponse(t, rec)
	var got []string
	for _, c := range resp.Cards {
		if c.Source.Topic != nil && c.Source.Topic.Code == "referral" {
			got = append(got, c.Summary)
		}
	}
	want := []string{cdshooks.IfBackPain + "Urgent: Cancer history with severe, constant, thoracic or night pain; specialist assessment within a day."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("referral summaries (-want +got):\n%s", diff)
	}
}

// checkCards posts body to the service and checks that it is answered
// with status and, for a 200, with a list of cards that is empty or not
// as wantCards says.
func checkCards(t *testing.T, body string, status int, wantCards bool) {
	t.Helper()
	rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, body)
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	if status != http.StatusOK {
		return
	}
	var resp cdshooks.Response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Cards == nil {
		t.Fatalf("cards is null, want a list: %s", rec.Body)
	}
	if got := len(resp.Cards) > 0; got != wantCards {
		t.Errorf("%d cards, want cards: %v\n%s", len(resp.Cards), wantCards, rec.Body)
	}
}

// TestDeceasedUnreadIsNoted checks that a deceased[x] the service cannot
// read, or that dates a death after now, is noted in the extension
// (unread-patient) with its path, rather than passed over: the patient is
// taken as alive, and the cards are given. The note is not of the age or
// sex, so it adds no card saying the age is unknown.
func TestDeceasedUnreadIsNoted(t *testing.T) {
	tests := []struct {
		name     string
		deceased string // the Patient's deceased[x], JSON
		want     []string
	}{
		{"none", ``, nil},
		{"deceasedBoolean false", `"deceasedBoolean": false`, nil},
		{"deceasedBoolean null", `"deceasedBoolean": null`, nil},
		{"deceasedBoolean a string", `"deceasedBoolean": "true"`, []string{"prefetch.patient.deceasedBoolean"}},
		{"deceasedBoolean a number", `"deceasedBoolean": 1`, []string{"prefetch.patient.deceasedBoolean"}},
		{"deceasedDateTime a number", `"deceasedDateTime": 2020`, []string{"prefetch.patient.deceasedDateTime"}},
		{"deceasedDateTime not a date", `"deceasedDateTime": "yes"`, []string{"prefetch.patient.deceasedDateTime"}},
		{"deceasedDateTime a day the calendar lacks", `"deceasedDateTime": "2025-02-30"`, []string{"prefetch.patient.deceasedDateTime"}},
		{"deceasedDateTime in the future", `"deceasedDateTime": "2031-01-01"`, []string{"prefetch.patient.deceasedDateTime"}},
		{"deceasedDateTime empty", `"deceasedDateTime": ""`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := deceasedRequest(tt.deceased)
			rec := serve(t, http.MethodPost, "/cds-services/"+cdshooks.ServiceID, body)
			resp := okResponse(t, rec)
			var got []string
			if resp.Extension != nil {
				for _, n := range resp.Extension.UnreadPatient {
					got = append(got, n.Entry)
					if !strings.Contains(n.Reason, "taken as alive") {
						t.Errorf("note %q: reason %q does not say the patient is taken as alive", n.Entry, n.Reason)
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("unread-patient entries (-want +got):\n%s", diff)
			}
			if len(resp.Cards) == 0 {
				t.Fatalf("no cards, want the cancer referral's: %s", rec.Body)
			}
			for _, c := range resp.Cards {
				if strings.Contains(c.Summary, "could not be read") {
					t.Errorf("card %q: a deceased[x] not read says nothing of the age", c.Summary)
				}
			}
		})
	}
}

// deceasedRequest is a patient-view call on a chart with a past cancer
// (a referral) whose Patient, born 1960, holds deceased, a deceased[x]
// member in JSON ("" for none).
func deceasedRequest(deceased string) string {
	patient := `{"resourceType": "Patient", "id": "p", "birthDate": "1960-05-01"}`
	if deceased != "" {
		patient = strings.Replace(patient, `}`, `, `+deceased+`}`, 1)
	}
	cancer := conditionsBundle(recommend.Code{System: "http://hl7.org/fhir/sid/icd-10-cm", Code: "Z85.3"})
	return `{"hook": "patient-view", "hookInstance": "x", "context": {"userId": "Practitioner/abc", "patientId": "p"},
		"prefetch": {"pastConditions": null, "patient": ` + patient + `, "conditions": ` + cancer + `}}`
}
