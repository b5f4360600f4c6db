package casefile_test

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"testing/iotest"

	"github.com/backrules/backrules/internal/casefile"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	yes := true
	in := `# A comment.
cases:
  - name: first
    profile: {conditions: [disc_herniation], pain_level: 7.0}
    expect:
      recommended: [towel_stretch]
      not_recommended: [knee_to_chest]
      avoided: [knee_to_chest]
      conflicts: [childs_pose]
      cautioned: [hamstring_stretch]
      needs_equipment: [inversion_table]
      min_urgency: urgent
      no_referral: true
      withheld: true
  - name: second
    profile: {}
`
	got, err := casefile.Parse("cases.yaml", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []casefile.Case{
		{Name: "first", File: "cases.yaml", Line: 3,
			Profile: recommend.Profile{Conditions: []string{"disc_herniation"}, PainLevel: 7},
			Expect: casefile.Expect{Recommended: []string{"towel_stretch"}, NotRecommended: []string{"knee_to_chest"},
				Avoided: []string{"knee_to_chest"}, Conflicts: []string{"childs_pose"}, Cautioned: []string{"hamstring_stretch"},
				NeedsEquipment: []string{"inversion_table"}, MinUrgency: recommend.UrgencyUrgent, NoReferral: true, Withheld: &yes}},
		{Name: "second", File: "cases.yaml", Line: 15},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
}

// TestParseErrors checks the exact message, with the file, line and column
// of the offending node in the whole file, of each broken case file.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		// wantProfileError says that the error is an invalid profile, and
		// matches recommend.ErrInvalidProfile.
		wantProfileError bool
	}{
		// The profile of a case is decoded as recommend.DecodeProfile
		// decodes one, and its problems are placed in the file.
		{name: "fraction in pain level", wantProfileError: true,
			in:   "cases:\n  - name: a\n    profile: {conditions: [disc_herniation], pain_level: 7.9}\n",
			want: "cases.yaml:3:58: invalid profile: pain_level 7.9: must be a whole number"},
		{name: "null entry", wantProfileError: true,
			in:   "cases:\n  - name: a\n    profile: {conditions: [disc_herniation, ~]}\n",
			want: "cases.yaml:3:45: invalid profile: conditions[1]: null is not a value: give one, or leave the entry out"},
		{name: "several profile problems", wantProfileError: true,
			in:   "cases:\n  - name: a\n    profile: {age: 300, pain_level: 7.5, conditons: []}\n",
			want: `cases.yaml:3:20: invalid profile: age 300: out of range, want 0 to 130; line 3 col 37: pain_level 7.5: must be a whole number; line 3 col 42: "conditons": unknown field (did you mean "conditions"?)`},
		{name: "profile key twice", wantProfileError: true,
			in:   "cases:\n  - name: a\n    profile: {age: 3, age: 4}\n",
			want: "cases.yaml:3:23: invalid profile: age: given twice"},
		{name: "infinite sitting hours", wantProfileError: true,
			in:   "cases:\n  - name: a\n    profile: {sitting_hours: .inf}\n",
			want: "cases.yaml:3:30: invalid profile: sitting_hours .inf: not a finite number"},
		{name: "null profile", wantProfileError: true,
			in:   "cases:\n  - name: a\n    profile:\n",
			want: "cases.yaml:3:13: invalid profile: the profile is null: write {} for an empty profile"},
		{name: "profile that is a list", wantProfileError: true,
			in:   "cases:\n  - name: a\n    profile: [a]\n",
			want: "cases.yaml:3:14: invalid profile: a profile is a mapping of fields, found a list"},
		{name: "unsupported number in a profile list", wantProfileError: true,
			in:   "cases:\n  - name: a\n    profile: {conditions: [0x1F]}\n",
			want: "cases.yaml:3:28: invalid profile: conditions[0] 0x1F: unsupported number format: write numbers like 7, 7.5 or -2"},
		{name: "no profile",
			in:   "cases:\n  - name: a\n",
			want: `cases.yaml:2:5: case "a" has no profile: write profile: {} for the empty profile`},

		// Anchors, aliases, merge keys and tags, anywhere in the file.
		{name: "alias to an anchor in another case",
			in:   "cases:\n  - name: a\n    profile: &p {conditions: [disc_herniation]}\n  - name: b\n    profile: *p\n",
			want: "cases.yaml:3:14: cases[0].profile: anchor &p: a case file cannot use YAML anchors and aliases: write each value out"},
		{name: "alias to no anchor",
			in:   "cases:\n  - name: b\n    profile: *p\n",
			want: "cases.yaml:3:15: invalid YAML: unknown anchor 'p' referenced (a case file cannot use YAML anchors and aliases: write each value out)"},
		{name: "merge key in a profile",
			in:   "cases:\n  - name: a\n    profile:\n      <<: {age: 40.5}\n",
			want: "cases.yaml:4:7: cases[0].profile: merge key <<: a case file cannot use YAML merge keys: write each key out"},
		{name: "binary in a profile",
			in:   "cases:\n  - name: a\n    profile: {age: !!binary MTI=}\n",
			want: "cases.yaml:3:20: cases[0].profile.age: tag !!binary: a case file cannot use this YAML tag: remove it"},

		// The case file's own keys and values.
		{name: "unknown case key",
			in:   "cases:\n  - name: a\n    profile: {}\n    expects: {}\n",
			want: `cases.yaml:4:5: unknown key "expects" in a case (did you mean "expect"?)`},
		{name: "unknown case key, not a typo",
			in:   "cases:\n  - name: a\n    profile: {}\n    check: {}\n",
			want: `cases.yaml:4:5: unknown key "check" in a case: the keys are name, profile and expect`},
		{name: "unknown expectation",
			in:   "cases:\n  - name: a\n    profile: {}\n    expect: {recomended: []}\n",
			want: `cases.yaml:4:14: unknown key "recomended" in expect (did you mean "recommended"?)`},
		{name: "unknown expectation, not a typo",
			in:   "cases:\n  - name: a\n    profile: {}\n    expect: {shown: []}\n",
			want: `cases.yaml:4:14: unknown key "shown" in expect: the keys are recommended, not_recommended, avoided, conflicts, cautioned, needs_equipment, min_urgency, no_referral, withheld, plan, messages, steps, reviews, referrals, folded`},
		{name: "bad urgency",
			in:   "cases:\n  - name: a\n    profile: {}\n    expect: {min_urgency: soon}\n",
			want: `cases.yaml:4:27: min_urgency "soon" must be emergency, urgent or routine`},
		{name: "misspelt urgency",
			in:   "cases:\n  - name: a\n    profile: {}\n    expect: {min_urgency: emergncy}\n",
			want: `cases.yaml:4:27: min_urgency "emergncy" must be emergency, urgent or routine (did you mean "emergency"?)`},
		{name: "withheld not a boolean",
			in:   "cases:\n  - name: a\n    profile: {}\n    expect: {withheld: yes}\n",
			want: `cases.yaml:4:24: withheld "yes": want true or false, found a string`},
		{name: "null urgency",
			in:   "cases:\n  - name: a\n    profile: {}\n    expect: {min_urgency: ~}\n",
			want: `cases.yaml:4:27: min_urgency "null" must be emergency, urgent or routine`},
		{name: "unsupported number outside a profile",
			in:   "cases:\n  - name: a\n    profile: {}\n    expect: {avoided: [a, +7]}\n",
			want: "cases.yaml:4:27: cases[0].expect.avoided[1] +7: unsupported number format: write numbers like 7, 7.5 or -2"},
		{name: "movement id not a string",
			in:   "cases:\n  - name: a\n    profile: {}\n    expect: {avoided: [a, 7]}\n",
			want: "cases.yaml:4:27: avoided[1]: want a movement id, found a number"},
		{name: "duplicate name",
			in:   "cases:\n  - name: a\n    profile: {}\n  - name: a\n    profile: {}\n",
			want: `cases.yaml:4:5: duplicate case name "a" (first at line 2)`},
		{name: "no name",
			in:   "cases:\n  - profile: {}\n",
			want: "cases.yaml:2:5: cases[0] has no name"},
		{name: "empty name",
			in:   "cases:\n  - name: ''\n    profile: {}\n",
			want: "cases.yaml:2:11: cases[0] has an empty name"},
		{name: "name not a string",
			in:   "cases:\n  - name: [x]\n    profile: {}\n",
			want: "cases.yaml:2:11: name: want a string, found a list"},
		{name: "key twice",
			in:   "cases:\n  - name: a\n    name: b\n    profile: {}\n",
			want: `cases.yaml:3:5: key "name" is given twice in a case`},
		{name: "cases a mapping",
			in:   "cases: {}\n",
			want: "cases.yaml:1:8: cases: want a list of cases, found a mapping"},
		{name: "cases null",
			in:   "cases:\n",
			want: "cases.yaml:1:7: cases: want a list of cases, found null"},
		{name: "a rule file",
			in:   "sources: []\n",
			want: `cases.yaml:1:1: unknown key "sources" in a case file: a case file holds only a cases: list`},
		{name: "a list",
			in:   "- a\n",
			want: "cases.yaml:1:1: a case file is a mapping, found a list"},
		{name: "empty file",
			in:   "",
			want: "cases.yaml: no cases: the file is empty"},
		{name: "two documents",
			in:   "cases: []\n---\ncases: []\n",
			want: "cases.yaml:2:1: a case file is a single YAML document: a second one starts here; remove it"},
		{name: "not UTF-8",
			in:   "cases: [\xff]\n",
			want: "cases.yaml:1:9: the text is not valid UTF-8 (byte 0xff here): save it as UTF-8"},
		{name: "too large",
			in:   "cases: []\n" + strings.Repeat("#", casefile.MaxFileSize),
			want: "cases.yaml: file is over the limit of 1048576 bytes: split it into smaller files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cases, err := casefile.Parse("cases.yaml", strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("Parse gave %d cases and no error, want %q", len(cases), tt.want)
			}
			var ce *casefile.Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse error is %T, want a *casefile.Error: %v", err, err)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("Parse error mismatch (-want +got):\n%s", diff)
			}
			if got := errors.Is(err, recommend.ErrInvalidProfile); got != tt.wantProfileError {
				t.Errorf("errors.Is(err, recommend.ErrInvalidProfile) = %v, want %v", got, tt.wantProfileError)
			}
		})
	}
}

