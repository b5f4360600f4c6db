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

// macroUse says, for each CEL macro, what it takes, and an example over
// the profile.
var macroUse = map[string][2]string{
	"all":        {"a variable and a condition", ", as in profile.conditions.all(c, c != 'sciatica')"},
	"exists":     {"a variable and a condition", ", as in profile.conditions.exists(c, c in ['sciatica', 'disc_herniation'])"},
	"exists_one": {"a variable and a condition", ", as in profile.conditions.exists_one(c, c in ['sciatica', 'disc_herniation'])"},
	"filter":     {"a variable and a condition", ", as in profile.conditions.filter(c, c != 'sciatica')"},
	"map":        {"a variable and an expression (and a condition before it, to filter)", ", as in profile.conditions.map(c, c + '!')"},
	"has":        {"one field", ", as in has(profile.age)"},
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
		if use, ok := macroUse[m[1]]; ok {
			// CEL expands a macro only with the arguments it takes, and
			// reads any other call of it as an unknown function.
			return msg + ": " + m[1] + " takes " + use[0] + vars.example(use[1]), off
		}
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
		if m[1] == "size" && isNumberType(m[2]) {
			msg += ": size() counts the entries of a list or the characters of a string; compare a number directly" + vars.example(", as in profile.age > 1")
		}
		if m[1] == "contains" && strings.HasPrefix(m[2], "list(") {
			msg += ": " + listHoldsHint + vars.example(listHoldsExample)
		}
		return msg, off
	}
	if m := noOverload.FindStringSubmatch(msg); m != nil {
		fn := m[1]
		if op, ok := operatorNames[fn]; ok {
			fn = op
		}
		return fmt.Sprintf("'%s' cannot be applied to (%s)", fn, m[2]) + typeHint(fn, strings.Split(m[2], ", "), vars), off
	}
	if m := syntaxExpectingSet.FindStringSubmatch(msg); m != nil {
		msg = m[1]
	}
	if rest, ok := strings.CutPrefix(msg, "Syntax error: "); ok {
		msg = "syntax error: " + rest
	}
	return msg, off
}

// typeHint suggests, for an operator applied to values of types it does
// not take, how a rule author writes what they most likely meant: a
// number without quotes, a list tested with in, a number compared rather
// than negated. It is "" when no common mistake fits.
func typeHint(op string, types []string, vars condVars) string {
	switch {
	case len(types) == 2 && (isNumberType(types[0]) && types[1] == "string" || types[0] == "string" && isNumberType(types[1])):
		return ": a number is written without quotes" + vars.example(", as in profile.pain_level >= 7")
	case (op == "==" || op == "!=") && len(types) == 2 && (strings.HasPrefix(types[0], "list(") || strings.HasPrefix(types[1], "list(")):
		return ": " + listHoldsHint + vars.example(listHoldsExample)
	case (op == "==" || op == "!=") && len(types) == 2 && isNumberType(types[0]) && isNumberType(types[1]):
		return ": " + op + " compares numbers of one kind: write a double with a decimal point and an int without one" +
			vars.example(", as in profile.sitting_hours "+op+" 8.0 and profile.pain_level "+op+" 7") + "; <, <=, > and >= compare either kind"
	case op == "in" && len(types) == 2 && strings.HasPrefix(types[1], "list(") && types[1] != "list("+types[0]+")":
		return ": 'in' asks whether a list holds a value of its kind" + vars.example(", as in 'sitting' in profile.aggravated_by") + "; compare a number with <, <=, >, >= or =="
	case op == "!" && len(types) == 1 && isNumberType(types[0]):
		return ": '!' turns true into false and back; compare a number instead" + vars.example(", as in profile.pain_level == 0")
	}
	return ""
}

// listHoldsHint, with listHoldsExample, says how a condition asks
// whether a list holds a value.
const (
	listHoldsHint    = "to ask whether a list holds a value, write the value, then in, then the list"
	listHoldsExample = ", as in 'sitting' in profile.aggravated_by"
)

// example is ex for the variables of a rule's when, whose examples name
// profile fields, and "" for the others.
func (v condVars) example(ex string) string {
	if len(v.names) > 0 && v.names[0] == "profile" {
		return ex
	}
	return ""
}

// isNumberType reports whether a CEL type name is a number's.
func isNumberType(t string) bool { return t == "int" || t == "double" || t == "uint" }
