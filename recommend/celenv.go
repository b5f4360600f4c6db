package recommend

// The CEL view of a Profile: the declarations the compile stage type-checks
// against, and the values the evaluate stage hands to compiled programs.

import (
	"errors"
	"reflect"
	"slices"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/overloads"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/google/cel-go/interpreter"
)

// profileTypeName is the CEL type name of the profile variable.
const profileTypeName = "backrules.Profile"

var profileType = types.NewObjectType(profileTypeName)

// celProfile is a Profile converted to CEL values, once per Recommend call,
// so that no rule converts it again.
type celProfile struct {
	lists   [numListFields]ref.Val
	numbers [len(numberFields)]ref.Val
	choices [numChoiceFields]ref.Val
}

func newCELProfile(p *Profile) *celProfile {
	c := &celProfile{}
	for i, f := range listFields {
		c.lists[i] = newStringList(f.get(p))
	}
	for i, f := range numberFields {
		if f.isDouble {
			c.numbers[i] = types.Double(f.get(p))
		} else {
			c.numbers[i] = types.Int(int64(f.get(p)))
		}
	}
	for i, f := range choiceFields {
		c.choices[i] = types.String(f.get(p))
	}
	return c
}

// stringList is a profile list as a CEL list. Its elements are converted
// to CEL strings once, where types.NewStringList converts each one again
// on every read, and its membership test compares strings directly.
type stringList struct {
	traits.Lister
	elems []string
}

func newStringList(elems []string) stringList {
	vals := make([]ref.Val, len(elems))
	for i, s := range elems {
		vals[i] = types.String(s)
	}
	return stringList{Lister: types.NewRefValList(types.DefaultTypeAdapter, vals), elems: elems}
}

// Contains reports whether the list holds v.
func (l stringList) Contains(v ref.Val) ref.Val {
	if s, ok := v.(types.String); ok {
		return types.Bool(slices.Contains(l.elems, string(s)))
	}
	return l.Lister.Contains(v)
}

// profileVal wraps a celProfile as a CEL value, for the rare expression that
// uses profile as a whole.
type profileVal struct{ p *celProfile }

func (v profileVal) ConvertToNative(reflect.Type) (any, error) {
	return nil, errors.New("profile cannot be converted to a native value")
}
func (v profileVal) ConvertToType(t ref.Type) ref.Val {
	if t == types.TypeType {
		return profileType
	}
	return types.NewErr("profile cannot be converted to %s", t.TypeName())
}
func (v profileVal) Equal(other ref.Val) ref.Val {
	o, ok := other.(profileVal)
	return types.Bool(ok && o.p == v.p)
}
func (v profileVal) Type() ref.Type { return profileType }
func (v profileVal) Value() any     { return v.p }

// activation resolves the single variable, profile.
type activation struct{ v profileVal }

func (a *activation) ResolveName(name string) (any, bool) {
	if name == "profile" {
		return a.v, true
	}
	return nil, false
}
func (a *activation) Parent() interpreter.Activation { return nil }

// profileProvider adds the profile object type to CEL's standard types.
// Field reads go straight to the precomputed values in celProfile.
type profileProvider struct {
	*types.Registry
	fields map[string]*types.FieldType
	names  []string
}

func newProfileProvider() (*profileProvider, error) {
	reg, err := types.NewRegistry()
	if err != nil {
		return nil, err
	}
	p := &profileProvider{Registry: reg, fields: map[string]*types.FieldType{}}
	isSet := func(any) bool { return true }
	for i, f := range listFields {
		p.fields[f.name] = &types.FieldType{
			Type:  types.NewListType(types.StringType),
			IsSet: isSet,
			GetFrom: func(obj any) (any, error) {
				c, err := asProfile(obj)
				if err != nil {
					return nil, err
				}
				return c.lists[i], nil
			},
		}
		p.names = append(p.names, f.name)
	}
	for i, f := range numberFields {
		t := types.IntType
		if f.isDouble {
			t = types.DoubleType
		}
		p.fields[f.name] = &types.FieldType{
			Type:  t,
			IsSet: isSet,
			GetFrom: func(obj any) (any, error) {
				c, err := asProfile(obj)
				if err != nil {
					return nil, err
				}
				return c.numbers[i], nil
			},
		}
		p.names = append(p.names, f.name)
	}
	for i, f := range choiceFields {
		p.fields[f.name] = &types.FieldType{
			Type:  types.StringType,
			IsSet: isSet,
			GetFrom: func(obj any) (any, error) {
				c, err := asProfile(obj)
				if err != nil {
					return nil, err
				}
				return c.choices[i], nil
			},
		}
		p.names = append(p.names, f.name)
	}
	return p, nil
}

