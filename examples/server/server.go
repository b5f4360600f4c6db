package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/recommend"
)

// Config configures a Server. The zero Config serves the embedded default
// rules and logs nothing.
type Config struct {
	// Rules is the rule set's file system, such as os.DirFS(dir); nil
	// serves the embedded default rules (recommend.Default), which never
	// change, so Reload and Check then do nothing.
	Rules fs.FS
	// Logger receives one line per request and one per reload; nil
	// discards them.
	Logger *slog.Logger
	// Now tells the time of loads and failed reloads, as /healthz reports
	// them; nil means time.Now. Request durations always use the real
	// clock.
	Now func() time.Time
	// RequestTimeout bounds the work of one /recommend, /explain or CDS
	// Hooks service request; 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// CDSTrust, when not nil, makes the CDS Hooks service check every
	// call's JWT against it (see cdshooks.WithTrust); nil leaves the
	// service unauthenticated.
	CDSTrust *cdshooks.Trust
	// DecisionLog, when not nil, receives one JSON line per CDS Hooks
	// service or feedback call (see decisionLog): what was decided, and
	// nothing that identifies a person.
	DecisionLog io.Writer
	// AnswerCacheBytes bounds the cache of encoded /recommend answers
	// (see answerCache), in bytes; 0 means DefaultAnswerCacheBytes, and a
	// negative value turns the cache off.
	AnswerCacheBytes int64
}

// DefaultRequestTimeout is the default of Config.RequestTimeout.
const DefaultRequestTimeout = 10 * time.Second

// Server is the HTTP service. It holds the engine in use in an
// atomic.Pointer, so that a reload swaps it without stopping requests:
// each request takes the engine once and uses it to the end.
type Server struct {
	engine  atomic.Pointer[recommend.Engine]
	rules   fs.FS
	log     *slog.Logger
	now     func() time.Time
	timeout time.Duration
	handler http.Handler
	routes  []route

	// cache holds the encoded answers of the engine in use; a reload
	// that swaps the engine swaps in a new, empty one (see answerCache).
	cache      atomic.Pointer[answerCache]
	cacheBytes int64

	trust     *cdshooks.Trust
	metrics   *metrics
	decisions *decisionLog

	// reloadMu serializes Reload and Check; fingerprint is the rule
	// files' fingerprint at the last load attempt, pending one that
	// differs from it, seen by Check, and pendingSeen how many checks
	// since have seen it unchanged.
	reloadMu    sync.Mutex
	fingerprint string
	pending     string
	pendingSeen int

	// statusMu guards status, which /healthz reports.
	statusMu sync.Mutex
	status   loadStatus
}

// loadStatus is what /healthz says about loading.
type loadStatus struct {
	loadedAt  time.Time
	lastError string
	problems  []ruleProblem
	errorAt   time.Time
}

