package report_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/backrules/backrules/internal/fuzzseed"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
	"github.com/google/go-cmp/cmp"
)

func writeShort(t *testing.T, res *recommend.Result) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteText(&b, res); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestShortReportSharedText checks that a reason or caution shared by
// several movements is printed once and referred back to, that lines that
// would read the same are merged (X and Y: a second reason that heads a
// line of its own, Z's, is not said again), and that references number
// sources, not citations.
func TestShortReportSharedText(t *testing.T) {
	guide := func(locator string) recommend.Citation {
		return recommend.CitationOf(recommend.Source{ID: "guide", Title: "Guide", Kind: "guideline"}, locator, "C.")
	}
	blog := recommend.CitationOf(recommend.Source{ID: "blog", Title: "Blog", Kind: "personal_account"}, "paragraph 1", "C.")
	careful := recommend.NoteOf("c", "Go gently.")
	res := &recommend.Result{
		Plan: []recommend.PlanStep{
			{Movement: "a", Name: "A", Priority: 1, Reason: recommend.NoteOf("r", "Same reason.")},
			{Movement: "b", Name: "B", Priority: 1, Reason: recommend.NoteOf("r", "Same reason.")},
		},
		Recommended: []recommend.Item{
			{Movement: "a", Text: recommend.MovementTextOf("A", "", "How A.", "Dose A."), Cautions: []recommend.Note{careful}, Citations: []recommend.Citation{guide("1"), guide("2")}},
			{Movement: "b", Text: recommend.MovementTextOf("B", "", "How B.", "Dose B."), Citations: []recommend.Citation{guide("1")}},
			{Movement: "c", Text: recommend.MovementTextOf("C", "", "How C.", "Twice."), Cautions: []recommend.Note{careful}, Citations: []recommend.Citation{blog}},
			{Movement: "d", Text: recommend.MovementTextOf("D", "", "How D.", "Once."), Citations: []recommend.Citation{guide("3")}},
			{Movement: "e", Text: recommend.MovementTextOf("E", "", "How E.", "Once."), Citations: []recommend.Citation{guide("3")}},
		},
		Avoided: []recommend.Item{
			{Movement: "x", Text: recommend.MovementTextOf("X", "", "", ""), Reasons: []recommend.Note{recommend.NoteOf("v", "It hurts."), recommend.NoteOf("w", "Other.")}, Citations: []recommend.Citation{blog}},
			{Movement: "y", Text: recommend.MovementTextOf("Y", "", "", ""), Reasons: []recommend.Note{recommend.NoteOf("v", "It hurts."), recommend.NoteOf("w", "Other.")}, Citations: []recommend.Citation{guide("4")}},
			{Movement: "z", Text: recommend.MovementTextOf("Z", "", "", ""), Reasons: []recommend.Note{recommend.NoteOf("w", "Other.")}, Citations: []recommend.Citation{guide("4")}},
		},
		Disclaimer: "Disclaimer.",
	}
	want := `START WITH
  1. A
     How: How A.
     Dose: Dose A.
     Why: Same reason. [1]
     Take care: Go gently.
  2. B
     How: How B.
     Dose: Dose B.
     Why: As for A. [1]

ALSO HELPFUL
  - C: Twice. Take care: As for A. [2]
  - D and E: Once. [1]

AVOID FOR NOW
  - X and Y: It hurts. [1,2]
  - Z: Other. [1]

SOURCES
  [1] Guide (guideline)
  [2] Blog (personal account)

Disclaimer.
`
	if diff := cmp.Diff(want, writeShort(t, res)); diff != "" {
		t.Errorf("short report (-want +got):\n%s", diff)
	}
}

