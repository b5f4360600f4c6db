package recommend

import (
	"slices"

	"github.com/backrules/backrules/internal/parse"
)

// Read-only views of a compiled rule set, for tools: documentation, test
// runners, editors, forms. Every view is a fresh copy; changing it does not
// change the Engine. The views of a nil *Engine are empty.

// Term is one allowed value of a profile list field.
type Term struct {
	// ID is the value a profile holds, such as "disc_herniation".
	ID string `json:"id"`
	// Label names the value for people, such as "Disc herniation".
	Label string `json:"label"`
	// Codes are the codes of clinical terminologies that stand for the
	// value, as the vocabulary entry lists them; empty when it gives none.
	// A code stands for one value in the whole vocabulary, so a program
	// can map coded data, such as a FHIR Condition, to profile values.
	Codes []Code `json:"codes,omitempty"`
	// RiskFactor is true for a condition or red flag the vocabulary marks
	// risk_factor: a risk factor, or another condition, that changes the
	// advice for a person with back pain but does not itself say that the
	// person has back trouble (a history of cancer, osteoporosis, high
	// blood pressure, pregnancy). A record whose only values are risk
	// factors, such as a chart the CDS Hooks service reads, does not say
	// the person has back pain, though the rules assume it.
	RiskFactor bool `json:"risk_factor,omitempty"`
	// CountsWhenPast is true for a condition or red flag the vocabulary
	// marks counts_when_past: its meaning includes the past (a history of
	// cancer), so coded data that records it as no longer active (a FHIR
	// Condition that is resolved, inactive or in remission) still stands
	// for it. The CDS Hooks service reads such Conditions for these terms
	// alone.
	CountsWhenPast bool `json:"counts_when_past,omitempty"`
	// AlsoCalled are, for a red flag, the other names the vocabulary
	// lists for it under also_called, as written ("cauda equina
	// syndrome", "CES"): names people write it by, which
	// [Engine.NamedRedFlags] finds in text beside the words of its id and
	// the names its label gives. Empty when it lists none, and for the
	// terms of other fields.
	AlsoCalled []string `json:"also_called,omitempty"`
}

// Code is a code of a clinical terminology, as FHIR writes one in a
// Coding: the code system's URI and the code. For example SNOMED CT
// (System "http://snomed.info/sct") code "23056005", sciatica, or
// ICD-10-CM ("http://hl7.org/fhir/sid/icd-10-cm") code "M54.30".
type Code struct {
	// System is the absolute URI of the code system.
	System string `json:"system"`
	// Code is the code in that system, as written.
	Code string `json:"code"`
	// Subcodes is true when Code is a category of a code system whose
	// codes nest by prefix (ICD-10, ICD-10-CM): every code of the system
	// that starts with Code stands for the term too.
	Subcodes bool `json:"subcodes,omitempty"`
}

// codes converts the parse stage's codes; nil for none.
func codes(cs []parse.Code) []Code {
	if len(cs) == 0 {
		return nil
	}
	out := make([]Code, len(cs))
	for i, c := range cs {
		out[i] = Code{System: c.System.S, Code: c.Code.S, Subcodes: c.Subcodes}
	}
	return out
}

// Vocabulary lists the allowed values of each profile list field and each
// choice field (sex, episode), in declaration order. Its fields match the
// list and choice fields of [Profile].
type Vocabulary struct {
	// Conditions are the values of Profile.Conditions.
	Conditions []Term `json:"conditions"`
	// RedFlags are the values of Profile.RedFlags.
	RedFlags []Term `json:"red_flags"`
	// AggravatedBy are the values of Profile.AggravatedBy.
	AggravatedBy []Term `json:"aggravated_by"`
	// EasedBy are the values of Profile.EasedBy.
	EasedBy []Term `json:"eased_by"`
	// Equipment are the values of Profile.Equipment, and what
	// Movement.Equipment names.
	Equipment []Term `json:"equipment"`
	// Sex are the values of Profile.Sex; empty when the rule set declares
	// none, and then a profile cannot state one.
	Sex []Term `json:"sex"`
	// Episode are the values of Profile.Episode; empty when the rule set
	// declares none.
	Episode []Term `json:"episode"`
}