var errNotProfile = errors.New("profile field read from a value that is not a profile")

func asProfile(obj any) (*celProfile, error) {
	switch o := obj.(type) {
	case *celProfile:
		return o, nil
	case profileVal:
		return o.p, nil
	}
	return nil, errNotProfile
}

func (p *profileProvider) FindStructType(name string) (*types.Type, bool) {
	if name == profileTypeName {
		return types.NewTypeTypeWithParam(profileType), true
	}
	return p.Registry.FindStructType(name)
}

func (p *profileProvider) FindStructFieldNames(name string) ([]string, bool) {
	if name == profileTypeName {
		return p.names, true
	}
	return p.Registry.FindStructFieldNames(name)
}

func (p *profileProvider) FindStructFieldType(name, field string) (*types.FieldType, bool) {
	if name == profileTypeName {
		f, ok := p.fields[field]
		return f, ok
	}
	return p.Registry.FindStructFieldType(name, field)
}

// NewValue refuses to build profiles inside expressions.
func (p *profileProvider) NewValue(name string, fields map[string]ref.Val) ref.Val {
	if name == profileTypeName {
		return types.NewErr("a profile cannot be created in a rule condition")
	}
	return p.Registry.NewValue(name, fields)
}

// Limits on rule conditions, checked when a rule set is loaded. They keep
// every condition cheap to evaluate whatever the profile, so that no rule
// set can make Recommend slow, and no input can make a condition run away.
const (
	// MaxWhenLength is the longest when condition, in characters.
	MaxWhenLength = 4096
	// MaxWhenDepth is the deepest nesting of a when condition: each pair
	// of parentheses, and each operator, call or field selection inside
	// another, adds about one level, so a chain of 30 additions (a + b +
	// ...) is near the limit. Chains of && and || do not nest, however
	// long.
	MaxWhenDepth = 32
	// MaxRuleCost is the budget of one condition, in CEL cost units (about
	// one unit per operation, and one per list entry or character a
	// membership test, comprehension or string function visits). Load
	// estimates each condition's worst case for a valid profile, with every
	// list at MaxListLen entries of MaxEntryLen bytes, and rejects a
	// condition over the budget. For scale: 'sitting' in
	// profile.aggravated_by costs at most 66, and
	// profile.conditions.exists(c, c in ['a', 'b']) 1,091, while a
	// comprehension over one profile list nested in another over a second
	// costs about 54,000. Because the estimate bounds the actual cost,
	// Recommend does not track the cost of a condition as it runs.
	MaxRuleCost = 10_000
)

// interruptCheckFrequency is how many comprehension iterations run between
// two checks of the Recommend context, in conditions that loop.
const interruptCheckFrequency = 16

// sharedCELEnv returns the environment every rule condition is compiled
// in, built once: a cel.Env is safe for concurrent use, and building one
// takes longer than compiling a small rule set.
var sharedCELEnv = sync.OnceValues(newCELEnv)

// newCELEnv returns a new environment for rule conditions.
func newCELEnv() (*cel.Env, error) {
	prov, err := newProfileProvider()
	if err != nil {
		return nil, err
	}
	return cel.NewEnv(
		cel.CustomTypeProvider(prov),
		cel.Variable("profile", profileType),
		cel.CrossTypeNumericComparisons(true),
		cel.ParserRecursionLimit(MaxWhenDepth),
		cel.ParserExpressionSizeLimit(MaxWhenLength),
	)
}

