package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// slipRule is a rule that loads and passes the analysis, yet fails at
// runtime: at the age of 31, which no check at load explores (it is no
// range end, literal or neighbour of one), it converts a condition id to
// a number.
const slipRule = `rules:
  - id: slips-through
    description: Fails at runtime at the age of 31, which no check at load explores.
    when: "'disc_herniation' in profile.conditions && (profile.age * 7 != 217 || int(profile.conditions[0]) > 0)"
    recommend: [walking]
    because: Fails on purpose.
    cite:
      - source: nice-ng59
        locator: Non-invasive treatments for low back pain and sciatica
        claim: People with low back pain should be encouraged to carry on with normal activities.
`

// testOnlySystem is a code system for the red flag the CDS Hooks test
// sends: no emergency red flag of the default rules has a code.
const testOnlySystem = "http://backrules.example/test-only"

// slipProfile is a profile with an emergency red flag on which slipRule
// fails.
var slipProfile = recommend.Profile{
	Conditions: []string{"disc_herniation"},
	RedFlags:   []string{"saddle_numbness"},
	Age:        31,
}

// slipServer returns a server of the default rules with slipRule in
// slip.yaml, and saddle numbness coded for CDS Hooks, after checking
// that the engine answers slipProfile with a *recommend.PartialError
// that holds the emergency.
func slipServer(t *testing.T) (*Server, *syncBuffer) {
	t.Helper()
	dir := t.TempDir()
	writeRules(t, dir, "slip")
	if err := os.WriteFile(filepath.Join(dir, "slip.yaml"), []byte(slipRule), 0o644); err != nil {
		t.Fatal(err)
	}
	edit(t, dir, "vocabulary.yaml", `label: "Numbness in the groin, genitals or inner thighs",`,
		`label: "Numbness in the groin, genitals or inner thighs", codes: [{system: "`+testOnlySystem+`", code: saddle-numbness}],`)
	s, logs := newServer(t, Config{Rules: os.DirFS(dir)})
	_, err := s.Engine().Recommend(context.Background(), slipProfile)
	var pe *recommend.PartialError
	var ee *recommend.EvalError
	if !errors.As(err, &pe) || pe.Result == nil || !errors.As(err, &ee) || ee.Rule != "slips-through" {
		t.Fatalf("Recommend = %v; want a *PartialError with the *EvalError of slips-through", err)
	}
	if len(pe.Result.Referrals) == 0 || pe.Result.Referrals[0].Urgency != recommend.UrgencyEmergency {
		t.Fatalf("the partial Result has referrals %+v; want an emergency", pe.Result.Referrals)
	}
	return s, logs
}

// logHasRule reports whether a JSON log holds a line with msg that
// names the rule slips-through, in slip.yaml at line 2.
func logHasRule(logs, msg string) bool {
	for _, l := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) != nil || !strings.HasPrefix(fmt.Sprint(m["msg"]), msg) {
			continue
		}
		if m["rule"] == "slips-through" && m["file"] == "slip.yaml" && m["line"] == float64(2) {
			return true
		}
	}
	return false
}

// incompleteBody is what a client of /recommend reads of an incomplete
// answer.
type incompleteBody struct {
	Referrals      []recommend.Referral
	Withheld       bool
	WithheldReason string `json:"withheld_reason"`
	Incomplete     bool
	Recommended    []recommend.Item
	Plan           []recommend.PlanStep
	Error          partialFailure
}

