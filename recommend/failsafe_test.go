package recommend_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
	"github.com/backrules/backrules/rules"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// latentRules has a rule with a latent runtime error that the load-time
// search does not find: 36 / (profile.age - 20 - 20) fails at age 40 only,
// and the search tries the numbers written in a condition and their
// neighbours, not their sums. The referral rule for saddle numbness meets
// its floor.
const latentRules = `
sources:
  - {id: src, title: Source, publisher: Publisher, kind: guideline}
vocabulary:
  red_flags:
    - {id: saddle_numbness, label: Saddle numbness, floor: {urgency: emergency, withhold: true}}
    - {id: night_pain, label: Night pain, floor: {urgency: routine, withhold: false}}
movements:
  - {id: walk, name: Walking, kind: lifestyle, how: Walk at an easy pace., dose: 10 minutes., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: saddle-emergency
    when: "'saddle_numbness' in profile.red_flags"
    refer: {urgency: emergency, message: Go to an emergency department now., withhold: true}
    because: Saddle numbness can mean the nerves at the base of the spine are squeezed.
    cite: [{source: src, locator: Red flags, claim: Saddle numbness needs an emergency check.}]
  - id: walk-latent
    when: "36 / (profile.age - 20 - 20) < 0"
    recommend: [walk]
    because: Walking helps.
    cite: [{source: src, locator: Activity, claim: Walking helps.}]
  - id: night-pain-walk
    when: "'night_pain' in profile.red_flags"
    refer: {urgency: routine, message: Book a visit.}
    recommend: [walk]
    because: Night pain is worth a check; walking is fine meanwhile.
    cite: [{source: src, locator: Red flags, claim: Night pain needs a visit.}]
`

// A caller that stops at err != nil still finds the emergency: the error
// is a *PartialError whose Result holds the referrals, with the rest of
// the advice withheld.
func ExamplePartialError() {
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(latentRules)}})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{RedFlags: []string{"saddle_numbness"}, Age: 40})
	if err != nil {
		var pe *recommend.PartialError
		if !errors.As(err, &pe) {
			fmt.Println("no advice:", err)
			return
		}
		fmt.Println("error:", err)
		res = pe.Result // the referrals; the rest of the advice is withheld
	}
	for _, r := range res.Referrals {
		fmt.Printf("[%s] %s\n", r.Urgency, r.Message)
	}
	fmt.Println("incomplete:", res.Incomplete, "withheld:", res.Withheld)
	fmt.Println(res.WithheldReason)
	// Output:
	// error: rules.yaml:16: rule "walk-latent" failed to evaluate: division by zero: fix its when condition so that it works for every valid profile (only the referrals were worked out)
	// [emergency] Go to an emergency department now.
	// incomplete: true withheld: true
	// Movement advice is withheld until a clinician has assessed you, because of: saddle-emergency. The rest of the advice could not be worked out. See a clinician.
}

// partialSummary is what a test checks of a *PartialError.
type partialSummary struct {
	Referrals      []string // urgency: rules
	Withheld       bool
	Incomplete     bool
	WithheldReason string
	Recommended    int
	Avoided        int
	Messages       []string // kind: rules
	Plan           int
	Trace          []recommend.TraceEntry
	EvalRule       string // the failing rule, or ""
	Cause          error  // context.Canceled, context.DeadlineExceeded or nil
}

func summarizePartial(t *testing.T, res *recommend.Result, err error) partialSummary {
	t.Helper()
	var pe *recommend.PartialError
	if res != nil || !errors.As(err, &pe) || pe.Result == nil {
		t.Fatalf("got %v, %v; want no result and a *PartialError with a Result", res, err)
	}
	s := partialSummary{
		Withheld: pe.Result.Withheld, Incomplete: pe.Result.Incomplete, WithheldReason: pe.Result.WithheldReason,
		Recommended: len(pe.Result.Recommended) + len(pe.Result.NeedsEquipment), Plan: len(pe.Result.Plan),
		Avoided: len(pe.Result.Avoided), Trace: pe.Result.Trace(), Referrals: []string{},
	}
	for _, m := range pe.Result.Messages {
		s.Messages = append(s.Messages, fmt.Sprintf("%s: %s", m.Kind, strings.Join(m.Rules, ",")))
	}
	for _, r := range pe.Result.Referrals {
		s.Referrals = append(s.Referrals, fmt.Sprintf("%s: %s", r.Urgency, strings.Join(r.Rules, ",")))
	}
	var ee *recommend.EvalError
	if errors.As(err, &ee) {
		s.EvalRule = fmt.Sprintf("%s %s:%d", ee.Rule, ee.File, ee.Line)
	}
	for _, cause := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, cause) {
			s.Cause = cause
		}
	}
	return s
}

