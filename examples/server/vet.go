package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
)

// analyzeTimeout bounds the analysis of a rule set before it is served,
// and, apart, its comparison with the running rules (keepsSafety). The
// default rules take about a second; the tests lengthen the bound under
// the race detector, which makes the analysis many times slower.
var analyzeTimeout = 30 * time.Second

// ruleProblem is one reason a rule set was refused, as /healthz and the
// log report it: where, and what kind of problem, in the server's own
// words. It never quotes a rule file: the files a folder holds are not
// always rule files (a link to /etc/passwd is one), and /healthz is read
// by monitors that need not see them. `rulecheck DIR` prints the details.
type ruleProblem struct {
	// File, Line and Column place the problem in the rule folder; File
	// is "" for a problem of the rule set as a whole, and Line and
	// Column are 0 when unknown.
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// Problem says what is wrong, in the server's words: rule, red flag
	// and vocabulary ids, never other text of a file.
	Problem string `json:"problem"`
}

// String returns the problem as "file:line:col: problem".
func (p ruleProblem) String() string {
	switch {
	case p.File == "":
		return p.Problem
	case p.Line == 0:
		return p.File + ": " + p.Problem
	case p.Column == 0:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Problem)
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Problem)
}

// refusal is a rule set the server would not serve: the problems found
// and the error behind them.
type refusal struct {
	// summary says in one line why, in the server's words.
	summary  string
	problems []ruleProblem
	// err is the error behind the refusal (a *recommend.LoadError, a
	// *recommend.EvalError), or nil.
	err error
}

// Error returns the summary and each problem, one a line.
func (r *refusal) Error() string {
	var b strings.Builder
	b.WriteString(r.summary)
	for _, p := range r.problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap returns the error behind the refusal.
func (r *refusal) Unwrap() error { return r.err }

// maxProblems is the most problems a refusal lists; the rest are
// counted.
const maxProblems = 20

// add appends a problem, up to maxProblems.
func (r *refusal) add(p ruleProblem) {
	if len(r.problems) < maxProblems {
		r.problems = append(r.problems, p)
	}
}

// loadRefusal turns an error of recommend.Load into a refusal: each
// issue's position, never its message, which may quote the file.
func loadRefusal(err error) *refusal {
	var le *recommend.LoadError
	if !errors.As(err, &le) {
		return &refusal{summary: "the rule folder could not be read: run rulecheck on it for the details", err: err}
	}
	r := &refusal{summary: fmt.Sprintf("the rule files do not load (%s): run rulecheck on the folder for the details",
		words.Count(le.Count(), "problem")), err: err}
	for _, is := range le.Issues {
		r.add(ruleProblem{File: is.File, Line: is.Line, Column: is.Column, Problem: "does not load"})
	}
	return r
}

// vet runs the checks a rule set must pass before the server serves it,
// beyond loading: the analysis that `rulecheck -analyze` runs in CI (no
// dead rule, no gap, no unresolved conflict, and no rule that fails to
// evaluate on an explored profile), and, when old is not nil, that eng
// lowers no safety old gives (see keepsSafety). It returns nil when eng
// may be served.
func vet(ctx context.Context, old, eng *recommend.Engine) *refusal {
	if r := analyze(ctx, eng); r != nil {
		return r
	}
	if old != nil {
		return keepsSafety(ctx, old, eng)
	}
	return nil
}

// analyze runs eng.Analyze and refuses a rule set it fails, as
// rulecheck -analyze does. A rule set whose content the process has
// already seen pass is not analysed again (see analysisKey).
func analyze(ctx context.Context, eng *recommend.Engine) *refusal {
	key, keyed := analysisKey(eng)
	if keyed && passed.has(key) {
		return nil
	}
	r := runAnalysis(ctx, eng)
	if r == nil && keyed {
		passed.add(key)
	}
	return r
}

// analysisKey returns a digest of everything the analysis reads: the
// engine's rules (conditions, effects, referrals, citations), vocabulary,
// movements, sources and floors, through its exported views. Two rule
// sets with the same key analyse the same, whatever their files' bytes
// elsewhere (a new version line, comments, spacing), so a reload that
// changes only those is not analysed twice. ok is false if the views
// cannot be encoded, and the rule set is then always analysed.
func analysisKey(eng *recommend.Engine) (key [sha256.Size]byte, ok bool) {
	b, err := json.Marshal(struct {
		Rules      []recommend.Rule
		Vocabulary recommend.Vocabulary
		Movements  []recommend.Movement
		Sources    []recommend.Source
		Floors     []recommend.Floor
	}{eng.Rules(), eng.Vocabulary(), eng.Movements(), eng.Sources(), eng.Floors()})
	if err != nil {
		return key, false
	}
	return sha256.Sum256(b), true
}

// passed remembers the analysis keys of rule sets that passed, the most
// recent maxPassed of them, for the life of the process.
var passed analysisMemo

const maxPassed = 16

type analysisMemo struct {
	mu   sync.Mutex
	keys [][sha256.Size]byte
}

func (m *analysisMemo) has(k [sha256.Size]byte) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.keys {
		if x == k {
			return true
		}
	}
	return false
}