// programOptions are the options of a compiled condition: constant folding
// for all, and for a condition that loops, the runtime cost limit and
// interrupt checks inside comprehensions, so that a cancelled context stops
// a long loop. A condition without comprehensions does a bounded amount of
// work, set by its length and MaxListLen, which its cost estimate already
// checked; it skips cost tracking, which would make it several times
// slower.
func programOptions(loops bool, costLimit uint64) []cel.ProgramOption {
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	if loops {
		opts = append(opts, cel.CostLimit(costLimit), cel.InterruptCheckFrequency(interruptCheckFrequency))
	}
	return opts
}

// conditionOptions are the options of a rule's compiled condition, whose
// estimated worst-case cost, for any valid profile, is estMax. Where the
// estimate is within the runtime cost limit, it already proves the bound
// (TestCostEstimateBoundsRuntime checks that it does), and the
// condition skips cost tracking, which makes a loop about three times
// slower; it keeps the interrupt checks, so that a cancelled context still
// stops a long comprehension. A limit below the estimate, which only tests
// set, is tracked.
func conditionOptions(loops bool, estMax, costLimit uint64) []cel.ProgramOption {
	if estMax > costLimit {
		return programOptions(loops, costLimit)
	}
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	if loops {
		opts = append(opts, cel.InterruptCheckFrequency(interruptCheckFrequency))
	}
	return opts
}

// profileSizes tells CEL's cost estimator how large the parts of a valid
// profile can be: Validate caps every list at MaxListLen entries and every
// entry, and every choice field, at MaxEntryLen bytes (so at most as many
// characters).
type profileSizes struct{}

func (profileSizes) EstimateSize(n checker.AstNode) *checker.SizeEstimate {
	path := n.Path()
	if len(path) == 2 && path[0] == "profile" && choiceFieldIndex(path[1]) >= 0 {
		return &checker.SizeEstimate{Min: 0, Max: MaxEntryLen}
	}
	if len(path) < 2 || path[0] != "profile" || listFieldIndex(path[1]) < 0 {
		return nil
	}
	switch {
	case len(path) == 2:
		return &checker.SizeEstimate{Min: 0, Max: MaxListLen}
	case len(path) == 3 && path[2] == "@items":
		return &checker.SizeEstimate{Min: 0, Max: MaxEntryLen}
	}
	return nil
}

// EstimateCallCost corrects CEL's estimate where it is below the cost at
// run time, so that the estimate stays a bound:
//
//   - converting an int, uint, double or bool to a string gives at most 24
//     characters ("-1.7976931348623157e+308"), which CEL leaves unbounded;
//   - indexing a computed value ([c][0], {'k': c}['k'], dyn(l)[0]) costs 2
//     at run time, the value being read as an attribute and then indexed,
//     where CEL estimates 1.
func (profileSizes) EstimateCallCost(function, overloadID string, target *checker.AstNode, args []checker.AstNode) *checker.CallEstimate {
	switch overloadID {
	case overloads.IntToString, overloads.UintToString, overloads.DoubleToString, overloads.BoolToString:
		return &checker.CallEstimate{CostEstimate: checker.CostEstimate{Min: 1, Max: 1},
			ResultSize: &checker.SizeEstimate{Min: 1, Max: 24}}
	case overloads.IndexList, overloads.IndexMap, overloads.IndexMessage:
		if len(args) == 2 && !isAttribute(args[0].Expr()) {
			return &checker.CallEstimate{CostEstimate: checker.CostEstimate{Min: 2, Max: 2}}
		}
	}
	return nil
}

// isAttribute reports whether CEL reads e as an attribute: an identifier,
// a field read, an index or a conditional.
func isAttribute(e ast.Expr) bool {
	switch e.Kind() {
	case ast.IdentKind, ast.SelectKind:
		return true
	case ast.CallKind:
		switch e.AsCall().FunctionName() {
		case operators.Index, operators.OptIndex, operators.Conditional:
			return true
		}
	}
	return false
}

// listFieldIndex returns the index in listFields of the field named name,
// or -1.
func listFieldIndex(name string) int {
	for i, f := range listFields {
		if f.name == name {
			return i
		}
	}
	return -1
}

// numberFieldIndex returns the index in numberFields of the field named
// name, or -1.
func numberFieldIndex(name string) int {
	for i, f := range numberFields {
		if f.name == name {
			return i
		}
	}
	return -1
}
