package report

// The short report for people, as plain text (WriteText) or Markdown
// (WriteMarkdown). Both write one Outline, so they say the same thing in
// the same order; WriteDetailedText (detailed.go) keeps everything, rule
// ids included, for clinicians.

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/backrules/backrules/internal/mdsafe"
	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
)

// errNilResult is returned by the writers for a nil *Result.
var errNilResult = errors.New("report: nil *recommend.Result")

// errNilWriter is returned by the writers for a nil io.Writer, which
// would otherwise panic on the first write.
var errNilWriter = errors.New("report: nil io.Writer")

// WriteText writes r as a short plain-text report for people, the report
// the command-line tool prints by default: its Outline, in this order:
//
//  1. "SEE A CLINICIAN": every referral, most urgent first, and, when a
//     referral withholds advice, a line that movement advice is on hold
//     (with recommend.IncompleteReason for an Incomplete Result);
//  2. "KEY MESSAGES": safety nets first, marked "!", then the others;
//  3. "THIS WEEK", with check-ins only: the week of the programme, the
//     pain trend as a sparkline and the share of movements done, then
//     the changes of the latest check-in, one line for each reason: a
//     stop, a start again after a stop, and a step the advice for the
//     profile decided (an urgent referral that comes first, an avoided
//     movement) give theirs; a step up or back, a hold and a first start
//     name their movements, with the sources of their reasons;
//  4. "START WITH": the movements of the plan, in order, each with how to
//     do it, the dose, one reason (that of the rule that placed it) and
//     its cautions ("Take care"); with check-ins, the level and dose
//     this week where the programme moved the movement, and no reason
//     (the sources stay listed); a movement the programme stopped on one
//     line, without how, dose, cautions or picture;
//  5. "ALSO HELPFUL": the other recommended movements, one line each with
//     the dose and cautions; movements whose lines would read the same
//     share one, and those the programme stopped share one line;
//  6. "AVOID FOR NOW": every avoided movement, with the first of its
//     reasons in rule order; movements with the same reason share a line;
//  7. "WHERE THE SOURCES DISAGREE": each conflict on one line, with the
//     kinds of source on each side (the side against an avoided movement
//     is the rules that avoid it); conflicts described the same way share
//     a line;
//  8. "SOURCES": each cited source once, with its kind and address, then
//     the disclaimer.
//
// With check-ins the report stays as short as without (within 100 lines
// and 1,000 words for the profiles rules/report_test.go measures, with
// and without a programme): what the programme adds replaces the plan's
// reasons, given when it began. The detailed report, the page and
// Explain give every step's reason.
//
// A reason or a caution shared by several movements is printed in full
// once; later movements refer back to the first ("As for Walking.").
// References such as [2] number sources, not citations, in order of first
// mention. Rule ids, movement kinds, the referrals folded into others and
// the movements that wait for equipment are left out: WriteDetailedText
// has them, with every reason and citation. The last line names the rule
// set's version and digest. When a result has recommended movements but
// no plan (its rules give no priorities), every recommended movement is
// shown in full under "RECOMMENDED" instead of sections 3 and 4. A nil r
// is an error.
func WriteText(w io.Writer, r *recommend.Result) error {
	if w == nil {
		return errNilWriter
	}
	if r == nil {
		return errNilResult
	}
	b := bufio.NewWriter(w)
	writeSections(b, sectionsOf(New(r)), textStyle)
	return b.Flush()
}

// WriteMarkdown writes r as the short report of WriteText in Markdown, for
// apps and chat front ends: a heading per section, list items for the
// entries, and text from the rules escaped so that it cannot add markup,
// links or HTML. A nil r is an error.
func WriteMarkdown(w io.Writer, r *recommend.Result) error {
	if w == nil {
		return errNilWriter
	}
	if r == nil {
		return errNilResult
	}
	b := bufio.NewWriter(w)
	writeSections(b, sectionsOf(New(r)), markdownStyle)
	return b.Flush()
}

// Pictures draws the movements' pictures; *recommend.Engine is one.
type Pictures interface {
	// MovementSVG returns the picture of the movement id, or an error
	// when there is none.
	MovementSVG(id string) ([]byte, error)
}

// errNilPictures is returned by WriteMarkdownPictures for nil Pictures.
var errNilPictures = errors.New("report: nil Pictures")

