package recommend

import (
	"bytes"
	"encoding/json"
	"slices"
	"unique"

	"github.com/backrules/backrules/internal/parse"
)

// Result is the advice for one profile. Every list is sorted as documented
// on its field, so that the same profile and rule set always give the same
// Result and byte-identical JSON. Lists are never nil.
type Result struct {
	// Referrals are the matched referral rules, most urgent first; within
	// an urgency the soonest first (refer.within, see Within), then those
	// that withhold advice; ties keep the order of the rules in the rule
	// set. Rules with the same urgency and message merge into one
	// referral. The referral story leaves out those folded into another
	// (see FoldedReferrals): these are the referrals a short report shows,
	// and the first, the most pressing, leads.
	Referrals []Referral `json:"referrals"`
	// Programme, with check-ins in the profile, is what each movement of
	// the programme does this week; nil without check-ins, or when a
	// referral withholds movement advice.
	Programme *Programme `json:"programme,omitempty"`
	// FoldedReferrals are the matched referrals the referral story folded
	// into one of Referrals, because they belong to its pathway, name a
	// reported red flag it names at a lower urgency or a later timing, or
	// invite activity beside it or beside withheld advice; most urgent
	// first, then the soonest. A short
	// report leaves them out; a detailed report and an explanation show
	// them. A folded referral that withholds advice still withholds it,
	// and the shown referral it is folded into is marked Withhold.
	FoldedReferrals []FoldedReferral `json:"folded_referrals"`
	// Withheld is true when a matched referral, shown or folded, withholds
	// all movement advice. Recommended and NeedsEquipment are then empty, and Conflicts
	// keeps only the avoided ones; Avoided stays.
	Withheld bool `json:"withheld"`
	// WithheldReason says why advice was withheld, or is "".
	WithheldReason string `json:"withheld_reason,omitempty"`
	// Incomplete is true when not every rule could be evaluated, or the
	// profile had problems: the Result came with a *PartialError, or from
	// Engine.Triage, and holds the referrals and the safety-net messages
	// only, with the rest of the advice withheld (WithheldReason ends
	// with IncompleteReason, or UnreadableReason for a profile with
	// problems). A complete Result has it false, and its JSON leaves it
	// out.
	Incomplete bool `json:"incomplete,omitempty"`
	// Messages are the key messages of the matched rules: what to know
	// besides the movements, such as reassurance and when to get help.
	// Safety nets come first, then reassurance, staying active and
	// pacing, each kind in rule order; rules with the same kind and text
	// merge into one message. When advice is withheld, only the safety
	// nets stay, and the stay_active messages when every withholding
	// referral says keep_active.
	Messages []Message `json:"messages"`
	// Plan names the recommended movements to start with, at most MaxPlan,
	// in the order to take them up. Each matched rule whose recommend
	// effect has a priority offers one movement, the first of its
	// movements in the order written that is in Recommended; a movement
	// offered by several rules takes the best (lowest) priority; the plan
	// lists them by priority, then in declaration order. The rest of
	// Recommended is also helpful. The plan is empty when advice is
	// withheld or no matched rule gives a priority.
	Plan []PlanStep `json:"plan"`
	// Recommended are the movements to do, in the order the rule set
	// declares its movements.
	Recommended []Item `json:"recommended"`
	// Avoided are the movements to stay away from, in declaration order.
	Avoided []Item `json:"avoided"`
	// Conflicts are movements that one matched rule recommends and another
	// avoids or cautions against, in declaration order.
	Conflicts []Conflict `json:"conflicts"`
	// NeedsEquipment are the movements left out only because the profile
	// lacks their equipment, in declaration order.
	NeedsEquipment []EquipmentNeed `json:"needs_equipment"`
	// RuleSet names the rule set that produced the Result: its declared
	// version and its digest.
	RuleSet RuleSet `json:"rule_set"`
	// Disclaimer reminds the reader what this advice is and is not.
	Disclaimer string `json:"disclaimer"`
	// trace is which rules matched, one bit per rule; see Trace.
	trace ruleTrace
}

// Disclaimer is the text every Result carries.
const Disclaimer = "General information for self-care, not a diagnosis or a treatment plan. " +
	"A referral is advice to get assessed by a clinician, not a diagnosis. " +
	"Stop any movement that makes symptoms worse or spreads pain into the leg."

