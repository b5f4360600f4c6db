package recommend

// The short report for people, as plain text (WriteText) or Markdown
// (WriteMarkdown). Both are made from one outline of the Result, so they
// say the same thing in the same order; WriteDetailedText (present.go)
// keeps everything, rule ids included, for clinicians.

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/words"
)

// WriteText writes r as a short plain-text report for people, the report
// the command-line tool prints by default, in this order:
//
//  1. "SEE A CLINICIAN": every referral, most urgent first, and, when a
//     referral withholds advice, a line that movement advice is on hold
//     (with IncompleteReason for an Incomplete Result);
//  2. "KEY MESSAGES": safety nets first, marked "!", then the others;
//  3. "START WITH": the movements of the plan, in order, each with how to
//     do it, the dose, one reason (that of the rule that placed it) and
//     its cautions ("Take care");
//  4. "ALSO HELPFUL": the other recommended movements, one line each with
//     the dose and cautions; movements whose lines would read the same
//     share one;
//  5. "AVOID FOR NOW": every avoided movement, with the first of its
//     reasons in rule order; movements with the same reason share a line;
//  6. "WHERE THE SOURCES DISAGREE": each conflict on one line, with the
//     kinds of source on each side (the side against an avoided movement
//     is the rules that avoid it); conflicts described the same way share
//     a line;
//  7. "SOURCES": each cited source once, with its kind and address, then
//     the disclaimer.
//
// A reason or a caution shared by several movements is printed in full
// once; later movements refer back to the first ("As for Walking.").
// References such as [2] number sources, not citations, in order of first
// mention. Rule ids, movement kinds and the movements that wait for
// equipment are left out: WriteDetailedText has them, with every reason
// and citation. The last line names the rule set's version and digest. When a result has recommended
// movements but no plan (its rules give no priorities), every recommended
// movement is shown in full under "RECOMMENDED" instead of sections 3 and
// 4. A nil r is an error.
func WriteText(w io.Writer, r *Result) error {
	if r == nil {
		return errNilResult
	}
	b := bufio.NewWriter(w)
	writeOutline(b, newOutline(r), textStyle)
	return b.Flush()
}

// WriteMarkdown writes r as the short report of WriteText in Markdown, for
// apps and chat front ends: a heading per section, list items for the
// entries, and text from the rules escaped so that it cannot add markup,
// links or HTML. A nil r is an error.
func WriteMarkdown(w io.Writer, r *Result) error {
	if r == nil {
		return errNilResult
	}
	b := bufio.NewWriter(w)
	writeOutline(b, newOutline(r), markdownStyle)
	return b.Flush()
}

// outline is the short report, before it is written out.
type outline struct {
	sections []section
	sources  []Citation // one citation per numbered source, in order
	footer   string
	ruleSet  string // the rule set's line, for audit, or ""
}

// section is a titled part of the report.
type section struct {
	title   string
	entries []entry
}

// entry is one item of a section: a marker ("1.", "-" or "!"), a head and
// labelled lines below it. A head or line may end with references.
type entry struct {
	marker string
	head   string
	refs   string
	lines  []labelled
}

type labelled struct {
	label, text, refs string
}

// outliner builds an outline, numbering sources as they are first
// mentioned and remembering which reasons and cautions it has printed.
type outliner struct {
	sourceNum map[string]int
	sources   []Citation
	printed   map[string]string // text -> the name of the movement it was printed on
}

func newOutline(r *Result) outline {
	o := &outliner{sourceNum: map[string]int{}, printed: map[string]string{}}
	var out outline
	add := func(s section) {
		if len(s.entries) > 0 {
			out.sections = append(out.sections, s)
		}
	}
	add(o.referrals(r))
	if r.Withheld {
		hold := section{"MOVEMENT ADVICE ON HOLD", []entry{{marker: "-",
			head: "Do not start any exercises or stretches until a clinician has checked you."}}}
		if r.Incomplete {
			hold.entries = append(hold.entries, entry{marker: "-", head: IncompleteReason})
		}
		add(hold)
	}
	add(o.messages(r))
	add(o.start(r))
	add(o.alsoHelpful(r))
	add(o.avoid(r))
	add(o.conflicts(r))
	out.sources = o.sources
	out.footer = r.Disclaimer
	out.ruleSet = ruleSetLine(r.RuleSet)
	return out
}

