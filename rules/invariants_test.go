package rules_test

// Clinical safety invariants of the default rules (issue 7), checked over
// an enumerated profile space with the engine's read-only views. The
// identifiers here carry a "clinical" prefix so that they cannot clash with
// those of rules_test.go, which shares the package.

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// The dimensions of the profile space. Conditions, red flags, aggravators,
// easing directions and equipment are crossed; age, days since onset, pain,
// sitting hours and the health conditions rotate from profile to profile,
// with periods chosen so that every red flag set meets every age and onset.
var (
	clinicalBackConditions = []string{
		"disc_herniation", "acute_strain", "chronic_stiffness",
		"sciatica", "spinal_stenosis", "degenerative_disc_disease",
	}
	// Every red flag alone, and the pairs whose combination the rules
	// treat differently from either flag alone.
	clinicalRedFlagSets = [][]string{
		nil,
		{"bladder_bowel_dysfunction"}, {"saddle_numbness"}, {"sexual_dysfunction"}, {"symptoms_in_both_legs"},
		{"leg_weakness"}, {"fever_or_chills"}, {"severe_pain_after_injury"}, {"history_of_cancer"},
		{"unexplained_weight_loss"}, {"night_pain"}, {"no_improvement_with_self_care"},
		{"pain_below_knee"}, {"leg_numbness_or_tingling"},
		{"immunosuppression"}, {"long_term_steroids"}, {"recent_fall"},
		{"severe_pain_after_injury", "leg_weakness"},
		{"recent_fall", "leg_numbness_or_tingling"},
		{"unexplained_weight_loss", "night_pain"},
		{"night_pain", "no_improvement_with_self_care"},
		{"recent_fall", "long_term_steroids"},
		{"pain_below_knee", "leg_numbness_or_tingling"},
		{"immunosuppression", "fever_or_chills"},
		// Issue 17: the pathways and the new vocabulary.
		{"progressive_leg_weakness"}, {"difficulty_walking"}, {"thoracic_pain"},
		{"history_of_cancer", "leg_numbness_or_tingling"}, {"history_of_cancer", "pain_below_knee"},
		{"history_of_cancer", "difficulty_walking"}, {"history_of_cancer", "thoracic_pain"},
		{"history_of_cancer", "night_pain"},
		{"known_serious_spinal_condition", "leg_weakness"},
		{"injecting_drug_use"}, {"recent_spinal_procedure", "feeling_unwell"},
		{"constant_unchanging_pain"}, {"anticoagulants_or_bleeding_disorder", "recent_fall"},
		{"anticoagulants_or_bleeding_disorder", "leg_weakness"},
		{"abdominal_pain_or_pulsation"}, {"urinary_pain_with_flank_pain"},
		{"morning_stiffness", "waking_second_half_of_night"},
		{"night_pain", "long_term_steroids"},
		// Cauda equina syndrome told as suspected, alone and beside the
		// diagnosis on the record that its name also counts.
		{"suspected_cauda_equina"}, {"suspected_cauda_equina", "known_serious_spinal_condition"},
	}
	clinicalAggravatorSets = [][]string{
		nil,
		{"stretching"}, {"bending_forward"}, {"bending_backward"}, {"twisting"},
		{"sitting"}, {"standing"}, {"lifting"}, {"foam_rolling"},
		{"bending_forward", "twisting"},
		{"bending_backward", "standing"},
		{"stretching", "foam_rolling", "sitting", "lifting"},
	}
	clinicalEasedBySets = [][]string{
		nil,
		{"bending_backward"},
		{"sitting", "bending_forward"},
	}
	clinicalEquipmentSets = [][]string{
		nil,
		{"foam_roller", "massage_ball", "towel", "bed", "sofa", "inversion_table", "back_stretcher", "standing_desk", "resistance_band", "exercise_mat"},
	}
	// Rotating values, each list holding the edges of the rules' thresholds.
	clinicalAges          = []int{0, 10, 15, 16, 35, 50, 51, 64, 65, 80, 33, 19, 70, 75}
	clinicalDays          = []int{0, 3, 27, 28, 56, 84, 85, 200}
	clinicalHealthSets    = [][]string{nil, {"osteoporosis"}, {"high_blood_pressure"}, {"pregnancy", "glaucoma"}, {"heart_disease"}}
	clinicalSexes         = []string{"", "male", "female"}
	clinicalEpisodes      = []string{"", "long_standing_stable", "new"}
	clinicalPainLevels    = []int{0, 4, 8}
	clinicalSittingHours  = []float64{0, 9.5}
	clinicalLegSymptoms   = []string{"pain_below_knee", "leg_numbness_or_tingling"}
	clinicalCaudaEquina   = []string{"bladder_bowel_dysfunction", "saddle_numbness", "sexual_dysfunction", "symptoms_in_both_legs", "suspected_cauda_equina"}
	clinicalInversionFrom = []string{"disc_herniation", "degenerative_disc_disease", "spinal_stenosis"}
)

// clinicalProfiles enumerates the profile space.
func clinicalProfiles() []recommend.Profile {
	var out []recommend.Profile
	for mask := 0; mask < 1<<len(clinicalBackConditions); mask++ {
		var back []string
		for i, c := range clinicalBackConditions {
			if mask&(1<<i) != 0 {
				back = append(back, c)
			}
		}
		for _, rf := range clinicalRedFlagSets {
			for _, ag := range clinicalAggravatorSets {
				for _, eased := range clinicalEasedBySets {
					for _, eq := range clinicalEquipmentSets {
						n := len(out)
						conds := append(slices.Clip(back), clinicalHealthSets[(n/7)%len(clinicalHealthSets)]...)
						out = append(out, recommend.Profile{
							Conditions:     conds,
							RedFlags:       rf,
							AggravatedBy:   ag,
							EasedBy:        eased,
							Equipment:      eq,
							Age:            clinicalAges[n%len(clinicalAges)],
							DaysSinceOnset: clinicalDays[(n/len(clinicalAges))%len(clinicalDays)],
							PainLevel:      clinicalPainLevels[(n/5)%len(clinicalPainLevels)],
							SittingHours:   clinicalSittingHours[(n/3)%len(clinicalSittingHours)],
							Sex:            clinicalSexes[(n/11)%len(clinicalSexes)],
							Episode:        clinicalEpisodes[(n/13)%len(clinicalEpisodes)],
						})
					}
				}
			}
		}
	}
	return out
}

// clinicalAdvice is what the red-flag policy of red_flags.yaml requires for
// a profile: the most urgent referral ("" for none) and whether movement
// advice is withheld. It restates the policy table at the top of
// red_flags.yaml independently of the rules, so that a rule that stops
// firing, or fires too widely, fails the test.
type clinicalAdvice struct {
	Top      recommend.Urgency
	Withheld bool
}

