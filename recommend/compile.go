package recommend

// Stage 2, compile: positioned declarations in, an Engine out. This stage
// checks every cross-reference, compiles each CEL condition once (see
// condition.go), and resolves effect selectors to movement indexes, so that
// the evaluate and resolve stages do no lookups by name. It reads the
// declarations of package parse, never YAML.

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/figure"
	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/internal/words"
	"github.com/google/cel-go/cel"
)

// movementKinds are the allowed movement kinds.
var movementKinds = []string{"stretch", "mobility", "decompression", "strengthening", "self_massage", "lifestyle"}

var urgencies = []string{string(UrgencyEmergency), string(UrgencyUrgent), string(UrgencyRoutine)}

// floorNone is the floor urgency of a red flag that needs no referral on
// its own, and floorUrgencies the urgencies a floor may give.
const floorNone = "none"

var floorUrgencies = append(slices.Clone(urgencies), floorNone)

// sourceKinds are the allowed source kinds, from the strongest kind of
// evidence to the weakest (see SourceKinds).
var sourceKinds = sourceKindIDs("")

// compiler holds the state of one compile.
type compiler struct {
	doc *parse.RuleSet
	iss *parse.Issues
	e   *Engine
	env *cel.Env

	sourceIdx   map[string]int
	movementIdx map[string]int
	tagIdx      map[string][]int
	ruleFirst   map[string]parse.FilePos
	citeIdx     map[citation]int
	// conds holds each when text compiled without error so far: rules
	// with the same condition share its AST and program, which are
	// immutable and safe for concurrent use. compiled holds every
	// distinct when text compiled ahead of the rules, or is nil (see
	// compileConditions).
	conds    map[string]compiledCondition
	compiled map[string]compiledCondition
	smoke    []smokeProfile
	// costs holds the estimated costs of the parts of the conditions the
	// fast path checks (see costCache).
	costs costCache
	// parsed holds the declaration of each rule of e.rules, and shape
	// the shape of the profile space Analyze explores, made on first use
	// by the load-time proofs (see spaceShape).
	parsed []*parse.Rule
	shape  *space
	// runtimeEvals counts the evaluations of the runtime check.
	runtimeEvals int

	// budget is the most a condition's estimated cost may be, and
	// costLimit the most its actual cost may be when it runs.
	budget, costLimit uint64
}

func compile(doc *parse.RuleSet, iss *parse.Issues, cfg *loadConfig) (*Engine, error) {
	env, err := sharedCELEnv()
	if err != nil {
		return nil, fmt.Errorf("create CEL environment: %w", err)
	}
	e := &Engine{}
	// The shared environment, with the validator that checks literals
	// against this rule set's vocabulary.
	env, err = env.Extend(cel.ASTValidators(vocabularyValidator{&e.vocab}))
	if err != nil {
		return nil, fmt.Errorf("create CEL environment: %w", err)
	}
	c := &compiler{
		doc: doc, iss: iss, env: env,
		e:           e,
		sourceIdx:   map[string]int{},
		movementIdx: map[string]int{},
		tagIdx:      map[string][]int{},
		ruleFirst:   map[string]parse.FilePos{},
		citeIdx:     map[citation]int{},
		conds:       map[string]compiledCondition{},
		budget:      MaxRuleCost,
		costLimit:   cfg.costLimit,
	}
	c.ruleSet()
	c.sources()
	c.vocabulary()
	c.movements()
	c.compileConditions()
	c.rules()
	c.progress()
	c.e.evaluationOrder()
	c.e.prepare()
	if iss.Len() == 0 {
		c.checkRuleCount()
	}
	if !cfg.noRuntimeCheck {
		// Each condition that compiled is searched for runtime errors
		// (runtimecheck.go); the floors are proved on a rule set without
		// other problems, whose every rule is in place (floors.go).
		c.runtimeEvals = c.runtimeCheck(c.parsed)
	}
	if iss.Len() == 0 {
		c.proveFloors()
	}
	if iss.Len() > 0 {
		return nil, loadError(iss)
	}
	// The checked ASTs were for the checks above: the engine keeps the
	// conditions' text (condsource.go).
	for ri := range c.e.rules {
		c.e.rules[ri].why.release()
	}
	return c.e, nil
}

