package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"

	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/recommend"
)

// fingerprint sums up the rule files of fsys, the files recommend.Load
// reads: each file's path, mode, size and contents, in walk order. Any
// edit, new file, removal or rename changes it, however soon after the
// last one and whatever the file system's timestamps, which is why it
// reads the contents rather than trusting modification times (the
// default rules are about 130 KB, hashed in well under a millisecond). A
// file is read up to recommend.DefaultMaxFileSize+1 bytes, as Load reads
// no more. A failure to list, stat or read a file goes into the sum too,
// so that it changes when the failure does.
func fingerprint(fsys fs.FS) string {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			fmt.Fprintf(h, "error %q %v\n", name, err)
			return nil
		}
		if d.IsDir() || !parse.IsRuleFile(name) {
			return nil
		}
		fi, err := fs.Stat(fsys, name) // follows a link, as Load does
		if err != nil {
			fmt.Fprintf(h, "%q error %v\n", name, err)
			return nil
		}
		fmt.Fprintf(h, "%q %v %d\n", name, fi.Mode(), fi.Size())
		if !fi.Mode().IsRegular() {
			return nil // Load refuses it; reading a pipe could block
		}
		f, err := fsys.Open(name)
		if err != nil {
			fmt.Fprintf(h, "open error %v\n", err)
			return nil
		}
		defer f.Close()
		if _, err := io.Copy(h, io.LimitReader(f, recommend.DefaultMaxFileSize+1)); err != nil {
			fmt.Fprintf(h, "read error %v\n", err)
		}
		fmt.Fprintf(h, "\n")
		return nil
	})
	if err != nil {
		fmt.Fprintf(h, "walk error %v\n", err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
