package recommend

// The CEL view of a Profile: the declarations the compile stage type-checks
// against, and the values the evaluate stage hands to compiled programs.

import (
	"errors"
	"reflect"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
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
}

func newCELProfile(p *Profile) *celProfile {
	c := &celProfile{}
	for i, f := range listFields {
		c.lists[i] = types.NewStringList(types.DefaultTypeAdapter, f.get(p))
	}
	for i, f := range numberFields {
		if f.isDouble {
			c.numbers[i] = types.Double(f.get(p))
		} else {
			c.numbers[i] = types.Int(int64(f.get(p)))
		}
	}
	return c
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

// newCELEnv returns the environment every rule condition is compiled in.
func newCELEnv() (*cel.Env, error) {
	prov, err := newProfileProvider()
	if err != nil {
		return nil, err
	}
	return cel.NewEnv(
		cel.CustomTypeProvider(prov),
		cel.Variable("profile", profileType),
		cel.CrossTypeNumericComparisons(true),
	)
}
