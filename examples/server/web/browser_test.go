package web

// The end-to-end test: the page in a real browser, Debian's headless
// Chromium driven with chromedp. It needs the chromium package; without it
// the test is skipped, unless the CI environment variable is set, and then
// it fails, so that CI cannot pass without running it.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	gocmp "github.com/google/go-cmp/cmp"
)

var (
	screenshot  = flag.String("screenshot", "", "write a PNG of the result page for a disc herniation to this `file`, for the README")
	screenshots = flag.String("screenshots", "", "save the browser test's screenshots in this `dir`, not in the test's temporary directory")
)

// chromium returns the path of the Chromium binary, or skips the test when
// there is none and CI is not set.
func chromium(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI is set and Chromium is missing: install Debian's chromium package (.ci/run does)")
	}
	t.Skip("skipping the browser test: Chromium is not installed (apt-get install chromium); with CI set, this test fails instead")
	return ""
}

// newBrowser starts headless Chromium with the flags this machine needs and
// returns a tab's context, ended when the test ends.
func newBrowser(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	// Chromium's child processes can still write to the profile for a
	// moment after it stops, which would fail t.TempDir's cleanup; this
	// directory is removed with retries instead.
	dir, err := os.MkdirTemp("", "backrules-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("could not remove %s", dir)
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1000, 1200),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// The first action starts the browser.
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1000, 1200)); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return tab
}