// WriteMarkdownPictures writes the report of WriteMarkdown with, under
// each plan step and each also-helpful movement, its picture as a
// Markdown image: base + movement id + ".svg", with the movement's how as
// the alt text. base is where the app hosts the pictures, such as
// "https://example.org/movements/" or a relative "movements/" (the
// example server serves them at GET /movements/{id}.svg); an app gets
// each picture from pics, the engine that made r, whose
// [recommend.Engine.MovementSVG] draws it. A movement pics has no
// picture for (r came from another rule set, say) gets no image, so that
// the report never links a picture that does not exist. A nil r or pics
// is an error.
func WriteMarkdownPictures(w io.Writer, r *recommend.Result, pics Pictures, base string) error {
	if w == nil {
		return errNilWriter
	}
	if r == nil {
		return errNilResult
	}
	if pics == nil {
		return errNilPictures
	}
	drawn := map[string]bool{}
	o := sectionsOf(New(r))
	for i := range o.sections {
		for j := range o.sections[i].entries {
			e := &o.sections[i].entries[j]
			for k := range e.pictures {
				id := e.pictures[k].id
				ok, seen := drawn[id]
				if !seen {
					_, err := pics.MovementSVG(id)
					ok = err == nil
					drawn[id] = ok
				}
				if ok {
					e.pictures[k].src = base + id + ".svg"
				}
			}
		}
	}
	b := bufio.NewWriter(w)
	writeSections(b, o, markdownStyle)
	return b.Flush()
}

// laidOut is an Outline in titled sections of entries, as WriteText and
// WriteMarkdown write it.
type laidOut struct {
	sections []section
	sources  []recommend.Citation
	footer   string
	ruleSet  string
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
	// pictures are the entry's movements' pictures; only those with a
	// src are written, and only in Markdown.
	pictures []picture
}

// picture is a movement's picture: its id, its alt text (the how) and,
// once WriteMarkdownPictures sets it, its address.
type picture struct {
	id, alt, src string
}

type labelled struct {
	label, text, refs string
}

// writer lays out an Outline, remembering which reasons and cautions it
// has printed.
type writer struct {
	o       *Outline
	printed map[string]string // text -> the name of the movement it was printed on
}

func sectionsOf(o *Outline) laidOut {
	wr := &writer{o: o, printed: map[string]string{}}
	out := laidOut{sources: o.Sources, footer: o.Disclaimer, ruleSet: o.RuleSet}
	add := func(s section) {
		if len(s.entries) > 0 {
			out.sections = append(out.sections, s)
		}
	}
	add(wr.referrals())
	if o.Withheld {
		hold := section{title: "MOVEMENT ADVICE ON HOLD"}
		if o.WaitForClinician {
			hold.entries = append(hold.entries, entry{marker: "-",
				head: "Do not start any exercises or stretches until a clinician has checked you."})
		}
		switch {
		case o.Unreadable:
			hold.entries = append(hold.entries, entry{marker: "-", head: recommend.UnreadableReason})
		case o.Incomplete:
			hold.entries = append(hold.entries, entry{marker: "-", head: recommend.IncompleteReason})
		}
		add(hold)
	}
	add(wr.messages())
	add(wr.thisWeek())
	add(wr.start())
	add(wr.alsoHelpful())
	add(wr.avoid())
	add(wr.conflicts())
	return out
}

