package recommend_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

func intp(n int) *int { return &n }

// flowCheckIns returns n check-ins in YAML flow style, each followed by a
// comma, on days 0 to n-1; repeatedCheckIns returns them decoded.
func flowCheckIns(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "{day: %d, pain_level: 5, done: [{movement: cat_cow, sessions: 3, response: same}, {movement: walking, sessions: 5, response: 'easier'}]}, ", i)
	}
	return b.String()
}

func repeatedCheckIns(n int) []recommend.CheckIn {
	var cs []recommend.CheckIn
	for i := range n {
		cs = append(cs, recommend.CheckIn{Day: i, PainLevel: 5, Done: []recommend.Done{
			{Movement: "cat_cow", Sessions: 3, Response: "same"}, {Movement: "walking", Sessions: 5, Response: "easier"}}})
	}
	return cs
}

func TestDecodeCheckIns(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		in    string
		want  []recommend.CheckIn
		probs []string // FieldProblem.String() of each problem
	}{
		{
			name: "json",
			in:   `{"check_ins": [{"day": 0, "pain_level": 6, "done": [{"movement": "cat_cow", "sessions": 3, "response": "easier"}]}, {"day": 7, "pain_level": 4, "function": 0}]}`,
			want: []recommend.CheckIn{
				{Day: 0, PainLevel: 6, Done: []recommend.Done{{Movement: "cat_cow", Sessions: 3, Response: "easier"}}},
				{Day: 7, PainLevel: 4, Function: intp(0)},
			},
		},
		{
			name: "yaml",
			in:   "check_ins:\n  - day: 0\n    pain_level: 6\n    done:\n      - movement: walking\n        sessions: 5\n        response: same\n",
			want: []recommend.CheckIn{{Day: 0, PainLevel: 6, Done: []recommend.Done{{Movement: "walking", Sessions: 5, Response: "same"}}}},
		},
		{
			name: "out of range and unknown key",
			in:   "check_ins:\n  - day: 0\n    pain_level: 11\n    extra: 1\n",
			probs: []string{
				`line 3 col 17: check_ins[0].pain_level 11: out of range, want 0 to 10`,
				`line 4 col 5: check_ins[0] "extra": unknown field (the fields are day, pain_level, function, done)`,
			},
		},
		{
			name:  "missing pain level",
			in:    `{"check_ins": [{"day": 0}]}`,
			probs: []string{`line 1 col 16: check_ins[0].pain_level: missing: a check-in needs pain_level`},
		},
		{
			name: "unknown movement, bad response, day backwards",
			in:   "check_ins:\n  - day: 7\n    pain_level: 4\n    done:\n      - {movement: cat_cowz, sessions: 1, response: easyer}\n  - day: 5\n    pain_level: 4\n",
			probs: []string{
				`line 5 col 20: check_ins[0].done[0].movement "cat_cowz": unknown movement (did you mean "cat_cow"?)`,
				`line 5 col 53: check_ins[0].done[0].response "easyer": unknown response (the responses are easier, same, harder, worse)`,
				`line 6 col 10: check_ins[1].day 5: goes backwards: check_ins[0] is day 7; list check-ins oldest first`,
			},
		},
		{
			// A compact YAML profile: every check-in and every movement done
			// in flow style, 52 check-ins in one flow list (a day apart: the
			// same check-in twice on one day is refused, below).
			name: "52 in yaml flow style",
			in: "age: 40\ncheck_ins: [" + flowCheckIns(51) +
				`{day: 51, pain_level: 4, done: [{movement: cat_cow, sessions: 3, response: "harder"}]}]
`,
			want: append(repeatedCheckIns(51),
				recommend.CheckIn{Day: 51, PainLevel: 4, Done: []recommend.Done{{Movement: "cat_cow", Sessions: 3, Response: "harder"}}}),
		},
		{
			// A check-in sent twice would count its sessions and responses
			// twice (a movement made worse twice steps back twice): the
			// second is refused at its position, whatever the order of its
			// movements.
			name: "the same check-in sent twice",
			in: "check_ins:\n  - {day: 0, pain_level: 5, done: [{movement: glute_bridge, sessions: 3, response: same}]}\n" +
				"  - {day: 7, pain_level: 5, function: 3, done: [{movement: glute_bridge, sessions: 3, response: worse}, {movement: walking, sessions: 5, response: same}]}\n" +
				"  - {day: 7, pain_level: 5, function: 3, done: [{movement: walking, sessions: 5, response: same}, {movement: glute_bridge, sessions: 3, response: worse}]}\n",
			probs: []string{
				`line 4 col 5: check_ins[2]: the same check-in as check_ins[1] (day 7, the same pain, function and movements done), sent twice: its sessions and responses would count twice; send it once`,
			},
		},
		{
			name: "the same check-in twice, not in a row",
			in: `{"check_ins": [{"day": 0, "pain_level": 5, "done": [{"movement": "walking", "sessions": 2, "response": "same"}]},` +
				`{"day": 0, "pain_level": 6}, {"day": 0, "pain_level": 5, "done": [{"movement": "walking", "sessions": 2, "response": "same"}]}]}`,
			probs: []string{
				`line 1 col 143: check_ins[2]: the same check-in as check_ins[0] (day 0, the same pain, function and movements done), sent twice: its sessions and responses would count twice; send it once`,
			},
		},
		{
			// Two equal pain scores on one day with nothing done are two
			// readings (a clinical record can hold both), and a check-in
			// that differs in anything is another check-in.
			name: "not the same check-in twice",
			in: "check_ins:\n  - {day: 0, pain_level: 5}\n  - {day: 0, pain_level: 5}\n" +
				"  - {day: 0, pain_level: 5, done: [{movement: walking, sessions: 2, response: same}]}\n" +
				"  - {day: 0, pain_level: 5, done: [{movement: walking, sessions: 3, response: same}]}\n" +
				"  - {day: 0, pain_level: 5, function: 2, done: [{movement: walking, sessions: 3, response: same}]}\n" +
				"  - {day: 0, pain_level: 5, function: 3, done: [{movement: walking, sessions: 3, response: same}]}\n" +
				"  - {day: 1, pain_level: 5, function: 3, done: [{movement: walking, sessions: 3, response: same}]}\n",
			want: []recommend.CheckIn{{Day: 0, PainLevel: 5}, {Day: 0, PainLevel: 5},
				{Day: 0, PainLevel: 5, Done: []recommend.Done{{Movement: "walking", Sessions: 2, Response: "same"}}},
				{Day: 0, PainLevel: 5, Done: []recommend.Done{{Movement: "walking", Sessions: 3, Response: "same"}}},
				{Day: 0, PainLevel: 5, Function: intp(2), Done: []recommend.Done{{Movement: "walking", Sessions: 3, Response: "same"}}},
				{Day: 0, PainLevel: 5, Function: intp(3), Done: []recommend.Done{{Movement: "walking", Sessions: 3, Response: "same"}}},
				{Day: 1, PainLevel: 5, Function: intp(3), Done: []recommend.Done{{Movement: "walking", Sessions: 3, Response: "same"}}}},
		},
		{
			name:  "too many",
			in:    `{"check_ins": [` + strings.Repeat(`{"day": 0, "pain_level": 1},`, 52) + `{"day": 0, "pain_level": 1}]}`,
			probs: []string{`line 1 col 1472: check_ins[52]: too many check-ins, the most is 52`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := eng.DecodeProfile(strings.NewReader(tt.in))
			var got []string
			var pe *recommend.ProfileError
			if errors.As(err, &pe) {
				for _, fp := range pe.Problems {
					got = append(got, fp.String())
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.probs, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			// With a problem, the profile holds what could be read
			// (TestDecodeProfileKeepsWhatItRead).
			if diff := cmp.Diff(tt.want, p.CheckIns); diff != "" && err == nil {
				t.Errorf("check-ins (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzDecodeCheckIns decodes profiles with check-ins, as JSON and YAML.
// Beyond what checkDecode asks of every profile, a profile the engine
// accepts holds at most MaxCheckIns check-ins, in day order, with
// values in range.
func FuzzDecodeCheckIns(f *testing.F) {
	f.Add([]byte(`{"check_ins": [{"day": 0, "pain_level": 6, "done": [{"movement": "cat_cow", "sessions": 3, "response": "easier"}]}, {"day": 7, "pain_level": 4, "function": 2}]}`))
	f.Add([]byte("check_ins:\n  - day: 0\n    pain_level: 6\n    done:\n      - movement: walking\n        sessions: 5\n        response: worse\n  - {day: 3, pain_level: 8}\n"))
	f.Add([]byte(`{"check_ins": [{"day": 7, "pain_level": 4}, {"day": 2, "pain_level": 1, "done": [{"movement": "x", "sessions": -1, "response": "ok"}]}]}`))
	f.Add([]byte(`{"check_ins": [{"day": 0, "pain_level": 4, "done": [], "done": null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, ok := checkDecode(t, data)
		if !ok {
			return
		}
		eng, err := fuzzEngine()
		if err != nil {
			t.Fatal(err)
		}
		p2, err := eng.DecodeProfile(bytes.NewReader(data))
		if err != nil {
			return
		}
		if diff := cmp.Diff(p, p2); diff != "" {
			t.Fatalf("the engine's DecodeProfile disagrees (-function +engine):\n%s", diff)
		}
		if len(p.CheckIns) > recommend.MaxCheckIns {
			t.Fatalf("accepted %d check-ins", len(p.CheckIns))
		}
		for i, c := range p.CheckIns {
			if i > 0 && c.Day < p.CheckIns[i-1].Day {
				t.Fatalf("accepted check-ins out of day order: %+v", p.CheckIns)
			}
			if c.PainLevel < 0 || c.PainLevel > 10 || c.Function != nil && (*c.Function < 0 || *c.Function > 10) {
				t.Fatalf("accepted a value out of range: %+v", c)
			}
		}
	})
}

func TestLoadLevels(t *testing.T) {
	const head = "movements:\n  - id: m\n    name: M\n    kind: mobility\n    how: Do it.\n    dose: Ten.\n    pose: {base: standing, start: {}, end: {}}\n"
	tests := []struct {
		name   string
		levels string
		want   []recommend.MovementLevel
		start  int
		err    string // a substring of the load error, "" for none
	}{
		{name: "none", want: []recommend.MovementLevel{{Dose: "Ten.", How: "Do it."}}, start: 1},
		{name: "three", levels: "    levels:\n      - dose: Five.\n        how: Gently.\n      - dose: Ten.\n      - dose: Twenty.\n",
			want: []recommend.MovementLevel{{Dose: "Five.", How: "Gently."}, {Dose: "Ten.", How: "Do it."}, {Dose: "Twenty.", How: "Do it."}}, start: 2},
		{name: "dose not a level", levels: "    levels:\n      - dose: Five.\n", err: `m.yaml:9:7: the dose of movement "m" is none of its levels`},
		{name: "repeated", levels: "    levels:\n      - dose: Ten.\n      - dose: Ten.\n", err: `m.yaml:10:15: level 2 of movement "m" repeats the dose of level 1`},
		{name: "unknown key", levels: "    levels:\n      - dose: Ten.\n        reps: 3\n", err: `m.yaml:10:9: unknown key "reps" in a level`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"m.yaml": {Data: []byte(head + tt.levels)}}
			files, _ := filepath.Glob("../rules/*.yaml")
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				fsys[filepath.Base(f)] = &fstest.MapFile{Data: data}
			}
			eng, err := recommend.Load(fsys)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Load error = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var m recommend.Movement
			for _, mv := range eng.Movements() {
				if mv.ID == "m" {
					m = mv
				}
			}
			if diff := cmp.Diff(tt.want, m.Levels); diff != "" {
				t.Errorf("levels (-want +got):\n%s", diff)
			}
			if m.StartLevel != tt.start {
				t.Errorf("StartLevel = %d, want %d", m.StartLevel, tt.start)
			}
		})
	}
}
