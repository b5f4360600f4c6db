package report_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
	"github.com/google/go-cmp/cmp"
)

// shape is what an Outline holds, in words, for comparing.
type shape struct {
	Referrals            []string
	Withheld, Incomplete bool
	Messages             []string
	Planned, NoMatch     bool
	// Plan is "name: reason [source ids] (cautions)", with "?" for a step
	// the Result does not recommend.
	Plan []string
	// Also and Avoid are "names | dose or reason | source ids".
	Also, Avoid []string
	// AlsoItems and AvoidItems are the movement ids, one by one.
	AlsoItems, AvoidItems []string
	// Disagreements are "names | for | conditional | against | care |
	// resolution | left out", the sides as source ids.
	Disagreements []string
	// Sources are the source ids, in their numbers' order.
	Sources []string
	RuleSet string
}

func ids(cites []recommend.Citation) string {
	out := make([]string, len(cites))
	for i, c := range cites {
		out[i] = c.Source()
	}
	return strings.Join(out, ",")
}

func movements(items []recommend.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Movement)
	}
	return out
}

func shapeOf(o *report.Outline) shape {
	s := shape{Withheld: o.Withheld, Incomplete: o.Incomplete, Planned: o.Planned, NoMatch: o.NoMatch, RuleSet: o.RuleSet,
		AlsoItems: movements(o.AlsoItems()), AvoidItems: movements(o.AvoidItems())}
	for _, r := range o.Referrals {
		s.Referrals = append(s.Referrals, string(r.Urgency)+": "+r.Message)
	}
	for _, m := range o.Messages {
		s.Messages = append(s.Messages, m.Text)
	}
	for _, st := range o.Plan {
		name := st.Name
		if !st.Found {
			name += "?"
		}
		s.Plan = append(s.Plan, name+": "+st.Reason+" ["+ids(st.Citations)+"] ("+strings.Join(st.Cautions, "; ")+")")
	}
	for _, g := range o.Also {
		s.Also = append(s.Also, g.Names+" | "+g.Dose+" "+strings.Join(g.Cautions, "; ")+" | "+ids(g.Citations))
	}
	for _, g := range o.Avoid {
		s.Avoid = append(s.Avoid, g.Names+" | "+g.Reason+" | "+ids(g.Citations))
	}
	for _, d := range o.Disagreements {
		s.Disagreements = append(s.Disagreements, strings.Join([]string{d.Names, ids(d.For), ids(d.Conditional), ids(d.Against), ids(d.Care), string(d.Resolution), d.LeftOut}, " | "))
	}
	for _, c := range o.Sources {
		s.Sources = append(s.Sources, c.Source())
	}
	return s
}

