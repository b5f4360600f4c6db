// Package cliflag parses the flags of the project's commands so that a
// mistake is reported once: the flag package would print the mistake and
// every flag's help itself, and the command would then print the mistake
// again. Parse keeps the flag package quiet, prints the usage and the
// flags only for -h or -help, and leaves any other mistake to the
// command to report in its own words. Dir checks a directory the user
// names, so that a mistake in it is reported in the user's terms.
package cliflag

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
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

// Dir checks that path, a directory a command was given (a rule set's,
// or one of case files), is one, and returns an error that names path
// when it is not: os.DirFS(path) reports a missing path or a file as
// "stat .: ...", which names neither path nor what to give instead.
// holds says what the directory should hold, such as "rule files".
func Dir(path, holds string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is a file, not a directory: give the directory that holds the %s", path, holds)
	}
	return nil
}
