package testrules

import (
	"io/fs"
	"testing"

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
