package cdshooks

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/mdsafe"
	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

// Indicator is a card's urgency, one of the values CDS Hooks allows.
type Indicator string

// The indicators, in order of increasing urgency.
const (
	// IndicatorInfo is for the plan, key messages and other recommendations, and
	// for routine referrals.
	IndicatorInfo Indicator = "info"
	// IndicatorWarning is for urgent referrals and the movements to avoid.
	IndicatorWarning Indicator = "warning"
	// IndicatorCritical is for emergency referrals.
	IndicatorCritical Indicator = "critical"
)

// MaxSummary is the most characters a card's summary has: CDS Hooks asks
// for fewer than 140.
const MaxSummary = 139

// Card is a CDS Hooks card, with the specification's field names.
type Card struct {
	// UUID identifies the card of one call, and is what feedback names:
	// a name-based (version 5) UUID of the rule set's digest, the call's
	// hookInstance, the card's place and its content, so that cards of
	// other calls, or other patients, never share it, and the same
	// request sent again gets the same UUIDs.
	UUID string `json:"uuid"`
	// Summary is one sentence of at most MaxSummary characters.
	Summary string `json:"summary"`
	// Detail is GitHub-flavoured markdown: how, dose, reasons, cautions
	// and every source.
	Detail string `json:"detail,omitempty"`
	// Indicator is the card's urgency.
	Indicator Indicator `json:"indicator"`
	// Source is the primary source of the card's guidance: its first
	// citation of the strongest kind of evidence.
	Source Source `json:"source"`
	// Links point at the card's other cited sources that have an
	// address; omitted when there are none.
	Links []Link `json:"links,omitempty"`
	// OverrideReasons are the reasons a clinician can give for not
	// following a referral or avoid card, to send back as feedback;
	// omitted on the other cards.
	OverrideReasons []Coding `json:"overrideReasons,omitempty"`
}

// The code systems of the cards' codings: URIs of this project, not
// addresses to fetch.
const (
	// OverrideReasonSystem is the system of the cards' overrideReasons.
	OverrideReasonSystem = "https://github.com/backrules/backrules/cds/override-reason"
	// TopicSystem is the system of the cards' source.topic.
	TopicSystem = "https://github.com/backrules/backrules/cds/topic"
)

// overrideReasons are the reasons offered on referral and avoid cards.
var overrideReasons = []Coding{
	{System: OverrideReasonSystem, Code: "patient-already-assessed", Display: "Patient already assessed for this"},
	{System: OverrideReasonSystem, Code: "already-referred", Display: "Referral already made or under way"},
	{System: OverrideReasonSystem, Code: "not-applicable", Display: "Coded condition not current or not applicable"},
	{System: OverrideReasonSystem, Code: "patient-declined", Display: "Patient declined"},
	{System: OverrideReasonSystem, Code: "clinical-judgement", Display: "Clinical judgement differs"},
}

// The topics of the cards, under TopicSystem.
var (
	topicReferral   = Coding{System: TopicSystem, Code: "referral", Display: "Referral for assessment"}
	topicMessages   = Coding{System: TopicSystem, Code: "key-messages", Display: "Key messages for the patient"}
	topicPlan       = Coding{System: TopicSystem, Code: "exercise-plan", Display: "Exercise plan"}
	topicAvoid      = Coding{System: TopicSystem, Code: "movements-to-avoid", Display: "Movements to avoid"}
	topicIncomplete = Coding{System: TopicSystem, Code: "advice-unavailable", Display: "Advice unavailable"}
	topicPainTrend  = Coding{System: TopicSystem, Code: "pain-trend", Display: "Pain trend"}
)

// Source is the source of a card's guidance.
type Source struct {
	// Label names the source: its title, and its publisher after " — ".
	Label string `json:"label"`
	// URL is the source's address, omitted when it is not known.
	URL string `json:"url,omitempty"`
	// Topic says what the card is about, under TopicSystem: a referral,
	// the key messages, the exercise plan, the movements to avoid, advice
	// that is unavailable, the pain trend, or conditions the service could
	// not read.
	Topic *Coding `json:"topic,omitempty"`
}

// Link is a link to more information, shown on a card.
type Link struct {
	// Label is the link's text: the cited source's title, or else its
	// publisher, its id or its address, never empty.
	Label string `json:"label"`
	// URL is the source's absolute address.
	URL string `json:"url"`
	// Type is always "absolute": the links are web pages, not SMART apps.
	Type string `json:"type"`
}

// Cards turns a Result into CDS Hooks cards, in this order:
//
//   - one card per referral, most urgent first: critical for an
//     emergency, warning when urgent, info when routine; its summary is
//     the rule's text for clinicians (refer.clinician), its detail adds
//     what the patient is told;
//   - one info card with the key messages, when there are any;
//   - one info card per plan step, with how, dose and why;
//   - one info card "Also helpful" with the other recommended movements
//     (titled "Recommended" when there is no plan);
//   - one warning card "Avoid for now" with the movements to avoid, and
//     where the sources disagree about them.
//
// The cards say what the short report says (report.New): the movements of
// "Also helpful" and "Avoid for now" in the order of its groups, and, for a
// movement the check-ins have moved (the programme's step for it is not
// its start), the level and dose this week (report.Step.Week,
// report.Group.Dose), or that it is stopped and why, in place of the
// dose it started at.
//
// A card is written for the clinician, and says "the patient"; the
// patient's own words, written to the patient ("you"), are labelled as
// such: the referral's message follows "**The patient is told:** ", and
// the key messages, and the how, dose, why and cautions of a plan step
// and the dose, reason and cautions of each movement of the also-helpful
// and avoid cards, are a list after a paragraph "**What the patient is
// told:**". Where the sources disagree about a movement follows that
// list, in the clinician's words.
//
// When the Result is incomplete (it came with a *recommend.PartialError:
// only the referral and safety-net rules could be evaluated), an info
// card "Exercise advice unavailable" follows the referral cards, and the
// key messages' card holds the safety nets. When it has a programme
// (the profile had check-ins, such as the pain scores of the CDS Hooks
// prefetch), an info card "Pain trend" follows them, with the pain at each
// check-in; a review the programme calls for is a referral card.
//
// When advice is withheld, the Result recommends nothing, so there are no
// plan or "Also helpful" cards, and the referral card says that exercises
// are on hold. Every card has a source: its first citation of the
// strongest kind of evidence (a guideline before a review, a trial, a
// reference, a clinic, practitioner or health article, or a personal
// account; the first in rule order among equals). On a card about
// movements (the plan, also helpful, avoid) a citation that takes a side
// on them comes before one cited for background only, and a card whose
// citations are all background names the rule set as its source. Every citation of the
// card is listed in its detail, the source first; the others with an
// address are also links.
//
// hookInstance is the call's hookInstance: each card's uuid is derived
// from it (see Card.UUID), so that it names the card of this call only.
// A nil Result is an error.
func Cards(res *recommend.Result, hookInstance string) ([]Card, error) {
	return cards(res, hookInstance, "")
}

