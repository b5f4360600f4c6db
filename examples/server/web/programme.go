package web

import (
	"cmp"
	"fmt"
	"html"
	"html/template"
	"slices"
	"strconv"
	"strings"

	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

// programmeView is a Result's programme as the page shows it, under "This
// week": what changed for each movement and why, and the pain trend as a
// chart and a table.
type programmeView struct {
	Week    int
	Summary string
	Steps   []stepView
	// Chart is the pain trend as an inline SVG (trendSVG).
	Chart template.HTML
	// Trend is the pain trend, for the table under the chart.
	Trend []trendRow
	// Function is true when a check-in says how much the pain limits the
	// day: the table then has a column for it.
	Function bool
	// Print is This week as the handout prints it, one short line for
	// each step, or for the stopped steps that share a reason (see
	// printLines), so that a programme of every movement still fits on
	// two A4 pages.
	Print []printLine
}

// printLine is a line of This week in print: one or more movements, what
// the programme does with them, their level and dose when they go on, and
// why, where they stop, step back or the advice decided the change.
type printLine struct {
	Head, Dose, Why string
	// Cites are the sources of the line's steps, one entry a source.
	Cites []cite
}

// printLines lays out steps for print: the steps that stop for the same
// reason share one line, where the first of them is; every other step
// has its own, with its level and dose, and its reason where it steps
// back or the advice decided its change (the reasons of a start, a hold
// and a step up are on the page on screen).
func printLines(steps []stepView) []printLine {
	var out []printLine
	var reasons []string
	var names [][]string
	var at []int
	for _, st := range steps {
		if st.Change == recommend.ChangeStop {
			if i := slices.Index(reasons, st.Because); i >= 0 {
				names[i] = append(names[i], st.Name)
				l := &out[at[i]]
				for _, c := range st.Citations {
					if !slices.ContainsFunc(l.Cites, func(x cite) bool { return x.N == c.N }) {
						l.Cites = append(l.Cites, c)
					}
				}
				continue
			}
			reasons, names, at = append(reasons, st.Because), append(names, []string{st.Name}), append(at, len(out))
			out = append(out, printLine{Why: st.Because, Cites: slices.Clone(st.Citations)})
			continue
		}
		l := printLine{Head: st.Name + ": " + strings.ToLower(st.Does), Dose: fmt.Sprintf("Level %d", st.Level), Cites: st.Citations}
		if st.Levels > 0 {
			l.Dose += fmt.Sprintf(" of %d", st.Levels)
		}
		l.Dose += ": " + st.Dose
		if st.Change == recommend.ChangeRegress || st.Decided != "" {
			l.Why = st.Because
		}
		out = append(out, l)
	}
	for i, j := range at {
		out[j].Head = words.List(names[i]) + ": " + strings.ToLower(report.ChangeWords(recommend.ChangeStop))
	}
	return out
}

// stepView is one movement of the programme this week.
type stepView struct {
	Movement, Name string
	// Change is the step's change as the engine names it ("progress"),
	// and Does the same in words ("Up a level").
	Change, Does  string
	Level, Levels int
	// How is how to do it at its level, where the level gives its own
	// (recommend.Step.How), or "".
	How     string
	Dose    string
	Because string
	// Facts are the check-in facts that decided the change, in words.
	Facts []string
	Rule  string
	// Decided says, in words, what decided the change when the advice for
	// the profile did (report.DecidedWords), or is "".
	Decided   string
	Citations []cite
}

// ThisWeek names the step in its toggles, apart from the plan's.
func (s stepView) ThisWeek() string { return s.Name + ", this week" }

// trendRow is one check-in of the pain trend. Function is how much the
// pain limits the day, 0 to 10, as the check-in says it, or "not given".
type trendRow struct {
	N, Day, Week, Pain int
	Function           string
}

// programme lays out the Result's programme, if it has one.
func (b *builder) programme() {
	pg := b.o.Programme
	if pg == nil || len(pg.Trend) == 0 {
		return
	}
	levels := map[string]int{}
	for _, m := range b.ex.eng.Movements() {
		levels[m.ID] = len(m.Levels)
	}
	first, last := pg.Trend[0], pg.Trend[len(pg.Trend)-1]
	v := &programmeView{Week: pg.Week, Chart: trendSVG(pg.Trend),
		Summary: fmt.Sprintf("Week %d. Pain %d at the first check-in and %d at the latest; %s.", pg.Week, first.PainLevel, last.PainLevel, report.AdherenceWords(pg))}
	// The trend is the profile's check-ins, in order: each row says how
	// much the pain limits the day where its check-in does, so that an
	// answer the check-in form asks for is shown, not only carried.
	cs := b.ex.p.CheckIns
	for i, p := range pg.Trend {
		row := trendRow{N: len(v.Trend) + 1, Day: p.Day, Week: p.Day/7 + 1, Pain: p.PainLevel, Function: "not given"}
		if len(cs) == len(pg.Trend) && cs[i].Function != nil {
			row.Function, v.Function = strconv.Itoa(*cs[i].Function), true
		}
		v.Trend = append(v.Trend, row)
	}
	for _, st := range pg.Steps {
		sv := stepView{
			Movement: st.Movement, Name: cmp.Or(b.o.Names[st.Movement], b.movementName(st.Movement)),
			Change: st.Change, Does: words.Capital(report.ChangeWords(st.Change)), Level: st.Level, Levels: levels[st.Movement],
			How: st.How, Dose: st.Dose, Because: st.Because, Facts: st.Facts, Rule: st.Rule, Citations: b.src.cites(st.Citations),
		}
		if st.Decided != "" {
			sv.Decided = report.DecidedWords(st.Decided)
		}
		v.Steps = append(v.Steps, sv)
	}
	v.Print = printLines(v.Steps)
	b.rv.Programme = v
}

// movementName returns the name the rule set gives movement id, or id.
func (b *builder) movementName(id string) string {
	for _, m := range b.ex.eng.Movements() {
		if m.ID == id {
			return m.Name
		}
	}
	return id
}

// The trend chart's geometry: a viewBox of chartW by chartH, with the plot
// inside the margins.
const (
	chartW, chartH                     = 320, 160
	chartLeft, chartRight              = 36, 12
	chartTop, chartBottom              = 24, 30
	plotW                              = chartW - chartLeft - chartRight
	plotH                              = chartH - chartTop - chartBottom
	chartStroke, chartGrid, chartLabel = "#0b4fa3", "#c9c9c9", "#4a4a4a"
)

// chartX returns the x of day in a chart of the days first to last: the
// middle when they are the same day.
func chartX(day, first, last int) float64 {
	if last <= first {
		return chartLeft + plotW/2
	}
	return chartLeft + float64(day-first)/float64(last-first)*plotW
}

// chartY returns the y of a pain level 0 to 10, 10 at the top.
func chartY(pain int) float64 {
	return chartTop + float64(10-min(max(pain, 0), 10))/10*plotH
}

// trendSummary says what the trend did, in a sentence, for the chart's
// description.
func trendSummary(trend []recommend.TrendPoint) string {
	if len(trend) == 0 {
		return ""
	}
	first, last := trend[0], trend[len(trend)-1]
	if len(trend) == 1 {
		return fmt.Sprintf("One check-in so far: pain %d on day %d.", first.PainLevel, first.Day)
	}
	change := "the same as"
	switch d := last.PainLevel - first.PainLevel; {
	case d < 0:
		change = fmt.Sprintf("%d %s lower than", -d, plural(-d, "point"))
	case d > 0:
		change = fmt.Sprintf("%d %s higher than", d, plural(d, "point"))
	}
	lo, hi := first.PainLevel, first.PainLevel
	for _, p := range trend {
		lo, hi = min(lo, p.PainLevel), max(hi, p.PainLevel)
	}
	return fmt.Sprintf("%d check-ins from day %d to day %d: pain %d at the first and %d at the latest, %s at the first; between %d and %d throughout.",
		len(trend), first.Day, last.Day, first.PainLevel, last.PainLevel, change, lo, hi)
}

func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// trendSVG draws the pain trend as a small line chart: days across, pain
// 0 to 10 up, a dot at each check-in. It is an image to assistive
// technology, named by its title and described by a summary of the trend;
// the page has a table of the same points. It uses presentation
// attributes only, no style attribute, so the page's Content-Security-
// Policy needs nothing for it.
func trendSVG(trend []recommend.TrendPoint) template.HTML {
	if len(trend) == 0 {
		return ""
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	first, last := trend[0].Day, trend[len(trend)-1].Day
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" role="img" aria-labelledby="trend-title" aria-describedby="trend-desc" viewBox="0 0 %d %d" width="%d" height="%d">`,
		chartW, chartH, chartW, chartH)
	fmt.Fprintf(&b, `<title id="trend-title">Pain at each check-in, 0 to 10</title><desc id="trend-desc">%s</desc>`, html.EscapeString(trendSummary(trend)))
	for _, pain := range []int{0, 5, 10} {
		y := f(chartY(pain))
		fmt.Fprintf(&b, `<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="%s" stroke-width="1"/>`, chartLeft, y, chartW-chartRight, y, chartGrid)
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end" dominant-baseline="middle" font-size="11" fill="%s">%d</text>`, chartLeft-6, y, chartLabel, pain)
	}
	days := []int{first}
	if last != first {
		days = append(days, last)
	}
	for i, d := range days {
		// The first and last days' labels start and end at their dots,
		// so that neither runs out of the frame.
		anchor := "middle"
		if len(days) > 1 {
			anchor = []string{"start", "end"}[i]
		}
		fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="%s" font-size="11" fill="%s">day %d</text>`, f(chartX(d, first, last)), chartH-chartBottom+16, anchor, chartLabel, d)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="%s">pain, 0 to 10</text>`, 2, 12, chartLabel)
	pts := make([]string, len(trend))
	for i, p := range trend {
		pts[i] = f(chartX(p.Day, first, last)) + "," + f(chartY(p.PainLevel))
	}
	if len(trend) > 1 {
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), chartStroke)
	}
	for _, p := range trend {
		fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3.5" fill="%s"/>`, f(chartX(p.Day, first, last)), f(chartY(p.PainLevel)), chartStroke)
	}
	b.WriteString(`</svg>`)
	// Every value above is a number or text escaped for the page.
	return template.HTML(b.String())
}

