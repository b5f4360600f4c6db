package recommend

// Stage 5, present: a Result in, text for people or JSON for programs out.
// Presenters only format; they never decide what is advised.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteJSON writes r as indented JSON followed by a newline. The same Result
// always gives the same bytes.
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes r as a plain-text report for people: referrals first,
// then what to do, what to avoid, where the sources disagree, what needs
// equipment, and the disclaimer. Each item names its rules and sources.
func WriteText(w io.Writer, r *Result) error {
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }

	if len(r.Referrals) > 0 {
		p("SEE A CLINICIAN\n")
		for _, ref := range r.Referrals {
			p("  [%s] %s\n", strings.ToUpper(string(ref.Urgency)), ref.Message)
			writeCitations(b, "      ", ref.Rules, ref.Citations)
		}
		p("\n")
	}
	if r.Withheld {
		p("MOVEMENT ADVICE WITHHELD\n  %s\n\n", r.WithheldReason)
	}
	if len(r.Recommended) > 0 {
		p("RECOMMENDED\n")
		for i, it := range r.Recommended {
			p("  %d. %s (%s)\n", i+1, it.Name, strings.ReplaceAll(it.Kind, "_", " "))
			p("     How:  %s\n", it.How)
			p("     Dose: %s\n", it.Dose)
			for _, n := range it.Reasons {
				p("     Why:  %s\n", n.Text)
			}
			for _, n := range it.Cautions {
				p("     Caution: %s\n", n.Text)
			}
			writeCitations(b, "     ", it.Rules, it.Citations)
		}
		p("\n")
	} else if !r.Withheld {
		p("RECOMMENDED\n  No movement matched this profile.\n\n")
	}
	if len(r.Avoided) > 0 {
		p("AVOID\n")
		for _, it := range r.Avoided {
			p("  - %s (%s)\n", it.Name, strings.ReplaceAll(it.Kind, "_", " "))
			for _, n := range it.Reasons {
				p("      Why: %s\n", n.Text)
			}
			writeCitations(b, "      ", it.Rules, it.Citations)
		}
		p("\n")
	}
	if len(r.Conflicts) > 0 {
		p("WHERE THE SOURCES DISAGREE\n")
		for _, c := range r.Conflicts {
			p("  - %s: recommended by %s (%s); ", c.Name, strings.Join(c.For.Rules, ", "), sourceList(c.For.Citations))
			switch c.Resolution {
			case Avoided:
				p("avoided by %s (%s).\n      Resolved: avoided, because an avoid rule always wins.\n",
					strings.Join(c.Against.Rules, ", "), sourceList(c.Against.Citations))
			default:
				p("cautioned by %s (%s).\n      Resolved: kept, with the caution attached.\n",
					strings.Join(c.Against.Rules, ", "), sourceList(c.Against.Citations))
			}
		}
		p("\n")
	}
	if len(r.NeedsEquipment) > 0 {
		p("WOULD BE RECOMMENDED WITH EQUIPMENT\n")
		for _, n := range r.NeedsEquipment {
			p("  - %s: needs %s\n", n.Name, strings.Join(n.Missing, ", "))
		}
		p("\n")
	}
	p("%s\n", r.Disclaimer)
	return b.Flush()
}

func writeCitations(b *bufio.Writer, indent string, rules []string, cites []Citation) {
	fmt.Fprintf(b, "%sRules: %s\n", indent, strings.Join(rules, ", "))
	for _, c := range cites {
		fmt.Fprintf(b, "%sSource: %s, %q: %s\n", indent, c.Title, c.Locator, c.Claim)
	}
}

// sourceList names the distinct sources of cites.
func sourceList(cites []Citation) string {
	var ids []string
	for _, c := range cites {
		found := false
		for _, id := range ids {
			if id == c.Source {
				found = true
				break
			}
		}
		if !found {
			ids = append(ids, c.Source)
		}
	}
	return strings.Join(ids, ", ")
}
