package cdshooks_test

import (
	"context"
	"strings"
	"testing"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestAgeUpTo checks the two ages a partial birth date allows on 24
// November 2026 (today): the younger, which the patient has certainly
// reached, is Profile.Age, and the older, when it differs, Mapping.AgeUpTo.
func TestAgeUpTo(t *testing.T) {
	tests := []struct {
		birth      string
		age, older int
	}{
		{"1951", 74, 75},
		{"1951-11", 74, 75},
		{"1951-12", 74, 0},
		{"1951-10", 75, 0},
		{"1951-11-24", 75, 0},
		{"1951-11-25", 74, 0},
		{"2010", 15, 16},
		{"2011", 14, 15},
		{"2025", 1, 0}, // under one or one: 1 either way (a baby is 1)
		{"2026", 1, 0},
		{"1896", 129, 130},
		// 131 on 1 January 1895, over recommend.MaxAge: left out.
		{"1895", 130, 0},
	}
	for _, tt := range tests {
		t.Run(tt.birth, func(t *testing.T) {
			req, err := cdshooks.DecodeRequest([]byte(`{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
				"prefetch": {"patient": {"resourceType": "Patient", "birthDate": "` + tt.birth + `"}, "conditions": null, "pastConditions": null}}`))
			if err != nil {
				t.Fatal(err)
			}
			m, err := cdshooks.MapRequest(req, defaultEngine(t).Vocabulary(), today)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([2]int{tt.age, tt.older}, [2]int{m.Profile.Age, m.AgeUpTo}); diff != "" {
				t.Errorf("age and age up to (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUncertainAgeFailsTowardAClinician checks that a birth date that
// gives two ages never gets the advice of the less cautious one: when the
// two ages get different cards, the call is answered with the referrals
// of both and a card saying the age was uncertain, with the movement
// advice when it is the same at both ages and neither withholds it, and
// without it otherwise,
// at both ends of the ages the rules read (74 or 75 for the review of
// severe new pain at 75 and over; 15 or 16 for the referral under 16);
// when they get the same advice, it is given as for a full date.
func TestUncertainAgeFailsTowardAClinician(t *testing.T) {
	const (
		stenosis = `{"resource": {"resourceType": "Condition", "id": "s1",
			"clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
			"code": {"coding": [{"system": "http://snomed.info/sct", "code": "18347007"}]}}}`
		severePain = `{"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {"resourceType": "Observation", "status": "final",
			"code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]}, "subject": {"reference": "Patient/p"},
			"effectiveDateTime": "2026-11-23", "valueInteger": 8}}]}`
		oldAgeRule   = "red-flag-old-age-severe-pain"
		under16Rule  = "red-flag-under-16"
		ageCardStart = "Birth date gives age "
	)
	tests := []struct {
		name  string
		birth string
		past  string
		// wantRules are the rules behind the referral cards; wantAgeCard
		// the summary of the card that says the age was uncertain ("" for
		// none); wantAdvice whether an exercise plan is given.
		wantRules   []string
		wantAgeCard string
		wantAdvice  bool
	}{
		// The review at 75 does not withhold the advice, which is the
		// same at 74: it is given, with the referrals of both ages.
		{name: "a year that makes the person 74 or 75", birth: "1951", past: "null",
			wantRules: []string{oldAgeRule}, wantAgeCard: "74 or 75", wantAdvice: true},
		{name: "a year and month that make the person 74 or 75", birth: "1951-11", past: "null",
			wantRules: []string{oldAgeRule}, wantAgeCard: "74 or 75", wantAdvice: true},
		{name: "74 or 75, the past conditions missing", birth: "1951",
			wantRules: []string{oldAgeRule}, wantAgeCard: "74 or 75"},
		{name: "75, a full date", birth: "1951-05-01", past: "null", wantRules: []string{oldAgeRule}, wantAdvice: true},
		{name: "74, a full date", birth: "1951-12-01", past: "null", wantAdvice: true},
		{name: "73 or 74: the same advice", birth: "1952", past: "null", wantAdvice: true},
		{name: "a year that makes the person 15 or 16", birth: "2010", past: "null",
			wantRules: []string{under16Rule}, wantAgeCard: "15 or 16"},
		{name: "16, a full date", birth: "2010-01-01", past: "null", wantAdvice: true},
		{name: "14 or 15: the same advice", birth: "2011", past: "null", wantRules: []string{under16Rule}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pastKey := ""
			if tt.past != "" {
				pastKey = `, "pastConditions": ` + tt.past
			}
			body := []byte(`{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
				"prefetch": {"patient": {"resourceType": "Patient", "id": "p", "birthDate": "` + tt.birth + `"},
				"conditions": {"resourceType": "Bundle", "entry": [` + stenosis + `]}, "painScores": ` + severePain + pastKey + `}}`)
			eng := defaultEngine(t)
			var events []cdshooks.Event
			svc := cdshooks.NewService(func() *recommend.Engine { return eng }, cdshooks.WithClock(clock), quiet,
				cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
			rec := post(t, svc, body)
			resp := okResponse(t, rec)
			ageCard, advice := "", false
			for _, c := range resp.Cards {
				if s, ok := strings.CutPrefix(c.Summary, ageCardStart); ok {
					ageCard, _, _ = strings.Cut(s, ":")
					if withheld := strings.Contains(s, "exercise advice withheld"); withheld == tt.wantAdvice {
						t.Errorf("age card %q, with exercise advice given %v", c.Summary, tt.wantAdvice)
					}
				}
				advice = advice || topicCode(c) == "exercise-plan"
			}
			if diff := cmp.Diff(tt.wantAgeCard, ageCard); diff != "" {
				t.Errorf("the card of an uncertain age (-want +got):\n%s", diff)
			}
			if advice != tt.wantAdvice {
				t.Errorf("exercise advice given %v, want %v", advice, tt.wantAdvice)
			}
			if len(events) != 1 {
				t.Fatalf("%d events, want 1", len(events))
			}
			var rules []string
			for _, r := range events[0].Rules {
				if r == oldAgeRule || r == under16Rule {
					rules = append(rules, r)
				}
			}
			if diff := cmp.Diff(tt.wantRules, rules); diff != "" {
				t.Errorf("age rules behind the cards (-want +got):\n%s", diff)
			}
		})
	}
}
