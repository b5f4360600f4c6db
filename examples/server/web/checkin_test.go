package web

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/backrules/backrules/internal/golden"
	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// withForm returns a copy of form with the fields of extra added.
func withForm(form url.Values, extra url.Values) url.Values {
	out := url.Values{}
	maps.Copy(out, form)
	for k, v := range extra {
		out[k] = append(out[k], v...)
	}
	return out
}

var (
	hiddenCheckInRE = regexp.MustCompile(`<input type="hidden" name="check_in" value="([^"]*)">`)
	ciDayRE         = regexp.MustCompile(`<input type="text" id="ci_day" name="ci_day"[^>]* value="([^"]*)"`)
	trendRowRE      = regexp.MustCompile(`<tr><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>(?:<td>([^<]*)</td>)?</tr>`)
	stepRE          = regexp.MustCompile(`<li class="item step" data-movement="([^"]+)" data-change="([^"]+)"[^>]*>`)
)

// carried returns the earlier check-ins a page's form carries.
func carried(body string) []string {
	var out []string
	for _, m := range hiddenCheckInRE.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// TestCheckInRoundTrip posts a check-in, then another from the page that
// comes back, as a browser would: the second page carries both check-ins,
// shows both in the trend, and progresses walking, reported easier with
// the pain falling.
func TestCheckInRoundTrip(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	rec := post(h, withForm(discForm, url.Values{
		"ci_day": {"0"}, "ci_pain_level": {"6"}, "ci_movement": {"walking", "bird_dog"},
		"ci_sessions-walking": {"5"}, "ci_response-walking": {"same"}, "ci_sessions-bird_dog": {""},
	}))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, body:\n%s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	want := []string{`{"day":0,"pain_level":6,"done":[{"movement":"walking","sessions":5,"response":"same"}]}`}
	if diff := cmp.Diff(want, carried(body)); diff != "" {
		t.Fatalf("first page's check-ins (-want +got):\n%s", diff)
	}
	if m := ciDayRE.FindStringSubmatch(body); m == nil || m[1] != "7" {
		t.Errorf("the next check-in's day is %v, want 7", m)
	}
	if got := stepRE.FindAllStringSubmatch(section(body, "this-week"), -1); len(got) != 1 || got[0][1] != "walking" || got[0][2] != "start" {
		t.Errorf("steps after the first check-in = %v, want walking start", got)
	}

	// The second post: what the page's form sends.
	rec = post(h, withForm(discForm, url.Values{
		"check_in": carried(body), "ci_day": {"7"}, "ci_pain_level": {"4"}, "ci_function": {"3"},
		"ci_movement": {"walking"}, "ci_sessions-walking": {"6"}, "ci_response-walking": {"easier"},
	}))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, body:\n%s", rec.Code, rec.Body)
	}
	body = rec.Body.String()
	want = append(want, `{"day":7,"pain_level":4,"function":3,"done":[{"movement":"walking","sessions":6,"response":"easier"}]}`)
	if diff := cmp.Diff(want, carried(body)); diff != "" {
		t.Fatalf("second page's check-ins (-want +got):\n%s", diff)
	}
	week := section(body, "this-week")
	var rows [][]string
	for _, m := range trendRowRE.FindAllStringSubmatch(week, -1) {
		rows = append(rows, m[1:])
	}
	if diff := cmp.Diff([][]string{{"1", "0", "1", "6", "not given"}, {"2", "7", "2", "4", "3"}}, rows); diff != "" {
		t.Errorf("trend table (-want +got):\n%s", diff)
	}
	if got := stepRE.FindAllStringSubmatch(week, -1); len(got) != 1 || got[0][2] != "progress" {
		t.Errorf("steps after the second check-in = %v, want walking progress", got)
	}
	for _, w := range []string{"<h4>Walking: Up a level</h4>", `<p class="level"><span class="label">Level:</span> 2 of 3</p>`,
		`<summary>Sources<span class="visually-hidden"> (Walking, this week)</span></summary>`,
		`<summary>Why?<span class="visually-hidden"> (Walking, this week)</span></summary>`,
		"reported easier, 6 sessions since the previous check-in"} {
		if !strings.Contains(week, w) {
			t.Errorf("this week lacks %s", w)
		}
	}
	if m := ciDayRE.FindStringSubmatch(body); m == nil || m[1] != "14" {
		t.Errorf("the next check-in's day is %v, want 14", m)
	}
	// Changing the answers alone, with the day the form fills in, adds
	// no check-in and keeps both.
	rec = post(h, withForm(discForm, url.Values{"check_in": carried(body), "ci_day": {"14"}, "ci_pain_level": {""},
		"ci_movement": {"walking"}, "ci_sessions-walking": {""}, "sex": {"female"}}))
	if got := carried(rec.Body.String()); rec.Code != http.StatusOK || len(got) != 2 {
		t.Errorf("changing the answers: status %d, %d check-ins carried, want 200 and 2", rec.Code, len(got))
	}
	// The plan comes first (its steps carry this week's doses), then
	// This week with the trend.
	if i, j := strings.Index(body, `id="this-week"`), strings.Index(body, `id="plan"`); i < 0 || j < 0 || i < j {
		t.Errorf("this week at %d, the plan at %d: want the plan first", i, j)
	}
}

