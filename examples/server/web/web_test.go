package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"html"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/internal/golden"
	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// defaultEngine returns the engine of the default rules.
func defaultEngine(t testing.TB) *recommend.Engine {
	t.Helper()
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func newHandler(t testing.TB, eng *recommend.Engine) *Handler {
	t.Helper()
	h, err := New(func() *recommend.Engine { return eng })
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// post posts form to h and returns the response.
func post(h http.Handler, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func get(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// The profiles of testdata/profiles, as the form posts them.
var (
	discForm = url.Values{
		"conditions":       {"disc_herniation"},
		"aggravated_by":    {"bending_forward", "sitting"},
		"equipment":        {"towel", "bed", "sofa", "exercise_mat"},
		"pain_level":       {"4"},
		"days_since_onset": {"21"},
		"sitting_hours":    {"8"},
		"age":              {"42"},
	}
	saddleForm = url.Values{
		"conditions":       {"disc_herniation", "sciatica"},
		"red_flags":        {"saddle_numbness"},
		"aggravated_by":    {"bending_forward"},
		"equipment":        {"towel"},
		"pain_level":       {"6"},
		"days_since_onset": {"10"},
		"age":              {"50"},
	}
)

func TestGolden(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	tests := []struct {
		name   string
		form   url.Values // nil for GET
		status int
	}{
		{"form", nil, http.StatusOK},
		{"disc-herniation", discForm, http.StatusOK},
		{"saddle-numbness", saddleForm, http.StatusOK},
		{"problems", url.Values{
			"conditions":    {"disc_herniation", "slipped_disk"},
			"red_flags":     {"night_pain"},
			"pain_level":    {"11"},
			"sitting_hours": {"7.5"},
			"age":           {"forty <b>"},
		}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec *httptest.ResponseRecorder
			if tt.form == nil {
				rec = get(h, "/")
			} else {
				rec = post(h, tt.form)
			}
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			golden.Check(t, filepath.Join("testdata", "golden", tt.name+".html"), rec.Body.Bytes(), *update)
		})
	}
}

func TestProfileFromForm(t *testing.T) {
	tests := []struct {
		name  string
		form  url.Values
		want  recommend.Profile
		probs []problem
	}{
		{name: "empty", form: url.Values{}, want: recommend.Profile{}},
		{name: "empty numbers", form: url.Values{"pain_level": {""}, "age": {"  "}}, want: recommend.Profile{}},
		{
			name: "disc herniation", form: discForm,
			want: recommend.Profile{
				Conditions: []string{"disc_herniation"}, AggravatedBy: []string{"bending_forward", "sitting"},
				Equipment: []string{"towel", "bed", "sofa", "exercise_mat"},
				PainLevel: 4, DaysSinceOnset: 21, SittingHours: 8, Age: 42,
			},
		},
		{
			name: "every list and number",
			form: url.Values{
				"conditions": {"sciatica"}, "red_flags": {"night_pain"}, "aggravated_by": {"sitting"},
				"eased_by": {"lying_down", "bending_backward"}, "equipment": {"towel"},
				"pain_level": {"10"}, "days_since_onset": {" 36500 "}, "sitting_hours": {"7.25"}, "age": {"130"},
				"unknown_field": {"ignored"},
			},
			want: recommend.Profile{
				Conditions: []string{"sciatica"}, RedFlags: []string{"night_pain"}, AggravatedBy: []string{"sitting"},
				EasedBy: []string{"lying_down", "bending_backward"}, Equipment: []string{"towel"},
				PainLevel: 10, DaysSinceOnset: 36500, SittingHours: 7.25, Age: 130,
			},
		},
		{name: "whole number written with a point", form: url.Values{"pain_level": {"7.0"}}, want: recommend.Profile{PainLevel: 7}},
		{
			name: "bad numbers",
			form: url.Values{
				"pain_level": {"7.5"}, "days_since_onset": {"-1"}, "sitting_hours": {"24.5"}, "age": {"NaN"},
			},
			want: recommend.Profile{},
			probs: []problem{
				{"pain_level", "Enter a whole number from 0 to 10."},
				{"days_since_onset", "Enter a whole number from 0 to 36500."},
				{"sitting_hours", "Enter a number from 0 to 24."},
				{"age", "Enter a whole number from 0 to 130."},
			},
		},
		{
			name: "huge and infinite numbers",
			form: url.Values{"pain_level": {"1e300"}, "sitting_hours": {"Inf"}, "age": {"99999999999999999999"}},
			want: recommend.Profile{},
			probs: []problem{
				{"pain_level", "Enter a whole number from 0 to 10."},
				{"sitting_hours", "Enter a number from 0 to 24."},
				{"age", "Enter a whole number from 0 to 130."},
			},
		},
		{
			name: "a number twice", form: url.Values{"pain_level": {"3", "4"}},
			want: recommend.Profile{}, probs: []problem{{"pain_level", "Enter one number."}},
		},
		{
			name: "choice fields and the week of pregnancy",
			form: url.Values{"sex": {"female"}, "episode": {"flare"}, "pregnancy_week": {"24"}},
			want: recommend.Profile{Sex: "female", Episode: "flare", PregnancyWeek: 24},
		},
		{name: "no answer to a choice", form: url.Values{"sex": {""}, "episode": {""}}, want: recommend.Profile{}},
		{
			name:  "two answers to a choice, and a week out of range",
			form:  url.Values{"sex": {"female", "male"}, "pregnancy_week": {"43"}},
			want:  recommend.Profile{},
			probs: []problem{{"sex", "Choose one answer."}, {"pregnancy_week", "Enter a whole number from 0 to 42."}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if err := req.ParseForm(); err != nil {
				t.Fatal(err)
			}
			got, probs := readEntries(req).profile()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("profile mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.probs, probs, cmp.AllowUnexported(problem{})); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProblemsShownWithTheForm(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	rec := post(h, url.Values{
		"conditions":    {"disc_herniation", "disc_hernation"},
		"equipment":     {"towel"},
		"pain_level":    {"11"},
		"sitting_hours": {"6.5"},
	})
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		// The summary, announced, with links to the fields.
		`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>`,
		`<a href="#pain_level">Pain level now: Enter a whole number from 0 to 10.</a>`,
		`<a href="#conditions-disc_herniation">Conditions: &#34;disc_hernation&#34;: unknown condition (did you mean &#34;disc_herniation&#34;?).</a>`,
		// Each problem next to its field, and tied to it.
		`<ul class="error" id="pain_level-error">`,
		`aria-describedby="pain_level-hint pain_level-error" aria-invalid="true"`,
		`<fieldset id="conditions" class="invalid" aria-describedby="conditions-hint conditions-error">`,
		// What the user entered, kept.
		`<input type="text" id="pain_level" name="pain_level" inputmode="numeric" autocomplete="off" value="11"`,
		`<input type="text" id="sitting_hours" name="sitting_hours" inputmode="decimal" autocomplete="off" value="6.5"`,
		`id="conditions-disc_herniation" name="conditions" value="disc_herniation" checked>`,
		`id="equipment-towel" name="equipment" value="towel" checked>`,
		`<title>Error: Back-care advice · backrules</title>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, unwanted := range []string{`id="result"`, `value="disc_hernation"`, `id="equipment-bed" name="equipment" value="bed" checked`} {
		if strings.Contains(body, unwanted) {
			t.Errorf("page has %s", unwanted)
		}
	}
}

// TestProblemsKeepTheEmergency checks that a mistake in one answer does
// not hide the emergency another reports: the page with the problems
// shows the referral of what could be read above the form, the rest of
// the advice on hold, and no exercise.
func TestProblemsKeepTheEmergency(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	for _, form := range []url.Values{
		{"red_flags": {"saddle_numbness"}, "pain_level": {"11"}},
		{"red_flags": {"saddle_numbness"}, "age": {"abc"}},
		{"red_flags": {"saddle_numbness"}, "pregnancy_week": {"50"}},
		{"red_flags": {"saddle_numbness"}, "sitting_hours": {"-1"}},
	} {
		t.Run(form.Encode(), func(t *testing.T) {
			rec := post(h, form)
			body := rec.Body.String()
			if rec.Code != http.StatusBadRequest || !strings.Contains(body, `class="error-summary"`) {
				t.Fatalf("status %d; want 400 with the problems", rec.Code)
			}
			refs := section(body, "referrals")
			if !strings.Contains(refs, "emergency") || !strings.Contains(body, `id="on-hold"`) || strings.Contains(body, `id="plan"`) {
				t.Errorf("page lacks the emergency and the advice on hold, or shows a plan:\n%s", refs)
			}
			if !strings.Contains(body, "<title>Emergency: get help now") {
				t.Errorf("title is not the emergency's")
			}
		})
	}
	// Without a referral, the page shows the problems only.
	if body := post(h, url.Values{"pain_level": {"11"}}).Body.String(); strings.Contains(body, `id="result"`) {
		t.Errorf("page of a problem with no referral shows a result")
	}
}

// TestProblemsKeepWhatTheNumbersSay checks that a number the form cannot
// accept still counts toward the referrals shown with the problems, read
// as Engine.Triage reads it on every other channel: a pain of 11 as 10,
// 8.5 as 9 (rounded), and the pain of a check-in whose other answers have
// problems as the latest check-in's. Before, the page read each as no
// pain at all (final probe: belly pain with a pain of 11 got the urgent
// referral, where JSON's 11 gets the emergency), so a typing slip could
// lower a referral.
func TestProblemsKeepWhatTheNumbersSay(t *testing.T) {
	eng := defaultEngine(t)
	h := newHandler(t, eng)
	tests := []struct {
		name string
		form url.Values
		want string // the id of the rule of the referral that leads
	}{
		{"pain out of range", url.Values{"red_flags": {"abdominal_pain_or_pulsation"}, "pain_level": {"11"}, "days_since_onset": {"3"}},
			"red-flag-abdominal-severe-pain"},
		{"pain far out of range", url.Values{"red_flags": {"abdominal_pain_or_pulsation"}, "pain_level": {"1e400"}, "days_since_onset": {"3"}},
			"red-flag-abdominal-severe-pain"},
		{"pain not whole", url.Values{"red_flags": {"history_of_cancer"}, "pain_level": {"8.5"}}, "red-flag-cancer-spinal-pain"},
		{"age out of range is unknown", url.Values{"red_flags": {"abdominal_pain_or_pulsation"}, "age": {"700"}},
			"red-flag-abdominal"},
		{"the check-in's pain, its sessions not a number", url.Values{"red_flags": {"abdominal_pain_or_pulsation"}, "days_since_onset": {"3"},
			"ci_day": {"0"}, "ci_pain_level": {"9"}, "ci_movement": {"walking"}, "ci_sessions-walking": {"abc"}, "ci_response-walking": {"same"}},
			"red-flag-abdominal-severe-pain"},
		{"the check-in's pain out of range", url.Values{"red_flags": {"abdominal_pain_or_pulsation"}, "days_since_onset": {"3"},
			"ci_day": {"0"}, "ci_pain_level": {"12"}}, "red-flag-abdominal-severe-pain"},
		{"text that is not a number is left out", url.Values{"red_flags": {"history_of_cancer"}, "pain_level": {"eight"}}, "red-flag-cancer-history"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, tt.form)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d; want 400", rec.Code)
			}
			var rule string
			for _, r := range eng.Rules() {
				if r.ID == tt.want {
					rule = r.Referral.Message
				}
			}
			if rule == "" {
				t.Fatalf("no rule %s with a referral: the rules changed", tt.want)
			}
			refs := section(rec.Body.String(), "referrals")
			got := html.UnescapeString(refs)
			if !strings.Contains(got, rule[:60]) {
				t.Errorf("the referrals shown lack %s (%q...):\n%s", tt.want, rule[:60], got)
			}
		})
	}
}

// section returns the HTML of the section with the id, or "".
func section(body, id string) string {
	start := strings.Index(body, `<section id="`+id+`"`)
	if start < 0 {
		return ""
	}
	end := strings.Index(body[start:], "</section>")
	if end < 0 {
		return body[start:]
	}
	return body[start : start+end]
}

func TestReferrals(t *testing.T) {
	eng := defaultEngine(t)
	h := newHandler(t, eng)
	tests := []struct {
		name      string
		form      url.Values
		emergency bool
		withheld  bool
	}{
		{"saddle numbness", saddleForm, true, true},
		{"bladder and bowel", url.Values{"red_flags": {"bladder_bowel_dysfunction"}}, true, true},
		{"leg weakness", url.Values{"conditions": {"disc_herniation"}, "red_flags": {"leg_weakness"}}, false, true},
		{"night pain", url.Values{"conditions": {"acute_strain"}, "red_flags": {"night_pain"}}, false, false},
		{"a history of cancer and leg numbness, folded into one", url.Values{"red_flags": {"history_of_cancer", "leg_numbness_or_tingling"}}, true, true},
		{"no referral", discForm, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, tt.form)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", rec.Code)
			}
			body := rec.Body.String()
			p, probs := readEntries(&http.Request{PostForm: tt.form}).profile()
			if len(probs) > 0 {
				t.Fatal(probs)
			}
			res, err := eng.Recommend(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			if res.Withheld != tt.withheld {
				t.Fatalf("the rules changed: Withheld = %v, want %v", res.Withheld, tt.withheld)
			}
			refs := section(body, "referrals")
			if (refs != "") != (len(res.Referrals) > 0) {
				t.Errorf("referrals section shown = %v, want %v", refs != "", len(res.Referrals) > 0)
			}
			for _, r := range res.Referrals {
				if !strings.Contains(refs, html.EscapeString(r.Message)) {
					t.Errorf("referral %q not shown", r.Message)
				}
			}
			// The page follows the referral story: a folded referral is
			// not shown, and its Why says where it went.
			if strings.Contains(tt.name, "folded") && len(res.FoldedReferrals) == 0 {
				t.Fatal("the rules changed: no referral is folded")
			}
			for _, f := range res.FoldedReferrals {
				if strings.Contains(body, html.EscapeString(f.Message)) {
					t.Errorf("folded referral %q shown", f.Message)
				}
				if !strings.Contains(refs, html.EscapeString("Folded into the referral of "+strings.Join(f.Into, ", "))) {
					t.Errorf("the Why of the referrals does not say that %v was folded", f.Rules)
				}
			}
			alert := strings.Contains(refs, `<div class="referral emergency" role="alert">`)
			if alert != tt.emergency {
				t.Errorf("emergency alert shown = %v, want %v", alert, tt.emergency)
			}
			if title := strings.Contains(body, "<title>Emergency: get help now · backrules</title>"); title != tt.emergency {
				t.Errorf("emergency title = %v, want %v", title, tt.emergency)
			}
			if got := strings.Count(body, `role="alert"`); tt.emergency && got != 1 || !tt.emergency && got != 0 {
				t.Errorf("%d alerts, want one for an emergency and none otherwise", got)
			}
			onHold := section(body, "on-hold") != ""
			if onHold != tt.withheld {
				t.Errorf("on-hold section shown = %v, want %v", onHold, tt.withheld)
			}
			for _, id := range []string{"plan", "also-helpful"} {
				if shown := section(body, id) != ""; shown == tt.withheld {
					t.Errorf("section %s shown = %v with withheld = %v", id, shown, tt.withheld)
				}
			}
			if tt.withheld && strings.Contains(body, "How:") {
				t.Error("a withheld result shows how to do a movement")
			}
			if tt.withheld && !strings.Contains(section(body, "messages"), "Important:") {
				t.Error("a withheld result lost its safety net")
			}
		})
	}
}

// TestMoreReferrals checks which referrals the page shows in full above
// the plan and which behind the toggle of more reasons to see a
// clinician: when advice is not withheld, the most urgent in full and the
// others behind it, each in full there, so that on a phone the plan stays
// near the top; when advice is withheld, every one in full. Each
// referral's message is on the page once.
func TestMoreReferrals(t *testing.T) {
	eng := defaultEngine(t)
	h := newHandler(t, eng)
	// shown is the urgency of each referral in full, and of each behind
	// the toggle, with the toggle's summary.
	type shown struct {
		Full, More []string
		Summary    string
	}
	sciatica := []string{"disc_herniation", "sciatica"}
	tests := []struct {
		name string
		form url.Values
		want shown
	}{
		{"one referral", url.Values{"red_flags": {"thoracic_pain"}}, shown{Full: []string{"Routine"}}},
		{"three routine referrals", url.Values{"conditions": sciatica, "red_flags": {"leg_numbness_or_tingling", "pain_below_knee", "thoracic_pain"}},
			shown{Full: []string{"Routine"}, More: []string{"Routine", "Routine"}, Summary: "2 more reasons to see a clinician (routine)"}},
		{"urgent and routine referrals that do not withhold advice", url.Values{"red_flags": {"immunosuppression", "injecting_drug_use", "thoracic_pain"}},
			shown{Full: []string{"Urgent"}, More: []string{"Urgent", "Routine"}, Summary: "2 more reasons to see a clinician (urgent or routine)"}},
		{"advice withheld", url.Values{"conditions": sciatica, "red_flags": {"leg_weakness", "thoracic_pain", "night_pain"}},
			shown{Full: []string{"Urgent", "Urgent", "Routine"}}},
		{"an emergency", url.Values{"red_flags": {"saddle_numbness", "thoracic_pain", "night_pain"}},
			shown{Full: []string{"Emergency", "Urgent", "Routine"}}},
	}
	urgency := regexp.MustCompile(`<div class="referral [^"]*"[^>]*>\n<p><strong class="urgency">(\w+)`)
	summary := regexp.MustCompile(`^\n<summary>([^<]*)</summary>`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, tt.form)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", rec.Code)
			}
			refs := section(rec.Body.String(), "referrals")
			// The print copy of the referrals behind the toggle is checked
			// on its own, below.
			refs, printed, _ := strings.Cut(refs, `<div class="more-referrals-print">`)
			full, more, _ := strings.Cut(refs, `<details class="more-referrals">`)
			var got shown
			for _, m := range urgency.FindAllStringSubmatch(full, -1) {
				got.Full = append(got.Full, m[1])
			}
			for _, m := range urgency.FindAllStringSubmatch(more, -1) {
				got.More = append(got.More, m[1])
			}
			if m := summary.FindStringSubmatch(more); m != nil {
				got.Summary = m[1]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("referrals (-want +got):\n%s", diff)
			}
			p, probs := readEntries(&http.Request{PostForm: tt.form}).profile()
			if len(probs) > 0 {
				t.Fatal(probs)
			}
			res, err := eng.Recommend(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Referrals {
				msg := html.EscapeString(r.Message)
				if n := strings.Count(refs, msg); n != 1 {
					t.Errorf("referral %q shown %d times, want once", r.Message, n)
				}
				if m, n := strings.Count(more, msg), strings.Count(printed, msg); m != n {
					t.Errorf("referral %q is %d times behind the toggle and %d times in its print copy, want the same", r.Message, m, n)
				}
			}
		})
	}
}

// TestResultOrder checks that the sections come plan first, as a phone
// reader needs them (the referrals, when any, before it), then the key
// messages, with the safety net, before the other movements, and that
// every movement of the Result is on the page, in its section, with a
// source and a why.
func TestResultOrder(t *testing.T) {
	eng := defaultEngine(t)
	body := post(newHandler(t, eng), discForm).Body.String()
	ids := []string{"plan", "messages", "also-helpful", "avoid", "conflicts", "sources"}
	last := -1
	for _, id := range ids {
		i := strings.Index(body, `<section id="`+id+`"`)
		if i < 0 {
			t.Fatalf("no section %s", id)
		}
		if i < last {
			t.Errorf("section %s is out of order", id)
		}
		last = i
	}
	if form := strings.Index(body, "<form"); form < last {
		t.Error("the form comes before the result")
	}
	p, _ := readEntries(&http.Request{PostForm: discForm}).profile()
	res, err := eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range res.Avoided {
		li := itemOf(section(body, "avoid"), it.Name())
		if li == "" {
			t.Errorf("%s is not under avoid", it.Name())
			continue
		}
		if !strings.Contains(li, `<ul class="cites" aria-label="Sources">`) || !strings.Contains(li, "<summary>Why?") {
			t.Errorf("%s under avoid has no sources or no why:\n%s", it.Name(), li)
		}
		if !strings.Contains(li, "<span class=\"label\">"+html.EscapeString(it.Name())+":</span> Avoided.</p>") {
			t.Errorf("%s under avoid lacks its explanation", it.Name())
		}
	}
	for _, s := range res.Plan {
		if !strings.Contains(section(body, "plan"), "<h4>"+html.EscapeString(s.Name)+"<") {
			t.Errorf("plan step %s is not in the plan", s.Name)
		}
	}
	for _, it := range res.Recommended {
		if itemOf(section(body, "plan"), it.Name()) == "" && itemOf(section(body, "also-helpful"), it.Name()) == "" {
			t.Errorf("recommended %s is not shown", it.Name())
		}
	}
	for _, c := range res.Conflicts {
		if itemOf(section(body, "conflicts"), c.Name) == "" {
			t.Errorf("conflict over %s is not shown", c.Name)
		}
	}
	if !strings.Contains(body, html.EscapeString(recommend.Disclaimer)) {
		t.Error("no disclaimer")
	}
}

// itemOf returns the list item of sec whose names include name, or "".
func itemOf(sec, name string) string {
	for _, li := range strings.Split(sec, `<li class="item`)[1:] {
		head, _, _ := strings.Cut(li, "<ul")
		if strings.Contains(head, ">"+html.EscapeString(name)) || strings.Contains(head, " "+html.EscapeString(name)) {
			return li
		}
	}
	return ""
}

// withExtraTerms returns the default rule files with one more term in
// every vocabulary list, each with a label that needs escaping.
func withExtraTerms(t *testing.T) fs.FS {
	t.Helper()
	m := testrules.Copy(t)
	voc := string(m["vocabulary.yaml"].Data)
	for _, field := range []string{"conditions", "red_flags", "aggravated_by", "eased_by", "equipment"} {
		head := "\n  " + field + ":\n"
		if !strings.Contains(voc, head) {
			t.Fatalf("vocabulary.yaml has no %q", head)
		}
		extra := ""
		switch field {
		case "red_flags":
			extra = ", floor: {urgency: none, withhold: false}"
		case "equipment":
			extra = ", prop: none"
		}
		voc = strings.Replace(voc, head, head+`    - {id: new_`+field+`, label: "New <b>`+field+`</b> & \"term\""`+extra+`}`+"\n", 1)
	}
	m["vocabulary.yaml"] = &fstest.MapFile{Data: []byte(voc)}
	return m
}

var (
	checkboxRE = regexp.MustCompile(`<input type="checkbox" id="([^"]*)" name="([^"]*)" value="([^"]*)"( checked)?>`)
	labelRE    = regexp.MustCompile(`<label for="([^"]*)">([^<]*)</label>`)
)

// TestEveryTermIsALabelledCheckbox checks that every vocabulary term, a
// new one too, is a checkbox in its field's fieldset, with its label, and
// that labels are escaped.
func TestEveryTermIsALabelledCheckbox(t *testing.T) {
	eng, err := recommend.Load(withExtraTerms(t))
	if err != nil {
		t.Fatal(err)
	}
	body := get(newHandler(t, eng), "/").Body.String()
	voc := eng.Vocabulary()
	fields := []struct {
		name  string
		terms []recommend.Term
	}{
		{"conditions", voc.Conditions}, {"red_flags", voc.RedFlags}, {"aggravated_by", voc.AggravatedBy},
		{"eased_by", voc.EasedBy}, {"equipment", voc.Equipment},
	}
	ids := map[string]bool{}
	for _, f := range fields {
		t.Run(f.name, func(t *testing.T) {
			start := strings.Index(body, `<fieldset id="`+f.name+`"`)
			if start < 0 {
				t.Fatal("no fieldset")
			}
			fieldset := body[start:]
			fieldset = fieldset[:strings.Index(fieldset, "</fieldset>")]
			if !strings.Contains(fieldset, "<legend>") {
				t.Error("fieldset without a legend")
			}
			labels := map[string]string{}
			for _, m := range labelRE.FindAllStringSubmatch(fieldset, -1) {
				labels[m[1]] = html.UnescapeString(m[2])
			}
			// A checkbox shows a term's id and label, whatever else
			// a term carries.
			type term struct{ ID, Label string }
			var want, got []term
			for _, tm := range f.terms {
				want = append(want, term{tm.ID, tm.Label})
			}
			for _, m := range checkboxRE.FindAllStringSubmatch(fieldset, -1) {
				if m[2] != f.name {
					t.Errorf("checkbox %s has name %q", m[1], m[2])
				}
				if ids[m[1]] {
					t.Errorf("id %s is used twice", m[1])
				}
				ids[m[1]] = true
				label, ok := labels[m[1]]
				if !ok {
					t.Errorf("checkbox %s has no label", m[1])
				}
				got = append(got, term{html.UnescapeString(m[3]), label})
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("checkboxes mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(fieldset, "new_"+f.name) {
				t.Error("the new term is missing")
			}
			if strings.Contains(fieldset, "<b>") {
				t.Error("a label is not escaped")
			}
		})
	}
}

// TestChoiceFieldsAreLabelledRadios checks that each choice field is a
// group of labelled radio buttons: one to leave it unanswered, checked
// unless the person chose, then one per vocabulary value.
func TestChoiceFieldsAreLabelledRadios(t *testing.T) {
	eng := defaultEngine(t)
	voc := eng.Vocabulary()
	body := get(newHandler(t, eng), "/").Body.String()
	radioRE := regexp.MustCompile(`<input type="radio" id="([^"]*)" name="([^"]*)" value="([^"]*)"( checked)?>`)
	for _, f := range []struct {
		name  string
		terms []recommend.Term
	}{{"sex", voc.Sex}, {"episode", voc.Episode}} {
		t.Run(f.name, func(t *testing.T) {
			if len(f.terms) == 0 {
				t.Fatal("the default vocabulary declares no values")
			}
			start := strings.Index(body, `<fieldset id="`+f.name+`"`)
			if start < 0 {
				t.Fatal("no fieldset")
			}
			fieldset := body[start:]
			fieldset = fieldset[:strings.Index(fieldset, "</fieldset>")]
			labels := map[string]string{}
			for _, m := range labelRE.FindAllStringSubmatch(fieldset, -1) {
				labels[m[1]] = html.UnescapeString(m[2])
			}
			type radio struct {
				Value, Label string
				Checked      bool
			}
			want := []radio{{"", notStated, true}}
			for _, tm := range f.terms {
				want = append(want, radio{tm.ID, tm.Label, false})
			}
			var got []radio
			for _, m := range radioRE.FindAllStringSubmatch(fieldset, -1) {
				if m[2] != f.name {
					t.Errorf("radio %s has name %q", m[1], m[2])
				}
				got = append(got, radio{m[3], labels[m[1]], m[4] != ""})
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("radios (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEngineAskedPerRequest(t *testing.T) {
	def := defaultEngine(t)
	extra, err := recommend.Load(withExtraTerms(t))
	if err != nil {
		t.Fatal(err)
	}
	var current atomic.Pointer[recommend.Engine]
	var calls atomic.Int32
	current.Store(def)
	h, err := New(func() *recommend.Engine { calls.Add(1); return current.Load() })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(get(h, "/").Body.String(), "new_conditions") {
		t.Error("the default rules show the new term")
	}
	current.Store(extra)
	if !strings.Contains(get(h, "/").Body.String(), "new_conditions") {
		t.Error("the page did not follow the new engine")
	}
	rec := post(h, url.Values{"conditions": {"new_conditions"}})
	if rec.Code != http.StatusOK {
		t.Errorf("posting the new term: status %d, want 200", rec.Code)
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("engine called %d times for 3 requests, want 3", got)
	}
	current.Store(nil)
	if rec := get(h, "/"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("no engine: status %d, want 503", rec.Code)
	}
}

func TestRequests(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	big := strings.Repeat("x", MaxFormBytes+1)
	tests := []struct {
		name, method, path, contentType, body string
		status                                int
		header, value                         string
	}{
		{name: "get", method: http.MethodGet, path: "/", status: http.StatusOK, header: "Content-Type", value: "text/html; charset=utf-8"},
		{name: "head", method: http.MethodHead, path: "/", status: http.StatusOK},
		{name: "get with query", method: http.MethodGet, path: "/?pain_level=3", status: http.StatusOK},
		{name: "post", method: http.MethodPost, path: "/", contentType: "application/x-www-form-urlencoded", body: "conditions=sciatica", status: http.StatusOK, header: "Cache-Control", value: "no-store"},
		{name: "post with charset", method: http.MethodPost, path: "/", contentType: "application/x-www-form-urlencoded; charset=utf-8", body: "", status: http.StatusOK},
		{name: "post with problems", method: http.MethodPost, path: "/", contentType: "application/x-www-form-urlencoded", body: "red_flags=saddle_numbness&pain_level=11", status: http.StatusBadRequest, header: "Cache-Control", value: "no-store"},
		{name: "post too large", method: http.MethodPost, path: "/", contentType: "application/x-www-form-urlencoded", body: "conditions=" + big, status: http.StatusRequestEntityTooLarge, header: "Cache-Control", value: "no-store"},
		{name: "put", method: http.MethodPut, path: "/", status: http.StatusMethodNotAllowed, header: "Allow", value: "GET, HEAD, POST"},
		{name: "delete", method: http.MethodDelete, path: "/", status: http.StatusMethodNotAllowed},
		{name: "other path", method: http.MethodGet, path: "/favicon.ico", status: http.StatusNotFound},
		{name: "static", method: http.MethodGet, path: "/static/style.css", status: http.StatusNotFound},
		{name: "json", method: http.MethodPost, path: "/", contentType: "application/json", body: `{}`, status: http.StatusUnsupportedMediaType},
		{name: "bad content type", method: http.MethodPost, path: "/", contentType: "a/b; ;", body: ``, status: http.StatusUnsupportedMediaType},
		{name: "too large", method: http.MethodPost, path: "/", contentType: "application/x-www-form-urlencoded", body: "conditions=" + big, status: http.StatusRequestEntityTooLarge},
		{name: "bad encoding", method: http.MethodPost, path: "/", contentType: "application/x-www-form-urlencoded", body: "conditions=%zz", status: http.StatusBadRequest},
		{name: "too many entries", method: http.MethodPost, path: "/", contentType: "application/x-www-form-urlencoded", body: strings.Repeat("equipment=towel&", 65), status: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d; body:\n%.500s", rec.Code, tt.status, rec.Body.String())
			}
			if tt.header != "" {
				if got := rec.Header().Get(tt.header); got != tt.value {
					t.Errorf("%s = %q, want %q", tt.header, got, tt.value)
				}
			}
		})
	}
}

// TestContentSecurityPolicy checks that the policy allows the page's own
// style and nothing else: a browser drops a style whose hash is not in it.
func TestContentSecurityPolicy(t *testing.T) {
	rec := get(newHandler(t, defaultEngine(t)), "/")
	body := rec.Body.String()
	_, style, ok := strings.Cut(body, "<style>")
	style, _, ok2 := strings.Cut(style, "</style>")
	if !ok || !ok2 {
		t.Fatal("no style element")
	}
	sum := sha256.Sum256([]byte(style))
	want := "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	if diff := cmp.Diff(want, rec.Header().Get("Content-Security-Policy")); diff != "" {
		t.Errorf("policy mismatch (-want +got):\n%s", diff)
	}
	if strings.Contains(body, "<script") {
		t.Error("the page has a script")
	}
}

func TestNew(t *testing.T) {
	if _, err := New(nil); err == nil {
		t.Error("New(nil) gave no error")
	}
}

var (
	summaryRE = regexp.MustCompile(`<summary>(.*?)</summary>`)
	tagRE     = regexp.MustCompile(`<[^>]*>`)
	claimRE   = regexp.MustCompile(`(?s)<ul class="claims">(.*?)</ul>`)
	claimLiRE = regexp.MustCompile(`<li>(.*?)</li>`)
)

// TestWhyTogglesHaveNames checks that each "Why?" toggle names what it
// explains, so that a screen reader's list of controls does not read
// "Why?" twenty times over.
func TestWhyTogglesHaveNames(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	tests := []struct {
		name string
		form url.Values
		// want are the names of some of the toggles.
		want []string
	}{
		{"disc herniation", discForm, []string{"Why? (Walking)", "Why? (Hamstring stretch and Piriformis stretch)", "Why? (Cat-cow, Pelvic tilt and Gentle yoga)"}},
		{"saddle numbness", saddleForm, []string{"Why? (referral)", "Why? (Inversion table)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := post(h, tt.form).Body.String()
			seen := map[string]bool{}
			for _, m := range summaryRE.FindAllStringSubmatch(body, -1) {
				name := html.UnescapeString(tagRE.ReplaceAllString(m[1], ""))
				if seen[name] {
					t.Errorf("two toggles are named %q", name)
				}
				seen[name] = true
			}
			if len(seen) < 2 {
				t.Fatalf("%d toggles, want several", len(seen))
			}
			var got []string
			for _, w := range tt.want {
				if seen[w] {
					got = append(got, w)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("toggles mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestClaimsAreParaphrased checks that each claim under a source says it
// is the rule author's words: a claim is a paraphrase, and shown after its
// locator in quotation marks it would read as a quotation of the source.
func TestClaimsAreParaphrased(t *testing.T) {
	body := post(newHandler(t, defaultEngine(t)), saddleForm).Body.String()
	lead := regexp.MustCompile(`^<span class="locator">(At “[^”<]+”, paraphrased|Paraphrased):</span> [^“”<]+( <span class="position">\([a-z ]+\)</span>)?$`)
	n := 0
	for _, list := range claimRE.FindAllStringSubmatch(body, -1) {
		for _, li := range claimLiRE.FindAllStringSubmatch(list[1], -1) {
			n++
			if !lead.MatchString(li[1]) {
				t.Errorf("claim not marked as a paraphrase: %s", li[1])
			}
		}
	}
	if n == 0 {
		t.Fatal("no claims on the page")
	}
}

// TestRenderedFieldsAccepted checks that every field the form renders is
// one the page reads: a post of each name the form shows, with an empty
// value, never meets "This form has no field". It guards the list of
// known fields against a field added to the form alone.
func TestRenderedFieldsAccepted(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`<(?:input|select|textarea)[^>]*\sname="([^"]+)"`).FindAllStringSubmatch(rec.Body.String(), -1) {
		names[m[1]] = true
	}
	for _, want := range []string{"conditions", "red_flags", "sex", "episode", "pain_level", "pregnancy_week"} {
		if !names[want] {
			t.Errorf("the form has no field %q", want)
		}
	}
	for name := range names {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(url.Values{name: {""}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if strings.Contains(rec.Body.String(), "This form has no field") {
				t.Errorf("the page refuses the field %q that its own form renders", name)
			}
		})
	}
}

// TestPictures checks that each plan step and also-helpful item shows its
// movement's picture with the how as alt text, and that the picture is
// served as a cacheable SVG.
func TestPictures(t *testing.T) {
	eng := defaultEngine(t)
	h := newHandler(t, eng)
	body := post(h, discForm).Body.String()
	for _, sec := range []string{"plan", "also-helpful"} {
		items := strings.Split(section(body, sec), `<li class="item" data-movements="`)[1:]
		if len(items) == 0 {
			t.Fatalf("no items in %s", sec)
		}
		for _, it := range items {
			id, _, _ := strings.Cut(it, `"`)
			first, _, _ := strings.Cut(id, " ")
			want := `<img class="picture" src="movements/` + first + `.svg" alt="` + html.EscapeString(eng.MovementAlt(first)) + `"`
			if eng.MovementAlt(first) == "" || !strings.Contains(it, want) {
				t.Errorf("%s item %s: no %s", sec, id, want)
			}
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /movements/{file}", h.ServePicture)
	svg, _ := eng.MovementSVG("glute_bridge")
	other, _ := eng.MovementSVG("bird_dog")
	tag := pictureETag(svg)
	if tag == pictureETag(other) || len(tag) != 34 {
		t.Fatalf("ETags %s and %s: want two quoted 32-digit tags, one per picture", tag, pictureETag(other))
	}
	tests := []struct {
		path, ifNoneMatch string
		status            int
		// header is Content-Type, Cache-Control and ETag; body the
		// bytes served.
		header []string
		body   string
	}{
		{path: "/movements/glute_bridge.svg", status: http.StatusOK, header: []string{"image/svg+xml", "no-cache", tag}, body: string(svg)},
		// The browser asks again: the same picture is a 304, a picture
		// changed by a reload (its old tag) the new one.
		{path: "/movements/glute_bridge.svg", ifNoneMatch: tag, status: http.StatusNotModified, header: []string{"", "no-cache", tag}},
		{path: "/movements/glute_bridge.svg", ifNoneMatch: pictureETag(other), status: http.StatusOK, header: []string{"image/svg+xml", "no-cache", tag}, body: string(svg)},
		{path: "/movements/glute_bridge", status: http.StatusNotFound},
		{path: "/movements/no_such.svg", status: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.ifNoneMatch, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			if tt.ifNoneMatch != "" {
				req.Header.Set("If-None-Match", tt.ifNoneMatch)
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if tt.header == nil {
				return
			}
			got := []string{rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"), rec.Header().Get("ETag")}
			if diff := cmp.Diff(tt.header, got); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.body, rec.Body.String()); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPrintRefsAscending checks that the handout names an item's sources
// by number in ascending order, as the text report does ("[1,4]"), not in
// the order the item first cites them ("[4,1]").
func TestPrintRefsAscending(t *testing.T) {
	tests := []struct {
		name string
		ns   []int
		want string
	}{
		{"none", nil, ""},
		{"one", []int{3}, "[3]"},
		{"in order", []int{1, 4}, "[1,4]"},
		{"out of order", []int{8, 1, 12, 2}, "[1,2,8,12]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cs []cite
			for _, n := range tt.ns {
				cs = append(cs, cite{N: n})
			}
			if diff := cmp.Diff(tt.want, refs(cs)); diff != "" {
				t.Errorf("refs (-want +got):\n%s", diff)
			}
		})
	}
	// On the page: no printed reference lists a higher number first.
	body := post(newHandler(t, defaultEngine(t)), discForm).Body.String()
	for _, m := range regexp.MustCompile(`<span class="print-refs"> \[([0-9,]+)\]</span>`).FindAllStringSubmatch(body, -1) {
		var ns []int
		for _, f := range strings.Split(m[1], ",") {
			n, _ := strconv.Atoi(f)
			ns = append(ns, n)
		}
		if !slices.IsSorted(ns) {
			t.Errorf("printed references %s are not in ascending order", m[0])
		}
	}
}

// TestWhyInPlainWords checks that a movement's "Why?" speaks to the
// person: the outcome in plain words, not the ids of the rules behind it;
// what each rule does without the tag or kind it names the movement by;
// and the rules that matched first, those that did not apply to the
// person behind a toggle of their own.
func TestWhyInPlainWords(t *testing.T) {
	body := post(newHandler(t, defaultEngine(t)), discForm).Body.String()
	for _, id := range []string{"plan", "also-helpful", "avoid"} {
		sec := section(body, id)
		for _, jargon := range []string{"by its tag", "by its kind", "by name", "Avoided, by ", "Recommended, by "} {
			if strings.Contains(sec, jargon) {
				t.Errorf("section %s says %q", id, jargon)
			}
		}
		// Every rule that did not match is inside the toggle of the
		// rules that did not apply, and every one that did is outside.
		rest := sec
		for {
			i := strings.Index(rest, `<ul class="rules">`)
			if i < 0 {
				break
			}
			rest = rest[i:]
			end := strings.Index(rest, "</ul>")
			list := rest[:end]
			inOthers := strings.HasSuffix(strings.TrimSpace(sec[:len(sec)-len(rest)]), "</summary>")
			if inOthers && strings.Contains(list, `class="matched"`) {
				t.Errorf("section %s: a rule that matched is among those that did not apply:\n%s", id, list)
			}
			if !inOthers && strings.Contains(list, "<span>Not matched") {
				t.Errorf("section %s: a rule that did not match is among those that decided:\n%s", id, list)
			}
			rest = rest[end:]
		}
	}
	if !strings.Contains(section(body, "avoid"), `<details class="others">`) {
		t.Error("no toggle of the rules that did not apply under avoid")
	}
}

// TestHoldSaysWhatItWaitsFor checks the page's "Movement advice on hold"
// when the answers have problems: the advice waits for them to be
// corrected, and the page says "until a clinician has checked you" only
// when a referral withholds the advice, as the text report does. A routine
// referral that says "Keep doing what you can do in comfort in the
// meantime", beside a pain of 11, was told not to start any exercise until
// a clinician had checked it.
func TestHoldSaysWhatItWaitsFor(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	const clinician = "until a clinician has checked you"
	tests := []struct {
		name          string
		form          url.Values
		wantClinician bool
	}{
		{"routine referral and a mistake", url.Values{"red_flags": {"no_improvement_with_self_care"}, "pain_level": {"11"}, "days_since_onset": {"30"}}, false},
		{"emergency and a mistake", url.Values{"red_flags": {"saddle_numbness"}, "pain_level": {"11"}}, true},
		{"emergency", url.Values{"red_flags": {"saddle_numbness"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, tt.form)
			hold := section(rec.Body.String(), "on-hold")
			if hold == "" {
				t.Fatalf("status %d, no on-hold section:\n%s", rec.Code, rec.Body)
			}
			if got := strings.Contains(hold, clinician); got != tt.wantClinician {
				t.Errorf("the on-hold section says %q: %v, want %v:\n%s", clinician, got, tt.wantClinician, hold)
			}
		})
	}
}

// The printed handout leaves out the form, so nothing it prints may point
// at the form: what does on screen ("corrected in the form below") is in
// a .screen span, which the print style hides.
func TestHandoutPointsAtNoForm(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	rec := post(h, url.Values{"conditions": {"slipped_disk"}, "red_flags": {"saddle_numbness"}})
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status = %d, want %d", rec.Code, http.StatusBadRequest)
	}
	page := rec.Body.String()
	start := strings.Index(page, `<section id="result"`)
	end := strings.Index(page, "<form")
	if start < 0 || end < start {
		t.Fatalf("no result before the form in the page:\n%s", page)
	}
	printed := regexp.MustCompile(`<span class="screen">[^<]*</span>`).ReplaceAllString(page[start:end], "")
	for _, w := range []string{"below", "the form"} {
		if strings.Contains(printed, w) {
			i := strings.Index(printed, w)
			t.Errorf("the result's printed text says %q, but the form does not print: %s", w, printed[max(0, i-80):min(len(printed), i+40)])
		}
	}
	css, err := files.ReadFile("templates/style.css")
	if err != nil {
		t.Fatal(err)
	}
	_, print, _ := strings.Cut(string(css), "@media print")
	if !regexp.MustCompile(`(?m)^\s*\.screen\s*\{\s*display:\s*none;\s*\}`).MatchString(print) {
		t.Errorf("the print style does not hide .screen")
	}
}

// The printed handout keeps, of the key messages, the safety nets; but
// when advice is withheld it keeps every message the Result keeps (staying
// active, beside a referral that says keep_active): with no plan, the
// handout would otherwise say only not to start any exercises, and leave
// out the advice to keep walking that the page gives.
func TestHandoutKeepsTheMessagesOfWithheldAdvice(t *testing.T) {
	css, err := files.ReadFile("templates/style.css")
	if err != nil {
		t.Fatal(err)
	}
	_, print, _ := strings.Cut(string(css), "@media print")
	hides := regexp.MustCompile(`(?m)^\s*#messages \.item([^{]*)\{\s*display:\s*none;\s*\}`).FindStringSubmatch(print)
	if hides == nil {
		t.Fatal("the print style hides no key message")
	}
	// printed reports whether the print style shows the message li, by
	// the classes its rule for hidden messages leaves out.
	printed := func(li string) bool {
		for _, not := range regexp.MustCompile(`:not\(\.([a-z-]+)\)`).FindAllStringSubmatch(hides[1], -1) {
			if strings.Contains(li, " "+not[1]+`"`) || strings.Contains(li, " "+not[1]+" ") {
				return true
			}
		}
		return false
	}
	h := newHandler(t, defaultEngine(t))
	tests := []struct {
		name string
		form url.Values
		// want are the key messages the handout prints, by their first
		// words.
		want []string
	}{
		{"withheld, keep active", url.Values{"conditions": {"pregnancy"}, "red_flags": {"fever_or_chills"}, "pain_level": {"4"}},
			[]string{"Stop an exercise", "Stay gently active"}},
		{"withheld, emergency", url.Values{"red_flags": {"saddle_numbness"}},
			[]string{"Stop an exercise"}},
		{"advice given", url.Values{"conditions": {"disc_herniation"}, "pain_level": {"4"}},
			[]string{"Stop an exercise"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, tt.form)
			msgs := section(rec.Body.String(), "messages")
			if msgs == "" {
				t.Fatalf("status %d, no key messages:\n%s", rec.Code, rec.Body)
			}
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			var got []string
			for _, m := range regexp.MustCompile(`(?m)^(<li class="item[^"]*">)(?:<span class="label">Important:</span> )?(\S+ \S+ \S+)`).FindAllStringSubmatch(msgs, -1) {
				if printed(m[1]) {
					got = append(got, strings.TrimRight(m[2], ".,"))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("the key messages the handout prints (-want +got):\n%s\n%s", diff, msgs)
			}
		})
	}
}

// Each "Sources" and "Why?" toggle of a result page has a name of its own
// for a screen reader (its summary, with the visually hidden words that
// name its item), so that a list of the page's controls tells them apart.
// Two urgent referrals that begin with the same six words (night pain and
// a weak immune system: "Book a doctor's appointment in the next few
// days") gave two toggles one name.
func TestToggleNamesAreDistinct(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	tests := []struct {
		name string
		form url.Values
	}{
		{"two urgent referrals that begin alike", url.Values{"conditions": {"disc_herniation", "sciatica"}, "aggravated_by": {"sitting"},
			"equipment": {"towel"}, "pain_level": {"6"}, "red_flags": {"night_pain", "pain_below_knee", "immunosuppression"}}},
		{"withheld, several referrals", url.Values{"red_flags": {"saddle_numbness", "night_pain", "immunosuppression", "fever_or_chills"}, "pain_level": {"6"}}},
		{"pregnancy and thin bones", url.Values{"conditions": {"pregnancy", "osteoporosis", "spinal_stenosis"}, "equipment": {"exercise_mat", "foam_roller"},
			"pain_level": {"3"}, "age": {"70"}}},
	}
	summary := regexp.MustCompile(`<summary>(.*?)</summary>`)
	tag := regexp.MustCompile(`<[^>]*>`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, tt.form)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			seen := map[string]int{}
			for _, m := range summary.FindAllStringSubmatch(rec.Body.String(), -1) {
				seen[html.UnescapeString(tag.ReplaceAllString(m[1], ""))]++
			}
			var twice []string
			for name, n := range seen {
				if n > 1 {
					twice = append(twice, name)
				}
			}
			slices.Sort(twice)
			if diff := cmp.Diff([]string(nil), twice); diff != "" {
				t.Errorf("toggles that share a name (-want +got):\n%s", diff)
			}
		})
	}
}

func TestShortNames(t *testing.T) {
	tests := []struct {
		name        string
		texts, want []string
	}{
		{"none", []string{}, []string{}},
		{"short", []string{"Walk daily."}, []string{"Walk daily."}},
		{"six words and more", []string{"one two three four five six seven"}, []string{"one two three four five six…"}},
		{"exactly six", []string{"one two three four five six"}, []string{"one two three four five six"}},
		{"alike to the ninth word, told apart by the tenth", []string{
			"Book a doctor's appointment in the next few days. Back pain that is worse at night",
			"Book a doctor's appointment in the next few days and tell them about your back pain.",
		}, []string{
			"Book a doctor's appointment in the next few days. Back…",
			"Book a doctor's appointment in the next few days and…",
		}},
		{"one the start of another", []string{"a b c d e f", "a b c d e f g h"}, []string{"a b c d e f", "a b c d e f g…"}},
		{"the same text twice stays whole", []string{"a b c d e f g", "a b c d e f g"}, []string{"a b c d e f g", "a b c d e f g"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, shortNames(tt.texts)); diff != "" {
				t.Errorf("shortNames(%q) (-want +got):\n%s", tt.texts, diff)
			}
		})
	}
}
