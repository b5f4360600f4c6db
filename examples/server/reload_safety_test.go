package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/rules"
	"github.com/google/go-cmp/cmp"
)

// latentRule is a rule whose condition loads but fails at runtime: a
// division by the pain level, which is 0 for many profiles.
const latentRule = `rules:
  - id: latent-division
    description: Divides by a profile field that can be 0.
    when: "profile.age > 0 && 100 / profile.pain_level > 20"
    recommend: [walking]
    because: Fails on purpose when the pain level is 0.
    cite:
      - source: nice-ng59
        locator: Non-invasive treatments for low back pain and sciatica
        claim: People with low back pain should be encouraged to carry on with normal activities.
`

// referralsOf posts p to /recommend and returns the answer's referrals
// and whether advice was withheld.
func referralsOf(t *testing.T, s *Server, p recommend.Profile) (urgencies []recommend.Urgency, withheld bool) {
	t.Helper()
	body, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	rec := do(t, s.Handler(), "POST", "/recommend", string(body))
	if rec.Code != 200 {
		t.Fatalf("POST /recommend: status %d: %s", rec.Code, rec.Body)
	}
	var res struct {
		Referrals []recommend.Referral `json:"referrals"`
		Withheld  bool                 `json:"withheld"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Referrals {
		urgencies = append(urgencies, r.Urgency)
	}
	return urgencies, res.Withheld
}

// avoidedOf posts p to /recommend and returns the avoided movements.
func avoidedOf(t *testing.T, s *Server, p recommend.Profile) []string {
	t.Helper()
	body, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	rec := do(t, s.Handler(), "POST", "/recommend", string(body))
	if rec.Code != 200 {
		t.Fatalf("POST /recommend: status %d: %s", rec.Code, rec.Body)
	}
	var res struct {
		Avoided []recommend.Item `json:"avoided"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range res.Avoided {
		out = append(out, it.Movement)
	}
	return out
}

// ruleFiles returns the default rule files that hold rules.
func ruleFiles(t *testing.T) []string {
	t.Helper()
	var names []string
	err := fs.WalkDir(rules.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".yaml") {
			return err
		}
		src, err := fs.ReadFile(rules.FS, name)
		if err != nil {
			return err
		}
		if bytes.HasPrefix(src, []byte("rules:")) || bytes.Contains(src, []byte("\nrules:")) {
			names = append(names, name)
		}
		return nil
	})
	if err != nil || len(names) == 0 {
		t.Fatalf("rule files: %v, %v", names, err)
	}
	return names
}

