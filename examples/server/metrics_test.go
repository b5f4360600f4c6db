package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crypto/rand"
	"crypto/rsa"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/backrules/backrules/cdshooks"
	"github.com/google/go-cmp/cmp"
)

const cdsRequests = "../../testdata/cdshooks/requests"

// scrape GETs /metrics and parses the exposition.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	rec := do(t, h, "GET", "/metrics", "")
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: status %d", rec.Code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("the exposition does not parse: %v", err)
	}
	return fams
}

// sample returns the value of the counter, gauge, or histogram's count of
// family name whose labels include labels; -1 when there is none.
func sample(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMetricsAndDecisionLog sends a /recommend, a CDS call with cards, one
// without prefetch (412) and a feedback, then parses /metrics and the
// decision log.
func TestMetricsAndDecisionLog(t *testing.T) {
	var dlog bytes.Buffer
	s, _ := newServer(t, Config{DecisionLog: &dlog})
	h := s.Handler()
	_, bodies, _ := profiles(t)
	if rec := do(t, h, "POST", "/recommend", bodies["disc-herniation"]); rec.Code != 200 {
		t.Fatalf("/recommend: %d", rec.Code)
	}
	if rec := do(t, h, "POST", "/cds-services/backrules", readFile(t, filepath.Join(cdsRequests, "disc-herniation.json"))); rec.Code != 200 {
		t.Fatalf("CDS call: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, h, "POST", "/cds-services/backrules", readFile(t, filepath.Join(cdsRequests, "spec-patient-view.json"))); rec.Code != 412 {
		t.Fatalf("CDS call without prefetch: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, h, "POST", cdshooks.FeedbackPath, readFile(t, filepath.Join(cdsRequests, "feedback", "spec-override-reason.json"))); rec.Code != 200 {
		t.Fatalf("feedback: %d %s", rec.Code, rec.Body)
	}
	rs := s.Engine().RuleSet()
	fams := scrape(t, h)
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"backrules_http_requests_total", map[string]string{"route": "POST /recommend", "status": "200"}, 1},
		{"backrules_http_requests_total", map[string]string{"route": "POST /cds-services/backrules", "status": "412"}, 1},
		{"backrules_http_request_duration_seconds", map[string]string{"route": "POST /cds-services/backrules", "status": "200"}, 1},
		{"backrules_http_request_duration_seconds", map[string]string{"route": "POST " + cdshooks.FeedbackPath, "status": "200"}, 1},
		{"backrules_recommend_duration_seconds", map[string]string{"endpoint": "recommend"}, 1},
		// The call without prefetch runs the rules too, to learn whether
		// the rest of it calls for a referral a 412 would hide (it calls
		// for none).
		{"backrules_recommend_duration_seconds", map[string]string{"endpoint": "cds"}, 2},
		{"backrules_cds_calls_total", map[string]string{"route": "service", "outcome": "cards"}, 1},
		{"backrules_cds_calls_total", map[string]string{"route": "service", "outcome": "precondition_failed"}, 1},
		{"backrules_cds_calls_total", map[string]string{"route": "feedback", "outcome": "feedback"}, 1},
		{"backrules_rule_set_info", map[string]string{"version": rs.Version, "digest": rs.Digest}, 1},
	}
	for _, tt := range tests {
		if got := sample(fams, tt.name, tt.labels); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}

	// The decision log: one line per CDS call, with what was decided and
	// nothing from the request that identifies the patient; a service
	// call's line names its hookInstance, which the cards' uuids that
	// feedback names are derived from.
	type line struct {
		Route        string   `json:"route"`
		Outcome      string   `json:"outcome"`
		RuleSet      string   `json:"rule_set_digest"`
		HookInstance string   `json:"hook_instance"`
		Urgencies    []string `json:"urgencies"`
		HasRules     bool
		HasCards     bool
		Feedback     []struct {
			Card           string `json:"card"`
			Outcome        string `json:"outcome"`
			OverrideReason *struct {
				Code string `json:"code"`
			} `json:"override_reason"`
			OtherOverrideReason bool `json:"other_override_reason"`
		} `json:"feedback"`
	}
	var got []string
	sc := bufio.NewScanner(strings.NewReader(dlog.String()))
	for sc.Scan() {
		var raw map[string]any
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatalf("decision log line %q: %v", sc.Text(), err)
		}
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		_, l.HasRules = raw["rules"]
		_, l.HasCards = raw["cards"]
		_, hasTime := raw["time"]
		if !hasTime {
			t.Errorf("line without time: %s", sc.Text())
		}
		if _, twice := raw["rule_set"]; twice {
			// The digest is written once, as rule_set_digest.
			t.Errorf("line with rule_set beside rule_set_digest: %s", sc.Text())
		}
		desc := l.Route + " " + l.Outcome
		if l.HookInstance != "" {
			desc += " hook:" + l.HookInstance
		}
		if l.RuleSet == rs.Digest {
			desc += " digest"
		}
		if l.HasRules {
			desc += " rules"
		}
		if l.HasCards {
			desc += " cards"
		}
		for _, f := range l.Feedback {
			desc += " feedback:" + f.Card + ":" + f.Outcome
			if f.OverrideReason != nil {
				desc += ":" + f.OverrideReason.Code
			}
			if f.OtherOverrideReason {
				desc += ":another reason"
			}
		}
		got = append(got, desc)
		text := strings.ReplaceAll(sc.Text(), `"hook_instance":"`+l.HookInstance+`"`, "")
		for _, personal := range []string{"1288992", "d1577c69", "Practitioner", "1980-05-02", "1925-12-23", "comment", "M51.26", "d7ecf885"} {
			if strings.Contains(text, personal) {
				t.Errorf("the decision log holds %q: %s", personal, sc.Text())
			}
		}
	}
	want := []string{
		"service cards hook:d1577c69-dfbe-44ad-ba6d-3e05e953b2ea digest rules cards",
		"service precondition_failed hook:d1577c69-dfbe-44ad-ba6d-3e05e953b2ea digest",
		// The example's reason is not one the cards offer: its code,
		// which could hold any text, is not kept.
		"feedback feedback feedback:9368d37b-283f-44a0-93ea-547cebab93ed:overridden:another reason",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decision log (-want +got):\n%s\nlog:\n%s", diff, dlog.String())
	}
}

