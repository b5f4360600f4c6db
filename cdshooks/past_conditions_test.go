package cdshooks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/rules"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
)

// topicCode is the code of a card's topic, "" without one.
func topicCode(c cdshooks.Card) string {
	if c.Source.Topic == nil {
		return ""
	}
	return c.Source.Topic.Code
}

// pastCondition is a Condition entry of the patient in context, with the
// clinicalStatus status (none when "") and the ICD-10-CM code.
func pastCondition(id, status, code string) string {
	clinical := ""
	if status != "" {
		clinical = `"clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "` + status + `"}]},`
	}
	return `{"resource": {"resourceType": "Condition", "id": "` + id + `", ` + clinical + `
		"code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "` + code + `"}]},
		"subject": {"reference": "Patient/p"}}}`
}

// pastRequest is a request for patient p, born 1960-05-01, whose active
// conditions are the entries active and whose prefetch holds past as its
// pastConditions (left out when "").
func pastRequest(active []string, past string) []byte {
	pastKey := ""
	if past != "" {
		pastKey = `, "pastConditions": ` + past
	}
	return []byte(`{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
		"prefetch": {"patient": {"resourceType": "Patient", "id": "p", "birthDate": "1960-05-01"},
		"conditions": {"resourceType": "Bundle", "entry": [` + strings.Join(active, ", ") + `]}` + pastKey + `}}`)
}

// pastBundle is a search Bundle of entries, with extra keys (a link, a
// total) before them.
func pastBundle(extra string, entries ...string) string {
	return `{"resourceType": "Bundle", "type": "searchset", ` + extra + `"entry": [` + strings.Join(entries, ", ") + `]}`
}

// entriesOf are the entries of notes.
func entriesOf(notes []cdshooks.ConditionNote) []string {
	var out []string
	for _, n := range notes {
		out = append(out, n.Entry)
	}
	return out
}