func (m *analysisMemo) add(k [sha256.Size]byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.keys) == maxPassed {
		m.keys = m.keys[1:]
	}
	m.keys = append(m.keys, k)
}

// runAnalysis is analyze without the memory of rule sets that passed.
func runAnalysis(ctx context.Context, eng *recommend.Engine) *refusal {
	ctx, cancel := context.WithTimeout(ctx, analyzeTimeout)
	defer cancel()
	a, err := eng.Analyze(ctx)
	if err != nil {
		var ee *recommend.EvalError
		if errors.As(err, &ee) {
			r := &refusal{summary: "a rule fails to evaluate on a profile the analysis explores: run rulecheck -analyze on the folder", err: err}
			r.add(ruleProblem{File: ee.File, Line: ee.Line, Problem: fmt.Sprintf("rule %s fails to evaluate", ee.Rule)})
			return r
		}
		return &refusal{summary: "the rule set could not be analysed: " + errorKind(err), err: err}
	}
	if !a.Failed() {
		return nil
	}
	r := &refusal{summary: fmt.Sprintf("the analysis fails (%s, %s, %s): run rulecheck -analyze on the folder",
		words.Count(len(a.DeadRules), "dead rule"), words.Count(len(a.Gaps), "gap"),
		words.Count(a.Summary.UnresolvedConflicts, "unresolved conflict"))}
	for _, d := range a.DeadRules {
		r.add(ruleProblem{File: d.File, Line: d.Line, Problem: fmt.Sprintf("rule %s matches no profile", d.Rule)})
	}
	for _, g := range a.Gaps {
		r.add(ruleProblem{Problem: fmt.Sprintf("gap %s for the profile %s", g.Kind, profileIDs(g.Profile))})
	}
	rules := map[string]recommend.Rule{}
	for _, ru := range eng.Rules() {
		rules[ru.ID] = ru
	}
	for _, c := range a.Conflicts {
		if c.Resolved {
			continue
		}
		ru := rules[c.Recommend]
		r.add(ruleProblem{File: ru.File, Line: ru.Line,
			Problem: fmt.Sprintf("unresolved conflict: rule %s recommends what rule %s opposes", c.Recommend, c.Against)})
	}
	return r
}

// errorKind names an error of Analyze without its text.
func errorKind(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("it took over %v", analyzeTimeout)
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return "internal error"
}

// profileIDs lists a gap's profile by its ids, which the vocabulary
// holds to [a-z][a-z0-9_-]*, and its numbers.
func profileIDs(p recommend.Profile) string {
	var parts []string
	for _, l := range []struct {
		name string
		ids  []string
	}{
		{"conditions", p.Conditions}, {"red_flags", p.RedFlags}, {"aggravated_by", p.AggravatedBy},
		{"eased_by", p.EasedBy}, {"equipment", p.Equipment},
	} {
		if len(l.ids) > 0 {
			parts = append(parts, l.name+" "+strings.Join(l.ids, ","))
		}
	}
	for _, n := range []struct {
		name string
		v    float64
	}{
		{"pain_level", float64(p.PainLevel)}, {"days_since_onset", float64(p.DaysSinceOnset)},
		{"sitting_hours", p.SittingHours}, {"age", float64(p.Age)},
	} {
		if n.v != 0 {
			parts = append(parts, fmt.Sprintf("%s %g", n.name, n.v))
		}
	}
	if len(parts) == 0 {
		return "{}"
	}
	return "{" + strings.Join(parts, "; ") + "}"
}

