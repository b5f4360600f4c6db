package parse

import "fmt"

// Limits of CheckNesting.
const (
	// MaxFlowDepth is the most flow lists and mappings ('[' and '{') that
	// may be open at once.
	MaxFlowDepth = 16
	// MaxBrackets is the most '[' and '{' a text may hold in all: a
	// backstop for MaxFlowDepth, which reads a text's syntax, should a
	// text fool that reading (see CheckNesting). It leaves room for the
	// most check-ins a profile may list, each with its most movements
	// done, written in flow style.
	MaxBrackets = 2048
	// MaxIndicators is the most block indicators ("- ", "? ") that may
	// start one line.
	MaxIndicators = 4
	// MaxIndents is the most levels of indentation that may be open at
	// once.
	MaxIndents = 16
)

// CheckNesting refuses, in one cheap pass over src that allocates only
// its indentation stack, a YAML or JSON text that could nest lists and
// mappings far deeper than a small document such as a profile needs,
// before a full decode builds every level: yaml.v3 takes half a second and
// 90 MiB to refuse 40 KB of nested flow lists. subject names the
// document, with an article, for the message: "a profile". It returns an
// *Error at the first place over a limit, or nil.
//
// Every level of a YAML text is a flow collection, which starts with '['
// or '{', a block indicator at the start of a line (at most MaxIndicators
// a line), or a deeper indentation (at most MaxIndents open at once). The
// pass bounds each, erring toward counting more levels than a text has:
//
//   - Flow collections: at most MaxFlowDepth open at once. Outside a flow
//     collection every '[' and '{' opens one, even in a comment or a
//     quoted string; inside one, the pass reads YAML's flow syntax as
//     yaml.v3 does (quoted scalars, comments, plain scalars, tags and
//     anchors), so that a ']' or '}' closes a level only where it is an
//     indicator, and where it cannot tell, it counts a '[' or '{' and
//     not a ']' or '}'.
//   - As a backstop, should a text fool that reading (a block scalar
//     after a '[' in a plain scalar, say), at most MaxBrackets '[' and
//     '{' in all, wherever they are: yaml.v3 builds 2048 nested lists
//     with about 2 MB.
//
// A profile needs five levels at most (a flow-style profile's check-ins
// and the movements each lists), and a few brackets per check-in.
func CheckNesting(src []byte, subject string) error {
	var indents [MaxIndents + 1]int
	open, brackets := 0, 0
	var fl flowLexer
	for off := 0; off < len(src); {
		end := off
		for end < len(src) && src[end] != '\n' && src[end] != '\r' {
			c := src[end]
			if c == '[' || c == '{' {
				brackets++
				if brackets > MaxBrackets {
					return nestingError(src, end, subject, fmt.Sprintf("it holds more than %d '[' and '{'", MaxBrackets))
				}
			}
			if fl.step(src, end) > MaxFlowDepth {
				return nestingError(src, end, subject, fmt.Sprintf("more than %d lists or mappings in '[' and '{' are open at once", MaxFlowDepth))
			}
			end++
		}
		fl.lineBreak()
		line := src[off:end]
		i := 0
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i < len(line) {
			for open > 0 && indents[open-1] > i {
				open--
			}
			if open == 0 || indents[open-1] < i {
				if open == MaxIndents {
					return nestingError(src, off+i, subject, fmt.Sprintf("more than %d levels of indentation are open", MaxIndents))
				}
				indents[open] = i
				open++
			}
		}
		for n := 0; i < len(line) && (line[i] == '-' || line[i] == '?') && (i+1 == len(line) || line[i+1] == ' ' || line[i+1] == '\t'); n++ {
			if n == MaxIndicators {
				return nestingError(src, off+i, subject, fmt.Sprintf("a line starts with more than %d block indicators (- or ?)", MaxIndicators))
			}
			i++
			for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
				i++
			}
		}
		off = end
		if off < len(src) && src[off] == '\r' {
			off++
		}
		if off < len(src) && src[off] == '\n' {
			off++
		}
	}
	return nil
}

// flowState is where a flowLexer is inside a flow collection.
type flowState uint8

const (
	flowToken       flowState = iota // before a token, after blanks
	flowPlain                        // in a plain scalar
	flowBlank                        // in a plain scalar, after blanks
	flowWord                         // in a tag or an anchor
	flowSingle                       // in a single-quoted scalar
	flowSingleQuote                  // at the second quote of a doubled quote
	flowDouble                       // in a double-quoted scalar
	flowEscape                       // after '\' in a double-quoted scalar
	flowComment                      // in a comment, to the end of the line
)

// flowLexer follows the nesting of YAML flow collections, one byte at a
// time, as yaml.v3's scanner reads them.
type flowLexer struct {
	depth int
	state flowState
}

// step reads src[i], which is no line break, and returns the depth after
// it.
func (l *flowLexer) step(src []byte, i int) int {
	c := src[i]
	if l.depth == 0 {
		// Block context: every '[' or '{' may open a flow collection.
		if c == '[' || c == '{' {
			l.depth, l.state = 1, flowToken
		}
		return l.depth
	}
	blank := c == ' ' || c == '\t'
	switch l.state {
	case flowComment:
		return l.depth
	case flowSingle:
		// A quote ends it, but for a doubled quote, which stands for one.
		if c == '\'' {
			l.state = flowToken
			if i+1 < len(src) && src[i+1] == '\'' {
				l.state = flowSingleQuote
			}
		}
		return l.depth
	case flowSingleQuote:
		l.state = flowSingle
		return l.depth
	case flowDouble:
		switch c {
		case '\\':
			l.state = flowEscape
		case '"':
			l.state = flowToken
		}
		return l.depth
	case flowEscape:
		l.state = flowDouble
		return l.depth
	case flowWord:
		// A tag may hold '[' and ']': a '[' counts, a ']' does not.
		switch {
		case blank:
			l.state = flowToken
		case c == '[' || c == '{':
			l.depth++
		}
		return l.depth
	case flowPlain, flowBlank:
		switch {
		case blank:
			l.state = flowBlank
			return l.depth
		case c == '#' && l.state == flowBlank:
			l.state = flowComment
			return l.depth
		case c == ':' && blankOrEnd(src, i+1):
			l.state = flowToken
			return l.depth
		case c != ',' && c != '?' && c != '[' && c != ']' && c != '{' && c != '}':
			l.state = flowPlain
			return l.depth
		}
		// An indicator ends the scalar and is read as a token.
	}
	l.state = flowToken
	switch c {
	case ' ', '\t', ',', '?', ':':
	case '[', '{':
		l.depth++
	case ']', '}':
		l.depth--
	case '\'':
		l.state = flowSingle
	case '"':
		l.state = flowDouble
	case '#':
		l.state = flowComment
	case '!', '&', '*':
		l.state = flowWord
	default:
		l.state = flowPlain
	}
	return l.depth
}

// lineBreak reads a line break: it ends a comment, a tag or an anchor,
// is a blank in a plain scalar, and is what a '\' at the end of a line
// of a double-quoted scalar escapes.
func (l *flowLexer) lineBreak() {
	switch l.state {
	case flowComment, flowWord:
		l.state = flowToken
	case flowPlain:
		l.state = flowBlank
	case flowSingleQuote:
		l.state = flowSingle
	case flowEscape:
		l.state = flowDouble
	}
}

func blankOrEnd(src []byte, i int) bool {
	return i >= len(src) || src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r'
}

func nestingError(src []byte, off int, subject, why string) error {
	return &Error{Pos: PosAt(src, off),
		Message: fmt.Sprintf("lists or mappings may nest far deeper than %s can need: %s", subject, why)}
}
