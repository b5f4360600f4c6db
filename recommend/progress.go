package recommend

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/google/cel-go/cel"
	celexpr "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"

	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/internal/words"
)

// The changes a progression step makes to a movement.
const (
	// ChangeStart starts a movement at its start level, or restarts one
	// that was stopped.
	ChangeStart = "start"
	// ChangeProgress moves a movement up one level.
	ChangeProgress = "progress"
	// ChangeHold keeps a movement at its level.
	ChangeHold = "hold"
	// ChangeRegress moves a movement down one level.
	ChangeRegress = "regress"
	// ChangeStop stops a movement until a check-in shows improvement.
	ChangeStop = "stop"
)

var changes = []string{ChangeStart, ChangeProgress, ChangeHold, ChangeRegress, ChangeStop}

// progressRule is a compiled progression rule.
type progressRule struct {
	id, because, step, when string
	pos                     parse.FilePos
	prg                     cel.Program
	refer                   *Referral // Citations and Rules filled
	cites                   []int
}

// evalError is the error of r failing on the check-ins: an *EvalError
// that places it, as a rule's.
func (r *progressRule) evalError(err error) error {
	return &EvalError{Rule: r.id, File: r.pos.File, Line: r.pos.Line, Err: err}
}

// ProgressRule is a progression rule, as its file declares it: a CEL
// condition over the check-ins that steps a movement or calls for a
// review.
type ProgressRule struct {
	// ID names the rule; When is its CEL condition, over the variables
	// programme and move, as written.
	ID   string `json:"id"`
	When string `json:"when"`
	// Step is the change the rule makes to a movement (one of the Change
	// constants), or "" for a rule that only calls for a review.
	Step string `json:"step,omitempty"`
	// Referral is the review the rule calls for, or nil.
	Referral *RuleReferral `json:"referral,omitempty"`
	// Because says why.
	Because string `json:"because"`
	// Citations are the rule's citations, in the order written.
	Citations []Citation `json:"citations"`
	// File is the path of the rule file within the loaded fs.FS, and Line
	// the line of the rule's id in it.
	File string `json:"file"`
	Line int    `json:"line"`
}

// ProgressRules returns the progression rules, in rule-set order: for
// each movement at a check-in, the first whose step matches decides its
// change. A nil engine has none.
func (e *Engine) ProgressRules() []ProgressRule {
	if e == nil {
		return nil
	}
	out := make([]ProgressRule, len(e.progress))
	for i, r := range e.progress {
		v := ProgressRule{ID: r.id, When: r.when, Step: r.step, Because: r.because,
			Citations: e.citationsOf(r.cites), File: r.pos.File, Line: r.pos.Line}
		if r.refer != nil {
			v.Referral = &RuleReferral{Urgency: r.refer.Urgency, Message: r.refer.Message, Clinician: r.refer.Clinician}
		}
		out[i] = v
	}
	return out
}

// progressionEnv is the CEL environment of progression rules: programme,
// the view of the check-ins, and move, the view of one movement.
func progressionEnv() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("programme", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("move", cel.MapType(cel.StringType, cel.DynType)),
		cel.ParserRecursionLimit(MaxWhenDepth),
	)
}

// progressionCheckEnv is the environment a progression condition is
// type-checked in at load, beside progressionEnv: each key of the views
// is also declared as a variable of its value's type, named as a
// condition reads it (move.level, an int), which the checker takes
// before the view itself. So a key compared with a value of another type
// is refused at its place in the condition: move.level > 'x' would fail
// at the first check-in that reached it, and programme.flare == 1 would
// be false whatever the flare. A key read by index (move['level']) is
// checked only by the sample run.
func progressionCheckEnv() (*cel.Env, error) {
	opts := []cel.EnvOption{cel.CrossTypeNumericComparisons(true), cel.ParserRecursionLimit(MaxWhenDepth)}
	for name, view := range map[string]map[string]any{"programme": sampleProgrammeView(), "move": sampleMoveView()} {
		opts = append(opts, cel.Variable(name, cel.MapType(cel.StringType, cel.DynType)))
		for k, v := range view {
			t := cel.DynType
			switch v.(type) {
			case int:
				t = cel.IntType
			case float64:
				t = cel.DoubleType
			case bool:
				t = cel.BoolType
			case string:
				t = cel.StringType
			}
			opts = append(opts, cel.Variable(name+"."+k, t))
		}
	}
	return cel.NewEnv(opts...)
}

