package parse

import "fmt"

// Limits of CheckNesting.
const (
	// MaxBrackets is the most '[' and '{' a text may hold in all.
	MaxBrackets = 64
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
// The pass reads no YAML syntax beyond lines and their indentation, so it
// never counts fewer levels than a text has: every level of a YAML text
// is a flow collection, which starts with '[' or '{' (at most
// MaxBrackets in all, wherever they are, even in a comment or a quoted
// string), a block indicator at the start of a line (at most
// MaxIndicators a line), or a deeper indentation (at most MaxIndents open
// at once). A profile needs three levels at most, and a few brackets.
func CheckNesting(src []byte, subject string) error {
	var indents [MaxIndents + 1]int
	open, brackets := 0, 0
	for off := 0; off < len(src); {
		end := off
		for end < len(src) && src[end] != '\n' && src[end] != '\r' {
			if c := src[end]; c == '[' || c == '{' {
				brackets++
				if brackets > MaxBrackets {
					return nestingError(src, end, subject, fmt.Sprintf("it holds more than %d '[' and '{'", MaxBrackets))
				}
			}
			end++
		}
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

func nestingError(src []byte, off int, subject, why string) error {
	return &Error{Pos: PosAt(src, off),
		Message: fmt.Sprintf("lists or mappings may nest far deeper than %s can need: %s", subject, why)}
}
