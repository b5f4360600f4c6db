package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReadForm checks what readForm reads of a post: every part it can
// read, a problem placing each it cannot, and of a form over the limit,
// its first MaxFormBytes up to the last '&', so that a part the limit
// cuts short is not read.
func TestReadForm(t *testing.T) {
	// pad fills a form up to n bytes with a value of the unknown field x.
	pad := func(head, tail string, n int) string {
		return head + "&x=" + strings.Repeat("a", n-len(head)-len(tail)-3) + tail
	}
	tests := []struct {
		name      string
		body      string
		want      url.Values
		wantProbs []problem
		// wantUnread is the text received and not read.
		wantUnread []string
		wantOver   bool
	}{
		{name: "readable", body: "red_flags=saddle_numbness&pain_level=4",
			want: url.Values{"red_flags": {"saddle_numbness"}, "pain_level": {"4"}}},
		{name: "a bad escape in another field", body: "red_flags=saddle_numbness&pain_level=%zz",
			want:       url.Values{"red_flags": {"saddle_numbness"}},
			wantProbs:  []problem{{"pain_level", `This answer could not be read ("pain_level=%zz" at byte 26 of the form: a % must start an escape such as %20), so nothing it says was used: send the form again.`}},
			wantUnread: []string{"pain_level=%zz\n"}},
		{name: "a bad escape in a key", body: "pa%zzin=3&red_flags=saddle_numbness",
			want:       url.Values{"red_flags": {"saddle_numbness"}},
			wantProbs:  []problem{{"pa%zzin", `This answer could not be read ("pa%zzin=3" at byte 0 of the form: a % must start an escape such as %20), so nothing it says was used: send the form again.`}},
			wantUnread: []string{"pa%zzin=3\n"}},
		{name: "a semicolon", body: "age=40;sex=male&red_flags=saddle_numbness",
			want:       url.Values{"red_flags": {"saddle_numbness"}},
			wantProbs:  []problem{{"age", `This answer could not be read ("age=40;sex=male" at byte 0 of the form: a semicolon does not separate the parts of a form: use &), so nothing it says was used: send the form again.`}},
			wantUnread: []string{"age=40\nsex=male\n"}},
		{name: "a semicolon, escapes in its pieces", body: "age=40;red_flags=leg+weakness;x=%zz+y",
			want:       url.Values{},
			wantProbs:  []problem{{"age", `This answer could not be read ("age=40;red_flags=leg+weakness;x=%zz+y" at byte 0 of the form: a semicolon does not separate the parts of a form: use &), so nothing it says was used: send the form again.`}},
			wantUnread: []string{"age=40\nred_flags=leg weakness\nx=%zz y\n"}},
		{name: "over the limit", body: pad("red_flags=saddle_numbness", "", MaxFormBytes+1),
			want:       url.Values{"red_flags": {"saddle_numbness"}},
			wantProbs:  []problem{{"", "The form is larger than 65536 bytes, the most this page reads: only its first 26 bytes were read, and nothing after them. Send a shorter form."}},
			wantUnread: []string{"x=" + strings.Repeat("a", MaxFormBytes-28) + "\n"},
			wantOver:   true},
		{name: "over the limit, a number cut short", body: pad("red_flags=saddle_numbness", "&pain_level=1", MaxFormBytes) + "0",
			want:       url.Values{"red_flags": {"saddle_numbness"}, "x": {strings.Repeat("a", MaxFormBytes-41)}},
			wantProbs:  []problem{{"", "The form is larger than 65536 bytes, the most this page reads: only its first 65524 bytes were read, and nothing after them. Send a shorter form."}},
			wantUnread: []string{"pain_level=1\n"},
			wantOver:   true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			got, probs, unread, over, err := readForm(httptest.NewRecorder(), req)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantProbs, probs, cmp.AllowUnexported(problem{})); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantUnread, unread); diff != "" {
				t.Errorf("unread text (-want +got):\n%s", diff)
			}
			if over != tt.wantOver {
				t.Errorf("over = %v, want %v", over, tt.wantOver)
			}
		})
	}
}

