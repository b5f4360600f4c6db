package recommend

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// withCostLimit sets the runtime cost limit of every condition, which is
// otherwise MaxRuleCost. Only tests change it.
func withCostLimit(n uint64) LoadOption {
	return func(c *loadConfig) { c.costLimit = n }
}

// withoutRuntimeCheck skips the load-time search for runtime errors, so
// that a test can run conditions that it would refuse.
func withoutRuntimeCheck() LoadOption {
	return func(c *loadConfig) { c.noRuntimeCheck = true }
}

// loadOneRule loads a rule set with a single rule whose condition is when.
func loadOneRule(t *testing.T, when string, opts ...LoadOption) *Engine {
	t.Helper()
	fsys := fstest.MapFS{"rules.yaml": {Data: []byte(`
sources:
  - {id: src, title: Source, publisher: Publisher, kind: guideline}
vocabulary:
  conditions:
    - {id: cond_a, label: Condition A}
    - {id: cond_b, label: Condition B}
    - {id: cond_c, label: Condition C}
movements:
  - {id: m1, name: Movement one, kind: mobility, how: Do it., dose: Once., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: loops
    when: "` + when + `"
    avoid: [m1]
    because: Test.
    cite: [{source: src, locator: Part 1, claim: Test.}]
`)}}
	eng, err := Load(fsys, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// hugeList is a list far longer than Validate allows, which only a test
// that calls evaluate directly can pass to a condition.
func hugeList(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "cond_a"
	}
	return out
}

// TestRuntimeCostLimit proves that the runtime cost limit stops a costly
// evaluation on the cel-go version in go.mod: once through the public API,
// with the limit lowered below what a valid profile costs, and once with
// the real limit and a list that Validate would never let through.
// Without the limit, both evaluations would finish and match.
func TestRuntimeCostLimit(t *testing.T) {
	const when = "profile.conditions.all(c, c.startsWith('cond'))"
	t.Run("lowered limit, valid profile", func(t *testing.T) {
		eng := loadOneRule(t, when, withCostLimit(10))
		res, err := eng.Recommend(context.Background(), Profile{Conditions: []string{"cond_a", "cond_b", "cond_c"}})
		var ee *EvalError
		if res != nil || !errors.As(err, &ee) || ee.Rule != "loops" || !errors.Is(err, errCostLimit) {
			t.Fatalf("Recommend = %v, %v; want no result and an *EvalError for rule loops matching errCostLimit", res, err)
		}
	})
	// With the real limit, the load-time estimate bounds the cost of
	// every valid profile, so the condition runs untracked (see
	// conditionOptions): an oversized list is stopped by Validate.
	t.Run("real limit, oversized list", func(t *testing.T) {
		eng := loadOneRule(t, when)
		res, err := eng.Recommend(context.Background(), Profile{Conditions: hugeList(100_000)})
		if res != nil || !errors.Is(err, ErrInvalidProfile) {
			t.Fatalf("Recommend = %v, %v; want no result and ErrInvalidProfile", res, err)
		}
	})
	t.Run("within the limit", func(t *testing.T) {
		eng := loadOneRule(t, when)
		p := Profile{Conditions: hugeList(MaxListLen)}
		matched, err := eng.evaluate(context.Background(), &p)
		if err != nil || len(matched) != 1 || !matched[0] {
			t.Fatalf("evaluate = %v, %v; want [true], nil", matched, err)
		}
	})
}

// lateCancel is a cancelled context that reports itself live to the first
// Err call, so that evaluate's check before the first rule passes and the
// cancellation can only be seen inside the rule's comprehension.
type lateCancel struct {
	context.Context
	calls atomic.Int32
}

func (c *lateCancel) Err() error {
	if c.calls.Add(1) == 1 {
		return nil
	}
	return c.Context.Err()
}

// TestCancelStopsComprehension proves that a cancelled context stops a
// condition inside its comprehension. The list is long enough that, if the
// interrupt check did not work, the one rule would finish and match (the
// cost limit is lifted, so only the interrupt can stop it).
func TestCancelStopsComprehension(t *testing.T) {
	eng := loadOneRule(t, "profile.conditions.all(c, c.startsWith('cond'))", withCostLimit(math.MaxUint64))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := Profile{Conditions: hugeList(20_000)}
	matched, err := eng.evaluate(&lateCancel{Context: ctx}, &p)
	if matched != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("evaluate = %v, %v; want no result and context.Canceled", matched, err)
	}
}

// pastDeadline is a context whose deadline has passed, at passed before
// now, but whose timer has not fired yet: Err is nil and Done is never
// closed. It is what a real context with a very short deadline looks like
// for a while (which may be well after the deadline), made deterministic.
type pastDeadline struct {
	context.Context
	passed time.Duration
}

func (c pastDeadline) Deadline() (time.Time, bool) { return time.Now().Add(-c.passed), true }
func (pastDeadline) Done() <-chan struct{}         { return make(chan struct{}) }
func (pastDeadline) Err() error                    { return nil }

// farDeadline has a deadline a hundred years ahead, and no timer.
type farDeadline struct{ context.Context }

func (farDeadline) Deadline() (time.Time, bool) { return time.Now().AddDate(100, 0, 0), true }