func clinicalExpect(p recommend.Profile) clinicalAdvice {
	flag := func(f string) bool { return slices.Contains(p.RedFlags, f) }
	anyFlag := func(fs ...string) bool { return slices.ContainsFunc(fs, flag) }
	cond := func(c string) bool { return slices.Contains(p.Conditions, c) }
	days, age, pain := p.DaysSinceOnset, p.Age, p.PainLevel
	injury, fall := flag("severe_pain_after_injury"), flag("recent_fall")
	nerve := anyFlag("leg_weakness", "leg_numbness_or_tingling")
	fragile := age >= 65 || cond("osteoporosis") || flag("long_term_steroids")
	cancer := flag("history_of_cancer")
	// NG234: any nerve symptom after a cancer is an emergency; severe,
	// constant, thoracic or night pain is urgent within a day. Radiating
	// nerve pain is one, told as pain below the knee or as sciatica.
	sciatica := cond("sciatica")
	cancerNerve := sciatica || anyFlag("leg_weakness", "progressive_leg_weakness", "leg_numbness_or_tingling",
		"symptoms_in_both_legs", "difficulty_walking", "pain_below_knee", "bladder_bowel_dysfunction", "saddle_numbness",
		"sexual_dysfunction")
	// Stated stable: the label, with the onset unknown; an onset given
	// within 12 weeks contradicts it, and the onset wins (toward a
	// clinician). Long-standing: stated stable, or more than 12 weeks
	// (ACP 2017).
	stable := p.Episode == "long_standing_stable" && days == 0
	long := stable || days > 84
	cancerSigns := 0
	for _, on := range []bool{
		age > 50, flag("unexplained_weight_loss"), flag("night_pain"),
		flag("constant_unchanging_pain"), flag("feeling_unwell"),
		flag("no_improvement_with_self_care") && days >= 28 && days <= 84 && !stable,
	} {
		if on {
			cancerSigns++
		}
	}
	strongSign := anyFlag("unexplained_weight_loss", "constant_unchanging_pain", "feeling_unwell")
	infectionRisk := anyFlag("injecting_drug_use", "recent_bacterial_infection", "recent_spinal_procedure")
	illness := anyFlag("fever_or_chills", "feeling_unwell", "constant_unchanging_pain")
	bleeding := flag("anticoagulants_or_bleeding_disorder")
	abdominal := flag("abdominal_pain_or_pulsation")
	aneurysmAge := age >= 70 || (age >= 65 && p.Sex != "female")
	under16 := age > 0 && age < 16
	// Onset before 45 (or 35): the rule's bands, which take the age and
	// the years of pain without arithmetic on the profile.
	onsetBefore := func(limit int) bool {
		return age < limit || (age < limit+5 && days >= 1825) || (age < limit+10 && days >= 3650) || (age < limit+20 && days >= 7300)
	}
	inflammatory := 0
	for _, on := range []bool{flag("morning_stiffness"), flag("waking_second_half_of_night"),
		slices.Contains(p.EasedBy, "moving_about"), onsetBefore(35)} {
		if on {
			inflammatory++
		}
	}

	switch {
	case anyFlag(clinicalCaudaEquina...), flag("progressive_leg_weakness"),
		(injury || fall) && nerve, injury && fragile,
		cancer && cancerNerve,
		flag("known_serious_spinal_condition") && (sciatica || anyFlag("leg_weakness", "progressive_leg_weakness",
			"leg_numbness_or_tingling", "symptoms_in_both_legs", "difficulty_walking",
			"bladder_bowel_dysfunction", "saddle_numbness", "sexual_dysfunction", "fever_or_chills")),
		bleeding && pain >= 7 && days <= 7 && (sciatica || anyFlag("leg_weakness", "progressive_leg_weakness",
			"leg_numbness_or_tingling", "symptoms_in_both_legs", "difficulty_walking", "pain_below_knee")),
		// Severe back pain is new severe pain: 7 or more in the first
		// 12 weeks unless stated stable (NG156 speaks of new pain).
		abdominal && (aneurysmAge || pain >= 7 && days <= 84 && !stable || injury):
		return clinicalAdvice{Top: recommend.UrgencyEmergency, Withheld: true}
	case injury, fall && fragile, flag("leg_weakness"), flag("difficulty_walking"), flag("fever_or_chills"),
		cancer, flag("known_serious_spinal_condition"), cancerSigns >= 2 && (!long || strongSign),
		(infectionRisk || flag("immunosuppression")) && illness,
		bleeding && fall, abdominal, flag("urinary_pain_with_flank_pain"),
		pain >= 7 && days <= 28 && !stable && (cond("osteoporosis") || flag("long_term_steroids")),
		// A fall is an injury: severe new pain after one, at any age.
		fall && pain >= 7 && days <= 28 && !stable:
		return clinicalAdvice{Top: recommend.UrgencyUrgent, Withheld: true}
	case flag("unexplained_weight_loss"), flag("night_pain") && !long,
		flag("immunosuppression"), flag("long_term_steroids"), infectionRisk,
		anyFlag("constant_unchanging_pain", "feeling_unwell"),
		age >= 75 && pain >= 7 && days <= 42 && !stable:
		return clinicalAdvice{Top: recommend.UrgencyUrgent, Withheld: under16}
	case under16:
		return clinicalAdvice{Top: recommend.UrgencyRoutine, Withheld: true}
	case anyFlag(clinicalLegSymptoms...), flag("no_improvement_with_self_care"),
		flag("night_pain") && long, flag("thoracic_pain"),
		pain >= 4 && (days >= 56 || stable),
		age >= 16 && age <= 19 && slices.Contains(p.AggravatedBy, "bending_backward"),
		// Over three months and begun before 45: more than 90 days in
		// the bands, or, under 45, a flare of long-standing pain or pain
		// stated stable (NG65).
		age > 0 && (days > 90 && onsetBefore(45) || age < 45 && (stable || p.Episode == "flare")) && inflammatory >= 2:
		return clinicalAdvice{Top: recommend.UrgencyRoutine}
	}
	return clinicalAdvice{}
}

// clinicalReasons indexes the rule views: for each rule, effect kind and
// selected movement, the reason that effect shows on its items.
type clinicalReasons map[string]map[recommend.EffectKind]map[string]string

func clinicalReasonIndex(eng *recommend.Engine) clinicalReasons {
	idx := clinicalReasons{}
	for _, r := range eng.Rules() {
		byKind := map[recommend.EffectKind]map[string]string{}
		for _, e := range r.Effects {
			m := map[string]string{}
			for _, id := range e.Selected {
				m[id] = e.Because
			}
			byKind[e.Kind] = m
		}
		idx[r.ID] = byKind
	}
	return idx
}

// notes returns the notes an item must carry: one per rule of rules that
// has an effect of kind naming movement, with that effect's reason.
func (idx clinicalReasons) notes(rules []string, kind recommend.EffectKind, movement string) []recommend.Note {
	out := []recommend.Note{}
	for _, id := range rules {
		if text, ok := idx[id][kind][movement]; ok {
			out = append(out, recommend.NoteOf(id, text))
		}
	}
	return out
}

// TestClinicalInvariants checks the clinical safety properties of the
// default rules over every profile of clinicalProfiles.
func TestClinicalInvariants(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatalf("load the default rules: %v", err)
	}
	reasons := clinicalReasonIndex(eng)
	extension := map[string]bool{}
	for _, m := range eng.Movements() {
		if slices.Contains(m.Tags, "lumbar_extension") {
			extension[m.ID] = true
		}
	}
	if len(extension) == 0 {
		t.Fatal("no movement is tagged lumbar_extension: the stenosis invariant would check nothing")
	}

	rules := map[string]recommend.Rule{}
	for _, r := range eng.Rules() {
		rules[r.ID] = r
	}

	profiles := clinicalProfiles()
	start := time.Now()
	checkProfiles(t, eng, profiles, func(p recommend.Profile, res *recommend.Result, report reportFunc) {
		clinicalCheck(p, res, reasons, extension, report)
		clinicalStoryCheck(p, res, rules, report)
	})
	t.Logf("checked %d profiles in %v", len(profiles), time.Since(start).Round(time.Millisecond))
}

