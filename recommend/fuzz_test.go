package recommend_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/fuzzseed"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

// The fuzz targets take their seeds from the top-level testdata/fuzz/NAME
// folder, one input a file, and from the other fixtures, so that
// `go test ./...` runs every seed as a normal test. Inputs the fuzzer finds
// interesting go to recommend/testdata/fuzz/NAME, Go's own corpus folder;
// copy a crasher to testdata/fuzz/NAME once it is fixed.

// baseProfiles are valid profiles over the vocabulary of testdata/minimal.
var baseProfiles = []recommend.Profile{
	{},
	{Conditions: []string{"disc_herniation", "acute_strain"}, RedFlags: []string{"saddle_numbness"},
		AggravatedBy: []string{"sitting"}, Equipment: []string{"towel"},
		PainLevel: 10, DaysSinceOnset: recommend.MaxDaysSinceOnset, SittingHours: 24, Age: recommend.MaxAge},
	{Conditions: []string{"acute_strain"}, PainLevel: 3, SittingHours: 7.5, Age: 40},
}

// FuzzLoad loads a rule file laid over testdata/minimal and a worst-case
// vocabulary (see WorstCaseVocabulary). Load must not panic; a failure must be a
// *LoadError whose every issue points inside its file and prints as valid
// UTF-8; a rule set that loads must evaluate valid profiles without
// passing the runtime cost limit, since the load-time estimate is meant to
// be an upper bound. The profiles include the worst-case ones, whose every
// list holds MaxListLen entries of MaxEntryLen bytes, where the estimate
// is tight.
func FuzzLoad(f *testing.F) {
	for _, s := range fuzzseed.Files(f, "../testdata/fuzz/FuzzLoad/*", "../testdata/minimal/*.yaml",
		"../testdata/semantics/*.yaml", "../rules/*.yaml") {
		f.Add(s)
	}
	for _, s := range fuzzseed.Files(f, "../testdata/invalid/*.txtar") {
		for _, file := range parseArchive(s).files {
			if file.name != "want" && file.name != "options" {
				f.Add(file.data)
			}
		}
	}
	base := fstest.MapFS{}
	dirFS(f, "../testdata/minimal", "base/", base)
	base["base/worst-case.yaml"] = &fstest.MapFile{Data: []byte(recommend.WorstCaseVocabulary())}
	profiles := append(slices.Clone(baseProfiles), recommend.WorstCaseProfiles(rand.New(rand.NewPCG(1, 2)))...)
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"fuzz.yaml": {Data: data}}
		for name, file := range base {
			fsys[name] = file
		}
		eng, err := recommend.Load(fsys, recommend.WithMaxFileSize(1<<16))
		if err != nil {
			checkLoadError(t, fsys, err)
			return
		}
		for _, p := range profiles {
			_, err := eng.Recommend(context.Background(), p)
			var ee *recommend.EvalError
			switch {
			case err == nil:
			case strings.Contains(err.Error(), "over the runtime cost limit"):
				// Recommend cannot return the cost-limit error: the
				// load-time estimate bounds every valid profile's cost.
				t.Fatalf("a rule passed the load-time cost estimate but not the runtime limit: %v\nrule file:\n%s", err, data)
			case !errors.As(err, &ee):
				t.Fatalf("Recommend(%+v) error is %T, want nil or *EvalError: %v", p, err, err)
			}
		}
	})
}

// lineBreaks turns every line break YAML knows into \n, as Load does.
var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u0085", "\n", "\u2028", "\n", "\u2029", "\n")

// checkLoadError checks that err is a *LoadError whose issues all point
// inside their files.
func checkLoadError(t *testing.T, fsys fstest.MapFS, err error) {
	t.Helper()
	var le *recommend.LoadError
	if !errors.As(err, &le) || !errors.Is(err, recommend.ErrInvalidRules) {
		t.Fatalf("Load error is %T, want *recommend.LoadError: %v", err, err)
	}
	if len(le.Issues) == 0 {
		t.Fatal("LoadError has no issues")
	}
	if msg := err.Error(); !utf8.ValidString(msg) {
		t.Fatalf("Load error is not valid UTF-8: %q", msg)
	}
	for _, is := range le.Issues {
		file, ok := fsys[is.File]
		if !ok {
			t.Fatalf("issue %q names a file that does not exist", is.Error())
		}
		if is.Line == 0 {
			continue
		}
		data := bytes.TrimPrefix(file.Data, []byte("\uFEFF"))
		lines := strings.Split(lineBreaks.Replace(string(data)), "\n")
		if is.Line < 1 || is.Line > len(lines) {
			t.Fatalf("issue %q: line %d is outside the file's %d lines", is.Error(), is.Line, len(lines))
		}
		width := utf8.RuneCountInString(lines[is.Line-1])
		if is.Column < 1 || is.Column > width+1 {
			t.Fatalf("issue %q: column %d is outside line %d, %d characters wide", is.Error(), is.Column, is.Line, width)
		}
	}
}