// Urgency ranks a referral.
type Urgency string

// The urgencies, from most to least urgent.
const (
	// UrgencyEmergency means go to an emergency department now.
	UrgencyEmergency Urgency = "emergency"
	// UrgencyUrgent means see a doctor the same or the next day.
	UrgencyUrgent Urgency = "urgent"
	// UrgencyRoutine means book an appointment with a clinician.
	UrgencyRoutine Urgency = "routine"
)

// rank orders urgencies: higher is more urgent, 0 is unknown.
func (u Urgency) rank() int {
	switch u {
	case UrgencyEmergency:
		return 3
	case UrgencyUrgent:
		return 2
	case UrgencyRoutine:
		return 1
	}
	return 0
}

// AtLeast reports whether u is as urgent as v or more.
func (u Urgency) AtLeast(v Urgency) bool { return u.rank() >= v.rank() }

// Referral is advice to get assessed by a clinician.
type Referral struct {
	// Urgency says how soon to be assessed.
	Urgency Urgency `json:"urgency"`
	// Message says what to do, in plain words.
	Message string `json:"message"`
	// Clinician says what to do and how soon to a clinician reading the
	// chart, in the third person (refer.clinician); empty when the rule
	// does not write it. A referral two rules give says the text of each,
	// once, in rule order, joined by a space. The CDS Hooks cards show
	// it.
	Clinician string `json:"clinician,omitempty"`
	// Within is how soon the message asks the person to be seen
	// (refer.within): the soonest of the rules behind the referral; empty
	// when none of them states it (a red flag's floor, a programme
	// review), when the urgency's latest timing applies (see Within).
	Within Within `json:"within,omitempty"`
	// Withhold is true when this referral withholds all movement advice.
	Withhold bool `json:"withhold"`
	// Citations are the sources behind the referral, in rule order,
	// without repeats.
	Citations []Citation `json:"citations"`
	// Rules are the ids of the rules that produced the referral.
	Rules []string `json:"rules"`
}

// Item is one recommended or avoided movement.
//
// An Item holds its movement's text (name, kind, how and dose) as a
// [MovementText], a handle to the rule set's text rather than a copy of
// it, so that a Result stays small: a Result's bytes are most of what a
// call of Recommend costs, in the collector's work. The ids of the rules
// behind the item are its notes' (see [Item.Rules]).
//
// An Item encodes to JSON as an object with the keys movement, name, kind,
// how, dose, reasons, cautions, citations and rules, and decodes from the
// same (rules, which its notes give, is ignored).
type Item struct {
	// Movement is the movement id.
	Movement string
	// Text is the movement's name, kind, how and dose, as the rule set
	// writes them; the Item's methods of those names read it.
	Text MovementText
	// Reasons say why the movement is recommended or avoided, one per rule.
	Reasons []Note
	// Cautions are attached by caution rules to a recommended movement.
	Cautions []Note
	// Citations are the sources behind the reasons and cautions, in rule
	// order, without repeats. A passage one rule cites as background and
	// another on a side (see Position) is listed once, on its side.
	Citations []Citation
}

// Name returns what people call the movement: it.Text.Name().
func (it Item) Name() string { return it.Text.Name() }

// Kind returns the movement's kind: it.Text.Kind().
func (it Item) Kind() string { return it.Text.Kind() }

// How returns how to do the movement: it.Text.How().
func (it Item) How() string { return it.Text.How() }

// Dose returns how long or how often: it.Text.Dose().
func (it Item) Dose() string { return it.Text.Dose() }

// Rules returns the ids of the rules that produced the item: the rule of
// each of its reasons, in rule order, then that of each caution whose rule
// gives no reason, in rule order. It returns a new slice, never nil.
func (it Item) Rules() []string {
	out := make([]string, 0, len(it.Reasons)+len(it.Cautions))
	for _, n := range it.Reasons {
		out = append(out, n.Rule())
	}
	for _, n := range it.Cautions {
		if r := n.Rule(); !slices.Contains(out[:len(it.Reasons)], r) {
			out = append(out, r)
		}
	}
	return out
}