// TestShortReportOneTakeCare checks that a line of "Also helpful" with
// several cautions has one "Take care": its own cautions first, then one
// "As for" naming each movement whose caution it shares once, rather than
// a "Take care:" for each ("Take care: Keep it easy. Take care: As for
// Bird dog.").
func TestShortReportOneTakeCare(t *testing.T) {
	guide := recommend.CitationOf(recommend.Source{ID: "guide", Title: "Guide", Kind: "guideline"}, "1", "C.")
	gently := recommend.NoteOf("g", "Go gently.")
	small := recommend.NoteOf("s", "Keep it small.")
	own := recommend.NoteOf("o", "Its own care.")
	item := func(id, name string, cautions ...recommend.Note) recommend.Item {
		return recommend.Item{Movement: id, Text: recommend.MovementTextOf(name, "", "How.", "Dose "+name+"."), Cautions: cautions, Citations: []recommend.Citation{guide}}
	}
	res := &recommend.Result{
		Plan: []recommend.PlanStep{{Movement: "a", Name: "A", Priority: 1}, {Movement: "b", Name: "B", Priority: 1}},
		Recommended: []recommend.Item{
			item("a", "A", gently),
			item("b", "B", small),
			item("c", "C", own, gently, small),
			item("d", "D", own, gently),
			item("e", "E", gently),
		},
		Disclaimer: "Disclaimer.",
	}
	want := []string{
		"  - C: Dose C. Take care: Its own care. As for A and B. [1]",
		"  - D: Dose D. Take care: As for C and A. [1]",
		"  - E: Dose E. Take care: As for A. [1]",
	}
	var got []string
	for _, line := range strings.Split(writeShort(t, res), "\n") {
		if strings.HasPrefix(line, "  - ") {
			got = append(got, line)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("also-helpful lines (-want +got):\n%s", diff)
	}
}

// TestShortReportOddResults checks that the short writers take any Result,
// including ones a caller built or edited by hand, without panicking, and
// always end with the disclaimer.
func TestShortReportOddResults(t *testing.T) {
	tests := []struct {
		name string
		res  *recommend.Result
		want []string // lines the text report must hold
	}{
		{"zero", &recommend.Result{}, []string{"  - No movement matched this profile."}},
		{"plan step not recommended", &recommend.Result{Plan: []recommend.PlanStep{{Movement: "ghost", Name: "Ghost"}}}, []string{"  1. Ghost"}},
		{"urgency unknown or empty", &recommend.Result{Referrals: []recommend.Referral{{Message: "Go."}, {Urgency: "ñoño", Message: "Now."}}},
			[]string{"  - : Go.", "  - Ñoño: Now."}},
		{"unknown kinds", &recommend.Result{
			Messages:  []recommend.Message{{Kind: "gossip", Text: "Hi."}},
			Conflicts: []recommend.Conflict{{Movement: "m", Name: "M", Resolution: "odd"}},
		}, []string{"  - Hi.", "  - M: a source suggests it ."}},
		{"withheld", &recommend.Result{Withheld: true}, []string{"MOVEMENT ADVICE ON HOLD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.res.Disclaimer = "The disclaimer."
			text := writeShort(t, tt.res)
			lines := strings.Split(text, "\n")
			for _, w := range append(tt.want, "The disclaimer.") {
				found := false
				for _, l := range lines {
					found = found || l == w
				}
				if !found {
					t.Errorf("report has no line %q:\n%s", w, text)
				}
			}
			var md bytes.Buffer
			if err := report.WriteMarkdown(&md, tt.res); err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(md.String(), "*The disclaimer.*\n") {
				t.Errorf("Markdown does not end with the disclaimer:\n%s", md.String())
			}
		})
	}
}

// TestMarkdownEscapes checks that text from the rules cannot add Markdown
// markup, links or HTML, and that only web addresses become links.
func TestMarkdownEscapes(t *testing.T) {
	res := &recommend.Result{
		Messages: []recommend.Message{{Kind: recommend.MessageKindSafetyNet, Text: "Click [here](javascript:alert(1)) <script>x</script> *now* # _a_ `b`",
			Citations: []recommend.Citation{recommend.CitationOf(recommend.Source{ID: "s", Title: "T|itle", Kind: "guideline", URL: "javascript:alert(1)"}, "", "")}}},
		Avoided: []recommend.Item{{Movement: "m", Text: recommend.MovementTextOf("M\nline", "", "", ""), Reasons: []recommend.Note{recommend.NoteOf("", "Why\n\n# heading")},
			Citations: []recommend.Citation{recommend.CitationOf(recommend.Source{ID: "w", Title: "Web", Kind: "clinic_article", URL: "https://example.org/a b<c>"}, "", ""),
				recommend.CitationOf(recommend.Source{ID: "ok", Title: "Link", Kind: "clinic_article", URL: "https://example.org/ok"}, "", "")}}},
		Disclaimer: "Note.",
	}
	var b bytes.Buffer
	if err := report.WriteMarkdown(&b, res); err != nil {
		t.Fatal(err)
	}
	want := "## Key messages\n\n" +
		"- **Click \\[here\\](javascript:alert(1)) \\<script\\>x\\</script\\> \\*now\\* \\# \\_a\\_ \\`b\\` \\[1\\]**\n\n" +
		"## Recommended\n\n- No movement matched this profile.\n\n" +
		"## Avoid for now\n\n" +
		"- M line: Why \\# heading \\[2,3\\]\n\n" +
		"## Sources\n\n" +
		"1. T\\|itle (guideline) javascript:alert(1)\n" +
		"2. Web (clinic article) https://example.org/a b\\<c\\>\n" +
		"3. Link (clinic article) <https://example.org/ok>\n\n" +
		"*Note.*\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("Markdown (-want +got):\n%s", diff)
	}
}

