package recommend

import (
	"context"
	"testing"

	"github.com/google/cel-go/cel"
)

var benchProfile = Profile{
	Conditions:     []string{"disc_herniation", "chronic_stiffness"},
	AggravatedBy:   []string{"sitting", "bending_forward"},
	Equipment:      []string{"towel", "bed", "foam_roller"},
	PainLevel:      4,
	DaysSinceOnset: 30,
	SittingHours:   8,
	Age:            45,
}

func benchEngine(b *testing.B) *Engine {
	b.Helper()
	eng, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	return eng
}

// BenchmarkRecommend is the whole call on the default rules: validate,
// evaluate every rule, resolve and build the Result.
func BenchmarkRecommend(b *testing.B) {
	eng := benchEngine(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eng.Recommend(ctx, benchProfile); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecommendCancellable is BenchmarkRecommend with a context that
// can be cancelled, as a server's request context can: conditions with
// comprehensions then run with interrupt checks.
func BenchmarkRecommendCancellable(b *testing.B) {
	eng := benchEngine(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eng.Recommend(ctx, benchProfile); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluate is the evaluate stage alone: the profile converted to
// CEL values once, then every compiled condition.
func BenchmarkEvaluate(b *testing.B) {
	eng := benchEngine(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eng.evaluate(ctx, &benchProfile); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlainCELLoop is the baseline: the same conditions, compiled with
// profile declared as a map, and evaluated the plain way, building the
// input map for every rule.
func BenchmarkPlainCELLoop(b *testing.B) {
	eng := benchEngine(b)
	env, err := cel.NewEnv(cel.Variable("profile", cel.MapType(cel.StringType, cel.DynType)))
	if err != nil {
		b.Fatal(err)
	}
	var prgs []cel.Program
	for _, r := range eng.rules {
		ast, iss := env.Compile(r.when)
		if iss.Err() != nil {
			b.Fatal(iss.Err())
		}
		prg, err := env.Program(ast)
		if err != nil {
			b.Fatal(err)
		}
		prgs = append(prgs, prg)
	}
	p := benchProfile
	b.ReportAllocs()
	for b.Loop() {
		for _, prg := range prgs {
			in := map[string]any{"profile": map[string]any{
				"conditions": p.Conditions, "red_flags": p.RedFlags, "aggravated_by": p.AggravatedBy,
				"equipment": p.Equipment, "pain_level": p.PainLevel, "days_since_onset": p.DaysSinceOnset,
				"sitting_hours": p.SittingHours, "age": p.Age,
			}}
			if _, _, err := prg.Eval(in); err != nil {
				b.Fatal(err)
			}
		}
	}
}