// TestRecommendPartial checks that /recommend answers a rule that fails
// at runtime with 200 and the referrals: the emergency, incomplete and
// withheld true, no movement advice, and an error naming the rule; and
// that the log names the rule, its file and line.
func TestRecommendPartial(t *testing.T) {
	s, logs := slipServer(t)
	body, err := json.Marshal(slipProfile)
	if err != nil {
		t.Fatal(err)
	}
	rec := do(t, s.Handler(), "POST", "/recommend", string(body))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", rec.Code, cut(rec.Body.String()))
	}
	checkDoc(t, "POST", "/recommend", rec)
	var got incompleteBody
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Referrals) == 0 || got.Referrals[0].Urgency != recommend.UrgencyEmergency {
		t.Errorf("referrals %+v, want the emergency first", got.Referrals)
	}
	got.Referrals = nil
	want := incompleteBody{Withheld: true, Incomplete: true, WithheldReason: got.WithheldReason,
		Recommended: []recommend.Item{}, Plan: []recommend.PlanStep{},
		Error: partialFailure{Rule: "slips-through",
			Error: `rule "slips-through" failed to evaluate: only the referrals were worked out, and the rest of the advice is withheld; the rule set needs fixing`}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if got.WithheldReason == "" {
		t.Error("no withheld_reason")
	}
	if !logHasRule(logs.String(), "rule failed to evaluate") {
		t.Errorf("the log does not name the rule, file and line:\n%s", logs)
	}
}

// TestExplainPartial checks that /explain, which cannot explain without
// every rule, answers a rule that fails at runtime with a 500 whose body
// carries the referrals, for a movement and for the referrals.
func TestExplainPartial(t *testing.T) {
	s, logs := slipServer(t)
	profile, err := json.Marshal(slipProfile)
	if err != nil {
		t.Fatal(err)
	}
	for _, movement := range []string{"walking", referralTarget} {
		t.Run(movement, func(t *testing.T) {
			rec := do(t, s.Handler(), "POST", "/explain", `{"profile":`+string(profile)+`,"movement":"`+movement+`"}`)
			if rec.Code != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500: %s", rec.Code, cut(rec.Body.String()))
			}
			checkDoc(t, "POST", "/explain", rec)
			var got struct {
				Status int
				Rule   string
				Result incompleteBody
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.Rule != "slips-through" || !got.Result.Incomplete || !got.Result.Withheld ||
				len(got.Result.Referrals) == 0 || got.Result.Referrals[0].Urgency != recommend.UrgencyEmergency {
				t.Errorf("body %s; want the rule and the Result with the emergency", cut(rec.Body.String()))
			}
		})
	}
	if !logHasRule(logs.String(), "rule failed to evaluate") {
		t.Errorf("the log does not name the rule, file and line:\n%s", logs)
	}
}