// itemJSON is the JSON form of an Item.
type itemJSON struct {
	Movement  string     `json:"movement"`
	Name      string     `json:"name"`
	Kind      string     `json:"kind"`
	How       string     `json:"how"`
	Dose      string     `json:"dose"`
	Reasons   []Note     `json:"reasons"`
	Cautions  []Note     `json:"cautions"`
	Citations []Citation `json:"citations"`
	Rules     []string   `json:"rules"`
}

// MarshalJSON encodes it as a JSON object; see [Item]. Like a struct's
// strings, its text is HTML-escaped only when the encoder that calls it
// escapes HTML.
func (it Item) MarshalJSON() ([]byte, error) {
	return marshalUnescaped(itemJSON{
		Movement: it.Movement, Name: it.Name(), Kind: it.Kind(), How: it.How(), Dose: it.Dose(),
		Reasons: it.Reasons, Cautions: it.Cautions, Citations: it.Citations, Rules: it.Rules(),
	})
}

// unmarshalVia decodes data, a JSON object, into a J and gives it to set;
// JSON null sets nothing, as encoding/json leaves a struct for null.
func unmarshalVia[J any](data []byte, set func(J)) error {
	if string(data) == "null" {
		return nil
	}
	var j J
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	set(j)
	return nil
}

// marshalUnescaped encodes v as encoding/json does, without escaping <, >
// and &: the encoder that calls a MarshalJSON method escapes them in its
// output when it escapes HTML, as it does for a struct's strings.
func marshalUnescaped(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON decodes a JSON object of the form MarshalJSON gives into
// it. Keys it does not know, and rules, are ignored; JSON null leaves it
// as it is.
func (it *Item) UnmarshalJSON(data []byte) error {
	return unmarshalVia(data, func(j itemJSON) {
		*it = Item{
			Movement: j.Movement, Text: MovementTextOf(j.Name, j.Kind, j.How, j.Dose),
			Reasons: j.Reasons, Cautions: j.Cautions, Citations: j.Citations,
		}
	})
}

// MovementText is what a rule set writes of a movement for the person
// doing it: its name, its kind, how to do it and how much. Like a
// [Citation], it is a small immutable value read through its methods, a
// handle to interned text: two MovementTexts are == exactly when each of
// their methods returns the same, and [MovementText.Equal] says the same,
// for go-cmp. The zero MovementText has every field "".
//
// A MovementText encodes to JSON as an object with the keys name, kind,
// how and dose, and decodes from the same.
type MovementText struct {
	h unique.Handle[movementText]
}

// movementText is the text a MovementText interns.
type movementText struct{ name, kind, how, dose string }

// MovementTextOf returns the MovementText with the name, kind, how and
// dose given; [Movement.Text] gives a rule set's.
func MovementTextOf(name, kind, how, dose string) MovementText {
	t := movementText{name, kind, how, dose}
	if t == (movementText{}) {
		return MovementText{}
	}
	return MovementText{unique.Make(t)}
}

func (m MovementText) text() movementText {
	if m.IsZero() {
		return movementText{}
	}
	return m.h.Value()
}

// Name returns what people call the movement.
func (m MovementText) Name() string { return m.text().name }

// Kind returns the movement's kind: one of stretch, mobility,
// decompression, strengthening, self_massage and lifestyle.
func (m MovementText) Kind() string { return m.text().kind }

// How returns how to do the movement.
func (m MovementText) How() string { return m.text().how }

// Dose returns how long or how often.
func (m MovementText) Dose() string { return m.text().dose }

// IsZero reports whether m is the zero MovementText.
func (m MovementText) IsZero() bool { return m == MovementText{} }

// Equal reports whether m and n hold the same text: m == n.
func (m MovementText) Equal(n MovementText) bool { return m == n }

// String returns the movement's name.
func (m MovementText) String() string { return m.Name() }

// movementTextJSON is the JSON form of a MovementText.
type movementTextJSON struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	How  string `json:"how"`
	Dose string `json:"dose"`
}

// MarshalJSON encodes m as a JSON object; see [MovementText].
func (m MovementText) MarshalJSON() ([]byte, error) {
	t := m.text()
	return marshalUnescaped(movementTextJSON{Name: t.name, Kind: t.kind, How: t.how, Dose: t.dose})
}

