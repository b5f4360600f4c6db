package parse

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/backrules/backrules/internal/figure"
)

// The declarations of a rule set: what the parse stage hands the compile
// stage, each with its position in its file (see parser.go for the parser).

// FilePos is a position in a named file. A zero Line means the file as a
// whole.
type FilePos struct {
	// File is the file's name, slash-separated, as the rule set names it.
	File string
	// Pos is the position in the file.
	Pos
}

// String returns "file:line:col", or just the file when there is no line.
func (p FilePos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Text is a string from a rule file with the position it came from.
type Text struct {
	// S is the string, as the YAML reads it.
	S string
	// Pos is where its node starts.
	Pos FilePos
}

// Source declares a document that rules cite.
type Source struct {
	// ID is the id that citations name the source by.
	ID Text
	// Title, Publisher, Author and URL describe the document; one the
	// file leaves out is "".
	Title, Publisher, Author, URL string
	// Kind is the kind of document, such as "guideline"; the compile
	// stage checks it against the closed set of kinds.
	Kind Text
	// Sections are the headings of the document that citations may point
	// at, in the order written; nil when the file lists none, and then the
	// compile stage does not check the locators of the source's citations.
	Sections []Text
}

// Term declares one allowed value of a profile list field.
type Term struct {
	// Field is the index of the field in RuleSet.Fields.
	Field int
	// ID is the value a profile gives, such as "sciatica".
	ID Text
	// Label is the value's name for people.
	Label string
	// Codes are the codes of clinical terminologies, such as SNOMED CT or
	// ICD-10, that stand for the value, in the order written; nil when
	// the entry gives none.
	Codes []Code
	// Floor is the entry's safety floor, or nil; only the entries of a
	// field with Floors set have one.
	Floor *Floor
	// Prop is, for an entry of EquipmentField, the prop that draws the
	// equipment in a movement's picture: one of figure.Props, or
	// figure.NoProp for equipment the pictures do not show. Its S is ""
	// for the entries of other fields, and for one whose prop is wrong
	// (then the issue is reported).
	Prop Text
	// RiskFactor is true when the entry declares risk_factor: true (only
	// the entries of a field with RiskFactors set may): the value is a
	// risk factor or another condition that changes the advice for a
	// person with back pain, but does not itself say that the person has
	// back trouble.
	RiskFactor bool
	// CountsWhenPast is true when the entry declares counts_when_past:
	// true (only the entries of a field with RiskFactors set may): the
	// value's meaning includes the past (a history of cancer), so a coded
	// record of it that is no longer active (resolved, inactive, in
	// remission) still stands for it.
	CountsWhenPast bool
	// AlsoCalled are the other names of a red flag that the entry lists
	// under also_called (only the entries of a field with Floors set
	// may), in the order written, each of ASCII letters, digits, spaces
	// and hyphens: the names people write it by ("cauda equina syndrome",
	// "CES"), which the engine reads in text it cannot read as a profile.
	// Nil when the entry lists none.
	AlsoCalled []Text
}

// EquipmentField is the name of the vocabulary field whose entries are
// the equipment that movements name (a movement's equipment key): each of
// its entries declares the prop that draws it (see Term.Prop).
const EquipmentField = "equipment"

// Floor declares the least a red flag must lead to on its own: a referral
// at least as urgent as Urgency, and movement advice withheld when
// Withhold is true. The compile stage checks Urgency and proves the floor.
type Floor struct {
	// Urgency is "emergency", "urgent" or "routine", as written.
	Urgency Text
	// Withhold reports whether advice must be withheld.
	Withhold bool
	// Pos is where the floor's mapping starts.
	Pos FilePos
}

// Code is a code of a clinical terminology: a code system, named by an
// absolute URI such as http://snomed.info/sct, and a code in it. A code
// stands for one vocabulary term in the whole rule set.
type Code struct {
	// System is the code system's URI, and Code the code in it.
	System, Code Text
	// Subcodes is true when the code is a category of a code system whose
	// codes nest by prefix (ICD-10, ICD-10-CM): every code that starts
	// with it stands for the term too.
	Subcodes bool
}

// PrefixSystems are the code systems whose codes nest by prefix, so that a
// code may be given with subcodes: true.
var PrefixSystems = []string{"http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm"}

// Movement declares a movement that rules can advise.
type Movement struct {
	// ID is the id that rules and results name the movement by.
	ID Text
	// Name is the movement's name for people.
	Name string
	// Kind is the kind of movement, such as "stretch", which selectors
	// may pick by.
	Kind Text
	// Tags are the movement's tags, which selectors may pick by, and
	// Equipment the ids of the equipment it needs.
	Tags, Equipment []Text
	// How says how to do the movement and Dose how much; one the file
	// leaves out is "".
	How, Dose string
	// Pose is the movement's picture, checked; nil when it is missing or
	// wrong (then the issue is reported): every movement has one. PosePos
	// is where the pose is written.
	Pose    *figure.Pose
	PosePos FilePos
	// Levels are the movement's dose levels, easiest first, or nil when
	// the file gives none; LevelsPos is where the list starts.
	Levels    []Level
	LevelsPos FilePos
}

// ProgressRule is a progression rule: a CEL condition over a programme's
// check-ins that steps a movement (step) or calls for a review (refer).
type ProgressRule struct {
	// ID names the rule; When is its CEL condition, over the variables
	// programme and move.
	ID, When Text
	// WhenAt maps offsets in When back to the rule file, as Rule.WhenAt
	// does; nil without a when.
	WhenAt *Offsets
	// Step is the change it makes to a movement: start, progress, hold,
	// regress or stop; "" for a rule that only refers.
	Step Text
	// Refer, when not nil, is the review the rule calls for.
	Refer *Referral
	// Because says why, and Cite the passages it rests on.
	Because string
	Cite    []Citation
}

// Level is one dose level of a movement.
type Level struct {
	// Dose says how much at this level.
	Dose Text
	// How, when not "", says how to do the movement at this level, in
	// place of the movement's own how.
	How string
}

// Selector is an effect of a rule: it picks movements by id, tag or kind.
// Because, when set, replaces the rule's reason on the items the effect
// produces. Priority, from 1 to MaxPriority, is set only on a recommend
// effect that offers a movement for the plan, and is 0 otherwise.
type Selector struct {
	// Movements, Tags and Kinds are the movement ids, tags and kinds the
	// effect picks, as written.
	Movements, Tags, Kinds []Text
	// Because is the effect's own reason, or "".
	Because string
	// Priority orders the effect's movements in the plan, 1 first; 0 when
	// the effect offers none.
	Priority int
}

// MaxPriority is the largest priority a recommend effect may have; 1 is
// the first to start with.
const MaxPriority = 9

// Message declares a rule's key message: a short piece of advice that is
// not a movement. Kind is checked against the closed set of kinds by the
// compile stage.
type Message struct {
	// Kind is the message's kind, such as "pacing".
	Kind Text
	// Text is the message shown to the person.
	Text string
}

// Referral declares a rule's referral to a clinician.
type Referral struct {
	// Urgency is how soon to see the clinician: "emergency", "urgent" or
	// "routine", which the compile stage checks.
	Urgency Text
	// Message says whom to see and why.
	Message string
	// Clinician says the same to a clinician reading the chart: what to
	// do and how soon, in the third person; empty when not written.
	Clinician string
	// ClinicianPos is where refer.clinician is written, for messages.
	ClinicianPos FilePos
	// Withhold reports whether the referral withholds the movement
	// advice until the person has been seen.
	Withhold bool
	// Pathway names the clinical pathway the referral belongs to, such as
	// "suspected_mscc", or is empty: referrals of one pathway tell one
	// story, led by the most urgent.
	Pathway Text
	// InvitesActivity reports that the message invites the person to
	// exercise or keep active ("a plan of exercises comes first").
	InvitesActivity bool
	// KeepActive reports that, when this referral withholds movement
	// advice, the person is still told to stay gently active.
	KeepActive bool
	// KeepActivePos is where keep_active is written, for messages.
	KeepActivePos FilePos
	// InvitesActivityPos is where invites_activity is written.
	InvitesActivityPos FilePos
	// Within is how soon the message asks the person to be seen, one of
	// the timings the compile stage checks ("now", "today", "two_days",
	// "few_days", "weeks"), or has an empty S when not written: it
	// orders referrals of one urgency.
	Within Text
}

// Citation declares the passage of a source that justifies a rule.
type Citation struct {
	// Source is the id of the cited source.
	Source Text
	// Locator says where in the source the passage is, such as a section
	// or a page, and Claim what the passage says.
	Locator, Claim string
	// LocatorPos is where the locator is written.
	LocatorPos FilePos
	// Position is where the source stands on the rule's advice, one of
	// Positions, or has an empty S when the citation does not say; the
	// compile stage checks it against the rule's effects and fills in the
	// one that follows from them.
	Position Text
}

// The positions a citation can state: where its source stands on the
// advice of the rule that cites it.
const (
	// Supports: the passage recommends what the rule recommends, or
	// backs its referral or message.
	Supports = "supports"
	// Against: the passage advises against what the rule avoids or
	// cautions against.
	Against = "against"
	// CautionPos: the passage advises care with what the rule cautions
	// against or avoids.
	CautionPos = "caution"
	// Background: the passage gives a fact the rule builds on and takes
	// no side on the advice; the rule's own reasoning does the rest.
	Background = "background"
)

// Positions are the positions a citation can state, in the order the
// documentation lists them.
var Positions = []string{Supports, Against, CautionPos, Background}

// The effects a rule can have on movements, in the order they appear in a
// rule.
const (
	Recommend = iota
	Avoid
	Caution
	NumEffects
)

// The keys of the effects in a rule: the one spelling of each effect kind,
// which package recommend's EffectKind constants take.
const (
	RecommendKey = "recommend"
	AvoidKey     = "avoid"
	CautionKey   = "caution"
)

// EffectNames are the keys of the effects in a rule, by effect.
var EffectNames = [NumEffects]string{RecommendKey, AvoidKey, CautionKey}

// Rule declares a rule. WhenAt maps offsets in When back to the rule file;
// it is nil when the rule has no usable when.
type Rule struct {
	// ID is the rule's id.
	ID Text
	// Description says what the rule is about, for people.
	Description string
	// When is the rule's condition, a CEL expression over the profile.
	When string
	// WhenAt maps offsets in When back to the rule file.
	WhenAt *Offsets
	// Effects are the rule's effects on movements, indexed by Recommend,
	// Avoid and Caution; an entry is nil when the rule does not have that
	// effect.
	Effects [NumEffects]*Selector
	// Refer is the rule's referral, or nil.
	Refer *Referral
	// Say is the rule's key message, or nil.
	Say *Message
	// Because is the rule's rationale, the reason its items carry unless
	// an effect gives its own.
	Because string
	// Cite are the passages that justify the rule.
	Cite []Citation
}

// File is one rule file as read, after a leading byte order mark is
// dropped and line breaks are made \n or \r\n.
type File struct {
	// Name is the file's slash-separated path in the rule set.
	Name string
	// Src is the file's contents.
	Src []byte
}

// Field describes a profile list field, whose allowed values a rule set
// declares under vocabulary.
type Field struct {
	// Name is the field's key, such as "red_flags", and Label a singular
	// noun for messages, such as "red flag".
	Name, Label string
	// Floors is true when every entry of the field must declare a safety
	// floor (see Floor), as red flags do.
	Floors bool
	// RiskFactors is true when an entry of the field may declare
	// risk_factor (see Term.RiskFactor), as conditions and red flags may.
	RiskFactors bool
}

// RuleSet is what the parse stage makes of a whole rule set: every
// declaration of every file, in file order, then in order within a file.
// Set Fields and MaxIDLen before the first call to Add.
type RuleSet struct {
	// Fields are the profile list fields a vocabulary may declare values
	// for.
	Fields []Field
	// MaxIDLen is the longest value, in bytes, a profile can hold.
	MaxIDLen int

	// Files are the rule files added, in order.
	Files []File
	// Version holds each version the files declare; a rule set declares
	// at most one, which the compile stage checks.
	Version []Text
	// Sources are the sources every file declares, in order.
	Sources []*Source
	// Vocab are the vocabulary terms every file declares, in order.
	Vocab []*Term
	// Movements are the movements every file declares, in order.
	Movements []*Movement
	// Rules are the rules every file declares, in order.
	Rules []*Rule
	// Progress are the progression rules every file declares, in order.
	Progress []*ProgressRule

	// codeAt holds, for each system and code a vocabulary term gives,
	// the term and where the code is written, to report a code given
	// twice.
	codeAt map[[2]string]codeUse
}

// codeUse is a vocabulary term's use of a code.
type codeUse struct {
	field int
	id    string
	pos   FilePos
}

// Digest returns the digest of a rule set made of files, in the order
// given: "sha256:" and the hex SHA-256 of each file's name, length and
// contents. It is the one recipe of a rule set's digest: the compile stage
// records it as recommend.RuleSet.Digest, and the example server sums the
// files it watches with it.
func Digest(files []File) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00", f.Name, len(f.Src))
		h.Write(f.Src)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