// TestNew checks the outline of the short report: what it keeps and
// leaves out, its order, the groups of movements that read the same, the
// disagreements described the same way, and the sources numbered once
// each in the order they are first cited.
func TestNew(t *testing.T) {
	src := func(id, kind string) recommend.Source {
		return recommend.Source{ID: id, Title: strings.ToUpper(id), Kind: kind}
	}
	cite := func(id, kind string, p recommend.Position) recommend.Citation {
		return recommend.CitationOf(src(id, kind), "p. 1", "Claim.").WithPosition(p)
	}
	guide := cite("guide", "guideline", recommend.PositionSupports)
	guideAgainst := cite("guide", "guideline", recommend.PositionAgainst)
	clinic := cite("clinic", "clinic-article", recommend.PositionSupports)
	// clinicElsewhere is the same source at another passage: a conflict
	// citing it is not described the same way as one citing clinic.
	clinicElsewhere := recommend.CitationOf(src("clinic", "clinic-article"), "p. 2", "Another claim.").WithPosition(recommend.PositionSupports)
	blog := cite("blog", "personal-account", recommend.PositionCaution)
	emergency := cite("er", "reference", recommend.PositionSupports)
	note := func(text string) recommend.Note { return recommend.NoteOf("r", text) }
	item := func(id, dose string, cites []recommend.Citation, cautions ...string) recommend.Item {
		it := recommend.Item{Movement: id, Text: recommend.MovementTextOf(strings.ToUpper(id), "", "How.", dose), Reasons: []recommend.Note{note("Reason " + id + ".")}, Citations: cites}
		for _, c := range cautions {
			it.Cautions = append(it.Cautions, note(c))
		}
		return it
	}
	conflict := func(id string, res recommend.Resolution, pro, against []recommend.Citation) recommend.Conflict {
		return recommend.Conflict{Movement: id, Name: strings.ToUpper(id), Resolution: res,
			For: recommend.Side{Citations: pro}, Against: recommend.Side{Citations: against}}
	}
	full := &recommend.Result{
		Referrals: []recommend.Referral{{Urgency: recommend.UrgencyUrgent, Message: "See a doctor this week.", Citations: []recommend.Citation{emergency}}},
		FoldedReferrals: []recommend.FoldedReferral{{Referral: recommend.Referral{Urgency: recommend.UrgencyRoutine, Message: "Folded.",
			Citations: []recommend.Citation{cite("folded", "guideline", recommend.PositionSupports)}}}},
		Messages: []recommend.Message{{Kind: recommend.MessageKindSafetyNet, Text: "Stop if it spreads.", Citations: []recommend.Citation{blog}}},
		Plan: []recommend.PlanStep{
			{Movement: "a", Name: "A", Priority: 1, Reason: note("Step reason."), Citations: []recommend.Citation{guide}},
			{Movement: "gone", Name: "Gone", Priority: 2, Reason: note("Gone reason."), Citations: []recommend.Citation{cite("edited", "trial", "")}},
		},
		Recommended: []recommend.Item{
			item("a", "Once.", []recommend.Citation{clinic}, "Gently.", "Gently.", ""),
			item("c", "Twice.", []recommend.Citation{guide}, "Slowly."),
			item("d", "Once.", []recommend.Citation{clinic}),
			item("e", "Twice.", []recommend.Citation{guide, clinic, guide}, "Slowly."),
		},
		Avoided: []recommend.Item{
			item("x", "", []recommend.Citation{guideAgainst}),
			item("y", "", []recommend.Citation{blog}),
			item("z", "", []recommend.Citation{guideAgainst}),
			item("w", "", []recommend.Citation{guideAgainst}),
		},
		Conflicts: []recommend.Conflict{
			conflict("x", recommend.ResolutionAvoided, []recommend.Citation{clinic}, []recommend.Citation{guideAgainst}),
			conflict("y", recommend.ResolutionAvoided, []recommend.Citation{guide}, []recommend.Citation{blog}),
			conflict("c", recommend.ResolutionCautioned, []recommend.Citation{guide}, []recommend.Citation{blog}),
			conflict("z", recommend.ResolutionAvoided, []recommend.Citation{clinic}, []recommend.Citation{guideAgainst}),
			conflict("w", recommend.ResolutionAvoided, []recommend.Citation{clinicElsewhere}, []recommend.Citation{guideAgainst}),
		},
		Disclaimer: "Disclaimer.",
		RuleSet:    recommend.RuleSet{Version: "1", Digest: "abc"},
	}
	// x and z share their reason, so they share a line; w has x's reason
	// and one of its own, and both are shown.
	full.Avoided[2].Reasons = full.Avoided[0].Reasons
	full.Avoided[3].Reasons = append(slices.Clone(full.Avoided[0].Reasons), note("Your own risk."), full.Avoided[0].Reasons[0])

	tests := []struct {
		name string
		res  *recommend.Result
		want shape
	}{
		{"nil", nil, shape{}},
		{"full", full, shape{
			Referrals: []string{"urgent: See a doctor this week."},
			Messages:  []string{"Stop if it spreads."},
			Planned:   true,
			Plan: []string{
				"A: Step reason. [guide] (Gently.)",
				"Gone?: Gone reason. [edited] ()",
			},
			Also:       []string{"C and E | Twice. Slowly. | guide,clinic", "D | Once.  | clinic"},
			AlsoItems:  []string{"c", "d", "e"},
			Avoid:      []string{"X and Z | Reason x. | guide", "Y | Reason y. | blog", "W | Reason x. Your own risk. | guide"},
			AvoidItems: []string{"x", "y", "z", "w"},
			// X and Z cite the same passages; W the same sources at
			// another passage. Y is left out with no source against it:
			// its reason says why.
			Disagreements: []string{"X and Z | clinic |  | guide |  | avoided | ", "Y | guide |  |  | blog | avoided | Reason y.",
				"C | guide |  |  | blog | cautioned | ", "W | clinic |  | guide |  | avoided | "},
			Sources: []string{"er", "blog", "guide", "clinic"},
			RuleSet: "Rule set: " + full.RuleSet.String(),
		}},
		{"no plan", &recommend.Result{Recommended: []recommend.Item{item("c", "Twice.", nil, "Slowly."), item("d", "Once.", nil)}}, shape{
			Plan: []string{"C: Reason c. [] (Slowly.)", "D: Reason d. [] ()"},
		}},
		{"nothing matched", &recommend.Result{}, shape{NoMatch: true}},
		{"withheld", &recommend.Result{Withheld: true, Incomplete: true}, shape{Withheld: true, Incomplete: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, shapeOf(report.New(tt.res))); diff != "" {
				t.Errorf("outline (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOutlineLookups checks SourceNumber, Conflict and Disagreement.
func TestOutlineLookups(t *testing.T) {
	a := recommend.CitationOf(recommend.Source{ID: "a", Kind: "guideline"}, "1", "A.")
	a2 := recommend.CitationOf(recommend.Source{ID: "a", Kind: "guideline"}, "2", "A again.")
	b := recommend.CitationOf(recommend.Source{ID: "b", Kind: "trial"}, "1", "B.").WithPosition(recommend.PositionAgainst)
	unseen := recommend.CitationOf(recommend.Source{ID: "c", Kind: "trial"}, "1", "C.")
	o := report.New(&recommend.Result{
		Avoided:   []recommend.Item{{Movement: "m", Text: recommend.MovementTextOf("M", "", "", ""), Citations: []recommend.Citation{b, a}}},
		Conflicts: []recommend.Conflict{{Movement: "m", Name: "M", Resolution: recommend.ResolutionAvoided, For: recommend.Side{Citations: []recommend.Citation{a}}, Against: recommend.Side{Citations: []recommend.Citation{b}}}},
	})
	got := map[string]int{"a": o.SourceNumber(a), "a at another place": o.SourceNumber(a2), "b": o.SourceNumber(b), "uncited": o.SourceNumber(unseen)}
	want := map[string]int{"a": 2, "a at another place": 2, "b": 1, "uncited": 0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SourceNumber (-want +got):\n%s", diff)
	}
	if c, ok := o.Conflict("m"); !ok || c.Movement != "m" {
		t.Errorf("Conflict(m) = %v, %t, want the conflict about m", c.Movement, ok)
	}
	if _, ok := o.Conflict("other"); ok {
		t.Error("Conflict(other) found a conflict")
	}
	if d, ok := o.Disagreement("m"); !ok || len(d.Conflicts) != 1 || d.Conflicts[0].Movement != "m" {
		t.Errorf("Disagreement(m) = %v, %t, want the disagreement about m", d.Names, ok)
	}
	if _, ok := o.Disagreement("other"); ok {
		t.Error("Disagreement(other) found a disagreement")
	}
}

// TestKindNames checks the names of kinds of source the reports, the
// page and the cards share.
func TestKindNames(t *testing.T) {
	c := func(id, kind string) recommend.Citation {
		return recommend.CitationOf(recommend.Source{ID: id, Kind: kind}, "", "")
	}
	tests := []struct {
		name  string
		cites []recommend.Citation
		want  string
	}{
		{"none", nil, "a source"},
		{"one", []recommend.Citation{c("g", "guideline")}, "a guideline"},
		{"two of a kind", []recommend.Citation{c("g", "guideline"), c("h", "clinic_article"), c("i", "clinic_article")}, "a guideline and clinic articles"},
		{"one source cited twice", []recommend.Citation{c("h", "general_health_article"), c("h", "general_health_article")}, "a health website"},
		{"unknown kind", []recommend.Citation{c("x", "zine")}, "a source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, report.KindNames(tt.cites)); diff != "" {
				t.Errorf("KindNames (-want +got):\n%s", diff)
			}
		})
	}
	if got := report.KindNoun("practitioner_article") + ", " + report.KindNoun("odd_kind-x"); got != "practitioner's article, odd kind x" {
		t.Errorf("KindNoun = %q", got)
	}
}

// TestEffectDoes checks the words the explanation notes and the page
// share for what an effect does to a movement.
func TestEffectDoes(t *testing.T) {
	tests := []struct {
		name string
		e    recommend.NamingEffect
		want string
	}{
		{"by name", recommend.NamingEffect{Kind: recommend.EffectKindRecommend, SelectedBy: []string{"movement"}}, "Recommends it by name"},
		{"by tag and kind", recommend.NamingEffect{Kind: recommend.EffectKindAvoid, SelectedBy: []string{"tag lumbar_flexion", "kind stretch"}}, "Avoids it by its tag lumbar_flexion and by its kind stretch"},
		{"caution", recommend.NamingEffect{Kind: recommend.EffectKindCaution, SelectedBy: []string{"movement"}}, "Cautions against it by name"},
		{"no selector", recommend.NamingEffect{Kind: recommend.EffectKindAvoid}, "Avoids it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, report.EffectDoes(tt.e)); diff != "" {
				t.Errorf("EffectDoes (-want +got):\n%s", diff)
			}
		})
	}
}
