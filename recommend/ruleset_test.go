package recommend_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestRuleSetDigest checks the digest against its documented definition,
// that it changes with any file's name or contents, and that every Result
// carries it with the declared version.
func TestRuleSetDigest(t *testing.T) {
	base := fstest.MapFS{}
	dirFS(t, "../testdata/minimal", "", base)
	withVersion := fstest.MapFS{"version.yaml": {Data: []byte("version: \"1.2\"\n")}}
	for k, v := range base {
		withVersion[k] = v
	}
	want := func(fsys fstest.MapFS) string {
		h := sha256.New()
		for _, name := range []string{"movements.yaml", "rules.yaml", "sources.yaml", "version.yaml", "vocabulary.yaml"} {
			if f, ok := fsys[name]; ok {
				fmt.Fprintf(h, "%s\x00%d\x00%s", name, len(f.Data), f.Data)
			}
		}
		return "sha256:" + hex.EncodeToString(h.Sum(nil))
	}
	load := func(fsys fstest.MapFS) recommend.RuleSet {
		t.Helper()
		eng := mustLoad(t, fsys)
		res, err := eng.Recommend(context.Background(), recommend.Profile{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(eng.RuleSet(), res.RuleSet); diff != "" {
			t.Errorf("Result.RuleSet differs from Engine.RuleSet() (-want +got):\n%s", diff)
		}
		return eng.RuleSet()
	}
	if diff := cmp.Diff(recommend.RuleSet{Digest: want(base)}, load(base)); diff != "" {
		t.Errorf("RuleSet mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(recommend.RuleSet{Version: "1.2", Digest: want(withVersion)}, load(withVersion)); diff != "" {
		t.Errorf("RuleSet with version mismatch (-want +got):\n%s", diff)
	}
	// One changed byte, or a renamed file, changes the digest.
	changed := fstest.MapFS{}
	renamed := fstest.MapFS{}
	for k, v := range base {
		changed[k] = v
		renamed[k] = v
	}
	changed["rules.yaml"] = &fstest.MapFile{Data: append([]byte("# a comment\n"), base["rules.yaml"].Data...)}
	delete(renamed, "rules.yaml")
	renamed["rules2.yaml"] = base["rules.yaml"]
	digests := map[string]string{"base": load(base).Digest, "changed": load(changed).Digest, "renamed": load(renamed).Digest}
	if digests["base"] == digests["changed"] || digests["base"] == digests["renamed"] {
		t.Errorf("digest did not change with the files: %v", digests)
	}
}

func TestRuleSetString(t *testing.T) {
	for _, tt := range []struct {
		rs   recommend.RuleSet
		want string
	}{
		{recommend.RuleSet{Version: "2026.11.2", Digest: "sha256:ab"}, "2026.11.2, sha256:ab"},
		{recommend.RuleSet{Digest: "sha256:ab"}, "no version, sha256:ab"},
		{recommend.RuleSet{Version: "1"}, ""},
		{recommend.RuleSet{}, ""},
	} {
		if got := tt.rs.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.rs, got, tt.want)
		}
	}
}
