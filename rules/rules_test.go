package rules_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/backrules/backrules/internal/casefile"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/rules"
	"github.com/backrules/backrules/rules/internal/guidedoc"
	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

func defaultEngine(t testing.TB) *recommend.Engine {
	t.Helper()
	eng, err := recommend.Default()
	if err != nil {
		t.Fatalf("load the default rules: %v", err)
	}
	return eng
}

// TestCases runs every case in testdata/cases against the default rules.
func TestCases(t *testing.T) {
	eng := defaultEngine(t)
	cases, err := casefile.LoadFS(os.DirFS("../testdata/cases"), ".", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 40 {
		t.Errorf("found %d cases in testdata/cases, want at least 40", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), c.Profile)
			if err != nil {
				t.Fatalf("%s:%d: %v", c.File, c.Line, err)
			}
			want := c.Expect
			got := casefile.Observe(want, res)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s:%d: advice does not meet the case (-want +got):\n%s", c.File, c.Line, diff)
			}
		})
	}
}

// movementInfo is what the invariants need to know about a movement beyond
// what a Result item says.
type movementInfo struct {
	ID        string   `yaml:"id"`
	Kind      string   `yaml:"kind"`
	Tags      []string `yaml:"tags"`
	Equipment []string `yaml:"equipment"`
}

// loadMovements reads the movements declared in the default rule files.
func loadMovements(t testing.TB) map[string]movementInfo {
	t.Helper()
	out := map[string]movementInfo{}
	err := fs.WalkDir(rules.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(name) != ".yaml" {
			return err
		}
		data, err := fs.ReadFile(rules.FS, name)
		if err != nil {
			return err
		}
		var f struct {
			Movements []movementInfo `yaml:"movements"`
		}
		if err := yaml.Unmarshal(data, &f); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		for _, m := range f.Movements {
			out[m.ID] = m
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no movements found in the default rules")
	}
	return out
}

// aggravates maps each aggravated_by value to the movements it rules out, by
// tag or kind, as personalisation.yaml does. lifting rules nothing out: no
// movement loads the back the way lifting does.
var aggravates = map[string]struct{ tag, kind, movement string }{
	"stretching":       {kind: "stretch"},
	"bending_forward":  {tag: "lumbar_flexion"},
	"bending_backward": {tag: "lumbar_extension"},
	"twisting":         {tag: "lumbar_rotation"},
	"foam_rolling":     {kind: "self_massage"},
	"sitting":          {movement: "sofa_decompression"},
	"standing":         {tag: "prolonged_standing"},
}

var (
	allConditions  = []string{"disc_herniation", "acute_strain", "chronic_stiffness", "sciatica", "spinal_stenosis", "degenerative_disc_disease"}
	emergencyFlags = []string{"bladder_bowel_dysfunction", "saddle_numbness"}
	redFlagSets    = [][]string{
		nil,
		{"bladder_bowel_dysfunction"},
		{"saddle_numbness"},
		{"leg_weakness"},
		{"severe_pain_after_injury"},
		{"pain_below_knee", "leg_numbness_or_tingling"},
		{"no_improvement_with_self_care"},
		{"night_pain", "fever_or_chills", "unexplained_weight_loss"},
	}
	aggravatorSets = [][]string{
		nil,
		{"stretching"}, {"bending_forward"}, {"bending_backward"}, {"twisting"},
		{"sitting"}, {"standing"}, {"lifting"}, {"foam_rolling"},
		{"bending_forward", "twisting"},
		{"bending_backward", "standing"},
		{"stretching", "foam_rolling", "sitting", "lifting"},
	}
	equipmentSets = [][]string{
		nil,
		{"towel", "bed", "sofa", "foam_roller", "standing_desk"},
		{"foam_roller", "massage_ball", "towel", "bed", "sofa", "inversion_table", "back_stretcher", "standing_desk", "resistance_band", "exercise_mat"},
	}
	painLevels   = []int{0, 3, 8}
	sittingHours = []float64{0, 9.5}
)

// invariantProfiles builds every subset of the conditions crossed with the
// samples of red flags, aggravators and equipment; pain level and sitting
// hours vary from profile to profile.
func invariantProfiles() []recommend.Profile {
	var out []recommend.Profile
	for mask := 0; mask < 1<<len(allConditions); mask++ {
		var conds []string
		for i, c := range allConditions {
			if mask&(1<<i) != 0 {
				conds = append(conds, c)
			}
		}
		for _, rf := range redFlagSets {
			for _, ag := range aggravatorSets {
				for _, eq := range equipmentSets {
					n := len(out)
					out = append(out, recommend.Profile{
						Conditions:   conds,
						RedFlags:     rf,
						AggravatedBy: ag,
						Equipment:    eq,
						PainLevel:    painLevels[n%len(painLevels)],
						SittingHours: sittingHours[(n/len(painLevels))%len(sittingHours)],
					})
				}
			}
		}
	}
	return out
}

// TestInvariants checks the safety properties of the default rules over
// thousands of profiles.
func TestInvariants(t *testing.T) {
	eng := defaultEngine(t)
	movements := loadMovements(t)
	sources := map[string]bool{}
	for _, s := range eng.Sources() {
		sources[s.ID] = true
	}
	profiles := invariantProfiles()
	t.Logf("checking invariants over %d profiles (%d condition subsets x %d red flag sets x %d aggravator sets x %d equipment sets)",
		len(profiles), 1<<len(allConditions), len(redFlagSets), len(aggravatorSets), len(equipmentSets))

	// Check in parallel; report at most a few failures per invariant.
	const workers = 4
	var (
		mu       sync.Mutex
		failures = map[string]int{}
		wg       sync.WaitGroup
	)
	report := func(p recommend.Profile, invariant, format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures[invariant]++
		if failures[invariant] <= 3 {
			t.Errorf("%s: profile %+v: %s", invariant, p, fmt.Sprintf(format, args...))
		}
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(profiles); i += workers {
				p := profiles[i]
				res, err := eng.Recommend(context.Background(), p)
				if err != nil {
					report(p, "evaluates", "%v", err)
					continue
				}
				checkResult(p, res, movements, sources, report)
			}
		}()
	}
	wg.Wait()
	for inv, n := range failures {
		t.Errorf("invariant %q failed for %d of %d profiles", inv, n, len(profiles))
	}
}

