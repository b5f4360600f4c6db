package parse

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// JSON is a YAML node converted to JSON text.
type JSON struct {
	// Text is the JSON. Each key and each value starts a line of its own,
	// so that a line of Text stands for one node of the YAML source:
	//
	//	{
	//	"conditions":
	//	[
	//	"sciatica"],
	//	"pain_level":
	//	4}
	Text []byte
	// pos holds the YAML position of the node on each line of Text.
	pos []Pos
}

// Pos returns the position in the YAML source of the node on line line
// (1-based) of j.Text, or the zero Pos when there is no such line.
func (j *JSON) Pos(line int) Pos {
	if line < 1 || line > len(j.pos) {
		return Pos{}
	}
	return j.pos[line-1]
}

// ToJSON converts n, a node that Document returned or one under it, to
// JSON. A string, a date or time (which YAML would read as a timestamp)
// and a key become JSON strings, true and false booleans, null null, lists
// arrays and mappings objects, keeping their order and any key given twice:
// checking keys is the reader's job, the same for JSON and YAML input.
//
// A number must be written as JSON writes it (7, -2, 7.5, 1e3) and is kept
// as written, so that a message can quote it exactly; .inf, .nan, 0x1F,
// 0o17, 017, +7, 1_000, .5 and 7. are errors, since JSON cannot hold them
// or a reader could take them for other numbers. An error is an *Error
// naming the node: the first one, in the order of the source.
func ToJSON(n *yaml.Node) (*JSON, error) {
	j, errs := ReadableJSON(n)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return j, nil
}

// ReadableJSON converts n as ToJSON does, but goes on past a node JSON
// cannot hold: it writes null in its place (and leaves out a pair whose
// key is not a string), and returns its *Error, every one in the order of
// the source, so that a reader can still read the rest, such as the
// referrals of a profile with a problem.
func ReadableJSON(n *yaml.Node) (*JSON, []*Error) {
	w := &jsonWriter{}
	w.value(n)
	return &JSON{Text: w.buf, pos: w.pos}, w.errs
}

type jsonWriter struct {
	buf  []byte
	pos  []Pos
	path []string // the path of the node being written, part by part
	errs []*Error // the nodes written as null, or left out
}

// start begins a line for node n.
func (w *jsonWriter) start(n *yaml.Node) {
	if len(w.pos) > 0 {
		w.buf = append(w.buf, '\n')
	}
	w.pos = append(w.pos, Pos{n.Line, n.Column})
}

// fail records that node n, already started, cannot be written as JSON,
// and writes null in its place.
func (w *jsonWriter) fail(n *yaml.Node, value, msg string) {
	w.errs = append(w.errs, w.problem(n, value, msg))
	w.buf = append(w.buf, "null"...)
}

// problem is the *Error of node n, at the path being written.
func (w *jsonWriter) problem(n *yaml.Node, value, msg string) *Error {
	return &Error{Pos: Pos{n.Line, n.Column}, Path: strings.TrimPrefix(strings.Join(w.path, ""), "."), Value: value, Message: msg}
}

func (w *jsonWriter) value(n *yaml.Node) {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	w.start(n)
	switch n.Kind {
	case yaml.MappingNode:
		w.buf = append(w.buf, '{')
		wrote := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if !IsString(k) {
				// The pair is left out: JSON has no key for it.
				w.errs = append(w.errs, w.problem(k, scalarValue(k), "a key must be a string, found "+Kind(k)))
				continue
			}
			if wrote {
				w.buf = append(w.buf, ',')
			}
			wrote = true
			w.start(k)
			w.buf = appendString(w.buf, k.Value)
			w.buf = append(w.buf, ':')
			w.path = append(w.path, "."+PathKey(k.Value))
			w.value(v)
			w.path = w.path[:len(w.path)-1]
		}
		w.buf = append(w.buf, '}')
	case yaml.SequenceNode:
		w.buf = append(w.buf, '[')
		for i, c := range n.Content {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.path = append(w.path, "["+strconv.Itoa(i)+"]")
			w.value(c)
			w.path = w.path[:len(w.path)-1]
		}
		w.buf = append(w.buf, ']')
	case yaml.ScalarNode:
		w.scalar(n)
	default:
		w.fail(n, "", "found "+Kind(n)+", which JSON cannot hold")
	}
}

var (
	jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)
	nonFinite  = regexp.MustCompile(`^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$`)
)

// IsJSONNumber reports whether s is a number as JSON writes it (7, -2,
// 7.5, 1e3), the only form ToJSON keeps.
func IsJSONNumber(s string) bool { return jsonNumber.MatchString(s) }

// ASCIIDigits returns s with its full-width digits, point, minus and
// plus signs (U+FF10 to U+FF19, U+FF0E, U+FF0D, U+FF0B), which a
// keyboard set to type Japanese or Chinese writes, as their ASCII forms:
// "９" is "9". Where s wants a number, a person typed one.
func ASCIIDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 0xFF10 <= r && r <= 0xFF19, r == 0xFF0E, r == 0xFF0D, r == 0xFF0B:
			return r - 0xFEE0
		}
		return r
	}, s)
}

func (w *jsonWriter) scalar(n *yaml.Node) {
	switch tag := n.ShortTag(); {
	case tag == "!!null":
		w.buf = append(w.buf, "null"...)
	case tag == "!!bool":
		switch n.Value {
		case "true", "True", "TRUE":
			w.buf = append(w.buf, "true"...)
		case "false", "False", "FALSE":
			w.buf = append(w.buf, "false"...)
		default:
			w.fail(n, cut(n.Value), "not a boolean: write true or false")
		}
	case tag == "!!int" || tag == "!!float":
		switch {
		case IsJSONNumber(n.Value):
			w.buf = append(w.buf, n.Value...)
		case nonFinite.MatchString(n.Value):
			w.fail(n, cut(n.Value), "not a finite number")
		default:
			w.fail(n, cut(n.Value), "unsupported number format: write numbers like 7, 7.5 or -2")
		}
	case n.Style == 0 && IsJSONNumber(n.Value):
		// A plain number beyond float64 (1e400): yaml.v3 resolves it as
		// a string, but JSON reads it as the number it is written as,
		// and the two forms must say the same of it (out of range).
		w.buf = append(w.buf, n.Value...)
	case IsString(n):
		w.buf = appendString(w.buf, n.Value)
	default:
		w.fail(n, "", "tag "+cut(n.Tag)+" is not supported")
	}
}

// appendString appends s to buf as a JSON string. s is valid UTF-8, which
// Document checks; only what JSON requires is escaped.
func appendString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, `\ufffd`...)
			} else {
				buf = append(buf, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			buf = append(buf, '\\', c)
		case c == '\n':
			buf = append(buf, `\n`...)
		case c == '\r':
			buf = append(buf, `\r`...)
		case c == '\t':
			buf = append(buf, `\t`...)
		case c < 0x20:
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			buf = append(buf, c)
		}
		i++
	}
	return append(buf, '"')
}
