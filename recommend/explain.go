package recommend

// Explaining one result, its types and entry points: why a movement was
// recommended, avoided, left out or withheld, and why each rule that names
// it did or did not match; and the same for the referrals. An Explainer is
// made from one evaluation, into the decision record that Recommend uses
// (resolve.go), so it cannot disagree with the Result, and it answers
// every question about that profile. How a rule's clauses are found is in
// explain_why.go.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/words"
)

// ErrUnknownMovement is matched by the error Explain, and MovementSVG,
// return for a movement id the rule set does not declare.
var ErrUnknownMovement = errors.New("unknown movement")

// Outcome is what the safety policy decided for one movement.
type Outcome string

// The outcomes of a movement.
const (
	// OutcomeRecommended: the movement is recommended, perhaps with
	// cautions, and perhaps in the plan.
	OutcomeRecommended Outcome = "recommended"
	// OutcomeAvoided: a matched rule avoids it; an avoid always wins.
	OutcomeAvoided Outcome = "avoided"
	// OutcomeNeedsEquipment: it would be recommended, but the profile
	// lacks equipment it needs.
	OutcomeNeedsEquipment Outcome = "needs_equipment"
	// OutcomeWithheld: it would be recommended, or would wait for
	// equipment, but a referral withholds all movement advice.
	OutcomeWithheld Outcome = "withheld"
	// OutcomeNotAdvised: no matched rule recommends or avoids it.
	OutcomeNotAdvised Outcome = "not_advised"
)