// ruleSet records the rule set's version, which at most one file
// declares, and its digest: the SHA-256 of every rule file's path, length
// and contents, in rule-set order (see parse.Digest).
func (c *compiler) ruleSet() {
	for i, v := range c.doc.Version {
		if i == 0 {
			c.e.ruleSet.Version = v.S
			continue
		}
		first := c.doc.Version[0].Pos
		c.iss.Add(v.Pos, "the rule set version is declared again (first at %s): declare it in one file only", first)
	}
	c.e.ruleSet.Digest = parse.Digest(c.doc.Files)
}

// duplicate reports t as a duplicate when its id was seen before, at both
// places, and records it otherwise.
func (c *compiler) duplicate(seen map[string]parse.FilePos, what string, t parse.Text) bool {
	if first, ok := seen[t.S]; ok {
		c.iss.Add(t.Pos, "duplicate %s id %q (first declared at %s)", what, t.S, first)
		c.iss.Add(first, "%s id %q is declared again at %s: ids must be unique across the rule set", what, t.S, t.Pos)
		return true
	}
	seen[t.S] = t.Pos
	return false
}

func (c *compiler) sources() {
	seen := map[string]parse.FilePos{}
	for _, s := range c.doc.Sources {
		if c.duplicate(seen, "source", s.ID) {
			continue
		}
		if s.Kind.S != "" && !slices.Contains(sourceKinds, s.Kind.S) {
			c.unknownOf(s.Kind, "source kind", sourceKinds)
		}
		c.sourceIdx[s.ID.S] = len(c.e.sources)
		c.e.sources = append(c.e.sources, Source{
			ID: s.ID.S, Title: s.Title, Publisher: s.Publisher, Author: s.Author, URL: s.URL, Kind: s.Kind.S,
			Sections: sectionNames(s.Sections),
		})
	}
}

func (c *compiler) vocabulary() {
	var seen [numVocabFields]map[string]parse.FilePos
	for i := range c.e.vocab {
		c.e.vocab[i].byID = map[string]int{}
		seen[i] = map[string]parse.FilePos{}
	}
	var flags []*parse.Term
	for _, v := range c.doc.Vocab {
		if c.duplicate(seen[v.Field], "vocabulary."+vocabFieldName(v.Field), v.ID) {
			continue
		}
		if v.Field >= numListFields && len(v.Codes) > 0 {
			c.iss.Add(v.Codes[0].System.Pos, "codes are for the values of list fields, which coded data such as FHIR Conditions fill; vocabulary.%s takes none: remove them", vocabFieldName(v.Field))
		}
		voc := &c.e.vocab[v.Field]
		voc.byID[v.ID.S] = len(voc.entries)
		var also []string
		if len(v.AlsoCalled) > 0 {
			also = texts(v.AlsoCalled)
		}
		voc.entries = append(voc.entries, vocabEntry{
			id: v.ID.S, label: v.Label, codes: codes(v.Codes), floor: c.floor(v),
			riskFactor: v.RiskFactor, countsWhenPast: v.CountsWhenPast, alsoCalled: also,
		})
		if v.Field == fieldRedFlags {
			flags = append(flags, v)
		}
	}
	for fi := range numListFields {
		c.e.vocab[fi].indexNames(fi)
	}
	c.alsoCalled(flags)
	c.codeCategories()
}

