package cdshooks

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/backrules/backrules/internal/enginelog"
	"github.com/backrules/backrules/internal/httpjson"
	"github.com/backrules/backrules/recommend"
)

// ServiceID is the service's id: it answers at /cds-services/backrules.
const ServiceID = "backrules"

// DefaultMaxBodyBytes is the largest request body the service reads unless
// WithMaxBodyBytes says otherwise.
const DefaultMaxBodyBytes = 1 << 20

// ExtensionUnknownCodes is the key, in the response's extension object,
// of the codes of active conditions that the vocabulary does not know.
const ExtensionUnknownCodes = "com.github.backrules.unknown-codes"

// ExtensionSkippedConditions is the key, in the response's extension
// object, of the Conditions the service left out, and why.
const ExtensionSkippedConditions = "com.github.backrules.skipped-conditions"

// ExtensionAssumedActive is the key, in the response's extension object,
// of the Conditions the service counted as active although it could not
// read their status, and why.
const ExtensionAssumedActive = "com.github.backrules.assumed-active-conditions"

// ExtensionSkippedPainScores is the key, in the response's extension
// object, of the pain score Observations the service left out, and why.
const ExtensionSkippedPainScores = "com.github.backrules.skipped-pain-scores"

// ExtensionUnreadPainScores is the key, in the response's extension
// object, of the pain score Observations the service could not read, and
// why: with any, it used no pain score.
const ExtensionUnreadPainScores = "com.github.backrules.unread-pain-scores"

// Response is the body of a successful service call.
type Response struct {
	// Cards are the cards, never nil: an empty list when there is no
	// advice.
	Cards []Card `json:"cards"`
	// Extension reports what the service could not use, or used with
	// doubt. It is omitted when there is nothing to report.
	Extension *Extension `json:"extension,omitempty"`
}

// Extension is the response's extension object. Each list is omitted
// when empty.
type Extension struct {
	// UnknownCodes, under ExtensionUnknownCodes, are the codes of counted
	// Conditions that the vocabulary does not know (Mapping.Unknown).
	UnknownCodes []Coding `json:"com.github.backrules.unknown-codes,omitempty"`
	// SkippedConditions, under ExtensionSkippedConditions, are the
	// Conditions left out, and why (Mapping.Skipped).
	SkippedConditions []ConditionNote `json:"com.github.backrules.skipped-conditions,omitempty"`
	// AssumedActive, under ExtensionAssumedActive, are the Conditions
	// counted as active although their status could not be read, and
	// why (Mapping.Assumed).
	AssumedActive []ConditionNote `json:"com.github.backrules.assumed-active-conditions,omitempty"`
	// SkippedPainScores, under ExtensionSkippedPainScores, are the pain
	// scores left out, and why (Mapping.SkippedPainScores).
	SkippedPainScores []PainScoreNote `json:"com.github.backrules.skipped-pain-scores,omitempty"`
	// UnreadPainScores, under ExtensionUnreadPainScores, are the pain
	// scores that could not be read, and why (Mapping.UnreadPainScores).
	UnreadPainScores []PainScoreNote `json:"com.github.backrules.unread-pain-scores,omitempty"`
}

// Discovery is the body of GET /cds-services.
type Discovery struct {
	// Services describes the one service.
	Services []ServiceDescription `json:"services"`
}

// ServiceDescription describes a CDS service, with the specification's
// field names.
type ServiceDescription struct {
	// Hook is the hook the service answers: "patient-view".
	Hook string `json:"hook"`
	// ID is the service's id, the last part of its URL.
	ID string `json:"id"`
	// Title and Description say what the service does, for people.
	Title       string `json:"title"`
	Description string `json:"description"`
	// Prefetch holds the FHIR queries the client is asked to run before
	// each call, by prefetch key.
	Prefetch map[string]string `json:"prefetch"`
}

// description is what discovery says of the service.
var description = ServiceDescription{
	Hook:  "patient-view",
	ID:    ServiceID,
	Title: "backrules back-care advice",
	Description: "Cited self-care advice for lower back pain from the patient's active conditions and age: " +
		"referrals for red flags, the exercises to start with, other helpful movements and the movements to avoid. " +
		"With the patient's pain scores (LOINC 72514-3, optional), the pain trend and a review when the pain has not eased by six weeks or keeps rising. " +
		"General information, not a diagnosis.",
	Prefetch: map[string]string{
		PrefetchPatient:    "Patient/{{context.patientId}}",
		PrefetchConditions: "Condition?patient={{context.patientId}}&clinical-status=active,recurrence,relapse",
		PrefetchPainScores: painScoresQuery,
	},
}

