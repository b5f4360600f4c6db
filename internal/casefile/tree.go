package casefile

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/backrules/backrules/internal/parse"
)

// The kinds of value, named as messages name them (see parse.Kind).
const (
	kindNull    = "null"
	kindBoolean = "a boolean"
	kindNumber  = "a number"
	kindString  = "a string"
	kindList    = "a list"
	kindMapping = "a mapping"
)

// node is a value of a case file, read from the file's JSON form.
type node struct {
	kind string
	// text is a scalar's value: the string, the number as written, true,
	// false or null; for a mapping key, the key.
	text string
	// items are a list's entries, or a mapping's keys and values in turn.
	items []*node
	// pos is the value's position in the case file.
	pos parse.Pos
	// start and end delimit the value's JSON text, and line is the line of
	// that text where it starts.
	start, end, line int
}

// value returns a scalar's text for a message, quoted, or its kind in
// parentheses.
func (n *node) value() string {
	if n.kind == kindList || n.kind == kindMapping {
		return "(" + n.kind + ")"
	}
	return parse.Quote(n.text)
}

// treeReader reads JSON text into nodes.
type treeReader struct {
	j   *parse.JSON
	dec *json.Decoder
	// line is the line of j.Text where offset off starts.
	line, off int
}

// errUnexpected reports JSON that parse.ToJSON does not write.
var errUnexpected = errors.New("unexpected JSON")

// readTree reads the JSON form of a case file.
func readTree(j *parse.JSON) (*node, error) {
	r := &treeReader{j: j, dec: json.NewDecoder(bytes.NewReader(j.Text)), line: 1}
	r.dec.UseNumber()
	n, err := r.value()
	if err != nil {
		return nil, err
	}
	if r.dec.More() {
		return nil, errUnexpected
	}
	return n, nil
}

// next returns the next token, as a node without its items.
func (r *treeReader) next() (json.Token, *node, error) {
	data := r.j.Text
	off := skipBlanks(data, int(r.dec.InputOffset()))
	if off < len(data) && (data[off] == ',' || data[off] == ':') {
		off = skipBlanks(data, off+1)
	}
	tok, err := r.dec.Token()
	if err != nil {
		return nil, nil, err
	}
	if off > r.off {
		r.line += bytes.Count(data[r.off:off], []byte{'\n'})
		r.off = off
	}
	return tok, &node{pos: r.j.Pos(r.line), start: off, line: r.line}, nil
}

func skipBlanks(data []byte, off int) int {
	for off < len(data) && (data[off] == ' ' || data[off] == '\t' || data[off] == '\n' || data[off] == '\r') {
		off++
	}
	return off
}

// value reads the next value.
func (r *treeReader) value() (*node, error) {
	tok, n, err := r.next()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		n.kind, n.text = kindNull, "null"
	case bool:
		n.kind, n.text = kindBoolean, "false"
		if t {
			n.text = "true"
		}
	case json.Number:
		n.kind, n.text = kindNumber, string(t)
	case string:
		n.kind, n.text = kindString, t
	case json.Delim:
		n.kind = kindList
		if t == '{' {
			n.kind = kindMapping
		}
		for r.dec.More() {
			if n.kind == kindMapping {
				tok, k, err := r.next()
				if err != nil {
					return nil, err
				}
				k.kind = kindString
				k.text, _ = tok.(string) // a key is always a string
				n.items = append(n.items, k)
			}
			v, err := r.value()
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
		if _, err := r.dec.Token(); err != nil { // the closing bracket or brace
			return nil, err
		}
	}
	n.end = int(r.dec.InputOffset())
	return n, nil
}