// TestParseProfileLikeDecodeProfile checks that a case's profile is read
// as the command-line tool reads the same profile: the same profile, or
// the same problems, at the same places once the case file's lines before
// the profile are counted.
func TestParseProfileLikeDecodeProfile(t *testing.T) {
	profiles := []string{
		"conditions: [disc_herniation]\nage: 40\nsitting_hours: 7.5\n",
		"pain_level: 7.9\nage: -9223372036854775809\n",
		"conditions: [disc_herniation, ~]\n",
		"conditions: sciatica\nconditons: []\n",
		"days_since_onset: 9223372036854775807\n",
	}
	for _, prof := range profiles {
		t.Run(prof, func(t *testing.T) {
			want, wantErr := recommend.DecodeProfile(strings.NewReader(prof))
			// The profile, indented under a case, starts on line 4.
			file := "cases:\n  - name: a\n    profile:\n      " + strings.ReplaceAll(strings.TrimSuffix(prof, "\n"), "\n", "\n      ") + "\n"
			cases, err := casefile.Parse("cases.yaml", strings.NewReader(file))
			if (wantErr == nil) != (err == nil) {
				t.Fatalf("DecodeProfile error %v, Parse error %v", wantErr, err)
			}
			if err == nil {
				if diff := cmp.Diff(want, cases[0].Profile); diff != "" {
					t.Errorf("profile mismatch (-DecodeProfile +Parse):\n%s", diff)
				}
				return
			}
			var wantPE, gotPE *recommend.ProfileError
			if !errors.As(wantErr, &wantPE) || !errors.As(err, &gotPE) {
				t.Fatalf("errors %T and %T, want two *recommend.ProfileError", wantErr, err)
			}
			shifted := make([]recommend.FieldProblem, len(wantPE.Problems))
			for i, p := range wantPE.Problems {
				p.Line += 3
				p.Column += 6
				shifted[i] = p
			}
			if diff := cmp.Diff(shifted, gotPE.Problems); diff != "" {
				t.Errorf("problems mismatch (-DecodeProfile, shifted +Parse):\n%s", diff)
			}
		})
	}
}