// alsoCalled checks the also_called names of flags, the red flags of the
// vocabulary: a name must add to what names its red flag, and stand for it
// alone. A name that is its own flag's id in words, or a name its label
// gives (see labelNames), or one it lists twice, is refused as said
// twice; one that is another red flag's id, also_called name or a name
// its label gives, as a name of two red flags, which text that holds it
// would count both of. Names are compared by their words, in any case
// ("CES" is "ces").
func (c *compiler) alsoCalled(flags []*parse.Term) {
	type owner struct {
		flag, what string
		pos        parse.FilePos
	}
	seen := map[string]owner{}
	for _, v := range flags {
		if k := nameOf(v.ID.S).key(); seen[k].flag == "" {
			seen[k] = owner{v.ID.S, "its id", v.ID.Pos}
		}
	}
	for _, v := range flags {
		for _, n := range labelNames(v.Label) {
			if k := n.key(); seen[k].flag == "" {
				seen[k] = owner{v.ID.S, "a name its label gives", v.ID.Pos}
			}
		}
	}
	for _, v := range flags {
		for _, a := range v.AlsoCalled {
			k := nameOf(a.S).key()
			o, ok := seen[k]
			switch {
			case !ok:
				seen[k] = owner{v.ID.S, "one of its also_called names", a.Pos}
			case o.flag == v.ID.S && o.pos == a.Pos:
			case o.flag == v.ID.S && strings.HasPrefix(o.what, "one of"):
				c.iss.Add(a.Pos, "red flag %q lists the name %s twice in also_called (first at %s): list each name once", v.ID.S, parse.Quote(a.S), o.pos)
			case o.flag == v.ID.S:
				c.iss.Add(a.Pos, "the name %s in also_called of red flag %q is the same as %s, which already names it: remove it", parse.Quote(a.S), v.ID.S, o.what)
			default:
				c.iss.Add(a.Pos, "the name %s in also_called of red flag %q is also a name of red flag %q (%s, at %s): a name stands for one red flag, "+
					"or text that holds it would count both; remove it here, or give a name that tells them apart", parse.Quote(a.S), v.ID.S, o.flag, o.what, o.pos)
			}
		}
	}
}

// floor returns the safety floor of vocabulary term v, checking its
// urgency, or nil when it has none: the parse stage reported a red flag
// without one.
func (c *compiler) floor(v *parse.Term) *Floor {
	if v.Floor == nil {
		return nil
	}
	u := v.Floor.Urgency.S
	switch {
	case !slices.Contains(floorUrgencies, u):
		c.unknownOf(v.Floor.Urgency, "floor urgency", floorUrgencies)
		return nil
	case u == floorNone && v.Floor.Withhold:
		c.iss.Add(v.Floor.Pos, "a floor that withholds advice needs a referral to say why: give an urgency (emergency, urgent or routine), or withhold: false")
		return nil
	case u == floorNone:
		u = ""
	}
	return &Floor{
		RedFlag: v.ID.S, Urgency: Urgency(u), Withhold: v.Floor.Withhold,
		File: v.Floor.Pos.File, Line: v.Floor.Pos.Line, Column: v.Floor.Pos.Column,
	}
}

// codeCategories reports a code that lies inside a category (a code given
// with subcodes: true) of another term: the code would stand for two
// terms. A code inside a category of its own term is allowed.
func (c *compiler) codeCategories() {
	type category struct {
		term *parse.Term
		code parse.Code
	}
	var cats []category
	for _, v := range c.doc.Vocab {
		for _, cd := range v.Codes {
			if cd.Subcodes {
				cats = append(cats, category{v, cd})
			}
		}
	}
	for _, v := range c.doc.Vocab {
		for _, cd := range v.Codes {
			for _, cat := range cats {
				if cat.term != v && cat.code.System.S == cd.System.S && cd.Code.S != cat.code.Code.S &&
					strings.HasPrefix(cd.Code.S, cat.code.Code.S) {
					c.iss.Add(cd.Code.Pos, "code %q of %s lies inside category %q, which %s %q gives with subcodes: true at %s; a code stands for one term",
						cd.Code.S, cd.System.S, cat.code.Code.S, vocabFieldLabel(cat.term.Field), cat.term.ID.S, cat.code.Code.Pos)
				}
			}
		}
	}
}

