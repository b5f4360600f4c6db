package cdshooks

import (
	"testing"
	"unicode/utf8"

	"github.com/backrules/backrules/recommend"
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
