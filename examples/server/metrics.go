package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/recommend"
)

// metrics are the server's Prometheus metrics, on a registry of its own
// (not the global one), served at GET /metrics:
//
//   - backrules_http_requests_total{route,status} and
//     backrules_http_request_duration_seconds{route,status}: every
//     request, by the route pattern that matched (never the path as sent)
//     and the status;
//   - backrules_recommend_duration_seconds{endpoint}: the time Recommend
//     takes, for /recommend and for CDS Hooks service calls;
//   - backrules_answer_cache_total{outcome} and
//     backrules_answer_cache_bytes: /recommend answers served from the
//     answer cache (hit) or worked out (miss), and the bytes the cache
//     is charged (see answerCache);
//   - backrules_rule_reloads_total{outcome}: reloads swapped, unchanged,
//     refused or postponed;
//   - backrules_cds_calls_total{route,outcome}: CDS Hooks service and
//     feedback calls by outcome (cards, no_cards, unauthorized,
//     precondition_failed, ...; see cdshooks.Event);
//   - backrules_rule_set_info{version,digest}: 1 for the rule set in use;
//   - the Go runtime's and the process's standard metrics.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	recommend *prometheus.HistogramVec
	reloads   *prometheus.CounterVec
	cdsCalls  *prometheus.CounterVec
	ruleSet   *prometheus.GaugeVec
	// cacheHit and cacheMiss are the two series of
	// backrules_answer_cache_total.
	cacheHit, cacheMiss prometheus.Counter
}

// The outcomes of backrules_rule_reloads_total.
const (
	reloadSwapped   = "swapped"
	reloadUnchanged = "unchanged"
	reloadRefused   = "refused"
	reloadPostponed = "postponed"
)

// cdsOutcomes are the outcomes each route of backrules_cds_calls_total
// can have (see cdshooks.Event).
var cdsOutcomes = map[string][]string{
	cdshooks.RouteService: {cdshooks.OutcomeCards, cdshooks.OutcomeNoCards, cdshooks.OutcomeUnauthorized,
		cdshooks.OutcomePrecondition, cdshooks.OutcomeBadRequest, cdshooks.OutcomeUnavailable, cdshooks.OutcomeError},
	cdshooks.RouteFeedback: {cdshooks.OutcomeFeedback, cdshooks.OutcomeUnauthorized, cdshooks.OutcomeBadRequest, cdshooks.OutcomeError},
}

// newMetrics returns the metrics; cacheBytes tells the bytes the answer
// cache in use is charged. Every series of reloads and CDS calls is
// exported from the start, at 0, as the answer cache's are: a counter
// that first appears at 1 shows no increase to rate() or increase(), so
// an alert on them would miss the first refused reload, or the first 401s.
func newMetrics(cacheBytes func() float64) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "backrules_http_requests_total", Help: "HTTP requests by route pattern and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "backrules_http_request_duration_seconds", Help: "HTTP request latency by route pattern and status.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "status"}),
		recommend: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "backrules_recommend_duration_seconds", Help: "Time Recommend takes, by endpoint (recommend, cds).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"endpoint"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "backrules_rule_reloads_total", Help: "Rule reloads by outcome: swapped, unchanged, refused, postponed.",
		}, []string{"outcome"}),
		cdsCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "backrules_cds_calls_total", Help: "CDS Hooks service and feedback calls by route and outcome.",
		}, []string{"route", "outcome"}),
		ruleSet: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "backrules_rule_set_info", Help: "The rule set in use: 1, with its version and digest as labels.",
		}, []string{"version", "digest"}),
	}
	cache := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "backrules_answer_cache_total", Help: "POST /recommend answers served from the answer cache (hit) or worked out (miss).",
	}, []string{"outcome"})
	m.cacheHit, m.cacheMiss = cache.WithLabelValues("hit"), cache.WithLabelValues("miss")
	for _, o := range []string{reloadSwapped, reloadUnchanged, reloadRefused, reloadPostponed} {
		m.reloads.WithLabelValues(o)
	}
	for route, outcomes := range cdsOutcomes {
		for _, o := range outcomes {
			m.cdsCalls.WithLabelValues(route, o)
		}
	}
	cacheSize := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "backrules_answer_cache_bytes", Help: "Bytes the answer cache is charged: its keys, answers and overhead.",
	}, cacheBytes)
	m.reg.MustRegister(m.requests, m.duration, m.recommend, m.reloads, m.cdsCalls, m.ruleSet, cache, cacheSize,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the metrics in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// promhttp compresses the exposition when the request accepts
		// gzip, without Vary; the server's compression leaves its type
		// alone (compressible), so Vary is set here.
		addVary(w.Header())
		h.ServeHTTP(w, r)
	})
}

// request records one request.
func (m *metrics) request(route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(route, code).Inc()
	m.duration.WithLabelValues(route, code).Observe(d.Seconds())
}

// setRuleSet makes rs the rule set the info metric reports.
func (m *metrics) setRuleSet(rs recommend.RuleSet) {
	m.ruleSet.Reset()
	m.ruleSet.WithLabelValues(rs.Version, rs.Digest).Set(1)
}

// cdsEvent records a CDS Hooks call in the metrics and the decision log.
func (s *Server) cdsEvent(ctx context.Context, e cdshooks.Event) {
	s.metrics.cdsCalls.WithLabelValues(e.Route, e.Outcome).Inc()
	if e.Recommend > 0 {
		s.metrics.recommend.WithLabelValues("cds").Observe(e.Recommend.Seconds())
	}
	if s.decisions != nil {
		s.decisions.write(e)
	}
}

// decisionLog writes one JSON line per CDS Hooks service or feedback
// call: the time, the route, the status and outcome, the calling client's
// iss, the service call's hookInstance (when it is a UUID), the rule
// set's digest, the ids of the rules that matched, the referrals'
// urgencies, the cards' uuids, whether the data was read from the
// client's FHIR server, the time Recommend took, and the feedback (card
// uuid, outcome, the override reason's coding when it is one the cards
// offer, or that another was given, the number of accepted suggestions,
// outcome time; see cdshooks.FeedbackRecord); a feedback's card uuid ties
// it to the one service call whose cards list it. It holds nothing that
// identifies a person: no patient, user or encounter id, no name, date of
// birth, code or free text (the feedback's userComment is dropped, a card
// that is not a UUID is refused, and no reason code the cards do not
// offer, or suggestion id, is kept); the hookInstance is a
// random id of the call that only the client can tie to a patient, as it
// can the card uuids (see cdshooks.Event).
type decisionLog struct {
	mu  sync.Mutex
	enc *json.Encoder
	err error // the first write error, reported once
	log func(error)
}

func newDecisionLog(w io.Writer, onError func(error)) *decisionLog {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &decisionLog{enc: enc, log: onError}
}

// decision is one line of the decision log.
type decision struct {
	cdshooks.Event
	// RuleSet is named rule_set_digest here, to say what it holds; the
	// Event's own rule_set is left empty, so that it is not written too.
	RuleSet string `json:"rule_set_digest,omitempty"`
}

func (d *decisionLog) write(e cdshooks.Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	digest := e.RuleSet
	e.RuleSet = ""
	if err := d.enc.Encode(decision{Event: e, RuleSet: digest}); err != nil && d.err == nil {
		d.err = err
		if d.log != nil {
			d.log(err)
		}
	}
}