// TestReloadRefusesUnsafeRules checks that a reload that would lose an
// emergency, or an avoided movement, is refused: a deleted red-flag file,
// a folder without rules, a red-flag file caught half-written at a rule
// boundary, a rule that fails at runtime, and everyone.yaml caught
// half-written at the rule boundary before its avoid rules (the probe's
// cut, which loads, passes the analysis and lowers no referral, and
// would recommend the inversion table), and the safety-net message cut
// of its groin-numbness sentence (the review's edit, which keeps the
// message's kind). Each keeps the running rules, so
// every red flag alone still gets the referrals it got, and makes
// /healthz say "degraded" with the place of the problem.
func TestReloadRefusesUnsafeRules(t *testing.T) {
	if raceEnabled && testing.Short() {
		t.Skip("one goroutine reloading whole rule sets, which the race detector makes minutes long: the plain run (the README's test command) runs it")
	}
	// The probe's profile, whose inversion table the cut everyone.yaml
	// would recommend.
	inversion := recommend.Profile{Conditions: []string{"disc_herniation", "glaucoma", "osteoporosis"}, Equipment: []string{"inversion_table"}, Age: 60}
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		// wantFile, when not "", is the file a problem must name, with
		// a line; wantMessage, when not "", how /healthz's message
		// begins.
		wantFile, wantMessage string
	}{
		{"red-flag file deleted", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "red_flags.yaml")); err != nil {
				t.Fatal(err)
			}
		}, "", ""},
		{"no rules", func(t *testing.T, dir string) {
			for _, name := range ruleFiles(t) {
				if err := os.Remove(filepath.Join(dir, name)); err != nil {
					t.Fatal(err)
				}
			}
		}, "", ""},
		{"red-flag file half-written at a rule boundary", func(t *testing.T, dir string) {
			path := filepath.Join(dir, "red_flags.yaml")
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			first := bytes.Index(src, []byte("\n  - id: "))
			second := bytes.Index(src[first+1:], []byte("\n  - id: "))
			if first < 0 || second < 0 {
				t.Fatal("red_flags.yaml: no second rule")
			}
			if err := os.WriteFile(path, src[:first+1+second+1], 0o644); err != nil {
				t.Fatal(err)
			}
		}, "", ""},
		{"a rule that fails at runtime", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "latent.yaml"), []byte(latentRule), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "latent.yaml", ""},
		{"everyone.yaml half-written at the rule boundary before its avoid rules", func(t *testing.T, dir string) {
			path := filepath.Join(dir, "everyone.yaml")
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			at := bytes.Index(src, []byte("\n  - id: guideline-avoid-traction\n"))
			if at < 0 {
				t.Fatal("everyone.yaml: no rule guideline-avoid-traction")
			}
			if err := os.WriteFile(path, src[:at+1], 0o644); err != nil {
				t.Fatal(err)
			}
			// The cut loads: only the reload's comparison of what the
			// rules avoid can refuse it.
			if _, err := recommend.Load(os.DirFS(dir)); err != nil {
				t.Fatalf("the cut rules do not load, so this case tests nothing new: %v", err)
			}
		}, "everyone.yaml", "the new rules would lower safety: the profile {conditions disc_herniation} got inversion_table avoided " +
			"and would get it listed as worth getting equipment for (by decompression-inversion-table) (rules involved: guideline-avoid-traction); "},
		{"the safety net's groin-numbness sentence deleted", func(t *testing.T, dir string) {
			// The review's edit: the rule keeps its kind, and loses the
			// emergency sentence.
			edit(t, dir, "messages.yaml", " Get emergency help for numbness around your groin or bottom, or new bladder or bowel trouble.\n", "\n")
			if _, err := recommend.Load(os.DirFS(dir)); err != nil {
				t.Fatalf("the gutted message does not load, so this case tests nothing new: %v", err)
			}
		}, "messages.yaml", "the new rules would lower safety: the profile {} got a safety-net message and would not get it in the same words " +
			"(rules involved: message-safety-net); "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeRules(t, dir, "safe-1")
			s, logs := newServer(t, Config{Rules: os.DirFS(dir)})
			running := s.Engine()
			flags := running.Vocabulary().RedFlags
			type outcome struct {
				Urgencies []recommend.Urgency
				Withheld  bool
			}
			before := map[string]outcome{}
			for _, f := range flags {
				u, w := referralsOf(t, s, recommend.Profile{RedFlags: []string{f.ID}})
				before[f.ID] = outcome{u, w}
			}
			if want := (outcome{[]recommend.Urgency{recommend.UrgencyEmergency}, true}); !cmp.Equal(want, before["saddle_numbness"]) {
				t.Fatalf("saddle numbness alone gets %+v from the default rules, want %+v", before["saddle_numbness"], want)
			}
			if got := avoidedOf(t, s, inversion); !slices.Contains(got, "inversion_table") {
				t.Fatalf("the default rules avoid %v for %+v, want the inversion table among them", got, inversion)
			}

			tt.change(t, dir)
			changed, err := settle(t, s)
			if changed || err == nil {
				t.Fatalf("Check = %v, %v; want the reload refused", changed, err)
			}
			if s.Engine() != running {
				t.Fatal("the engine was swapped")
			}
			for _, f := range flags {
				u, w := referralsOf(t, s, recommend.Profile{RedFlags: []string{f.ID}})
				if diff := cmp.Diff(before[f.ID], outcome{u, w}); diff != "" {
					t.Errorf("red flag %s alone after the refused reload (-want +got):\n%s", f.ID, diff)
				}
			}
			if got := avoidedOf(t, s, inversion); !slices.Contains(got, "inversion_table") {
				t.Errorf("after the refused reload, %+v gets %v avoided, want the inversion table among them", inversion, got)
			}
			h := healthOf(t, s)
			if h.Status != "degraded" || h.ReloadError == nil || len(h.ReloadError.Problems) == 0 {
				t.Fatalf("health %+v; want degraded with problems", h)
			}
			if !strings.HasPrefix(h.ReloadError.Message, tt.wantMessage) {
				t.Errorf("reload_error.message %q; want it to begin %q", h.ReloadError.Message, tt.wantMessage)
			}
			if tt.wantFile != "" {
				var found bool
				for _, p := range h.ReloadError.Problems {
					found = found || (p.File == tt.wantFile && p.Line > 0)
				}
				if !found {
					t.Errorf("problems %+v; want one at a line of %s", h.ReloadError.Problems, tt.wantFile)
				}
			}
			if !strings.Contains(logs.String(), `"msg":"reload refused: keeping the running rules"`) {
				t.Errorf("log: no refused reload:\n%s", logs)
			}
		})
	}
}