// Explanation says why one movement has the outcome it has for one
// profile. Every list is in rule order and never nil.
type Explanation struct {
	// Movement is the movement id, Name what people call it and Kind its
	// kind.
	Movement string `json:"movement"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	// Outcome is what the safety policy decided, the same decision the
	// Result of Recommend holds for the movement. A recommended movement
	// is in the plan when PlanStep is not 0, and cautioned when Cautions
	// is not empty.
	Outcome Outcome `json:"outcome"`
	// Summary says the outcome and its cause in one or two sentences.
	Summary string `json:"summary"`
	// PlanStep is the movement's place in Result.Plan, 1 first, or 0 when
	// it is not in the plan.
	PlanStep int `json:"plan_step,omitempty"`
	// Cautions are the cautions attached to a recommended movement, as
	// in its Result item.
	Cautions []Note `json:"cautions"`
	// Missing is the equipment the movement needs and the profile lacks,
	// when the outcome is OutcomeNeedsEquipment or OutcomeWithheld.
	Missing []Term `json:"missing"`
	// WithheldBy are the ids of the matched referral rules that withhold
	// movement advice, whenever they do: the outcome is then
	// OutcomeWithheld for a movement that would be recommended, and the
	// others keep their outcome, with the advice withheld all the same.
	WithheldBy []string `json:"withheld_by"`
	// Rules are the rules that name the movement, directly, by tag or by
	// kind, matched or not.
	Rules []RuleExplanation `json:"rules"`
	// Programme, when the profile has check-ins and the programme has the
	// movement, is its step this week: its change, why, and the check-in
	// facts that decided it, in words.
	Programme *Step `json:"programme,omitempty"`
	// RuleSet identifies the rule set, as in a Result.
	RuleSet RuleSet `json:"rule_set"`
}

// ReferralExplanation says why each referral rule did or did not match
// one profile.
type ReferralExplanation struct {
	// Withheld is true when a matched referral withholds movement advice,
	// as Result.Withheld.
	Withheld bool `json:"withheld"`
	// Summary says in one sentence what the referrals come to.
	Summary string `json:"summary"`
	// Rules are every rule with a referral, matched or not, in rule order.
	Rules []RuleExplanation `json:"rules"`
	// Reviews are, for a profile with check-ins whose advice is not
	// withheld, every progression rule with a review, matched or not, in
	// rule order, with the check-in facts it reads; nil otherwise.
	Reviews []ReviewExplanation `json:"reviews,omitempty"`
	// RuleSet identifies the rule set, as in a Result.
	RuleSet RuleSet `json:"rule_set"`
}

// RuleExplanation is one rule of an explanation: what it does, whether it
// matched, and which clauses of its condition decided that. It is a small
// read-only view, to copy freely: what it shows is made once for what the
// rule's condition reads of the profile (the values of its fields, or of
// a list only whether it holds the ids the condition asks about), and
// shared by every explanation of the rule, of any Explainer of the Engine,
// for a profile that gives the same; a clause of a list shows the
// explained profile's list, and a clause of a number the explained
// profile's number. Its methods return copies of its lists:
// changing what they return changes no explanation. It encodes to JSON as
// an object of the fields its methods name, and go-cmp compares two by
// their Equal method. The zero RuleExplanation explains no rule: its
// methods return zero values.
type RuleExplanation struct {
	w *ruleWhy
	// p is the Explainer's profile, whose lists the clauses show.
	p *Profile
	// rule is the rule's index, and effects the whyIndex effect list of
	// its effects that name the movement, plus one, or 0 in a referral
	// explanation.
	rule, effects int32
}

// NamingEffect is an effect of a rule that names a movement.
type NamingEffect struct {
	// Kind says what the effect does to the movement.
	Kind EffectKind `json:"kind"`
	// SelectedBy says how the effect's selector names the movement: "movement"
	// for its id, "tag NAME" for a tag, "kind NAME" for its kind.
	SelectedBy []string `json:"selected_by"`
	// Because is the reason the effect gives on the movement.
	Because string `json:"because"`
}

// ClauseExplanation is one part of a rule's condition and what it gave.
type ClauseExplanation struct {
	// Text is the clause as written in the condition, on one line.
	Text string `json:"text"`
	// Value is what the clause gave for the profile.
	Value bool `json:"value"`
	// Says is what the clause found, in plain words, with vocabulary
	// labels: "you did not report sciatica (pain running down the leg)".
	Says string `json:"says"`
	// Field is the profile field the clause reads, or "" when it reads
	// several or none, and Values the profile's values of that field:
	// ids for a list, the number for a number.
	Field  string   `json:"field,omitempty"`
	Values []string `json:"values"`
}

// Explainer answers why, for one profile: why each movement has its
// outcome, and why each referral rule matched or not. It is made from one
// evaluation of every rule, the same as Recommend's, so its answers agree
// with the Result it holds, and any number of questions cost no further
// evaluation. What a rule's explanation shows (its summary and the
// clauses that decided it) is found from its condition's direct checks
// or, for a condition without them, by running it again with its
// evaluation state tracked (a program built on the first explanation
// that needs it); and
// the Engine keeps what it found, about 4 MiB at most, for the next
// Explainer whose profile gives the condition the same (see
// RuleExplanation), once it saw the values the condition reads before;
// and, for a condition that reads numbers, about 512 KiB more at most,
// for the next whose numbers give its clauses the same values, with its
// own numbers in the words, once it saw such numbers before.
// Make one with Engine.NewExplainer.
//
// An Explainer is safe for concurrent use. Its answers share nothing a
// caller can change with one another, the Engine, another Explainer or a
// Result of Recommend: a RuleExplanation is a read-only view whose
// methods return copies, and the lists of an answer are its own.
type Explainer struct {
	e *Engine
	// p is the profile, kept in profile.
	p       *Profile
	profile Profile
	act     *activation
	// rec is the Explainer's copy of what it reads of the decision
	// record (decisions.explained), kept in the Explainer so that it is
	// not an allocation of its own.
	rec record
	res *Result
	// withheldBy are the ids of the rules that withhold movement advice,
	// or nil; each answer's WithheldBy is a copy.
	withheldBy []string

	mu sync.Mutex
	// own holds, by rule, what explaining a rule found that the Engine
	// does not keep (Explainer.why), made on first use; found holds, by
	// plan (whyPlan.ord), what the Explainer found for each condition,
	// or nil.
	own   map[int]*ruleWhy
	found []*ruleWhy
	// held holds, by slot, whether the profile's lists hold any of the
	// ids the slot's conditions ask about, once found (holdsNone): 0 not
	// yet, 1 none, 2 some.
	held []uint8
	// prof is the Engine's whyProfile of the profile's values, and key
	// the bytes of the last values looked up (Explainer.table).
	prof *whyProfile
	key  []byte
	// lists is, for values the cache saw for the first time (unseen),
	// the Engine's whyProfile of the values but the numbers, or nil
	// (whyCache.listsProfile).
	lists *whyProfile
	// answers are the Explanations the Explainer returns, each cut from
	// it (answer), and nAnswers how many were; views holds the answers'
	// Rules, nViews how many were cut; pg is what the Result's page asks
	// for, which sizes them (page), or nil before it is needed.
	answers          []Explanation
	views            []RuleExplanation
	nAnswers, nViews int32
	pg               *pageSize
	// text holds the answers' summaries (keep) and the walks' (keepWhy).
	text textArena
	// unpaid are the bytes of the last chunk of each slab the walks'
	// explanations are cut from (slabWhys ...), by slab, while the
	// Engine's cache keeps nothing of it and has not counted it (pay).
	// unseen is true when the Engine keeps no whyProfile of the
	// profile's values, as they are seen for the first time: prof is
	// then the Explainer's own (Explainer.table).
	unpaid [numSlabs]int32
	unseen bool
	// whys, whyClauses and whyVals are the slabs that the walks'
	// explanations are cut from (newRuleWhy).
	whys       []ruleWhy
	whyClauses []whyClause
	whyVals    []string
	// memo, says, spans and vals are the walk's memo of node values, its
	// summary as written, its clauses' places in it and nodes, and their
	// single values (whyRun), and clauses its clauses when there are
	// more than it writes on the stack (walkClauses): made on first use
	// and reused.
	memo    []uint8
	says    []byte
	spans   []int
	vals    []string
	clauses []ClauseExplanation
	// holes are the walk's holes (whyRun.holes), ckey the key of the
	// last class looked up (classKey), and nums the profile's numbers
	// in words, once written (number).
	holes []int32
	ckey  []byte
	nums  *[len(numberFields)]numberWords
}

// NewExplainer evaluates every rule for profile p, as Recommend does, and
// returns an Explainer of the outcome. It checks p and fails as Recommend
// fails: for an invalid profile, or when a rule fails, or ctx is done,
// before every rule has run, it returns a nil *Explainer and a
// *PartialError whose Result holds the referrals (of what can be read of
// an invalid profile, whose *ProfileError the PartialError wraps). A nil
// ctx or a nil *Engine is an error.
func (e *Engine) NewExplainer(ctx context.Context, p Profile) (*Explainer, error) {
	return e.newExplainer(ctx, p, nil)
}

// newExplainer checks the inputs as Recommend does, with check run before
// the profile, and returns the Explainer of p's decision record, or a
// *PartialError as Recommend does.
func (e *Engine) newExplainer(ctx context.Context, p Profile, check func() error) (*Explainer, error) {
	if err := e.unusable(); err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, errNilExplainContext
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, err
		}
	}
	// The profile is kept in the Explainer, so that it is not copied to
	// the heap on its own.
	x := &Explainer{e: e, profile: p}
	pp := &x.profile
	// The evaluation works in a reused decision record, as Recommend's
	// does; the Explainer keeps a copy of what it reads of it.
	d := e.getDecisions()
	defer e.putDecisions(d)
	res, err := e.advise(ctx, d, pp)
	if err != nil {
		return nil, err
	}
	d.explained(&x.rec)
	x.p, x.res = pp, res
	ownLists(pp)
	if len(x.rec.withholding) > 0 || x.rec.floorWithhold {
		x.withheldBy = e.withholdingIDs(&x.rec)
	}
	return x, nil
}

// ownLists gives p lists of its own, cut, capped, from one allocation,
// so that the explanations made later do not change when the caller
// changes the lists of the profile it passed.
func ownLists(p *Profile) {
	lists := [numListFields]*[]string{&p.Conditions, &p.RedFlags, &p.AggravatedBy, &p.EasedBy, &p.Equipment}
	n := 0
	for _, l := range lists {
		n += len(*l)
	}
	slab := make([]string, 0, n)
	for _, l := range lists {
		if len(*l) > 0 {
			start := len(slab)
			slab = append(slab, *l...)
			*l = slab[start:len(slab):len(slab)]
		}
	}
}

var (
	errNilExplainContext = errors.New("explain: nil context: pass context.Background() or a request's context")
	errNoExplainer       = errors.New("explain: nil or zero *Explainer: create one with Engine.NewExplainer")
)

// usable returns an error when x is nil or was not made by
// Engine.NewExplainer, whose answers it would otherwise dereference.
func (x *Explainer) usable() error {
	if x == nil || x.e == nil || x.res == nil {
		return errNoExplainer
	}
	return nil
}

// Result returns the Result of the evaluation the Explainer explains: the
// Result Recommend gives for the profile. Every call returns the same
// Result: treat it as read-only. A nil or zero Explainer has none (nil).
func (x *Explainer) Result() *Result {
	if x == nil {
		return nil
	}
	return x.res
}

// movementIndex returns the index of movement id, or an error matching
// ErrUnknownMovement, with a did-you-mean (see suggestMovement).
func (e *Engine) movementIndex(id string) (int, error) {
	if i := e.movementIdx(id); i >= 0 {
		return i, nil
	}
	return -1, &explainError{fmt.Errorf("explain: %w %q%s", ErrUnknownMovement, id, e.suggestMovement(id))}
}

// Explain says why the movement with id movement has its outcome for
// profile p: the outcome, each rule that names the movement (directly, by
// tag or by kind) with whether it matched and why, and each rule's reason
// and citations. The outcome comes from the same decision record as the
// Result of Recommend, so the two always agree.
//
// Explain checks the movement id (an unknown id is an error matching
// ErrUnknownMovement, with a did-you-mean), then p. It evaluates every
// rule as Recommend does, and fails as Recommend fails: for an invalid
// profile (a *PartialError that wraps its *ProfileError), or when a rule
// fails, or ctx is done, before every rule has run, it returns a nil
// *Explanation and a *PartialError whose Result holds the referrals. It then finds the clauses of the rules it explains
// (see Explainer): explaining costs more than recommending, and only
// Explain pays for it. A nil ctx or a nil
// *Engine is an error. To explain several movements of one profile, make
// one Explainer (NewExplainer) and ask it each.
func (e *Engine) Explain(ctx context.Context, p Profile, movement string) (*Explanation, error) {
	x, err := e.newExplainer(ctx, p, func() error {
		_, err := e.movementIndex(movement)
		return err
	})
	if err != nil {
		return nil, err
	}
	return x.Explain(ctx, movement)
}

// Explain says why the movement with id movement has its outcome for the
// Explainer's profile, as Engine.Explain does, from the Explainer's
// evaluation. An unknown id is an error matching ErrUnknownMovement. ctx
// bounds the conditions run again with their state tracked; when it is
// done, a rule whose clauses the engine has not kept shows its whole
// condition as its one clause, in this answer and in the Explainer's
// later ones. A nil ctx is an error.
func (x *Explainer) Explain(ctx context.Context, movement string) (*Explanation, error) {
	if err := x.usable(); err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, errNilExplainContext
	}
	e, d := x.e, &x.rec
	mi, err := e.movementIndex(movement)
	if err != nil {
		return nil, err
	}
	m := &e.movements[mi]
	kept := d.decision(mi)
	dm := &kept
	x.mu.Lock()
	defer x.mu.Unlock()
	// The answer is zero: its fields are set one by one, which costs
	// fewer write barriers than setting it whole.
	ex := x.answer()
	ex.Movement, ex.Name, ex.Kind, ex.RuleSet = m.id, m.name, m.kind, e.ruleSet
	ex.Cautions, ex.Missing, ex.WithheldBy = []Note{}, []Term{}, []string{}
	ex.Outcome = dm.outcome
	switch dm.outcome {
	case OutcomeRecommended:
		if cs := d.rules(dm, effectCaution); len(cs) > 0 {
			ex.Cautions = make([]Note, len(cs))
			for i, ri := range cs {
				ex.Cautions[i] = e.hot[ri].notes[effectCaution]
			}
		}
		for i, s := range x.res.Plan {
			if s.Movement == m.id {
				ex.PlanStep = i + 1
			}
		}
	}
	if len(x.withheldBy) > 0 {
		ex.WithheldBy = slices.Clone(x.withheldBy)
	}
	if dm.outcome == OutcomeNeedsEquipment || dm.outcome == OutcomeWithheld {
		if len(dm.missing) > 0 {
			ex.Missing = make([]Term, 0, len(dm.missing))
		}
		for _, eq := range dm.missing {
			en := e.vocab[fieldEquipment].entries[eq]
			ex.Missing = append(ex.Missing, Term{ID: en.id, Label: en.label})
		}
	}
	// The summary is written on the stack, and kept in the Engine's
	// summaryCache, which most often has it.
	var buf [summaryBytes]byte
	says := e.appendOutcomeSummary(buf[:0], ex, d, dm)
	ex.Summary = notAdvised
	if string(says) != notAdvised {
		ex.Summary = x.keepSummary(says)
	}
	if pg := x.res.Programme; pg != nil {
		for _, st := range pg.Steps {
			if st.Movement == m.id {
				st.Facts = append([]string(nil), st.Facts...)
				st.Citations = append([]Citation{}, st.Citations...)
				ex.Programme = &st
			}
		}
	}

	wm := e.whyMovement(mi)
	ex.Rules = x.movementRules(ctx, wm)
	return ex, nil
}

// answer returns a new Explanation, zero, cut from x.answers: the first
// is an allocation of its own, the second one holds the rest of the
// page's answers, and each later one as many as were made before, and no
// more than the movements not yet explained, if each is asked once
// (slabSize). It is called with x.mu held.
func (x *Explainer) answer() *Explanation {
	if len(x.answers) == cap(x.answers) {
		size := 1
		if x.nAnswers > 0 {
			size = slabSize(int(x.nAnswers), x.page().answers, len(x.e.movements))
		}
		x.answers = make([]Explanation, 0, size)
	}
	x.nAnswers++
	x.answers = x.answers[:len(x.answers)+1]
	return &x.answers[len(x.answers)-1]
}

// ExplainReferrals says why each rule with a referral did or did not
// match profile p, with its urgency, message and whether it withholds
// movement advice, in rule order. It checks its inputs and fails as
// Explain does; it needs no movement.
func (e *Engine) ExplainReferrals(ctx context.Context, p Profile) (*ReferralExplanation, error) {
	x, err := e.newExplainer(ctx, p, nil)
	if err != nil {
		return nil, err
	}
	return x.Referrals(ctx)
}

// Referrals says why each rule with a referral did or did not match the
// Explainer's profile, as Engine.ExplainReferrals does, from the
// Explainer's evaluation. ctx is used as by Explain; a nil ctx is an
// error.
func (x *Explainer) Referrals(ctx context.Context) (*ReferralExplanation, error) {
	if err := x.usable(); err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, errNilExplainContext
	}
	e, d, res := x.e, &x.rec, x.res
	rx := &ReferralExplanation{Withheld: res.Withheld, RuleSet: e.ruleSet}
	referring := e.whyIndex().referring
	rx.Rules = x.referralRules(ctx, referring)
	if res.Programme != nil {
		var err error
		if rx.Reviews, err = e.reviews(x.p.CheckIns, x.p.PainLevel); err != nil {
			return nil, err
		}
	}
	switch {
	case len(res.Referrals) == 0:
		rx.Summary = "No referral applies to this profile."
	case res.Withheld:
		rx.Summary = fmt.Sprintf("The most urgent referral is %s, and movement advice is withheld until a clinician has assessed you, because of: %s.",
			res.Referrals[0].Urgency, strings.Join(e.withholdingIDs(d), ", "))
	case len(d.referrals) == 0 && len(d.floors) == 0:
		rx.Summary = fmt.Sprintf("No referral rule matched; the programme's most urgent review is %s. Movement advice is not withheld.",
			res.Referrals[0].Urgency)
	case len(d.referrals) == 0:
		rx.Summary = fmt.Sprintf("No referral rule matched, but a red flag's floor gives a %s referral. Movement advice is not withheld.",
			res.Referrals[0].Urgency)
	default:
		rx.Summary = fmt.Sprintf("%s matched; the most urgent referral is %s. Movement advice is not withheld.",
			words.Capital(words.Count(len(d.referrals), "referral rule")), res.Referrals[0].Urgency)
	}
	if n := len(d.floors); n > 0 {
		ids := make([]string, n)
		for i, fi := range d.floors {
			ids[i] = e.floorRuleID(fi)
		}
		rx.Summary += fmt.Sprintf(" The rules missed the floor of %s, so the floor gave its own referral (%s): the rule set has a gap to fix.",
			words.Count(n, "red flag"), strings.Join(ids, ", "))
	}
	if n := len(res.FoldedReferrals); n > 0 {
		rx.Summary += fmt.Sprintf(" %s folded into a more urgent or leading one, and left out of the short report.",
			words.Capital(words.Count(n, "referral")))
	}
	var called []string
	for _, r := range rx.Reviews {
		if r.Matched {
			called = append(called, r.Rule)
		}
	}
	if len(called) > 0 {
		rx.Summary += fmt.Sprintf(" The check-ins call for %s: %s.", words.Count(len(called), "programme review"), strings.Join(called, ", "))
	}
	return rx, nil
}

// explainError is an error of Explain whose text holds input, escaped
// like the text of a LoadError.
type explainError struct{ err error }

func (e *explainError) Error() string { return escapeText(e.err.Error()) }
func (e *explainError) Unwrap() error { return e.err }

// explainLowerFirst makes the first letter of s small, unless the next one is a
// capital too, as in an acronym.
func explainLowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || r == utf8.RuneError {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[size:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}