// TestUnreadableFormKeepsTheEmergency checks that a form with a part that
// cannot be read, or over the limit, is refused (400, 413) with its
// problems, and that the page still shows the emergency the rest reports,
// above them. Before, the page answered a plain-text 400 or 413 and no
// referral.
func TestUnreadableFormKeepsTheEmergency(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	big := strings.Repeat("a", MaxFormBytes)
	const named = "&#34;Numbness in the groin, genitals or inner thighs&#34; was named where this page could not read it, so it is counted as a red flag, to be safe."
	const namedInCheckIn = "&#34;Numbness in the groin, genitals or inner thighs&#34; was named in an earlier check-in this page could not read, so it is counted as a red flag, to be safe."
	const namedForNumber = "&#34;Numbness in the groin, genitals or inner thighs&#34; was named in an answer that wants a number, which this page could not read, so it is counted as a red flag, to be safe."
	tests := []struct {
		name, body, query string
		status            int
		problem           string
	}{
		{name: "a bad escape in another field", body: "red_flags=saddle_numbness&pain_level=%zz", status: http.StatusBadRequest,
			problem: "This answer could not be read (&#34;pain_level=%zz&#34; at byte 26 of the form"},
		{name: "a semicolon", body: "red_flags=saddle_numbness&age=40;sex=male", status: http.StatusBadRequest,
			problem: "a semicolon does not separate the parts of a form"},
		{name: "a bad escape in the address", query: "?a=%zz", body: "red_flags=saddle_numbness", status: http.StatusBadRequest,
			problem: "was sent in the address, where the page does not read it, and could not be read there (at byte 0: a % must start"},
		{name: "over the limit", body: "red_flags=saddle_numbness&conditions=" + big, status: http.StatusRequestEntityTooLarge,
			problem: "The form is larger than 65536 bytes, the most this page reads"},
		// The red flag is named only where the page cannot read it: it
		// counts all the same, and the page says so.
		{name: "named in a part with a semicolon", body: "conditions=disc_herniation&age=40;red_flags=saddle_numbness", status: http.StatusBadRequest,
			problem: named},
		{name: "named in a part with a bad escape", body: "conditions=disc_herniation&red_flags=saddle_numbness%zz", status: http.StatusBadRequest,
			problem: named},
		{name: "named under a field the form lacks", body: "conditions=disc_herniation&red_flag=saddle_numbness", status: http.StatusBadRequest,
			problem: named},
		{name: "named in the address", query: "?red_flags=saddle_numbness", body: "conditions=disc_herniation", status: http.StatusBadRequest,
			problem: named},
		{name: "named in the part the limit cuts", body: "conditions=disc_herniation&note=saddle_numbness+" + big, status: http.StatusRequestEntityTooLarge,
			problem: named},
		// An earlier check-in the page cannot read: what it names counts
		// as what an unread part of the form names does.
		{name: "named in an earlier check-in that is not JSON", status: http.StatusBadRequest,
			body:    "conditions=acute_strain&check_in=" + url.QueryEscape(`{"day":0,"pain_level":5,"note":"saddle numbness"`),
			problem: namedInCheckIn},
		{name: "named under a key an earlier check-in lacks", status: http.StatusBadRequest,
			body:    "conditions=acute_strain&check_in=" + url.QueryEscape(`{"day":0,"pain_level":5,"red_flags":["saddle_numbness"]}`),
			problem: namedInCheckIn},
		// Words typed in a box that wants a number: the page reads no
		// number from them, and what they name counts, as it does in
		// JSON. Before, the page refused the number and dropped the
		// emergency.
		{name: "named in the pain box", status: http.StatusBadRequest,
			body: "conditions=acute_strain&pain_level=" + url.QueryEscape("9, and numbness around my bottom"), problem: namedForNumber},
		{name: "named in the age box", status: http.StatusBadRequest,
			body: "conditions=acute_strain&age=" + url.QueryEscape("saddle numbness"), problem: namedForNumber},
		{name: "named in a check-in's pain", status: http.StatusBadRequest,
			body: "conditions=acute_strain&pain_level=4&ci_day=0&ci_pain_level=" + url.QueryEscape("9 and saddle numbness"), problem: namedForNumber},
		{name: "named in a check-in's function", status: http.StatusBadRequest,
			body: "conditions=acute_strain&pain_level=4&ci_day=0&ci_pain_level=4&ci_function=" + url.QueryEscape("saddle numbness"), problem: namedForNumber},
		{name: "named in a check-in's day", status: http.StatusBadRequest,
			body: "conditions=acute_strain&pain_level=4&ci_day=" + url.QueryEscape("saddle numbness") + "&ci_pain_level=4", problem: namedForNumber},
		{name: "named in a check-in's sessions", status: http.StatusBadRequest,
			body:    "conditions=acute_strain&pain_level=4&ci_day=0&ci_pain_level=4&ci_movement=walking&ci_response-walking=same&ci_sessions-walking=" + url.QueryEscape("twice, saddle numbness"),
			problem: namedForNumber},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/"+tt.query, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d:\n%.300s", rec.Code, tt.status, body)
			}
			refs := strings.Index(body, `<div class="referral emergency" role="alert">`)
			summary := strings.Index(body, `class="error-summary"`)
			if refs < 0 || summary < refs {
				t.Errorf("the emergency is not shown above the problems (at %d and %d)", refs, summary)
			}
			if !strings.Contains(body, tt.problem) {
				t.Errorf("page lacks the problem %q", tt.problem)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
		})
	}
}

