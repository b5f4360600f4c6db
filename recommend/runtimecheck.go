package recommend

// Runtime errors found at load: each condition that runs as CEL (a direct
// check cannot fail) is evaluated over the profiles that matter to it, so
// that a condition such as 100 / profile.pain_level > 20, which fails for
// a pain level of 0, is a load error at its place in the rule file rather
// than a failure of Recommend for real people.

import (
	"encoding/json"
	"errors"
	"math"
	"slices"

	"github.com/backrules/backrules/internal/celast"
	"github.com/backrules/backrules/internal/parse"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/interpreter"
)

// maxRuntimeProfiles bounds the profiles one condition is evaluated on at
// load. When the product of its fields' values is larger, each list field
// is cut to the empty list and one value at a time; then, if that is still
// too large, to the empty list, each value the condition names alone, all
// of them together, and one value it does not name. If even that is too
// large, the first maxRuntimeProfiles profiles are evaluated.
const maxRuntimeProfiles = 4096

// runtimeCheck evaluates, for each rule whose condition runs as CEL, the
// condition on the profiles that matter to it (see runtimeValues), and
// reports the first failure at the condition, with the profile. Rules
// that share a condition share the check; each is reported. It returns
// how many evaluations it made.
func (c *compiler) runtimeCheck(parsed []*parse.Rule) int {
	evals := 0
	var sp *space
	failed := map[string]string{} // condition text to its failure, "" when none
	for ri := range c.e.rules {
		r := &c.e.rules[ri]
		if r.direct != nil || r.prg == nil {
			continue
		}
		msg, done := failed[r.when]
		if !done {
			if sp == nil {
				sp = c.spaceShape()
			}
			var n int
			msg, n = c.e.conditionFailure(r, sp)
			evals += n
			failed[r.when] = msg
		}
		if msg != "" {
			c.iss.Add(parsed[ri].WhenAt.Pos(0), "%s", msg)
		}
	}
	return evals
}

// conditionFailure evaluates r's condition over the profiles that matter
// to it, and returns the message for the first that fails, or "", and how
// many profiles it evaluated.
func (e *Engine) conditionFailure(r *rule, sp *space) (string, int) {
	var opts []fieldValues
	checked := r.checked()
	for cut := range numCuts {
		opts = e.runtimeValues(checked, sp, cut)
		if product(opts) <= maxRuntimeProfiles {
			break
		}
	}
	n := 0
	var p Profile
	idx := make([]int, len(opts))
	for n < maxRuntimeProfiles {
		p = Profile{}
		for i, o := range opts {
			o.set(&p, idx[i])
		}
		n++
		if _, _, err := r.prg.Eval(&activation{v: profileVal{newCELProfile(&p)}}); err != nil {
			var cancelled interpreter.EvalCancelledError
			if !errors.As(err, &cancelled) {
				example, jerr := json.Marshal(p)
				if jerr != nil {
					example = []byte("the profile")
				}
				return "the when condition fails to evaluate for the profile " + string(example) + ": " + err.Error() +
					": guard it so that it works for every valid profile, " + evalFailureHint(err), n
			}
		}
		// The next combination, the last field fastest.
		i := len(idx) - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < opts[i].len() {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			break
		}
	}
	return "", n
}

// fieldValues are the values one profile field takes in the runtime check:
// a list field's (list >= 0), a choice field's (choice >= 0), or else a
// number field's.
type fieldValues struct {
	list    int // the list field's index, or -1
	lists   [][]string
	choice  int // the choice field's index, or -1
	choices []string
	number  int // the number field's index
	numbers []float64
}

func (o fieldValues) len() int {
	switch {
	case o.list >= 0:
		return len(o.lists)
	case o.choice >= 0:
		return len(o.choices)
	}
	return len(o.numbers)
}

// set sets the field in p to its i-th value.
func (o fieldValues) set(p *Profile, i int) {
	switch {
	case o.list >= 0:
		*listPtr(p, o.list) = o.lists[i]
	case o.choice >= 0:
		choiceFields[o.choice].set(p, o.choices[i])
	default:
		*p = withNumber(*p, numberPoint{o.number, o.numbers[i]})
	}
}