// TestEarlierCheckIns decodes the hidden check-ins: any number up to the
// bound round-trips, and each bad one is reported, positioned, never
// dropped.
func TestEarlierCheckIns(t *testing.T) {
	fn := 4
	var many []recommend.CheckIn
	for i := range recommend.MaxCheckIns {
		many = append(many, recommend.CheckIn{Day: 7 * i, PainLevel: 8 - i%8, Function: &fn, Done: []recommend.Done{
			{Movement: "walking", Sessions: i % 7, Response: recommend.ResponseSame},
			{Movement: "glute_bridge", Sessions: 3, Response: recommend.ResponseEasier},
		}})
	}
	for _, n := range []int{0, 1, 2, 13, recommend.MaxCheckIns} {
		t.Run(fmt.Sprintf("round trip of %d", n), func(t *testing.T) {
			enc, err := encodeCheckIns(many[:n])
			if err != nil {
				t.Fatal(err)
			}
			got, probs := decodeEarlier(enc)
			if len(probs) > 0 {
				t.Fatalf("problems: %v", probs)
			}
			if diff := cmp.Diff(many[:n], got, cmpEmpty); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	tests := []struct {
		name string
		vals []string
		want []problem
	}{
		{"not an object", []string{`{"day":0,"pain_level":5}`, `[{"day":7}]`},
			[]problem{{"check_in", `Earlier check-in 2 (check_ins[1]) is not a check-in: want one JSON object such as {"day":0,"pain_level":5}.`}}},
		{"an object and more", []string{`{"day":0,"pain_level":5}],"red_flags":["x"],"check_ins":[{"day":1,"pain_level":1}`},
			[]problem{{"check_in", `Earlier check-in 1 (check_ins[0]) is not a check-in: want one JSON object such as {"day":0,"pain_level":5}.`}}},
		{"out of range and unknown field", []string{`{"day":0,"pain_level":5}`, `{"day":7,"pain_level":11,"mood":2}`},
			[]problem{
				{"check_in", "Earlier check-in 2 (check_ins[1].pain_level): 11: out of range, want 0 to 10."},
				{"check_in", `Earlier check-in 2 (check_ins[1]): "mood": unknown field (the fields are day, pain_level, function, done).`},
			}},
		{"missing pain and a bad response type", []string{`{"day":0,"done":[{"movement":"walking","sessions":1,"response":3}]}`},
			[]problem{
				{"check_in", "Earlier check-in 1 (check_ins[0].done[0].response): 3: want a string, found a number."},
				{"check_in", "Earlier check-in 1 (check_ins[0].pain_level): missing: a check-in needs pain_level."},
			}},
		{"too many", make([]string, recommend.MaxCheckIns+1),
			[]problem{{"check_in", "The form carries 53 earlier check-ins, and a programme holds at most 52: start a new programme from the empty form."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, probs := decodeEarlier(tt.vals)
			if got != nil {
				t.Errorf("check-ins %v, want none", got)
			}
			if diff := cmp.Diff(tt.want, probs, cmp.AllowUnexported(problem{})); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// cmpEmpty treats a nil and an empty slice alike.
var cmpEmpty = cmp.Comparer(func(a, b []recommend.CheckIn) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return cmp.Equal(a, b)
})

// TestCheckInProblems posts check-ins with problems: each is shown on its
// field of the check-in, or on the check-in as a whole, and in the
// summary, with what was entered kept.
func TestCheckInProblems(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	earlier := []string{`{"day":7,"pain_level":5}`}
	tests := []struct {
		name string
		form url.Values
		// want are fragments of the page.
		want []string
	}{
		{"no pain", url.Values{"ci_day": {"0"}, "ci_movement": {"walking"}, "ci_sessions-walking": {"3"}, "ci_response-walking": {"same"}},
			[]string{`<a href="#ci_pain_level">Pain level at this check-in: Enter your pain level at this check-in, to check in.</a>`,
				`id="ci_response-walking-same" name="ci_response-walking" value="same" checked>`, `name="ci_sessions-walking" inputmode="numeric" autocomplete="off" value="3">`}},
		{"sessions without a response, and a response without sessions", url.Values{
			"ci_day": {"0"}, "ci_pain_level": {"4"}, "ci_movement": {"walking", "bird_dog"},
			"ci_sessions-walking": {"3"}, "ci_response-bird_dog": {"worse"}},
			[]string{`<a href="#ci_response-walking-easier">Walking, how it felt: Choose how it felt.</a>`,
				`<a href="#ci_sessions-bird_dog">Bird dog, times done: Enter how many times you did it since the last check-in, 0 if not at all.</a>`}},
		{"out of range", url.Values{"ci_day": {"-1"}, "ci_pain_level": {"11"}, "ci_function": {"ten"}},
			[]string{`<a href="#ci_day">Day of this check-in: Enter a whole number from 0 to 3650.</a>`,
				`<a href="#ci_pain_level">Pain level at this check-in: Enter a whole number from 0 to 10.</a>`,
				`<a href="#ci_function">How much it limits your day: Enter a whole number from 0 to 10.</a>`,
				`value="ten" aria-describedby="ci_function-hint ci_function-error" aria-invalid="true">`}},
		{"day going backwards, from the engine", url.Values{"check_in": earlier, "ci_day": {"3"}, "ci_pain_level": {"4"}},
			[]string{`<a href="#ci_day">Day of this check-in: 3: goes backwards: check_ins[0] is day 7; list check-ins oldest first.</a>`,
				`<input type="hidden" name="check_in" value="{&#34;day&#34;:7,&#34;pain_level&#34;:5}">`}},
		{"unknown movement and response, from the engine", url.Values{"ci_day": {"0"}, "ci_pain_level": {"4"},
			"ci_sessions-walkin": {"2"}, "ci_response-walkin": {"same"}, "ci_sessions-walking": {"1"}, "ci_response-walking": {"better"}},
			[]string{`<a href="#ci_sessions-walkin">walkin, times done: &#34;walkin&#34;: unknown movement (did you mean &#34;walking&#34;?).</a>`,
				`<a href="#ci_response-walking-easier">Walking, how it felt: &#34;better&#34;: unknown response (the responses are easier, same, harder, worse).</a>`}},
		{"an earlier check-in the page cannot read", url.Values{"check_in": {`{"day":0,"pain_level":"5"}`}, "ci_day": {"7"}, "ci_pain_level": {"4"}},
			[]string{`<a href="#check-in">Check-in: Earlier check-in 1 (check_ins[0].pain_level): &#34;5&#34;: want a number, found a string.</a>`}},
		{"too many check-ins, from the engine", url.Values{"check_in": fiftyTwo(), "ci_day": {"400"}, "ci_pain_level": {"4"}},
			[]string{`<a href="#check-in">Check-in: Check-ins: (53 entries): too many check-ins, the most is 52.</a>`,
				`This programme has as many check-ins as one form can carry.`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, withForm(discForm, tt.form))
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", rec.Code)
			}
			body := rec.Body.String()
			if strings.Contains(body, `id="result"`) {
				t.Error("a page with problems shows a result")
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %s", w)
				}
			}
		})
	}
}

// fiftyTwo returns the most earlier check-ins a form may carry.
func fiftyTwo() []string {
	out := make([]string, recommend.MaxCheckIns)
	for i := range out {
		out[i] = fmt.Sprintf(`{"day":%d,"pain_level":5}`, 7*i)
	}
	return out
}

// TestCheckInFitsTheForm checks that a full programme, 52 check-ins
// reporting every movement of the disc herniation's check-in form, fits in
// a form of MaxFormBytes with the profile, and that the page then asks
// for no more check-ins.
func TestCheckInFitsTheForm(t *testing.T) {
	eng := defaultEngine(t)
	h := newHandler(t, eng)
	body := post(h, discForm).Body.String()
	ids := regexp.MustCompile(`name="ci_movement" value="([^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(ids) < 3 {
		t.Fatalf("the check-in asks about %d movements, want several", len(ids))
	}
	var cs []recommend.CheckIn
	for i := range recommend.MaxCheckIns {
		c := recommend.CheckIn{Day: 7 * i, PainLevel: 10, Function: new(int)}
		for _, m := range ids {
			c.Done = append(c.Done, recommend.Done{Movement: m[1], Sessions: recommend.MaxSessions, Response: recommend.ResponseHarder})
		}
		cs = append(cs, c)
	}
	enc, err := encodeCheckIns(cs)
	if err != nil {
		t.Fatal(err)
	}
	form := withForm(discForm, url.Values{"check_in": enc})
	n := len(form.Encode())
	t.Logf("%d check-ins of %d movements: %d bytes", len(cs), len(ids), n)
	if n > MaxFormBytes {
		t.Fatalf("%d check-ins of %d movements take %d bytes, more than MaxFormBytes %d", len(cs), len(ids), n, MaxFormBytes)
	}
	rec := post(h, form)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if !strings.Contains(rec.Body.String(), "This programme has as many check-ins as one form can carry.") {
		t.Error("a full programme still asks for a check-in")
	}
	if got := len(carried(rec.Body.String())); got != recommend.MaxCheckIns {
		t.Errorf("the page carries %d check-ins, want %d", got, recommend.MaxCheckIns)
	}
}

// TestCheckInWithheld checks that a red flag that withholds advice wins
// over the programme: the referral first, no programme and no check-in,
// while the form still carries the check-ins.
func TestCheckInWithheld(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	earlier := []string{`{"day":0,"pain_level":6,"done":[{"movement":"walking","sessions":5,"response":"same"}]}`}
	rec := post(h, withForm(saddleForm, url.Values{"check_in": earlier, "ci_day": {"7"}, "ci_pain_level": {"4"},
		"ci_movement": {"walking"}, "ci_sessions-walking": {"6"}, "ci_response-walking": {"easier"}}))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	if !strings.Contains(body, `<section id="referrals"`) || !strings.Contains(body, `<section id="on-hold"`) {
		t.Error("no referral or no advice on hold")
	}
	for _, unwanted := range []string{`id="this-week"`, `id="check-in"`, `<svg`} {
		if strings.Contains(body, unwanted) {
			t.Errorf("advice withheld, and the page has %s", unwanted)
		}
	}
	if got := carried(body); len(got) != 2 {
		t.Errorf("the form carries %d check-ins, want the 2 it was sent", len(got))
	}
}

// TestCheckInGolden is the page after two check-ins.
func TestCheckInGolden(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	rec := post(h, withForm(discForm, url.Values{
		"check_in":      {`{"day":0,"pain_level":6,"done":[{"movement":"walking","sessions":5,"response":"same"},{"movement":"bird_dog","sessions":3,"response":"same"}]}`},
		"ci_day":        {"7"},
		"ci_pain_level": {"4"},
		"ci_movement":   {"walking", "bird_dog"}, "ci_sessions-walking": {"6"}, "ci_response-walking": {"easier"},
		"ci_sessions-bird_dog": {"2"}, "ci_response-bird_dog": {"worse"},
	}))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	golden.Check(t, filepath.Join("testdata", "golden", "check-in.html"), rec.Body.Bytes(), *update)
}

// TestTrendSVG checks that the chart is well-formed XML with an accessible
// name and description, and a dot at each check-in's day and pain.
func TestTrendSVG(t *testing.T) {
	tests := []struct {
		name  string
		trend []recommend.TrendPoint
		desc  string
	}{
		{"one", []recommend.TrendPoint{{Day: 0, PainLevel: 6}}, "One check-in so far: pain 6 on day 0."},
		{"falling", trendOf(0, 7, 7, 6, 14, 6, 21, 3),
			"4 check-ins from day 0 to day 21: pain 7 at the first and 3 at the latest, 4 points lower than at the first; between 3 and 7 throughout."},
		{"flare", trendOf(0, 4, 3, 7, 10, 0, 10, 10, 17, 5),
			"5 check-ins from day 0 to day 17: pain 4 at the first and 5 at the latest, 1 point higher than at the first; between 0 and 10 throughout."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg := string(trendSVG(tt.trend))
			got := parseChart(t, svg)
			if got.Role != "img" || got.Title == "" || got.LabelledBy != "trend-title" || got.DescribedBy != "trend-desc" {
				t.Errorf("chart not an image with a name: %+v", got)
			}
			if got.Desc != tt.desc {
				t.Errorf("desc = %q, want %q", got.Desc, tt.desc)
			}
			// Each dot, read back through the chart's scale, is a
			// check-in's day and pain.
			first, last := tt.trend[0].Day, tt.trend[len(tt.trend)-1].Day
			var dots []recommend.TrendPoint
			for _, c := range got.Circles {
				day := first
				if last > first {
					day = first + int(math.Round((c.X-chartLeft)/plotW*float64(last-first)))
				} else if c.X != chartLeft+plotW/2 {
					t.Errorf("one day's dot at x %g, want the middle", c.X)
				}
				dots = append(dots, recommend.TrendPoint{Day: day, PainLevel: int(math.Round(10 - (c.Y-chartTop)/plotH*10))})
			}
			if diff := cmp.Diff(tt.trend, dots); diff != "" {
				t.Errorf("dots (-want +got):\n%s", diff)
			}
			var line []string
			for _, c := range got.Circles {
				line = append(line, strconv.FormatFloat(c.X, 'f', 1, 64)+","+strconv.FormatFloat(c.Y, 'f', 1, 64))
			}
			if len(tt.trend) > 1 && got.Points != strings.Join(line, " ") {
				t.Errorf("the line %q does not join the dots %q", got.Points, line)
			}
			if strings.Contains(svg, "style=") || strings.Contains(svg, "<script") {
				t.Error("the chart has a style attribute or a script, which the page's policy blocks")
			}
		})
	}
	if trendSVG(nil) != "" {
		t.Error("a chart without check-ins")
	}
}

// trendOf returns a trend of pairs of day and pain.
func trendOf(dayPain ...int) []recommend.TrendPoint {
	var out []recommend.TrendPoint
	for i := 0; i+1 < len(dayPain); i += 2 {
		out = append(out, recommend.TrendPoint{Day: dayPain[i], PainLevel: dayPain[i+1]})
	}
	return out
}

// chart is what TestTrendSVG reads of a chart.
type chart struct {
	Role, LabelledBy, DescribedBy, Title, Desc, Points string
	Circles                                            []struct{ X, Y float64 }
}

// parseChart parses svg as XML, strictly.
func parseChart(t *testing.T, svg string) chart {
	t.Helper()
	var c chart
	dec := xml.NewDecoder(strings.NewReader(svg))
	dec.Strict = true
	var in string
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the chart is not XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			in = tok.Name.Local
			attr := map[string]string{}
			for _, a := range tok.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch in {
			case "svg":
				c.Role, c.LabelledBy, c.DescribedBy = attr["role"], attr["aria-labelledby"], attr["aria-describedby"]
			case "polyline":
				c.Points = attr["points"]
			case "circle":
				x, err1 := strconv.ParseFloat(attr["cx"], 64)
				y, err2 := strconv.ParseFloat(attr["cy"], 64)
				if err1 != nil || err2 != nil {
					t.Fatalf("circle %v", attr)
				}
				c.Circles = append(c.Circles, struct{ X, Y float64 }{x, y})
			}
		case xml.CharData:
			switch in {
			case "title":
				c.Title += string(tok)
			case "desc":
				c.Desc += string(tok)
			}
		case xml.EndElement:
			depth--
			in = ""
		}
	}
	if depth != 0 {
		t.Fatal("unbalanced elements")
	}
	return c
}

// TestCheckInFieldsAccepted checks that every field of the result page's
// form is one the page reads, as TestRenderedFieldsAccepted does for the
// empty form.
func TestCheckInFieldsAccepted(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	body := post(h, withForm(discForm, url.Values{"ci_day": {"0"}, "ci_pain_level": {"5"}})).Body.String()
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`<(?:input|select|textarea)[^>]*\sname="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		names[m[1]] = true
	}
	for _, want := range []string{"check_in", "ci_day", "ci_pain_level", "ci_function", "ci_movement", "ci_sessions-walking", "ci_response-walking"} {
		if !names[want] {
			t.Errorf("the form has no field %q", want)
		}
	}
	for name := range names {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(url.Values{name: {""}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if strings.Contains(rec.Body.String(), "This form has no field") {
			t.Errorf("the page refuses the field %q that its own form renders", name)
		}
	}
	// The engine's wire form of a check-in is the form's: what the page
	// carries decodes as a profile's check_ins entry.
	for _, v := range carried(body) {
		var c recommend.CheckIn
		if err := json.Unmarshal([]byte(v), &c); err != nil {
			t.Error(err)
		}
	}
}

// FuzzEarlierCheckIn feeds decodeEarlier any value: it never panics, and
// a value it accepts encodes to a check-in that decodes the same.
func FuzzEarlierCheckIn(f *testing.F) {
	for _, s := range []string{`{"day":0,"pain_level":5}`, `{"day":7,"pain_level":4,"function":3,"done":[{"movement":"walking","sessions":6,"response":"easier"}]}`,
		`{"day":0,"pain_level":5}],"red_flags":["x"],"check_ins":[{"day":1,"pain_level":1}`, `[]`, `{"day":1e1,"pain_level":7.0}`, ` {"day":0,"pain_level":5,"day":1} `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, probs := decodeEarlier([]string{v})
		if len(probs) > 0 {
			if got != nil {
				t.Fatalf("check-ins %v with problems %v", got, probs)
			}
			return
		}
		if len(got) != 1 {
			t.Fatalf("%d check-ins from one value", len(got))
		}
		enc, err := encodeCheckIns(got)
		if err != nil {
			t.Fatal(err)
		}
		again, probs := decodeEarlier(enc)
		if diff := cmp.Diff(got, again); diff != "" || len(probs) > 0 {
			t.Fatalf("re-encoded %s: problems %v, (-first +again):\n%s", enc[0], probs, diff)
		}
	})
}

// TestCheckInReview checks that a review the programme calls for is shown
// as a referral, before This week: six weeks without a meaningful fall in
// pain.
func TestCheckInReview(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	var earlier []string
	for i := range 6 {
		earlier = append(earlier, fmt.Sprintf(`{"day":%d,"pain_level":6,"done":[{"movement":"walking","sessions":5,"response":"same"}]}`, 7*i))
	}
	rec := post(h, withForm(discForm, url.Values{"check_in": earlier, "ci_day": {"42"}, "ci_pain_level": {"6"}}))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	if !strings.Contains(section(body, "referrals"), "Six weeks or more into the programme, your pain has not eased") {
		t.Error("no review referral after six weeks without improvement")
	}
	if i, j := strings.Index(body, `id="referrals"`), strings.Index(body, `id="this-week"`); i < 0 || j < i {
		t.Errorf("referrals at %d, this week at %d: want the referral first", i, j)
	}
}

// TestPlanGivesThisWeeksDose checks that a plan step the programme has
// moved or stopped shows this week's level and dose in place of its
// starting dose, on the page and so in the printed handout, as the text
// report does; a step the programme has not moved keeps its dose.
func TestPlanGivesThisWeeksDose(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	rec := post(h, withForm(discForm, url.Values{
		"check_in": {`{"day":0,"pain_level":5,"done":[{"movement":"walking","sessions":5,"response":"same"},{"movement":"bird_dog","sessions":3,"response":"worse"}]}`},
		"ci_day":   {"7"}, "ci_pain_level": {"4"}, "ci_movement": {"walking", "bird_dog"},
		"ci_sessions-walking": {"5"}, "ci_response-walking": {"easier"}, "ci_sessions-bird_dog": {"3"}, "ci_response-bird_dog": {"worse"},
	}))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", rec.Code, rec.Body)
	}
	plan := section(rec.Body.String(), "plan")
	line := func(li, label string) string {
		m := regexp.MustCompile(`<p><span class="label">` + label + `:</span> ([^<]*)</p>`).FindStringSubmatch(li)
		if m == nil {
			return ""
		}
		return html.UnescapeString(m[1])
	}
	type lines struct{ Dose, ThisWeek string }
	tests := []struct {
		movement string
		want     lines
	}{
		{"walking", lines{ThisWeek: "Level 2 of 3 (up a level): Walks of 15 to 20 minutes most days, at a pace that still lets you talk."}},
		{"bird_dog", lines{ThisWeek: "Stopped for now: see This week."}},
		{"towel_stretch", lines{Dose: "3 to 5 minutes, several times a day."}},
	}
	for _, tt := range tests {
		t.Run(tt.movement, func(t *testing.T) {
			m := regexp.MustCompile(`(?s)<li class="item" data-movements="` + tt.movement + `">(.*?)</li>`).FindStringSubmatch(plan)
			if m == nil {
				t.Fatalf("%s is not a plan step:\n%s", tt.movement, plan)
			}
			got := lines{line(m[1], "Dose"), line(m[1], "This week")}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("plan step %s (-want +got):\n%s", tt.movement, diff)
			}
		})
	}
}

// TestStoppedShowsNoPicture checks that a movement the programme stopped
// this week, in the plan or the also-helpful list, is shown on the page
// (and so in the printed handout) without its picture, how, cautions or
// reason, as the text and Markdown reports show it: a picture and a how
// beside "Stopped for now" would still show the person how to do it, and
// the plan's reason for it would still urge it (bird dog's "Start here,
// before stretching."). A movement still going keeps them.
func TestStoppedShowsNoPicture(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	checkIn := func(day int, response string) string {
		return fmt.Sprintf(`{"day":%d,"pain_level":6,"done":[{"movement":"walking","sessions":3,"response":"same"},`+
			`{"movement":"towel_stretch","sessions":3,"response":%q},{"movement":"bed_decompression","sessions":3,"response":%q}]}`, day, response, response)
	}
	rec := post(h, withForm(url.Values{
		"conditions": {"disc_herniation", "sciatica"}, "red_flags": {"pain_below_knee"}, "aggravated_by": {"bending_forward", "sitting"},
		"equipment": {"towel", "bed"}, "pain_level": {"6"}, "days_since_onset": {"21"}, "sitting_hours": {"8"}, "age": {"42"},
	}, url.Values{"check_in": {checkIn(0, "same"), checkIn(7, "worse")}}))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	type shown struct{ Picture, How, Care, Why bool }
	tests := []struct {
		section, movement string
		want              shown
	}{
		{"plan", "towel_stretch", shown{}},
		{"also-helpful", "bed_decompression", shown{}},
		{"plan", "walking", shown{Picture: true, How: true, Why: true}},
	}
	for _, tt := range tests {
		t.Run(tt.movement, func(t *testing.T) {
			m := regexp.MustCompile(`(?s)<li class="item[^"]*" data-movements="` + tt.movement + `">(.*?)<details`).FindStringSubmatch(section(body, tt.section))
			if m == nil {
				t.Fatalf("%s is not in %s", tt.movement, tt.section)
			}
			got := shown{strings.Contains(m[1], `<img class="picture"`), strings.Contains(m[1], "How:"), strings.Contains(m[1], "Take care:"), strings.Contains(m[1], "Why:")}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s in %s (-want +got):\n%s", tt.movement, tt.section, diff)
			}
		})
	}
	for _, id := range []string{"towel_stretch", "bed_decompression"} {
		if !regexp.MustCompile(`data-movement="` + id + `" data-change="stop"`).MatchString(body) {
			t.Errorf("the check-ins did not stop %s this week", id)
		}
	}
	// The "Why?" of the plan's stopped step says it is stopped, not only
	// that the advice recommends it.
	m := regexp.MustCompile(`(?s)<li class="item[^"]*" data-movements="towel_stretch">.*?(?:<li class="item|</ol>)`).FindString(section(body, "plan"))
	if want := "Recommended by the advice, but stopped this week by the programme."; !strings.Contains(m, want) {
		t.Errorf("the plan's stopped towel stretch does not say %q:\n%s", want, m)
	}
}

// TestCheckInPainReachesTheAdvice checks that the pain of the page's
// check-in, the latest, reaches the advice: the rules read the higher of
// it and the form's pain level, so a check-in of 9 beside a pain level of
// 3 brings the high-pain caution (pain 7 or more); and that the two pain
// inputs have labels that tell them apart.
func TestCheckInPainReachesTheAdvice(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	const caution = "Your pain is high today."
	tests := []struct {
		name, pain, checkIn string
		want                bool
	}{
		{"pain 3, check-in 9", "3", "9", true},
		{"pain 3, check-in 4", "3", "4", false},
		{"pain 8, check-in 4", "8", "4", true},
	}
	labels := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := withForm(url.Values{"conditions": {"chronic_stiffness"}, "pain_level": {tt.pain}}, url.Values{
				"check_in": {`{"day":0,"pain_level":` + tt.pain + `}`}, "ci_day": {"7"}, "ci_pain_level": {tt.checkIn}})
			rec := post(h, form)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d:\n%s", rec.Code, rec.Body)
			}
			body := rec.Body.String()
			if diff := cmp.Diff(tt.want, strings.Contains(body, caution)); diff != "" {
				t.Errorf("the high-pain caution %q on the page (-want +got):\n%s", caution, diff)
			}
			for _, id := range []string{"pain_level", "ci_pain_level"} {
				m := regexp.MustCompile(`<label for="` + id + `"[^>]*>([^<]*)<`).FindStringSubmatch(body)
				if m == nil {
					t.Fatalf("no label for %s", id)
				}
				labels[id] = strings.TrimSpace(m[1])
			}
		})
	}
	if labels["pain_level"] == labels["ci_pain_level"] {
		t.Errorf("the form's pain level and the check-in's pain are both labelled %q", labels["pain_level"])
	}
}