func clinicalCheck(p recommend.Profile, res *recommend.Result, reasons clinicalReasons, extension map[string]bool, report reportFunc) {
	rec := map[string]recommend.Item{}
	for _, it := range res.Recommended {
		rec[it.Movement] = it
	}

	// Possible serious disease withholds movement advice, at the urgency
	// the policy sets.
	var top recommend.Urgency
	if len(res.Referrals) > 0 {
		top = res.Referrals[0].Urgency
	}
	if want, got := clinicalExpect(p), (clinicalAdvice{Top: top, Withheld: res.Withheld}); want != got {
		report(p, "red-flag policy", "(-want +got):\n%s", cmp.Diff(want, got))
	}

	// The default rules meet every red flag's floor themselves: the
	// floor's own referral (policy 7), the net for a gap in the rules,
	// never has to stand in for them.
	for _, r := range res.Referrals {
		for _, id := range r.Rules {
			if strings.HasPrefix(id, recommend.FloorRulePrefix) {
				report(p, "floor", "the rules miss a floor: the referral %q came from %s", r.Message, id)
			}
		}
	}

	// No movement is recommended while a withholding referral stands.
	withholding := slices.ContainsFunc(res.Referrals, func(r recommend.Referral) bool { return r.Withhold })
	if withholding && (len(res.Recommended) != 0 || len(res.NeedsEquipment) != 0 || !res.Withheld) {
		report(p, "withheld", "a referral withholds advice, yet withheld=%v with %d recommended and %d waiting for equipment",
			res.Withheld, len(res.Recommended), len(res.NeedsEquipment))
	}

	// The reasons and cautions on an item are those of the effects of the
	// matching kind that name it, of every matched rule, in rule order,
	// each showing its effect's reason. (slices.Equal first: cmp.Diff
	// only to explain a mismatch.)
	var matched []string
	for _, e := range res.Trace() {
		if e.Matched {
			matched = append(matched, e.Rule)
		}
	}
	for _, it := range res.Recommended {
		if want := reasons.notes(matched, recommend.EffectKindRecommend, it.Movement); !slices.Equal(want, it.Reasons) {
			report(p, "reasons", "recommended %s: reasons (-want +got):\n%s", it.Movement, cmp.Diff(want, it.Reasons))
		}
		if want := reasons.notes(matched, recommend.EffectKindCaution, it.Movement); !slices.Equal(want, it.Cautions) {
			report(p, "reasons", "recommended %s: cautions (-want +got):\n%s", it.Movement, cmp.Diff(want, it.Cautions))
		}
	}
	for _, it := range res.Avoided {
		if want := reasons.notes(matched, recommend.EffectKindAvoid, it.Movement); !slices.Equal(want, it.Reasons) {
			report(p, "reasons", "avoided %s: reasons (-want +got):\n%s", it.Movement, cmp.Diff(want, it.Reasons))
		}
		if len(it.Cautions) != 0 {
			report(p, "reasons", "avoided %s carries cautions %v", it.Movement, it.Cautions)
		}
	}

	// The inversion table (traction, which NICE NG59 advises against) is
	// never recommended, nor listed as worth buying; where a rule
	// recommends it, the conflict shows both sides' citations.
	if _, ok := rec["inversion_table"]; ok {
		report(p, "no inversion", "the inversion table is recommended")
	}
	for _, n := range res.NeedsEquipment {
		if n.Movement == "inversion_table" {
			report(p, "no inversion", "the inversion table is listed as needing equipment")
		}
	}
	if slices.ContainsFunc(p.Conditions, func(c string) bool { return slices.Contains(clinicalInversionFrom, c) }) {
		i := slices.IndexFunc(res.Conflicts, func(c recommend.Conflict) bool { return c.Movement == "inversion_table" })
		if i < 0 {
			report(p, "inversion conflict", "no conflict is listed for the inversion table")
		} else {
			c := res.Conflicts[i]
			type sides struct {
				Resolution recommend.Resolution
				// ForCitesClinic: back-in-shape recommends it; AgainstCitesNICE:
				// NG59 advises against traction.
				ForCitesClinic, AgainstCitesNICE bool
			}
			want := sides{recommend.ResolutionAvoided, true, true}
			got := sides{c.Resolution, clinicalCites(c.For.Citations, "back-in-shape-stretches"), clinicalCites(c.Against.Citations, "nice-ng59")}
			if want != got {
				report(p, "inversion conflict", "(-want +got):\n%s", cmp.Diff(want, got))
			}
		}
	}

	// With stenosis, nothing extension-biased is recommended, nor listed
	// as worth getting equipment for, unless bending backward eases it.
	if slices.Contains(p.Conditions, "spinal_stenosis") && !slices.Contains(p.EasedBy, "bending_backward") {
		for id := range rec {
			if extension[id] {
				report(p, "stenosis extension", "%s is extension-biased and recommended", id)
			}
		}
		for _, n := range res.NeedsEquipment {
			if extension[n.Movement] {
				report(p, "stenosis extension", "%s is extension-biased and listed as needing equipment", n.Movement)
			}
		}
	}

	// No referral message says "if you get X" for an X the person
	// reported, nor "if the pain becomes severe" (or "if you have severe
	// pain") to a person who reported pain of 7 or more, which the rules
	// treat as severe.
	for _, r := range res.Referrals {
		for _, clause := range clinicalIfClauses(r.Message) {
			for _, f := range p.RedFlags {
				for _, w := range clinicalConditional[f] {
					if strings.Contains(clause, w) {
						report(p, "if you get", "%v: %q says what to do if %q comes, but %s is reported", r.Rules, r.Message, w, f)
					}
				}
			}
			if p.PainLevel >= clinicalSevere && strings.Contains(clause, "severe") {
				report(p, "if you get", "%v: %q says what to do if the pain is severe, but pain %d is reported", r.Rules, r.Message, p.PainLevel)
			}
		}
	}

	// With osteoporosis no end-range lumbar flexion is recommended.
	if slices.Contains(p.Conditions, "osteoporosis") {
		for _, id := range clinicalEndRangeFlexion {
			if _, ok := rec[id]; ok {
				report(p, "osteoporosis flexion", "%s is recommended with osteoporosis", id)
			}
		}
	}

	// Directional preference (Long 2004): a disc problem that bending
	// forward (and not backward) eases gets nothing extension-biased.
	if slices.ContainsFunc(p.Conditions, func(c string) bool {
		return slices.Contains([]string{"disc_herniation", "degenerative_disc_disease", "sciatica"}, c)
	}) && slices.Contains(p.EasedBy, "bending_forward") && !slices.Contains(p.EasedBy, "bending_backward") {
		for id := range rec {
			if extension[id] {
				report(p, "directional preference", "%s is extension-biased and recommended, though bending forward eases the disc problem", id)
			}
		}
	}

	// Pregnancy: no long spells lying on the back from about 20 weeks (or
	// an unknown week), and not the "most back pain gets better in a few
	// weeks" message, since pregnancy-related pain often lasts longer.
	if slices.Contains(p.Conditions, "pregnancy") {
		if p.PregnancyWeek == 0 || p.PregnancyWeek >= 20 {
			for _, id := range []string{"towel_stretch", "back_stretcher"} {
				if _, ok := rec[id]; ok {
					report(p, "pregnancy", "%s (long on the back) is recommended in pregnancy", id)
				}
			}
		}
		for _, m := range res.Messages {
			if slices.Contains(m.Rules, "message-most-recover") {
				report(p, "pregnancy", "the message %q is shown in pregnancy", m.Text)
			}
		}
	}

	// "Give it time" is never said beside a review for pain that has not
	// settled: self-care has not helped, or the pain is still moderate or
	// worse at eight weeks (shown or folded, the review says otherwise).
	if slices.ContainsFunc(res.Messages, func(m recommend.Message) bool { return slices.Contains(m.Rules, "message-most-recover") }) {
		notSettled := slices.Contains(p.RedFlags, "no_improvement_with_self_care") ||
			(p.PainLevel >= 4 && (p.DaysSinceOnset >= 56 || p.Episode == "long_standing_stable" && p.DaysSinceOnset == 0))
		var reviews []string
		for _, r := range res.Referrals {
			reviews = append(reviews, r.Rules...)
		}
		for _, f := range res.FoldedReferrals {
			reviews = append(reviews, f.Rules...)
		}
		if notSettled || slices.ContainsFunc(reviews, func(id string) bool {
			return id == "red-flag-persistent-pain" || id == "red-flag-no-improvement"
		}) {
			report(p, "give it time", "the message that most back pain settles with time is shown beside a review for pain that has not settled: %v", reviews)
		}
	}

	// No weak-flag combination withholds advice in long-standing stable
	// pain: age over 50 with night pain or with no improvement.
	if p.Episode == "long_standing_stable" && p.DaysSinceOnset == 0 || p.DaysSinceOnset > 84 {
		weak := []string{"night_pain", "no_improvement_with_self_care"}
		if len(p.RedFlags) > 0 && !slices.ContainsFunc(p.RedFlags, func(f string) bool { return !slices.Contains(weak, f) }) &&
			!(p.Age > 0 && p.Age < 16) && res.Withheld {
			report(p, "long-standing weak flags", "weak flags %v withhold advice in long-standing pain", p.RedFlags)
		}
	}

	// Sciatica: staying active is always advised when advice is given, and
	// with leg symptoms the hamstring stretch is never uncautioned.
	if !res.Withheld {
		if _, ok := rec["walking"]; !ok {
			report(p, "stay active", "walking is not recommended")
		}
	}
	legs := slices.Contains(p.Conditions, "sciatica") ||
		slices.ContainsFunc(p.RedFlags, func(f string) bool { return slices.Contains(clinicalLegSymptoms, f) })
	for _, id := range []string{"hamstring_stretch", "piriformis_stretch"} {
		if it, ok := rec[id]; ok && legs &&
			!slices.ContainsFunc(it.Cautions, func(n recommend.Note) bool { return n.Rule() == "sciatica-caution-hamstring-stretch" }) {
			report(p, "hamstring caution", "%s is recommended with leg symptoms without the nerve caution: %v", id, it.Cautions)
		}
	}
}

