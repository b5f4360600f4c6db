package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
// another flag or to another system, a category (subcodes: true) that
// now stands for itself only, counts_when_past dropped (a Condition of
// the flag no longer active would no longer raise it), or the flag's
// label put in other words (a page whose checkbox says "None of these"
// would lose the emergency of every person who passes it by), or a name
// of its also_called dropped that no other of its names covers (text the
// server cannot read that calls it so would no longer count it). A change
// that keeps every code covered (a
// code added, a category widened, a code folded into a category,
// counts_when_past added, an also_called name respelt or added) is
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
      also_called: [perineal numbness, saddle anaesthesia]
      codes:
` + cauda + fracture + snomed + `    - id: fever
      label: Fever
      floor: {urgency: urgent, withhold: false}
      counts_when_past: true
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
		{"counts_when_past dropped", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", "      counts_when_past: true\n", "")
		}, []func(*testing.T, *recommend.Engine) ruleProblem{
			func(t *testing.T, new *recommend.Engine) ruleProblem {
				f := floorOf(t, new, "fever")
				return ruleProblem{File: f.File, Line: f.Line, Column: f.Column,
					Problem: "red flag fever: counts_when_past: true was dropped, so a Condition of it no longer active would no longer raise it (the flag's floor is declared here)"}
			},
		}},
		{"label in other words", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", "      label: Saddle numbness\n", "      label: None of these\n")
		}, []func(*testing.T, *recommend.Engine) ruleProblem{
			lost("saddle_numbness", "its label is in other words, which the page's checkbox and the floor's own referral would say"),
		}},
		{"made a risk factor", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", "      label: Saddle numbness\n", "      label: Saddle numbness\n      risk_factor: true\n")
		}, []func(*testing.T, *recommend.Engine) ruleProblem{
			lost("saddle_numbness", "risk_factor: true was added, so a chart of it alone would get its cards framed as if back pain were reported"),
		}},
		{"an also_called name dropped", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", "[perineal numbness, saddle anaesthesia]", "[saddle anaesthesia]")
		}, []func(*testing.T, *recommend.Engine) ruleProblem{
			lost("saddle_numbness", "1 name of its also_called would no longer name it, so text the server cannot read, or a chart Condition it cannot map, that calls it so would no longer count it"),
		}},
		{"also_called dropped", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", "      also_called: [perineal numbness, saddle anaesthesia]\n", "")
		}, []func(*testing.T, *recommend.Engine) ruleProblem{
			lost("saddle_numbness", "2 names of its also_called would no longer name it, so text the server cannot read, or a chart Condition it cannot map, that calls it so would no longer count it"),
		}},
		{"an also_called name respelt, another added", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", "[perineal numbness, saddle anaesthesia]", "[Perineal-Numbness, saddle anaesthesia, saddle anesthesia]")
		}, nil},
		{"an also_called name moved into the label", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", "[perineal numbness, saddle anaesthesia]", "[saddle anaesthesia]")
			edit(t, dir, "vocabulary.yaml", "      label: Saddle numbness\n", "      label: \"Saddle numbness: perineal numbness\"\n")
		}, []func(*testing.T, *recommend.Engine) ruleProblem{
			lost("saddle_numbness", "its label is in other words, which the page's checkbox and the floor's own referral would say"),
		}},
		{"counts_when_past added", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", "      floor: {urgency: emergency, withhold: true}\n", "      floor: {urgency: emergency, withhold: true}\n      counts_when_past: true\n")
		}, nil},
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