// Cards returns the cards of res, the Result of m's profile, as the
// function Cards does; but when the chart records no back condition,
// every card is framed as applying if the patient reports back pain,
// which the rules assume and the chart does not say: its summary starts
// "If back pain is reported: " (IfBackPain) and its detail says why. A
// chart records no back condition when its coded terms are all risk
// factors (m.RiskFactorsOnly), or when it has none (m.Relevant is false:
// the cards come from the pain scores alone, which do not say where the
// pain is; see Mapping.Relevant), and no code of the chart is unknown to
// the vocabulary (m.Unknown): an unknown code may be a back condition, so
// with one the cards stay plain. The Service answers with these cards.
func (m *Mapping) Cards(res *recommend.Result, hookInstance string) ([]Card, error) {
	return cards(res, hookInstance, m.frame())
}

// frame is what starts the detail of each card of m, framing it as
// applying if back pain is reported, or "" (see Cards).
func (m *Mapping) frame() string {
	switch {
	case m == nil || len(m.Unknown) > 0:
		// A code the vocabulary does not know may be a back condition
		// (M54.41, lumbago with sciatica): the cards stay plain.
		return ""
	case m.RiskFactorsOnly:
		return riskFactorsOnlyDetail
	case !m.Relevant():
		return noTermsDetail
	}
	return ""
}

// uncertainAgeCards are the cards of res, the referrals of both ages a
// partial birth date allows (see Mapping.AgeUpTo), with the rest of the
// advice withheld: the referral cards, framed as Cards frames them, the
// card that says the age was uncertain, and the key messages.
func (m *Mapping) uncertainAgeCards(res *recommend.Result, hookInstance string) []Card {
	b := builder{res: res, o: report.New(res), hookInstance: hookInstance, frame: m.frame()}
	for _, ref := range b.o.Referrals {
		b.referral(ref)
	}
	b.uncertainAge(m.Profile.Age, m.AgeUpTo)
	b.messages()
	return b.cards
}

// uncertainAgeCard is the card that says the age was uncertain, young or
// old, for a call answered with referrals only for another reason.
func uncertainAgeCard(res *recommend.Result, hookInstance string, young, old int) Card {
	b := builder{res: res, o: report.New(res), hookInstance: hookInstance}
	b.uncertainAge(young, old)
	return b.cards[0]
}

// uncertainAge adds the card that says the birth date gives two ages,
// young and old, whose advice differs (young 0 is an age under one): the
// movement advice is withheld when b's Result withholds it, and otherwise
// the same at both ages.
func (b *builder) uncertainAge(young, old int) {
	ages := fmt.Sprintf("%d or %d", young, old)
	if young == 0 {
		ages = fmt.Sprintf("under 1 or %d", old)
	}
	summary := "Birth date gives age " + ages + ": referrals for both ages given, exercise advice withheld; check the date of birth"
	advice := "no exercise or movement advice is given."
	if !b.res.Withheld {
		summary = "Birth date gives age " + ages + ": referrals for both ages given; check the date of birth"
		advice = "the exercise and movement advice, the same at both ages, follows."
	}
	b.add(IndicatorWarning, topicIncomplete, summary,
		[]string{"**The age is uncertain.** The chart gives the year of birth, or the year and month, but not the day, so the patient is " + ages +
			" today, and the advice for these two ages differs. The service does not pick one: the referral cards are those of both ages, " +
			"the most urgent first, and " + advice + " Act on the referral cards, and check the date of birth on the chart."}, nil)
}

// IfBackPain starts the summary of each card for a chart that records no
// back condition (see Mapping.Cards).
const IfBackPain = "If back pain is reported: "

// riskFactorsOnlyDetail starts the detail of each card for a chart that
// records only risk factors.
const riskFactorsOnlyDetail = "**If the patient reports back pain.** No back condition this service recognises is coded on this chart, " +
	"only risk factors that change the advice for a person with back pain; the advice below assumes back pain."

// noTermsDetail starts the detail of each card for a chart whose cards
// come from its pain scores alone.
const noTermsDetail = "**If the patient reports back pain.** No back condition this service recognises is coded on this chart, " +
	"nor any risk factor; the advice below comes from the patient's pain scores, which do not say where the pain is, and assumes back pain."

// cards makes the cards of res; frame, when not "", frames each as
// applying if back pain is reported, frame starting its detail.
func cards(res *recommend.Result, hookInstance, frame string) ([]Card, error) {
	if res == nil {
		return nil, errors.New("cdshooks: nil *recommend.Result")
	}
	b := builder{res: res, o: report.New(res), hookInstance: hookInstance, frame: frame}
	for _, ref := range b.o.Referrals {
		b.referral(ref)
	}
	b.incomplete()
	b.painTrend()
	b.messages()
	if b.o.Planned {
		for i, st := range b.o.Plan {
			b.planStep(i, st)
		}
	}
	b.alsoHelpful()
	b.avoid()
	return b.cards, nil
}

// builder makes the cards of one Result from its outline, the short
// report's shape.
type builder struct {
	res          *recommend.Result
	o            *report.Outline
	hookInstance string
	cards        []Card
	// frame, when not "", frames every card as applying if the patient
	// reports back pain (see Mapping.Cards): it starts the detail, and
	// IfBackPain the summary.
	frame string
}

// add finishes a card: its source and links from cites, its detail with
// the list of sources, and its UUID.
func (b *builder) add(ind Indicator, topic Coding, summary string, body []string, cites []recommend.Citation) {
	b.addWithSides(ind, topic, summary, body, cites, nil)
}

