package recommend

// Analysing a rule set: every rule evaluated against a bounded, documented
// space of profiles (see Engine.Analyze), and the findings an author needs:
// dead rules, movements never recommended, conditions that always hold,
// redundant rules, conflicts with an example profile, gaps, and the clause
// coverage of the rule set's test cases (analyze_coverage.go). The space is
// built from the vocabulary and from the numbers the conditions compare
// with (analyze_space.go). Each explored profile goes through the same
// evaluate and resolve stages as Recommend (resolve.go holds the safety
// policy), so that the outcomes Analyze reports are those Recommend gives;
// TestAnalyzeAgreesWithRecommend checks it.

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/cel-go/common/ast"
)

// AnalyzeOption configures Engine.Analyze.
type AnalyzeOption func(*analyzeConfig)

type analyzeConfig struct {
	cases []Profile
}

// WithCaseProfiles gives Analyze the profiles of the rule set's test cases,
// for clause coverage. Without it, Analysis.Coverage is nil.
func WithCaseProfiles(profiles []Profile) AnalyzeOption {
	return func(c *analyzeConfig) {
		c.cases = append(c.cases, profiles...)
		if c.cases == nil {
			c.cases = []Profile{}
		}
	}
}

// Analysis is what Engine.Analyze found. Every list is in a fixed order,
// documented on its field, and never nil.
type Analysis struct {
	// Summary counts what was explored and found.
	Summary AnalysisSummary `json:"summary"`
	// DeadRules are the rules that match no explored profile, nor any
	// of the profiles made of what their own condition tests (see
	// Analyze), in rule order.
	DeadRules []RuleFinding `json:"dead_rules"`
	// NeverRecommended are the movements that no explored profile gets
	// recommended, in declaration order.
	NeverRecommended []MovementFinding `json:"never_recommended"`
	// AlwaysTrue are the rules whose condition holds for every explored
	// profile though it is not written as the literal true, in rule order.
	AlwaysTrue []RuleFinding `json:"always_true"`
	// Redundant are the rules whose matches are a subset of another
	// rule's with the same effects, in rule order.
	Redundant []Redundancy `json:"redundant"`
	// Conflicts are the rule pairs where one recommends a movement and the
	// other avoids it or cautions against it, and both match some
	// explored profile; by recommending rule, then opposing rule, in rule
	// order, avoid before caution.
	Conflicts []AnalysisConflict `json:"conflicts"`
	// Gaps are profiles the rules leave without advice they should get,
	// in the order of GapKind's constants, then of the vocabulary.
	Gaps []Gap `json:"gaps"`
	// FlagsReferredInCombination are the red flags that get a referral
	// only together with something else (another red flag, a condition
	// or a number), never alone, in vocabulary order: for review, since
	// a rule set may mean a weak flag to count only in combination.
	FlagsReferredInCombination []string `json:"flags_referred_in_combination"`
	// ConditionsChangingNothing are the conditions that, alone, match the
	// same rules as a profile that reports nothing, in vocabulary order:
	// a person who reports one gets the advice for everyone. For review,
	// since a rule set may mean a condition to change nothing on its own
	// (the default rules' low_back_pain); a condition added to the
	// vocabulary whose rules were forgotten shows here, where the gaps
	// cannot show it once rules for everyone recommend and avoid.
	ConditionsChangingNothing []string `json:"conditions_changing_nothing"`
	// Coverage is the clause coverage of the case profiles given with
	// WithCaseProfiles, or nil without them.
	Coverage *ClauseCoverage `json:"coverage,omitempty"`
}