// TestReloadKeepsConditionCodes checks that a reload that takes from a
// condition a code that stands for it is refused, as for a red flag's
// code (TestReloadKeepsRedFlagCodes): the CDS Hooks service maps coded
// Conditions to the vocabulary by these codes, and a condition can change
// a referral (sciatica after a cancer is an emergency) or the advice. A
// code removed, a category narrowed, a condition with codes removed, or
// counts_when_past dropped is refused; a code added is taken.
func TestReloadKeepsConditionCodes(t *testing.T) {
	const (
		icd     = "http://hl7.org/fhir/sid/icd-10-cm"
		strain  = `    - {id: strain, label: Strain}` + "\n"
		sprain  = "        - {system: " + icd + ", code: S33.5, subcodes: true}\n"
		snomed  = "        - {system: http://snomed.info/sct, code: \"44465007\"}\n"
		serving = `    - id: strain
      label: Strain
      counts_when_past: true
      codes:
` + sprain + snomed
	)
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		// want are the problems expected; none when the reload must be
		// taken.
		want []ruleProblem
	}{
		{"code removed", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", snomed, "")
		}, []ruleProblem{{Problem: `condition strain: code "44465007" of http://snomed.info/sct is gone`}}},
		{"subcodes dropped", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", sprain, strings.Replace(sprain, ", subcodes: true", "", 1))
		}, []ruleProblem{{Problem: `condition strain: code "S33.5" of ` + icd + ` no longer stands for its subcodes (subcodes: true was dropped)`}}},
		{"every code removed", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", "      codes:\n"+sprain+snomed, "")
		}, []ruleProblem{
			{Problem: `condition strain: code "S33.5" of ` + icd + ` is gone`},
			{Problem: `condition strain: code "44465007" of http://snomed.info/sct is gone`},
		}},
		{"counts_when_past dropped", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", "      counts_when_past: true\n", "")
		}, []ruleProblem{{Problem: "condition strain: counts_when_past: true was dropped, so a Condition of it no longer active would no longer raise it"}}},
		{"condition removed", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", serving, "    - {id: other, label: Other}\n")
			edit(t, dir, "rules.yaml", "'strain' in profile.conditions", "'other' in profile.conditions")
		}, []ruleProblem{{Problem: "condition strain is gone, and with it 2 codes that stood for it"}}},
		{"code added", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", snomed, snomed+strings.Replace(snomed, "44465007", "20021007", 1))
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyDir(t, "testdata/floors")
			edit(t, dir, "vocabulary.yaml", strain, serving)
			var want func(old, new *recommend.Engine) []ruleProblem
			if tt.want != nil {
				want = func(_, _ *recommend.Engine) []ruleProblem { return tt.want }
			}
			checkReload(t, dir, tt.change, want)
		})
	}
}

