// Package testrules gives tests the default rule files as a map they may
// change: a file replaced, cut or deleted to see what Load makes of it.
package testrules

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/rules"
)

// Copy returns every default rule file (rules.FS), each under its own name,
// as a new map the caller owns. It fails the test when a file cannot be
// read.
func Copy(tb testing.TB) fstest.MapFS {
	tb.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(rules.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(rules.FS, name)
		m[name] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		tb.Fatalf("reading the default rules: %v", err)
	}
	return m
}