// TestPastConditionsMapping checks that MapRequest reads the
// pastConditions prefetch: a cancer that is resolved, inactive or in
// remission is history_of_cancer, the red flag, while the other codes of a
// past Condition stay skipped; and that whatever keeps it from reading all
// of them (the key missing, an OperationOutcome in its place, a page of
// several, a search that failed in part, a Bundle that is not one) is
// noted in Mapping.UnreadPastConditions, never an error, so that the
// active Conditions' red flags still count.
func TestPastConditionsMapping(t *testing.T) {
	serious := pastCondition("a1", "active", "G83.4")
	tests := []struct {
		name      string
		past      string
		wantFlags []string
		// wantUnread are the entries of Mapping.UnreadPastConditions.
		wantUnread  []string
		wantSkipped []string
	}{
		{name: "a resolved breast cancer", past: pastBundle("", pastCondition("p1", "resolved", "C50.911")),
			wantFlags: []string{"history_of_cancer", "known_serious_spinal_condition"}},
		{name: "a history of cancer in remission, its code without the dot", past: pastBundle("", pastCondition("p1", "remission", "Z853")),
			wantFlags: []string{"history_of_cancer", "known_serious_spinal_condition"}},
		{name: "an inactive prostate cancer", past: pastBundle("", pastCondition("p1", "inactive", "C61")),
			wantFlags: []string{"history_of_cancer", "known_serious_spinal_condition"}},
		// FHIR R4 lets an encounter diagnosis have no clinicalStatus: one
		// that comes counts whole, erring toward a referral (the
		// templates cannot ask for it; see doc.go).
		{name: "a cancer without a clinicalStatus", past: pastBundle("", pastCondition("p1", "", "C50.911")),
			wantFlags: []string{"history_of_cancer", "known_serious_spinal_condition"}},
		{name: "a resolved disc herniation is skipped", past: pastBundle("", pastCondition("p1", "resolved", "M51.26")),
			wantFlags: []string{"known_serious_spinal_condition"}, wantSkipped: []string{"prefetch.pastConditions.entry[0].resource"}},
		{name: "a refuted cancer is skipped",
			past: pastBundle("", strings.Replace(pastCondition("p1", "resolved", "C50.911"), `"code": {`,
				`"verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "refuted"}]}, "code": {`, 1)),
			wantFlags: []string{"known_serious_spinal_condition"}, wantSkipped: []string{"prefetch.pastConditions.entry[0].resource"}},
		{name: "null: no past conditions", past: "null",
			wantFlags: []string{"known_serious_spinal_condition"}},
		{name: "missing",
			wantFlags: []string{"known_serious_spinal_condition"}, wantUnread: []string{"prefetch.pastConditions"}},
		{name: "an OperationOutcome in its place", past: `{"resourceType": "OperationOutcome", "issue": []}`,
			wantFlags: []string{"known_serious_spinal_condition"}, wantUnread: []string{"prefetch.pastConditions"}},
		{name: "one page of several, the cancer on it counted",
			past:      pastBundle(`"link": [{"relation": "next", "url": "https://ehr.example.org/fhir/Condition?page=2"}], `, pastCondition("p1", "resolved", "C50.911")),
			wantFlags: []string{"history_of_cancer", "known_serious_spinal_condition"}, wantUnread: []string{"prefetch.pastConditions"}},
		{name: "a total greater than it holds", past: pastBundle(`"total": 3, `, pastCondition("p1", "resolved", "M51.26")),
			wantFlags: []string{"known_serious_spinal_condition"}, wantUnread: []string{"prefetch.pastConditions.total"},
			wantSkipped: []string{"prefetch.pastConditions.entry[0].resource"}},
		{name: "a search that failed in part",
			past:      pastBundle("", `{"resource": {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception"}]}}`),
			wantFlags: []string{"known_serious_spinal_condition"}, wantUnread: []string{"prefetch.pastConditions.entry[0].resource"}},
		{name: "an entry that cannot be read", past: pastBundle("", `42`),
			wantFlags: []string{"known_serious_spinal_condition"}, wantUnread: []string{"prefetch.pastConditions.entry[0]"}},
		{name: "not a Bundle", past: `{"resourceType": "Condition"}`,
			wantFlags: []string{"known_serious_spinal_condition"}, wantUnread: []string{"prefetch.pastConditions"}},
		{name: "another patient's Condition", past: pastBundle("", strings.Replace(pastCondition("p1", "resolved", "C50.911"), "Patient/p", "Patient/q", 1)),
			// Counted, erring toward a referral: the search was for the
			// patient's Conditions.
			wantFlags: []string{"history_of_cancer", "known_serious_spinal_condition"}, wantUnread: []string{"prefetch.pastConditions.entry[0].resource"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := cdshooks.DecodeRequest(pastRequest([]string{serious}, tt.past))
			if err != nil {
				t.Fatal(err)
			}
			m, err := cdshooks.MapRequest(req, defaultEngine(t).Vocabulary(), today)
			if err != nil {
				t.Fatalf("MapRequest: %v", err)
			}
			if diff := cmp.Diff(tt.wantFlags, m.Profile.RedFlags); diff != "" {
				t.Errorf("red flags (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantUnread, entriesOf(m.UnreadPastConditions)); diff != "" {
				t.Errorf("unread past conditions (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSkipped, entriesOf(m.Skipped)); diff != "" {
				t.Errorf("skipped (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPastConditionsCards checks the cards: a resolved cancer on a chart
// that records back pain gives the urgent referral; past conditions that
// could not all be read (missing, an OperationOutcome, a page of several,
// a search that failed in part) still give the active red flags' cards,
// followed by a warning card, with the exercise advice withheld; and on a
// chart whose active Conditions call for no referral, the warning card
// alone (200), never a silent answer.
func TestPastConditionsCards(t *testing.T) {
	const (
		cancerCard = "Urgent: New back pain in a patient with a history of cancer; assess within days for spinal metastases."
		stenosis   = `{"resource": {"resourceType": "Condition", "id": "s1",
			"clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
			"code": {"coding": [{"system": "http://snomed.info/sct", "code": "18347007"}]}}}`
	)
	serious := pastCondition("a1", "active", "G83.4")
	paged := pastBundle(`"link": [{"relation": "next", "url": "https://ehr.example.org/fhir/Condition?page=2"}], `, pastCondition("p1", "resolved", "M51.26"))
	failed := pastBundle("", `{"resource": {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception"}]}}`)
	tests := []struct {
		name   string
		active []string
		past   string
		want   []string
		// wantAdvice is whether exercise advice (an exercise-plan card)
		// is given.
		wantAdvice bool
	}{
		{name: "a resolved cancer and back pain", active: []string{stenosis},
			past: pastBundle("", pastCondition("p1", "resolved", "C50.911")), want: []string{cancerCard}},
		{name: "no past cancer", active: []string{stenosis}, past: pastBundle("", pastCondition("p1", "resolved", "M51.26")), wantAdvice: true},
		{name: "missing, a red flag", active: []string{serious}, want: []string{seriousCard, unreadPastCard}},
		{name: "an OperationOutcome, a red flag", active: []string{serious}, past: `{"resourceType": "OperationOutcome", "issue": []}`,
			want: []string{seriousCard, unreadPastCard}},
		{name: "one page of several, a red flag", active: []string{serious}, past: paged, want: []string{seriousCard, unreadPastCard}},
		{name: "a search that failed in part, a red flag", active: []string{serious}, past: failed, want: []string{seriousCard, unreadPastCard}},
		{name: "a resolved cancer on one page of several", active: []string{stenosis},
			past: strings.Replace(paged, "M51.26", "C50.911", 1), want: []string{cancerCard, unreadPastCard}},
		{name: "missing, no referral", active: []string{stenosis}, want: []string{unreadPastCard}},
		{name: "missing, nothing on the chart", want: []string{unreadPastCard}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := pastResponse(t, tt.active, tt.past)
			var got []string
			advice := false
			for _, c := range resp.Cards {
				switch topicCode(c) {
				case "referral", "advice-unavailable":
					got = append(got, c.Summary)
				case "exercise-plan":
					advice = true
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("referral and warning cards (-want +got):\n%s", diff)
			}
			if advice != tt.wantAdvice {
				t.Errorf("exercise advice given %v, want %v", advice, tt.wantAdvice)
			}
			unread := resp.Extension != nil && len(resp.Extension.UnreadPastConditions) > 0
			if want := len(tt.want) > 0 && tt.want[len(tt.want)-1] == unreadPastCard; unread != want {
				t.Errorf("extension %s given %v, want %v", cdshooks.ExtensionUnreadPastConditions, unread, want)
			}
		})
	}
}

// vocabEngine loads the rule set with its vocabulary.yaml edited by edit.
func vocabEngine(t *testing.T, edit func(t *testing.T, vocab []byte) []byte) *recommend.Engine {
	t.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(rules.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(rules.FS, name)
		if err != nil {
			return err
		}
		if name == "vocabulary.yaml" {
			data = edit(t, data)
		}
		fsys[name] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := recommend.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// replaceOnce replaces old, which data must hold, with new.
func replaceOnce(t *testing.T, data []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("vocabulary.yaml has no %q", old)
	}
	return bytes.Replace(data, []byte(old), []byte(new), 1)
}

// TestPastConditionsFromVocabulary checks that the past conditions are
// data of the rule set: discovery asks for them when a term of the
// vocabulary counts when past (counts_when_past), and not otherwise; a
// past Condition counts for such a term, whichever it is, and for no
// other, without a change to the service.
func TestPastConditionsFromVocabulary(t *testing.T) {
	const (
		pastFlag   = "      counts_when_past: true\n"
		seriousID  = "    - id: known_serious_spinal_condition\n"
		template   = "Condition?patient={{context.patientId}}&clinical-status=inactive,remission,resolved&_count=100"
		noPastFlag = ""
	)
	without := func(t *testing.T, v []byte) []byte { return replaceOnce(t, v, pastFlag, noPastFlag) }
	tests := []struct {
		name string
		edit func(t *testing.T, vocab []byte) []byte
		// wantTemplate is discovery's pastConditions template ("" for none).
		wantTemplate string
		wantFlags    []string
		wantUnread   []string
	}{
		{name: "the rule set as it is", edit: func(_ *testing.T, v []byte) []byte { return v },
			wantTemplate: template, wantFlags: []string{"history_of_cancer"}},
		{name: "no term counts when past", edit: without},
		{name: "another term counts when past",
			edit: func(t *testing.T, v []byte) []byte {
				return replaceOnce(t, without(t, v), seriousID, seriousID+pastFlag)
			},
			wantTemplate: template, wantFlags: []string{"known_serious_spinal_condition"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := vocabEngine(t, tt.edit)
			svc := cdshooks.NewService(func() *recommend.Engine { return eng }, quiet)
			rec := httptest.NewRecorder()
			svc.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/cds-services", nil))
			var d cdshooks.Discovery
			if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil || len(d.Services) != 1 {
				t.Fatalf("discovery %s: %v", rec.Body, err)
			}
			if diff := cmp.Diff(tt.wantTemplate, d.Services[0].Prefetch[cdshooks.PrefetchPastConditions]); diff != "" {
				t.Errorf("pastConditions template (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantTemplate, cdshooks.PastConditionsTemplate(eng.Vocabulary())); diff != "" {
				t.Errorf("PastConditionsTemplate (-want +got):\n%s", diff)
			}
			// A resolved cancer and a resolved cauda equina syndrome:
			// each counts only when its term counts when past.
			req, err := cdshooks.DecodeRequest(pastRequest(nil,
				pastBundle("", pastCondition("p1", "resolved", "C50.911"), pastCondition("p2", "resolved", "G83.4"))))
			if err != nil {
				t.Fatal(err)
			}
			m, err := cdshooks.MapRequest(req, eng.Vocabulary(), today)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantFlags, m.Profile.RedFlags); diff != "" {
				t.Errorf("red flags (-want +got):\n%s", diff)
			}
			// Without a term that counts when past, a missing key is
			// nothing the service needs.
			req, err = cdshooks.DecodeRequest(pastRequest(nil, ""))
			if err != nil {
				t.Fatal(err)
			}
			if m, err = cdshooks.MapRequest(req, eng.Vocabulary(), today); err != nil {
				t.Fatal(err)
			}
			if got, want := len(m.UnreadPastConditions) > 0, tt.wantTemplate != ""; got != want {
				t.Errorf("missing key reported %v, want %v", got, want)
			}
		})
	}
}

// TestPastConditionsFromFHIRServer checks that the past Conditions a
// trusted client's request lacks are read from its fhirServer with the
// discovery template's query: a resolved cancer there gives the urgent
// card; a read that fails, or a page after the first that fails, still
// gives the active red flag's card, with the warning card.
func TestPastConditionsFromFHIRServer(t *testing.T) {
	srv := newFHIRServer(t)
	env := newTrustEnv(t, func(f *cdshooks.TrustFile) {
		f.Clients[0].FHIRServers = []string{srv.URL + "/r4/"}
	})
	const resolvedCancer = `{"resource": {"resourceType": "Condition", "id": "p1",
		"clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "resolved"}]},
		"code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C50.911"}]},
		"subject": {"reference": "Patient/1288992"}}, "search": {"mode": "match"}}`
	tests := []struct {
		name     string
		past     string
		status   int
		next     bool
		redFlag  bool
		want     []string
		wantNote bool
	}{
		{name: "a resolved cancer on the server", past: resolvedCancer,
			want: []string{"Urgent: New back pain in a patient with a history of cancer; assess within days for spinal metastases."}},
		{name: "the search fails, a red flag", status: http.StatusInternalServerError, redFlag: true,
			want: []string{seriousCard, unreadPastCard}, wantNote: true},
		{name: "the search fails, no referral", status: http.StatusInternalServerError,
			want: []string{unreadPastCard}, wantNote: true},
		{name: "the second page fails, the cancer on the first", past: resolvedCancer, next: true,
			want: []string{"Urgent: New back pain in a patient with a history of cancer; assess within days for spinal metastases.", unreadPastCard}, wantNote: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.past, srv.pastStatus, srv.pastNext = tt.past, tt.status, tt.next
			defer func() { srv.past, srv.pastStatus, srv.pastNext = "", 0, false }()
			var req map[string]any
			if err := json.Unmarshal(pagedRequest(t, srv.URL+"/r4", "", 0), &req); err != nil {
				t.Fatal(err)
			}
			delete(req["prefetch"].(map[string]any), cdshooks.PrefetchPastConditions)
			body := mustJSON(t, req)
			if tt.redFlag {
				body = bytes.Replace(body, []byte(`"M51.26"`), []byte(`"G83.4"`), 1)
			}
			token := "Bearer " + sign(t, tokenSpec{alg: jose.RS384, key: keys().rsa, kid: "rsa-1", claims: goodClaims(ehrIss, servicePath)})
			rec := callWith(t, trustedService(t, env), servicePath, token, body)
			resp := okResponse(t, rec)
			var got []string
			for _, c := range resp.Cards {
				if code := topicCode(c); code == "referral" || code == "advice-unavailable" {
					got = append(got, c.Summary)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("referral and warning cards (-want +got):\n%s", diff)
			}
			note := resp.Extension != nil && len(resp.Extension.UnreadPastConditions) > 0
			if note != tt.wantNote {
				t.Errorf("unread past conditions noted %v, want %v: %s", note, tt.wantNote, fmt.Sprint(resp.Extension))
			}
		})
	}
}

// TestPastConditionsUnreadFraming checks that when the past Conditions
// could not all be read, the referral and key messages cards of a chart
// that records no back condition are framed as applying if back pain is
// reported (IfBackPain), as the same chart's cards are when they are read,
// and that those of a chart that records back pain are not.
func TestPastConditionsUnreadFraming(t *testing.T) {
	stenosis := pastCondition("s1", "active", "M48.061")
	cancer := pastCondition("k1", "active", "C50.911")
	paged := pastBundle(`"link": [{"relation": "next", "url": "https://ehr.example.org/fhir/Condition?page=2"}], `, pastCondition("p1", "resolved", "Z85.3"))
	tests := []struct {
		name   string
		active []string
		past   string
		framed bool
	}{
		{name: "a past cancer on one page of several, no back condition", past: paged, framed: true},
		{name: "an active cancer, past missing", active: []string{cancer}, framed: true},
		{name: "back pain, a past cancer on one page of several", active: []string{stenosis}, past: paged},
		{name: "back pain, past missing", active: []string{stenosis}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := pastResponse(t, tt.active, tt.past)
			var want, got []string
			for _, c := range resp.Cards {
				if topicCode(c) != "referral" && topicCode(c) != "key-messages" {
					continue
				}
				got = append(got, c.Summary)
				s := strings.TrimPrefix(c.Summary, cdshooks.IfBackPain)
				if tt.framed {
					s = cdshooks.IfBackPain + s
				}
				want = append(want, s)
			}
			if len(got) == 0 {
				t.Fatalf("no referral or key messages card: %+v", resp.Cards)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("referral and key messages summaries (-want +got):\n%s", diff)
			}
		})
	}
}

// pastResponse is the service's 200 answer to pastRequest(active, past),
// on the default rules at the tests' clock.
func pastResponse(t *testing.T, active []string, past string) cdshooks.Response {
	t.Helper()
	eng := defaultEngine(t)
	svc := cdshooks.NewService(func() *recommend.Engine { return eng }, cdshooks.WithClock(clock), quiet)
	rec := post(t, svc, pastRequest(active, past))
	resp := okResponse(t, rec)
	return resp
}