// clinicalConditional holds, for each red flag, words that a referral's
// "if ..." clause would use to tell the person what to do should they get
// that flag. A message may not say so for a flag the person has reported:
// it must be written for what they have (issue 17).
var clinicalConditional = map[string][]string{
	"leg_weakness":              {"weakness"},
	"progressive_leg_weakness":  {"weakness", "gets worse"},
	"leg_numbness_or_tingling":  {"tingling"},
	"saddle_numbness":           {"groin"},
	"bladder_bowel_dysfunction": {"bladder", "bowel"},
	"symptoms_in_both_legs":     {"both legs"},
	"fever_or_chills":           {"fever"},
	"difficulty_walking":        {"walking"},
	"feeling_unwell":            {"unwell"},
	"constant_unchanging_pain":  {"constant"},
	"sexual_dysfunction":        {"sex"},
}

// clinicalSevere is the pain level the rules treat as severe.
const clinicalSevere = 7

// clinicalIfClauses returns the lowercased text after each " if " of msg,
// up to the end of its sentence.
func clinicalIfClauses(msg string) []string {
	var out []string
	for _, sentence := range strings.Split(strings.ToLower(msg), ". ") {
		words := " " + sentence + " "
		for {
			i := strings.Index(words, " if ")
			if i < 0 {
				break
			}
			words = words[i+len(" if "):]
			out = append(out, words)
		}
	}
	return out
}

// clinicalEndRangeFlexion are the end-range lumbar flexion positions the
// Royal Osteoporosis Society's advice rules out with osteoporosis.
var clinicalEndRangeFlexion = []string{"knee_to_chest", "double_knee_to_chest", "childs_pose", "happy_baby"}

// clinicalStructural are the pathways whose withholding referrals do not
// keep "stay gently active": a possible fracture or unstable spine, a
// known serious spine condition, and a nerve deficit. Every other
// non-emergency reason to withhold advice keeps it (issue 17; NG59 and
// Dahm 2010: bed rest does not help). red-flag-cancer-spinal-pain (pain
// that may come from cancer in the spine) is structural too.
var clinicalStructural = []string{"fracture", "known_condition", "nerve_root"}

// clinicalStoryCheck checks the referral story the person reads: the
// most pressing referral leads (the short report is ordered by urgency,
// then by how soon its message says to be seen), one symptom is never
// given two urgencies or two timings, withheld advice never sits beside
// a referral that invites activity, and advice withheld for a reason that
// is neither an emergency nor structural keeps "stay gently active".
func clinicalStoryCheck(p recommend.Profile, res *recommend.Result, rules map[string]recommend.Rule, report reportFunc) {
	for i := 1; i < len(res.Referrals); i++ {
		if a, b := clinicalWhen(res.Referrals[i-1]), clinicalWhen(res.Referrals[i]); b.pressing() > a.pressing() {
			report(p, "most pressing leads", "referral %v (%s) is shown after %v (%s)", res.Referrals[i].Rules, b, res.Referrals[i-1].Rules, a)
		}
	}
	for _, f := range p.RedFlags {
		timings := map[clinicalTimed][]string{}
		for _, r := range res.Referrals {
			for _, id := range r.Rules {
				if strings.Contains(rules[id].When, "'"+f+"'") {
					timings[clinicalWhen(r)] = append(timings[clinicalWhen(r)], id)
				}
			}
		}
		if len(timings) > 1 {
			report(p, "one urgency a symptom", "%s is given several urgencies or timings: %v", f, timings)
		}
	}
	if res.Withheld {
		for _, r := range res.Referrals {
			for _, id := range r.Rules {
				if ref := rules[id].Referral; ref != nil && ref.InvitesActivity {
					report(p, "withheld beside an invitation", "advice is withheld, yet %s invites activity: %q", id, r.Message)
				}
			}
		}
	}
	all := append(slices.Clone(res.Referrals), func() []recommend.Referral {
		var out []recommend.Referral
		for _, f := range res.FoldedReferrals {
			out = append(out, f.Referral)
		}
		return out
	}()...)
	keep := res.Withheld
	for _, r := range all {
		if r.Urgency == recommend.UrgencyEmergency {
			keep = false
		}
		if !r.Withhold {
			continue
		}
		for _, id := range r.Rules {
			ref := rules[id].Referral
			if ref == nil || slices.Contains(clinicalStructural, ref.Pathway) || id == "red-flag-cancer-spinal-pain" {
				keep = false
			}
		}
	}
	stayActive := slices.ContainsFunc(res.Messages, func(m recommend.Message) bool { return m.Kind == recommend.MessageKindStayActive })
	if keep && !stayActive {
		report(p, "stay gently active", "advice is withheld for a non-emergency, non-structural reason, but stay gently active is not said")
	}
}

// clinicalTimed is how pressing a referral is: its urgency, and how soon
// its message says to be seen (see clinicalTiming).
type clinicalTimed struct {
	Urgency recommend.Urgency
	Timing  string
}

