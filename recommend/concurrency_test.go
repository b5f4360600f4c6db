package recommend_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
	"github.com/google/go-cmp/cmp"
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
	painAge := [][2]int{{0, 0}, {9, 0}, {9, 40}, {9, 50}}
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

// callOutcome is everything a Recommend call returns, as bytes: the Result as
// WriteJSON writes it, which covers every field, present and future, or
// the error's type and text.
func callOutcome(buf *bytes.Buffer, res *recommend.Result, err error) []byte {
	buf.Reset()
	if err != nil {
		fmt.Fprintf(buf, "error %T: %v", err, err)
		return buf.Bytes()
	}
	if werr := report.WriteJSON(buf, res); werr != nil {
		fmt.Fprintf(buf, "WriteJSON error: %v", werr)
	}
	return buf.Bytes()
}

// TestConcurrentRecommend calls one engine from 16 goroutines at once and
// checks every outcome, the whole JSON of the result or the error, against
// a sequential run over the same profiles. Run it with -race. The small
// semantics rule set, whose profiles cover every policy rule, a failing
// rule and invalid profiles, takes 16 × 2,500 calls; the larger default
// rule set, whose results are ten times the size, takes 16 × 150. Encoding
// every result costs more than the call itself, so these counts keep the
// test under half a minute with the race detector on two cores; -short
// divides them by ten. Half the goroutines pass a context that can be
// cancelled, so that conditions with comprehensions take their
// interruptible path.
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
		{"semantics rules", semantics, semanticsProfiles(), 2_500},
		{"default rules", def, variedProfiles(), 150},
	}
	const goroutines = 16
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := tt.calls
			if testing.Short() {
				calls /= 10
			}
			ctx := context.Background()
			want := make([][]byte, len(tt.profiles))
			outcomes := map[string]int{}
			for i, p := range tt.profiles {
				res, err := tt.eng.Recommend(ctx, p)
				want[i] = bytes.Clone(callOutcome(new(bytes.Buffer), res, err))
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
					var buf bytes.Buffer
					for n := range calls {
						// Each goroutine walks the profiles in its own order.
						i := (g*7919 + n*(2*g+1)) % len(tt.profiles)
						res, err := tt.eng.Recommend(ctx, tt.profiles[i])
						if got := callOutcome(&buf, res, err); !bytes.Equal(got, want[i]) {
							errs <- fmt.Errorf("goroutine %d, call %d, profile %d: outcome differs from the sequential run:\n%s",
								g, n, i, cmp.Diff(string(want[i]), string(got)))
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