// Service is the CDS Hooks service: an http.Handler for GET /cds-services,
// POST /cds-services/backrules and POST /cds-services/backrules/feedback,
// with CORS preflights. Mount it at both paths:
//
//	mux.Handle("/cds-services", svc)
//	mux.Handle("/cds-services/", svc)
//
// It answers other methods with 405 and an Allow header, other paths under
// /cds-services/ with 404, and every error with a JSON body
// {"status": N, "error": "...", "field": "..."}.
type Service struct {
	engine  func() *recommend.Engine
	log     *slog.Logger
	now     func() time.Time
	maxBody int64
	timeout time.Duration
	mux     *http.ServeMux
	trust   *Trust
	events  func(context.Context, Event)
	// isJSON, when set, is the check of a call's Content-Type (see
	// WithRequireJSON).
	isJSON func(contentType string) bool
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock that gives today's date, from which a birth
// date gives an age. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Service) {
		if now != nil {
			s.now = now
		}
	}
}

// WithLogger sets the logger of the service's errors and notes: a rule
// that failed to evaluate is logged with its id, file and line, and the
// Conditions it skipped or counted without reading their status with why,
// never with the patient's data. The default is slog.Default(); a nil
// logger keeps it.
func WithLogger(l *slog.Logger) Option {
	return func(s *Service) {
		if l != nil {
			s.log = l
		}
	}
}

// WithMaxBodyBytes sets the largest request body the service reads; a
// larger one is answered with 413. n <= 0 keeps the default.
func WithMaxBodyBytes(n int64) Option {
	return func(s *Service) {
		if n > 0 {
			s.maxBody = n
		}
	}
}

// WithTimeout bounds the time the rules may take for one call; a call
// that runs out of time is answered with 503. d <= 0, the default, sets
// no bound beyond the request's own context.
func WithTimeout(d time.Duration) Option {
	return func(s *Service) {
		if d > 0 {
			s.timeout = d
		}
	}
}

// WithTrust makes the service check every service and feedback call's
// JWT against t (see Trust.Verify), answer a call it cannot trust with 401
// and a WWW-Authenticate header, allow CORS from the origins t lists, and
// read missing prefetch from the fhirServer of a client that listed it.
// Discovery stays open. Without it (t nil, the default) anyone who can
// reach the service can call it: it must then sit behind something that
// authenticates the callers.
func WithTrust(t *Trust) Option {
	return func(s *Service) { s.trust = t }
}

// WithRequireJSON makes the service and feedback endpoints answer a call
// whose Content-Type header isJSON refuses with 415 Unsupported Media
// Type, in the service's JSON error, before reading its body (and after
// checking its token, with WithTrust). The answer carries the service's
// CORS headers, so that a browser-based client can read it, and is
// reported as an Event with OutcomeBadRequest, as the service's other
// refusals are. A nil isJSON accepts application/json with any
// parameters. Without this option (the default) the Content-Type is not
// checked.
func WithRequireJSON(isJSON func(contentType string) bool) Option {
	return func(s *Service) {
		s.isJSON = isJSON
		if s.isJSON == nil {
			s.isJSON = func(ct string) bool {
				mt, _, err := mime.ParseMediaType(ct)
				return err == nil && mt == "application/json"
			}
		}
	}
}

// NewService returns the service. engine is called once per request, so
// the engine can be swapped while the service runs; a nil engine, or one
// that returns nil, is answered with 503. Nil options are skipped.
func NewService(engine func() *recommend.Engine, opts ...Option) *Service {
	s := &Service{engine: engine, log: slog.Default(), now: time.Now, maxBody: DefaultMaxBodyBytes}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cds-services", s.discovery)
	mux.HandleFunc("OPTIONS /cds-services", s.preflight("GET, HEAD, OPTIONS"))
	mux.HandleFunc("/cds-services", methodNotAllowed("GET, HEAD, OPTIONS"))
	mux.HandleFunc("POST /cds-services/"+ServiceID, s.call)
	mux.HandleFunc("OPTIONS /cds-services/"+ServiceID, s.preflight("POST, OPTIONS"))
	mux.HandleFunc("/cds-services/"+ServiceID, methodNotAllowed("POST, OPTIONS"))
	mux.HandleFunc("POST "+FeedbackPath, s.feedback)
	mux.HandleFunc("OPTIONS "+FeedbackPath, s.preflight("POST, OPTIONS"))
	mux.HandleFunc(FeedbackPath, methodNotAllowed("POST, OPTIONS"))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{Status: http.StatusNotFound,
			Error: "not found: this server offers GET /cds-services, POST /cds-services/" + ServiceID + " and POST " + FeedbackPath})
	})
	s.mux = mux
	return s
}

// ServeHTTP answers discovery, service and feedback calls, and CORS
// preflights.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.cors(w, r)
	s.mux.ServeHTTP(w, r)
}

