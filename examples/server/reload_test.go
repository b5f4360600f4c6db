package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/rules"
	"github.com/google/go-cmp/cmp"
)

var versionLine = regexp.MustCompile(`(?m)^version: ".*"$`)

// writeRules writes the default rule files to dir, declaring version.
func writeRules(t testing.TB, dir, version string) {
	t.Helper()
	if err := writeRulesVersion(dir, version); err != nil {
		t.Fatal(err)
	}
}

// writeRulesVersion is writeRules for a goroutine other than the test's,
// which must not call t.Fatal: it returns the error instead.
func writeRulesVersion(dir, version string) error {
	err := fs.WalkDir(rules.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !parse.IsRuleFile(name) {
			return err
		}
		src, err := fs.ReadFile(rules.FS, name)
		if err != nil {
			return err
		}
		if name == "sources.yaml" {
			if !versionLine.Match(src) {
				return errors.New("rules/sources.yaml has no version line")
			}
			src = versionLine.ReplaceAll(src, []byte(`version: "`+version+`"`))
		}
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		return os.WriteFile(path, src, 0o644)
	})
	if err != nil {
		return fmt.Errorf("write rules: %w", err)
	}
	return nil
}

// brokenRule is a rule file that fails to load: its condition names a
// field the profile does not have.
const brokenRule = `rules:
  - id: broken
    description: A rule whose condition does not compile.
    when: "'x' in profile.conditons"
    recommend: [walking]
    because: Broken on purpose.
    cite: [{source: nice-ng59, locator: "1.2.1"}]
`

// clock is a test clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// loadDir loads the rules in dir, as the server does.
func loadDir(t testing.TB, dir string) *recommend.Engine {
	t.Helper()
	eng, err := recommend.Load(os.DirFS(dir))
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	return eng
}

// healthOf returns the server's /healthz body.
func healthOf(t *testing.T, s *Server) health {
	t.Helper()
	rec := do(t, s.Handler(), "GET", "/healthz", "")
	checkDoc(t, "GET", "/healthz", rec)
	return decodeHealth(t, rec)
}

// TestReload walks a server through a reload, a failed reload that keeps
// the running rules, a repair, and a no-op reload, checking what Reload
// returns, the rules that answer, /healthz and the log at each step.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, "test-1")
	clk := &clock{now: fixedNow}
	s, logs := newServer(t, Config{Rules: os.DirFS(dir), Now: clk.Now})
	v1 := loadDir(t, dir).RuleSet()
	if diff := cmp.Diff(health{Status: "ok", RuleSet: v1, LoadedAt: fixedNow}, healthOf(t, s)); diff != "" {
		t.Fatalf("health at start (-want +got):\n%s", diff)
	}

	// A new version is swapped in.
	writeRules(t, dir, "test-two")
	v2eng := loadDir(t, dir)
	v2 := v2eng.RuleSet()
	clk.Advance(time.Minute)
	if changed, err := s.Reload(); !changed || err != nil {
		t.Fatalf("Reload = %v, %v; want true, nil", changed, err)
	}
	t2 := fixedNow.Add(time.Minute)
	if diff := cmp.Diff(health{Status: "ok", RuleSet: v2, LoadedAt: t2}, healthOf(t, s)); diff != "" {
		t.Errorf("health after reload (-want +got):\n%s", diff)
	}
	_, bodies, decoded := profiles(t)
	rec := do(t, s.Handler(), "POST", "/recommend", bodies["disc-herniation"])
	if diff := cmp.Diff(wantResult(t, v2eng, decoded["disc-herniation"]), rec.Body.String()); diff != "" {
		t.Errorf("result after reload (-want +got):\n%s", diff)
	}

	// A broken rule file keeps the running rules.
	if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte(brokenRule), 0o644); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	changed, err := s.Reload()
	if changed || !errors.Is(err, recommend.ErrInvalidRules) {
		t.Fatalf("Reload = %v, %v; want false and an error matching ErrInvalidRules", changed, err)
	}
	var le *recommend.LoadError
	if !errors.As(err, &le) || len(le.Issues) == 0 || le.Issues[0].File != "broken.yaml" {
		t.Errorf("Reload error %v: want a *LoadError about broken.yaml", err)
	}
	t3 := fixedNow.Add(2 * time.Minute)
	// Each issue's place, never its message, which may quote the file.
	var wantProblems []ruleProblem
	for _, is := range le.Issues {
		wantProblems = append(wantProblems, ruleProblem{File: is.File, Line: is.Line, Column: is.Column, Problem: "does not load"})
	}
	wantDegraded := health{Status: "degraded", RuleSet: v2, LoadedAt: t2,
		ReloadError: &reloadError{At: t3,
			Message:  fmt.Sprintf("the rule files do not load (%s): run rulecheck on the folder for the details", words.Count(len(le.Issues), "problem")),
			Problems: wantProblems}}
	if diff := cmp.Diff(wantDegraded, healthOf(t, s)); diff != "" {
		t.Errorf("health after a failed reload (-want +got):\n%s", diff)
	}
	if s.Engine().RuleSet() != v2 {
		t.Errorf("engine %v after a failed reload, want %v", s.Engine().RuleSet(), v2)
	}
	if !strings.Contains(logs.String(), `"msg":"reload refused: keeping the running rules"`) ||
		!strings.Contains(logs.String(), "broken.yaml:4:27") {
		t.Errorf("log: want the failed reload with its error:\n%s", logs)
	}

	// Repaired: the same rules as before load, nothing is swapped, and
	// the error is gone.
	if err := os.Remove(filepath.Join(dir, "broken.yaml")); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if changed, err := s.Reload(); changed || err != nil {
		t.Fatalf("Reload = %v, %v; want false, nil", changed, err)
	}
	if diff := cmp.Diff(health{Status: "ok", RuleSet: v2, LoadedAt: t2}, healthOf(t, s)); diff != "" {
		t.Errorf("health after the repair (-want +got):\n%s", diff)
	}
}

