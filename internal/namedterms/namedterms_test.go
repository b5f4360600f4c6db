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
