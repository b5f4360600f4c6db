package rules_test

import (
	"bytes"
	"cmp"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/backrules/backrules/internal/casefile"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

// The short report for people (issue 10): at most reportMaxLines lines and
// reportMaxWords words for each of the profiles in reportProfiles, and,
// for every profile, nothing dropped that matters: every referral, key
// message, avoided movement and recommended movement is in it.

const (
	reportMaxLines = 100
	reportMaxWords = 1000
)

// reportProfiles are the profiles in testdata/profiles whose short reports
// must stay within the limits; their reports are golden files of the
// command-line tool (examples/recommend).
var reportProfiles = []string{"chronic-stiffness", "disc-sciatica", "disc-sciatica-below-knee", "acute-strain", "spinal-stenosis", "saddle-numbness"}

func shortReport(t *testing.T, res *recommend.Result) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteText(&b, res); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// reportProgrammes are the programmes each profile in reportProfiles is
// also measured with: realistic check-ins, a few of several movements.
// Each is made from the movements the profile's advice gives, plan first
// (moves), and its pain (pain), which the check-ins start from.
var reportProgrammes = []struct {
	name     string
	checkIns func(moves []string, pain int) []recommend.CheckIn
}{
	{"walking twice, easier", func(_ []string, pain int) []recommend.CheckIn {
		return []recommend.CheckIn{checkIn(0, pain, []string{"walking"}, "same"), checkIn(7, pain-1, []string{"walking"}, "easier")}
	}},
	{"four movements, improving", func(moves []string, pain int) []recommend.CheckIn {
		m := moves[:min(4, len(moves))]
		return []recommend.CheckIn{checkIn(0, pain, m, "same"), checkIn(7, pain-1, m, "easier"), checkIn(14, pain-2, m, "easier")}
	}},
	{"four movements, each response", func(moves []string, pain int) []recommend.CheckIn {
		m := moves[:min(4, len(moves))]
		return []recommend.CheckIn{checkIn(0, pain, m, "same"), checkIn(7, pain, m, "same"), checkIn(14, pain-1, m, "easier", "same", "harder", "worse")}
	}},
	{"four movements, worse then stopped", func(moves []string, pain int) []recommend.CheckIn {
		m := moves[:min(4, len(moves))]
		return []recommend.CheckIn{checkIn(0, pain, m, "same"), checkIn(7, pain-1, m, "same", "easier", "harder", "worse"),
			checkIn(14, pain-2, m, "easier", "harder", "worse", "same")}
	}},
	{"six movements, a flare", func(moves []string, pain int) []recommend.CheckIn {
		m := moves[:min(6, len(moves))]
		return []recommend.CheckIn{checkIn(0, pain-1, m, "same"), checkIn(7, pain-1, m, "easier"), checkIn(14, pain+1, m, "same")}
	}},
}

// checkIn returns a check-in of day and pain (kept within 0 to 10) that
// reports each of moves done three times, with responses in turn.
func checkIn(day, pain int, moves []string, responses ...string) recommend.CheckIn {
	c := recommend.CheckIn{Day: day, PainLevel: min(max(pain, 0), 10)}
	for i, m := range moves {
		c.Done = append(c.Done, recommend.Done{Movement: m, Sessions: 3, Response: responses[i%len(responses)]})
	}
	return c
}

// TestReportLength checks the length of the short report of each profile
// in reportProfiles, as it is and with each of reportProgrammes, and logs
// the length of the detailed one.
func TestReportLength(t *testing.T) {
	eng := defaultEngine(t)
	for _, name := range reportProfiles {
		f, err := os.Open("../testdata/profiles/" + name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		p, err := recommend.DecodeProfile(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			checkReportLength(t, eng, p)
		})
		res, err := eng.Recommend(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		var moves []string
		for _, st := range res.Plan {
			moves = append(moves, st.Movement)
		}
		for _, it := range res.Recommended {
			if !slices.Contains(moves, it.Movement) {
				moves = append(moves, it.Movement)
			}
		}
		for _, pg := range reportProgrammes {
			t.Run(name+"/"+pg.name, func(t *testing.T) {
				if len(moves) == 0 && !res.Withheld {
					t.Fatal("no movement to report: the case no longer tests a programme")
				}
				q := p
				q.CheckIns = pg.checkIns(moves, p.PainLevel)
				checkReportLength(t, eng, q)
			})
		}
	}
}

// checkReportLength checks the length of p's short report, and that it
// keeps everything that matters.
func checkReportLength(t *testing.T, eng *recommend.Engine, p recommend.Profile) {
	t.Helper()
	res, err := eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.CheckIns) > 0 && !res.Withheld && (res.Programme == nil || len(res.Programme.Steps) == 0) {
		t.Fatal("the check-ins give no programme steps: the case no longer tests a programme")
	}
	text := shortReport(t, res)
	lines, words := strings.Count(text, "\n"), len(strings.Fields(text))
	var detail bytes.Buffer
	if err := report.WriteDetailedText(&detail, res); err != nil {
		t.Fatal(err)
	}
	t.Logf("short report: %d lines, %d words; detailed report: %d lines, %d words",
		lines, words, strings.Count(detail.String(), "\n"), len(strings.Fields(detail.String())))
	if lines > reportMaxLines || words > reportMaxWords {
		t.Errorf("the short report has %d lines and %d words, want at most %d and %d", lines, words, reportMaxLines, reportMaxWords)
	}
	checkReportKeepsAll(t, res, text)
}

// TestReportKeepsEverything checks, for the profile of every case in
// testdata/cases, that the short report drops no referral, key message,
// avoided or recommended movement, and puts the safety nets before the
// movements.
func TestReportKeepsEverything(t *testing.T) {
	eng := defaultEngine(t)
	cases, err := casefile.LoadFS(os.DirFS("../testdata/cases"), ".", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), c.Profile)
			if err != nil {
				t.Fatal(err)
			}
			checkReportKeepsAll(t, res, shortReport(t, res))
		})
	}
}

