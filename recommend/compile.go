package recommend

// Stage 2, compile: positioned declarations in, an Engine out. This stage
// checks every cross-reference, compiles and type-checks each CEL condition
// once, and resolves effect selectors to movement indexes, so that the
// evaluate and resolve stages do no lookups by name.

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/interpreter"
)

// movementKinds are the allowed movement kinds.
var movementKinds = []string{"stretch", "mobility", "decompression", "strengthening", "self_massage", "lifestyle"}

var urgencies = []string{string(Emergency), string(Urgent), string(Routine)}

// sourceKinds are the allowed source kinds, from the strongest kind of
// evidence to the weakest; Source.Kind documents each.
var sourceKinds = []string{
	"guideline", "systematic-review", "trial", "reference",
	"clinic-article", "practitioner-article", "general-health-article", "personal-account",
}

// compiler holds the state of one compile.
type compiler struct {
	doc *document
	iss *issueList
	e   *Engine
	env *cel.Env

	movementIdx map[string]int
	tagIdx      map[string][]int
	ruleFirst   map[string]position
	citeIdx     map[Citation]int
	smoke       []smokeProfile

	// budget is the most a condition's estimated cost may be, and
	// costLimit the most its actual cost may be when it runs.
	budget, costLimit uint64
}

func compile(doc *document, iss *issueList, cfg *loadConfig) (*Engine, error) {
	env, err := sharedCELEnv()
	if err != nil {
		return nil, fmt.Errorf("create CEL environment: %w", err)
	}
	c := &compiler{
		doc: doc, iss: iss, env: env,
		e:           &Engine{sourceIdx: map[string]int{}},
		movementIdx: map[string]int{},
		tagIdx:      map[string][]int{},
		ruleFirst:   map[string]position{},
		citeIdx:     map[Citation]int{},
		budget:      MaxRuleCost,
		costLimit:   cfg.costLimit,
	}
	c.sources()
	c.vocabulary()
	c.movements()
	c.rules()
	if err := iss.err(); err != nil {
		return nil, err
	}
	return c.e, nil
}

// duplicate reports t as a duplicate when its id was seen before, at both
// places, and records it otherwise.
func (c *compiler) duplicate(seen map[string]position, what string, t text) bool {
	if first, ok := seen[t.s]; ok {
		c.iss.add(t.pos, "duplicate %s id %q (first declared at %s)", what, t.s, first)
		c.iss.add(first, "%s id %q is declared again at %s: ids must be unique across the rule set", what, t.s, t.pos)
		return true
	}
	seen[t.s] = t.pos
	return false
}

func (c *compiler) sources() {
	seen := map[string]position{}
	for _, s := range c.doc.sources {
		if c.duplicate(seen, "source", s.id) {
			continue
		}
		if s.kind.s != "" && !slices.Contains(sourceKinds, s.kind.s) {
			c.unknownOf(s.kind, "source kind", sourceKinds)
		}
		c.e.sourceIdx[s.id.s] = len(c.e.sources)
		c.e.sources = append(c.e.sources, Source{
			ID: s.id.s, Title: s.title, Publisher: s.publisher, Author: s.author, URL: s.url, Kind: s.kind.s,
		})
	}
}

func (c *compiler) vocabulary() {
	var seen [numListFields]map[string]position
	for i := range c.e.vocab {
		c.e.vocab[i].byID = map[string]int{}
		seen[i] = map[string]position{}
	}
	for _, v := range c.doc.vocab {
		if c.duplicate(seen[v.field], "vocabulary."+listFields[v.field].name, v.id) {
			continue
		}
		voc := &c.e.vocab[v.field]
		voc.byID[v.id.s] = len(voc.entries)
		voc.entries = append(voc.entries, vocabEntry{v.id.s, v.label})
	}
}

func (c *compiler) movements() {
	seen := map[string]position{}
	equipment := &c.e.vocab[fieldEquipment]
	for _, m := range c.doc.movements {
		if c.duplicate(seen, "movement", m.id) {
			continue
		}
		mv := movement{id: m.id.s, name: m.name, kind: m.kind.s, how: m.how, dose: m.dose}
		if m.kind.s != "" && !slices.Contains(movementKinds, m.kind.s) {
			c.unknownOf(m.kind, "movement kind", movementKinds)
		}
		for _, eq := range m.equipment {
			i := equipment.index(eq.s)
			if i < 0 {
				c.unknownWhy(eq, "equipment", "it is not in vocabulary.equipment", equipment.ids())
				continue
			}
			if !slices.Contains(mv.equipment, i) {
				mv.equipment = append(mv.equipment, i)
			}
		}
		idx := len(c.e.movements)
		for _, t := range m.tags {
			if !slices.Contains(mv.tags, t.s) {
				mv.tags = append(mv.tags, t.s)
				c.tagIdx[t.s] = append(c.tagIdx[t.s], idx)
			}
		}
		c.movementIdx[m.id.s] = idx
		c.e.movements = append(c.e.movements, mv)
	}
}