// TestDeadline checks that a deadline that has passed is honoured even
// before the context's timer fires: by Recommend, which then gives a
// *PartialError with the referrals the profile matches, and by evaluate
// before each rule. A deadline still ahead, or none, gives the result that
// context.Background() gives. Nothing depends on how fast the machine is.
func TestDeadline(t *testing.T) {
	eng := deadlineEngine(t, `  - id: loops
    when: "profile.conditions.all(c, c.startsWith('cond'))"
    recommend: [m1]
    because: Test.
    cite: [{source: src, locator: Part 1, claim: Test.}]
`)
	p := Profile{Conditions: []string{"cond_a"}, RedFlags: []string{"flag"}}
	want, err := eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Referrals) != 1 || len(want.Recommended) != 1 {
		t.Fatalf("Recommend = %+v, want one referral and one movement", want)
	}
	ahead, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
	defer cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		passed bool
	}{
		{"passed long ago, timer not fired", pastDeadline{context.Background(), time.Since(time.Unix(1, 0))}, true},
		{"passed just now, timer not fired", pastDeadline{context.Background(), time.Millisecond}, true},
		{"an hour ahead", ahead, false},
		{"a hundred years ahead", farDeadline{context.Background()}, false},
		{"no deadline", context.Background(), false},
	}
	for _, tt := range tests {
		t.Run("Recommend/"+tt.name, func(t *testing.T) {
			res, err := eng.Recommend(tt.ctx, p)
			if !tt.passed {
				if err != nil {
					t.Fatalf("Recommend: %v", err)
				}
				if diff := cmp.Diff(want, res, resultCmp); diff != "" {
					t.Errorf("result differs from that of context.Background() (-want +got):\n%s", diff)
				}
				return
			}
			var ee *EvalError
			var pe *PartialError
			if res != nil || !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ee) || !errors.As(err, &pe) {
				t.Fatalf("Recommend = %v, %v; want no result and a *PartialError matching context.DeadlineExceeded", res, err)
			}
			if diff := cmp.Diff(want.Referrals, pe.Result.Referrals, cmp.AllowUnexported(Citation{})); diff != "" {
				t.Errorf("PartialError referrals differ from the full result's (-want +got):\n%s", diff)
			}
		})
		t.Run("evaluate/"+tt.name, func(t *testing.T) {
			matched, err := eng.evaluate(tt.ctx, &p)
			if tt.passed != (err != nil) || tt.passed != (matched == nil) || tt.passed && !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("evaluate = %v, %v; want a match, or none and context.DeadlineExceeded when the deadline passed", matched, err)
			}
		})
	}
}

// TestDeadlineReadBeforeCEL checks when evaluateUpTo reads the clock for a
// deadline: before the first rule after the referral and safety-net
// rules, every clockEvery rules after it, and before each condition that
// runs as CEL wherever it stands; before the other rules, cheap checks
// of a field, not at all. It runs on 40 such checks with a looping
// condition among them, and a deadline that has passed.
func TestDeadlineReadBeforeCEL(t *testing.T) {
	var rules strings.Builder
	for i := range 40 {
		fmt.Fprintf(&rules, "  - id: plain-%02d\n    when: \"profile.pain_level < %d\"\n    recommend: [m1]\n    because: Test.\n    cite: [{source: src, locator: Part %d, claim: Test.}]\n", i, i%10+1, i)
		if i == 20 {
			rules.WriteString("  - id: loops\n    when: \"profile.conditions.all(c, c.startsWith('cond'))\"\n    recommend: [m1]\n    because: Test.\n    cite: [{source: src, locator: Part 99, claim: Test.}]\n")
		}
	}
	eng := deadlineEngine(t, rules.String())
	passed := time.Now().Add(-time.Hour)
	ahead := time.Now().Add(time.Hour)
	sawLoop := false
	for i := eng.nFirst; i < len(eng.order); i++ {
		id := eng.rules[eng.order[i]].id
		want := (i-eng.nFirst)%clockEvery == 0 || id == "loops"
		if id == "loops" {
			sawLoop = true
			if (i-eng.nFirst)%clockEvery == 0 {
				t.Fatalf("the looping rule is at order %d, where the clock is read anyway: move it", i)
			}
		}
		if got := eng.deadlinePassed(passed, i); got != want {
			t.Errorf("rule %q at order %d: deadlinePassed(an hour ago) = %v, want %v", id, i, got, want)
		}
		if eng.deadlinePassed(ahead, i) {
			t.Errorf("rule %q at order %d: deadlinePassed(an hour ahead) = true", id, i)
		}
	}
	if !sawLoop {
		t.Fatal("the looping rule is not among the rules after the referrals")
	}
}

// deadlineEngine loads the deadline tests' rule set: a red flag, a
// condition, a movement and a rule that refers the red flag, then rules,
// YAML list items of rules.
func deadlineEngine(t *testing.T, rules string) *Engine {
	t.Helper()
	eng, err := Load(fstest.MapFS{"rules.yaml": {Data: []byte(`
sources:
  - {id: src, title: Source, publisher: Publisher, kind: guideline}
vocabulary:
  red_flags:
    - {id: flag, label: Flag, floor: {urgency: urgent, withhold: false}}
  conditions:
    - {id: cond_a, label: Condition A}
movements:
  - {id: m1, name: Movement one, kind: mobility, how: Do it., dose: Once., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: refer-flag
    when: "'flag' in profile.red_flags"
    refer: {urgency: urgent, message: See a doctor today.}
    because: Flag.
    cite: [{source: src, locator: Part 0, claim: Flag.}]
` + rules)}})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}
