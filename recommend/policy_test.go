package recommend_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// The tests in this file pin down the parts of the safety policy that a
// summary of the result cannot see: which referrals merge and what a merged
// referral keeps, the citations, rules, reasons and cautions of every item
// and conflict, and the withheld reason. They use the public API and the
// rule set in testdata/policy, where each profile below triggers only the
// rules its test is about.

// withheldPrefix is how Result.WithheldReason starts; the ids of the
// withholding rules follow.
const withheldPrefix = "Movement advice is withheld until a clinician has assessed you, because of: "

// policyFixture is the engine of testdata/policy with lookups of its
// citations and movements, so that expected values can name a citation by
// its claim and a movement by its id.
type policyFixture struct {
	eng       *recommend.Engine
	cites     map[string]recommend.Citation // by claim
	movements map[string]recommend.Movement // by id
}

func loadPolicy(t testing.TB) *policyFixture {
	t.Helper()
	eng, err := recommend.Load(os.DirFS("../testdata/policy"))
	if err != nil {
		t.Fatal(err)
	}
	f := &policyFixture{eng: eng, cites: map[string]recommend.Citation{}, movements: map[string]recommend.Movement{}}
	for _, r := range eng.Rules() {
		for _, c := range r.Citations {
			f.cites[c.Claim()] = c
		}
	}
	for _, m := range eng.Movements() {
		f.movements[m.ID] = m
	}
	return f
}

// cite returns the citations with the given claims, in that order.
func (f *policyFixture) cite(t testing.TB, claims ...string) []recommend.Citation {
	t.Helper()
	out := []recommend.Citation{}
	for _, claim := range claims {
		c, ok := f.cites[claim]
		if !ok {
			t.Fatalf("testdata/policy has no citation with the claim %q", claim)
		}
		out = append(out, c)
	}
	return out
}

// item builds an expected Item for movement id: its name, kind, how and
// dose from the rule set, and the given reasons, cautions (nil for none),
// citations and rules.
func (f *policyFixture) item(t testing.TB, id string, reasons, cautions []recommend.Note, cites []recommend.Citation, rules ...string) recommend.Item {
	t.Helper()
	m, ok := f.movements[id]
	if !ok {
		t.Fatalf("testdata/policy has no movement %q", id)
	}
	if cautions == nil {
		cautions = []recommend.Note{}
	}
	it := recommend.Item{
		Movement: m.ID, Text: m.Text(),
		Reasons: reasons, Cautions: cautions, Citations: cites,
	}
	// The rules the fixture names are those its notes give: the
	// reasons' rules, then the cautions' (see Item.Rules).
	if diff := cmp.Diff(rules, it.Rules()); diff != "" {
		t.Fatalf("item %q: rules the fixture names differ from its notes' (-named +notes):\n%s", id, diff)
	}
	return it
}

func (f *policyFixture) recommend(t testing.TB, p recommend.Profile) *recommend.Result {
	t.Helper()
	res, err := f.eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatalf("Recommend(%+v): %v", p, err)
	}
	return res
}

// Claims of the citations in testdata/policy.
const (
	claimActive    = "Staying active helps most back pain."
	claimMobility  = "Gentle mobility helps soreness."
	claimCatCow    = "Cat-cow helps when done slowly."
	claimTender    = "A tender back needs gentle movement."
	claimFlexion   = "Flexion can aggravate flexion-sensitive pain."
	claimFever     = "Fever with back pain needs a doctor."
	claimWeakness  = "New leg weakness needs a doctor."
	claimNumbness  = "Numbness around the groin is an emergency."
	claimStop      = "Stop exercising when numbness appears."
	claimNight     = "Pain at night needs an assessment."
	claimNightSeen = "Night pain is worth a visit."
	claimInjury    = "Back injuries are worth checking."
	claimSevere    = "Severe pain after an injury needs a prompt check."
)

