package recommend_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
	"github.com/google/go-cmp/cmp"
)

// countdownCtx is a context that is cancelled right after its Err method
// has been called k times: the first k calls report nil, and the k-th
// closes Done, so that every later call reports context.Canceled. Recommend
// checks its context between rules, so a countdown cancels it part way,
// between two chosen checks, without any timing. It has no deadline and no
// values.
type countdownCtx struct {
	context.Context
	k    int
	done chan struct{}

	mu    sync.Mutex
	calls int
	seen  int // calls that reported the cancellation
}

func newCountdownCtx(k int) *countdownCtx {
	return &countdownCtx{Context: context.Background(), k: k, done: make(chan struct{})}
}

func (c *countdownCtx) Done() <-chan struct{} { return c.done }

func (c *countdownCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	switch {
	case c.calls < c.k:
		return nil
	case c.calls == c.k:
		close(c.done)
		return nil
	}
	c.seen++
	return context.Canceled
}

// cancelled reports whether the countdown reached zero.
func (c *countdownCtx) cancelled() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// observed reports whether Err was called after the countdown reached zero,
// and so reported the cancellation.
func (c *countdownCtx) observed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen > 0
}

// countdownRules has a referral rule, two plain conditions and, when loops
// is true, last, one with a comprehension over the 20 conditions of the
// profile below: long enough for the engine's interrupt check inside the
// loop to run. Every rule matches that profile.
func countdownRules(loops bool) fstest.MapFS {
	var vocab strings.Builder
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&vocab, "    - {id: c%02d, label: Condition %d}\n", i, i)
	}
	rules := `sources:
  - {id: s, title: Source, publisher: Publisher, kind: guideline}
vocabulary:
  red_flags:
    - {id: flag, label: Flag, floor: {urgency: urgent, withhold: false}}
  conditions:
` + vocab.String() + `movements:
  - {id: m1, name: One, kind: mobility, how: Do one., dose: Once., pose: {base: standing, start: {}, end: {}}}
  - {id: m2, name: Two, kind: stretch, how: Do two., dose: Twice., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: refer-flag
    when: "'flag' in profile.red_flags"
    refer: {urgency: urgent, message: See a doctor today.}
    because: Flag.
    cite: [{source: s, locator: Part 0, claim: Flag.}]
  - id: plain-one
    when: "'c01' in profile.conditions"
    recommend: [m1]
    because: One.
    cite: [{source: s, locator: Part 1, claim: One helps.}]
  - id: plain-two
    when: "profile.pain_level < 5"
    recommend: [m2]
    because: Two.
    cite: [{source: s, locator: Part 2, claim: Two helps.}]
`
	if loops {
		rules += `  - id: loops
    when: "profile.conditions.all(c, c.startsWith('c'))"
    avoid: [m2]
    because: Loops.
    cite: [{source: s, locator: Part 3, claim: Loops.}]
`
	}
	return fstest.MapFS{"rules.yaml": {Data: []byte(rules)}}
}

func countdownProfile() recommend.Profile {
	p := recommend.Profile{PainLevel: 2, RedFlags: []string{"flag"}}
	for i := 1; i <= 20; i++ {
		p.Conditions = append(p.Conditions, fmt.Sprintf("c%02d", i))
	}
	return p
}

