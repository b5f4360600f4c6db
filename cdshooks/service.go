package cdshooks

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/backrules/backrules/internal/enginelog"
	"github.com/backrules/backrules/internal/httpin"
	"github.com/backrules/backrules/internal/httpjson"
	"github.com/backrules/backrules/recommend"
)

// ServiceID is the service's id: it answers at /cds-services/backrules.
const ServiceID = "backrules"

// DefaultMaxBodyBytes is the largest request body the service reads unless
// WithMaxBodyBytes says otherwise: 10 MiB, room for as much FHIR data as
// the service reads itself from a trusted client's fhirServer in one call
// (8 MiB in all, see WithTrust), prefetched instead, with the request
// around it. A smaller limit refused a prefetched chart with a 413 and no
// card, the red flags in it too, that the service reads when it is not
// prefetched.
const DefaultMaxBodyBytes = maxFHIRTotal + 2<<20

// ExtensionUnknownCodes is the key, in the response's extension object,
// of the codes of active conditions that the vocabulary does not know.
const ExtensionUnknownCodes = "com.github.backrules.unknown-codes"

// ExtensionSkippedConditions is the key, in the response's extension
// object, of the Conditions the service left out, and why.
const ExtensionSkippedConditions = "com.github.backrules.skipped-conditions"

// ExtensionAssumedActive is the key, in the response's extension object,
// of the Conditions the service counted as active although it could not
// read their status, or as the patient's although it could not read their
// subject, and why.
const ExtensionAssumedActive = "com.github.backrules.assumed-active-conditions"

// ExtensionSkippedPainScores is the key, in the response's extension
// object, of the pain score Observations the service left out, and why.
const ExtensionSkippedPainScores = "com.github.backrules.skipped-pain-scores"

// ExtensionUnreadPainScores is the key, in the response's extension
// object, of the pain score Observations the service could not read, and
// why. The scores it could read are still used, and a warning card says
// that the trend was assessed without the others.
const ExtensionUnreadPainScores = "com.github.backrules.unread-pain-scores"

// ExtensionAssumedPainScores is the key, in the response's extension
// object, of the pain score Observations the service read although their
// coding does not give LOINC 72514-3 in the LOINC system, and why
// (Mapping.AssumedPainScores).
const ExtensionAssumedPainScores = "com.github.backrules.assumed-pain-scores"

// ExtensionUnreadPatient is the key, in the response's extension object,
// of the values of the patient prefetch the service could not read, and
// why: an unreadable birthDate, or a Patient that could not be read from
// the client's FHIR server or whose id could not be read, leaves the age
// unknown; an unreadable gender leaves the sex not stated.
const ExtensionUnreadPatient = "com.github.backrules.unread-patient"

// ExtensionUnreadConditions is the key, in the response's extension
// object, of why not every active Condition could be read (from the
// client's FHIR server, or because the search failed in part: an
// OperationOutcome of severity error in the conditions Bundle), when the
// service answered with the referrals of those it read.
const ExtensionUnreadConditions = "com.github.backrules.unread-conditions"

