package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

// discProfile is the disc herniation profile of issue 21.
var discProfile = recommend.Profile{
	Conditions:     []string{"disc_herniation"},
	AggravatedBy:   []string{"bending_forward", "sitting"},
	Equipment:      []string{"towel", "bed", "sofa", "exercise_mat"},
	PainLevel:      4,
	DaysSinceOnset: 21,
	SittingHours:   8,
	Age:            42,
}

// Ceilings for WriteJSON's answer on the default rules. Issue 21 asks
// for 20 KB (disc profile) and 40 KB (largest answer); format
// backrules.result/2 does not reach them on the current rules (55,753 and
// 156,741 bytes when this was written, from 99,447 bytes indented in
// format 1 for the disc profile): most of what is left is each
// citation's claim, which every citation keeps, and the items' own text.
// These ceilings hold what was reached, so that the answer cannot grow
// back unnoticed; lower them as the wire form shrinks.
const (
	issueDiscBytes    = 20 << 10
	issueLargestBytes = 40 << 10
	maxDiscBytes      = 56 << 10
	maxLargestBytes   = 160 << 10
)

func defaultEngine(t testing.TB) *recommend.Engine {
	t.Helper()
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func wireBytes(t testing.TB, eng *recommend.Engine, p recommend.Profile) []byte {
	t.Helper()
	res, err := eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatalf("Recommend(%+v): %v", p, err)
	}
	var b bytes.Buffer
	if err := report.WriteJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// largestProfile searches for the profile with the largest answer: the
// largest of many random profiles, then every single change of one list
// member that makes it larger, until none does. It is deterministic.
func largestProfile(t testing.TB, eng *recommend.Engine) (recommend.Profile, int) {
	t.Helper()
	v := eng.Vocabulary()
	r := rand.New(rand.NewPCG(21, 21))
	var best recommend.Profile
	size := -1
	for range 300 {
		p := testrules.RandomProfile(r, v)
		if n := len(wireBytes(t, eng, p)); n > size {
			best, size = p, n
		}
	}
	toggle := func(list []string, id string) []string {
		out := make([]string, 0, len(list)+1)
		found := false
		for _, x := range list {
			if x == id {
				found = true
				continue
			}
			out = append(out, x)
		}
		if !found {
			out = append(out, id)
		}
		return out
	}
	lists := []struct {
		terms []recommend.Term
		field func(*recommend.Profile) *[]string
	}{
		{v.Conditions, func(p *recommend.Profile) *[]string { return &p.Conditions }},
		{v.AggravatedBy, func(p *recommend.Profile) *[]string { return &p.AggravatedBy }},
		{v.EasedBy, func(p *recommend.Profile) *[]string { return &p.EasedBy }},
		{v.Equipment, func(p *recommend.Profile) *[]string { return &p.Equipment }},
		{v.RedFlags, func(p *recommend.Profile) *[]string { return &p.RedFlags }},
	}
	for improved := true; improved; {
		improved = false
		for _, l := range lists {
			for _, term := range l.terms {
				p := best
				f := l.field(&p)
				*f = toggle(*f, term.ID)
				if n := len(wireBytes(t, eng, p)); n > size {
					best, size, improved = p, n, true
				}
			}
		}
	}
	return best, size
}

// gzipLevel is the compressor and level the example server compresses
// its answers with (examples/server's gzipLevel), when the client accepts
// gzip.
const gzipLevel = gzip.BestSpeed

// gzipLen returns the length of b compressed with gzip at gzipLevel.
func gzipLen(t testing.TB, b []byte) int {
	t.Helper()
	var out bytes.Buffer
	zw, err := gzip.NewWriterLevel(&out, gzipLevel)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Len()
}

// TestWireSize holds WriteJSON's answer on the default rules under the
// ceilings above, for the disc profile of issue 21 and for the largest
// answer the search finds, and logs each one's size on the wire when the
// server compresses it: that size is held under issue 21's targets.
// Bytes do not depend on the machine.
func TestWireSize(t *testing.T) {
	eng := defaultEngine(t)
	discBody := wireBytes(t, eng, discProfile)
	disc, discGzip := len(discBody), gzipLen(t, discBody)
	t.Logf("disc profile: %d bytes, %d with gzip (issue 21 target %d)", disc, discGzip, issueDiscBytes)
	if disc > maxDiscBytes {
		t.Errorf("disc profile: %d bytes, want at most %d", disc, maxDiscBytes)
	}
	if discGzip > issueDiscBytes {
		t.Errorf("disc profile: %d bytes with gzip, want at most %d", discGzip, issueDiscBytes)
	}
	if testing.Short() {
		return
	}
	p, largest := largestProfile(t, eng)
	largestGzip := gzipLen(t, wireBytes(t, eng, p))
	t.Logf("largest answer found: %d bytes, %d with gzip (issue 21 target %d), for %+v", largest, largestGzip, issueLargestBytes, p)
	if largest > maxLargestBytes {
		t.Errorf("largest answer: %d bytes, want at most %d, for %+v", largest, maxLargestBytes, p)
	}
	if largestGzip > issueLargestBytes {
		t.Errorf("largest answer: %d bytes with gzip, want at most %d, for %+v", largestGzip, issueLargestBytes, p)
	}
}

// TestWireLosesNothing checks that the wire form says everything the
// Result's own JSON (each citation in full) says: putting each cited
// source's entry of "sources" back into its citations, and dropping
// "format" and "sources", gives the Result's encoding/json form.
func TestWireLosesNothing(t *testing.T) {
	eng := defaultEngine(t)
	profiles := []recommend.Profile{discProfile, {}, {Conditions: []string{"disc_herniation"}, RedFlags: []string{"saddle_numbness"}}}
	r := rand.New(rand.NewPCG(7, 7))
	for range 40 {
		profiles = append(profiles, testrules.RandomProfile(r, eng.Vocabulary()))
	}
	for i, p := range profiles {
		res, err := eng.Recommend(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		full, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		var want, got map[string]any
		if err := json.Unmarshal(full, &want); err != nil {
			t.Fatal(err)
		}
		// The trace is a method of the Result, written when asked.
		trace, err := json.Marshal(res.Trace())
		if err != nil {
			t.Fatal(err)
		}
		var wantTrace any
		if err := json.Unmarshal(trace, &wantTrace); err != nil {
			t.Fatal(err)
		}
		want["trace"] = wantTrace
		var b bytes.Buffer
		if err := report.WriteJSONWith(&b, res, report.JSONOptions{Trace: true}); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if got["format"] != report.Format {
			t.Errorf("profile %d: format %v, want %q", i, got["format"], report.Format)
		}
		sources := map[string]map[string]any{}
		for _, s := range got["sources"].([]any) {
			s := s.(map[string]any)
			id := s["id"].(string)
			if _, dup := sources[id]; dup {
				t.Errorf("profile %d: source %q listed twice", i, id)
			}
			sources[id] = s
		}
		used := map[string]bool{}
		var expand func(key string, v any)
		expand = func(key string, v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, x := range v {
					expand(k, x)
				}
			case []any:
				for _, x := range v {
					if c, ok := x.(map[string]any); ok && (key == "citations" || key == "conditional") {
						s, ok := sources[c["source"].(string)]
						if !ok {
							t.Errorf("profile %d: citation of %v, which sources does not list", i, c["source"])
							continue
						}
						used[c["source"].(string)] = true
						for _, k := range []string{"title", "publisher", "kind", "url"} {
							c[k] = s[k]
						}
						continue
					}
					expand(key, x)
				}
			}
		}
		delete(got, "format")
		delete(got, "sources")
		expand("", got)
		if len(used) != len(sources) {
			t.Errorf("profile %d: %d sources listed, %d cited", i, len(sources), len(used))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("profile %d: the wire form, sources put back, differs from the Result (-want +got):\n%s", i, diff)
		}
		if bytes.Contains(b.Bytes(), []byte("\n  ")) || !bytes.HasSuffix(b.Bytes(), []byte("}\n")) {
			t.Errorf("profile %d: WriteJSON is not compact JSON with one final newline", i)
		}
	}
}

// TestWireSchema checks WriteJSON's answers, and WriteJSONWith's, indented
// and with the trace, against result.schema.json.
func TestWireSchema(t *testing.T) {
	raw, err := os.ReadFile("result.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("result.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("result.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	eng := defaultEngine(t)
	profiles := []recommend.Profile{discProfile, {}, {RedFlags: []string{"saddle_numbness"}}}
	r := rand.New(rand.NewPCG(3, 3))
	for range 20 {
		profiles = append(profiles, testrules.RandomProfile(r, eng.Vocabulary()))
	}
	for i, p := range profiles {
		res, err := eng.Recommend(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []report.JSONOptions{{}, {Indent: "  "}, {Trace: true}} {
			var b bytes.Buffer
			if err := report.WriteJSONWith(&b, res, o); err != nil {
				t.Fatal(err)
			}
			v, err := jsonschema.UnmarshalJSON(&b)
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(v); err != nil {
				t.Errorf("profile %d, %+v: %v", i, o, err)
			}
		}
	}
}

// TestWireOneSourceTwoDescriptions checks that WriteJSON refuses a Result
// that cites one source id with two descriptions, rather than keeping one.
func TestWireOneSourceTwoDescriptions(t *testing.T) {
	a := recommend.CitationOf(recommend.Source{ID: "s", Title: "One", Kind: "guideline"}, "1", "x")
	b := recommend.CitationOf(recommend.Source{ID: "s", Title: "Two", Kind: "guideline"}, "2", "y")
	res := &recommend.Result{Referrals: []recommend.Referral{{Urgency: recommend.UrgencyRoutine, Message: "m", Citations: []recommend.Citation{a, b}}}}
	var out bytes.Buffer
	err := report.WriteJSON(&out, res)
	if err == nil || !strings.Contains(err.Error(), `"s"`) {
		t.Errorf("WriteJSON: error %v, want one naming source \"s\"", err)
	}
}

// TestAppendWireMatches checks that WriteJSON's own encoder, with its
// cached citations, gives the bytes encoding/json gives for the same wire
// form (WriteJSONWith's indented, compacted), with the trace and without,
// on the default rules, on hand-built Results with text that needs
// escaping, and twice over, so that the second run reads the cached
// citations.
func TestAppendWireMatches(t *testing.T) {
	eng := defaultEngine(t)
	var results []*recommend.Result
	r := rand.New(rand.NewPCG(11, 11))
	for i := range 60 {
		p := discProfile
		if i > 0 {
			p = testrules.RandomProfile(r, eng.Vocabulary())
		}
		res, err := eng.Recommend(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
	}
	odd := "quote \" backslash \\ <tag> & ctl \x01\x1f\b\f\n\r\t bad \xff utf8 \u2028\u2029 é ☃"
	c := recommend.CitationOf(recommend.Source{ID: odd, Title: odd, Publisher: odd, Kind: "guideline", URL: odd}, odd, odd).WithPosition(recommend.PositionSupports)
	results = append(results,
		&recommend.Result{},
		&recommend.Result{
			Referrals:       []recommend.Referral{{Urgency: recommend.UrgencyUrgent, Message: odd, Withhold: true, Citations: []recommend.Citation{c}, Rules: []string{odd}}},
			FoldedReferrals: []recommend.FoldedReferral{{Referral: recommend.Referral{Message: odd}, Into: []string{odd}, Because: "red_flag", RedFlags: []string{odd}}},
			Withheld:        true, WithheldReason: odd, Incomplete: true,
			Messages: []recommend.Message{{Kind: recommend.MessageKindPacing, Text: odd, Citations: []recommend.Citation{c, {}}}},
			Plan:     []recommend.PlanStep{{Movement: odd, Priority: -3, Reason: recommend.NoteOf(odd, odd)}, {}},
			Recommended: []recommend.Item{{Movement: odd, Text: recommend.MovementTextOf("", "", odd, ""), Reasons: []recommend.Note{recommend.NoteOf(odd, odd)}},
				// Rules from both lists: a caution's rule that is also a
				// reason's is written once; those of cautions alone, after.
				{Movement: "m", Reasons: []recommend.Note{recommend.NoteOf("a", ""), recommend.NoteOf("b", "")}, Cautions: []recommend.Note{recommend.NoteOf("c", ""), recommend.NoteOf("b", ""), recommend.NoteOf("d", "")}},
				{Movement: "n", Cautions: []recommend.Note{recommend.NoteOf("c", ""), recommend.NoteOf(odd, "")}},
				// Zero values: a note and a movement text with no text.
				{Reasons: []recommend.Note{{}}, Cautions: []recommend.Note{{}, recommend.NoteOf("", odd)}}},
			Conflicts:      []recommend.Conflict{{Movement: odd, For: recommend.Side{Citations: []recommend.Citation{c}}, Conditional: []recommend.Citation{c}}},
			NeedsEquipment: []recommend.EquipmentNeed{{Movement: odd, Missing: []string{odd}}},
			RuleSet:        recommend.RuleSet{Version: odd, Digest: odd},
			Disclaimer:     odd,
		},
		&recommend.Result{Programme: &recommend.Programme{Week: 3, Adherence: 0.9375,
			Steps: []recommend.Step{{Movement: odd, Level: 2, Dose: odd, Change: "progress", Because: odd, Facts: []string{odd}, Rule: odd, Citations: []recommend.Citation{c}},
				{Movement: "walking", Level: 1, Change: "hold"}},
			Trend: []recommend.TrendPoint{{Day: 0, PainLevel: 6}, {Day: 14, PainLevel: 4}}}},
	)
	for pass := range 2 {
		for i, res := range results {
			for _, trace := range []bool{false, true} {
				var got, indented bytes.Buffer
				if err := report.WriteJSONWith(&got, res, report.JSONOptions{Trace: trace}); err != nil {
					t.Fatal(err)
				}
				if err := report.WriteJSONWith(&indented, res, report.JSONOptions{Indent: "\t", Trace: trace}); err != nil {
					t.Fatal(err)
				}
				var want bytes.Buffer
				if err := json.Compact(&want, indented.Bytes()); err != nil {
					t.Fatal(err)
				}
				want.WriteByte('\n')
				if diff := cmp.Diff(want.String(), got.String()); diff != "" {
					t.Errorf("pass %d, result %d, trace %v: WriteJSON differs from encoding/json (-want +got):\n%s", pass, i, trace, diff)
				}
				if has := bytes.Contains(got.Bytes(), []byte(`"trace":`)); has != trace {
					t.Errorf("pass %d, result %d: trace written %v, asked %v", pass, i, has, trace)
				}
			}
		}
	}
}