// thisWeek says, for a plan step, where the programme has its movement
// this week, when the programme has moved it from where it starts (the
// outline's Step.Week): the plan gives the dose it starts at.
func (pv *programmeView) thisWeek(st report.Step) string {
	switch w := st.Week; {
	case pv == nil || w == nil:
		return ""
	case w.Change == recommend.ChangeStop:
		return "Stopped for now: see This week."
	default:
		levels := 0
		for _, v := range pv.Steps {
			if v.Movement == w.Movement {
				levels = v.Levels
			}
		}
		return fmt.Sprintf("Level %d of %d (%s): %s", w.Level, max(levels, w.Level), report.ChangeWords(w.Change), w.Dose)
	}
}

// stepStatus says where the programme has each of its movements, for the
// check-in form: "Level 2 of 3, up a level this week".
func stepStatus(pv *programmeView) map[string]string {
	out := map[string]string{}
	if pv == nil {
		return out
	}
	for _, st := range pv.Steps {
		s := strings.ToLower(st.Does)
		if st.Change == recommend.ChangeStop {
			out[st.Movement] = words.Capital(s) + "."
			continue
		}
		out[st.Movement] = fmt.Sprintf("Level %d of %d this week (%s).", st.Level, max(st.Levels, st.Level), s)
	}
	return out
}
