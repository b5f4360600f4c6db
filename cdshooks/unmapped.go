package cdshooks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/mdsafe"
	"github.com/backrules/backrules/internal/termsafe"
	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
)

// Conditions the service could not map (Mapping.Unmapped) are counted,
// but stand for no term of the vocabulary, so the advice is worked out
// without them. A red flag may be among them, written only in text
// ("saddle numbness") or under a local code ("Cauda equina syndrome"),
// and the extension that lists them is not shown to the clinician. Their
// text is never read as a red flag: "no saddle numbness" and "family
// history of cancer" name one too. So the service reads their names only
// to tell whether a clinician should look at them, and says so in one
// card, never that a red flag is present, and gives no referral for them.

// topicUnmapped is the topic of the card of the Conditions the service
// could not map.
var topicUnmapped = Coding{System: TopicSystem, Code: "conditions-not-read", Display: "Conditions not read"}

// maxUnmappedListed is the most Conditions the card of the Conditions
// the service could not map lists by name; the rest are counted.
const maxUnmappedListed = 10

// maxUnmappedName is the most characters of one Condition's name the
// card shows.
const maxUnmappedName = 80

// unmappedNames are what the service reads of u for names: its text, and
// each coding's display and code (a local code may be a word, such as
// "SADDLE-NUMBNESS").
func unmappedNames(u UnmappedCondition) []string {
	names := []string{u.Text}
	for _, cd := range u.Codes {
		names = append(names, cd.Display, cd.Code)
	}
	return slices.DeleteFunc(names, func(s string) bool { return strings.TrimSpace(s) == "" })
}

// unmappedName is what the card calls u: its text, or else the display of
// its first coding with one, or else its first code with its system, on
// one line and at most maxUnmappedName characters.
func unmappedName(u UnmappedCondition) string {
	name := u.Text
	for _, cd := range u.Codes {
		if strings.TrimSpace(name) != "" {
			break
		}
		name = cd.Display
	}
	for _, cd := range u.Codes {
		if strings.TrimSpace(name) != "" {
			break
		}
		if cd.Code != "" {
			name = cd.Code
			if cd.System != "" {
				name = cd.System + " " + cd.Code
			}
		}
	}
	if strings.TrimSpace(name) == "" {
		return "a condition with no text or code"
	}
	return shorten(name, maxUnmappedName)
}

// namesFlag reports whether text names one of the red flags of eng's
// vocabulary that flag reports true for: by one of its names, as
// recommend.Engine.NamedRedFlags reads them (the words of its id, its
// also_called names, the names its label gives).
func namesFlag(eng *recommend.Engine, text string, flag func(id string) bool) bool {
	return slices.ContainsFunc(eng.NamedRedFlags([]byte(text)), flag)
}

// codedFlag reports whether a coding of u that stands for no term where
// it was sent carries a code that, under another code system the
// vocabulary has, stands for a red flag that want accepts: "G83.4"
// (cauda equina syndrome in ICD-10-CM) under no system, under a system
// written another way than FHIR's ("https://hl7.org/fhir/sid/icd-10-cm",
// a slash at the end, "ICD-10-CM"), or under the WHO's ICD-10, whose
// G83.4 the vocabulary does not list yet. The code is not counted, since
// the system it was sent under may give it another meaning (the two
// ICD-10s differ below their categories), but a red flag is not left to
// the extension's list of unknown codes, which an EHR does not show.
func codedFlag(idx *codes, u UnmappedCondition, want func(term) bool) bool {
	for _, cd := range u.Codes {
		if strings.TrimSpace(cd.Code) == "" {
			continue
		}
		if _, ok := idx.lookup(cd.System, cd.Code); ok {
			continue // it stands for its term where it was sent
		}
		sent, _ := canonicalCode(cd.System, cd.Code)
		for _, system := range idx.systems {
			if system == sent {
				continue
			}
			if t, ok := idx.lookup(system, cd.Code); ok && t.redFlag && want(t) {
				return true
			}
		}
	}
	return false
}

