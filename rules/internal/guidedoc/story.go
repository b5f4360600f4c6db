package guidedoc

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/backrules/backrules/recommend"
)

// writeStorySection writes the section on the referral story: the
// annotations the rules give (pathways, referrals that invite activity,
// withholding referrals that keep the stay-active messages), then every
// pair of red flags, alone or with age, for which a referral is folded
// into another.
func writeStorySection(ctx context.Context, b *bytes.Buffer, eng *recommend.Engine) error {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("## When several referrals match\n\n")
	p("The person reads one plan. The most pressing referral leads: the most\n")
	p("urgent, and within an urgency the soonest (`refer.within`: now, today,\n")
	p("two_days, few_days, weeks), then one that withholds advice. A referral is\n")
	p("folded into a shown one that is more urgent, or as urgent and sooner, and of\n")
	p("the same pathway (`refer.pathway`), or about a red flag the person reported\n")
	p("that both rules name (one symptom, one urgency and one timing), and a\n")
	p("referral whose message invites activity (`refer.invites_activity`) is\n")
	p("folded into the leading one\n")
	p("when that is more urgent or advice is withheld. A folded referral is left out\n")
	p("of the short report, the page and the CDS cards, and shown in the detailed\n")
	p("report and the referral explanation; if it withholds advice, advice stays\n")
	p("withheld. When every withholding referral says `refer.keep_active`, the\n")
	p("stay-active messages are kept beside the withheld advice.\n\n")
	pathways := map[string][]string{}
	var order, invites, keep []string
	for _, r := range eng.Rules() {
		if r.Referral == nil {
			continue
		}
		if pw := r.Referral.Pathway; pw != "" {
			if _, ok := pathways[pw]; !ok {
				order = append(order, pw)
			}
			when := string(r.Referral.Urgency)
			if r.Referral.Within != "" {
				when += ", " + string(r.Referral.Within)
			}
			pathways[pw] = append(pathways[pw], fmt.Sprintf("`%s` (%s)", r.ID, when))
		}
		if r.Referral.InvitesActivity {
			invites = append(invites, "`"+r.ID+"`")
		}
		if r.Referral.KeepActive {
			keep = append(keep, "`"+r.ID+"`")
		}
	}
	for _, pw := range order {
		p("- Pathway `%s`: %s.\n", pw, strings.Join(pathways[pw], ", "))
	}
	p("- Referrals that invite activity: %s.\n", orNone(invites))
	p("- Withholding referrals that keep the stay-active messages: %s.\n\n", orNone(keep))

	p("Each pair of red flags, with no condition, for which a referral is folded\n")
	p("(a profile aged 60 too, where the age changes what is folded):\n\n")
	p("| Red flags | Shown | Folded into the shown referral |\n")
	p("|---|---|---|\n")
	flags := eng.Vocabulary().RedFlags
	seen := map[string]bool{}
	for i, a := range flags {
		for _, c := range flags[i+1:] {
			for _, age := range []int{0, 60} {
				res, err := recommendFor(ctx, eng, recommend.Profile{RedFlags: []string{a.ID, c.ID}, Age: age})
				if err != nil {
					return err
				}
				if len(res.FoldedReferrals) == 0 {
					continue
				}
				var shown, folded []string
				for _, r := range res.Referrals {
					shown = append(shown, fmt.Sprintf("%s (`%s`)", r.Urgency, strings.Join(r.Rules, "`, `")))
				}
				for _, f := range res.FoldedReferrals {
					why := string(f.Because)
					if len(f.RedFlags) > 0 {
						why += " " + strings.Join(f.RedFlags, ", ")
					}
					folded = append(folded, fmt.Sprintf("%s (`%s`), %s", f.Urgency, strings.Join(f.Rules, "`, `"), why))
				}
				row := fmt.Sprintf("| %s | %s |", strings.Join(shown, "; "), strings.Join(folded, "; "))
				key := a.ID + c.ID + row
				if seen[key] {
					continue
				}
				seen[key] = true
				who := fmt.Sprintf("`%s`, `%s`", a.ID, c.ID)
				if age > 0 {
					who += fmt.Sprintf(", age %d", age)
				}
				p("| %s %s\n", who, row)
			}
		}
	}
	p("\n")
	return nil
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}
