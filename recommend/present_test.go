package recommend_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/backrules/backrules/internal/golden"
	"github.com/backrules/backrules/recommend"
)

// TestWriteTextGolden writes the text report of profiles on the rule set in
// testdata/policy and compares it with the golden files
// testdata/golden/policy-*-text.golden. Between them they show every
// section of the report: referrals, merged and not, withheld advice,
// recommended items with reasons and cautions, avoided items, both kinds
// of conflict, equipment needs, sources with and without an address, a
// report with nothing to recommend, and the rule set line. Run with
// -update to rewrite them.
func TestWriteTextGolden(t *testing.T) {
	f := loadPolicy(t)
	tests := []struct {
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
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.recommend(t, tt.profile)
			var b bytes.Buffer
			if err := recommend.WriteDetailedText(&b, res); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("..", "testdata", "golden", "policy-"+tt.name+"-text.golden"), b.Bytes(), *update)
		})
	}
}

// failingWriter fails every write.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// TestWriteErrors checks that both presenters return the writer's error.
func TestWriteErrors(t *testing.T) {
	f := loadPolicy(t)
	res := f.recommend(t, recommend.Profile{Conditions: []string{"stiff"}})
	errFull := errors.New("disk full")
	tests := []struct {
		name  string
		write func(w failingWriter) error
	}{
		{"WriteText", func(w failingWriter) error { return recommend.WriteText(w, res) }},
		{"WriteJSON", func(w failingWriter) error { return recommend.WriteJSON(w, res) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.write(failingWriter{errFull}); !errors.Is(err, errFull) {
				t.Errorf("%s to a failing writer = %v, want its error", tt.name, err)
			}
		})
	}
}
