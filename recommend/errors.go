package recommend

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/internal/termsafe"
)

// ErrInvalidRules is matched by every *LoadError, so callers can test
// errors.Is(err, ErrInvalidRules).
var ErrInvalidRules = errors.New("invalid rule set")

// LoadError reports every problem found while loading a rule set, sorted by
// file, line and column. Use errors.As to reach it.
//
// Rule files, their names and profiles may come from anyone, so the error
// texts of this package ([LoadError], [Issue], [EvalError]) never carry a
// control character, an invalid UTF-8 byte or another invisible character
// that could act on a terminal: each is written as a Go escape, such as
// \x1b or \u202e, while printable text, including letters of any script,
// is kept as it is. An Issue's fields hold the text as it was found.
type LoadError struct {
	// Issues are the problems, sorted by file, line and column.
	Issues []Issue
	// uncounted is how many more problems there are than Issues: for
	// each issue that ends a file with too many problems to show, the
	// problems it counts, less itself.
	uncounted int
}

// Count returns how many problems the rule set has: one for each issue
// but, for the issue that ends a file with more problems than are shown
// ("... and 2950 more problems in this file"), the problems it counts.
func (e *LoadError) Count() int {
	if e == nil {
		return 0
	}
	return len(e.Issues) + e.uncounted
}

// Error returns every issue in its long form, one after another.
func (e *LoadError) Error() string {
	var b strings.Builder
	for i, is := range e.Issues {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(is.Long())
	}
	return b.String()
}

// Is reports whether target is ErrInvalidRules.
func (e *LoadError) Is(target error) bool { return target == ErrInvalidRules }

// Unwrap returns the errors behind the issues that have one, such as a
// file that could not be read.
func (e *LoadError) Unwrap() []error {
	var errs []error
	for _, is := range e.Issues {
		if is.Err != nil {
			errs = append(errs, is.Err)
		}
	}
	return errs
}

// Issue is one problem in a rule set, with the position it points at.
type Issue struct {
	// File is the path of the rule file within the loaded fs.FS.
	File string
	// Line and Column are 1-based; Column counts characters, not bytes.
	// Both are 0 when the problem has no position in a file.
	Line, Column int
	// Message says what is wrong and, where it can, what was meant.
	Message string
	// Snippet is the text of the offending line, or "".
	Snippet string
	// Err is the error behind the issue, such as a failure to read the
	// file, or nil. LoadError's Unwrap returns it, so that
	// errors.Is(err, fs.ErrNotExist) works on a *LoadError.
	Err error
}

// Error returns the issue on one line: "file:line:col: message". Characters
// of the file name and the message that could act on a terminal are
// escaped (see [LoadError]).
func (i Issue) Error() string {
	if i.Line == 0 {
		return escapeText(i.File) + ": " + escapeText(i.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", escapeText(i.File), i.Line, i.Column, escapeText(i.Message))
}

// Long returns the issue with its source line and a caret under the column,
// in the style of CEL's own errors:
//
//	disc.yaml:3:41: in when: undefined field 'conditons' (did you mean 'conditions'?)
//	 |     when: "'disc_herniation' in profile.conditons"
//	 | ........................................^
//
// A line longer than 200 characters is cut to the 160 around the column,
// with "..." marking the cuts.
func (i Issue) Long() string {
	if i.Snippet == "" || i.Column < 1 {
		return i.Error()
	}
	const longLine, window = 200, 160
	line := []rune(i.Snippet)
	caret := i.Column - 1 // index into line
	var prefix, suffix string
	if len(line) > longLine {
		start := max(0, min(caret-window/2, len(line)-window))
		end := start + window
		if start > 0 {
			prefix = "..."
		}
		if end < len(line) {
			suffix = "..."
		}
		line, caret = line[start:end], caret-start
	}
	var b strings.Builder
	b.WriteString(i.Error())
	b.WriteString("\n | ")
	b.WriteString(prefix)
	b.WriteString(safeLine(string(line)))
	b.WriteString(suffix)
	b.WriteString("\n | ")
	b.WriteString(strings.Repeat(".", len(prefix)))
	for n := 0; n < caret; n++ {
		if n < len(line) && line[n] == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte('.')
		}
	}
	b.WriteByte('^')
	return b.String()
}

// loadError turns the problems the parse and compile stages found into a
// *LoadError, each with the line it points at.
func loadError(iss *parse.Issues) error {
	list := iss.List()
	out := make([]Issue, len(list))
	uncounted := 0
	for i, is := range list {
		if is.Hidden > 0 {
			uncounted += is.Hidden - 1
		}
		out[i] = Issue{
			File: is.File, Line: is.Line, Column: is.Column, Message: is.Message,
			Snippet: safeLine(parse.Line(iss.Source(is.File), is.Line)),
			Err:     is.Err,
		}
	}
	return &LoadError{Issues: out, uncounted: uncounted}
}

// safeLine returns a line of a rule file with each invalid UTF-8 byte, and
// each character other than tab that strconv.IsPrint rejects (control
// characters, invisible format characters such as the bidirectional
// overrides, and spaces other than U+0020, such as the no-break space),
// replaced by U+FFFD, so that it prints safely. Each replaced byte or
// character stays one character, so columns still line up with the caret,
// also where a program's output escapes what strconv.IsPrint rejects (as
// rulecheck's does): such an escape would take several columns.
func safeLine(s string) string {
	if isSafeLine(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r != '\t' && !strconv.IsPrint(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
		i += size
	}
	return b.String()
}

// isSafeLine reports whether safeLine would return s unchanged, as it does
// for nearly every line, without building a copy.
func isSafeLine(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < ' ' && c != '\t' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !strconv.IsPrint(r) {
			return false
		}
		i += size
	}
	return true
}

// escapeText returns s as one line safe for a terminal (see
// termsafe.Line).
func escapeText(s string) string { return termsafe.Line(s) }