// Label returns the label of value id in the profile list or choice field
// named field (its JSON name, such as "red_flags" or "sex"), or "" when
// there is none.
func (v Vocabulary) Label(field, id string) string {
	for _, t := range v.field(field) {
		if t.ID == id {
			return t.Label
		}
	}
	return ""
}

func (v Vocabulary) field(name string) []Term {
	switch name {
	case "sex":
		return v.Sex
	case "episode":
		return v.Episode
	}
	switch listFieldIndex(name) {
	case fieldConditions:
		return v.Conditions
	case fieldRedFlags:
		return v.RedFlags
	case fieldAggravatedBy:
		return v.AggravatedBy
	case fieldEasedBy:
		return v.EasedBy
	case fieldEquipment:
		return v.Equipment
	}
	return nil
}

// Vocabulary returns the rule set's vocabulary.
func (e *Engine) Vocabulary() Vocabulary {
	if e == nil {
		return Vocabulary{}
	}
	var lists [numVocabFields][]Term
	for fi := range lists {
		entries := e.vocab[fi].entries
		lists[fi] = make([]Term, len(entries))
		for i, en := range entries {
			lists[fi][i] = Term{ID: en.id, Label: en.label, Codes: append([]Code(nil), en.codes...), RiskFactor: en.riskFactor, CountsWhenPast: en.countsWhenPast,
				AlsoCalled: slices.Clone(en.alsoCalled)}
		}
	}
	return Vocabulary{
		Conditions:   lists[fieldConditions],
		RedFlags:     lists[fieldRedFlags],
		AggravatedBy: lists[fieldAggravatedBy],
		EasedBy:      lists[fieldEasedBy],
		Equipment:    lists[fieldEquipment],
		Sex:          lists[numListFields+choiceFieldIndex("sex")],
		Episode:      lists[numListFields+choiceFieldIndex("episode")],
	}
}

// Movement is a movement the rule set declares.
type Movement struct {
	// ID identifies the movement in rules and results.
	ID string `json:"id"`
	// Name is what people call it.
	Name string `json:"name"`
	// Kind is one of stretch, mobility, decompression, strengthening,
	// self_massage and lifestyle.
	Kind string `json:"kind"`
	// How says how to do it, and Dose how long or how often.
	How  string `json:"how"`
	Dose string `json:"dose"`
	// Tags are free-form labels that rules select movements by.
	Tags []string `json:"tags"`
	// Equipment lists the vocabulary.equipment ids the movement needs;
	// all of them are required.
	Equipment []string `json:"equipment"`
	// Levels are the movement's dose levels, easiest first; a movement
	// whose file gives none has its Dose as its one level.
	Levels []MovementLevel `json:"levels"`
	// StartLevel is the level, from 1, whose dose is Dose: where a
	// programme starts.
	StartLevel int `json:"start_level"`
}

// Text returns the movement's name, kind, how and dose as a
// MovementText, as an Item of the movement holds them.
func (m Movement) Text() MovementText { return MovementTextOf(m.Name, m.Kind, m.How, m.Dose) }

// MovementLevel is one dose level of a movement.
type MovementLevel struct {
	// Dose says how much at this level, and How how to do it.
	Dose string `json:"dose"`
	How  string `json:"how"`
}

// Movements returns the movements the rule set declares, in declaration
// order: the order of the movement lists of a Result.
func (e *Engine) Movements() []Movement {
	if e == nil {
		return nil
	}
	out := make([]Movement, len(e.movements))
	for i, m := range e.movements {
		eq := make([]string, len(m.equipment))
		for j, x := range m.equipment {
			eq[j] = e.vocab[fieldEquipment].entries[x].id
		}
		lv := make([]MovementLevel, len(m.levels))
		for j, l := range m.levels {
			lv[j] = MovementLevel{Dose: l.dose, How: l.how}
		}
		out[i] = Movement{
			ID: m.id, Name: m.name, Kind: m.kind, How: m.how, Dose: m.dose,
			Tags: append([]string{}, m.tags...), Equipment: eq, Levels: lv, StartLevel: m.start + 1,
		}
	}
	return out
}