// TestPartialResult checks what Recommend returns when a rule fails or the
// context is done: the referrals the profile matched, every movement
// withheld with the plain note, the trace of the referral rules, and the
// cause, on the semantics rule set (whose rule fails-at-nine fails at
// pain 9 and age 40).
func TestPartialResult(t *testing.T) {
	eng := semanticsEngine(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(1, 0))
	defer cancel2()
	referralTrace := func(matched ...string) []recommend.TraceEntry {
		var out []recommend.TraceEntry
		for _, id := range []string{"refer-routine", "refer-urgent", "refer-emergency"} {
			out = append(out, recommend.TraceEntry{Rule: id, Matched: strings.Contains(strings.Join(matched, " "), id)})
		}
		return out
	}
	withheldBy := "Movement advice is withheld until a clinician has assessed you, because of: refer-emergency. "
	failing := recommend.Profile{Conditions: []string{"cond_a"}, Equipment: []string{"roller"}, PainLevel: 9, Age: 40}
	withFlags := func(p recommend.Profile, flags ...string) recommend.Profile { p.RedFlags = flags; return p }
	tests := []struct {
		name string
		ctx  context.Context
		p    recommend.Profile
		want partialSummary
	}{
		{"failing rule, emergency", context.Background(), withFlags(failing, "flag_emergency", "flag_routine"), partialSummary{
			Referrals: []string{"emergency: refer-emergency", "routine: refer-routine"},
			Withheld:  true, Incomplete: true, WithheldReason: withheldBy + recommend.IncompleteReason,
			Trace:    referralTrace("refer-routine", "refer-emergency"),
			EvalRule: "fails-at-nine rules.yaml:60",
		}},
		{"failing rule, no red flag", context.Background(), failing, partialSummary{
			Referrals: []string{}, Withheld: true, Incomplete: true, WithheldReason: recommend.IncompleteReason,
			Trace: referralTrace(), EvalRule: "fails-at-nine rules.yaml:60",
		}},
		{"failing rule, urgent without withholding", context.Background(), withFlags(failing, "flag_urgent"), partialSummary{
			Referrals: []string{"urgent: refer-urgent"}, Withheld: true, Incomplete: true, WithheldReason: recommend.IncompleteReason,
			Trace: referralTrace("refer-urgent"), EvalRule: "fails-at-nine rules.yaml:60",
		}},
		{"cancelled, emergency", cancelled, withFlags(recommend.Profile{Conditions: []string{"cond_a"}}, "flag_emergency"), partialSummary{
			Referrals: []string{"emergency: refer-emergency"}, Withheld: true, Incomplete: true,
			WithheldReason: withheldBy + recommend.IncompleteReason, Trace: referralTrace("refer-emergency"), Cause: context.Canceled,
		}},
		{"deadline passed, urgent", expired, withFlags(recommend.Profile{Conditions: []string{"cond_a"}}, "flag_urgent"), partialSummary{
			Referrals: []string{"urgent: refer-urgent"}, Withheld: true, Incomplete: true,
			WithheldReason: recommend.IncompleteReason, Trace: referralTrace("refer-urgent"), Cause: context.DeadlineExceeded,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(tt.ctx, tt.p)
			got := summarizePartial(t, res, err)
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("Recommend partial result mismatch (-want +got):\n%s", diff)
			}
			// The same profile explained fails the same way.
			x, err := eng.ExplainReferrals(tt.ctx, tt.p)
			if x != nil {
				t.Fatalf("ExplainReferrals = %+v, want no explanation", x)
			}
			if diff := cmp.Diff(tt.want, summarizePartial(t, nil, err), cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("ExplainReferrals partial result mismatch (-want +got):\n%s", diff)
			}
			mx, err := eng.Explain(tt.ctx, tt.p, "m1")
			if mx != nil {
				t.Fatalf("Explain = %+v, want no explanation", mx)
			}
			if diff := cmp.Diff(tt.want, summarizePartial(t, nil, err), cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("Explain partial result mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPartialResultJSON checks that an incomplete Result says so in its
// JSON, and that a complete one leaves the key out.
func TestPartialResultJSON(t *testing.T) {
	eng := semanticsEngine(t)
	_, err := eng.Recommend(context.Background(), recommend.Profile{PainLevel: 9, Age: 40})
	var pe *recommend.PartialError
	if !errors.As(err, &pe) {
		t.Fatalf("Recommend error = %v, want a *PartialError", err)
	}
	var b bytes.Buffer
	if err := report.WriteJSON(&b, pe.Result); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"incomplete":true`) {
		t.Errorf("JSON of an incomplete Result has no \"incomplete\": true:\n%s", b.String())
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{PainLevel: 9, Age: 41})
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := report.WriteJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "incomplete") {
		t.Errorf("JSON of a complete Result mentions incomplete:\n%s", b.String())
	}
}

// TestFailingReferralRuleCountsAsMatched checks that a referral rule that
// fails to evaluate errs toward a clinician: it counts as matched, every
// other referral rule still runs, and the error names it. The movement a
// matched referral rule recommends is withheld too: an incomplete Result
// recommends nothing.
func TestFailingReferralRuleCountsAsMatched(t *testing.T) {
	rules := `
sources:
  - {id: src, title: Source, publisher: Publisher, kind: guideline}
vocabulary:
  red_flags:
    - {id: saddle_numbness, label: Saddle numbness, floor: {urgency: emergency, withhold: true}}
    - {id: night_pain, label: Night pain, floor: {urgency: routine, withhold: false}}
movements:
  - {id: walk, name: Walking, kind: lifestyle, how: Walk at an easy pace., dose: 10 minutes., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: saddle-or-latent
    when: "'saddle_numbness' in profile.red_flags || 36 / (profile.age - 20 - 20) < 0"
    refer: {urgency: emergency, message: Go to an emergency department now., withhold: true}
    because: Saddle numbness.
    cite: [{source: src, locator: Red flags, claim: Saddle numbness needs an emergency check.}]
  - id: night-pain
    when: "'night_pain' in profile.red_flags"
    refer: {urgency: routine, message: Book a visit.}
    recommend: [walk]
    because: Night pain.
    cite: [{source: src, locator: Red flags, claim: Night pain needs a visit.}]
  - id: walk
    when: "true"
    recommend: [walk]
    because: Walking helps.
    cite: [{source: src, locator: Activity, claim: Walking helps.}]
`
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(rules)}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{RedFlags: []string{"night_pain"}, Age: 40})
	got := summarizePartial(t, res, err)
	want := partialSummary{
		Referrals: []string{"emergency: saddle-or-latent", "routine: night-pain"},
		Withheld:  true, Incomplete: true,
		WithheldReason: "Movement advice is withheld until a clinician has assessed you, because of: saddle-or-latent. " + recommend.IncompleteReason,
		Trace:          []recommend.TraceEntry{{Rule: "saddle-or-latent", Matched: true}, {Rule: "night-pain", Matched: true}},
		EvalRule:       "saddle-or-latent rules.yaml:11",
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
		t.Errorf("partial result mismatch (-want +got):\n%s", diff)
	}
	// At any other age the rule evaluates, and the advice is complete.
	if res, err := eng.Recommend(context.Background(), recommend.Profile{RedFlags: []string{"night_pain"}, Age: 41}); err != nil || len(res.Referrals) != 1 || res.Incomplete {
		t.Errorf("Recommend at age 41 = %+v, %v; want the routine referral alone, complete", res, err)
	}
}

func TestPartialErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  *recommend.PartialError
		want string
	}{
		{"nil Err", &recommend.PartialError{}, "recommend: only the referrals were worked out"},
		{"context", &recommend.PartialError{Err: fmt.Errorf("recommend: %w", context.Canceled)}, "recommend: context canceled (only the referrals were worked out)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.err.Error()); diff != "" {
				t.Errorf("Error() mismatch (-want +got):\n%s", diff)
			}
			if !errors.Is(tt.err, tt.err.Err) && tt.err.Err != nil {
				t.Errorf("errors.Is(err, Err) = false")
			}
		})
	}
}

// TestDefaultFloorsMatchEachFlagAlone checks that every default red flag
// declares a floor, and that each floor is exactly what the flag alone
// leads to: the most urgent referral, and whether advice is withheld (for
// a flag the rules make less urgent in some episodes, what the profile
// that reaches the floor leads to). A floor set lower than that would let
// a rule change lower the screen unnoticed.
func TestDefaultFloorsMatchEachFlagAlone(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	floors := eng.Floors()
	var ids []string
	for _, f := range floors {
		ids = append(ids, f.RedFlag)
	}
	var flags []string
	for _, term := range eng.Vocabulary().RedFlags {
		flags = append(flags, term.ID)
	}
	if diff := cmp.Diff(flags, ids); diff != "" {
		t.Fatalf("Floors() red flags differ from the vocabulary's, in order (-want +got):\n%s", diff)
	}
	// A flag whose floor is below what it gets alone in a new episode: the
	// profile that reaches the floor. Night pain alone is urgent in a
	// current episode, and a routine review in long-standing pain (issue
	// 17; Henschke 2013), so its floor is routine.
	reached := map[string]recommend.Profile{
		"night_pain": {RedFlags: []string{"night_pain"}, DaysSinceOnset: 200},
	}
	for _, f := range floors {
		p, ok := reached[f.RedFlag]
		if !ok {
			p = recommend.Profile{RedFlags: []string{f.RedFlag}}
		}
		res, err := eng.Recommend(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		got := recommend.Floor{RedFlag: f.RedFlag, Withhold: res.Withheld, File: f.File, Line: f.Line, Column: f.Column}
		if len(res.Referrals) > 0 {
			got.Urgency = res.Referrals[0].Urgency
		}
		if diff := cmp.Diff(f, got); diff != "" {
			t.Errorf("red flag %s alone (-floor +result):\n%s", f.RedFlag, diff)
		}
		if f.File != "vocabulary.yaml" || f.Line == 0 || f.Column == 0 {
			t.Errorf("floor of %s at %s:%d:%d, want a position in vocabulary.yaml", f.RedFlag, f.File, f.Line, f.Column)
		}
	}
	var nilEngine *recommend.Engine
	if got := nilEngine.Floors(); got != nil {
		t.Errorf("nil engine Floors() = %v, want nil", got)
	}
}

// TestPartialResultReports checks that every report of an incomplete
// Result says that the rest of the advice could not be worked out.
func TestPartialResultReports(t *testing.T) {
	eng := semanticsEngine(t)
	_, err := eng.Recommend(context.Background(), recommend.Profile{RedFlags: []string{"flag_emergency"}, PainLevel: 9, Age: 40})
	var pe *recommend.PartialError
	if !errors.As(err, &pe) {
		t.Fatalf("Recommend error = %v, want a *PartialError", err)
	}
	for name, write := range map[string]func(io.Writer, *recommend.Result) error{
		"WriteText": report.WriteText, "WriteMarkdown": report.WriteMarkdown, "WriteDetailedText": report.WriteDetailedText,
	} {
		var b bytes.Buffer
		if err := write(&b, pe.Result); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), recommend.IncompleteReason) || !strings.Contains(b.String(), "Go to the emergency department now.") {
			t.Errorf("%s of an incomplete Result lacks the emergency or %q:\n%s", name, recommend.IncompleteReason, b.String())
		}
	}
}

// TestDefaultRulesWithoutTheirRedFlagRules checks that the default rules do
// not load when their red-flag rules are lost: red_flags.yaml deleted (an
// rsync --delete, a checkout), caught half-written at a rule boundary, or
// emptied. Each floor the loss breaks is named at its place in
// vocabulary.yaml.
func TestDefaultRulesWithoutTheirRedFlagRules(t *testing.T) {
	full, err := fs.ReadFile(rules.FS, "red_flags.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The second rule starts at its "  - id:" line; cutting there keeps
	// only the cauda equina rule, a valid file.
	first := bytes.Index(full, []byte("\n  - id: "))
	second := bytes.Index(full[first+1:], []byte("\n  - id: "))
	if first < 0 || second < 0 {
		t.Fatal("red_flags.yaml has fewer than two rules")
	}
	tests := []struct {
		name      string
		redFlags  []byte // nil: the file is deleted
		wantFlags []string
	}{
		{"deleted", nil, []string{"bladder_bowel_dysfunction", "saddle_numbness", "leg_weakness", "history_of_cancer", "known_serious_spinal_condition"}},
		{"cut after the first rule", full[:first+1+second+1], []string{"leg_weakness", "history_of_cancer", "known_serious_spinal_condition"}},
		{"no rules left", []byte("rules: []\n"), []string{"bladder_bowel_dysfunction", "saddle_numbness", "leg_weakness"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := testrules.Copy(t)
			delete(fsys, "red_flags.yaml")
			if tt.redFlags != nil {
				fsys["red_flags.yaml"] = &fstest.MapFile{Data: tt.redFlags}
			}
			_, err := recommend.Load(fsys)
			var le *recommend.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("Load error = %v, want a *LoadError", err)
			}
			missed := map[string]bool{}
			for _, is := range le.Issues {
				var flag string
				if _, err := fmt.Sscanf(is.Message, "red flag %q misses its floor", &flag); err == nil && is.File == "vocabulary.yaml" && is.Line > 0 {
					missed[flag] = true
				}
			}
			for _, f := range tt.wantFlags {
				if !missed[f] {
					t.Errorf("no missed floor reported for %s in:\n%v", f, err)
				}
			}
		})
	}
}

// TestIncompleteWithholdsEveryMovement checks that an incomplete Result
// recommends nothing, even a movement that a matched referral rule that
// does not withhold advice recommends.
func TestIncompleteWithholdsEveryMovement(t *testing.T) {
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(latentRules)}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := eng.Recommend(context.Background(), recommend.Profile{RedFlags: []string{"night_pain"}, Age: 41}); err != nil || len(res.Recommended) != 1 {
		t.Fatalf("Recommend at age 41 = %+v, %v; want walking recommended", res, err)
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{RedFlags: []string{"night_pain"}, Age: 40})
	got := summarizePartial(t, res, err)
	want := partialSummary{
		Referrals: []string{"routine: night-pain-walk"}, Withheld: true, Incomplete: true, WithheldReason: recommend.IncompleteReason,
		Trace:    []recommend.TraceEntry{{Rule: "saddle-emergency"}, {Rule: "night-pain-walk", Matched: true}},
		EvalRule: "walk-latent rules.yaml:16",
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
		t.Errorf("partial result mismatch (-want +got):\n%s", diff)
	}
}

// TestRuntimeCheckFindsCombinedFailures checks the load-time search for
// runtime errors on the default vocabulary, where the product of every
// value of every field a condition reads is too large to try, so the
// search cuts the lists to what the condition names: a failure that needs
// a condition, a red flag, a pain level and an age together is still
// found, with the profile that shows it; so is one behind a choice field
// (sex, episode), or on a list of three.
func TestRuntimeCheckFindsCombinedFailures(t *testing.T) {
	tests := []struct {
		when, want string
	}{
		{"'sciatica' in profile.conditions && 'leg_weakness' in profile.red_flags && profile.pain_level > 2 && 10 / (profile.age - 3) > 0",
			`{"conditions":["sciatica"],"red_flags":["leg_weakness"],"pain_level":3,"age":3}`},
		{"size(profile.eased_by) > 0 && profile.sitting_hours > 0.5 && 1 / (profile.days_since_onset - 7) > 0",
			`{"eased_by":["bending_backward"],"days_since_onset":7,"sitting_hours":1}`},
		// Choice fields, and a list's size beyond two values.
		{"profile.sex == 'female' && 100 / profile.pain_level > 2", `{"sex":"female"}`},
		{"profile.episode == 'new' && 100 / profile.days_since_onset > 1", `{"episode":"new"}`},
		{"profile.sex == 'male' && profile.age >= 66 && 1000 / (profile.age - 66) > 1", `{"age":66,"sex":"male"}`},
		{"size(profile.red_flags) > 0 && 100 / (size(profile.red_flags) - 3) < 1000",
			`{"red_flags":["bladder_bowel_dysfunction","saddle_numbness","leg_weakness"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			fsys := testrules.Copy(t)
			fsys["zz.yaml"] = &fstest.MapFile{Data: []byte(`rules:
  - id: latent
    when: "` + tt.when + `"
    recommend: [walking]
    because: Test.
    cite: [{source: nice-ng59, locator: Recommendation 1.1.1, claim: Test.}]
`)}
			_, err := recommend.Load(fsys)
			var le *recommend.LoadError
			if !errors.As(err, &le) || len(le.Issues) != 1 {
				t.Fatalf("Load error = %v, want one issue", err)
			}
			is := le.Issues[0]
			want := "the when condition fails to evaluate for the profile " + tt.want + ": "
			if is.File != "zz.yaml" || is.Line != 3 || !strings.HasPrefix(is.Message, want) {
				t.Errorf("issue = %s:%d: %s, want zz.yaml:3: %s...", is.File, is.Line, is.Message, want)
			}
		})
	}
}

// TestProgressionFailureKeepsReferrals checks that a progression rule that
// fails on the check-ins, which the load-time check cannot rule out (a
// division by a pain of 0 here), fails Recommend, NewExplainer and
// ExplainReferrals as any failing rule does: with a *PartialError that
// places the rule and whose Result keeps the referrals, advice withheld.
func TestProgressionFailureKeepsReferrals(t *testing.T) {
	fsys := testrules.Copy(t)
	progress := string(fsys["progress.yaml"].Data) + `
  - id: progress-latent-ratio
    when: programme.check_ins > 1 && 10 / programme.latest_pain > 5
    refer: {urgency: routine, message: "Book a review. This is advice to get assessed, not a diagnosis."}
    because: A latent division by zero.
    cite: [{source: selfback-2021, locator: Abstract, claim: The app gave weekly plans of activity and exercise tailored to each person's characteristics and symptoms.}]
`
	fsys["progress.yaml"] = &fstest.MapFile{Data: []byte(progress)}
	eng, err := recommend.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	p := recommend.Profile{RedFlags: []string{"unexplained_weight_loss"}, Age: 45,
		CheckIns: []recommend.CheckIn{ci(0, 5, "walking", "same"), ci(7, 0, "walking", "easier")}}
	ctx := context.Background()
	calls := []struct {
		name string
		call func() (*recommend.Result, error)
	}{
		{"Recommend", func() (*recommend.Result, error) { return eng.Recommend(ctx, p) }},
		{"NewExplainer", func() (*recommend.Result, error) {
			x, err := eng.NewExplainer(ctx, p)
			if err != nil {
				return nil, err
			}
			return x.Result(), nil
		}},
		{"ExplainReferrals", func() (*recommend.Result, error) {
			_, err := eng.ExplainReferrals(ctx, p)
			return nil, err
		}},
	}
	// The review rule that fails counts as calling for its review, as a
	// referral rule that fails counts as matched.
	want := partialSummary{
		Referrals: []string{"urgent: red-flag-weight-loss", "routine: progress-latent-ratio"}, Withheld: true, Incomplete: true,
		Messages: []string{"safety_net: message-safety-net"},
		EvalRule: "progress-latent-ratio progress.yaml:" + fmt.Sprint(strings.Count(progress[:strings.Index(progress, "- id: progress-latent-ratio")], "\n")+1),
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			res, err := c.call()
			got := summarizePartial(t, res, err)
			got.WithheldReason, got.Trace = "", nil
			if diff := cmp.Diff(want, got, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("partial answer (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPartialKeepsProgrammeReviews checks that the reviews the check-ins
// call for reach the person when the rest of the advice cannot be worked
// out: a context done before every rule has run, or a progression rule
// that steps a movement failing, must not hide the review of a pain that
// keeps rising (final probe: both gave no referral at all), and a review
// rule that fails counts as calling for its review. A referral that
// withholds advice leaves the reviews out, as it does when nothing fails.
func TestPartialKeepsProgrammeReviews(t *testing.T) {
	fsys := testrules.Copy(t)
	progress := string(fsys["progress.yaml"].Data)
	// A step rule that fails only when the share of movements done is
	// seven in nine, which the load-time search does not try.
	const latentStep = `  - id: progress-latent-step
    when: move.id == 'walking' && 1 / (int(programme.adherence * 1000.0) - 777) > 0
    step: hold
    because: A latent division by zero.
    cite: [{source: selfback-2021, locator: Abstract, claim: "The app gave weekly plans of activity and exercise, tailored to each person's characteristics and symptoms."}]
`
	const latentReview = `
  - id: progress-latent-review
    when: programme.check_ins > 2 && 10 / (programme.latest_pain - programme.first_pain - 4) > 5
    refer: {urgency: routine, message: "Book a review. This is advice to get assessed, not a diagnosis."}
    because: A latent division by zero.
    cite: [{source: selfback-2021, locator: Abstract, claim: "The app gave weekly plans of activity and exercise, tailored to each person's characteristics and symptoms."}]
`
	i := strings.Index(progress, "  - id: progress-walking-less")
	fsys["progress.yaml"] = &fstest.MapFile{Data: []byte(progress[:i] + latentStep + progress[i:] + latentReview)}
	eng, err := recommend.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	// Pain 3, 5, then 7, at check-ins reporting nine movements, seven of
	// them done: the pain rose at two check-ins in a row, and the latest
	// pain less the first less 4 is 0.
	moves := []string{"walking", "plank", "bird_dog", "dead_bug", "glute_bridge", "pelvic_tilt", "cat_cow", "hamstring_stretch", "piriformis_stretch"}
	rising := func(done int) []recommend.CheckIn {
		var cs []recommend.CheckIn
		for i, pain := range []int{3, 5, 7} {
			c := recommend.CheckIn{Day: 7 * i, PainLevel: pain}
			for j, m := range moves {
				c.Done = append(c.Done, recommend.Done{Movement: m, Sessions: 3 * min(max(done-j, 0), 1), Response: "same"})
			}
			cs = append(cs, c)
		}
		return cs
	}
	allDone := rising(9)
	allDone[2].PainLevel = 6 // the review rule does not fail
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	past, cancelPast := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelPast()
	tests := []struct {
		name string
		ctx  context.Context
		p    recommend.Profile
		want []string
	}{
		{"context cancelled", cancelled, recommend.Profile{Conditions: []string{"acute_strain"}, CheckIns: allDone},
			[]string{"routine: progress-review-worsening"}},
		{"deadline passed", past, recommend.Profile{Conditions: []string{"acute_strain"}, CheckIns: allDone},
			[]string{"routine: progress-review-worsening"}},
		{"a step rule fails", context.Background(), recommend.Profile{Conditions: []string{"acute_strain"}, CheckIns: rising(7)},
			[]string{"routine: progress-review-worsening", "routine: progress-latent-review"}},
		{"a review rule fails", context.Background(), recommend.Profile{Conditions: []string{"acute_strain"}, CheckIns: rising(9)},
			[]string{"routine: progress-review-worsening", "routine: progress-latent-review"}},
		{"beside a referral that keeps the advice", cancelled,
			recommend.Profile{RedFlags: []string{"unexplained_weight_loss"}, Age: 45, CheckIns: allDone},
			[]string{"urgent: red-flag-weight-loss", "routine: progress-review-worsening"}},
		{"a referral withholds advice", cancelled,
			recommend.Profile{RedFlags: []string{"saddle_numbness"}, CheckIns: allDone},
			[]string{"emergency: red-flag-cauda-equina"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(tt.ctx, tt.p)
			got := summarizePartial(t, res, err)
			if diff := cmp.Diff(tt.want, got.Referrals); diff != "" {
				t.Errorf("referrals (-want +got):\n%s", diff)
			}
			if !got.Withheld || !got.Incomplete {
				t.Errorf("withheld %v, incomplete %v; want both", got.Withheld, got.Incomplete)
			}
		})
	}
}

// gapRules has referral rules that meet their red flags' floors in every
// profile Load explores but not in others: the saddle numbness rule misses
// its emergency floor with four red flags (Load tries a flag alone, with
// one other and with two others), and the fever and night pain rules miss
// theirs at age 17 (Load tries the numbers a condition names and their
// neighbours, not 17).
const gapRules = `
sources:
  - {id: src, title: Source, publisher: Publisher, kind: guideline}
vocabulary:
  red_flags:
    - {id: saddle_numbness, label: Saddle numbness, floor: {urgency: emergency, withhold: true}}
    - {id: night_pain, label: Night pain, floor: {urgency: routine, withhold: false}}
    - {id: thoracic_pain, label: Upper back pain, floor: {urgency: none, withhold: false}}
    - {id: weight_loss, label: Weight loss, floor: {urgency: urgent, withhold: false}}
    - {id: fever, label: Fever, floor: {urgency: urgent, withhold: true}}
    - {id: ache, label: An ache, floor: {urgency: none, withhold: false}}
movements:
  - {id: walk, name: Walking, kind: lifestyle, how: Walk at an easy pace., dose: 10 minutes., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: saddle-emergency
    when: "'saddle_numbness' in profile.red_flags && size(profile.red_flags) < 4"
    refer: {urgency: emergency, message: Go to an emergency department now., withhold: true}
    because: Saddle numbness can mean the nerves at the base of the spine are squeezed.
    cite: [{source: src, locator: Red flags, claim: Saddle numbness needs an emergency check.}]
  - id: night-pain
    when: "'night_pain' in profile.red_flags && profile.age * 3 != 51"
    refer: {urgency: routine, message: Book a visit.}
    because: Night pain is worth a check.
    cite: [{source: src, locator: Red flags, claim: Night pain needs a visit.}]
  - id: weight-loss
    when: "'weight_loss' in profile.red_flags"
    refer: {urgency: urgent, message: See a doctor this week.}
    because: Weight loss is worth a prompt check.
    cite: [{source: src, locator: Red flags, claim: Weight loss needs a prompt check.}]
  - id: fever
    when: "'fever' in profile.red_flags && profile.age * 3 != 51"
    refer: {urgency: urgent, message: See a doctor today., withhold: true}
    because: Fever with back pain can be an infection.
    cite: [{source: src, locator: Red flags, claim: Fever needs a check the same day.}]
  - id: walk
    when: "true"
    recommend: [walk]
    because: Walking helps.
    cite: [{source: src, locator: Activity, claim: Walking helps.}]
  - id: keep-moving
    when: "true"
    say: {kind: stay_active, message: Keep moving.}
    because: Moving helps.
    cite: [{source: src, locator: Activity, claim: Staying active helps.}]
`

func TestFloorsKeptAtRunTime(t *testing.T) {
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(gapRules)}})
	if err != nil {
		t.Fatalf("the gap is not one Load can see, but Load refused it: %v", err)
	}
	type referral struct {
		Urgency  recommend.Urgency
		Withhold bool
		Rules    string
		Cites    int
	}
	type summary struct {
		Referrals      []referral
		Withheld       bool
		WithheldReason string
		Recommended    int
	}
	const because = "Movement advice is withheld until a clinician has assessed you, because of: "
	tests := []struct {
		name  string
		flags []string
		age   int
		want  summary
	}{
		{"the rules meet the floor", []string{"saddle_numbness", "night_pain"}, 30, summary{
			Referrals: []referral{{"emergency", true, "saddle-emergency", 1}, {"routine", false, "night-pain", 1}},
			Withheld:  true, WithheldReason: because + "saddle-emergency."}},
		{"the rules miss the floor", []string{"saddle_numbness", "night_pain", "thoracic_pain", "ache"}, 30, summary{
			Referrals: []referral{{"emergency", true, "floor:saddle_numbness", 0}, {"routine", false, "night-pain", 1}},
			Withheld:  true, WithheldReason: because + "floor:saddle_numbness."}},
		{"an urgent rule does not meet an emergency floor", []string{"saddle_numbness", "weight_loss", "thoracic_pain", "ache"}, 30, summary{
			Referrals: []referral{{"emergency", true, "floor:saddle_numbness", 0}, {"urgent", false, "weight-loss", 1}},
			Withheld:  true, WithheldReason: because + "floor:saddle_numbness."}},
		{"withholding does not make up for the urgency", []string{"saddle_numbness", "fever", "thoracic_pain", "ache"}, 30, summary{
			Referrals: []referral{{"emergency", true, "floor:saddle_numbness", 0}, {"urgent", true, "fever", 1}},
			Withheld:  true, WithheldReason: because + "fever, floor:saddle_numbness."}},
		{"one flag alone", []string{"fever"}, 17, summary{
			Referrals: []referral{{"urgent", true, "floor:fever", 0}},
			Withheld:  true, WithheldReason: because + "floor:fever."}},
		{"a routine floor with no referral at all", []string{"night_pain"}, 17, summary{
			Referrals:   []referral{{"routine", false, "floor:night_pain", 0}},
			Recommended: 1}},
		{"the urgency is met but not the withholding, after a flag whose floor is met", []string{"weight_loss", "fever"}, 17, summary{
			Referrals: []referral{{"urgent", true, "floor:fever", 0}, {"urgent", false, "weight-loss", 1}},
			Withheld:  true, WithheldReason: because + "floor:fever."}},
		{"a floor that withholds, then one that does not", []string{"fever", "night_pain"}, 17, summary{
			Referrals: []referral{{"urgent", true, "floor:fever", 0}, {"routine", false, "floor:night_pain", 0}},
			Withheld:  true, WithheldReason: because + "floor:fever."}},
		{"floors that the rules meet add nothing", []string{"night_pain", "thoracic_pain", "weight_loss"}, 30, summary{
			Referrals:   []referral{{"urgent", false, "weight-loss", 1}, {"routine", false, "night-pain", 1}},
			Recommended: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := recommend.Profile{RedFlags: tt.flags, Age: tt.age}
			res, err := eng.Recommend(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			got := summary{Withheld: res.Withheld, WithheldReason: res.WithheldReason, Recommended: len(res.Recommended)}
			for _, r := range res.Referrals {
				got.Referrals = append(got.Referrals, referral{r.Urgency, r.Withhold, strings.Join(r.Rules, ","), len(r.Citations)})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			// The referral explanation names the floors the rules missed.
			rx, err := eng.ExplainReferrals(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			missed := strings.Contains(rx.Summary, "the floor gave its own referral")
			if wantMissed := slices.ContainsFunc(tt.want.Referrals, func(r referral) bool { return strings.HasPrefix(r.Rules, "floor:") }); missed != wantMissed {
				t.Errorf("referral summary %q: names a missed floor %v, want %v", rx.Summary, missed, wantMissed)
			}
			// An Explainer agrees: every movement is withheld by the floor.
			x, err := eng.NewExplainer(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			ex, err := x.Explain(context.Background(), "walk")
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]recommend.Outcome{true: recommend.OutcomeWithheld, false: recommend.OutcomeRecommended}[tt.want.Withheld]; ex.Outcome != want {
				t.Errorf("walk: outcome %s, want %s (%s)", ex.Outcome, want, ex.Summary)
			}
		})
	}
}

// TestFloorReferralWords checks the words of a floor's own referral: the
// urgency's first words, the flag's label, the hold on exercise when the
// floor withholds, the note that it is not a diagnosis, and a clinician
// line that leads with the flag and the urgency and names the gap.
func TestFloorReferralWords(t *testing.T) {
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(gapRules)}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		flags []string
		want  recommend.Referral
	}{
		{[]string{"saddle_numbness", "night_pain", "thoracic_pain", "ache"}, recommend.Referral{
			Urgency:   recommend.UrgencyEmergency,
			Message:   "Go to an emergency department now, or call emergency services. You reported: Saddle numbness. This needs a clinician's check. Hold off on the exercises until then. This is advice to get assessed, not a diagnosis.",
			Clinician: "Saddle numbness reported; emergency assessment, exercise advice withheld. From the red flag's declared floor: no rule met it, so the rule set has a gap to fix.",
			Withhold:  true, Citations: []recommend.Citation{}, Rules: []string{"floor:saddle_numbness"}}},
		{[]string{"fever"}, recommend.Referral{
			Urgency:   recommend.UrgencyUrgent,
			Message:   "See a doctor today or tomorrow. You reported: Fever. This needs a clinician's check. Hold off on the exercises until then. This is advice to get assessed, not a diagnosis.",
			Clinician: "Fever reported; urgent assessment, exercise advice withheld. From the red flag's declared floor: no rule met it, so the rule set has a gap to fix.",
			Withhold:  true, Citations: []recommend.Citation{}, Rules: []string{"floor:fever"}}},
		{[]string{"night_pain"}, recommend.Referral{
			Urgency:   recommend.UrgencyRoutine,
			Message:   "Book an appointment with a GP or physiotherapist. You reported: Night pain. This needs a clinician's check. This is advice to get assessed, not a diagnosis.",
			Clinician: "Night pain reported; routine assessment. From the red flag's declared floor: no rule met it, so the rule set has a gap to fix.",
			Citations: []recommend.Citation{}, Rules: []string{"floor:night_pain"}}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.flags, ","), func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), recommend.Profile{RedFlags: tt.flags, Age: 17})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, res.Referrals[0], cmpopts.EquateComparable(recommend.Citation{})); diff != "" {
				t.Errorf("floor referral (-want +got):\n%s", diff)
			}
			// A floor that withholds keeps only the safety nets: no
			// referral rule said keep_active.
			stay := slices.ContainsFunc(res.Messages, func(m recommend.Message) bool { return m.Kind == recommend.MessageKindStayActive })
			if stay == tt.want.Withhold {
				t.Errorf("stay_active message kept: %v; want %v (withheld %v)", stay, !tt.want.Withhold, res.Withheld)
			}
		})
	}
}

// TestFloorProofReachesVariants checks that Load's proof of the floors
// tries each red flag with each value of sex and episode, with each value
// of the other lists, and with two more red flags: a referral rule that
// leaves its flag out for any of them is refused at the floor, with the
// profile.
func TestFloorProofReachesVariants(t *testing.T) {
	const saddle = `when: "'saddle_numbness' in profile.red_flags && size(profile.red_flags) < 4"`
	tests := []struct {
		name, when, profile string
	}{
		{"a sex", `when: "'saddle_numbness' in profile.red_flags && profile.sex != 'female'"`, `{"red_flags":["saddle_numbness"],"sex":"female"}`},
		{"an episode", `when: "'saddle_numbness' in profile.red_flags && profile.episode != 'flare'"`, `{"red_flags":["saddle_numbness"],"episode":"flare"}`},
		{"a piece of equipment", `when: "'saddle_numbness' in profile.red_flags && !('towel' in profile.equipment)"`, `{"red_flags":["saddle_numbness"],"equipment":["towel"]}`},
		{"three red flags", `when: "'saddle_numbness' in profile.red_flags && size(profile.red_flags) < 3"`, `{"red_flags":["night_pain","thoracic_pain","saddle_numbness"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := strings.Replace(gapRules, saddle, tt.when, 1)
			rules = strings.Replace(rules, "  red_flags:\n", "  sex: [{id: female, label: Female}, {id: male, label: Male}]\n  episode: [{id: new, label: New}, {id: flare, label: Flare}]\n  equipment: [{id: towel, label: Towel, prop: towel}]\n  red_flags:\n", 1)
			_, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(rules)}})
			want := `red flag "saddle_numbness" misses its floor: it must lead to an emergency referral that withholds movement advice, but the explored profile ` + tt.profile
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Load: %v\nwant an error with %s", err, want)
			}
		})
	}
}

// TestFloorProofReachesMixes checks that Load's proof of the floors tries
// each red flag with a choice value or a named list entry at each number
// boundary of the referral conditions, and with two numbers one referral
// condition compares: a referral rule that leaves its flag out only for a
// woman of a given age, a flare after some days, a pregnancy past a week,
// or two numbers at once is refused at the floor, with the profile.
func TestFloorProofReachesMixes(t *testing.T) {
	const saddle = `when: "'saddle_numbness' in profile.red_flags && size(profile.red_flags) < 4"`
	tests := []struct {
		name, when, profile string
	}{
		{"a sex at an age", `when: "'saddle_numbness' in profile.red_flags && (profile.sex != 'female' || profile.age == 0 || profile.age >= 75)"`,
			`{"red_flags":["saddle_numbness"],"age":1,"sex":"female"}`},
		{"a sex in one rule and an age in another", `when: "'saddle_numbness' in profile.red_flags && profile.sex != 'female'"
    refer: {urgency: emergency, message: Go to an emergency department now., withhold: true}
    because: Saddle numbness can mean the nerves at the base of the spine are squeezed.
    cite: [{source: src, locator: Red flags, claim: Saddle numbness needs an emergency check.}]
  - id: saddle-emergency-older
    when: "'saddle_numbness' in profile.red_flags && (profile.age == 0 || profile.age >= 75)"`,
			`{"red_flags":["saddle_numbness"],"age":1,"sex":"female"}`},
		{"an episode at a day", `when: "'saddle_numbness' in profile.red_flags && !(profile.episode == 'flare' && profile.days_since_onset > 30)"`,
			`{"red_flags":["saddle_numbness"],"days_since_onset":31,"episode":"flare"}`},
		{"a condition at a week", `when: "'saddle_numbness' in profile.red_flags && !('pregnancy' in profile.conditions && profile.pregnancy_week >= 20)"`,
			`{"conditions":["pregnancy"],"red_flags":["saddle_numbness"],"pregnancy_week":20}`},
		{"a condition and an episode", `when: "'saddle_numbness' in profile.red_flags && !('pregnancy' in profile.conditions && profile.episode == 'flare')"`,
			`{"conditions":["pregnancy"],"red_flags":["saddle_numbness"],"episode":"flare"}`},
		{"two numbers", `when: "'saddle_numbness' in profile.red_flags && !(profile.age >= 60 && profile.pain_level >= 8)"`,
			`{"red_flags":["saddle_numbness"],"pain_level":8,"age":60}`},
		{"two numbers and a sex", `when: "'saddle_numbness' in profile.red_flags && !(profile.sex == 'male' && profile.age >= 60 && profile.pain_level >= 8)"`,
			`{"red_flags":["saddle_numbness"],"pain_level":8,"age":60,"sex":"male"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := strings.Replace(gapRules, saddle, tt.when, 1)
			rules = strings.Replace(rules, "  red_flags:\n", "  conditions: [{id: pregnancy, label: Pregnancy}]\n  sex: [{id: female, label: Female}, {id: male, label: Male}]\n  episode: [{id: new, label: New}, {id: flare, label: Flare}]\n  red_flags:\n", 1)
			_, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(rules)}})
			want := `red flag "saddle_numbness" misses its floor: it must lead to an emergency referral that withholds movement advice, but the explored profile ` + tt.profile +
				` gets no referral, as rule saddle-emergency (rules.yaml:18:9)`
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Load: %v\nwant an error with %s", err, want)
			}
		})
	}
}