// logRefusal logs a refused rule set: its summary and each problem's
// place, never a file's text.
func logRefusal(log *slog.Logger, msg string, running recommend.RuleSet, r *refusal) {
	probs := make([]string, len(r.problems))
	for i, p := range r.problems {
		probs[i] = p.String()
	}
	log.Error(msg,
		slog.String("rule_set", running.Digest), slog.String("version", running.Version),
		slog.String("reason", r.summary), slog.Any("problems", probs))
}

// keepsSafety refuses a reload that would lower safety: a reload only
// ratchets up. It refuses new rules, eng, that remove a red flag of the
// running rules, old, lower its safety floor (the least urgency it leads
// to on its own, and whether it withholds advice; see recommend.Floor),
// or take from it a code that stands for it (see lostCodes), or change
// its label (what the page's checkbox says), or drop its
// counts_when_past (recommend.Term.CountsWhenPast), so that coded data
// such as a FHIR Condition, active or in the past, no longer raises it,
// or drop a name it is also called (recommend.Term.AlsoCalled) that the
// new rules no longer read as it (recommend.Engine.NamedRedFlags);
// new rules that take such a code or counts_when_past from a condition,
// or remove a condition that has codes (see keepsConditionCodes);
// new rules
// that give any profile recommend.CompareReferrals compares, the
// combinations of red flags, conditions, ages and other numbers around
// the analysed space, a less urgent referral, one as urgent but later
// (refer.within; a referral without one is taken as the latest its urgency
// allows), no longer withhold advice, or withhold it and tell the person
// to stay gently active where the running rules did not (keep_active; see
// recommend.ReferralOutcome.Lowers and lowerings); new rules that drop or weaken a programme
// review, a progression rule's referral, or change its condition (see
// reviewProblems); new rules that change the words of a referral or a
// review (see wordingProblems); and new rules that offer a profile of the running
// rules' analysed space a movement the running rules avoid for it
// (recommend it, or list it as needing equipment), drop a caution from a
// movement both offer, or drop a safety-net message or change its words,
// when a rule that
// gives such advice is not kept as it was (see recommend.CompareAdvice and
// adviceProblems).
// Such a change may be meant, but it is made by restarting the server,
// deliberately, never by a file that went missing, was caught
// half-written or dropped a rule. A comparison cut short at
// recommend.MaxAnalyzeProfiles is refused too: what it did not compare
// may be lowered. A removed flag is placed where the running rules
// declared its floor; a lowered floor, and a flag's lost code, where the
// new rules declare the flag's floor; a programme review where the
// running rules declare it.
func keepsSafety(ctx context.Context, old, eng *recommend.Engine) *refusal {
	problems, floorsReported := keepsFloors(old, eng)
	problems = append(problems, keepsConditionCodes(old, eng)...)
	ctx, cancel := context.WithTimeout(ctx, analyzeTimeout)
	defer cancel()
	c, err := compareReferrals(ctx, old, eng)
	if err != nil {
		// What the new rules give is not known: keep the running rules.
		return &refusal{summary: "the new rules could not be compared with the running rules (" + errorKind(err) +
			"): restart the server to serve them", err: err}
	}
	problems = append(problems, lowerings(old, eng, c, floorsReported)...)
	problems = append(problems, reviewProblems(c.Reviews)...)
	problems = append(problems, wordingProblems(eng, c.Wordings)...)
	a, err := compareAdvice(ctx, old, eng)
	if err != nil {
		return &refusal{summary: "the new rules' advice could not be compared with the running rules' (" + errorKind(err) +
			"): restart the server to serve them", err: err}
	}
	problems = append(problems, adviceProblems(old, eng, a)...)
	if c.Truncated || a.Truncated {
		problems = append(problems, ruleProblem{Problem: truncatedText})
	}
	if len(problems) == 0 {
		return nil
	}
	r := &refusal{summary: "the new rules would lower safety: restart the server to make such a change deliberately"}
	switch {
	case len(c.Lowerings) > 0:
		l := c.Lowerings[0]
		r.summary = fmt.Sprintf("the new rules would lower safety: the profile %s got %s and would get %s (rules involved: %s); "+
			"%d of the %s compared would get less: restart the server to make such a change deliberately",
			profileIDs(l.Profile), outcomeText(l.Was), l.Now, strings.Join(l.Rules, ", "), c.Lowered, words.Count(c.Profiles, "profile"))
	case len(a.Lowerings) > 0:
		l := a.Lowerings[0]
		r.summary = fmt.Sprintf("the new rules would lower safety: %s (rules involved: %s); "+
			"%s of the %s compared would lose such advice: restart the server to make such a change deliberately",
			adviceLoweringText(l), strings.Join(l.Rules, ", "), words.Count(a.Lowered, "movement or message"), words.Count(a.Profiles, "profile"))
	case len(c.Reviews) > 0:
		// The first review lowered, else the first whose condition
		// changed.
		v, might := c.Reviews[0], "might"
		if i := slices.IndexFunc(c.Reviews, recommend.ReviewLowering.Lowers); i >= 0 {
			v, might = c.Reviews[i], "would"
		}
		r.summary = fmt.Sprintf("the new rules %s lower safety: %s: restart the server to make such a change deliberately", might, reviewText(v))
	case len(c.Wordings) > 0 && c.Wordings[0].Story:
		r.summary = fmt.Sprintf("the new rules might hide a referral: %s: restart the server to make such a change deliberately",
			wordingText(c.Wordings[0]))
	case len(c.Wordings) > 0:
		r.summary = fmt.Sprintf("the new rules change what %s: restart the server to deploy new words deliberately",
			wordingText(c.Wordings[0]))
	case (c.Truncated || a.Truncated) && len(problems) == 1:
		r.summary = "the new rules could not be compared in full with the running rules: " + truncatedText +
			", and one of them could get less: restart the server to serve them"
	}
	for _, p := range problems {
		r.add(p)
	}
	return r
}