// New loads the rule set of cfg and returns a Server for it. An invalid
// rule set is an error (a *recommend.LoadError, wrapped): the server never
// starts without rules. A rule set of cfg.Rules must also pass the
// analysis that `rulecheck -analyze` runs (see vet); the embedded rules
// pass it in CI.
func New(cfg Config) (*Server, error) {
	s := &Server{rules: cfg.Rules, log: cfg.Logger, now: cfg.Now, timeout: cfg.RequestTimeout,
		trust: cfg.CDSTrust, cacheBytes: cfg.AnswerCacheBytes}
	if s.cacheBytes == 0 {
		s.cacheBytes = DefaultAnswerCacheBytes
	}
	s.metrics = newMetrics(func() float64 {
		n, _ := s.cache.Load().size()
		return float64(n)
	})
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.DecisionLog != nil {
		s.decisions = newDecisionLog(cfg.DecisionLog, func(err error) {
			s.log.Error("decision log: write failed; later failures are not logged", slog.String("error", err.Error()))
		})
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.timeout <= 0 {
		s.timeout = DefaultRequestTimeout
	}
	var eng *recommend.Engine
	var err error
	if s.rules == nil {
		eng, err = recommend.Default()
	} else {
		s.fingerprint = fingerprint(s.rules)
		eng, err = recommend.Load(s.rules)
		if err == nil {
			if r := vet(context.Background(), nil, eng); r != nil {
				err = r
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("load rules: %w", err)
	}
	s.engine.Store(eng)
	s.cache.Store(newAnswerCache(eng, s.cacheBytes))
	s.metrics.setRuleSet(eng.RuleSet())
	s.status.loadedAt = s.now()
	if err := s.buildHandler(); err != nil {
		return nil, err
	}
	return s, nil
}

// Engine returns the engine in use. Call it once per request and keep
// the result only for that request: a reload may swap it at any time.
func (s *Server) Engine() *recommend.Engine { return s.engine.Load() }

// Handler returns the server's HTTP handler: every route, with request
// logging, panic recovery and a body size limit around them.
func (s *Server) Handler() http.Handler { return s.handler }

// errChanging reports rule files that changed while they were loaded:
// nothing was swapped, and the next check tries again.
var errChanging = errors.New("reload rules: the rule files changed while they were loaded; nothing was swapped")

// Reload loads the rule set again, now, whether or not its files changed.
// The new rule set is swapped in only when it is safe to serve: it loads,
// passes the analysis `rulecheck -analyze` runs, lowers no safety the
// running rules give (every red flag kept with a safety floor at least as
// high, and no compared profile given a less urgent referral or advice no
// longer withheld; see keepsSafety), and its files did not change while
// they were read: a reload only ratchets up, and a restart deploys a
// lowered pathway.
// When it is swapped in and its digest differs from the running one,
// Reload reports true. When it is refused, the running rules stay, the
// refusal is logged and reported on /healthz, by file and line and never
// with a file's text, until a later load succeeds, and the error is
// returned: it wraps the *recommend.LoadError or *recommend.EvalError
// behind the refusal, if any. Files that changed while they were read
// give errChanging and leave /healthz as it was. A Server of the embedded
// rules has nothing to reload: it returns false and nil.
func (s *Server) Reload() (bool, error) {
	if s.rules == nil {
		return false, nil
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	s.pending, s.pendingSeen = "", 0
	return s.reloadLocked(fingerprint(s.rules))
}

// stablePolls is how many checks in a row after the one that sees a
// change must find the rule files unchanged before Check loads them: a
// deploy that writes file after file, or an editor that saves in
// several steps, is not caught half-way.
const stablePolls = 2

// Check reloads the rule set, as Reload does, once its rule files (their
// names, modes and contents) differ from those of the last load attempt
// and have stayed the same for stablePolls checks after the one that saw
// them change: with Watch polling every second, a change is loaded two
// to three seconds after it is written. A failed load is not tried again
// until the files change again.
func (s *Server) Check() (bool, error) {
	if s.rules == nil {
		return false, nil
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	fp := fingerprint(s.rules)
	switch {
	case fp == s.fingerprint:
		s.pending, s.pendingSeen = "", 0
		return false, nil
	case fp != s.pending:
		s.pending, s.pendingSeen = fp, 0
		return false, nil
	case s.pendingSeen+1 < stablePolls:
		s.pendingSeen++
		return false, nil
	}
	s.pending, s.pendingSeen = "", 0
	return s.reloadLocked(fp)
}

// reloadLocked loads the rules, whose files had fingerprint fp just
// before, vets them and swaps the engine. s.reloadMu is held.
func (s *Server) reloadLocked(fp string) (bool, error) {
	oldEng := s.engine.Load()
	old := oldEng.RuleSet()
	eng, err := recommend.Load(s.rules)
	if fingerprint(s.rules) != fp {
		// Not recorded as attempted: Check sees the change again.
		s.metrics.reloads.WithLabelValues(reloadPostponed).Inc()
		s.log.Warn("reload postponed: the rule files changed while they were loaded",
			slog.String("rule_set", old.Digest), slog.String("version", old.Version))
		return false, errChanging
	}
	s.fingerprint = fp
	var ref *refusal
	if err != nil {
		ref = loadRefusal(err)
	} else {
		ref = vet(context.Background(), oldEng, eng)
	}
	now := s.now()
	if ref != nil {
		s.statusMu.Lock()
		s.status.lastError = ref.summary
		s.status.problems = ref.problems
		s.status.errorAt = now
		s.statusMu.Unlock()
		logRefusal(s.log, "reload refused: keeping the running rules", old, ref)
		s.metrics.reloads.WithLabelValues(reloadRefused).Inc()
		return false, fmt.Errorf("reload rules: %w", ref)
	}
	rs := eng.RuleSet()
	s.statusMu.Lock()
	hadError := s.status.lastError != ""
	s.status.lastError, s.status.problems, s.status.errorAt = "", nil, time.Time{}
	changed := rs != old
	if changed {
		s.status.loadedAt = now
		s.engine.Store(eng)
		// The old cache's answers are of the old rules: dropped. A
		// request still running on the old engine finds the new cache
		// is not its engine's, and stores nothing in it.
		s.cache.Store(newAnswerCache(eng, s.cacheBytes))
	}
	s.statusMu.Unlock()
	if changed {
		s.metrics.setRuleSet(rs)
		s.metrics.reloads.WithLabelValues(reloadSwapped).Inc()
	} else {
		s.metrics.reloads.WithLabelValues(reloadUnchanged).Inc()
	}
	switch {
	case changed:
		s.log.Info("rules reloaded",
			slog.String("rule_set", rs.Digest), slog.String("version", rs.Version), slog.String("previous", old.Digest))
	case hadError:
		s.log.Info("rules load again: the running rules are unchanged",
			slog.String("rule_set", rs.Digest), slog.String("version", rs.Version))
	}
	return changed, nil
}

// Watch calls Check each time ticks delivers, until ctx is done; main
// passes a time.Ticker's channel. Failures are logged by Check and
// reported on /healthz, and the loop goes on. Check runs between two
// receives, so a test that sends two ticks knows the first check is done.
func (s *Server) Watch(ctx context.Context, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			_, _ = s.Check() // logged and reported on /healthz
		}
	}
}

// health is the body of GET /healthz.
type health struct {
	// Status is "ok", or "degraded" when the last reload failed and the
	// server still serves the rules it had.
	Status   string            `json:"status"`
	RuleSet  recommend.RuleSet `json:"rule_set"`
	LoadedAt time.Time         `json:"loaded_at"`
	// ReloadError is the last failed reload, while no later load has
	// succeeded.
	ReloadError *reloadError `json:"reload_error,omitempty"`
}

// reloadError is a refused reload, as /healthz reports it: why, in the
// server's words, and where, never a rule file's text.
type reloadError struct {
	At      time.Time `json:"at"`
	Message string    `json:"message"`
	// Problems place the refusal in the rule folder, at most
	// maxProblems of them.
	Problems []ruleProblem `json:"problems,omitempty"`
}

// health reports the engine in use and the load status.
func (s *Server) health() health {
	s.statusMu.Lock()
	defer s.statusMu.Unlock()
	h := health{Status: "ok", RuleSet: s.engine.Load().RuleSet(), LoadedAt: s.status.loadedAt.UTC()}
	if s.status.lastError != "" {
		h.Status = "degraded"
		h.ReloadError = &reloadError{At: s.status.errorAt.UTC(), Message: s.status.lastError, Problems: s.status.problems}
	}
	return h
}
