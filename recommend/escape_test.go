package recommend

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEscapeText checks that every character that could act on a terminal
// is written as a Go escape, and that printable text, in any script, is
// kept as it is.
func TestEscapeText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain ASCII", `undefined field 'x' (did you mean "y"?)`, `undefined field 'x' (did you mean "y"?)`},
		{"letters of other scripts", "señal, 腰痛, Schmerz über", "señal, 腰痛, Schmerz über"},
		{"emoji", "ok 👍", "ok 👍"},
		{"escape sequence and bell", "no such key: \x1b]0;PWNED\a\x1b[2J", `no such key: \x1b]0;PWNED\a\x1b[2J`},
		{"line breaks and tabs", "a\nb\r\tc", `a\nb\r\tc`},
		{"delete and C1 controls", "a\x7fb\u009bc", `a\x7fb\u009bc`},
		{"bidirectional override", "abc\u202edef", `abc\u202edef`},
		{"zero-width and no-break spaces", "a\u200bb\u00a0c", `a\u200bb\u00a0c`},
		{"invalid UTF-8", "a\xffb\xc3", `a\xffb\xc3`},
		{"backslashes kept, so escaping twice changes nothing", `\x1b \a \\`, `\x1b \a \\`},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := escapeText(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("escapeText(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if again := escapeText(got); again != got {
				t.Errorf("escapeText is not idempotent: %q, then %q", got, again)
			}
		})
	}
}

// TestSafeLine checks the snippet form: one U+FFFD for each character that
// could act on a terminal or that a terminal-safe writer escapes (spaces
// other than U+0020), so that the caret still lines up, and tabs kept.
func TestSafeLine(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", `    when: "'sitting' in profile.aggravated_by"`, `    when: "'sitting' in profile.aggravated_by"`},
		{"tabs and other scripts kept", "\twhen: 'señal' λ", "\twhen: 'señal' λ"},
		// A terminal-safe writer escapes a space other than U+0020 in
		// several columns (\u00a0), which would move the caret.
		{"no-break and thin spaces", "\twhen: 'señal'\u00a0\u2009x", "\twhen: 'señal'\uFFFD\uFFFDx"},
		{"escape sequence", "because: \x1b]0;x\a", "because: \uFFFD]0;x\uFFFD"},
		{"bidirectional override", "a\u202eb", "a\uFFFDb"},
		{"each invalid byte is one character", "a\xff\xfeb", "a\uFFFD\uFFFDb"},
		{"delete and C1 control", "a\x7f\u009b", "a\uFFFD\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, safeLine(tt.in)); diff != "" {
				t.Errorf("safeLine(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
