package recommend_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
	"github.com/google/go-cmp/cmp"
)

// summary is the part of a Result that the safety policy decides.
type summary struct {
	Recommended    []string
	Avoided        []string
	Conflicts      []string // movement:resolution:for rules:against rules
	NeedsEquipment []string
	Referrals      []string // urgency:rules
	Withheld       bool
	Reasons        map[string][]string // movement -> rules giving reasons
	Cautions       map[string][]string // movement -> rules giving cautions
}

func summarize(r *recommend.Result) summary {
	s := summary{Reasons: map[string][]string{}, Cautions: map[string][]string{}, Withheld: r.Withheld}
	for _, it := range r.Recommended {
		s.Recommended = append(s.Recommended, it.Movement)
		for _, n := range it.Reasons {
			s.Reasons[it.Movement] = append(s.Reasons[it.Movement], n.Rule())
		}
		for _, n := range it.Cautions {
			s.Cautions[it.Movement] = append(s.Cautions[it.Movement], n.Rule())
		}
	}
	for _, it := range r.Avoided {
		s.Avoided = append(s.Avoided, it.Movement)
	}
	for _, c := range r.Conflicts {
		s.Conflicts = append(s.Conflicts, c.Movement+":"+string(c.Resolution)+":"+join(c.For.Rules)+":"+join(c.Against.Rules))
	}
	for _, n := range r.NeedsEquipment {
		s.NeedsEquipment = append(s.NeedsEquipment, n.Movement+":"+join(n.Missing))
	}
	for _, ref := range r.Referrals {
		s.Referrals = append(s.Referrals, string(ref.Urgency)+":"+join(ref.Rules))
	}
	return s
}

func join(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(x)
	}
	return b.String()
}

func semanticsEngine(t testing.TB) *recommend.Engine {
	t.Helper()
	eng, err := recommend.Load(os.DirFS("../testdata/semantics"))
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// TestSafetyPolicy has one case per rule of the safety policy in doc.go,
// on the small rule set in testdata/semantics.
func TestSafetyPolicy(t *testing.T) {
	eng := semanticsEngine(t)
	tests := []struct {
		name    string
		profile recommend.Profile
		want    summary
	}{
		{
			name:    "1 avoid wins over recommend and is a conflict",
			profile: recommend.Profile{Conditions: []string{"cond_a", "cond_c"}, Equipment: []string{"roller"}},
			want: summary{
				Recommended: []string{"m1", "m4"},
				Avoided:     []string{"m2", "m3"},
				Conflicts:   []string{"m2:avoided:rec-a:avoid-flex"},
				Reasons:     map[string][]string{"m1": {"rec-a"}, "m4": {"rec-a"}},
				Cautions:    map[string][]string{},
			},
		},
		{
			name:    "2 caution keeps the movement and is a conflict",
			profile: recommend.Profile{Conditions: []string{"cond_a"}, AggravatedBy: []string{"agg"}, Equipment: []string{"roller"}},
			want: summary{
				Recommended: []string{"m1", "m2", "m4"},
				Conflicts:   []string{"m1:cautioned:rec-a:caution-m1"},
				Reasons:     map[string][]string{"m1": {"rec-a"}, "m2": {"rec-a"}, "m4": {"rec-a"}},
				Cautions:    map[string][]string{"m1": {"caution-m1"}},
			},
		},
		{
			name:    "2 caution alone recommends nothing",
			profile: recommend.Profile{AggravatedBy: []string{"agg"}},
			want:    summary{Reasons: map[string][]string{}, Cautions: map[string][]string{}},
		},
		{
			name:    "3 several recommenders merge into one item",
			profile: recommend.Profile{Conditions: []string{"cond_b", "cond_a"}, Equipment: []string{"roller"}},
			want: summary{
				Recommended: []string{"m1", "m2", "m3", "m4"},
				Reasons:     map[string][]string{"m1": {"rec-a", "rec-b"}, "m2": {"rec-a"}, "m3": {"rec-b"}, "m4": {"rec-a"}},
				Cautions:    map[string][]string{},
			},
		},
		{
			name:    "4 referrals most urgent first and withhold empties recommended",
			profile: recommend.Profile{Conditions: []string{"cond_a", "cond_c"}, RedFlags: []string{"flag_routine", "flag_emergency", "flag_urgent"}},
			want: summary{
				Avoided:   []string{"m2", "m3"},
				Conflicts: []string{"m2:avoided:rec-a:avoid-flex"},
				Referrals: []string{"emergency:refer-emergency", "urgent:refer-urgent", "routine:refer-routine"},
				Withheld:  true,
				Reasons:   map[string][]string{},
				Cautions:  map[string][]string{},
			},
		},
		{
			name:    "4 withhold drops cautioned conflicts but keeps avoided ones",
			profile: recommend.Profile{Conditions: []string{"cond_a", "cond_c"}, AggravatedBy: []string{"agg"}, RedFlags: []string{"flag_emergency"}},
			want: summary{
				Avoided:   []string{"m2", "m3"},
				Conflicts: []string{"m2:avoided:rec-a:avoid-flex"},
				Referrals: []string{"emergency:refer-emergency"},
				Withheld:  true,
				Reasons:   map[string][]string{},
				Cautions:  map[string][]string{},
			},
		},
		{
			name:    "4 a referral without withhold keeps the advice",
			profile: recommend.Profile{Conditions: []string{"cond_b"}, RedFlags: []string{"flag_routine"}},
			want: summary{
				Recommended: []string{"m1", "m3"},
				Referrals:   []string{"routine:refer-routine"},
				Reasons:     map[string][]string{"m1": {"rec-b"}, "m3": {"rec-b"}},
				Cautions:    map[string][]string{},
			},
		},
		{
			name:    "5 missing equipment moves a movement to needs_equipment",
			profile: recommend.Profile{Conditions: []string{"cond_a"}},
			want: summary{
				Recommended:    []string{"m1", "m2"},
				NeedsEquipment: []string{"m4:roller"},
				Reasons:        map[string][]string{"m1": {"rec-a"}, "m2": {"rec-a"}},
				Cautions:       map[string][]string{},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, summarize(res)); diff != "" {
				t.Errorf("Recommend(%+v) mismatch (-want +got):\n%s", tt.profile, diff)
			}
		})
	}
}

