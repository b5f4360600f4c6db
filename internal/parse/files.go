package parse

// Finding and reading the files a rule set or a test suite is made of,
// with the same protections for both: only regular files (a link to one is
// followed), and a size limit, so that a pipe, a device or a huge file can
// neither hang nor exhaust a reader.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// Irregular says why name, a directory entry of type typ that is not a
// regular file, cannot be read as a what ("rule file", "case file"), or
// returns "" when it is a link to a regular file, which is followed. It
// never opens the file: opening a pipe can block forever.
func Irregular(fsys fs.FS, name string, typ fs.FileMode, what string) string {
	plain := what + "s must be plain files"
	fix := "point it at a " + what + ", or delete it"
	if typ&fs.ModeSymlink == 0 {
		return fileKind(typ) + ", not a regular file: " + plain
	}
	info, err := fs.Stat(fsys, name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "broken symlink: its target does not exist: " + fix
	case isSymlinkLoop(err):
		return "symlink loop: following the link leads back to it: " + fix
	case err != nil:
		return fmt.Sprintf("symlink that cannot be followed: %v: %s", pathless(err), fix)
	case info.IsDir():
		return "symlink to a folder, named like a " + what + ": links to folders are not followed: rename the link, or link the files one by one"
	case !info.Mode().IsRegular():
		return "symlink to " + fileKind(info.Mode()) + ", not to a regular file: " + plain
	}
	return ""
}

// fileKind names the kind of file a mode describes, for messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// ReadFile reads the file name of fsys, a what ("rule file", "case file"),
// refusing one over limit bytes, or one that turns out not to be a regular
// file once opened. Its errors do not repeat the file name, which the
// caller shows, and wrap the cause, so that errors.Is(err, fs.ErrNotExist)
// works.
func ReadFile(fsys fs.FS, name string, limit int64, what string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("cannot open the file: %w", pathless(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("%s, not a regular file: %ss must be plain files", fileKind(st.Mode()), what)
		}
		if st.Size() > limit {
			return nil, fmt.Errorf("file is %d bytes, over the limit of %d bytes: split it into smaller files", st.Size(), limit)
		}
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the file: %w", pathless(err))
	}
	if n > limit {
		return nil, fmt.Errorf("file is over the limit of %d bytes: split it into smaller files", limit)
	}
	return buf.Bytes(), nil
}

// pathless returns the cause of a *fs.PathError, without the operation and
// path it names, or err itself.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