// TestTooLargeExpectContinueIsNotRead checks that a form over the limit
// from a client that waits for 100 Continue is answered 413 from its
// Content-Length, without reading the body, which would send the 100
// Continue.
func TestTooLargeExpectContinueIsNotRead(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	body := &countingReader{r: strings.NewReader("red_flags=saddle_numbness&x=" + strings.Repeat("a", MaxFormBytes))}
	req := httptest.NewRequest(http.MethodPost, "/", body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Expect", "100-continue")
	req.ContentLength = int64(body.r.Len())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || body.n != 0 {
		t.Errorf("status %d after reading %d bytes, want 413 after none", rec.Code, body.n)
	}
}

type countingReader struct {
	r *strings.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestAddressRedFlagKeepsTheEmergency checks that the empty form asked
// for with a red flag in its address (a link that sends answers, which
// the page reads only from its form) shows the referral of the red flag,
// ticks it on the form and says why; an address that names none gets the
// empty form as before. Before, the address was dropped without a word.
func TestAddressRedFlagKeepsTheEmergency(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	const named = "&#34;Numbness in the groin, genitals or inner thighs&#34; was named in the address of this page, which reads answers only from the form, so it is counted as a red flag, to be safe, and ticked below."
	tests := []struct {
		name, query string
		emergency   bool
	}{
		{"an id", "?red_flags=saddle_numbness", true},
		{"in words", "?symptoms=Saddle+numbness%2C+age+40", true},
		{"a no-break space", "?red_flags=saddle%C2%A0numbness", true},
		{"none named", "?utm_source=leaflet", false},
		{"no address", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/"+tt.query, nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200:\n%.300s", rec.Code, body)
			}
			got := struct{ Emergency, Problem, Ticked, NoStore bool }{
				strings.Contains(body, `<div class="referral emergency" role="alert">`),
				strings.Contains(body, named),
				regexp.MustCompile(`value="saddle_numbness"[^>]*checked`).MatchString(body),
				rec.Header().Get("Cache-Control") == "no-store",
			}
			want := struct{ Emergency, Problem, Ticked, NoStore bool }{tt.emergency, tt.emergency, tt.emergency, tt.emergency}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("page (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAddressEntryTheVocabularyLacks checks that an entry of a list the
// vocabulary lacks, in the page's address or in a form sent as another
// type, counts toward the referrals as the same entry posted does (as
// what its "did you mean" names), with a problem that names it. Before,
// such an entry named no term whole and was dropped without a word:
// /?red_flags=saddle_numbnes showed the empty form, where the post shows
// the emergency.
func TestAddressEntryTheVocabularyLacks(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	tests := []pageCase{
		{"get: a red flag misspelt", http.MethodGet, "/?red_flags=saddle_numbnes", "", "", http.StatusOK, "emergency",
			"&#34;saddle_numbnes&#34;: unknown red flag (did you mean &#34;saddle_numbness&#34;?). It was given in the address of this page, which reads answers only from the form; toward any referral it is read as the form reads it, to be safe."},
		{"get: a condition misspelt, beside a cancer", http.MethodGet, "/?red_flags=history_of_cancer&conditions=sciatca", "", "", http.StatusOK, "emergency",
			"&#34;sciatca&#34;: unknown condition (did you mean &#34;sciatica&#34;?)."},
		{"get: an entry that stands for nothing is named", http.MethodGet, "/?red_flags=zzz", "", "", http.StatusOK, "",
			"&#34;zzz&#34;: unknown red flag. It was given in the address of this page"},
		{"post: the same entry posted, for comparison", http.MethodPost, "/", "application/x-www-form-urlencoded", "red_flags=saddle_numbnes",
			http.StatusBadRequest, "emergency", "&#34;saddle_numbnes&#34;: unknown red flag (did you mean &#34;saddle_numbness&#34;?)."},
		// A post's address counts as a GET's does.
		{"post: a red flag misspelt in the address", http.MethodPost, "/?red_flags=saddle_numbnes", "application/x-www-form-urlencoded", "pain_level=3",
			http.StatusBadRequest, "emergency", "&#34;red_flags&#34; was sent in the address, where the page does not read it as an answer, though what it says that can change a referral is counted, to be safe: send it in the form."},
		{"post: a pain of 9 in the address, the form's 3 beside belly pain", http.MethodPost, "/?pain_level=9", "application/x-www-form-urlencoded", "pain_level=3&red_flags=abdominal_pain_or_pulsation",
			http.StatusBadRequest, "emergency", ""},
		{"post: a pain of 2 in the address, the form's 9 beside belly pain", http.MethodPost, "/?pain_level=2", "application/x-www-form-urlencoded", "pain_level=9&red_flags=abdominal_pain_or_pulsation",
			http.StatusBadRequest, "emergency", ""},
		{"415: a form sent as text, a red flag misspelt", http.MethodPost, "/", "text/plain", "red_flags=saddle_numbnes",
			http.StatusUnsupportedMediaType, "emergency", "It was given in what was sent, which this page could not read as a form; toward any referral it is read as the form reads it, to be safe."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, h) })
	}
}

// TestPageCountsWhatChangesAReferral checks that every answer the page
// refuses, posted or in the address, counts what it says that can
// change a referral as recommend.Engine.DecodeProfile counts it: a
// number or choice sent twice as the value whose referrals are the most
// pressing, saying which; a condition that can change a referral named
// where the page could not read it (sciatica beside a cancer); and what
// a post not sent as a form names, or says as a JSON profile. Before, a
// number sent twice was read as neither, the condition was dropped, and
// the 415 was plain text: each gave "urgent", or no referral, where
// this gives "emergency".
func TestPageCountsWhatChangesAReferral(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	const form = "application/x-www-form-urlencoded"
	tests := []pageCase{
		{"post: a pain sent twice, the higher second", http.MethodPost, "/", form,
			"red_flags=abdominal_pain_or_pulsation&pain_level=2&pain_level=9", http.StatusBadRequest, "emergency",
			"Enter one number: &#34;2&#34; and &#34;9&#34; were sent, and &#34;9&#34; is counted toward any referral, as the answer with the most pressing referrals, to be safe."},
		{"post: a pain sent twice, the higher first", http.MethodPost, "/", form,
			"red_flags=abdominal_pain_or_pulsation&pain_level=9&pain_level=2", http.StatusBadRequest, "emergency",
			"&#34;9&#34; is counted toward any referral"},
		{"post: a pain in full-width digits beside belly pain", http.MethodPost, "/", form,
			"red_flags=abdominal_pain_or_pulsation&pain_level=%EF%BC%99", http.StatusBadRequest, "emergency",
			"Enter a whole number from 0 to 10."},
		{"post: a pain sent twice, the higher in full-width digits", http.MethodPost, "/", form,
			"red_flags=abdominal_pain_or_pulsation&pain_level=2&pain_level=%EF%BC%99", http.StatusBadRequest, "emergency",
			"is counted toward any referral"},
		{"post: an age sent twice, the child's second", http.MethodPost, "/", form,
			"age=40&age=12", http.StatusBadRequest, "routine",
			"&#34;12&#34; is counted toward any referral"},
		{"post: a choice sent twice", http.MethodPost, "/", form,
			"red_flags=abdominal_pain_or_pulsation&pain_level=8&episode=long_standing_stable&episode=new", http.StatusBadRequest, "emergency",
			"Choose one answer: &#34;"},
		{"post: sciatica in a part that cannot be read, after a cancer", http.MethodPost, "/", form,
			"red_flags=history_of_cancer&conditions%zz=sciatica", http.StatusBadRequest, "emergency",
			"&#34;Sciatica (pain running down the leg)&#34; was named where this page could not read it, so it is counted as a condition toward any referral, to be safe."},
		{"post: sciatica in a field the form lacks", http.MethodPost, "/", form,
			"red_flags=history_of_cancer&condition=sciatica", http.StatusBadRequest, "emergency", ""},
		{"get: a pain given twice in the address", http.MethodGet, "/?red_flags=abdominal_pain_or_pulsation&pain_level=2&pain_level=9", "",
			"", http.StatusOK, "emergency", "&#34;9&#34; is counted toward any referral"},
		{"get: sciatica in the address, after a cancer", http.MethodGet, "/?red_flags=history_of_cancer&conditions=sciatica", "",
			"", http.StatusOK, "emergency",
			"&#34;Sciatica (pain running down the leg)&#34; was named in the address of this page, which reads answers only from the form, so it is counted as a condition toward any referral, to be safe, and ticked below."},
		{"get: a pain in the address, beside the red flag", http.MethodGet, "/?red_flags=abdominal_pain_or_pulsation&pain_level=9", "",
			"", http.StatusOK, "emergency",
			"Pain level now was given in the address of this page, which reads answers only from the form, so it is counted toward any referral, to be safe, and filled in below."},
		{"get: an age in the address", http.MethodGet, "/?age=12", "", "", http.StatusOK, "routine", ""},
		{"415: a JSON profile", http.MethodPost, "/", "application/json",
			`{"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 9}`, http.StatusUnsupportedMediaType, "emergency",
			"This page reads answers sent from its form, and what was sent is not a form, so nothing in it was used as an answer: send the form below."},
		{"415: text", http.MethodPost, "/", "text/plain",
			"history of cancer, and sciatica", http.StatusUnsupportedMediaType, "emergency",
			"&#34;A history of cancer&#34; was named in what was sent, which this page could not read as a form, so it is counted as a red flag, to be safe, and ticked below."},
		{"415: no Content-Type", http.MethodPost, "/", "",
			"red_flags=saddle_numbness", http.StatusUnsupportedMediaType, "emergency", ""},
		// A form sent as another type: its numbers count as its named
		// terms do, as in the address.
		{"415: a form sent as text, a pain beside the red flag", http.MethodPost, "/", "text/plain",
			"red_flags=abdominal_pain_or_pulsation&pain_level=9", http.StatusUnsupportedMediaType, "emergency",
			"Pain level now was given in what was sent, which this page could not read as a form, so it is counted toward any referral, to be safe, and filled in below."},
		{"415: a form sent as text, a pain given twice", http.MethodPost, "/", "text/plain",
			"red_flags=abdominal_pain_or_pulsation&pain_level=2&pain_level=9", http.StatusUnsupportedMediaType, "emergency",
			"&#34;9&#34; is counted toward any referral"},
		{"415: a form sent as text, an age alone", http.MethodPost, "/", "text/plain",
			"age=12", http.StatusUnsupportedMediaType, "routine",
			"Age in years was given in what was sent, which this page could not read as a form, so it is counted toward any referral, to be safe, and filled in below."},
		// An explain request's JSON counts as the server's routes count
		// it: its wrapped profile as a profile, as far as a syntax error
		// lets it be read.
		{"415: an explain request, a red flag misspelt", http.MethodPost, "/", "application/json",
			`{"profile": {"red_flags": ["saddle_numbnes"]}, "movement": "walking"}`, http.StatusUnsupportedMediaType, "emergency", ""},
		{"415: an explain request, belly pain with a pain of 9", http.MethodPost, "/", "application/json",
			`{"profile": {"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 9}, "movement": "walking"}`, http.StatusUnsupportedMediaType, "emergency", ""},
		{"415: an explain request with a trailing comma", http.MethodPost, "/", "application/json",
			`{"profile": {"red_flags": ["saddle_numbnes"]}, "movement": "walking",}`, http.StatusUnsupportedMediaType, "emergency", ""},
		{"415: nothing named", http.MethodPost, "/", "application/json", `{"age": 40}`, http.StatusUnsupportedMediaType, "", ""},
		{"415: a JSON profile that names no term and refers", http.MethodPost, "/", "application/json", `{"age": 12}`, http.StatusUnsupportedMediaType, "routine",
			"This page reads answers sent from its form, and what was sent is not a form"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, h) })
	}
}

