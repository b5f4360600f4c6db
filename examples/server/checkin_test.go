package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestRecommendCheckIns sends a profile with check-ins to /recommend: the
// answer has the programme, and a bad check-in is refused with its
// position.
func TestRecommendCheckIns(t *testing.T) {
	s, _ := newServer(t, Config{})
	body := `{"conditions": ["disc_herniation"], "check_ins": [{"day": 0, "pain_level": 6, "done": [{"movement": "glute_bridge", "sessions": 3, "response": "same"}]},
		{"day": 7, "pain_level": 4, "done": [{"movement": "glute_bridge", "sessions": 3, "response": "easier"}]}]}`
	rec := do(t, s.Handler(), "POST", "/recommend", body)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", rec.Code, rec.Body)
	}
	var got struct {
		Programme *struct {
			Week  int `json:"week"`
			Steps []struct {
				Movement string `json:"movement"`
				Level    int    `json:"level"`
				Change   string `json:"change"`
			} `json:"steps"`
		} `json:"programme"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Programme == nil || got.Programme.Week != 2 || len(got.Programme.Steps) != 1 ||
		got.Programme.Steps[0].Change != "progress" || got.Programme.Steps[0].Level != 3 {
		t.Fatalf("programme = %+v, want week 2, glute_bridge progressed to level 3", got.Programme)
	}
	// The latest check-in's pain is the pain now, when it is the higher:
	// the high-pain caution follows it, as on every channel.
	rec = do(t, s.Handler(), "POST", "/recommend", `{"conditions": ["chronic_stiffness"], "pain_level": 3, "check_ins": [{"day": 0, "pain_level": 9}]}`)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"high-pain-gentle-range"`) {
		t.Fatalf("status %d, body %s; want 200 with the high-pain caution of the check-in's pain 9", rec.Code, rec.Body)
	}
	rec = do(t, s.Handler(), "POST", "/recommend", `{"check_ins": [{"day": 0, "pain_level": 12}]}`)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "check_ins[0].pain_level") {
		t.Fatalf("status %d, body %s; want 400 naming check_ins[0].pain_level", rec.Code, rec.Body)
	}
}
