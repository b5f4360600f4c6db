// Command rulecheck checks a rule set the way a rule author needs: it loads
// the rules and lists every problem, runs the test cases stored beside
// them, and reports which rules no case makes fire. With -analyze it
// analyses the rule set instead, and with -schema it prints a JSON Schema
// for its rule files.
//
// Usage:
//
//	go run ./examples/rulecheck [-v] [-cases DIR] DIR
//	go run ./examples/rulecheck -analyze [-json] [-cases DIR] DIR
//	go run ./examples/rulecheck -schema DIR > schema.json
//
// DIR is a rule directory, as recommend.Load reads it. Loading proves each
// red flag's safety floor and tries each condition on the profiles that
// matter to it, so a red flag that no longer gets the referral its floor
// declares, and a condition that can fail at run time (such as one that
// divides by the pain level), are problems reported at file:line:col like
// any other, with a profile that shows them. The test cases are
// the files named *_test.yaml (or *_test.yml) under DIR and the YAML files
// in any folder of DIR named tests, in the case format of package
// internal/casefile; -cases adds every YAML file under another directory,
// such as testdata/cases for the default rules. With -v, rulecheck also
// lists the rules each case makes fire and how many cases fire each rule.
//
// -analyze runs recommend.Engine.Analyze over the rule set, with the
// profiles of the test cases for clause coverage, and prints the report
// for people, or as JSON with -json (see the README for how to read it).
// It fails on a dead rule, a gap or an unresolved conflict.
//
// -schema prints a JSON Schema for the rule files, specialised to the rule
// set in DIR: its movement ids, tags, sources and vocabulary are enums, so
// an editor can validate and complete a rule file as it is typed.
//
// Exit status: 0 when the rules load and every case passes (with -analyze,
// when the analysis finds nothing that fails); 1 when the rules have a
// problem, a case file cannot be read, a case fails or the analysis fails;
// 2 for a usage error. Rules that no case makes fire are reported, not
// failed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/backrules/backrules/internal/casefile"
	"github.com/backrules/backrules/internal/cliflag"
	"github.com/backrules/backrules/internal/termsafe"
	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = "usage: rulecheck [-v] [-cases DIR] [-analyze [-json]] [-schema] DIR"

// errFailed marks a check that ran and found problems or failures; its
// details are already printed.
var errFailed = errors.New("check failed")

// errUsage marks usage errors, which exit with status 2.
var errUsage = errors.New("usage")

func run(args []string, stdout, stderr io.Writer) int {
	// Rule files, case files and their names may hold characters that act
	// on a terminal; everything printed goes through terminalSafe.
	stdout, stderr = safeWriter{stdout}, safeWriter{stderr}
	err := check(args, stdout, stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "%v\n%s\n", err, usage)
		return 2
	case errors.Is(err, errFailed):
		return 1
	default:
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
}

func check(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rulecheck", flag.ContinueOnError)
	verbose := fs.Bool("v", false, "list the rules each case fires and the cases that fire each rule")
	casesDir := fs.String("cases", "", "another directory of case files to run (every YAML file in it)")
	doAnalyze := fs.Bool("analyze", false, "analyse the rule set over its profile space instead of running the cases")
	asJSON := fs.Bool("json", false, "with -analyze, print the analysis as JSON")
	doSchema := fs.Bool("schema", false, "print a JSON Schema for the rule files of the rule set")
	if err := cliflag.Parse(fs, args, stderr, usage); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: give one rule directory", errUsage)
	}
	switch {
	case *doAnalyze && *doSchema:
		return fmt.Errorf("%w: give -analyze or -schema, not both", errUsage)
	case *asJSON && !*doAnalyze:
		return fmt.Errorf("%w: -json goes with -analyze", errUsage)
	case *verbose && (*doAnalyze || *doSchema):
		return fmt.Errorf("%w: -v does not go with -analyze or -schema", errUsage)
	}
	dir := fs.Arg(0)
	if err := cliflag.Dir(dir, "rule files"); err != nil {
		return err
	}
	if *casesDir != "" {
		if err := cliflag.Dir(*casesDir, "case files"); err != nil {
			return fmt.Errorf("-cases: %w", err)
		}
	}

	eng, err := recommend.Load(os.DirFS(dir))
	if err != nil {
		var le *recommend.LoadError
		if !errors.As(err, &le) {
			return fmt.Errorf("%s: %w", dir, err)
		}
		for _, is := range le.Issues {
			is.File = filepath.Join(dir, is.File)
			fmt.Fprintln(stdout, is.Long())
		}
		fmt.Fprintf(stdout, "FAIL  rules: %s in %s\n", words.Count(le.Count(), "problem"), dir)
		return errFailed
	}
	if *doSchema {
		return writeSchema(eng, stdout)
	}
	rules := eng.Rules()
	if !*doAnalyze {
		fmt.Fprintf(stdout, "ok    rules: %s in %s\n", words.Count(len(rules), "rule"), dir)
	}

	cases, err := loadCases(eng, dir, *casesDir)
	if err != nil {
		return err
	}
	if *doAnalyze {
		var profiles []recommend.Profile
		for _, tc := range cases {
			profiles = append(profiles, tc.Profile)
		}
		return analyze(eng, dir, profiles, *asJSON, stdout)
	}
	if len(cases) == 0 {
		fmt.Fprintf(stdout, "no test cases, so no coverage: add *_test.yaml files or a tests folder to %s, or give -cases\n", dir)
	}

	c := &checker{eng: eng, out: stdout, verbose: *verbose, fired: make([]int, len(rules))}
	for _, tc := range cases {
		c.run(tc)
	}
	if len(cases) > 0 {
		fmt.Fprintf(stdout, "cases: %d passed, %d failed\n", len(cases)-c.failed, c.failed)
	}
	if len(cases) > 0 {
		c.coverage(dir, rules)
	}
	if c.failed > 0 {
		return errFailed
	}
	return nil
}