// TestFloorProofAneurysmAges checks the floor proof on the default rules
// where a choice and a number, or two numbers, meet: the belly-pain rules
// leave the aneurysm ages to the emergency, so an emergency that drops
// women of 70 to 74, or people of 65 sitting 7.5 hours, leaves them with
// no referral below the flag's urgent floor, which Load refused only at
// run time before.
func TestFloorProofAneurysmAges(t *testing.T) {
	const aneurysm = "'abdominal_pain_or_pulsation' in profile.red_flags &&\n      (profile.age >= 70 ||"
	tests := []struct {
		guard, profile string
	}{
		{"(profile.sex != 'female' || profile.age >= 75) &&", `{"red_flags":["abdominal_pain_or_pulsation"],"age":70,"sex":"female"}`},
		{"!(profile.sitting_hours > 7.25 && profile.sitting_hours < 7.75) &&", `{"red_flags":["abdominal_pain_or_pulsation"],"sitting_hours":7.5,"age":65}`},
	}
	for _, tt := range tests {
		t.Run(tt.guard, func(t *testing.T) {
			fsys := testrules.Copy(t)
			text := string(fsys["red_flags.yaml"].Data)
			if strings.Count(text, aneurysm) != 1 {
				t.Fatalf("red_flags.yaml has %d of %q, want 1", strings.Count(text, aneurysm), aneurysm)
			}
			at := strings.Index(text, aneurysm)
			fsys["red_flags.yaml"] = &fstest.MapFile{Data: []byte(text[:at] + tt.guard + " " + text[at:])}
			_, err := recommend.Load(fsys)
			want := `red flag "abdominal_pain_or_pulsation" misses its floor: it must lead to an urgent or emergency referral that withholds movement advice, but the explored profile ` +
				tt.profile + ` gets no referral, as rule red-flag-abdominal (red_flags.yaml:`
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Load: %v\nwant an error with %s", err, want)
			}
		})
	}
}

