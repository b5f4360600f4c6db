package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestAnalysisKey checks that the analysis key changes with what the
// analysis reads, a rule's condition, and not with the version line, so
// that the memory of rule sets that passed never lets an unanalysed rule
// set through.
func TestAnalysisKey(t *testing.T) {
	load := func(t *testing.T, version string, edit func(string) string) *recommend.Engine {
		t.Helper()
		dir := t.TempDir()
		writeRules(t, dir, version)
		if edit != nil {
			name := filepath.Join(dir, "everyone.yaml")
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, []byte(edit(string(src))), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		eng, err := recommend.Load(os.DirFS(dir))
		if err != nil {
			t.Fatal(err)
		}
		return eng
	}
	key := func(t *testing.T, eng *recommend.Engine) [32]byte {
		t.Helper()
		k, ok := analysisKey(eng)
		if !ok {
			t.Fatal("no analysis key")
		}
		return k
	}
	one := key(t, load(t, "one", nil))
	if two := key(t, load(t, "two", nil)); two != one {
		t.Error("a new version line changes the analysis key")
	}
	changed := load(t, "one", func(s string) string {
		return strings.Replace(s, `when: "profile.sitting_hours >= 6 || 'sitting' in profile.aggravated_by"`,
			`when: "profile.sitting_hours >= 7 || 'sitting' in profile.aggravated_by"`, 1)
	})
	if key(t, changed) == one {
		t.Error("a changed condition keeps the analysis key")
	}
}

// TestAnalysisMemo checks that only rule sets that passed are remembered,
// and that the memory is bounded.
func TestAnalysisMemo(t *testing.T) {
	var m analysisMemo
	for i := range maxPassed + 1 {
		m.add([32]byte{byte(i)})
	}
	if m.has([32]byte{0}) {
		t.Error("the oldest key is still remembered past the bound")
	}
	if !m.has([32]byte{maxPassed}) {
		t.Error("the newest key is forgotten")
	}
	if len(m.keys) != maxPassed {
		t.Errorf("%d keys remembered, want %d", len(m.keys), maxPassed)
	}
}

// TestReloadKeepsRedFlagCodes checks that a reload that takes from a red
// flag a code that stands for it is refused like a lowered floor, though
// the new rules load and pass the analysis, with a problem that names the
// flag and the code, placed at the flag's floor: a code removed, moved to
// another flag or to another system, or a category (subcodes: true) that
// now stands for itself only. A change that keeps every code covered (a
// code added, a category widened, a code folded into a category) is
// taken.
func TestReloadKeepsRedFlagCodes(t *testing.T) {
	const (
		icd    = "http://hl7.org/fhir/sid/icd-10-cm"
		saddle = `    - {id: saddle_numbness, label: Saddle numbness, floor: {urgency: emergency, withhold: true}}` + "\n"
		fever  = `    - {id: fever, label: Fever, floor: {urgency: urgent, withhold: false}}` + "\n"
		// The codes of the serving rules, one a line.
		cauda    = "        - {system: " + icd + ", code: G83.4}\n"
		fracture = "        - {system: " + icd + ", code: S32.0, subcodes: true}\n"
		snomed   = "        - {system: http://snomed.info/sct, code: \"192970008\"}\n"
		feverICD = "        - {system: " + icd + ", code: R50.9}\n"
	)
	serving := `    - id: saddle_numbness
      label: Saddle numbness
      floor: {urgency: emergency, withhold: true}
      codes:
` + cauda + fracture + snomed + `    - id: fever
      label: Fever
      floor: {urgency: urgent, withhold: false}
      codes:
` + feverICD
	lost := func(flag, what string) func(t *testing.T, new *recommend.Engine) ruleProblem {
		return func(t *testing.T, new *recommend.Engine) ruleProblem {
			f := floorOf(t, new, flag)
			return ruleProblem{File: f.File, Line: f.Line, Column: f.Column,
				Problem: "red flag " + flag + ": " + what + " (the flag's floor is declared here)"}
		}
	}
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		// want are the problems expected, each of the new engine; none
		// when the reload must be taken.
		want []func(t *testing.T, new *recommend.Engine) ruleProblem
	}{
		{"code removed", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", cauda, "")
		}, []func(*testing.T, *recommend.Engine) ruleProblem{
			lost("saddle_numbness", `code "G83.4" of `+icd+" is gone"),
		}},
		{"two codes removed", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", cauda+fracture, "")
		}, []func(*testing.T, *recommend.Engine) ruleProblem{
			lost("saddle_numbness", `code "G83.4" of `+icd+" is gone"),
			lost("saddle_numbness", `code "S32.0" of `+icd+" is gone"),
		}},
		{"subcodes dropped", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", fracture, strings.Replace(fracture, ", subcodes: true", "", 1))
		}, []func(*testing.T, *recommend.Engine) ruleProblem{
			lost("saddle_numbness", `code "S32.0" of `+icd+" no longer stands for its subcodes (subcodes: true was dropped)"),
		}},
		{"category narrowed to a subcode", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", fracture, strings.Replace(fracture, "S32.0", "S32.01", 1))
		}, []func(*testing.T, *recommend.Engine) ruleProblem{
			lost("saddle_numbness", `code "S32.0" of `+icd+" is gone"),
		}},
		{"code moved to another red flag", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", cauda, "")
			edit(t, dir, "vocabulary.yaml", feverICD, feverICD+cauda)
		}, []func(*testing.T, *recommend.Engine) ruleProblem{
			lost("saddle_numbness", `code "G83.4" of `+icd+" is gone"),
		}},
		{"code given another system", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", feverICD, strings.Replace(feverICD, icd, "http://hl7.org/fhir/sid/icd-10", 1))
		}, []func(*testing.T, *recommend.Engine) ruleProblem{
			lost("fever", `code "R50.9" of `+icd+" is gone"),
		}},
		{"every code of a flag removed", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", "      codes:\n"+feverICD, "")
		}, []func(*testing.T, *recommend.Engine) ruleProblem{
			lost("fever", `code "R50.9" of `+icd+" is gone"),
		}},
		{"code added", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", feverICD, feverICD+strings.Replace(feverICD, "R50.9", "R50.81", 1))
		}, nil},
		{"category widened", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", fracture, strings.Replace(fracture, "S32.0", "S32", 1))
		}, nil},
		{"code folded into a category", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", cauda, strings.Replace(cauda, "G83.4}", "G83, subcodes: true}", 1))
		}, nil},
		{"code given subcodes", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", cauda, strings.Replace(cauda, "G83.4}", "G83.4, subcodes: true}", 1))
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyDir(t, "testdata/floors")
			edit(t, dir, "vocabulary.yaml", saddle+fever, serving)
			var want func(old, new *recommend.Engine) []ruleProblem
			if tt.want != nil {
				want = func(_, new *recommend.Engine) []ruleProblem {
					var out []ruleProblem
					for _, w := range tt.want {
						out = append(out, w(t, new))
					}
					return out
				}
			}
			checkReload(t, dir, tt.change, want)
		})
	}
}

