package recommend_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
	"github.com/google/go-cmp/cmp"
)

// planRules is a rule set for the plan and the key messages. Each
// condition is one scenario; the movements are declared m1 to m7, and m1
// needs a towel.
const planRules = `
sources:
  - {id: guide, title: Guide, publisher: A health body, kind: guideline}
  - {id: blog, title: Blog, publisher: A blogger, kind: personal_account}
vocabulary:
  conditions:
    - {id: order, label: Order}
    - {id: best, label: Best}
    - {id: offer, label: Offer}
    - {id: many, label: Many}
    - {id: plain, label: Plain}
    - {id: blocked, label: Blocked}
    - {id: same, label: Same}
  red_flags:
    - {id: stop, label: Stop, floor: {urgency: urgent, withhold: true}}
    - {id: check, label: Check, floor: {urgency: routine, withhold: false}}
  equipment:
    - {id: towel, label: Towel, prop: towel}
movements:
  - {id: m1, name: M one, kind: lifestyle, equipment: [towel], how: How one., dose: Dose one., pose: {base: standing, props: [towel], start: {}, end: {}}}
  - {id: m2, name: M two, kind: lifestyle, how: How two., dose: Dose two., pose: {base: standing, start: {}, end: {}}}
  - {id: m3, name: M three, kind: lifestyle, how: How three., dose: Dose three., pose: {base: standing, start: {}, end: {}}}
  - {id: m4, name: M four, kind: lifestyle, how: How four., dose: Dose four., pose: {base: standing, start: {}, end: {}}}
  - {id: m5, name: M five, kind: lifestyle, how: How five., dose: Dose five., pose: {base: standing, start: {}, end: {}}}
  - {id: m6, name: M six, kind: lifestyle, how: How six., dose: Dose six., pose: {base: standing, start: {}, end: {}}}
  - {id: m7, name: M seven, kind: lifestyle, how: How seven., dose: Dose seven., pose: {base: standing, start: {}, end: {}}}
rules:
  # order: by priority, then declaration order, whatever the rule order.
  - {id: order-m3, when: "'order' in profile.conditions", recommend: {movements: [m3], priority: 2}, because: Three., cite: [{source: guide, locator: A, claim: A.}]}
  - {id: order-m2, when: "'order' in profile.conditions", recommend: {movements: [m2], priority: 2}, because: Two., cite: [{source: guide, locator: A, claim: A.}]}
  - {id: order-m4, when: "'order' in profile.conditions", recommend: {movements: [m4], priority: 1}, because: Four., cite: [{source: guide, locator: A, claim: A.}]}
  - {id: order-m5, when: "'order' in profile.conditions", recommend: [m5], because: No priority., cite: [{source: guide, locator: A, claim: A.}]}
  # best: the best priority wins, with the first rule that gives it.
  - {id: best-slow, when: "'best' in profile.conditions", recommend: {movements: [m2], priority: 3}, because: Slow., cite: [{source: guide, locator: A, claim: A.}]}
  - {id: best-fast, when: "'best' in profile.conditions", recommend: {movements: [m2], priority: 1, because: Fast.}, because: Rule reason., cite: [{source: guide, locator: A, claim: A.}]}
  - {id: best-also, when: "'best' in profile.conditions", recommend: {movements: [m2], priority: 1}, because: Also fast., cite: [{source: guide, locator: A, claim: A.}]}
  # offer: one movement per effect, the first the result recommends, in
  # the order written.
  - {id: offer-list, when: "'offer' in profile.conditions", recommend: {movements: [m4, m1, m2, m3], priority: 1}, because: Offer., cite: [{source: guide, locator: A, claim: A.}]}
  - {id: offer-avoid, when: "'offer' in profile.conditions", avoid: [m4], because: Not m4., cite: [{source: blog, locator: B, claim: B.}]}
  # many: at most five steps.
  - {id: many-7, when: "'many' in profile.conditions", recommend: {movements: [m7], priority: 1}, because: Many., cite: [{source: guide, locator: A, claim: A.}]}
  - {id: many-6, when: "'many' in profile.conditions", recommend: {movements: [m6], priority: 1}, because: Many., cite: [{source: guide, locator: A, claim: A.}]}
  - {id: many-5, when: "'many' in profile.conditions", recommend: {movements: [m5], priority: 1}, because: Many., cite: [{source: guide, locator: A, claim: A.}]}
  - {id: many-4, when: "'many' in profile.conditions", recommend: {movements: [m4], priority: 2}, because: Many., cite: [{source: guide, locator: A, claim: A.}]}
  - {id: many-3, when: "'many' in profile.conditions", recommend: {movements: [m3], priority: 1}, because: Many., cite: [{source: guide, locator: A, claim: A.}]}
  - {id: many-2, when: "'many' in profile.conditions", recommend: {movements: [m2], priority: 9}, because: Many., cite: [{source: guide, locator: A, claim: A.}]}
  - {id: many-1, when: "'many' in profile.conditions", recommend: {movements: [m1], priority: 1}, because: Many., cite: [{source: guide, locator: A, claim: A.}]}
  # blocked: a rule whose every offer is avoided gives way to the rules
  # after it.
  - {id: blocked-first, when: "'blocked' in profile.conditions", recommend: {movements: [m4], priority: 1}, because: Blocked., cite: [{source: guide, locator: A, claim: A.}]}
  - {id: blocked-avoid, when: "'blocked' in profile.conditions", avoid: [m4], because: Not m4., cite: [{source: blog, locator: B, claim: B.}]}
  - {id: blocked-next, when: "'blocked' in profile.conditions", recommend: {movements: [m5], priority: 2}, because: Next., cite: [{source: guide, locator: A, claim: A.}]}
  # plain: recommended, but no rule gives a priority.
  - {id: plain, when: "'plain' in profile.conditions", recommend: [m2, m3], because: Plain., cite: [{source: guide, locator: A, claim: A.}]}
  # Key messages, declared out of kind order.
  - {id: msg-pacing, when: "true", say: {kind: pacing, message: Build up slowly.}, because: Pacing., cite: [{source: guide, locator: P, claim: P.}]}
  - {id: msg-active, when: "true", say: {kind: stay_active, message: Keep moving.}, because: Active., cite: [{source: guide, locator: S, claim: S.}]}
  - {id: msg-safety, when: "true", say: {kind: safety_net, message: Stop if it hurts.}, because: Safety., cite: [{source: guide, locator: N, claim: N.}]}
  - {id: msg-reassure, when: "true", say: {kind: reassurance, message: It gets better.}, because: Reassure., cite: [{source: guide, locator: R, claim: R.}]}
  - {id: msg-safety-again, when: "'best' in profile.conditions", say: {kind: safety_net, message: Stop if it hurts.}, because: Safety too., cite: [{source: blog, locator: N, claim: N.}]}
  - {id: msg-safety-check, when: "'check' in profile.red_flags", say: {kind: safety_net, message: Get help if it spreads.}, because: Check., cite: [{source: guide, locator: C, claim: C.}]}
  # same: the first message (pacing) given again merges into it; the same
  # text of another kind is another message.
  - {id: msg-pacing-again, when: "'same' in profile.conditions", say: {kind: pacing, message: Build up slowly.}, because: Pacing too., cite: [{source: blog, locator: Q, claim: Q.}]}
  - {id: msg-same-text, when: "'same' in profile.conditions", say: {kind: reassurance, message: Build up slowly.}, because: Same text., cite: [{source: guide, locator: T, claim: T.}]}
  # Referrals: stop withholds advice, check does not.
  - {id: refer-stop, when: "'stop' in profile.red_flags", refer: {urgency: urgent, message: See a doctor., withhold: true}, because: Stop., cite: [{source: guide, locator: D, claim: D.}]}
  - {id: refer-check, when: "'check' in profile.red_flags", refer: {urgency: routine, message: Book a check.}, because: Check., cite: [{source: guide, locator: D, claim: D.}]}
`

