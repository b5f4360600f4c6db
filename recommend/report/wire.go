package report

// The wire form of a Result (WriteJSON): the Result's own shape, with
// every citation cut down to its source id, locator, claim and position,
// and each cited source's title, publisher, kind and URL listed once, in
// a top-level "sources" array.

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/backrules/backrules/recommend"
)

// Format is the value of the "format" member of every answer WriteJSON
// writes: the name and version of the wire form. Version 2 lists each
// cited source once, in "sources", and each citation refers to it by id;
// version 1 (the Result as encoding/json writes it) repeated the source's
// title, publisher, kind and URL in every citation and had no "format".
const Format = "backrules.result/2"

// wireResult is the wire form of a recommend.Result, in the order of its
// fields, with "format" first and "sources" last but for the rule set
// and disclaimer.
type wireResult struct {
	Format          string                    `json:"format"`
	Referrals       []wireReferral            `json:"referrals"`
	Programme       *wireProgramme            `json:"programme,omitempty"`
	FoldedReferrals []wireFolded              `json:"folded_referrals"`
	Withheld        bool                      `json:"withheld"`
	WithheldReason  string                    `json:"withheld_reason,omitempty"`
	Incomplete      bool                      `json:"incomplete,omitempty"`
	Messages        []wireMessage             `json:"messages"`
	Plan            []wirePlanStep            `json:"plan"`
	Recommended     []wireItem                `json:"recommended"`
	Avoided         []wireItem                `json:"avoided"`
	Conflicts       []wireConflict            `json:"conflicts"`
	NeedsEquipment  []recommend.EquipmentNeed `json:"needs_equipment"`
	Trace           *[]recommend.TraceEntry   `json:"trace,omitempty"` // only when asked
	Sources         []wireSource              `json:"sources"`
	RuleSet         recommend.RuleSet         `json:"rule_set"`
	Disclaimer      string                    `json:"disclaimer"`
}

// wireCitation is a citation on the wire: its source is the entry of
// "sources" with that id.
type wireCitation struct {
	Source   string `json:"source"`
	Locator  string `json:"locator"`
	Claim    string `json:"claim"`
	Position string `json:"position,omitempty"`
}

// wireSource is a cited source, listed once.
type wireSource struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Publisher string `json:"publisher"`
	Kind      string `json:"kind"`
	URL       string `json:"url"`
}

type wireReferral struct {
	Urgency   recommend.Urgency `json:"urgency"`
	Message   string            `json:"message"`
	Clinician string            `json:"clinician,omitempty"`
	Within    recommend.Within  `json:"within,omitempty"`
	Withhold  bool              `json:"withhold"`
	Citations []wireCitation    `json:"citations"`
	Rules     []string          `json:"rules"`
}

// wireProgramme is a programme on the wire: its steps' citations refer to
// "sources" like every other citation.
type wireProgramme struct {
	Week      int                    `json:"week"`
	Steps     []wireStep             `json:"steps"`
	Trend     []recommend.TrendPoint `json:"trend"`
	Adherence float64                `json:"adherence"`
}

type wireStep struct {
	Movement  string         `json:"movement"`
	Name      string         `json:"name"`
	Level     int            `json:"level"`
	Dose      string         `json:"dose"`
	How       string         `json:"how,omitempty"`
	Change    string         `json:"change"`
	Because   string         `json:"because"`
	Facts     []string       `json:"facts,omitempty"`
	Rule      string         `json:"rule,omitempty"`
	Decided   string         `json:"decided,omitempty"`
	Citations []wireCitation `json:"citations"`
}