// TestReloadHealthQuotesNoFile checks that a rule folder holding a link
// to a file that is not a rule file, such as /etc/passwd, gets a refused
// reload whose /healthz and log name the link and its line, and never
// quote the file.
func TestReloadHealthQuotesNoFile(t *testing.T) {
	const target = "/etc/passwd"
	secret, err := os.ReadFile(target)
	if err != nil || len(bytes.TrimSpace(secret)) == 0 {
		t.Skipf("no %s to link to: %v", target, err)
	}
	firstLine, _, _ := bytes.Cut(secret, []byte("\n"))
	dir := t.TempDir()
	writeRules(t, dir, "link-1")
	s, logs := newServer(t, Config{Rules: os.DirFS(dir)})
	if err := os.Symlink(target, filepath.Join(dir, "passwd.yaml")); err != nil {
		t.Skipf("symlink: %v", err)
	}
	changed, err := s.Reload()
	if changed || !errors.Is(err, recommend.ErrInvalidRules) {
		t.Fatalf("Reload = %v, %v; want false and an invalid rule set", changed, err)
	}
	rec := do(t, s.Handler(), "GET", "/healthz", "")
	h := decodeHealth(t, rec)
	if h.Status != "degraded" || h.ReloadError == nil {
		t.Fatalf("health %+v; want degraded", h)
	}
	want := []ruleProblem{{File: "passwd.yaml", Line: 1, Column: 1, Problem: "does not load"}}
	if diff := cmp.Diff(want, h.ReloadError.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	// The first line, or its first 10 bytes, "root:x:0:0" on most
	// systems, is what the load error quotes.
	for name, text := range map[string]string{"/healthz": rec.Body.String(), "the log": logs.String()} {
		if strings.Contains(text, string(firstLine[:min(len(firstLine), 10)])) {
			t.Errorf("%s quotes %s:\n%s", name, target, text)
		}
	}
}

// TestCheckWaitsForStableFiles checks that Check loads a change only
// once the files have stayed the same for stablePolls checks: a file
// caught half-written, then finished, is never loaded half-written.
func TestCheckWaitsForStableFiles(t *testing.T) {
	if raceEnabled && testing.Short() {
		t.Skip("one goroutine reloading whole rule sets, which the race detector makes minutes long: the plain run (the README's test command) runs it")
	}
	dir := t.TempDir()
	writeRules(t, dir, "stable-1")
	s, _ := newServer(t, Config{Rules: os.DirFS(dir)})
	v1 := s.Engine()
	path := filepath.Join(dir, "red_flags.yaml")
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Half-written, seen by one check, then by another with more of it.
	for _, n := range []int{len(full) / 3, len(full) / 2} {
		if err := os.WriteFile(path, full[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if changed, err := s.Check(); changed || err != nil || s.Engine() != v1 {
			t.Fatalf("Check after a partial write = %v, %v; want nothing loaded", changed, err)
		}
	}
	// Finished, with a new version: loaded after stablePolls quiet checks.
	writeRules(t, dir, "stable-2")
	changed, err := settle(t, s)
	if !changed || err != nil {
		t.Fatalf("Check once the files are stable = %v, %v; want true, nil", changed, err)
	}
	if h := healthOf(t, s); h.Status != "ok" || h.RuleSet.Version != "stable-2" {
		t.Errorf("health %+v; want ok with version stable-2, and no refused reload on the way", h)
	}
}

// copyDir copies the files of src, a folder of testdata, to a new
// temporary folder and returns it.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join(src, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule files in %s: %v", src, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// edit replaces old with new in the file name of dir, once, failing the
// test if old is not there.
func edit(t *testing.T, dir, name, old, new string) {
	t.Helper()
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s has no %q", name, old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// floorOf returns the floor of a red flag of eng.
func floorOf(t *testing.T, eng *recommend.Engine, flag string) recommend.Floor {
	t.Helper()
	return only(t, eng.Floors(), func(f recommend.Floor) bool { return f.RedFlag == flag }, "floor for red flag "+flag)
}

// ruleOf returns the rule id of eng.
func ruleOf(t *testing.T, eng *recommend.Engine, id string) recommend.Rule {
	t.Helper()
	return only(t, eng.Rules(), func(r recommend.Rule) bool { return r.ID == id }, "rule "+id)
}

// only returns the first of items that is, failing the test, which names
// what, when none is.
func only[T any](t *testing.T, items []T, is func(T) bool, what string) T {
	t.Helper()
	i := slices.IndexFunc(items, is)
	if i < 0 {
		t.Fatalf("no %s", what)
	}
	return items[i]
}

// TestReloadKeepsFloors checks that a reload that removes a red flag or
// lowers its safety floor is refused, though the new rules load and
// pass the analysis, with the place of the floor; that one that raises a
// floor is taken; and that a restart takes a removal, deliberately.
func TestReloadKeepsFloors(t *testing.T) {
	const fixture = "testdata/floors"
	const fever = `    - {id: fever, label: Fever, floor: {urgency: urgent, withhold: false}}` + "\n"
	const saddle = `floor: {urgency: emergency, withhold: true}`
	const feverRule = `  - id: fever
    when: "'fever' in profile.red_flags"
    refer: {urgency: urgent, message: "See a doctor today. This is advice to get assessed, not a diagnosis."}
    because: A sign of infection.
    cite: [{source: src-a, locator: Section 2, claim: Fever with back pain needs a check.}]
`
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		// want returns the problems expected of the old and new engines,
		// or nil when the reload must be taken.
		want func(t *testing.T, old, new *recommend.Engine) []ruleProblem
	}{
		{"red flag removed", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", fever, "")
			edit(t, dir, "rules.yaml", feverRule, "")
		}, func(t *testing.T, old, _ *recommend.Engine) []ruleProblem {
			f, r := floorOf(t, old, "fever"), ruleOf(t, old, "fever")
			return []ruleProblem{
				{File: f.File, Line: f.Line, Column: f.Column, Problem: "red flag fever is gone (its floor was declared here)"},
				{File: r.File, Line: r.Line, Problem: "the profile {red_flags fever} got urgent within a few days (fever) and would get no referral: rule fever is gone (it was declared here)"},
			}
		}},
		{"urgency lowered", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", saddle, `floor: {urgency: urgent, withhold: true}`)
		}, func(t *testing.T, _, new *recommend.Engine) []ruleProblem {
			f := floorOf(t, new, "saddle_numbness")
			return []ruleProblem{{File: f.File, Line: f.Line, Column: f.Column,
				Problem: "red flag saddle_numbness: floor lowered from emergency, advice withheld to urgent, advice withheld"}}
		}},
		{"withhold dropped", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", saddle, `floor: {urgency: emergency, withhold: false}`)
		}, func(t *testing.T, _, new *recommend.Engine) []ruleProblem {
			f := floorOf(t, new, "saddle_numbness")
			return []ruleProblem{{File: f.File, Line: f.Line, Column: f.Column,
				Problem: "red flag saddle_numbness: floor lowered from emergency, advice withheld to emergency"}}
		}},
		{"floor raised", func(t *testing.T, dir string) {
			edit(t, dir, "vocabulary.yaml", fever, strings.Replace(fever, "urgent", "emergency", 1))
			edit(t, dir, "rules.yaml", feverRule, strings.Replace(feverRule, "urgency: urgent", "urgency: emergency", 1))
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want func(old, new *recommend.Engine) []ruleProblem
			if tt.want != nil {
				want = func(old, new *recommend.Engine) []ruleProblem { return tt.want(t, old, new) }
			}
			checkReload(t, copyDir(t, fixture), tt.change, want)
		})
	}
}