// UnmarshalJSON decodes a JSON object of the form MarshalJSON gives into
// m. Keys it does not know are ignored; JSON null leaves m as it is.
func (m *MovementText) UnmarshalJSON(data []byte) error {
	return unmarshalVia(data, func(j movementTextJSON) {
		*m = MovementTextOf(j.Name, j.Kind, j.How, j.Dose)
	})
}

// Note is a reason or a caution, with the rule it comes from. Like a
// [Citation], it is a small immutable value read through its methods, a
// handle to interned text, so that a Result holds its notes without
// copying their text: two Notes are == exactly when their Rule and Text
// are. The zero Note has both "".
//
// A Note encodes to JSON as an object with the keys rule and text, and
// decodes from the same.
type Note struct {
	h unique.Handle[noteText]
}

// noteText is the text a Note interns.
type noteText struct{ rule, text string }

// NoteOf returns the Note of rule with text.
func NoteOf(rule, text string) Note {
	if rule == "" && text == "" {
		return Note{}
	}
	return Note{unique.Make(noteText{rule, text})}
}

func (n Note) value() noteText {
	if n.IsZero() {
		return noteText{}
	}
	return n.h.Value()
}

// Rule returns the id of the rule whose effect gave the note.
func (n Note) Rule() string { return n.value().rule }

// Text returns the reason: the effect's own because, or else the rule's.
func (n Note) Text() string { return n.value().text }

// IsZero reports whether n is the zero Note.
func (n Note) IsZero() bool { return n == Note{} }

// Equal reports whether n and m have the same rule and text: n == m.
func (n Note) Equal(m Note) bool { return n == m }

// String returns the rule and the text, as in "rule-id: text": the text
// alone for a note of no rule, and "" for the zero Note.
func (n Note) String() string {
	v := n.value()
	if v.rule == "" {
		return v.text
	}
	return v.rule + ": " + v.text
}

// noteJSON is the JSON form of a Note.
type noteJSON struct {
	Rule string `json:"rule"`
	Text string `json:"text"`
}

// MarshalJSON encodes n as a JSON object; see [Note]. Like a struct's
// strings, its text is HTML-escaped only when the encoder that calls it
// escapes HTML.
func (n Note) MarshalJSON() ([]byte, error) {
	v := n.value()
	return marshalUnescaped(noteJSON{Rule: v.rule, Text: v.text})
}

// UnmarshalJSON decodes a JSON object of the form MarshalJSON gives into
// n. Keys it does not know are ignored; JSON null leaves n as it is.
func (n *Note) UnmarshalJSON(data []byte) error {
	return unmarshalVia(data, func(j noteJSON) {
		*n = NoteOf(j.Rule, j.Text)
	})
}

// Resolution says how the safety policy settled a conflict.
type Resolution string

const (
	// ResolutionAvoided means an avoid rule won: the movement is not recommended.
	ResolutionAvoided Resolution = "avoided"
	// ResolutionCautioned means the movement stays recommended with the caution
	// attached.
	ResolutionCautioned Resolution = "cautioned"
)

// Conflict is a movement that the sources disagree about: one source's
// passage supports it and another's advises against it or care with it.
// The sides are made of citations by their Position, not of rules: a
// matched rule recommends the movement citing a source that supports it,
// and another avoids it citing a source against it, or cautions against it
// citing a source that advises care. A rule's background citations, and
// the cautions and avoids a rule author adds on their own reasoning (such
// as pacing when pain is high), are on no side: they stay on the item,
// with their reasons. There is a Conflict only when both sides hold a
// source, and no source is on both sides.
type Conflict struct {
	// Movement is the movement id, and Name what people call it.
	Movement string `json:"movement"`
	Name     string `json:"name"`
	// Resolution says how the safety policy settled the conflict.
	Resolution Resolution `json:"resolution"`
	// For is the side that supports the movement: the recommending rules
	// that cite a source in support, and those citations (position
	// supports).
	For Side `json:"for"`
	// Against is the side that advises against the movement or care with
	// it: the citations with position against of the rules that avoid it,
	// and those with position caution of the rules that caution against
	// it, leaving out every source of For (see Conditional); and the rules
	// that cite them. Each citation's Position tells advice against from
	// advice to take care.
	Against Side `json:"against"`
	// AvoidRules are the rules of Against that avoid the movement.
	AvoidRules []string `json:"avoid_rules"`
	// CautionRules are the rules of Against that caution against it.
	CautionRules []string `json:"caution_rules"`
	// Conditional are the citations, with position against or caution,
	// in which a source of For limits its own support ("do it, but
	// gently"): its recommendation is conditional, not a disagreement, so
	// the source is not on the side against. Empty for most conflicts.
	Conditional []Citation `json:"conditional"`
}

