package parse

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// ReadablePart returns the top node of what can be read of src, a text
// that [Document] refuses, or nil when nothing can be: for a reader that
// refuses src with Document's error, as it must, and must still act on
// what src says, such as the profile decoder, which reads the red flags of
// a profile with a problem so that a mistake in one place does not hide
// an emergency another reports. For a text that Document accepts, it
// returns what Document returns. It reads what the YAML means where that
// is well defined, and no more; it never reads text the YAML parser did
// not read as a value:
//
//   - an alias is read as its anchor's value, as YAML means it, and an
//     anchor as its value; an alias of a node that holds it (a cycle), and
//     one met once what aliases repeat adds up to the length of src (in
//     nodes and bytes of their values: no "billion laughs"), are read as
//     nothing, as is anything nested more than 64 deep;
//   - a merge key (<<) merges the mapping it is given, or each mapping of
//     the list it is given, into the mapping that holds it, as yaml.v3
//     merges them: a key the mapping gives itself is kept, and of the keys
//     merged, the first given;
//   - a scalar with a tag that Document refuses (!foo, !!binary) is read
//     as if untagged, a list or mapping with one as a list or mapping;
//   - a key that is not a string is kept, for [ReadableJSON] to leave its
//     pair out;
//   - of several documents, the first is read;
//   - a syntax error: what is read is the first document of the longest
//     start of src, in whole lines, that parses. It is found by a search
//     (back from the end, doubling the step, then halving the gap), which
//     parses src about twice the log of its number of lines times; the
//     start it finds parses, and the start one line longer does not. A
//     plain or block scalar that the first line it leaves out would have
//     gone on is read as far as that line;
//   - lists or mappings nested deeper than [CheckNesting] allows: the
//     lines before the line of its error are read, as above;
//   - a byte that is not UTF-8 is read as U+FFFD.
func ReadablePart(src []byte) *yaml.Node {
	src = normalizeLineBreaks(TrimBOM(src))
	if !utf8.Valid(src) {
		src = bytes.ToValidUTF8(src, []byte("\uFFFD"))
	}
	if err := CheckNesting(src, "a document"); err != nil {
		var pe *Error
		if !errors.As(err, &pe) {
			return nil
		}
		if off := lineStart(src, pe.Pos.Line); off >= 0 {
			src = src[:off]
		}
	}
	doc := readableDocument(src)
	if doc == nil || len(doc.Content) != 1 {
		return nil
	}
	rd := reading{budget: len(src)}
	return rd.node(doc.Content[0], 0, false)
}

// decodeFirst decodes the first document of src: io.EOF when it has
// none.
func decodeFirst(src []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&doc); err != nil {
		return nil, err
	}
	return &doc, nil
}

// readableDocument returns the first document of src, or, when it has a
// syntax error, the first document of the longest start of src in whole
// lines that parses, as ReadablePart finds it; nil when there is none.
func readableDocument(src []byte) *yaml.Node {
	doc, err := decodeFirst(src)
	if err == nil || errors.Is(err, io.EOF) {
		return doc
	}
	// ends[i] is the end of the start of src of i lines; the whole of
	// src, which fails, is not among them.
	ends := []int{0}
	for i, c := range src {
		if c == '\n' && i+1 < len(src) {
			ends = append(ends, i+1)
		}
	}
	var best *yaml.Node
	parses := func(i int) bool {
		if i == 0 {
			best = nil
			return true
		}
		d, err := decodeFirst(src[:ends[i]])
		if err != nil && !errors.Is(err, io.EOF) {
			return false
		}
		best = d
		return true
	}
	// Back from the end, doubling the step, to a start that parses, then
	// halving the gap between it and the shortest start found to fail.
	good, bad := 0, len(ends)
	for step := 1; ; step *= 2 {
		i := len(ends) - step
		if i <= 0 {
			break
		}
		if parses(i) {
			good = i
			break
		}
		bad = i
	}
	found := best
	if good == 0 {
		found = nil
	}
	for bad-good > 1 {
		mid := good + (bad-good)/2
		if parses(mid) {
			good, found = mid, best
		} else {
			bad = mid
		}
	}
	return found
}

