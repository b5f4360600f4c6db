package recommend

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/backrules/backrules/internal/celast"
	"github.com/google/cel-go/common/ast"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
)

// fastTokens splits a condition into rough tokens, for mutating it.
var fastTokens = regexp.MustCompile(`'[^']*'|"[^"]*"|\d+\.\d+|\d+|[A-Za-z_][A-Za-z0-9_]*|&&|\|\||==|!=|<=|>=|\S`)

// fastPool are the tokens a mutation puts in: other fields, literals of
// other types, operators, functions and stray characters.
var fastPool = []string{
	"profile.conditions", "profile.red_flags", "profile.pain_level", "profile.sitting_hours", "profile.sex",
	"profile.nope", "profile", "nope", "dyn(profile)", "size(profile.conditions)", "profile.conditions.size()",
	"'a'", `"b"`, "''", "'é'", "1", "-1", "- 2", "2.5", "-0.5", "9223372036854775807", "9223372036854775808", "1e3",
	"1u", "0x10", "true", "false", "null", "b'a'", "r'a'", "'a\\n'", "'''a'''",
	"&&", "||", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "in", "?", ":", "!", "!!", "(", ")",
	"[", "]", "[]", ",", ".", "// c\n", "{", "}", "`x`", "&", "|", "=", "\n", "if", "profile.conditions[0]",
	"profile.conditions.exists(x, x == 'a')", "profile.conditions.all(x, x in ['a'])", "x", "@result",
}

// mutate changes one to three tokens of when: each replaced by a token of
// fastPool or deleted, or a token inserted.
func mutate(r *rand.Rand, when string) string {
	toks := fastTokens.FindAllString(when, -1)
	for range 1 + r.IntN(3) {
		if len(toks) == 0 {
			break
		}
		i := r.IntN(len(toks))
		tok := fastPool[r.IntN(len(fastPool))]
		switch r.IntN(4) {
		case 0:
			toks = append(toks[:i], toks[i+1:]...)
		case 1:
			toks = append(toks[:i], append([]string{tok}, toks[i:]...)...)
		default:
			toks[i] = tok
		}
	}
	sep := " "
	if r.IntN(4) == 0 {
		sep = ""
	}
	return strings.Join(toks, sep)
}