// AnalysisSummary counts what Analyze explored and found.
type AnalysisSummary struct {
	// Profiles is the number of profiles explored.
	Profiles int `json:"profiles"`
	// Rules and Movements count the rule set's rules and movements.
	Rules     int `json:"rules"`
	Movements int `json:"movements"`
	// Findings counts the findings of each kind, by the JSON name of
	// their list: dead_rules, never_recommended, always_true, redundant,
	// conflicts, gaps, flags_referred_in_combination and
	// uncovered_clauses.
	Findings map[string]int `json:"findings"`
	// UnresolvedConflicts counts the conflicts an author must decide.
	UnresolvedConflicts int `json:"unresolved_conflicts"`
	// ConditionSetSize and RedFlagSetSize are the largest sets of
	// conditions and of red flags explored together: 3 and 2 unless the
	// space would hold more than MaxAnalyzeProfiles profiles. Truncated is
	// true when even the smallest sets gave too many, and the space was
	// cut.
	ConditionSetSize int  `json:"condition_set_size"`
	RedFlagSetSize   int  `json:"red_flag_set_size"`
	Truncated        bool `json:"truncated,omitempty"`
	// Boundaries are the numbers explored for each number field, from
	// the comparisons in the conditions: pain_level >= 7 gives 6 and 7.
	Boundaries map[string][]float64 `json:"boundaries"`
	// Elapsed is how long the analysis took. It varies from run to run.
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Failed reports whether the analysis found a dead rule, a gap or a
// conflict that the safety policy does not resolve: the findings CI fails
// on. The other findings are for an author to review.
func (a *Analysis) Failed() bool {
	return a != nil && (len(a.DeadRules) > 0 || len(a.Gaps) > 0 || a.Summary.UnresolvedConflicts > 0)
}

// RuleFinding names a rule.
type RuleFinding struct {
	// Rule is the rule's id; File and Line where it is declared.
	Rule string `json:"rule"`
	File string `json:"file"`
	Line int    `json:"line"`
	// When is its condition, as written.
	When string `json:"when"`
}

// MovementFinding names a movement that is never recommended.
type MovementFinding struct {
	// Movement is the movement id.
	Movement string `json:"movement"`
	// RecommendedBy are the rules that recommend it, in rule order: empty
	// when no rule does; otherwise they never match, or an avoid or a
	// withholding referral matched every explored profile where they did.
	RecommendedBy []string `json:"recommended_by"`
}

// Redundancy is a rule that adds nothing: every explored profile it
// matches, another rule with the same effects matches too.
type Redundancy struct {
	// Rule is the redundant rule, with its file and line.
	Rule string `json:"rule"`
	File string `json:"file"`
	Line int    `json:"line"`
	// CoveredBy is the rule whose matches include Rule's, the first in
	// rule order.
	CoveredBy string `json:"covered_by"`
	// Equivalent is true when both rules match exactly the same profiles;
	// then the later of the two is reported.
	Equivalent bool `json:"equivalent"`
}

// AnalysisConflict is a pair of rules that disagree about movements.
type AnalysisConflict struct {
	// Recommend is the rule that recommends the movements, and Against
	// the rule that avoids them or cautions against them.
	Recommend string `json:"recommend"`
	Against   string `json:"against"`
	// Effect is Against's effect: EffectKindAvoid or EffectKindCaution.
	Effect EffectKind `json:"effect"`
	// Movements are the movements they disagree about, in declaration
	// order.
	Movements []string `json:"movements"`
	// Resolution is how the safety policy settles the pair:
	// ResolutionAvoided for an avoid, ResolutionCautioned for a caution.
	Resolution Resolution `json:"resolution"`
	// Resolved is false when the safety policy cannot settle the pair
	// and an author must decide: the rule that recommends the movements
	// also avoids or cautions against them.
	Resolved bool `json:"resolved"`
	// Review is true when the policy settles the pair against a
	// guideline: an avoid, citing only articles or personal accounts,
	// drops a movement that a guideline, systematic review or trial
	// recommends. It does not fail an analysis.
	Review bool `json:"review,omitempty"`
	// Reason says why the pair is unresolved or worth a review, or is "".
	Reason string `json:"reason,omitempty"`
	// ForKinds and AgainstKinds are the kinds of the sources each side
	// cites, strongest first: the sources whose citations support the
	// movement, and those whose citations advise against it or care
	// with it; background citations take no side.
	ForKinds     []string `json:"for_kinds"`
	AgainstKinds []string `json:"against_kinds"`
	// GuidelineVsArticle is "guideline_for" or "guideline_against" when
	// one side cites a guideline, systematic review or trial and the
	// other only articles or personal accounts, naming the guideline's
	// side; "" otherwise.
	GuidelineVsArticle string `json:"guideline_vs_article,omitempty"`
	// Example is a smallest explored profile where both rules match (and,
	// for a caution, advice is not withheld, so the Result shows it).
	Example Profile `json:"example"`
}

// GapKind names a kind of gap.
type GapKind string

// The kinds of gap, in the order Analysis.Gaps lists them.
const (
	// GapKindNoAdvice: a set of conditions, alone, gets no recommendation and
	// no referral.
	GapKindNoAdvice GapKind = "no_advice"
	// GapKindFlagNoReferral: a red flag gets no referral, alone or in any
	// explored profile.
	GapKindFlagNoReferral GapKind = "red_flag_without_referral"
	// GapKindNothingToAvoid: a condition, alone, matches no rule that avoids
	// a movement: its Result avoids nothing.
	GapKindNothingToAvoid GapKind = "condition_without_avoid"
)

// Gap is a profile the rules leave without advice it should get.
type Gap struct {
	// Kind says what is missing.
	Kind GapKind `json:"kind"`
	// Profile is the profile that shows it.
	Profile Profile `json:"profile"`
}

// ruleFinding returns the finding of rule ri.
func (e *Engine) ruleFinding(ri int) RuleFinding {
	r := &e.rules[ri]
	return RuleFinding{Rule: r.id, File: r.pos.File, Line: r.pos.Line, When: r.when}
}

// bitset is a set of profile indexes.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }
func (b bitset) set(i int)   { b[i/64] |= 1 << (i % 64) }
func (b bitset) subsetOf(o bitset) bool {
	for i, w := range b {
		if w&^o[i] != 0 {
			return false
		}
	}
	return true
}
func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// conflictPair is a recommending rule and a rule that opposes it on some
// movements; found from the effects alone, before any profile is run.
type conflictPair struct {
	rec, against int
	eff          int // effectAvoid or effectCaution
	movements    []int
	example      int // index of the best example profile, or -1
}

// Analyze explores the profile space of the rule set and reports what a
// rule author should know about it. It evaluates every rule against every
// profile of this space, where C are the subsets of at most three of
// vocabulary.conditions (the empty set included), and F the red-flag
// selections (none, each red flag alone, each pair of red flags); smaller
// sets when the space would pass MaxAnalyzeProfiles:
//
//   - every set in C crossed with every selection in F;
//   - every set in C with one aggravated_by value, with one eased_by value,
//     with one equipment id that a condition tests, with one number field
//     at one of its boundaries, or with one choice field (sex, episode) at
//     one of its vocabulary values;
//   - every selection in F but none, with one number field at one of its
//     boundaries, or with one choice field at one of its values;
//   - the empty profile, and each profile of one condition, one red flag,
//     one aggravated_by or one eased_by value, with two number fields at
//     one of their boundaries each, so that a rule comparing two numbers
//     (age with days since onset, pain with age) is explored;
//   - for each rule no profile above matches, one profile it matches made
//     of what its own condition tests, when Analyze finds one (each list
//     whose size it takes with every value of the vocabulary or not, each
//     value it compares a list with, held or not, each number it compares at
//     one of its boundaries or 0, each choice at a value it names or
//     unset; at most 4,096 tried), so that a rule that needs more values
//     together than the space holds (two aggravating activities, or a
//     condition, an activity and a number) is not reported dead;
//   - in the same way, made of what two conditions test: for each pair of
//     a rule that recommends a movement and one that avoids it or
//     cautions against it that no profile above matches together (for a
//     caution, with advice not withheld), one profile both match, so that
//     two rules that meet only on more values than the space holds are
//     reported as the conflict they are; and for each redundant rule, one
//     profile it matches and the rule said to cover it does not (for two
//     equivalent rules, either way round), so that it is not reported
//     redundant when such a profile exists; and for each rule every
//     profile above matches, one it does not match, so that a rule false
//     only on more values than the space holds is not reported always
//     true. Analyze then explores again
//     with the profiles found, and looks again, at most four times.
//     These profiles may take the space past MaxAnalyzeProfiles, by one
//     per rule, pair or redundancy.
//
// The boundaries of a number field are the numbers around each comparison
// of the field with a constant in a condition (pain_level >= 7 gives 6 and
// 7; for sitting_hours, a double, >= 6 gives 5.5 and 6, and two constants
// at most half a unit apart their midpoint too: > 7.5 and < 8 give 7.75),
// within the field's range; a field is 0 elsewhere. A movement's outcome assumes its equipment
// is at hand: missing equipment only moves a movement to NeedsEquipment.
//
// Analyze honours ctx between blocks of 64 profiles. Its findings are documented on
// Analysis; Analysis.Failed says whether CI should fail.
func (e *Engine) Analyze(ctx context.Context, opts ...AnalyzeOption) (*Analysis, error) {
	if err := e.unusable(); err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, errors.New("analyze: nil context: pass context.Background()")
	}
	start := time.Now()
	var cfg analyzeConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	// The analysis reads each condition's AST, which the engine compiles
	// again from its text (condsource.go). That cannot fail for a rule
	// set that loaded; if it did, a rule (a red flag's referral among
	// them) would be left out of the analysis without a word, so it is
	// an error instead.
	asts := e.conditionASTs()
	for ri, a := range asts {
		if a == nil {
			return nil, fmt.Errorf("analyze: rule %s (%s:%d): its condition no longer compiles", e.rules[ri].id, e.rules[ri].pos.File, e.rules[ri].pos.Line)
		}
	}
	sp := e.space(asts)
	pairs := e.conflictPairs()
	sc, err := e.scan(ctx, sp, 0, nil, pairs, asts)
	if err != nil {
		return nil, err
	}
	// What the space shows of a rule, or of two rules, may need more
	// values together than it holds: look among the profiles made of what
	// the conditions themselves test (witness), explore again with each
	// profile found, and repeat while that finds more. A rule no such
	// profile matches is dead; one every such profile matches too is
	// always true; two rules that no such profile matches
	// together are no conflict; and a rule is redundant only where no
	// such profile matches it without the rule said to cover it.
	asked := map[[3]int]bool{}
	for range maxWitnessRounds {
		found, err := e.witnesses(ctx, asts, len(sp.profiles), sc, pairs, asked)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			break
		}
		// Even in a space cut at MaxAnalyzeProfiles: what some profile
		// shows is not to be reported as never shown.
		from := len(sp.profiles)
		for _, p := range found {
			sp.put(p)
		}
		// The pairs are the rule set's, whatever the space holds; the
		// example each holds is the best of the profiles scanned before,
		// and the scan of the profiles found keeps the best of all.
		if sc, err = e.scan(ctx, sp, from, sc, pairs, asts); err != nil {
			return nil, err
		}
	}
	n := len(sp.profiles)
	matches := sc.matches
	a := &Analysis{
		DeadRules:        []RuleFinding{},
		NeverRecommended: []MovementFinding{},
		AlwaysTrue:       []RuleFinding{},
		Redundant:        []Redundancy{},
		Conflicts:        []AnalysisConflict{},
		Gaps:             []Gap{},

		FlagsReferredInCombination: []string{},
		ConditionsChangingNothing:  []string{},
	}
	for ri := range e.rules {
		switch c := matches[ri].count(); {
		case c == 0:
			a.DeadRules = append(a.DeadRules, e.ruleFinding(ri))
		case c == n && strings.TrimSpace(e.rules[ri].when) != "true":
			a.AlwaysTrue = append(a.AlwaysTrue, e.ruleFinding(ri))
		}
	}
	for mi := range e.movements {
		if sc.first[scanRecommended][mi] >= 0 {
			continue
		}
		by := []string{}
		for ri := range e.rules {
			if slices.Contains(e.rules[ri].effects[effectRecommend], mi) {
				by = append(by, e.rules[ri].id)
			}
		}
		a.NeverRecommended = append(a.NeverRecommended, MovementFinding{Movement: e.movements[mi].id, RecommendedBy: by})
	}
	a.Redundant = e.redundant(matches)
	for _, p := range pairs {
		if p.example >= 0 {
			a.Conflicts = append(a.Conflicts, e.analysisConflict(p, sp.profiles[p.example]))
		}
	}
	gaps, combined, unchanged, err := e.gaps(sp, sc.referred)
	if err != nil {
		return nil, err
	}
	a.Gaps, a.FlagsReferredInCombination, a.ConditionsChangingNothing = gaps, combined, unchanged
	if cfg.cases != nil {
		cov, err := e.clauseCoverage(ctx, cfg.cases, asts)
		if err != nil {
			return nil, err
		}
		a.Coverage = cov
	}
	a.Summary = AnalysisSummary{
		Profiles: n, Rules: len(e.rules), Movements: len(e.movements),
		Findings: map[string]int{
			"dead_rules":                    len(a.DeadRules),
			"never_recommended":             len(a.NeverRecommended),
			"always_true":                   len(a.AlwaysTrue),
			"redundant":                     len(a.Redundant),
			"conflicts":                     len(a.Conflicts),
			"gaps":                          len(a.Gaps),
			"flags_referred_in_combination": len(a.FlagsReferredInCombination),
			"conditions_changing_nothing":   len(a.ConditionsChangingNothing),
		},
		Boundaries:       sp.boundaries,
		ConditionSetSize: sp.conditionSetSize, RedFlagSetSize: sp.flagSetSize, Truncated: sp.truncated,
	}
	if a.Coverage != nil {
		a.Summary.Findings["uncovered_clauses"] = len(a.Coverage.Uncovered)
	}
	for _, c := range a.Conflicts {
		if !c.Resolved {
			a.Summary.UnresolvedConflicts++
		}
	}
	a.Summary.Elapsed = time.Since(start)
	return a, nil
}