// TestReferralMerging checks that referrals merge only when both their
// urgency and their message are the same (two referrals with the same
// words but different urgencies stay apart, most urgent first), and that a
// merged referral keeps the withhold flag of either rule, every rule, and
// every citation once, in rule order. It also checks that the withheld
// reason names every withholding rule.
func TestReferralMerging(t *testing.T) {
	f := loadPolicy(t)
	const (
		feverMsg     = "See a doctor today: a fever with back pain needs checking."
		weaknessMsg  = "See a doctor today: new leg weakness needs checking."
		emergencyMsg = "Go to an emergency department now."
		routineMsg   = "Book an appointment with your doctor."
	)
	type referrals struct {
		Referrals      []recommend.Referral
		Folded         []recommend.FoldedReferral
		Withheld       bool
		WithheldReason string
	}
	emergency := recommend.Referral{
		Urgency: recommend.UrgencyEmergency, Message: emergencyMsg, Withhold: true,
		Citations: f.cite(t, claimNumbness, claimStop),
		Rules:     []string{"numbness-seek-care", "numbness-stop"},
	}
	routine := recommend.Referral{
		Urgency: recommend.UrgencyRoutine, Message: routineMsg, Withhold: true,
		Citations: f.cite(t, claimNight, claimNightSeen),
		Rules:     []string{"night-stop", "night-check"},
	}
	fever := recommend.Referral{
		Urgency: recommend.UrgencyUrgent, Message: feverMsg,
		Citations: f.cite(t, claimFever), Rules: []string{"refer-fever"},
	}
	tests := []struct {
		name  string
		flags []string
		pain  int
		want  referrals
	}{
		{
			name:  "same urgency, different messages stay apart",
			flags: []string{"weakness", "fever"},
			want: referrals{Referrals: []recommend.Referral{
				fever,
				{
					Urgency: recommend.UrgencyUrgent, Message: weaknessMsg,
					Citations: f.cite(t, claimWeakness), Rules: []string{"refer-weakness"},
				},
			}},
		},
		{
			// They do not merge; the referral story folds the routine one
			// into the urgent one, since both name the reported flag.
			name:  "same message, different urgencies do not merge",
			flags: []string{"injury"},
			pain:  9,
			want: referrals{
				Referrals: []recommend.Referral{{
					Urgency: recommend.UrgencyUrgent, Message: "Have a clinician check your back.",
					Citations: f.cite(t, claimSevere), Rules: []string{"injury-severe"},
				}},
				Folded: []recommend.FoldedReferral{{
					Referral: recommend.Referral{
						Urgency: recommend.UrgencyRoutine, Message: "Have a clinician check your back.",
						Citations: f.cite(t, claimInjury), Rules: []string{"injury-check"},
					},
					Into: []string{"injury-severe"}, Because: recommend.FoldReasonRedFlag, RedFlags: []string{"injury"},
				}},
			},
		},
		{
			name:  "same urgency and message merge, withhold from the second rule",
			flags: []string{"numbness"},
			want: referrals{
				Referrals:      []recommend.Referral{emergency},
				Withheld:       true,
				WithheldReason: withheldPrefix + "numbness-stop.",
			},
		},
		{
			name:  "same urgency and message merge, withhold from the first rule",
			flags: []string{"night_pain"},
			want: referrals{
				Referrals:      []recommend.Referral{routine},
				Withheld:       true,
				WithheldReason: withheldPrefix + "night-stop.",
			},
		},
		{
			name:  "most urgent first, and the reason names every withholding rule",
			flags: []string{"night_pain", "fever", "numbness"},
			want: referrals{
				Referrals:      []recommend.Referral{emergency, fever, routine},
				Withheld:       true,
				WithheldReason: withheldPrefix + "numbness-stop, night-stop.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.recommend(t, recommend.Profile{RedFlags: tt.flags, PainLevel: tt.pain})
			got := referrals{Referrals: res.Referrals, Withheld: res.Withheld, WithheldReason: res.WithheldReason}
			if len(res.FoldedReferrals) > 0 {
				got.Folded = res.FoldedReferrals
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("referrals for red flags %v mismatch (-want +got):\n%s", tt.flags, diff)
			}
		})
	}
}

