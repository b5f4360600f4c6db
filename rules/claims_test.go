package rules_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sectionLimits are what a section of a published source does not say,
// checked against its published text: a claim cited at that section may
// not say it, since the section would then be made to say more than it
// does. Each entry gives the phrases (lower case) a claim at the section
// must not contain, and why.
var sectionLimits = []struct {
	name, source, locator string
	not                   []string
	why                   string
}{
	{
		name:   "IFOMPT malignancy section is no place for the framework's view of red flags",
		source: "ifompt-red-flags-2020", locator: "Spinal malignancy",
		not: []string{"single red flag", "weak sign", "risk profile", "level of concern"},
		why: "the section lists the risk factors for cancer in the spine; that most red flags lack evidence of accuracy is the Synopsis's, and how the level of concern is reached is the framework's pathway, not a section the source lists",
	},
	{
		name:   "IFOMPT synopsis speaks of most red flags, not of flags one at a time or in combination",
		source: "ifompt-red-flags-2020", locator: "Synopsis",
		not: []string{"one at a time", "single", "combination", "risk profile", "weak sign"},
		why: "the Synopsis says only that high-quality evidence for the diagnostic accuracy of most red flags is absent, and that the framework offers a clinical-reasoning pathway",
	},
}

// TestClaimsSayNoMoreThanTheirSection checks every citation of a listed
// section against what the section does not say.
func TestClaimsSayNoMoreThanTheirSection(t *testing.T) {
	eng := defaultEngine(t)
	for _, tt := range sectionLimits {
		t.Run(tt.name, func(t *testing.T) {
			type overreach struct{ Rule, Phrase, Claim string }
			var got []overreach
			cited := false
			for _, r := range eng.Rules() {
				for _, c := range r.Citations {
					if c.Source() != tt.source || c.Locator() != tt.locator {
						continue
					}
					cited = true
					for _, p := range tt.not {
						if strings.Contains(strings.ToLower(c.Claim()), p) {
							got = append(got, overreach{r.ID, p, c.Claim()})
						}
					}
				}
			}
			if !cited {
				t.Fatalf("no rule cites %s at %q: the entry checks nothing", tt.source, tt.locator)
			}
			if diff := cmp.Diff([]overreach(nil), got); diff != "" {
				t.Errorf("claims at %s, %q say more than the section (%s) (-want +got):\n%s", tt.source, tt.locator, tt.why, diff)
			}
		})
	}
}