// TestPagePartial checks that the page answers a rule that fails at
// runtime with the emergency box and a note that the rest of the advice
// could not be worked out, and logs the rule, its file and line through
// the server's logger.
func TestPagePartial(t *testing.T) {
	s, logs := slipServer(t)
	form := url.Values{"conditions": slipProfile.Conditions, "red_flags": slipProfile.RedFlags, "age": {"31"}}
	req := httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", rec.Code, cut(rec.Body.String()))
	}
	body := rec.Body.String()
	for _, want := range []string{
		`<div class="referral emergency" role="alert">`,
		`The rest of the advice could not be worked out: see a clinician.`,
		`<title>Emergency: get help now · backrules</title>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, `id="plan"`) || strings.Contains(body, `id="also-helpful"`) {
		t.Error("page gives movement advice")
	}
	if !logHasRule(logs.String(), "web: rule failed to evaluate") {
		t.Errorf("the server's log does not name the rule, file and line:\n%s", logs)
	}
}

// cdsCall is a CDS Hooks request for a patient born on birthDate with an
// active Condition of each coding.
func cdsCall(birthDate string, codings ...[2]string) string {
	var entries []string
	for i, c := range codings {
		entries = append(entries, fmt.Sprintf(`{"resource": {"resourceType": "Condition", "id": "c%d",
			"clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
			"code": {"coding": [{"system": %q, "code": %q}]},
			"subject": {"reference": "Patient/p1"}}}`, i, c[0], c[1]))
	}
	return `{"hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", "hook": "patient-view",
		"context": {"userId": "Practitioner/example", "patientId": "p1"},
		"prefetch": {
			"patient": {"resourceType": "Patient", "id": "p1", "birthDate": "` + birthDate + `"},
			"conditions": {"resourceType": "Bundle", "type": "searchset", "total": ` + fmt.Sprint(len(codings)) + `,
				"entry": [` + strings.Join(entries, ",") + `]},
			"pastConditions": null}}`
}

// TestCDSHooksPartial checks that CDS Hooks answers a rule that fails at
// runtime with the emergency card first and an info card saying the rest
// of the advice is unavailable, and logs the rule, its file and line
// through the server's logger.
func TestCDSHooksPartial(t *testing.T) {
	s, logs := slipServer(t)
	const icd = "http://hl7.org/fhir/sid/icd-10-cm"
	// 31 on the test servers' day, 2026-11-24.
	body := cdsCall("1995-05-02", [2]string{icd, "M51.26"}, [2]string{testOnlySystem, "saddle-numbness"})
	rec := do(t, s.Handler(), "POST", "/cds-services/backrules", body)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", rec.Code, cut(rec.Body.String()))
	}
	checkDoc(t, "POST", "/cds-services/backrules", rec)
	var got struct {
		Cards []struct{ Summary, Indicator string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var summaries []string
	for _, c := range got.Cards {
		summaries = append(summaries, c.Indicator+": "+c.Summary)
	}
	if len(got.Cards) < 2 || got.Cards[0].Indicator != "critical" ||
		summaries[1] != "info: Exercise advice unavailable: assess the patient before any exercises" {
		t.Errorf("cards %q; want the critical card, then the info card", summaries)
	}
	for _, c := range got.Cards {
		if strings.HasPrefix(c.Summary, "Plan step") || strings.HasPrefix(c.Summary, "Recommended") || strings.HasPrefix(c.Summary, "Also helpful") {
			t.Errorf("card %q gives movement advice", c.Summary)
		}
	}
	if !logHasRule(logs.String(), "cdshooks: rule failed to evaluate") {
		t.Errorf("the server's log does not name the rule, file and line:\n%s", logs)
	}
}

// slipReferral is a referral rule that fails at runtime at the age of 31
// for a profile with a condition: a failing referral rule counts as
// matched, so that it errs toward a clinician.
const slipReferral = `rules:
  - id: slips-referral
    description: Fails at runtime at the age of 31, which no check at load explores.
    when: "'saddle_numbness' in profile.red_flags || (profile.age * 7 == 217 && size(profile.conditions) > 0 && int(profile.conditions[0]) > 0)"
    refer:
      urgency: emergency
      message: "Go to an emergency department now. This is advice to get assessed, not a diagnosis."
      withhold: true
    because: Fails on purpose.
    cite:
      - source: nice-ng59
        locator: Non-invasive treatments for low back pain and sciatica
        claim: People with low back pain should be encouraged to carry on with normal activities.
`

// TestRecommendFailingReferralRule checks that a referral rule that
// fails at runtime errs toward a clinician on /recommend: its referral
// is given, with the rest withheld, and the rule is named.
func TestRecommendFailingReferralRule(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, "slip-referral")
	if err := os.WriteFile(filepath.Join(dir, "slip_referral.yaml"), []byte(slipReferral), 0o644); err != nil {
		t.Fatal(err)
	}
	s, logs := newServer(t, Config{Rules: os.DirFS(dir)})
	rec := do(t, s.Handler(), "POST", "/recommend", `{"conditions":["disc_herniation"],"age":31}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", rec.Code, cut(rec.Body.String()))
	}
	checkDoc(t, "POST", "/recommend", rec)
	var got incompleteBody
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var fromRule bool
	for _, r := range got.Referrals {
		fromRule = fromRule || (r.Urgency == recommend.UrgencyEmergency && slices.Contains(r.Rules, "slips-referral"))
	}
	if !fromRule || !got.Incomplete || !got.Withheld || len(got.Recommended) != 0 || got.Error.Rule != "slips-referral" {
		t.Errorf("body %s; want the failing rule's emergency, incomplete and withheld, and the rule named", cut(rec.Body.String()))
	}
	if !strings.Contains(logs.String(), `"rule":"slips-referral","file":"slip_referral.yaml","line":2`) {
		t.Errorf("the log does not name the rule, file and line:\n%s", logs)
	}
}
