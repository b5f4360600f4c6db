// Package fuzzseed loads the seed inputs of the fuzz targets from files, so
// that every target reads its seeds the same way.
package fuzzseed

import (
	"os"
	"path/filepath"
	"testing"
)

// Files returns the contents of the files matching each pattern (see
// filepath.Glob), pattern by pattern, each pattern's files in lexical
// order. A bad pattern, a pattern that matches no file (a moved or
// misspelt folder would otherwise leave a target without its seeds,
// silently) or a file that cannot be read fails tb.
func Files(tb testing.TB, patterns ...string) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, pat := range patterns {
		paths, err := filepath.Glob(pat)
		if err != nil {
			tb.Fatalf("seed pattern %q: %v", pat, err)
			return nil
		}
		if len(paths) == 0 {
			tb.Fatalf("seed pattern %q matches no file", pat)
			return nil
		}
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
				return nil
			}
			out = append(out, data)
		}
	}
	return out
}