// refs numbers the sources of cites and returns their references, such as
// "[1,4]", in ascending order, or "" when there are none.
func (o *outliner) refs(cites []Citation) string {
	var nums []int
	for _, c := range cites {
		n, ok := o.sourceNum[c.Source()]
		if !ok {
			o.sources = append(o.sources, c)
			n = len(o.sources)
			o.sourceNum[c.Source()] = n
		}
		if !slices.Contains(nums, n) {
			nums = append(nums, n)
		}
	}
	if len(nums) == 0 {
		return ""
	}
	slices.Sort(nums)
	parts := make([]string, len(nums))
	for i, n := range nums {
		parts[i] = strconv.Itoa(n)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// once returns text the first time it is asked for text of a kind ("why"
// or "care"), and "As for <name of the first movement>." after that.
func (o *outliner) once(kind, text, name string) string {
	key := kind + "\x00" + text
	if first, ok := o.printed[key]; ok {
		return "As for " + first + "."
	}
	o.printed[key] = name
	return text
}

func (o *outliner) referrals(r *Result) section {
	s := section{title: "SEE A CLINICIAN"}
	for _, ref := range r.Referrals {
		s.entries = append(s.entries, entry{marker: "-", head: capital(string(ref.Urgency)) + ": " + ref.Message, refs: o.refs(ref.Citations)})
	}
	return s
}

func (o *outliner) messages(r *Result) section {
	s := section{title: "KEY MESSAGES"}
	for _, m := range r.Messages {
		marker := "-"
		if m.Kind == MessageKindSafetyNet {
			marker = "!"
		}
		s.entries = append(s.entries, entry{marker: marker, head: m.Text, refs: o.refs(m.Citations)})
	}
	return s
}

// full is a recommended movement shown in full: how, dose, a reason with
// the citations behind it, and its cautions.
func (o *outliner) full(marker string, it Item, reason string, cites []Citation) entry {
	e := entry{marker: marker, head: it.Name, lines: []labelled{
		{label: "How", text: it.How},
		{label: "Dose", text: it.Dose},
	}}
	if reason != "" {
		e.lines = append(e.lines, labelled{label: "Why", text: o.once("why", reason, it.Name), refs: o.refs(cites)})
	}
	for _, c := range distinctNotes(it.Cautions) {
		e.lines = append(e.lines, labelled{label: "Take care", text: o.once("care", c, it.Name)})
	}
	return e
}

// start lists the plan, or every recommended movement when there is no
// plan.
func (o *outliner) start(r *Result) section {
	if len(r.Plan) == 0 {
		s := section{title: "RECOMMENDED"}
		for i, it := range r.Recommended {
			reason := ""
			if len(it.Reasons) > 0 {
				reason = it.Reasons[0].Text
			}
			s.entries = append(s.entries, o.full(strconv.Itoa(i+1)+".", it, reason, it.Citations))
		}
		if len(s.entries) == 0 && !r.Withheld {
			s.entries = []entry{{marker: "-", head: "No movement matched this profile."}}
		}
		return s
	}
	s := section{title: "START WITH"}
	for i, step := range r.Plan {
		it, ok := findItem(r.Recommended, step.Movement)
		if !ok {
			// A plan names recommended movements only; an edited Result
			// may not, and then the step is shown by name.
			s.entries = append(s.entries, entry{marker: strconv.Itoa(i+1) + ".", head: step.Name})
			continue
		}
		cites := step.Citations
		if len(cites) == 0 {
			cites = it.Citations
		}
		s.entries = append(s.entries, o.full(strconv.Itoa(i+1)+".", it, step.Reason.Text, cites))
	}
	return s
}

// alsoHelpful lists the recommended movements outside the plan, one line
// each with its dose and cautions. Movements whose line would read the same
// after the name share it.
func (o *outliner) alsoHelpful(r *Result) section {
	s := section{title: "ALSO HELPFUL"}
	if len(r.Plan) == 0 {
		return s
	}
	type line struct {
		names []string
		items []Item
		key   string
	}
	var lines []*line
	for _, it := range r.Recommended {
		if slices.ContainsFunc(r.Plan, func(p PlanStep) bool { return p.Movement == it.Movement }) {
			continue
		}
		key := it.Dose + "\x00" + strings.Join(distinctNotes(it.Cautions), "\x00")
		if i := slices.IndexFunc(lines, func(l *line) bool { return l.key == key }); i >= 0 {
			lines[i].names = append(lines[i].names, it.Name)
			lines[i].items = append(lines[i].items, it)
			continue
		}
		lines = append(lines, &line{names: []string{it.Name}, items: []Item{it}, key: key})
	}
	for _, l := range lines {
		first := l.items[0]
		head := words.List(l.names) + ": " + first.Dose
		for _, c := range distinctNotes(first.Cautions) {
			head += " Take care: " + o.once("care", c, first.Name)
		}
		var cites []Citation
		for _, it := range l.items {
			cites = append(cites, it.Citations...)
		}
		s.entries = append(s.entries, entry{marker: "-", head: head, refs: o.refs(cites)})
	}
	return s
}

// avoid groups the avoided movements by the reason shown for each, the
// first in rule order, in the order of each group's first movement.
func (o *outliner) avoid(r *Result) section {
	type group struct {
		names  []string
		reason string
		cites  []Citation
	}
	var groups []*group
	for _, it := range r.Avoided {
		reason := ""
		if len(it.Reasons) > 0 {
			reason = it.Reasons[0].Text
		}
		i := slices.IndexFunc(groups, func(g *group) bool { return g.reason == reason })
		if i < 0 {
			groups = append(groups, &group{reason: reason})
			i = len(groups) - 1
		}
		g := groups[i]
		g.names = append(g.names, it.Name)
		g.cites = append(g.cites, it.Citations...)
	}
	s := section{title: "AVOID FOR NOW"}
	for _, g := range groups {
		head := words.List(g.names)
		if g.reason != "" {
			head += ": " + g.reason
		}
		s.entries = append(s.entries, entry{marker: "-", head: head, refs: o.refs(g.cites)})
	}
	return s
}

// conflicts describes each conflict by the kinds of source on each side
// and its resolution. Conflicts described the same way share a line, in
// the order of their first movement.
func (o *outliner) conflicts(r *Result) section {
	type group struct {
		names []string
		c     Conflict
		key   string
	}
	var groups []*group
	for _, c := range r.Conflicts {
		against, care := c.Opposing()
		key := fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%s\x00%s", c.Resolution,
			o.refs(c.For.Citations), o.refs(c.Conditional), o.refs(against), o.refs(care), kindNames(c.Against.Citations))
		if i := slices.IndexFunc(groups, func(g *group) bool { return g.key == key }); i >= 0 {
			groups[i].names = append(groups[i].names, c.Name)
			continue
		}
		groups = append(groups, &group{names: []string{c.Name}, c: c, key: key})
	}
	s := section{title: "WHERE THE SOURCES DISAGREE"}
	for _, g := range groups {
		it := "it"
		if len(g.names) > 1 {
			it = "them"
		}
		against, care := g.c.Opposing()
		parts := []string{fmt.Sprintf("%s %s %s %s", kindNames(g.c.For.Citations),
			verb(g.c.For.Citations, "suggests", "suggest"), it, o.refs(g.c.For.Citations))}
		if len(g.c.Conditional) > 0 {
			parts[0] += fmt.Sprintf(" (with conditions %s)", o.refs(g.c.Conditional))
		}
		if len(against) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s %s %s", kindNames(against),
				verb(against, "advises against", "advise against"), it, o.refs(against)))
		}
		if len(care) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s %s", kindNames(care), verb(care, "urges care", "urge care"), o.refs(care)))
		}
		outcome := ""
		if g.c.Resolution == ResolutionAvoided {
			outcome = ", so it is left out"
			if len(g.names) > 1 {
				outcome = ", so they are left out"
			}
		}
		head := words.List(g.names) + ": " + strings.Join(parts, "; ") + outcome + "."
		s.entries = append(s.entries, entry{marker: "-", head: strings.Join(strings.Fields(head), " ")})
	}
	return s
}

