package cdshooks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sort"
	"testing"
	"unicode/utf8"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/internal/casefile"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// The check below is written from the text of the CDS Hooks specification
// (HL7 CDS Hooks, input/pagecontent/index.md: "CDS Service Response",
// "Card Attributes", "Source", "Link", "Suggestion", "Coding",
// "Extensions" and "Use of JSON"), not from the cards this package makes.
// It reads the response as plain JSON, so it sees what a CDS client sees.
//
//   - The response is an object with a REQUIRED cards array; systemActions
//     is OPTIONAL; extension is the name the specification reserves.
//   - A card has summary (REQUIRED string, "one-sentence, <140-character"),
//     indicator (REQUIRED, one of info, warning, critical) and source
//     (REQUIRED object); uuid, detail, suggestions, selectionBehavior,
//     overrideReasons and links are OPTIONAL. With suggestions,
//     selectionBehavior MUST be given, as at-most-one or any.
//   - A source has label (REQUIRED string); url and icon are OPTIONAL
//     absolute URLs; topic is OPTIONAL, a Coding.
//   - A link has label, url and type, all REQUIRED; type is absolute or
//     smart; appContext is only for smart links; autolaunchable is a
//     boolean.
//   - A Coding has code and system, REQUIRED.
//   - JSON elements are not null, and not empty ("", [] or {}), unless the
//     specification says so (an empty cards array means no guidance).
//   - The uuid is a unique identifier of the card: a UUID, and no two cards
//     of a response share one.

var (
	responseKeys = set("cards", "systemActions", "extension")
	cardKeys     = set("uuid", "summary", "detail", "indicator", "source", "suggestions",
		"selectionBehavior", "overrideReasons", "links", "extension")
	sourceKeys = set("label", "url", "icon", "topic", "extension")
	linkKeys   = set("label", "url", "type", "appContext", "autolaunchable", "extension")
	indicators = set("info", "warning", "critical")
	// sentenceEnd finds the end of a sentence that more text follows.
	sentenceEnd = regexp.MustCompile(`[.!?] +\S`)
	uuidRE      = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

func set(keys ...string) map[string]bool {
	m := map[string]bool{}
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// checkResponse returns every way a service response body breaks the
// specification, or nil.
func checkResponse(body []byte) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	var resp any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&resp); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	top, ok := resp.(map[string]any)
	if !ok {
		return []string{"the response is not an object"}
	}
	unknownKeys(top, responseKeys, "response", bad)
	cards, ok := top["cards"].([]any)
	if !ok {
		return append(probs, "cards is REQUIRED and must be an array")
	}
	if ext, ok := top["extension"]; ok {
		if _, isObj := ext.(map[string]any); !isObj {
			bad("extension must be a JSON object")
		}
	}
	uuids := map[string]int{}
	for i, c := range cards {
		at := fmt.Sprintf("cards[%d]", i)
		card, ok := c.(map[string]any)
		if !ok {
			bad("%s is not an object", at)
			continue
		}
		noEmpty(card, at, bad)
		unknownKeys(card, cardKeys, at, bad)
		if s, ok := card["summary"].(string); !ok {
			bad("%s.summary is REQUIRED and must be a string", at)
		} else if n := utf8.RuneCountInString(s); n >= 140 {
			bad("%s.summary has %d characters; it must have fewer than 140", at, n)
		} else if sentenceEnd.MatchString(s) {
			bad("%s.summary %q has more than one sentence", at, s)
		}
		if ind, ok := card["indicator"].(string); !ok || !indicators[ind] {
			bad("%s.indicator is REQUIRED and must be info, warning or critical, found %v", at, card["indicator"])
		}
		if d, ok := card["detail"]; ok {
			if _, isStr := d.(string); !isStr {
				bad("%s.detail must be a string (GitHub-flavoured markdown)", at)
			}
		}
		if u, ok := card["uuid"]; ok {
			s, isStr := u.(string)
			if !isStr || !uuidRE.MatchString(s) {
				bad("%s.uuid must be a UUID, found %v", at, u)
			} else if j, dup := uuids[s]; dup {
				bad("%s.uuid %s is the uuid of cards[%d] too", at, s, j)
			} else {
				uuids[s] = i
			}
		}
		checkSource(card["source"], at+".source", bad)
		if sugg, ok := card["suggestions"]; ok {
			if _, isArr := sugg.([]any); !isArr {
				bad("%s.suggestions must be an array", at)
			}
			if sb, _ := card["selectionBehavior"].(string); sb != "at-most-one" && sb != "any" {
				bad("%s.selectionBehavior MUST be at-most-one or any when there are suggestions", at)
			}
		}
		if links, ok := card["links"]; ok {
			list, isArr := links.([]any)
			if !isArr {
				bad("%s.links must be an array", at)
			}
			for j, l := range list {
				checkLink(l, fmt.Sprintf("%s.links[%d]", at, j), bad)
			}
		}
	}
	return probs
}

