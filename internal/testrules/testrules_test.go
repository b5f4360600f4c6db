package testrules

import (
	"io/fs"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/rules"
)

func TestCopy(t *testing.T) {
	m := Copy(t)
	n := 0
	err := fs.WalkDir(rules.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		want, err := fs.ReadFile(rules.FS, name)
		if err != nil {
			return err
		}
		if f := m[name]; f == nil || string(f.Data) != string(want) {
			t.Errorf("Copy()[%q] differs from rules.FS", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || len(m) != n {
		t.Errorf("Copy() has %d files, rules.FS %d", len(m), n)
	}
	delete(m, "sources.yaml")
	if _, ok := Copy(t)["sources.yaml"]; !ok {
		t.Error("a change to one copy reached another")
	}
}

// TestProfiles checks that the comparison profiles are what they are
// named for on the default rules: each valid, the first three given
// advice, the fourth an emergency that withholds it; and that each call
// returns values of its own.
func TestProfiles(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	ps := Profiles()
	if len(ps) != 4 {
		t.Fatalf("%d profiles, want 4", len(ps))
	}
	for i, p := range ps {
		if err := eng.Validate(p); err != nil {
			t.Errorf("profile %d: %v", i, err)
			continue
		}
		res, err := eng.Recommend(t.Context(), p)
		if err != nil {
			t.Fatalf("profile %d: %v", i, err)
		}
		emergency := len(res.Referrals) > 0 && res.Referrals[0].Urgency == recommend.UrgencyEmergency
		if want := i == 3; res.Withheld != want || emergency != want {
			t.Errorf("profile %d: withheld %v, emergency referral %v; want %v", i, res.Withheld, emergency, want)
		}
	}
	ps[0].Conditions[0] = "changed"
	if got := Profiles()[0].Conditions[0]; got != "disc_herniation" {
		t.Errorf("a change to one call's profiles shows in the next: %q", got)
	}
}