// Sources returns the sources the rule set declares, in declaration order.
func (e *Engine) Sources() []Source {
	if e == nil {
		return nil
	}
	out := append([]Source(nil), e.sources...)
	for i := range out {
		out[i].Sections = slices.Clone(out[i].Sections)
	}
	return out
}

// EffectKind names what an effect does to the movements it selects.
type EffectKind string

// The effect kinds, in the order a rule's effects are listed: the keys
// a rule file writes them with.
const (
	// EffectKindRecommend recommends the movements.
	EffectKindRecommend EffectKind = parse.RecommendKey
	// EffectKindAvoid advises against them; an avoid always wins.
	EffectKindAvoid EffectKind = parse.AvoidKey
	// EffectKindCaution keeps them recommended with the reason attached.
	EffectKindCaution EffectKind = parse.CautionKey
)

// Rule is a compiled rule, as its file declares it.
type Rule struct {
	// ID identifies the rule in results.
	ID string `json:"id"`
	// Description says what the rule is for, or is "".
	Description string `json:"description"`
	// When is the rule's CEL condition, as written.
	When string `json:"when"`
	// Because is the rule's reason; an effect may have its own.
	Because string `json:"because"`
	// File is the path of the rule file within the loaded fs.FS, and Line
	// the line of the rule's id in it.
	File string `json:"file"`
	Line int    `json:"line"`
	// Effects are the rule's movement effects: recommend, avoid and
	// caution, in that order, each only when the rule has it.
	Effects []Effect `json:"effects"`
	// Referral is the rule's referral, or nil when it has none.
	Referral *RuleReferral `json:"referral,omitempty"`
	// Message is the rule's key message, or nil when it has none.
	Message *RuleMessage `json:"message,omitempty"`
	// Citations are the rule's citations, in the order written.
	Citations []Citation `json:"citations"`
}

// Effect is what a rule does to a set of movements when it matches.
type Effect struct {
	// Kind says what the effect does.
	Kind EffectKind `json:"kind"`
	// Movements, Tags and Kinds are the selector as written: movement
	// ids, tags, and movement kinds. A movement that has any of them is
	// selected.
	Movements []string `json:"movements"`
	Tags      []string `json:"tags"`
	Kinds     []string `json:"kinds"`
	// Selected are the ids of the movements the effect applies to, in
	// declaration order.
	Selected []string `json:"selected"`
	// Because is the reason shown on the items the effect produces: the
	// effect's own, or else the rule's.
	Because string `json:"because"`
	// Priority is the priority of a recommend effect that offers a
	// movement for the plan, 1 first; 0 for an effect without one, and
	// for every avoid and caution effect. The effect offers the first of
	// Movements, then of the rest of Selected, that a result recommends.
	Priority int `json:"priority,omitempty"`
}

// RuleMessage is the key message a rule gives when it matches.
type RuleMessage struct {
	// Kind says what the message is about.
	Kind MessageKind `json:"kind"`
	// Text is the message.
	Text string `json:"text"`
}

// RuleReferral is the referral a rule makes when it matches.
type RuleReferral struct {
	// Urgency says how soon to be assessed.
	Urgency Urgency `json:"urgency"`
	// Message says what to do, in plain words.
	Message string `json:"message"`
	// Clinician is the text for a clinician (refer.clinician), or "".
	Clinician string `json:"clinician,omitempty"`
	// Withhold is true when the referral withholds all movement advice.
	Withhold bool `json:"withhold"`
	// Pathway, InvitesActivity and KeepActive are the referral story's
	// data (refer.pathway, refer.invites_activity, refer.keep_active):
	// see Result.FoldedReferrals.
	Pathway         string `json:"pathway,omitempty"`
	InvitesActivity bool   `json:"invites_activity,omitempty"`
	KeepActive      bool   `json:"keep_active,omitempty"`
	// Within is how soon the message asks the person to be seen
	// (refer.within), or "" when the rule does not say: it orders
	// referrals of one urgency (see Within).
	Within Within `json:"within,omitempty"`
}