func planEngine(t testing.TB) *recommend.Engine {
	t.Helper()
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(planRules)}})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// step is a plan step of planRules, where every rule that recommends
// cites the guide at locator A.
func step(movement, name string, priority int, rule, reason string) recommend.PlanStep {
	return recommend.PlanStep{Movement: movement, Name: name, Priority: priority, Reason: recommend.NoteOf(rule, reason),
		Citations: []recommend.Citation{recommend.CitationOf(recommend.Source{ID: "guide", Title: "Guide", Publisher: "A health body", Kind: "guideline"}, "A", "A.").WithPosition(recommend.PositionSupports)}}
}

// TestPlan checks how the plan is chosen: by priority, then declaration
// order; one movement per effect, the first in the order written that the
// result recommends; the best priority of several rules, with the reason
// of the first rule that gives it; at most MaxPlan steps; and no plan when
// advice is withheld or no rule gives a priority.
func TestPlan(t *testing.T) {
	eng := planEngine(t)
	tests := []struct {
		name    string
		profile recommend.Profile
		want    []recommend.PlanStep
	}{
		{"priority then declaration order", recommend.Profile{Conditions: []string{"order"}},
			[]recommend.PlanStep{step("m4", "M four", 1, "order-m4", "Four."), step("m2", "M two", 2, "order-m2", "Two."), step("m3", "M three", 2, "order-m3", "Three.")}},
		{"best priority wins, with the first rule that gives it", recommend.Profile{Conditions: []string{"best"}},
			[]recommend.PlanStep{step("m2", "M two", 1, "best-fast", "Fast.")}},
		{"an avoided or unequipped offer gives way to the next", recommend.Profile{Conditions: []string{"offer"}},
			[]recommend.PlanStep{step("m2", "M two", 1, "offer-list", "Offer.")}},
		{"the first the person can do, in the order written", recommend.Profile{Conditions: []string{"offer"}, Equipment: []string{"towel"}},
			[]recommend.PlanStep{step("m1", "M one", 1, "offer-list", "Offer.")}},
		{"at most five steps", recommend.Profile{Conditions: []string{"many"}, Equipment: []string{"towel"}},
			[]recommend.PlanStep{step("m1", "M one", 1, "many-1", "Many."), step("m3", "M three", 1, "many-3", "Many."),
				step("m5", "M five", 1, "many-5", "Many."), step("m6", "M six", 1, "many-6", "Many."), step("m7", "M seven", 1, "many-7", "Many.")}},
		{"without a towel the next in line moves up", recommend.Profile{Conditions: []string{"many"}},
			[]recommend.PlanStep{step("m3", "M three", 1, "many-3", "Many."), step("m5", "M five", 1, "many-5", "Many."),
				step("m6", "M six", 1, "many-6", "Many."), step("m7", "M seven", 1, "many-7", "Many."), step("m4", "M four", 2, "many-4", "Many.")}},
		{"an offer that is all avoided gives way to the next rule", recommend.Profile{Conditions: []string{"blocked"}},
			[]recommend.PlanStep{step("m5", "M five", 2, "blocked-next", "Next.")}},
		{"no priority, no plan", recommend.Profile{Conditions: []string{"plain"}}, []recommend.PlanStep{}},
		{"nothing matched, no plan", recommend.Profile{}, []recommend.PlanStep{}},
		{"withheld, no plan", recommend.Profile{Conditions: []string{"order", "many"}, RedFlags: []string{"stop"}}, []recommend.PlanStep{}},
		{"a referral that does not withhold keeps the plan", recommend.Profile{Conditions: []string{"best"}, RedFlags: []string{"check"}},
			[]recommend.PlanStep{step("m2", "M two", 1, "best-fast", "Fast.")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, res.Plan); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
			for _, s := range res.Plan {
				if !containsItem(res.Recommended, s.Movement) {
					t.Errorf("plan step %s is not recommended", s.Movement)
				}
			}
		})
	}
}

