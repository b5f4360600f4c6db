package recommend

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/rules"
)

// syntheticRules returns a rule set of n rules over the default rule set's
// vocabulary and movements, whose conditions cycle through the default
// rules' conditions, so that it has their mix of shapes, and whose effects
// recommend, avoid or caution a few movements. JSON is YAML, so the file is
// written with encoding/json.
func syntheticRules(tb testing.TB, n int) fstest.MapFS {
	tb.Helper()
	def, err := Default()
	if err != nil {
		tb.Fatal(err)
	}
	var movements []map[string]any
	for _, m := range def.Movements() {
		mv := map[string]any{"id": m.ID, "name": m.Name, "kind": m.Kind, "how": m.How, "dose": m.Dose}
		if len(m.Tags) > 0 {
			mv["tags"] = m.Tags
		}
		if len(m.Equipment) > 0 {
			mv["equipment"] = m.Equipment
		}
		movements = append(movements, mv)
	}
	defRules := def.Rules()
	effects := []string{"recommend", "recommend", "avoid", "caution"}
	var rs []map[string]any
	for i := range n {
		r := defRules[i%len(defRules)]
		m := movements[(i*7)%len(movements)]["id"]
		rs = append(rs, map[string]any{
			"id":                    fmt.Sprintf("rule-%d", i),
			"when":                  r.When,
			effects[i%len(effects)]: []any{m},
			"because":               "A reason.",
			"cite":                  []any{map[string]any{"source": "src", "locator": "Part 1", "claim": "A claim."}},
		})
	}
	// The vocabulary as the engine has it, each red flag with a floor that
	// the synthetic rules, which do not refer, meet.
	vocab := map[string]any{}
	data, err := json.Marshal(def.Vocabulary())
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(data, &vocab); err != nil {
		tb.Fatal(err)
	}
	for _, f := range vocab["red_flags"].([]any) {
		f.(map[string]any)["floor"] = map[string]any{"urgency": "none", "withhold": false}
	}
	fsys := fstest.MapFS{}
	add := func(name string, doc map[string]any) {
		data, err := json.Marshal(doc)
		if err != nil {
			tb.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: data}
	}
	add("base.yaml", map[string]any{
		"sources":    []any{map[string]any{"id": "src", "title": "Source", "publisher": "Publisher", "kind": "guideline"}},
		"vocabulary": vocab,
		"movements":  movements,
	})
	// Files of 1,000 rules, well under DefaultMaxFileSize.
	for i := 0; i < len(rs); i += 1000 {
		add(fmt.Sprintf("rules-%03d.yaml", i/1000), map[string]any{"rules": rs[i:min(i+1000, len(rs))]})
	}
	return fsys
}

// BenchmarkScale is Recommend on synthetic rule sets of growing size.
func BenchmarkScale(b *testing.B) {
	ctx := context.Background()
	p := benchProfiles[0].p
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			eng, err := Load(syntheticRules(b, n))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := eng.Recommend(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad is loading a synthetic rule set of 1,000 rules.
func BenchmarkLoad(b *testing.B) {
	fsys := syntheticRules(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(fsys); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNew is loading the default rule set, as Default does on first
// use (Default then returns the same engine).
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(rules.FS); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecommendParallel is Recommend called from as many goroutines
// as GOMAXPROCS, on the benchmark profiles in turn.
func BenchmarkRecommendParallel(b *testing.B) {
	eng := benchEngine(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := eng.Recommend(ctx, benchProfiles[i%len(benchProfiles)].p); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkConditionsCEL is the evaluate stage on conditions that run as
// CEL, not as direct checks: comprehensions with string functions, and
// membership tests mixed with size().
func BenchmarkConditionsCEL(b *testing.B) {
	fsys := fstest.MapFS{"rules.yaml": {Data: []byte(`
sources:
  - {id: src, title: Source, publisher: Publisher, kind: guideline}
vocabulary:
  conditions:
    - {id: disc_herniation, label: Disc}
    - {id: chronic_stiffness, label: Stiffness}
  aggravated_by:
    - {id: sitting, label: Sitting}
    - {id: lifting, label: Lifting}
movements:
  - {id: m1, name: Movement one, kind: mobility, how: Do it., dose: Once.}
rules:
  - {id: r1, when: "profile.conditions.exists(c, c.startsWith('chronic'))", avoid: [m1], because: Test., cite: [{source: src, locator: Part 1, claim: Test.}]}
  - {id: r2, when: "profile.aggravated_by.all(a, a != 'lifting')", avoid: [m1], because: Test., cite: [{source: src, locator: Part 1, claim: Test.}]}
  - {id: r3, when: "profile.conditions.exists(c, c.endsWith('herniation')) && size(profile.equipment) > 1", avoid: [m1], because: Test., cite: [{source: src, locator: Part 1, claim: Test.}]}
  - {id: r4, when: "profile.aggravated_by.filter(a, a.contains('it')).size() >= 1", avoid: [m1], because: Test., cite: [{source: src, locator: Part 1, claim: Test.}]}
  - {id: r5, when: "size(profile.equipment) > 0 && ('lifting' in profile.aggravated_by || 'sitting' in profile.aggravated_by)", avoid: [m1], because: Test., cite: [{source: src, locator: Part 1, claim: Test.}]}
  - {id: r6, when: "size(profile.conditions) > 0 && 'chronic_stiffness' in profile.conditions", avoid: [m1], because: Test., cite: [{source: src, locator: Part 1, claim: Test.}]}
`)}}
	eng, err := Load(fsys)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	p := benchProfiles[0].p
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eng.evaluate(ctx, &p); err != nil {
			b.Fatal(err)
		}
	}
}

// celRules returns the synthetic rule set of n rules with every condition
// wrapped so that it runs as CEL, not as a direct check: the rule set the
// load-time search for runtime errors works hardest on.
func celRules(tb testing.TB, n int) fstest.MapFS {
	fsys := syntheticRules(tb, n)
	for name, f := range fsys {
		if name == "base.yaml" {
			continue
		}
		var doc map[string][]map[string]any
		if err := json.Unmarshal(f.Data, &doc); err != nil {
			tb.Fatal(err)
		}
		for _, r := range doc["rules"] {
			r["when"] = "size(profile.conditions) >= 0 && (" + r["when"].(string) + ")"
		}
		data, err := json.Marshal(doc)
		if err != nil {
			tb.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: data}
	}
	return fsys
}

// BenchmarkLoadChecks measures what each load-time proof costs: a whole
// Load, then the floor proof and the search for runtime errors alone, on
// the default rules (whose conditions all run as direct checks, which
// cannot fail, so the search has nothing to do) and on 100 rules whose
// conditions all run as CEL.
func BenchmarkLoadChecks(b *testing.B) {
	for _, set := range []struct {
		name string
		fsys fs.FS
	}{{"default", rules.FS}, {"cel-100", celRules(b, 100)}} {
		eng, err := Load(set.fsys)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(set.name+"/load", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Load(set.fsys); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(set.name+"/floors", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c := &compiler{e: eng, iss: &parse.Issues{}}
				c.proveFloors()
				if c.iss.Len() > 0 {
					b.Fatal("floors missed")
				}
			}
		})
		b.Run(set.name+"/runtime-check", func(b *testing.B) {
			b.ReportAllocs()
			evals := 0
			for b.Loop() {
				c := &compiler{e: eng, iss: &parse.Issues{}}
				evals = c.runtimeCheck(make([]*parse.Rule, len(eng.rules)))
				if c.iss.Len() > 0 {
					b.Fatal("runtime errors found")
				}
			}
			b.ReportMetric(float64(evals), "evals/op")
		})
	}
}