// product returns how many profiles the values make, as a float so that
// it cannot overflow.
func product(opts []fieldValues) float64 {
	n := 1.0
	for _, o := range opts {
		n *= float64(o.len())
	}
	return n
}

// The cuts of the list values, from the most values to the fewest (see
// maxRuntimeProfiles).
const (
	cutNone = iota
	cutSingles
	cutNamed
	numCuts
)

// runtimeValues returns the values of each profile field the checked
// condition reads: for a list field, the sets the analysis space gives it,
// or fewer as cut says, and, before the last cut, lists of 3, 4, 5 and as
// many values as the field may hold (a condition can fail on a list's size
// alone); for a
// choice field (sex, episode), not stated and each of its values; for a
// number field 0, 1, the ends of its range, the boundaries the analysis
// explores, and each number written in the condition with its neighbours.
// Fields the condition does not read keep their zero value.
func (e *Engine) runtimeValues(checked *ast.AST, sp *space, cut int) []fieldValues {
	read := map[string]bool{}
	for _, name := range celast.FieldsRead(checked) {
		read[name] = true
	}
	literals := numberLiterals(checked)
	var named map[string]bool
	var out []fieldValues
	for fi, f := range listFields {
		if !read[f.name] {
			continue
		}
		ids := e.vocab[fi].ids()
		var sets [][]string
		switch {
		case cut == cutNone && fi == fieldConditions:
			sets = sp.conditionSets
		case cut == cutNone && fi == fieldRedFlags:
			sets = subsets(ids, sp.flagSetSize)
		case cut <= cutSingles:
			sets = subsets(ids, 1)
		default:
			if named == nil {
				named = map[string]bool{}
				for _, s := range stringLiterals(checked) {
					named[s] = true
				}
			}
			sets = [][]string{nil}
			var all []string
			other := false
			for _, id := range ids {
				switch {
				case named[id]:
					sets = append(sets, []string{id})
					all = append(all, id)
				case !other:
					sets = append(sets, []string{id})
					other = true
				}
			}
			if len(all) > 1 {
				sets = append(sets, all[:min(len(all), MaxListLen)])
			}
		}
		// Longer lists, the first ids of the field, unless the cut is the
		// last: a condition can fail on a list's size alone.
		for _, n := range []int{3, 4, 5, min(len(ids), MaxListLen)} {
			if cut < cutNamed && n <= len(ids) && n > 2 && !slices.ContainsFunc(sets, func(s []string) bool { return len(s) == n }) {
				sets = append(sets, ids[:n:n])
			}
		}
		out = append(out, fieldValues{list: fi, lists: sets, choice: -1})
	}
	for ci, f := range choiceFields {
		if !read[f.name] {
			continue
		}
		out = append(out, fieldValues{list: -1, choice: ci, choices: append([]string{""}, e.vocab[numListFields+ci].ids()...)})
	}
	for ni, f := range numberFields {
		if !read[f.name] {
			continue
		}
		vals := []float64{0, 1, f.min, f.max}
		vals = append(vals, sp.boundaries[f.name]...)
		step := 1.0
		if f.isDouble {
			step = 0.5
		}
		for _, k := range literals {
			vals = append(vals, k-step, k, k+step, math.Floor(k), math.Ceil(k))
		}
		var ok []float64
		for _, v := range vals {
			if !f.isDouble {
				v = math.Round(v)
			}
			if v >= f.min && v <= f.max {
				ok = append(ok, v)
			}
		}
		slices.Sort(ok)
		out = append(out, fieldValues{list: -1, choice: -1, number: ni, numbers: slices.Compact(ok)})
	}
	return out
}

// numberLiterals returns the finite number constants of a checked
// condition.
func numberLiterals(checked *ast.AST) []float64 {
	var out []float64
	for _, lit := range celast.Literals(checked) {
		if v, ok := celast.Number(lit); ok {
			out = append(out, v)
		}
	}
	return out
}

// listPtr returns the list field fi of p.
func listPtr(p *Profile, fi int) *[]string {
	switch fi {
	case fieldConditions:
		return &p.Conditions
	case fieldRedFlags:
		return &p.RedFlags
	case fieldAggravatedBy:
		return &p.AggravatedBy
	case fieldEasedBy:
		return &p.EasedBy
	}
	return &p.Equipment
}
