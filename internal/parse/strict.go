package parse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Pos is a position in a text: a 1-based line and a 1-based column counted
// in characters, as an editor shows them. The zero Pos means that the
// position is not known.
type Pos struct {
	// Line is the 1-based line, and Column the 1-based column, in
	// characters.
	Line, Column int
}

// String returns "line L col C", or "" for the zero Pos.
func (p Pos) String() string {
	if p.Line == 0 {
		return ""
	}
	return fmt.Sprintf("line %d col %d", p.Line, p.Column)
}

// Error is one problem with a document, at a position of its text.
type Error struct {
	// Pos is where the problem is; the zero Pos when that is not known.
	Pos Pos
	// Path is the JSON path of the offending value, such as "pain_level",
	// "conditions[1]" or "cases[0].profile", or "" for the whole
	// document or a problem that is not about one value.
	Path string
	// Value is the offending text, when there is one, cut short when long.
	Value string
	// Message says what is wrong and how to fix it.
	Message string
}

// Error returns the problem on one line: "line L col C: path value:
// message", leaving out the parts that are empty.
func (e *Error) Error() string {
	return Format(e.Pos, e.Path, e.Value, e.Message)
}

// Format formats a problem as Error does, so that other packages can report
// their own problems in the same shape.
func Format(pos Pos, path, value, message string) string {
	var b strings.Builder
	if pos.Line > 0 {
		b.WriteString(pos.String())
		b.WriteString(": ")
	}
	switch {
	case path != "" && value != "":
		b.WriteString(path + " " + value + ": ")
	case path != "":
		b.WriteString(path + ": ")
	case value != "":
		b.WriteString(value + ": ")
	}
	b.WriteString(message)
	return b.String()
}

// ErrNoDocument is returned by Document for a text that holds no YAML
// document at all: nothing but blanks and comments.
var ErrNoDocument = errors.New("no YAML document")

// The tags a document may carry on a scalar, and on a list or mapping.
var scalarTags = map[string]bool{"!!str": true, "!!int": true, "!!float": true, "!!bool": true, "!!null": true}

// byteOrderMark is the UTF-8 byte order mark, which some editors put at the
// start of a file.
var byteOrderMark = []byte("\uFEFF")

// TrimBOM returns src without a leading UTF-8 byte order mark.
func TrimBOM(src []byte) []byte {
	return bytes.TrimPrefix(src, byteOrderMark)
}

// Document reads src as one YAML document and checks that it keeps to the
// subset of YAML described in the package documentation. It returns the
// document's top node; the positions of the nodes are those of src once a
// leading byte order mark is dropped. subject names what the document is,
// with an article, for messages: "a profile", "a case file".
//
// A problem is returned as an *Error, and a text with no document, only
// blanks and comments, as ErrNoDocument.
func Document(src []byte, subject string) (*yaml.Node, error) {
	// Line breaks are made "\n" first, so that an error's position counts
	// lines as yaml.v3 does; an invalid byte stays where it is.
	src = normalizeLineBreaks(TrimBOM(src))
	if err := CheckUTF8(src); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ErrNoDocument
		}
		return nil, syntaxError(src, err, subject)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, syntaxError(src, err, subject)
	case len(next.Content) == 0 || next.Content[0].Kind == yaml.ScalarNode && next.Content[0].Tag == "!!null":
		return nil, &Error{Pos: clamp(Pos{next.Line, next.Column}, PosAt(src, len(src))),
			Message: fmt.Sprintf("%s is a single YAML document: delete this --- line, which starts an empty second one", subject)}
	default:
		return nil, &Error{Pos: clamp(Pos{next.Line, next.Column}, PosAt(src, len(src))),
			Message: fmt.Sprintf("%s is a single YAML document: a second one starts here; remove it", subject)}
	}
	if len(doc.Content) != 1 {
		return nil, ErrNoDocument
	}
	top := doc.Content[0]
	if err := check(top, subject, PosAt(src, len(src))); err != nil {
		return nil, err
	}
	return top, nil
}

// entry is a node met while checking a document, with what is needed to
// name its path, which is only built for a node with a problem.
type entry struct {
	n      *yaml.Node
	parent int    // index of the parent entry, -1 for the top
	key    string // the key when the parent is a mapping
	index  int    // the index when the parent is a list; -1 otherwise
	isKey  bool   // the node is a mapping key
}