// TestAddressNumberThatCannotBeRead checks the problem of a number given
// in the page's address that cannot be read as one (NaN, text): it is not
// counted toward any referral, and the page says so. It used to say the
// number was counted and filled in, though Triage read no pain.
func TestAddressNumberThatCannotBeRead(t *testing.T) {
	eng := defaultEngine(t)
	const counted = "Pain level now was given in the address of this page, which reads answers only from the form, so it is counted toward any referral, to be safe, and filled in below."
	tests := []struct {
		name, query string
		want        []string // the problems of pain_level
		pain        int      // the pain given to Triage (which reads 11 as 10)
	}{
		{"NaN", "pain_level=NaN",
			[]string{`Pain level now was given in the address of this page as "NaN", which could not be read as a number, so it is not counted toward any referral: enter a whole number from 0 to 10.`}, 0},
		{"text", "pain_level=severe",
			[]string{`Pain level now was given in the address of this page as "severe", which could not be read as a number, so it is not counted toward any referral: enter a whole number from 0 to 10.`}, 0},
		{"a number", "pain_level=9", []string{counted}, 9},
		{"out of range, read as typed", "pain_level=11", []string{counted}, 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, in, probs := addressAnswers(eng, tt.query, inAddress)
			var got []string
			for _, pr := range probs {
				if pr.field == "pain_level" {
					got = append(got, pr.message)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems of pain_level (-want +got):\n%s", diff)
			}
			tp, _ := in.triageProfile(eng, p, true)
			if tp.PainLevel != tt.pain {
				t.Errorf("pain given to Triage %d, want %d", tp.PainLevel, tt.pain)
			}
		})
	}
}

// pageCase is a request to the page and what its answer must be.
type pageCase struct {
	name, method, target, contentType, body string
	status                                  int
	want                                    string // the first referral's urgency, "" for none
	says                                    string // a problem the page shows, HTML-escaped
}

// firstReferral matches a referral of the page, its urgency the match.
var firstReferral = regexp.MustCompile(`<div class="referral (\w+)"`)

// check sends the request to h and checks the answer's status, its first
// referral, that it says tt.says, and that a page with a referral is not
// stored.
func (tt pageCase) check(t *testing.T, h http.Handler) {
	t.Helper()
	req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
	if tt.contentType != "" {
		req.Header.Set("Content-Type", tt.contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != tt.status {
		t.Fatalf("status %d, want %d:\n%.300s", rec.Code, tt.status, body)
	}
	var got string
	if m := firstReferral.FindStringSubmatch(body); m != nil {
		got = m[1]
	}
	if got != tt.want {
		t.Errorf("first referral %q, want %q", got, tt.want)
	}
	if !strings.Contains(body, tt.says) {
		t.Errorf("the page does not say %q", tt.says)
	}
	if tt.want != "" && rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", rec.Header().Get("Cache-Control"))
	}
}