func checkReportKeepsAll(t *testing.T, res *recommend.Result, text string) {
	t.Helper()
	missing := func(what, s string) {
		if !strings.Contains(text, s) {
			t.Errorf("the short report drops %s %q", what, s)
		}
	}
	for _, r := range res.Referrals {
		missing("the referral", r.Message)
	}
	for _, m := range res.Messages {
		missing("the key message", m.Text)
	}
	for _, it := range res.Avoided {
		missing("the avoided movement", it.Name())
	}
	for _, it := range res.Recommended {
		missing("the recommended movement", it.Name())
	}
	if res.Programme != nil {
		// Every step of the programme is named, and a stop, or a step the
		// advice decided, says why.
		for _, st := range res.Programme.Steps {
			missing("the programme step", st.Name)
			if st.Change == recommend.ChangeStop || st.Decided != "" {
				missing("the reason of the programme step "+st.Movement, st.Because)
			}
		}
	}
	moves := strings.Index(text, "START WITH")
	if moves < 0 {
		moves = strings.Index(text, "RECOMMENDED")
	}
	for _, m := range res.Messages {
		if i := strings.Index(text, m.Text); m.Kind == recommend.MessageKindSafetyNet && moves >= 0 && i > moves {
			t.Errorf("the safety net %q comes after the movements", m.Text)
		}
	}
	if strings.Contains(text, "rules:") {
		t.Errorf("the short report lists rule ids, which are for the detailed report")
	}
	// The last line names the rule set, for audit, and nothing else does.
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if want := "Rule set: " + cmp.Or(res.RuleSet.Version, "no version") + ", " + res.RuleSet.Digest; lines[len(lines)-1] != want {
		t.Errorf("the short report ends %q, want %q", lines[len(lines)-1], want)
	}
	if n := strings.Count(text, "sha256:"); n != 1 {
		t.Errorf("the short report holds the digest %d times, want once, on its last line", n)
	}
	for _, r := range res.Trace() {
		if r.Matched && strings.Contains(text, " "+r.Rule+" ") {
			t.Errorf("the short report names rule %s", r.Rule)
		}
	}
}
