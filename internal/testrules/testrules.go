// Package testrules gives tests the default rule files as a map they may
// change: a file replaced, cut or deleted to see what Load makes of it.
package testrules

import (
	"io/fs"
	"strings"
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

// BriskWalking is the how that LevelHow gives walking's last level.
const BriskWalking = "Walk at a brisk pace, with a hill or some stairs where you can."

// LevelHow returns Copy with walking's last dose level giving its own
// how, BriskWalking, as a rule author may (levels: [{dose, how}]). It
// fails the test when movements.yaml no longer has that level as the
// test expects.
func LevelHow(tb testing.TB) fstest.MapFS {
	tb.Helper()
	fsys := Copy(tb)
	const last = "      - dose: Walks of 30 minutes or more most days, some of them a little brisker.\n"
	data := string(fsys["movements.yaml"].Data)
	if !strings.Contains(data, last) {
		tb.Fatal("walking's last level is not in movements.yaml: update testrules.LevelHow")
	}
	fsys["movements.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(data, last, last+"        how: "+BriskWalking+"\n", 1))}
	return fsys
}
