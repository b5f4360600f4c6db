package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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
// emergency is refused: a deleted red-flag file, a folder without rules,
// a red-flag file caught half-written at a rule boundary, and a rule that
// fails at runtime. Each keeps the running rules, so every red flag
// alone still gets the referrals it got, and makes /healthz say
// "degraded" with the place of the problem.
func TestReloadRefusesUnsafeRules(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		// wantFile, when not "", is the file a problem must name, with
		// a line.
		wantFile string
	}{
		{"red-flag file deleted", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "red_flags.yaml")); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"no rules", func(t *testing.T, dir string) {
			for _, name := range ruleFiles(t) {
				if err := os.Remove(filepath.Join(dir, name)); err != nil {
					t.Fatal(err)
				}
			}
		}, ""},
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
		}, ""},
		{"a rule that fails at runtime", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "latent.yaml"), []byte(latentRule), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "latent.yaml"},
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
			h := healthOf(t, s)
			if h.Status != "degraded" || h.ReloadError == nil || len(h.ReloadError.Problems) == 0 {
				t.Fatalf("health %+v; want degraded with problems", h)
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
	for _, f := range eng.Floors() {
		if f.RedFlag == flag {
			return f
		}
	}
	t.Fatalf("no floor for red flag %s", flag)
	return recommend.Floor{}
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
			f := floorOf(t, old, "fever")
			return []ruleProblem{{File: f.File, Line: f.Line, Column: f.Column, Problem: "red flag fever is gone (its floor was declared here)"}}
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

// checkReload serves the rules in dir, makes change to them, checks that
// the changed rules load and pass the analysis (so that only what the
// reload compares can refuse them), and reloads. With want nil the reload
// must take. Otherwise it must be refused with the running rules kept,
// the health degraded with the problems want gives for the old and the
// new engine, and a restart, the deliberate way to make the change, must
// accept the changed rules.
func checkReload(t *testing.T, dir string, change func(*testing.T, string), want func(old, new *recommend.Engine) []ruleProblem) {
	t.Helper()
	s, _ := newServer(t, Config{Rules: os.DirFS(dir)})
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
		return
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
