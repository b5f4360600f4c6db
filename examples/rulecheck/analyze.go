package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/backrules/backrules/internal/schema"
	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
)

// analyze runs recommend's analysis of the rule set in dir, with the
// profiles of cases for clause coverage, and prints the report as text or
// JSON. It returns errFailed when the analysis finds a dead rule, a gap
// or an unresolved conflict.
func analyze(eng *recommend.Engine, dir string, cases []recommend.Profile, asJSON bool, stdout io.Writer) error {
	var opts []recommend.AnalyzeOption
	if cases != nil {
		opts = append(opts, recommend.WithCaseProfiles(cases))
	}
	a, err := eng.Analyze(context.Background(), opts...)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(a); err != nil {
			return err
		}
	} else {
		rules, flags := places(eng)
		writeAnalysis(stdout, dir, a, rules, flags)
		writeProgressRules(stdout, dir, eng.ProgressRules())
	}
	if a.Failed() {
		return errFailed
	}
	return nil
}

// place is where a rule or a red flag's floor is declared.
type place struct {
	file string
	line int
}

// places returns where each rule of eng is declared, by id, and each red
// flag's floor, by the flag's id, so that a finding that names them
// points at them.
func places(eng *recommend.Engine) (rules, flags map[string]place) {
	rules, flags = map[string]place{}, map[string]place{}
	for _, r := range eng.Rules() {
		rules[r.ID] = place{r.File, r.Line}
	}
	for _, f := range eng.Floors() {
		flags[f.RedFlag] = place{f.File, f.Line}
	}
	return rules, flags
}

// writeAnalysis prints an analysis for people: a summary, then one
// section per kind of finding, those that fail first. rules and flags
// (from places) place the conflicts that fail and the red flags without a
// referral.
func writeAnalysis(w io.Writer, dir string, a *recommend.Analysis, rules, flags map[string]place) {
	s := a.Summary
	fmt.Fprintf(w, "analysis of %s: %s and %s, %s explored in %s\n", dir,
		words.Count(s.Rules, "rule"), words.Count(s.Movements, "movement"),
		words.Count(s.Profiles, "profile"), s.Elapsed.Round(time.Millisecond))
	var review int
	for _, c := range a.Conflicts {
		if c.Review {
			review++
		}
	}
	fmt.Fprintf(w, "space: sets of up to %s and %s", words.Count(s.ConditionSetSize, "condition"), words.Count(s.RedFlagSetSize, "red flag"))
	if s.Truncated {
		fmt.Fprintf(w, ", cut at %d profiles", recommend.MaxAnalyzeProfiles)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "fails on: %s, %s, %s\n",
		words.Count(len(a.DeadRules), "dead rule"), words.Count(len(a.Gaps), "gap"),
		words.Count(s.UnresolvedConflicts, "unresolved conflict"))
	fmt.Fprintf(w, "to review: %s, %s, %s referred only in combination, %s changing nothing alone, %s never recommended, %s resolved by the policy (%d worth a clinician's review)",
		words.Count(len(a.AlwaysTrue), "always-true condition"), words.Count(len(a.Redundant), "redundant rule"),
		words.Count(len(a.FlagsReferredInCombination), "red flag"),
		words.Count(len(a.ConditionsChangingNothing), "condition"),
		words.Count(len(a.NeverRecommended), "movement"),
		words.Count(len(a.Conflicts)-s.UnresolvedConflicts, "conflict"), review)
	if a.Coverage != nil {
		fmt.Fprintf(w, ", %s not seen both true and false in the cases", words.Count(len(a.Coverage.Uncovered), "clause"))
	}
	fmt.Fprintln(w)
	var bounds []string
	for _, f := range []string{"pain_level", "days_since_onset", "sitting_hours", "age", "pregnancy_week"} {
		if vs, ok := s.Boundaries[f]; ok {
			nums := make([]string, len(vs))
			for i, v := range vs {
				nums[i] = strconv.FormatFloat(v, 'f', -1, 64)
			}
			bounds = append(bounds, f+" "+strings.Join(nums, " "))
		}
	}
	if len(bounds) > 0 {
		fmt.Fprintf(w, "boundaries: %s\n", strings.Join(bounds, "; "))
	}
	at := func(file string, line int) string { return fmt.Sprintf("%s:%d", filepath.Join(dir, file), line) }

	section(w, "FAIL", "dead rules: match no explored profile", len(a.DeadRules))
	for _, r := range a.DeadRules {
		fmt.Fprintf(w, "  %s: %s\n      when: %s\n", at(r.File, r.Line), r.Rule, words.OneLine(r.When))
	}
	section(w, "FAIL", "gaps", len(a.Gaps))
	for _, g := range a.Gaps {
		where := ""
		if pl, ok := flags[firstOf(g.Profile.RedFlags)]; ok && g.Kind == recommend.GapKindFlagNoReferral {
			where = at(pl.file, pl.line) + ": "
		}
		fmt.Fprintf(w, "  %s%s: %s\n", where, gapText(g.Kind), profileJSON(g.Profile))
	}
	unresolved := 0
	section(w, "FAIL", "unresolved conflicts: an author must decide", s.UnresolvedConflicts)
	for _, c := range a.Conflicts {
		if !c.Resolved {
			unresolved++
			writeConflict(w, c)
			var where []string
			for _, id := range []string{c.Recommend, c.Against} {
				if pl, ok := rules[id]; ok && !slices.Contains(where, at(pl.file, pl.line)+" "+id) {
					where = append(where, at(pl.file, pl.line)+" "+id)
				}
			}
			fmt.Fprintf(w, "      at: %s\n", strings.Join(where, "; "))
		}
	}
	section(w, "", "always-true conditions, outside rules written when: true", len(a.AlwaysTrue))
	for _, r := range a.AlwaysTrue {
		fmt.Fprintf(w, "  %s: %s\n      when: %s\n", at(r.File, r.Line), r.Rule, words.OneLine(r.When))
	}
	section(w, "", "redundant rules: matches a subset of another rule's, same effects", len(a.Redundant))
	for _, r := range a.Redundant {
		rel := "matches only where"
		if r.Equivalent {
			rel = "matches exactly where"
		}
		fmt.Fprintf(w, "  %s: %s %s %s does\n", at(r.File, r.Line), r.Rule, rel, r.CoveredBy)
	}
	section(w, "", "red flags referred only together with something else, never alone", len(a.FlagsReferredInCombination))
	for _, f := range a.FlagsReferredInCombination {
		fmt.Fprintf(w, "  %s\n", f)
	}
	section(w, "", "conditions that change nothing alone: the advice for everyone", len(a.ConditionsChangingNothing))
	for _, c := range a.ConditionsChangingNothing {
		fmt.Fprintf(w, "  %s\n", c)
	}
	section(w, "", "movements never recommended", len(a.NeverRecommended))
	for _, m := range a.NeverRecommended {
		if len(m.RecommendedBy) == 0 {
			fmt.Fprintf(w, "  %s: no rule recommends it\n", m.Movement)
		} else {
			fmt.Fprintf(w, "  %s: recommended by %s, but those never match or an avoid or a withholding referral always wins\n", m.Movement, strings.Join(m.RecommendedBy, ", "))
		}
	}
	section(w, "", "conflicts resolved by the safety policy", len(a.Conflicts)-unresolved)
	for _, c := range a.Conflicts {
		if c.Resolved {
			writeConflict(w, c)
		}
	}
	if cov := a.Coverage; cov != nil {
		section(w, "", fmt.Sprintf("clause coverage: %d of %d clauses seen both true and false in %s",
			cov.Covered, cov.Clauses, words.Count(cov.Cases, "case")), len(cov.Uncovered))
		for _, c := range cov.Uncovered {
			seen := "never evaluated"
			switch {
			case c.SeenTrue:
				seen = "only true"
			case c.SeenFalse:
				seen = "only false"
			}
			fmt.Fprintf(w, "  %s: %s: %s: %s\n", at(c.File, c.Line), c.Rule, seen, c.Text)
		}
	}
}