// ExtensionUnreadPastConditions is the key, in the response's extension
// object, of why not every past Condition (PrefetchPastConditions) could
// be read: a past cancer may be among those not read, so the service
// answered with the referral cards alone and a warning card.
const ExtensionUnreadPastConditions = "com.github.backrules.unread-past-conditions"

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
	// AssumedPainScores, under ExtensionAssumedPainScores, are the pain
	// scores read although their coding lacks the LOINC system, and why
	// (Mapping.AssumedPainScores).
	AssumedPainScores []PainScoreNote `json:"com.github.backrules.assumed-pain-scores,omitempty"`
	// UnreadPatient, under ExtensionUnreadPatient, are the values of the
	// patient that could not be read, and why (Mapping.UnreadPatient).
	UnreadPatient []PatientNote `json:"com.github.backrules.unread-patient,omitempty"`
	// UnreadConditions, under ExtensionUnreadConditions, says why not
	// every active Condition could be read (Mapping.UnreadConditions).
	UnreadConditions []ConditionNote `json:"com.github.backrules.unread-conditions,omitempty"`
	// UnreadPastConditions, under ExtensionUnreadPastConditions, says why
	// not every past Condition could be read (Mapping.UnreadPastConditions).
	UnreadPastConditions []ConditionNote `json:"com.github.backrules.unread-past-conditions,omitempty"`
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
// {"status": N, "error": "...", "field": "..."}. A nil or zero Service,
// one NewService did not make, answers every call with 503.
type Service struct {
	engine  func() *recommend.Engine
	log     *slog.Logger
	now     func() time.Time
	maxBody int64
	timeout time.Duration
	// fhirBudget bounds all the reads of one call from its fhirServer.
	fhirBudget time.Duration
	mux        *http.ServeMux
	trust      *Trust
	events     func(context.Context, Event)
	// isJSON, when set, is the check of a call's Content-Type (see
	// WithRequireJSON).
	isJSON func(contentType string) bool
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock that gives today's date, from which a birth
// date gives an age. The default is time.Now, which a nil now keeps.
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

// WithFHIRBudget bounds the time all the reads of one call from the
// client's fhirServer may take together (see WithTrust): the patient, the
// pages of the conditions and the pain scores, each of which has 5 seconds
// of its own. When it runs out the reads stop at once and the call is
// answered as when a read fails: with the referral cards of the
// Conditions read and a card saying that not every Condition could be
// read, the rest of the advice withheld; or, when those call for no
// referral, with a 412 that says why. A Patient that fails or runs late
// leaves the age unknown (see ExtensionUnreadPatient), and the Conditions
// are read with what is left: a Patient read that used it all leaves
// them none. d <= 0 keeps the default, DefaultFHIRBudget (10 seconds).
//
// A server in front of the service must give a call more time to be
// answered (http.Server's WriteTimeout) than it may take: the 5 seconds a
// jwks_uri read may take (WithTrust), the FHIR budget, and the rules'
// timeout (WithTimeout). examples/server's WriteTimeout is 30 seconds, and
// its rules' timeout 10: 5 + 10 + 10 stays under it. A call that takes
// longer has its connection cut, while the service has answered 200 and
// reported it so.
func WithFHIRBudget(d time.Duration) Option {
	return func(s *Service) {
		if d > 0 {
			s.fhirBudget = d
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
// that returns nil or an Engine that Load did not make (such as
// new(recommend.Engine)), is answered with 503. Nil options are skipped.
func NewService(engine func() *recommend.Engine, opts ...Option) *Service {
	s := &Service{engine: engine, log: slog.Default(), now: time.Now, maxBody: DefaultMaxBodyBytes, fhirBudget: DefaultFHIRBudget}
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
	if s == nil || s.mux == nil {
		writeError(w, &apiError{Status: http.StatusServiceUnavailable, Error: "the service is not set up: create it with NewService"})
		return
	}
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
// cannot, and 415 when its Content-Type is refused (see WithRequireJSON)
// or it was sent compressed (a Content-Encoding other than identity,
// which the service does not undo: it would be refused as text that is
// not JSON, with no word of why); raw is the writer net/http gave, for
// http.MaxBytesReader.
func (s *Service) readBody(w, raw http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if s.isJSON != nil && !s.isJSON(r.Header.Get("Content-Type")) {
		writeError(w, &apiError{Status: http.StatusUnsupportedMediaType,
			Error: "the request body must be sent as Content-Type: application/json"})
		return nil, false
	}
	if codings := httpin.ContentCodings(r); len(codings) > 0 {
		w.Header().Set("Accept-Encoding", "identity")
		writeError(w, &apiError{Status: http.StatusUnsupportedMediaType,
			Error: "the request body must be sent uncompressed: Content-Encoding " + strconv.Quote(codings[0]) + " is not accepted"})
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
	eng := s.loadedEngine()
	httpjson.Write(w, http.StatusOK, Discovery{Services: []ServiceDescription{describe(eng)}})
}

// loadedEngine returns the engine the service's engine function gives,
// or nil when there is none: no function, a nil engine, or an Engine that
// Load did not make (such as new(recommend.Engine)), which has no rule
// set. Such an engine knows no code, so a call answered with it would be
// a 200 with no card at all, even for a chart with an emergency red flag.
func (s *Service) loadedEngine() *recommend.Engine {
	if s.engine == nil {
		return nil
	}
	eng := s.engine()
	if eng == nil || eng.RuleSet().Digest == "" {
		return nil
	}
	return eng
}

// describe is what discovery says of the service with the rule set of
// eng: the past conditions prefetch (PastConditionsTemplate) is asked for
// when its vocabulary has a term that counts in the past. Without an
// engine (the calls are then answered with 503) it is asked for all the
// same, since the rule set loaded next may need it.
func describe(eng *recommend.Engine) ServiceDescription {
	d := description
	d.Prefetch = maps.Clone(description.Prefetch)
	past := pastConditionsSearch("{{context.patientId}}")
	if eng != nil {
		past = PastConditionsTemplate(eng.Vocabulary())
	}
	if past != "" {
		d.Prefetch[PrefetchPastConditions] = past
	}
	return d
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
	eng := s.loadedEngine()
	if eng == nil {
		writeError(w, &apiError{Status: http.StatusServiceUnavailable, Error: "no rules are loaded"})
		return
	}
	if typ := patientViewer(req); typ != "" {
		// The cards are written for the clinician reading the chart: a
		// patient, or their proxy, viewing the record gets none, and
		// nothing of the chart is read for them.
		ev.RuleSet = eng.RuleSet().Digest
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "cdshooks: no cards: the user is not a clinician", slog.String("user_type", typ))
		httpjson.Write(w, http.StatusOK, Response{Cards: []Card{}})
		return
	}
	if err := viewerInDoubt(req); err != nil {
		// A "UserId" that names a patient or their proxy: a patient may
		// be viewing, who gets no cards, so the 400 hides nothing from a
		// clinician. Another "UserId" is reported by MapRequest.
		writeRequestError(w, err)
		return
	}
	var fr fhirReads
	if s.trust != nil {
		fr = s.readFHIR(r.Context(), req, client, eng.Vocabulary())
		ev.Fetched = fr.fetched
		if err := fr.failure(); err != nil {
			ev.FHIRError = err.Error()
		}
	}
	ev.RuleSet = eng.RuleSet().Digest
	m, err := MapRequest(req, eng.Vocabulary(), s.now())
	// incomplete is the 412 of a conditions Bundle whose search failed in
	// part (an OperationOutcome of severity error in it): MapRequest then
	// returns the Conditions it read too, whose referrals are known.
	var incomplete error
	switch {
	case err != nil && m != nil:
		incomplete = err
	case err != nil:
		var re *RequestError
		none := errors.As(err, &re) && re.Status == http.StatusPreconditionFailed &&
			strings.HasPrefix(re.Field, "prefetch."+PrefetchConditions)
		if _, ok := req.Prefetch[PrefetchConditions]; !none && !ok && errors.As(err, &re) && *re == *patientMissingError() {
			// The patient is missing too (MapRequest names it first),
			// which the Service answers when nothing calls for a
			// referral (see Mapping.PatientMissing).
			re = conditionsMissingError()
			none, err = true, re
		}
		if none && fr.conditions != nil {
			// The conditions are incomplete because a read failed: say
			// which, rather than what the Bundle lacks.
			err = fr.unreadConditions()
		}
		if !none {
			writeRequestError(w, err)
			return
		}
		// None of the active Conditions could be read (the key missing,
		// an OperationOutcome in its place, a Bundle of none of them),
		// but the rest of the request may still call for a referral (a
		// past cancer among the past Conditions): it is read without
		// them, and answered as a Bundle read in part is, with the
		// referral cards and the warning card, the 412 only when nothing
		// calls for a referral.
		if m = withoutActive(req, eng.Vocabulary(), s.now()); m == nil {
			writeRequestError(w, err)
			return
		}
		if fr.conditions == nil {
			m.UnreadConditions = append(m.UnreadConditions, ConditionNote{Entry: re.Field, Reason: re.Message})
		}
		incomplete = err
	}
	if m.Deceased {
		// Advice for the patient's back is not for anyone.
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "cdshooks: no cards: the patient has died")
		httpjson.Write(w, http.StatusOK, Response{Cards: []Card{}})
		return
	}
	if fr.patient != nil {
		// The Patient could not be read: the age is unknown, as for a
		// birthDate that gives none, and the cards say so, with why it
		// could not be read rather than the null that stood in for it.
		m.UnreadPatient = append(slices.DeleteFunc(m.UnreadPatient, func(n PatientNote) bool {
			return n == PatientNote{Entry: "prefetch." + PrefetchPatient, Reason: patientNull}
		}), fr.unreadPatient())
	}
	if fr.past != nil {
		// The past Conditions read count; the others may hold a past
		// cancer.
		m.UnreadPastConditions = append([]ConditionNote{fr.unreadPast()}, m.UnreadPastConditions...)
	}
	ctx := r.Context()
	if m.PatientMissing() {
		// Without the patient the age is unknown, and the spec's answer
		// to a prefetch missing is a 412; but the Conditions read may
		// call for a referral, an emergency among them, which a 412
		// would hide: then the call is answered, with the card that says
		// the patient was missing (noteCards).
		start := time.Now()
		res, err := referralsOnly(ctx, eng, m.Profile, errPatientUnknown)
		ev.Recommend += time.Since(start)
		switch {
		case errors.Is(err, recommend.ErrInvalidProfile):
			s.invalidProfile(ctx, w, err)
			return
		case err != nil:
			s.logError(ctx, err)
			writeRequestError(w, patientMissingError())
			return
		case len(res.Referrals) == 0:
			writeRequestError(w, patientMissingError())
			return
		}
	}
	logConditions(ctx, s.log, req.HookInstance, m)
	logPainScores(ctx, s.log, req.HookInstance, m)
	logPatient(ctx, s.log, req.HookInstance, m)
	var res *recommend.Result
	var cards []Card
	// unmapped is the card of the Conditions counted but not mapped to
	// the vocabulary, when what they are called is of interest (see
	// unmappedCard): given on any chart, since a red flag may be among
	// them, and never counted toward a referral; with them, the
	// Conditions mapped to conditions only, whose names may name a red
	// flag their codes do not stand for (Mapping.MappedNames).
	var unmapped []Card
	if c, ok := unmappedCard(eng, req.HookInstance, append(slices.Clip(m.Unmapped), m.MappedNames...)); ok {
		unmapped = []Card{c}
	}
	activeUnread := fr.conditions != nil || incomplete != nil
	// relevant, trend and unreadTrend say whether the chart has anything
	// to say cards on: a coded term the rule set knows, pain scores, or
	// pain scores (or the age beside them) that could not be read.
	relevant := m.Relevant()
	trend := len(m.Profile.CheckIns) > 0
	unreadTrend := len(m.UnreadPainScores)+len(m.AssumedPainScores) > 0 || trend && len(ageOrSexNotes(m.UnreadPatient)) > 0
	if activeUnread || len(m.UnreadPastConditions) > 0 {
		// Not every active Condition, or not every past one, could be
		// read. The referrals of those read are known, and reach the
		// clinician with the rest of the advice withheld; without any,
		// the service does not answer as if it had them all: a 412 when
		// an active Condition could not be read, and when only past ones
		// could not, the card that says so (the active Conditions were
		// all read, and a past cancer is one red flag among them).
		refuse := incomplete
		var why []string
		if fr.conditions != nil {
			refuse = fr.unreadConditions()
			why = append(why, "reading them from the FHIR server: "+fr.conditions.Error())
		}
		for _, n := range m.UnreadConditions {
			why = append(why, n.Reason)
		}
		start := time.Now()
		cause := cmp.Or(fr.conditions, incomplete, errPastUnread)
		res, err = referralsOnly(ctx, eng, m.Profile, cause)
		uncertain := false
		if err == nil && m.AgeUpTo > 0 {
			res, uncertain, err = olderAgeReferrals(ctx, eng, m, res, cause)
		}
		ev.Recommend = time.Since(start)
		switch {
		case errors.Is(err, recommend.ErrInvalidProfile):
			s.invalidProfile(ctx, w, err)
			return
		case err != nil && !activeUnread:
			s.logError(ctx, err)
			writeError(w, &apiError{Status: http.StatusInternalServerError, Error: "the rules could not be evaluated"})
			return
		case err != nil || activeUnread && len(res.Referrals) == 0:
			if err != nil {
				s.logError(ctx, err)
			}
			writeRequestError(w, refuse)
			return
		}
		s.log.LogAttrs(ctx, slog.LevelWarn, "cdshooks: answered with the referrals of the conditions read only",
			slog.Int("referrals", len(res.Referrals)))
		const rest = "; the referrals are those of the Conditions read, and the rest of the advice is withheld"
		notes := make([]ConditionNote, 0, len(m.UnreadConditions)+1)
		if fr.conditions != nil {
			notes = append(notes, ConditionNote{Entry: "prefetch." + PrefetchConditions,
				Reason: "not every active Condition could be read from fhirServer: " + fr.conditions.Error() + rest})
		}
		for _, n := range m.UnreadConditions {
			n.Reason += rest
			notes = append(notes, n)
		}
		m.UnreadConditions = notes
		var pastWhy []string
		for i, n := range m.UnreadPastConditions {
			pastWhy = append(pastWhy, n.Reason)
			m.UnreadPastConditions[i].Reason += rest
		}
		if !activeUnread && !relevant && !trend && !unreadTrend {
			// Every active Condition was read, and the chart has nothing
			// the rule set knows: with every past Condition read too it
			// gets no cards, whatever its age alone would call for (see
			// below), so the referrals worked out without them, and their
			// key messages, are not shown either. A past cancer, a red
			// flag, may be among the past Conditions not read: the card
			// that says so is the answer, alone.
			answerCards(w, &ev, append([]Card{unreadPastCard(res, req.HookInstance, cardReasons(pastWhy))}, unmapped...), m)
			return
		}
		if activeUnread {
			cards = unreadConditionsCards(res, req.HookInstance, cardReasons(why), fr.conditions == nil && m.conditionsAllRead())
		} else {
			// The active Conditions were all read: a chart that records
			// no back condition gets its referrals framed as Cards frames
			// them, as when the past Conditions are read.
			cards = referralCards(res, req.HookInstance, m.frame())
		}
		if len(pastWhy) > 0 {
			cards = insertAfterReferrals(cards, unreadPastCard(res, req.HookInstance, cardReasons(pastWhy)))
		}
		if uncertain {
			cards = insertAfterReferrals(cards, uncertainAgeCard(res, req.HookInstance, m.Profile.Age, m.AgeUpTo))
		}
	} else {
		// A chart with no coded term the rule set knows may still have
		// pain scores, whose trend can call for a review: the rules run on
		// them, and a referral they give reaches the clinician (with every
		// card framed as applying if back pain is reported; see
		// Mapping.Cards). When what could not be read (a pain score, or
		// the age beside pain scores) could have called for one, the
		// cards saying so (noteCards) are the answer. Otherwise there is
		// nothing to say, and CDS Hooks answers {"cards": []}, or the card
		// of the Conditions it could not map (unmapped) alone: the advice
		// worked out without them is not for a chart of nothing the rule
		// set knows.
		nothing := func() { answerCards(w, &ev, unmapped, m) }
		if !relevant && !trend && !unreadTrend {
			nothing()
			return
		}
		rulesCtx, cancelRules := s.rulesContext(r)
		defer cancelRules()
		var ok bool
		if res, ok = s.advise(rulesCtx, w, r, eng, m, &ev); !ok {
			return
		}
		uncertain := false
		if m.AgeUpTo > 0 {
			// The birth date gives two ages: the advice of each, and when
			// they differ, the referrals of both (see Mapping.AgeUpTo).
			older := *m
			older.Profile.Age = m.AgeUpTo
			res2, ok := s.advise(rulesCtx, w, r, eng, &older, &ev)
			if !ok {
				return
			}
			young, err1 := m.Cards(res, req.HookInstance)
			old, err2 := older.Cards(res2, req.HookInstance)
			cardsMade := err1 == nil && err2 == nil
			if cardsMade && reflect.DeepEqual(young, old) {
				// Either age gives the same cards: the call is answered
				// as for one age.
			} else if both, same := sameAdvice(res, res2); cardsMade && same {
				// The advice holds at either age: the referrals of both
				// come with it.
				res, uncertain = both, true
			} else {
				both, err := referralsOnly(ctx, eng, m.Profile, errAgeUncertain)
				if err == nil {
					both, _, err = olderAgeReferrals(ctx, eng, m, both, errAgeUncertain)
				}
				if err != nil {
					s.logError(ctx, err)
					writeError(w, &apiError{Status: http.StatusInternalServerError, Error: "the rules could not be evaluated"})
					return
				}
				res, uncertain = both, true
			}
		}
		switch {
		case uncertain && !res.Withheld && (relevant || len(res.Referrals) > 0):
			if cards, err = m.Cards(res, req.HookInstance); err != nil {
				writeError(w, &apiError{Status: http.StatusInternalServerError, Error: "the cards could not be made"})
				return
			}
			cards = insertAfterReferrals(cards, uncertainAgeCard(res, req.HookInstance, m.Profile.Age, m.AgeUpTo))
		case uncertain && (relevant || len(res.Referrals) > 0):
			cards = m.uncertainAgeCards(res, req.HookInstance)
		case uncertain && !unreadTrend:
			nothing()
			return
		case relevant || len(res.Referrals) > 0:
			if cards, err = m.Cards(res, req.HookInstance); err != nil {
				writeError(w, &apiError{Status: http.StatusInternalServerError, Error: "the cards could not be made"})
				return
			}
		case !unreadTrend:
			nothing()
			return
		}
	}
	cards = noteCards(cards, res, req.HookInstance, m, unmapped...)
	noteResult(&ev, res)
	answerCards(w, &ev, cards, m)
}

// withoutActive maps req as if its conditions prefetch were null (no
// active Condition), for a request none of whose active Conditions could
// be read: what the rest of it calls for. It returns nil when that
// cannot be mapped either.
func withoutActive(req *Request, vocab recommend.Vocabulary, now time.Time) *Mapping {
	alt := *req
	alt.Prefetch = maps.Clone(req.Prefetch)
	if alt.Prefetch == nil {
		alt.Prefetch = map[string]json.RawMessage{}
	}
	alt.Prefetch[PrefetchConditions] = json.RawMessage("null")
	m, _ := MapRequest(&alt, vocab, now)
	return m
}

// answerCards answers cards ({"cards": []} for none) with m's extension,
// and puts their uuids in ev: every card answered, so that feedback on
// any finds this call.
func answerCards(w http.ResponseWriter, ev *Event, cards []Card, m *Mapping) {
	for _, c := range cards {
		ev.Cards = append(ev.Cards, c.UUID)
	}
	if cards == nil {
		cards = []Card{}
	}
	httpjson.Write(w, http.StatusOK, Response{Cards: cards, Extension: m.extension()})
}

// rulesContext returns the context the rules of a call run in: r's,
// bounded by the service's timeout (WithTimeout), once for the call, so
// that a call that runs the rules more than once (a birth date that
// gives two ages) takes no longer than the timeout in all.
func (s *Service) rulesContext(r *http.Request) (context.Context, context.CancelFunc) {
	if s.timeout > 0 {
		return context.WithTimeout(r.Context(), s.timeout)
	}
	return context.WithCancel(r.Context())
}

// advise runs the rules on m's profile in ctx, the call's rules context
// (rulesContext), and adds the time they took to ev.Recommend. When only
// the referrals could be worked out, it returns their partial Result,
// which Cards marks incomplete; it answers the call itself, and returns
// false, when there is no Result to answer with.
func (s *Service) advise(ctx context.Context, w http.ResponseWriter, r *http.Request, eng *recommend.Engine, m *Mapping, ev *Event) (*recommend.Result, bool) {
	start := time.Now()
	res, err := eng.Recommend(ctx, m.Profile)
	ev.Recommend += time.Since(start)
	if errors.Is(err, recommend.ErrInvalidProfile) {
		// Checked first: Recommend gives an invalid profile's referrals
		// in a *PartialError, but the profile is the mapping's, and a
		// mistake in it is the service's, not advice to give.
		s.invalidProfile(r.Context(), w, err)
		return nil, false
	}
	var pe *recommend.PartialError
	if errors.As(err, &pe) && pe.Result != nil {
		// The referrals stand: answer with their cards and a card
		// saying the rest is unavailable (see Cards).
		s.logError(r.Context(), err)
		return pe.Result, true
	}
	if err != nil {
		switch {
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			writeError(w, &apiError{Status: http.StatusServiceUnavailable, Error: "the request was cancelled or timed out"})
		default:
			s.logError(r.Context(), err)
			writeError(w, &apiError{Status: http.StatusInternalServerError, Error: "the rules could not be evaluated"})
		}
		return nil, false
	}
	return res, true
}

// referralsOnly returns the Result of the referrals p calls for, with the
// rest of the advice withheld: what eng gives, in a *recommend.PartialError,
// for a context that is done, since it evaluates every rule that refers
// whatever the context says. why is the context's cause.
func referralsOnly(ctx context.Context, eng *recommend.Engine, p recommend.Profile, why error) (*recommend.Result, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	cancel(why)
	res, err := eng.Recommend(ctx, p)
	var pe *recommend.PartialError
	switch {
	case errors.Is(err, recommend.ErrInvalidProfile):
		return nil, err
	case errors.As(err, &pe) && pe.Result != nil:
		return pe.Result, nil
	case err != nil:
		return nil, fmt.Errorf("working out the referrals of the conditions read: %w", err)
	}
	// A rule set with no rule but those that refer has no more to
	// withhold.
	return res, nil
}

// noteCards inserts, after the referral cards and the card that says the
// advice is unavailable, if there is one, the cards that say what else the
// service could not read and what that may hide: first, the cards
// first holds (the card of the Conditions not mapped to the vocabulary,
// see unmappedCard), then the patient or its birth date
// (Mapping.UnreadPatient), then the pain scores
// (Mapping.UnreadPainScores and Mapping.AssumedPainScores).
func noteCards(cards []Card, res *recommend.Result, hookInstance string, m *Mapping, first ...Card) []Card {
	notes := slices.Clone(first)
	if unread := ageOrSexNotes(m.UnreadPatient); len(unread) > 0 {
		notes = append(notes, unreadPatientCard(res, hookInstance, unread))
	}
	if len(m.UnreadPainScores)+len(m.AssumedPainScores) > 0 {
		notes = append(notes, unreadPainScoresCard(res, hookInstance, len(m.UnreadPainScores) > 0, len(m.AssumedPainScores) > 0))
	}
	if len(notes) == 0 {
		return cards
	}
	return insertAfterReferrals(cards, notes...)
}

// insertAfterReferrals inserts notes after the referral cards and the
// cards that say the advice is unavailable or incomplete.
func insertAfterReferrals(cards []Card, notes ...Card) []Card {
	i := 0
	for i < len(cards) && cards[i].Source.Topic != nil &&
		(*cards[i].Source.Topic == topicReferral || *cards[i].Source.Topic == topicIncomplete) {
		i++
	}
	return slices.Insert(cards, i, notes...)
}

// errPatientUnknown is the cause, for referralsOnly, of the advice
// withheld while the service works out whether the Conditions of a call
// without the patient prefetch call for a referral.
var errPatientUnknown = errors.New("the patient prefetch is missing: the age is unknown")

// errAgeUncertain is the cause, for referralsOnly, of the advice withheld
// when the two ages a partial birth date allows get different advice.
var errAgeUncertain = errors.New("the birth date gives two ages, whose advice differs")

// olderAgeReferrals returns the referrals of both ages m's birth date
// allows: young, those of m.Profile (its younger age), merged with those
// of its older age, m.AgeUpTo, worked out the same way (see
// referralsOnly), the union of both, the most urgent first, with every
// safety-net message of either and the advice withheld; and whether they
// differ from young's. why is the cause of the advice withheld.
func olderAgeReferrals(ctx context.Context, eng *recommend.Engine, m *Mapping, young *recommend.Result, why error) (*recommend.Result, bool, error) {
	p := m.Profile
	p.Age = m.AgeUpTo
	old, err := referralsOnly(ctx, eng, p, why)
	if err != nil {
		return nil, false, err
	}
	if reflect.DeepEqual(young.Referrals, old.Referrals) && reflect.DeepEqual(young.FoldedReferrals, old.FoldedReferrals) &&
		reflect.DeepEqual(young.Messages, old.Messages) && reflect.DeepEqual(young.Avoided, old.Avoided) {
		return young, false, nil
	}
	both := mergeAges(young, old)
	both.Withheld = true
	if both.WithheldReason == "" {
		both.WithheldReason = why.Error()
	}
	return both, true, nil
}

// mergeAges is young, the Result of a profile's younger age, with the
// referrals (shown and folded), messages and movements to avoid of old,
// that of its older age, that it lacks: the referrals the most urgent
// first, those of young first within an urgency.
func mergeAges(young, old *recommend.Result) *recommend.Result {
	both := *young
	both.Referrals = union(young.Referrals, old.Referrals)
	slices.SortStableFunc(both.Referrals, func(a, b recommend.Referral) int { return byUrgency(a.Urgency, b.Urgency) })
	both.FoldedReferrals = union(young.FoldedReferrals, old.FoldedReferrals)
	slices.SortStableFunc(both.FoldedReferrals, func(a, b recommend.FoldedReferral) int { return byUrgency(a.Urgency, b.Urgency) })
	both.Messages = union(young.Messages, old.Messages)
	both.Avoided = union(young.Avoided, old.Avoided)
	both.Withheld = young.Withheld || old.Withheld
	return &both
}

// sameAdvice returns the Result of both ages (see mergeAges) when neither
// young nor old withholds the advice, both are complete, and their
// movement advice (the programme, plan, movements recommended, avoided
// and in conflict, and those needing equipment) is the same: only the
// referrals or messages differ, and the advice holds at either age.
func sameAdvice(young, old *recommend.Result) (*recommend.Result, bool) {
	if young.Withheld || old.Withheld || young.Incomplete || old.Incomplete ||
		!reflect.DeepEqual(young.Programme, old.Programme) || !reflect.DeepEqual(young.Plan, old.Plan) ||
		!reflect.DeepEqual(young.Recommended, old.Recommended) || !reflect.DeepEqual(young.Avoided, old.Avoided) ||
		!reflect.DeepEqual(young.Conflicts, old.Conflicts) || !reflect.DeepEqual(young.NeedsEquipment, old.NeedsEquipment) {
		return nil, false
	}
	return mergeAges(young, old), true
}

// union is a's elements, then those of b that a does not hold.
func union[T any](a, b []T) []T {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.ContainsFunc(out, func(y T) bool { return reflect.DeepEqual(x, y) }) {
			out = append(out, x)
		}
	}
	return out
}

// byUrgency orders the more urgent of a and b first.
func byUrgency(a, b recommend.Urgency) int {
	switch {
	case a.AtLeast(b) && !b.AtLeast(a):
		return -1
	case b.AtLeast(a) && !a.AtLeast(b):
		return 1
	}
	return 0
}

// maxCardReasons is the most reasons a warning card of what could not be
// read lists in its detail; the response's extension lists them all.
const maxCardReasons = 5

// cardReasons joins the reasons why, for the detail of a warning card of
// what could not be read: the first maxCardReasons, and how many more the
// extension lists, so that a Bundle of thousands of entries that cannot
// be read does not make a card no clinician can read.
func cardReasons(why []string) string {
	if len(why) <= maxCardReasons {
		return strings.Join(why, "; ")
	}
	return strings.Join(why[:maxCardReasons], "; ") + fmt.Sprintf("; and %d more, listed in the extension", len(why)-maxCardReasons)
}

// errPastUnread is the cause, for referralsOnly, of the advice withheld
// when not every past Condition could be read.
var errPastUnread = errors.New("not every past condition could be read: a past cancer may be among those not read")

// extension is the response's extension for m, or nil when there is
// nothing to report.
func (m *Mapping) extension() *Extension {
	if len(m.Unknown)+len(m.Skipped)+len(m.Assumed)+len(m.SkippedPainScores)+len(m.UnreadPainScores)+len(m.AssumedPainScores)+
		len(m.UnreadPatient)+len(m.UnreadConditions)+len(m.UnreadPastConditions) == 0 {
		return nil
	}
	return &Extension{UnknownCodes: m.Unknown, SkippedConditions: m.Skipped, AssumedActive: m.Assumed,
		SkippedPainScores: m.SkippedPainScores, UnreadPainScores: m.UnreadPainScores, AssumedPainScores: m.AssumedPainScores,
		UnreadPatient: m.UnreadPatient, UnreadConditions: m.UnreadConditions, UnreadPastConditions: m.UnreadPastConditions}
}

// logError logs an error of the engine: a rule that failed to evaluate
// with its id, file and line; an invalid profile with the fields at fault
// only, since its text holds their values (see invalidProfile); anything
// else with its text.
func (s *Service) logError(ctx context.Context, err error) {
	var pe *recommend.ProfileError
	if errors.As(err, &pe) {
		fields := make([]string, 0, len(pe.Problems))
		for _, p := range pe.Problems {
			fields = append(fields, p.Field)
		}
		s.log.LogAttrs(ctx, slog.LevelError, "cdshooks: the profile mapped from the request is invalid", slog.Any("fields", fields))
		return
	}
	enginelog.Log(ctx, s.log, "cdshooks", ": answered with the referrals only", err)
}

// invalidProfile answers a call whose mapped profile the engine refused
// (err matches recommend.ErrInvalidProfile) with 500: MapRequest builds
// the profile from the vocabulary, with an age from 0 to recommend.MaxAge
// (a birth date that gives another is read as no age), so a profile the
// engine refuses is a mistake of the service's, not of the request, and
// no advice is given from it. It logs the fields at fault, never their
// values (see logError).
func (s *Service) invalidProfile(ctx context.Context, w http.ResponseWriter, err error) {
	s.logError(ctx, err)
	writeError(w, &apiError{Status: http.StatusInternalServerError, Error: "the profile read from the request is invalid: the service could not give advice"})
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
// matched and the referrals' urgencies (the cards' uuids, answerCards).
func noteResult(ev *Event, res *recommend.Result) {
	for _, t := range res.Trace() {
		if t.Matched {
			ev.Rules = append(ev.Rules, t.Rule)
		}
	}
	// A Result of both ages an uncertain birth date allows holds the
	// referrals of the older one, whose rules its trace lacks.
	for _, ref := range res.Referrals {
		for _, id := range ref.Rules {
			if !slices.Contains(ev.Rules, id) {
				ev.Rules = append(ev.Rules, id)
			}
		}
	}
	for _, ref := range res.Referrals {
		ev.Urgencies = append(ev.Urgencies, ref.Urgency)
	}
}