// unknown reports a reference to something that does not exist, with the
// closest known name when one is close.
func (c *compiler) unknown(t text, what string, known []string) {
	c.unknownWhy(t, what, "", known)
}

// unknownOf reports a value outside a fixed set, with the closest value
// when one is close, and the whole set otherwise.
func (c *compiler) unknownOf(t text, what string, allowed []string) {
	msg := fmt.Sprintf("unknown %s %q", what, t.s)
	if s := suggest(t.s, allowed); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	} else {
		msg += fmt.Sprintf(" (allowed: %s)", strings.Join(allowed, ", "))
	}
	c.iss.add(t.pos, "%s", msg)
}

// unknownWhy is unknown with a note on why the name is unknown. When no
// known name is close, a short list of known names is given instead.
func (c *compiler) unknownWhy(t text, what, why string, known []string) {
	msg := fmt.Sprintf("unknown %s %q", what, t.s)
	if why != "" {
		msg += ": " + why
	}
	if s := suggest(t.s, known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	} else if len(known) == 0 {
		msg += fmt.Sprintf(" (the rule set declares no %s)", plural(what))
	} else if len(known) <= maxListedNames {
		msg += fmt.Sprintf(" (known: %s)", strings.Join(known, ", "))
	}
	c.iss.add(t.pos, "%s", msg)
}

// maxListedNames is the most known names an unknown-name message lists.
const maxListedNames = 8

func plural(noun string) string {
	if noun == "equipment" {
		return noun
	}
	return noun + "s"
}

func (c *compiler) rules() {
	for _, r := range c.doc.rules {
		if c.duplicate(c.ruleFirst, "rule", r.id) {
			continue
		}
		cr := rule{id: r.id.s, description: r.description, reason: r.because, when: r.when, pos: r.id.pos}
		if r.whenNode != nil {
			cr.prg, cr.loops = c.condition(r)
		}
		for e, sel := range r.effects {
			if sel != nil {
				cr.effects[e] = c.selector(sel)
				cr.selectors[e] = &effectSelector{
					movements: texts(sel.movements), tags: texts(sel.tags), kinds: texts(sel.kinds),
				}
				cr.because[e] = cmp.Or(sel.because, r.because)
			}
		}
		if r.refer != nil {
			cr.refer = &compiledReferral{urgency: Urgency(r.refer.urgency.s), message: r.refer.message, withhold: r.refer.withhold}
			if r.refer.urgency.s != "" && !slices.Contains(urgencies, r.refer.urgency.s) {
				c.unknownOf(r.refer.urgency, "referral urgency", urgencies)
			}
		}
		for _, ct := range r.cite {
			si, ok := c.e.sourceIdx[ct.source.s]
			if !ok {
				c.unknown(ct.source, "source", c.sourceIDs())
				continue
			}
			s := c.e.sources[si]
			cr.cites = append(cr.cites, c.citation(Citation{Source: s.ID, Title: s.Title, Publisher: s.Publisher, Kind: s.Kind, URL: s.URL, Locator: ct.locator, Claim: ct.claim}))
		}
		c.e.rules = append(c.e.rules, cr)
	}
}

// citation returns the index of ct in the engine's citation table, adding
// it when no rule cited it before. Identical citations share an index, so
// the resolve stage can merge them by comparing ints.
func (c *compiler) citation(ct Citation) int {
	if i, ok := c.citeIdx[ct]; ok {
		return i
	}
	i := len(c.e.citations)
	c.citeIdx[ct] = i
	c.e.citations = append(c.e.citations, ct)
	return i
}

func (c *compiler) sourceIDs() []string {
	out := make([]string, len(c.e.sources))
	for i, s := range c.e.sources {
		out[i] = s.ID
	}
	return out
}

