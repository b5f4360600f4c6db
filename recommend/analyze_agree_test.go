package recommend

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAnalyzeAgreesWithRecommend checks that Analyze applies the safety
// policy as Recommend does: for every movement, the first explored profile
// that Analyze says gets it recommended (equipment aside), avoided or
// withheld gets it so from Recommend; and over every explored profile,
// the movements Recommend ever recommends are those Analyze does not list
// as never recommended.
func TestAnalyzeAgreesWithRecommend(t *testing.T) {
	engines := map[string]func() (*Engine, error){
		"default":  Default,
		"findings": func() (*Engine, error) { return Load(os.DirFS("../testdata/analyze/findings")) },
		"gaps":     func() (*Engine, error) { return Load(os.DirFS("../testdata/analyze/gaps")) },
	}
	for name, load := range engines {
		t.Run(name, func(t *testing.T) {
			e, err := load()
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			asts := e.conditionASTs()
			sp := e.space(asts)
			sc, err := e.scan(ctx, sp, 0, nil, e.conflictPairs(), asts)
			if err != nil {
				t.Fatal(err)
			}
			recommend := func(p Profile) *Result {
				t.Helper()
				res, err := e.Recommend(ctx, p)
				if err != nil {
					t.Fatalf("Recommend(%+v): %v", p, err)
				}
				return res
			}
			// outcomes returns the movements res recommends (or would,
			// but for equipment), avoids and withholds.
			outcomes := func(res *Result) [numScanOutcomes][]string {
				var out [numScanOutcomes][]string
				for _, it := range res.Recommended {
					out[scanRecommended] = append(out[scanRecommended], it.Movement)
				}
				for _, n := range res.NeedsEquipment {
					out[scanRecommended] = append(out[scanRecommended], n.Movement)
				}
				for _, it := range res.Avoided {
					out[scanAvoided] = append(out[scanAvoided], it.Movement)
				}
				if res.Withheld {
					// A withheld movement is one a matched rule
					// recommends and none avoids.
					rec := make([]bool, len(e.movements))
					avoid := make([]bool, len(e.movements))
					for ri, tr := range res.Trace() {
						if !tr.Matched {
							continue
						}
						for _, mi := range e.rules[ri].effects[effectRecommend] {
							rec[mi] = true
						}
						for _, mi := range e.rules[ri].effects[effectAvoid] {
							avoid[mi] = true
						}
					}
					for mi := range e.movements {
						if rec[mi] && !avoid[mi] {
							out[scanWithheld] = append(out[scanWithheld], e.movements[mi].id)
						}
					}
				}
				return out
			}
			names := [numScanOutcomes]string{"recommended", "avoided", "withheld"}
			t.Logf("%d explored profiles", len(sp.profiles))
			checked := 0
			for o := range sc.first {
				for mi, pi := range sc.first[o] {
					if pi < 0 {
						continue
					}
					id := e.movements[mi].id
					got := outcomes(recommend(sp.profiles[pi]))
					if !slices.Contains(got[o], id) {
						t.Errorf("Analyze says profile %d (%+v) gets %s %s; Recommend gives %v", pi, sp.profiles[pi], id, names[o], got)
					}
					checked++
				}
			}
			if checked == 0 {
				t.Fatal("Analyze found no movement recommended, avoided or withheld")
			}
			if testing.Short() {
				return
			}
			// Over the explored profiles, the movements Recommend ever
			// gives each outcome are those Analyze found. A large space
			// is sampled, every stride-th profile: then Recommend's must
			// be among Analyze's.
			stride := max(1, len(sp.profiles)/20000)
			var ever [numScanOutcomes][]string
			for i := 0; i < len(sp.profiles); i += stride {
				got := outcomes(recommend(sp.profiles[i]))
				for o := range got {
					for _, id := range got[o] {
						if !slices.Contains(ever[o], id) {
							ever[o] = append(ever[o], id)
						}
					}
				}
			}
			for o := range sc.first {
				var found []string
				for mi, pi := range sc.first[o] {
					if pi >= 0 {
						found = append(found, e.movements[mi].id)
					}
				}
				slices.Sort(found)
				slices.Sort(ever[o])
				if stride > 1 {
					for _, id := range ever[o] {
						if !slices.Contains(found, id) {
							t.Errorf("Recommend gives %s %s for an explored profile; Analyze does not", id, names[o])
						}
					}
					continue
				}
				if diff := cmp.Diff(ever[o], found); diff != "" {
					t.Errorf("movements %s by some explored profile (-Recommend +Analyze):\n%s", names[o], diff)
				}
			}
			a, err := e.Analyze(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var never []string
			for _, f := range a.NeverRecommended {
				never = append(never, f.Movement)
			}
			for _, id := range never {
				if slices.Contains(ever[scanRecommended], id) {
					t.Errorf("Analyze lists %s as never recommended, but Recommend recommends it for an explored profile", id)
				}
			}
			if n := len(never) + len(ever[scanRecommended]); stride == 1 && n != len(e.movements) {
				t.Errorf("%d never recommended + %d recommended != %d movements", len(never), len(ever[scanRecommended]), len(e.movements))
			}
		})
	}
}

// TestScanFromPrev checks that scanning the profiles added to a space,
// from the scan of the profiles before them, finds what scanning the
// whole space finds: the matches, the first profile of each outcome, the
// referred flags and each conflict pair's example. Analyze scans so
// the profiles its witnesses add.
func TestScanFromPrev(t *testing.T) {
	e, err := Load(os.DirFS("../testdata/analyze/findings"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	asts := e.conditionASTs()
	sp := e.space(asts)
	n := len(sp.profiles)
	if n < 3*scanBlock {
		t.Fatalf("only %d profiles: the test needs blocks on both sides of the cut", n)
	}
	wholePairs := e.conflictPairs()
	whole, err := e.scan(ctx, sp, 0, nil, wholePairs, asts)
	if err != nil {
		t.Fatal(err)
	}
	// Cut inside a block, so that the word of the cut holds bits of both.
	for _, cut := range []int{scanBlock + 5, n - 1} {
		part := &space{profiles: sp.profiles[:cut:cut], size: sp.size[:cut:cut]}
		pairs := e.conflictPairs()
		prev, err := e.scan(ctx, part, 0, nil, pairs, asts)
		if err != nil {
			t.Fatal(err)
		}
		part.profiles, part.size = sp.profiles, sp.size
		got, err := e.scan(ctx, part, cut, prev, pairs, asts)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(whole, got, cmp.AllowUnexported(scanResult{})); diff != "" {
			t.Errorf("cut at %d: scan result (-whole +from the cut):\n%s", cut, diff)
		}
		if diff := cmp.Diff(wholePairs, pairs, cmp.AllowUnexported(conflictPair{})); diff != "" {
			t.Errorf("cut at %d: pairs (-whole +from the cut):\n%s", cut, diff)
		}
	}
}