// compareReferrals is recommend.CompareReferrals, which keepsSafety
// calls; a test replaces it to see a comparison cut short refused without
// a vocabulary large enough to cut it.
var compareReferrals = recommend.CompareReferrals

// compareAdvice is recommend.CompareAdvice, which keepsSafety calls.
var compareAdvice = recommend.CompareAdvice

// adviceProblems returns a problem for each lowering a found, the
// comparison of the advice of old and eng: the smallest profile for
// which the new rules offer a movement the running rules avoid, drop a
// caution from a movement both offer, or drop a safety net, for each
// loss, movement and list of rules not kept, placed at the first of
// those rules: in the new rules where it still is, else where the running
// rules declared it.
func adviceProblems(old, eng *recommend.Engine, a *recommend.AdviceComparison) []ruleProblem {
	was, now := rulesByID(old), rulesByID(eng)
	var out []ruleProblem
	for _, l := range a.Lowerings {
		p := ruleProblem{Problem: adviceLoweringText(l)}
		var why []string
		for i, id := range l.Rules {
			w, n := was[id], now[id]
			switch {
			case n.ID == "":
				why = append(why, fmt.Sprintf("rule %s is gone (it was declared here)", id))
				if i == 0 {
					p.File, p.Line = w.File, w.Line
				}
			default:
				why = append(why, fmt.Sprintf("rule %s no longer gives it", id))
				if i == 0 {
					p.File, p.Line = n.File, n.Line
				}
			}
		}
		p.Problem += ": " + strings.Join(why, "; ")
		out = append(out, p)
	}
	return out
}