// TestServerTrust checks that a server given a trust file answers an
// unsigned CDS call with 401 and counts it, and keeps discovery open.
func TestServerTrust(t *testing.T) {
	f, err := os.Open("../../testdata/cdshooks/trust/spec-example.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := cdshooks.ParseTrust(f)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := newServer(t, Config{CDSTrust: tr})
	h := s.Handler()
	rec := do(t, h, "POST", "/cds-services/backrules", readFile(t, filepath.Join(cdsRequests, "disc-herniation.json")))
	if rec.Code != 401 || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("unsigned call: status %d, WWW-Authenticate %q; want 401 with a Bearer challenge", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	if rec := do(t, h, "GET", "/cds-services", ""); rec.Code != 200 {
		t.Errorf("discovery: status %d, want 200", rec.Code)
	}
	// A preflight reaches the service through the server's routes.
	req := httptest.NewRequest(http.MethodOptions, "/cds-services/backrules", nil)
	req.Header.Set("Origin", "https://sandbox.cds-hooks.org")
	req.Header.Set("Access-Control-Request-Method", "POST")
	pre := httptest.NewRecorder()
	h.ServeHTTP(pre, req)
	if pre.Code != 204 || pre.Header().Get("Access-Control-Allow-Headers") != "Authorization, Content-Type" {
		t.Errorf("preflight: status %d, headers %v", pre.Code, pre.Header())
	}
	if got := sample(scrape(t, h), "backrules_cds_calls_total", map[string]string{"route": "service", "outcome": "unauthorized"}); got != 1 {
		t.Errorf("unauthorized calls counted: %v, want 1", got)
	}
}

// TestRunTrustAndDecisionLog runs the command with -cds-trust and
// -decision-log: no warning that the service is unauthenticated, an
// unsigned call refused, and its line in the decision log file.
func TestRunTrustAndDecisionLog(t *testing.T) {
	dlog := filepath.Join(t.TempDir(), "decisions.jsonl")
	base, stop := serve(t, "-cds-trust", "../../testdata/cdshooks/trust/spec-example.json", "-decision-log", dlog)
	resp, err := http.Post(base+"/cds-services/backrules", "application/json",
		strings.NewReader(readFile(t, filepath.Join(cdsRequests, "disc-herniation.json"))))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned call: status %d, want 401", resp.StatusCode)
	}
	logs, err := stop()
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if strings.Contains(logs, unauthenticatedWarning) {
		t.Errorf("warned that the service is unauthenticated although -cds-trust was given:\n%s", logs)
	}
	var line struct{ Route, Outcome string }
	if err := json.Unmarshal([]byte(readFile(t, dlog)), &line); err != nil {
		t.Fatalf("decision log: %v", err)
	}
	if diff := cmp.Diff(struct{ Route, Outcome string }{"service", "unauthorized"}, line); diff != "" {
		t.Errorf("decision log line (-want +got):\n%s", diff)
	}
}

// TestServerSignedCall sends a call signed as a CDS client would, RS384
// with a key of a trust file in the format, through the server's
// routes: 200 with cards; the same token again is a replay, 401.
func TestServerSignedCall(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := json.Marshal(jose.JSONWebKey{Key: &key.PublicKey, KeyID: "ehr-1", Algorithm: "RS384", Use: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	file := `{"base_url": "https://cds.example.org", "clients": [{"iss": "https://ehr.example.org", "jwks": {"keys": [` + string(pub) + `]},
		"fhir_servers": ["https://fhir.example.org/r4"]}]}`
	tr, err := cdshooks.ParseTrust(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := newServer(t, Config{CDSTrust: tr})
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS384, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "ehr-1"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(map[string]any{
		"iss": "https://ehr.example.org", "aud": "https://cds.example.org/cds-services/backrules",
		"iat": fixedNow.Unix(), "exp": fixedNow.Add(5 * time.Minute).Unix(), "jti": "a-unique-nonce",
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	body := readFile(t, filepath.Join(cdsRequests, "disc-herniation.json"))
	for i, want := range []int{200, 401} {
		req := httptest.NewRequest(http.MethodPost, "/cds-services/backrules", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("call %d: status %d, want %d: %s", i+1, rec.Code, want, rec.Body)
		}
	}
}

// TestReloadMetrics checks the reload counter by outcome and that the
// rule set info follows the swap.
// TestMetricsFromTheStart checks that every series of reloads and CDS
// calls is exported at 0 before anything happened: a counter that first
// appears at 1 shows no increase to rate() or increase(), so an alert on
// the first refused reload or the first 401s would not fire.
func TestMetricsFromTheStart(t *testing.T) {
	s, _ := newServer(t, Config{})
	fams := scrape(t, s.Handler())
	type series struct {
		name   string
		labels map[string]string
	}
	var all []series
	for _, o := range []string{"swapped", "unchanged", "refused", "postponed"} {
		all = append(all, series{"backrules_rule_reloads_total", map[string]string{"outcome": o}})
	}
	for _, o := range []string{"cards", "no_cards", "unauthorized", "precondition_failed", "bad_request", "unavailable", "error"} {
		all = append(all, series{"backrules_cds_calls_total", map[string]string{"route": "service", "outcome": o}})
	}
	for _, o := range []string{"feedback", "unauthorized", "bad_request", "error"} {
		all = append(all, series{"backrules_cds_calls_total", map[string]string{"route": "feedback", "outcome": o}})
	}
	for _, tt := range all {
		if got := sample(fams, tt.name, tt.labels); got != 0 {
			t.Errorf("%s%v = %v, want 0 (-1: not exported)", tt.name, tt.labels, got)
		}
	}
}

func TestReloadMetrics(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, "metrics-1")
	s, _ := newServer(t, Config{Rules: os.DirFS(dir)})
	if _, err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	writeRules(t, dir, "metrics-2")
	if changed, err := s.Reload(); !changed || err != nil {
		t.Fatalf("Reload = %v, %v", changed, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("rules: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reload(); err == nil {
		t.Fatal("a broken rule file was not refused")
	}
	fams := scrape(t, s.Handler())
	rs := s.Engine().RuleSet()
	for _, tt := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"backrules_rule_reloads_total", map[string]string{"outcome": "unchanged"}, 1},
		{"backrules_rule_reloads_total", map[string]string{"outcome": "swapped"}, 1},
		{"backrules_rule_reloads_total", map[string]string{"outcome": "refused"}, 1},
		{"backrules_rule_set_info", map[string]string{"version": "metrics-2", "digest": rs.Digest}, 1},
		{"backrules_rule_set_info", map[string]string{"version": "metrics-1"}, -1},
	} {
		if got := sample(fams, tt.name, tt.labels); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
}