// fastCases are conditions written by hand: the edges of the fast path.
var fastCases = []string{
	"-3 < profile.pain_level", "- 3 < profile.pain_level", "profile.age - -3 > 1", "profile.age--3 > 1",
	"profile.age - - 3 > 1", "--3 < profile.age", "!!true", "!true", "!(true)", "! true",
	"profile.conditions.exists(profile, profile in ['a'])", "profile.conditions.exists(c, c in ['a', 'b',])",
	"profile.conditions.exists(c, profile.conditions.exists(d, d == c))", "'é' in profile.conditions",
	"'a' in profile.conditions\n&& profile.pain_level\t>= 7", `"a" in profile.conditions`, "'' in profile.conditions",
	"profile.pain_level == 5.0", "profile.sitting_hours == 5", "profile.sitting_hours >= 5", "profile.pain_level < 5.5",
	"profile.sex in ['a']", "'a' in ['a']", "(true ? 1 : 2) > 0", "(true ? 1 : 2.0) > 0", "(true ? 'a' : 'b') == profile.sex",
	"profile.pain_level + profile.age - 3 > profile.days_since_onset", "profile.sitting_hours + 1.0 > 7.0",
	"profile.sitting_hours + 1 > 7.0", "1 < 2 < 3", "profile.pain_level < 2 == true", "true == (1 < 2)",
	"profile.pain_level >= 9223372036854775807", "profile.pain_level >= 9223372036854775808",
	"profile.pain_level >= -9223372036854775808", "(((((((profile.pain_level > 1)))))))",
	"((((((profile.pain_level > 1))))))", "profile.pain_level > 1 ? true : false", "profile.pain_level > 1 ? true : 1",
	"profile.conditions == ['a']", "['a', 'b'] == profile.conditions", "profile.conditions.exists(c, c)",
	"profile.conditions.exists(c, c in profile.red_flags)", "profile.pain_level.exists(c, c > 1)",
	"profile.conditions.exists(@result, true)", "profile.conditions.exists(__result__, __result__ == 'a')",
	"profile.conditions.exists(in, true)", "profile.conditions.exists(c.d, true)", "profile.conditions.exists(c)",
	"profile.conditions.exists(c, c == 'a', c == 'b')", "'a' in profile.Conditions", "profile.pregnancy_week > 0",
	"1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 > profile.age", "1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 > profile.age",
	"true && true && true && true && true && true && true && true && true && true && true && true && true && true && true && true && true",
	"profile.pain_level", "'a'", "true", "false", "1 == 1", "profile.sex == ''", "'a' == 'a'", "profile.sex < 'b'",
	"profile.sex + 'a' == 'b'", "profile . pain_level > 1", "profile.\npain_level > 1", ".profile.pain_level > 1",
	"profile.pain_level > 01", "profile.pain_level > 1.", "profile.pain_level > .5", "profile.pain_level > 1.5e3",
	"'a\"b' in profile.conditions", `"a'b" in profile.conditions`, "'a' in profile.conditions ", " 'a' in profile.conditions",
	"'日本' in profile.conditions && profile.pain_level > 1", "profile.conditions.exists(c, c in ['日本', 'b']) || true",
	"['a', 'b'].exists(x, x == 'a')", "[profile.sex].exists(x, x == 'a')", "profile.conditions.exists(x, x == 'a') == true",
	"has(profile.sex)", "profile.conditions.exists(x, x == 'a').exists(y, y)", "profile.conditions.exists(x, x == 'a') ? 1 < 2 : false",
	"profile.age > 1 ? profile.age : 0 > 3", "profile.age > 1 ? 'a' : 'b' in ['a']", "!profile.conditions.exists(x, x == 'a')",
	"profile.conditions.exists(x, x == 'a' && profile.conditions.exists(y, y == x) && 'b' in profile.red_flags)",
}