// loadCases reads the case files beside the rules in dir and, when
// extraDir is not "", every YAML file under extraDir. Each case's File, and
// the file an error names, is its path as the user would open it.
func loadCases(eng *recommend.Engine, dir, extraDir string) ([]casefile.Case, error) {
	cases, err := casefile.LoadFSFor(eng, os.DirFS(dir), ".", false)
	if err != nil {
		return nil, caseFileError(dir, err)
	}
	for i := range cases {
		cases[i].File = filepath.Join(dir, filepath.FromSlash(cases[i].File))
		if cases[i].Invalid != nil {
			cases[i].Invalid.File = cases[i].File
		}
	}
	if extraDir == "" {
		return cases, nil
	}
	extra, err := casefile.LoadFSFor(eng, os.DirFS(extraDir), ".", true)
	if err != nil {
		return nil, caseFileError(extraDir, err)
	}
	for i := range extra {
		extra[i].File = filepath.Join(extraDir, filepath.FromSlash(extra[i].File))
		if extra[i].Invalid != nil {
			extra[i].Invalid.File = extra[i].File
		}
	}
	return append(cases, extra...), nil
}

// caseFileError reports a failure to read the case files under dir, with
// the path of the file at fault as the user would open it:
// "read test cases: dir/x_test.yaml:4:18: ...".
func caseFileError(dir string, err error) error {
	var ce *casefile.Error
	if errors.As(err, &ce) {
		ce.File = filepath.Join(dir, filepath.FromSlash(ce.File))
		return fmt.Errorf("read test cases: %w", ce)
	}
	return fmt.Errorf("read test cases in %s: %w", dir, err)
}

// referralsOnly ends the error of a Recommend that refused the profile but
// worked out the referrals of what it could read.
const referralsOnly = " (only the referrals were worked out)"

// checker runs cases against one engine and keeps the tally.
type checker struct {
	eng     *recommend.Engine
	out     io.Writer
	verbose bool
	failed  int
	fired   []int // cases that fire each rule, by rule index
}

// run runs one case and prints PASS or FAIL with what went wrong.
func (c *checker) run(tc casefile.Case) {
	where := fmt.Sprintf("%s:%d", tc.File, tc.Line)
	problems := c.unknownMovements(tc.Expect)
	res, err := c.eng.Recommend(context.Background(), tc.Profile)
	if err != nil {
		msg := err.Error()
		if tc.Invalid != nil && errors.Is(err, recommend.ErrInvalidProfile) {
			// The same problems, placed in the case file.
			msg = tc.Invalid.Error()
			if strings.HasSuffix(err.Error(), referralsOnly) {
				msg += referralsOnly
			}
		}
		problems = append(problems, msg)
	} else if diff := cmp.Diff(tc.Expect, casefile.Observe(tc.Expect, res)); diff != "" {
		// go-cmp varies its indentation between spaces and no-break
		// spaces from run to run; print plain spaces.
		diff = strings.ReplaceAll(diff, "\u00a0", " ")
		problems = append(problems, "expectations not met (-want +got):\n"+strings.TrimRight(diff, "\n"))
	}
	var fired []string
	if res != nil {
		for i, t := range res.Trace() {
			if t.Matched {
				c.fired[i]++
				fired = append(fired, t.Rule)
			}
		}
	}
	status := "PASS"
	if len(problems) > 0 {
		status = "FAIL"
		c.failed++
	}
	fmt.Fprintf(c.out, "%s  %s (%s)\n", status, tc.Name, where)
	for _, p := range problems {
		fmt.Fprintln(c.out, indent(p, "      "))
	}
	if c.verbose && res != nil {
		fmt.Fprintf(c.out, "      fires: %s\n", orNone(fired))
	}
}