// addWithSides adds a card as add does, whose body also says where the
// sources disagree about its movements: sides are the passages of each
// side of those disagreements, and the ones the card's advice does not
// cite are listed after its sources, each with the side it takes on the
// movement, so that every source the card names is cited (the avoid
// card names the side that suggests a movement it avoids).
func (b *builder) addWithSides(ind Indicator, topic Coding, summary string, body []string, cites []recommend.Citation, sides []sideCite) {
	// A card about movements (the plan, also helpful, avoid) rests on a
	// source that takes a side on them; a referral, the key messages or
	// the pain trend cite their sources for the facts they build on
	// (background), and their strongest source leads.
	sided := topic == topicPlan || topic == topicAvoid
	summary = shorten(summary, b.summaryBudget())
	if b.frame != "" {
		summary = IfBackPain + summary
		body = append([]string{b.frame}, body...)
	}
	cites = strongestFirst(distinct(cites), sided)
	var others []sideCite
	for _, s := range sides {
		if !slices.ContainsFunc(cites, s.c.Equal) && !slices.ContainsFunc(others, func(o sideCite) bool { return o.c.Equal(s.c) }) {
			others = append(others, s)
		}
	}
	c := Card{Summary: summary, Indicator: ind, Source: b.source(cites, sided)}
	c.Source.Topic = &topic
	if topic == topicReferral || topic == topicAvoid {
		c.OverrideReasons = slices.Clone(overrideReasons)
	}
	if len(cites) > 0 {
		body = append(body, sourcesSection(cites, others))
		// Every other citation with an address is a link: all of them
		// when the card's source is the rule set.
		seen := map[string]bool{c.Source.URL: true}
		rest := cites[1:]
		if sided && cites[0].Position() == recommend.PositionBackground {
			rest = cites
		}
		for _, ci := range rest {
			if u := webURL(ci.URL()); u != "" && !seen[u] {
				seen[u] = true
				c.Links = append(c.Links, Link{Label: citeName(ci), URL: u, Type: "absolute"})
			}
		}
	}
	c.Detail = strings.Join(body, "\n\n")
	c.UUID = cardUUID(b.res.RuleSet.Digest, b.hookInstance, len(b.cards), c)
	b.cards = append(b.cards, c)
}

// summaryBudget is the most characters a card's summary may have before
// the frame's IfBackPain is put in front of it, so that a summary written
// to fit (a list of names) still fits whole.
func (b *builder) summaryBudget() int {
	if b.frame != "" {
		return MaxSummary - utf8.RuneCountInString(IfBackPain)
	}
	return MaxSummary
}

// source is the card's source: the first citation, or the rule set when
// there is none (every rule cites a source, so only an edited Result has
// none) or when, on a card about movements (sided), every citation is
// background.
func (b *builder) source(cites []recommend.Citation, sided bool) Source {
	// A card about movements whose citations are all background
	// (strongestFirst puts one that takes a side first) rests on the rule
	// set's own reasoning: its source is the rule set, and the background
	// sources are listed in its detail.
	if len(cites) == 0 || sided && cites[0].Position() == recommend.PositionBackground {
		label := "backrules rule set"
		if v := b.res.RuleSet.Version; v != "" {
			label += " " + words.OneLine(v)
		}
		return Source{Label: label}
	}
	c := cites[0]
	label := words.OneLine(c.Title())
	if p := words.OneLine(c.Publisher()); p != "" {
		if label == "" {
			label = p
		} else {
			label += " — " + p
		}
	}
	if label == "" {
		label = words.OneLine(c.Source())
	}
	if label == "" {
		label = "backrules rule set"
	}
	return Source{Label: label, URL: webURL(c.URL())}
}

var urgencyWord = map[recommend.Urgency]string{
	recommend.UrgencyEmergency: "Emergency",
	recommend.UrgencyUrgent:    "Urgent",
	recommend.UrgencyRoutine:   "Routine",
}

func (b *builder) referral(ref recommend.Referral) {
	ind := IndicatorInfo
	switch ref.Urgency {
	case recommend.UrgencyEmergency:
		ind = IndicatorCritical
	case recommend.UrgencyUrgent:
		ind = IndicatorWarning
	}
	word := urgencyWord[ref.Urgency]
	if word == "" {
		word = "Referral"
	}
	summary := word + " referral: see the detail"
	var body []string
	if ref.Clinician != "" {
		lead := word + ": "
		summary = lead + fitClauses(firstSentence(ref.Clinician), b.summaryBudget()-utf8.RuneCountInString(lead))
		body = append(body, "**"+word+" referral.** "+mdsafe.Line(ref.Clinician))
	} else {
		body = append(body, "**"+word+" referral.**")
	}
	body = append(body, "**The patient is told:** "+mdsafe.Line(ref.Message))
	if ref.Withhold {
		body = append(body, "**Exercise advice is on hold:** no exercises or stretches until a clinician has assessed the patient.")
	}
	body = append(body, "A referral is advice to assess, not a diagnosis. Rules: "+mdsafe.Line(strings.Join(ref.Rules, ", "))+".")
	b.add(ind, topicReferral, summary, body, ref.Citations)
}

// incomplete adds the card of an incomplete Result: the referrals stand,
// and the rest of the advice could not be worked out.
func (b *builder) incomplete() {
	if !b.res.Incomplete {
		return
	}
	body := []string{"**Only the referrals could be worked out.** A rule failed to evaluate, or the service ran out of time, " +
		"so no exercise or movement advice is given for this patient. The patient should be assessed before starting any exercises or stretches."}
	if len(b.res.Referrals) > 0 {
		body = append(body, "Act on the referral cards: they were worked out in full.")
	}
	b.add(IndicatorInfo, topicIncomplete, "Exercise advice unavailable: assess the patient before any exercises", body, nil)
}