func (c *compiler) movements() {
	seen := map[string]parse.FilePos{}
	equipment := &c.e.vocab[fieldEquipment]
	props := c.equipmentProps()
	for _, m := range c.doc.Movements {
		if c.duplicate(seen, "movement", m.ID) {
			continue
		}
		mv := movement{id: m.ID.S, name: m.Name, kind: m.Kind.S, how: m.How, dose: m.Dose, pose: m.Pose,
			text: MovementTextOf(m.Name, m.Kind.S, m.How, m.Dose)}
		if m.Kind.S != "" && !slices.Contains(movementKinds, m.Kind.S) {
			c.unknownOf(m.Kind, "movement kind", movementKinds)
		}
		for _, eq := range m.Equipment {
			i := equipment.index(eq.S)
			if i < 0 {
				c.unknownWhy(eq, "equipment", "it is not in vocabulary.equipment", equipment.ids())
				continue
			}
			if !slices.Contains(mv.equipment, i) {
				mv.equipment = append(mv.equipment, i)
			}
		}
		c.drawsEquipment(m, props)
		c.levels(&mv, m)
		idx := len(c.e.movements)
		for _, t := range m.Tags {
			if !slices.Contains(mv.tags, t.S) {
				mv.tags = append(mv.tags, t.S)
				c.tagIdx[t.S] = append(c.tagIdx[t.S], idx)
			}
		}
		c.movementIdx[m.ID.S] = idx
		c.e.movements = append(c.e.movements, mv)
	}
}

// equipmentProps returns the prop that draws each piece of equipment, by
// the id of its vocabulary entry (the first, when an id is declared
// twice): its Prop, whose S is "" when the entry's prop is missing or
// wrong, which the parse stage reported.
func (c *compiler) equipmentProps() map[string]parse.Text {
	out := map[string]parse.Text{}
	for _, v := range c.doc.Vocab {
		if _, dup := out[v.ID.S]; v.Field == fieldEquipment && !dup {
			out[v.ID.S] = v.Prop
		}
	}
	return out
}

// drawsEquipment reports, at the pose of movement m, each piece of
// equipment m uses whose prop (props, by equipment id) the pose does not
// draw: every piece of equipment a movement names is in its picture,
// unless its vocabulary entry says prop: none.
func (c *compiler) drawsEquipment(m *parse.Movement, props map[string]parse.Text) {
	if m.Pose == nil {
		return // missing or wrong: reported
	}
	var seen []string
	for _, eq := range m.Equipment {
		pr, ok := props[eq.S]
		if !ok || pr.S == "" || slices.Contains(seen, eq.S) {
			continue // unknown equipment, a prop missing or wrong (reported), or named twice
		}
		seen = append(seen, eq.S)
		for _, msg := range figure.Undrawn(*m.Pose, []figure.Uses{{Equipment: eq.S, Prop: pr.S}}) {
			c.iss.Add(m.PosePos, "the pose: %s: add %s to the pose's props (%s gives %s prop: %s)",
				msg, pr.S, pr.Pos, eq.S, pr.S)
		}
	}
}

// unknown reports a reference to something that does not exist, with the
// closest known name when one is close.
func (c *compiler) unknown(t parse.Text, what string, known []string) {
	c.unknownWhy(t, what, "", known)
}

// unknownOf reports a value outside a fixed set, with the closest value
// when one is close, and the whole set otherwise.
func (c *compiler) unknownOf(t parse.Text, what string, allowed []string) {
	msg := fmt.Sprintf("unknown %s %q", what, t.S)
	if s := words.DidYouMean(t.S, allowed); s != "" {
		msg += s
	} else {
		msg += fmt.Sprintf(" (allowed: %s)", strings.Join(allowed, ", "))
	}
	c.iss.Add(t.Pos, "%s", msg)
}

// unknownWhy is unknown with a note on why the name is unknown. When no
// known name is close, a short list of known names is given instead.
func (c *compiler) unknownWhy(t parse.Text, what, why string, known []string) {
	msg := fmt.Sprintf("unknown %s %q", what, t.S)
	if why != "" {
		msg += ": " + why
	}
	if s := words.DidYouMean(t.S, known); s != "" {
		msg += s
	} else if len(known) == 0 {
		msg += fmt.Sprintf(" (the rule set declares no %s)", words.Plural(what))
	} else if len(known) <= maxListedNames {
		msg += fmt.Sprintf(" (known: %s)", strings.Join(known, ", "))
	}
	c.iss.Add(t.Pos, "%s", msg)
}

// maxListedNames is the most known names an unknown-name message lists.
const maxListedNames = 8

// compiledCondition is a when condition compiled by compileCondition:
// its source (holding its checked AST while the rules load) and, with a
// direct check (directcheck.go), that check, or else its program; or,
// with a nil source, the issues that it has.
type compiledCondition struct {
	prg cel.Program
	// why keeps the condition's text and, while the rules load, its
	// checked AST (see condsource.go); nil when it did not compile.
	why    *condSource
	loops  bool
	direct directCheck
	issues []conditionIssue
}