func (t clinicalTimed) String() string {
	if t.Timing == "" {
		return string(t.Urgency)
	}
	return string(t.Urgency) + ", " + t.Timing
}

// clinicalTimings are the timings clinicalTiming reads, the soonest first.
var clinicalTimings = []string{"now", "today", "two_days", "few_days", "weeks"}

// pressing orders t: by urgency, then by timing, the soonest highest; a
// message that says no time comes last within its urgency.
func (t clinicalTimed) pressing() int {
	rank := map[recommend.Urgency]int{recommend.UrgencyEmergency: 3, recommend.UrgencyUrgent: 2, recommend.UrgencyRoutine: 1}[t.Urgency]
	soon := 0
	if i := slices.Index(clinicalTimings, t.Timing); i >= 0 {
		soon = len(clinicalTimings) - i
	}
	return rank*10 + soon
}

// clinicalWhen is how pressing referral r is, read from its urgency and
// its message's words, not from the rules' data. A routine referral is
// within weeks, whether or not its message says so.
func clinicalWhen(r recommend.Referral) clinicalTimed {
	t := clinicalTimed{r.Urgency, clinicalTiming(r.Message)}
	if t.Urgency == recommend.UrgencyRoutine && t.Timing == "" {
		t.Timing = "weeks"
	}
	return t
}

// clinicalTiming reads from a referral message's first sentence how soon
// it asks the person to be seen: "now" (now, at once, straight away),
// "today" (today, within a day), "two_days" (today or tomorrow, the next
// day or two), "few_days" (the next few days), "weeks" (the next week or
// two, the next few weeks), or "" when it says no time.
func clinicalTiming(msg string) string {
	first := strings.ToLower(strings.SplitN(msg, ". ", 2)[0])
	has := func(phrases ...string) bool {
		return slices.ContainsFunc(phrases, func(ph string) bool { return strings.Contains(first, ph) })
	}
	switch {
	case has("today or tomorrow", "day or two"):
		return "two_days"
	case has("few days"):
		return "few_days"
	case has(" now", "at once", "straight away"):
		return "now"
	case has("today", "within a day"):
		return "today"
	case has("week"):
		return "weeks"
	}
	return ""
}

// TestClinicalReferralTimings: every emergency and urgent referral says
// how soon (refer.within), and what it says is what its message tells the
// person, so that the story orders and folds referrals by what they read.
func TestClinicalReferralTimings(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	type timing struct{ Within, Message string }
	want, got := map[string]timing{}, map[string]timing{}
	for _, r := range eng.Rules() {
		ref := r.Referral
		if ref == nil || (ref.Urgency != recommend.UrgencyEmergency && ref.Urgency != recommend.UrgencyUrgent && ref.Within == "") {
			continue
		}
		msg := clinicalTiming(ref.Message)
		if msg == "" {
			t.Errorf("rule %s: the message's first sentence says no time: %q", r.ID, ref.Message)
		}
		want[r.ID] = timing{msg, msg}
		got[r.ID] = timing{string(ref.Within), msg}
	}
	if len(got) < 20 {
		t.Fatalf("%d emergency and urgent referrals: want the default rules' 30 or so", len(got))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("refer.within against the message's timing (-want +got):\n%s", diff)
	}
}

// clinicalCites reports whether cites include one of source.
func clinicalCites(cites []recommend.Citation, source string) bool {
	return slices.ContainsFunc(cites, func(c recommend.Citation) bool { return c.Source() == source })
}

// TestClinicalSourceKinds pins the kind of each source the issue names, so
// that a trial or a reference page is not presented as a guideline.
func TestClinicalSourceKinds(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatalf("load the default rules: %v", err)
	}
	want := map[string]string{
		"kadalyst-strained-lower-back":     "practitioner_article",
		"back-in-shape-stretches":          "clinic_article",
		"blog-stop-stretching":             "personal_account",
		"fitro-release-your-back":          "general_health_article",
		"nice-ng59":                        "guideline",
		"nice-ng41":                        "guideline",
		"ifompt-red-flags-2020":            "guideline",
		"girft-cauda-equina-2023":          "guideline",
		"acp-2017":                         "guideline",
		"nass-stenosis-2013":               "guideline",
		"ahcpr-1994":                       "guideline",
		"henschke-2013-cochrane":           "systematic_review",
		"dahm-2010-cochrane":               "systematic_review",
		"long-2004-directional-preference": "trial",
		"bmj-cauda-equina":                 "reference",
		"mayo-inversion-therapy":           "reference",
	}
	got := map[string]string{}
	for _, s := range eng.Sources() {
		if _, ok := want[s.ID]; ok {
			got[s.ID] = s.Kind
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("source kinds (-want +got):\n%s", diff)
	}
}

// TestClinicalReferralMessages checks what every referral says: that it is
// advice to get assessed and not a diagnosis, and that it promotes no
// clinic's decompression (traction) service.
func TestClinicalReferralMessages(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatalf("load the default rules: %v", err)
	}
	type problem struct{ Rule, Problem string }
	var got []problem
	n := 0
	for _, r := range eng.Rules() {
		if r.Referral == nil {
			continue
		}
		n++
		msg := strings.ToLower(r.Referral.Message)
		if !strings.Contains(msg, "not a diagnosis") {
			got = append(got, problem{r.ID, "does not say it is not a diagnosis"})
		}
		if strings.Contains(msg, "decompression") {
			got = append(got, problem{r.ID, "mentions decompression treatment"})
		}
		if r.Referral.Withhold && !strings.Contains(msg, "exercis") {
			got = append(got, problem{r.ID, "withholds advice without saying to hold off exercise"})
		}
	}
	if n == 0 {
		t.Fatal("no referral rules found")
	}
	if diff := cmp.Diff([]problem(nil), got); diff != "" {
		t.Errorf("referral messages (-want +got):\n%s", diff)
	}
}

// TestClinicalReasonsNameOnlyTheirItems checks, as far as a test can, that
// every reason is about the items it is shown on: an effect's reason may
// not name a movement the effect does not select, by its name or its id
// written as words (so a reason about the sofa decompression cannot be
// shown on walking).
func TestClinicalReasonsNameOnlyTheirItems(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatalf("load the default rules: %v", err)
	}
	movements := eng.Movements()
	type problem struct{ Rule, Effect, Names string }
	var got []problem
	for _, r := range eng.Rules() {
		for _, e := range r.Effects {
			because := strings.ToLower(e.Because)
			for _, m := range movements {
				if slices.Contains(e.Selected, m.ID) {
					continue
				}
				for _, name := range []string{m.Name, strings.ReplaceAll(m.ID, "_", " ")} {
					if strings.Contains(because, strings.ToLower(name)) {
						got = append(got, problem{r.ID, string(e.Kind), name})
					}
				}
			}
		}
	}
	if diff := cmp.Diff([]problem(nil), got); diff != "" {
		t.Errorf("reasons that name a movement their effect does not select (-want +got):\n%s", diff)
	}
}

// Invariants of issue 17 (clinical safety III): triage by pathway and one
// coherent referral story. Each has its own test and profile space, built
// from the engine's views, so that a value the rules add (a red flag, an
// episode kind) is explored without a change here.

// clinical3Words lower-cases s and splits it into words.
func clinical3Words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '_')
	})
}

