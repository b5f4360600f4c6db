package recommend_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// withMinimal returns the rule set of testdata/minimal under base/, with
// files added.
func withMinimal(t *testing.T, files map[string]string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	dirFS(t, "../testdata/minimal", "base/", fsys)
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

// oneRule returns a rule file with one rule, whose when is the YAML
// double-quoted scalar "when", written as given: YAML escapes such as \e
// (ESC) and \a (BEL) in it are YAML's.
func oneRule(id, when string) string {
	return `rules:
  - id: ` + id + `
    when: "` + when + `"
    avoid: [knee_to_chest]
    because: Test.
    cite: [{source: src-a, locator: Section 1, claim: Something.}]
`
}

// runtimeKeyRule fails to evaluate only for a profile of age 40, a value
// the load-time checks do not try (they try the numbers written in the
// condition and their neighbours, not their sums), so it loads, and its
// error names a key that holds terminal escape sequences.
var runtimeKeyRule = oneRule("runtime-key", `profile.age - 20 - 20 == 0 && {'a': true}[\"\e]0;PWNED\a\"]`)

// loadTimeKeyRule fails to evaluate for a profile with exactly one
// condition, which the load-time checks try, so it is a load error.
var loadTimeKeyRule = oneRule("runtime-key", `size(profile.conditions) == 1 && {'a': true}[\"\e]0;PWNED\a\"]`)

// TestErrorsAreTerminalSafe checks the text of each error type for input
// that holds characters that act on a terminal: a file name, a runtime
// error that carries a condition's literal, a profile value and an Issue
// built by a caller. Each such character must come out as a Go escape,
// and printable text, in any script, as it is.
func TestErrorsAreTerminalSafe(t *testing.T) {
	loadErr := func(t *testing.T, files map[string]string) error {
		_, err := recommend.Load(withMinimal(t, files))
		return err
	}
	tests := []struct {
		name string
		err  func(t *testing.T) error
		want string
	}{
		{
			name: "file name",
			err: func(t *testing.T) error {
				return loadErr(t, map[string]string{"\x1b[31mred\u202e.yaml": "rulez: []\n"})
			},
			want: `\x1b[31mred\u202e.yaml:1:1: unknown key "rulez" in a rule file (did you mean "rules"?)` + "\n | rulez: []\n | ^",
		},
		{
			name: "file name without a position",
			err: func(t *testing.T) error {
				return loadErr(t, map[string]string{"señal\a.yaml": ""})
			},
			want: `señal\a.yaml:1:1: file holds no YAML document: add sources, vocabulary, movements or rules, or delete the file`,
		},
		{
			name: "CEL syntax error",
			err: func(t *testing.T) error {
				return loadErr(t, map[string]string{"bad.yaml": oneRule("x", `1 \e 2`)})
			},
			want: `bad.yaml:3:14: in when: syntax error: token recognition error at: '\x1b'` + "\n |     when: \"1 \\e 2\"\n | .............^\n" +
				`bad.yaml:3:17: in when: syntax error: extraneous input '2' expecting <EOF>` + "\n |     when: \"1 \\e 2\"\n | ................^",
		},
		{
			name: "runtime error",
			err: func(t *testing.T) error {
				eng, err := recommend.Load(withMinimal(t, map[string]string{"rt.yaml": runtimeKeyRule}))
				if err != nil {
					t.Fatal(err)
				}
				_, err = eng.Recommend(context.Background(), recommend.Profile{Conditions: []string{"acute_strain"}, Age: 40})
				return err
			},
			want: `rt.yaml:2: rule "runtime-key" failed to evaluate: no such key: \x1b]0;PWNED\a: fix its when condition so that it works for every valid profile (only the referrals were worked out)`,
		},
		{
			name: "runtime error found at load",
			err: func(t *testing.T) error {
				return loadErr(t, map[string]string{"rt.yaml": loadTimeKeyRule})
			},
			want: `rt.yaml:3:12: the when condition fails to evaluate for the profile {"conditions":["disc_herniation"]}: no such key: \x1b]0;PWNED\a: ` +
				`guard it so that it works for every valid profile, for example by testing for the key with in before reading it` +
				"\n |     when: \"size(profile.conditions) == 1 && {'a': true}[\\\"\\e]0;PWNED\\a\\\"]\"\n | ...........^",
		},
		{
			name: "profile value",
			err: func(t *testing.T) error {
				eng, err := recommend.Load(withMinimal(t, nil))
				if err != nil {
					t.Fatal(err)
				}
				return eng.Validate(recommend.Profile{Conditions: []string{"\x1b[2J", "señal\u202e"}})
			},
			want: `invalid profile: conditions[0] "\x1b[2J": unknown condition; conditions[1] "señal\u202e": unknown condition`,
		},
		{
			name: "issue built by a caller",
			err: func(*testing.T) error {
				return &recommend.LoadError{Issues: []recommend.Issue{{
					File: "a\x1b.yaml", Line: 1, Column: 3, Message: "bad \x07 thing", Snippet: "ab\x1b]0;x",
				}}}
			},
			want: `a\x1b.yaml:1:3: bad \a thing` + "\n | ab\uFFFD]0;x\n | ..^",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err(t)
			if err == nil {
				t.Fatal("got no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error text mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEvalErrorPosition checks that an evaluation error names the rule,
// its file and line, and wraps the cause.
func TestEvalErrorPosition(t *testing.T) {
	eng, err := recommend.Load(withMinimal(t, map[string]string{"more/rt.yaml": "\n" + runtimeKeyRule}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: []string{"disc_herniation"}, Age: 40})
	var ee *recommend.EvalError
	if res != nil || !errors.As(err, &ee) {
		t.Fatalf("Recommend = %v, %v; want no result and an *EvalError", res, err)
	}
	type pos struct {
		Rule, File string
		Line       int
	}
	if diff := cmp.Diff(pos{"runtime-key", "more/rt.yaml", 3}, pos{ee.Rule, ee.File, ee.Line}); diff != "" {
		t.Errorf("EvalError position mismatch (-want +got):\n%s", diff)
	}
	if ee.Err == nil || strings.Contains(ee.Err.Error(), "runtime cost limit") {
		t.Errorf("EvalError.Err = %v, want the evaluation error", ee.Err)
	}
}

// TestSymlinkMessages checks that each kind of link that cannot be read as
// a rule file is named as such, with what to do, and that a link to a rule
// file is followed.
func TestSymlinkMessages(t *testing.T) {
	// The rule set is in rules/; the links' targets are in real/, outside
	// it, so that the rule file a link leads to is read only through it.
	dir := t.TempDir()
	for _, sub := range []string{"rules", "real"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, sub := range map[string]string{
		"rules.yaml": "real", "movements.yaml": "rules", "sources.yaml": "rules", "vocabulary.yaml": "rules",
	} {
		data, err := os.ReadFile(filepath.Join("../testdata/minimal", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, sub, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{ // link name in rules/: target
		"a-loop.yaml":     "a-loop.yaml",
		"b-one.yaml":      "b-two.yaml",
		"b-two.yaml":      "b-one.yaml",
		"c-dangling.yaml": "missing.yaml",
		"d-folder.yaml":   "../real",
		"e-good.yaml":     "../real/rules.yaml",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, "rules", name)); err != nil {
			t.Skipf("cannot make symbolic links here: %v", err)
		}
	}
	checkLoadIssues(t, os.DirFS(filepath.Join(dir, "rules")), []string{
		"a-loop.yaml: symlink loop: following the link leads back to it: point it at a rule file, or delete it",
		"b-one.yaml: symlink loop: following the link leads back to it: point it at a rule file, or delete it",
		"b-two.yaml: symlink loop: following the link leads back to it: point it at a rule file, or delete it",
		"c-dangling.yaml: broken symlink: its target does not exist: point it at a rule file, or delete it",
		"d-folder.yaml: symlink to a folder, named like a rule file: links to folders are not followed: rename the link, or link the files one by one",
		// e-good.yaml, a link to a rule file, is read without a problem.
	})
}

// TestBlankLiteralsAreNotVocabulary checks that comparing a profile list
// entry with a blank string, a guard or a no-op since no profile holds a
// blank entry, is not reported as a vocabulary typo, and evaluates as
// written.
func TestBlankLiteralsAreNotVocabulary(t *testing.T) {
	tests := []struct {
		when string
		want bool // for a profile with disc_herniation and sitting
	}{
		{"profile.conditions.exists(c, c != '' && c == 'disc_herniation')", true},
		{"profile.conditions.exists(c, c == '')", false},
		{"profile.aggravated_by.all(a, a != ' ')", true},
		{"'' in profile.conditions", false},
		{"profile.conditions.exists(c, c in ['', 'disc_herniation'])", true},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			eng, err := recommend.Load(withMinimal(t, map[string]string{"blank.yaml": oneRule("blank", tt.when)}))
			if err != nil {
				t.Fatal(err)
			}
			res, err := eng.Recommend(context.Background(), recommend.Profile{
				Conditions: []string{"disc_herniation"}, AggravatedBy: []string{"sitting"},
			})
			if err != nil {
				t.Fatal(err)
			}
			var got bool
			for _, tr := range res.Trace() {
				if tr.Rule == "blank" {
					got = tr.Matched
				}
			}
			if got != tt.want {
				t.Errorf("rule blank matched = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSpecialFileMessages checks that a rule file name on something other
// than a file or a link, which reading could block on, is refused and named
// for what it is.
func TestSpecialFileMessages(t *testing.T) {
	fsys := withMinimal(t, nil)
	for name, mode := range map[string]fs.FileMode{
		"pipe.yaml":   fs.ModeNamedPipe,
		"device.yaml": fs.ModeDevice | fs.ModeCharDevice,
		"socket.yaml": fs.ModeSocket,
		"other.yaml":  fs.ModeIrregular,
	} {
		fsys[name] = &fstest.MapFile{Mode: mode}
	}
	checkLoadIssues(t, fsys, []string{
		"device.yaml: a device, not a regular file: rule files must be plain files",
		"other.yaml: a special file, not a regular file: rule files must be plain files",
		"pipe.yaml: a named pipe, not a regular file: rule files must be plain files",
		"socket.yaml: a socket, not a regular file: rule files must be plain files",
	})
}

// checkLoadIssues checks that loading the rule files in fsys fails with a
// *LoadError whose issues read want.
func checkLoadIssues(t *testing.T, fsys fs.FS, want []string) {
	t.Helper()
	_, err := recommend.Load(fsys)
	var le *recommend.LoadError
	if !errors.As(err, &le) {
		t.Fatalf("Load error = %v, want a *LoadError", err)
	}
	var got []string
	for _, is := range le.Issues {
		got = append(got, is.Error())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("issues mismatch (-want +got):\n%s", diff)
	}
}