// refs returns the references of cites, such as "[1,4]", in ascending
// order, or "" when there are none.
func (wr *writer) refs(cites []recommend.Citation) string {
	var nums []int
	for _, c := range cites {
		if n := wr.o.SourceNumber(c); n > 0 && !slices.Contains(nums, n) {
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
func (wr *writer) once(kind, text, name string) string {
	if first, ok := wr.printedFor(kind, text, name); ok {
		return "As for " + first + "."
	}
	return text
}

// printedFor returns the name of the movement text of a kind was first
// printed for, and true; or, the first time, notes name as that movement
// and returns false.
func (wr *writer) printedFor(kind, text, name string) (string, bool) {
	key := kind + "\x00" + text
	if first, ok := wr.printed[key]; ok {
		return first, true
	}
	wr.printed[key] = name
	return "", false
}

// cares returns the cautions of a one-line entry, name's, under one
// "Take care": each printed before by its text once, then the others
// referred back to in one "As for A and B.", each movement named once:
// "Take care: Keep it easy. As for Bird dog.", not a second "Take care:
// As for Bird dog." on the same line.
func (wr *writer) cares(cautions []string, name string) string {
	var texts, asFor []string
	for _, c := range cautions {
		if first, ok := wr.printedFor("care", c, name); !ok {
			texts = append(texts, c)
		} else if !slices.Contains(asFor, first) {
			asFor = append(asFor, first)
		}
	}
	if len(asFor) > 0 {
		texts = append(texts, "As for "+words.List(asFor)+".")
	}
	return strings.Join(texts, " ")
}

func (wr *writer) referrals() section {
	s := section{title: "SEE A CLINICIAN"}
	for _, ref := range wr.o.Referrals {
		s.entries = append(s.entries, entry{marker: "-", head: words.Capital(string(ref.Urgency)) + ": " + ref.Message, refs: wr.refs(ref.Citations)})
	}
	return s
}

// thisWeek says what the programme changed at the latest check-in, under
// the pain trend. A stop, a start again after a stop and a step the
// advice for the profile decided (an urgent referral that comes first,
// an avoided movement) give their reason, on one line for each reason,
// with the movements of each change it applies to: "Stop for now:
// Cat-cow; down a level: Bird dog. A flare... [5]". The other steps (see
// quiet) share the last line, which names the movements of each change
// with the sources of their reasons. The dose this week is the plan's, or
// the also-helpful line's, and is not repeated here.
func (wr *writer) thisWeek() section {
	pg := wr.o.Programme
	s := section{title: "THIS WEEK"}
	if pg == nil {
		return s
	}
	first, last := pg.Trend[0].PainLevel, pg.Trend[len(pg.Trend)-1].PainLevel
	s.entries = append(s.entries, entry{marker: "-", head: fmt.Sprintf("Week %d. Pain %s from %d to %d; %s.",
		pg.Week, Sparkline(pg.Trend), first, last, AdherenceWords(pg))})
	// changes lists movements by change, in the order first seen.
	type changes struct {
		order []string
		names map[string][]string
		cites []recommend.Citation
	}
	add := func(c *changes, st recommend.Step) {
		if c.names == nil {
			c.names = map[string][]string{}
		}
		if _, ok := c.names[st.Change]; !ok {
			c.order = append(c.order, st.Change)
		}
		c.names[st.Change] = append(c.names[st.Change], cmp.Or(wr.o.Names[st.Movement], words.Capital(strings.ReplaceAll(st.Movement, "_", " "))))
		for _, ct := range st.Citations {
			if !slices.ContainsFunc(c.cites, ct.Equal) {
				c.cites = append(c.cites, ct)
			}
		}
	}
	say := func(c *changes) string {
		parts := make([]string, len(c.order))
		for i, ch := range c.order {
			parts[i] = ChangeWords(ch) + ": " + words.List(c.names[ch])
		}
		return words.Capital(strings.Join(parts, "; ")) + "."
	}
	type reasoned struct {
		because string
		changes
	}
	var lines []*reasoned
	var others changes
	for _, st := range pg.Steps {
		if quiet(st) {
			add(&others, st)
			continue
		}
		i := slices.IndexFunc(lines, func(l *reasoned) bool {
			return l.because == st.Because && slices.EqualFunc(l.cites, st.Citations, recommend.Citation.Equal)
		})
		if i < 0 {
			lines = append(lines, &reasoned{because: st.Because})
			i = len(lines) - 1
		}
		add(&lines[i].changes, st)
	}
	for _, l := range lines {
		s.entries = append(s.entries, entry{marker: "-", head: strings.TrimSpace(say(&l.changes) + " " + l.because), refs: wr.refs(l.cites)})
	}
	if len(others.order) > 0 {
		s.entries = append(s.entries, entry{marker: "-", head: say(&others), refs: wr.refs(others.cites)})
	}
	return s
}

// quiet reports whether the short report names programme step st without
// its reason: a step up or back, a hold or a first start that a
// progression rule (or none) decided. Their reasons are for the detailed
// report, the page and Explain: none of them tells the person to stop,
// or to do again what was stopped, and stepping back in a flare is the
// key messages' advice too (do less, stay active). A stop, a start again
// and any step the advice decided always give their reason.
func quiet(st recommend.Step) bool {
	switch {
	case st.Decided != "":
		return false
	case st.Change == recommend.ChangeStart:
		return st.Rule == ""
	}
	return st.Change != recommend.ChangeStop
}

func (wr *writer) messages() section {
	s := section{title: "KEY MESSAGES"}
	for _, m := range wr.o.Messages {
		marker := "-"
		if m.Kind == recommend.MessageKindSafetyNet {
			marker = "!"
		}
		s.entries = append(s.entries, entry{marker: marker, head: m.Text, refs: wr.refs(m.Citations)})
	}
	return s
}

// start lists the plan, or every recommended movement when there is no
// plan, each in full: how, dose, a reason with the citations behind it,
// and its cautions. With check-ins the reasons, and their references,
// are left out: the week's changes come first, and the reasons were
// given when the programme began (the detailed report has them, and the
// sources stay listed). A movement the programme moved gives its level
// and dose this week, and one it stopped says so, without how to do it
// or its cautions, which wait until it starts again.
func (wr *writer) start() section {
	s := section{title: "START WITH"}
	if !wr.o.Planned {
		s.title = "RECOMMENDED"
		if wr.o.NoMatch {
			s.entries = []entry{{marker: "-", head: "No movement matched this profile."}}
		}
	}
	for i, st := range wr.o.Plan {
		e := entry{marker: strconv.Itoa(i+1) + ".", head: st.Item.Name()}
		if st.Stopped() {
			e.head += ": " + stoppedWords
			s.entries = append(s.entries, e)
			continue
		}
		if st.Found {
			e.pictures = []picture{{id: st.Item.Movement, alt: st.Item.How()}}
			e.lines = []labelled{{label: "How", text: st.Item.How()}, {label: "Dose", text: st.Item.Dose()}}
			if w := st.Week; w != nil {
				e.lines[1] = labelled{label: "This week", text: fmt.Sprintf("Level %d (%s): %s", w.Level, ChangeWords(w.Change), w.Dose)}
				if w.How != "" {
					// The level gives its own how.
					e.lines[0].text = w.How
				}
			}
			switch {
			case st.Reason != "" && wr.o.Programme == nil:
				e.lines = append(e.lines, labelled{label: "Why", text: wr.once("why", st.Reason, st.Item.Name()), refs: wr.refs(st.Citations)})
			case wr.o.Programme != nil:
				// With a programme the reason gives way to this week's
				// changes, but the step still cites its sources.
				e.refs = wr.refs(st.Citations)
			}
			for _, c := range st.Cautions {
				e.lines = append(e.lines, labelled{label: "Take care", text: wr.once("care", c, st.Item.Name())})
			}
		}
		s.entries = append(s.entries, e)
	}
	return s
}

// alsoHelpful lists the recommended movements outside the plan, one line
// for each group with the dose and cautions. The movements the programme
// stopped share one group (Group.Stopped), shown without cautions or
// pictures, which wait until they start again.
func (wr *writer) alsoHelpful() section {
	s := section{title: "ALSO HELPFUL"}
	for _, g := range wr.o.Also {
		if g.Stopped {
			s.entries = append(s.entries, entry{marker: "-", head: g.Names + ": " + stoppedWords})
			continue
		}
		head := g.Names + ": " + g.Dose
		if care := wr.cares(g.Cautions, g.Items[0].Name()); care != "" {
			head += " Take care: " + care
		}
		e := entry{marker: "-", head: head, refs: wr.refs(g.Citations)}
		for _, it := range g.Items {
			e.pictures = append(e.pictures, picture{id: it.Movement, alt: it.How()})
		}
		s.entries = append(s.entries, e)
	}
	return s
}

// stoppedWords say, in the plan and the also-helpful list, that the
// programme stopped a movement.
const stoppedWords = "stopped for now (see above)."

// avoid lists the avoided movements, one line for each group with its
// reason.
func (wr *writer) avoid() section {
	s := section{title: "AVOID FOR NOW"}
	for _, g := range wr.o.Avoid {
		head := g.Names
		if g.Reason != "" {
			head += ": " + g.Reason
		}
		s.entries = append(s.entries, entry{marker: "-", head: head, refs: wr.refs(g.Citations)})
	}
	return s
}

// conflicts describes each disagreement by the kinds of source on each
// side and its resolution.
func (wr *writer) conflicts() section {
	s := section{title: "WHERE THE SOURCES DISAGREE"}
	for _, d := range wr.o.Disagreements {
		it := "it"
		if len(d.Conflicts) > 1 {
			it = "them"
		}
		parts := []string{fmt.Sprintf("%s %s %s %s", KindNames(d.For),
			verb(d.For, "suggests", "suggest"), it, wr.refs(d.For))}
		if len(d.Conditional) > 0 {
			parts[0] += fmt.Sprintf(" (with conditions %s)", wr.refs(d.Conditional))
		}
		if len(d.Against) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s %s %s", KindNames(d.Against),
				verb(d.Against, "advises against", "advise against"), it, wr.refs(d.Against)))
		}
		if len(d.Care) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s %s", KindNames(d.Care), verb(d.Care, "urges care", "urge care"), wr.refs(d.Care)))
		}
		// The outcome, as the page and the cards say it.
		outcome := ""
		switch {
		case d.Resolution == recommend.ResolutionAvoided && len(d.Conflicts) > 1:
			outcome = ", so they are left out"
		case d.Resolution == recommend.ResolutionAvoided:
			outcome = ", so it is left out"
		case d.Resolution == recommend.ResolutionCautioned && len(d.Conflicts) > 1:
			outcome = ", so they are kept, with care"
		case d.Resolution == recommend.ResolutionCautioned:
			outcome = ", so it is kept, with care"
		}
		head := d.Names + ": " + strings.Join(parts, "; ") + outcome + "."
		if d.LeftOut != "" {
			// No source advises against it: say what leaves it out.
			head = d.Names + ": " + strings.Join(parts, "; ") + ". Left out: " + d.LeftOut
		}
		s.entries = append(s.entries, entry{marker: "-", head: words.OneLine(head)})
	}
	return s
}

