// Command recommend prints back-care advice for a profile.
//
// Usage:
//
//	go run ./examples/recommend [-rules DIR] [-format text|json] [FILE|-]
//
// It reads a profile, as JSON or YAML, from FILE, or from standard input
// when FILE is "-" or missing, and prints the advice of the rule set in DIR
// (the embedded default rules when -rules is not given).
//
// Exit status: 0 on success; 1 with "error: ..." on standard error for an
// invalid profile or rule set; 2 for a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/backrules/backrules/recommend"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// errUsage marks usage errors, which exit with status 2.
var errUsage = errors.New("usage")

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := recommendMain(args, stdin, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "%s\nusage: recommend [-rules DIR] [-format text|json] [FILE|-]\n", terminalSafe(err.Error()))
		return 2
	default:
		fmt.Fprintf(stderr, "error: %s\n", terminalSafe(err.Error()))
		return 1
	}
}

// terminalSafe returns s with each invalid UTF-8 byte, and each character
// other than line feed and tab that is not printable, written as a Go
// escape (\x1b, \a, \u202e), so that text from a rule file, a profile or a
// file name cannot act on the terminal. Printable text, letters of any
// script included, is kept as it is.
func terminalSafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t' || strconv.IsPrint(r):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

func recommendMain(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("recommend", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rulesDir := fs.String("rules", "", "directory of rule files (default: the embedded rules)")
	format := fs.String("format", "text", "output format: text or json")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: recommend [-rules DIR] [-format text|json] [FILE|-]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("%w: -format must be text or json, not %q", errUsage, *format)
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("%w: give at most one profile file", errUsage)
	}

	in := stdin
	if name := fs.Arg(0); name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	profile, err := recommend.DecodeProfile(in)
	if err != nil {
		return err
	}

	var eng *recommend.Engine
	if *rulesDir != "" {
		eng, err = recommend.Load(os.DirFS(*rulesDir))
	} else {
		eng, err = recommend.Default()
	}
	if err != nil {
		return err
	}
	res, err := eng.Recommend(context.Background(), profile)
	if err != nil {
		return err
	}
	if *format == "json" {
		// JSON is for programs, and escapes the control characters
		// below U+0020 itself; its strings are not rewritten.
		return recommend.WriteJSON(stdout, res)
	}
	var text strings.Builder
	if err := recommend.WriteText(&text, res); err != nil {
		return err
	}
	_, err = io.WriteString(stdout, terminalSafe(text.String()))
	return err
}