// cutRule deletes the rule id from the file name of dir: its lines from
// its "  - id:" line up to the next rule's, or to the end of the file.
func cutRule(t *testing.T, dir, name, id string) {
	t.Helper()
	editRule(t, dir, name, id, func(string) string { return "" })
}

// editRule replaces the rule id of the file name of dir, its lines from
// its "  - id:" line up to the next rule's or the end of the file, with
// what change makes of them, failing the test if there is no such rule
// or change changes nothing.
func editRule(t *testing.T, dir, name, id string, change func(string) string) {
	t.Helper()
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	start := strings.Index(src, "\n  - id: "+id+"\n")
	if start < 0 {
		t.Fatalf("%s has no rule %s", name, id)
	}
	start++
	end := len(src)
	if next := strings.Index(src[start:], "\n  - id: "); next >= 0 {
		end = start + next + 1
	}
	rule := change(src[start:end])
	if rule == src[start:end] {
		t.Fatalf("%s: rule %s unchanged", name, id)
	}
	if err := os.WriteFile(path, []byte(src[:start]+rule+src[end:]), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The edits of the default red_flags.yaml that an independent probe
// reloaded into a server: each keeps every red flag's floor, and lowers
// what a combination of flags, conditions or an age gets.
var (
	cutBleedingFall = func(t *testing.T, dir string) { cutRule(t, dir, "red_flags.yaml", "red-flag-bleeding-risk-fall") }
	cutFallFragile  = func(t *testing.T, dir string) { cutRule(t, dir, "red_flags.yaml", "red-flag-fall-fragile-bones") }
	cordToUrgent    = func(t *testing.T, dir string) {
		edit(t, dir, "red_flags.yaml", "      urgency: emergency\n      within: now\n      message: Call your cancer team",
			"      urgency: urgent\n      within: today\n      message: Call your cancer team")
	}
)

// TestReloadKeepsReferrals checks that a reload that gives some profile
// less than the running rules give it (a less urgent referral, or advice
// no longer withheld) is refused, though every red flag keeps its floor
// and the new rules pass the analysis: the probe's edits of the default
// rules, one at a time and together, each refused with the smallest
// profile it lowers, what that got and would get and the rules involved,
// on /healthz, in the log and in the metrics, while the running rules go
// on answering the profiles the probe saw lowered as before; a restart
// takes them. Edits that lower nothing, a referral's urgency raised and a
// rule added that raises one, are taken (a referral's message reworded is
// refused since: see TestReloadKeepsReferralWords).
func TestReloadKeepsReferrals(t *testing.T) {
	bleedingFall := recommend.Profile{RedFlags: []string{"anticoagulants_or_bleeding_disorder", "recent_fall"}}
	oldFall := recommend.Profile{RedFlags: []string{"recent_fall"}, Age: 80}
	cancerNumb := recommend.Profile{RedFlags: []string{"history_of_cancer", "leg_numbness_or_tingling"}}
	// gone and moved say why a problem names a rule, and place it: a
	// rule gone where the running rules declared it, a rule still there
	// where the new rules declare it.
	gone := func(t *testing.T, old *recommend.Engine, id, text string) ruleProblem {
		r := ruleOf(t, old, id)
		return ruleProblem{File: r.File, Line: r.Line, Problem: text}
	}
	const (
		cord = "the profile {red_flags leg_weakness,history_of_cancer} got emergency now, advice withheld (red-flag-leg-weakness, red-flag-cancer-cord-compression) " +
			"and would get urgent today, advice withheld: rule red-flag-cancer-cord-compression now refers as urgent today, advice withheld, not emergency now, advice withheld"
		fragile = "the profile {red_flags long_term_steroids,recent_fall} got urgent within two days, advice withheld (red-flag-fall-fragile-bones, red-flag-immune-or-steroids) " +
			"and would get urgent within a few days: rule red-flag-fall-fragile-bones is gone (it was declared here)"
		bleeding = "the profile {red_flags recent_fall,anticoagulants_or_bleeding_disorder} got urgent within two days, advice withheld (red-flag-bleeding-risk-fall) " +
			"and would get no referral: rule red-flag-bleeding-risk-fall is gone (it was declared here)"
		both = "the profile {conditions osteoporosis; red_flags recent_fall,anticoagulants_or_bleeding_disorder} got urgent within two days, advice withheld (red-flag-fall-fragile-bones, red-flag-bleeding-risk-fall) " +
			"and would get no referral: rule red-flag-fall-fragile-bones is gone (it was declared here); rule red-flag-bleeding-risk-fall is gone (it was declared here)"
		// Found by the sweep around cancer with sciatica (a nerve sign
		// after a cancer, as pain below the knee is), with every red flag
		// whose floor asks for nothing.
		cordAndBleeding = "the profile {conditions sciatica; red_flags history_of_cancer,recent_fall,anticoagulants_or_bleeding_disorder,morning_stiffness,waking_second_half_of_night} " +
			"got emergency now, advice withheld (red-flag-cancer-cord-compression, red-flag-bleeding-risk-fall) and would get urgent today, advice withheld: " +
			"rule red-flag-cancer-cord-compression now refers as urgent today, advice withheld, not emergency now, advice withheld; rule red-flag-bleeding-risk-fall is gone (it was declared here)"
		fragileAndCord = "the profile {conditions sciatica,osteoporosis; red_flags history_of_cancer,recent_fall} got emergency now, advice withheld (red-flag-fall-fragile-bones, red-flag-cancer-cord-compression) " +
			"and would get urgent today, advice withheld: rule red-flag-fall-fragile-bones is gone (it was declared here); " +
			"rule red-flag-cancer-cord-compression now refers as urgent today, advice withheld, not emergency now, advice withheld"
		allThree = "the profile {conditions sciatica; red_flags history_of_cancer,long_term_steroids,recent_fall,anticoagulants_or_bleeding_disorder,morning_stiffness,waking_second_half_of_night} " +
			"got emergency now, advice withheld (red-flag-fall-fragile-bones, red-flag-cancer-cord-compression, red-flag-bleeding-risk-fall) and would get urgent today, advice withheld: " +
			"rule red-flag-fall-fragile-bones is gone (it was declared here); rule red-flag-cancer-cord-compression now refers as urgent today, advice withheld, not emergency now, advice withheld; " +
			"rule red-flag-bleeding-risk-fall is gone (it was declared here)"
	)
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		// want are the problems of the refusal, for the running and the
		// new engine, or nil when the reload must be taken; message is
		// how /healthz's message begins, before the counts.
		want    func(t *testing.T, old, new *recommend.Engine) []ruleProblem
		message string
		// lowered are profiles the new rules give less: the probe's.
		lowered []recommend.Profile
		// short is true for the cases that run under -short too: each
		// case analyses and compares the default rules once more, which
		// the race detector makes slow, and has no concurrency for it
		// to see.
		short bool
	}{
		{"bleeding risk and a fall: rule deleted", cutBleedingFall, func(t *testing.T, old, _ *recommend.Engine) []ruleProblem {
			return []ruleProblem{gone(t, old, "red-flag-bleeding-risk-fall", bleeding)}
		}, "the new rules would lower safety: the profile {red_flags recent_fall,anticoagulants_or_bleeding_disorder} got urgent within two days, advice withheld (red-flag-bleeding-risk-fall) " +
			"and would get no referral (rules involved: red-flag-bleeding-risk-fall)", []recommend.Profile{bleedingFall}, false},
		{"a fall with fragile bones: rule deleted", cutFallFragile, func(t *testing.T, old, _ *recommend.Engine) []ruleProblem {
			return []ruleProblem{gone(t, old, "red-flag-fall-fragile-bones", fragile)}
		}, "the new rules would lower safety: the profile {red_flags long_term_steroids,recent_fall} got urgent within two days, advice withheld (red-flag-fall-fragile-bones, red-flag-immune-or-steroids) " +
			"and would get urgent within a few days (rules involved: red-flag-fall-fragile-bones)", []recommend.Profile{oldFall}, false},
		{"cancer cord compression: emergency to urgent", cordToUrgent, func(t *testing.T, _, new *recommend.Engine) []ruleProblem {
			r := ruleOf(t, new, "red-flag-cancer-cord-compression")
			return []ruleProblem{{File: r.File, Line: r.Line, Problem: cord}}
		}, "the new rules would lower safety: the profile {red_flags leg_weakness,history_of_cancer} got emergency now, advice withheld (red-flag-leg-weakness, red-flag-cancer-cord-compression) " +
			"and would get urgent today, advice withheld (rules involved: red-flag-cancer-cord-compression)", []recommend.Profile{cancerNumb}, false},
		{"the probe's three edits together", func(t *testing.T, dir string) {
			cutBleedingFall(t, dir)
			cutFallFragile(t, dir)
			cordToUrgent(t, dir)
		}, func(t *testing.T, old, new *recommend.Engine) []ruleProblem {
			r := ruleOf(t, new, "red-flag-cancer-cord-compression")
			return []ruleProblem{
				{File: r.File, Line: r.Line, Problem: cord},
				gone(t, old, "red-flag-fall-fragile-bones", fragile),
				gone(t, old, "red-flag-bleeding-risk-fall", bleeding),
				gone(t, old, "red-flag-fall-fragile-bones", both),
				gone(t, old, "red-flag-fall-fragile-bones", fragileAndCord),
				{File: r.File, Line: r.Line, Problem: cordAndBleeding},
				gone(t, old, "red-flag-fall-fragile-bones", allThree),
			}
		}, "the new rules would lower safety: the profile {red_flags leg_weakness,history_of_cancer} got emergency now, advice withheld (red-flag-leg-weakness, red-flag-cancer-cord-compression) " +
			"and would get urgent today, advice withheld (rules involved: red-flag-cancer-cord-compression)", []recommend.Profile{bleedingFall, oldFall, cancerNumb}, true},
		{"a referral raised from urgent to emergency", func(t *testing.T, dir string) {
			edit(t, dir, "red_flags.yaml", "      urgency: urgent\n      within: two_days\n      message: See a doctor today or tomorrow. You take blood thinners",
				"      urgency: emergency\n      within: today\n      message: See a doctor today or tomorrow. You take blood thinners")
		}, nil, "", nil, true},
		{"a rule added that raises a fall at 90 to an emergency", func(t *testing.T, dir string) {
			edit(t, dir, "red_flags.yaml", "\n  - id: red-flag-progressive-leg-weakness\n", `
  - id: red-flag-fall-very-old
    description: A fall at 90 or over is checked at once.
    when: "'recent_fall' in profile.red_flags && profile.age >= 90"
    refer:
      urgency: emergency
      message: Go to an emergency department now. At 90 or over, a fall can break a bone in the spine. This is advice to get assessed, not a diagnosis.
      withhold: true
      pathway: fracture
    because: At 90 or over, even a small fall can break a bone in the spine.
    cite:
      - source: ifompt-red-flags-2020
        locator: Spinal fracture
        claim: Counts minor trauma in older people among the risk factors for a spinal fracture.

  - id: red-flag-progressive-leg-weakness
`)
		}, nil, "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && !tt.short {
				t.Skip("-short: the probe's edits together, and a raised referral, are checked")
			}
			dir := t.TempDir()
			writeRules(t, dir, "ratchet-1")
			running := loadDir(t, dir)
			var want func(old, new *recommend.Engine) []ruleProblem
			if tt.want != nil {
				want = func(old, new *recommend.Engine) []ruleProblem { return tt.want(t, old, new) }
			}
			s, logs, eng := checkReload(t, dir, tt.change, want)
			if tt.want == nil {
				return
			}
			// The new rules give the probe's profiles less; the server
			// goes on answering them as the running rules do.
			type outcome struct {
				Urgency  []recommend.Urgency
				Withheld bool
			}
			for _, p := range tt.lowered {
				was := outcomeOf(t, running, p)
				if now := outcomeOf(t, eng, p); !now.Lowers(was) {
					t.Errorf("%+v: the new rules give %v, the running ones %v: not less", p, now, was)
				}
				u, w := referralsOf(t, s, p)
				if diff := cmp.Diff(outcome{[]recommend.Urgency{was.Urgency}, was.Withheld}, outcome{u[:min(len(u), 1)], w}); diff != "" {
					t.Errorf("%+v after the refused reload: the most urgent referral and withheld (-want +got):\n%s", p, diff)
				}
			}
			h := healthOf(t, s)
			message := regexp.MustCompile(`^` + regexp.QuoteMeta(tt.message) +
				`; [0-9]+ of the [0-9]+ profiles compared would get less: restart the server to make such a change deliberately$`)
			if !message.MatchString(h.ReloadError.Message) {
				t.Errorf("/healthz message\n%s\nwant\n%s; N of the M profiles compared would get less: restart the server ...", h.ReloadError.Message, tt.message)
			}
			if !strings.Contains(logs.String(), `"msg":"reload refused: keeping the running rules"`) ||
				!strings.Contains(logs.String(), strings.ReplaceAll(tt.message, `"`, `\"`)) {
				t.Errorf("log: no refused reload with the reason:\n%s", logs)
			}
			if got := sample(scrape(t, s.Handler()), "backrules_rule_reloads_total", map[string]string{"outcome": "refused"}); got != 1 {
				t.Errorf("refused reloads counted %v, want 1", got)
			}
		})
	}
}