// progress compiles the progression rules. Each condition is
// type-checked against the types of the views' keys and run once on a
// sample view, so that a misspelled key or a key compared with a value
// of another type is an error at load, with the rule's position.
func (c *compiler) progress() {
	if len(c.doc.Progress) == 0 {
		return
	}
	env, err := progressionEnv()
	var check *cel.Env
	if err == nil {
		check, err = progressionCheckEnv()
	}
	if err != nil {
		c.iss.Add(c.doc.Progress[0].ID.Pos, "create the progression CEL environment: %v", err)
		return
	}
	seen := map[string]parse.FilePos{}
	sample := map[string]any{"programme": sampleProgrammeView(), "move": sampleMoveView()}
	for _, r := range c.doc.Progress {
		if c.duplicate(seen, "progression rule", r.ID) {
			continue
		}
		pr := progressRule{id: r.ID.S, because: r.Because, step: r.Step.S, when: r.When.S, pos: r.ID.Pos}
		if r.Step.S != "" && !slices.Contains(changes, r.Step.S) {
			c.unknownOf(r.Step, "step", changes)
		}
		report := func(iss *cel.Issues) {
			for _, is := range celIssues(iss, r.When.S, progressVars) {
				pos := r.When.Pos
				if r.WhenAt != nil {
					pos = r.WhenAt.Pos(is.offset)
				}
				c.iss.Add(pos, "progression rule %q: in when: %s", r.ID.S, is.msg)
			}
		}
		if msg := whenTooLong(r.When.S); msg != "" {
			c.iss.Add(r.When.Pos, "progression rule %q: %s", r.ID.S, msg)
			continue
		}
		ast, iss := env.Compile(r.When.S)
		switch {
		case iss.Err() != nil:
			report(iss)
			continue
		case ast.OutputType() != cel.BoolType && ast.OutputType() != cel.DynType:
			c.iss.Add(r.When.Pos, "progression rule %q: the condition is %s, want a bool", r.ID.S, ast.OutputType())
			continue
		}
		if bad := unknownViewKeys(ast); len(bad) > 0 {
			for _, k := range bad {
				pos := r.When.Pos
				if r.WhenAt != nil {
					pos = r.WhenAt.Pos(k.offset)
				}
				c.iss.Add(pos, "progression rule %q: in when: %s has no key %q%s", r.ID.S, k.view, k.key, words.DidYouMean(k.key, k.keys))
			}
			continue
		}
		if _, iss := check.Compile(r.When.S); iss.Err() != nil {
			report(iss)
			continue
		}
		if r.Refer != nil {
			// A review is checked once, at the latest check-in, with move
			// empty: a condition that reads move fails there (and counts
			// as calling for the review, withholding the advice) or is
			// cut short and never calls for it.
			// It is reported once, where the condition first reads move.
			if offs := identOffsets(ast, "move"); len(offs) > 0 {
				pos := r.When.Pos
				if r.WhenAt != nil {
					pos = r.WhenAt.Pos(offs[0])
				}
				c.iss.Add(pos, "progression rule %q: in when: a review is checked once, at the latest check-in, with no movement, so its condition cannot read move: read programme only, or make the step a rule of its own", r.ID.S)
				continue
			}
		}
		prg, err := env.Program(ast, cel.CostLimit(c.costLimit))
		if err != nil {
			c.iss.Add(r.When.Pos, "progression rule %q: %v", r.ID.S, err)
			continue
		}
		if out, _, err := prg.Eval(sample); err != nil {
			c.iss.Add(r.When.Pos, "progression rule %q: the condition fails on a sample programme: %v", r.ID.S, err)
			continue
		} else if _, ok := out.Value().(bool); !ok {
			c.iss.Add(r.When.Pos, "progression rule %q: the condition gives %v, want a bool", r.ID.S, out.Type())
			continue
		}
		pr.prg = prg
		pr.cites = c.cites(r.Cite, func(ct parse.Citation) Position { return c.progressPosition(r, ct) })
		cites := c.e.citationsOf(pr.cites)
		if r.Refer != nil {
			if !slices.Contains(urgencies, r.Refer.Urgency.S) {
				c.unknownOf(r.Refer.Urgency, "referral urgency", urgencies)
			}
			// A review is an ordinary routine or urgent referral: the
			// referral story's keys would be ignored, so they are refused.
			switch rf := r.Refer; {
			case rf.Withhold:
				c.iss.Add(rf.Urgency.Pos, "progression rule %q: a programme review cannot withhold advice (withhold: true); a red flag rule withholds, and a programme only exists when advice is given", r.ID.S)
			case rf.Pathway.S != "":
				c.iss.Add(rf.Pathway.Pos, "progression rule %q: a programme review belongs to no referral pathway: remove pathway", r.ID.S)
			case rf.KeepActive:
				c.iss.Add(rf.KeepActivePos, "progression rule %q: keep_active is for a referral that withholds advice, which a programme review cannot: remove it", r.ID.S)
			case rf.InvitesActivity:
				c.iss.Add(rf.InvitesActivityPos, "progression rule %q: invites_activity is read by the referral story of the rule set's referrals, not by programme reviews: remove it", r.ID.S)
			}
			if w := patientWord(r.Refer.Clinician); w != "" {
				c.iss.Add(r.Refer.ClinicianPos, "refer.clinician is read by a clinician, not the patient: write it in the third person and locale-neutral, without %q", w)
			}
			pr.refer = &Referral{Urgency: Urgency(r.Refer.Urgency.S), Message: r.Refer.Message, Clinician: r.Refer.Clinician,
				Citations: cites, Rules: []string{r.ID.S}}
		}
		c.e.progress = append(c.e.progress, pr)
		if pr.refer != nil && pr.refer.Urgency.AtLeast(UrgencyUrgent) {
			c.e.urgentReview = true
		}
	}
}

// progressPosition returns the position citation ct of progression rule
// r states, background when it writes none. Its source may back the
// rule's step or review (supports) or give a fact it builds on
// (background); a source that advises care or against something fits a
// rule that steps a movement back or stops it.
func (c *compiler) progressPosition(r *parse.ProgressRule, ct parse.Citation) Position {
	does := "only refers"
	if r.Step.S != "" {
		does = "steps a movement (" + r.Step.S + ")"
	}
	fits := func(p Position) bool {
		switch p {
		case PositionBackground, PositionSupports:
			return true
		case PositionAgainst, PositionCaution:
			return r.Step.S == ChangeRegress || r.Step.S == ChangeStop
		}
		return false
	}
	return c.statedPosition(ct, "progression rule", r.ID.S, does, PositionBackground, fits)
}

// viewKey is a key a progression condition reads of programme or move
// that the view does not have, with where it is in the condition.
type viewKey struct {
	view, key string
	keys      []string // the view's keys
	offset    int
}