// submit clicks the form's button and waits for the page it loads.
func submit(tab context.Context) error {
	_, err := chromedp.Run(tab, chromedp.WaitEvent(cdppage.LoadEventFired, nil,
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`))))
	return err
}

// saveScreenshot writes a PNG of the viewport to a file in dir and logs
// its path.
func saveScreenshot(t *testing.T, tab context.Context, path string) []byte {
	t.Helper()
	buf, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return buf
}

// avoidEntry is an entry of the avoid list, as the browser shows it.
type avoidEntry struct {
	Label string `json:"label"`
	// Links are the entry's source links: their text, their address and,
	// for a link within the page, the text of what it points at.
	Links []struct {
		Text   string `json:"text"`
		Href   string `json:"href"`
		Target string `json:"target"`
	} `json:"links"`
	InPlan bool `json:"inPlan"`
}

func TestBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := httpServer(t)
	tab := newBrowser(t, ctx)
	shots := *screenshots
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	t.Run("disc herniation", func(t *testing.T) {
		fill(t, tab, srv, discProfile)
		got, err := chromedp.Run(tab, chromedp.Evaluate[*avoidEntry](`(() => {
			const li = document.querySelector('#avoid li.item[data-movements~="knee_to_chest"]');
			if (!li) return null;
			return {
				label: li.querySelector('.label').innerText,
				links: [...li.querySelectorAll('ul.cites > li > a')].map(a => {
					const href = a.getAttribute('href');
					const target = href.startsWith('#') ? document.querySelector(href) : null;
					return {text: a.textContent.trim(), href: href, target: target ? target.innerText : ''};
				}),
				inPlan: !!document.querySelector('#plan [data-movements~="knee_to_chest"], #also-helpful [data-movements~="knee_to_chest"]'),
			};
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		saveScreenshot(t, tab, filepath.Join(shots, "disc-herniation.png"))
		if got == nil {
			t.Fatal("knee to chest is not listed under avoid")
		}
		if !strings.Contains(got.Label, "Knee to chest") {
			t.Errorf("the avoid entry reads %q, want it to name Knee to chest", got.Label)
		}
		if got.InPlan {
			t.Error("knee to chest is also recommended")
		}
		if len(got.Links) == 0 {
			t.Fatal("knee to chest has no source link under avoid")
		}
		for _, l := range got.Links {
			switch {
			case l.Text == "":
				t.Errorf("source link %s has no text", l.Href)
			case strings.HasPrefix(l.Href, "#") && !strings.Contains(l.Target, l.Text):
				t.Errorf("source link %q points at %s, which reads %q", l.Text, l.Href, l.Target)
			case !strings.HasPrefix(l.Href, "#") && !strings.HasPrefix(l.Href, "https://") && !strings.HasPrefix(l.Href, "http://"):
				t.Errorf("source link %q has address %q", l.Text, l.Href)
			}
		}

		// The why toggle opens from the keyboard.
		summary := chromedp.CSS(`#avoid li.item[data-movements~="knee_to_chest"] details:not(.sources) > summary`)
		if err := chromedp.Do(tab, chromedp.Focus(summary), chromedp.KeyEvent("\r")); err != nil {
			t.Fatal(err)
		}
		why, err := chromedp.Run(tab, chromedp.Evaluate[string](`(() => {
			const d = document.querySelector('#avoid li.item[data-movements~="knee_to_chest"] details:not(.sources)');
			return d.open ? d.innerText : '';
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(why, "Knee to chest: Avoided.") {
			t.Errorf("the why toggle did not open on Enter, or does not explain knee to chest; it reads:\n%s", why)
		}

		checkPhone(t, tab, filepath.Join(shots, "disc-herniation-phone.png"))
		checkHandout(t, tab, filepath.Join(shots, "disc-herniation.pdf"))

		if *screenshot != "" {
			writeReadmeScreenshot(t, tab, *screenshot)
		}
	})

	// The longest pages the default rules give: each prints on at most
	// two A4 pages, with what the handout must keep, and puts the plan
	// first on a phone, with check-ins too (This week comes after it).
	for _, p := range longProfiles(t) {
		t.Run(p.name, func(t *testing.T) {
			fill(t, tab, srv, p)
			checkPhone(t, tab, filepath.Join(shots, p.name+"-phone.png"))
			checkHandout(t, tab, filepath.Join(shots, p.name+".pdf"))
		})
	}

	t.Run("emergency", func(t *testing.T) {
		// Only the keyboard: tick the box with the space bar, type the
		// pain level, and send the form with Enter.
		if err := chromedp.Do(tab,
			chromedp.Navigate(srv),
			chromedp.WaitVisible(chromedp.CSS("form")),
			chromedp.Focus(chromedp.ID("red_flags-bladder_bowel_dysfunction")),
			chromedp.KeyEvent(" "),
			chromedp.Focus(chromedp.ID("conditions-disc_herniation")),
			chromedp.KeyEvent(" "),
			chromedp.Focus(chromedp.ID("pain_level")),
			chromedp.KeyEvent("6"),
		); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(tab, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.KeyEvent("\r"))); err != nil {
			t.Fatal(err)
		}
		type view struct {
			Alert      string `json:"alert"`
			Background string `json:"background"`
			OnHold     bool   `json:"onHold"`
			Plan       bool   `json:"plan"`
			Also       bool   `json:"also"`
			Text       string `json:"text"`
		}
		got, err := chromedp.Run(tab, chromedp.Evaluate[view](`(() => {
			const alert = document.querySelector('#referrals [role="alert"]');
			return {
				alert: alert ? alert.innerText : '',
				background: alert ? getComputedStyle(alert).backgroundColor : '',
				onHold: !!document.querySelector('#on-hold'),
				plan: !!document.querySelector('#plan'),
				also: !!document.querySelector('#also-helpful'),
				text: document.querySelector('#result').innerText,
			};
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		saveScreenshot(t, tab, filepath.Join(shots, "emergency.png"))
		if !strings.Contains(got.Alert, "EMERGENCY: GET HELP NOW") || !strings.Contains(got.Alert, "emergency department") {
			t.Errorf("no emergency alert; the alert reads %q", got.Alert)
		}
		if got.Background != "rgb(253, 231, 233)" {
			t.Errorf("the emergency alert's background is %s, want the red tint rgb(253, 231, 233)", got.Background)
		}
		if !got.OnHold {
			t.Error("movement advice is not shown on hold")
		}
		if got.Plan || got.Also || strings.Contains(got.Text, "How:") || strings.Contains(got.Text, "Dose:") {
			t.Errorf("an emergency shows exercises:\n%s", got.Text)
		}
	})

	t.Run("without JavaScript", func(t *testing.T) {
		if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
				t.Error(err)
			}
		}()
		if err := chromedp.Do(tab,
			chromedp.Navigate(srv),
			chromedp.WaitVisible(chromedp.CSS("form")),
			chromedp.Click(chromedp.ID("conditions-disc_herniation")),
			chromedp.Click(chromedp.ID("aggravated_by-bending_forward")),
		); err != nil {
			t.Fatal(err)
		}
		if err := submit(tab); err != nil {
			t.Fatal(err)
		}
		avoid, err := chromedp.Run(tab, chromedp.Text(chromedp.ID("avoid")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(avoid, "Knee to chest") {
			t.Errorf("with JavaScript off, knee to chest is not under avoid:\n%s", avoid)
		}
	})

	t.Run("problems", func(t *testing.T) {
		if err := chromedp.Do(tab,
			chromedp.Navigate(srv),
			chromedp.WaitVisible(chromedp.CSS("form")),
			chromedp.Click(chromedp.ID("conditions-sciatica")),
			chromedp.SendKeys(chromedp.ID("pain_level"), "11"),
			// An input of type number would send "" for this, and
			// the page would drop the answer without a word.
			chromedp.SendKeys(chromedp.ID("age"), "forty"),
		); err != nil {
			t.Fatal(err)
		}
		if err := submit(tab); err != nil {
			t.Fatal(err)
		}
		// The page opens with the keyboard on the summary, which
		// lists both problems. A browser moves focus to an autofocus
		// element when it next renders the page, after the load event,
		// so this reads the focus in the second animation frame.
		type loaded struct {
			Focused string   `json:"focused"`
			Links   []string `json:"links"`
			Age     string   `json:"age"`
		}
		first, err := chromedp.Run(tab, chromedp.Evaluate[loaded](`new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() => resolve({
			focused: document.activeElement.className,
			links: [...document.querySelectorAll('.error-summary a')].map(a => a.getAttribute('href')),
			age: document.getElementById('age').value,
		}))))`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		wantFirst := loaded{Focused: "error-summary", Links: []string{"#pain_level", "#age"}, Age: "forty"}
		if diff := gocmp.Diff(wantFirst, first); diff != "" {
			t.Errorf("the page with problems mismatch (-want +got):\n%s", diff)
		}
		// The summary's link takes the keyboard to the field, which
		// kept what was typed, as did the ticked box.
		if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`.error-summary a[href="#pain_level"]`))); err != nil {
			t.Fatal(err)
		}
		type view struct {
			Focused string `json:"focused"`
			Value   string `json:"value"`
			Checked bool   `json:"checked"`
			Error   string `json:"error"`
		}
		got, err := chromedp.Run(tab, chromedp.Evaluate[view](`({
			focused: document.activeElement.id,
			value: document.getElementById('pain_level').value,
			checked: document.getElementById('conditions-sciatica').checked,
			error: document.getElementById('pain_level-error').textContent.trim().replace(/\s+/g, ' '),
		})`))
		if err != nil {
			t.Fatal(err)
		}
		saveScreenshot(t, tab, filepath.Join(shots, "problems.png"))
		want := view{Focused: "pain_level", Value: "11", Checked: true, Error: "Error: Enter a whole number from 0 to 10."}
		if got != want {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
}

// browserProfile is a profile as the browser test enters it in the form:
// the ids of the boxes it ticks and the number fields' values by id.
type browserProfile struct {
	name   string
	ids    []string
	fields map[string]string
	// checkIns are earlier check-ins the form carries, as its hidden
	// check_in fields hold them.
	checkIns []string
}

// discProfile is the profile of the issue that asked for the handout, a
// disc herniation made worse by bending forward and sitting.
var discProfile = browserProfile{
	name: "disc herniation",
	ids: []string{"conditions-disc_herniation", "aggravated_by-bending_forward", "aggravated_by-sitting",
		"equipment-towel", "equipment-bed", "equipment-sofa", "equipment-exercise_mat"},
	fields: map[string]string{"pain_level": "4", "days_since_onset": "21", "sitting_hours": "8", "age": "42"},
}

// threeReferrals is a disc herniation with sciatica and three red flags,
// each with a routine referral that does not withhold advice: the first
// is shown in full above the plan, the others behind a toggle.
var threeReferrals = browserProfile{
	name: "disc herniation with sciatica and three referrals",
	ids: []string{"conditions-disc_herniation", "conditions-sciatica",
		"red_flags-leg_numbness_or_tingling", "red_flags-pain_below_knee", "red_flags-thoracic_pain",
		"aggravated_by-bending_forward", "aggravated_by-sitting", "equipment-towel", "equipment-bed"},
	fields: map[string]string{"pain_level": "6", "days_since_onset": "21", "sitting_hours": "8", "age": "42"},
}

// longProfiles are profiles whose pages are among the longest the default
// rules give: many recommended movements, each with a picture, or three
// referrals above the plan.
func longProfiles(t *testing.T) []browserProfile {
	t.Helper()
	voc := defaultEngine(t).Vocabulary()
	// ids returns the ids of the form's boxes for terms of the field.
	ids := func(field string, terms []recommend.Term) []string {
		var out []string
		for _, x := range terms {
			out = append(out, field+"-"+x.ID)
		}
		return out
	}
	every := ids("equipment", voc.Equipment)
	long := map[string]string{"pain_level": "3", "days_since_onset": "365", "sitting_hours": "7", "age": "45"}
	return []browserProfile{
		{"chronic stiffness", []string{"conditions-chronic_stiffness", "equipment-towel", "equipment-exercise_mat", "equipment-foam_roller",
			"equipment-massage_ball", "equipment-resistance_band", "equipment-bed"}, long, nil},
		{"chronic stiffness with every piece of equipment", append([]string{"conditions-chronic_stiffness"}, every...), long, nil},
		{"pregnancy with every piece of equipment", append([]string{"conditions-pregnancy"}, every...),
			map[string]string{"pregnancy_week": "24", "pain_level": "3", "days_since_onset": "365", "sitting_hours": "7", "age": "45"}, nil},
		threeReferrals,
		// The longest handout found among 2,000 random profiles: every
		// condition, five warning signs that refer without withholding
		// advice and eleven weekly check-ins, so a "This week" with a
		// chart above the plan.
		{"every condition with a programme", append(append(ids("conditions", voc.Conditions),
			"red_flags-injecting_drug_use", "red_flags-long_term_steroids", "red_flags-unexplained_weight_loss",
			"red_flags-anticoagulants_or_bleeding_disorder", "red_flags-immunosuppression",
			"aggravated_by-stretching", "aggravated_by-lifting", "sex-female"), every...),
			map[string]string{"pain_level": "10", "days_since_onset": "60", "sitting_hours": "9", "age": "45", "pregnancy_week": "24"},
			weeklyCheckIns(t, 11, "pelvic_tilt", "walking", "bird_dog", "heat", "glute_bridge")},
		// The largest programme there can be: every movement of the rule
		// set reported over eleven weeks, beside every condition, the
		// referrals and every piece of equipment (a handout of three A4
		// pages before This week printed from its short copy).
		{"every condition with every movement in the programme", append(append(ids("conditions", voc.Conditions),
			"red_flags-injecting_drug_use", "red_flags-long_term_steroids", "red_flags-unexplained_weight_loss",
			"red_flags-anticoagulants_or_bleeding_disorder", "red_flags-immunosuppression",
			"aggravated_by-stretching", "aggravated_by-lifting", "sex-female"), every...),
			map[string]string{"pain_level": "10", "days_since_onset": "60", "sitting_hours": "9", "age": "45", "pregnancy_week": "24"},
			everyMovementCheckIns(t, 11)},
		{"disc herniation with sciatica and every movement in the programme", threeReferrals.ids, threeReferrals.fields, everyMovementCheckIns(t, 2)},
	}
}

// everyMovementCheckIns returns n weekly check-ins that between them
// report every movement of the default rules, as many as a check-in may
// (recommend.MaxDoneEntries, fewer than the movements): the even ones the
// first movements, the odd ones the last.
func everyMovementCheckIns(t *testing.T, n int) []string {
	t.Helper()
	var ids []string
	for _, m := range defaultEngine(t).Movements() {
		ids = append(ids, m.ID)
	}
	k := min(len(ids), recommend.MaxDoneEntries)
	out := weeklyCheckIns(t, n, ids[:k]...)
	odd := weeklyCheckIns(t, n, ids[len(ids)-k:]...)
	for i := 1; i < n; i += 2 {
		out[i] = odd[i]
	}
	return out
}

// weeklyCheckIns returns n weekly check-ins of the movements, encoded as
// the form carries them, with pain and responses that go up and down.
func weeklyCheckIns(t *testing.T, n int, movements ...string) []string {
	t.Helper()
	responses := []string{recommend.ResponseSame, recommend.ResponseEasier, recommend.ResponseHarder, recommend.ResponseWorse}
	cs := make([]recommend.CheckIn, n)
	for i := range cs {
		cs[i] = recommend.CheckIn{Day: 7 * i, PainLevel: (3 + 7*i) % 11}
		for j, m := range movements {
			cs[i].Done = append(cs[i].Done, recommend.Done{Movement: m, Sessions: 1 + (i+j)%7, Response: responses[(i*j+i)%len(responses)]})
		}
	}
	enc, err := encodeCheckIns(cs)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// fill opens the form at srv, ticks p's boxes, fills in its fields, sends
// it and waits for the result.
func fill(t *testing.T, tab context.Context, srv string, p browserProfile) {
	t.Helper()
	steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(srv), chromedp.WaitVisible(chromedp.CSS("form"))}
	for _, id := range p.ids {
		steps = append(steps, chromedp.Click(chromedp.ID(id)))
	}
	for id, v := range p.fields {
		steps = append(steps, chromedp.SendKeys(chromedp.ID(id), v))
	}
	if len(p.checkIns) > 0 {
		// The form carries earlier check-ins as a result page's form
		// does, in hidden fields.
		cs, err := json.Marshal(p.checkIns)
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, chromedp.Evaluate[chromedp.Void](`(cs => {
			const form = document.querySelector('form');
			for (const c of cs) {
				const in_ = document.createElement('input');
				Object.assign(in_, {type: 'hidden', name: 'check_in', value: c});
				form.append(in_);
			}
		})(`+string(cs)+`)`))
	}
	if err := chromedp.Do(tab, steps...); err != nil {
		t.Fatal(err)
	}
	if err := submit(tab); err != nil {
		t.Fatal(err)
	}
	// The page has loaded: a result, or the problems with the answers.
	problems, err := chromedp.Run(tab, chromedp.Evaluate[string](`(() => {
		const summary = document.querySelector('.error-summary');
		return summary ? summary.innerText : document.getElementById('result') ? '' : 'no result';
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if problems != "" {
		t.Fatalf("the form for %s gives no result:\n%s", p.name, problems)
	}
}

// checkPhone shows the result page on a 390x844 phone, saves a screenshot
// at shot, and checks that the plan comes first: its first step starts
// within a screen and a half, and the first picture of its steps (a step
// the programme stopped has none) has loaded and has the movement's how as
// its alt text. Every referral is shown, or one tap away, behind a summary
// that is shown.
func checkPhone(t *testing.T, tab context.Context, shot string) {
	t.Helper()
	type phoneView struct {
		ID     string  `json:"id"`
		Top    float64 `json:"top"`
		Alt    string  `json:"alt"`
		Loaded bool    `json:"loaded"`
		// Hidden are the referrals neither shown nor behind a summary
		// that is shown.
		Hidden []string `json:"hidden"`
	}
	if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := chromedp.Do(tab, chromedp.EmulateViewport(1000, 1200)); err != nil {
			t.Fatal(err)
		}
	}()
	phone, err := chromedp.Run(tab, chromedp.Evaluate[phoneView](`(async () => {
		window.scrollTo(0, 0);
		const li = document.querySelector('#plan li.item');
		// A step the programme stopped has no picture: the first that has.
		const img = document.querySelector('#plan li.item img.picture');
		if (img && !img.complete) await new Promise(r => { img.onload = img.onerror = r; });
		return {
			id: img ? img.closest('li.item').dataset.movements : '',
			top: li ? li.getBoundingClientRect().top + window.scrollY : 1e9,
			alt: img ? img.alt : '',
			loaded: !!img && img.naturalWidth > 0,
			hidden: [...document.querySelectorAll('#referrals .referral')].filter(r => !r.closest('.more-referrals-print')).filter(r => {
				if (r.checkVisibility()) return false;
				const s = r.closest('details')?.querySelector(':scope > summary');
				return !s || !s.checkVisibility();
			}).map(r => r.innerText.slice(0, 80)),
		};
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	saveScreenshot(t, tab, shot)
	t.Logf("on a 390x844 phone the first plan step starts at %.0f px", phone.Top)
	if phone.Top > 1.5*844 {
		t.Errorf("on a 390x844 phone the first plan step starts at %.0f px, want within %.0f", phone.Top, 1.5*844)
	}
	if want := defaultEngine(t).MovementAlt(phone.ID); want == "" || phone.Alt != want {
		t.Errorf("the first pictured plan step (%s) has alt text %q, want its how %q", phone.ID, phone.Alt, want)
	}
	if !phone.Loaded {
		t.Error("the first plan step picture did not load")
	}
	for _, r := range phone.Hidden {
		t.Errorf("on a phone a referral cannot be reached: %q", r)
	}
}

// checkHandout prints the result page to A4 PDF, saved at path, and
// checks that it fits on one or two pages and that the print shows what
// the handout must keep: every referral, the plan's steps with their
// pictures and doses, the safety net, the sources' names, each printed
// item's source numbers and the numbers of the list of sources, and
// that an also-helpful movement the programme stopped this week is
// stopped.
func checkHandout(t *testing.T, tab context.Context, path string) {
	t.Helper()
	if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	missing, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`(() => {
		const missing = [];
		const need = (sel, what, ok = el => el.checkVisibility()) => {
			for (const el of document.querySelectorAll(sel)) {
				if (!ok(el)) missing.push(what + ': ' + el.textContent.trim().replace(/\s+/g, ' ').slice(0, 60));
			}
		};
		// Every referral prints: those behind the toggle from their
		// print copy, whose words must be the same.
		need('#referrals > .referral, #referrals .more-referrals-print .referral', 'a referral');
		const words = el => el.querySelector('p').textContent.trim().replace(/\s+/g, ' ');
		const copies = [...document.querySelectorAll('#referrals .more-referrals-print .referral')].map(words);
		for (const el of document.querySelectorAll('#referrals details.more-referrals .referral')) {
			if (!copies.includes(words(el))) missing.push('a referral behind the toggle: ' + words(el).slice(0, 60));
		}
		need('#plan li.item', 'a plan step');
		need('#plan li.item img.picture', 'a plan step\'s picture', el => el.checkVisibility() && el.getBoundingClientRect().width >= 40);
		need('#plan li.item > p', 'a plan step\'s line');
		need('#messages li.safety-net', 'the safety net');
		need('#sources li cite', 'a source\'s name');
		// Every item the handout prints cites its sources by number, as
		// the text report does, and the list of sources is numbered: on
		// screen the sources are behind toggles, which do not print.
		const cited = el => {
			const r = el.querySelector(':scope .print-refs');
			return !!r && r.checkVisibility() && /^\s*\[\d+(,\d+)*\]$/.test(r.textContent);
		};
		for (const el of document.querySelectorAll('#referrals .referral, #plan li.item, #also-helpful li.item, #avoid li.item, #messages li.item, #this-week .this-week-print li')) {
			const screenCites = el.matches('#this-week .this-week-print li') || el.querySelector(':scope > details.sources, :scope .referral details.sources') || el.querySelector('details.sources');
			if (el.checkVisibility() && screenCites && !cited(el)) missing.push('the source numbers of an item: ' + el.textContent.trim().replace(/\s+/g, ' ').slice(0, 60));
		}
		document.querySelectorAll('#sources li').forEach((li, i) => {
			const n = li.querySelector(':scope > .print-refs');
			if (!n || !n.checkVisibility() || n.textContent.trim() !== '[' + (i + 1) + ']') missing.push('the number of source ' + (i + 1));
		});
		// An also-helpful line whose movements the programme stopped this
		// week says so on paper too, where the list shrinks to names: a
		// name alone would tell the person to do it.
		const stopped = id => !!document.querySelector('#this-week li.step[data-change="stop"][data-movement="' + id + '"]');
		for (const li of document.querySelectorAll('#also-helpful li.item')) {
			if (li.dataset.movements.split(' ').every(stopped) && !li.querySelector('.dose').checkVisibility()) {
				missing.push('that a movement of also helpful is stopped this week: ' + li.querySelector('.label').textContent.trim().slice(0, 60));
			}
		}
		if (document.querySelector('#plan li.item') && !document.querySelector('#plan li.item img.picture')) missing.push('the plan has no picture');
		if (!document.querySelector('#messages li.safety-net')) missing.push('no safety net');
		return missing;
	})()`))
	if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range missing {
		t.Errorf("the printed handout leaves out %s", m)
	}
	pdf, err := chromedp.Run(tab, chromedp.Action[[]byte](func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		w, h, css := 8.27, 11.69, true
		r, err := cdp.Call(ctx, tg, cdppage.PrintToPDF, cdppage.PrintToPDFParams{PaperWidth: w, PaperHeight: h, PreferCSSPageSize: &css})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	pages := pdfPages(pdf)
	t.Logf("the printed handout has %d A4 pages: %s", pages, path)
	if pages < 1 || pages > 2 {
		t.Errorf("the printed handout has %d A4 pages, want 1 or 2", pages)
	}
}

// httpServer serves the page with the default rules and returns its URL.
func httpServer(t *testing.T) string {
	t.Helper()
	h := newHandler(t, defaultEngine(t))
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("GET /movements/{file}", h.ServePicture)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// writeReadmeScreenshot writes the README's picture of the result page:
// 1000 by 1100 pixels from the top: the disclaimer, the key messages and
// the start of the plan, as a PNG of at most 256 colours.
func writeReadmeScreenshot(t *testing.T, tab context.Context, path string) {
	t.Helper()
	if err := chromedp.Do(tab,
		chromedp.EmulateViewport(1000, 1100),
		chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`),
	); err != nil {
		t.Fatal(err)
	}
	buf, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1000, 1200)); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1000 {
		t.Errorf("the screenshot is %v, want 1000 pixels wide", b)
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, paletted(img)); err != nil {
		t.Fatal(err)
	}
	if out.Len() > 200<<10 {
		t.Errorf("the screenshot has %d bytes, want at most 200 KiB", out.Len())
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("README screenshot: %s (%d bytes)", path, out.Len())
}

// paletted returns img with its 256 most used colours, each pixel in the
// nearest of them: a page of text has few colours besides the shades at
// the edges of letters, so it loses little and its PNG shrinks by half.
func paletted(img image.Image) *image.Paletted {
	b := img.Bounds()
	count := map[color.RGBA]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			count[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colors := make([]color.RGBA, 0, len(count))
	for c := range count {
		colors = append(colors, c)
	}
	slices.SortFunc(colors, func(a, b color.RGBA) int {
		if n := cmp.Compare(count[b], count[a]); n != 0 {
			return n
		}
		return cmp.Compare(uint32(a.R)<<24|uint32(a.G)<<16|uint32(a.B)<<8|uint32(a.A), uint32(b.R)<<24|uint32(b.G)<<16|uint32(b.B)<<8|uint32(b.A))
	})
	pal := make(color.Palette, 0, 256)
	for _, c := range colors[:min(len(colors), 256)] {
		pal = append(pal, c)
	}
	out := image.NewPaletted(b, pal)
	index := map[color.RGBA]uint8{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			i, ok := index[c]
			if !ok {
				i = uint8(pal.Index(c))
				index[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	return out
}

// pdfPages counts the page objects of a PDF: "/Type /Page" not followed
// by "s" (which is the page tree).
func pdfPages(pdf []byte) int {
	return len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
}

// TestBrowserPhoneWidth shows result pages on phones 390, 360 and 320
// pixels wide, with every toggle open, and checks that the page never
// scrolls sideways: no element reaches past the screen's right edge. The
// check-in fieldset, three fieldsets deep around its radio buttons, was
// wider than a 390-pixel phone (its choices' columns had a fixed least
// width), and a source's address wider than a 360-pixel one.
func TestBrowserPhoneWidth(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := httpServer(t)
	tab := newBrowser(t, ctx)
	defer func() {
		if err := chromedp.Do(tab, chromedp.EmulateViewport(1000, 1200)); err != nil {
			t.Fatal(err)
		}
	}()
	profiles := []browserProfile{discProfile, threeReferrals, longProfiles(t)[1],
		{"disc herniation with a programme", discProfile.ids, discProfile.fields, weeklyCheckIns(t, 3, "walking", "towel_stretch", "bird_dog")}}
	for _, width := range []int{390, 360, 320} {
		for _, p := range profiles {
			t.Run(fmt.Sprintf("%d/%s", width, p.name), func(t *testing.T) {
				if err := chromedp.Do(tab, chromedp.EmulateViewport(int64(width), 844)); err != nil {
					t.Fatal(err)
				}
				fill(t, tab, srv, p)
				if diff := gocmp.Diff([]string{}, pastRightEdge(t, tab, width)); diff != "" {
					t.Errorf("on a phone %d px wide, elements past the right edge (-want +got):\n%s", width, diff)
				}
			})
		}
	}
}

// pastRightEdge opens every toggle of the page in tab and returns each
// element that reaches past the right edge of a screen width pixels wide,
// and the page's width when it is wider: what would make a phone scroll
// sideways.
func pastRightEdge(t *testing.T, tab context.Context, width int) []string {
	t.Helper()
	got, err := chromedp.Run(tab, chromedp.Evaluate[[]string](fmt.Sprintf(`(() => {
		document.querySelectorAll('details').forEach(d => d.open = true);
		const out = [];
		for (const el of document.querySelectorAll('body *')) {
			const r = el.getBoundingClientRect();
			if (r.width > 0 && r.right > %d.5 && el.checkVisibility()) {
				out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : '') + ' reaches ' + Math.round(r.right) + ' px');
			}
		}
		if (document.documentElement.scrollWidth > %d) out.push('the page is ' + document.documentElement.scrollWidth + ' px wide');
		return out;
	})()`, width, width)))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestBrowserLongWords shows a result page on phones 390 and 320 pixels
// wide for rules whose texts hold words longer than a phone's line, as a
// rule set written in German would (its movement names, hows, reasons
// and labels are data), and checks that the page never scrolls sideways.
// A movement named with one 41-letter word made the check-in's legend,
// and the "Why?" beside the plan step, reach 453 pixels: the page breaks
// a word that does not fit on a line.
func TestBrowserLongWords(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const word = "Lendenwirbelsäulenstabilisierungsübungen"
	m := testrules.Copy(t)
	for file, edits := range map[string][][2]string{
		"movements.yaml": {
			{"    name: Walking\n", "    name: " + word + "\n"},
			{"    how: Walk at an easy pace on flat ground, as far as is comfortable.\n", "    how: Walk at an easy pace on flat ground, " + word + ".\n"},
		},
		"vocabulary.yaml": {{"      label: Disc herniation (bulging or ruptured disc)\n", "      label: Bandscheibenvorfallsbeschwerdenbeschreibung\n"}},
		"everyone.yaml":   {{"      because: Walking is a simple way to stay active.\n", "      because: " + word + " " + word + ".\n"}},
	} {
		text := string(m[file].Data)
		for _, e := range edits {
			if !strings.Contains(text, e[0]) {
				t.Fatalf("%s has no %q", file, e[0])
			}
			text = strings.Replace(text, e[0], e[1], 1)
		}
		m[file] = &fstest.MapFile{Data: []byte(text)}
	}
	eng, err := recommend.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, eng)
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("GET /movements/{file}", h.ServePicture)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	tab := newBrowser(t, ctx)
	for _, width := range []int{390, 320} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			if err := chromedp.Do(tab, chromedp.EmulateViewport(int64(width), 844)); err != nil {
				t.Fatal(err)
			}
			fill(t, tab, srv.URL, discProfile)
			text, err := chromedp.Run(tab, chromedp.Text(chromedp.ID("plan")))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text, word) {
				t.Fatalf("the plan does not name %s:\n%s", word, text)
			}
			if diff := gocmp.Diff([]string{}, pastRightEdge(t, tab, width)); diff != "" {
				t.Errorf("on a phone %d px wide, elements past the right edge (-want +got):\n%s", width, diff)
			}
		})
	}
}

// TestBrowserCheckIn is the check-in round trip in the browser: a first
// check-in from the result page, then a second from the page that comes
// back, which carries the first in its form. The last page shows both in
// the trend's table and chart, and walking, reported easier with the pain
// falling, a level up.
func TestBrowserCheckIn(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := httpServer(t)
	tab := newBrowser(t, ctx)
	shots := *screenshots
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	checkIn := func(pain, sessions, response string) {
		t.Helper()
		if err := chromedp.Do(tab,
			chromedp.WaitVisible(chromedp.ID("check-in")),
			chromedp.SendKeys(chromedp.ID("ci_pain_level"), pain),
			chromedp.SendKeys(chromedp.ID("ci_sessions-walking"), sessions),
			chromedp.Click(chromedp.ID("ci_response-walking-"+response)),
		); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(tab, chromedp.WaitEvent(cdppage.LoadEventFired, nil,
			chromedp.Click(chromedp.CSS(`#check-in button[type="submit"]`)))); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.ID("this-week"))); err != nil {
			t.Fatal(err)
		}
	}
	type view struct {
		Day     string     `json:"day"`
		Carried int        `json:"carried"`
		Rows    [][]string `json:"rows"`
		Dots    int        `json:"dots"`
		Chart   string     `json:"chart"`
		Shown   bool       `json:"shown"`
		Walking string     `json:"walking"`
		Change  string     `json:"change"`
		Onset   string     `json:"onset"`
		Note    string     `json:"note"`
	}
	read := func() view {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Evaluate[view](`(() => {
			const svg = document.querySelector('#this-week svg[role="img"]');
			const step = document.querySelector('#this-week li.step[data-movement="walking"]');
			return {
				day: document.getElementById('ci_day').value,
				carried: document.querySelectorAll('form input[type="hidden"][name="check_in"]').length,
				rows: [...document.querySelectorAll('#trend-table tbody tr')].map(tr => [...tr.cells].map(td => td.textContent)),
				dots: svg ? svg.querySelectorAll('circle').length : 0,
				chart: svg ? document.getElementById(svg.getAttribute('aria-describedby')).textContent : '',
				shown: !!svg && svg.getBoundingClientRect().width > 100,
				walking: step ? step.querySelector('h4').innerText : '',
				change: step ? step.dataset.change : '',
				onset: document.getElementById('days_since_onset').value,
				note: (document.getElementById('days_since_onset-note') || {}).textContent || '',
			};
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	if err := chromedp.Do(tab,
		chromedp.Navigate(srv),
		chromedp.WaitVisible(chromedp.CSS("form")),
		chromedp.Click(chromedp.ID("conditions-disc_herniation")),
		chromedp.Click(chromedp.ID("aggravated_by-bending_forward")),
		chromedp.SendKeys(chromedp.ID("pain_level"), "6"),
		chromedp.SendKeys(chromedp.ID("days_since_onset"), "21"),
	); err != nil {
		t.Fatal(err)
	}
	if err := submit(tab); err != nil {
		t.Fatal(err)
	}
	checkIn("6", "5", "same")
	first := read()
	want := view{Day: "7", Carried: 1, Rows: [][]string{{"1", "0", "1", "6"}}, Dots: 1,
		Chart: "One check-in so far: pain 6 on day 0.", Shown: true, Walking: "Walking: Start", Change: "start", Onset: "21"}
	if diff := gocmp.Diff(want, first); diff != "" {
		t.Fatalf("after the first check-in (-want +got):\n%s", diff)
	}

	checkIn("4", "6", "easier")
	saveScreenshot(t, tab, filepath.Join(shots, "check-in.png"))
	second := read()
	want = view{Day: "14", Carried: 2, Rows: [][]string{{"1", "0", "1", "6"}, {"2", "7", "2", "4"}}, Dots: 2,
		Chart: "2 check-ins from day 0 to day 7: pain 6 at the first and 4 at the latest, 2 points lower than at the first; between 4 and 6 throughout.",
		Shown: true, Walking: "Walking: Up a level", Change: "progress",
		// The days since onset, left as typed, move on with the week.
		Onset: "28", Note: "Brought up to date for your check-in on day 7 (it was 21 on day 0). If a new episode has begun since, enter the days since it began."}
	if diff := gocmp.Diff(want, second); diff != "" {
		t.Errorf("after the second check-in (-want +got):\n%s", diff)
	}
}

// axeViolation is one rule axe-core found broken, with the elements that
// break it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []string `json:"target"`
		Summary string   `json:"failureSummary"`
	} `json:"nodes"`
}

// TestAxe runs axe-core, the accessibility checker, on the result page in
// Chromium: a normal result (a disc herniation), the same result on a
// 390x844 phone, and an emergency. It fails on any violation. It is
// opt-in, as axe-core is not vendored and not a Go module: set
// BACKRULES_AXE to the path of axe.min.js from the npm package axe-core
// (.ci/run downloads a pinned version).
func TestAxe(t *testing.T) {
	path := os.Getenv("BACKRULES_AXE")
	if path == "" {
		t.Skip("skipping the axe-core check: set BACKRULES_AXE to the path of axe-core's axe.min.js (npm pack axe-core)")
	}
	axe, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("BACKRULES_AXE: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := httpServer(t)
	tab := newBrowser(t, ctx)

	disc := []string{"conditions-disc_herniation", "conditions-sciatica", "red_flags-pain_below_knee", "aggravated_by-bending_forward",
		"aggravated_by-sitting", "equipment-towel", "equipment-bed"}
	discFields := map[string]string{"pain_level": "6", "days_since_onset": "21", "sitting_hours": "8", "age": "42"}
	tests := []struct {
		name          string
		ids           []string
		fields        map[string]string
		width, height int64
		// plant is script run on the page before the check: one that
		// opens a toggle, or one that breaks the page on purpose, and
		// then want are the rules axe-core must find broken: the proof
		// that the check runs and can fail.
		plant string
		want  []string
	}{
		{name: "the form", width: 1000, height: 1200},
		{"disc herniation with sciatica", disc, discFields, 1000, 1200, "", nil},
		{"disc herniation with sciatica on a phone", disc, discFields, 390, 844, "", nil},
		{"emergency", []string{"red_flags-bladder_bowel_dysfunction", "conditions-disc_herniation"}, map[string]string{"pain_level": "6"}, 1000, 1200, "", nil},
		{"emergency on a phone", []string{"red_flags-bladder_bowel_dysfunction", "conditions-disc_herniation"}, map[string]string{"pain_level": "6"}, 390, 844, "", nil},
		{"three referrals, the others behind a toggle, on a phone", threeReferrals.ids, threeReferrals.fields, 390, 844, "", nil},
		{"three referrals, the toggle open, on a phone", threeReferrals.ids, threeReferrals.fields, 390, 844,
			`document.querySelector('#referrals details.more-referrals').open = true`, nil},
		{"a picture without alt text is found", disc, discFields, 390, 844,
			`document.querySelector('#plan img.picture').removeAttribute('alt')`, []string{"image-alt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := chromedp.Do(tab, chromedp.EmulateViewport(tt.width, tt.height)); err != nil {
				t.Fatal(err)
			}
			if tt.ids == nil {
				if err := chromedp.Do(tab, chromedp.Navigate(srv), chromedp.WaitVisible(chromedp.CSS("form"))); err != nil {
					t.Fatal(err)
				}
			} else {
				fill(t, tab, srv, browserProfile{name: tt.name, ids: tt.ids, fields: tt.fields})
			}
			if tt.plant != "" {
				if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](tt.plant+";undefined")); err != nil {
					t.Fatal(err)
				}
			}
			// The page's Content-Security-Policy allows no script of its
			// own; the test's script comes in through the browser's
			// debugging protocol, which the policy does not govern.
			if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](string(axe)+"\n;undefined")); err != nil {
				t.Fatalf("injecting axe-core: %v", err)
			}
			type report struct {
				Version    string         `json:"version"`
				Passes     int            `json:"passes"`
				Violations []axeViolation `json:"violations"`
			}
			got, err := chromedp.Run(tab, chromedp.Evaluate[report](`axe.run(document, {resultTypes: ['violations']}).then(r => ({
				version: r.testEngine.version,
				passes: r.passes.length,
				violations: r.violations,
			}))`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("running axe-core: %v", err)
			}
			t.Logf("axe-core %s: %d rules passed, %d violated", got.Version, got.Passes, len(got.Violations))
			var ids []string
			for _, v := range got.Violations {
				ids = append(ids, v.ID)
			}
			if tt.want != nil {
				if diff := gocmp.Diff(tt.want, ids); diff != "" {
					t.Errorf("violations found on the broken page (-want +got):\n%s", diff)
				}
				return
			}
			for _, v := range got.Violations {
				for _, n := range v.Nodes {
					t.Errorf("axe-core: %s (%s): %s at %v\n%s", v.ID, v.Impact, v.Help, n.Target, n.Summary)
				}
			}
		})
	}
}
