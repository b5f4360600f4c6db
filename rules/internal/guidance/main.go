// Command guidance writes rules/GUIDANCE.md from the default rule set.
//
// Usage:
//
//	go run ./rules/internal/guidance [-o FILE]
//
// It evaluates the default engine for each condition and red flag in the
// vocabulary and writes the advice as markdown to FILE, or to standard output
// without -o. go generate ./rules runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/rules/internal/guidedoc"
)

func main() {
	out := flag.String("o", "", "write to this file instead of standard output")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintf(os.Stderr, "guidance: %v\n", err)
		os.Exit(1)
	}
}

func run(out string) error {
	eng, err := recommend.Default()
	if err != nil {
		return err
	}
	doc, err := guidedoc.Generate(context.Background(), eng)
	if err != nil {
		return err
	}
	if out == "" {
		_, err = os.Stdout.Write(doc)
		return err
	}
	return os.WriteFile(out, doc, 0o644)
}