// TestEvalErrorFailsTheCall is policy 6: one failing rule fails the
// call, which gives no advice but the referrals, through a *PartialError.
func TestEvalErrorFailsTheCall(t *testing.T) {
	eng := semanticsEngine(t)
	res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: []string{"cond_a"}, PainLevel: 9, Age: 40})
	if res != nil {
		t.Errorf("Recommend returned a result with its error: %+v", res)
	}
	var ee *recommend.EvalError
	if !errors.As(err, &ee) || ee.Rule != "fails-at-nine" {
		t.Fatalf("Recommend error = %v, want an *EvalError for rule fails-at-nine", err)
	}
	var pe *recommend.PartialError
	if !errors.As(err, &pe) || pe.Result == nil || !pe.Result.Incomplete || !pe.Result.Withheld || len(pe.Result.Recommended) != 0 {
		t.Fatalf("Recommend error = %#v, want a *PartialError with an incomplete, withheld Result", err)
	}
}

// TestCancelledContext checks that a done context gives the referrals,
// through a *PartialError that matches context.Canceled.
func TestCancelledContext(t *testing.T) {
	eng := semanticsEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := eng.Recommend(ctx, recommend.Profile{RedFlags: []string{"flag_emergency"}})
	var pe *recommend.PartialError
	if res != nil || !errors.Is(err, context.Canceled) || !errors.As(err, &pe) {
		t.Fatalf("Recommend(cancelled) = %v, %v; want nil and a *PartialError matching context.Canceled", res, err)
	}
	if len(pe.Result.Referrals) != 1 || pe.Result.Referrals[0].Urgency != recommend.UrgencyEmergency {
		t.Errorf("Recommend(cancelled) referrals = %+v, want the emergency", pe.Result.Referrals)
	}
}

func TestCitationsCarrySourceDetails(t *testing.T) {
	eng := semanticsEngine(t)
	res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: []string{"cond_a"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []recommend.Citation{recommend.CitationOf(recommend.Source{ID: "src-for", Title: "Source For", Publisher: "Pub", Kind: "clinic_article", URL: "https://example.org/for"}, "Part A", "A helps.").WithPosition(recommend.PositionSupports)}
	if diff := cmp.Diff(want, res.Recommended[0].Citations); diff != "" {
		t.Errorf("citations mismatch (-want +got):\n%s", diff)
	}
}

func TestTraceListsEveryRule(t *testing.T) {
	eng := semanticsEngine(t)
	res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: []string{"cond_b"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []recommend.TraceEntry{
		{Rule: "rec-a"}, {Rule: "rec-b", Matched: true}, {Rule: "avoid-flex"}, {Rule: "caution-m1"},
		{Rule: "refer-routine"}, {Rule: "refer-urgent"}, {Rule: "refer-emergency"}, {Rule: "fails-at-nine"},
	}
	if diff := cmp.Diff(want, res.Trace()); diff != "" {
		t.Errorf("trace mismatch (-want +got):\n%s", diff)
	}
}

// TestDeterministicJSON checks that the same input gives the same bytes,
// whatever order the profile lists come in.
func TestDeterministicJSON(t *testing.T) {
	eng := semanticsEngine(t)
	encode := func(p recommend.Profile) string {
		res, err := eng.Recommend(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := report.WriteJSON(&b, res); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	a := encode(recommend.Profile{Conditions: []string{"cond_a", "cond_b", "cond_c"}, RedFlags: []string{"flag_urgent", "flag_routine"}, AggravatedBy: []string{"agg"}})
	for range 20 {
		b := encode(recommend.Profile{Conditions: []string{"cond_c", "cond_b", "cond_a"}, RedFlags: []string{"flag_routine", "flag_urgent"}, AggravatedBy: []string{"agg"}})
		if a != b {
			t.Fatalf("JSON differs between runs:\n%s", cmp.Diff(a, b))
		}
	}
}