var effectKinds = [numEffects]EffectKind{EffectKindRecommend, EffectKindAvoid, EffectKindCaution}

// Rules returns every rule, in rule-set order: the order of Result.Trace.
func (e *Engine) Rules() []Rule {
	if e == nil {
		return nil
	}
	out := make([]Rule, len(e.rules))
	for i := range e.rules {
		r := &e.rules[i]
		v := Rule{
			ID: r.id, Description: r.description, When: r.when, Because: r.reason,
			File: r.pos.File, Line: r.pos.Line,
			Effects:   []Effect{},
			Citations: e.citationsOf(r.cites),
		}
		for eff, sel := range r.selectors {
			if sel == nil {
				continue
			}
			ids := make([]string, len(r.effects[eff]))
			for j, mi := range r.effects[eff] {
				ids[j] = e.movements[mi].id
			}
			v.Effects = append(v.Effects, Effect{
				Kind:      effectKinds[eff],
				Movements: append([]string{}, sel.movements...),
				Tags:      append([]string{}, sel.tags...),
				Kinds:     append([]string{}, sel.kinds...),
				Selected:  ids,
				Because:   r.because[eff],
			})
			if eff == effectRecommend {
				v.Effects[len(v.Effects)-1].Priority = r.priority
			}
		}
		if r.refer != nil {
			v.Referral = r.refer.view()
		}
		if r.say != nil {
			v.Message = &RuleMessage{Kind: r.say.kind, Text: r.say.text}
		}
		out[i] = v
	}
	return out
}

// texts returns the strings of ts.
func texts(ts []parse.Text) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.S
	}
	return out
}

// Floor is a red flag's safety floor, as the vocabulary declares it next to
// the flag: the least that flag must lead to on its own. Load proves every
// floor over the profiles Analyze explores that hold the flag (the flag
// alone and with the other inputs), and over the flag with each value of
// sex and episode, with each value of the other lists, and with two more
// flags: each gets a referral at least as
// urgent as Urgency, and advice withheld when Withhold is true. A rule set
// that misses a floor there does not load; for any other profile,
// Recommend keeps the floor itself (policy 7 in the package
// documentation): a profile that reports the flag always gets at least the
// floor.
//
// A program that reloads rules can compare the floors of the old and new
// engines to refuse a change that removes a red flag or lowers its floor.
type Floor struct {
	// RedFlag is the id of the red flag.
	RedFlag string `json:"red_flag"`
	// Urgency is the least urgency of the referral the flag leads to,
	// or "" when the flag alone needs no referral (the rule file writes
	// urgency: none); Urgency.AtLeast ranks "" below Routine.
	Urgency Urgency `json:"urgency"`
	// Withhold is true when the flag must withhold movement advice.
	Withhold bool `json:"withhold"`
	// File, Line and Column are where the floor is declared, as in
	// [Issue]: the file's path within the loaded fs.FS, 1-based.
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// Floors returns the safety floor of every red flag, in vocabulary order.
// Every red flag of a loaded engine has one. A nil engine has none.
func (e *Engine) Floors() []Floor {
	if e == nil {
		return nil
	}
	entries := e.vocab[fieldRedFlags].entries
	out := make([]Floor, 0, len(entries))
	for _, en := range entries {
		if en.floor != nil {
			out = append(out, *en.floor)
		}
	}
	return out
}

// citationsOf returns the engine's citations at the indexes ids, in
// order, in a new list.
func (e *Engine) citationsOf(ids []int) []Citation {
	out := make([]Citation, len(ids))
	for i, ci := range ids {
		out[i] = e.citations[ci]
	}
	return out
}
