package words

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestClosest(t *testing.T) {
	known := []string{"conditions", "red_flags", "aggravated_by", "eased_by", "equipment"}
	tests := []struct {
		s, want string
	}{
		{"conditons", "conditions"},
		{"red_flag", "red_flags"},
		{"equipmnet", "equipment"},
		{"age", ""},             // no candidate within 2 edits
		{"easedby", "eased_by"}, // one edit
		{"", ""},                // nothing is close to nothing but short names
		{strings.Repeat("x", 1000), ""},
	}
	for _, tt := range tests {
		t.Run(tt.s[:min(len(tt.s), 20)], func(t *testing.T) {
			if got := Closest(tt.s, known); got != tt.want {
				t.Errorf("Closest(%q) = %q, want %q", tt.s, got, tt.want)
			}
		})
	}
	if got := Closest("x", nil); got != "" {
		t.Errorf("Closest with no candidates = %q, want \"\"", got)
	}
}

func TestPhrases(t *testing.T) {
	got := []string{
		DidYouMean("tovel", []string{"towel", "bed"}),
		DidYouMean("zzzzzz", []string{"towel"}),
		Suggest("'profile'"),
		Count(0, "case"), Count(1, "case"), Count(2, "case"),
		Count(1, "alias"), Count(3, "alias"), Count(2, "equipment"),
		Plural("rule"), Plural("alias"), Plural("equipment"),
		List(nil), List([]string{"a"}), List([]string{"a", "b"}), List([]string{"a", "b", "c"}),
	}
	want := []string{
		` (did you mean "towel"?)`,
		"",
		" (did you mean 'profile'?)",
		"0 cases", "1 case", "2 cases",
		"1 alias", "3 aliases", "2 equipment",
		"rules", "aliases", "equipment",
		"", "a", "a and b", "a, b and c",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("phrases mismatch (-want +got):\n%s", diff)
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"same", "same", 0},
		// Inputs are capped at 64 bytes.
		{strings.Repeat("a", 100), strings.Repeat("a", 64), 0},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCapitalAndOneLine(t *testing.T) {
	tests := []struct {
		name, in, capital, oneLine string
	}{
		{"empty", "", "", ""},
		{"word", "urgent", "Urgent", "urgent"},
		{"lines", " a\n\tb  c ", " a\n\tb  c ", "a b c"},
		{"not a letter", "1 step", "1 step", "1 step"},
		{"accent", "élan", "Élan", "élan"},
		{"invalid", "\xffx", "\xffx", "\xffx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Capital(tt.in); got != tt.capital {
				t.Errorf("Capital(%q) = %q, want %q", tt.in, got, tt.capital)
			}
			if got := OneLine(tt.in); got != tt.oneLine {
				t.Errorf("OneLine(%q) = %q, want %q", tt.in, got, tt.oneLine)
			}
		})
	}
}