// verb returns one, the verb for a single source, when cites are from one
// source, and more otherwise.
func verb(cites []Citation, one, more string) string {
	if countSources(cites) <= 1 {
		return one
	}
	return more
}

// capital returns s with its first letter in upper case.
func capital(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

func countSources(cites []Citation) int {
	var ids []string
	for _, c := range cites {
		if !slices.Contains(ids, c.Source()) {
			ids = append(ids, c.Source())
		}
	}
	return len(ids)
}

// kindNoun names a source kind alone: "health website".
func kindNoun(kind string) string {
	if k, ok := sourceKind(kind); ok {
		return k.Name
	}
	return kindLabel(kind)
}

// kindNames names the kinds of the sources behind cites, in order of
// first mention: "a guideline and 2 clinic articles" is written "a
// guideline and clinic articles".
func kindNames(cites []Citation) string {
	var kinds []string
	count := map[string][]string{}
	for _, c := range cites {
		if !slices.Contains(kinds, c.Kind()) {
			kinds = append(kinds, c.Kind())
		}
		if !slices.Contains(count[c.Kind()], c.Source()) {
			count[c.Kind()] = append(count[c.Kind()], c.Source())
		}
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		kind, ok := sourceKind(k)
		if !ok {
			kind = SourceKind{Name: "source", Plural: "sources"}
		}
		names[i] = "a " + kind.Name
		if len(count[k]) > 1 {
			names[i] = kind.Plural
		}
	}
	if len(names) == 0 {
		return "a source"
	}
	return words.List(names)
}

// distinctNotes returns the distinct texts of notes, in order.
func distinctNotes(notes []Note) []string {
	var out []string
	for _, n := range notes {
		if !slices.Contains(out, n.Text) {
			out = append(out, n.Text)
		}
	}
	return out
}

func findItem(items []Item, movement string) (Item, bool) {
	for _, it := range items {
		if it.Movement == movement {
			return it, true
		}
	}
	return Item{}, false
}

// style writes an outline in one format.
type style struct {
	// section writes a section's title.
	section func(w *bufio.Writer, title string)
	// entry writes an entry.
	entry func(w *bufio.Writer, e entry)
	// sectionEnd ends a section.
	sectionEnd func(w *bufio.Writer)
	// source writes the numbered source n.
	source func(w *bufio.Writer, n int, c Citation)
	// footer writes the disclaimer.
	footer func(w *bufio.Writer, text string)
}

func writeOutline(w *bufio.Writer, o outline, st style) {
	for _, s := range o.sections {
		st.section(w, s.title)
		for _, e := range s.entries {
			st.entry(w, e)
		}
		st.sectionEnd(w)
	}
	if len(o.sources) > 0 {
		st.section(w, "SOURCES")
		for i, c := range o.sources {
			st.source(w, i+1, c)
		}
		st.sectionEnd(w)
	}
	st.footer(w, o.footer)
	if o.ruleSet != "" {
		fmt.Fprintln(w)
		st.footer(w, o.ruleSet)
	}
}

// ruleSetLine names the rule set that produced a result, in one line, or
// returns "" when the result does not say.
func ruleSetLine(rs RuleSet) string {
	if s := rs.String(); s != "" {
		return "Rule set: " + s
	}
	return ""
}

// withRefs appends references to text, after a space.
func withRefs(text, refs string) string {
	if refs == "" {
		return text
	}
	return text + " " + refs
}

var textStyle = style{
	section: func(w *bufio.Writer, title string) { fmt.Fprintf(w, "%s\n", title) },
	entry: func(w *bufio.Writer, e entry) {
		fmt.Fprintf(w, "  %s %s\n", e.marker, withRefs(e.head, e.refs))
		indent := strings.Repeat(" ", len(e.marker)+3)
		for _, l := range e.lines {
			fmt.Fprintf(w, "%s%s: %s\n", indent, l.label, withRefs(l.text, l.refs))
		}
	},
	sectionEnd: func(w *bufio.Writer) { fmt.Fprintln(w) },
	source: func(w *bufio.Writer, n int, c Citation) {
		fmt.Fprintf(w, "  [%d] %s (%s)", n, c.Title(), kindNoun(c.Kind()))
		if c.URL() != "" {
			fmt.Fprintf(w, " %s", c.URL())
		}
		fmt.Fprintln(w)
	},
	footer: func(w *bufio.Writer, text string) { fmt.Fprintf(w, "%s\n", text) },
}

// mdEscaper escapes the characters that could start Markdown markup, a
// link or HTML inside text from the rules.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "#", `\#`, "|", `\|`, "~", `\~`,
)

