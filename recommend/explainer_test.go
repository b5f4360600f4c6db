package recommend_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/internal/casefile"
	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/rules"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestExplainerAgreesWithExplain checks that one Explainer gives, for
// every movement and the referrals, what a separate Explain or
// ExplainReferrals call gives, and that its Result is Recommend's, over
// every fourth case profile (every twentieth with -short).
func TestExplainerAgreesWithExplain(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	cases, err := casefile.LoadFS(os.DirFS("../testdata/cases"), ".", true)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	every := 4
	if testing.Short() {
		every = 20
	}
	for i, c := range cases {
		if i%every != 0 {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			x, err := eng.NewExplainer(ctx, c.Profile)
			if err != nil {
				t.Fatal(err)
			}
			res, err := eng.Recommend(ctx, c.Profile)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(res, x.Result(), cmpopts.IgnoreUnexported(recommend.Result{})); diff != "" {
				t.Errorf("Result() differs from Recommend (-Recommend +Result()):\n%s", diff)
			}
			if diff := cmp.Diff(res.Trace(), x.Result().Trace()); diff != "" {
				t.Errorf("Result().Trace() differs from Recommend's (-Recommend +Result()):\n%s", diff)
			}
			for _, m := range eng.Movements() {
				want, err := eng.Explain(ctx, c.Profile, m.ID)
				if err != nil {
					t.Fatal(err)
				}
				got, err := x.Explain(ctx, m.ID)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s (-Engine.Explain +Explainer.Explain):\n%s", m.ID, diff)
				}
			}
			want, err := eng.ExplainReferrals(ctx, c.Profile)
			if err != nil {
				t.Fatal(err)
			}
			got, err := x.Referrals(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("referrals (-Engine.ExplainReferrals +Explainer.Referrals):\n%s", diff)
			}
		})
	}
}