// FuzzReport decodes a profile, runs it through the default rules, and
// writes the result in every text form. No writer may fail or panic; the
// short report keeps every referral and avoided movement, never names a
// rule of the trace, and has no plan when advice is withheld. Its seeds are
// those of FuzzRecommend.
func FuzzReport(f *testing.F) {
	for _, s := range fuzzseed.Files(f, "../../testdata/fuzz/FuzzRecommend/*", "../../testdata/profiles/*") {
		f.Add(s)
	}
	eng, err := recommend.Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := recommend.DecodeProfile(bytes.NewReader(data))
		if err != nil {
			return
		}
		res, err := eng.Recommend(t.Context(), p)
		if err != nil {
			return
		}
		var short, detail, md bytes.Buffer
		for _, w := range []struct {
			b     *bytes.Buffer
			write func(*bytes.Buffer, *recommend.Result) error
		}{
			{&short, func(b *bytes.Buffer, r *recommend.Result) error { return report.WriteText(b, r) }},
			{&detail, func(b *bytes.Buffer, r *recommend.Result) error { return report.WriteDetailedText(b, r) }},
			{&md, func(b *bytes.Buffer, r *recommend.Result) error { return report.WriteMarkdown(b, r) }},
		} {
			if err := w.write(w.b, res); err != nil {
				t.Fatal(err)
			}
		}
		text := short.String()
		for _, r := range res.Referrals {
			if !strings.Contains(text, r.Message) {
				t.Fatalf("the short report drops the referral %q", r.Message)
			}
		}
		for _, it := range res.Avoided {
			if !strings.Contains(text, it.Name()) {
				t.Fatalf("the short report drops the avoided movement %q", it.Name())
			}
		}
		if res.Withheld && (len(res.Plan) > 0 || strings.Contains(text, "START WITH")) {
			t.Fatal("advice is withheld but there is a plan")
		}
		if strings.Contains(text, "(rules: ") {
			t.Fatal("the short report names rules")
		}
	})
}

// pictures is a report.Pictures that draws the movements it holds.
type pictures []string

func (p pictures) MovementSVG(id string) ([]byte, error) {
	if !slices.Contains(p, id) {
		return nil, fmt.Errorf("movement %q: %w", id, recommend.ErrNoPicture)
	}
	return []byte("<svg/>"), nil
}

// TestMarkdownPictures checks that WriteMarkdownPictures puts each plan
// step's and each also-helpful movement's picture under its entry, with
// the how as alt text, and only the pictures the engine can draw; that
// WriteMarkdown has none; and that nil Pictures is an error.
func TestMarkdownPictures(t *testing.T) {
	res := &recommend.Result{
		Recommended: []recommend.Item{
			{Movement: "a", Text: recommend.MovementTextOf("A", "", "Lie [down].", "Once.")},
			{Movement: "b", Text: recommend.MovementTextOf("B", "", "Stand.", "Twice.")},
		},
		Plan: []recommend.PlanStep{{Movement: "a", Name: "A", Priority: 1}},
	}
	tests := []struct {
		name string
		pics pictures
		want []string
	}{
		{"every picture drawn", pictures{"a", "b"}, []string{
			`![Lie \[down\].](<https://example.org/movements/a.svg>)`,
			`![Stand.](<https://example.org/movements/b.svg>)`,
		}},
		{"one the engine cannot draw", pictures{"b"}, []string{
			`![Stand.](<https://example.org/movements/b.svg>)`,
		}},
		{"none drawn", pictures{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pics bytes.Buffer
			if err := report.WriteMarkdownPictures(&pics, res, tt.pics, "https://example.org/movements/"); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range strings.Split(pics.String(), "\n") {
				if strings.Contains(l, "![") {
					got = append(got, strings.TrimSpace(l))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("pictures (-want +got):\n%s\n%s", diff, pics.String())
			}
			if !strings.Contains(pics.String(), "1. **A**") || !strings.Contains(pics.String(), "- B: Twice.") {
				t.Errorf("the entries without a picture are lost:\n%s", pics.String())
			}
		})
	}
	var plain bytes.Buffer
	if err := report.WriteMarkdown(&plain, res); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "![") {
		t.Errorf("WriteMarkdown has pictures:\n%s", plain.String())
	}
	if err := report.WriteMarkdownPictures(io.Discard, res, nil, "m/"); err == nil {
		t.Error("WriteMarkdownPictures with nil Pictures: no error")
	}
}

