package casefile_test

import (
	"strings"
	"testing"

	"github.com/backrules/backrules/internal/casefile"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestParsePlanAndMessages checks the plan and messages expectations: a
// list, an empty list (which asserts there are none), and no key at all
// (nil: not checked).
func TestParsePlanAndMessages(t *testing.T) {
	in := `cases:
  - name: both
    profile: {}
    expect:
      plan: [towel_stretch, walking]
      messages: [safety_net, reassurance, stay_active, pacing]
  - name: empty
    profile: {}
    expect: {plan: [], messages: []}
  - name: neither
    profile: {}
    expect: {withheld: false}
`
	cases, err := casefile.Parse("cases.yaml", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		Plan     []string
		Messages []recommend.MessageKind
	}
	var gots []got
	for _, c := range cases {
		gots = append(gots, got{c.Expect.Plan, c.Expect.Messages})
	}
	want := []got{
		{[]string{"towel_stretch", "walking"}, []recommend.MessageKind{recommend.MessageKindSafetyNet, recommend.MessageKindReassurance, recommend.MessageKindStayActive, recommend.MessageKindPacing}},
		{[]string{}, []recommend.MessageKind{}},
		{nil, nil},
	}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("plan and messages (-want +got):\n%s", diff)
	}
}

// TestParsePlanAndMessagesErrors checks the exact message and position of
// each mistake in a plan or messages expectation.
func TestParsePlanAndMessagesErrors(t *testing.T) {
	tests := []struct {
		name, expect, want string
	}{
		{"plan not a list", "plan: walking", `cases.yaml:4:20: plan: want a list of movement ids, found a string`},
		{"plan entry not a string", "plan: [[walking]]", `cases.yaml:4:21: plan[0]: want a movement id, found a list`},
		{"messages not a list", "messages: safety_net", `cases.yaml:4:24: messages: want a list of message kinds, found a string`},
		{"unknown message kind", "messages: [safety_net, reasurance]", `cases.yaml:4:37: messages[1] "reasurance": want a message kind: safety_net, reassurance, stay_active or pacing`},
		{"message kind not a string", "messages: [1]", `cases.yaml:4:25: messages[0] "1": want a message kind: safety_net, reassurance, stay_active or pacing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := "cases:\n  - name: c\n    profile: {}\n    expect: {" + tt.expect + "}\n"
			_, err := casefile.Parse("cases.yaml", strings.NewReader(in))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestObservePlanAndMessages checks that the plan and the messages are
// observed whole and in order, so that want equals the observation only
// when the result has exactly that plan and those messages.
func TestObservePlanAndMessages(t *testing.T) {
	res := &recommend.Result{
		Plan: []recommend.PlanStep{{Movement: "walking"}, {Movement: "bird_dog"}},
		Messages: []recommend.Message{
			{Kind: recommend.MessageKindSafetyNet}, {Kind: recommend.MessageKindStayActive}, {Kind: recommend.MessageKindStayActive},
		},
	}
	tests := []struct {
		name string
		want casefile.Expect
		meet bool
	}{
		{"exact", casefile.Expect{Plan: []string{"walking", "bird_dog"}, Messages: []recommend.MessageKind{"safety_net", "stay_active", "stay_active"}}, true},
		{"not checked", casefile.Expect{}, true},
		{"order matters", casefile.Expect{Plan: []string{"bird_dog", "walking"}}, false},
		{"a prefix is not the plan", casefile.Expect{Plan: []string{"walking"}}, false},
		{"empty plan wanted", casefile.Expect{Plan: []string{}}, false},
		{"a missing kind", casefile.Expect{Messages: []recommend.MessageKind{"safety_net", "stay_active"}}, false},
		{"no messages wanted", casefile.Expect{Messages: []recommend.MessageKind{}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diff := cmp.Diff(tt.want, casefile.Observe(tt.want, res))
			if (diff == "") != tt.meet {
				t.Errorf("meets = %v, want %v; diff (-want +got):\n%s", diff == "", tt.meet, diff)
			}
		})
	}
	empty := &recommend.Result{}
	want := casefile.Expect{Plan: []string{}, Messages: []recommend.MessageKind{}}
	if diff := cmp.Diff(want, casefile.Observe(want, empty)); diff != "" {
		t.Errorf("an empty plan and no messages do not meet plan: [] and messages: [] (-want +got):\n%s", diff)
	}
}

// TestObserveCautioned checks that a cautioned expectation holds only for
// a recommended movement that carries a caution.
func TestObserveCautioned(t *testing.T) {
	res := &recommend.Result{
		Recommended: []recommend.Item{
			{Movement: "hamstring_stretch", Cautions: []recommend.Note{recommend.NoteOf("", "Keep it gentle.")}},
			{Movement: "walking"},
		},
		Avoided: []recommend.Item{{Movement: "knee_to_chest", Cautions: []recommend.Note{recommend.NoteOf("", "x")}}},
	}
	tests := []struct {
		name string
		want []string
		meet bool
	}{
		{"recommended with a caution", []string{"hamstring_stretch"}, true},
		{"recommended without a caution", []string{"walking"}, false},
		{"avoided, not recommended", []string{"knee_to_chest"}, false},
		{"not in the result", []string{"plank"}, false},
		{"one of two fails", []string{"hamstring_stretch", "walking"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := casefile.Expect{Cautioned: tt.want}
			diff := cmp.Diff(want, casefile.Observe(want, res))
			if (diff == "") != tt.meet {
				t.Errorf("meets = %v, want %v; diff (-want +got):\n%s", diff == "", tt.meet, diff)
			}
		})
	}
}
