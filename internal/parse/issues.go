package parse

import (
	"cmp"
	"fmt"
	"slices"
	"unicode/utf8"
)

// Issue is one problem in a rule set, at a position in one of its files.
type Issue struct {
	FilePos
	// Message says what is wrong and, where it can, what was meant.
	Message string
	// Err is the error behind the problem, such as a failure to read the
	// file, or nil.
	Err error
	// Hidden is, for the issue List ends a file with when the file has
	// more than MaxPerFile problems, how many of them it stands for; 0
	// for every other issue.
	Hidden int
}

// Issues collects the problems of every stage of loading a rule set, so
// that a rule author sees all of them at once. The zero value is ready to
// use.
type Issues struct {
	perFile map[string]int    // issues added per file, reported or not
	files   map[string][]byte // file contents, to keep positions inside them
	list    []Issue
}

// MaxPerFile is the most issues reported for one file; the rest are
// counted and summed up in one line, so that a badly broken file neither
// floods the author nor makes loading slow.
const MaxPerFile = 50

// Full reports whether file already has as many issues as are reported, so
// that a caller can skip the work of placing another.
func (l *Issues) Full(file string) bool {
	return l.perFile[file] >= MaxPerFile
}

// Add records a problem at p. A position past the end of its line or of
// its file (YAML places some empty values there) is moved back inside.
func (l *Issues) Add(p FilePos, format string, args ...any) {
	if l.perFile == nil {
		l.perFile = map[string]int{}
	}
	l.perFile[p.File]++
	if l.perFile[p.File] > MaxPerFile {
		return
	}
	if src, ok := l.files[p.File]; ok && p.Line > 0 {
		endLine, endCol := endOfFile(src)
		switch {
		case p.Line > endLine:
			p.Line, p.Column = endLine, endCol
		case p.Column < 1:
			p.Column = 1
		default:
			p.Column = min(p.Column, utf8.RuneCountInString(Line(src, p.Line))+1)
		}
	}
	l.list = append(l.list, Issue{FilePos: p, Message: fmt.Sprintf(format, args...)})
}

// AddError records err, a failure such as a file that cannot be read, as a
// problem at p whose message is err's text.
func (l *Issues) AddError(p FilePos, err error) {
	n := len(l.list)
	l.Add(p, "%s", err.Error())
	if len(l.list) > n {
		l.list[n].Err = err
	}
}

// Source returns the text of the file named name, as parsed, or nil.
func (l *Issues) Source(name string) []byte { return l.files[name] }

// Len returns how many problems were added, reported or not.
func (l *Issues) Len() int {
	n := 0
	for _, c := range l.perFile {
		n += c
	}
	return n
}

// List returns the problems sorted by file, line and column, without
// repeats. A file with more than MaxPerFile problems ends with one that
// counts the rest.
func (l *Issues) List() []Issue {
	issues := slices.Clone(l.list)
	slices.SortStableFunc(issues, func(a, b Issue) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	issues = slices.CompactFunc(issues, func(a, b Issue) bool {
		return a.FilePos == b.FilePos && a.Message == b.Message
	})
	for i := 0; i < len(issues); i++ {
		file := issues[i].File
		if n := l.perFile[file]; n > MaxPerFile && (i+1 == len(issues) || issues[i+1].File != file) {
			more := Issue{FilePos: FilePos{File: file}, Message: fmt.Sprintf("... and %d more problems in this file, not shown: fix the ones above first", n-MaxPerFile),
				Hidden: n - MaxPerFile}
			issues = slices.Insert(issues, i+1, more)
			i++
		}
	}
	return issues
}