// TestMarkdownPicturesDefault checks that every picture the Markdown
// report of a default result links is one the engine draws.
func TestMarkdownPicturesDefault(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: []string{"chronic_stiffness"}, Equipment: []string{"towel", "foam_roller"}, PainLevel: 3, DaysSinceOnset: 200, Age: 50})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.WriteMarkdownPictures(&b, res, eng, "m/"); err != nil {
		t.Fatal(err)
	}
	links := regexp.MustCompile(`\]\(<m/([a-z0-9_-]+)\.svg>\)`).FindAllStringSubmatch(b.String(), -1)
	if want := len(res.Plan) + 1; len(links) < want {
		t.Errorf("%d pictures, want at least %d (the plan and one also-helpful movement):\n%s", len(links), want, b.String())
	}
	for _, l := range links {
		if _, err := eng.MovementSVG(l[1]); err != nil {
			t.Errorf("links %s, which MovementSVG cannot draw: %v", l[1], err)
		}
	}
}

// TestDisagreementOutcome checks that the text report says what became
// of a disputed movement either way, as the page and the cards do: left
// out when an avoid won, kept with care when a caution was attached.
func TestDisagreementOutcome(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		p    recommend.Profile
		want string
	}{
		{"cautioned", recommend.Profile{Conditions: []string{"chronic_stiffness"}, PainLevel: 3, DaysSinceOnset: 200, Age: 50},
			"so they are kept, with care."},
		{"avoided", recommend.Profile{Conditions: []string{"disc_herniation"}, Equipment: []string{"inversion_table"}, PainLevel: 4, DaysSinceOnset: 21, Age: 42},
			"so it is left out."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.p)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := report.WriteText(&b, res); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tt.want) {
				t.Errorf("WHERE THE SOURCES DISAGREE has no %q:\n%s", tt.want, b.String())
			}
		})
	}
}

// TestHoldSaysWhatItWaitsFor checks the "on hold" section of the short
// report when the profile has problems: the rest of the advice waits for
// the answers to be corrected, and "until a clinician has checked you" is
// said only when a referral withholds the advice. A routine referral that
// says "Keep doing what you can do in comfort in the meantime" beside a
// pain of 11 was told not to start any exercise until a clinician had
// checked it. A rule that failed (Incomplete) still sends the person to a
// clinician.
func TestHoldSaysWhatItWaitsFor(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	const clinician = "Do not start any exercises or stretches until a clinician has checked you."
	tests := []struct {
		name    string
		profile recommend.Profile
		want    []string // the lines of the on-hold section, without their marker
	}{
		{"routine referral and a mistake", recommend.Profile{RedFlags: []string{"no_improvement_with_self_care"}, PainLevel: 11, DaysSinceOnset: 30},
			[]string{recommend.UnreadableReason}},
		{"urgent referral that keeps advice, and a mistake", recommend.Profile{RedFlags: []string{"night_pain"}, Age: 40, PainLevel: 11},
			[]string{recommend.UnreadableReason}},
		{"emergency that withholds advice, and a mistake", recommend.Profile{RedFlags: []string{"saddle_numbness"}, PainLevel: 11},
			[]string{clinician, recommend.UnreadableReason}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := eng.Recommend(context.Background(), tt.profile)
			var pe *recommend.PartialError
			if !errors.As(err, &pe) {
				t.Fatalf("Recommend: %v, want a *PartialError", err)
			}
			if !report.New(pe.Result).Unreadable {
				t.Fatalf("the Result is not unreadable: %q", pe.Result.WithheldReason)
			}
			var md bytes.Buffer
			if err := report.WriteMarkdown(&md, pe.Result); err != nil {
				t.Fatal(err)
			}
			for name, tc := range map[string]struct{ text, head, marker string }{
				"text":     {writeShort(t, pe.Result), "MOVEMENT ADVICE ON HOLD", "  - "},
				"markdown": {md.String(), "## Movement advice on hold", "- "},
			} {
				_, after, ok := strings.Cut(tc.text, tc.head+"\n")
				if !ok {
					t.Fatalf("%s: no on-hold section:\n%s", name, tc.text)
				}
				var got []string
				for _, l := range strings.Split(strings.TrimLeft(after, "\n"), "\n") {
					if l == "" {
						break
					}
					got = append(got, strings.TrimPrefix(l, tc.marker))
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("%s: the on-hold section (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}