func checkSource(v any, at string, bad func(string, ...any)) {
	src, ok := v.(map[string]any)
	if !ok {
		bad("%s is REQUIRED and must be an object", at)
		return
	}
	unknownKeys(src, sourceKeys, at, bad)
	if l, ok := src["label"].(string); !ok || l == "" {
		bad("%s.label is REQUIRED and must be a string", at)
	}
	for _, k := range []string{"url", "icon"} {
		if u, ok := src[k]; ok && !absoluteURL(u) {
			bad("%s.%s must be an absolute URL, found %v", at, k, u)
		}
	}
	if topic, ok := src["topic"]; ok {
		c, isObj := topic.(map[string]any)
		if !isObj || c["code"] == nil || c["system"] == nil {
			bad("%s.topic must be a Coding with code and system", at)
		}
	}
}

func checkLink(v any, at string, bad func(string, ...any)) {
	l, ok := v.(map[string]any)
	if !ok {
		bad("%s must be an object", at)
		return
	}
	unknownKeys(l, linkKeys, at, bad)
	if s, ok := l["label"].(string); !ok || s == "" {
		bad("%s.label is REQUIRED and must be a string", at)
	}
	typ, _ := l["type"].(string)
	if typ != "absolute" && typ != "smart" {
		bad("%s.type is REQUIRED and must be absolute or smart, found %v", at, l["type"])
	}
	if typ == "absolute" && !absoluteURL(l["url"]) {
		bad("%s.url is REQUIRED and, for an absolute link, must be an absolute URL, found %v", at, l["url"])
	}
	if _, ok := l["url"].(string); !ok {
		bad("%s.url is REQUIRED and must be a string", at)
	}
	if _, ok := l["appContext"]; ok && typ != "smart" {
		bad("%s.appContext is only for smart links", at)
	}
	if a, ok := l["autolaunchable"]; ok {
		if _, isBool := a.(bool); !isBool {
			bad("%s.autolaunchable must be a boolean", at)
		}
	}
}

// absoluteURL reports whether v is a string holding an absolute URL.
func absoluteURL(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.IsAbs() && u.Host != ""
}

