package cdshooks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/backrules/backrules/internal/httpjson"
	"github.com/backrules/backrules/internal/parse"
)

// FeedbackPath is the path of the service's feedback endpoint.
const FeedbackPath = "/cds-services/" + ServiceID + "/feedback"

// FeedbackRequest is the body of POST /cds-services/backrules/feedback,
// with the field names of CDS Hooks 2.0 ("Feedback").
type FeedbackRequest struct {
	// Feedback holds one entry per card acted on.
	Feedback []Feedback `json:"feedback"`
	// Extension is the object CDS Hooks reserves for extensions, if any;
	// it is not read.
	Extension map[string]json.RawMessage `json:"extension,omitempty"`
}

// Feedback is what a user did with one card.
type Feedback struct {
	// Card is the card's uuid, as the service answered it (CDS Hooks:
	// card.uuid); text that is not a UUID is refused.
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
	// Extension is the object CDS Hooks reserves for extensions, if any;
	// it is not read.
	Extension map[string]json.RawMessage `json:"extension,omitempty"`
}

// AcceptedSuggestion names a suggestion accepted by its uuid.
type AcceptedSuggestion struct {
	// ID is the suggestion's uuid.
	ID string `json:"id"`
	// Extension is the object CDS Hooks reserves for extensions, if any;
	// it is not read.
	Extension map[string]json.RawMessage `json:"extension,omitempty"`
}

// OverrideReason is the reason a user gave for overriding a card: a
// Coding chosen from the card's overrideReasons, and a free-text comment.
type OverrideReason struct {
	// Reason is the Coding chosen from the card's overrideReasons.
	Reason *Coding `json:"reason,omitempty"`
	// UserComment is the user's free text; it is never recorded.
	UserComment string `json:"userComment,omitempty"`
	// Extension is the object CDS Hooks reserves for extensions, if any;
	// it is not read.
	Extension map[string]json.RawMessage `json:"extension,omitempty"`
}

// maxFeedback bounds the entries of one feedback call.
const maxFeedback = 100

// ParseFeedback reads and checks a feedback body: at least one entry,
// each with a card uuid (the text of an RFC 9562 UUID, in either case:
// CDS Hooks makes card the uuid of a card the service returned), an
// outcome of accepted (with at least one accepted suggestion id) or
// overridden, an override reason whose reason, when given, has a system
// and a code, and an RFC 3339 outcomeTimestamp.
//
// The records it returns, one per entry, are what the decision log keeps
// (see FeedbackRecord): the card's uuid in lower case, the outcome, the
// override reason only when it is one the cards offer
// (OverrideReasonSystem and one of its codes; another reason is recorded
// as given, without its text), how many suggestions were accepted (the
// cards offer none, so the ids are not the service's and are not kept),
// and the outcome's time. The userComment is never kept.
//
// The JSON is read as strictly as a service call ([DecodeRequest]), and
// more: a key given twice in one object, a key in the wrong case
// ("Card"), and a key the specification does not define for its object
// are refused, naming the key with its line and column, where
// encoding/json would keep the last value, match it regardless of case or
// ignore it. The extension objects CDS Hooks reserves are allowed on the
// body, each entry, each accepted suggestion and the override reason.
//
// CDS Hooks asks for the outcomeTimestamp in UTC. An RFC 3339 date-time
// with another offset ("2021-12-11T11:05:31+01:00") names the same
// instant without doubt, so it is taken, and recorded in UTC; one without
// an offset, or a date alone, is refused. A "t" and "z" in lower case and a
// leap second, which RFC 3339 allows, are read. A leading UTF-8 byte order
// mark is skipped. A problem is a *RequestError matching
// ErrInvalidRequest.
func ParseFeedback(data []byte) (*FeedbackRequest, []FeedbackRecord, error) {
	data = parse.TrimBOM(data) // as DecodeRequest
	var f FeedbackRequest
	if err := decodeBody(data, &f, "the feedback", true, true); err != nil {
		return nil, nil, err
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
		if !uuidForm.MatchString(fb.Card) {
			// Only a UUID is kept: any other text could be anything, a
			// patient's name among it. The value is not repeated.
			return nil, nil, badRequest(at+".card", "must be the card's uuid, as the service answered it: 32 hexadecimal digits in groups of 8, 4, 4, 4 and 12")
		}
		rec := FeedbackRecord{Card: strings.ToLower(fb.Card), Outcome: fb.Outcome}
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
		}
		// The cards offer no suggestions, so an id sent is not one the
		// service issued, and could hold anything: only the count is kept.
		rec.AcceptedSuggestions = len(fb.AcceptedSuggestions)
		if o := fb.OverrideReason; o != nil {
			if o.Reason == nil && o.UserComment == "" {
				return nil, nil, badRequest(at+".overrideReason", "give a reason, a userComment or both")
			}
			if o.Reason != nil {
				if o.Reason.System == "" || o.Reason.Code == "" {
					return nil, nil, badRequest(at+".overrideReason.reason", "a Coding needs system and code")
				}
				if offeredReason(*o.Reason) {
					rec.OverrideReason = &Coding{System: o.Reason.System, Code: o.Reason.Code}
				} else {
					// Not a reason the cards offer: its system and code
					// could hold anything, and are not kept.
					rec.OtherOverrideReason = true
				}
			}
		}
		ts, err := parseRFC3339(fb.OutcomeTimestamp)
		if err != nil {
			return nil, nil, badRequest(at+".outcomeTimestamp", "must be an RFC 3339 date-time, such as 2021-12-11T10:05:31Z, found %s", quote(fb.OutcomeTimestamp))
		}
		rec.OutcomeTimestamp = ts.UTC()
		recs = append(recs, rec)
	}
	return &f, recs, nil
}

// parseRFC3339 reads s, an RFC 3339 date-time (section 5.6), as CDS Hooks
// profiles outcomeTimestamp: with a "t" and "z" in lower case, which RFC
// 3339 allows beside "T" and "Z", and with a leap second (":60", read as
// the first instant of the next minute, which time.Time cannot tell from
// it), both of which time.Parse refuses.
func parseRFC3339(s string) (time.Time, error) {
	s = strings.ToUpper(s) // only "t" and "z" are letters in a date-time
	leap := len(s) > len("2006-01-02T15:04:05") && s[10] == 'T' && s[17:19] == "60"
	if leap {
		s = s[:17] + "59" + s[19:]
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	if leap {
		t = t.Add(time.Second)
	}
	return t, nil
}

// offeredReason reports whether c is one of the override reasons the
// cards offer (OverrideReasonSystem and one of its codes).
func offeredReason(c Coding) bool {
	return slices.ContainsFunc(overrideReasons, func(o Coding) bool { return o.System == c.System && o.Code == c.Code })
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