// unknownViewKeys returns the keys a progression condition reads of its
// views, as programme.key, move.key or programme['key'], that the views do
// not have: the sample run at load cannot see those behind a && or ||
// that its sample values cut short, and a view is a map, so the type
// checker cannot either.
func unknownViewKeys(a *cel.Ast) []viewKey {
	views := map[string][]string{"programme": slices.Sorted(maps.Keys(sampleProgrammeView())), "move": slices.Sorted(maps.Keys(sampleMoveView()))}
	var out []viewKey
	info := a.NativeRep().SourceInfo()
	check := func(n celexpr.Expr, operand celexpr.Expr, key string) {
		if operand.Kind() != celexpr.IdentKind {
			return
		}
		keys, ok := views[operand.AsIdent()]
		if !ok || slices.Contains(keys, key) {
			return
		}
		off := 0
		if r, ok := info.GetOffsetRange(n.ID()); ok {
			off = int(r.Start) + 1 // past the "." or "[", at the key
		}
		out = append(out, viewKey{view: operand.AsIdent(), key: key, keys: keys, offset: off})
	}
	celexpr.PostOrderVisit(a.NativeRep().Expr(), celexpr.NewExprVisitor(func(n celexpr.Expr) {
		switch n.Kind() {
		case celexpr.SelectKind:
			check(n, n.AsSelect().Operand(), n.AsSelect().FieldName())
		case celexpr.CallKind:
			call := n.AsCall()
			if call.FunctionName() != operators.Index || len(call.Args()) != 2 || call.Args()[1].Kind() != celexpr.LiteralKind {
				return
			}
			if k, ok := call.Args()[1].AsLiteral().Value().(string); ok {
				check(n, call.Args()[0], k)
			}
		}
	}))
	return out
}

// identOffsets returns the offsets in a condition's text of each place it
// reads the variable name, in the order written: none when it does not.
func identOffsets(a *cel.Ast, name string) []int {
	var out []int
	info := a.NativeRep().SourceInfo()
	celexpr.PostOrderVisit(a.NativeRep().Expr(), celexpr.NewExprVisitor(func(n celexpr.Expr) {
		if n.Kind() != celexpr.IdentKind || n.AsIdent() != name {
			return
		}
		off := 0
		if r, ok := info.GetOffsetRange(n.ID()); ok {
			off = int(r.Start)
		}
		out = append(out, off)
	}))
	slices.Sort(out)
	return out
}

// sampleProgrammeView and sampleMoveView are views with every key, for
// the load-time check.
func sampleProgrammeView() map[string]any {
	return programmeView(programmeFacts{checkIns: 2, weeks: 1, first: 6, previous: 5, latest: 4, now: 4, adherence: 1})
}

func sampleMoveView() map[string]any {
	return moveView(moveFacts{id: "sample", kind: "lifestyle", response: ResponseSame, level: 1, levels: 2, stopped: true, stoppedPain: 5, advice: AdviceRecommended})
}

// programmeFacts are the facts of a programme at one check-in.
type programmeFacts struct {
	checkIns, weeks, day, first, previous, latest int
	// now is the pain now, the pain the advice reads: at every check-in
	// the higher of its pain and the profile's own pain_level (see
	// Profile.PainLevel), the pain now that the answer for that check-in
	// read, so that the replay of an earlier check-in makes the choice
	// that check-in's answer made: it never moves up a movement that
	// answer held for high pain, nor restarts one it kept stopped, nor
	// keeps stopped one it started again because a later check-in's pain
	// is higher. The views give it as pain_now and as restart_pain, the
	// pain a stopped movement's restart is weighed against. The trend
	// facts (first, previous, latest and what is worked out from them)
	// read the check-ins alone.
	now        int
	adherence  float64
	worseTwice bool
	// worseStanding is true from a check-in where pain rose at each of
	// the last two check-ins, for as long as it has not fallen below the
	// pain it reached then.
	worseStanding bool
}

// change is the improvement from the first check-in as a share of the
// first pain: 0.5 when pain halved, negative when it rose.
func (f programmeFacts) change() float64 {
	if f.first == 0 {
		return 0
	}
	return float64(f.first-f.latest) / float64(f.first)
}

func (f programmeFacts) flare() bool { return f.checkIns > 1 && f.latest-f.previous >= 2 }

func (f programmeFacts) improving() bool { return f.checkIns > 1 && f.latest < f.previous }

func programmeView(f programmeFacts) map[string]any {
	return map[string]any{
		"check_ins": f.checkIns, "weeks": f.weeks, "day": f.day,
		"first_pain": f.first, "previous_pain": f.previous, "latest_pain": f.latest, "pain_now": f.now, "restart_pain": f.now,
		"change": f.change(), "change_points": f.first - f.latest,
		"flare": f.flare(), "improving": f.improving(), "worse_twice": f.worseTwice, "worse_standing": f.worseStanding,
		"adherence": f.adherence,
	}
}

// adherence counts the movements reported, and those done at least once,
// over the check-ins so far, and keeps the pain a rise at two check-ins
// in a row reached (worseAt, 0 when none stands).
type adherence struct{ reported, done, worseAt int }

// facts returns the facts of the programme at check-in i of cs, after
// the facts of every check-in before it: a's counts take in check-in i.
// given is the profile's own pain_level, before painNow: the pain now at
// every check-in is the higher of it and that check-in's pain (see
// programmeFacts.now). (At the latest check-in the pain now that painNow
// makes gives the same facts; at an earlier one it would read a later
// check-in's pain.)
func (a *adherence) facts(cs []CheckIn, i, given int) programmeFacts {
	c := cs[i]
	f := programmeFacts{checkIns: i + 1, weeks: c.Day / 7, day: c.Day, first: cs[0].PainLevel, latest: c.PainLevel, previous: c.PainLevel,
		now: max(c.PainLevel, given)}
	if i > 0 {
		f.previous = cs[i-1].PainLevel
	}
	// Worse at two check-ins in a row: at each check-in, or from day to
	// day, each day read as its highest pain so far. Either counts, so
	// that a repeated or lower reading on one day does not hide two rises
	// over three days, and rises within one day still count (failing
	// toward a clinician).
	peaks := dayPeaks(cs, i)
	f.worseTwice = i >= 2 && c.PainLevel > cs[i-1].PainLevel && cs[i-1].PainLevel > cs[i-2].PainLevel ||
		len(peaks) == 3 && peaks[0] > peaks[1] && peaks[1] > peaks[2]
	switch {
	case f.worseTwice:
		a.worseAt = peaks[0]
	case c.PainLevel < a.worseAt:
		a.worseAt = 0
	}
	f.worseStanding = a.worseAt > 0
	for _, d := range c.Done {
		a.reported++
		if d.Sessions > 0 {
			a.done++
		}
	}
	if a.reported > 0 {
		f.adherence = float64(a.done) / float64(a.reported)
	}
	return f
}

// dayPeaks returns the highest pain of the day of check-in i of cs, over
// the check-ins up to i, then that of each of the two days with check-ins
// before it, latest first: fewer when there are fewer days.
func dayPeaks(cs []CheckIn, i int) []int {
	peaks := make([]int, 0, 3)
	day := -1
	for j := i; j >= 0; j-- {
		switch {
		case cs[j].Day != day && len(peaks) == 3:
			return peaks
		case cs[j].Day != day:
			peaks = append(peaks, cs[j].PainLevel)
			day = cs[j].Day
		default:
			peaks[len(peaks)-1] = max(peaks[len(peaks)-1], cs[j].PainLevel)
		}
	}
	return peaks
}

// latestFacts returns the facts of the programme at the latest of cs,
// which is not empty, with now the pain now (see adherence.facts).
func latestFacts(cs []CheckIn, now int) programmeFacts {
	var a adherence
	var f programmeFacts
	for i := range cs {
		f = a.facts(cs, i, now)
	}
	return f
}

// ReviewExplanation says why a progression rule with a review did or did
// not call for it, from the facts of the latest check-in.
type ReviewExplanation struct {
	// Rule is the progression rule's id; File and Line locate it, and
	// When is its condition as written.
	Rule string `json:"rule"`
	File string `json:"file"`
	Line int    `json:"line"`
	When string `json:"when"`
	// Matched is true when the rule called for its review: the review is
	// then among the Result's referrals.
	Matched bool `json:"matched"`
	// Summary says in plain words what the rule looks for and whether the
	// check-ins showed it.
	Summary string `json:"summary"`
	// Facts are the check-in facts the rule reads, in words.
	Facts []string `json:"facts"`
	// Because is the rule's reason, and Referral its review.
	Because  string        `json:"because"`
	Referral *RuleReferral `json:"referral"`
	// Citations are the rule's citations.
	Citations []Citation `json:"citations"`
}

// reviews explains the progression rules with a review for the
// check-ins cs, with now the pain now (see adherence.facts), in rule
// order; nil without check-ins.
func (e *Engine) reviews(cs []CheckIn, now int) ([]ReviewExplanation, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	f := latestFacts(cs, now)
	vars := map[string]any{"programme": programmeView(f), "move": map[string]any{}}
	facts := reviewFacts(f)
	var out []ReviewExplanation
	for _, v := range e.ProgressRules() {
		if v.Referral == nil {
			continue
		}
		r := e.progressRule(v.ID)
		matched := false
		if r != nil && r.prg != nil {
			o, _, err := r.prg.Eval(vars)
			if err != nil {
				return nil, fmt.Errorf("progression rule %s: %w", r.id, err)
			}
			matched, _ = o.Value().(bool)
		}
		sum := "not matched: the check-ins do not call for this review"
		if matched {
			sum = fmt.Sprintf("matched: the check-ins call for a %s review", v.Referral.Urgency)
		}
		out = append(out, ReviewExplanation{Rule: v.ID, File: v.File, Line: v.Line, When: v.When, Matched: matched,
			Summary: sum, Facts: facts, Because: v.Because, Referral: v.Referral, Citations: v.Citations})
	}
	return out, nil
}

// programmeReviews returns the reviews the progression rules call for at
// the latest of the check-ins cs, with now the pain now (see
// adherence.facts), in rule order; nil without check-ins. It reads the
// check-ins only, never the movements' steps, so that a step rule that
// fails, or a context that is done, cannot hide a review.
func (e *Engine) programmeReviews(cs []CheckIn, now int) ([]Referral, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	return e.reviewsOf(latestFacts(cs, now))
}

// reviewsOf returns the reviews the progression rules call for with the
// facts f of the latest check-in, in rule order. A rule that fails to
// evaluate counts as calling for its review, as a referral rule that
// fails counts as matched (failing toward a clinician); the first such
// failure is returned beside the reviews.
func (e *Engine) reviewsOf(f programmeFacts) ([]Referral, error) {
	var refs []Referral
	var first error
	vars := map[string]any{"programme": programmeView(f), "move": map[string]any{}}
	for _, r := range e.progress {
		if r.refer == nil || r.prg == nil {
			continue
		}
		out, _, err := r.prg.Eval(vars)
		if err != nil {
			if first == nil {
				first = r.evalError(err)
			}
			refs = append(refs, *r.refer)
			continue
		}
		if b, _ := out.Value().(bool); b {
			refs = append(refs, *r.refer)
		}
	}
	return refs, first
}

// progressRule returns the progression rule with id id, or nil.
func (e *Engine) progressRule(id string) *progressRule {
	for i := range e.progress {
		if e.progress[i].id == id {
			return &e.progress[i]
		}
	}
	return nil
}

// reviewFacts says, in words, the facts of the latest check-in that the
// review rules read: how far in, the pain now and at the first, the
// change, and whether the pain rose at each of the last two check-ins.
func reviewFacts(f programmeFacts) []string {
	out := []string{fmt.Sprintf("%s, day %d, %s in (week %d of the programme)",
		words.Count(f.checkIns, "check-in"), f.day, words.Count(f.weeks, "full week"), f.day/7+1)}
	switch pts := f.first - f.latest; {
	case f.checkIns < 2:
		out = append(out, fmt.Sprintf("pain %d at the only check-in", f.latest))
	case pts > 0:
		out = append(out, fmt.Sprintf("pain %d now, %d at the first check-in: down %s (%d%%)",
			f.latest, f.first, words.Count(pts, "point"), int(math.Round(f.change()*100))))
	case pts < 0:
		out = append(out, fmt.Sprintf("pain %d now, %d at the first check-in: up %s", f.latest, f.first, words.Count(-pts, "point")))
	default:
		out = append(out, fmt.Sprintf("pain %d now, the same as at the first check-in", f.latest))
	}
	if f.now != f.latest {
		out = append(out, painNowFact(f))
	}
	if f.worseTwice {
		out = append(out, "pain rose at each of the last two check-ins, or on each of the last two days with check-ins")
	} else if f.worseStanding {
		out = append(out, "pain rose at two check-ins in a row earlier, and has not come down since")
	}
	return out
}

// moveFacts are the facts of one movement at one check-in.
type moveFacts struct {
	// kind is the movement's kind (stretch, strengthening, lifestyle,
	// ...), as its file gives it.
	id, kind, response      string
	level, levels, sessions int
	stopped                 bool
	// stoppedPain is the pain at the check-in that stopped the movement
	// (the lowest, when it was stopped again while stopped), 0 when it is
	// not stopped: a stopped movement starts again on a comparison with
	// the pain it was stopped at, not only with the previous check-in's.
	stoppedPain       int
	daysSinceProgress int
	// daysAtLevel counts the days since the movement came to its level:
	// since it started, started again, moved up, stepped back or
	// stopped, so that a step up waits a week at a level however the
	// movement came to it.
	daysAtLevel int
	// first is true at the check-in that first reports the movement.
	first bool
	// advice is what the advice for the profile says of the movement:
	// AdviceRecommended, or one of DecidedAvoided, DecidedNeedsEquipment
	// and DecidedNotRecommended.
	advice string
}

func moveView(f moveFacts) map[string]any {
	return map[string]any{
		"id": f.id, "kind": f.kind, "response": f.response, "level": f.level, "levels": f.levels, "sessions": f.sessions,
		"stopped": f.stopped, "stopped_pain": f.stoppedPain, "days_since_progress": f.daysSinceProgress,
		"days_at_level": f.daysAtLevel, "first": f.first,
		"advice": f.advice,
	}
}

// Programme is a programme's state after its latest check-in: what each
// movement does this week, and why.
//
// The progression rules decide each movement's change, and the advice
// for the profile has the last word on the latest check-in's, whatever
// the rules say (Step.Decided says when it did):
//
//   - A movement the advice does not recommend is never kept, moved up or
//     started: it stops, back at level 1, with a reason that says why:
//     the advice avoids it (citing the rules that avoid it), it needs
//     equipment the profile does not list (citing the rules that would
//     recommend it with it), or no rule recommends it for the profile
//     (citing the progression rule that stopped it, when one did).
//   - While an urgent or emergency referral stands (a referral of the
//     advice, or a review a rule set makes urgent), no movement moves up
//     or starts again: one the latest check-in would move up stays at its
//     level, and a stopped one that would start again stays stopped, each
//     with the reason that the referral comes first and the referral's
//     citations. A first start, a hold, a step back and a stop stand.
//     The replay of each earlier check-in holds the same way, as that
//     check-in's answer did (the referrals of the advice, which reads
//     the same profile, and the reviews that check-in called for), so
//     that no later answer shows a level, or a movement going again,
//     that an answer held.
//     This is a clinical judgement call: a red flag overrides everything,
//     so building up waits for the clinician even when the advice itself
//     is not withheld.
type Programme struct {
	// Week is the week of the programme the latest check-in falls in,
	// from 1.
	Week int `json:"week"`
	// Steps are the movements the check-ins report, in the order first
	// reported, each with its level and change.
	Steps []Step `json:"steps"`
	// Trend is the pain at each check-in, oldest first.
	Trend []TrendPoint `json:"trend"`
	// Adherence is the share of reported movements done at least once
	// since the previous check-in, over every check-in: 0 to 1.
	Adherence float64 `json:"adherence"`
}

// Step is one movement of a programme this week.
type Step struct {
	// Movement is the movement id, and Name what people call it, as the
	// rule set names it; Level its level, from 1 (the easiest), and Dose
	// the dose at that level.
	Movement string `json:"movement"`
	Name     string `json:"name"`
	Level    int    `json:"level"`
	Dose     string `json:"dose"`
	// How says how to do the movement at its level, where the level
	// gives its own how (levels: [{dose, how}] in the rule files), and is
	// "" where it does not: the movement's how then stands. A stopped
	// movement has none.
	How string `json:"how,omitempty"`
	// Change is one of the Change constants.
	Change string `json:"change"`
	// Because says why, and Facts the check-in facts that decided the
	// change, in words.
	Because string   `json:"because"`
	Facts   []string `json:"facts,omitempty"`
	// Rule is the id of the progression rule that decided the change, or
	// "" when none did.
	Rule string `json:"rule,omitempty"`
	// Decided says what decided the change when the advice for the
	// profile did, whatever the progression rules say: one of the Decided
	// constants, or "" when the progression rules decided it (see
	// Programme).
	Decided string `json:"decided,omitempty"`
	// Citations are the sources behind Because: the progression rule's;
	// where the advice decided the change, the citations of what decided
	// it (the rules that avoid the movement, the rules that would
	// recommend it with the equipment it needs, the referral); and for a
	// step no rule decided (a movement that starts at its start level, or
	// holds because the check-in did not report it), the citations of the
	// reasons the advice recommends it. Empty only for a movement no rule
	// recommends that no progression rule stopped.
	Citations []Citation `json:"citations"`
}

// AdviceRecommended is what move.advice, in a progression rule's
// condition, says of a movement the advice for the profile recommends;
// of one it does not recommend it says DecidedAvoided,
// DecidedNeedsEquipment or DecidedNotRecommended.
const AdviceRecommended = "recommended"

// What decided a programme step when the advice for the profile, not a
// progression rule, did (Step.Decided).
const (
	// DecidedAvoided: the advice avoids the movement, so it stops, at
	// level 1.
	DecidedAvoided = "avoided"
	// DecidedNeedsEquipment: the movement needs equipment the profile does
	// not list, so the advice leaves it out and it stops, at level 1.
	DecidedNeedsEquipment = "needs_equipment"
	// DecidedNotRecommended: no rule recommends the movement for the
	// profile, so it stops, at level 1.
	DecidedNotRecommended = "not_recommended"
	// DecidedReferral: an urgent or emergency referral stands, so a
	// movement the check-ins would move up stays at its level, and a
	// stopped one that would start again stays stopped.
	DecidedReferral = "referral"
)

// TrendPoint is the pain at one check-in.
type TrendPoint struct {
	// Day is the check-in's CheckIn.Day, days since the programme began,
	// and PainLevel the pain it reported, 0 to 10.
	Day       int `json:"day"`
	PainLevel int `json:"pain_level"`
}

// moveState is a movement's state while the check-ins are replayed.
type moveState struct {
	mi int
	moveLevel
	step Step
	// prior is its state before the check-in being replayed stepped it.
	prior moveLevel
}

// moveLevel is where a movement stands while the check-ins are replayed.
type moveLevel struct {
	level        int // indexes mv.levels
	stopped      bool
	stoppedPain  int // the pain it stopped at, while stopped (see applyStep)
	lastProgress int // the day of the last progress, or -7
	// levelSince is the day it started, started again, moved up, stepped
	// back or stopped: the day it came to its level.
	levelSince int
	// stopCites are the citations of the step that last stopped it.
	stopCites []Citation
}

// programme replays the check-ins through the progression rules, for
// the advice res gives the profile, whose own pain_level (before
// painNow) is given. It returns nil without check-ins, and the
// referrals the latest check-in calls for.
//
// The advice has the last word on the latest check-in's steps (see
// Programme): a movement it does not recommend stops, back at level 1,
// and while an urgent or emergency referral stands no movement moves up
// or starts again. The replay of an earlier check-in holds the same way
// as its own answer did (see programmeAdvice.holdEarlier), so that a
// later answer never shows a level no answer moved the movement to.
func (e *Engine) programme(cs []CheckIn, given int, res *Result) (*Programme, []Referral, error) {
	if len(cs) == 0 {
		return nil, nil, nil
	}
	adv := programmeAdvice{e: e, res: res}
	pg := &Programme{Steps: []Step{}, Trend: make([]TrendPoint, len(cs))}
	states := map[string]*moveState{}
	var order []string
	var a adherence
	var f programmeFacts
	for i, c := range cs {
		pg.Trend[i] = TrendPoint{Day: c.Day, PainLevel: c.PainLevel}
		f = a.facts(cs, i, given)
		pv := programmeView(f)
		for _, d := range c.Done {
			st := states[d.Movement]
			first := st == nil
			if first {
				mi := e.movementIdx(d.Movement)
				if mi < 0 {
					continue // Validate refuses it first
				}
				st = &moveState{mi: mi, moveLevel: moveLevel{level: e.movements[mi].start, lastProgress: -7, levelSince: c.Day}}
				states[d.Movement] = st
				order = append(order, d.Movement)
				st.step = Step{Change: ChangeStart, Because: "It starts at the level its dose gives."}
			} else {
				st.step = Step{Change: ChangeHold, Because: "No progression rule changes it this week."}
			}
			st.prior = st.moveLevel
			mv := &e.movements[st.mi]
			mf := moveFacts{id: d.Movement, kind: mv.kind, response: d.Response, level: st.level + 1, levels: len(mv.levels),
				sessions: d.Sessions, stopped: st.stopped, stoppedPain: st.stoppedPain, daysSinceProgress: c.Day - st.lastProgress,
				daysAtLevel: c.Day - st.levelSince, first: first,
				advice: adv.of(d.Movement)}
			if err := e.stepMovement(st, mf, pv, f, c.Day); err != nil {
				return nil, nil, err
			}
		}
		// A movement of the programme this check-in does not report is
		// stepped too, with no response: a flare steps it back, and a
		// stopped one starts again when the pain has eased; otherwise it
		// holds. Its step is this check-in's, never an older one's.
		for _, id := range order {
			if slices.ContainsFunc(c.Done, func(d Done) bool { return d.Movement == id }) {
				continue
			}
			st := states[id]
			mv := &e.movements[st.mi]
			st.step = Step{Change: ChangeHold, Because: "It was not reported at this check-in, so it stays at this level."}
			if st.stopped {
				st.step = Step{Change: ChangeStop, Because: "It was stopped, and it was not reported at this check-in.", Citations: st.stopCites}
			}
			st.prior = st.moveLevel
			mf := moveFacts{id: id, kind: mv.kind, level: st.level + 1, levels: len(mv.levels),
				stopped: st.stopped, stoppedPain: st.stoppedPain, daysSinceProgress: c.Day - st.lastProgress,
				daysAtLevel: c.Day - st.levelSince, advice: adv.of(id)}
			if err := e.stepMovement(st, mf, pv, f, c.Day); err != nil {
				return nil, nil, err
			}
		}
		if i < len(cs)-1 {
			if err := adv.holdEarlier(states, order, f); err != nil {
				return nil, nil, err
			}
		}
	}
	refs, err := e.reviewsOf(f)
	if err != nil {
		return nil, nil, err
	}
	hold := adv.hold(refs)
	pg.Week = cs[len(cs)-1].Day/7 + 1
	pg.Adherence = f.adherence
	for _, id := range order {
		st := states[id]
		if v := adv.of(id); v != AdviceRecommended {
			adv.notAdvised(st, v)
		} else if hold != nil {
			adv.referralFirst(st, hold)
		}
		mv := &e.movements[st.mi]
		s := st.step
		s.Movement, s.Name = id, mv.name
		s.Level = st.level + 1
		s.Dose = mv.levels[st.level].dose
		if h := mv.levels[st.level].how; h != mv.how && s.Change != ChangeStop {
			s.How = h
		}
		if len(s.Citations) == 0 {
			s.Citations = adv.recommendCitations(id)
		}
		s.Citations = slices.Clone(s.Citations)
		if s.Citations == nil {
			s.Citations = []Citation{}
		}
		pg.Steps = append(pg.Steps, s)
	}
	return pg, refs, nil
}

// programmeAdvice is what the programme reads of the advice for the
// profile: which movements it recommends, and the referrals.
type programmeAdvice struct {
	e   *Engine
	res *Result
}

// of returns what the advice says of movement id: AdviceRecommended,
// DecidedAvoided, DecidedNeedsEquipment or DecidedNotRecommended.
func (a programmeAdvice) of(id string) string {
	is := func(it Item) bool { return it.Movement == id }
	switch {
	case slices.ContainsFunc(a.res.Recommended, is):
		return AdviceRecommended
	case slices.ContainsFunc(a.res.Avoided, is):
		return DecidedAvoided
	case slices.ContainsFunc(a.res.NeedsEquipment, func(n EquipmentNeed) bool { return n.Movement == id }):
		return DecidedNeedsEquipment
	}
	return DecidedNotRecommended
}

// hold returns the most urgent urgent or emergency referral among the
// advice's, folded ones included, and the programme's reviews refs, or
// nil when there is none.
func (a programmeAdvice) hold(refs []Referral) *Referral {
	var best *Referral
	consider := func(r *Referral) {
		if r.Urgency.AtLeast(UrgencyUrgent) && (best == nil || r.Urgency.rank() > best.Urgency.rank()) {
			best = r
		}
	}
	for i := range a.res.Referrals {
		consider(&a.res.Referrals[i])
	}
	for i := range a.res.FoldedReferrals {
		consider(&a.res.FoldedReferrals[i].Referral)
	}
	for i := range refs {
		consider(&refs[i])
	}
	return best
}

// holdEarlier holds, as referralFirst does, the movements the advice
// recommends that an earlier check-in of the replay, with facts f, moved
// up or started again while an urgent or emergency referral stood then:
// one of the advice (the profile is the one its answer read) or a review
// its facts called for. That check-in's answer held them, so the replay
// does too: without it, the next answer would show a movement a level up
// (or going again) that no answer moved, beside the referral that still
// stands. A review rule that fails is an error, as at the latest check-in.
func (a programmeAdvice) holdEarlier(states map[string]*moveState, order []string, f programmeFacts) error {
	hold := a.hold(nil)
	if hold == nil && a.e.urgentReview {
		refs, err := a.e.reviewsOf(f)
		if err != nil {
			return err
		}
		hold = a.hold(refs)
	}
	if hold == nil {
		return nil
	}
	for _, id := range order {
		if a.of(id) == AdviceRecommended {
			a.referralFirst(states[id], hold)
		}
	}
	return nil
}

// notAdvised stops a movement of the programme that the advice does not
// recommend (verdict says why), back at level 1, whatever the
// progression rules made of the latest check-in: the programme never
// keeps, moves up or starts a movement the advice leaves out.
func (a programmeAdvice) notAdvised(st *moveState, verdict string) {
	old := st.step
	st.level, st.stopped = 0, true
	s := Step{Change: ChangeStop, Decided: verdict, Facts: old.Facts}
	id := a.e.movements[st.mi].id
	switch verdict {
	case DecidedAvoided:
		i := slices.IndexFunc(a.res.Avoided, func(it Item) bool { return it.Movement == id })
		it := a.res.Avoided[i]
		s.Because = "The advice for this profile says to avoid it for now."
		s.Citations = it.Citations
		s.Facts = append(s.Facts, "the advice for this profile avoids it, by "+strings.Join(it.Rules(), ", "))
	case DecidedNeedsEquipment:
		i := slices.IndexFunc(a.res.NeedsEquipment, func(n EquipmentNeed) bool { return n.Movement == id })
		need := a.res.NeedsEquipment[i]
		labels := make([]string, len(need.Missing))
		for j, eq := range need.Missing {
			labels[j] = eq
			if k := a.e.vocab[fieldEquipment].index(eq); k >= 0 {
				labels[j] = strings.ToLower(a.e.vocab[fieldEquipment].entries[k].label)
			}
		}
		s.Because = "It needs equipment you did not list (" + words.List(labels) + "), so the advice for this profile leaves it out, and it stops for now. If you have it, add it to your equipment and ask again."
		s.Citations = a.e.ruleCitations(need.Rules)
		s.Facts = append(s.Facts, "it needs equipment the profile does not list ("+strings.Join(need.Missing, ", ")+"), without which the advice leaves it out; it would be recommended by "+strings.Join(need.Rules, ", "))
	default:
		if old.Change == ChangeStop && old.Rule != "" {
			// A progression rule stopped it (the default rules' first
			// stops a movement the advice does not recommend): its
			// reason and sources stand.
			s.Because, s.Rule, s.Citations = old.Because, old.Rule, old.Citations
		} else {
			s.Because = "The advice for this profile does not recommend it, so it stops for now. Ask a clinician before you carry on with it."
		}
		s.Facts = append(s.Facts, "no rule recommends it for this profile")
	}
	if old.Rule != "" && old.Rule != s.Rule {
		s.Facts = append(s.Facts, "progression rule "+old.Rule+" gave "+old.Change+"; the advice for this profile overrides it")
	}
	st.step = s
}

// referralFirst holds a movement of the programme while an urgent or
// emergency referral ref stands: one the latest check-in moved up stays
// at the level it was at, and one it started again stays stopped. Any
// other step stands: a hold, a step back, a stop, or a first start at
// the level the advice gives.
func (a programmeAdvice) referralFirst(st *moveState, ref *Referral) {
	old := st.step
	an := "An " + string(ref.Urgency)
	s := Step{Decided: DecidedReferral, Citations: ref.Citations}
	switch {
	case old.Change == ChangeProgress:
		st.moveLevel = st.prior
		s.Change = ChangeHold
		s.Because = an + " referral to a clinician stands, and it comes first: this stays at its level, and does not move up, until a clinician has checked you."
	case old.Change == ChangeStart && st.prior.stopped:
		st.moveLevel = st.prior
		s.Change = ChangeStop
		s.Because = an + " referral to a clinician stands, and it comes first: this stays stopped until a clinician has checked you."
	default:
		return
	}
	s.Facts = append(old.Facts, "an "+string(ref.Urgency)+" referral stands, by "+strings.Join(ref.Rules, ", "))
	if old.Rule != "" {
		s.Facts = append(s.Facts, "progression rule "+old.Rule+" gave "+old.Change+"; the referral holds it")
	}
	st.step = s
}

// recommendCitations returns the citations of the reasons the advice
// recommends movement id, without repeats, or nil when it does not.
func (a programmeAdvice) recommendCitations(id string) []Citation {
	i := slices.IndexFunc(a.res.Recommended, func(it Item) bool { return it.Movement == id })
	if i < 0 {
		return nil
	}
	var ids []string
	for _, n := range a.res.Recommended[i].Reasons {
		ids = append(ids, n.Rule())
	}
	return a.e.ruleCitations(ids)
}

// ruleCitations returns the citations of the rules ids, in order,
// without repeats.
func (e *Engine) ruleCitations(ids []string) []Citation {
	var out []Citation
	for _, id := range ids {
		for ri := range e.rules {
			if e.rules[ri].id != id {
				continue
			}
			for _, c := range e.citationsOf(e.rules[ri].cites) {
				if !slices.ContainsFunc(out, c.Equal) {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// stepMovement runs the step rules for one movement at one check-in, on
// facts mf, and applies the first that matches; st.step, set by the
// caller, stays when none does.
func (e *Engine) stepMovement(st *moveState, mf moveFacts, pv map[string]any, f programmeFacts, day int) error {
	vars := map[string]any{"programme": pv, "move": moveView(mf)}
	levels := len(e.movements[st.mi].levels)
	st.step.Facts = stepFacts(f, mf)
	for _, r := range e.progress {
		if r.step == "" || r.prg == nil {
			continue
		}
		out, _, err := r.prg.Eval(vars)
		if err != nil {
			return r.evalError(err)
		}
		if b, _ := out.Value().(bool); !b {
			continue
		}
		e.applyStep(st, r, day, f.now, levels)
		st.step.Facts = stepFacts(f, mf)
		switch {
		case st.step.Change == r.step:
		case st.step.Change == ChangeStop && r.step == ChangeRegress && !mf.stopped:
			st.step.Facts = append(st.step.Facts, "the rule's regress became stop: the movement was at its easiest level")
		case st.step.Change == ChangeStop:
			st.step.Facts = append(st.step.Facts, "the rule's "+r.step+" became stop: a stopped movement stays stopped until a rule starts it again")
		default:
			st.step.Facts = append(st.step.Facts, "the rule's "+r.step+" became "+st.step.Change+": a movement moves up at most one level in seven days, and not past its last level or while stopped")
		}
		return nil
	}
	return nil
}

// applyStep applies rule r's step to a movement at a check-in of day day
// and pain now pain (see programmeFacts). It never moves a movement up
// more than one level, nor up twice within seven days. A movement that
// starts, starts again, moves up, steps back or stops comes to its level
// on day (its levelSince). A movement that stops keeps the pain now it
// stopped at until a rule starts it again; stopped again while stopped
// (it stays stopped, or was done and made the pain worse), it keeps the
// lower of that and the pain now, so that staying stopped through a
// higher pain never raises the pain it must come down below.
func (e *Engine) applyStep(st *moveState, r progressRule, day, pain, levels int) {
	change := r.step
	if st.stopped && change != ChangeStart {
		// A stopped movement stays stopped until a rule starts it again:
		// a hold or a step up would tell the person to do it.
		change = ChangeStop
	}
	switch change {
	case ChangeProgress:
		if st.level+1 >= levels || day-st.lastProgress < 7 {
			change = ChangeHold
		} else {
			st.level++
			st.lastProgress, st.levelSince = day, day
		}
	case ChangeRegress:
		if st.level > 0 {
			st.level--
			st.levelSince = day
		} else {
			change = ChangeStop
		}
	case ChangeStart:
		st.stopped, st.stoppedPain = false, 0
		st.levelSince = day
	}
	st.step = Step{Change: change, Because: r.because, Rule: r.id, Citations: e.citationsOf(r.cites)}
	if change == ChangeStop {
		if !st.stopped {
			st.levelSince = day
		}
		switch {
		case !st.stopped:
			st.stoppedPain = pain
		case pain < st.stoppedPain:
			st.stoppedPain = pain
		}
		st.stopped, st.level = true, 0
		st.stopCites = st.step.Citations
	}
}

// stepFacts says, in words, the check-in facts a step was decided on.
func stepFacts(f programmeFacts, m moveFacts) []string {
	out := []string{fmt.Sprintf("day %d, week %d of the programme", f.day, f.day/7+1)}
	if m.response != "" {
		out = append(out, fmt.Sprintf("reported %s, %s since the previous check-in", m.response, words.Count(m.sessions, "session")))
	} else if !m.first {
		out = append(out, "not reported at this check-in")
	}
	if f.checkIns > 1 {
		out = append(out, fmt.Sprintf("pain %d, %d at the previous check-in and %d at the first", f.latest, f.previous, f.first))
	}
	if f.now != f.latest {
		out = append(out, painNowFact(f))
	}
	if f.flare() {
		out = append(out, fmt.Sprintf("a flare: pain up %d points since the previous check-in", f.latest-f.previous))
	}
	if m.stopped {
		out = append(out, fmt.Sprintf("it was stopped at an earlier check-in, when the pain was %d", m.stoppedPain))
	}
	if m.first {
		out = append(out, "first reported at this check-in")
	}
	out = append(out, fmt.Sprintf("at level %d of %d before this check-in", m.level, m.levels))
	if !m.first && !m.stopped && m.daysAtLevel < 7 {
		out = append(out, fmt.Sprintf("at that level for %s, since it started, started again or changed level", words.Count(m.daysAtLevel, "day")))
	}
	return out
}

// painNowFact says, in words, the pain now where the profile's pain_level
// is higher than the latest check-in's pain.
func painNowFact(f programmeFacts) string {
	return fmt.Sprintf("pain now %d: the profile's pain level, higher than the %d of the latest check-in, is the pain the advice reads", f.now, f.latest)
}
