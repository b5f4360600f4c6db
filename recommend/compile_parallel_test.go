package recommend

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// TestParallelCompileSameIssues checks that compiling the conditions on
// several goroutines (compileConditions) reports what compiling them in
// turn does, in the same order: a rule set of the default rules and 300
// more, some of whose conditions are broken, some of those shared by
// several rules, loaded with GOMAXPROCS 1 and 4.
func TestParallelCompileSameIssues(t *testing.T) {
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	fsys := syntheticRules(t, len(def.rules)+300)
	for name, f := range fsys {
		if !strings.HasPrefix(name, "synthetic/rules-") {
			continue
		}
		var doc map[string][]map[string]any
		if err := json.Unmarshal(f.Data, &doc); err != nil {
			t.Fatal(err)
		}
		for i, r := range doc["rules"] {
			when := r["when"].(string)
			switch {
			case i%17 == 0:
				r["when"] = strings.Replace(when, "profile.", "profil.", 1)
			case i%23 == 0:
				r["when"] = when + " && 'slipped_dsic' in profile.conditions"
			case i%29 == 0:
				r["when"] = "profile.age > 'old'"
			}
		}
		data, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: data}
	}
	load := func(procs int) string {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		_, err := Load(fsys)
		if err == nil {
			t.Fatalf("GOMAXPROCS %d: the broken conditions loaded", procs)
		}
		return err.Error()
	}
	sequential, parallel := load(1), load(4)
	if diff := cmp.Diff(sequential, parallel); diff != "" {
		t.Errorf("issues differ (-GOMAXPROCS 1 +GOMAXPROCS 4):\n%s", diff)
	}
	if n := strings.Count(sequential, "\n"); n < 20 {
		t.Errorf("only %d lines of issues:\n%s", n, sequential)
	}
}
