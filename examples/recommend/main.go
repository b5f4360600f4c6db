// Command recommend prints back-care advice for a profile.
//
// Usage:
//
//	go run ./examples/recommend [-rules DIR] [-format text|json|markdown] [-detail] [-trace] [-explain MOVEMENT|referral] [FILE|-]
//
// It reads a profile, as JSON or YAML, from FILE, or from standard input
// when FILE is "-" or missing, and prints the advice of the rule set in DIR
// (the embedded default rules when -rules is not given).
//
// The default output is the short report for people (report.WriteText):
// referrals, key messages, the movements to start with, the others in one
// line each, what to avoid, where the sources disagree, and the sources.
// -detail prints the complete report for clinicians instead, with rule ids
// and every reason and citation (report.WriteDetailedText). -format json
// prints the whole Result for programs, and -format markdown the short
// report as Markdown, for apps and chat front ends; -detail goes with text
// only. -trace, with -format json, adds the trace: every rule and whether
// it matched.
//
// -explain MOVEMENT prints, instead of the advice, why that movement has
// its outcome for the profile: recommended (and its place in the plan),
// avoided, cautioned, left out for missing equipment or withheld by a
// referral, and for each rule that names it, whether it matched and which
// clauses of its condition decided that (recommend.Engine.Explain).
// -explain referral explains every referral rule instead
// (recommend.Engine.ExplainReferrals). Both print text, or JSON with
// -format json; an unknown movement is an error with a did-you-mean. An
// explanation needs every rule: when a rule fails to evaluate, it prints
// instead the referrals that are known, as the advice does (below).
//
// Exit status: 0 on success; 1 with "error: ..." on standard error for an
// invalid profile or rule set, or for a rule that fails to evaluate (the
// referrals are then printed first, with the rest of the advice withheld,
// in the report or the JSON Result, with or without -explain); 2 for a
// usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/backrules/backrules/internal/cliflag"
	"github.com/backrules/backrules/internal/termsafe"
	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
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
		fmt.Fprintf(stderr, "%s\nusage: recommend [-rules DIR] [-format text|json|markdown] [-detail] [-trace] [-explain MOVEMENT|referral] [FILE|-]\n", termsafe.Text(err.Error()))
		return 2
	default:
		fmt.Fprintf(stderr, "error: %s\n", termsafe.Text(err.Error()))
		return 1
	}
}

