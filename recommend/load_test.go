package recommend_test

import (
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

func TestMinimalRulesLoad(t *testing.T) {
	if _, err := recommend.Load(os.DirFS("../testdata/minimal")); err != nil {
		t.Fatalf("the base of the invalid fixtures must load cleanly:\n%v", err)
	}
}

// TestLoadErrors loads each scenario in testdata/invalid, laid over the
// valid rule set in testdata/minimal (under base/), and compares the whole
// error text, positions and carets included, with the scenario's want
// section. Run with -update to rewrite the want sections.
//
// A scenario may have an options section, one option a line:
//
//	max-file-size N   load with recommend.WithMaxFileSize(N)
//	no-base           load the scenario's files alone, without the minimal
//	                  rule set under base/
//	escapes           in the rule file sections, \xNN stands for the byte
//	                  with hex value NN, so that a fixture can hold bytes
//	                  that are not UTF-8 and still be a text file
func TestLoadErrors(t *testing.T) {
	paths, err := filepath.Glob("../testdata/invalid/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no fixtures in testdata/invalid")
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".txtar")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			a := parseArchive(data)
			fsys, opts := fixtureFS(t, a)
			_, err = recommend.Load(fsys, opts...)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			var le *recommend.LoadError
			if !errors.As(err, &le) || !errors.Is(err, recommend.ErrInvalidRules) {
				t.Fatalf("Load error is %T, want *recommend.LoadError matching ErrInvalidRules: %v", err, err)
			}
			got := err.Error() + "\n"
			if *update {
				a.set("want", []byte(got))
				if err := os.WriteFile(path, a.format(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, ok := a.get("want")
			if !ok {
				t.Fatal("fixture has no want section (run with -update)")
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("Load error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// fixtureFS builds the file system of an invalid-rules scenario: the
// minimal rule set under base/, and the scenario's files, with the Load
// options its options section asks for.
func fixtureFS(t testing.TB, a archive) (fstest.MapFS, []recommend.LoadOption) {
	t.Helper()
	fsys := fstest.MapFS{}
	var opts []recommend.LoadOption
	escapes, base := false, true
	if o, ok := a.get("options"); ok {
		for _, line := range strings.Split(string(o), "\n") {
			f := strings.Fields(line)
			switch {
			case len(f) == 0:
			case f[0] == "escapes" && len(f) == 1:
				escapes = true
			case f[0] == "no-base" && len(f) == 1:
				base = false
			case f[0] == "max-file-size" && len(f) == 2:
				n, err := strconv.ParseInt(f[1], 10, 64)
				if err != nil {
					t.Fatalf("options: %v", err)
				}
				opts = append(opts, recommend.WithMaxFileSize(n))
			default:
				t.Fatalf("options: unknown option %q", line)
			}
		}
	}
	if base {
		dirFS(t, "../testdata/minimal", "base/", fsys)
	}
	for _, f := range a.files {
		if f.name == "want" || f.name == "options" {
			continue
		}
		data := f.data
		if escapes {
			data = unescape(t, data)
		}
		fsys[f.name] = &fstest.MapFile{Data: data}
	}
	return fsys, opts
}

var hexEscape = regexp.MustCompile(`\\x[0-9a-fA-F]{2}`)

// unescape replaces each \xNN in data with the byte NN.
func unescape(t testing.TB, data []byte) []byte {
	t.Helper()
	return hexEscape.ReplaceAllFunc(data, func(m []byte) []byte {
		b, err := strconv.ParseUint(string(m[2:]), 16, 8)
		if err != nil {
			t.Fatal(err)
		}
		return []byte{byte(b)}
	})
}

// TestLoadEncodings checks the byte-level forms a rule file may take: a
// UTF-8 byte order mark, which editors on Windows add, is accepted and
// skipped, so columns on the first line match what the editor shows; and
// Windows line endings keep every position right, inside block scalars too.
func TestLoadEncodings(t *testing.T) {
	const bom = "\uFEFF"
	rule := "rules:\n  - id: r\n    when: |\n      'sitting' in profile.aggravated_by &&\n        profile.pain_levl > 3\n" +
		"    avoid: [knee_to_chest]\n    because: Test.\n    cite: [{source: src-a, locator: Section 1, claim: Something.}]\n"
	tests := []struct {
		name string
		src  string
		want string // the first issue, or "" for no error
	}{
		{name: "byte order mark", src: bom + strings.ReplaceAll(rule, "pain_levl", "pain_level")},
		{name: "byte order mark keeps first-line columns", src: bom + "rulez: []\n",
			want: `bad.yaml:1:1: unknown key "rulez" in a rule file (did you mean "rules"?)`},
		{name: "windows line endings", src: strings.ReplaceAll(strings.ReplaceAll(rule, "pain_levl", "pain_level"), "\n", "\r\n")},
		{name: "windows line endings keep positions in block scalars", src: strings.ReplaceAll(rule, "\n", "\r\n"),
			want: "bad.yaml:5:17: in when: undefined field 'pain_levl' (did you mean 'pain_level'?)"},
		{name: "byte order mark and windows line endings", src: bom + strings.ReplaceAll(rule, "\n", "\r\n"),
			want: "bad.yaml:5:17: in when: undefined field 'pain_levl' (did you mean 'pain_level'?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"bad.yaml": {Data: []byte(tt.src)}}
			dirFS(t, "../testdata/minimal", "base/", fsys)
			_, err := recommend.Load(fsys)
			got := ""
			if err != nil {
				var le *recommend.LoadError
				if !errors.As(err, &le) {
					t.Fatalf("Load error is %T, want *recommend.LoadError: %v", err, err)
				}
				got = le.Issues[0].Error()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Load first issue mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoadSkipsCaseFiles checks that test-case files beside the rules,
// *_test.yaml and files in a tests folder, are not read as rules.
func TestLoadSkipsCaseFiles(t *testing.T) {
	notRules := []byte("cases:\n  - name: x\n    profile: {}\n")
	fsys := fstest.MapFS{
		"disc_test.yaml":        {Data: notRules},
		"disc_test.yml":         {Data: notRules},
		"tests/disc.yaml":       {Data: notRules},
		"more/tests/other.yaml": {Data: notRules},
	}
	dirFS(t, "../testdata/minimal", "", fsys)
	eng := mustLoad(t, fsys)
	var ids []string
	for _, r := range eng.Rules() {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"disc-avoid", "saddle-refer"}, ids); diff != "" {
		t.Errorf("Rules() ids mismatch (-want +got):\n%s", diff)
	}
}

// TestViews checks every field of the read-only views on the minimal rule
// set, and that changing a view does not change the engine.
func TestViews(t *testing.T) {
	fsys := fstest.MapFS{}
	dirFS(t, "../testdata/minimal", "", fsys)
	eng := mustLoad(t, fsys)
	wantVocab := recommend.Vocabulary{
		Conditions:   []recommend.Term{{ID: "disc_herniation", Label: "Disc herniation"}, {ID: "acute_strain", Label: "Acute strain"}},
		RedFlags:     []recommend.Term{{ID: "saddle_numbness", Label: "Saddle numbness"}},
		AggravatedBy: []recommend.Term{{ID: "sitting", Label: "Sitting"}},
		EasedBy:      []recommend.Term{},
		Equipment:    []recommend.Term{{ID: "towel", Label: "Towel"}},
		Sex:          []recommend.Term{},
		Episode:      []recommend.Term{},
	}
	if diff := cmp.Diff(wantVocab, eng.Vocabulary()); diff != "" {
		t.Errorf("Vocabulary() mismatch (-want +got):\n%s", diff)
	}
	if got := eng.Vocabulary().Label("red_flags", "saddle_numbness"); got != "Saddle numbness" {
		t.Errorf("Label(red_flags, saddle_numbness) = %q, want %q", got, "Saddle numbness")
	}
	if got := eng.Vocabulary().Label("conditions", "saddle_numbness"); got != "" {
		t.Errorf("Label(conditions, saddle_numbness) = %q, want \"\"", got)
	}
	wantMovements := []recommend.Movement{
		{ID: "towel_stretch", Name: "Towel stretch", Kind: "decompression", How: "Lie on a rolled towel.", Dose: "3 minutes.",
			Tags: []string{"decompression"}, Equipment: []string{"towel"},
			Levels: []recommend.MovementLevel{{Dose: "3 minutes.", How: "Lie on a rolled towel."}}, StartLevel: 1},
		{ID: "knee_to_chest", Name: "Knee to chest", Kind: "stretch", How: "Hug one knee.", Dose: "20 seconds.",
			Tags: []string{"lumbar_flexion"}, Equipment: []string{},
			Levels: []recommend.MovementLevel{{Dose: "20 seconds.", How: "Hug one knee."}}, StartLevel: 1},
	}
	if diff := cmp.Diff(wantMovements, eng.Movements()); diff != "" {
		t.Errorf("Movements() mismatch (-want +got):\n%s", diff)
	}
	cite := recommend.CitationOf(recommend.Source{ID: "src-a", Title: "Source A", Publisher: "Publisher A", Kind: "clinic_article"}, "Section 1", "Rounding hurts discs.").WithPosition(recommend.PositionAgainst)
	wantRules := []recommend.Rule{{
		ID: "disc-avoid", When: "'disc_herniation' in profile.conditions", Because: "It rounds the back.",
		File: "rules.yaml", Line: 2,
		Effects: []recommend.Effect{{
			Kind: recommend.EffectKindAvoid, Movements: []string{"knee_to_chest"}, Tags: []string{}, Kinds: []string{},
			Selected: []string{"knee_to_chest"}, Because: "It rounds the back.",
		}},
		Citations: []recommend.Citation{cite},
	}, {
		ID: "saddle-refer", When: "'saddle_numbness' in profile.red_flags", Because: "Saddle numbness needs an emergency check.",
		File: "rules.yaml", Line: 8, Effects: []recommend.Effect{},
		Referral:  &recommend.RuleReferral{Urgency: recommend.UrgencyEmergency, Message: "Get help now.", Withhold: true},
		Citations: []recommend.Citation{recommend.CitationOf(recommend.Source{ID: "src-a", Title: "Source A", Publisher: "Publisher A", Kind: "clinic_article"}, "Section 2", "Saddle numbness needs an emergency check.").WithPosition(recommend.PositionBackground)},
	}}
	if diff := cmp.Diff(wantRules, eng.Rules()); diff != "" {
		t.Errorf("Rules() mismatch (-want +got):\n%s", diff)
	}
	wantFloors := []recommend.Floor{{RedFlag: "saddle_numbness", Urgency: recommend.UrgencyEmergency, Withhold: true, File: "vocabulary.yaml", Line: 6, Column: 60}}
	if diff := cmp.Diff(wantFloors, eng.Floors()); diff != "" {
		t.Errorf("Floors() mismatch (-want +got):\n%s", diff)
	}
	wantSources := []recommend.Source{{ID: "src-a", Title: "Source A", Publisher: "Publisher A", Kind: "clinic_article"}}
	if diff := cmp.Diff(wantSources, eng.Sources()); diff != "" {
		t.Errorf("Sources() mismatch (-want +got):\n%s", diff)
	}
	// Views are copies.
	eng.Movements()[0].Tags[0] = "changed"
	eng.Rules()[0].Effects[0].Selected[0] = "changed"
	eng.Vocabulary().Conditions[0].ID = "changed"
	eng.Sources()[0].Title = "changed"
	if diff := cmp.Diff(wantMovements, eng.Movements()); diff != "" {
		t.Errorf("Movements() changed through a view (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantRules, eng.Rules()); diff != "" {
		t.Errorf("Rules() changed through a view (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantVocab, eng.Vocabulary()); diff != "" {
		t.Errorf("Vocabulary() changed through a view (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantSources, eng.Sources()); diff != "" {
		t.Errorf("Sources() changed through a view (-want +got):\n%s", diff)
	}
}

// TestWhenPlainBool checks that a plain YAML true is read as the CEL
// condition "true", so a rule that always applies needs no quotes.
func TestWhenPlainBool(t *testing.T) {
	fsys := fstest.MapFS{}
	dirFS(t, "../testdata/minimal", "base/", fsys)
	fsys["always.yaml"] = &fstest.MapFile{Data: []byte(`rules:
  - id: always
    when: true
    avoid: [knee_to_chest]
    because: Always.
    cite: [{source: src-a, locator: Section 1, claim: Something.}]
`)}
	eng := mustLoad(t, fsys)
	res, err := eng.Recommend(context.Background(), recommend.Profile{})
	if err != nil {
		t.Fatal(err)
	}
	var avoided []string
	for _, it := range res.Avoided {
		avoided = append(avoided, it.Movement)
	}
	if diff := cmp.Diff([]string{"knee_to_chest"}, avoided); diff != "" {
		t.Errorf("avoided mismatch (-want +got):\n%s", diff)
	}
}

// TestLoadOrder checks that rule files are read in lexical order of their
// whole paths, which is the documented rule order.
func TestLoadOrder(t *testing.T) {
	fsys := fstest.MapFS{}
	dirFS(t, "../testdata/minimal", "base/", fsys)
	for _, name := range []string{"a/x.yaml", "a-b.yaml", "a.yaml"} {
		id := strings.NewReplacer("/", "-", ".", "-").Replace(name)
		fsys[name] = &fstest.MapFile{Data: []byte(`rules:
  - id: ` + id + `
    when: "true"
    avoid: [knee_to_chest]
    because: Order.
    cite: [{source: src-a, locator: Section 1, claim: Something.}]
`)}
	}
	eng := mustLoad(t, fsys)
	var got []string
	for _, r := range eng.Rules() {
		got = append(got, r.ID)
	}
	want := []string{"a-b-yaml", "a-yaml", "a-x-yaml", "disc-avoid", "saddle-refer"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rule order mismatch (-want +got):\n%s", diff)
	}
}

// TestIssueCap checks that a file with very many problems reports the
// first ones and counts the rest.
func TestIssueCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("movements:\n")
	for range 60 {
		b.WriteString("  - 1\n")
	}
	fsys := fstest.MapFS{"bad.yaml": {Data: []byte(b.String())}}
	_, err := recommend.Load(fsys)
	var le *recommend.LoadError
	if !errors.As(err, &le) {
		t.Fatalf("Load error = %v, want a *LoadError", err)
	}
	if got, want := len(le.Issues), 51; got != want {
		t.Fatalf("got %d issues, want %d", got, want)
	}
	last := le.Issues[len(le.Issues)-1]
	if want := "bad.yaml: ... and 10 more problems in this file, not shown: fix the ones above first"; last.Error() != want {
		t.Errorf("last issue = %q, want %q", last.Error(), want)
	}
	if got, want := le.Count(), 60; got != want {
		t.Errorf("Count() = %d, want %d: the 50 shown and the 10 counted", got, want)
	}
}

// TestMaxFileSizeOption checks that WithMaxFileSize sets the limit that
// Load applies to each rule file: a file at the limit loads and one byte
// more is refused with the exact message, both when the file system reports
// the file's size and when it does not (the file is then read up to one
// byte past the limit). A limit of 0 or less selects DefaultMaxFileSize,
// and math.MaxInt64 lifts the limit.
func TestMaxFileSizeOption(t *testing.T) {
	tests := []struct {
		name     string
		opts     []recommend.LoadOption
		size     int  // of pad.yaml, in bytes
		hideSize bool // pad.yaml's Stat reports 0 bytes
		wantErr  string
	}{
		{name: "at the limit", opts: sizeOpts(recommend.WithMaxFileSize(1024)), size: 1024},
		{name: "one byte over", opts: sizeOpts(recommend.WithMaxFileSize(1024)), size: 1025,
			wantErr: overLimitMessage(1025, 1024)},
		{name: "at the limit, size not reported", opts: sizeOpts(recommend.WithMaxFileSize(1024)), size: 1024, hideSize: true},
		{name: "one byte over, size not reported", opts: sizeOpts(recommend.WithMaxFileSize(1024)), size: 1025, hideSize: true,
			wantErr: "pad.yaml: file is over the limit of 1024 bytes: split it into smaller files"},
		{name: "no option, at the default", size: recommend.DefaultMaxFileSize},
		{name: "no option, over the default", size: recommend.DefaultMaxFileSize + 1,
			wantErr: overLimitMessage(recommend.DefaultMaxFileSize+1, recommend.DefaultMaxFileSize)},
		{name: "0 is the default, at it", opts: sizeOpts(recommend.WithMaxFileSize(0)), size: recommend.DefaultMaxFileSize},
		{name: "0 is the default, over it", opts: sizeOpts(recommend.WithMaxFileSize(0)), size: recommend.DefaultMaxFileSize + 1,
			wantErr: overLimitMessage(recommend.DefaultMaxFileSize+1, recommend.DefaultMaxFileSize)},
		{name: "negative is the default, at it", opts: sizeOpts(recommend.WithMaxFileSize(-5)), size: recommend.DefaultMaxFileSize},
		{name: "negative is the default, over it", opts: sizeOpts(recommend.WithMaxFileSize(-5)), size: recommend.DefaultMaxFileSize + 1,
			wantErr: overLimitMessage(recommend.DefaultMaxFileSize+1, recommend.DefaultMaxFileSize)},
		{name: "the last option wins", opts: sizeOpts(recommend.WithMaxFileSize(1024), recommend.WithMaxFileSize(2048)), size: 2048},
		{name: "0 after another limit restores the default", opts: sizeOpts(recommend.WithMaxFileSize(1024), recommend.WithMaxFileSize(0)),
			size: recommend.DefaultMaxFileSize},
		{name: "math.MaxInt64 lifts the limit", opts: sizeOpts(recommend.WithMaxFileSize(math.MaxInt64)), size: recommend.DefaultMaxFileSize + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mapFS := fstest.MapFS{"pad.yaml": {Data: padFile(tt.size)}}
			dirFS(t, "../testdata/minimal", "", mapFS)
			_, err := recommend.Load(hideSizes(mapFS, tt.hideSize), tt.opts...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			if !errors.Is(err, recommend.ErrInvalidRules) {
				t.Fatalf("Load error = %v, want one matching ErrInvalidRules", err)
			}
			if diff := cmp.Diff(tt.wantErr, err.Error()); diff != "" {
				t.Errorf("Load error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// mustLoad loads the rule files in fsys, which must load.
func mustLoad(t *testing.T, fsys fs.FS) *recommend.Engine {
	t.Helper()
	eng, err := recommend.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}