// authenticate checks the call's JWT when the service has a trust file,
// and answers 401 with WWW-Authenticate when it fails. It returns the
// client (nil without a trust file) and notes it in ev.
func (s *Service) authenticate(w http.ResponseWriter, r *http.Request, path string, ev *Event) (*TrustedClient, bool) {
	if s.trust == nil {
		return nil, true
	}
	c, err := s.trust.Verify(r.Context(), r, path, s.now())
	if err != nil {
		var ae *AuthError
		msg, challenge := "unauthorized", `Bearer realm="cds-services"`
		if errors.As(err, &ae) {
			msg = ae.Reason
		}
		if ae == nil || !ae.NoToken {
			// RFC 6750: a request without credentials gets no error code.
			challenge += `, error="invalid_token", error_description=` + strconv.Quote(msg)
		}
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, &apiError{Status: http.StatusUnauthorized, Error: msg})
		return nil, false
	}
	ev.Client = c.Iss
	return c, true
}

// readBody reads the body within the limit, answering 413 or 400 when it
// cannot, and 415 when its Content-Type is refused (see WithRequireJSON);
// raw is the writer net/http gave, for http.MaxBytesReader.
func (s *Service) readBody(w, raw http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if s.isJSON != nil && !s.isJSON(r.Header.Get("Content-Type")) {
		writeError(w, &apiError{Status: http.StatusUnsupportedMediaType,
			Error: "the request body must be sent as Content-Type: application/json"})
		return nil, false
	}
	if r.ContentLength > s.maxBody {
		// Answered before reading, so that a client that sent Expect:
		// 100-continue gets the 413 rather than a reset connection.
		writeError(w, &apiError{Status: http.StatusRequestEntityTooLarge,
			Error: "the body is over " + strconv.FormatInt(s.maxBody, 10) + " bytes"})
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(raw, r.Body, s.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, &apiError{Status: http.StatusRequestEntityTooLarge,
				Error: "the body is over " + strconv.FormatInt(s.maxBody, 10) + " bytes"})
			return nil, false
		}
		writeError(w, &apiError{Status: http.StatusBadRequest, Error: "could not read the body"})
		return nil, false
	}
	return body, true
}

func (s *Service) discovery(w http.ResponseWriter, r *http.Request) {
	httpjson.Write(w, http.StatusOK, Discovery{Services: []ServiceDescription{description}})
}

// apiError is the JSON body of an error.
type apiError struct {
	// Status repeats the HTTP status.
	Status int `json:"status"`
	// Error says what is wrong.
	Error string `json:"error"`
	// Field is the JSON path of the value at fault, if one is.
	Field string `json:"field,omitempty"`
	// Line and Column locate a JSON syntax error in the body.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, &apiError{Status: http.StatusMethodNotAllowed,
			Error: "method " + r.Method + " not allowed: use " + allow})
	}
}