// TestFloorProofThreeFlagsBesideStrongOnes checks the three-flag profile
// of the floor proof on the default rules, whose first red flags
// (bladder_bowel_dysfunction, saddle_numbness) each lead to an emergency
// on their own: a cauda equina rule that drops saddle numbness when three
// flags are reported must still miss its floor at load, in the company of
// two flags that lead to no referral, not of two whose own referral meets
// the floor in its place.
func TestFloorProofThreeFlagsBesideStrongOnes(t *testing.T) {
	fsys := testrules.Copy(t)
	const clause = "'saddle_numbness' in profile.red_flags ||"
	data := string(fsys["red_flags.yaml"].Data)
	if !strings.Contains(data, clause) {
		t.Fatalf("red_flags.yaml has no %q", clause)
	}
	data = strings.Replace(data, clause, "('saddle_numbness' in profile.red_flags && size(profile.red_flags) < 3) ||", 1)
	fsys["red_flags.yaml"] = &fstest.MapFile{Data: []byte(data)}
	_, err := recommend.Load(fsys)
	want := `red flag "saddle_numbness" misses its floor`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Load: %v\nwant an error with %s", err, want)
	}
}

// TestInvalidProfileKeepsReferrals checks that a mistake in one field
// cannot hide the referral another field calls for: Recommend gives the
// referrals and safety nets of what it can read of the profile, in a
// *PartialError that holds the *ProfileError, with the rest withheld. A
// number out of range is read as its nearest bound (a pain of 11 as 10).
func TestInvalidProfileKeepsReferrals(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	saddle := []string{"saddle_numbness"}
	tests := []struct {
		name    string
		profile recommend.Profile
		want    recommend.Urgency
		problem string // the field of the first problem
	}{
		{"pain out of range", recommend.Profile{RedFlags: saddle, PainLevel: 11}, recommend.UrgencyEmergency, "pain_level"},
		{"unknown aggravating activity", recommend.Profile{RedFlags: saddle, AggravatedBy: []string{"bending_forwards"}}, recommend.UrgencyEmergency, "aggravated_by[0]"},
		{"a second flag misspelt", recommend.Profile{RedFlags: []string{"saddle_numbness", "sadle_numbness"}}, recommend.UrgencyEmergency, "red_flags[1]"},
		{"a flag misspelt before", recommend.Profile{RedFlags: []string{"bladder_bowel", "saddle_numbness"}}, recommend.UrgencyEmergency, "red_flags[0]"},
		{"a flag given twice", recommend.Profile{RedFlags: []string{"saddle_numbness", "saddle_numbness"}}, recommend.UrgencyEmergency, "red_flags[1]"},
		{"unknown sex", recommend.Profile{RedFlags: saddle, Sex: "f"}, recommend.UrgencyEmergency, "sex"},
		{"check-ins going back in time", recommend.Profile{RedFlags: saddle,
			CheckIns: []recommend.CheckIn{ci(7, 5, "walking", "same"), ci(0, 5, "walking", "same")}}, recommend.UrgencyEmergency, "check_ins[1].day"},
		{"age out of range", recommend.Profile{Conditions: []string{"osteoporosis"}, RedFlags: []string{"severe_pain_after_injury"}, Age: 420}, recommend.UrgencyEmergency, "age"},
		// Pain 7 or more in the first weeks with osteoporosis is an
		// urgent review: a pain of 11 still counts as high.
		{"pain too high still high", recommend.Profile{Conditions: []string{"osteoporosis"}, PainLevel: 11, DaysSinceOnset: 3}, recommend.UrgencyUrgent, "pain_level"},
		// An onset more than 100 years ago is a mistake, read as unknown
		// (recent), not as long-standing pain: severe belly pain stays an
		// emergency, and severe pain with osteoporosis an urgent review
		// (final probe: each was lowered, to urgent and to routine).
		{"onset out of range, belly pain", recommend.Profile{RedFlags: []string{"abdominal_pain_or_pulsation"}, PainLevel: 9, Age: 40, DaysSinceOnset: recommend.MaxDaysSinceOnset + 1},
			recommend.UrgencyEmergency, "days_since_onset"},
		{"onset out of range, osteoporosis", recommend.Profile{Conditions: []string{"osteoporosis"}, PainLevel: 9, DaysSinceOnset: 400000},
			recommend.UrgencyUrgent, "days_since_onset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.profile)
			var pe *recommend.ProfileError
			var part *recommend.PartialError
			if res != nil || !errors.As(err, &pe) || !errors.As(err, &part) || part.Result == nil {
				t.Fatalf("Recommend = %v, %v; want no result and a *PartialError holding a *ProfileError", res, err)
			}
			if got := pe.Problems[0].Field; got != tt.problem {
				t.Errorf("first problem in %q, want %q: %v", got, tt.problem, pe)
			}
			r := part.Result
			if len(r.Referrals) == 0 || r.Referrals[0].Urgency != tt.want {
				t.Fatalf("referrals %+v, want %s first", r.Referrals, tt.want)
			}
			if !r.Incomplete || !r.Withheld || len(r.Recommended)+len(r.Avoided)+len(r.Plan) > 0 || r.Programme != nil {
				t.Errorf("incomplete %v, withheld %v, %d recommended, %d avoided, %d plan steps, programme %v; want the rest withheld",
					r.Incomplete, r.Withheld, len(r.Recommended), len(r.Avoided), len(r.Plan), r.Programme != nil)
			}
			for _, m := range r.Messages {
				if m.Kind != recommend.MessageKindSafetyNet {
					t.Errorf("message of kind %s in an incomplete result, want safety nets only", m.Kind)
				}
			}
		})
	}
	// The caller's lists are not changed.
	p := recommend.Profile{RedFlags: []string{"saddle_numbness", "nope"}}
	if _, err := eng.Recommend(context.Background(), p); err == nil || p.RedFlags[1] != "nope" {
		t.Errorf("Recommend(%v) = %v; want an error and the caller's list unchanged", p.RedFlags, err)
	}
}