// adviceLoweringText says what a profile loses: "the profile {...} got
// inversion_table avoided and would get it listed as worth getting
// equipment for (recommended by ...)".
func adviceLoweringText(l recommend.AdviceLowering) string {
	offered := "recommended"
	if l.Now == recommend.OutcomeNeedsEquipment {
		offered = "listed as worth getting equipment for"
	}
	switch l.Loss {
	case recommend.AdviceLossAvoid:
		return fmt.Sprintf("the profile %s got %s avoided and would get it %s (by %s)",
			profileIDs(l.Profile), l.Movement, offered, strings.Join(l.By, ", "))
	case recommend.AdviceLossCaution:
		return fmt.Sprintf("the profile %s got %s with a caution and would get it %s without it (by %s)",
			profileIDs(l.Profile), l.Movement, offered, strings.Join(l.By, ", "))
	}
	return fmt.Sprintf("the profile %s got a safety-net message and would not get it in the same words", profileIDs(l.Profile))
}

// truncatedText says why a comparison cut short is refused.
var truncatedText = fmt.Sprintf("the comparison stopped at recommend.MaxAnalyzeProfiles (%s of the running rules' analysed space), "+
	"so the profiles past it were not compared", words.Count(recommend.MaxAnalyzeProfiles, "profile"))

// reviewProblems returns a problem for each programme review the new
// rules do not keep (see recommend.ReviewLowering), placed where the
// running rules declare it.
func reviewProblems(reviews []recommend.ReviewLowering) []ruleProblem {
	var out []ruleProblem
	for _, v := range reviews {
		out = append(out, ruleProblem{File: v.File, Line: v.Line, Problem: reviewText(v)})
	}
	return out
}

// wordingProblems returns a problem for each referral or review of the
// running rules whose words the new rules, eng, do not keep (see
// recommend.ReferralWording): placed at the rule in the new rules.
func wordingProblems(eng *recommend.Engine, ws []recommend.ReferralWording) []ruleProblem {
	now := rulesByID(eng)
	reviews := map[string]recommend.ProgressRule{}
	for _, r := range eng.ProgressRules() {
		reviews[r.ID] = r
	}
	var out []ruleProblem
	for _, w := range ws {
		p := ruleProblem{File: w.File, Line: w.Line, Problem: wordingText(w)}
		if n, ok := now[w.Rule]; ok {
			p.File, p.Line = n.File, n.Line
		} else if n, ok := reviews[w.Rule]; ok {
			p.File, p.Line = n.File, n.Line
		}
		out = append(out, p)
	}
	return out
}

// wordingText says how the new rules change the words of a referral:
// "rule red-flag-cauda-equina tells the person, in other words", or, for
// a rule the running rules lack, "new rule red-flag-x tells the person
// what no running rule does", or that a referral can now be folded away
// from the short report (ReferralWording.Story).
func wordingText(w recommend.ReferralWording) string {
	if w.New {
		who := "the clinician"
		switch {
		case w.Message && w.Clinician:
			who = "the person and the clinician"
		case w.Message:
			who = "the person"
		}
		return fmt.Sprintf("new rule %s tells %s what no running rule does (a rule renamed keeps its words)", w.Rule, who)
	}
	switch {
	case w.Story:
		return fmt.Sprintf("rule %s can be folded into another referral and left out of the short report "+
			"(its pathway, invites_activity or the red flags its condition names changed)", w.Rule)
	case w.Message && w.Clinician:
		return fmt.Sprintf("rule %s tells the person and the clinician, in other words", w.Rule)
	case w.Message:
		return fmt.Sprintf("rule %s tells the person, in other words", w.Rule)
	}
	return fmt.Sprintf("rule %s tells the clinician, in other words", w.Rule)
}

// reviewText says how the new rules change a programme review.
func reviewText(v recommend.ReviewLowering) string {
	var t string
	switch {
	case v.Gone:
		return fmt.Sprintf("progression rule %s, which called for a %s review, is gone (it was declared here)", v.Rule, v.Was)
	case v.Now == "":
		t = fmt.Sprintf("progression rule %s no longer calls for a review (it called for a %s one)", v.Rule, v.Was)
	case v.Lowers():
		t = fmt.Sprintf("progression rule %s now calls for a %s review, not %s", v.Rule, v.Now, v.Was)
	default:
		return fmt.Sprintf("progression rule %s, which calls for a %s review, has a changed condition: "+
			"a reload does not replay check-ins, so it may call for the review less often", v.Rule, v.Was)
	}
	if v.ConditionChanged {
		t += ", and its condition changed"
	}
	return t
}