// clinical3NeuroWords mark a red flag as a neurological sign, by its id or
// label: limb weakness, numbness or tingling, difficulty walking or an
// unsteady gait, bladder or bowel change, saddle numbness, symptoms in both
// legs, and pain spreading down the leg (radiating nerve pain): the signs
// NICE NG234 lists with a history of cancer, and new sexual dysfunction,
// a cauda equina sign (GIRFT 2023) (see ../shared/references.md,
// "Added 2026-12-05").
var clinical3NeuroWords = []string{"weakness", "numb", "tingl", "walk", "gait", "bladder", "bowel", "saddle", "groin", "both_legs", "below_knee", "sexual"}

// clinical3Neuro returns the red flags that are neurological signs.
func clinical3Neuro(voc recommend.Vocabulary) []string {
	var out []string
	for _, f := range voc.RedFlags {
		text := f.ID + " " + strings.ToLower(f.Label)
		if slices.ContainsFunc(clinical3NeuroWords, func(w string) bool { return strings.Contains(text, w) }) {
			out = append(out, f.ID)
		}
	}
	return out
}

// clinical3Episodes returns "" and every episode value the vocabulary
// declares.
func clinical3Episodes(voc recommend.Vocabulary) []string {
	out := []string{""}
	for _, t := range voc.Episode {
		out = append(out, t.ID)
	}
	return out
}

// TestClinicalCancerWithNeuroSignIsEmergency: a history of cancer with any
// neurological sign is suspected spinal cord compression, an emergency
// (NICE NG234), whatever else the profile holds.
func TestClinicalCancerWithNeuroSignIsEmergency(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	voc := eng.Vocabulary()
	neuro := clinical3Neuro(voc)
	for _, want := range []string{"leg_weakness", "leg_numbness_or_tingling", "bladder_bowel_dysfunction", "saddle_numbness", "symptoms_in_both_legs", "sexual_dysfunction"} {
		if !slices.Contains(neuro, want) {
			t.Fatalf("neurological signs %v miss %s: the words that find them are out of date", neuro, want)
		}
	}
	var profiles []recommend.Profile
	episodes := clinical3Episodes(voc)
	for _, n := range neuro {
		for ci, conds := range [][]string{nil, {"sciatica"}, {"chronic_stiffness"}, {"osteoporosis"}, {"disc_herniation", "spinal_stenosis"}} {
			for ai, age := range []int{0, 35, 55, 80} {
				for ei, ep := range episodes {
					profiles = append(profiles, recommend.Profile{
						Conditions: conds, RedFlags: []string{"history_of_cancer", n}, Age: age, Episode: ep,
						DaysSinceOnset: []int{0, 5, 40, 3650}[(ci+ai+ei)%4], PainLevel: []int{0, 4, 9}[(ai+ei)%3],
					})
				}
			}
		}
	}
	// Sciatica, pain running down the leg, is radiating nerve pain too,
	// told as a condition rather than as a red flag.
	for ai, age := range []int{0, 35, 55, 80} {
		for ei, ep := range episodes {
			profiles = append(profiles, recommend.Profile{
				Conditions: []string{"sciatica"}, RedFlags: []string{"history_of_cancer"}, Age: age, Episode: ep,
				DaysSinceOnset: []int{0, 5, 40, 3650}[(ai+ei)%4], PainLevel: []int{0, 4, 9}[(ai+ei)%3],
			})
		}
	}
	cancerRules := map[string]bool{}
	for _, r := range eng.Rules() {
		if r.Referral != nil && strings.Contains(r.When, "'history_of_cancer' in profile.red_flags") {
			cancerRules[r.ID] = true
		}
	}
	checkProfiles(t, eng, profiles, func(p recommend.Profile, res *recommend.Result, report reportFunc) {
		if len(res.Referrals) == 0 || res.Referrals[0].Urgency != recommend.UrgencyEmergency || !res.Withheld {
			report(p, "cancer with a neurological sign", "want an emergency that withholds advice; got %s, withheld %v", clinical3Top(res), res.Withheld)
		}
		// No cancer referral of a lower urgency beside the emergency: the
		// cancer is part of the emergency's story, not a second one.
		for _, r := range res.Referrals {
			if r.Urgency != recommend.UrgencyEmergency && slices.ContainsFunc(r.Rules, func(id string) bool { return cancerRules[id] }) {
				report(p, "cancer with a neurological sign", "a %s cancer referral %v is shown beside the emergency", r.Urgency, r.Rules)
			}
		}
	})
	t.Logf("checked %d profiles, neurological signs %v", len(profiles), neuro)
}

// clinical3Top describes the referrals a short report shows.
func clinical3Top(res *recommend.Result) string {
	if len(res.Referrals) == 0 {
		return "no referral"
	}
	var parts []string
	for _, r := range res.Referrals {
		parts = append(parts, fmt.Sprintf("%s %v", r.Urgency, r.Rules))
	}
	return strings.Join(parts, ", ")
}

// TestClinicalWeakSignsInStablePainKeepAdvice: in long-standing stable pain
// (episode long_standing_stable, or an episode that began ten years ago,
// whatever is stated), the weak signs (age over 50, night pain, no
// improvement), alone or together, never withhold movement advice
// (Henschke 2013; issue 17).
func TestClinicalWeakSignsInStablePainKeepAdvice(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(eng.Vocabulary().Episode, func(t recommend.Term) bool { return t.ID == "long_standing_stable" }) {
		t.Fatal("vocabulary.episode has no long_standing_stable")
	}
	weak := [][]string{nil, {"night_pain"}, {"no_improvement_with_self_care"}, {"night_pain", "no_improvement_with_self_care"}}
	type stable struct {
		episode string
		days    int
	}
	var profiles []recommend.Profile
	for _, st := range []stable{{"long_standing_stable", 0}, {"long_standing_stable", 200}, {"long_standing_stable", 3650}, {"", 3650}} {
		for _, flags := range weak {
			for _, conds := range [][]string{nil, {"chronic_stiffness"}, {"degenerative_disc_disease"}, {"spinal_stenosis"}, {"disc_herniation"}} {
				for _, age := range []int{0, 45, 55, 70, 85} {
					for _, pain := range []int{0, 3, 6} {
						profiles = append(profiles, recommend.Profile{
							Conditions: conds, RedFlags: flags, Age: age, PainLevel: pain,
							Episode: st.episode, DaysSinceOnset: st.days,
						})
					}
				}
			}
		}
	}
	checkProfiles(t, eng, profiles, func(p recommend.Profile, res *recommend.Result, report reportFunc) {
		if res.Withheld {
			report(p, "weak signs in stable pain", "advice is withheld: %s", res.WithheldReason)
		}
	})
	t.Logf("checked %d profiles", len(profiles))
}

// clinical3EndRangeFlexion are the end-range or loaded lumbar flexion
// movements the Royal Osteoporosis Society's guidance advises against:
// those the issue names, and any movement tagged end_range_flexion.
func clinical3EndRangeFlexion(eng *recommend.Engine) map[string]bool {
	out := map[string]bool{}
	for _, m := range eng.Movements() {
		if slices.Contains([]string{"knee_to_chest", "double_knee_to_chest", "childs_pose", "happy_baby"}, m.ID) ||
			slices.Contains(m.Tags, "end_range_flexion") {
			out[m.ID] = true
		}
	}
	return out
}