// unknownKeys reports keys the specification does not define.
func unknownKeys(obj map[string]any, allowed map[string]bool, at string, bad func(string, ...any)) {
	var keys []string
	for k := range obj {
		if !allowed[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		bad("%s has %q, which the specification does not define", at, k)
	}
}

// noEmpty reports null and empty values anywhere under v.
func noEmpty(v any, at string, bad func(string, ...any)) {
	switch x := v.(type) {
	case nil:
		bad("%s is null", at)
	case string:
		if x == "" {
			bad("%s is an empty string", at)
		}
	case []any:
		if len(x) == 0 {
			bad("%s is an empty array", at)
		}
		for i, e := range x {
			noEmpty(e, fmt.Sprintf("%s[%d]", at, i), bad)
		}
	case map[string]any:
		if len(x) == 0 {
			bad("%s is an empty object", at)
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			noEmpty(x[k], at+"."+k, bad)
		}
	}
}

// TestSpecCheckCatches checks the check itself: each card breaks one rule
// of the specification, and the check must say so.
func TestSpecCheckCatches(t *testing.T) {
	const ok = `{"uuid": "0b9c1a6e-5b0f-4a55-9d0e-1f3c6d2a7e41", "summary": "S", "indicator": "info", "source": {"label": "L"}}`
	long := `"` + string(bytes.Repeat([]byte("x"), 140)) + `"`
	tests := []struct {
		name, body string
		want       []string
	}{
		{"valid", `{"cards": [` + ok + `]}`, nil},
		{"no cards", `{}`, []string{"cards is REQUIRED and must be an array"}},
		{"summary missing", `{"cards": [{"indicator": "info", "source": {"label": "L"}}]}`,
			[]string{"cards[0].summary is REQUIRED and must be a string"}},
		{"summary of 140 characters", `{"cards": [{"summary": ` + long + `, "indicator": "info", "source": {"label": "L"}}]}`,
			[]string{"cards[0].summary has 140 characters; it must have fewer than 140"}},
		{"summary of two sentences", `{"cards": [{"summary": "Rest. Then walk.", "indicator": "info", "source": {"label": "L"}}]}`,
			[]string{`cards[0].summary "Rest. Then walk." has more than one sentence`}},
		{"indicator not allowed", `{"cards": [{"summary": "S", "indicator": "hard-stop", "source": {"label": "L"}}]}`,
			[]string{"cards[0].indicator is REQUIRED and must be info, warning or critical, found hard-stop"}},
		{"source missing", `{"cards": [{"summary": "S", "indicator": "info"}]}`,
			[]string{"cards[0].source is REQUIRED and must be an object"}},
		{"source label missing", `{"cards": [{"summary": "S", "indicator": "info", "source": {"url": "https://example.org"}}]}`,
			[]string{"cards[0].source.label is REQUIRED and must be a string"}},
		{"relative source url", `{"cards": [{"summary": "S", "indicator": "info", "source": {"label": "L", "url": "/x"}}]}`,
			[]string{"cards[0].source.url must be an absolute URL, found /x"}},
		{"link type", `{"cards": [{"summary": "S", "indicator": "info", "source": {"label": "L"}, "links": [{"label": "A", "url": "https://example.org", "type": "relative"}]}]}`,
			[]string{"cards[0].links[0].type is REQUIRED and must be absolute or smart, found relative"}},
		{"link url missing", `{"cards": [{"summary": "S", "indicator": "info", "source": {"label": "L"}, "links": [{"label": "A", "type": "absolute"}]}]}`,
			[]string{"cards[0].links[0].url is REQUIRED and, for an absolute link, must be an absolute URL, found <nil>",
				"cards[0].links[0].url is REQUIRED and must be a string"}},
		{"appContext on an absolute link", `{"cards": [{"summary": "S", "indicator": "info", "source": {"label": "L"}, "links": [{"label": "A", "url": "https://example.org", "type": "absolute", "appContext": "x"}]}]}`,
			[]string{"cards[0].links[0].appContext is only for smart links"}},
		{"uuid not a UUID", `{"cards": [{"uuid": "card-1", "summary": "S", "indicator": "info", "source": {"label": "L"}}]}`,
			[]string{"cards[0].uuid must be a UUID, found card-1"}},
		{"uuid twice", `{"cards": [` + ok + `, ` + ok + `]}`,
			[]string{"cards[1].uuid 0b9c1a6e-5b0f-4a55-9d0e-1f3c6d2a7e41 is the uuid of cards[0] too"}},
		{"empty detail and links", `{"cards": [{"summary": "S", "detail": "", "indicator": "info", "source": {"label": "L"}, "links": []}]}`,
			[]string{"cards[0].detail is an empty string", "cards[0].links is an empty array"}},
		{"suggestions without selectionBehavior", `{"cards": [{"summary": "S", "indicator": "info", "source": {"label": "L"}, "suggestions": [{"label": "x"}]}]}`,
			[]string{"cards[0].selectionBehavior MUST be at-most-one or any when there are suggestions"}},
		{"unknown card key", `{"cards": [{"summary": "S", "indicator": "info", "source": {"label": "L"}, "title": "T"}]}`,
			[]string{`cards[0] has "title", which the specification does not define`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, checkResponse([]byte(tt.body))); diff != "" {
				t.Errorf("checkResponse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCardsMeetSpecForCases makes cards for the profile of every test case
// of the default rules and checks them against the specification, and
// that each Result gives the cards the package promises: a critical card
// for each emergency referral, no exercise cards when advice is withheld,
// a card per plan step, and a source on every card.
func TestCardsMeetSpecForCases(t *testing.T) {
	eng := defaultEngine(t)
	cases, err := casefile.LoadFS(os.DirFS("../testdata/cases"), ".", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 50 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.File+"/"+c.Name, func(t *testing.T) {
			res, err := eng.Recommend(t.Context(), c.Profile)
			if err != nil {
				t.Fatal(err)
			}
			cards, err := cdshooks.Cards(res, testHookInstance)
			if err != nil {
				t.Fatal(err)
			}
			body, err := json.Marshal(cdshooks.Response{Cards: cards})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range checkResponse(body) {
				t.Errorf("%s", p)
			}
			checkPromises(t, res, cards)
		})
	}
}

// checkPromises checks the cards of res against what Cards documents.
func checkPromises(t *testing.T, res *recommend.Result, cards []cdshooks.Card) {
	t.Helper()
	for _, c := range cards {
		for _, p := range unlabelledPatientWords(c.Detail) {
			t.Errorf("card %q addresses the patient outside the patient's words: %q", c.Summary, p)
		}
	}
	count := map[cdshooks.Indicator]int{}
	for _, c := range cards {
		count[c.Indicator]++
	}
	wantCritical := 0
	for _, r := range res.Referrals {
		if r.Urgency == recommend.UrgencyEmergency {
			wantCritical++
		}
	}
	if count[cdshooks.IndicatorCritical] != wantCritical {
		t.Errorf("%d critical cards for %d emergency referrals", count[cdshooks.IndicatorCritical], wantCritical)
	}
	if len(cards) > 0 && cards[0].Indicator != cdshooks.IndicatorCritical && wantCritical > 0 {
		t.Errorf("the first card is %s, not the emergency", cards[0].Indicator)
	}
	exercise := 0
	for _, c := range cards {
		if bytes.HasPrefix([]byte(c.Summary), []byte("Plan step ")) ||
			bytes.HasPrefix([]byte(c.Summary), []byte("Also helpful: ")) ||
			bytes.HasPrefix([]byte(c.Summary), []byte("Recommended: ")) {
			exercise++
		}
	}
	switch {
	case res.Withheld && exercise > 0:
		t.Errorf("advice is withheld, but %d cards advise exercises", exercise)
	case !res.Withheld && len(res.Recommended) > 0 && exercise == 0:
		t.Errorf("%d movements are recommended, but no card advises one", len(res.Recommended))
	}
	steps := 0
	for _, c := range cards {
		if bytes.HasPrefix([]byte(c.Summary), []byte("Plan step ")) {
			steps++
		}
	}
	if steps != len(res.Plan) {
		t.Errorf("%d plan cards for %d plan steps", steps, len(res.Plan))
	}
}