// unknownMovements reports movement ids in the expectations that the rule
// set does not declare, and review rule ids that are not its progression
// rules with a review: such a typo would make a not_recommended
// expectation pass whatever the rules do.
func (c *checker) unknownMovements(e casefile.Expect) []string {
	known := map[string]bool{}
	var ids []string
	for _, m := range c.eng.Movements() {
		known[m.ID] = true
		ids = append(ids, m.ID)
	}
	var out []string
	for _, list := range []struct {
		name string
		ids  []string
	}{
		{"recommended", e.Recommended}, {"not_recommended", e.NotRecommended}, {"avoided", e.Avoided},
		{"conflicts", e.Conflicts}, {"cautioned", e.Cautioned}, {"needs_equipment", e.NeedsEquipment}, {"plan", e.Plan},
	} {
		for _, id := range list.ids {
			if !known[id] {
				out = append(out, fmt.Sprintf("expect.%s names %q, which is not a movement of the rule set%s", list.name, id, words.DidYouMean(id, ids)))
			}
		}
	}
	for i, st := range e.Steps {
		if !known[st.Movement] {
			out = append(out, fmt.Sprintf("expect.steps[%d] names %q, which is not a movement of the rule set%s", i, st.Movement, words.DidYouMean(st.Movement, ids)))
		}
	}
	reviews := map[string]bool{}
	for _, r := range c.eng.ProgressRules() {
		reviews[r.ID] = r.Referral != nil
	}
	for i, id := range e.Reviews {
		if !reviews[id] {
			out = append(out, fmt.Sprintf("expect.reviews[%d] names %q, which is not a progression rule of the rule set that calls for a review", i, id))
		}
	}
	refer := map[string]bool{}
	for _, r := range c.eng.Rules() {
		refer[r.ID] = r.Referral != nil
	}
	for _, list := range []struct {
		name string
		ids  []string
	}{{"referrals", e.Referrals}, {"folded", e.Folded}} {
		for i, id := range list.ids {
			if !refer[id] && !reviews[id] && !strings.HasPrefix(id, recommend.FloorRulePrefix) {
				out = append(out, fmt.Sprintf("expect.%s[%d] names %q, which is not a rule of the rule set that refers", list.name, i, id))
			}
		}
	}
	return out
}

// coverage reports the rules that no case makes fire, and with -v how many
// cases fire each rule.
func (c *checker) coverage(dir string, rules []recommend.Rule) {
	var cold []recommend.Rule
	for i, r := range rules {
		if c.fired[i] == 0 {
			cold = append(cold, r)
		}
	}
	fmt.Fprintf(c.out, "coverage: %d of %d rules fire in at least one case", len(rules)-len(cold), len(rules))
	if len(cold) == 0 {
		fmt.Fprintln(c.out)
	} else {
		fmt.Fprintln(c.out, "; no case makes these fire:")
		for _, r := range cold {
			fmt.Fprintf(c.out, "  %s:%d: %s\n", filepath.Join(dir, r.File), r.Line, r.ID)
		}
	}
	if c.verbose {
		fmt.Fprintln(c.out, "cases that fire each rule:")
		for i, r := range rules {
			fmt.Fprintf(c.out, "  %4d  %s\n", c.fired[i], r.ID)
		}
	}
}

func orNone(ids []string) string {
	if len(ids) == 0 {
		return "(none)"
	}
	return strings.Join(ids, ", ")
}

// indent puts prefix before every line of s.
func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// safeWriter writes through terminalSafe. Every write to it must hold
// whole characters, as those of the fmt functions do.
type safeWriter struct{ w io.Writer }

func (s safeWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.w, termsafe.Text(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