// TestClinicalOsteoporosisNoEndRangeFlexion: with osteoporosis, no
// end-range lumbar flexion is recommended, whatever else the profile holds.
func TestClinicalOsteoporosisNoEndRangeFlexion(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	flexion := clinical3EndRangeFlexion(eng)
	if len(flexion) < 4 {
		t.Fatalf("end-range flexion movements %v: want at least the four the issue names", flexion)
	}
	voc := eng.Vocabulary()
	var profiles []recommend.Profile
	for mask := 0; mask < 1<<len(clinicalBackConditions); mask++ {
		conds := []string{"osteoporosis"}
		for i, c := range clinicalBackConditions {
			if mask&(1<<i) != 0 {
				conds = append(conds, c)
			}
		}
		for ai, agg := range [][]string{nil, {"bending_backward"}, {"bending_forward"}, {"standing"}} {
			for ei, eased := range [][]string{nil, {"bending_forward"}, {"bending_backward"}, {"lying_down"}} {
				for epi, ep := range clinical3Episodes(voc) {
					profiles = append(profiles, recommend.Profile{
						Conditions: conds, AggravatedBy: agg, EasedBy: eased, Episode: ep,
						Equipment: clinicalEquipmentSets[1],
						Age:       []int{0, 45, 70, 85}[(ai+ei+epi)%4], DaysSinceOnset: []int{0, 10, 100, 3650}[(ei+epi)%4],
						PainLevel: []int{0, 5}[epi%2],
					})
				}
			}
		}
	}
	checkProfiles(t, eng, profiles, func(p recommend.Profile, res *recommend.Result, report reportFunc) {
		for _, it := range res.Recommended {
			if flexion[it.Movement] {
				report(p, "osteoporosis flexion", "%s is recommended", it.Movement)
			}
		}
	})
	t.Logf("checked %d profiles; end-range flexion: %v", len(profiles), slices.Sorted(maps.Keys(flexion)))
}

// clinical3Space is the profile space of the referral-story invariants:
// no red flag, each red flag alone and every pair, crossed with a few
// condition sets and every episode kind, with age, onset, pain and sex
// rotating.
func clinical3Space(voc recommend.Vocabulary) []recommend.Profile {
	flags := [][]string{nil}
	for i, a := range voc.RedFlags {
		flags = append(flags, []string{a.ID})
		for _, b := range voc.RedFlags[i+1:] {
			flags = append(flags, []string{a.ID, b.ID})
		}
	}
	sexes := []string{""}
	for _, t := range voc.Sex {
		sexes = append(sexes, t.ID)
	}
	var out []recommend.Profile
	for _, fs := range flags {
		for _, conds := range [][]string{nil, {"disc_herniation"}, {"sciatica", "spinal_stenosis"}, {"chronic_stiffness", "osteoporosis"}} {
			for _, ep := range clinical3Episodes(voc) {
				n := len(out)
				out = append(out, recommend.Profile{
					Conditions: conds, RedFlags: fs, Episode: ep,
					Age:            []int{0, 12, 17, 35, 55, 70, 90}[n%7],
					DaysSinceOnset: []int{0, 3, 30, 60, 120, 3650}[(n/7)%6],
					PainLevel:      []int{0, 4, 8}[(n/3)%3],
					Sex:            sexes[(n/5)%len(sexes)],
				})
			}
		}
	}
	return out
}

// clinical3Names indexes, for each rule with a referral, the red flags its
// condition names (as quoted ids) and whether it invites activity.
type clinical3Rule struct {
	flags   []string
	invites bool
}

func clinical3Rules(eng *recommend.Engine) map[string]clinical3Rule {
	voc := eng.Vocabulary()
	out := map[string]clinical3Rule{}
	for _, r := range eng.Rules() {
		if r.Referral == nil {
			continue
		}
		var cr clinical3Rule
		for _, f := range voc.RedFlags {
			if strings.Contains(r.When, "'"+f.ID+"'") || strings.Contains(r.When, `"`+f.ID+`"`) {
				cr.flags = append(cr.flags, f.ID)
			}
		}
		cr.invites = r.Referral.InvitesActivity
		out[r.ID] = cr
	}
	return out
}

// clinical3Generic are words of red-flag labels that do not tell one
// symptom from another.
var clinical3Generic = []string{
	"with", "from", "that", "your", "have", "after", "before", "even", "such", "one", "small",
	"new", "worse", "pain", "back", "legs", "leg", "feet", "foot", "both", "the", "and", "you",
	"its", "any", "inner", "began", "loss", "control", "problems", "such", "feeling", "system",
	"illness", "treatment", "months", "taking", "there", "this", "been", "diagnosed", "problem",
	"explanation", "wakes", "sudden", "weak", "self", "care", "days", "few", "for", "not", "can",
	"get", "has", "was", "are", "had", "getting", "recent", "spine", "when", "position", "movement",
	"change", "changes", "generally", "lasts", "more", "than", "half", "hour", "second", "because",
}

// clinical3Keywords returns, for each red flag, the words of its label
// that name the symptom: "Weakness in a leg or foot" gives "weakness".
func clinical3Keywords(voc recommend.Vocabulary) map[string][]string {
	out := map[string][]string{}
	for _, f := range voc.RedFlags {
		for _, w := range clinical3Words(f.Label) {
			if len(w) >= 3 && !slices.Contains(clinical3Generic, w) {
				out[f.ID] = append(out[f.ID], w)
			}
		}
	}
	return out
}

// clinical3IfYouGet finds the clauses of a message that tell the person to
// act if a symptom comes: "if you get ...", "if you develop ...", "if you
// notice ...", "if you start ...", "if you feel ...", "if you have ...",
// "if the pain ...", "if there is ...", "if any ... appears";
// each up to the end of its sentence.
func clinical3IfYouGet(msg string) []string {
	var out []string
	lower := strings.ToLower(msg)
	for _, sentence := range strings.Split(lower, ". ") {
		for _, lead := range []string{"if you get ", "if you develop ", "if you notice ", "if you start ", "if you feel ", "if you have ",
			"if the pain ", "if there is ", "if there are ", "if any "} {
			if i := strings.Index(sentence, lead); i >= 0 {
				out = append(out, sentence[i+len(lead):])
			}
		}
	}
	return out
}