// maxReadDepth is the deepest ReadablePart reads a node: a profile needs
// five levels, and CheckNesting lets a text hold a few dozen.
const maxReadDepth = 64

// reading is the state of ReadablePart's copy of a document.
type reading struct {
	// budget is what aliases may still repeat: a node costs one, and
	// the length of its value.
	budget int
	// path holds the lists and mappings being copied, outermost first,
	// as the document has them: an alias of one of them is a cycle.
	path []*yaml.Node
}

// unreadable stands for a node that cannot be read: ReadableJSON writes
// it as null, and leaves out a pair whose key it is.
func unreadable(n *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.AliasNode, Line: n.Line, Column: n.Column}
}

// node returns a copy of n, as ReadablePart reads it, at depth depth;
// repeated says that n is read through an alias, and costs budget.
func (rd *reading) node(n *yaml.Node, depth int, repeated bool) *yaml.Node {
	if depth > maxReadDepth {
		return unreadable(n)
	}
	if repeated {
		rd.budget -= 1 + len(n.Value)
		if rd.budget < 0 {
			return unreadable(n)
		}
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil || slices.Contains(rd.path, n.Alias) {
			return unreadable(n)
		}
		return rd.node(n.Alias, depth, true)
	}
	c := *n
	c.Anchor = ""
	c.Alias = nil
	c.Content = nil
	tagged := c.Style&yaml.TaggedStyle != 0 && !tagFits(n)
	c.Style &^= yaml.TaggedStyle
	switch n.Kind {
	case yaml.ScalarNode:
		if tagged {
			c.Tag = untaggedTag(n)
		} else {
			c.Style |= n.Style & yaml.TaggedStyle
		}
		return &c
	case yaml.SequenceNode, yaml.MappingNode:
		c.Tag = "!!seq"
		if n.Kind == yaml.MappingNode {
			c.Tag = "!!map"
		}
		rd.path = append(rd.path, n)
		defer func() { rd.path = rd.path[:len(rd.path)-1] }()
		if n.Kind == yaml.MappingNode {
			c.Content = rd.mapping(n, depth, repeated)
			return &c
		}
		c.Content = make([]*yaml.Node, 0, len(n.Content))
		for _, k := range n.Content {
			c.Content = append(c.Content, rd.node(k, depth+1, repeated))
		}
		return &c
	}
	return unreadable(n)
}

// mapping returns the keys and values of a copy of n, a mapping, with
// the mappings its merge keys give merged in: at the place of the merge
// key, the merged keys that n does not give itself, each once, the
// first given kept.
func (rd *reading) mapping(n *yaml.Node, depth int, repeated bool) []*yaml.Node {
	type pair struct {
		k, v   *yaml.Node
		merged []*yaml.Node // the mappings a merge key gives
	}
	pairs := make([]pair, 0, len(n.Content)/2)
	given := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := rd.node(n.Content[i], depth+1, repeated)
		v := rd.node(n.Content[i+1], depth+1, repeated)
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			p := pair{}
			switch v.Kind {
			case yaml.MappingNode:
				p.merged = []*yaml.Node{v}
			case yaml.SequenceNode:
				for _, m := range v.Content {
					if m.Kind == yaml.MappingNode {
						p.merged = append(p.merged, m)
					}
				}
			}
			pairs = append(pairs, p)
			continue
		}
		if IsString(k) {
			given[k.Value] = true
		}
		pairs = append(pairs, pair{k: k, v: v})
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	merged := map[string]bool{}
	for _, p := range pairs {
		if p.k != nil {
			out = append(out, p.k, p.v)
			continue
		}
		for _, m := range p.merged {
			for i := 0; i+1 < len(m.Content); i += 2 {
				k := m.Content[i]
				if IsString(k) {
					if given[k.Value] || merged[k.Value] {
						continue
					}
					merged[k.Value] = true
				}
				out = append(out, k, m.Content[i+1])
			}
		}
	}
	return out
}

// untaggedTag returns the tag a scalar, n, would have without its tag: a
// string when it is quoted or a block scalar, else what its text
// resolves to (7 a number, true a boolean).
func untaggedTag(n *yaml.Node) string {
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return "!!str"
	}
	plain := yaml.Node{Kind: yaml.ScalarNode, Value: n.Value}
	return plain.ShortTag()
}
