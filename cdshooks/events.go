package cdshooks

import (
	"context"
	"net/http"
	"regexp"
	"time"

	"github.com/backrules/backrules/recommend"
)

// The routes an Event names.
const (
	RouteDiscovery = "discovery"
	RouteService   = "service"
	RouteFeedback  = "feedback"
)

// The outcomes of an Event.
const (
	OutcomeCards        = "cards"               // 200 with at least one card
	OutcomeNoCards      = "no_cards"            // 200 with {"cards": []}
	OutcomeFeedback     = "feedback"            // feedback recorded
	OutcomeUnauthorized = "unauthorized"        // 401
	OutcomePrecondition = "precondition_failed" // 412: prefetch missing and not fetched
	OutcomeBadRequest   = "bad_request"         // 400, 413, 415
	OutcomeUnavailable  = "unavailable"         // 503
	OutcomeError        = "error"               // 500
)

// Event is what the service tells of one service or feedback call, for
// metrics and a decision log (see WithEvents). It holds nothing that
// identifies a person: no patient, user or encounter id, no name, date
// of birth, code or free text. It keeps the call's hookInstance, a random
// id of the call that only the client can tie to a patient (as it can the
// card uuids derived from it), so that feedback on a card can be tied to
// the call that showed it.
type Event struct {
	// Time is when the call was answered.
	Time time.Time `json:"time"`
	// Route is RouteService or RouteFeedback.
	Route string `json:"route"`
	// Status is the HTTP status answered, and Outcome its meaning.
	Status  int    `json:"status"`
	Outcome string `json:"outcome"`
	// Client is the iss of the trusted client that called, "" without a
	// trust file.
	Client string `json:"client,omitempty"`
	// HookInstance is the hookInstance of a service call, which its cards'
	// uuids are derived from; feedback names those uuids. It is kept only
	// when it has the form of a UUID, as CDS Hooks asks: another value
	// could be anything, a patient's id among it, and is left out.
	HookInstance string `json:"hook_instance,omitempty"`
	// RuleSet is the digest of the rules that answered a service call.
	RuleSet string `json:"rule_set,omitempty"`
	// Rules are the ids of the rules that matched, in rule order.
	Rules []string `json:"rules,omitempty"`
	// Urgencies are the urgencies of the referrals, in order.
	Urgencies []recommend.Urgency `json:"urgencies,omitempty"`
	// Cards are the uuids of the cards answered.
	Cards []string `json:"cards,omitempty"`
	// Fetched is true when the data was read from the client's FHIR
	// server rather than sent as prefetch.
	Fetched bool `json:"fetched,omitempty"`
	// FHIRError says why a read from the client's FHIR server failed (of
	// the patient, the conditions or the pain scores; the first, when
	// several did), such as "status 500" or that the call's time for
	// reading ran out (WithFHIRBudget): the call was then a 412, or was
	// answered from what could be read. It holds no path or query of a
	// URL (they hold the patient's id), no token and no data of the
	// patient; "" when no read failed.
	FHIRError string `json:"fhir_error,omitempty"`
	// Recommend is how long the rules took; 0 when they did not run.
	Recommend time.Duration `json:"recommend_ns,omitempty"`
	// Feedback is the feedback received, as FeedbackRecord keeps it:
	// without userComment or any other text the client wrote freely.
	Feedback []FeedbackRecord `json:"feedback,omitempty"`
}

// FeedbackRecord is one feedback entry as an Event keeps it, with
// nothing the client wrote freely: the card's uuid (in lower case, as the
// cards give it), the outcome, the override reason's coding when it is one
// the cards offer, whether another reason was given, how many suggestions
// were accepted, and the time of the outcome. The user's free-text
// comment is dropped, and so is every other value that could hold free
// text (see ParseFeedback).
type FeedbackRecord struct {
	// Card is the uuid of the card the feedback is on: a UUID, or the
	// feedback is refused.
	Card string `json:"card"`
	// Outcome is "accepted" or "overridden".
	Outcome string `json:"outcome"`
	// OverrideReason is the override reason's system and code when it is
	// one of the reasons the cards offer (OverrideReasonSystem and one of
	// its codes); nil otherwise.
	OverrideReason *Coding `json:"override_reason,omitempty"`
	// OtherOverrideReason is true when the user gave a reason Coding the
	// cards do not offer: it is recorded as given, and its system and
	// code, which could hold any text, are not kept.
	OtherOverrideReason bool `json:"other_override_reason,omitempty"`
	// AcceptedSuggestions is how many suggestions were accepted. The
	// cards offer none, so their ids are not ones the service issued,
	// and are not kept.
	AcceptedSuggestions int `json:"accepted_suggestions,omitempty"`
	// OutcomeTimestamp is when the user acted, in UTC.
	OutcomeTimestamp time.Time `json:"outcome_timestamp"`
}

// WithEvents sets a function the service calls once per service or
// feedback call, after answering, with what it decided. The server uses it
// for its metrics and decision log. Discovery and preflight requests are
// not reported.
func WithEvents(f func(context.Context, Event)) Option {
	return func(s *Service) { s.events = f }
}

// emit completes ev from the status and reports it.
func (s *Service) emit(ctx context.Context, ev *Event, status int) {
	if s.events == nil {
		return
	}
	if status == 0 {
		status = http.StatusOK
	}
	ev.Time, ev.Status = s.now().UTC(), status
	switch {
	case status == http.StatusOK && ev.Route == RouteFeedback:
		ev.Outcome = OutcomeFeedback
	case status == http.StatusOK && len(ev.Cards) > 0:
		ev.Outcome = OutcomeCards
	case status == http.StatusOK:
		ev.Outcome = OutcomeNoCards
	case status == http.StatusUnauthorized:
		ev.Outcome = OutcomeUnauthorized
	case status == http.StatusPreconditionFailed:
		ev.Outcome = OutcomePrecondition
	case status == http.StatusServiceUnavailable:
		ev.Outcome = OutcomeUnavailable
	case status >= 500:
		ev.Outcome = OutcomeError
	default:
		ev.Outcome = OutcomeBadRequest
	}
	s.events(ctx, *ev)
}

// statusRecorder notes the status a handler answers with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController and http.MaxBytesReader reach the
// writer below.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// uuidForm is the form of a UUID: 32 hexadecimal digits in groups of 8,
// 4, 4, 4 and 12.
var uuidForm = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// eventHookInstance is what an Event keeps of a hookInstance: the value,
// as sent, when it is a UUID, and "" otherwise.
func eventHookInstance(h string) string {
	if !uuidForm.MatchString(h) {
		return ""
	}
	return h
}