func checkResult(p recommend.Profile, res *recommend.Result, movements map[string]movementInfo, sources map[string]bool,
	report func(p recommend.Profile, invariant, format string, args ...any)) {
	// No movement is both recommended and avoided.
	avoided := map[string]bool{}
	for _, it := range res.Avoided {
		avoided[it.Movement] = true
	}
	for _, it := range res.Recommended {
		if avoided[it.Movement] {
			report(p, "recommended and avoided", "%s is both", it.Movement)
		}
	}

	// Every item is cited, and every cited source exists.
	checkCites := func(what string, cites []recommend.Citation) {
		if len(cites) == 0 {
			report(p, "cited", "%s has no citation", what)
		}
		for _, c := range cites {
			if !sources[c.Source] {
				report(p, "cited", "%s cites unknown source %q", what, c.Source)
			}
		}
	}
	for _, it := range res.Recommended {
		checkCites("recommended "+it.Movement, it.Citations)
	}
	for _, it := range res.Avoided {
		checkCites("avoided "+it.Movement, it.Citations)
	}
	for _, r := range res.Referrals {
		checkCites("referral "+strings.Join(r.Rules, ","), r.Citations)
	}
	for _, c := range res.Conflicts {
		checkCites("conflict "+c.Movement+" (for)", c.For.Citations)
		checkCites("conflict "+c.Movement+" (against)", c.Against.Citations)
	}

	// An emergency red flag always gives an emergency referral with nothing
	// recommended.
	if slices.ContainsFunc(p.RedFlags, func(f string) bool { return slices.Contains(emergencyFlags, f) }) {
		switch {
		case len(res.Referrals) == 0 || res.Referrals[0].Urgency != recommend.Emergency:
			report(p, "emergency", "top referral is not an emergency: %+v", res.Referrals)
		case !res.Withheld || len(res.Recommended) != 0:
			report(p, "emergency", "advice not withheld: withheld=%v, %d recommended", res.Withheld, len(res.Recommended))
		}
	}
	if res.Withheld && len(res.Recommended) != 0 {
		report(p, "withheld", "withheld but %d recommended", len(res.Recommended))
	}

	// No lumbar-flexion movement is recommended with a disc herniation
	// unless a rule cautions it.
	if slices.Contains(p.Conditions, "disc_herniation") || slices.Contains(p.Conditions, "degenerative_disc_disease") {
		for _, it := range res.Recommended {
			if slices.Contains(movements[it.Movement].Tags, "lumbar_flexion") && len(it.Cautions) == 0 {
				report(p, "disc flexion", "%s rounds the lower back and is recommended without a caution", it.Movement)
			}
		}
	}

	// Nothing is recommended without its equipment.
	for _, it := range res.Recommended {
		m, ok := movements[it.Movement]
		if !ok {
			report(p, "known movement", "%s is not in movements.yaml", it.Movement)
			continue
		}
		for _, eq := range m.Equipment {
			if !slices.Contains(p.Equipment, eq) {
				report(p, "equipment", "%s needs %s", it.Movement, eq)
			}
		}
	}

	// Nothing the person reports as aggravating is recommended.
	for _, a := range p.AggravatedBy {
		sel, ok := aggravates[a]
		if !ok {
			continue
		}
		for _, it := range res.Recommended {
			m := movements[it.Movement]
			if (sel.tag != "" && slices.Contains(m.Tags, sel.tag)) ||
				(sel.kind != "" && m.Kind == sel.kind) ||
				(sel.movement != "" && it.Movement == sel.movement) {
				report(p, "aggravator", "%s is recommended although %s aggravates", it.Movement, a)
			}
		}
	}
}