// TestReloadKeepsReferralConditionLabels checks that a reload of the
// default rules that puts in other words the label of a condition that
// can change a referral (sciatica: beside a past cancer, an emergency) is
// refused, as a red flag's label is: the page's checkbox says it. The
// label of a condition no referral rule reads is a reload.
func TestReloadKeepsReferralConditionLabels(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []ruleProblem // nil: the reload is taken
	}{
		{"a referral condition", "      label: Sciatica (pain running down the leg)\n", "      label: None of these\n",
			[]ruleProblem{{Problem: "condition sciatica, which can change a referral: its label is in other words, which the page's checkbox would say"}}},
		{"a condition no referral reads", "{id: chronic_stiffness, label: Chronic lower-back stiffness}", "{id: chronic_stiffness, label: Stiff lower back}", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeRules(t, dir, "labels-1")
			s, _ := newServer(t, Config{Rules: os.DirFS(dir)})
			edit(t, dir, "vocabulary.yaml", tt.old, tt.new)
			changed, err := s.Reload()
			if tt.want == nil {
				if !changed || err != nil {
					t.Fatalf("Reload = %v, %v; want it taken", changed, err)
				}
				return
			}
			if changed || err == nil {
				t.Fatalf("Reload = %v, %v; want it refused", changed, err)
			}
			h := healthOf(t, s)
			if h.ReloadError == nil {
				t.Fatalf("health %+v, want degraded", h)
			}
			if diff := cmp.Diff(tt.want, h.ReloadError.Problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReloadKeepsDefaultConditionCode is the case CDS Hooks felt: with
// the default rules, a chart with a past cancer (Z85.3) and sciatica by
// its SNOMED CT code (23056005) gets the emergency card of suspected
// spinal cord compression. A reload without that code was taken, and the
// same chart then got a warning card (the cancer alone): the emergency
// was lost while /healthz said "ok". It is refused, and the running rules
// keep the emergency.
func TestReloadKeepsDefaultConditionCode(t *testing.T) {
	const (
		code  = "        - {system: http://snomed.info/sct, code: \"23056005\"}\n"
		chart = `{"hookInstance":"7c2e1f3a-9b8d-4c6e-8f0a-1b2c3d4e5f60","hook":"patient-view","context":{"userId":"Practitioner/x","patientId":"p1"},
"prefetch":{"pastConditions":null,"patient":{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1965-01-01"},
"conditions":{"resourceType":"Bundle","type":"searchset","entry":[
{"resource":{"resourceType":"Condition","id":"c1","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"Z85.3"}]},"subject":{"reference":"Patient/p1"}}},
{"resource":{"resourceType":"Condition","id":"c2","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"code":{"coding":[{"system":"http://snomed.info/sct","code":"23056005"}]},"subject":{"reference":"Patient/p1"}}}]}}}`
	)
	dir := t.TempDir()
	writeRules(t, dir, "codes-1")
	s, _ := newServer(t, Config{Rules: os.DirFS(dir)})
	indicators := func() []string {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/cds-services/backrules", strings.NewReader(chart))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		var resp struct {
			Cards []struct {
				Indicator string `json:"indicator"`
			} `json:"cards"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("status %d: %v: %s", rec.Code, err, rec.Body)
		}
		var out []string
		for _, c := range resp.Cards {
			out = append(out, c.Indicator)
		}
		return out
	}
	want := indicators()
	if len(want) == 0 || want[0] != "critical" {
		t.Fatalf("cards %v before the reload, want a critical card first", want)
	}
	edit(t, dir, "vocabulary.yaml", code, "")
	changed, err := s.Reload()
	if changed || err == nil {
		t.Errorf("Reload = %v, %v; want it refused", changed, err)
	}
	if diff := cmp.Diff(want, indicators()); diff != "" {
		t.Errorf("card indicators after the reload (-want +got):\n%s", diff)
	}
	h := healthOf(t, s)
	if h.Status != "degraded" || h.ReloadError == nil {
		t.Fatalf("health %+v, want degraded", h)
	}
	wantProblems := []ruleProblem{{Problem: `condition sciatica: code "23056005" of http://snomed.info/sct is gone`}}
	if diff := cmp.Diff(wantProblems, h.ReloadError.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestReloadKeepsProgrammeReviews checks that a reload of the default
// rules that deletes a programme review (a progression rule with a
// referral), takes its referral away, makes it less urgent or changes its
// condition is refused, placed where the running rules declare the rule,
// though the new rules pass the analysis and give no profile without
// check-ins less; that the running rules go on calling for the review;
// and that a review made more urgent is taken. The review a reviewer
// deleted, progress-review-worsening, was taken before.
func TestReloadKeepsProgrammeReviews(t *testing.T) {
	const (
		worsening    = "progress-review-worsening"
		notImproving = "progress-review-not-improving"
	)
	var (
		referral = regexp.MustCompile(`(?m)^    refer:\n(?:      .*\n)*`)
		when     = regexp.MustCompile(`(?m)^(    when: )(.*)$`)
	)
	// rising is a history whose pain rose at each of the last two
	// check-ins, to 5: progress-review-worsening calls for a routine
	// review.
	rising := recommend.Profile{CheckIns: []recommend.CheckIn{
		{Day: 0, PainLevel: 3, Done: []recommend.Done{{Movement: "walking", Sessions: 3, Response: recommend.ResponseSame}}},
		{Day: 7, PainLevel: 4, Done: []recommend.Done{{Movement: "walking", Sessions: 3, Response: recommend.ResponseSame}}},
		{Day: 14, PainLevel: 5, Done: []recommend.Done{{Movement: "walking", Sessions: 3, Response: recommend.ResponseSame}}},
	}}
	placed := func(t *testing.T, old *recommend.Engine, id, text string) ruleProblem {
		for _, r := range old.ProgressRules() {
			if r.ID == id {
				return ruleProblem{File: r.File, Line: r.Line, Problem: text}
			}
		}
		t.Fatalf("no progression rule %s", id)
		return ruleProblem{}
	}
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		// problem is the refusal's one problem, or "" when the reload
		// must be taken; rule is the rule it places.
		rule, problem string
		// rising is true when the new rules no longer refer rising.
		rising bool
		short  bool
	}{
		{"the worsening review deleted", func(t *testing.T, dir string) { cutRule(t, dir, "progress.yaml", worsening) },
			worsening, "progression rule " + worsening + ", which called for a routine review, is gone (it was declared here)", true, true},
		{"the worsening review's referral removed", func(t *testing.T, dir string) {
			editRule(t, dir, "progress.yaml", worsening, func(r string) string { return referral.ReplaceAllLiteralString(r, "    step: hold\n") })
		}, worsening, "progression rule " + worsening + " no longer calls for a review (it called for a routine one)", true, false},
		{"the six-week review's condition narrowed", func(t *testing.T, dir string) {
			editRule(t, dir, "progress.yaml", notImproving, func(r string) string { return when.ReplaceAllString(r, "${1}(${2}) && programme.weeks >= 8") })
		}, notImproving, "progression rule " + notImproving + ", which calls for a routine review, has a changed condition: " +
			"a reload does not replay check-ins, so it may call for the review less often", false, false},
		{"the worsening review made urgent", func(t *testing.T, dir string) {
			editRule(t, dir, "progress.yaml", worsening, func(r string) string {
				return strings.Replace(r, "      urgency: routine\n", "      urgency: urgent\n", 1)
			})
		}, "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && !tt.short {
				t.Skip("-short: the deleted review is checked")
			}
			dir := t.TempDir()
			writeRules(t, dir, "reviews-1")
			var want func(old, new *recommend.Engine) []ruleProblem
			if tt.rule != "" {
				want = func(old, _ *recommend.Engine) []ruleProblem {
					return []ruleProblem{placed(t, old, tt.rule, tt.problem)}
				}
			}
			s, _, eng := checkReload(t, dir, tt.change, want)
			if tt.rule == "" {
				return
			}
			if h := healthOf(t, s); !strings.HasPrefix(h.ReloadError.Message, "the new rules ") ||
				!strings.HasSuffix(h.ReloadError.Message, ": restart the server to make such a change deliberately") ||
				!strings.Contains(h.ReloadError.Message, "progression rule "+tt.rule) {
				t.Errorf("/healthz message %q: want it to name progression rule %s and the restart", h.ReloadError.Message, tt.rule)
			}
			if !tt.rising {
				return
			}
			if u, _ := referralsOf(t, s, rising); !slices.Contains(u, recommend.UrgencyRoutine) {
				t.Errorf("rising pain after the refused reload: referrals %v, want the routine review", u)
			}
			if now := outcomeOf(t, eng, rising); now.Urgency != "" {
				t.Errorf("rising pain: the new rules give %v, want no review (the edit lowers it)", now)
			}
		})
	}
}

// TestReloadRefusesTruncatedComparison checks that a reload whose
// comparison with the running rules was cut at
// recommend.MaxAnalyzeProfiles (ReferralComparison.Truncated) is refused,
// naming the bound, though it found nothing lowered. The comparison is
// the real one, marked cut short: recommend's
// TestCompareReferralsTruncated checks that a space past the bound sets
// the mark.
func TestReloadRefusesTruncatedComparison(t *testing.T) {
	compareReferrals = func(ctx context.Context, old, eng *recommend.Engine) (*recommend.ReferralComparison, error) {
		c, err := recommend.CompareReferrals(ctx, old, eng)
		if c != nil {
			c.Truncated = true
		}
		return c, err
	}
	t.Cleanup(func() { compareReferrals = recommend.CompareReferrals })
	eng := loadDir(t, copyDir(t, "testdata/floors"))
	r := keepsSafety(t.Context(), eng, eng)
	if r == nil {
		t.Fatal("keepsSafety = nil: a comparison cut short was taken for nothing lowered")
	}
	const want = "the new rules could not be compared in full with the running rules: the comparison stopped at recommend.MaxAnalyzeProfiles " +
		"(200000 profiles of the running rules' analysed space), so the profiles past it were not compared, and one of them could get less: " +
		"restart the server to serve them"
	if diff := cmp.Diff(want, r.summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]ruleProblem{{Problem: truncatedText}}, r.problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	// Not cut short, the same rules are taken.
	compareReferrals = recommend.CompareReferrals
	if r := keepsSafety(t.Context(), eng, eng); r != nil {
		t.Errorf("keepsSafety of the rules with themselves = %v, want nil", r)
	}
}

// TestReloadReportsFloorOnce checks that a red flag's floor lowered or
// gone is one problem, the floor check's, not that and a lowering that
// involves the floor too: the running rules' fever rule leaves out fever
// at the ages 3, 10, 17 and so on, which only the floor refers, so the
// comparison sees such a profile lowered by the floor alone. (Arithmetic
// on the age hides those ages from the floor proof at load, which sees a
// gap where a choice or a second number meets a number boundary.)
func TestReloadReportsFloorOnce(t *testing.T) {
	const (
		fever     = `    - {id: fever, label: Fever, floor: {urgency: urgent, withhold: false}}` + "\n"
		feverWhen = `    when: "'fever' in profile.red_flags"` + "\n"
		feverRule = `  - id: fever
    when: "'fever' in profile.red_flags && profile.age % 7 != 3"
    refer: {urgency: urgent, message: "See a doctor today. This is advice to get assessed, not a diagnosis."}
    because: A sign of infection.
    cite: [{source: src-a, locator: Section 2, claim: Fever with back pain needs a check.}]
`
	)
	dir := copyDir(t, "testdata/floors")
	edit(t, dir, "rules.yaml", feverWhen, `    when: "'fever' in profile.red_flags && profile.age % 7 != 3"`+"\n")
	old := loadDir(t, dir)
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		want   func(t *testing.T, new *recommend.Engine) []ruleProblem
	}{
		{"floor lowered", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", fever, strings.Replace(fever, "urgent", "routine", 1))
		}, func(t *testing.T, new *recommend.Engine) []ruleProblem {
			f := floorOf(t, new, "fever")
			return []ruleProblem{{File: f.File, Line: f.Line, Column: f.Column, Problem: "red flag fever: floor lowered from urgent to routine"}}
		}},
		{"red flag removed", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", fever, "")
			edit(t, dir, "rules.yaml", feverRule, "")
		}, func(t *testing.T, _ *recommend.Engine) []ruleProblem {
			f, r := floorOf(t, old, "fever"), ruleOf(t, old, "fever")
			return []ruleProblem{
				{File: f.File, Line: f.Line, Column: f.Column, Problem: "red flag fever is gone (its floor was declared here)"},
				{File: r.File, Line: r.Line, Problem: "the profile {red_flags fever} got urgent within a few days (fever) and would get no referral: rule fever is gone (it was declared here)"},
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := t.TempDir()
			for _, name := range []string{"movements.yaml", "rules.yaml", "sources.yaml", "vocabulary.yaml"} {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(d, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			tt.change(t, d)
			eng := loadDir(t, d)
			c, err := recommend.CompareReferrals(t.Context(), old, eng)
			if err != nil {
				t.Fatal(err)
			}
			// The comparison sees a profile lowered by the floor alone.
			if !slices.ContainsFunc(c.Lowerings, func(l recommend.Lowering) bool {
				return slices.Equal(l.Rules, []string{recommend.FloorRulePrefix + "fever"})
			}) {
				t.Fatalf("lowerings %+v: none by fever's floor alone; the fixture no longer shows the case", c.Lowerings)
			}
			r := keepsSafety(t.Context(), old, eng)
			if r == nil {
				t.Fatal("keepsSafety = nil, want the reload refused")
			}
			if diff := cmp.Diff(tt.want(t, eng), r.problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReloadKeepsReferralWords checks that a reload that keeps each
// referral's outcome but says it in other words is refused, placed at the
// rule in the new rules, and that the running rules' words go on
// reaching the person (final probe: the cauda equina emergency reloaded
// as "Book a routine appointment with your GP in the next few weeks;
// meanwhile carry on with gentle exercise" was taken, with /healthz ok).
// A small rewording is refused too (TestReloadKeepsReferrals took it
// before): the server cannot tell one from the other, and a restart
// deploys new words, as for a safety net.
func TestReloadKeepsReferralWords(t *testing.T) {
	const cauda = "red-flag-cauda-equina"
	message := regexp.MustCompile(`(?m)^      message: .*$`)
	clinician := regexp.MustCompile(`(?m)^      clinician: .*$`)
	tests := []struct {
		name    string
		edit    func(string) string
		problem string
	}{
		{"the emergency's message reworded", func(r string) string {
			return message.ReplaceAllLiteralString(r, "      message: Book a routine appointment with your GP in the next few weeks; meanwhile carry on with gentle exercise. This is advice to get assessed, not a diagnosis.")
		}, "rule " + cauda + " tells the person, in other words"},
		{"the emergency's clinician text reworded", func(r string) string {
			return clinician.ReplaceAllLiteralString(r, `      clinician: "Routine review."`)
		}, "rule " + cauda + " tells the clinician, in other words"},
		{"a few words changed", func(r string) string {
			return strings.Replace(r, "This must be checked today.", "This must be checked at once.", 1)
		}, "rule " + cauda + " tells the person, in other words"},
		{"renamed and reworded", func(r string) string {
			r = strings.Replace(r, "id: "+cauda+"\n", "id: "+cauda+"-renamed\n", 1)
			return message.ReplaceAllLiteralString(r, "      message: Book a routine appointment with your GP in the next few weeks; meanwhile carry on with gentle exercise. This is advice to get assessed, not a diagnosis.")
		}, "new rule " + cauda + "-renamed tells the person what no running rule does (a rule renamed keeps its words)"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && i > 0 {
				t.Skip("-short: one rewording is checked")
			}
			dir := t.TempDir()
			writeRules(t, dir, "words-1")
			want := func(_, eng *recommend.Engine) []ruleProblem {
				for _, r := range eng.Rules() {
					if r.ID == cauda || r.ID == cauda+"-renamed" {
						return []ruleProblem{{File: r.File, Line: r.Line, Problem: tt.problem}}
					}
				}
				t.Fatalf("no rule %s", cauda)
				return nil
			}
			s, _, _ := checkReload(t, dir, func(t *testing.T, dir string) { editRule(t, dir, "red_flags.yaml", cauda, tt.edit) }, want)
			res, err := s.Engine().Recommend(t.Context(), recommend.Profile{RedFlags: []string{"saddle_numbness"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Referrals[0].Message; !strings.HasPrefix(got, "Go to an emergency department now") {
				t.Errorf("the running rules say %q, want their own words", got)
			}
		})
	}
}

// TestReloadKeepsReferralStory checks that a reload that lets a referral
// be folded into another, and so left out of the short report, is
// refused though no outcome is lowered: a probe put the weight-loss
// referral on the fever's pathway, and weight loss with a fever then
// showed the fever's referral only. The running rules keep showing both.
func TestReloadKeepsReferralStory(t *testing.T) {
	const weightLoss = "red-flag-weight-loss"
	dir := t.TempDir()
	writeRules(t, dir, "story-1")
	want := func(_, eng *recommend.Engine) []ruleProblem {
		for _, r := range eng.Rules() {
			if r.ID == weightLoss {
				return []ruleProblem{{File: r.File, Line: r.Line, Problem: "rule " + weightLoss +
					" can be folded into another referral and left out of the short report (its pathway, invites_activity or the red flags its condition names changed)"}}
			}
		}
		t.Fatalf("no rule %s", weightLoss)
		return nil
	}
	s, _, _ := checkReload(t, dir, func(t *testing.T, dir string) {
		editRule(t, dir, "red_flags.yaml", weightLoss, func(r string) string {
			return strings.Replace(r, "pathway: suspected_mscc", "pathway: infection", 1)
		})
	}, want)
	res, err := s.Engine().Recommend(t.Context(), recommend.Profile{RedFlags: []string{"unexplained_weight_loss", "fever_or_chills"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Referrals) != 2 {
		t.Errorf("the running rules show %d referrals for weight loss with a fever, want 2", len(res.Referrals))
	}
}