// painTrend adds the card of the programme's pain trend, when there is a
// programme.
func (b *builder) painTrend() {
	pg := b.res.Programme
	if pg == nil || len(pg.Trend) == 0 {
		return
	}
	first, last := pg.Trend[0], pg.Trend[len(pg.Trend)-1]
	summary := fmt.Sprintf("Pain trend: %d to %d out of 10 over %s, week %d", first.PainLevel, last.PainLevel, words.Count(len(pg.Trend), "score"), pg.Week)
	points := make([]string, len(pg.Trend))
	for i, t := range pg.Trend {
		points[i] = fmt.Sprintf("day %d: %d", t.Day, t.PainLevel)
	}
	body := []string{"**Pain (0 to 10), oldest first:** " + strings.Join(points, "; ") + ".",
		fmt.Sprintf("Day 0 is the first score; the latest falls in week %d. Change since the first: %s.", pg.Week, painChange(first.PainLevel, last.PainLevel))}
	b.add(IndicatorInfo, topicPainTrend, summary, body, nil)
}

// painChange says the change from pain a to pain b in points and as a
// share of a.
func painChange(a, b int) string {
	points := func(n int) string {
		if n == 1 {
			return "1 point"
		}
		return fmt.Sprintf("%d points", n)
	}
	switch {
	case a == b:
		return "none"
	case a == 0:
		return "up " + points(b-a)
	case b < a:
		return fmt.Sprintf("down %s (%d%%)", points(a-b), (a-b)*100/a)
	}
	return fmt.Sprintf("up %s (%d%%)", points(b-a), (b-a)*100/a)
}

// unreadPainScoresCard is the card of a call whose pain scores could not
// all be read (unread), or were read although their coding lacks the
// LOINC system (assumed): the trend and the review point were assessed
// without the first, or not at all, and with the second, and a clinician
// should look at them. Its uuid is derived from hookInstance, as Cards'
// are.
func unreadPainScoresCard(res *recommend.Result, hookInstance string, unread, assumed bool) Card {
	b := builder{res: res, hookInstance: hookInstance}
	summary := "Some pain scores could not be read: check the pain trend on the chart"
	var body []string
	if unread {
		body = append(body, "**The pain trend is incomplete.** One or more pain scores (LOINC 72514-3) could not be read, or could not be fetched: "+
			"the service assessed the trend, and whether the pain has eased by six weeks or keeps rising, from the scores it could read, if any, "+
			"and a score left out may change that. Review the pain scores on the chart; "+
			"the response's extension "+ExtensionUnreadPainScores+" says which could not be read, and why.")
	}
	if assumed {
		if !unread {
			summary = "Some pain scores lack the LOINC system: read as pain scores; check their coding and the trend"
		}
		body = append(body, "**Some pain scores were read on an assumption.** Their coding gives the code 72514-3 without the LOINC system "+
			"(no system, or LOINC written another way): the service read them as pain severity scores from 0 to 10, so that a review the trend "+
			"calls for is not lost. Check their coding and the pain trend on the chart; the response's extension "+
			ExtensionAssumedPainScores+" says which, and why.")
	}
	b.add(IndicatorWarning, topicPainTrend, summary, body, nil)
	return b.cards[0]
}

// unreadPatientCard is the card of a call whose patient's age or sex
// could not be read, notes saying what was not read
// (Mapping.UnreadPatient): the Patient itself, which could not be read
// from the FHIR server or whose id could not be read, its birthDate, or
// its gender. The advice was worked out without an age (or with the sex
// not stated), so a referral that depends on it may be missing. Its uuid
// is derived from hookInstance, as Cards' are.
func unreadPatientCard(res *recommend.Result, hookInstance string, notes []PatientNote) Card {
	unread := func(field string) bool {
		return slices.ContainsFunc(notes, func(n PatientNote) bool { return n.Entry == "prefetch."+PrefetchPatient+field })
	}
	const ageRisks = "(such as a suspected fracture from 65 years, or back pain in a child) may be missing. " +
		"Check the date of birth on the chart and assess the age-related red flags; "
	summary := "Birth date could not be read: age-related referrals not assessed; check the age on the chart"
	what := "**The patient's age is unknown.** The Patient's birthDate could not be read as a date that gives an age from 0 to " +
		strconv.Itoa(recommend.MaxAge) + ", so the advice was worked out without an age: a referral that depends on it " + ageRisks
	// whole is a note of the Patient as a whole (not fetched, or not read
	// from the FHIR server), of its id, or of what kept it from being read
	// (its resourceType, a key given twice): none of it was read.
	whole := slices.ContainsFunc(notes, func(n PatientNote) bool {
		return n.Entry != "prefetch."+PrefetchPatient+".birthDate" && n.Entry != "prefetch."+PrefetchPatient+".gender"
	})
	switch {
	case slices.Contains(notes, PatientNote{Entry: "prefetch." + PrefetchPatient, Reason: patientNull}):
		summary = "Patient missing: age-related referrals not assessed; check the age on the chart"
		what = "**The patient's age is unknown.** The client sent no Patient (null, CDS Hooks' \"no data\"), so the advice was worked out without an age or sex: " +
			"a referral that depends on the age " + ageRisks
	case slices.Contains(notes, PatientNote{Entry: "prefetch." + PrefetchPatient, Reason: patientMissingWhy}):
		summary = "Patient missing: age-related referrals not assessed; check the age on the chart"
		what = "**The patient's age is unknown.** The client did not send the patient prefetch, so the advice was worked out without an age or sex: " +
			"a referral that depends on the age " + ageRisks
	case unread("") && !unread(".id"):
		summary = "Patient could not be read: age-related referrals not assessed; check the age on the chart"
		what = "**The patient's age is unknown.** The Patient could not be fetched or read, so the advice was worked out without an age or sex: " +
			"a referral that depends on the age " + ageRisks
	case whole:
		summary = "Patient could not be read: age-related referrals not assessed; check the age on the chart"
		what = "**The patient's age is unknown.** The Patient's id could not be read, or is not the patient in view's, or the Patient could not be read, " +
			"so the service could not tell that it is the patient in view and read none of it: " +
			"the advice was worked out without an age or sex, and a referral that depends on the age " + ageRisks
	case slices.Contains(notes, PatientNote{Entry: "prefetch." + PrefetchPatient + ".birthDate", Reason: birthDateMissing}):
		summary = "Birth date missing: age-related referrals not assessed; check the age on the chart"
		what = "**The patient's age is unknown.** The Patient has no birthDate, so the advice was worked out without an age: " +
			"a referral that depends on it " + ageRisks
		if unread(".gender") {
			what = strings.Replace(what, "without an age:", "without an age, and with the sex not stated (the gender could not be read either):", 1)
		}
	case unread(".birthDate") && unread(".gender"):
		what = strings.Replace(what, "without an age:", "without an age, and with the sex not stated (the gender could not be read either):", 1)
	case unread(".gender"):
		summary = "Gender could not be read: sex taken as not stated; check the sex on the chart"
		what = "**The patient's sex is not stated.** The Patient's gender could not be read, so the advice was worked out with the sex not stated: " +
			"a referral that depends on it (such as for an aortic aneurysm, whose age differs for women and men) may differ. " +
			"Check the sex on the chart; "
	}
	b := builder{res: res, hookInstance: hookInstance}
	b.add(IndicatorWarning, topicIncomplete, summary,
		[]string{what + "the response's extension " + ExtensionUnreadPatient + " says what could not be read, and why."}, nil)
	return b.cards[0]
}

