package recommend

// CEL's compile errors, rewritten for rule authors.

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/words"
	"github.com/google/cel-go/common/operators"
)

// CEL messages that the compile stage rewrites for rule authors.
var (
	undefinedField     = regexp.MustCompile(`^undefined field '([^']*)'$`)
	undeclaredRef      = regexp.MustCompile(`^undeclared reference to '([^']*)' \(in container '[^']*'\)$`)
	noOverload         = regexp.MustCompile(`^found no matching overload for '([^']*)' applied to '\((.*)\)'$`)
	noMethodOverload   = regexp.MustCompile(`^found no matching overload for '([^']*)' applied to '(.*)\.\((.*)\)'$`)
	syntaxExpectingSet = regexp.MustCompile(`^(Syntax error: .*?) expecting \{[^}]*,[^}]*\}$`)
)

// operatorNames maps CEL's internal operator function names to the
// operators a rule author writes.
var operatorNames = map[string]string{
	operators.Add: "+", operators.Subtract: "-", operators.Multiply: "*", operators.Divide: "/",
	operators.Modulo: "%", operators.Negate: "-", operators.LogicalNot: "!",
	operators.LogicalAnd: "&&", operators.LogicalOr: "||", operators.Conditional: "?:",
	operators.Equals: "==", operators.NotEquals: "!=", operators.Less: "<", operators.LessEquals: "<=",
	operators.Greater: ">", operators.GreaterEquals: ">=", operators.In: "in", operators.Index: "[]",
}

// condVars are the variables a kind of condition may use: a rule's
// profile, with its fields, or a progression rule's programme and move.
type condVars struct {
	names  []string
	fields []string // of names[0], for a did-you-mean; nil for maps
}

// ruleVars are the variables of a rule's when.
func ruleVars() condVars { return condVars{names: []string{"profile"}, fields: profileFieldNames()} }

// progressVars are the variables of a progression rule's when.
var progressVars = condVars{names: []string{"programme", "move"}}

// celMessage rewrites a CEL compile error for a rule author: operators as
// written, a did-you-mean for misspelled fields and variables (those of
// vars), and no CEL internals. It also returns how far to move the
// error's offset, for errors CEL places one character early.
func celMessage(msg string, when []rune, off int, vars condVars) (string, int) {
	if m := undefinedField.FindStringSubmatch(msg); m != nil {
		if s := words.Closest(m[1], vars.fields); s != "" {
			msg += words.Suggest("'" + s + "'")
		}
		// CEL points at the dot; point at the misspelled name.
		if off < len(when) && when[off] == '.' {
			off++
		}
		return msg, off
	}
	if m := undeclaredRef.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("undeclared reference to '%s'", m[1])
		quoted := make([]string, len(vars.names))
		for i, v := range vars.names {
			quoted[i] = "'" + v + "'"
		}
		if slices.Contains(vars.fields, m[1]) {
			msg += words.Suggest("'" + vars.names[0] + "." + m[1] + "'")
		} else if s := words.Closest(m[1], vars.names); s != "" {
			msg += words.Suggest("'" + s + "'")
		} else if len(quoted) == 1 {
			msg += ": conditions can only use the variable " + quoted[0]
		} else {
			msg += ": conditions can only use the variables " + words.List(quoted)
		}
		return msg, off
	}
	if m := noMethodOverload.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("'%s' cannot be called on %s", m[1], m[2])
		if m[3] != "" {
			msg += fmt.Sprintf(" with (%s)", m[3])
		}
		return msg, off
	}
	if m := noOverload.FindStringSubmatch(msg); m != nil {
		fn := m[1]
		if op, ok := operatorNames[fn]; ok {
			fn = op
		}
		return fmt.Sprintf("'%s' cannot be applied to (%s)", fn, m[2]), off
	}
	if m := syntaxExpectingSet.FindStringSubmatch(msg); m != nil {
		msg = m[1]
	}
	if rest, ok := strings.CutPrefix(msg, "Syntax error: "); ok {
		msg = "syntax error: " + rest
	}
	return msg, off
}