func (s *Service) call(w http.ResponseWriter, r *http.Request) {
	raw := w
	sw := &statusRecorder{ResponseWriter: w}
	w = sw
	ev := Event{Route: RouteService}
	defer func() { s.emit(r.Context(), &ev, sw.status) }()
	client, ok := s.authenticate(w, r, "/cds-services/"+ServiceID, &ev)
	if !ok {
		return
	}
	body, ok := s.readBody(w, raw, r)
	if !ok {
		return
	}
	req, err := DecodeRequest(body)
	if err != nil {
		writeRequestError(w, err)
		return
	}
	ev.HookInstance = eventHookInstance(req.HookInstance)
	if req.Hook != description.Hook {
		writeError(w, &apiError{Status: http.StatusBadRequest, Field: "hook",
			Error: "hook " + quote(req.Hook) + ": this service answers patient-view only"})
		return
	}
	var eng *recommend.Engine
	if s.engine != nil {
		eng = s.engine()
	}
	if eng == nil {
		writeError(w, &apiError{Status: http.StatusServiceUnavailable, Error: "no rules are loaded"})
		return
	}
	if s.trust != nil {
		_, sentConditions := req.Prefetch[PrefetchConditions]
		// What the call reads from fhirServer, in all: one budget for
		// the missing keys and the conditions' other pages.
		var fhirRead int64
		fetched, ferr := s.fetchMissing(r.Context(), req, client, &fhirRead)
		ev.Fetched = fetched
		if ferr != nil {
			s.log.LogAttrs(r.Context(), slog.LevelWarn, "cdshooks: missing prefetch not read from fhirServer", slog.String("why", ferr.Error()))
		}
		if sentConditions {
			// A page of the conditions: the service reads the rest, or
			// answers 412, never from the one page.
			fetched, ferr = s.fetchPages(r.Context(), req, client, &fhirRead)
			ev.Fetched = ev.Fetched || fetched
			if ferr != nil {
				s.log.LogAttrs(r.Context(), slog.LevelWarn, "cdshooks: the other pages of the conditions not read from fhirServer", slog.String("why", ferr.Error()))
				var re *RequestError
				if errors.As(ferr, &re) {
					writeRequestError(w, re)
					return
				}
			}
		}
	}
	ev.RuleSet = eng.RuleSet().Digest
	m, err := MapRequest(req, eng.Vocabulary(), s.now())
	if err != nil {
		writeRequestError(w, err)
		return
	}
	ctx := r.Context()
	logConditions(ctx, s.log, req.HookInstance, m)
	logPainScores(ctx, s.log, req.HookInstance, m)
	if !m.Relevant() {
		// Nothing the rule set knows is on the chart: CDS Hooks answers
		// {"cards": []} when there is nothing to say.
		httpjson.Write(w, http.StatusOK, Response{Cards: []Card{}, Extension: m.extension()})
		return
	}
	if s.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
		defer cancel()
	}
	start := time.Now()
	res, err := eng.Recommend(ctx, m.Profile)
	ev.Recommend = time.Since(start)
	var pe *recommend.PartialError
	if errors.As(err, &pe) && pe.Result != nil {
		// The referrals stand: answer with their cards and a card
		// saying the rest is unavailable (see Cards).
		s.logError(r.Context(), err)
		res, err = pe.Result, nil
	}
	if err != nil {
		var pe *recommend.ProfileError
		switch {
		case errors.As(err, &pe):
			// Only the age can be out of range: the lists come from the
			// vocabulary.
			writeError(w, &apiError{Status: http.StatusBadRequest, Field: "prefetch.patient.birthDate", Error: err.Error()})
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			writeError(w, &apiError{Status: http.StatusServiceUnavailable, Error: "the request was cancelled or timed out"})
		default:
			s.logError(r.Context(), err)
			writeError(w, &apiError{Status: http.StatusInternalServerError, Error: "the rules could not be evaluated"})
		}
		return
	}
	cards, err := Cards(res, req.HookInstance)
	if err != nil {
		writeError(w, &apiError{Status: http.StatusInternalServerError, Error: "the cards could not be made"})
		return
	}
	noteResult(&ev, res, cards)
	if len(m.UnreadPainScores) > 0 {
		// After the referral cards, before the advice.
		i := 0
		for i < len(cards) && cards[i].Source.Topic != nil && *cards[i].Source.Topic == topicReferral {
			i++
		}
		cards = slices.Insert(cards, i, unreadPainScoresCard(res, req.HookInstance))
	}
	resp := Response{Cards: cards}
	if resp.Cards == nil {
		resp.Cards = []Card{}
	}
	resp.Extension = m.extension()
	httpjson.Write(w, http.StatusOK, resp)
}

// extension is the response's extension for m, or nil when there is
// nothing to report.
func (m *Mapping) extension() *Extension {
	if len(m.Unknown)+len(m.Skipped)+len(m.Assumed)+len(m.SkippedPainScores)+len(m.UnreadPainScores) == 0 {
		return nil
	}
	return &Extension{UnknownCodes: m.Unknown, SkippedConditions: m.Skipped, AssumedActive: m.Assumed,
		SkippedPainScores: m.SkippedPainScores, UnreadPainScores: m.UnreadPainScores}
}

// logError logs an error of the engine: a rule that failed to evaluate
// with its id, file and line; anything else with its text.
func (s *Service) logError(ctx context.Context, err error) {
	enginelog.Log(ctx, s.log, "cdshooks", ": answered with the referrals only", err)
}

// writeRequestError answers a *RequestError with its status.
func writeRequestError(w http.ResponseWriter, err error) {
	var re *RequestError
	if !errors.As(err, &re) {
		writeError(w, &apiError{Status: http.StatusBadRequest, Error: err.Error()})
		return
	}
	writeError(w, &apiError{Status: re.Status, Error: re.Message, Field: re.Field, Line: re.Line, Column: re.Column})
}

func writeError(w http.ResponseWriter, e *apiError) {
	httpjson.Write(w, e.Status, e)
}

// noteResult puts what an Event keeps of a Result in ev: the rules that
// matched, the referrals' urgencies and the cards' uuids.
func noteResult(ev *Event, res *recommend.Result, cards []Card) {
	for _, t := range res.Trace() {
		if t.Matched {
			ev.Rules = append(ev.Rules, t.Rule)
		}
	}
	for _, ref := range res.Referrals {
		ev.Urgencies = append(ev.Urgencies, ref.Urgency)
	}
	for _, c := range cards {
		ev.Cards = append(ev.Cards, c.UUID)
	}
}
