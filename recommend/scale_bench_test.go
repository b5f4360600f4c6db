package recommend

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/rules"
)

// syntheticRules returns a rule set of n rules: the default rule set as
// it is (its sources, vocabulary with the red flags' floors, movements,
// progressions and rules, referral rules included, so that Load proves the
// floors as it does for the default set), and n minus its rules more. The
// added rules cycle through the default rules' distinct conditions, so
// that the set has their mix of shapes, each joined with a test of one
// vocabulary value, "&& !('x' in profile.F)" or "|| 'x' in profile.F", that
// makes it a condition no other rule has (Load compiles each distinct
// condition once), about 30 characters longer than the condition it
// comes from; its effect recommends, avoids or cautions a movement. JSON
// is YAML, so the added files are written with encoding/json.
func syntheticRules(tb testing.TB, n int) fstest.MapFS {
	tb.Helper()
	def, err := Default()
	if err != nil {
		tb.Fatal(err)
	}
	fsys := fstest.MapFS{}
	err = fs.WalkDir(rules.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !parse.IsRuleFile(name) {
			return err
		}
		data, err := fs.ReadFile(rules.FS, name)
		fsys[name] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	var movements []string
	for _, m := range def.Movements() {
		movements = append(movements, m.ID)
	}
	// Every value of every profile list, as a test of the list.
	voc := def.Vocabulary()
	var tests []string
	for _, f := range []struct {
		name  string
		terms []Term
	}{{"conditions", voc.Conditions}, {"aggravated_by", voc.AggravatedBy}, {"eased_by", voc.EasedBy}, {"equipment", voc.Equipment}, {"red_flags", voc.RedFlags}} {
		for _, t := range f.terms {
			tests = append(tests, fmt.Sprintf("'%s' in profile.%s", t.ID, f.name))
		}
	}
	seen := map[string]bool{}
	var whens []string
	for _, r := range def.Rules() {
		if !seen[r.When] {
			whens = append(whens, r.When)
		}
		seen[r.When] = true
	}
	nDefault := len(def.Rules())
	if most := 2 * len(tests) * len(whens); n-nDefault > most {
		tb.Fatalf("the synthetic rules make at most %d distinct conditions, fewer than %d", most, n-nDefault)
	}
	effects := []string{"recommend", "recommend", "avoid", "caution"}
	var rs []map[string]any
	for i := range max(n-nDefault, 0) {
		m := i / len(whens)
		form := "(%s) && !(%s)"
		if m >= len(tests) {
			form = "(%s) || %s"
		}
		when := fmt.Sprintf(form, whens[i%len(whens)], tests[m%len(tests)])
		if seen[when] {
			tb.Fatalf("condition %q made twice", when)
		}
		seen[when] = true
		rs = append(rs, map[string]any{
			"id":                    fmt.Sprintf("synthetic-%d", i),
			"when":                  when,
			effects[i%len(effects)]: []any{movements[(i*7)%len(movements)]},
			"because":               "A reason.",
			"cite":                  []any{map[string]any{"source": "synthetic", "locator": "Part 1", "claim": "A claim."}},
		})
	}
	add := func(name string, doc map[string]any) {
		data, err := json.Marshal(doc)
		if err != nil {
			tb.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: data}
	}
	add("synthetic/sources.yaml", map[string]any{
		"sources": []any{map[string]any{"id": "synthetic", "title": "Source", "publisher": "Publisher", "kind": "guideline"}},
	})
	// Files of 1,000 rules, well under DefaultMaxFileSize.
	for i := 0; i < len(rs); i += 1000 {
		add(fmt.Sprintf("synthetic/rules-%03d.yaml", i/1000), map[string]any{"rules": rs[i:min(i+1000, len(rs))]})
	}
	return fsys
}

// BenchmarkScale is Recommend on synthetic rule sets of growing size
// (syntheticRules), with its cost per rule.
func BenchmarkScale(b *testing.B) {
	ctx := context.Background()
	p := benchProfiles[0].p
	for _, n := range []int{1000, 3000, 10000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			eng, err := Load(syntheticRules(b, n))
			if err != nil {
				b.Fatal(err)
			}
			if len(eng.rules) != n {
				b.Fatalf("%d rules, want %d", len(eng.rules), n)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := eng.Recommend(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/rule")
		})
	}
}

// BenchmarkLoad is loading a synthetic rule set (syntheticRules) of 1,000
// and of 10,000 rules, each with its own condition: everything Load does,
// the floor proofs and the search for runtime errors included.
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			fsys := syntheticRules(b, n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Load(fsys); err != nil {
					b.Fatal(err)
				}
			}
		})
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
  - {id: m1, name: Movement one, kind: mobility, how: Do it., dose: Once., pose: {base: standing, start: {}, end: {}}}
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

// celRules returns the default rule set with n synthetic rules added
// (syntheticRules), each added condition wrapped so that it runs as CEL,
// not as a direct check: the rule set the load-time search for runtime
// errors works hardest on.
func celRules(tb testing.TB, n int) fstest.MapFS {
	def, err := Default()
	if err != nil {
		tb.Fatal(err)
	}
	fsys := syntheticRules(tb, len(def.rules)+n)
	for name, f := range fsys {
		if !strings.HasPrefix(name, "synthetic/rules-") {
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
// cannot fail, so the search has nothing to do) and on the default rules
// with 100 more whose conditions all run as CEL.
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