// Opposing splits the citations of c.Against by what their sources say:
// against holds those of the sources that advise against the movement (a
// citation with position against), care those of the sources that only
// advise care with it. Each keeps the order of c.Against.Citations.
func (c Conflict) Opposing() (against, care []Citation) {
	for _, ct := range c.Against.Citations {
		if ct.Position() == PositionAgainst {
			against = append(against, ct)
		}
	}
	for _, ct := range c.Against.Citations {
		if ct.Position() != PositionAgainst && !slices.ContainsFunc(against, func(a Citation) bool { return a.Source() == ct.Source() }) {
			care = append(care, ct)
		}
	}
	return against, care
}

// Side is one side of a conflict: its rules and their citations.
type Side struct {
	// Rules are the ids of the rules whose citations make the side, in
	// rule order.
	Rules []string `json:"rules"`
	// Citations are the side's citations, in rule order, without repeats.
	// Each carries its source's Kind, so a reader can see which side a
	// guideline is on, and its Position.
	Citations []Citation `json:"citations"`
}

// EquipmentNeed is a movement left out because the profile lacks equipment.
type EquipmentNeed struct {
	// Movement is the movement id, and Name what people call it.
	Movement string `json:"movement"`
	Name     string `json:"name"`
	// Missing lists the equipment ids the profile does not have.
	Missing []string `json:"missing"`
	// Rules are the ids of the rules that would have recommended it.
	Rules []string `json:"rules"`
}

// TraceEntry records whether one rule matched.
type TraceEntry struct {
	// Rule is the rule id.
	Rule string `json:"rule"`
	// Matched is true when the rule's condition held for the profile.
	Matched bool `json:"matched"`
}

// Citation points at the passage of a source that justifies advice: the
// source, a locator inside it and the claim the rule author makes of it.
//
// A Citation is a small immutable value, like [net/netip.Addr]: it is read
// through its methods, and it holds a handle to interned text (see
// [unique.Handle]) rather than the text itself. A Result can therefore
// carry citations without copying their text, and a caller that changes a
// Result (replacing a citation in a list, say) cannot affect another
// Result. Two citations are == exactly when every one of their methods
// returns the same, whichever engine or decoder made them, so a Citation
// works as a map key and with [slices.Contains]; [Citation.Equal] says the
// same, for go-cmp. The zero Citation has every field "".
//
// A Citation encodes to JSON as an object with the keys source, title,
// publisher, kind, url, locator, claim and position, and decodes from the
// same.
type Citation struct {
	h unique.Handle[citeKey]
}

// citeKey is what a Citation interns: its source's text, itself interned
// (unique.Make copies every string it keeps, and a source's title,
// publisher, kind and URL are the same on each of its citations), and the
// citation's own text.
type citeKey struct {
	src                      unique.Handle[citeSource]
	locator, claim, position string
}

// citeSource is the text a citation repeats of its source.
type citeSource struct {
	id, title, publisher, kind, url string
}

// citation is the text of a Citation.
type citation struct {
	Source    string `json:"source"`
	Title     string `json:"title"`
	Publisher string `json:"publisher"`
	Kind      string `json:"kind"`
	URL       string `json:"url"`
	Locator   string `json:"locator"`
	Claim     string `json:"claim"`
	Position  string `json:"position,omitempty"`
}

// Position says where a cited source stands on the advice of the rule
// that cites it. A rule file states it on each citation (position:), or
// leaves it to follow from the rule's effect: supports under recommend,
// against under avoid, caution under caution, background under refer or
// say; a rule with several effects on movements states it. The loader
// refuses a position the rule's effects do not fit: supports needs a
// recommend, refer or say; against and caution need an avoid or a
// caution; background fits every rule.
type Position string

