package recommend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/fuzzseed"
	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzDecodeProfileJSON decodes profiles written as JSON. DecodeProfile
// must not panic; a refusal must be a one-line *ProfileError whose problems
// lie inside the input; an accepted profile must agree with what
// encoding/json reads from the same text, and write back to JSON that
// decodes to the same Profile.
func FuzzDecodeProfileJSON(f *testing.F) {
	for _, s := range fuzzseed.Files(f, "../testdata/fuzz/FuzzDecodeProfileJSON/*", "../testdata/fuzz/FuzzRecommend/*.json") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, ok := checkDecode(t, data)
		if !ok || !isJSONInput(data) {
			return
		}
		// encoding/json, reading the same text loosely, sees the same
		// fields and values.
		var loose map[string]any
		if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\uFEFF")), &loose); err != nil {
			t.Fatalf("DecodeProfile accepted %q, which encoding/json refuses: %v", data, err)
		}
		if cs, ok := loose["check_ins"].([]any); ok { // an empty done list is left out too
			for _, c := range cs {
				if m, ok := c.(map[string]any); ok {
					if d, ok := m["done"].([]any); ok && len(d) == 0 {
						delete(m, "done")
					}
				}
			}
		}
		for k, v := range loose { // as omitempty leaves them out
			if l, ok := v.([]any); ok && len(l) == 0 || v == 0.0 || v == "" {
				delete(loose, k)
			}
		}
		if diff := cmp.Diff(loose, profileMap(t, p)); diff != "" {
			t.Fatalf("DecodeProfile(%q) disagrees with encoding/json (-json +DecodeProfile):\n%s", data, diff)
		}
	})
}