// settle calls Check until the rule files have been seen unchanged for
// stablePolls checks, failing the test if an earlier check loads, and
// returns what the last check returned.
func settle(t *testing.T, s *Server) (bool, error) {
	t.Helper()
	for i := range stablePolls {
		before := s.Engine()
		if changed, err := s.Check(); changed || err != nil || s.Engine() != before {
			t.Fatalf("check %d of %d: Check = %v, %v, or the engine changed; want no load before the files are stable", i+1, stablePolls+1, changed, err)
		}
	}
	return s.Check()
}

// TestCheck checks that Check reloads only when the rule files change,
// and does not retry a failed load of the same files.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, "one")
	s, _ := newServer(t, Config{Rules: os.DirFS(dir)})
	v1 := s.Engine().RuleSet()
	steps := []struct {
		name        string
		change      func(t *testing.T)
		wantChanged bool
		wantErr     bool
		wantVersion string
		wantStatus  string
	}{
		{"no change", func(*testing.T) {}, false, false, "one", "ok"},
		{"same length, new version", func(t *testing.T) { writeRules(t, dir, "two") }, true, false, "two", "ok"},
		{"rewritten with the same bytes", func(t *testing.T) { writeRules(t, dir, "two") }, false, false, "two", "ok"},
		{"a file that is not a rule file", func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, "NOTES.md"), []byte("notes"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, false, false, "two", "ok"},
		{"broken", func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, "z.yaml"), []byte(brokenRule), 0o644); err != nil {
				t.Fatal(err)
			}
		}, false, true, "two", "degraded"},
		{"still broken, not retried", func(*testing.T) {}, false, false, "two", "degraded"},
		{"back to the first version", func(t *testing.T) {
			if err := os.Remove(filepath.Join(dir, "z.yaml")); err != nil {
				t.Fatal(err)
			}
			writeRules(t, dir, "one")
		}, true, false, "one", "ok"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.change(t)
			changed, err := settle(t, s)
			if changed != st.wantChanged || (err != nil) != st.wantErr {
				t.Fatalf("Check = %v, %v; want changed %v, error %v", changed, err, st.wantChanged, st.wantErr)
			}
			h := healthOf(t, s)
			got := []string{h.RuleSet.Version, h.Status}
			if diff := cmp.Diff([]string{st.wantVersion, st.wantStatus}, got); diff != "" {
				t.Errorf("version and status (-want +got):\n%s", diff)
			}
		})
	}
	if got := s.Engine().RuleSet(); got != v1 {
		t.Errorf("rule set %v at the end, want the first one again, %v", got, v1)
	}
}

// TestWatch checks that Watch checks the rules on each tick and stops
// with its context. Check runs between two receives, so the second of
// two ticks is received only once the first check is done.
func TestWatch(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, "one")
	s, _ := newServer(t, Config{Rules: os.DirFS(dir)})
	ctx, cancel := context.WithCancel(context.Background())
	ticks := make(chan time.Time)
	done := make(chan struct{})
	go func() {
		s.Watch(ctx, ticks)
		close(done)
	}()
	// stablePolls+1 checks load a change; one more tick makes sure the
	// last check is done.
	tick := func() {
		for range stablePolls + 2 {
			ticks <- fixedNow
		}
	}

	writeRules(t, dir, "two")
	tick()
	if got := s.Engine().RuleSet().Version; got != "two" {
		t.Errorf("version %q after a tick, want two", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "z.yaml"), []byte(brokenRule), 0o644); err != nil {
		t.Fatal(err)
	}
	tick()
	if h := healthOf(t, s); h.Status != "degraded" || h.RuleSet.Version != "two" {
		t.Errorf("health %+v after a broken file, want degraded with version two", h)
	}
	cancel()
	<-done
}

// TestReloadEmbedded checks that a server of the embedded rules has
// nothing to reload.
func TestReloadEmbedded(t *testing.T) {
	s, _ := newServer(t, Config{})
	for name, f := range map[string]func() (bool, error){"Reload": s.Reload, "Check": s.Check} {
		if changed, err := f(); changed || err != nil {
			t.Errorf("%s = %v, %v; want false, nil", name, changed, err)
		}
	}
}

// TestNewInvalidRules checks that a server does not start without valid
// rules.
func TestNewInvalidRules(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(brokenRule), 0o644); err != nil {
		t.Fatal(err)
	}
	// Rules that load but fail the analysis: red flags without referrals.
	noFlagRules := t.TempDir()
	writeRules(t, noFlagRules, "no-flag-rules")
	if err := os.Remove(filepath.Join(noFlagRules, "red_flags.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := recommend.Load(os.DirFS(noFlagRules)); err != nil {
		t.Logf("without red_flags.yaml the rules do not even load: %v", err)
	}
	for name, dir := range map[string]string{"broken": dir, "missing": filepath.Join(dir, "nope"), "empty": t.TempDir(), "no red-flag rules": noFlagRules} {
		t.Run(name, func(t *testing.T) {
			_, err := New(Config{Rules: os.DirFS(dir)})
			if err == nil {
				t.Fatal("New succeeded, want an error")
			}
			if name == "no red-flag rules" {
				if !strings.Contains(err.Error(), "red_flag_without_referral") && !errors.Is(err, recommend.ErrInvalidRules) {
					t.Errorf("error %v, want a failed analysis or an invalid rule set", err)
				}
				return
			}
			if name != "missing" && !errors.Is(err, recommend.ErrInvalidRules) {
				t.Errorf("error %v, want one matching ErrInvalidRules", err)
			}
		})
	}
}