// writeProgressRules prints the progression rules, in the order they
// are tried, each with its condition, what it does and its sources. The
// analysis explores profiles, not check-ins, so it lists them for review;
// the loader checks each at load, and the cases' steps and reviews test
// them.
func writeProgressRules(w io.Writer, dir string, rules []recommend.ProgressRule) {
	section(w, "", "progression rules, in the order tried (checked at load and by the cases' steps and reviews, not explored here)", len(rules))
	for _, r := range rules {
		does := r.Step
		if r.Referral != nil {
			does = string(r.Referral.Urgency) + " review"
		}
		cites := make([]string, len(r.Citations))
		for i, c := range r.Citations {
			cites[i] = c.Source() + " § " + c.Locator()
		}
		fmt.Fprintf(w, "  %s:%d: %s: %s\n      when: %s\n      because: %s\n      sources: %s\n",
			filepath.Join(dir, r.File), r.Line, r.ID, does, words.OneLine(r.When), words.OneLine(r.Because), strings.Join(cites, "; "))
	}
}

// section prints a section heading with its count, marked FAIL when it
// has findings that fail the check.
func section(w io.Writer, fail, title string, n int) {
	mark := "    "
	if n > 0 && fail != "" {
		mark = fail
	}
	fmt.Fprintf(w, "\n%s  %s (%d)\n", mark, title, n)
}

func writeConflict(w io.Writer, c recommend.AnalysisConflict) {
	verb := "avoids"
	if c.Effect == recommend.EffectKindCaution {
		verb = "cautions against"
	}
	fmt.Fprintf(w, "  %s: %s recommends, %s %s it\n", strings.Join(c.Movements, ", "), c.Recommend, c.Against, verb)
	fmt.Fprintf(w, "      resolution: %s", c.Resolution)
	if !c.Resolved {
		fmt.Fprint(w, ", unresolved")
	}
	fmt.Fprintf(w, "; sources for: %s; against: %s", orNone(c.ForKinds), orNone(c.AgainstKinds))
	switch c.GuidelineVsArticle {
	case "guideline_for":
		fmt.Fprint(w, "; guideline vs article, the guideline recommends")
	case "guideline_against":
		fmt.Fprint(w, "; guideline vs article, the guideline opposes")
	}
	fmt.Fprintln(w)
	if c.Reason != "" {
		fmt.Fprintf(w, "      %s\n", c.Reason)
	}
	fmt.Fprintf(w, "      example: %s\n", profileJSON(c.Example))
}

// firstOf returns the first of ids, or "".
func firstOf(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

func gapText(k recommend.GapKind) string {
	switch k {
	case recommend.GapKindNoAdvice:
		return "no recommendation and no referral"
	case recommend.GapKindFlagNoReferral:
		return "a red flag without a referral"
	case recommend.GapKindNothingToAvoid:
		return "a condition with nothing to avoid"
	}
	return string(k)
}

// profileJSON is a profile as one line of JSON, ready for the recommend
// command.
func profileJSON(p recommend.Profile) string {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Sprintf("%+v", p)
	}
	return string(b)
}

// writeSchema prints the JSON Schema for the rule files of eng's rule set.
func writeSchema(eng *recommend.Engine, stdout io.Writer) error {
	out, err := schema.Generate(eng)
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}