// unreadConditionsCards are the cards of a call that could not read every
// active Condition, from the client's FHIR server or because its search
// failed in part (an OperationOutcome in the Bundle), why being the cause:
// the cards of res's referrals, those of the Conditions read, then a
// warning card saying that not every Condition could be read and that the
// rest of the advice is withheld, then the key messages of the referral
// rules of an incomplete Result (its safety nets). No exercise advice:
// a red flag may be among the Conditions not read. When every active
// Condition was read (conditionsRead), and only another part of the
// request was not (a context key in the wrong case or given twice, a
// prefetch key the service does not read), the warning card says so
// instead: the clinician is not sent to look for Conditions that were
// read.
func unreadConditionsCards(res *recommend.Result, hookInstance, why string, conditionsRead bool) []Card {
	b := builder{res: res, o: report.New(res), hookInstance: hookInstance}
	for _, ref := range b.o.Referrals {
		b.referral(ref)
	}
	summary := "Not every active condition could be read: exercise advice withheld; check the chart for red flags"
	detail := "**The conditions are incomplete.** The service could not read every active Condition (" +
		mdsafe.Line(why) + "). The referral cards come from the Conditions it could read: act on them. " +
		"A red flag may be among those it could not read, so no exercise or movement advice is given. " +
		"Review the patient's active conditions on the chart, and assess the patient before any exercises or stretches; "
	if conditionsRead {
		summary = "Part of the request could not be read: exercise advice withheld; every active condition was read"
		detail = "**The request is incomplete.** Every active Condition was read, but not every part of the request (" +
			mdsafe.Line(why) + "). The referral cards come from the Conditions: act on them. " +
			"What could not be read (whose chart this is, who is viewing it, or another part of the request) may change the advice, " +
			"so no exercise or movement advice is given. Assess the patient before any exercises or stretches; "
	}
	b.add(IndicatorWarning, topicIncomplete, summary,
		[]string{detail + "the response's extension " + ExtensionUnreadConditions + " says why."}, nil)
	if res.Incomplete {
		b.messages()
	}
	return b.cards
}

// referralCards are the referral cards of res alone, with its messages
// when res is incomplete (the rest of the advice withheld), each framed by
// frame as Cards frames them (see Mapping.frame).
func referralCards(res *recommend.Result, hookInstance, frame string) []Card {
	b := builder{res: res, o: report.New(res), hookInstance: hookInstance, frame: frame}
	for _, ref := range b.o.Referrals {
		b.referral(ref)
	}
	if res.Incomplete {
		b.messages()
	}
	return b.cards
}

// unreadPastCard is the warning card of past Conditions that could not
// all be read (Mapping.UnreadPastConditions), why says why: a past cancer,
// a red flag with back pain, may be among them, so the advice is withheld.
func unreadPastCard(res *recommend.Result, hookInstance, why string) Card {
	b := builder{res: res, o: report.New(res), hookInstance: hookInstance}
	b.add(IndicatorWarning, topicIncomplete, "Past conditions could not all be read: exercise advice withheld; check the chart for a past cancer",
		[]string{"**The past conditions are incomplete.** The service could not read every Condition that is no longer active (" +
			mdsafe.Line(why) + "). A cancer in the past, even one resolved or in remission, with new back pain calls for urgent assessment (NICE NG234), " +
			"so no exercise or movement advice is given. Any referral cards come from the Conditions it could read: act on them. " +
			"Check the chart for a past cancer, and assess the patient before any exercises or stretches; " +
			"the response's extension " + ExtensionUnreadPastConditions + " says why."}, nil)
	return b.cards[0]
}

func (b *builder) messages() {
	if len(b.res.Messages) == 0 {
		return
	}
	var lines []string
	var cites []recommend.Citation
	for _, m := range b.res.Messages {
		prefix := "- "
		if m.Kind == recommend.MessageKindSafetyNet {
			prefix = "- **Safety net:** "
		}
		lines = append(lines, prefix+mdsafe.Line(m.Text))
		cites = append(cites, m.Citations...)
	}
	summary := "Key messages for the patient: 1 message, in the detail"
	if n := len(b.res.Messages); n > 1 {
		summary = fmt.Sprintf("Key messages for the patient: %d messages, in the detail", n)
	}
	b.add(IndicatorInfo, topicMessages, summary, []string{"**What the patient is told:**\n\n" + strings.Join(lines, "\n")}, cites)
}

// patientLabel introduces the patient's words in a card's detail: what
// the patient reads, in the second person, which the rest of a card about
// the patient never uses. The referral card's one paragraph of it starts
// "**The patient is told:** " instead.
const patientLabel = "**What the patient is told:**"

// patientSays is the label and the lines of what the patient is told, as
// a markdown list in its own paragraph; nothing when there are no lines.
func patientSays(lines []string) []string {
	if len(lines) == 0 {
		return nil
	}
	return []string{patientLabel, strings.Join(lines, "\n")}
}