// outcomeOf returns the most urgent referral eng gives p, and whether it
// withholds advice.
func outcomeOf(t *testing.T, eng *recommend.Engine, p recommend.Profile) recommend.ReferralOutcome {
	t.Helper()
	res, err := eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatalf("Recommend(%+v): %v", p, err)
	}
	o := recommend.ReferralOutcome{Withheld: res.Withheld}
	if len(res.Referrals) > 0 {
		o.Urgency = res.Referrals[0].Urgency
	}
	return o
}

// checkReload serves the rules in dir, makes change to them, checks that
// the changed rules load and pass the analysis (so that only what the
// reload compares can refuse them), and reloads. With want nil the reload
// must take. Otherwise it must be refused with the running rules kept,
// the health degraded with the problems want gives for the old and the
// new engine, and a restart, the deliberate way to make the change, must
// accept the changed rules. It returns the server, its log and the new
// engine.
func checkReload(t *testing.T, dir string, change func(*testing.T, string), want func(old, new *recommend.Engine) []ruleProblem) (*Server, *syncBuffer, *recommend.Engine) {
	t.Helper()
	s, logs := newServer(t, Config{Rules: os.DirFS(dir)})
	old := s.Engine()
	change(t, dir)
	eng := loadDir(t, dir)
	if r := analyze(t.Context(), eng); r != nil {
		t.Fatalf("the changed fixture fails the analysis: %v", r)
	}
	changed, err := s.Reload()
	if want == nil {
		if !changed || err != nil {
			t.Fatalf("Reload = %v, %v; want true, nil", changed, err)
		}
		return s, logs, eng
	}
	if changed || err == nil || s.Engine() != old {
		t.Fatalf("Reload = %v, %v; want the reload refused and the running rules kept", changed, err)
	}
	h := healthOf(t, s)
	if h.Status != "degraded" || h.ReloadError == nil {
		t.Fatalf("health %+v, want degraded", h)
	}
	if diff := cmp.Diff(want(old, eng), h.ReloadError.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if _, err := New(Config{Rules: os.DirFS(dir)}); err != nil {
		t.Errorf("restart with the changed rules: %v", err)
	}
	return s, logs, eng
}

// shiftingFS serves the rule files of base, but sources.yaml changes from
// version "shift-1" to "shift-2" after its first two opens: the Stat and
// the read of the fingerprint taken before a load.
type shiftingFS struct {
	base  fstest.MapFS
	opens atomic.Int64
}

func (f *shiftingFS) Open(name string) (fs.File, error) {
	if name == "sources.yaml" && f.opens.Add(1) > 2 {
		m := fstest.MapFS{name: &fstest.MapFile{Data: versionLine.ReplaceAll(f.base[name].Data, []byte(`version: "shift-2"`)), Mode: 0o644}}
		return m.Open(name)
	}
	return f.base.Open(name)
}

// TestReloadFilesChangingWhileLoaded checks that rules whose files
// change while they are loaded are not swapped in, nor reported as a
// refused reload: the next reload loads them once they hold still.
func TestReloadFilesChangingWhileLoaded(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, "shift-1")
	base := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS(dir), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		base[name] = &fstest.MapFile{Data: b, Mode: 0o644}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s, logs := newServer(t, Config{Rules: base})
	// The server's own fingerprint and load are done: serve the shifting
	// files from now on.
	shifting := &shiftingFS{base: base}
	s.rules = shifting
	v1 := s.Engine()
	changed, err := s.Reload()
	if changed || !errors.Is(err, errChanging) || s.Engine() != v1 {
		t.Fatalf("Reload = %v, %v; want false and errChanging, the running rules kept", changed, err)
	}
	if h := healthOf(t, s); h.Status != "ok" {
		t.Errorf("health %+v; want ok: files that change are not a refused reload", h)
	}
	if !strings.Contains(logs.String(), "reload postponed") {
		t.Errorf("log: no postponed reload:\n%s", logs)
	}
	changed, err = s.Reload()
	if !changed || err != nil || s.Engine().RuleSet().Version != "shift-2" {
		t.Fatalf("second Reload = %v, %v, version %q; want the new rules", changed, err, s.Engine().RuleSet().Version)
	}
}

