package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/recommend"
)

// fingerprint sums up the rule files of fsys, the files recommend.Load
// reads, with the recipe of the rule set's digest (parse.Digest): when
// every file reads, it is the RuleSet().Digest that loading these files
// gives. Any edit, new file, removal or rename changes it, however soon
// after the last one and whatever the file system's timestamps, which is
// why it reads the contents rather than trusting modification times (the
// default rules are about 130 KB, hashed in well under a millisecond). A
// file is read up to recommend.DefaultMaxFileSize+1 bytes, as Load reads
// no more. A failure to list, stat or read a file, and a file that is not
// a regular one, are summed after the digest ("+" and their own hash), so
// that the fingerprint changes when the failure does.
func fingerprint(fsys fs.FS) string {
	var failures strings.Builder
	var names []string
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			fmt.Fprintf(&failures, "error %q %v\n", name, err)
			return nil
		}
		if !d.IsDir() && parse.IsRuleFile(name) {
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		fmt.Fprintf(&failures, "walk error %v\n", err)
	}
	slices.Sort(names) // the order of Load
	files := make([]parse.File, 0, len(names))
	for _, name := range names {
		fi, err := fs.Stat(fsys, name) // follows a link, as Load does
		if err != nil {
			fmt.Fprintf(&failures, "%q error %v\n", name, err)
			continue
		}
		if !fi.Mode().IsRegular() {
			// Load refuses it; reading a pipe could block.
			fmt.Fprintf(&failures, "%q not regular %v %d\n", name, fi.Mode(), fi.Size())
			continue
		}
		src, err := readLimited(fsys, name)
		if err != nil {
			fmt.Fprintf(&failures, "%q read error %v\n", name, err)
			continue
		}
		files = append(files, parse.File{Name: name, Src: parse.NormalizeLineBreaks(parse.TrimBOM(src))})
	}
	digest := parse.Digest(files)
	if failures.Len() == 0 {
		return digest
	}
	sum := sha256.Sum256([]byte(failures.String()))
	return digest + "+" + hex.EncodeToString(sum[:])
}

// readLimited reads the file name of fsys, up to
// recommend.DefaultMaxFileSize+1 bytes.
func readLimited(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, recommend.DefaultMaxFileSize+1))
}