// TestFastCompileMatchesCEL proves that the fast path of compiling a
// condition is never looser than cel-go, and agrees with it wherever it
// accepts: over conditions written by hand, the conditions
// TestDirectChecksMatchCEL generates, and those mutated (fields and
// literals of other types, other operators, functions, stray tokens),
// every condition the fast path accepts must compile in cel-go to the
// same checked AST (expressions, ids, offsets, types and references),
// with the same estimated cost (estimated whole, and by fastCost), read
// the profile only through its fields
// (so that vocabularyProblem need check only its literals), and its
// direct check, when it has one, must give the program's result.
func TestFastCompileMatchesCEL(t *testing.T) {
	env, err := sharedCELEnv()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(21, 2026))
	profiles := make([]Profile, 20)
	for i := range profiles {
		profiles[i] = directProfile(r)
	}
	whens := append([]string(nil), fastCases...)
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, rl := range def.rules {
		whens = append(whens, rl.when)
	}
	for range 2000 {
		g := &directGen{r: r, covered: true}
		when := g.cond(1 + r.IntN(4))
		whens = append(whens, when, mutate(r, when), mutate(r, when))
	}
	var accepted, valid, rejectedValid int
	var costs costCache
	for _, when := range whens {
		fast, ok := fastCompile(when)
		checked, iss := env.Compile(when)
		if iss.Err() == nil {
			valid++
			if !ok {
				rejectedValid++
			}
		}
		if !ok {
			continue
		}
		accepted++
		if iss.Err() != nil {
			t.Errorf("%q: the fast path accepts it, cel-go refuses it: %v", when, iss.Err())
			continue
		}
		want, err := ast.ToProto(checked.NativeRep())
		if err != nil {
			t.Fatal(err)
		}
		got, err := ast.ToProto(fast)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
			t.Errorf("%q: checked AST differs from cel-go's (-want +got):\n%s", when, diff)
			continue
		}
		if diff := cmp.Diff(checked.NativeRep().SourceInfo().OffsetRanges(), fast.SourceInfo().OffsetRanges()); diff != "" {
			t.Errorf("%q: offsets differ from cel-go's (-want +got):\n%s", when, diff)
			continue
		}
		wantCost, werr := env.EstimateCost(checked, profileSizes{})
		gotCost, gerr := estimateCost(fast)
		if diff := cmp.Diff(wantCost, gotCost); diff != "" || (werr == nil) != (gerr == nil) {
			t.Errorf("%q: cost estimate differs from cel-go's (-want +got):\n%s%v %v", when, diff, werr, gerr)
		}
		// With the parts' costs shared between conditions, as Load does.
		gotCost, gerr = costs.fastCost(fast)
		if diff := cmp.Diff(wantCost, gotCost); diff != "" || (werr == nil) != (gerr == nil) {
			t.Errorf("%q: fastCost differs from cel-go's estimate (-want +got):\n%s%v %v", when, diff, werr, gerr)
		}
		// vocabularyProblem checks only the literals of such a condition.
		if !profileOnlySelected(fast) {
			t.Errorf("%q: the fast path accepts the profile used other than through its fields", when)
		}
		for _, n := range celast.Matches(fast.Expr(), ast.SelectKind) {
			if msg := unboundedSelect(fast, n); msg != "" {
				t.Errorf("%q: the fast path accepts %s", when, msg)
			}
		}
		check := direct(fast.Expr())
		if check == nil {
			continue
		}
		prg, err := env.Program(checked, programOptions(hasComprehension(checked.NativeRep()), MaxRuleCost)...)
		if err != nil {
			t.Fatal(err)
		}
		for i := range profiles {
			p := &profiles[i]
			out, _, err := prg.Eval(&activation{v: profileVal{newCELProfile(p)}})
			if err != nil {
				t.Fatalf("%s: CEL failed: %v", when, err)
			}
			if want, got := out.Value() == true, check(p); want != got {
				t.Errorf("%q on %+v: direct check of the fast AST gives %v, CEL %v", when, *p, got, want)
			}
		}
	}
	// The fast path must take most valid conditions: those of the
	// generator are nearly all of its shapes.
	if accepted < valid*3/4 {
		t.Errorf("the fast path accepts %d of %d valid conditions", accepted, valid)
	}
	t.Logf("%d conditions: %d valid in cel-go, %d of them accepted by the fast path, %d left to cel-go", len(whens), valid, accepted, rejectedValid)
}

// FuzzFastCompile checks, for any text, that the fast path of compiling
// accepts it only when cel-go does, with the same checked AST and cost
// estimate (the parts' costs shared between inputs, as Load shares them
// between conditions).
func FuzzFastCompile(f *testing.F) {
	for _, when := range fastCases {
		f.Add(when)
	}
	env, err := sharedCELEnv()
	if err != nil {
		f.Fatal(err)
	}
	var costs costCache
	f.Fuzz(func(t *testing.T, when string) {
		fast, ok := fastCompile(when)
		if !ok {
			return
		}
		checked, iss := env.Compile(when)
		if iss.Err() != nil {
			t.Fatalf("%q: the fast path accepts it, cel-go refuses it: %v", when, iss.Err())
		}
		want, err := ast.ToProto(checked.NativeRep())
		if err != nil {
			t.Fatal(err)
		}
		got, err := ast.ToProto(fast)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
			t.Fatalf("%q: checked AST differs from cel-go's (-want +got):\n%s", when, diff)
		}
		if diff := cmp.Diff(checked.NativeRep().SourceInfo().OffsetRanges(), fast.SourceInfo().OffsetRanges()); diff != "" {
			t.Fatalf("%q: offsets differ from cel-go's (-want +got):\n%s", when, diff)
		}
		want1, werr := env.EstimateCost(checked, profileSizes{})
		got1, gerr := costs.fastCost(fast)
		if diff := cmp.Diff(want1, got1); diff != "" || (werr == nil) != (gerr == nil) {
			t.Fatalf("%q: fastCost differs from cel-go's estimate (-want +got):\n%s%v %v", when, diff, werr, gerr)
		}
	})
}