func (c *compiler) rules() {
	c.e.rules = make([]rule, 0, len(c.doc.Rules))
	c.parsed = make([]*parse.Rule, 0, len(c.doc.Rules))
	for _, r := range c.doc.Rules {
		if c.duplicate(c.ruleFirst, "rule", r.ID) {
			continue
		}
		cr := rule{id: r.ID.S, description: r.Description, reason: r.Because, when: r.When, pos: r.ID.Pos}
		if r.WhenAt != nil {
			cc, ok := c.conds[r.When]
			if !ok {
				cc = c.condition(r)
				if cc.why != nil {
					c.conds[r.When] = cc
				}
			}
			cr.prg, cr.why, cr.loops, cr.direct = cc.prg, cc.why, cc.loops, cc.direct
		}
		for e, sel := range r.Effects {
			if sel != nil {
				cr.effects[e] = c.selector(sel)
				cr.selectors[e] = &effectSelector{
					movements: texts(sel.Movements), tags: texts(sel.Tags), kinds: texts(sel.Kinds),
				}
				cr.because[e] = cmp.Or(sel.Because, r.Because)
			}
		}
		// Key messages and plan priorities: see message and offers below,
		// and builder.messages and builder.plan in build.go.
		if sel := r.Effects[effectRecommend]; sel != nil && sel.Priority > 0 {
			cr.priority = sel.Priority
			cr.offers = c.offers(sel, cr.effects[effectRecommend])
		}
		if r.Say != nil {
			cr.say = c.message(r.Say)
		}
		if r.Refer != nil {
			cr.refer = c.referral(r.Refer, cr.checked())
			if r.Refer.Urgency.S != "" && !slices.Contains(urgencies, r.Refer.Urgency.S) {
				c.unknownOf(r.Refer.Urgency, "referral urgency", urgencies)
			}
		}
		cr.cites = c.cites(r.Cite, func(ct parse.Citation) Position { return c.position(r, cr.effects, ct) })
		c.e.rules = append(c.e.rules, cr)
		c.parsed = append(c.parsed, r)
	}
}

// spaceShape returns the shape of the profile space Analyze explores,
// without its profiles (see Engine.spaceShape), made on first use.
func (c *compiler) spaceShape() *space {
	if c.shape == nil {
		c.shape = c.e.spaceShape(c.e.conditionASTs())
	}
	return c.shape
}

// sectionNames returns the texts of sections, or nil for nil.
func sectionNames(sections []parse.Text) []string {
	if sections == nil {
		return nil
	}
	out := make([]string, 0, len(sections))
	for _, t := range sections {
		if !slices.Contains(out, t.S) {
			out = append(out, t.S)
		}
	}
	return out
}

// cites checks citations cts and returns their indexes in the engine's
// citation table: each source must exist, each locator name one of its
// sections when it lists any, and position returns the position each
// citation states, checked against the rule that cites it. Rules and
// progression rules cite through it alike.
func (c *compiler) cites(cts []parse.Citation, position func(parse.Citation) Position) []int {
	var out []int
	for _, ct := range cts {
		si, ok := c.sourceIdx[ct.Source.S]
		if !ok {
			c.unknown(ct.Source, "source", c.sourceIDs())
			continue
		}
		s := c.e.sources[si]
		c.locator(s, ct)
		pos := position(ct)
		out = append(out, c.citation(citation{Source: s.ID, Title: s.Title, Publisher: s.Publisher, Kind: s.Kind, URL: s.URL,
			Locator: ct.Locator, Claim: ct.Claim, Position: string(pos)}))
	}
	return out
}

// locator checks that citation ct points at one of the sections source s
// lists, when it lists any.
func (c *compiler) locator(s Source, ct parse.Citation) {
	if len(s.Sections) == 0 || ct.Locator == "" || slices.Contains(s.Sections, ct.Locator) {
		return
	}
	c.unknownWhy(parse.Text{S: ct.Locator, Pos: ct.LocatorPos}, "section",
		fmt.Sprintf("source %q lists its sections, and a locator must name one of them; add a section to the source only once its published text has been checked", s.ID),
		s.Sections)
}