// selector resolves an effect's movements, tags and kinds to movement
// indexes, in ascending order without repeats.
func (c *compiler) selector(s *selectorDecl) []int {
	var out []int
	for _, m := range s.movements {
		i, ok := c.movementIdx[m.s]
		if !ok {
			c.unknown(m, "movement", slices.Sorted(maps.Keys(c.movementIdx)))
			continue
		}
		out = append(out, i)
	}
	for _, t := range s.tags {
		ms, ok := c.tagIdx[t.s]
		if !ok {
			c.unknownWhy(t, "tag", "no movement has it", slices.Sorted(maps.Keys(c.tagIdx)))
			continue
		}
		out = append(out, ms...)
	}
	for _, k := range s.kinds {
		if !slices.Contains(movementKinds, k.s) {
			c.unknownOf(k, "movement kind", movementKinds)
			continue
		}
		for i, m := range c.e.movements {
			if m.kind == k.s {
				out = append(out, i)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

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

// celMessage rewrites a CEL compile error for a rule author: operators as
// written, a did-you-mean for misspelled fields and variables, and no CEL
// internals. It also returns how far to move the error's offset, for
// errors CEL places one character early.
func celMessage(msg string, when []rune, off int) (string, int) {
	if m := undefinedField.FindStringSubmatch(msg); m != nil {
		if s := suggest(m[1], profileFieldNames()); s != "" {
			msg += fmt.Sprintf(" (did you mean '%s'?)", s)
		}
		// CEL points at the dot; point at the misspelled name.
		if off < len(when) && when[off] == '.' {
			off++
		}
		return msg, off
	}
	if m := undeclaredRef.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("undeclared reference to '%s'", m[1])
		if slices.Contains(profileFieldNames(), m[1]) {
			msg += fmt.Sprintf(" (did you mean 'profile.%s'?)", m[1])
		} else if s := suggest(m[1], []string{"profile"}); s != "" {
			msg += " (did you mean 'profile'?)"
		} else {
			msg += ": conditions can only use the variable 'profile'"
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

// condition compiles a rule's when expression, reporting every CEL error at
// its place in the rule file. It returns nil when the condition is invalid.
func (c *compiler) condition(r *ruleDecl) (prg cel.Program, loops bool) {
	src := c.doc.files[r.id.pos.file]
	at := func(offset int) position {
		if c.iss.full(r.id.pos.file) {
			// The issue will only be counted: skip the mapping.
			return position{file: r.id.pos.file}
		}
		line, col := valuePosition(src, r.whenNode, offset)
		return position{r.id.pos.file, line, col}
	}
	if n := utf8.RuneCountInString(r.when); n > MaxWhenLength {
		c.iss.add(at(0), "the when condition is %d characters long, over the limit of %d: split the rule into simpler ones", n, MaxWhenLength)
		return nil, false
	}
	checked, issues := c.env.Compile(r.when)
	if issues != nil && issues.Err() != nil {
		exprSrc := common.NewTextSource(r.when)
		when := []rune(r.when)
		for _, e := range issues.Errors() {
			off := 0
			if e.Location.Line() > 0 {
				if o, ok := exprSrc.LocationOffset(e.Location); ok {
					off = int(o)
				}
			}
			msg := e.Message
			if strings.HasPrefix(msg, "expression recursion limit exceeded") || msg == "max recursion depth exceeded" {
				msg = fmt.Sprintf("the condition nests more than %d levels deep: flatten it, or split the rule into simpler ones", MaxWhenDepth)
			} else {
				msg, off = celMessage(msg, when, off)
			}
			c.iss.add(at(off), "in when: %s", msg)
		}
		return nil, false
	}
	if !checked.OutputType().IsExactType(cel.BoolType) {
		c.iss.add(at(0), "the when condition must give true or false (bool), but it gives %s", checked.OutputType())
		return nil, false
	}
	if !c.checkLiterals(checked, at) {
		return nil, false
	}
	est, err := c.env.EstimateCost(checked, profileSizes{})
	if err != nil {
		c.iss.add(at(0), "in when: cannot estimate the cost of the condition: %v", err)
		return nil, false
	}
	loops = hasComprehension(checked)
	if est.Max > c.budget && !loops {
		c.iss.add(at(0), "the when condition uses the profile as a whole value (for example with dyn() or ==), "+
			"which is not supported: test its fields, such as profile.conditions")
		return nil, false
	}
	if est.Max > c.budget {
		cost := "has no upper bound"
		if est.Max != math.MaxUint64 {
			cost = fmt.Sprintf("can reach %d", est.Max)
		}
		c.iss.add(at(0), "the when condition's worst-case cost %s, over the budget of %d: "+
			"avoid nesting comprehensions (exists, all, filter, map) over profile lists", cost, c.budget)
		return nil, false
	}
	prg, err = c.env.Program(checked, programOptions(loops, c.costLimit)...)
	if err != nil {
		c.iss.add(at(0), "in when: %v", err)
		return nil, false
	}
	for _, sp := range c.smokeProfiles() {
		_, _, err := prg.Eval(&activation{v: profileVal{sp.p}})
		var cancelled interpreter.EvalCancelledError
		if errors.As(err, &cancelled) {
			// The runtime limits are checked when Recommend runs; the
			// estimate above already bounds the cost.
			err = nil
		}
		if err != nil {
			c.iss.add(at(0), "the when condition fails to evaluate for %s: %v: guard it so that it works for every valid profile, for example with size() before indexing a list", sp.name, err)
			return nil, false
		}
	}
	return prg, loops
}

type smokeProfile struct {
	name string
	p    *celProfile
}

// smokeProfiles returns the profiles every condition is tried on at load:
// an empty one, and one holding every vocabulary value and the largest
// numbers. A condition that fails on either, such as one that indexes a
// list that may be empty, would fail Recommend for real people, so it is a
// load error instead.
func (c *compiler) smokeProfiles() []smokeProfile {
	if c.smoke == nil {
		full := Profile{PainLevel: 10, DaysSinceOnset: MaxDaysSinceOnset, SittingHours: 24, Age: MaxAge}
		lists := [numListFields]*[]string{&full.Conditions, &full.RedFlags, &full.AggravatedBy, &full.EasedBy, &full.Equipment}
		for i, l := range lists {
			ids := c.e.vocab[i].ids()
			*l = ids[:min(len(ids), MaxListLen)]
		}
		c.smoke = []smokeProfile{
			{"an empty profile", newCELProfile(&Profile{})},
			{"a profile with every vocabulary value and the largest numbers", newCELProfile(&full)},
		}
	}
	return c.smoke
}

// hasComprehension reports whether a checked condition loops: only
// comprehensions can take long enough to need the context checked while
// they run.
func hasComprehension(checked *cel.Ast) bool {
	root := ast.NavigateAST(checked.NativeRep())
	return len(ast.MatchDescendants(root, ast.KindMatcher(ast.ComprehensionKind))) > 0
}

// checkLiterals reports string literals that are compared with a
// vocabulary field but are not in the vocabulary: 'x' in profile.F, and
// x == 'y' or x in ['y'] inside a comprehension over profile.F.
func (c *compiler) checkLiterals(checked *cel.Ast, at func(int) position) bool {
	a := checked.NativeRep()
	info := a.SourceInfo()
	ok := true
	check := func(lit ast.Expr, field int) {
		if lit.Kind() != ast.LiteralKind {
			return
		}
		s, isStr := lit.AsLiteral().Value().(string)
		if !isStr {
			return
		}
		voc := &c.e.vocab[field]
		if voc.index(s) >= 0 {
			return
		}
		off := 0
		if r, found := info.GetOffsetRange(lit.ID()); found {
			off = int(r.Start)
		}
		msg := fmt.Sprintf("in when: %q is not in vocabulary.%s", s, listFields[field].name)
		if sug := suggest(s, voc.ids()); sug != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", sug)
		}
		c.iss.add(at(off), "%s", msg)
		ok = false
	}
	checkAll := func(e ast.Expr, field int) {
		if e.Kind() == ast.ListKind {
			for _, el := range e.AsList().Elements() {
				check(el, field)
			}
			return
		}
		check(e, field)
	}
	root := ast.NavigateAST(a)
	for _, n := range ast.MatchDescendants(root, ast.KindMatcher(ast.CallKind)) {
		call := n.AsCall()
		if call.FunctionName() == operators.In && len(call.Args()) == 2 {
			if f := vocabField(call.Args()[1]); f >= 0 {
				check(call.Args()[0], f)
			}
		}
	}
	for _, n := range ast.MatchDescendants(root, ast.KindMatcher(ast.ComprehensionKind)) {
		comp := n.AsComprehension()
		f := vocabField(comp.IterRange())
		if f < 0 {
			continue
		}
		iter := comp.IterVar()
		isIter := func(e ast.Expr) bool { return e.Kind() == ast.IdentKind && e.AsIdent() == iter }
		for _, m := range ast.MatchDescendants(ast.NavigateExpr(a, comp.LoopStep()), ast.KindMatcher(ast.CallKind)) {
			call := m.AsCall()
			args := call.Args()
			if len(args) != 2 {
				continue
			}
			switch call.FunctionName() {
			case operators.Equals, operators.NotEquals:
				if isIter(args[0]) {
					check(args[1], f)
				} else if isIter(args[1]) {
					check(args[0], f)
				}
			case operators.In:
				if isIter(args[0]) {
					checkAll(args[1], f)
				}
			}
		}
	}
	return ok
}

// vocabField returns the list field e selects, as in profile.conditions, or
// -1.
func vocabField(e ast.Expr) int {
	if e.Kind() != ast.SelectKind {
		return -1
	}
	sel := e.AsSelect()
	if sel.IsTestOnly() || sel.Operand().Kind() != ast.IdentKind || sel.Operand().AsIdent() != "profile" {
		return -1
	}
	return listFieldIndex(sel.FieldName())
}