// TestReloadKeepsDefaultRedFlagCode checks the case that CDS Hooks would
// feel: a reload of the default rules without ICD-10-CM G83.4, cauda
// equina syndrome, under known_serious_spinal_condition, is refused with
// a problem that names the flag and the code, and the running rules,
// which map the code to the flag, keep answering.
func TestReloadKeepsDefaultRedFlagCode(t *testing.T) {
	const (
		flag  = "known_serious_spinal_condition"
		cauda = "        - {system: http://hl7.org/fhir/sid/icd-10-cm, code: G83.4}\n"
	)
	dir := t.TempDir()
	writeRules(t, dir, "codes-1")
	s, logs := newServer(t, Config{Rules: os.DirFS(dir)})
	running := s.Engine()
	edit(t, dir, "vocabulary.yaml", cauda, "")
	changed, err := settle(t, s)
	if changed || err == nil || s.Engine() != running {
		t.Fatalf("Check = %v, %v; want the reload refused and the running rules kept", changed, err)
	}
	h := healthOf(t, s)
	if h.Status != "degraded" || h.ReloadError == nil {
		t.Fatalf("health %+v, want degraded", h)
	}
	f := floorOf(t, loadDir(t, dir), flag)
	want := []ruleProblem{{File: f.File, Line: f.Line, Column: f.Column,
		Problem: `red flag ` + flag + `: code "G83.4" of http://hl7.org/fhir/sid/icd-10-cm is gone (the flag's floor is declared here)`}}
	if diff := cmp.Diff(want, h.ReloadError.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if !strings.Contains(logs.String(), `"msg":"reload refused: keeping the running rules"`) {
		t.Errorf("log: no refused reload:\n%s", logs)
	}
}
