package recommend_test

import (
	"bytes"
	"context"
	"fmt"
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

// TestConcurrentRecommend calls one engine from many goroutines and checks
// every result against a sequential run. Run it with -race.
func TestConcurrentRecommend(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	profiles := variedProfiles()
	render := func(p recommend.Profile) (string, error) {
		res, err := eng.Recommend(context.Background(), p)
		if err != nil {
			return "", err
		}
		var b bytes.Buffer
		err = recommend.WriteJSON(&b, res)
		return b.String(), err
	}
	want := make([]string, len(profiles))
	for i, p := range profiles {
		if want[i], err = render(p); err != nil {
			t.Fatal(err)
		}
	}
	const goroutines = 16
	calls := 50
	if testing.Short() {
		calls = 10
	}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range calls {
				i := (g*calls + n) % len(profiles)
				got, err := render(profiles[i])
				if err != nil {
					errs <- err
					return
				}
				if got != want[i] {
					errs <- fmt.Errorf("goroutine %d, profile %d: result differs from the sequential run", g, i)
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
}
