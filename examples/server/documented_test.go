package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkInsProfile is a profile with two check-ins, whose Result has a
// programme.
const checkInsProfile = `{"check_ins":[{"day":0,"pain_level":3,"done":[{"movement":"walking","sessions":3,"response":"easier"}]},` +
	`{"day":7,"pain_level":2,"done":[{"movement":"walking","sessions":5,"response":"easier"}]}]}`

// TestEveryAnswerDocumented sends requests the other tests do not (the
// wrong method on the page and on a picture, a page post that is too
// large, not a form, or from another site, a range of a picture, a
// profile with check-ins to /recommend and /explain, for a movement and
// the referrals) and
// checks that each answer is one openapi.json documents: its status, its
// Content-Type and, for JSON, its schema; and that a wrong method is a
// 405 that says which methods to use.
func TestEveryAnswerDocumented(t *testing.T) {
	s, _ := newServer(t, Config{})
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		header      [2]string
		body        string
		wantStatus  int
		wantAllow   string
	}{
		{name: "PUT on the page", method: "PUT", target: "/", wantStatus: 405, wantAllow: "GET, HEAD, POST"},
		{name: "DELETE on the page", method: "DELETE", target: "/", wantStatus: 405, wantAllow: "GET, HEAD, POST"},
		{name: "OPTIONS on the page", method: "OPTIONS", target: "/", wantStatus: 405, wantAllow: "GET, HEAD, POST"},
		{name: "POST on a picture", method: "POST", target: "/movements/glute_bridge.svg", wantStatus: 405, wantAllow: "GET, HEAD"},
		{name: "DELETE on a picture", method: "DELETE", target: "/movements/glute_bridge.svg", wantStatus: 405, wantAllow: "GET, HEAD"},
		{name: "a Result with a programme", method: "POST", target: "/recommend", contentType: "application/json", body: checkInsProfile, wantStatus: 200},
		{name: "an explanation with a programme step", method: "POST", target: "/explain", contentType: "application/json", body: `{"profile":` + checkInsProfile + `,"movement":"walking"}`, wantStatus: 200},
		{name: "a referral explanation with the check-ins' reviews", method: "POST", target: "/explain", contentType: "application/json", body: `{"profile":` + checkInsProfile + `,"movement":"referral"}`, wantStatus: 200},
		{name: "OPTIONS on discovery", method: "OPTIONS", target: "/cds-services", wantStatus: 204, wantAllow: "GET, HEAD, OPTIONS"},
		{name: "OPTIONS on the service", method: "OPTIONS", target: "/cds-services/backrules", wantStatus: 204, wantAllow: "POST, OPTIONS"},
		{name: "OPTIONS on feedback", method: "OPTIONS", target: "/cds-services/backrules/feedback", wantStatus: 204, wantAllow: "POST, OPTIONS"},
		{name: "no such picture", method: "GET", target: "/movements/no_such_movement.svg", wantStatus: 404},
		{name: "a range of a picture", method: "GET", target: "/movements/glute_bridge.svg", header: [2]string{"Range", "bytes=0-10"}, wantStatus: 206},
		{name: "a range past a picture's end", method: "GET", target: "/movements/glute_bridge.svg", header: [2]string{"Range", "bytes=999999-"}, wantStatus: 416},
		{name: "a page post too large", method: "POST", target: "/", contentType: "application/x-www-form-urlencoded", body: "pain_level=" + strings.Repeat("1", 300_000), wantStatus: 413},
		{name: "a page post not a form", method: "POST", target: "/", contentType: "application/json", body: "{}", wantStatus: 415},
		{name: "a page post from another site", method: "POST", target: "/", contentType: "application/x-www-form-urlencoded", header: [2]string{"Sec-Fetch-Site", "cross-site"}, body: "pain_level=3", wantStatus: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.header[0] != "" {
				req.Header.Set(tt.header[0], tt.header[1])
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantStatus, cut(rec.Body.String()))
			}
			if diff := cmp.Diff(tt.wantAllow, rec.Header().Get("Allow")); diff != "" {
				t.Errorf("Allow (-want +got):\n%s", diff)
			}
			path := tt.target
			if strings.HasPrefix(path, "/movements/") {
				path = "/movements/{file}"
			}
			method := tt.method
			if rec.Code == http.StatusMethodNotAllowed {
				method = ""
			}
			checkDoc(t, method, path, rec)
		})
	}
}
