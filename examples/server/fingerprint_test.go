package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/rules"
)

// TestFingerprintIsTheDigest checks that the fingerprint of rule files
// that all read is the digest Load gives them: one recipe, not two.
func TestFingerprintIsTheDigest(t *testing.T) {
	eng, err := recommend.Load(rules.FS)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fingerprint(rules.FS), eng.RuleSet().Digest; got != want {
		t.Errorf("fingerprint(rules.FS) = %s, want the engine's digest %s", got, want)
	}
	// A byte order mark and line breaks are read as Load reads them.
	crlf := fstest.MapFS{}
	for name, f := range fsFiles(t, rules.FS) {
		crlf[name] = &fstest.MapFile{Data: append([]byte("\uFEFF"), []byte(strings.ReplaceAll(string(f), "\n", "\r\n"))...)}
	}
	crlfEng, err := recommend.Load(crlf)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fingerprint(crlf), crlfEng.RuleSet().Digest; got != want {
		t.Errorf("fingerprint of the rules with CRLF and a BOM = %s, want the engine's digest %s", got, want)
	}
}

// TestFingerprintFailures checks that a file that cannot be read changes
// the fingerprint, and is summed after the digest.
func TestFingerprintFailures(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("rules: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := fingerprint(os.DirFS(dir))
	if err := os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "b.yaml")); err != nil {
		t.Skip("no symlinks:", err)
	}
	after := fingerprint(os.DirFS(dir))
	if after == before || !strings.HasPrefix(after, before+"+") {
		t.Errorf("fingerprint with a dangling link = %s, want %s followed by + and a hash", after, before)
	}
}

// fsFiles returns the rule files of fsys by name.
func fsFiles(t *testing.T, fsys fs.FS) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !parse.IsRuleFile(name) {
			return err
		}
		src, err := fs.ReadFile(fsys, name)
		out[name] = src
		return err
	})
	if err != nil || len(out) == 0 {
		t.Fatalf("reading the rule files: %v (%d files)", err, len(out))
	}
	return out
}
