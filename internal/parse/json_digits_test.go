package parse_test

import (
	"testing"

	"github.com/backrules/backrules/internal/parse"
)

// TestASCIIDigits checks that full-width digits and signs are read as
// their ASCII forms, and that anything else is left as it is.
func TestASCIIDigits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"\uff19", "9"},
		{"\uff17\uff0e\uff15", "7.5"},
		{"\uff0d\uff12", "-2"},
		{"\uff0b1", "+1"},
		{"9", "9"},
		{"nine", "nine"},
		{"\uff33", "\uff33"}, // a full-width letter is no digit
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := parse.ASCIIDigits(tt.in); got != tt.want {
				t.Errorf("ASCIIDigits(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
