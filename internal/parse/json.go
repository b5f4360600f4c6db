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
// naming the node.
func ToJSON(n *yaml.Node) (*JSON, error) {
	w := &jsonWriter{}
	if err := w.value(n); err != nil {
		return nil, err
	}
	return &JSON{Text: w.buf, pos: w.pos}, nil
}

type jsonWriter struct {
	buf  []byte
	pos  []Pos
	path []string // the path of the node being written, part by part
}

// start begins a line for node n.
func (w *jsonWriter) start(n *yaml.Node) {
	if len(w.pos) > 0 {
		w.buf = append(w.buf, '\n')
	}
	w.pos = append(w.pos, Pos{n.Line, n.Column})
}

func (w *jsonWriter) fail(n *yaml.Node, value, msg string) error {
	return &Error{Pos: Pos{n.Line, n.Column}, Path: strings.TrimPrefix(strings.Join(w.path, ""), "."), Value: value, Message: msg}
}

func (w *jsonWriter) value(n *yaml.Node) error {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	w.start(n)
	switch n.Kind {
	case yaml.MappingNode:
		w.buf = append(w.buf, '{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			if !IsString(k) {
				return w.fail(k, scalarValue(k), "a key must be a string, found "+Kind(k))
			}
			w.start(k)
			w.buf = appendString(w.buf, k.Value)
			w.buf = append(w.buf, ':')
			w.path = append(w.path, "."+PathKey(k.Value))
			if err := w.value(v); err != nil {
				return err
			}
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
			if err := w.value(c); err != nil {
				return err
			}
			w.path = w.path[:len(w.path)-1]
		}
		w.buf = append(w.buf, ']')
	case yaml.ScalarNode:
		return w.scalar(n)
	default:
		return w.fail(n, "", "found "+Kind(n)+", which JSON cannot hold")
	}
	return nil
}

var (
	jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)
	nonFinite  = regexp.MustCompile(`^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$`)
)

func (w *jsonWriter) scalar(n *yaml.Node) error {
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
			return w.fail(n, cut(n.Value), "not a boolean: write true or false")
		}
	case tag == "!!int" || tag == "!!float":
		switch {
		case jsonNumber.MatchString(n.Value):
			w.buf = append(w.buf, n.Value...)
		case nonFinite.MatchString(n.Value):
			return w.fail(n, cut(n.Value), "not a finite number")
		default:
			return w.fail(n, cut(n.Value), "unsupported number format: write numbers like 7, 7.5 or -2")
		}
	case IsString(n):
		w.buf = appendString(w.buf, n.Value)
	default:
		return w.fail(n, "", "tag "+cut(n.Tag)+" is not supported")
	}
	return nil
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