// keepsFloors compares the red flags of old and eng (see keepsSafety) and
// returns a problem for each red flag gone, each floor lowered, each
// code lost, each label in other words, each made a risk factor, each
// counts_when_past dropped and each with also_called names that no longer
// name it, or nil, and the red flags whose floor it reports gone or
// lowered.
func keepsFloors(old, eng *recommend.Engine) ([]ruleProblem, map[string]bool) {
	floors := floorsByFlag(eng)
	var r []ruleProblem
	// reported holds the red flags whose floor is reported gone or
	// lowered, to report each once.
	reported := map[string]bool{}
	for _, was := range old.Floors() {
		now, ok := floors[was.RedFlag]
		switch {
		case !ok:
			reported[was.RedFlag] = true
			r = append(r, ruleProblem{File: was.File, Line: was.Line, Column: was.Column,
				Problem: fmt.Sprintf("red flag %s is gone (its floor was declared here)", was.RedFlag)})
		case floorOutcome(now).Lowers(floorOutcome(was)):
			reported[was.RedFlag] = true
			r = append(r, ruleProblem{File: now.File, Line: now.Line, Column: now.Column,
				Problem: fmt.Sprintf("red flag %s: floor lowered from %s to %s", was.RedFlag, floorOutcome(was), floorOutcome(now))})
		}
	}
	flags := map[string]recommend.Term{}
	for _, t := range eng.Vocabulary().RedFlags {
		flags[t.ID] = t
	}
	for _, was := range old.Vocabulary().RedFlags {
		now, ok := flags[was.ID]
		if !ok {
			// A loaded engine declares a floor for every red flag, so
			// the loop above has reported it; this is in case not.
			if !reported[was.ID] {
				r = append(r, ruleProblem{Problem: fmt.Sprintf("red flag %s is gone", was.ID)})
			}
			continue
		}
		f := floors[was.ID] // the zero Floor, with no place, if none
		for _, lost := range lostCodes(was.Codes, now.Codes) {
			r = append(r, ruleProblem{File: f.File, Line: f.Line, Column: f.Column,
				Problem: fmt.Sprintf("red flag %s: %s (the flag's floor is declared here)", was.ID, lost)})
		}
		if was.Label != now.Label {
			// The label is what the page's checkbox says, and what the
			// floor's own referral and a CDS Hooks card name: a label
			// in other words could make a person pass the box by. Not
			// quoted: /healthz never shows a rule file's text.
			r = append(r, ruleProblem{File: f.File, Line: f.Line, Column: f.Column,
				Problem: fmt.Sprintf("red flag %s: its label is in other words, which the page's checkbox and the floor's own referral would say (the flag's floor is declared here)", was.ID)})
		}
		if !was.RiskFactor && now.RiskFactor {
			// A chart of risk factors only gets its cards framed "if back
			// pain is reported": a red flag made one would have its
			// emergency read as a condition of back pain.
			r = append(r, ruleProblem{File: f.File, Line: f.Line, Column: f.Column,
				Problem: fmt.Sprintf("red flag %s: risk_factor: true was added, so a chart of it alone would get its cards framed as if back pain were reported (the flag's floor is declared here)", was.ID)})
		}
		if was.CountsWhenPast && !now.CountsWhenPast {
			// Its codes on a Condition no longer active (a cancer
			// resolved or in remission) would no longer raise it, and the
			// CDS Hooks service would stop asking for the past Conditions.
			r = append(r, ruleProblem{File: f.File, Line: f.Line, Column: f.Column,
				Problem: fmt.Sprintf("red flag %s: counts_when_past: true was dropped, so a Condition of it no longer active would no longer raise it (the flag's floor is declared here)", was.ID)})
		}
		// An also_called name the new rules no longer read as the flag
		// (recommend.Engine.NamedRedFlags) narrows the screen of what
		// cannot be read: a profile the server cannot parse, a chart
		// Condition the CDS Hooks service cannot map, that names the
		// flag only so would no longer count it or get its card. A name
		// moved into the label, or spelt in another case, still names it.
		// Not quoted, as for the label.
		lost := 0
		for _, name := range was.AlsoCalled {
			if !slices.Contains(eng.NamedRedFlags([]byte(name)), was.ID) {
				lost++
			}
		}
		if lost > 0 {
			r = append(r, ruleProblem{File: f.File, Line: f.Line, Column: f.Column,
				Problem: fmt.Sprintf("red flag %s: %s of its also_called would no longer name it, so text the server cannot read, or a chart Condition it cannot map, that calls it so would no longer count it (the flag's floor is declared here)",
					was.ID, words.Count(lost, "name"))})
		}
	}
	return r, reported
}