// countNodes returns the number of nodes in the tree under top, aliases
// not followed.
func countNodes(top *yaml.Node) int {
	n := 0
	for stack := []*yaml.Node{top}; len(stack) > 0; {
		last := stack[len(stack)-1]
		stack = append(stack[:len(stack)-1], last.Content...)
		n++
	}
	return n
}

// check walks the tree under top, in document order and without following
// aliases, and returns the first node that breaks the package's rules. It
// moves a node that yaml.v3 places past end, the end of the text (an empty
// value at the very end), to end.
func check(top *yaml.Node, subject string, end Pos) error {
	entries := make([]entry, 1, countNodes(top))
	entries[0] = entry{n: top, parent: -1, index: -1}
	stack := []int{0}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		e := entries[i]
		n := e.n
		if p := clamp(Pos{n.Line, n.Column}, end); p.Line != n.Line || p.Column != n.Column {
			n.Line, n.Column = p.Line, p.Column
		}
		fail := func(value, msg string) error {
			return &Error{Pos: Pos{n.Line, n.Column}, Path: path(entries, i), Value: value, Message: msg}
		}
		switch {
		case n.Kind == yaml.AliasNode:
			return fail("", fmt.Sprintf("alias *%s: %s cannot use YAML anchors and aliases: write each value out", cut(n.Value), subject))
		case n.Anchor != "":
			return fail("", fmt.Sprintf("anchor &%s: %s cannot use YAML anchors and aliases: write each value out", cut(n.Anchor), subject))
		case n.Style&yaml.TaggedStyle != 0 && !tagFits(n):
			return fail("", fmt.Sprintf("tag %s: %s cannot use this YAML tag: remove it", cut(n.Tag), subject))
		case e.isKey:
			if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!merge" {
				return fail("", fmt.Sprintf("merge key <<: %s cannot use YAML merge keys: write each key out", subject))
			}
			if kind := Kind(n); kind != "a string" {
				return fail(scalarValue(n), "a key must be a string, found "+kind)
			}
		}
		if n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode {
			continue
		}
		var kids []int
		for j, c := range n.Content {
			k := entry{n: c, parent: i, index: -1}
			if n.Kind == yaml.SequenceNode {
				k.index = j
			} else if j%2 == 0 {
				k.isKey = true
			} else {
				k.key = n.Content[j-1].Value
			}
			entries = append(entries, k)
			kids = append(kids, len(entries)-1)
		}
		for j := len(kids) - 1; j >= 0; j-- {
			stack = append(stack, kids[j])
		}
	}
	return nil
}

// clamp returns p, or end when p is past it.
func clamp(p, end Pos) Pos {
	if p.Line > end.Line || p.Line == end.Line && p.Column > end.Column {
		return end
	}
	return p
}

// tagFits reports whether the explicit tag of n is one a document may use
// on a node of its kind.
func tagFits(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.ScalarNode:
		return scalarTags[n.Tag]
	case yaml.SequenceNode:
		return n.Tag == "!!seq"
	case yaml.MappingNode:
		return n.Tag == "!!map"
	}
	return false
}

// Kind names the kind of value n holds, for messages: "null", "a boolean",
// "a number", "a string", "a list" or "a mapping". A scalar YAML would read
// as a date or time is a string here.
func Kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		}
		return "a string"
	}
	return "nothing"
}

// IsString reports whether n is a scalar that holds a string, as Kind
// decides.
func IsString(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && Kind(n) == "a string"
}

// scalarValue returns the text of a scalar node for a message, quoted when
// it is a string, or "".
func scalarValue(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return ""
	}
	if IsString(n) {
		return Quote(n.Value)
	}
	return cut(n.Value)
}

// path returns the JSON path of entry i.
func path(entries []entry, i int) string {
	var parts []string
	for ; i >= 0; i = entries[i].parent {
		e := entries[i]
		switch {
		case e.parent < 0, e.isKey:
			// The top has no name, and a key's path is its mapping's.
		case e.index >= 0:
			parts = append(parts, "["+strconv.Itoa(e.index)+"]")
		default:
			parts = append(parts, "."+PathKey(e.key))
		}
	}
	var b strings.Builder
	for j := len(parts) - 1; j >= 0; j-- {
		b.WriteString(parts[j])
	}
	return strings.TrimPrefix(b.String(), ".")
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)