func containsItem(items []recommend.Item, movement string) bool {
	for _, it := range items {
		if it.Movement == movement {
			return true
		}
	}
	return false
}

// TestMessages checks the key messages: safety nets first, then
// reassurance, staying active and pacing, whatever the rule order; rules
// with the same kind and text merged; and, when advice is withheld, only
// the safety nets.
func TestMessages(t *testing.T) {
	eng := planEngine(t)
	cite := func(source, kind, title, publisher, locator string) recommend.Citation {
		// A rule that only gives a message takes no side on movements:
		// its citations are background.
		return recommend.CitationOf(recommend.Source{ID: source, Title: title, Publisher: publisher, Kind: kind}, locator, locator+".").WithPosition(recommend.PositionBackground)
	}
	guide := func(locator string) recommend.Citation {
		return cite("guide", "guideline", "Guide", "A health body", locator)
	}
	safety := recommend.Message{Kind: recommend.MessageKindSafetyNet, Text: "Stop if it hurts.", Citations: []recommend.Citation{guide("N")}, Rules: []string{"msg-safety"}}
	reassure := recommend.Message{Kind: recommend.MessageKindReassurance, Text: "It gets better.", Citations: []recommend.Citation{guide("R")}, Rules: []string{"msg-reassure"}}
	active := recommend.Message{Kind: recommend.MessageKindStayActive, Text: "Keep moving.", Citations: []recommend.Citation{guide("S")}, Rules: []string{"msg-active"}}
	pacing := recommend.Message{Kind: recommend.MessageKindPacing, Text: "Build up slowly.", Citations: []recommend.Citation{guide("P")}, Rules: []string{"msg-pacing"}}
	merged := safety
	merged.Rules = []string{"msg-safety", "msg-safety-again"}
	merged.Citations = []recommend.Citation{guide("N"), cite("blog", "personal_account", "Blog", "A blogger", "N")}
	check := recommend.Message{Kind: recommend.MessageKindSafetyNet, Text: "Get help if it spreads.", Citations: []recommend.Citation{guide("C")}, Rules: []string{"msg-safety-check"}}
	pacingTwice := pacing
	pacingTwice.Rules = []string{"msg-pacing", "msg-pacing-again"}
	pacingTwice.Citations = []recommend.Citation{guide("P"), cite("blog", "personal_account", "Blog", "A blogger", "Q")}
	sameText := recommend.Message{Kind: recommend.MessageKindReassurance, Text: "Build up slowly.", Citations: []recommend.Citation{guide("T")}, Rules: []string{"msg-same-text"}}
	tests := []struct {
		name    string
		profile recommend.Profile
		want    []recommend.Message
	}{
		{"kinds in order", recommend.Profile{}, []recommend.Message{safety, reassure, active, pacing}},
		{"the same message merges", recommend.Profile{Conditions: []string{"best"}}, []recommend.Message{merged, reassure, active, pacing}},
		{"safety nets in rule order", recommend.Profile{RedFlags: []string{"check"}}, []recommend.Message{safety, check, reassure, active, pacing}},
		{"the first message merges; the same text of another kind does not", recommend.Profile{Conditions: []string{"same"}},
			[]recommend.Message{safety, reassure, sameText, active, pacingTwice}},
		{"withheld keeps only the safety nets", recommend.Profile{RedFlags: []string{"stop", "check"}}, []recommend.Message{safety, check}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, res.Messages); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMessagesAndPlanNeverNil checks that a Result's new lists are empty,
// not nil, so that JSON has [] rather than null.
func TestMessagesAndPlanNeverNil(t *testing.T) {
	eng, err := recommend.Load(minimalFS(t))
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Messages == nil || res.Plan == nil {
		t.Errorf("Messages = %#v, Plan = %#v; want empty lists, not nil", res.Messages, res.Plan)
	}
	var b bytes.Buffer
	if err := report.WriteJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"messages":[]`, `"plan":[]`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("JSON has no %s:\n%s", want, b.String())
		}
	}
}

// minimalFS is the rule set in testdata/minimal.
func minimalFS(t testing.TB) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	dirFS(t, "../testdata/minimal", "", fsys)
	return fsys
}

// TestPlanViews checks that the rule views show each effect's priority and
// each rule's key message.
func TestPlanViews(t *testing.T) {
	eng := planEngine(t)
	byID := map[string]recommend.Rule{}
	for _, r := range eng.Rules() {
		byID[r.ID] = r
	}
	type view struct {
		Priorities []int
		Message    *recommend.RuleMessage
	}
	viewOf := func(id string) view {
		var v view
		for _, e := range byID[id].Effects {
			v.Priorities = append(v.Priorities, e.Priority)
		}
		v.Message = byID[id].Message
		return v
	}
	tests := []struct {
		rule string
		want view
	}{
		{"order-m4", view{Priorities: []int{1}}},
		{"order-m5", view{Priorities: []int{0}}},
		{"offer-avoid", view{Priorities: []int{0}}},
		{"msg-safety", view{Message: &recommend.RuleMessage{Kind: recommend.MessageKindSafetyNet, Text: "Stop if it hurts."}}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, viewOf(tt.rule)); diff != "" {
				t.Errorf("view of %s (-want +got):\n%s", tt.rule, diff)
			}
		})
	}
}

// TestMessagesIncomplete checks the key messages of an incomplete Result,
// whose referral rules alone were evaluated: only their safety nets are
// kept, even when no referral withholds advice and a referral rule says
// stay active, since the rules that could have withheld advice did not
// all run.
func TestMessagesIncomplete(t *testing.T) {
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(`
sources:
  - {id: guide, title: Guide, publisher: A health body, kind: guideline}
vocabulary:
  red_flags:
    - {id: check, label: Check, floor: {urgency: routine, withhold: false}}
movements:
  - {id: m1, name: M one, kind: lifestyle, how: How one., dose: Dose one., pose: {base: standing, start: {}, end: {}}}
rules:
  - {id: refer-safety, when: "'check' in profile.red_flags", refer: {urgency: routine, message: Book a check.}, say: {kind: safety_net, message: Get help if it spreads.}, because: Check., cite: [{source: guide, locator: C, claim: C.}]}
  - {id: refer-active, when: "'check' in profile.red_flags", refer: {urgency: routine, message: Book a check.}, say: {kind: stay_active, message: Keep moving.}, because: Check., cite: [{source: guide, locator: D, claim: D.}]}
  - {id: refer-reassure, when: "'check' in profile.red_flags", refer: {urgency: routine, message: Book a check.}, say: {kind: reassurance, message: It gets better.}, because: Check., cite: [{source: guide, locator: E, claim: E.}]}
  - {id: plain, when: "true", recommend: [m1], because: One., cite: [{source: guide, locator: A, claim: A.}]}
`)}})
	if err != nil {
		t.Fatal(err)
	}
	p := recommend.Profile{RedFlags: []string{"check"}}
	full, err := eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Messages) != 3 {
		t.Fatalf("complete Result messages = %+v, want all three", full.Messages)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := eng.Recommend(done, p)
	var pe *recommend.PartialError
	if res != nil || !errors.As(err, &pe) || !pe.Result.Incomplete {
		t.Fatalf("Recommend with a done context = %v, %v; want a *PartialError with an incomplete Result", res, err)
	}
	var kinds []recommend.MessageKind
	for _, m := range pe.Result.Messages {
		kinds = append(kinds, m.Kind)
	}
	if diff := cmp.Diff([]recommend.MessageKind{recommend.MessageKindSafetyNet}, kinds); diff != "" {
		t.Errorf("incomplete Result message kinds (-want +got):\n%s", diff)
	}
}
