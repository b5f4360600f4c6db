// Package cliflag parses the flags of the project's commands so that a
// mistake is reported once: the flag package would print the mistake and
// every flag's help itself, and the command would then print the mistake
// again. Parse keeps the flag package quiet, prints the usage and the
// flags only for -h or -help, and leaves any other mistake to the
// command to report in its own words.
package cliflag

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// Parse parses args with fs, which it makes quiet. For -h or -help it
// prints usage, a line, and fs's flags to stderr and returns
// flag.ErrHelp; any other mistake is returned as the flag package words
// it, unprinted.
func Parse(fs *flag.FlagSet, args []string, stderr io.Writer, usage string) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stderr, usage)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}
	return err
}
