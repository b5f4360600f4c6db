package recommend_test

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/backrules/backrules/internal/golden"
	"github.com/backrules/backrules/recommend"
)

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
		{"text", recommend.WriteText},
		{"detailed", recommend.WriteDetailedText},
		{"markdown", recommend.WriteMarkdown},
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
				golden.Check(t, filepath.Join("..", "testdata", "golden", "policy-"+name+".golden"), b.Bytes(), *update)
			})
		}
	}
}

// failingWriter fails every write.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// TestWriteErrors checks that every presenter returns the writer's error.
func TestWriteErrors(t *testing.T) {
	f := loadPolicy(t)
	res := f.recommend(t, recommend.Profile{Conditions: []string{"stiff"}})
	errFull := errors.New("disk full")
	tests := []struct {
		name  string
		write func(io.Writer, *recommend.Result) error
	}{
		{"WriteText", recommend.WriteText},
		{"WriteDetailedText", recommend.WriteDetailedText},
		{"WriteMarkdown", recommend.WriteMarkdown},
		{"WriteJSON", recommend.WriteJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.write(failingWriter{errFull}, res); !errors.Is(err, errFull) {
				t.Errorf("%s to a failing writer = %v, want its error", tt.name, err)
			}
		})
	}
}