// md escapes text for Markdown and puts it on one line.
func md(text string) string {
	return mdEscaper.Replace(strings.Join(strings.Fields(text), " "))
}

// mdRefs writes references, which are "[1, 2]", escaped.
func mdRefs(text, refs string) string {
	return withRefs(md(text), md(refs))
}

// sectionTitle turns a section title in capitals into a sentence-case
// Markdown heading: "START WITH" becomes "Start with".
func sectionTitle(title string) string {
	return capital(strings.ToLower(title))
}

var markdownStyle = style{
	section: func(w *bufio.Writer, title string) { fmt.Fprintf(w, "## %s\n\n", sectionTitle(title)) },
	entry: func(w *bufio.Writer, e entry) {
		marker := "-"
		if strings.HasSuffix(e.marker, ".") {
			marker = e.marker
		}
		head := mdRefs(e.head, e.refs)
		if e.marker == "!" {
			head = "**" + head + "**"
		} else if len(e.lines) > 0 {
			head = "**" + md(e.head) + "**"
			if e.refs != "" {
				head += " " + md(e.refs)
			}
		}
		fmt.Fprintf(w, "%s %s\n", marker, head)
		indent := strings.Repeat(" ", len(marker)+1)
		for _, l := range e.lines {
			fmt.Fprintf(w, "%s- %s: %s\n", indent, l.label, mdRefs(l.text, l.refs))
		}
	},
	sectionEnd: func(w *bufio.Writer) { fmt.Fprintln(w) },
	source: func(w *bufio.Writer, n int, c Citation) {
		fmt.Fprintf(w, "%d. %s (%s)", n, md(c.Title()), md(kindNoun(c.Kind())))
		if u := c.URL(); strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
			fmt.Fprintf(w, " <%s>", strings.NewReplacer("<", "%3C", ">", "%3E", " ", "%20").Replace(u))
		} else if u != "" {
			fmt.Fprintf(w, " %s", md(u))
		}
		fmt.Fprintln(w)
	},
	footer: func(w *bufio.Writer, text string) { fmt.Fprintf(w, "*%s*\n", md(text)) },
}