// scanBlock is how many consecutive profiles one worker takes at a time:
// one word of a bitset, so that no two workers write the same word.
const scanBlock = 64

// The outcomes scan records for each movement, with the first profile
// that gets it: recommended (equipment aside: a movement that needs
// equipment counts as recommended, as the analysis takes equipment to be
// at hand), avoided, and withheld.
const (
	scanRecommended = iota
	scanAvoided
	scanWithheld
	numScanOutcomes
)

// scanOutcome maps the resolve stage's outcome to scan's, or -1.
func scanOutcome(o Outcome) int {
	switch o {
	case OutcomeRecommended, OutcomeNeedsEquipment:
		return scanRecommended
	case OutcomeAvoided:
		return scanAvoided
	case OutcomeWithheld:
		return scanWithheld
	}
	return -1
}

// scan evaluates every rule for every profile of sp and resolves the
// matches with the safety policy, as Recommend does, on as many
// goroutines as GOMAXPROCS allows. It returns the profiles each rule
// matches and the first profile that gets each movement recommended,
// avoided or withheld, and it sets the example of each pair of pairs: its
// smallest profile, the first of those in order.
//
// With prev, the scan of the space's first from profiles, scan evaluates
// only the profiles added since and returns prev's findings with theirs.
func (e *Engine) scan(ctx context.Context, sp *space, from int, prev *scanResult, pairs []conflictPair, asts []*ast.AST) (*scanResult, error) {
	n := len(sp.profiles)
	matches := make([]bitset, len(e.rules))
	for ri := range matches {
		matches[ri] = newBitset(n)
		if prev != nil {
			copy(matches[ri], prev.matches[ri])
		}
	}
	if prev == nil {
		from = 0
	}
	// Blocks start at a word of the bitsets, so that no two workers
	// write the same word; the word from falls in holds prev's bits below
	// it, copied above.
	base := from &^ (scanBlock - 1)
	flagReferrals := e.flagReferrals(asts)
	workers := max(1, min(runtime.GOMAXPROCS(0), (n-base+scanBlock-1)/scanBlock))
	type result struct {
		first    [numScanOutcomes][]int // by movement: a profile index, or -1
		referred []bool                 // by red flag index
		examples []int
		err      error
	}
	results := make([]result, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[w]
			for o := range res.first {
				res.first[o] = make([]int, len(e.movements))
				for mi := range res.first[o] {
					res.first[o][mi] = -1
				}
			}
			res.referred = make([]bool, len(e.vocab[fieldRedFlags].entries))
			res.examples = make([]int, len(pairs))
			for i := range res.examples {
				res.examples[i] = -1
			}
			d := e.newDecisions()
			for b := base + w*scanBlock; b < n; b += workers * scanBlock {
				if err := ctx.Err(); err != nil {
					res.err = fmt.Errorf("analyze: %w", err)
					return
				}
				for pi := max(b, from); pi < min(b+scanBlock, n); pi++ {
					p := &sp.profiles[pi]
					if err := e.evaluateInto(context.Background(), p, d.matched); err != nil {
						res.err = fmt.Errorf("analyze: %w", err)
						return
					}
					e.resolveInto(d, p)
					matched := d.matched
					for ri, m := range matched {
						if m {
							matches[ri].set(pi)
						}
					}
					withheld := len(d.withholding) > 0
					for _, f := range sp.profiles[pi].RedFlags {
						fi := e.vocab[fieldRedFlags].index(f)
						for _, ri := range flagReferrals[fi] {
							res.referred[fi] = res.referred[fi] || matched[ri]
						}
					}
					for mi := range d.movements {
						if o := scanOutcome(d.movements[mi].outcome); o >= 0 && res.first[o][mi] < 0 {
							res.first[o][mi] = pi
						}
					}
					for i := range pairs {
						p := &pairs[i]
						if !matched[p.rec] || !matched[p.against] || (p.eff == effectCaution && withheld) {
							continue
						}
						if ex := res.examples[i]; ex < 0 || sp.size[pi] < sp.size[ex] {
							res.examples[i] = pi
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	out := &scanResult{
		matches:  matches,
		referred: make([]bool, len(e.vocab[fieldRedFlags].entries)),
	}
	for o := range out.first {
		out.first[o] = make([]int, len(e.movements))
		for mi := range out.first[o] {
			out.first[o][mi] = -1
			if prev != nil {
				out.first[o][mi] = prev.first[o][mi]
			}
		}
	}
	if prev != nil {
		copy(out.referred, prev.referred)
	}
	for _, res := range results {
		if res.err != nil {
			return nil, res.err
		}
		for o := range res.first {
			for mi, pi := range res.first[o] {
				if pi >= 0 && (out.first[o][mi] < 0 || pi < out.first[o][mi]) {
					out.first[o][mi] = pi
				}
			}
		}
		for fi, r := range res.referred {
			out.referred[fi] = out.referred[fi] || r
		}
		for i, ex := range res.examples {
			best := pairs[i].example
			if ex >= 0 && (best < 0 || sp.size[ex] < sp.size[best] || (sp.size[ex] == sp.size[best] && ex < best)) {
				pairs[i].example = ex
			}
		}
	}
	return out, nil
}

// flagReferrals returns, for each red flag, the referral rules whose
// condition, of asts (conditionASTs), names it: the rules that can refer
// because of it.
func (e *Engine) flagReferrals(asts []*ast.AST) [][]int {
	out := make([][]int, len(e.vocab[fieldRedFlags].entries))
	for ri, checked := range asts {
		if e.rules[ri].refer == nil || checked == nil {
			continue
		}
		for _, lit := range stringLiterals(checked) {
			if fi := e.vocab[fieldRedFlags].index(lit); fi >= 0 && !slices.Contains(out[fi], ri) {
				out[fi] = append(out[fi], ri)
			}
		}
	}
	return out
}

// scanResult is what scan found.
type scanResult struct {
	// matches are the profiles each rule matches.
	matches []bitset
	// first holds, for each outcome (scanRecommended, scanAvoided,
	// scanWithheld) and each movement, the index of the first profile
	// that gets the movement with that outcome, or -1 when none does.
	first [numScanOutcomes][]int
	// referred marks the red flags that some profile holding them gets a
	// referral for, from a rule whose condition names the flag.
	referred []bool
}

// maxWitnessRounds bounds how many times Analyze looks for witnesses and
// explores again: each round's profiles can only refute more of the
// findings the round before gave (a rule said to cover another), and a
// round finds nothing new once the findings stand.
const maxWitnessRounds = 4

// witnesses looks, with witness, for the profiles the scan sc of the space
// of n profiles lacks: one for each rule it never matched, one for each
// rule it always matched that is not written as the literal true, where
// it does not match, one for each pair of pairs it
// never saw both match (for a caution, with advice not withheld), and one
// for each redundancy it reports (see redundant) where the redundant rule
// matches and the rule said to cover it does not, and for two rules said
// to be equivalent, one the other way round too. It returns those found.
// asked holds the questions asked before, which it skips and adds to: a
// question that found no profile finds none the next time.
func (e *Engine) witnesses(ctx context.Context, asts []*ast.AST, n int, sc *scanResult, pairs []conflictPair, asked map[[3]int]bool) ([]Profile, error) {
	var found []Profile
	look := func(q [3]int, checked []*ast.AST, want func(d *decisions) bool) error {
		if asked[q] {
			return nil
		}
		asked[q] = true
		p, ok, err := e.witness(ctx, checked, want)
		if ok {
			found = append(found, p)
		}
		return err
	}
	for ri := range e.rules {
		switch c := sc.matches[ri].count(); {
		case c == 0:
			if err := look([3]int{-1, ri, ri}, asts[ri:ri+1], func(d *decisions) bool { return d.matched[ri] }); err != nil {
				return nil, err
			}
		case c == n && strings.TrimSpace(e.rules[ri].when) != "true":
			if err := look([3]int{-3, ri, ri}, asts[ri:ri+1], func(d *decisions) bool { return !d.matched[ri] }); err != nil {
				return nil, err
			}
		}
	}
	for _, pr := range pairs {
		if pr.example >= 0 || pr.rec == pr.against {
			continue
		}
		if err := look([3]int{pr.eff, pr.rec, pr.against}, []*ast.AST{asts[pr.rec], asts[pr.against]}, func(d *decisions) bool {
			return d.matched[pr.rec] && d.matched[pr.against] && (pr.eff != effectCaution || len(d.withholding) == 0)
		}); err != nil {
			return nil, err
		}
	}
	byID := make(map[string]int, len(e.rules))
	for ri := range e.rules {
		byID[e.rules[ri].id] = ri
	}
	for _, r := range e.redundant(sc.matches) {
		ri, oi := byID[r.Rule], byID[r.CoveredBy]
		checked := []*ast.AST{asts[ri], asts[oi]}
		escapes := func(a, b int) func(d *decisions) bool {
			return func(d *decisions) bool { return d.matched[a] && !d.matched[b] }
		}
		if err := look([3]int{-2, ri, oi}, checked, escapes(ri, oi)); err != nil {
			return nil, err
		}
		if r.Equivalent {
			if err := look([3]int{-2, oi, ri}, checked, escapes(oi, ri)); err != nil {
				return nil, err
			}
		}
	}
	return found, nil
}

// conflictPairs returns every pair of a recommending rule and a rule that
// avoids or cautions against one of its movements, in rule order.
func (e *Engine) conflictPairs() []conflictPair {
	var out []conflictPair
	for ri := range e.rules {
		rec := e.rules[ri].effects[effectRecommend]
		if len(rec) == 0 {
			continue
		}
		for ai := range e.rules {
			for _, eff := range []int{effectAvoid, effectCaution} {
				var common []int
				for _, mi := range e.rules[ai].effects[eff] {
					if _, ok := slices.BinarySearch(rec, mi); ok {
						common = append(common, mi)
					}
				}
				if len(common) > 0 {
					out = append(out, conflictPair{rec: ri, against: ai, eff: eff, movements: common, example: -1})
				}
			}
		}
	}
	return out
}

// Evidence classes of source kinds, for labelling conflicts.
var (
	guidelineKinds = sourceKindIDs("evidence")
	articleKinds   = sourceKindIDs("article")
)

// sourceKindsOf returns the kinds of the sources rule ri cites on one
// side of a conflict, strongest first: those whose citations advise
// against or care (position against or caution) when against is true,
// those that support (position supports) otherwise. Background citations
// take no side.
func (e *Engine) sourceKindsOf(ri int, against bool) []string {
	onSide := func(c Citation) bool {
		if against {
			return c.Position() == PositionAgainst || c.Position() == PositionCaution
		}
		return c.Position() == PositionSupports
	}
	out := []string{}
	for _, k := range sourceKinds {
		for _, ci := range e.rules[ri].cites {
			if c := e.citations[ci]; c.Kind() == k && onSide(c) {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// onlyIn reports whether every kind is in class, and there is one.
func onlyIn(kinds, class []string) bool {
	if len(kinds) == 0 {
		return false
	}
	for _, k := range kinds {
		if !slices.Contains(class, k) {
			return false
		}
	}
	return true
}

func anyIn(kinds, class []string) bool {
	return slices.ContainsFunc(kinds, func(k string) bool { return slices.Contains(class, k) })
}

// analysisConflict describes pair p with its example profile. The safety
// policy settles a pair of two rules by itself, an avoid by dropping the
// movement and a caution by keeping it with the caution attached; it
// cannot settle a rule that disagrees with itself, recommending a movement
// it also avoids or cautions against, so an author must decide that one.
// An avoid that drops a movement which a guideline, systematic review or
// trial recommends, on the word of articles or personal accounts alone, is
// settled but marked for a clinician's review.
func (e *Engine) analysisConflict(p conflictPair, example Profile) AnalysisConflict {
	c := AnalysisConflict{
		Recommend: e.rules[p.rec].id, Against: e.rules[p.against].id,
		Effect: effectKinds[p.eff], Movements: make([]string, len(p.movements)),
		Resolution: ResolutionCautioned, Resolved: true,
		ForKinds: e.sourceKindsOf(p.rec, false), AgainstKinds: e.sourceKindsOf(p.against, true),
		Example: example,
	}
	if p.eff == effectAvoid {
		c.Resolution = ResolutionAvoided
	}
	for i, mi := range p.movements {
		c.Movements[i] = e.movements[mi].id
	}
	switch {
	case anyIn(c.ForKinds, guidelineKinds) && onlyIn(c.AgainstKinds, articleKinds):
		c.GuidelineVsArticle = "guideline_for"
	case anyIn(c.AgainstKinds, guidelineKinds) && onlyIn(c.ForKinds, articleKinds):
		c.GuidelineVsArticle = "guideline_against"
	}
	switch {
	case p.rec == p.against:
		c.Resolved = false
		c.Reason = fmt.Sprintf("the rule both recommends and %ss the same movements: an author must decide which it means", c.Effect)
	case p.eff == effectAvoid && c.GuidelineVsArticle == "guideline_for":
		c.Review = true
		c.Reason = "the avoid drops advice a guideline backs on the word of articles alone: worth a clinician's review"
	}
	return c
}

// effectKey describes everything a rule does when it matches, so that
// rules with the same key have the same effects.
func (e *Engine) effectKey(ri int) string {
	r := &e.rules[ri]
	var b strings.Builder
	for eff := range numEffects {
		fmt.Fprintf(&b, "%d:%v;", eff, r.effects[eff])
	}
	if r.refer != nil {
		fmt.Fprintf(&b, "refer:%s:%t:%q;", r.refer.urgency, r.refer.withhold, r.refer.message)
	}
	if r.say != nil {
		fmt.Fprintf(&b, "say:%s:%q;", r.say.kind, r.say.text)
	}
	return b.String()
}

// redundant finds the rules whose matches are a subset of another rule's
// with the same effects. Dead rules are reported as dead, not here.
func (e *Engine) redundant(matches []bitset) []Redundancy {
	out := []Redundancy{}
	keys := make([]string, len(e.rules))
	for ri := range e.rules {
		keys[ri] = e.effectKey(ri)
	}
	for ri := range e.rules {
		if matches[ri].count() == 0 {
			continue
		}
		for oi := range e.rules {
			if oi == ri || keys[oi] != keys[ri] || !matches[ri].subsetOf(matches[oi]) {
				continue
			}
			equal := matches[oi].subsetOf(matches[ri])
			if equal && oi > ri {
				// The later of two equivalent rules is the redundant one.
				continue
			}
			r := &e.rules[ri]
			out = append(out, Redundancy{Rule: r.id, File: r.pos.File, Line: r.pos.Line, CoveredBy: e.rules[oi].id, Equivalent: equal})
			break
		}
	}
	return out
}

// gaps checks the condition sets of the space alone (no_advice), each red
// flag (red_flag_without_referral when no explored profile with it gets a
// referral from a rule whose condition names it, and the flag alone gets
// none from any rule the empty profile does not match, such as one that
// refers for any red flag; listed in the second result when only profiles
// that add something to it do) and each condition alone (condition_without_avoid;
// listed in the third result when it matches the same rules as the empty
// profile). As in the rest of the analysis, a movement's equipment is
// taken to be at hand.
func (e *Engine) gaps(sp *space, referred []bool) ([]Gap, []string, []string, error) {
	out, combined, unchanged := []Gap{}, []string{}, []string{}
	eval := func(p *Profile) ([]bool, error) {
		m, err := e.evaluate(context.Background(), p)
		if err != nil {
			return nil, fmt.Errorf("analyze: %w", err)
		}
		return m, nil
	}
	for _, cs := range sp.conditionSets {
		p := Profile{Conditions: cs}
		m, err := eval(&p)
		if err != nil {
			return nil, nil, nil, err
		}
		advice := false
		for ri, ok := range m {
			if ok && (e.rules[ri].refer != nil || len(e.rules[ri].effects[effectRecommend]) > 0) {
				advice = true
				break
			}
		}
		if !advice {
			out = append(out, Gap{Kind: GapKindNoAdvice, Profile: p})
		}
	}
	empty, err := eval(&Profile{})
	if err != nil {
		return nil, nil, nil, err
	}
	for fi, f := range e.vocab[fieldRedFlags].entries {
		p := Profile{RedFlags: []string{f.id}}
		m, err := eval(&p)
		if err != nil {
			return nil, nil, nil, err
		}
		// A referral the flag alone gets, from a rule the empty profile
		// does not match, is the flag's, whether or not the rule's
		// condition names it (a rule that refers for any red flag).
		alone := false
		for ri, ok := range m {
			alone = alone || (ok && !empty[ri] && e.rules[ri].refer != nil)
		}
		switch {
		case !referred[fi] && !alone:
			out = append(out, Gap{Kind: GapKindFlagNoReferral, Profile: p})
		case !alone:
			combined = append(combined, f.id)
		}
	}
	for _, c := range e.vocab[fieldConditions].entries {
		p := Profile{Conditions: []string{c.id}}
		m, err := eval(&p)
		if err != nil {
			return nil, nil, nil, err
		}
		if slices.Equal(m, empty) {
			unchanged = append(unchanged, c.id)
		}
		avoids := false
		for ri, ok := range m {
			avoids = avoids || (ok && len(e.rules[ri].effects[effectAvoid]) > 0)
		}
		if !avoids {
			out = append(out, Gap{Kind: GapKindNothingToAvoid, Profile: p})
		}
	}
	return out, combined, unchanged, nil
}
