package parse

// Positions in rule files: where a character of a YAML scalar's value was
// written, for CEL errors inside conditions, and helpers for lines.

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Offsets maps character offsets in the value of a YAML scalar, such as a
// rule's when condition, back to positions in the file it was written in.
// It keeps what the mapping needs, the file's text and the scalar's
// place and style, and not the YAML node.
type Offsets struct {
	file           string
	src            []byte
	line, column   int
	block          bool // a literal (|) or folded (>) block scalar
	double, single bool // a double- or single-quoted scalar
	value          []rune
}

// newOffsets returns the offset map of scalar n of file, whose text is src.
func newOffsets(file string, src []byte, n *yaml.Node) *Offsets {
	return &Offsets{
		file: file, src: src, line: n.Line, column: n.Column,
		// Style is a set of bits: TaggedStyle may come with any other.
		block:  n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0,
		double: n.Style&yaml.DoubleQuotedStyle != 0,
		single: n.Style&yaml.SingleQuotedStyle != 0,
		value:  []rune(n.Value),
	}
}

// Pos returns the position in the file of the character at offset off of
// the value; an offset past the end gives the position just after it.
//
// YAML changes a scalar's text on the way to its value: quotes and escapes
// are removed, block scalars (| and >) start on the line after their
// indicator and lose their indentation, and folded and plain scalars turn
// line breaks into spaces. Pos walks the value and the source side by side,
// skipping the characters YAML dropped (and a tag or anchor before the
// scalar), so a CEL error at offset off lands on the character the author
// wrote. The result is always inside the file, whose line breaks must be \n
// or \r\n (see NormalizeLineBreaks).
func (o *Offsets) Pos(off int) FilePos {
	line, col := o.position(off)
	return FilePos{o.file, Pos{line, col}}
}

func (o *Offsets) position(off int) (line, col int) {
	src := o.src
	// Find where the scalar's content starts in src.
	start := lineStart(src, o.line)
	if start < 0 {
		// YAML places some empty values past the end of the file.
		return endOfFile(src)
	}
	s := []rune(string(src[start:]))
	j := 0 // index into s
	double, single := o.double, o.single
	switch {
	case o.block:
		// Content starts on the line after the | or > header, which may
		// come on a later line than a tag.
		j = skipProperties(s, o.column-1)
		for j < len(s) && s[j] != '\n' {
			j++
		}
		j++
	default:
		j = skipProperties(s, o.column-1)
		if double || single {
			j++ // skip the opening quote
		}
	}
	v := o.value
	off = min(max(off, 0), len(v))
	if o.block {
		// The line breaks that end a block scalar's value (| and > keep
		// one, |+ all) are not where the author wrote anything: an offset
		// among them, such as CEL's end of input after an unclosed
		// parenthesis or a trailing operator, lands just after the last
		// character of the value, on its last line, and not at the start
		// of the file's next line, which belongs to another key.
		end := len(v)
		for end > 0 && v[end-1] == '\n' {
			end--
		}
		off = min(off, end)
	}
	isSpace := func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }
	for i := 0; i < off && j < len(s); {
		switch {
		case double && s[j] == '\\':
			if j+1 < len(s) && s[j+1] == '\n' {
				j += 2 // an escaped line break adds nothing to the value
				continue
			}
			j += escapeLen(s[j:])
			i++
		case single && s[j] == '\'' && j+1 < len(s) && s[j+1] == '\'':
			j += 2
			i++
		case s[j] == v[i]:
			i, j = i+1, j+1
		case isSpace(s[j]) || (isSpace(v[i]) && s[j] != v[i]):
			// Indentation or a folded line break in the source, or a
			// space the value gained from folding.
			if isSpace(v[i]) && s[j] == '\n' {
				i++
			}
			j++
		default:
			j++
		}
	}
	// Land on the character at off itself, not on whitespace before it.
	if off < len(v) {
		for j < len(s) && s[j] != v[off] && isSpace(s[j]) {
			j++
		}
	}
	// Convert j back to a line and column.
	line, col = o.line, 1
	for _, r := range s[:min(j, len(s))] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// skipProperties skips the tag (!name) and anchor (&name) that may come
// before a scalar, from index j of s, with the space and comments after
// them, and returns the index of the scalar itself.
func skipProperties(s []rune, j int) int {
	for j < len(s) && (s[j] == '!' || s[j] == '&') {
		if s[j] == '&' {
			// An anchor name is letters, digits, '_' and '-'.
			j++
			for j < len(s) && (s[j] < utf8.RuneSelf && (unicode.IsLetter(s[j]) || unicode.IsDigit(s[j])) || s[j] == '_' || s[j] == '-') {
				j++
			}
		} else {
			// A tag runs to the next space.
			for j < len(s) && !unicode.IsSpace(s[j]) {
				j++
			}
		}
		for j < len(s) {
			switch {
			case unicode.IsSpace(s[j]):
				j++
				continue
			case s[j] == '#':
				for j < len(s) && s[j] != '\n' {
					j++
				}
				continue
			}
			break
		}
	}
	return j
}

// escapeLen is the length of the escape sequence at the start of s, which
// begins with a backslash, in a double-quoted YAML scalar.
func escapeLen(s []rune) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case 'x':
		return min(4, len(s))
	case 'u':
		return min(6, len(s))
	case 'U':
		return min(10, len(s))
	}
	return 2
}

// endOfFile returns the line and column just after the last character of
// src.
func endOfFile(src []byte) (line, col int) {
	line = bytes.Count(src, []byte("\n")) + 1
	last := src[bytes.LastIndexByte(src, '\n')+1:]
	return line, utf8.RuneCount(bytes.TrimSuffix(last, []byte("\r"))) + 1
}

// lineStart returns the byte offset of the start of line n (1-based) in src,
// or -1.
func lineStart(src []byte, n int) int {
	off := 0
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src[off:], '\n')
		if j < 0 {
			return -1
		}
		off += j + 1
	}
	return off
}

// Line returns line n (1-based) of src without its line ending, or "" when
// there is no such line. The text is as written: callers that print it
// must make it safe for a terminal.
func Line(src []byte, n int) string {
	if n < 1 {
		return ""
	}
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return ""
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return strings.TrimSuffix(string(src), "\r")
}

// NormalizeLineBreaks returns src with every line break YAML knows other
// than \n and \r\n (a lone \r, and the Unicode NEL, LS and PS) made \n, so
// that YAML's line numbers and this package's agree. Text without them,
// nearly all, is returned as it is.
func NormalizeLineBreaks(src []byte) []byte { return normalizeLineBreaks(src) }
