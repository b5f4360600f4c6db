package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backrules/backrules/recommend"
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