// keepsConditionCodes compares the conditions of old and eng (see
// keepsSafety) as keepsFloors compares the red flags' codes: it returns a
// problem for each code of a condition of old that eng does not cover in
// full (see lostCodes), for each condition with codes that eng no longer
// has, for each counts_when_past dropped, and for each label put in other
// words of a condition that can change a referral
// (recommend.Engine.NamedReferralConditions), or nil. A condition's code
// is how coded data, such as a FHIR Condition the CDS Hooks service
// reads, raises it, and a condition can change a referral (sciatica
// after a cancer is an emergency) or the advice: a reload that loses one
// would lower what the service gives that data without a word. The
// vocabulary's conditions have no position in the Engine's views, so the
// problems have none.
func keepsConditionCodes(old, eng *recommend.Engine) []ruleProblem {
	conds := map[string]recommend.Term{}
	for _, t := range eng.Vocabulary().Conditions {
		conds[t.ID] = t
	}
	var r []ruleProblem
	for _, was := range old.Vocabulary().Conditions {
		now, ok := conds[was.ID]
		if !ok {
			if len(was.Codes) > 0 {
				r = append(r, ruleProblem{Problem: fmt.Sprintf("condition %s is gone, and with it %s that stood for it", was.ID, words.Count(len(was.Codes), "code"))})
			}
			continue
		}
		for _, lost := range lostCodes(was.Codes, now.Codes) {
			r = append(r, ruleProblem{Problem: fmt.Sprintf("condition %s: %s", was.ID, lost)})
		}
		if was.Label != now.Label && slices.Contains(old.NamedReferralConditions([]byte(was.ID)), was.ID) {
			// As for a red flag's label (keepsFloors): the page's
			// checkbox says it, and it can change a referral.
			r = append(r, ruleProblem{Problem: fmt.Sprintf("condition %s, which can change a referral: its label is in other words, which the page's checkbox would say", was.ID)})
		}
		if was.CountsWhenPast && !now.CountsWhenPast {
			r = append(r, ruleProblem{Problem: fmt.Sprintf("condition %s: counts_when_past: true was dropped, so a Condition of it no longer active would no longer raise it", was.ID)})
		}
	}
	return r
}

// floorOutcome is what a floor asks for, as an outcome: its urgency, and
// advice withheld when it withholds it.
func floorOutcome(f recommend.Floor) recommend.ReferralOutcome {
	return recommend.ReferralOutcome{Urgency: f.Urgency, Withheld: f.Withhold}
}