// TestReloadKeepsTimingAndStayActive checks that a reload that keeps
// every urgency but asks to be seen later (refer.within), or tells a
// person whose advice is withheld to stay gently active where the
// running rules did not (refer.keep_active), is refused with the
// smallest profile it lowers on /healthz, and that a restart takes it:
// the review's four edits of the default rules, each of which a reload
// took before.
func TestReloadKeepsTimingAndStayActive(t *testing.T) {
	setWithin := func(from, to string) func(string) string {
		return func(rule string) string {
			return strings.Replace(rule, "      within: "+from+"\n", to, 1)
		}
	}
	tests := []struct {
		name   string
		rule   string
		change func(string) string
		// message is how /healthz's message begins, before the counts.
		message string
		// short runs the case with -short too (the race detector's run):
		// each case loads and compares the rule set whole.
		short bool
	}{
		{"cancer with spinal pain: within a day to the next few days, message reworded", "red-flag-cancer-spinal-pain", func(rule string) string {
			rule = setWithin("today", "      within: few_days\n")(rule)
			return strings.Replace(rule, "Contact your cancer team or your GP today, and ask to be seen within a day.",
				"Contact your cancer team or your GP in the next few days.", 1)
		}, "the new rules would lower safety: the profile {red_flags night_pain,history_of_cancer} got urgent today, advice withheld (red-flag-cancer-spinal-pain, red-flag-night-pain) " +
			"and would get urgent within a few days, advice withheld (rules involved: red-flag-cancer-spinal-pain)", true},
		{"cauda equina: now to today", "red-flag-cauda-equina", setWithin("now", "      within: today\n"),
			"the new rules would lower safety: the profile {red_flags bladder_bowel_dysfunction} got emergency now, advice withheld (red-flag-cauda-equina) " +
				"and would get emergency today, advice withheld (rules involved: red-flag-cauda-equina)", false},
		{"cancer with spinal pain: within deleted", "red-flag-cancer-spinal-pain", setWithin("today", ""),
			"the new rules would lower safety: the profile {red_flags night_pain,history_of_cancer} got urgent today, advice withheld (red-flag-cancer-spinal-pain, red-flag-night-pain) " +
				"and would get urgent within a few days, advice withheld (rules involved: red-flag-cancer-spinal-pain)", false},
		{"leg weakness: keep_active added", "red-flag-leg-weakness", func(rule string) string {
			return strings.Replace(rule, "      withhold: true\n", "      withhold: true\n      keep_active: true\n", 1)
		}, "the new rules would lower safety: the profile {red_flags leg_weakness} got urgent within two days, advice withheld (red-flag-leg-weakness) " +
			"and would get urgent within two days, advice withheld, staying active kept (rules involved: red-flag-leg-weakness)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && !tt.short {
				t.Skip("-short: one lowering is checked")
			}
			dir := t.TempDir()
			writeRules(t, dir, "timing-1")
			s, _ := newServer(t, Config{Rules: os.DirFS(dir)})
			running := s.Engine()
			editRule(t, dir, "red_flags.yaml", tt.rule, tt.change)
			eng := loadDir(t, dir)
			if r := analyze(t.Context(), eng); r != nil {
				t.Fatalf("the changed rules fail the analysis: %v", r)
			}
			changed, err := s.Reload()
			if changed || err == nil || s.Engine() != running {
				t.Fatalf("Reload = %v, %v; want the reload refused and the running rules kept", changed, err)
			}
			h := healthOf(t, s)
			if h.Status != "degraded" || h.ReloadError == nil || len(h.ReloadError.Problems) == 0 {
				t.Fatalf("health %+v; want degraded with problems", h)
			}
			message := regexp.MustCompile(`^` + regexp.QuoteMeta(tt.message) +
				`; [0-9]+ of the [0-9]+ profiles compared would get less: restart the server to make such a change deliberately$`)
			if !message.MatchString(h.ReloadError.Message) {
				t.Errorf("/healthz message\n%s\nwant\n%s; N of the M profiles compared would get less: restart the server ...", h.ReloadError.Message, tt.message)
			}
			r := ruleOf(t, eng, tt.rule)
			if got, want := h.ReloadError.Problems[0], (ruleProblem{File: r.File, Line: r.Line}); got.File != want.File || got.Line != want.Line ||
				!strings.Contains(got.Problem, "rule "+tt.rule+" now refers as") {
				t.Errorf("first problem %+v; want one at %s:%d saying how rule %s now refers", got, want.File, want.Line, tt.rule)
			}
			if _, err := New(Config{Rules: os.DirFS(dir)}); err != nil {
				t.Errorf("restart with the changed rules: %v", err)
			}
		})
	}
}