// programme returns the wire form of pg, which is not nil. Its lists keep
// their nil-ness, as encoding/json writes the Result's.
func (b *wireBuilder) programme(pg *recommend.Programme) *wireProgramme {
	w := &wireProgramme{Week: pg.Week, Trend: pg.Trend, Adherence: pg.Adherence}
	if pg.Steps != nil {
		w.Steps = make([]wireStep, len(pg.Steps))
	}
	for i, st := range pg.Steps {
		var cites []wireCitation
		if st.Citations != nil {
			cites = b.cites(st.Citations)
		}
		w.Steps[i] = wireStep{Movement: st.Movement, Name: st.Name, Level: st.Level, Dose: st.Dose, How: st.How, Change: st.Change,
			Because: st.Because, Facts: st.Facts, Rule: st.Rule, Decided: st.Decided, Citations: cites}
	}
	return w
}

type wireFolded struct {
	wireReferral
	Into     []string             `json:"into"`
	Because  recommend.FoldReason `json:"because"`
	RedFlags []string             `json:"red_flags,omitempty"`
}

type wireMessage struct {
	Kind      recommend.MessageKind `json:"kind"`
	Text      string                `json:"text"`
	Citations []wireCitation        `json:"citations"`
	Rules     []string              `json:"rules"`
}

type wirePlanStep struct {
	Movement  string         `json:"movement"`
	Name      string         `json:"name"`
	Priority  int            `json:"priority"`
	Reason    recommend.Note `json:"reason"`
	Citations []wireCitation `json:"citations"`
}

type wireItem struct {
	Movement  string           `json:"movement"`
	Name      string           `json:"name"`
	Kind      string           `json:"kind"`
	How       string           `json:"how"`
	Dose      string           `json:"dose"`
	Reasons   []recommend.Note `json:"reasons"`
	Cautions  []recommend.Note `json:"cautions"`
	Citations []wireCitation   `json:"citations"`
	Rules     []string         `json:"rules"`
}

type wireSide struct {
	Rules     []string       `json:"rules"`
	Citations []wireCitation `json:"citations"`
}

type wireConflict struct {
	Movement     string               `json:"movement"`
	Name         string               `json:"name"`
	Resolution   recommend.Resolution `json:"resolution"`
	For          wireSide             `json:"for"`
	Against      wireSide             `json:"against"`
	AvoidRules   []string             `json:"avoid_rules"`
	CautionRules []string             `json:"caution_rules"`
	Conditional  []wireCitation       `json:"conditional"`
}

// wireBuilder turns a Result into its wire form, collecting the sources
// in the order they are first cited.
type wireBuilder struct {
	// sources are the sources listed, each as sourceCache interns it, so
	// that a source already listed is found by pointer.
	sources []*wireSource
	err     error
}

// cites returns the wire form of cs: never nil, as the Result's lists are
// never nil.
func (b *wireBuilder) cites(cs []recommend.Citation) []wireCitation {
	b.note(cs)
	out := make([]wireCitation, len(cs))
	for i, c := range cs {
		out[i] = wireCitation{Source: c.Source(), Locator: c.Locator(), Claim: c.Claim(), Position: string(c.Position())}
	}
	return out
}

// note adds the sources of cs that are not yet listed.
func (b *wireBuilder) note(cs []recommend.Citation) {
	for _, c := range cs {
		b.noteSource(citationOf(c).src)
	}
}

// noteSource adds s to the sources if its id is not yet listed, and
// records an error if it is, with another description. A source listed
// already is most often the same pointer; a full sourceCache hands out a
// new one, so the ids are compared before a source is added.
func (b *wireBuilder) noteSource(s *wireSource) {
	if slices.Contains(b.sources, s) {
		return
	}
	i := slices.IndexFunc(b.sources, func(t *wireSource) bool { return t.ID == s.ID })
	switch {
	case i < 0:
		b.sources = append(b.sources, s)
	case b.err == nil && *b.sources[i] != *s:
		// One id, two descriptions: the wire cannot say both, and
		// dropping one would misattribute a claim.
		b.err = fmt.Errorf("report: source %q is cited with two different descriptions; the wire form lists a source once", s.ID)
	}
}

