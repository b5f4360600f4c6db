package recommend_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/backrules/backrules/recommend"
)

// TestZeroEngineIsAnError checks that an Engine Load did not make, such
// as new(recommend.Engine) or a struct field of type recommend.Engine,
// is an error from each method that returns one, as a nil *Engine is,
// rather than advice: it holds no rules, so before this it answered a
// profile with no referral and no movement, and Triage with no referral,
// as if nothing called for a clinician.
func TestZeroEngineIsAnError(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := recommend.Profile{PainLevel: 9}
	const zero = "recommend: zero Engine: create one with Load or Default"
	calls := []struct {
		name string
		call func(e *recommend.Engine) (any, error)
		want string
	}{
		{"Recommend", func(e *recommend.Engine) (any, error) { return e.Recommend(ctx, p) }, zero},
		{"Triage", func(e *recommend.Engine) (any, error) { return e.Triage(ctx, p) }, zero},
		{"Validate", func(e *recommend.Engine) (any, error) { return nil, e.Validate(p) }, zero},
		{"DecodeProfile", func(e *recommend.Engine) (any, error) {
			_, err := e.DecodeProfile(strings.NewReader(`{"pain_level": 9}`))
			return nil, err
		}, zero},
		{"Analyze", func(e *recommend.Engine) (any, error) { return e.Analyze(ctx) }, zero},
		{"CompareAdvice serving", func(e *recommend.Engine) (any, error) { return recommend.CompareAdvice(ctx, e, eng) }, "compare advice: " + zero},
		{"CompareAdvice candidate", func(e *recommend.Engine) (any, error) { return recommend.CompareAdvice(ctx, eng, e) }, "compare advice: " + zero},
		{"CompareReferrals serving", func(e *recommend.Engine) (any, error) { return recommend.CompareReferrals(ctx, e, eng) }, "compare referrals: " + zero},
		{"CompareReferrals candidate", func(e *recommend.Engine) (any, error) { return recommend.CompareReferrals(ctx, eng, e) }, "compare referrals: " + zero},
		{"Explain", func(e *recommend.Engine) (any, error) { return e.Explain(ctx, p, "walking") }, zero},
		{"ExplainReferrals", func(e *recommend.Engine) (any, error) { return e.ExplainReferrals(ctx, p) }, zero},
		{"NewExplainer", func(e *recommend.Engine) (any, error) { return e.NewExplainer(ctx, p) }, zero},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.call(new(recommend.Engine))
			if err == nil {
				t.Fatalf("%s on a zero Engine = %v, nil; want an error", c.name, got)
			}
			if diff := cmp.Diff(c.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if _, err := c.call(eng); err != nil {
				t.Errorf("%s on the default engine: %v", c.name, err)
			}
		})
	}
}

// TestNoExplainerIsAnError checks that a nil Explainer, or one not made by
// NewExplainer, answers with an error, not a panic, and has no Result.
func TestNoExplainerIsAnError(t *testing.T) {
	ctx := context.Background()
	const want = "explain: nil or zero *Explainer: create one with Engine.NewExplainer"
	for name, x := range map[string]*recommend.Explainer{"nil": nil, "zero": new(recommend.Explainer)} {
		t.Run(name, func(t *testing.T) {
			if got := x.Result(); got != nil {
				t.Errorf("Result() = %v, want nil", got)
			}
			_, err := x.Explain(ctx, "walking")
			if diff := cmp.Diff(want, fmt.Sprint(err)); diff != "" {
				t.Errorf("Explain error (-want +got):\n%s", diff)
			}
			_, err = x.Referrals(ctx)
			if diff := cmp.Diff(want, fmt.Sprint(err)); diff != "" {
				t.Errorf("Referrals error (-want +got):\n%s", diff)
			}
		})
	}
}