// TestCancelPartWay cancels Recommend after each of its context checks in
// turn, k = 1, 2, ..., until the countdown outlasts the call, on two rule
// sets: plain conditions only, and the same with a looping condition last.
//
// Whenever the engine (or CEL, for it) asked the context and learned of the
// cancellation, the call must return no result and a *PartialError that
// matches context.Canceled and is not an *EvalError (a condition stopped by
// the cancellation has not failed, and reporting it as a broken rule would
// send its author looking for a bug that is not there), whose Result holds
// the referral: the referral rules run before the context is first
// checked. Otherwise the result must be the uncancelled one, byte for
// byte: the only cancellation that may go unseen is one after the final
// check.
//
// With the looping condition last, even that one must be seen, inside the
// comprehension: that case fails if a looping condition ignores the
// context.
func TestCancelPartWay(t *testing.T) {
	p := countdownProfile()
	for _, loops := range []bool{false, true} {
		t.Run(fmt.Sprintf("looping rule %v", loops), func(t *testing.T) {
			eng, err := recommend.Load(countdownRules(loops))
			if err != nil {
				t.Fatal(err)
			}
			rules := 0 // the rules the context is checked before
			for _, r := range eng.Rules() {
				if r.Referral == nil {
					rules++
				}
			}
			want := resultJSON(t, eng, context.Background(), p)
			for k := 1; ; k++ {
				if k > 100 {
					t.Fatalf("Recommend checked its context more than 100 times for %d rules", rules)
				}
				ctx := newCountdownCtx(k)
				res, err := eng.Recommend(ctx, p)
				if !ctx.observed() {
					if err != nil {
						t.Fatalf("k=%d, cancellation not seen: Recommend error %v", k, err)
					}
					if got := encodeResult(t, res); got != want {
						t.Fatalf("k=%d, cancellation not seen: result differs from the uncancelled one (-want +got):\n%s", k, cmp.Diff(want, got))
					}
					if loops && ctx.cancelled() {
						t.Errorf("k=%d: cancelled before the looping rule ran, but it did not stop", k)
					}
					if !ctx.cancelled() {
						if k <= rules {
							t.Errorf("Recommend made %d context checks, want at least one before each of the %d rules", k-1, rules)
						}
						return
					}
					continue
				}
				var ee *recommend.EvalError
				var pe *recommend.PartialError
				switch {
				case res != nil:
					t.Errorf("k=%d: the cancellation was seen, but Recommend returned a result", k)
				case !errors.Is(err, context.Canceled):
					t.Errorf("k=%d: Recommend error = %v, want one matching context.Canceled", k, err)
				case errors.As(err, &ee):
					t.Errorf("k=%d: Recommend error is an *EvalError for rule %q, want the context's error: %v", k, ee.Rule, err)
				case !errors.As(err, &pe):
					t.Errorf("k=%d: Recommend error is %T, want a *PartialError: %v", k, err, err)
				case len(pe.Result.Referrals) != 1 || pe.Result.Referrals[0].Urgency != recommend.UrgencyUrgent || !pe.Result.Incomplete:
					t.Errorf("k=%d: PartialError result = %+v, want the urgent referral, incomplete", k, pe.Result)
				}
			}
		})
	}
}

// TestCancelledInvalidProfile checks that a context that is already done
// does not hide the referrals of an invalid profile: Recommend returns a
// *PartialError whose Err is the *ProfileError, and whose Result holds
// the referrals of what can be read of the profile. Only the referral and
// safety-net rules run for it, whatever the context says, so there is no
// context error to report.
func TestCancelledInvalidProfile(t *testing.T) {
	eng, err := recommend.Load(countdownRules(true))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := eng.Recommend(ctx, recommend.Profile{Conditions: []string{"no_such_condition"}, RedFlags: []string{"flag"}})
	var pe *recommend.ProfileError
	var part *recommend.PartialError
	if res != nil || errors.Is(err, context.Canceled) || !errors.As(err, &pe) || !errors.As(err, &part) || part.Err != error(pe) {
		t.Fatalf("Recommend = %v, %v; want no result, and a *PartialError whose Err is the *ProfileError", res, err)
	}
	var got []string
	for _, r := range part.Result.Referrals {
		got = append(got, string(r.Urgency)+": "+strings.Join(r.Rules, ","))
	}
	if diff := cmp.Diff([]string{"urgent: refer-flag"}, got); diff != "" || !part.Result.Incomplete || len(part.Result.Recommended) > 0 {
		t.Errorf("referrals (-want +got):\n%s\nincomplete %v, recommended %d; want incomplete and none", diff, part.Result.Incomplete, len(part.Result.Recommended))
	}
}

// resultJSON returns the JSON of Recommend(ctx, p), failing the test on an
// error.
func resultJSON(t testing.TB, eng *recommend.Engine, ctx context.Context, p recommend.Profile) string {
	t.Helper()
	res, err := eng.Recommend(ctx, p)
	if err != nil {
		t.Fatalf("Recommend: %v", err)
	}
	return encodeResult(t, res)
}

// encodeResult returns res as WriteJSON writes it.
func encodeResult(t testing.TB, res *recommend.Result) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteJSONWith(&b, res, report.JSONOptions{Trace: true}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRecommendNilArguments checks the errors for a nil *Engine and a nil
// context, word for word. A nil engine is reported first, even with a
// context that is already done, since no context makes it usable.
func TestRecommendNilArguments(t *testing.T) {
	eng, err := recommend.Load(countdownRules(true))
	if err != nil {
		t.Fatal(err)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		eng  *recommend.Engine
		ctx  context.Context
		want string
	}{
		{"nil engine", nil, context.Background(), "recommend: nil *Engine: create one with Load or Default"},
		{"nil engine, context done", nil, done, "recommend: nil *Engine: create one with Load or Default"},
		{"nil context", eng, nil, "recommend: nil context: pass context.Background() or a request's context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.eng.Recommend(tt.ctx, countdownProfile())
			if res != nil || err == nil {
				t.Fatalf("Recommend = %v, %v; want no result and an error", res, err)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