func recommendMain(args []string, stdin io.Reader, stdout, stderr io.Writer) (rerr error) {
	fs := flag.NewFlagSet("recommend", flag.ContinueOnError)
	rulesDir := fs.String("rules", "", "directory of rule files (default: the embedded rules)")
	format := fs.String("format", "text", "output format: text (for people), json (for programs) or markdown (for apps and chat)")
	detail := fs.Bool("detail", false, "with -format text, print the complete report for clinicians: rule ids, every reason and citation")
	trace := fs.Bool("trace", false, "with -format json, add the trace: every rule and whether it matched")
	explain := fs.String("explain", "", "explain one movement's outcome (a movement id), or the referrals (\"referral\"), instead of printing the advice")
	if err := cliflag.Parse(fs, args, stderr, "usage: recommend [-rules DIR] [-format text|json|markdown] [-detail] [-trace] [-explain MOVEMENT|referral] [FILE|-]"); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	explainGiven := false
	fs.Visit(func(f *flag.Flag) { explainGiven = explainGiven || f.Name == "explain" })
	switch {
	case explainGiven && strings.TrimSpace(*explain) == "":
		// An empty -explain "$MOVEMENT" would otherwise print the whole
		// advice, as if no explanation had been asked for.
		return fmt.Errorf("%w: -explain needs a movement id, such as knee_to_chest, or referral", errUsage)
	case *format != "text" && *format != "json" && *format != "markdown":
		return fmt.Errorf("%w: -format must be text, json or markdown, not %q", errUsage, *format)
	case *detail && *format == "json":
		return fmt.Errorf("%w: -detail goes with -format text: the JSON always holds every field", errUsage)
	case *detail && *format != "text":
		return fmt.Errorf("%w: -detail goes with -format text: the Markdown is the short report; use -format json for every field", errUsage)
	case *explain != "" && *format == "markdown":
		return fmt.Errorf("%w: -explain goes with -format text or json", errUsage)
	case *trace && (*format != "json" || *explain != ""):
		return fmt.Errorf("%w: -trace goes with -format json, without -explain: the trace is part of the JSON Result", errUsage)
	case *explain != "" && *detail:
		return fmt.Errorf("%w: -explain goes without -detail: an explanation is always complete", errUsage)
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
	var eng *recommend.Engine
	var err error
	if *rulesDir != "" {
		if err := cliflag.Dir(*rulesDir, "rule files"); err != nil {
			return fmt.Errorf("-rules: %w", err)
		}
		eng, err = recommend.Load(os.DirFS(*rulesDir))
	} else {
		eng, err = recommend.Default()
	}
	if err != nil {
		return err
	}
	// The engine's DecodeProfile checks the values against the rules'
	// vocabulary too, and says where in the file each problem is.
	profile, err := eng.DecodeProfile(in)
	if errors.Is(err, recommend.ErrInvalidProfile) {
		// A mistake in one field does not hide the emergency another
		// reports.
		return withReferrals(eng, profile, err, stdout, *format, *detail)
	}
	if err != nil {
		return err
	}
	if *explain != "" {
		return explainMain(eng, profile, *explain, *format, stdout)
	}
	res, err := eng.Recommend(context.Background(), profile)
	if err != nil {
		// When a rule fails, the referrals are still known: print them,
		// with the rest of the advice withheld, and fail after.
		var partial *recommend.PartialError
		if !errors.As(err, &partial) || partial.Result == nil {
			return err
		}
		res = partial.Result
		defer func(failed error) {
			if rerr == nil {
				rerr = failed
			}
		}(err)
	}
	return writeResult(stdout, res, *format, *detail, *trace)
}

// withReferrals prints the referrals of what eng can read of profile
// (recommend.Engine.Triage), with the rest of the advice withheld, when
// there are any, and returns err, the mistake that stopped the advice,
// joined with a failure to print.
func withReferrals(eng *recommend.Engine, profile recommend.Profile, err error, stdout io.Writer, format string, detail bool) error {
	if res, _ := eng.Triage(context.Background(), profile); res != nil && len(res.Referrals) > 0 {
		if werr := writeResult(stdout, res, format, detail, false); werr != nil {
			return errors.Join(err, werr)
		}
	}
	return err
}

// writeResult prints res as -format, -detail and -trace ask: the short
// report for people, the detailed one, Markdown, or JSON. A Result of a
// *recommend.PartialError prints its referrals with the note that the
// rest of the advice could not be worked out.
func writeResult(stdout io.Writer, res *recommend.Result, format string, detail, trace bool) error {
	if format == "json" {
		// JSON is for programs, and escapes the control characters
		// below U+0020 itself; its strings are not rewritten. It is
		// indented for people; the bytes are otherwise WriteJSON's.
		return report.WriteJSONWith(stdout, res, report.JSONOptions{Indent: "  ", Trace: trace})
	}
	write := report.WriteText
	switch {
	case detail:
		write = report.WriteDetailedText
	case format == "markdown":
		write = report.WriteMarkdown
	}
	var text strings.Builder
	if err := write(&text, res); err != nil {
		return err
	}
	_, err := io.WriteString(stdout, termsafe.Text(text.String()))
	return err
}

// explainMain prints the explanation of one movement, or of the referrals
// when target is "referral", as text or JSON. An explanation needs every
// rule: when one fails, or the time runs out, after the referral rules
// ran (a *recommend.PartialError), it prints instead the referrals that
// are known, as the advice would print them, with the rest withheld, and
// returns the error, "no explanation: ...", as the server's /explain
// does.
func explainMain(eng *recommend.Engine, profile recommend.Profile, target, format string, stdout io.Writer) error {
	err := explainTo(eng, profile, target, format, stdout)
	if errors.Is(err, recommend.ErrUnknownMovement) {
		// A mistake in the movement does not hide the emergency the
		// profile reports.
		return withReferrals(eng, profile, err, stdout, format, false)
	}
	var partial *recommend.PartialError
	if !errors.As(err, &partial) || partial.Result == nil {
		return err
	}
	err = fmt.Errorf("no explanation: %w", err)
	if werr := writeResult(stdout, partial.Result, format, false, false); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

// explainTo writes the explanation explainMain asks for; it writes
// nothing when the explanation fails.
func explainTo(eng *recommend.Engine, profile recommend.Profile, target, format string, stdout io.Writer) error {
	ctx := context.Background()
	var text strings.Builder
	if target == "referral" {
		x, err := eng.ExplainReferrals(ctx, profile)
		if err != nil {
			return err
		}
		if format == "json" {
			return report.WriteReferralExplanationJSON(stdout, x)
		}
		if err := report.WriteReferralExplanation(&text, x); err != nil {
			return err
		}
	} else {
		x, err := eng.Explain(ctx, profile, target)
		if s := words.DidYouMean(target, []string{"referral"}); s != "" && errors.Is(err, recommend.ErrUnknownMovement) {
			// "referrals", "referal": the referral rules, not a movement.
			return fmt.Errorf("explain: %w %q%s", recommend.ErrUnknownMovement, target, s)
		}
		if err != nil {
			return err
		}
		if format == "json" {
			return report.WriteExplanationJSON(stdout, x)
		}
		if err := report.WriteExplanation(&text, x); err != nil {
			return err
		}
	}
	_, err := io.WriteString(stdout, termsafe.Text(text.String()))
	return err
}
