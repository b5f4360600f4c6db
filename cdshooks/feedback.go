package cdshooks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/backrules/backrules/internal/httpjson"
)

// FeedbackPath is the path of the service's feedback endpoint.
const FeedbackPath = "/cds-services/" + ServiceID + "/feedback"

// FeedbackRequest is the body of POST /cds-services/backrules/feedback,
// with the field names of CDS Hooks 2.0 ("Feedback").
type FeedbackRequest struct {
	// Feedback holds one entry per card acted on.
	Feedback []Feedback `json:"feedback"`
}

// Feedback is what a user did with one card.
type Feedback struct {
	// Card is the card's uuid.
	Card string `json:"card"`
	// Outcome is "accepted" or "overridden".
	Outcome string `json:"outcome"`
	// AcceptedSuggestions are the suggestions accepted, required when
	// Outcome is "accepted".
	AcceptedSuggestions []AcceptedSuggestion `json:"acceptedSuggestions,omitempty"`
	// OverrideReason is why the card was overridden, if the user said.
	OverrideReason *OverrideReason `json:"overrideReason,omitempty"`
	// OutcomeTimestamp is when the user acted, an RFC 3339 date-time.
	OutcomeTimestamp string `json:"outcomeTimestamp"`
}

// AcceptedSuggestion names a suggestion accepted by its uuid.
type AcceptedSuggestion struct {
	ID string `json:"id"`
}

// OverrideReason is the reason a user gave for overriding a card: a
// Coding chosen from the card's overrideReasons, and a free-text comment.
type OverrideReason struct {
	Reason      *Coding `json:"reason,omitempty"`
	UserComment string  `json:"userComment,omitempty"`
}

// maxFeedback bounds the entries of one feedback call.
const maxFeedback = 100

// ParseFeedback reads and checks a feedback body: at least one entry,
// each with a card uuid, an outcome of accepted (with at least one
// accepted suggestion id) or overridden, an override reason whose reason,
// when given, has a system and a code, and an RFC 3339 outcomeTimestamp.
// A problem is a *RequestError matching ErrInvalidRequest.
func ParseFeedback(data []byte) (*FeedbackRequest, []FeedbackRecord, error) {
	var f FeedbackRequest
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, nil, badRequest("", "invalid feedback JSON: %v", err)
	}
	if len(f.Feedback) == 0 {
		return nil, nil, badRequest("feedback", "missing: send {\"feedback\": [...]} with one entry per card")
	}
	if len(f.Feedback) > maxFeedback {
		return nil, nil, badRequest("feedback", "more than %d entries", maxFeedback)
	}
	recs := make([]FeedbackRecord, 0, len(f.Feedback))
	for i, fb := range f.Feedback {
		at := fmt.Sprintf("feedback[%d]", i)
		if fb.Card == "" || len(fb.Card) > 128 {
			return nil, nil, badRequest(at+".card", "must be the card's uuid")
		}
		rec := FeedbackRecord{Card: fb.Card, Outcome: fb.Outcome}
		switch fb.Outcome {
		case "accepted":
			if len(fb.AcceptedSuggestions) == 0 {
				return nil, nil, badRequest(at+".acceptedSuggestions", "required when the outcome is accepted")
			}
		case "overridden":
		default:
			return nil, nil, badRequest(at+".outcome", "must be accepted or overridden, found %s", quote(fb.Outcome))
		}
		for j, s := range fb.AcceptedSuggestions {
			if s.ID == "" {
				return nil, nil, badRequest(fmt.Sprintf("%s.acceptedSuggestions[%d].id", at, j), "missing: the suggestion's uuid")
			}
			rec.AcceptedSuggestions = append(rec.AcceptedSuggestions, s.ID)
		}
		if o := fb.OverrideReason; o != nil {
			if o.Reason == nil && o.UserComment == "" {
				return nil, nil, badRequest(at+".overrideReason", "give a reason, a userComment or both")
			}
			if o.Reason != nil {
				if o.Reason.System == "" || o.Reason.Code == "" {
					return nil, nil, badRequest(at+".overrideReason.reason", "a Coding needs system and code")
				}
				rec.OverrideReason = &Coding{System: o.Reason.System, Code: o.Reason.Code}
			}
		}
		ts, err := time.Parse(time.RFC3339Nano, fb.OutcomeTimestamp)
		if err != nil {
			return nil, nil, badRequest(at+".outcomeTimestamp", "must be an RFC 3339 date-time in UTC, such as 2021-12-11T10:05:31Z, found %s", quote(fb.OutcomeTimestamp))
		}
		rec.OutcomeTimestamp = ts.UTC()
		recs = append(recs, rec)
	}
	return &f, recs, nil
}

// feedback answers POST /cds-services/backrules/feedback: 200 when the
// body is valid, and the entries go to the Event (without userComment).
func (s *Service) feedback(w http.ResponseWriter, r *http.Request) {
	sw := &statusRecorder{ResponseWriter: w}
	ev := Event{Route: RouteFeedback}
	defer func() { s.emit(r.Context(), &ev, sw.status) }()
	if _, ok := s.authenticate(sw, r, FeedbackPath, &ev); !ok {
		return
	}
	body, ok := s.readBody(sw, w, r)
	if !ok {
		return
	}
	_, recs, err := ParseFeedback(body)
	if err != nil {
		writeRequestError(sw, err)
		return
	}
	ev.Feedback = recs
	httpjson.Write(sw, http.StatusOK, struct{}{})
}