// seedProfiles adds the seeds of FuzzRecommend to f, the profiles in
// testdata/fuzz/FuzzRecommend and testdata/profiles, and returns the
// default rules, which the targets that read profiles run them through.
func seedProfiles(f *testing.F) *recommend.Engine {
	f.Helper()
	for _, s := range fuzzseed.Files(f, "../testdata/fuzz/FuzzRecommend/*", "../testdata/profiles/*") {
		f.Add(s)
	}
	eng, err := recommend.Default()
	if err != nil {
		f.Fatal(err)
	}
	return eng
}

// FuzzRecommend decodes a profile and runs it through the default rules.
// Neither may panic; a decoding error is one line; Recommend either
// rejects the profile with a *ProfileError or gives a Result that keeps the
// safety policy's invariants, the same every time.
func FuzzRecommend(f *testing.F) {
	eng := seedProfiles(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := recommend.DecodeProfile(bytes.NewReader(data))
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "\n") {
				t.Fatalf("DecodeProfile error is not one line: %q", msg)
			}
			return
		}
		res, err := eng.Recommend(context.Background(), p)
		if err != nil {
			if !errors.Is(err, recommend.ErrInvalidProfile) {
				t.Fatalf("Recommend(%+v) error = %v, want nil or a *ProfileError", p, err)
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("ProfileError is not valid UTF-8: %q", err.Error())
			}
			// What can be read of it still gets its referrals, every
			// entry the vocabulary lacks read as its problem reads it.
			tri, err := eng.Triage(context.Background(), p)
			if tri == nil {
				t.Fatalf("Triage(%+v) = nil, %v: want the referrals of what it can read", p, err)
			}
			checkInvariants(t, tri)
			return
		}
		checkInvariants(t, res)
		var a, b bytes.Buffer
		if err := report.WriteJSON(&a, res); err != nil {
			t.Fatal(err)
		}
		again, err := eng.Recommend(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if err := report.WriteJSON(&b, again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("two calls with %+v gave different JSON", p)
		}
	})
}

// checkInvariants checks the safety policy on a Result.
func checkInvariants(t *testing.T, res *recommend.Result) {
	t.Helper()
	var avoided []string
	for _, it := range res.Avoided {
		avoided = append(avoided, it.Movement)
	}
	for _, it := range res.Recommended {
		if slices.Contains(avoided, it.Movement) {
			t.Fatalf("movement %q is both recommended and avoided", it.Movement)
		}
		if len(it.Citations) == 0 {
			t.Fatalf("recommended movement %q has no citation", it.Movement)
		}
	}
	if res.Withheld && (len(res.Recommended) > 0 || len(res.NeedsEquipment) > 0) {
		t.Fatal("advice is withheld but movements are still recommended")
	}
	for i := 1; i < len(res.Referrals); i++ {
		if !res.Referrals[i-1].Urgency.AtLeast(res.Referrals[i].Urgency) {
			t.Fatalf("referrals out of order: %s before %s", res.Referrals[i-1].Urgency, res.Referrals[i].Urgency)
		}
	}
	// The referral story folds a referral only into one at least as
	// urgent, so the most urgent referral is always shown.
	for _, f := range res.FoldedReferrals {
		if len(res.Referrals) == 0 || !res.Referrals[0].Urgency.AtLeast(f.Urgency) {
			t.Fatalf("folded referral %v (%s) is more urgent than every shown one", f.Rules, f.Urgency)
		}
		if f.Withhold && !res.Withheld {
			t.Fatalf("folded referral %v withholds, but advice is not withheld", f.Rules)
		}
	}
}