// planStep adds the card of a plan step: what the patient is told (how,
// the dose, or where the programme has it this week, why and the
// cautions; for a movement the programme stopped, only that it is
// stopped and why), then where the sources disagree about it.
func (b *builder) planStep(i int, st report.Step) {
	it := st.Item
	name := st.Name
	if name == "" {
		name = it.Name()
	}
	// The dose is written to the patient: it is in the detail.
	summary := fmt.Sprintf("Plan step %d: %s", i+1, words.OneLine(name))
	var told []string
	// A movement the programme stopped is not to be done: the patient
	// is told it is stopped and why, with no how, cautions or reason for
	// doing it (which would still urge it), as on the page and in the
	// short report (report.Step.Stopped).
	stopped := st.Stopped()
	if it.How() != "" && !stopped {
		told = append(told, "- **How:** "+mdsafe.Line(it.How()))
	}
	if w := st.Week; w != nil {
		// The check-ins have moved the movement: its dose this week
		// stands in for the plan's, as in the short report.
		told = append(told, "- **This week:** "+mdsafe.Line(weekDose(w)))
	} else if it.Dose() != "" {
		told = append(told, "- **Dose:** "+mdsafe.Line(it.Dose()))
	}
	if st.Reason != "" && !stopped {
		told = append(told, "- **Why:** "+mdsafe.Line(st.Reason))
	}
	if !stopped {
		for _, c := range st.Cautions {
			told = append(told, "- **Take care:** "+mdsafe.Line(c))
		}
	}
	body := patientSays(told)
	d, sides := b.disagreement(it.Movement)
	if d != "" {
		body = append(body, d)
	}
	b.addWithSides(IndicatorInfo, topicPlan, summary, body, st.Citations, sides)
}

// weekDose says where the programme has a movement this week, as the
// short report does: its level, the change and the dose at that level,
// or, when it stopped the movement, that it is stopped and why (the
// report points to its week's changes, which no card lists).
func weekDose(w *recommend.Step) string {
	if w.Change == recommend.ChangeStop {
		s := "Stopped for now."
		if w.Because != "" {
			s += " " + w.Because
		}
		return s
	}
	return fmt.Sprintf("Level %d (%s): %s", w.Level, report.ChangeWords(w.Change), w.Dose)
}

// movedStep returns the programme's step for movement when the check-ins
// have moved it from where the plan starts it, and nil otherwise.
func movedStep(pg *recommend.Programme, movement string) *recommend.Step {
	if pg == nil {
		return nil
	}
	for i := range pg.Steps {
		if st := &pg.Steps[i]; st.Movement == movement && st.Change != recommend.ChangeStart {
			return st
		}
	}
	return nil
}

// alsoHelpful adds the card of the recommended movements outside the
// plan, or of every recommended movement when there is no plan: what the
// patient is told, one line for each movement with its dose (this week's,
// where the check-ins have moved it), its first reason and its cautions
// (none for a movement the programme stopped), in the order of the
// outline's groups, as the short report lists them; then where the
// sources disagree about them.
func (b *builder) alsoHelpful() {
	type line struct {
		it   recommend.Item
		dose string
		// stopped is true when the programme stopped the movement: its
		// cautions wait until it starts again, as on the page and in the
		// plan's cards.
		stopped bool
	}
	var items []line
	title := "Also helpful"
	if b.o.Planned {
		for _, g := range b.o.Also {
			for _, it := range g.Items {
				dose := g.Dose
				if w := movedStep(b.res.Programme, it.Movement); w != nil && w.Change == recommend.ChangeStop {
					dose = weekDose(w)
				}
				items = append(items, line{it, dose, g.Stopped})
			}
		}
	} else {
		title = "Recommended"
		for _, st := range b.o.Plan {
			dose := st.Item.Dose()
			switch w := st.Week; {
			case w == nil:
			case w.Change == recommend.ChangeStop:
				dose = weekDose(w)
			default:
				// As the outline writes the dose of a group (report.Group).
				dose = fmt.Sprintf("this week, level %d (%s): %s", w.Level, report.ChangeWords(w.Change), w.Dose)
			}
			items = append(items, line{st.Item, dose, st.Stopped()})
		}
	}
	if len(items) == 0 {
		return
	}
	var told, disagree []string
	var cites []recommend.Citation
	var sides []sideCite
	names := make([]string, len(items))
	for i, l := range items {
		it := l.it
		names[i] = words.OneLine(it.Name())
		s := "- **" + mdsafe.Line(it.Name()) + "**"
		if l.dose != "" {
			s += ": " + mdsafe.Line(l.dose)
		}
		if len(it.Reasons) > 0 && !l.stopped {
			// A stopped movement's reason to do it would still urge it.
			s += " " + mdsafe.Line(it.Reasons[0].Text())
		}
		if !l.stopped {
			for _, c := range report.Cautions(it) {
				s += " *Take care:* " + mdsafe.Line(c)
			}
		}
		told = append(told, s)
		if d, side := b.disagreement(it.Movement); d != "" {
			disagree = append(disagree, "**"+mdsafe.Line(it.Name())+".** "+d)
			sides = append(sides, side...)
		}
		cites = append(cites, it.Citations...)
	}
	b.addWithSides(IndicatorInfo, topicPlan, listSummary(title, names, b.summaryBudget()), append(patientSays(told), disagree...), cites, sides)
}

// avoid adds the card of the movements to avoid: what the patient is
// told, one line for each movement with its reason, in the order of the
// outline's groups, as the short report, the Markdown and the page list
// them; then where the sources disagree about them.
func (b *builder) avoid() {
	var items []recommend.Item
	for _, g := range b.o.Avoid {
		items = append(items, g.Items...)
	}
	if len(items) == 0 {
		return
	}
	var told, disagree []string
	var cites []recommend.Citation
	var sides []sideCite
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = words.OneLine(it.Name())
		s := "- **" + mdsafe.Line(it.Name()) + "**"
		if reason := b.o.AvoidReason(it.Movement); reason != "" {
			s += ": " + mdsafe.Line(reason)
		}
		told = append(told, s)
		if d, side := b.disagreement(it.Movement); d != "" {
			disagree = append(disagree, "**"+mdsafe.Line(it.Name())+".** "+d)
			sides = append(sides, side...)
		}
		cites = append(cites, it.Citations...)
	}
	b.addWithSides(IndicatorWarning, topicAvoid, listSummary("Avoid for now", names, b.summaryBudget()), append(patientSays(told), disagree...), cites, sides)
}