// TestPrintLines checks This week as the handout prints it: the steps
// that stop for the same reason share a line, and every other step has
// its own, with its level and dose, and its reason only where it steps
// back or the advice decided its change.
func TestPrintLines(t *testing.T) {
	avoid := "The advice for this profile says to avoid it for now."
	worse := "It made the pain worse at its easiest level, so it stops."
	steps := []stepView{
		{Name: "Towel decompression", Change: "stop", Does: "Stop for now", Level: 1, Because: avoid, Decided: "the advice for this profile avoids it"},
		{Name: "Walking", Change: "progress", Does: "Up a level", Level: 2, Levels: 3, Dose: "Walks of 15 minutes.", Because: "It felt easier."},
		{Name: "Bird dog", Change: "stop", Does: "Stop for now", Level: 1, Because: worse},
		{Name: "Cat-cow", Change: "stop", Does: "Stop for now", Level: 1, Because: avoid, Decided: "the advice for this profile avoids it"},
		{Name: "Glute bridge", Change: "regress", Does: "Down a level", Level: 1, Levels: 3, Dose: "8 repeats.", Because: "A flare."},
		{Name: "Plank", Change: "hold", Does: "Stay at this level", Level: 1, Levels: 1, Dose: "Hold 10 seconds.", Because: "A referral comes first.", Decided: "an urgent or emergency referral comes first"},
		{Name: "Heat", Change: "start", Does: "Start", Level: 1, Dose: "15 minutes.", Because: "It starts at the level its dose gives."},
	}
	want := []printLine{
		{Head: "Towel decompression and Cat-cow: stop for now", Why: avoid},
		{Head: "Walking: up a level", Dose: "Level 2 of 3: Walks of 15 minutes."},
		{Head: "Bird dog: stop for now", Why: worse},
		{Head: "Glute bridge: down a level", Dose: "Level 1 of 3: 8 repeats.", Why: "A flare."},
		{Head: "Plank: stay at this level", Dose: "Level 1 of 1: Hold 10 seconds.", Why: "A referral comes first."},
		{Head: "Heat: start", Dose: "Level 1: 15 minutes."},
	}
	if diff := cmp.Diff(want, printLines(steps)); diff != "" {
		t.Errorf("printLines (-want +got):\n%s", diff)
	}
}

