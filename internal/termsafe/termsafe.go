// Package termsafe makes text from rule files, profiles and file names safe
// to print on a terminal: a character that could act on it (an escape
// sequence, a bell, a bidirectional override) is written as a Go escape
// instead. Printable text, letters of any script included, is kept as it
// is, and so are backslashes, so escaping twice changes nothing.
package termsafe

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Line returns s with each invalid UTF-8 byte and each character that
// strconv.IsPrint rejects (control characters, line breaks and tabs,
// invisible format characters, spaces other than U+0020) written as a Go
// escape: \x1b, \a, \n, \u202e. The result is one line.
func Line(s string) string { return escape(s, false) }

// Text is Line for text of several lines: line feeds and tabs are kept.
func Text(s string) string { return escape(s, true) }

func escape(s string, keepLines bool) string {
	keep := func(r rune) bool { return strconv.IsPrint(r) || keepLines && (r == '\n' || r == '\t') }
	i := 0
	for i < len(s) {
		if c := s[i]; c >= ' ' && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !keep(r) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keep(r):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRune(r) // '\x1b', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}