// TestEveryMovementReachable checks that each movement in movements.yaml
// is recommended or avoided by some single-condition profile, or is the
// subject of a rule, so that no movement is dead weight.
func TestEveryMovementReachable(t *testing.T) {
	eng := defaultEngine(t)
	movements := loadMovements(t)
	seen := map[string]bool{}
	all := equipmentSets[len(equipmentSets)-1]
	for _, p := range invariantProfiles() {
		if len(p.RedFlags) > 0 || len(p.Conditions) > 2 {
			continue
		}
		p.Equipment = all
		res, err := eng.Recommend(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Recommended {
			seen[it.Movement] = true
		}
		for _, it := range res.Avoided {
			seen[it.Movement] = true
		}
	}
	for id := range movements {
		if !seen[id] {
			t.Errorf("movement %s is never recommended or avoided", id)
		}
	}
}

// TestGuidanceUpToDate regenerates GUIDANCE.md in memory and compares it with
// the committed file.
func TestGuidanceUpToDate(t *testing.T) {
	eng := defaultEngine(t)
	want, err := guidedoc.Generate(context.Background(), eng, rules.FS)
	if err != nil {
		t.Fatal(err)
	}
	again, err := guidedoc.Generate(context.Background(), eng, rules.FS)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, again) {
		t.Fatal("the guidance generator is not deterministic: two runs differ")
	}
	got, err := os.ReadFile("GUIDANCE.md")
	if err != nil {
		t.Fatalf("rules/GUIDANCE.md is missing: run go generate ./rules (%v)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("rules/GUIDANCE.md is stale: run go generate ./rules\n(-file +generated):\n%s",
			cmp.Diff(strings.Split(string(got), "\n"), strings.Split(string(want), "\n")))
	}
}