// unmappedCard is the card of the Conditions the service counted but
// could not map to its vocabulary (unmapped, Mapping.Unmapped), and
// whether there is one: a warning card when the name of one of them (its
// text, a coding's display or code) names a red flag of eng's vocabulary
// (see namesFlag), an info card when none does but one names a
// condition that can change a referral (recommend.Engine's
// NamedReferralConditions), and none otherwise, as a chart of nothing the
// rule set knows gets none (issue 22): every chart holds conditions
// outside the rule set (asthma, diabetes), and a card for them on every
// chart would be noise. The card counts them all, lists the first
// maxUnmappedListed by name (escaped), and asks the clinician to review
// them; it never says a red flag is present. A Condition no longer active
// (UnmappedCondition.Past) is read only for the names of the red flags
// that count in the past (a past cancer), and left out of the card, count
// and list, when it names none; so is one mapped to conditions of the
// vocabulary (UnmappedCondition.ReadAs, Mapping.MappedNames) that names
// no red flag, and one that names one is listed with what its codes were
// read as. Its uuid is derived from
// hookInstance and eng's rule set, as Cards' are.
func unmappedCard(eng *recommend.Engine, hookInstance string, unmapped []UnmappedCondition) (Card, bool) {
	if len(unmapped) == 0 {
		return Card{}, false
	}
	// A Condition no longer active is read only for the names of the
	// red flags that count in the past, and listed only when it names
	// one: a resolved sciatica changes nothing.
	past := map[string]bool{}
	for _, t := range eng.Vocabulary().RedFlags {
		past[t.ID] = t.CountsWhenPast
	}
	idx := codeIndex(eng.Vocabulary())
	// isFlag reports whether u names a red flag (one that counts in the
	// past, when pastOnly): by what it is called, or by a code sent
	// under a code system the vocabulary has no code of that, under a
	// system it has, stands for one (see codedFlag).
	isFlag := func(u UnmappedCondition, pastOnly bool) bool {
		want := func(id string) bool { return !pastOnly || past[id] }
		return slices.ContainsFunc(unmappedNames(u), func(name string) bool { return namesFlag(eng, name, want) }) ||
			codedFlag(idx, u, func(t term) bool { return !pastOnly || t.past })
	}
	// One whose codes stand for conditions of the vocabulary
	// (UnmappedCondition.ReadAs) was used for the advice, and is listed
	// only when it names a red flag its codes do not stand for:
	// "Sciatica" beside its code is no news.
	unmapped = slices.DeleteFunc(slices.Clone(unmapped), func(u UnmappedCondition) bool {
		return u.Past && !isFlag(u, true) || len(u.ReadAs) > 0 && !isFlag(u, false)
	})
	flag, cond := false, false
	for _, u := range unmapped {
		if u.Past || isFlag(u, false) {
			flag = true
			break
		}
		cond = cond || slices.ContainsFunc(unmappedNames(u), func(name string) bool {
			return len(eng.NamedReferralConditions([]byte(name))) > 0
		})
	}
	if !flag && !cond {
		return Card{}, false
	}
	n := len(unmapped)
	them, are, heading := "them", "are", "Conditions"
	if n == 1 {
		them, are, heading = "it", "is", "Condition"
	}
	count := words.Count(n, "condition")
	var summary, ask string
	ind := IndicatorWarning
	if flag {
		summary = fmt.Sprintf("%s on the chart could not be read by this service: review %s for red flags", words.Capital(count), them)
		ask = "What one of them is called uses the words of a red flag this service knows, or one has the code of a red flag sent under a code system " +
			"the service does not read for it (a system left out, written another way than the one it reads, or the other ICD-10). The service cannot tell from a name whether a red flag " +
			"is present, absent or a relative's (\"no saddle numbness\", \"family history of cancer\"), so it counts none of them and gives no referral for them. "
	} else {
		ind = IndicatorInfo
		summary = fmt.Sprintf("%s on the chart could not be read by this service: review %s, as the advice does not include %s", words.Capital(count), them, them)
		ask = "What one of them is called uses the words of a condition that can change a referral. The service does not count conditions from their names, " +
			"so the advice and any referral were worked out without them. "
	}
	list := make([]string, 0, min(n, maxUnmappedListed)+1)
	for _, u := range unmapped[:min(n, maxUnmappedListed)] {
		// Control, bidirectional and invisible characters of the chart's
		// text are shown as escapes (\u202e), so that what the card says
		// reads as it is stored.
		item := "- " + mdsafe.Line(termsafe.Line(unmappedName(u)))
		if u.Past {
			item += " (no longer active)"
		}
		if len(u.ReadAs) > 0 {
			item += " (its codes read only as " + strings.ReplaceAll(strings.Join(u.ReadAs, ", "), "_", " ") + ")"
		}
		list = append(list, item)
	}
	if n > maxUnmappedListed {
		list = append(list, fmt.Sprintf("- and %d more", n-maxUnmappedListed))
	}
	intro := fmt.Sprintf("**%s not read.** %s on the chart %s coded only in text, under a code system this service does not know, "+
		"or with codes its vocabulary does not have, so the advice was worked out without %s:", heading, count, are, them)
	if slices.ContainsFunc(unmapped, func(u UnmappedCondition) bool { return len(u.ReadAs) > 0 }) {
		their := "their"
		if n == 1 {
			their = "its"
		}
		intro = fmt.Sprintf("**%s not read in full.** %s on the chart %s coded only in text, under a code system this service does not know, "+
			"or with codes its vocabulary does not have, or %s named for more than %s codes stand for (marked with what the codes were read as), "+
			"so the advice was worked out without what %s names say:", heading, count, are, are, their, their)
	}
	body := []string{
		intro,
		strings.Join(list, "\n"),
		ask + "Review " + them + " on the chart for red flags, and assess the patient if one is present; the response's extensions " +
			ExtensionSkippedConditions + " and " + ExtensionUnknownCodes + " say what the service could not use.",
	}
	b := builder{res: &recommend.Result{RuleSet: eng.RuleSet()}, hookInstance: hookInstance}
	b.add(ind, topicUnmapped, summary, body, nil)
	return b.cards[0], true
}