func TestParseReadError(t *testing.T) {
	errRead := errors.New("disk on fire")
	_, err := casefile.Parse("cases.yaml", iotest.ErrReader(errRead))
	if !errors.Is(err, errRead) {
		t.Fatalf("Parse error = %v, want the read error", err)
	}
	if got, want := err.Error(), "cases.yaml: cannot read the file: disk on fire"; got != want {
		t.Errorf("Parse error = %q, want %q", got, want)
	}
}

func TestLoadFS(t *testing.T) {
	valid := "cases:\n  - name: %s\n    profile: {}\n"
	file := func(name string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(strings.ReplaceAll(valid, "%s", name))}
	}
	tests := []struct {
		name      string
		fsys      fstest.MapFS
		all       bool
		wantNames []string
		wantErr   string
	}{
		{name: "case files only, in lexical path order",
			fsys: fstest.MapFS{"b_test.yaml": file("b"), "a/x_test.yml": file("a/x"), "a-b_test.yaml": file("a-b"),
				"tests/t.yaml": file("t"), "rules.yaml": {Data: []byte("rules: []\n")}, "notes.txt": {Data: []byte("x")}},
			wantNames: []string{"a-b", "a/x", "b", "t"}},
		{name: "every YAML file with all", all: true,
			fsys:      fstest.MapFS{"b.yaml": file("b"), "a.yml": file("a")},
			wantNames: []string{"a", "b"}},
		{name: "a file over the limit", all: true,
			fsys:    fstest.MapFS{"big.yaml": {Data: make([]byte, casefile.MaxFileSize+1)}},
			wantErr: "big.yaml: file is 1048577 bytes, over the limit of 1048576 bytes: split it into smaller files"},
		{name: "a named pipe", all: true,
			fsys:    fstest.MapFS{"pipe.yaml": {Mode: 0o644 | fs.ModeNamedPipe}},
			wantErr: "pipe.yaml: a named pipe, not a regular file: case files must be plain files"},
		{name: "a problem names the file", all: true,
			fsys:    fstest.MapFS{"a.yaml": file("a"), "sub/b.yaml": {Data: []byte("cases:\n  - name: b\n    profile: {age: 7.5}\n")}},
			wantErr: "sub/b.yaml:3:20: invalid profile: age 7.5: must be a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLoadFS(t, tt.fsys, tt.all, tt.wantNames, tt.wantErr)
		})
	}
}