// lowerings returns a problem for each lowering c found, the comparison
// of old with eng: the smallest profile new rules give less,
// for each list of rules involved, what it got and would get, and why,
// placed at the first rule it reports: in the new rules where it still
// is, else where the running rules declared it. A red flag's floor that
// keepsFloors reported gone or lowered (floorsReported) is not reported
// again, nor a lowering that involves only such floors.
func lowerings(old, eng *recommend.Engine, c *recommend.ReferralComparison, floorsReported map[string]bool) []ruleProblem {
	if len(c.Lowerings) == 0 {
		return nil
	}
	was, now := rulesByID(old), rulesByID(eng)
	floors, nowFloors := floorsByFlag(old), floorsByFlag(eng)
	var out []ruleProblem
	for _, l := range c.Lowerings {
		p := ruleProblem{Problem: fmt.Sprintf("the profile %s got %s and would get %s", profileIDs(l.Profile), outcomeText(l.Was), l.Now)}
		var why []string
		for _, id := range l.Rules {
			var file string
			var line, col int
			flag, isFloor := strings.CutPrefix(id, recommend.FloorRulePrefix)
			if isFloor && floorsReported[flag] {
				continue
			}
			switch w, n := was[id], now[id]; {
			case isFloor && nowFloors[flag].File != "":
				f := nowFloors[flag]
				file, line, col = f.File, f.Line, f.Column
				why = append(why, fmt.Sprintf("red flag %s's floor is lowered", flag))
			case isFloor:
				f := floors[flag]
				file, line, col = f.File, f.Line, f.Column
				why = append(why, fmt.Sprintf("red flag %s is gone (its floor was declared here)", flag))
			case n.ID == "":
				file, line = w.File, w.Line
				why = append(why, fmt.Sprintf("rule %s is gone (it was declared here)", id))
			case referralOf(n).Lowers(referralOf(w)):
				file, line = n.File, n.Line
				why = append(why, fmt.Sprintf("rule %s now refers as %s, not %s", id, referralOf(n), referralOf(w)))
			default:
				file, line = n.File, n.Line
				why = append(why, fmt.Sprintf("rule %s no longer matches it", id))
			}
			if len(why) == 1 {
				p.File, p.Line, p.Column = file, line, col
			}
		}
		if len(why) == 0 {
			continue
		}
		p.Problem += ": " + strings.Join(why, "; ")
		out = append(out, p)
	}
	return out
}

// outcomeText is an outcome with the rules that decide it:
// "urgent, advice withheld (red-flag-bleeding-risk-fall)".
func outcomeText(o recommend.ReferralOutcome) string {
	if len(o.Rules) == 0 {
		return o.String()
	}
	return o.String() + " (" + strings.Join(o.Rules, ", ") + ")"
}

// referralOf is what a rule refers as, as an outcome: its urgency, its
// timing (the latest its urgency allows when it states none, see
// recommend.Within), whether it withholds advice and whether it keeps the
// person active; no referral for a rule without one.
func referralOf(r recommend.Rule) recommend.ReferralOutcome {
	if r.Referral == nil {
		return recommend.ReferralOutcome{}
	}
	o := recommend.ReferralOutcome{Urgency: r.Referral.Urgency, Within: r.Referral.Within, Withheld: r.Referral.Withhold,
		KeepActive: r.Referral.Withhold && r.Referral.KeepActive}
	if o.Within == "" {
		o.Within = o.Urgency.LatestWithin()
	}
	return o
}

// rulesByID returns eng's rules by id.
func rulesByID(eng *recommend.Engine) map[string]recommend.Rule {
	m := map[string]recommend.Rule{}
	for _, r := range eng.Rules() {
		m[r.ID] = r
	}
	return m
}

// floorsByFlag returns eng's floors by red flag.
func floorsByFlag(eng *recommend.Engine) map[string]recommend.Floor {
	m := map[string]recommend.Floor{}
	for _, f := range eng.Floors() {
		m[f.RedFlag] = f
	}
	return m
}

// lostCodes compares the codes of one red flag in the running rules,
// was, with its codes in the new rules, now, and describes each code of
// was that now does not cover in full: a code that is gone, or a
// category (subcodes: true) that now stands for itself only. A code of
// was is covered by the same system and code in now, given as a category
// whenever it was one, or by a category in now, of the same system,
// whose code it starts with, as ICD-10 codes nest. It returns nil when
// every code is covered. The codes come from the running rules, which
// loaded: a code and its system hold no spaces or invisible characters.
func lostCodes(was, now []recommend.Code) []string {
	var lost []string
	for _, c := range was {
		covered, narrowed := false, false
		for _, n := range now {
			if n.System != c.System {
				continue
			}
			if (n.Subcodes && strings.HasPrefix(c.Code, n.Code)) || (n.Code == c.Code && !c.Subcodes) {
				covered = true
				break
			}
			narrowed = narrowed || n.Code == c.Code
		}
		switch {
		case covered:
		case narrowed:
			lost = append(lost, fmt.Sprintf("code %q of %s no longer stands for its subcodes (subcodes: true was dropped)", c.Code, c.System))
		default:
			lost = append(lost, fmt.Sprintf("code %q of %s is gone", c.Code, c.System))
		}
	}
	return lost
}
