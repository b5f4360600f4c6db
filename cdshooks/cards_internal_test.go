package cdshooks

import (
	"testing"
	"unicode/utf8"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
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
		{"cut at the end, the timing kept", "A finding; assess within 1 to 2 days for a cause or another.", 40,
			"A finding; assess within 1 to 2 days…"},
		{"cut at the end, no timing to keep", "A finding; suspect a cause; agree a plan with the patient.", 40,
			"A finding; suspect a cause; agree a…"},
		{"an interpretation dropped", "Cancer history with severe, constant, thoracic or night pain; suspect spinal metastases; specialist assessment within a day.", 105,
			"Cancer history with severe, constant, thoracic or night pain; specialist assessment within a day."},
		{"a last clause without timing dropped", "Known condition with new signs; emergency assessment now; inform its team.", 57,
			"Known condition with new signs; emergency assessment now."},
		{"clauses without timing dropped, then the finding cut", "Known serious spinal condition with new neurological signs, gait change or fever; emergency assessment now; inform its team.", 102,
			"Known serious spinal condition with new neurological signs, gait change…; emergency assessment now."},
		{"the finding cut to keep the timing", "Two or more features of possible spinal malignancy (age over 50, weight loss, night or constant pain); assess within days.", 105,
			"Two or more features of possible spinal malignancy (age over 50, weight loss…; assess within days."},
		{"too little of the finding left: cut at the end", "A long finding here; assess the same day; or within a day at most.", 40,
			"A long finding here; assess the same…"},
		{"one clause: cut at the end", "A finding that goes on and on without any clause at all.", 30, "A finding that goes on and…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fitClauses(tt.s, tt.n)
			if diff := cmp.Diff(tt.want, got); diff != "" {
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