// TestItemsAndConflicts checks every field of the items, conflicts and
// equipment needs of three profiles: reasons and cautions, one per rule and
// effect, with the effect's own reason where it has one; rules and
// citations in rule order, each once, when rules share a citation or when
// one rule both recommends and cautions a movement; a caution rule
// declared before the rule it cautions listed first; and no conflict for a
// movement that is avoided but that no rule recommends.
func TestItemsAndConflicts(t *testing.T) {
	f := loadPolicy(t)
	type advice struct {
		Recommended    []recommend.Item
		Avoided        []recommend.Item
		Conflicts      []recommend.Conflict
		NeedsEquipment []recommend.EquipmentNeed
	}
	note := func(rule, text string) recommend.Note { return recommend.NoteOf(rule, text) }
	notes := func(ns ...recommend.Note) []recommend.Note { return ns }
	var (
		moving  = note("keep-moving", "Moving eases stiffness.")
		gentle  = note("gentle-mobility", "Gentle movement helps a sore back.")
		loosens = note("cat-cow-care", "Cat-cow loosens a sore back.")
		slowly  = note("cat-cow-care", "Move slowly through cat-cow.")
		tender  = note("early-caution", "Go gently while the back is tender.")
		noFlex  = note("no-flexion", "Bending forward aggravates a back sensitive to it.")
		rules   = func(ids ...string) []string { return ids }
		noRules = []string{}
	)
	tests := []struct {
		name    string
		profile recommend.Profile
		want    advice
	}{
		{
			name:    "shared citations once, a rule that recommends and cautions listed once",
			profile: recommend.Profile{Conditions: []string{"stiff", "sore"}},
			want: advice{
				Recommended: []recommend.Item{
					f.item(t, "walk", notes(moving, gentle), nil, f.cite(t, claimActive, claimMobility), "keep-moving", "gentle-mobility"),
					f.item(t, "cat_cow", notes(moving, gentle, loosens), notes(slowly),
						f.cite(t, claimActive, claimMobility, claimCatCow), "keep-moving", "gentle-mobility", "cat-cow-care"),
					f.item(t, "knee_hug", notes(moving), nil, f.cite(t, claimActive), "keep-moving"),
				},
				Avoided: []recommend.Item{},
				// cat-cow-care recommends and cautions against cat-cow citing
				// one passage that supports it: no source takes the side
				// against, so there is no conflict, only the caution.
				Conflicts: []recommend.Conflict{},
				NeedsEquipment: []recommend.EquipmentNeed{
					{Movement: "roll", Name: "Back roll", Missing: []string{"roller"}, Rules: rules("keep-moving")},
				},
			},
		},
		{
			name:    "a caution rule declared first comes first, avoid beats caution",
			profile: recommend.Profile{Conditions: []string{"tender", "stiff", "sensitive"}, Equipment: []string{"roller"}},
			want: advice{
				Recommended: []recommend.Item{
					f.item(t, "walk", notes(moving), nil, f.cite(t, claimActive), "keep-moving"),
					f.item(t, "cat_cow", notes(moving), notes(tender), f.cite(t, claimTender, claimActive), "keep-moving", "early-caution"),
					f.item(t, "roll", notes(moving), nil, f.cite(t, claimActive), "keep-moving"),
				},
				Avoided: []recommend.Item{
					f.item(t, "knee_hug", notes(noFlex), nil, f.cite(t, claimFlexion), "no-flexion"),
				},
				Conflicts: []recommend.Conflict{
					{
						Movement: "cat_cow", Name: "Cat-cow", Resolution: recommend.ResolutionCautioned,
						For:          recommend.Side{Rules: rules("keep-moving"), Citations: f.cite(t, claimActive)},
						Against:      recommend.Side{Rules: rules("early-caution"), Citations: f.cite(t, claimTender)},
						AvoidRules:   noRules,
						CautionRules: rules("early-caution"),
						Conditional:  []recommend.Citation{},
					},
					{
						Movement: "knee_hug", Name: "Knee hug", Resolution: recommend.ResolutionAvoided,
						For: recommend.Side{Rules: rules("keep-moving"), Citations: f.cite(t, claimActive)},
						// The guide supports keeping moving and advises
						// against flexion: its support is conditional, and
						// it is not on the side against.
						Against:      recommend.Side{Rules: rules("early-caution"), Citations: f.cite(t, claimTender)},
						AvoidRules:   noRules,
						CautionRules: rules("early-caution"),
						Conditional:  f.cite(t, claimFlexion),
					},
				},
				NeedsEquipment: []recommend.EquipmentNeed{},
			},
		},
		{
			name:    "avoided with no rule for it is not a conflict",
			profile: recommend.Profile{Conditions: []string{"sensitive"}},
			want: advice{
				Recommended: []recommend.Item{},
				Avoided: []recommend.Item{
					f.item(t, "knee_hug", notes(noFlex), nil, f.cite(t, claimFlexion), "no-flexion"),
				},
				Conflicts:      []recommend.Conflict{},
				NeedsEquipment: []recommend.EquipmentNeed{},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.recommend(t, tt.profile)
			got := advice{Recommended: res.Recommended, Avoided: res.Avoided, Conflicts: res.Conflicts, NeedsEquipment: res.NeedsEquipment}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Recommend(%+v) mismatch (-want +got):\n%s", tt.profile, diff)
			}
		})
	}
}

