package celast

import (
	"testing"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/go-cmp/cmp"
)

// check compiles a condition over a profile whose fields are lists of
// strings, numbers and strings.
func check(t *testing.T, src string) *ast.AST {
	t.Helper()
	env, err := cel.NewEnv(cel.Variable("profile", cel.MapType(cel.StringType, cel.DynType)))
	if err != nil {
		t.Fatal(err)
	}
	a, iss := env.Compile(src)
	if iss.Err() != nil {
		t.Fatalf("compile %q: %v", src, iss.Err())
	}
	return a.NativeRep()
}

func TestClauses(t *testing.T) {
	tests := []struct {
		when string
		want []string
	}{
		{"'sciatica' in profile.conditions", []string{"'sciatica' in profile.conditions"}},
		{"profile.pain_level >= 7 && !('x' in profile.red_flags)", []string{
			"profile.pain_level >= 7",
			"profile.pain_level >= 7 && !('x' in profile.red_flags)",
			"!('x' in profile.red_flags)",
			"'x' in profile.red_flags",
		}},
		{"size(profile.red_flags) > 2 || profile.age\n   < 50", []string{
			"size(profile.red_flags) > 2",
			"size(profile.red_flags) > 2 || profile.age < 50",
			"profile.age < 50",
		}},
		{"(profile.age > 50 ? 1 : 0) + (profile.pain_level > 6 ? 1 : 0) >= 2", []string{
			"(profile.age > 50 ? 1 : 0) + (profile.pain_level > 6 ? 1 : 0) >= 2",
			"profile.age > 50",
			"profile.pain_level > 6",
		}},
		{"profile.red_flags.exists(f, f in ['a', 'b)'])", []string{"profile.red_flags.exists(f, f in ['a', 'b)'])"}},
		{"profile.sex == 'female'", []string{"profile.sex == 'female'"}},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			var got []string
			for _, c := range NewSource(check(t, tt.when), tt.when).Clauses() {
				got = append(got, c.Text)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("clauses (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReaders(t *testing.T) {
	root := func(t *testing.T, src string) ast.Expr { return check(t, src).Expr() }
	t.Run("Field", func(t *testing.T) {
		if f, ok := Field(root(t, "profile.age")); !ok || f != "age" {
			t.Errorf("Field(profile.age) = %q, %t", f, ok)
		}
		if _, ok := Field(root(t, "has(profile.age)")); ok {
			t.Error("Field(has(profile.age)) is a field read")
		}
	})
	t.Run("Compare", func(t *testing.T) {
		c, ok := Compare(root(t, "7 <= profile.pain_level"))
		f, _ := Field(c.Side)
		n, _ := Number(c.Literal)
		if !ok || c.Op != operators.GreaterEquals || f != "pain_level" || n != 7 {
			t.Errorf("Compare(7 <= profile.pain_level) = %v, %s %s %v", ok, f, c.Op, n)
		}
		if _, ok := Compare(root(t, "profile.age < profile.pain_level")); ok {
			t.Error("Compare read a comparison without a literal")
		}
	})
	t.Run("ExistsIn", func(t *testing.T) {
		f, vals, ok := ExistsIn(root(t, "profile.red_flags.exists(v, v in ['a', 'b'])"))
		if diff := cmp.Diff([]string{"a", "b"}, vals); !ok || f != "red_flags" || diff != "" {
			t.Errorf("ExistsIn = %q, %v, %t", f, vals, ok)
		}
		if _, _, ok := ExistsIn(root(t, "profile.red_flags.all(v, v in ['a', 'b'])")); ok {
			t.Error("ExistsIn read an all()")
		}
	})
	t.Run("ComparedLiterals", func(t *testing.T) {
		var got []string
		ComparedLiterals(check(t, "'a' in profile.conditions && profile.sex in ['b', 'c'] && 'd' == profile.episode && profile.red_flags.exists(v, v == 'e' || v in ['f'])"),
			func(field string, lit ast.Expr) {
				s, _ := String(lit)
				got = append(got, field+":"+s)
			})
		want := []string{"conditions:a", "sex:b", "sex:c", "episode:d", "red_flags:e", "red_flags:f"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ComparedLiterals (-want +got):\n%s", diff)
		}
	})
}

// A comprehension over a list written in the condition, whose variable is
// looked up in or compared with a profile field, compares each element
// of the list with that field: a typo in ['disc_herniaton'].exists(c, c
// in profile.conditions) is found as it is in the usual order.
func TestComparedLiteralsOverAList(t *testing.T) {
	tests := []struct {
		name, cond string
		want       []string
	}{
		{"exists in a list field", "['a', 'b'].exists(c, c in profile.conditions)", []string{"conditions:a", "conditions:b"}},
		{"all, not in", "['a'].all(c, !(c in profile.red_flags))", []string{"red_flags:a"}},
		{"choice equal, field first", "['a', 'b'].exists(v, profile.sex == v)", []string{"sex:a", "sex:b"}},
		{"choice not equal", "['a'].exists(v, v != profile.episode)", []string{"episode:a"}},
		{"variable not compared with a field", "['a'].exists(v, v == 'b')", nil},
		{"another variable", "['a'].exists(v, profile.conditions.exists(w, w == 'b'))", []string{"conditions:b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			ComparedLiterals(check(t, tt.cond), func(field string, lit ast.Expr) {
				if s, ok := String(lit); ok {
					got = append(got, field+":"+s)
				}
			})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ComparedLiterals(%s) (-want +got):\n%s", tt.cond, diff)
			}
		})
	}
}

func TestSizedFields(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		{"size(profile.conditions) >= 4", []string{"conditions"}},
		{"profile.red_flags.size() > 1 && size(profile.aggravated_by) == 2", []string{"aggravated_by", "red_flags"}},
		{"profile.red_flags.filter(f, f in ['a', 'b']).size() >= 2", nil},
		{"'a' in profile.conditions && size('abc') == 3", nil},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, SizedFields(check(t, tt.src))); diff != "" {
				t.Errorf("SizedFields(%s) (-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

// A list field compared whole with a list written in the condition
// compares each element with the field: a typo in profile.conditions ==
// ['disc_herniaton'] is found as it is in 'disc_herniaton' in
// profile.conditions, and such a condition names its red flags.
func TestComparedLiteralsListEquality(t *testing.T) {
	tests := []struct {
		name, cond string
		want       []string
	}{
		{"a list field equal to a list", "profile.conditions == ['a', 'b']", []string{"conditions:a", "conditions:b"}},
		{"a list equal to a list field", "['a'] == profile.red_flags", []string{"red_flags:a"}},
		{"a list field not equal to a list", "profile.aggravated_by != ['a']", []string{"aggravated_by:a"}},
		{"a choice equal to a literal", "profile.sex == 'a'", []string{"sex:a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			ComparedLiterals(check(t, tt.cond), func(field string, lit ast.Expr) {
				if s, ok := String(lit); ok {
					got = append(got, field+":"+s)
				}
			})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ComparedLiterals(%s) (-want +got):\n%s", tt.cond, diff)
			}
		})
	}
}