// The positions a citation can state.
const (
	// PositionSupports: the passage recommends what the rule recommends,
	// or backs its referral or message.
	PositionSupports Position = parse.Supports
	// PositionAgainst: the passage advises against what the rule avoids
	// or cautions against (a rule may be milder than its source).
	PositionAgainst Position = parse.Against
	// PositionCaution: the passage advises care with what the rule
	// cautions against or avoids.
	PositionCaution Position = parse.CautionPos
	// PositionBackground: the passage gives a fact the rule builds on and
	// takes no side on its advice; the rule's own reasoning, in its
	// because, does the rest. A background citation is never on a side of
	// a Conflict.
	PositionBackground Position = parse.Background
)

// Label says p in words for people, as the reports, the page and the
// cards show it beside a claim: "supports the advice", "advises against",
// "advises care" or "background to the advice"; "" for "" or a position
// outside the set.
func (p Position) Label() string {
	switch p {
	case PositionSupports:
		return "supports the advice"
	case PositionAgainst:
		return "advises against"
	case PositionCaution:
		return "advises care"
	case PositionBackground:
		return "background to the advice"
	}
	return ""
}

// positions are the positions, in the order documented.
var positions = []Position{PositionSupports, PositionAgainst, PositionCaution, PositionBackground}

// makeCitation interns t. The empty text gives the zero Citation, so that
// == holds between it and every other empty citation.
func makeCitation(t citation) Citation {
	if t == (citation{}) {
		return Citation{}
	}
	src := unique.Make(citeSource{id: t.Source, title: t.Title, publisher: t.Publisher, kind: t.Kind, url: t.URL})
	return Citation{unique.Make(citeKey{src: src, locator: t.Locator, claim: t.Claim, position: t.Position})}
}

// CitationOf returns the citation of the passage of src at locator, with
// the claim the rule author makes of it, stating no position; see
// [Citation.WithPosition].
func CitationOf(src Source, locator, claim string) Citation {
	return makeCitation(citation{
		Source: src.ID, Title: src.Title, Publisher: src.Publisher, Kind: src.Kind,
		URL: src.URL, Locator: locator, Claim: claim,
	})
}

// WithPosition returns c stating position p.
func (c Citation) WithPosition(p Position) Citation {
	t := c.text()
	t.Position = string(p)
	return makeCitation(t)
}

// Position returns where the cited source stands on the advice of the
// rule that cites it, or "" for a citation made without one.
func (c Citation) Position() Position { return Position(c.key().position) }

// key returns what c interns; the zero citeKey for the zero Citation.
// Each accessor reads only the field it returns (the wire encoder reads
// them for every citation it writes), not the whole text.
func (c Citation) key() citeKey {
	if c.IsZero() {
		return citeKey{}
	}
	return c.h.Value()
}

// source returns the text c repeats of its source.
func (c Citation) source() citeSource { return c.key().source() }

// source returns the text k's citation repeats of its source.
func (k citeKey) source() citeSource {
	if k.src == (unique.Handle[citeSource]{}) {
		return citeSource{}
	}
	return k.src.Value()
}

func (c Citation) text() citation {
	k := c.key()
	src := k.source()
	return citation{Source: src.id, Title: src.title, Publisher: src.publisher, Kind: src.kind, URL: src.url,
		Locator: k.locator, Claim: k.claim, Position: k.position}
}

// Source returns the id of the cited source.
func (c Citation) Source() string { return c.source().id }

// Title returns the cited source's title.
func (c Citation) Title() string { return c.source().title }

// Publisher returns who published the cited source.
func (c Citation) Publisher() string { return c.source().publisher }

// Kind returns the cited source's kind, one of the values [Source].Kind
// documents, so that a reader can tell a guideline from a web article.
func (c Citation) Kind() string { return c.source().kind }

// URL returns the cited source's address, or "" when it is not known.
func (c Citation) URL() string { return c.source().url }

// Locator returns where in the source the passage is: a section heading
// or "paragraph N".
func (c Citation) Locator() string { return c.key().locator }

// Claim returns what the source says there, in the rule author's words.
func (c Citation) Claim() string { return c.key().claim }