// TestIncompleteKeepsSafetyNets checks that a result cut short by a rule
// that fails keeps the safety-net messages, which say when to get help,
// the same as the complete result's, and lists their rules in its trace
// beside the referral rules.
func TestIncompleteKeepsSafetyNets(t *testing.T) {
	eng := latentAdviceEngine(t)
	full, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	p := recommend.Profile{RedFlags: []string{"saddle_numbness"}, Age: 43, PainLevel: 5}
	complete, err := full.Recommend(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range complete.Messages {
		if m.Kind == recommend.MessageKindSafetyNet {
			want = append(want, fmt.Sprintf("%s: %s", m.Kind, strings.Join(m.Rules, ",")))
		}
	}
	if len(want) == 0 {
		t.Fatal("the complete result has no safety-net message: the test needs one")
	}
	res, err := eng.Recommend(context.Background(), p)
	got := summarizePartial(t, res, err)
	if diff := cmp.Diff(want, got.Messages); diff != "" {
		t.Errorf("safety nets of the incomplete result (-want +got):\n%s", diff)
	}
	traced := map[string]bool{}
	for _, e := range got.Trace {
		traced[e.Rule] = true
	}
	for _, m := range complete.Messages {
		for _, id := range m.Rules {
			if m.Kind == recommend.MessageKindSafetyNet && !traced[id] {
				t.Errorf("safety-net rule %s is not in the incomplete result's trace", id)
			}
		}
	}
}

// TestTriage checks Triage on its own: the referrals of what can be read,
// with the reason that the answers wait for correction; only the referral
// and safety-net rules run, so a failing advice rule is not its error; an
// age out of range is unknown, so two mistakes do not make a referral "at
// your age"; a list's known entries are kept once each, in order, however
// long the list.
func TestTriage(t *testing.T) {
	eng := latentAdviceEngine(t)
	long := make([]string, 0, 3*recommend.MaxListLen+2)
	for range recommend.MaxListLen {
		long = append(long, "", "nope", "saddle_numbness")
	}
	long = append(long, "night_pain", "fever_or_chills")
	tests := []struct {
		name      string
		profile   recommend.Profile
		referrals []string // urgency: rules
	}{
		{"a failing advice rule is not run", recommend.Profile{RedFlags: []string{"saddle_numbness"}, Age: 43, PainLevel: 5},
			[]string{"emergency: red-flag-cauda-equina"}},
		{"an age out of range is unknown", recommend.Profile{Age: 200, PainLevel: 11}, []string{}},
		// The choices the vocabulary knows are read: belly pain at 67 is
		// urgent for a woman, an emergency when the sex is not stated;
		// night pain is routine in long-standing stable pain.
		{"a known sex is read", recommend.Profile{RedFlags: []string{"abdominal_pain_or_pulsation", "nope"}, Age: 67, Sex: "female"},
			[]string{"urgent: red-flag-abdominal"}},
		{"a known episode is read", recommend.Profile{RedFlags: []string{"night_pain", "nope"}, Episode: "long_standing_stable", Age: 40},
			[]string{"routine: red-flag-long-standing-night-pain"}},
		{"a long list, each known entry once", recommend.Profile{RedFlags: long},
			[]string{"emergency: red-flag-cauda-equina", "urgent: red-flag-fever", "urgent: red-flag-night-pain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Triage(context.Background(), tt.profile)
			if err != nil {
				t.Fatalf("Triage: %v", err)
			}
			got := []string{}
			for _, r := range res.Referrals {
				got = append(got, fmt.Sprintf("%s: %s", r.Urgency, strings.Join(r.Rules, ",")))
			}
			if diff := cmp.Diff(tt.referrals, got); diff != "" {
				t.Errorf("referrals (-want +got):\n%s", diff)
			}
			if !res.Incomplete || !res.Withheld || !strings.HasSuffix(res.WithheldReason, recommend.UnreadableReason) ||
				len(res.Recommended)+len(res.Avoided)+len(res.Plan) > 0 {
				t.Errorf("incomplete %v, withheld %v (%q), %d recommended; want the rest withheld until the answers are corrected",
					res.Incomplete, res.Withheld, res.WithheldReason, len(res.Recommended))
			}
		})
	}
}

// latentAdviceEngine loads the default rules with one more, walk-latent,
// which gives advice only and divides by zero at age 43 with pain 5 (and
// three other pairs of values), which Load's search misses.
func latentAdviceEngine(t *testing.T) *recommend.Engine {
	t.Helper()
	fsys := testrules.Copy(t)
	fsys["zz-latent.yaml"] = &fstest.MapFile{Data: []byte(`rules:
  - id: walk-latent
    when: "36 / ((profile.age + 7) * (profile.pain_level + 3) - 400) < 0"
    recommend: [walking]
    because: A latent division by zero.
    cite: [{source: selfback-2021, locator: Abstract, claim: The app gave weekly plans of activity and exercise tailored to each person's characteristics and symptoms.}]
`)}
	eng, err := recommend.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// TestTriageNilContext checks that Triage keeps its promise of a Result
// for a non-nil Engine when ctx is nil: the emergency the profile
// reports, with an error that says ctx was nil. It gave no Result at all.
// A nil Engine still gives none.
func TestTriageNilContext(t *testing.T) {
	eng := latentAdviceEngine(t)
	tests := []struct {
		name      string
		eng       *recommend.Engine
		referrals []string // urgency: rules; nil for no Result
		err       string
	}{
		{"nil context", eng, []string{"emergency: red-flag-cauda-equina"}, "recommend: nil context: pass context.Background() or a request's context"},
		{"nil engine", nil, nil, "recommend: nil *Engine: create one with Load or Default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			//lint:ignore SA1012 the nil context is what is tested
			res, err := tt.eng.Triage(nil, recommend.Profile{RedFlags: []string{"saddle_numbness"}, Age: 43}) //nolint:staticcheck
			var got []string
			if res != nil {
				got = []string{}
				for _, r := range res.Referrals {
					got = append(got, fmt.Sprintf("%s: %s", r.Urgency, strings.Join(r.Rules, ",")))
				}
			}
			if diff := cmp.Diff(tt.referrals, got); diff != "" {
				t.Errorf("referrals (-want +got):\n%s", diff)
			}
			var msg string
			if err != nil {
				msg = err.Error()
			}
			if diff := cmp.Diff(tt.err, msg); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTriageReadsWhatItCan checks what Triage makes of each kind of
// mistake, through referral rules that see it: a list keeps only the
// entries the vocabulary knows, each once; a choice the vocabulary lacks
// is not stated; a number out of range is its bound, and an age out of
// range is unknown; a NaN is unknown. (The default rules cannot tell most
// of these apart, so a rule set of its own shows them.)
func TestTriageReadsWhatItCan(t *testing.T) {
	fsys := countdownRules(false)
	fsys["rules.yaml"].Data = append(fsys["rules.yaml"].Data, []byte(`  - id: two-entries
    when: "size(profile.red_flags) >= 2 || size(profile.conditions) >= 2"
    refer: {urgency: routine, message: Two entries.}
    because: Counts entries.
    cite: [{source: s, locator: Part 4, claim: Counts.}]
  - id: sex-not-stated
    when: "profile.sex == ''"
    refer: {urgency: routine, message: Sex not stated.}
    because: Reads the sex.
    cite: [{source: s, locator: Part 5, claim: Sex.}]
  - id: pain-ten
    when: "profile.pain_level == 10 && profile.sitting_hours == 24.0 && profile.days_since_onset == 0"
    refer: {urgency: routine, message: Pain ten.}
    because: Reads the pain.
    cite: [{source: s, locator: Part 6, claim: Pain.}]
  - id: age-top
    when: "profile.age == 130"
    refer: {urgency: routine, message: Age at the top.}
    because: Reads the age.
    cite: [{source: s, locator: Part 8, claim: Age.}]
  - id: sitting-zero
    when: "profile.sitting_hours == 0.0 && profile.age == 41"
    refer: {urgency: routine, message: Sitting unknown.}
    because: Reads the sitting.
    cite: [{source: s, locator: Part 9, claim: Sitting.}]
  - id: age-unknown
    when: "profile.age == 0"
    refer: {urgency: routine, message: Age unknown.}
    because: Reads the age.
    cite: [{source: s, locator: Part 7, claim: Age.}]
`)...)
	eng, err := recommend.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		profile recommend.Profile
		want    []string // the rules of the referrals, sorted
	}{
		{"an unknown entry is left out", recommend.Profile{RedFlags: []string{"nope", "flag"}, Age: 40, Sex: "x"},
			[]string{"refer-flag", "sex-not-stated"}},
		{"an entry given twice counts once", recommend.Profile{Conditions: []string{"c01", "c01"}, Age: 40},
			[]string{"sex-not-stated"}},
		{"an entry too long is left out", recommend.Profile{Conditions: []string{"c01", strings.Repeat("c", recommend.MaxEntryLen+1)}, Age: 40},
			[]string{"sex-not-stated"}},
		{"two known entries count", recommend.Profile{Conditions: []string{"c01", "c02", "nope"}, Age: 40},
			[]string{"sex-not-stated", "two-entries"}},
		{"numbers out of range are their bounds", recommend.Profile{PainLevel: 11, SittingHours: 30, DaysSinceOnset: -3, Age: 40, Conditions: []string{"nope"}},
			[]string{"pain-ten", "sex-not-stated"}},
		{"an age out of range is unknown", recommend.Profile{Age: 200}, []string{"age-unknown", "sex-not-stated"}},
		{"an age below range is unknown", recommend.Profile{Age: -4}, []string{"age-unknown", "sex-not-stated"}},
		{"an onset out of range is unknown", recommend.Profile{PainLevel: 10, SittingHours: 24, DaysSinceOnset: recommend.MaxDaysSinceOnset + 1, Age: 40},
			[]string{"pain-ten", "sex-not-stated"}},
		{"a NaN is unknown", recommend.Profile{SittingHours: math.NaN(), Age: 41, PainLevel: 11}, []string{"sex-not-stated", "sitting-zero"}},
		{"an age at the top of its range is kept", recommend.Profile{Age: 130, Conditions: []string{"nope"}}, []string{"age-top", "sex-not-stated"}},
		{"an infinity is its bound", recommend.Profile{SittingHours: math.Inf(1), PainLevel: 10, Age: 40}, []string{"pain-ten", "sex-not-stated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Triage(context.Background(), tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, r := range res.Referrals {
				got = append(got, r.Rules...)
			}
			slices.Sort(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("referrals of %+v (-want +got):\n%s", tt.profile, diff)
			}
		})
	}
	// The list is cut at MaxListLen known entries: a long list of one
	// known id does not keep it more than once, nor run long.
	long := make([]string, 100000)
	for i := range long {
		long[i] = "flag"
	}
	res, err := eng.Triage(context.Background(), recommend.Profile{RedFlags: long, Age: 40})
	if err != nil || len(res.Referrals) == 0 {
		t.Errorf("Triage of a long list = %v, %v; want the flag's referral", res, err)
	}
}
