package cdshooks

import (
	"cmp"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/backrules/backrules/recommend"
	gocmp "github.com/google/go-cmp/cmp"
)

// TestClinicianSummariesFit checks that every referral of the default rule
// set writes refer.clinician, and that its card summary (the urgency and
// the first sentence) fits without being cut, so the action is never lost.
func TestClinicianSummariesFit(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range eng.Rules() {
		if r.Referral == nil {
			continue
		}
		n++
		if r.Referral.Clinician == "" {
			t.Errorf("%s:%d: rule %s: the referral has no refer.clinician", r.File, r.Line, r.ID)
			continue
		}
		s := urgencyWord[r.Referral.Urgency] + ": " + firstSentence(r.Referral.Clinician)
		if c := utf8.RuneCountInString(s); c > MaxSummary {
			t.Errorf("%s:%d: rule %s: summary of %d characters is cut: %q", r.File, r.Line, r.ID, c, s)
		}
	}
	if n < 30 {
		t.Errorf("only %d referral rules", n)
	}
}

// TestFitClauses checks how a referral's clinician sentence is fitted to
// a summary: whole when it fits, otherwise without the clauses after the
// first that say no timing, so that how soon to act is kept, and cut at
// the end only when that is not enough.
func TestFitClauses(t *testing.T) {
	tests := []struct {
		name string
		s    string
		n    int
		want string
	}{
		{"fits", "Finding; act within a day.", 40, "Finding; act within a day."},
		{"the reason cut off, the timing kept", "A finding; assess within 1 to 2 days for a cause or another.", 40,
			"A finding; assess within 1 to 2 days."},
		{"the finding cut at a phrase, no timing to keep", "The finding with details; suspect a cause; agree a plan with the patient.", 46,
			"The finding…; agree a plan with the patient."},
		{"an interpretation dropped", "Cancer history with severe, constant, thoracic or night pain; suspect spinal metastases; specialist assessment within a day.", 105,
			"Cancer history with severe, constant, thoracic or night pain; specialist assessment within a day."},
		{"a last clause without timing dropped", "Known condition with new signs; emergency assessment now; inform its team.", 57,
			"Known condition with new signs; emergency assessment now."},
		{"clauses without timing dropped, then the finding cut at a phrase", "Known serious spinal condition with new neurological signs, gait change or fever; emergency assessment now; inform its team.", 102,
			"Known serious spinal condition with new neurological signs…; emergency assessment now."},
		{"the finding cut outside its parentheses", "Two or more features of possible spinal malignancy (age over 50, weight loss, night or constant pain); assess within days.", 105,
			"Two or more features of possible spinal malignancy…; assess within days."},
		{"no clause without timing: the reason cut", "Pain rose at two consecutive check-ins, 4 or more out of 10; review the plan and the diagnosis.", 80,
			"Pain rose at two consecutive check-ins…; review the plan and the diagnosis."},
		{"the action alone", "Findingwithoutanyphrase; assess the same day for a cause.", 30,
			"Assess the same day."},
		{"one clause: cut at the end", "A finding that goes on and on without any clause at all.", 30, "A finding that goes on and…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fitClauses(tt.s, tt.n)
			if diff := gocmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fitClauses (-want +got):\n%s", diff)
			}
			if c := utf8.RuneCountInString(got); c > tt.n {
				t.Errorf("%d characters, over %d", c, tt.n)
			}
		})
	}
}

// TestFramedReferralSummariesKeepTheTiming checks that every referral of
// the default rule set whose clinician sentence says how soon to act
// still says it in the summary of a card framed as applying if back pain
// is reported (a chart of risk factors or pain scores only), which has
// len(IfBackPain) characters fewer: cut at the end, "Urgent: Cancer
// history with severe, constant, thoracic or night pain; suspect spinal
// metastases; specialist…" had lost "assessment within a day".
func TestFramedReferralSummariesKeepTheTiming(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	b := builder{frame: "framed"}
	for _, r := range eng.Rules() {
		if r.Referral == nil || r.Referral.Clinician == "" {
			continue
		}
		sentence := firstSentence(r.Referral.Clinician)
		if !timing.MatchString(sentence) {
			continue
		}
		lead := urgencyWord[r.Referral.Urgency] + ": "
		got := lead + fitClauses(sentence, b.summaryBudget()-utf8.RuneCountInString(lead))
		if c := utf8.RuneCountInString(IfBackPain + got); c > MaxSummary {
			t.Errorf("rule %s: framed summary of %d characters: %q", r.ID, c, got)
		}
		if !timing.MatchString(got) {
			t.Errorf("rule %s: the framed summary %q lost the timing of %q", r.ID, got, sentence)
		}
	}
}