// style writes laid-out sections in one format.
type style struct {
	// section writes a section's title.
	section func(w *bufio.Writer, title string)
	// entry writes an entry.
	entry func(w *bufio.Writer, e entry)
	// sectionEnd ends a section.
	sectionEnd func(w *bufio.Writer)
	// source writes the numbered source n.
	source func(w *bufio.Writer, n int, c recommend.Citation)
	// footer writes the disclaimer.
	footer func(w *bufio.Writer, text string)
}

func writeSections(w *bufio.Writer, o laidOut, st style) {
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
	source: func(w *bufio.Writer, n int, c recommend.Citation) {
		fmt.Fprintf(w, "  [%d] %s (%s)", n, c.Title(), KindNoun(c.Kind()))
		if c.URL() != "" {
			fmt.Fprintf(w, " %s", c.URL())
		}
		fmt.Fprintln(w)
	},
	footer: func(w *bufio.Writer, text string) { fmt.Fprintf(w, "%s\n", text) },
}

// mdRefs writes text and its references, which are "[1,2]", escaped.
func mdRefs(text, refs string) string {
	return withRefs(mdsafe.Line(text), mdsafe.Line(refs))
}

// sectionTitle turns a section title in capitals into a sentence-case
// Markdown heading: "START WITH" becomes "Start with".
func sectionTitle(title string) string {
	return words.Capital(strings.ToLower(title))
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
			head = "**" + mdsafe.Line(e.head) + "**"
			if e.refs != "" {
				head += " " + mdsafe.Line(e.refs)
			}
		}
		fmt.Fprintf(w, "%s %s\n", marker, head)
		indent := strings.Repeat(" ", len(marker)+1)
		for _, l := range e.lines {
			fmt.Fprintf(w, "%s- %s: %s\n", indent, l.label, mdRefs(l.text, l.refs))
		}
		for _, p := range e.pictures {
			if p.src != "" {
				fmt.Fprintf(w, "%s![%s](%s)\n", indent, mdsafe.Line(p.alt), mdsafe.Destination(p.src))
			}
		}
	},
	sectionEnd: func(w *bufio.Writer) { fmt.Fprintln(w) },
	source: func(w *bufio.Writer, n int, c recommend.Citation) {
		fmt.Fprintf(w, "%d. %s (%s)", n, mdsafe.Line(c.Title()), mdsafe.Line(KindNoun(c.Kind())))
		if u := c.URL(); mdsafe.LinkURL(u) {
			fmt.Fprintf(w, " <%s>", u) // LinkURL allows no < > or white space
		} else if u != "" {
			fmt.Fprintf(w, " %s", mdsafe.Line(u))
		}
		fmt.Fprintln(w)
	},
	footer: func(w *bufio.Writer, text string) { fmt.Fprintf(w, "*%s*\n", mdsafe.Line(text)) },
}
