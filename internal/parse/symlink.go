//go:build !plan9

package parse

import (
	"errors"
	"syscall"
)

// isSymlinkLoop reports whether err says that a chain of symbolic links
// leads back to itself.
func isSymlinkLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }
