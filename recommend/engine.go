package recommend

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io/fs"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/backrules/backrules/internal/figure"
	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/rules"
	"github.com/google/cel-go/cel"
)

// Engine holds a compiled rule set. It is immutable once built and safe for
// concurrent use by any number of goroutines. Make one with Load or
// Default: the zero Engine holds no rules, its views are empty, and its
// methods that return an error return one, as a nil *Engine's do.
type Engine struct {
	sources   []Source
	vocab     [numVocabFields]vocabulary
	movements []movement
	// progress are the progression rules, in order. urgentReview is
	// whether one of them calls for an urgent or emergency review, which
	// holds the movements a check-in moved (see
	// programmeAdvice.holdEarlier).
	progress     []progressRule
	urgentReview bool
	rules        []rule
	// order is the order rules are evaluated in: the referral rules,
	// then the rules with a safety-net message and no referral, then the
	// others, each in rule-set order (evaluationOrder).
	order []int
	// nRefer is how many rules refer: order[:nRefer] are they. nFirst is
	// how many rules are evaluated whatever the context says and kept in
	// an incomplete Result: order[:nFirst], the referral rules and the
	// safety-net rules.
	nRefer, nFirst int
	// checks holds the direct check (directcheck.go) of each rule of
	// order, at the same index, or nil for a rule that runs as CEL: the
	// checks side by side, so that evaluating reads no rule.
	checks []directCheck
	// same holds, at the index of each rule of order whose direct check
	// has the condition text of an earlier one, that one's index; -1
	// elsewhere. Rules that share a condition share its compiled check,
	// and a check depends on the profile alone, so the earlier result is
	// the rule's: Recommend runs each distinct condition once.
	same []int
	// prog holds the same checks compiled into one program
	// (directprog.go), or nil for a rule set with fewer than
	// progMinRules of them, which runs checks.
	prog *directProgram
	// stages says, per rule, which stages read it when it matches
	// (resolve.go).
	stages []uint8
	// lists holds, per rule, the decision lists it joins when it
	// matches: mi*numEffects+eff for each movement mi its effect eff
	// names (resolve.go).
	lists [][]int32
	// hot holds, per rule, what the builder reads of it (prepare.go).
	hot []ruleHot
	// withheldBy is, per rule that withholds advice, the WithheldReason
	// of a Result it alone withholds (prepare.go).
	withheldBy []string
	// sayRank is, per rule, the rank of its message's kind (see
	// MessageKind), or 0 for a rule without one (prepare.go).
	sayRank []int
	// trace is what a Result's trace needs of the rules (trace.go).
	trace *traceRules
	// citations holds every distinct citation of the rule set once, and
	// citeInfo what the builder reads of each (prepare.go).
	citations []Citation
	citeInfo  []citeInfo
	// nCitedSources is how many distinct sources the citations cite.
	nCitedSources int
	// twinned is whether some passage is cited as background by one rule
	// and on a side by another (citeInfo.sides).
	twinned bool
	ruleSet RuleSet
	// why is what every Explainer of the engine reads of the movements,
	// made on first use (explain_why.go).
	why whyIndex
	// whys keeps what explaining a rule found, for the next Explainer
	// whose profile has the same values in the fields its condition reads
	// (explain_view.go).
	whys whyCache
	// scratch holds *decisions free for reuse by Recommend.
	scratch sync.Pool
}

// RuleSet identifies the rule set an Engine was loaded from, so that a
// stored Result can be traced back to the exact rules that produced it.
type RuleSet struct {
	// Version is the version the rule set declares with a top-level
	// version key in one of its files, or "".
	Version string `json:"version,omitempty"`
	// Digest is "sha256:" followed by the hex SHA-256 of every rule file,
	// in rule-set order: each file's path, a NUL byte, its length in
	// decimal, a NUL byte and its contents (after a leading byte order
	// mark is dropped and line breaks are made \n or \r\n). The same
	// files always give the same digest; any change to a rule file
	// changes it.
	Digest string `json:"digest"`
}

// String names the rule set in one line, as the reports end with it:
// "2026.11.2, sha256:...", or "no version, sha256:..." when it declares
// none. It is "" for a RuleSet without a digest, such as the zero one.
func (rs RuleSet) String() string {
	if rs.Digest == "" {
		return ""
	}
	return cmp.Or(rs.Version, "no version") + ", " + rs.Digest
}

// RuleSet returns the version and digest of the engine's rule set.
func (e *Engine) RuleSet() RuleSet {
	if e == nil {
		return RuleSet{}
	}
	return e.ruleSet
}

// callable returns why Recommend and Triage cannot be called on e with
// ctx (a nil or zero *Engine, a nil context), or nil.
func (e *Engine) callable(ctx context.Context) error {
	if err := e.unusable(); err != nil {
		return err
	}
	if ctx == nil {
		return errNilContext
	}
	return nil
}

// errNilContext is returned by the methods of an Engine given a nil
// context.
var errNilContext = errors.New("recommend: nil context: pass context.Background() or a request's context")

// errNilEngine is returned by the methods of a nil *Engine that return an
// error; its views are empty.
var errNilEngine = errors.New("recommend: nil *Engine: create one with Load or Default")

// errZeroEngine is returned, like errNilEngine, by the methods of an
// Engine that Load did not make, such as new(Engine): it holds no rules,
// so an answer from it would say that nothing calls for a clinician.
var errZeroEngine = errors.New("recommend: zero Engine: create one with Load or Default")

// unusable returns errNilEngine for a nil *Engine, errZeroEngine for one
// that Load did not make (every loaded rule set has a digest), or nil.
func (e *Engine) unusable() error {
	switch {
	case e == nil:
		return errNilEngine
	case e.ruleSet.Digest == "":
		return errZeroEngine
	}
	return nil
}

// Source describes a document that rules cite.
type Source struct {
	// ID identifies the source in citations.
	ID string
	// Title is the document's title, and Publisher who published it.
	Title     string
	Publisher string
	// Author is the document's author, or "" when not known.
	Author string
	// URL is the document's address, or "" when not known.
	URL string
	// Kind says what sort of document it is, from the strongest kind of
	// evidence to the weakest: "guideline" (a published clinical
	// guideline), "systematic_review", "trial", "reference" (a medical
	// reference page), "clinic_article", "practitioner_article",
	// "general_health_article" or "personal_account" ([SourceKinds] lists
	// them with their names for people). Conflicts show the
	// kind of each side's sources; the rules, not the engine, decide
	// which side wins (see the package documentation).
	Kind string
	// Sections are the headings of the document that citations may point
	// at, as the rule file lists them; the loader refuses a citation of
	// the source whose locator is not one of them. Nil when the rule file
	// lists none, and then locators are not checked.
	Sections []string
}

type vocabulary struct {
	entries []vocabEntry
	byID    map[string]int
	// names are the names of the entries of a list field, those
	// namedTerms finds in a text, and byFirst their indexes in names by
	// the first byte of their first word (see indexNames).
	names   []entryName
	byFirst map[byte][]int
}

type vocabEntry struct {
	id, label string
	codes     []Code // see views.go
	// floor is the red flag's safety floor (see Floor), or nil for the
	// entries of other fields.
	floor *Floor
	// riskFactor is Term.RiskFactor.
	riskFactor bool
	// countsWhenPast is Term.CountsWhenPast.
	countsWhenPast bool
	// alsoCalled is Term.AlsoCalled.
	alsoCalled []string
	// refers is true for a condition that the condition of some referral
	// rule tests profile.conditions for: one that can change a referral,
	// so that Triage counts it when an input it cannot read names it
	// (see Engine.NamedReferralConditions).
	refers bool
}

func (v *vocabulary) index(id string) int {
	if i, ok := v.byID[id]; ok {
		return i
	}
	return -1
}

func (v *vocabulary) ids() []string {
	out := make([]string, len(v.entries))
	for i, e := range v.entries {
		out[i] = e.id
	}
	return out
}

type movement struct {
	id, name, kind, how, dose string
	// text is name, kind, how and dose, as every Item of the movement
	// holds them.
	text      MovementText
	tags      []string
	equipment []int // indexes into the equipment vocabulary
	pose      *figure.Pose
	// levels are the dose levels, easiest first: those the file gives,
	// or the movement's own dose as its one level. start indexes the
	// level whose dose is the movement's dose.
	levels []level
	start  int
}

// level is one dose level of a movement.
type level struct{ dose, how string }

type rule struct {
	id, description string
	// reason is the rule's own because; because holds, per effect, the
	// reason shown on the items it produces: the effect's own, or reason.
	reason  string
	because [numEffects]string
	when    string
	pos     parse.FilePos
	prg     cel.Program
	// why is the condition's source, from which an explanation and
	// Analyze get its checked AST again (condsource.go), or nil for a
	// condition that did not compile.
	why     *condSource
	loops   bool              // the condition has a comprehension
	direct  directCheck       // the condition as Go (directcheck.go), or nil
	effects [numEffects][]int // movement indexes, ascending
	// selectors are the effects as written, for Engine.Rules; nil where
	// the rule has no such effect.
	selectors [numEffects]*effectSelector
	refer     *compiledReferral
	cites     []int // indexes into Engine.citations
	// priority is the recommend effect's priority, 1 first, or 0 when it
	// offers no movement for the plan; offers are the movement indexes of
	// that effect in the order it prefers them: the movements as written,
	// then those its tags and kinds select, in declaration order.
	priority int
	offers   []int
	// say is the rule's key message, or nil.
	say *compiledMessage
}

// Effect kinds, in the order they appear in a rule, as the parse stage
// numbers them.
const (
	effectRecommend = parse.Recommend
	effectAvoid     = parse.Avoid
	effectCaution   = parse.Caution
	numEffects      = parse.NumEffects
)

// effectSelector is an effect's selector as the rule file writes it.
type effectSelector struct {
	movements, tags, kinds []string
}

type compiledReferral struct {
	urgency  Urgency
	message  string
	withhold bool
	// clinician is the text for a clinician reading the chart, or "".
	clinician string
	// The referral story (referral.go): the pathway, or ""; whether the
	// message invites activity; whether a withholding referral keeps the
	// stay-active messages; and the red flags, as indexes into the
	// red-flag vocabulary, that the rule's condition names.
	pathway         string
	invitesActivity bool
	keepActive      bool
	flags           []int
	within          Within // how soon, or "" (see Within)
}

// DefaultMaxFileSize is the largest rule file Load accepts unless
// WithMaxFileSize says otherwise.
const DefaultMaxFileSize = 1 << 20

// LoadOption configures Load.
type LoadOption func(*loadConfig)

type loadConfig struct {
	maxFileSize int64
	// costLimit is the runtime cost limit of each condition; tests lower
	// it to prove that the limit applies.
	costLimit uint64
	// noRuntimeCheck skips the load-time search for runtime errors
	// (runtimecheck.go); only tests set it, to reach Recommend with
	// conditions that the check would refuse.
	noRuntimeCheck bool
}

// WithMaxFileSize sets the largest rule file, in bytes, that Load accepts.
// The default is DefaultMaxFileSize, which a value of 0 or less also selects.
func WithMaxFileSize(n int64) LoadOption {
	return func(c *loadConfig) {
		switch {
		case n <= 0:
			c.maxFileSize = DefaultMaxFileSize
		case n > math.MaxInt64-1:
			c.maxFileSize = math.MaxInt64 - 1
		default:
			c.maxFileSize = n
		}
	}
}

// Load reads every rule file under the root of fsys, compiles it, and
// returns the engine. Rule files are the files named *.yaml or *.yml, the
// extension in any case (*.YAML too), in any folder, except the files that
// hold test cases: *_test.yaml, *_test.yml, and any file in a folder named
// tests. They are read in lexical path order, and that order is the rule
// set's order.
//
// Rule files must be UTF-8, as one YAML document without anchors or
// aliases, of at most DefaultMaxFileSize bytes (see WithMaxFileSize). A
// UTF-8 byte order mark at the start of a file, which some Windows editors
// add, is accepted and skipped, so that columns match what the editor
// shows. Each when condition must be at most MaxWhenLength characters,
// nest at most MaxWhenDepth levels, and have an estimated cost within
// MaxRuleCost.
//
// Load reports every problem it finds, not just the first: the error is a
// *LoadError, which matches ErrInvalidRules, and lists each problem with its
// file, line and column. A nil fsys, or one whose files cannot be listed
// (a folder that does not exist), is an error of another kind, since no
// rule file was read: it wraps the file system's error, so that
// errors.Is(err, fs.ErrNotExist) works.
func Load(fsys fs.FS, opts ...LoadOption) (*Engine, error) {
	if fsys == nil {
		return nil, errors.New("load rules: the file system is nil")
	}
	cfg := loadConfig{maxFileSize: DefaultMaxFileSize, costLimit: MaxRuleCost}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	rs := &parse.RuleSet{MaxIDLen: MaxEntryLen}
	for fi := range numVocabFields {
		rs.Fields = append(rs.Fields, parse.Field{Name: vocabFieldName(fi), Label: vocabFieldLabel(fi), Floors: fi == fieldRedFlags,
			RiskFactors: fi == fieldConditions || fi == fieldRedFlags})
	}
	iss := &parse.Issues{}
	var names []string
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !parse.IsRuleFile(name) {
			return nil
		}
		if !d.Type().IsRegular() {
			// A link to a file is followed; anything else is refused, a
			// pipe or a device since reading it could block forever.
			if msg := parse.Irregular(fsys, name, d.Type(), "rule file"); msg != "" {
				iss.Add(parse.FilePos{File: name}, "%s", msg)
				return nil
			}
		}
		names = append(names, name)
		return nil
	})
	// WalkDir visits a folder's entries in name order, which puts a/x.yaml
	// before a-b.yaml; sort the whole paths so the order is lexical.
	slices.Sort(names)
	if err != nil {
		return nil, &walkError{err}
	}
	if len(names) == 0 && iss.Len() == 0 {
		iss.Add(parse.FilePos{File: "."}, "no rule files (*.yaml or *.yml) found: a rule set needs at least one")
	}
	// The files are read in order, decoded together, then added in order.
	srcs := make([][]byte, 0, len(names))
	read := make([]string, 0, len(names))
	for _, name := range names {
		src, err := parse.ReadFile(fsys, name, cfg.maxFileSize, "rule file")
		if err != nil {
			iss.AddError(parse.FilePos{File: name}, err)
			continue
		}
		srcs = append(srcs, parse.NormalizeLineBreaks(bytes.TrimPrefix(src, []byte("\uFEFF"))))
		read = append(read, name)
	}
	for i, d := range decodeFiles(srcs) {
		rs.AddDecoded(read[i], srcs[i], d, iss)
	}
	if iss.Len() > 0 && len(rs.Files) == 0 {
		return nil, loadError(iss)
	}
	return compile(rs, iss, &cfg)
}

// minParallelDecode is the fewest bytes of rule files that decodeFiles
// decodes on several goroutines.
const minParallelDecode = 256 << 10

// decodeFiles decodes the YAML of each rule file of srcs, on as many goroutines as GOMAXPROCS when the files are large
// enough for it to pay: the decoding reads nothing but its file, and the
// files are then added in their order, so the result is the same.
func decodeFiles(srcs [][]byte) []parse.Decoded {
	out := make([]parse.Decoded, len(srcs))
	size := 0
	for _, src := range srcs {
		size += len(src)
	}
	workers := min(runtime.GOMAXPROCS(0), len(srcs))
	if size < minParallelDecode || workers < 2 {
		for i, src := range srcs {
			out[i] = parse.Decode(src)
		}
		return out
	}
	parallelFor(workers, len(srcs), func(i int) { out[i] = parse.Decode(srcs[i]) })
	return out
}

// parallelFor calls fn(i) for every i from 0 to n-1 on workers goroutines,
// each taking the next i not yet taken, and returns when every call has
// returned. fn must be safe to call concurrently for different i.
func parallelFor(workers, n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

// walkError is a failure to list the rule files. Its text is escaped like
// that of a LoadError, since it holds a path.
type walkError struct{ err error }

func (e *walkError) Error() string { return "load rules: " + escapeText(e.err.Error()) }
func (e *walkError) Unwrap() error { return e.err }

var defaultEngine = sync.OnceValues(func() (*Engine, error) {
	return Load(rules.FS)
})

// Default returns the engine for the default rule set embedded in package
// github.com/backrules/backrules/rules. It compiles the rules on first use
// and returns the same engine after that.
func Default() (*Engine, error) {
	return defaultEngine()
}

// Recommend evaluates every rule against p and returns the advice, resolved
// by the safety policy described in the package documentation.
//
// Recommend validates p first. It then evaluates the rules that refer to
// a clinician, every one of them, then the rules that give a safety-net
// message, and then the rest.
//
// A profile with problems gets no advice, but its referrals: Recommend
// returns a nil *Result and a *PartialError whose Err is the
// *ProfileError listing every problem (errors.As finds it, and errors.Is
// matches ErrInvalidProfile; it is joined with an *EvalError when a
// referral rule also failed), and whose Result holds the referrals and
// safety-net messages of what the engine can read of the profile (see
// Triage), with the rest of the advice withheld, WithheldReason ending
// with UnreadableReason. What it can read: each list's entries the
// vocabulary knows (and as a red flag, an entry of any list, a choice, or
// a check-in's movement or response, that its vocabulary lacks but that
// names a red flag: see NamedRedFlags; an entry of red_flags that names
// none but that its problem suggests is a typo of one, "saddle_numbnes",
// as that red flag; and as a condition, such an entry
// of any list, a choice or a check-in's, that names a condition,
// such as sciatica given as a red flag or "Sciatica" in the conditions,
// and an entry of conditions that names none but that its problem
// suggests is a typo of one, "sciatca", as that condition), a choice the vocabulary knows, each number within its
// range, a number out of range as its nearest bound (a pain of 11 is read
// as 10) but an age or an onset (days_since_onset) out of range as
// unknown, and of the check-ins only
// the latest's pain, read as in Recommend: the pain now is the higher of
// it (out of range, its nearest bound) and pain_level. No programme is
// built and no programme review is checked. So a mistake in one field
// cannot hide the emergency another field reports.
//
// If a rule fails to evaluate (a progression rule on the check-ins too),
// or ctx is done or its deadline has passed before every rule has run,
// Recommend returns a nil *Result and a
// *PartialError. Its Result holds the referrals the profile matched, and
// the reviews its check-ins call for when no referral withholds advice
// (a review rule that fails counts as calling for its review), with
// the rest of the advice withheld, and its Err is the rule's *EvalError
// (naming the rule, its file and line) or wraps ctx.Err() (or
// context.DeadlineExceeded for a deadline that has passed even if the
// context's timer has not fired yet: an expired deadline is honoured
// however short it was). The referral rules run even then: the cost of
// every condition is bounded at load, and a done context must not hide an
// emergency. A referral rule that fails counts as matched. A cancelled
// context also stops a condition inside a comprehension.
//
// A nil ctx or a nil *Engine is an error, not a panic.
func (e *Engine) Recommend(ctx context.Context, p Profile) (*Result, error) {
	if err := e.callable(ctx); err != nil {
		return nil, err
	}
	// The profile is kept in the reused decision record, so that no
	// call copies it to the heap.
	d := e.getDecisions()
	defer e.putDecisions(d)
	d.profile = p
	return e.advise(ctx, d, &d.profile)
}

// advise works out the advice for the profile at pp in the decision
// record d, every stage in turn: validate, evaluate, resolve, build, and
// the programme of the check-ins. A profile with problems gives the
// referrals of what can be read, and a rule that fails or a done ctx the
// referrals with the rest of the advice withheld, each as a nil *Result
// and a *PartialError (see Recommend). Recommend and the Explainer both
// work out their advice here, so that an explanation is of the advice
// Recommend gives. pp may be d's own profile (Recommend's) or another
// (the Explainer keeps its own); advise changes *pp as the stages do
// (painNow).
func (e *Engine) advise(ctx context.Context, d *decisions, pp *Profile) (*Result, error) {
	// given is the profile's own pain_level, before painNow makes it the
	// pain now (see addProgramme).
	given := pp.PainLevel
	if err := e.validate(pp); err != nil {
		// err is a *ProfileError: the referrals of what can be read,
		// so that a caller that stops at the error still finds the
		// emergency the profile reports. Triage reads, and changes, the
		// decision record's copy of the profile.
		d.profile = *pp
		res, everr := e.triage(ctx, d)
		if everr != nil {
			err = errors.Join(err, everr)
		}
		return nil, &PartialError{Result: res, Err: err}
	}
	painNow(pp)
	if err := e.evaluateInto(ctx, pp, d.matched); err != nil {
		return nil, e.failed(d, pp, err)
	}
	d.incomplete = false
	e.resolveInto(d, pp)
	res := e.build(d)
	if err := e.addProgramme(res, pp, given); err != nil {
		// A progression rule failed: the referrals are known, so they
		// still reach the person, with the rest of the advice withheld.
		return nil, e.failed(d, pp, err)
	}
	return res, nil
}

// Triage returns the referrals and safety-net messages of what the engine
// can read of p, with the rest of the advice withheld, as Recommend
// gives them for a profile with problems (see Recommend and
// PartialError): for a caller that refuses a profile, with its problems
// (from DecodeProfile or Validate), and must still show the emergency it
// reports. Pass it the profile DecodeProfile returned with its error.
//
// The Result is never nil for an Engine that Load or Default made (a nil
// or zero Engine is an error, with no Result): Incomplete, every
// movement withheld, its WithheldReason ending with UnreadableReason.
// Only the referral and safety-net rules run, whatever ctx says; one that
// fails counts as matched, and the error is that failure (an *EvalError),
// or nil. A nil ctx is a mistake of the caller, but it does not hide the
// emergency either: the Result is given all the same, and the error says
// that ctx was nil (joined with an *EvalError when a rule also failed).
func (e *Engine) Triage(ctx context.Context, p Profile) (*Result, error) {
	if err := e.unusable(); err != nil {
		return nil, err
	}
	var ctxErr error
	if ctx == nil {
		ctxErr, ctx = errNilContext, context.Background()
	}
	d := e.getDecisions()
	defer e.putDecisions(d)
	d.profile = p
	res, err := e.triage(ctx, d)
	if ctxErr != nil {
		err = errors.Join(ctxErr, err)
	}
	return res, err
}

// triage is Triage of d.profile, which it changes: only the referral and
// safety-net rules are evaluated.
func (e *Engine) triage(ctx context.Context, d *decisions) (*Result, error) {
	pp := &d.profile
	e.readable(pp)
	err := e.evaluateUpTo(ctx, pp, d.matched, e.nFirst)
	d.unreadable = true
	return e.partial(d, pp), err
}

// addProgramme adds the programme of the check-ins of p, and the reviews
// it calls for, to res. A referral that withholds advice overrides the
// programme: res is left as it is. The programme follows the advice in
// res (see Programme): a movement it does not recommend stops, and an
// urgent or emergency referral holds progression. given is the
// profile's own pain_level, before painNow made it the pain now: the
// replay of each check-in reads it as that check-in's answer did (see
// adherence.facts).
func (e *Engine) addProgramme(res *Result, p *Profile, given int) error {
	cs := p.CheckIns
	if len(cs) == 0 || res.Withheld {
		return nil
	}
	pg, refs, err := e.programme(cs, given, res)
	if err != nil {
		return err
	}
	res.Programme = pg
	// A review joins the referrals in the order of urgency: one that a
	// rule set makes urgent comes before a routine referral.
	res.Referrals = append(res.Referrals, refs...)
	sortReferrals(res.Referrals)
	// A review leaves out the reassurance: it says the pain has not
	// eased, or has risen, so "give it time" would tell the person the
	// opposite (the messages were built before the reviews were known;
	// see builder.messages for the referrals of the advice).
	if len(refs) > 0 {
		res.Messages = slices.DeleteFunc(res.Messages, func(m Message) bool { return m.Kind == MessageKindReassurance })
	}
	return nil
}