// PathKey returns a mapping key as a part of a path: as it is when it is a
// plain name, quoted (and cut short) otherwise.
func PathKey(k string) string {
	if plainKey.MatchString(k) {
		return k
	}
	return Quote(k)
}

// maxValueLen is the longest text quoted in a message, in bytes.
const maxValueLen = 64

// Quote quotes s for a message, Go style, cut short after 64 bytes on a
// character boundary so that a hostile value cannot make a message huge.
func Quote(s string) string {
	if len(s) <= maxValueLen {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:cutPoint(s)]) + "..."
}

// cut returns s cut short as Quote cuts it, without quotes but with
// characters that could act on a terminal escaped.
func cut(s string) string {
	suffix := ""
	if len(s) > maxValueLen {
		s, suffix = s[:cutPoint(s)], "..."
	}
	if isPrintable(s) {
		return s + suffix
	}
	q := strconv.Quote(s)
	return q[1:len(q)-1] + suffix
}

func cutPoint(s string) int {
	i := maxValueLen
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

func isPrintable(s string) bool {
	for _, r := range s {
		if !strconv.IsPrint(r) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// CheckUTF8 returns an *Error at the first byte of src that is not UTF-8,
// or at its start when src is UTF-16 or UTF-32 (see [WideEncoding]),
// naming that encoding, or nil.
func CheckUTF8(src []byte) error {
	if enc := WideEncoding(src); enc != "" {
		return &Error{Pos: Pos{1, 1}, Message: "the text is " + enc + " encoded: save it as UTF-8"}
	}
	if utf8.Valid(src) {
		return nil
	}
	off := 0
	for off < len(src) {
		r, size := utf8.DecodeRune(src[off:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		off += size
	}
	return &Error{Pos: PosAt(src, off),
		Message: fmt.Sprintf("the text is not valid UTF-8 (byte 0x%02x here): save it as UTF-8", src[off])}
}

// PosAt returns the position of byte offset off of src. A line ends at
// "\n", "\r\n" or a lone "\r"; columns count characters. An offset past
// the end is taken as the end, and one inside a character as that
// character's start.
func PosAt(src []byte, off int) Pos {
	off = max(0, min(off, len(src)))
	for j := off - 1; j >= 0 && j >= off-utf8.UTFMax+1; j-- {
		if utf8.RuneStart(src[j]) {
			if r, size := utf8.DecodeRune(src[j:]); r != utf8.RuneError && j+size > off {
				off = j
			}
			break
		}
	}
	line, start := 1, 0
	for i := 0; i < off; i++ {
		switch src[i] {
		case '\n':
			line, start = line+1, i+1
		case '\r':
			if i+1 >= len(src) || src[i+1] != '\n' {
				line, start = line+1, i+1
			}
		}
	}
	return Pos{line, utf8.RuneCount(src[start:off]) + 1}
}

// normalizeLineBreaks turns the line breaks yaml.v3 knows besides "\n" and
// "\r\n" (a lone "\r", U+0085, U+2028 and U+2029) into "\n", one character
// for one, so that positions count lines as PosAt does.
func normalizeLineBreaks(src []byte) []byte {
	// Four fast searches, where ContainsAny would decode every rune.
	if bytes.IndexByte(src, '\r') < 0 && !bytes.Contains(src, []byte("\u0085")) &&
		!bytes.Contains(src, []byte("\u2028")) && !bytes.Contains(src, []byte("\u2029")) {
		return src
	}
	out := make([]byte, 0, len(src))
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		switch {
		case r == '\r' && i+1 < len(src) && src[i+1] == '\n':
			out = append(out, '\r')
		case r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029':
			out = append(out, '\n')
		default:
			out = append(out, src[i:i+size]...)
		}
		i += size
	}
	return out
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError positions a YAML syntax error. yaml.v3 reports a line, often
// the line where the enclosing collection starts, and no column, so the
// position is where the shortest failing start of src ends: the place where
// the parser gives up, or the quote or bracket left open.
func syntaxError(src []byte, err error, subject string) *Error {
	line, msg := yamlMessage(err)
	reported := Pos{1, 1}
	if line > 0 {
		reported = Pos{line, 1}
	}
	pos := reported
	if end := shortestFailing(src, msg); end > 0 {
		_, size := utf8.DecodeLastRune(src[:end])
		pos = PosAt(src, end-size) // the last character read
	}
	text := Line(src, pos.Line)
	switch {
	case strings.HasPrefix(msg, "exceeded max depth"):
		msg = "lists or mappings nest too deeply (" + msg + ")"
	case strings.HasPrefix(msg, "unknown anchor"):
		msg += fmt.Sprintf(" (%s cannot use YAML anchors and aliases: write each value out)", subject)
	case strings.Contains(msg, "found character that cannot start any token") && strings.Contains(text, "\t"),
		strings.Contains(msg, "found a tab character"):
		msg += " (YAML does not allow tabs for indentation: use spaces)"
	case strings.Contains(msg, "found unexpected end of stream"):
		msg += " (is a quote or a bracket left open?)"
	case strings.IndexFunc(text, pastedSpace) >= 0:
		r, _ := utf8.DecodeRuneInString(text[strings.IndexFunc(text, pastedSpace):])
		if unicode.IsSpace(r) {
			msg += fmt.Sprintf(" (this line holds %U, a space that YAML does not count as one, often pasted from a word processor or a web page: type a plain space in its place)", r)
		} else {
			msg += fmt.Sprintf(" (this line holds %U, an invisible character, often pasted from a word processor or a web page: delete it)", r)
		}
	case strings.Contains(msg, "did not find expected key"), strings.Contains(msg, "did not find expected '-' indicator"),
		strings.Contains(msg, "mapping values are not allowed in this context"):
		msg += " (" + layoutHint(text, pos.Column, msg) + ")"
	}
	return &Error{Pos: pos, Message: "invalid YAML: " + msg}
}

// pastedSpace reports whether r is a space other than the ASCII ones, or
// an invisible format character (a zero-width space, a byte order mark in
// the middle of a line): YAML takes neither for white space, so one in a
// line's indentation or beside a colon breaks the line's structure.
func pastedSpace(r rune) bool {
	return r > unicode.MaxASCII && (unicode.IsSpace(r) || unicode.Is(unicode.Cf, r))
}

// layoutHint says what most likely made the parser give up at column col
// of line, for the errors yaml.v3 gives when a line does not fit the
// mapping or list it is in. Besides a line indented wrongly, those are a
// quoted value that ends before the author meant it to (a condition that
// starts with a quoted literal, when: 'x' in profile.conditions, or an
// apostrophe or a quote inside quoted text: the parser gives up just after
// that quote) and a plain value holding a colon and a space (the parser
// gives up at that colon, after the key's).
func layoutHint(line string, col int, msg string) string {
	runes := []rune(line)
	at := min(max(col-1, 0), len(runes))
	before := strings.TrimRight(string(runes[:at]), " ")
	if strings.TrimSpace(before) != "" {
		switch before[len(before)-1] {
		case '"':
			return `the double quote before this ends the quoted text: put the whole value in single quotes, or write \" for a quote inside it`
		case '\'':
			return "the quote before this ends the quoted text: put the whole value in double quotes, or write '' for an apostrophe inside it"
		}
		if strings.Contains(msg, "mapping values are not allowed") && at < len(runes) && runes[at] == ':' &&
			strings.Contains(before, ": ") {
			return "a colon followed by a space inside a value starts a key: put the whole value in quotes"
		}
	}
	return "check the indentation of this line against the lines above"
}

// yamlMessage splits the text of a yaml.v3 error into the line it reports,
// or 0, and the message after "yaml: line N: " or "yaml: ", with every run
// of white space made one space.
func yamlMessage(err error) (line int, msg string) {
	msg = strings.Join(strings.Fields(err.Error()), " ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		return max(line, 0), m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// failsWith reports whether src fails to parse with message msg, as
// yamlMessage gives it.
func failsWith(src []byte, msg string) bool {
	err := parseAll(src)
	if err == nil {
		return false
	}
	_, got := yamlMessage(err)
	return got == msg
}

// shortest returns the least n from 1 to hi for which fails(n) holds,
// given that fails(hi) does and that fails(n) implies fails(n+1).
func shortest(hi int, fails func(n int) bool) int {
	lo := 1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return hi
}

// shortestFailing returns the length of the shortest start of src that
// fails to parse with message msg, or 0 if src itself does not.
func shortestFailing(src []byte, msg string) int {
	fails := func(n int) bool { return failsWith(src[:n], msg) }
	if !fails(len(src)) {
		return 0
	}
	return shortest(len(src), fails)
}

// parseAll parses every document in src and returns the first error other
// than the end of the input.
func parseAll(src []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}