// TestWithheldKeepsOnlyAvoidance checks what a withholding referral leaves:
// the avoided items and conflicts, nothing recommended and no equipment
// needs, whatever the matched recommend and caution rules.
func TestWithheldKeepsOnlyAvoidance(t *testing.T) {
	f := loadPolicy(t)
	res := f.recommend(t, recommend.Profile{
		Conditions: []string{"tender", "stiff", "sensitive"},
		RedFlags:   []string{"numbness"},
	})
	type advice struct {
		Withheld       bool
		Recommended    []string
		Avoided        []string
		Conflicts      []string
		NeedsEquipment []string
	}
	got := advice{Withheld: res.Withheld, Recommended: []string{}, Avoided: []string{}, Conflicts: []string{}, NeedsEquipment: []string{}}
	for _, it := range res.Recommended {
		got.Recommended = append(got.Recommended, it.Movement)
	}
	for _, it := range res.Avoided {
		got.Avoided = append(got.Avoided, it.Movement)
	}
	for _, c := range res.Conflicts {
		got.Conflicts = append(got.Conflicts, c.Movement+":"+string(c.Resolution))
	}
	for _, n := range res.NeedsEquipment {
		got.NeedsEquipment = append(got.NeedsEquipment, n.Movement)
	}
	want := advice{
		Withheld:       true,
		Recommended:    []string{},
		Avoided:        []string{"knee_hug"},
		Conflicts:      []string{"knee_hug:avoided"},
		NeedsEquipment: []string{},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("withheld advice mismatch (-want +got):\n%s", diff)
	}
}

// TestRecommendRejectsInvalidProfile checks that Recommend validates the
// profile before it evaluates anything: an invalid profile gives a
// *ProfileError and no result, even on a rule set whose conditions would
// run on it without failing.
func TestRecommendRejectsInvalidProfile(t *testing.T) {
	f := loadPolicy(t)
	tests := []struct {
		name    string
		profile recommend.Profile
		want    string
	}{
		{"unknown condition", recommend.Profile{Conditions: []string{"stif"}},
			`invalid profile: conditions[0] "stif": unknown condition (did you mean "stiff"?) (only the referrals were worked out)`},
		{"pain out of range", recommend.Profile{Conditions: []string{"stiff"}, PainLevel: 11},
			"invalid profile: pain_level 11: out of range, want 0 to 10 (only the referrals were worked out)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := f.eng.Recommend(context.Background(), tt.profile)
			var pe *recommend.ProfileError
			var part *recommend.PartialError
			if res != nil || !errors.As(err, &pe) || !errors.Is(err, recommend.ErrInvalidProfile) ||
				!errors.As(err, &part) || part.Result == nil || !part.Result.Incomplete {
				t.Fatalf("Recommend = %v, %v; want no result and a *PartialError with an incomplete Result and a *ProfileError", res, err)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEvalErrorMessage checks the whole *EvalError of a rule that fails to
// evaluate: the rule, its file and line, the cause, and the message that
// puts them together for the rule's author.
func TestEvalErrorMessage(t *testing.T) {
	fsys := fstest.MapFS{"sub/fails.yaml": {Data: []byte(`sources:
  - {id: s, title: Source, publisher: Publisher, kind: guideline}
movements:
  - {id: m, name: M, kind: mobility, how: Do it., dose: Once., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: fine
    when: "true"
    recommend: [m]
    because: Fine.
    cite: [{source: s, locator: Part 1, claim: Fine.}]
  - id: out-of-range
    when: "profile.pain_level == 9 && 36 / (profile.age - 20 - 20) < 0"
    recommend: [m]
    because: Fails at pain 9 for most ages.
    cite: [{source: s, locator: Part 1, claim: Fails.}]
`)}}
	eng, err := recommend.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{PainLevel: 9, Age: 40})
	var ee *recommend.EvalError
	if res != nil || !errors.As(err, &ee) {
		t.Fatalf("Recommend = %v, %v; want no result and an *EvalError", res, err)
	}
	type evalError struct {
		Rule, File string
		Line       int
		Message    string
	}
	want := evalError{
		Rule: "out-of-range", File: "sub/fails.yaml", Line: 11,
		Message: `sub/fails.yaml:11: rule "out-of-range" failed to evaluate: division by zero: fix its when condition so that it works for every valid profile (only the referrals were worked out)`,
	}
	got := evalError{Rule: ee.Rule, File: ee.File, Line: ee.Line, Message: err.Error()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("EvalError mismatch (-want +got):\n%s", diff)
	}
}
