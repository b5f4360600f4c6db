package recommend

import (
	"context"
	"reflect"
	"testing"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
	"github.com/google/cel-go/interpreter"
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

func benchEngine(b testing.TB) *Engine {
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

// benchProfiles are the profiles the Recommend and condition benchmarks
// run on: three ordinary ones and an emergency.
var benchProfiles = []struct {
	name string
	p    Profile
}{
	{"disc", Profile{
		Conditions: []string{"disc_herniation"}, AggravatedBy: []string{"sitting", "bending_forward"},
		Equipment: []string{"towel", "bed", "foam_roller"}, PainLevel: 4, DaysSinceOnset: 30, SittingHours: 8, Age: 45,
	}},
	{"acute", Profile{Conditions: []string{"acute_strain"}, PainLevel: 6, DaysSinceOnset: 2, Age: 30}},
	{"stiffness", Profile{
		Conditions: []string{"chronic_stiffness"}, AggravatedBy: []string{"sitting", "lifting", "twisting"},
		EasedBy: []string{"lying_down"}, Equipment: []string{"towel"}, PainLevel: 3, DaysSinceOnset: 200, SittingHours: 9, Age: 52,
	}},
	{"emergency", Profile{Conditions: []string{"sciatica"}, RedFlags: []string{"saddle_numbness"}, PainLevel: 8, DaysSinceOnset: 1, Age: 60}},
}

// BenchmarkRecommendProfiles is the whole call on each of benchProfiles.
func BenchmarkRecommendProfiles(b *testing.B) {
	eng := benchEngine(b)
	ctx := context.Background()
	for _, bp := range benchProfiles {
		b.Run(bp.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := eng.Recommend(ctx, bp.p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkConditions is our evaluation of every rule's condition alone,
// on each of benchProfiles: the counterpart of BenchmarkNaiveCEL.
func BenchmarkConditions(b *testing.B) {
	eng := benchEngine(b)
	ctx := context.Background()
	for _, bp := range benchProfiles {
		b.Run(bp.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := eng.evaluate(ctx, &bp.p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNaiveCEL is the baseline: what a competent developer writes with
// cel-go alone. The profile type is declared once through ext.NativeTypes,
// one program is compiled per rule, and every program runs against one
// activation per call.
func BenchmarkNaiveCEL(b *testing.B) {
	eng := benchEngine(b)
	env, err := cel.NewEnv(
		ext.NativeTypes(reflect.TypeOf(Profile{}), ext.ParseStructTag("json")),
		cel.Variable("profile", cel.ObjectType("recommend.Profile")),
		cel.CrossTypeNumericComparisons(true),
	)
	if err != nil {
		b.Fatal(err)
	}
	var prgs []cel.Program
	for _, r := range eng.Rules() {
		ast, iss := env.Compile(r.When)
		if iss.Err() != nil {
			b.Fatalf("rule %s: %v", r.ID, iss.Err())
		}
		prg, err := env.Program(ast)
		if err != nil {
			b.Fatal(err)
		}
		prgs = append(prgs, prg)
	}
	for _, bp := range benchProfiles {
		b.Run(bp.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				act, err := interpreter.NewActivation(map[string]any{"profile": bp.p})
				if err != nil {
					b.Fatal(err)
				}
				for _, prg := range prgs {
					out, _, err := prg.Eval(act)
					if err != nil {
						b.Fatal(err)
					}
					_ = out
				}
			}
		})
	}
}