// positionEffects pairs each position a citation can take on movements
// with the effect it takes a side on.
var positionEffects = [...]struct {
	pos    Position
	effect int
	does   string
}{
	{PositionSupports, effectRecommend, "recommends"},
	{PositionAgainst, effectAvoid, "avoids"},
	{PositionCaution, effectCaution, "cautions against"},
}

// position returns the position citation ct of rule r states: the one it
// writes, checked against the rule's effects (effects holds the movements
// each selects), or the one that follows from them. A rule with one effect
// on movements gives that effect's position; a rule that only refers or
// gives a message gives background; a rule with several effects on
// movements needs the position written.
func (c *compiler) position(r *parse.Rule, effects [numEffects][]int, ct parse.Citation) Position {
	var has []string
	implied := PositionBackground
	for _, pe := range positionEffects {
		if r.Effects[pe.effect] != nil {
			has = append(has, pe.does)
			implied = pe.pos
		}
	}
	// A citation is shown on every item its rule makes, so a rule that
	// both recommends movements and avoids others shows each passage on
	// both: a side taken for the ones would read as the source's side on
	// the others. Such a rule cites background only; a rule that needs
	// passages on each side is two rules. (A rule that recommends and
	// cautions keeps its movements, with care, and may take either side,
	// as far as its effects select the same movements: a passage in
	// support is shown on each movement it cautions, so every one must be
	// one it recommends, and a passage of care on each it recommends, so
	// every one must be one it cautions.)
	recommends := r.Effects[effectRecommend] != nil
	moves := r.Effects[effectAvoid] != nil || r.Effects[effectCaution] != nil
	mixed := recommends && r.Effects[effectAvoid] != nil
	cautions := r.Effects[effectCaution] != nil
	rec, cau := effects[effectRecommend], effects[effectCaution]
	supportsAll := !recommends || !cautions || subset(cau, rec)
	opposesAll := !recommends || !cautions || subset(rec, cau)
	fits := func(p Position) bool {
		switch {
		case p == PositionBackground:
			return true
		case mixed:
			return false
		case p == PositionSupports:
			// A rule that refers or gives a message may cite a source in
			// support of that, unless it also avoids or cautions against
			// movements: the citation would then read as support for
			// what the rule keeps the person from.
			return recommends && supportsAll || (r.Refer != nil || r.Say != nil) && !moves
		case p == PositionAgainst, p == PositionCaution:
			// A rule may be milder than its source (a caution citing
			// advice against), or firmer (an avoid citing advice to take
			// care, as the safety policy prefers); each citation shows
			// which its source says.
			return moves && opposesAll
		}
		return false
	}
	split := ""
	switch {
	case mixed:
		split = ", and every citation is shown on each of them: split it into a rule that recommends and one that avoids to cite a side"
	case !supportsAll || !opposesAll:
		split = ", not the same ones, and every citation is shown on each of them: make the two select the same movements, or split it into a rule that recommends and one that cautions against"
	}
	if ct.Position.S == "" && len(has) > 1 {
		c.iss.Add(ct.Source.Pos, "the citation of %q must say where the source stands: rule %q %s movements%s, so write position: %s (%s)",
			ct.Source.S, r.ID.S, words.List(has), split, orList(fitting(fits)), positionHelp(fitting(fits)))
		return PositionBackground
	}
	does := "only refers or gives a message"
	if len(has) > 0 {
		does = words.List(has) + " movements" + split
	}
	return c.statedPosition(ct, "rule", r.ID.S, does, implied, fits)
}

