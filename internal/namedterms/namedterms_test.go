package namedterms_test

import (
	"testing"

	"github.com/backrules/backrules/internal/namedterms"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

func TestJoin(t *testing.T) {
	tests := []struct {
		name       string
		list, more []string
		want       []string
	}{
		{"nothing to add", []string{"a"}, []string{"a"}, []string{"a"}},
		{"to nil", nil, []string{"a", "b"}, []string{"a", "b"}},
		{"the ones lacking, in order", []string{"b"}, []string{"a", "b", "c", "a"}, []string{"b", "a", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, namedterms.Join(tt.list, tt.more)); diff != "" {
				t.Errorf("Join (-want +got):\n%s", diff)
			}
		})
	}
	// The array under list is never written to.
	under := []string{"a", "x"}
	_ = namedterms.Join(under[:1], []string{"b"})
	if diff := cmp.Diff([]string{"a", "x"}, under); diff != "" {
		t.Errorf("the array under list (-want +got):\n%s", diff)
	}
}

func TestAdd(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text string
		p          recommend.Profile
		want       recommend.Profile
		added      []string
	}{
		{"a red flag and a condition", "saddle_numbness and sciatica", recommend.Profile{},
			recommend.Profile{RedFlags: []string{"saddle_numbness"}, Conditions: []string{"sciatica"}},
			[]string{"red_flags saddle_numbness", "conditions sciatica"}},
		{"one the profile has", "saddle_numbness", recommend.Profile{RedFlags: []string{"saddle_numbness"}},
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}, nil},
		{"nothing named", "back pain", recommend.Profile{}, recommend.Profile{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var added []string
			p := tt.p
			namedterms.Add(eng, &p, []byte(tt.text), func(field, id string) { added = append(added, field+" "+id) })
			if diff := cmp.Diff(tt.want, p); diff != "" {
				t.Errorf("profile (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.added, added); diff != "" {
				t.Errorf("added (-want +got):\n%s", diff)
			}
		})
	}
}

// TestJoinProfile checks that JoinProfile adds the red flags and the
// conditions of another profile that p lacks, each after p's own, and
// leaves p's other fields and the arrays under its lists as they were.
func TestJoinProfile(t *testing.T) {
	flags := []string{"night_pain", "saddle_numbness"}
	p := recommend.Profile{RedFlags: flags[:1], Conditions: []string{"sciatica"}, PainLevel: 4}
	namedterms.JoinProfile(&p, recommend.Profile{RedFlags: []string{"fever_or_chills", "night_pain"}, Conditions: []string{"pregnancy"}, PainLevel: 9})
	want := recommend.Profile{RedFlags: []string{"night_pain", "fever_or_chills"}, Conditions: []string{"sciatica", "pregnancy"}, PainLevel: 4}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("JoinProfile (-want +got):\n%s", diff)
	}
	if flags[1] != "saddle_numbness" {
		t.Errorf("JoinProfile wrote to the array under p's red flags: %q", flags)
	}
}

// TestWrapped checks that Wrapped reads the profiles a body wraps under
// "profile" with the body's own fields as one profile, joined to what
// the caller read, as far as a syntax error lets them be read, and that
// it reads nothing of a body that wraps none, or of the start of a
// larger one.
func TestWrapped(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	read := recommend.Profile{RedFlags: []string{"night_pain"}}
	tests := []struct {
		name, body string
		whole      bool
		want       recommend.Profile
	}{
		{"a wrapped profile, a field beside it", `{"profile": {"pain_level": 9}, "age": 40, "movement": "walking"}`, true,
			recommend.Profile{PainLevel: 9, Age: 40, RedFlags: []string{"night_pain"}}},
		{"a trailing comma after it", `{"profile": {"pain_level": 9}, "movement": "walking",}`, true,
			recommend.Profile{PainLevel: 9, RedFlags: []string{"night_pain"}}},
		{"a trailing comma in it", `{"profile": {"pain_level": 9, "age": 40,}, "movement": "walking"}`, true,
			recommend.Profile{PainLevel: 9, Age: 40, RedFlags: []string{"night_pain"}}},
		{"a syntax error before it", `{"movement": walking, "profile": {"pain_level": 9}}`, true, read},
		{"none wrapped", `{"pain_level": 9}`, true, read},
		{"not an object", `["profile"]`, true, read},
		{"the start of a larger body", `{"profile": {"pain_level": 9}, "movement": "wal`, false, read},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := namedterms.Wrapped(eng, read, []byte(tt.body), tt.whole)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Wrapped (-want +got):\n%s", diff)
			}
		})
	}
	if got := namedterms.Wrapped(nil, read, []byte(`{"profile": {"pain_level": 9}}`), true); !cmp.Equal(read, got) {
		t.Errorf("Wrapped with a nil engine = %+v, want p as it is", got)
	}
}
