package report_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/backrules/backrules/internal/golden"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in ../../testdata/golden")

// policy is the rule set in testdata/policy, which reaches every section
// of the reports.
type policy struct{ eng *recommend.Engine }

func loadPolicy(t testing.TB) policy {
	t.Helper()
	eng, err := recommend.Load(os.DirFS("../../testdata/policy"))
	if err != nil {
		t.Fatal(err)
	}
	return policy{eng}
}

func (f policy) recommend(t testing.TB, p recommend.Profile) *recommend.Result {
	t.Helper()
	res, err := f.eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatalf("Recommend(%+v): %v", p, err)
	}
	return res
}

// TestWriteTextGolden writes the reports of profiles on the rule set in
// testdata/policy, in each format for people, and compares them with the
// golden files testdata/golden/policy-PROFILE-FORMAT.golden: "text" is
// WriteText, the short report; "detailed" is WriteDetailedText; "markdown"
// is WriteMarkdown. Between them the profiles reach every section:
// referrals, merged and not, withheld advice, recommended items with
// reasons and cautions, avoided items, both kinds of conflict, equipment
// needs, sources with and without an address, a result with nothing to
// recommend, and the rule set line. Run with -update to rewrite them.
func TestWriteTextGolden(t *testing.T) {
	f := loadPolicy(t)
	profiles := []struct {
		name    string
		profile recommend.Profile
	}{
		{"advice", recommend.Profile{
			Conditions: []string{"tender", "stiff", "sore", "sensitive"},
			RedFlags:   []string{"weakness", "fever"},
		}},
		{"withheld", recommend.Profile{
			Conditions: []string{"stiff", "sensitive"},
			RedFlags:   []string{"night_pain", "numbness"},
			Equipment:  []string{"roller"},
		}},
		{"nothing-matched", recommend.Profile{}},
	}
	formats := []struct {
		name  string
		write func(io.Writer, *recommend.Result) error
	}{
		{"text", report.WriteText},
		{"detailed", report.WriteDetailedText},
		{"markdown", report.WriteMarkdown},
	}
	for _, p := range profiles {
		res := f.recommend(t, p.profile)
		for _, format := range formats {
			name := p.name + "-" + format.name
			t.Run(name, func(t *testing.T) {
				var b bytes.Buffer
				if err := format.write(&b, res); err != nil {
					t.Fatal(err)
				}
				golden.Check(t, filepath.Join("..", "..", "testdata", "golden", "policy-"+name+".golden"), b.Bytes(), *update)
			})
		}
	}
}

// failingWriter fails every write.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// TestWriteErrors checks that every writer of a Result returns the
// writer's error, and refuses a nil Result without writing.
func TestWriteErrors(t *testing.T) {
	f := loadPolicy(t)
	res := f.recommend(t, recommend.Profile{Conditions: []string{"stiff"}})
	errFull := errors.New("disk full")
	tests := []struct {
		name  string
		write func(io.Writer, *recommend.Result) error
	}{
		{"WriteText", report.WriteText},
		{"WriteDetailedText", report.WriteDetailedText},
		{"WriteMarkdown", report.WriteMarkdown},
		{"WriteJSON", report.WriteJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.write(failingWriter{errFull}, res); !errors.Is(err, errFull) {
				t.Errorf("%s to a failing writer = %v, want its error", tt.name, err)
			}
			var b bytes.Buffer
			if err := tt.write(&b, nil); err == nil || b.Len() != 0 {
				t.Errorf("%s(nil) = %v with %d bytes, want an error and nothing written", tt.name, err, b.Len())
			}
		})
	}
}

// TestWriteExplanationZeroRule checks that the text explanation writers
// refuse an explanation with a zero RuleExplanation, which explains no
// rule, and write nothing.
func TestWriteExplanationZeroRule(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	rx, err := eng.ExplainReferrals(context.Background(), recommend.Profile{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rx.Rules) == 0 {
		t.Fatal("no referral rule: the test proves nothing")
	}
	rules := []recommend.RuleExplanation{rx.Rules[0], {}}
	var b bytes.Buffer
	for name, err := range map[string]error{
		"WriteExplanation":         report.WriteExplanation(&b, &recommend.Explanation{Movement: "m", Rules: rules}),
		"WriteReferralExplanation": report.WriteReferralExplanation(&b, &recommend.ReferralExplanation{Rules: rules}),
	} {
		if err == nil {
			t.Errorf("%s with a zero rule gave no error", name)
		}
	}
	if b.Len() != 0 {
		t.Errorf("writers wrote %q for an explanation with a zero rule", b.String())
	}
}

// TestWriteExplanationNil checks that the explanation writers refuse a nil
// explanation and write nothing.
func TestWriteExplanationNil(t *testing.T) {
	var b bytes.Buffer
	for name, err := range map[string]error{
		"WriteExplanation":             report.WriteExplanation(&b, nil),
		"WriteExplanationJSON":         report.WriteExplanationJSON(&b, nil),
		"WriteReferralExplanation":     report.WriteReferralExplanation(&b, nil),
		"WriteReferralExplanationJSON": report.WriteReferralExplanationJSON(&b, nil),
	} {
		if err == nil {
			t.Errorf("%s(nil) gave no error", name)
		}
	}
	if b.Len() != 0 {
		t.Errorf("writers wrote %q for a nil explanation", b.String())
	}
}

// TestWriteNilWriter checks that every writer refuses a nil io.Writer
// with an error instead of panicking on its first write.
func TestWriteNilWriter(t *testing.T) {
	f := loadPolicy(t)
	res := f.recommend(t, recommend.Profile{Conditions: []string{"stiff"}})
	x := &recommend.Explanation{Movement: "m"}
	rx := &recommend.ReferralExplanation{}
	tests := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"WriteText", func(w io.Writer) error { return report.WriteText(w, res) }},
		{"WriteMarkdown", func(w io.Writer) error { return report.WriteMarkdown(w, res) }},
		{"WriteMarkdownPictures", func(w io.Writer) error { return report.WriteMarkdownPictures(w, res, f.eng, "m/") }},
		{"WriteDetailedText", func(w io.Writer) error { return report.WriteDetailedText(w, res) }},
		{"WriteJSON", func(w io.Writer) error { return report.WriteJSON(w, res) }},
		{"WriteJSONWith indented", func(w io.Writer) error {
			return report.WriteJSONWith(w, res, report.JSONOptions{Indent: "  ", Trace: true})
		}},
		{"WriteExplanation", func(w io.Writer) error { return report.WriteExplanation(w, x) }},
		{"WriteExplanationJSON", func(w io.Writer) error { return report.WriteExplanationJSON(w, x) }},
		{"WriteReferralExplanation", func(w io.Writer) error { return report.WriteReferralExplanation(w, rx) }},
		{"WriteReferralExplanationJSON", func(w io.Writer) error { return report.WriteReferralExplanationJSON(w, rx) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("%s(nil writer) panicked: %v", tt.name, r)
				}
			}()
			if err := tt.write(nil); err == nil {
				t.Errorf("%s(nil writer) = nil, want an error", tt.name)
			}
		})
	}
}

// TestWordsOfNil checks that the helpers that word an explanation or a
// programme give "" for a nil one instead of panicking.
func TestWordsOfNil(t *testing.T) {
	for name, words := range map[string]func() string{
		"OutcomeWords":   func() string { return report.OutcomeWords(nil) },
		"AdherenceWords": func() string { return report.AdherenceWords(nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("%s(nil) panicked: %v", name, r)
				}
			}()
			if got := words(); got != "" {
				t.Errorf("%s(nil) = %q, want \"\"", name, got)
			}
		})
	}
}
