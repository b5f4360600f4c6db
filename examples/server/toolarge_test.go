package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// tooLargeBody returns a /recommend body of size bytes that starts with
// head, a profile cut short inside the string value of an unknown field.
func tooLargeBody(head string, size int) []byte {
	return append([]byte(head), bytes.Repeat([]byte("x"), size-len(head))...)
}

// tooLargeAnswer reads a 413 of /recommend: its error, and the urgency of
// the first referral of its result, "" when it has none.
func tooLargeAnswer(t testing.TB, status int, body []byte) (string, recommend.Urgency) {
	t.Helper()
	var e invalidProfileError
	if err := json.Unmarshal(body, &e); err != nil || status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, body %s (%v); want a 413", status, cut(string(body)), err)
	}
	if e.Result == nil {
		return e.Error, ""
	}
	var res recommend.Result
	if err := json.Unmarshal(e.Result, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Referrals) == 0 || !res.Incomplete || !res.Withheld || len(res.Recommended)+len(res.Avoided)+len(res.Plan) > 0 {
		t.Errorf("result %s: want referrals, incomplete, withheld, nothing advised", cut(string(e.Result)))
		return e.Error, ""
	}
	return e.Error, res.Referrals[0].Urgency
}

// TestTooLargeShowsReferrals checks that a /recommend body over the limit
// is refused with 413, as before, and that the 413 carries, in "result",
// the referrals of what its first 64 KiB hold, read as a profile cut
// short: a body over the limit does not hide the emergency its start
// reports. Before, the 413 carried no referral.
func TestTooLargeShowsReferrals(t *testing.T) {
	s, _ := newServer(t, Config{})
	const msg = "the request body is larger than 65536 bytes"
	tests := []struct {
		name string
		body []byte
		want recommend.Urgency // "" for no result
	}{
		{"a red flag at the start", tooLargeBody(`{"red_flags": ["saddle_numbness"], "x": "`, maxRecommendBody+1), recommend.UrgencyEmergency},
		{"far over the limit", tooLargeBody(`{"red_flags": ["saddle_numbness"], "x": "`, 4*maxRecommendBody), recommend.UrgencyEmergency},
		{"a red flag in a list the limit cuts", tooLargeBody(`{"red_flags": ["fever_or_chills", "`, maxRecommendBody+1), recommend.UrgencyUrgent},
		{"no red flag", tooLargeBody(`{"pain_level": 4, "x": "`, maxRecommendBody+1), ""},
		{"a red flag after the limit", []byte(`{"x": "` + strings.Repeat("x", maxRecommendBody) + `", "red_flags": ["saddle_numbness"]}`), ""},
		{"not a JSON object", tooLargeBody("red_flags: [saddle_numbness]\nx: ", maxRecommendBody+1), recommend.UrgencyEmergency},
		{"not a JSON object, no red flag", tooLargeBody("pain_level: 4\nx: ", maxRecommendBody+1), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, s.Handler(), "POST", "/recommend", string(tt.body))
			checkDoc(t, "POST", "/recommend", rec)
			gotMsg, got := tooLargeAnswer(t, rec.Code, rec.Body.Bytes())
			if diff := cmp.Diff(msg, gotMsg); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if got != tt.want {
				t.Errorf("first referral of the result %q, want %q", got, tt.want)
			}
		})
	}
}

// TestTooLargeOverTheWire checks, over a real connection, that a client
// that does not send Expect: 100-continue, and so sends its body at once,
// gets the 413 with the referrals every time, not a reset connection,
// however large the body, and that one that waits for 100 Continue gets
// the 413 before it sends its body, without referrals (reading the body
// would send the 100 Continue), as before.
func TestTooLargeOverTheWire(t *testing.T) {
	s, _ := newServer(t, Config{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	repeat := 10
	if testing.Short() {
		repeat = 3
	}
	for _, tt := range []struct {
		name   string
		size   int
		expect bool
		want   recommend.Urgency
	}{
		{"no Expect, just over", maxRecommendBody + 1, false, recommend.UrgencyEmergency},
		{"no Expect, 16 MiB", 16 << 20, false, recommend.UrgencyEmergency},
		{"Expect: 100-continue", 16 << 20, true, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var failures []string
			for i := range repeat {
				status, body, err := postOnce(srv.URL+"/recommend", tooLargeBody(`{"red_flags": ["saddle_numbness"], "x": "`, tt.size), tt.expect)
				if err != nil {
					failures = append(failures, fmt.Sprintf("attempt %d: %v", i+1, err))
					continue
				}
				if _, got := tooLargeAnswer(t, status, body); got != tt.want {
					failures = append(failures, fmt.Sprintf("attempt %d: referral %q, want %q", i+1, got, tt.want))
				}
			}
			if len(failures) > 0 {
				t.Errorf("%d of %d attempts failed:\n%s", len(failures), repeat, strings.Join(failures, "\n"))
			}
		})
	}
	// The page reads the start of a form over its limit likewise.
	t.Run("page, no Expect, 16 MiB", func(t *testing.T) {
		for i := range repeat {
			form := append([]byte("red_flags=saddle_numbness&x="), bytes.Repeat([]byte("x"), 16<<20)...)
			status, body, err := postOnceAs(srv.URL+"/", "application/x-www-form-urlencoded", form, false)
			if err != nil || status != http.StatusRequestEntityTooLarge || !bytes.Contains(body, []byte(`<div class="referral emergency" role="alert">`)) {
				t.Errorf("attempt %d: status %d, error %v; want a 413 page with the emergency:\n%s", i+1, status, err, cut(string(body)))
			}
		}
	})
}

// postOnce posts body as JSON with Go's http.Client, on a new connection,
// with Expect: 100-continue when expect, and returns the answer.
func postOnce(url string, body []byte, expect bool) (int, []byte, error) {
	return postOnceAs(url, "application/json", body, expect)
}

// postOnceAs is postOnce with the Content-Type contentType.
func postOnceAs(url, contentType string, body []byte, expect bool) (int, []byte, error) {
	tr := &http.Transport{ExpectContinueTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", contentType)
	if expect {
		req.Header.Set("Expect", "100-continue")
	}
	resp, err := (&http.Client{Transport: tr, Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	return resp.StatusCode, got, err
}