// TestReferralSummariesKeepTheAction checks the summary of every referral
// and progression review of the default rule set, on a card as it is and
// framed as applying if back pain is reported (IfBackPain, 26 characters
// fewer): at most MaxSummary characters, ending at a whole phrase (not
// "…", a comma, "or", "and" or "to"), with what to do (the first word of
// the clause that says it) and how soon, when the clinician text says.
// Cut at the end, "Pain rose at two consecutive check-ins of the
// programme and has stayed at or above that level, 4 or…" had lost its
// review, and framed, about 40 summaries lost theirs.
func TestReferralSummariesKeepTheAction(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	type referral struct {
		id        string
		urgency   recommend.Urgency
		clinician string
	}
	var refs []referral
	for _, r := range eng.Rules() {
		if r.Referral != nil {
			refs = append(refs, referral{r.ID, r.Referral.Urgency, r.Referral.Clinician})
		}
	}
	progress := 0
	for _, r := range eng.ProgressRules() {
		if r.Referral != nil {
			progress++
			refs = append(refs, referral{r.ID, r.Referral.Urgency, r.Referral.Clinician})
		}
	}
	if len(refs) < 40 || progress < 2 {
		t.Fatalf("%d referrals, %d of them progression reviews: the default rules have more", len(refs), progress)
	}
	dangling := regexp.MustCompile(`(?i)(…|,|;|:|\b(or|and|to|of|for|with|the|a))$`)
	for _, frame := range []string{"", "framed"} {
		for _, r := range refs {
			t.Run(cmp.Or(frame, "card")+"/"+r.id, func(t *testing.T) {
				card, err := cards(&recommend.Result{Referrals: []recommend.Referral{{Urgency: r.urgency, Message: "m", Clinician: r.clinician, Rules: []string{r.id}}}}, "h", frame)
				if err != nil {
					t.Fatal(err)
				}
				got := card[0].Summary
				if c := utf8.RuneCountInString(got); c > MaxSummary {
					t.Errorf("summary of %d characters, over %d: %q", c, MaxSummary, got)
				}
				if dangling.MatchString(strings.TrimSuffix(got, ".")) || !strings.HasSuffix(got, ".") {
					t.Errorf("summary %q does not end at a whole phrase", got)
				}
				if !strings.Contains(got, urgencyWord[r.urgency]+": ") {
					t.Errorf("summary %q does not say the urgency %s", got, r.urgency)
				}
				sentence := firstSentence(r.clinician)
				clauses := strings.Split(strings.TrimSuffix(sentence, "."), "; ")
				action := clauses[len(clauses)-1]
				for i := len(clauses) - 1; i >= 1; i-- {
					if timing.MatchString(clauses[i]) {
						action = clauses[i]
						break
					}
				}
				if verb := strings.Fields(action)[0]; !strings.Contains(strings.ToLower(got), strings.ToLower(verb)) {
					t.Errorf("summary %q lost the action %q", got, action)
				}
				if timing.MatchString(sentence) && !timing.MatchString(got) {
					t.Errorf("summary %q lost the timing of %q", got, sentence)
				}
			})
		}
	}
}

// TestCardSummariesEndWhole checks the summaries of the other card kinds:
// those of the pain scores card, and every summary of the CDS goldens
// (the plan steps, also helpful, avoid, key messages, pain trend and the
// cards of what could not be read), each at most MaxSummary characters
// and ending at a whole phrase.
func TestCardSummariesEndWhole(t *testing.T) {
	var summaries []string
	for _, f := range [][2]bool{{true, false}, {false, true}, {true, true}} {
		summaries = append(summaries, unreadPainScoresCard(&recommend.Result{}, "h", f[0], f[1]).Summary)
	}
	files, err := filepath.Glob(filepath.Join("..", "testdata", "cdshooks", "golden", "*.golden"))
	if err != nil || len(files) < 10 {
		t.Fatalf("%d goldens: %v", len(files), err)
	}
	field := regexp.MustCompile(`"summary": ("(?:[^"\\]|\\.)*")`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range field.FindAllSubmatch(b, -1) {
			var s string
			if err := json.Unmarshal(m[1], &s); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			summaries = append(summaries, s)
		}
	}
	dangling := regexp.MustCompile(`(?i)(…|,|;|:|\b(or|and|to|of|for|with|the|a))\.?$`)
	for _, s := range summaries {
		if c := utf8.RuneCountInString(s); c > MaxSummary || dangling.MatchString(s) {
			t.Errorf("summary %q (%d characters) is over %d or ends mid-phrase", s, c, MaxSummary)
		}
	}
}