// TestExplainerShares checks what an Explainer's answers may share: a
// caller who changes an explanation changes neither another Explainer's
// answers, earlier or later, nor Recommend's Result; and an Explainer
// answers from several goroutines at once what Engine.Explain answers.
// (TestExplanationsLeaveOthersAlone changes every part of every answer.)
func TestExplainerShares(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := recommend.Profile{Conditions: []string{"disc_herniation", "sciatica"}, Equipment: []string{"towel"}, PainLevel: 6, Age: 60}
	x, err := eng.NewExplainer(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	y, err := eng.NewExplainer(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	first, err := x.Explain(ctx, "towel_stretch")
	if err != nil {
		t.Fatal(err)
	}
	other, err := y.Explain(ctx, "towel_stretch")
	if err != nil {
		t.Fatal(err)
	}
	want, err := eng.Explain(ctx, p, "towel_stretch")
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Recommend(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	wantRes, err := eng.Recommend(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Rules) == 0 {
		t.Fatal("no rule names towel_stretch: choose another movement")
	}
	clauses, cites := first.Rules[0].Clauses(), first.Rules[0].Citations()
	if len(clauses) == 0 || len(clauses[0].Values) == 0 || len(cites) == 0 {
		t.Fatal("towel_stretch's first rule has no clauses, values or citations: choose another movement")
	}
	clauses[0].Text = "changed"
	clauses[0].Values[0] = "changed"
	cites[0] = recommend.Citation{}
	first.Rules[0] = recommend.RuleExplanation{}
	if diff := cmp.Diff(want, other); diff != "" {
		t.Errorf("another Explainer's answer changed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantRes, res, cmpopts.IgnoreUnexported(recommend.Result{})); diff != "" {
		t.Errorf("Recommend's Result changed (-want +got):\n%s", diff)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got, err := y.Explain(ctx, "towel_stretch")
			if err != nil {
				t.Error(err)
				return
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("after changing another Explainer's explanation (-want +got):\n%s", diff)
			}
		})
	}
	wg.Wait()
}

// TestExplainerConcurrentAnswers checks that goroutines asking one
// Explainer every question at once, each in its own order, so that they
// race to make the rule explanations the answers share, get what one
// asking alone gets.
func TestExplainerConcurrentAnswers(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var ids []string
	for _, m := range eng.Movements() {
		ids = append(ids, m.ID)
	}
	profiles := []recommend.Profile{benchWhyProfile,
		{Conditions: []string{"sciatica"}, RedFlags: []string{"saddle_numbness"}, PainLevel: 8, DaysSinceOnset: 1, Age: 60}}
	for _, p := range profiles {
		alone, err := eng.NewExplainer(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{}
		for _, id := range ids {
			if want[id], err = alone.Explain(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		if want["referrals"], err = alone.Referrals(ctx); err != nil {
			t.Fatal(err)
		}
		x, err := eng.NewExplainer(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				// Goroutine g starts g quarters of the way through the
				// movements, and asks for the referrals first when odd.
				order := append(slices.Clone(ids[g*len(ids)/4:]), ids[:g*len(ids)/4]...)
				if g%2 == 1 {
					order = append([]string{"referrals"}, order...)
				} else {
					order = append(order, "referrals")
				}
				for _, id := range order {
					var got any
					var err error
					if id == "referrals" {
						got, err = x.Referrals(ctx)
					} else {
						got, err = x.Explain(ctx, id)
					}
					if err != nil {
						t.Error(err)
						return
					}
					if diff := cmp.Diff(want[id], got); diff != "" {
						t.Errorf("%s, asked at once: (-alone +at once):\n%s", id, diff)
					}
				}
			})
		}
		wg.Wait()
	}
}

func TestExplainerErrors(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var nilEngine *recommend.Engine
	if _, err := nilEngine.NewExplainer(ctx, recommend.Profile{}); err == nil {
		t.Error("NewExplainer on a nil *Engine: no error")
	}
	//lint:ignore SA1012 the nil context is what is tested
	if _, err := eng.NewExplainer(nil, recommend.Profile{}); err == nil {
		t.Error("NewExplainer with a nil context: no error")
	}
	if _, err := eng.NewExplainer(ctx, recommend.Profile{PainLevel: 11}); !errors.Is(err, recommend.ErrInvalidProfile) {
		t.Errorf("NewExplainer(invalid profile) = %v, want ErrInvalidProfile", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	var pe *recommend.PartialError
	if _, err := eng.NewExplainer(cancelled, recommend.Profile{}); !errors.As(err, &pe) {
		t.Errorf("NewExplainer(cancelled) = %v, want a *PartialError", err)
	}
	x, err := eng.NewExplainer(ctx, recommend.Profile{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Explain(ctx, "walkng"); !errors.Is(err, recommend.ErrUnknownMovement) {
		t.Errorf("Explain(walkng) = %v, want ErrUnknownMovement", err)
	}
	//lint:ignore SA1012 the nil context is what is tested
	if _, err := x.Referrals(nil); err == nil {
		t.Error("Referrals(nil): no error")
	}
}

// benchWhyProfile is a profile whose Result recommends, avoids and refers,
// like one the web page shows.
var benchWhyProfile = recommend.Profile{
	Conditions: []string{"disc_herniation", "chronic_stiffness"}, AggravatedBy: []string{"sitting", "bending_forward"},
	Equipment: []string{"towel", "bed", "foam_roller"}, PainLevel: 4, DaysSinceOnset: 30, SittingHours: 8, Age: 45,
}

// fullWhy returns the movements the page explains for res: every
// recommended and avoided one.
func fullWhy(res *recommend.Result) []string {
	var ids []string
	for _, it := range res.Recommended {
		ids = append(ids, it.Movement)
	}
	for _, it := range res.Avoided {
		ids = append(ids, it.Movement)
	}
	return ids
}

// BenchmarkFullWhy is the cost of every "Why?" of the web page for one
// Result: one Explainer, each recommended and avoided movement explained,
// and the referrals. Compare with BenchmarkRecommend (one Recommend) and
// BenchmarkFullWhyPerCall (one Explain call per movement, as before the
// Explainer).
func BenchmarkFullWhy(b *testing.B) {
	eng, err := recommend.Default()
	if err != nil {
		b.Fatal(err)
	}
	res, err := eng.Recommend(context.Background(), benchWhyProfile)
	if err != nil {
		b.Fatal(err)
	}
	benchFullWhy(b, eng, fullWhy(res), func(int) recommend.Profile { return benchWhyProfile })
}

// BenchmarkFullWhyEvery is BenchmarkFullWhy with every movement of the
// rule set explained, not only the page's.
func BenchmarkFullWhyEvery(b *testing.B) {
	eng, err := recommend.Default()
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for _, m := range eng.Movements() {
		ids = append(ids, m.ID)
	}
	benchFullWhy(b, eng, ids, func(int) recommend.Profile { return benchWhyProfile })
}

// BenchmarkFullWhyNewNumbers is BenchmarkFullWhyEvery for a new person
// each time: benchWhyProfile with an age, days since onset and hours of
// sitting not given before (for 36,000 calls), so that each condition
// that reads them is explained anew, as for a profile no Explainer saw.
func BenchmarkFullWhyNewNumbers(b *testing.B) {
	eng, err := recommend.Load(rules.FS)
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for _, m := range eng.Movements() {
		ids = append(ids, m.ID)
	}
	benchFullWhy(b, eng, ids, func(i int) recommend.Profile {
		p := benchWhyProfile
		p.DaysSinceOnset, p.Age, p.SittingHours = 1+i%36000, 18+i%90, float64(i%1000)/50
		return p
	})
}

// BenchmarkFullWhyPageNoCache is the page's "Why?" of each of the four
// profiles of testrules.Profiles in turn, on an engine without the cache
// of explanations: a profile whose values no Explainer saw.
func BenchmarkFullWhyPageNoCache(b *testing.B) {
	eng, err := recommend.Load(rules.FS)
	if err != nil {
		b.Fatal(err)
	}
	recommend.ExplainCacheOff(eng)
	ps, pages := benchPages(b, eng)
	benchFullWhyPages(b, eng, pages, func(i int) recommend.Profile { return ps[i%len(ps)] })
}

// BenchmarkFullWhyPageNewNumbers is the page's "Why?" of each of the four
// profiles of testrules.Profiles in turn, each with numbers not given
// before (newNumbers): a new person's page on a running engine.
func BenchmarkFullWhyPageNewNumbers(b *testing.B) {
	eng, err := recommend.Load(rules.FS)
	if err != nil {
		b.Fatal(err)
	}
	ps, pages := benchPages(b, eng)
	benchFullWhyPages(b, eng, pages, func(i int) recommend.Profile { return newNumbers(ps[i%len(ps)], i) })
}

// benchPages returns the four profiles of testrules.Profiles and the
// movements the page explains for each.
func benchPages(b *testing.B, eng *recommend.Engine) ([]recommend.Profile, [][]string) {
	ps := testrules.Profiles()
	pages := make([][]string, len(ps))
	for i, p := range ps {
		res, err := eng.Recommend(context.Background(), p)
		if err != nil {
			b.Fatal(err)
		}
		pages[i] = fullWhy(res)
	}
	return ps, pages
}

// benchFullWhyPages runs, for profile(i) on the i-th call, one Explainer
// that explains each movement of pages[i%len(pages)] and the referrals.
func benchFullWhyPages(b *testing.B, eng *recommend.Engine, pages [][]string, profile func(i int) recommend.Profile) {
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		x, err := eng.NewExplainer(ctx, profile(i))
		if err != nil {
			b.Fatal(err)
		}
		for _, id := range pages[i%len(pages)] {
			if _, err := x.Explain(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := x.Referrals(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// newNumbers returns p with an age, days since onset and hours of sitting
// that differ for each k up to 36,000: a new person's, so that every
// condition that reads them is explained anew, and those that read only
// lists are not.
func newNumbers(p recommend.Profile, k int) recommend.Profile {
	p.DaysSinceOnset, p.Age, p.SittingHours = 1+k%36000, 18+k%90, float64(k%1000)/50
	return p
}

// benchFullWhy runs, for profile(i) on the i-th call, one Explainer
// that explains each movement of ids and the referrals.
func benchFullWhy(b *testing.B, eng *recommend.Engine, ids []string, profile func(i int) recommend.Profile) {
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		x, err := eng.NewExplainer(ctx, profile(i))
		if err != nil {
			b.Fatal(err)
		}
		for _, id := range ids {
			if _, err := x.Explain(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := x.Referrals(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(ids)), "movements")
}

// BenchmarkFullWhyPerCall explains the same as BenchmarkFullWhy, with one
// Engine.Explain call per movement and one ExplainReferrals.
func BenchmarkFullWhyPerCall(b *testing.B) {
	eng, err := recommend.Default()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	res, err := eng.Recommend(ctx, benchWhyProfile)
	if err != nil {
		b.Fatal(err)
	}
	ids := fullWhy(res)
	for b.Loop() {
		for _, id := range ids {
			if _, err := eng.Explain(ctx, benchWhyProfile, id); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := eng.ExplainReferrals(ctx, benchWhyProfile); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(ids)), "movements")
}

// TestClauseTextSameInExplainAndCoverage checks that a clause reads the
// same in an explanation and in the clause coverage of Analyze: both take
// its text from internal/celast.
func TestClauseTextSameInExplainAndCoverage(t *testing.T) {
	tests := []struct {
		when    string
		profile recommend.Profile
	}{
		{"(profile.age > 50 ? 1 : 0) + (profile.pain_level > 6 ? 1 : 0) >= 2 || size(profile.conditions) > 1", recommend.Profile{Age: 60, Conditions: []string{"sore"}}},
		{"!(\n  'sore' in profile.conditions ||\n  'stiff' in profile.conditions) && profile.sitting_hours < 2.5", recommend.Profile{Conditions: []string{"stiff"}}},
		{"profile.conditions.exists(c, c in ['sore', 'stiff']) && profile.age\n    >= 18", recommend.Profile{Age: 20}},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			rules := `
sources: [{id: g, title: G, publisher: P, kind: guideline}]
vocabulary:
  conditions: [{id: sore, label: Sore}, {id: stiff, label: Stiff}]
movements: [{id: walk, name: Walk, kind: lifestyle, how: Walk., dose: Daily., pose: {base: standing, start: {}, end: {}}}]
rules:
  - id: r
    when: ` + strconvQuote(tt.when) + `
    recommend: [walk]
    because: Because.
    cite: [{source: g, locator: l, claim: c}]
`
			eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(rules)}})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			x, err := eng.Explain(ctx, tt.profile, "walk")
			if err != nil {
				t.Fatal(err)
			}
			// With one case, every clause is seen one way only, so
			// every clause is uncovered.
			a, err := eng.Analyze(ctx, recommend.WithCaseProfiles([]recommend.Profile{tt.profile}))
			if err != nil {
				t.Fatal(err)
			}
			var covered []string
			for _, c := range a.Coverage.Uncovered {
				covered = append(covered, c.Text)
			}
			for _, c := range x.Rules[0].Clauses() {
				if !slices.Contains(covered, c.Text) {
					t.Errorf("explanation's clause %q is not among coverage's %q", c.Text, covered)
				}
			}
		})
	}
}

// TestExplainerFoldNotShared checks that a rule with a referral and an
// effect on a movement is explained the same in the movement's answer
// whether or not the referrals were asked about first: only the referral
// explanation says how its referral was folded.
func TestExplainerFoldNotShared(t *testing.T) {
	story, err := os.ReadFile("../testdata/story/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// exercise-plan refers (and is folded beside a withholding referral)
	// and, here, cautions against walking too.
	const refer = "    refer: {urgency: routine, message: A physio will plan exercises for you., invites_activity: true}\n"
	rules := strings.Replace(string(story), refer, refer+"    caution: [walk]\n", 1)
	if rules == string(story) {
		t.Fatal("testdata/story/rules.yaml no longer has exercise-plan's referral as this test expects")
	}
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(rules)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := recommend.Profile{Conditions: []string{"disc"}, RedFlags: []string{"fever"}}
	explain := func(referralsFirst bool) (walk, referral recommend.RuleExplanation) {
		x, err := eng.NewExplainer(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		var refs *recommend.ReferralExplanation
		if referralsFirst {
			if refs, err = x.Referrals(ctx); err != nil {
				t.Fatal(err)
			}
		}
		ex, err := x.Explain(ctx, "walk")
		if err != nil {
			t.Fatal(err)
		}
		if !referralsFirst {
			if refs, err = x.Referrals(ctx); err != nil {
				t.Fatal(err)
			}
		}
		find := func(rs []recommend.RuleExplanation) recommend.RuleExplanation {
			i := slices.IndexFunc(rs, func(r recommend.RuleExplanation) bool { return r.Rule() == "exercise-plan" })
			if i < 0 {
				t.Fatalf("no explanation of exercise-plan among %d rules", len(rs))
			}
			return rs[i]
		}
		return find(ex.Rules), find(refs.Rules)
	}
	for _, first := range []bool{false, true} {
		walk, referral := explain(first)
		if walk.Folded() != nil {
			t.Errorf("referrals asked first %v: walk's explanation of exercise-plan says it was folded: %+v", first, walk.Folded())
		}
		if referral.Folded() == nil {
			t.Errorf("referrals asked first %v: the referral explanation of exercise-plan does not say it was folded", first)
		}
		if len(walk.Effects()) == 0 || len(referral.Effects()) != 0 {
			t.Errorf("referrals asked first %v: effects %v in walk's answer, %v in the referrals'; want some, then none", first, walk.Effects(), referral.Effects())
		}
	}
}