// statedPosition returns the position citation ct of a rule states: the
// one it writes, when fits accepts it, or implied when it writes none. A
// position outside the set, or one that does not fit the rule (what
// rule id does, in words), is reported at the position and background
// returned.
func (c *compiler) statedPosition(ct parse.Citation, what, id, does string, implied Position, fits func(Position) bool) Position {
	if ct.Position.S == "" {
		return implied
	}
	p := Position(ct.Position.S)
	if !slices.Contains(positions, p) {
		// Suggest only a position that fits: "support" on a caution is
		// not a misspelt "supports", which would be refused in turn.
		fit := fitting(fits)
		msg := fmt.Sprintf("unknown citation position %q", p)
		if s := words.DidYouMean(string(p), fit); s != "" {
			msg += s
		} else {
			msg += fmt.Sprintf(": %s %q %s, so write position: %s (%s)", what, id, does, orList(fit), positionHelp(fit))
		}
		c.iss.Add(ct.Position.Pos, "%s", msg)
		return PositionBackground
	}
	if !fits(p) {
		c.iss.Add(ct.Position.Pos, "citation position %q does not fit %s %q, which %s: write position: %s (%s)",
			p, what, id, does, orList(fitting(fits)), positionHelp(fitting(fits)))
		return PositionBackground
	}
	return p
}

// positionMeaning says what each position means, for load errors.
var positionMeaning = map[string]string{
	string(PositionSupports):   "the passage recommends what the rule advises",
	string(PositionAgainst):    "it advises against what the rule avoids or cautions against",
	string(PositionCaution):    "it advises care with what the rule cautions against or avoids",
	string(PositionBackground): "it gives a fact the rule builds on and takes no side",
}

// positionHelp says what each of ps means.
func positionHelp(ps []string) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p + ": " + positionMeaning[p]
	}
	return strings.Join(parts, "; ")
}

// orList joins items as "a, b or c".
func orList(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// fitting returns the positions fits accepts, in documentation order.
func fitting(fits func(Position) bool) []string {
	var out []string
	for _, p := range positions {
		if fits(p) {
			out = append(out, string(p))
		}
	}
	return out
}

// citation returns the index of ct in the engine's citation table, adding
// it when no rule cited it before. Identical citations share an index, so
// the resolve stage can merge them by comparing ints.
func (c *compiler) citation(ct citation) int {
	if i, ok := c.citeIdx[ct]; ok {
		return i
	}
	i := len(c.e.citations)
	c.citeIdx[ct] = i
	c.e.citations = append(c.e.citations, makeCitation(ct))
	return i
}

func (c *compiler) sourceIDs() []string {
	out := make([]string, len(c.e.sources))
	for i, s := range c.e.sources {
		out[i] = s.ID
	}
	return out
}

// selector resolves an effect's movements, tags and kinds to movement
// indexes, in ascending order without repeats.
func (c *compiler) selector(s *parse.Selector) []int {
	var out []int
	for _, m := range s.Movements {
		i, ok := c.movementIdx[m.S]
		if !ok {
			c.unknown(m, "movement", slices.Sorted(maps.Keys(c.movementIdx)))
			continue
		}
		out = append(out, i)
	}
	for _, t := range s.Tags {
		ms, ok := c.tagIdx[t.S]
		if !ok {
			c.unknownWhy(t, "tag", "no movement has it", slices.Sorted(maps.Keys(c.tagIdx)))
			continue
		}
		out = append(out, ms...)
	}
	for _, k := range s.Kinds {
		if !slices.Contains(movementKinds, k.S) {
			c.unknownOf(k, "movement kind", movementKinds)
			continue
		}
		for i, m := range c.e.movements {
			if m.kind == k.S {
				out = append(out, i)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// compiledMessage is a rule's key message.
type compiledMessage struct {
	kind MessageKind
	text string
}

// message checks and compiles a rule's key message.
func (c *compiler) message(m *parse.Message) *compiledMessage {
	if m.Kind.S != "" && !slices.Contains(messageKinds, m.Kind.S) {
		c.unknownOf(m.Kind, "message kind", messageKinds)
	}
	return &compiledMessage{kind: MessageKind(m.Kind.S), text: m.Text}
}

// offers returns the movements a recommend effect offers for the plan, in
// the order it prefers them: the movement ids as written, then the rest of
// selected (the movements its tags and kinds select), in declaration order.
func (c *compiler) offers(s *parse.Selector, selected []int) []int {
	out := make([]int, 0, len(selected))
	for _, m := range s.Movements {
		if i, ok := c.movementIdx[m.S]; ok && !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	for _, i := range selected {
		if !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	return out
}

// subset reports whether every element of a, a sorted list of movement
// indexes, is in b, another.
func subset(a, b []int) bool {
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok {
			return false
		}
	}
	return true
}