// FuzzDecodeProfileYAML decodes profiles written as YAML. DecodeProfile
// must not panic; a refusal must be a one-line *ProfileError whose problems
// lie inside the input; an accepted profile must agree with what yaml.v3
// reads into a Profile, and write back to JSON that decodes to the same
// Profile.
func FuzzDecodeProfileYAML(f *testing.F) {
	for _, s := range fuzzseed.Files(f, "../testdata/fuzz/FuzzDecodeProfileYAML/*", "../testdata/fuzz/FuzzRecommend/*.yaml",
		"../testdata/profiles/*") {
		f.Add(s)
	}
	// YAML the YAML layer refuses, whose readable part DecodeProfile
	// returns, and input over the limit cut inside a word and a number.
	for _, s := range []string{
		"red_flags: &a [saddle_numbness]\nx: *a\n",
		"<<: {red_flags: [saddle_numbness]}\nage: 4\n",
		"red_flags: [saddle_numbness]\npain_level: !foo 4\n7: x\n",
		"red_flags: [saddle_numbness]\n---\nage: 4\n",
		"red_flags:\n- saddle_numbness\n  x: [\n",
		"x: &a [y, *a]\nred_flags: [night_pain]\n",
		"red_flags: [saddle_numbness]\nx: " + strings.Repeat("a", recommend.MaxProfileBytes-53) + "\nred_flags:\n- night_pain\n",
		`{"red_flags":["saddle_numbness"],"x":"` + strings.Repeat("a", recommend.MaxProfileBytes-54) + `","pain_level":10}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, ok := checkDecode(t, data)
		if !ok || isJSONInput(data) {
			return
		}
		// yaml.v3 reads the same profile, once its line breaks are the
		// ones DecodeProfile reads (it turns U+2028 and the like into
		// line feeds, as the rule loader does).
		var loose recommend.Profile
		if err := parse.Unmarshal([]byte(lineBreaks.Replace(string(data))), &loose); err != nil {
			t.Fatalf("DecodeProfile accepted %q, which yaml.v3 refuses: %v", data, err)
		}
		if diff := cmp.Diff(loose, p, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("DecodeProfile(%q) disagrees with yaml.v3 (-yaml.v3 +DecodeProfile):\n%s", data, diff)
		}
	})
}

// isJSONInput reports whether DecodeProfile reads data as JSON.
func isJSONInput(data []byte) bool {
	data = bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\uFEFF")), " \t\r\n")
	return len(data) > 0 && data[0] == '{'
}

// checkDecode decodes data and checks what any decoding must keep to. It
// returns the profile and whether it was accepted.
func checkDecode(t *testing.T, data []byte) (recommend.Profile, bool) {
	t.Helper()
	p, err := recommend.DecodeProfile(bytes.NewReader(data))
	checkValuesInInput(t, data, p)
	if err != nil {
		var pe *recommend.ProfileError
		if !errors.As(err, &pe) || !errors.Is(err, recommend.ErrInvalidProfile) {
			t.Fatalf("DecodeProfile error is %T, want a *ProfileError: %v", err, err)
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\n\r") || !utf8.ValidString(msg) {
			t.Fatalf("DecodeProfile error is not one line of UTF-8: %q", msg)
		}
		if len(pe.Problems) == 0 || len(pe.Problems) > 10 {
			t.Fatalf("DecodeProfile reported %d problems, want 1 to 10: %v", len(pe.Problems), err)
		}
		for _, fp := range pe.Problems {
			checkInside(t, data, fp)
		}
		// The profile holds what could be read, which Triage reads
		// into an incomplete Result.
		eng, err := fuzzEngine()
		if err != nil {
			t.Fatal(err)
		}
		res, err := eng.Triage(context.Background(), p)
		if res == nil || !res.Incomplete || err != nil {
			t.Fatalf("Triage of what DecodeProfile read of %q = %+v, %v; want an incomplete Result", data, res, err)
		}
		checkEngineRefusal(t, eng, data, res)
		return p, false
	}
	checkEngineDecode(t, data, p)
	again, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("json.Marshal(%+v): %v", p, err)
	}
	back, err := recommend.DecodeProfile(bytes.NewReader(again))
	if err != nil {
		t.Fatalf("DecodeProfile(%q) gave %+v, whose JSON %s does not decode: %v", data, p, again, err)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Fatalf("DecodeProfile(%q) gave %+v; its JSON %s decodes to another profile (-first +again):\n%s", data, p, again, diff)
	}
	return p, true
}

// checkValuesInInput checks that every string value of p, what
// DecodeProfile read of data, accepted or not, is text of data that the
// decoder read as a value, and no more: each word of it stands in data
// whole, between characters that are not letters, digits or '_', so that
// no value is made of a value cut short (night_p of night_pain), of a
// key, or of nothing. A word with U+FFFD (a byte that is not UTF-8) is
// not checked, nor is input with an escape (a backslash, or a doubled
// single quote in YAML).
func checkValuesInInput(t *testing.T, data []byte, p recommend.Profile) {
	t.Helper()
	src := string(bytes.TrimPrefix(data, []byte("\uFEFF")))
	if strings.Contains(src, "\\") || strings.Contains(src, "''") {
		return
	}
	values := slices.Concat(p.Conditions, p.RedFlags, p.AggravatedBy, p.EasedBy, p.Equipment, []string{p.Sex, p.Episode})
	for _, c := range p.CheckIns {
		for _, d := range c.Done {
			values = append(values, d.Movement, d.Response)
		}
	}
	for _, v := range values {
		for _, w := range strings.Fields(v) {
			if !strings.ContainsRune(w, utf8.RuneError) && !holdsWord(src, w) {
				t.Fatalf("DecodeProfile(%.300q) read the value %q, whose %q is not a word of the input", data, v, w)
			}
		}
	}
}

// holdsWord reports whether src holds w with no letter, digit or '_'
// right before or after it.
func holdsWord(src, w string) bool {
	word := func(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
	for i := 0; ; {
		j := strings.Index(src[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		before, _ := utf8.DecodeLastRuneInString(src[:start])
		after, _ := utf8.DecodeRuneInString(src[end:])
		if (start == 0 || !word(before)) && (end == len(src) || !word(after)) {
			return true
		}
		i = start + 1
	}
}

// fuzzEngine is the engine the decode fuzz targets check
// Engine.DecodeProfile with.
var fuzzEngine = sync.OnceValues(recommend.Default)

// checkEngineDecode checks Engine.DecodeProfile on input that the function
// DecodeProfile accepted as p: it gives p when Validate accepts p, and
// otherwise Validate's problems, in order, each placed inside the input
// when it names a list entry.
func checkEngineDecode(t *testing.T, data []byte, p recommend.Profile) {
	t.Helper()
	eng, err := fuzzEngine()
	if err != nil {
		t.Fatal(err)
	}
	got, err := eng.DecodeProfile(bytes.NewReader(data))
	verr := eng.Validate(p)
	if verr == nil {
		if err != nil {
			t.Fatalf("Engine.DecodeProfile(%q): %v; Validate accepts the profile", data, err)
		}
		if diff := cmp.Diff(p, got); diff != "" {
			t.Fatalf("Engine.DecodeProfile(%q) differs from DecodeProfile (-want +got):\n%s", data, diff)
		}
		return
	}
	var pe, want *recommend.ProfileError
	if !errors.As(err, &pe) || !errors.As(verr, &want) {
		t.Fatalf("Engine.DecodeProfile(%q) error is %v, want a *ProfileError like Validate's %v", data, err, verr)
	}
	if len(pe.Problems) != len(want.Problems) {
		t.Fatalf("Engine.DecodeProfile(%q) gave %d problems, Validate %d", data, len(pe.Problems), len(want.Problems))
	}
	for i, fp := range pe.Problems {
		w := want.Problems[i]
		if fp.Field != w.Field || fp.Value != w.Value || fp.Message != w.Message {
			t.Fatalf("Engine.DecodeProfile(%q) problem %d is %+v, Validate's %+v", data, i, fp, w)
		}
		if strings.HasSuffix(fp.Field, "]") && fp.Line == 0 {
			t.Fatalf("Engine.DecodeProfile(%q) gave no position for %s", data, fp.Field)
		}
		checkInside(t, data, fp)
	}
}

// checkInside checks that a problem with a position points inside the
// input: at a line it has, and at most one column past that line's end.
func checkInside(t *testing.T, data []byte, fp recommend.FieldProblem) {
	t.Helper()
	if fp.Line == 0 && fp.Column == 0 {
		return
	}
	src := string(bytes.TrimPrefix(data, []byte("\uFEFF")))
	var lines []string
	if isJSONInput(data) {
		lines = strings.Split(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(src), "\n")
	} else {
		lines = strings.Split(lineBreaks.Replace(src), "\n")
	}
	if fp.Line < 1 || fp.Line > len(lines) {
		t.Fatalf("problem %q: line %d is outside the input's %d lines", fp.String(), fp.Line, len(lines))
	}
	if width := utf8.RuneCountInString(lines[fp.Line-1]); fp.Column < 1 || fp.Column > width+1 {
		t.Fatalf("problem %q: column %d is outside line %d, %d characters wide", fp.String(), fp.Column, fp.Line, width)
	}
}

// profileMap returns p as encoding/json reads its JSON into a map: the
// fields that are set, numbers as float64.
func profileMap(t *testing.T, p recommend.Profile) map[string]any {
	t.Helper()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// urgencyRank orders urgencies, the most urgent highest.
var urgencyRank = map[recommend.Urgency]int{recommend.UrgencyRoutine: 1, recommend.UrgencyUrgent: 2, recommend.UrgencyEmergency: 3}

// checkEngineRefusal checks what Engine.DecodeProfile makes of data, a
// profile DecodeProfile refused, whose Triage gave res: it refuses it
// too, in one line, each problem inside the input; and what it reads,
// the red flags and conditions the input names where it cannot be read
// and the most pressing of values given twice included, triages to a
// referral at least as urgent as res's: reading more never lowers one.
func checkEngineRefusal(t *testing.T, eng *recommend.Engine, data []byte, res *recommend.Result) {
	t.Helper()
	p, err := eng.DecodeProfile(bytes.NewReader(data))
	var pe *recommend.ProfileError
	if !errors.As(err, &pe) {
		t.Fatalf("Engine.DecodeProfile(%q) = %v, want a *ProfileError as DecodeProfile gave", data, err)
	}
	if msg := err.Error(); strings.ContainsAny(msg, "\n\r") || !utf8.ValidString(msg) {
		t.Fatalf("Engine.DecodeProfile error is not one line of UTF-8: %q", msg)
	}
	for _, fp := range pe.Problems {
		checkInside(t, data, fp)
	}
	got, err := eng.Triage(context.Background(), p)
	if got == nil || !got.Incomplete || err != nil {
		t.Fatalf("Triage of what Engine.DecodeProfile read of %q = %+v, %v; want an incomplete Result", data, got, err)
	}
	first := func(r *recommend.Result) recommend.Urgency {
		if len(r.Referrals) == 0 {
			return ""
		}
		return r.Referrals[0].Urgency
	}
	if urgencyRank[first(got)] < urgencyRank[first(res)] {
		t.Fatalf("Engine.DecodeProfile(%q) reads a profile whose first referral is %q, less urgent than the %q of DecodeProfile's", data, first(got), first(res))
	}
}
