package termsafe

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		in, line, text string
	}{
		{"plain text", "plain text", "plain text"},
		{"café, Ελληνικά, 日本", "café, Ελληνικά, 日本", "café, Ελληνικά, 日本"},
		{"\x1b]0;PWNED\a\x1b[2J", `\x1b]0;PWNED\a\x1b[2J`, `\x1b]0;PWNED\a\x1b[2J`},
		{"two\nlines\tand tab", `two\nlines\tand tab`, "two\nlines\tand tab"},
		{"bidi \u202e override", `bidi \u202e override`, `bidi \u202e override`},
		{"bad \xff byte", `bad \xff byte`, `bad \xff byte`},
		{`back\slash`, `back\slash`, `back\slash`},
		{"", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got := [2]string{Line(tt.in), Text(tt.in)}
			if diff := cmp.Diff([2]string{tt.line, tt.text}, got); diff != "" {
				t.Errorf("escape(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			// Escaping twice changes nothing.
			if again := Line(got[0]); again != got[0] {
				t.Errorf("Line(Line(%q)) = %q, want %q", tt.in, again, got[0])
			}
		})
	}
}