// clinical3Named returns the red flags each item of clause names, where
// the items are the parts of the clause between commas, "or" and "and":
// those with the most keywords in the item (a word of the item that starts
// with a keyword, or that a keyword starts with, "weak" and "weakness"),
// so that "groin numbness" names saddle numbness and not numbness in the
// legs, and "numbness in your legs" names every flag with numbness.
func clinical3Named(clause string, keywords map[string][]string) []string {
	var out []string
	items := strings.FieldsFunc(strings.NewReplacer(" or ", ",", " and ", ",").Replace(clause), func(r rune) bool { return r == ',' })
	for _, item := range items {
		words := clinical3Words(item)
		best, named := 0, []string(nil)
		for _, f := range slices.Sorted(maps.Keys(keywords)) {
			n := 0
			for _, k := range keywords[f] {
				if slices.ContainsFunc(words, func(w string) bool {
					return len(w) >= 3 && (strings.HasPrefix(w, k) || strings.HasPrefix(k, w))
				}) {
					n++
				}
			}
			switch {
			case n > best:
				best, named = n, []string{f}
			case n == best && n > 0:
				named = append(named, f)
			}
		}
		for _, f := range named {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// clinical3InvitesExercise are phrases of a message that invite exercise
// or activity; a message that says to hold off on exercise does not use
// them.
var clinical3InvitesExercise = []string{
	"keep doing what you can", "plan of exercises", "exercises made for you", "exercises come first",
	"keep exercising", "keep up your exercises", "start the exercises", "carry on exercising",
}

// TestClinicalReferralStory checks, over clinical3Space, what the short
// report's referrals say together:
//
//   - no referral message says "if you get X" for an X the person
//     reported (X from the words of the red flag's label);
//   - one reported red flag never gets two urgencies or two timings: two
//     shown referrals whose rules' conditions both name a reported red
//     flag have one urgency, and their messages say one time (see
//     clinicalTiming);
//   - the most pressing referral leads: the shown referrals are ordered
//     by urgency, then by the time their messages say;
//   - withheld advice never sits beside an invitation to exercise: no
//     shown referral invites activity (refer.invites_activity, or a phrase
//     that invites exercise), and no pacing or reassurance message is
//     kept.
func TestClinicalReferralStory(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	voc := eng.Vocabulary()
	rules := clinical3Rules(eng)
	keywords := clinical3Keywords(voc)
	for _, f := range voc.RedFlags {
		if len(keywords[f.ID]) == 0 {
			t.Errorf("red flag %s: no word of its label %q names the symptom", f.ID, f.Label)
		}
	}
	profiles := clinical3Space(voc)
	checkProfiles(t, eng, profiles, func(p recommend.Profile, res *recommend.Result, report reportFunc) {
		for _, r := range res.Referrals {
			for _, clause := range clinical3IfYouGet(r.Message) {
				for _, f := range clinical3Named(clause, keywords) {
					if slices.Contains(p.RedFlags, f) {
						report(p, "if you get X for a reported X", "referral %v says %q, but %s is reported", r.Rules, "if ..."+clause, f)
					}
				}
				if p.PainLevel >= clinicalSevere && strings.Contains(clause, "severe") {
					report(p, "if you get X for a reported X", "referral %v says %q, but pain %d is reported", r.Rules, "if ..."+clause, p.PainLevel)
				}
			}
		}
		for _, f := range p.RedFlags {
			timings := map[clinicalTimed][]string{}
			for _, r := range res.Referrals {
				for _, id := range r.Rules {
					if slices.Contains(rules[id].flags, f) {
						timings[clinicalWhen(r)] = append(timings[clinicalWhen(r)], id)
					}
				}
			}
			if len(timings) > 1 {
				report(p, "one symptom, one urgency", "%s is named by shown referrals of %d urgencies or timings: %v", f, len(timings), timings)
			}
		}
		for i := 1; i < len(res.Referrals); i++ {
			if a, b := clinicalWhen(res.Referrals[i-1]), clinicalWhen(res.Referrals[i]); b.pressing() > a.pressing() {
				report(p, "most pressing leads", "referral %v (%s) is shown after %v (%s)", res.Referrals[i].Rules, b, res.Referrals[i-1].Rules, a)
			}
		}
		if len(res.Referrals) > 0 && res.Referrals[0].Urgency.AtLeast(recommend.UrgencyUrgent) {
			for _, m := range res.Messages {
				if m.Kind == recommend.MessageKindReassurance {
					report(p, "no reassurance beside an urgent referral", "referral %v is %s, but the reassurance %q is kept", res.Referrals[0].Rules, res.Referrals[0].Urgency, m.Text)
				}
			}
		}
		if res.Withheld {
			for _, r := range res.Referrals {
				msg := strings.ToLower(r.Message)
				invites := slices.ContainsFunc(r.Rules, func(id string) bool { return rules[id].invites }) ||
					slices.ContainsFunc(clinical3InvitesExercise, func(ph string) bool { return strings.Contains(msg, ph) })
				if invites {
					report(p, "withheld beside an invitation", "advice is withheld, but referral %v invites activity: %q", r.Rules, r.Message)
				}
			}
			for _, m := range res.Messages {
				if m.Kind == recommend.MessageKindPacing || m.Kind == recommend.MessageKindReassurance {
					report(p, "withheld beside an invitation", "advice is withheld, but the %s message %q is kept", m.Kind, m.Text)
				}
			}
		}
	})
	t.Logf("checked %d profiles", len(profiles))
}

// TestClinicalFoldedNeverMorePressing checks, over random sets of three
// and four red flags at ages, days since onset and pain levels, that no
// shown referral is less pressing (by its urgency and its message's
// timing) than a folded referral of its pathway or of a reported red
// flag that both rules' conditions name: folding is transitive, so a
// symptom whose more pressing referral is folded away is never shown
// with a later timing (issue 17 review: immunosuppression shown "in the
// next few days" while a possible spinal infection, "in the next day or
// two", was folded into a cancer referral by constant pain).
func TestClinicalFoldedNeverMorePressing(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	voc := eng.Vocabulary()
	rules := clinical3Rules(eng)
	pathway := map[string]string{}
	for _, r := range eng.Rules() {
		if r.Referral != nil {
			pathway[r.ID] = r.Referral.Pathway
		}
	}
	n := 300_000
	if testing.Short() {
		n = 30_000
	}
	// The review's profile first, then a deterministic sample.
	profiles := []recommend.Profile{{RedFlags: []string{"history_of_cancer", "immunosuppression", "constant_unchanging_pain"}, PainLevel: 3, DaysSinceOnset: 20, Age: 51}}
	rng := rand.New(rand.NewPCG(17, 18))
	ages := []int{0, 14, 18, 35, 49, 51, 60, 66, 71, 76, 90}
	days := []int{0, 1, 5, 10, 20, 29, 45, 60, 90, 400}
	for len(profiles) < n {
		perm := rng.Perm(len(voc.RedFlags))[:3+rng.IntN(2)]
		var fs []string
		for _, i := range perm {
			fs = append(fs, voc.RedFlags[i].ID)
		}
		profiles = append(profiles, recommend.Profile{RedFlags: fs,
			Age: ages[rng.IntN(len(ages))], DaysSinceOnset: days[rng.IntN(len(days))], PainLevel: rng.IntN(11)})
	}
	// shares returns what two rules share: their pathway, or red flags
	// that p reports and both conditions name.
	shares := func(p recommend.Profile, a, b []string) string {
		for _, x := range a {
			for _, y := range b {
				if pa := pathway[x]; pa != "" && pa == pathway[y] {
					return "pathway " + pa
				}
				for _, f := range rules[x].flags {
					if slices.Contains(p.RedFlags, f) && slices.Contains(rules[y].flags, f) {
						return "red flag " + f
					}
				}
			}
		}
		return ""
	}
	checkProfiles(t, eng, profiles, func(p recommend.Profile, res *recommend.Result, report reportFunc) {
		for _, f := range res.FoldedReferrals {
			fw := clinicalWhen(f.Referral)
			for _, s := range res.Referrals {
				sw := clinicalWhen(s)
				if sw.pressing() >= fw.pressing() {
					continue
				}
				if why := shares(p, f.Rules, s.Rules); why != "" {
					report(p, "a shown referral less pressing than a folded one it shares with",
						"shown %v (%s) shares %s with folded %v (%s), folded into %v", s.Rules, sw, why, f.Rules, fw, f.Into)
				}
			}
		}
	})
	// The review's profile: the cancer team's referral first, and the
	// infection check of the same day beside it (each of one timing keeps
	// its words), with the within-days ones folded into them.
	res, err := eng.Recommend(t.Context(), profiles[0])
	if err != nil {
		t.Fatal(err)
	}
	var shown []string
	for _, r := range res.Referrals {
		shown = append(shown, r.Rules...)
	}
	if diff := cmp.Diff([]string{"red-flag-cancer-spinal-pain", "red-flag-infection-signs"}, shown); diff != "" {
		t.Errorf("%+v: shown referrals (-want +got):\n%s", profiles[0], diff)
	}
	t.Logf("checked %d profiles", len(profiles))
}