// disagreement says, for a movement the sources disagree about, which
// kinds of source are on each side and how it was settled, as the page
// and the text report do, and returns the passages of the sides (for,
// with conditions, against and care), which the card cites; "" and nil
// when they do not disagree about it.
func (b *builder) disagreement(movement string) (string, []sideCite) {
	d, ok := b.o.Disagreement(movement)
	if !ok {
		return "", nil
	}
	c := d.Conflicts[0]
	against, care := c.Opposing()
	var sides []sideCite
	for _, part := range []struct {
		cites []recommend.Citation
		label string
	}{
		{c.For.Citations, "suggests it"},
		{c.Conditional, "sets conditions on its suggestion"},
		{against, "advises against it"},
		{care, "urges care with it"},
	} {
		for _, ct := range part.cites {
			sides = append(sides, sideCite{ct, part.label + ": a side where the sources disagree"})
		}
	}
	s := "*Sources disagree:* suggested by " + report.KindNames(c.For.Citations)
	if len(c.Conditional) > 0 {
		s += " (with conditions)"
	}
	if len(against) > 0 {
		s += "; advised against by " + report.KindNames(against)
	}
	if len(care) > 0 {
		s += "; care urged by " + report.KindNames(care)
	}
	switch {
	case d.LeftOut != "":
		// No source advises against it: the rule set's own
		// reason, given above, leaves it out.
		return s + "; avoided for the reason given, not because a source advises against it.", sides
	case c.Resolution == recommend.ResolutionAvoided:
		return s + ", so it is avoided.", sides
	}
	return s + ", so it is kept, with care.", sides
}

// article is "an" before a word that starts with a vowel, and "a"
// otherwise.
func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an"
	}
	return "a"
}

// listSummary is "Title: A, B and C", or "Title: A, B and 4 more" when the
// names do not fit in a summary.
func listSummary(title string, names []string, budget int) string {
	for n := len(names); n > 0; n-- {
		var s string
		switch {
		case n == len(names):
			s = words.List(names)
		default:
			s = words.List(append(slices.Clip(names[:n]), strconv.Itoa(len(names)-n)+" more"))
		}
		if out := title + ": " + s + "."; utf8.RuneCountInString(out) <= budget {
			return out
		}
	}
	return title + ": " + strconv.Itoa(len(names)) + " movements."
}

// sourcesSection lists the citations as a numbered markdown list.
func sourcesSection(cites []recommend.Citation, others []sideCite) string {
	var b strings.Builder
	b.WriteString("**Sources**\n")
	all := slices.Clone(cites)
	for _, o := range others {
		all = append(all, o.c)
	}
	for i, c := range all {
		fmt.Fprintf(&b, "\n%d. ", i+1)
		title := mdsafe.Line(citeName(c))
		if u := webURL(c.URL()); u != "" {
			fmt.Fprintf(&b, "[%s](<%s>)", title, u)
		} else {
			b.WriteString(title)
		}
		var about []string
		if p := c.Publisher(); p != "" {
			about = append(about, mdsafe.Line(p))
		}
		if k := c.Kind(); k != "" {
			about = append(about, mdsafe.Line(report.KindNoun(k)))
		}
		if len(about) > 0 {
			b.WriteString(" (" + strings.Join(about, ", ") + ")")
		}
		if l := c.Locator(); l != "" {
			b.WriteString(", " + mdsafe.Line(l))
		}
		if cl := c.Claim(); cl != "" {
			b.WriteString(": " + mdsafe.Line(cl))
		}
		l := c.Position().Label()
		if i >= len(cites) {
			// Not a passage of the card's advice: a side of a
			// disagreement it names.
			l = others[i-len(cites)].label
		}
		if l != "" {
			b.WriteString(" (" + l + ")")
		}
	}
	return b.String()
}

// sideCite is a passage of one side of a disagreement a card names, with
// the side it takes on the movement, for the card's sources.
type sideCite struct {
	c     recommend.Citation
	label string
}

// citeName names a citation for people: its title, or else its
// publisher, its source id or its address, so that a link always has the
// label CDS Hooks requires.
func citeName(c recommend.Citation) string {
	for _, s := range []string{c.Title(), c.Publisher(), c.Source(), webURL(c.URL())} {
		if s = words.OneLine(s); s != "" {
			return s
		}
	}
	return ""
}

// kindRank orders the kinds of source from the strongest evidence to the
// weakest, as recommend.SourceKinds lists them: 1 is the strongest.
var kindRank = func() map[string]int {
	m := map[string]int{}
	for i, k := range recommend.SourceKinds() {
		m[k.ID] = i + 1
	}
	return m
}()

// strongestFirst moves the first citation of the strongest kind of source
// to the front, to be the card's source; the others keep their order.
// When sided (a card about movements), one that takes a side (supports,
// against or caution) comes first, and a source cited for background only
// after every one that does, whatever its kind: the card's source is what
// its advice rests on, and a guideline cited for a fact does not advise it.
func strongestFirst(cites []recommend.Citation, sided bool) []recommend.Citation {
	best := 0
	rank := func(c recommend.Citation) int {
		r, ok := kindRank[c.Kind()]
		if !ok {
			r = len(kindRank) + 1
		}
		if sided && c.Position() == recommend.PositionBackground {
			r += len(kindRank) + 2
		}
		return r
	}
	for i, c := range cites {
		if rank(c) < rank(cites[best]) {
			best = i
		}
	}
	if best == 0 {
		return cites
	}
	out := make([]recommend.Citation, 0, len(cites))
	out = append(out, cites[best])
	out = append(out, cites[:best]...)
	return append(out, cites[best+1:]...)
}

// webURL returns u when it is an absolute http or https URL with a host
// and nothing a markdown link destination would misread, and "" otherwise:
// a rule file's url is shown to clinicians as a link, so it may not be a
// javascript: or data: URL, or a relative one.
func webURL(u string) string {
	if !mdsafe.LinkURL(u) {
		return ""
	}
	return u
}

// distinct returns cites without repeats, in order.
func distinct(cites []recommend.Citation) []recommend.Citation {
	var out []recommend.Citation
next:
	for _, c := range cites {
		for _, d := range out {
			if c.Equal(d) {
				continue next
			}
		}
		out = append(out, c)
	}
	return out
}

// firstSentence returns the first sentence of s, on one line: up to the
// first '.', '!' or '?' that a space follows, since CDS Hooks asks for a
// one-sentence summary. The whole text is in the card's detail.
func firstSentence(s string) string {
	s = words.OneLine(s)
	for i := 0; i+1 < len(s); i++ {
		if strings.IndexByte(".!?", s[i]) >= 0 && s[i+1] == ' ' {
			return s[:i+1]
		}
	}
	return s
}