func (b *wireBuilder) referral(r recommend.Referral) wireReferral {
	return wireReferral{Urgency: r.Urgency, Message: r.Message, Clinician: r.Clinician, Within: r.Within, Withhold: r.Withhold,
		Citations: b.cites(r.Citations), Rules: nonNil(r.Rules)}
}

func (b *wireBuilder) items(its []recommend.Item) []wireItem {
	out := make([]wireItem, len(its))
	for i, it := range its {
		out[i] = wireItem{Movement: it.Movement, Name: it.Name(), Kind: it.Kind(), How: it.How(), Dose: it.Dose(),
			Reasons: nonNil(it.Reasons), Cautions: nonNil(it.Cautions), Citations: b.cites(it.Citations), Rules: nonNil(it.Rules())}
	}
	return out
}

// nonNil returns s, or an empty slice for nil, so that a list the Result
// documents as never nil is [] on the wire even in a hand-built Result.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// wire returns the wire form of r, with its trace when trace is true.
func wire(r *recommend.Result, trace bool) (*wireResult, error) {
	b := &wireBuilder{}
	w := &wireResult{
		Format:          Format,
		Referrals:       make([]wireReferral, len(r.Referrals)),
		FoldedReferrals: make([]wireFolded, len(r.FoldedReferrals)),
		Withheld:        r.Withheld,
		WithheldReason:  r.WithheldReason,
		Incomplete:      r.Incomplete,
		Messages:        make([]wireMessage, len(r.Messages)),
		Plan:            make([]wirePlanStep, len(r.Plan)),
		Conflicts:       make([]wireConflict, len(r.Conflicts)),
		NeedsEquipment:  make([]recommend.EquipmentNeed, len(r.NeedsEquipment)),
		RuleSet:         r.RuleSet,
		Disclaimer:      r.Disclaimer,
	}
	for i, ref := range r.Referrals {
		w.Referrals[i] = b.referral(ref)
	}
	if r.Programme != nil {
		w.Programme = b.programme(r.Programme)
	}
	for i, f := range r.FoldedReferrals {
		w.FoldedReferrals[i] = wireFolded{wireReferral: b.referral(f.Referral), Into: nonNil(f.Into), Because: f.Because, RedFlags: f.RedFlags}
	}
	for i, m := range r.Messages {
		w.Messages[i] = wireMessage{Kind: m.Kind, Text: m.Text, Citations: b.cites(m.Citations), Rules: nonNil(m.Rules)}
	}
	for i, s := range r.Plan {
		w.Plan[i] = wirePlanStep{Movement: s.Movement, Name: s.Name, Priority: s.Priority, Reason: s.Reason, Citations: b.cites(s.Citations)}
	}
	for i, n := range r.NeedsEquipment {
		w.NeedsEquipment[i] = recommend.EquipmentNeed{Movement: n.Movement, Name: n.Name, Missing: nonNil(n.Missing), Rules: nonNil(n.Rules)}
	}
	w.Recommended = b.items(r.Recommended)
	w.Avoided = b.items(r.Avoided)
	for i, c := range r.Conflicts {
		w.Conflicts[i] = wireConflict{Movement: c.Movement, Name: c.Name, Resolution: c.Resolution,
			For:          wireSide{Rules: nonNil(c.For.Rules), Citations: b.cites(c.For.Citations)},
			Against:      wireSide{Rules: nonNil(c.Against.Rules), Citations: b.cites(c.Against.Citations)},
			AvoidRules:   nonNil(c.AvoidRules),
			CautionRules: nonNil(c.CautionRules),
			Conditional:  b.cites(c.Conditional),
		}
	}
	if trace {
		tr := r.Trace()
		w.Trace = &tr
	}
	w.Sources = make([]wireSource, len(b.sources))
	for i, src := range b.sources {
		w.Sources[i] = *src
	}
	return w, b.err
}

// encodeWire writes v as JSON followed by a newline, indented by indent
// when it is not "", with <, > and & as they are.
func encodeWire(w interface{ Write([]byte) (int, error) }, v any, indent string) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	return enc.Encode(v)
}