// IsZero reports whether c is the zero Citation: whether every one of its
// methods returns "".
func (c Citation) IsZero() bool { return c == Citation{} }

// Equal reports whether c and d cite the same passage with the same text:
// whether every one of their methods returns the same. It is c == d.
func (c Citation) Equal(d Citation) bool { return c == d }

// String returns the source id and the locator, as in "nice-ng59 (1.2.1)".
func (c Citation) String() string {
	t := c.text()
	if t.Locator == "" {
		return t.Source
	}
	return t.Source + " (" + t.Locator + ")"
}

// MarshalJSON encodes c as a JSON object; see [Citation]. It leaves <, >
// and & as they are, so that the encoder that calls it escapes them only
// when it escapes HTML, as it does for a struct's strings.
func (c Citation) MarshalJSON() ([]byte, error) { return marshalUnescaped(c.text()) }

// UnmarshalJSON decodes a JSON object of the form MarshalJSON gives into c.
// Keys it does not know are ignored, as [encoding/json] does for structs,
// and JSON null leaves c as it is, as it leaves a struct.
func (c *Citation) UnmarshalJSON(data []byte) error {
	return unmarshalVia(data, func(t citation) {
		*c = makeCitation(t)
	})
}

// MessageKind says what a key message is about. The kinds are a closed
// set; a rule file that names another is a load error.
type MessageKind string

// The message kinds, in the order Result.Messages lists them.
const (
	// MessageKindSafetyNet says when to stop and get help: "stop and see a doctor if
	// the pain spreads into the leg". It is listed first, and it is kept
	// when movement advice is withheld.
	MessageKindSafetyNet MessageKind = "safety_net"
	// MessageKindReassurance says what usually happens: "most back pain gets better
	// within a few weeks".
	MessageKindReassurance MessageKind = "reassurance"
	// MessageKindStayActive encourages normal activity rather than rest.
	MessageKindStayActive MessageKind = "stay_active"
	// MessageKindPacing says how to build up: little and often, a steady routine,
	// easing off after a flare-up.
	MessageKindPacing MessageKind = "pacing"
)

// messageKinds are the allowed kinds, in the order of Result.Messages.
var messageKinds = []string{string(MessageKindSafetyNet), string(MessageKindReassurance), string(MessageKindStayActive), string(MessageKindPacing)}

// rank orders message kinds: the position in messageKinds.
func (k MessageKind) rank() int {
	if i := slices.Index(messageKinds, string(k)); i >= 0 {
		return i
	}
	return len(messageKinds)
}

// Message is a key message: a short, cited piece of advice that is not a
// movement, such as reassurance or when to get help.
type Message struct {
	// Kind says what the message is about.
	Kind MessageKind `json:"kind"`
	// Text is the message, in plain words.
	Text string `json:"text"`
	// Citations are the sources behind the message, in rule order,
	// without repeats; a passage cited both as background and on a side
	// is listed once, on its side, as in Item.Citations.
	Citations []Citation `json:"citations"`
	// Rules are the ids of the rules that give the message, in rule order.
	Rules []string `json:"rules"`
}

// MaxPlan is the most steps a plan has.
const MaxPlan = 5

// PlanStep is one movement of the plan: a recommended movement to start
// with.
type PlanStep struct {
	// Movement is the movement id, as in Result.Recommended, and Name
	// what people call it.
	Movement string `json:"movement"`
	Name     string `json:"name"`
	// Priority is the priority (1 to 9, lower first) of the recommend
	// effect that placed the movement, as the rule file writes it: the
	// key the plan is sorted by, not the step's number. Steps may share a
	// priority, and the first step's need not be 1 (a plan can be 2, 2,
	// 5); a step's place in the plan is its index in Result.Plan, which
	// is what a reader numbers from 1.
	Priority int `json:"priority"`
	// Reason is the reason of the recommend effect that placed the
	// movement, with its rule: the first rule, in rule order, that offers
	// the movement with that priority.
	Reason Note `json:"reason"`
	// Citations are the citations of that rule, the sources behind
	// Reason. The movement's item in Result.Recommended has those of
	// every rule that recommends it.
	Citations []Citation `json:"citations"`
}
