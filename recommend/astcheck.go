package recommend

// Checks of a compiled condition that CEL's type checker cannot make: run
// by cel-go as an AST validator, so that their errors are placed and
// reported like CEL's own.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/celast"
	"github.com/backrules/backrules/internal/words"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
)

// vocabularyValidator is the cel.ASTValidator that checks what CEL's type
// checker cannot know about a condition (see Validate).
type vocabularyValidator struct{ vocab *[numVocabFields]vocabulary }

// Name names the validator for cel-go.
func (vocabularyValidator) Name() string { return "backrules.vocabulary" }

// Validate reports string literals that are compared with a vocabulary
// field but are not in the vocabulary: 'x' in profile.F, each element of
// ['x'] in profile.F == ['x'], and x == 'y' or x in ['y'] inside a
// comprehension over profile.F. A blank literal, as in
// the guard c != "", is not a vocabulary typo: no profile holds a blank
// entry, so it is left alone.
//
// It reports, the same way, literals compared with a choice field that its
// vocabulary lacks: profile.C == 'x', profile.C != 'x', profile.C in ['x'].
//
// It also reports the profile used other than through one of its fields,
// as in dyn(profile).pain_level or profile == profile: field reads work
// only on the profile's declared type, so such a condition would fail
// for every profile. And it reports fields selected from a map written in
// the condition ({'a': x}.a) or from a value of type dyn: CEL's cost
// estimate counts such a selection as free while it has a cost at run
// time, so a condition made of many of them could pass the estimate and
// then the runtime cost limit.
func (v vocabularyValidator) Validate(_ *cel.Env, _ cel.ValidatorConfig, a *ast.AST, iss *cel.Issues) {
	v.validate(a, func(e ast.Expr, msg string) { iss.ReportErrorAtID(e.ID(), "%s", msg) })
}

// vocabularyProblem reports whether the validator would find any problem
// in a condition the fast path of compiling (fastcompile.go) checked: the
// fast path then leaves the condition to cel-go, which reports it. Such a
// condition reads the profile variable only through its fields, and
// selects fields of nothing else (TestFastCompileMatchesCEL checks it),
// so only its literals need checking.
func vocabularyProblem(vocab *[numVocabFields]vocabulary, a *ast.AST) bool {
	found := false
	vocabularyValidator{vocab}.literals(a, func(ast.Expr, string) { found = true })
	return found
}

// validate is Validate, reporting each problem through report.
func (v vocabularyValidator) validate(a *ast.AST, report func(e ast.Expr, msg string)) {
	var reported []string
	// Nearly every condition reads the profile only through its fields,
	// and needs no walk with the parents that wholeProfile reads.
	if !profileOnlySelected(a) {
		for _, n := range ast.MatchDescendants(ast.NavigateAST(a), ast.KindMatcher(ast.IdentKind)) {
			if msg := wholeProfile(n); msg != "" && !slices.Contains(reported, msg) {
				report(n, msg)
				reported = append(reported, msg)
			}
		}
	}
	if len(reported) == 0 {
		for _, n := range celast.Matches(a.Expr(), ast.SelectKind) {
			if msg := unboundedSelect(a, n); msg != "" {
				report(n, msg)
			}
		}
	}
	v.literals(a, report)
}

// literals reports the literals compared with a vocabulary or choice
// field that its vocabulary lacks (see Validate).
func (v vocabularyValidator) literals(a *ast.AST, report func(e ast.Expr, msg string)) {
	check := func(lit ast.Expr, field int) {
		s, isStr := celast.String(lit)
		if !isStr || strings.TrimSpace(s) == "" {
			return
		}
		voc := &v.vocab[field]
		if voc.index(s) >= 0 {
			return
		}
		// A value of another field is most likely asked of the wrong
		// field: 'sitting' in profile.conditions for aggravated_by.
		elsewhere := -1
		for f := range v.vocab {
			if f != field && v.vocab[f].index(s) >= 0 {
				elsewhere = f
				break
			}
		}
		hint := words.DidYouMean(s, voc.ids())
		switch {
		case elsewhere >= 0 && elsewhere < numListFields:
			hint = fmt.Sprintf(", but in vocabulary.%s: did you mean '%s' in profile.%s?", vocabFieldName(elsewhere), s, vocabFieldName(elsewhere))
		case elsewhere >= 0:
			hint = fmt.Sprintf(", but in vocabulary.%s: did you mean profile.%s == '%s'?", vocabFieldName(elsewhere), vocabFieldName(elsewhere), s)
		case hint != "":
		case len(voc.ids()) == 0:
			hint = ", which the rule set leaves empty: declare it there"
		default:
			hint = ": declare it there, or use one of its values"
			if ids := voc.ids(); len(ids) <= 6 {
				quoted := make([]string, len(ids))
				for i, id := range ids {
					quoted[i] = fmt.Sprintf("%q", id)
				}
				hint += " (" + words.List(quoted) + ")"
			}
		}
		report(lit, fmt.Sprintf("%q is not in vocabulary.%s%s", s, vocabFieldName(field), hint))
	}
	celast.ComparedLiterals(a, func(field string, lit ast.Expr) {
		if f := vocabFieldIndex(field); f >= 0 {
			check(lit, f)
		}
	})
}

// profileOnlySelected reports whether every identifier of the profile's
// type in a checked condition is the operand of a field selection, as in
// profile.pain_level: then wholeProfile has nothing to report.
func profileOnlySelected(a *ast.AST) bool {
	selected := map[int64]bool{}
	for _, n := range celast.Matches(a.Expr(), ast.SelectKind) {
		selected[n.AsSelect().Operand().ID()] = true
	}
	for _, n := range celast.Matches(a.Expr(), ast.IdentKind) {
		if a.GetType(n.ID()).TypeName() == profileTypeName && !selected[n.ID()] {
			return false
		}
	}
	return true
}

// wholeProfile explains why ident, an identifier in a checked condition,
// cannot be used there, or returns "" when it can: the profile can only be
// the operand of a field selection, as in profile.pain_level.
func wholeProfile(ident ast.NavigableExpr) string {
	if ident.Type().TypeName() != profileTypeName {
		return ""
	}
	parent, ok := ident.Parent()
	if ok && parent.Kind() == ast.SelectKind && parent.AsSelect().Operand().ID() == ident.ID() {
		return ""
	}
	if ok && parent.Kind() == ast.CallKind && parent.AsCall().FunctionName() == "dyn" {
		if gp, ok := parent.Parent(); ok && gp.Kind() == ast.SelectKind {
			return fmt.Sprintf("the profile's fields cannot be read through dyn(): write profile.%s, without dyn()", gp.AsSelect().FieldName())
		}
		return "the profile cannot be used through dyn(): use its fields directly, such as profile.pain_level"
	}
	return "the profile can only be used through its fields, such as profile.pain_level, not as a whole value"
}

// unboundedSelect explains why sel, a field selection in a checked
// condition, is not supported, or returns "": a selection from a map
// literal or from a value of type dyn, which CEL's cost estimate counts as
// free though it costs at run time.
func unboundedSelect(a *ast.AST, sel ast.Expr) string {
	s := sel.AsSelect()
	op := s.Operand()
	field := s.FieldName()
	switch {
	case op.Kind() == ast.MapKind || op.Kind() == ast.StructKind:
		return fmt.Sprintf("reading the field %s of a map written in the condition is not supported: write the value itself", field)
	case a.GetType(op.ID()).Kind() == types.DynKind:
		return fmt.Sprintf("reading the field %s of a value of type dyn is not supported, because its cost cannot be bounded when the rules load: index it instead, as in ['%s']", field, field)
	}
	return ""
}