// checkLoadFS checks that LoadFS(fsys, ".", all) gives the cases named
// wantNames, in order, and the error wantErr ("" for none).
func checkLoadFS(t *testing.T, fsys fs.FS, all bool, wantNames []string, wantErr string) {
	t.Helper()
	cases, err := casefile.LoadFS(fsys, ".", all)
	gotErr := ""
	if err != nil {
		gotErr = err.Error()
	}
	if diff := cmp.Diff(wantErr, gotErr); diff != "" {
		t.Fatalf("LoadFS error mismatch (-want +got):\n%s", diff)
	}
	var names []string
	for _, c := range cases {
		names = append(names, c.Name)
	}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("cases mismatch (-want +got):\n%s", diff)
	}
}

// TestParseReadsAtMostTheLimit checks that Parse stops reading an endless
// input just past the limit.
func TestParseReadsAtMostTheLimit(t *testing.T) {
	r := &countingReader{}
	_, err := casefile.Parse("zero.yaml", r)
	if err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Fatalf("Parse error = %v, want one about the limit", err)
	}
	if r.n > casefile.MaxFileSize+1<<16 {
		t.Errorf("Parse read %d bytes of an endless input, want about %d", r.n, casefile.MaxFileSize)
	}
}

// countingReader is an endless stream of '#', counting what is read.
type countingReader struct{ n int }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '#'
	}
	r.n += len(p)
	return len(p), nil
}

// TestLoadFSForPlacesVocabularyProblems checks that LoadFSFor reads a case
// whose profile the rule set refuses, and places each problem in the case
// file, in flow and block style; LoadFS, which has no rule set, does not.
func TestLoadFSForPlacesVocabularyProblems(t *testing.T) {
	eng, err := recommend.Load(os.DirFS("../../testdata/rulecheck/passing"))
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"x_test.yaml": {Data: []byte(`cases:
  - name: flow
    profile: {conditions: [acute_strain, disc_hernation]}
  - name: block
    profile:
      red_flags:
        - saddle_numbnes
  - name: valid
    profile: {conditions: [disc_herniation]}
`)}}
	tests := []struct {
		name string
		load func() ([]casefile.Case, error)
		want []string
	}{
		{"LoadFSFor", func() ([]casefile.Case, error) { return casefile.LoadFSFor(eng, fsys, ".", false) }, []string{
			`x_test.yaml:3:42: invalid profile: conditions[1] "disc_hernation": unknown condition (did you mean "disc_herniation"?)`,
			`x_test.yaml:7:11: invalid profile: red_flags[0] "saddle_numbnes": unknown red flag (did you mean "saddle_numbness"?)`,
			"",
		}},
		{"LoadFS", func() ([]casefile.Case, error) { return casefile.LoadFS(fsys, ".", false) }, []string{"", "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cases, err := tt.load()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cases {
				if c.Invalid == nil {
					got = append(got, "")
					continue
				}
				got = append(got, c.Invalid.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Invalid mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := casefile.LoadFSFor(nil, fsys, ".", false); err == nil {
		t.Error("LoadFSFor with a nil engine succeeded, want an error")
	}
}