// TestTrendTableShowsFunction checks that the trend's table shows how much
// the pain limits the day, at the check-ins that say, beside the pain: the
// check-in form asks for it, and the page showed it nowhere. Without any
// check-in that says, the table has no such column.
func TestTrendTableShowsFunction(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	cellRE := regexp.MustCompile(`<t[dh][^>]*>([^<]*)</t[dh]>`)
	tests := []struct {
		name     string
		checkIns []string
		want     [][]string // the table's rows, its head first
	}{
		{"none says", []string{`{"day":0,"pain_level":6}`, `{"day":7,"pain_level":5}`},
			[][]string{{"Check-in", "Day", "Week", "Pain"}, {"1", "0", "1", "6"}, {"2", "7", "2", "5"}}},
		{"one says", []string{`{"day":0,"pain_level":6}`, `{"day":7,"pain_level":5,"function":4}`},
			[][]string{{"Check-in", "Day", "Week", "Pain", "Limits the day"}, {"1", "0", "1", "6", "not given"}, {"2", "7", "2", "5", "4"}}},
		{"each says, 0 too", []string{`{"day":0,"pain_level":6,"function":7}`, `{"day":7,"pain_level":5,"function":0}`},
			[][]string{{"Check-in", "Day", "Week", "Pain", "Limits the day"}, {"1", "0", "1", "6", "7"}, {"2", "7", "2", "5", "0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, withForm(discForm, url.Values{"check_in": tt.checkIns}))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, body:\n%s", rec.Code, rec.Body)
			}
			table := section(rec.Body.String(), "this-week")
			_, table, _ = strings.Cut(table, `<table id="trend-table">`)
			table, _, _ = strings.Cut(table, `</table>`)
			var rows [][]string
			for _, tr := range strings.Split(table, "<tr>")[1:] {
				var row []string
				for _, m := range cellRE.FindAllStringSubmatch(tr, -1) {
					row = append(row, m[1])
				}
				rows = append(rows, row)
			}
			if diff := cmp.Diff(tt.want, rows); diff != "" {
				t.Errorf("trend table (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPageGivesTheLevelsHow checks that where the programme has a
// movement at a level that gives its own how, the plan step and This
// week show that how (the plan step in place of the movement's), and
// that a level without one keeps the movement's how.
func TestPageGivesTheLevelsHow(t *testing.T) {
	const brisk = testrules.BriskWalking
	eng, err := recommend.Load(testrules.LevelHow(t))
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, eng)
	const walking = "Walk at an easy pace on flat ground, as far as is comfortable."
	week := []string{`{"day":0,"pain_level":6,"done":[{"movement":"walking","sessions":5,"response":"same"}]}`,
		`{"day":7,"pain_level":5,"done":[{"movement":"walking","sessions":5,"response":"easier"}]}`,
		`{"day":14,"pain_level":4,"done":[{"movement":"walking","sessions":5,"response":"easier"}]}`}
	howRE := regexp.MustCompile(`<p(?: class="how")?><span class="label">How:</span> ([^<]*)</p>`)
	tests := []struct {
		name     string
		checkIns []string
		want     []string // the how of walking in the plan, then in This week
	}{
		{"level 2 gives no how", week[:2], []string{walking}},
		{"level 3 gives its own", week, []string{brisk, brisk}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, withForm(discForm, url.Values{"check_in": tt.checkIns}))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, body:\n%s", rec.Code, rec.Body)
			}
			body := rec.Body.String()
			var got []string
			for _, sec := range []string{"plan", "this-week"} {
				li := itemOf(section(body, sec), "Walking")
				if sec == "this-week" {
					_, li, _ = strings.Cut(section(body, sec), `data-movement="walking"`)
					li, _, _ = strings.Cut(li, "</li>")
				}
				for _, m := range howRE.FindAllStringSubmatch(li, -1) {
					got = append(got, html.UnescapeString(m[1]))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("walking's how (-want +got):\n%s", diff)
			}
		})
	}
}
