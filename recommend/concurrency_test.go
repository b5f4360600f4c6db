package recommend_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/backrules/backrules/recommend"
)

// variedProfiles builds profiles that exercise every condition, flag and
// equipment combination of the default rules' vocabulary that matters.
func variedProfiles() []recommend.Profile {
	conds := [][]string{nil, {"disc_herniation"}, {"acute_strain"}, {"chronic_stiffness"}, {"disc_herniation", "chronic_stiffness"}, {"spinal_stenosis", "sciatica"}}
	flags := [][]string{nil, {"saddle_numbness"}, {"night_pain"}, {"leg_weakness", "pain_below_knee"}}
	equip := [][]string{nil, {"towel", "bed", "sofa", "foam_roller", "inversion_table", "exercise_mat"}}
	var out []recommend.Profile
	for i, c := range conds {
		for j, f := range flags {
			for k, e := range equip {
				out = append(out, recommend.Profile{Conditions: c, RedFlags: f, Equipment: e, PainLevel: (i + j + k) % 11, SittingHours: float64(i + j)})
			}
		}
	}
	return out
}

// semanticsProfiles builds profiles over the vocabulary of
// testdata/semantics: every set of conditions, several sets of red flags,
// with and without the aggravating activity and the equipment, and pain
// and age values that make the rule fails-at-nine match, miss or fail to
// evaluate. Two invalid profiles complete the set.
func semanticsProfiles() []recommend.Profile {
	conds := []string{"cond_a", "cond_b", "cond_c"}
	flagSets := [][]string{nil, {"flag_routine"}, {"flag_urgent"}, {"flag_emergency"}, {"flag_urgent", "flag_routine"}}
	painAge := [][2]int{{0, 0}, {9, 0}, {9, 5}}
	var out []recommend.Profile
	for mask := range 1 << len(conds) {
		var cs []string
		for i, c := range conds {
			if mask&(1<<i) != 0 {
				cs = append(cs, c)
			}
		}
		for _, flags := range flagSets {
			for _, agg := range [][]string{nil, {"agg"}} {
				for _, eq := range [][]string{nil, {"roller"}} {
					for _, pa := range painAge {
						out = append(out, recommend.Profile{Conditions: cs, RedFlags: flags, AggravatedBy: agg, Equipment: eq,
							PainLevel: pa[0], Age: pa[1], SittingHours: float64(mask) * 1.5})
					}
				}
			}
		}
	}
	return append(out,
		recommend.Profile{Conditions: []string{"cond_x"}},
		recommend.Profile{Equipment: []string{"roller", "roller"}, PainLevel: 11})
}

// fingerprint hashes everything a Recommend call returns: every field of
// the Result, or the error text. It is much cheaper than encoding JSON, so
// that checking every call stays quick under the race detector.
func fingerprint(res *recommend.Result, err error) uint64 {
	h := fnv.New64a()
	str := func(s string) {
		io.WriteString(h, strconv.Itoa(len(s)))
		io.WriteString(h, ":")
		io.WriteString(h, s)
	}
	strs := func(ss []string) {
		str(strconv.Itoa(len(ss)))
		for _, s := range ss {
			str(s)
		}
	}
	cites := func(cs []recommend.Citation) {
		str(strconv.Itoa(len(cs)))
		for _, c := range cs {
			str(c.Source)
			str(c.Title)
			str(c.URL)
			str(c.Locator)
			str(c.Claim)
		}
	}
	notes := func(ns []recommend.Note) {
		str(strconv.Itoa(len(ns)))
		for _, n := range ns {
			str(n.Rule)
			str(n.Text)
		}
	}
	items := func(its []recommend.Item) {
		str(strconv.Itoa(len(its)))
		for _, it := range its {
			str(it.Movement)
			str(it.Name)
			str(it.Kind)
			str(it.How)
			str(it.Dose)
			notes(it.Reasons)
			notes(it.Cautions)
			cites(it.Citations)
			strs(it.Rules)
		}
	}
	if err != nil {
		str("error")
		str(err.Error())
		return h.Sum64()
	}
	str(strconv.Itoa(len(res.Referrals)))
	for _, r := range res.Referrals {
		str(string(r.Urgency))
		str(r.Message)
		str(strconv.FormatBool(r.Withhold))
		cites(r.Citations)
		strs(r.Rules)
	}
	str(strconv.FormatBool(res.Withheld))
	str(res.WithheldReason)
	items(res.Recommended)
	items(res.Avoided)
	str(strconv.Itoa(len(res.Conflicts)))
	for _, c := range res.Conflicts {
		str(c.Movement)
		str(c.Name)
		str(string(c.Resolution))
		strs(c.For.Rules)
		cites(c.For.Citations)
		strs(c.Against.Rules)
		cites(c.Against.Citations)
	}
	str(strconv.Itoa(len(res.NeedsEquipment)))
	for _, n := range res.NeedsEquipment {
		str(n.Movement)
		str(n.Name)
		strs(n.Missing)
		strs(n.Rules)
	}
	str(strconv.Itoa(len(res.Trace)))
	for _, t := range res.Trace {
		str(t.Rule)
		str(strconv.FormatBool(t.Matched))
	}
	str(res.Disclaimer)
	return h.Sum64()
}

// TestConcurrentRecommend calls one engine from 16 goroutines at once and
// checks every result, or error, against a sequential run over the same
// profiles. Run it with -race. The small semantics rule set, whose
// profiles cover every policy rule, a failing rule and invalid profiles,
// takes the full 16 × 10,000 calls; the larger default rule set takes
// fewer, since each call costs far more under the race detector. Half the
// goroutines pass a context that can be cancelled, so that conditions with
// comprehensions take their interruptible path.
func TestConcurrentRecommend(t *testing.T) {
	semantics, err := recommend.Load(os.DirFS("../testdata/semantics"))
	if err != nil {
		t.Fatal(err)
	}
	def, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		eng      *recommend.Engine
		profiles []recommend.Profile
		calls    int // per goroutine
	}{
		{"semantics rules", semantics, semanticsProfiles(), 10_000},
		{"default rules", def, variedProfiles(), 500},
	}
	const goroutines = 16
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := tt.calls
			if testing.Short() {
				calls /= 10
			}
			ctx := context.Background()
			want := make([]uint64, len(tt.profiles))
			outcomes := map[string]int{}
			for i, p := range tt.profiles {
				res, err := tt.eng.Recommend(ctx, p)
				want[i] = fingerprint(res, err)
				switch {
				case err == nil:
					outcomes["result"]++
				default:
					outcomes[fmt.Sprintf("%T", err)]++
				}
			}
			t.Logf("%d profiles, sequential outcomes %v; %d goroutines × %d calls", len(tt.profiles), outcomes, goroutines, calls)
			var wg sync.WaitGroup
			errs := make(chan error, goroutines)
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// Odd goroutines use a context that can be cancelled
					// (and never is), which runs conditions that loop
					// with interrupt checks.
					ctx := ctx
					if g%2 == 1 {
						c, cancel := context.WithCancel(ctx)
						defer cancel()
						ctx = c
					}
					for n := range calls {
						// Each goroutine walks the profiles in its own order.
						i := (g*7919 + n*(2*g+1)) % len(tt.profiles)
						res, err := tt.eng.Recommend(ctx, tt.profiles[i])
						if got := fingerprint(res, err); got != want[i] {
							errs <- fmt.Errorf("goroutine %d, call %d, profile %d: result differs from the sequential run", g, n, i)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}