// fitClauses returns the sentence s, a referral's clinician text written
// as clauses ("finding; interpretation; action and timing"), within n
// characters, ending at a whole phrase that keeps what to do and how soon:
//
//   - whole, when it fits;
//   - otherwise without the clauses between the finding (the first) and
//     the action (the last that says how soon, or the last), the last
//     first, and without those after the action, as many as it takes;
//   - otherwise, in turn, with the action's reason cut off at a phrase
//     boundary (" for ", " (", ", ", " before ", " rather than ") that
//     keeps how soon; with the finding cut at a phrase boundary, marked
//     "…", when at least minFinding characters of it are left; or the
//     action alone;
//   - otherwise cut at the end, as shorten does (no sentence of the
//     default rules comes to this: TestReferralSummariesKeepTheAction).
//
// Cut at the end, the summary lost its action: "Pain rose at two
// consecutive check-ins of the programme and has stayed at or above that
// level, 4 or…", and, framed (IfBackPain), "Urgent: Cancer history with
// severe, constant, thoracic or night pain; suspect spinal metastases;
// specialist…".
func fitClauses(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	parts := strings.Split(strings.TrimSuffix(s, "."), "; ")
	if len(parts) < 2 {
		return shorten(s, n)
	}
	act := len(parts) - 1
	for i := len(parts) - 1; i >= 1; i-- {
		if timing.MatchString(parts[i]) {
			act = i
			break
		}
	}
	fits := func(t string) bool { return utf8.RuneCountInString(t) <= n }
	// The clauses after the action, then those between the finding and
	// the action, the last first.
	keep := slices.Clone(parts)
	for i := len(keep) - 1; i >= 1; i-- {
		if i == act {
			continue
		}
		keep = slices.Delete(keep, i, i+1)
		if i < act {
			act--
		}
		if t := strings.Join(keep, "; ") + "."; fits(t) {
			return t
		}
	}
	finding, action := keep[0], keep[act]
	// The action whole, then cut at each of its reason's boundaries.
	acts := append([]string{action}, phrases(action, reasonBoundary, timing.MatchString(action))...)
	for _, a := range acts[1:] {
		if t := finding + "; " + a + "."; fits(t) {
			return t
		}
	}
	findings := phrases(finding, findingBoundary, false)
	for _, a := range acts {
		rest := "…; " + a + "."
		room := n - utf8.RuneCountInString(rest)
		for _, f := range findings {
			if c := utf8.RuneCountInString(f); c >= minFinding && c <= room {
				return f + rest
			}
		}
	}
	for _, a := range acts {
		if t := words.Capital(a) + "."; a != "" && fits(t) {
			return t
		}
	}
	return shorten(s, n)
}

// reasonBoundary and findingBoundary are where fitClauses may cut an
// action's reason ("assess within days | for malignancy") and a finding
// ("Possible cauda equina syndrome | (bladder or bowel…"), never inside
// a list ("abdominal | or severe pain"), whose cut would name one item.
var (
	reasonBoundary  = regexp.MustCompile(` for | \(|, | before | rather than `)
	findingBoundary = regexp.MustCompile(` \(|, | with | in | at | of | after | suggests `)
)

// phrases returns the prefixes of s that end before a match of boundary,
// longest first, each ending at a whole word (not "or", "and", "to" or a
// comma) and outside any parentheses; with keepTiming, only those that
// still say how soon.
func phrases(s string, boundary *regexp.Regexp, keepTiming bool) []string {
	var out []string
	for _, m := range boundary.FindAllStringIndex(s, -1) {
		p := strings.TrimRight(s[:m[0]], " ,;:")
		if p == "" || keepTiming && !timing.MatchString(p) || danglingWord.MatchString(p) ||
			strings.Count(p, "(") != strings.Count(p, ")") {
			continue
		}
		out = append(out, p)
	}
	slices.Reverse(out)
	return out
}

// danglingWord matches a phrase that ends in a word that leads into more.
var danglingWord = regexp.MustCompile(`(?i)\b(or|and|to|of|for|with|the|a|an|in|at|by)$`)

// minFinding is the fewest characters of a referral's finding (its first
// clause) that fitClauses keeps when it cuts the finding to keep the
// action.
const minFinding = 10

// timing matches a clause that says how soon: "now", "today", "same-day",
// "within a day", "immediately", "at once".
var timing = regexp.MustCompile(`(?i)\b(now|today|tomorrow|same[- ]day|within|immediately|at once)\b`)

// shorten cuts s to at most n characters, at a word boundary when it can,
// ending it with "…" when it cut.
func shorten(s string, n int) string {
	s = words.OneLine(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := string([]rune(s)[:n-1])
	if i := strings.LastIndex(cut+" ", ". "); i > len(cut)/2 {
		return cut[:i+1] // whole sentences
	}
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:—-") + "…"
}

// uuidNamespace is the namespace of the cards' name-based UUIDs, itself a
// random UUID chosen once: 0b9c1a6e-5b0f-4a55-9d0e-1f3c6d2a7e41.
var uuidNamespace = [16]byte{0x0b, 0x9c, 0x1a, 0x6e, 0x5b, 0x0f, 0x4a, 0x55, 0x9d, 0x0e, 0x1f, 0x3c, 0x6d, 0x2a, 0x7e, 0x41}

// cardUUID returns the version 5 UUID (RFC 9562, SHA-1 name-based) of the
// rule set's digest, the call's hookInstance, the card's place among the
// cards of its builder and its content: unique to the card of one call,
// and the same when the same request is answered again.
func cardUUID(digest, hookInstance string, place int, c Card) string {
	c.UUID = ""
	content, err := json.Marshal(c)
	if err != nil {
		// A Card holds only strings; it always encodes.
		content = []byte(c.Summary + "\x00" + c.Detail)
	}
	h := sha1.New()
	h.Write(uuidNamespace[:])
	// Each part but the content is written with its length first, so
	// that no two different lists of parts give the same name.
	for _, part := range []string{digest, hookInstance, strconv.Itoa(place)} {
		h.Write([]byte(strconv.Itoa(len(part)) + ":" + part))
	}
	h.Write(content)
	sum := h.Sum(nil)
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	x := hex.EncodeToString(sum[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}
