package recommend_test

import (
	"fmt"
	"io/fs"
	"strings"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
)

// Helpers of TestMaxFileSizeOption, in load_test.go.

func sizeOpts(o ...recommend.LoadOption) []recommend.LoadOption { return o }

// overLimitMessage is the issue Load reports for pad.yaml, of size bytes,
// over the limit of limit bytes.
func overLimitMessage(size, limit int) string {
	return fmt.Sprintf("pad.yaml: file is %d bytes, over the limit of %d bytes: split it into smaller files", size, limit)
}

// padFile returns a valid rule file of exactly size bytes, at least 18: an
// empty list of movements, padded with a comment.
func padFile(size int) []byte {
	const doc = "movements: []\n# "
	return []byte(doc + strings.Repeat("x", size-len(doc)-1) + "\n")
}

// hideSizes returns m, or when hide is true a file system whose files
// report a size of 0 bytes, as files in /proc do.
func hideSizes(m fstest.MapFS, hide bool) fs.FS {
	if !hide {
		return m
	}
	return sizeHidingFS{m}
}

type sizeHidingFS struct{ fstest.MapFS }

func (f sizeHidingFS) Open(name string) (fs.File, error) {
	file, err := f.MapFS.Open(name)
	if err != nil {
		return nil, err
	}
	return sizeHidingFile{file}, nil
}

type sizeHidingFile struct{ fs.File }

func (f sizeHidingFile) Stat() (fs.FileInfo, error) {
	st, err := f.File.Stat()
	if err != nil {
		return nil, err
	}
	return zeroSizeInfo{st}, nil
}

type zeroSizeInfo struct{ fs.FileInfo }

func (zeroSizeInfo) Size() int64 { return 0 }
