package parse

// Problems with a rule file as YAML, before its schema is checked: syntax
// errors placed at the line of the mistake, encodings, and anchors.

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/backrules/backrules/internal/words"
	"gopkg.in/yaml.v3"
)

// yamlError reports a YAML syntax error, at the line with the mistake.
func (p *fileParser) yamlError(err error) {
	line, msg := yamlMessage(err, false)
	line = yamlErrorLine(p.src, msg, line)
	s := Line(p.src, line)
	col := len([]rune(s)) - len([]rune(strings.TrimLeft(s, " "))) + 1
	switch {
	case strings.Contains(msg, "found character that cannot start any token") && strings.Contains(s, "\t"):
		msg += " (YAML does not allow tabs for indentation: use spaces)"
		col = len([]rune(s[:strings.IndexByte(s, '\t')])) + 1
	case strings.Contains(msg, "found unexpected end of stream"):
		msg += " (is a quote or a bracket left open?)"
		if i := strings.IndexAny(s, "\"'[{"); i >= 0 {
			col = len([]rune(s[:i])) + 1 // the likely opening quote or bracket
		}
	case strings.Contains(msg, "did not find expected key"), strings.Contains(msg, "did not find expected '-' indicator"),
		strings.Contains(msg, "mapping values are not allowed in this context"):
		msg += " (check the indentation of this line against the lines above)"
	case strings.Contains(msg, "exceeded max depth"):
		msg += " (lists or mappings nest far too deep)"
	}
	p.iss.Add(FilePos{p.file, Pos{line, col}}, "invalid YAML: %s", msg)
}

// yamlErrorLine returns the line of a YAML syntax error with message msg,
// which yaml.v3 reported at line reported. yaml.v3 often reports the line
// where the enclosing collection starts, or the line before the mistake, so
// this looks for the shortest run of whole lines from the top of the file
// that fails with the same message: its last line is where the mistake is,
// or where the quote or bracket it leaves open starts.
func yamlErrorLine(src []byte, msg string, reported int) int {
	fails := func(lines int) bool {
		end := lineStart(src, lines+1)
		if end < 0 {
			end = len(src)
		}
		return failsWith(src[:end], msg, false)
	}
	n := bytes.Count(src, []byte("\n")) + 1
	if !fails(n) {
		return max(reported, 1)
	}
	hi := shortest(n, fails)
	// A mistake on the last line of a file without a final line break
	// shows only once the whole file is read; a trailing empty line is
	// never the place of the mistake.
	if hi == n && hi > 1 && Line(src, hi) == "" {
		hi--
	}
	return hi
}

// invalidUTF8 reports a file that is not UTF-8, at the first bad byte.
func (p *fileParser) invalidUTF8() {
	if bytes.HasPrefix(p.src, []byte{0xFF, 0xFE}) || bytes.HasPrefix(p.src, []byte{0xFE, 0xFF}) {
		p.iss.Add(FilePos{File: p.file}, "file is UTF-16 encoded: save it with UTF-8 encoding")
		return
	}
	line, col, b := invalidUTF8Position(p.src)
	p.iss.Add(FilePos{p.file, Pos{line, col}}, "file is not valid UTF-8 (byte 0x%02x here): save it with UTF-8 encoding", b)
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// noAnchors reports the first anchor or alias in the document, and how many
// there are, and returns false if there are any. Rule files do not support
// them: they make a file harder to read, and they are the vehicle of
// "billion laughs" attacks. The walk does not follow aliases, so it takes
// time in proportion to the file's size, however the aliases nest.
func (p *fileParser) noAnchors(root *yaml.Node) bool {
	var first *yaml.Node
	anchors, aliases := 0, 0
	stack := []*yaml.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Anchor != "" || n.Kind == yaml.AliasNode {
			if first == nil {
				first = n
			}
			if n.Kind == yaml.AliasNode {
				aliases++
			} else {
				anchors++
			}
		}
		for i := len(n.Content) - 1; i >= 0; i-- {
			stack = append(stack, n.Content[i])
		}
	}
	if first == nil {
		return true
	}
	what := "anchor &" + first.Anchor
	if first.Kind == yaml.AliasNode {
		what = "alias *" + first.Value
	}
	msg := what + ": rule files do not support YAML anchors and aliases: write each value out"
	if anchors+aliases > 1 {
		msg += fmt.Sprintf(" (this file has %s and %s)", words.Count(anchors, "anchor"), words.Count(aliases, "alias"))
	}
	p.iss.Add(p.pos(first), "%s", msg)
	return false
}

// describe names what a node holds, for messages: a collection by its
// kind (see Kind), and a scalar with its value, "the number 5".
func describe(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return Kind(n)
	}
	switch n.Tag {
	case "!!str":
		return fmt.Sprintf("the text %q", n.Value)
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	case "!!null":
		return "nothing"
	}
	return fmt.Sprintf("a value tagged %s", n.Tag)
}
