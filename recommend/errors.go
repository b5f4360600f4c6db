package recommend

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidRules is matched by every *LoadError, so callers can test
// errors.Is(err, ErrInvalidRules).
var ErrInvalidRules = errors.New("invalid rule set")

// LoadError reports every problem found while loading a rule set, sorted by
// file, line and column. Use errors.As to reach it.
type LoadError struct {
	Issues []Issue
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
}

// Error returns the issue on one line: "file:line:col: message".
func (i Issue) Error() string {
	if i.Line == 0 {
		return fmt.Sprintf("%s: %s", i.File, i.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", i.File, i.Line, i.Column, i.Message)
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
	b.WriteString(string(line))
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

// position is a place in a rule file.
type position struct {
	file      string
	line, col int
}

func (p position) String() string { return fmt.Sprintf("%s:%d:%d", p.file, p.line, p.col) }

// issueList collects issues from every stage of loading, so that a rule
// author sees all of them at once.
type issueList struct {
	perFile map[string]int    // issues added per file, reported or not
	files   map[string][]byte // file contents, for snippets
	issues  []Issue
}

// maxIssuesPerFile is the most issues reported for one file; the rest are
// counted and summed up in one line, so a badly broken file neither floods
// the author nor makes Load slow.
const maxIssuesPerFile = 50

// full reports whether file already has as many issues as are reported.
func (l *issueList) full(file string) bool {
	return l.perFile[file] >= maxIssuesPerFile
}

func (l *issueList) add(p position, format string, args ...any) {
	if l.perFile == nil {
		l.perFile = map[string]int{}
	}
	l.perFile[p.file]++
	if l.perFile[p.file] > maxIssuesPerFile {
		return
	}
	if src, ok := l.files[p.file]; ok && p.line > 0 {
		// YAML places some empty values past the end of the file, or past
		// the end of their line: point at the end instead.
		endLine, endCol := endOfFile(src)
		switch {
		case p.line > endLine:
			p.line, p.col = endLine, endCol
		case p.col < 1:
			p.col = 1
		default:
			p.col = min(p.col, utf8.RuneCountInString(lineOf(src, p.line))+1)
		}
	}
	l.issues = append(l.issues, Issue{
		File:    p.file,
		Line:    p.line,
		Column:  p.col,
		Message: fmt.Sprintf(format, args...),
		Snippet: lineOf(l.files[p.file], p.line),
	})
}

func (l *issueList) err() error {
	if len(l.issues) == 0 {
		return nil
	}
	issues := slices.Clone(l.issues)
	slices.SortStableFunc(issues, func(a, b Issue) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	issues = slices.Compact(issues)
	// Close each file that had too many issues with a line that counts the
	// rest.
	for i := 0; i < len(issues); i++ {
		file := issues[i].File
		if n := l.perFile[file]; n > maxIssuesPerFile && (i+1 == len(issues) || issues[i+1].File != file) {
			more := Issue{File: file, Message: fmt.Sprintf("... and %d more problems in this file, not shown: fix the ones above first", n-maxIssuesPerFile)}
			issues = slices.Insert(issues, i+1, more)
			i++
		}
	}
	return &LoadError{Issues: issues}
}

// lineOf returns line n (1-based) of src without its line ending, with
// invalid UTF-8 and control characters other than tab replaced by U+FFFD so
// that it prints safely, or "" when out of range.
func lineOf(src []byte, n int) string {
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
	s := strings.TrimSuffix(string(src), "\r")
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r != '\t' && unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

// suggest returns the candidate closest to s by edit distance, or "" when
// none is close enough to be a likely typo.
func suggest(s string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		d := editDistance(s, c)
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(2, len(s)/3)
	if bestD < 0 || bestD > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes. Inputs
// are capped at 64 bytes so that hostile input cannot make it slow.
func editDistance(a, b string) int {
	const capLen = 64
	if len(a) > capLen {
		a = a[:capLen]
	}
	if len(b) > capLen {
		b = b[:capLen]
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
