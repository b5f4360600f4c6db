package cdshooks

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/recommend"
)

// The prefetch keys the service asks for in discovery, and reads.
const (
	PrefetchPatient    = "patient"
	PrefetchConditions = "conditions"
	// PrefetchPastConditions holds the patient's Conditions that are no
	// longer active (see PastConditionsTemplate), asked for when the rule
	// set's vocabulary has a term that counts in the past
	// (recommend.Term.CountsWhenPast, such as history_of_cancer).
	PrefetchPastConditions = "pastConditions"
)

// PastConditionsPageSize is the _count of the past conditions search: the
// most Conditions one page, and so the prefetch, holds. A longer history
// comes with a next link, which the service follows on fhirServer when it
// may (see WithTrust), so that a long history does not make the call's
// body larger than the service reads (WithMaxBodyBytes, 413).
const PastConditionsPageSize = 100

// PastConditionsTemplate returns the prefetch template of the past
// conditions, built from vocab: "" when no term of its conditions or red
// flags counts in the past (recommend.Term.CountsWhenPast), since then no
// past Condition is read. The search is limited by clinical-status
// (inactive, remission, resolved: what the conditions template leaves
// out) and by _count (PastConditionsPageSize), and not by code: CDS Hooks
// lets a prefetch template use a token search by equality only (and
// :in, with a value set the client would have to expand), while a term's
// code given with subcodes: true stands for every code under it (Z85 for
// Z85.3), which exact tokens cannot say, and the service also reads a
// code written another way (an OID for the system, no dot) that a token
// search would not match. The codes are picked from the result, one
// Condition at a time.
func PastConditionsTemplate(vocab recommend.Vocabulary) string {
	if len(pastTermIDs(vocab)) == 0 {
		return ""
	}
	return pastConditionsSearch("{{context.patientId}}")
}

// pastConditionsSearch is the search of the past conditions of patient
// pid, already escaped (or a prefetch token).
func pastConditionsSearch(pid string) string {
	return "Condition?patient=" + pid + "&clinical-status=inactive,remission,resolved&_count=" + strconv.Itoa(PastConditionsPageSize)
}

// Coding is a code of a terminology, as a FHIR Coding writes it.
type Coding struct {
	// System is the code system's URI.
	System string `json:"system,omitempty"`
	// Code is the code.
	Code string `json:"code,omitempty"`
	// Display is the client's name for the code, if it gave one.
	Display string `json:"display,omitempty"`
}

// Mapping is what a request says about the patient, as backrules reads it.
type Mapping struct {
	// Profile holds the conditions and red flags of the patient's active
	// conditions, in vocabulary order, and the age from the birth date.
	// The other fields are not in the prefetch data and stay zero.
	Profile recommend.Profile `json:"profile"`
	// Unknown are the codes of active conditions that no vocabulary
	// term has, without repeats, in the order met.
	Unknown []Coding `json:"unknown_codes"`
	// Skipped are the Condition resources left out of the profile, and
	// why, in the order met: those that are not active (inactive,
	// remission or resolved; but for their codes of a term that counts
	// in the past, history_of_cancer), refuted or entered in error, and
	// those whose code has no coding to look up. Entries, codes and
	// codings that could not be read are in UnreadConditions.
	Skipped []ConditionNote `json:"skipped_conditions"`
	// Unmapped are the active Conditions counted whose code stands for no
	// term of the vocabulary, and those no longer active (Past) that have
	// no code of a term: coded only in text (code.text, no coding),
	// only under a local or unknown code system, or with codes the
	// vocabulary does not have, in the order met. The advice was worked
	// out without them, and their codes are also in Unknown, or the
	// Condition in Skipped when it has no coding with a code. The Service
	// reads what they are called (code.text, each coding's display and
	// code) for the names of red flags and of conditions that can change a
	// referral, and when they name one it asks the clinician, in a card,
	// to review them (see "Conditions not read" in the package
	// documentation); it never counts what they name.
	// Conditions whose code could not be read are in UnreadConditions
	// instead.
	Unmapped []UnmappedCondition `json:"unmapped_conditions,omitempty"`
	// MappedNames are the active Conditions counted whose codes stand
	// for conditions of the vocabulary but for no red flag (ReadAs), in
	// the order met. They are used for the advice, and what they are
	// called is read as Unmapped's is, for the names of red flags only:
	// a red flag their codes do not stand for ("Sciatica due to
	// metastatic prostate cancer" coded as sciatica; a translation
	// "Cauda equina syndrome" under a code system the vocabulary does
	// not have, beside a code of disc herniation) gets them into the
	// Service's card of the Conditions not read, so that it does not go
	// unseen behind the advice.
	MappedNames []UnmappedCondition `json:"-"`
	// Assumed are the Condition resources counted as active although
	// their status could not be read (a clinicalStatus missing, without a
	// system, of another code system, with a code that system does not
	// have, or of the wrong type; a verificationStatus that cannot be
	// read), or counted as the patient's although their subject could not
	// be read (of the wrong type), and why, in the order met. Counting
	// them errs toward a referral.
	Assumed []ConditionNote `json:"assumed_active"`
	// SkippedPainScores are the Observations of the pain scores prefetch
	// left out, and why, in the order met: those entered in error,
	// cancelled or only registered, those with no value for a stated
	// reason, and those older than a programme holds.
	SkippedPainScores []PainScoreNote `json:"skipped_pain_scores,omitempty"`
	// UnreadPainScores are the Observations, or the Bundle, of the pain
	// scores prefetch that could not be read, and why. The scores that
	// could be read are still used; when there are any unread, the
	// service says the pain trend is incomplete.
	UnreadPainScores []PainScoreNote `json:"unread_pain_scores,omitempty"`
	// AssumedPainScores are the Observations of the pain scores prefetch
	// read as pain scores although their coding does not give LOINC
	// 72514-3 in the LOINC system (the code with no system, or the system
	// written another way), and why. Reading them keeps a review their
	// trend calls for (failing toward a clinician); the service says so in
	// the card of the pain scores, so that the coding is checked.
	AssumedPainScores []PainScoreNote `json:"assumed_pain_scores,omitempty"`
	// UnreadPatient are the values of the patient prefetch that could not
	// be read, and why: a birthDate that is missing (or null), not a
	// string, not a date, or gives an age in the future or over
	// recommend.MaxAge, leaves the age unknown (0), a gender that is not a string leaves the sex not
	// stated, and an id that is not a string leaves both (the Patient
	// cannot be told to be the patient in context); the service says so
	// rather than refusing the call, so that the referrals the Conditions
	// call for still reach the clinician. An OperationOutcome in place of
	// the Patient (it could not be fetched) is noted the same way (entry
	// prefetch.patient), its age and sex unknown, and the Service adds the
	// same for a Patient it could not read from the client's FHIR server.
	// A deceased[x] that cannot be read (not a boolean, not a FHIR
	// dateTime) or that dates the death after now is noted too: the
	// patient is taken as alive, so the cards are given, and since the age
	// and sex are read, no card says they are unknown.
	UnreadPatient []PatientNote `json:"unread_patient,omitempty"`
	// UnreadConditions says why not every active Condition could be
	// read. MapRequest sets it, one note per OperationOutcome, when the
	// conditions Bundle holds an OperationOutcome of severity error or
	// fatal, or of an issue code that says the results are not complete
	// (incomplete, too-costly, throttled, timeout), or one whose issues
	// cannot be read (the search failed in part), and one note per entry that cannot be read (null, not an
	// object, a resource that is not one, a resourceType that cannot be
	// read, a Bundle inside, a key given twice or in the wrong case; its
	// codes of a term counting, listed with it) or part of the Bundle
	// (an entry list, total or link of the wrong type, a key given twice
	// or in the wrong case), or Condition that counts,
	// or could count in the past, whose code or a coding of it cannot be
	// read (with the codings read, which still count), since a red flag
	// may be in it; and it returns the Mapping with its 412 (a 400 for
	// an entry or part that is an object, or a key). It notes too,
	// with a 400 in place of the 412, a Condition whose subject cannot be
	// told to be the patient in context, and a conditions key in the
	// wrong case ("Conditions"), given twice, or under a prefetch in the
	// wrong case ("Prefetch.conditions"), whose codes count all the same,
	// and a context key in the wrong case ("PatientId", "UserId"). The Service sets it
	// when a read from the client's FHIR server failed part of the way.
	// Either way, when the Conditions read call for a referral, the
	// Service answers with the referral cards alone.
	UnreadConditions []ConditionNote `json:"unread_conditions,omitempty"`
	// UnreadPastConditions says why not every past Condition (the
	// pastConditions prefetch, see PastConditionsTemplate) could be read:
	// the key missing, an OperationOutcome in its place, a page of
	// several, the search failed in part, an entry or a code that could
	// not be read, or a Bundle that is not one; and the Service adds a
	// note when its read from the client's FHIR server failed. The
	// Conditions read still count, and the active Conditions are read as
	// if it were not there: the Service answers with their referral cards,
	// the rest of the advice withheld (a past cancer may be among those
	// not read), and a warning card saying so.
	UnreadPastConditions []ConditionNote `json:"unread_past_conditions,omitempty"`
	// RiskFactorsOnly is true when the chart's Conditions map to terms of
	// the vocabulary and every one is a risk factor (recommend.Term's
	// RiskFactor: a history of cancer, osteoporosis, high blood pressure,
	// pregnancy and the like): the chart does not record back trouble the
	// rule set knows, though its rules assume back pain. Mapping.Cards
	// then frames every card as applying if the patient reports back pain.
	RiskFactorsOnly bool `json:"risk_factors_only,omitempty"`
	// AgeUpTo, when not 0, is the older of the two ages a partial birth
	// date allows (a year alone, or a year and month, whose period holds a
	// birthday of this year): "1951" is 74 if born on 31 December, 75 if
	// born on 1 January. Profile.Age is then the younger. Neither age may
	// be picked alone, since each fails against a clinician for some rule
	// (under 16 for the younger, 65 and over or 75 and over for the
	// older): the Service works out the advice for both, and when it
	// differs it answers with the referrals of both, the most urgent first,
	// the rest of the advice withheld, and a card saying the age was
	// uncertain.
	AgeUpTo int `json:"age_up_to,omitempty"`
	// Deceased is true when the Patient says, without doubt, that the
	// patient has died: deceasedBoolean true, or a deceasedDateTime not
	// after now (a time with its zone, or a day not after today, UTC; see
	// diedBy). The Service then answers with no
	// cards, since advice for the patient's back is not for anyone. A
	// deceased[x] that cannot be read, or a date in the future, leaves it
	// false, with a note in UnreadPatient: the cards err toward the
	// clinician.
	Deceased bool `json:"deceased,omitempty"`

	// requestParts are the entries of the notes of UnreadConditions that
	// are of a part of the request other than the Conditions: a context
	// key in the wrong case or given twice, a prefetch key the service
	// does not read (see conditionsAllRead).
	requestParts map[string]bool
}

// noteRequestPart notes in UnreadConditions a part of the request other
// than the Conditions, at entry, that could not be read, for reason.
func (m *Mapping) noteRequestPart(entry, reason string) {
	m.UnreadConditions = append(m.UnreadConditions, ConditionNote{Entry: entry, Reason: reason})
	if m.requestParts == nil {
		m.requestParts = map[string]bool{}
	}
	m.requestParts[entry] = true
}

// conditionsAllRead reports whether every note of UnreadConditions is of
// a part of the request other than the Conditions (see requestParts):
// every active Condition in the request was read.
func (m *Mapping) conditionsAllRead() bool {
	for _, n := range m.UnreadConditions {
		if !m.requestParts[n.Entry] {
			return false
		}
	}
	return true
}

// PatientNote is a value of the patient prefetch that the service could
// not read.
type PatientNote struct {
	// Entry is the JSON path of the value in the request, such as
	// "prefetch.patient.birthDate", or "prefetch.patient" for a Patient
	// the service could not read from the client's FHIR server.
	Entry string `json:"entry"`
	// Reason says why it could not be read, and what the service did
	// instead.
	Reason string `json:"reason"`
}

// Relevant reports whether the rule set has something to say about the
// patient: whether a coded condition of the chart is a term of the rule
// set's vocabulary, under conditions (a back condition, or a risk factor
// such as osteoporosis or high blood pressure) or red_flags. What is
// relevant is the vocabulary's data, not a list in the service: a code
// added to a term makes the patients with it relevant. The age and sex
// alone are not relevant (every chart has them), nor are codes no term
// has (Unknown). A serious spinal condition and every red flag are terms,
// so a patient with one is always relevant.
//
// A chart that is not relevant may still get cards, when the pain scores
// the service read (Profile.CheckIns) call for a referral: the Service
// runs the rules on such a chart too, and when they give a referral (the
// pain not improving by six weeks or rising, or the age with the pain), it
// answers with the cards, each framed as applying if the patient reports
// back pain (see Mapping.Cards), since pain scores do not say where the
// pain is. Without a referral it answers {"cards": []}, as for a chart
// without pain scores: the exercise advice alone is not worth a card on
// a chart that records no back trouble, but no referral the rules give
// for what the service read is dropped. Nor is what the service could not
// read and that could have called for one: a pain score that could not
// be read, or an age that could not be read beside pain scores, gets the
// card that says so (as on any chart), though the scores read call for
// no referral.
func (m *Mapping) Relevant() bool {
	return m != nil && len(m.Profile.Conditions)+len(m.Profile.RedFlags) > 0
}

// UnmappedCondition is an active Condition the service counted, but
// whose code stands for no term of the vocabulary (Mapping.Unmapped).
type UnmappedCondition struct {
	// Entry is the JSON path of the Condition in the request, such as
	// "prefetch.conditions.entry[2].resource".
	Entry string `json:"entry"`
	// Text is the Condition's code.text, as sent; "" when it has none.
	Text string `json:"text,omitempty"`
	// Codes are the codings of the Condition's code, as sent.
	Codes []Coding `json:"codes,omitempty"`
	// Past is true of a Condition no longer active (inactive, remission
	// or resolved), which the Service reads only for the names of the
	// red flags that count in the past (a past cancer).
	Past bool `json:"past,omitempty"`
	// ReadAs are the ids of the vocabulary's conditions that the codes
	// of an active Condition stand for, when they stand for some but for
	// no red flag; empty for a Condition the service could not map. Such
	// a Condition is used for the advice, and is listed here only so
	// that what it is called is read for the names of red flags its codes
	// do not stand for ("Sciatica due to metastatic prostate cancer"
	// coded as sciatica): the Service's card asks the clinician to
	// review it only when one is named.
	ReadAs []string `json:"read_as,omitempty"`
}

// ConditionNote is a Condition of the conditions Bundle that the service
// left out, or counted without being able to read its status.
type ConditionNote struct {
	// Entry is the JSON path of the Condition in the request, such as
	// "prefetch.conditions.entry[2].resource".
	Entry string `json:"entry"`
	// ID is the Condition's id, if it has one.
	ID string `json:"id,omitempty"`
	// Codes are the codings of the Condition's code, as sent.
	Codes []Coding `json:"codes,omitempty"`
	// Reason says why the Condition was left out, or why its status
	// could not be read.
	Reason string `json:"reason"`
}

// The FHIR R4 resources, as far as the service reads them.
type (
	fhirResource struct {
		ResourceType string `json:"resourceType"`
	}
	fhirOutcome struct {
		Issue []struct {
			Severity string `json:"severity"`
			Code     string `json:"code"`
		} `json:"issue"`
	}
	// fhirPatient keeps the values it reads as JSON, so that one of the
	// wrong type is read as a value that cannot be read (see
	// readPatient), not refused; the strict decode still checks their
	// keys, given twice or in the wrong case ("Gender").
	fhirPatient struct {
		ResourceType string          `json:"resourceType"`
		ID           json.RawMessage `json:"id"`
		BirthDate    json.RawMessage `json:"birthDate"`
		Gender       json.RawMessage `json:"gender"`
		// DeceasedBoolean and DeceasedDateTime are Patient.deceased[x].
		DeceasedBoolean  json.RawMessage `json:"deceasedBoolean"`
		DeceasedDateTime json.RawMessage `json:"deceasedDateTime"`
	}
	fhirBundle struct {
		ResourceType string `json:"resourceType"`
		Total        *int   `json:"total"`
		Link         []struct {
			Relation string `json:"relation"`
			URL      string `json:"url"`
		} `json:"link"`
		// Entry is read one entry at a time (see entries), so that an
		// entry that cannot be read costs only itself.
		Entry []json.RawMessage `json:"entry"`
	}
	fhirEntry struct {
		Resource json.RawMessage `json:"resource"`
		Search   json.RawMessage `json:"search"`
	}
	fhirSearch struct {
		Mode string `json:"mode"`
	}
	fhirConcept struct {
		Coding []Coding `json:"coding"`
	}
	// codeParts is a Condition's code as first read: each coding is then
	// read on its own (see readCode), so that a coding that cannot be
	// read costs only itself.
	codeParts struct {
		Coding json.RawMessage `json:"coding"`
		// Text is read only when it is a string: it names the
		// Condition to the clinician, and is never looked up.
		Text json.RawMessage `json:"text"`
	}
	fhirReference struct {
		Reference string `json:"reference"`
	}
	// conditionParts is a Condition as first read: each part the service
	// reads is then read on its own (see readCondition), so that a part of
	// the wrong type costs only that part.
	conditionParts struct {
		ResourceType       string          `json:"resourceType"`
		ID                 json.RawMessage `json:"id"`
		ClinicalStatus     json.RawMessage `json:"clinicalStatus"`
		VerificationStatus json.RawMessage `json:"verificationStatus"`
		Code               json.RawMessage `json:"code"`
		Subject            json.RawMessage `json:"subject"`
	}
	// fhirCondition is a Condition as the service reads it. The unread
	// fields say why a part could not be read ("clinicalStatus must be an
	// object, found a string"); that part is then nil. Codings are the
	// codings of its code that could be read; unreadCode says why each
	// of the others, or the code as a whole, could not be
	// ("code.coding[1].display must be a string, found a number"),
	// unreadCodeAt is the path of the first, and unreadCodeRaw holds each
	// as sent, to be scanned for the rule set's codes. Text is the code's
	// text, when it is a string.
	fhirCondition struct {
		ID                 string
		Text               string
		ClinicalStatus     *fhirConcept
		VerificationStatus *fhirConcept
		Codings            []Coding
		Subject            *fhirReference

		unreadClinical, unreadVerification, unreadSubject string
		unreadCode                                        []string
		unreadCodeAt                                      string
		unreadCodeRaw                                     []json.RawMessage
	}
)

// readPart decodes raw, the value at path, into v as decodePart does, but
// tells a value of the wrong type, anywhere in raw, from the other
// problems: it is returned as unread, a *RequestError naming its path,
// for the caller to report as a value it could not read, with v left
// unspecified. A key given twice or in the wrong case is still err, and
// is checked first, so that a value of the wrong type beside it does not
// hide it.
func readPart(raw json.RawMessage, path string, v any) (unread *RequestError, err error) {
	if err := checkKeys(raw, path, reflect.TypeOf(v), false, false); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		re := jsonError(raw, path, err)
		if errors.As(err, new(*json.UnmarshalTypeError)) {
			return re, nil
		}
		return nil, re
	}
	return nil, nil
}

// unreadWhy says why the value that unread names could not be read,
// naming it by its path from at: "clinicalStatus must be an object, found
// a string", or "must be an object, found a string" for the value at at.
func unreadWhy(unread *RequestError, at string) string {
	field := strings.TrimPrefix(strings.TrimPrefix(unread.Field, at), ".")
	if field == "" {
		return unread.Message
	}
	return field + " " + unread.Message
}

// readCondition reads the Condition raw, found at path, whose
// resourceType entries has read. Each part is read on its own: one of the
// wrong type, anywhere in it, is left nil with why in the Condition's
// unread fields, and an id of the wrong type is left out. A key given
// twice or in the wrong case is an error.
func readCondition(raw json.RawMessage, path string) (fhirCondition, error) {
	var c fhirCondition
	var p conditionParts
	if err := decodePart(raw, path, &p); err != nil {
		return c, err
	}
	var err error
	part := func(raw json.RawMessage, name string, v any) (read bool, why string) {
		if isNull(raw) || err != nil {
			return false, ""
		}
		unread, e := readPart(raw, path+"."+name, v)
		switch {
		case e != nil:
			err = e
			return false, ""
		case unread != nil:
			return false, unreadWhy(unread, path)
		}
		return true, ""
	}
	var id string
	if ok, _ := part(p.ID, "id", &id); ok {
		c.ID = id
	}
	var clin, ver fhirConcept
	var subj fhirReference
	var ok bool
	if ok, c.unreadClinical = part(p.ClinicalStatus, "clinicalStatus", &clin); ok {
		c.ClinicalStatus = &clin
	}
	if ok, c.unreadVerification = part(p.VerificationStatus, "verificationStatus", &ver); ok {
		c.VerificationStatus = &ver
	}
	if ok, c.unreadSubject = part(p.Subject, "subject", &subj); ok {
		c.Subject = &subj
	}
	if err != nil {
		return c, err
	}
	return c, c.readCode(p.Code, path)
}

// readCode reads the code raw of the Condition at path into c, one
// coding at a time: a coding that cannot be read (a value of the wrong
// type in it, or not an object) costs only itself, and a code or coding
// list of the wrong type costs the whole code; either is noted in c's
// unreadCode with its path from the Condition, and in unreadCodeRaw as
// sent. A null coding has nothing to read. A key given twice or in the
// wrong case is an error.
func (c *fhirCondition) readCode(raw json.RawMessage, path string) error {
	unread := func(u *RequestError, v json.RawMessage, what string) {
		if c.unreadCodeAt == "" {
			c.unreadCodeAt = u.Field
		}
		c.unreadCode = append(c.unreadCode, unreadWhy(u, path)+": "+what)
		c.unreadCodeRaw = append(c.unreadCodeRaw, v)
	}
	if isNull(raw) {
		return nil
	}
	var code codeParts
	u, err := readPart(raw, path+".code", &code)
	switch {
	case err != nil:
		return err
	case u != nil:
		unread(u, raw, "its code could not be read")
		return nil
	}
	if !isNull(code.Text) {
		// A text of another type names nothing: the codings are still
		// read.
		_ = json.Unmarshal(code.Text, &c.Text)
	}
	if isNull(code.Coding) {
		return nil
	}
	var list []json.RawMessage
	if u, err := readPart(code.Coding, path+".code.coding", &list); err != nil || u != nil {
		if u != nil {
			unread(u, code.Coding, "its code could not be read")
		}
		return err
	}
	for i, raw := range list {
		if isNull(raw) {
			continue
		}
		var cd Coding
		u, err := readPart(raw, path+".code.coding["+strconv.Itoa(i)+"]", &cd)
		switch {
		case err != nil:
			return err
		case u != nil:
			unread(u, raw, "the coding could not be read")
		default:
			c.Codings = append(c.Codings, cd)
		}
	}
	return nil
}

// next returns the URL of b's next link: "" when it has none, and the
// last when it has several.
func (b *fhirBundle) next() string {
	next := ""
	for _, l := range b.Link {
		if isNext(l.Relation) {
			next = l.URL
		}
	}
	return next
}

// codesCounted is what a note on a value that could not be read says
// when codes of the rule set's terms in it were counted.
const codesCounted = "; its codes of the rule set's terms are counted, erring toward a referral"

// isNext reports whether relation, a Bundle link's, is "next", in any
// case: link relation types are compared without case (RFC 8288, section
// 2.1.1), and a next link missed would leave the other pages, and a red
// flag on them, unread without a word.
func isNext(relation string) bool {
	return strings.EqualFold(relation, "next")
}

// bundleEntry is an entry of a search Bundle, as entries yields it.
type bundleEntry struct {
	// index is the entry's place in the Bundle's entry list; path is the
	// JSON path of its resource, such as
	// "prefetch.conditions.entry[2].resource".
	index int
	path  string
	// raw is the entry as sent, for the caller to scan for codes when it
	// cannot be read.
	raw json.RawMessage
	// typ is the resource's resourceType, as sent ("" when it has none).
	typ      string
	resource json.RawMessage
	// match is whether the search matched the resource: every entry but
	// those of search mode include or outcome, which only come with the
	// matches (an entry whose search cannot be read is taken as a match).
	match bool
	// empty is true for an entry whose resource is missing or null, or
	// that is null itself: it has nothing to read, and the caller reports
	// it.
	empty bool
	// unread, when not "", says why the entry could not be read at all:
	// it, or its resource, is not a JSON object ("the entry must be an
	// object, found a number"). path is then the path of what could not
	// be read, and the caller reports it.
	unread string
	// bad, when not nil, is why the entry could not be read although it
	// is an object: a key given twice or in the wrong case in it, a
	// resourceType that is not a string, or a resource that is itself a
	// Bundle (a search Bundle holds resources, not Bundles). path is
	// then the path of the entry, or of its resource, and the caller
	// reports it; bad names the value at fault.
	bad *RequestError
}

// entries walks the entries of b, a prefetch Bundle found at path at, in
// order, and yields each with its resourceType read. An entry that is
// null, or whose resource is missing or null, is yielded empty, one that
// is not a JSON object, or whose resource is not one, with why it could
// not be read, and one with a key given twice or in the wrong case, a
// resourceType that is not a string, or a resource that is itself a
// Bundle, as bad: each costs only that entry, and the caller reports it.
// What each resource type means is the caller's to say.
func (b *fhirBundle) entries(at string) iter.Seq[bundleEntry] {
	return func(yield func(bundleEntry) bool) {
		for i, raw := range b.Entry {
			if !yield(entryAt(raw, i, at)) {
				return
			}
		}
	}
}

// entryAt reads raw, the entry i of a Bundle found at at: see entries.
func entryAt(raw json.RawMessage, i int, at string) bundleEntry {
	epath := fmt.Sprintf("%s.entry[%d]", at, i)
	path := epath + ".resource"
	bad := func(p string, err error) bundleEntry {
		var re *RequestError
		if !errors.As(err, &re) {
			re = badRequest(p, "%v", err)
		}
		return bundleEntry{index: i, path: p, raw: raw, bad: re}
	}
	var e fhirEntry
	if !isNull(raw) {
		// A key given twice anywhere in the entry: encoding/json would
		// keep the last value, so a second code could hide the first.
		if err := checkKeys(raw, epath, nil, true, false); err != nil {
			return bad(epath, err)
		}
		unread, err := readPart(raw, epath, &e)
		switch {
		case err != nil:
			return bad(epath, err)
		case unread != nil:
			return bundleEntry{index: i, path: epath, raw: raw, unread: "the entry " + unreadWhy(unread, epath) + ": nothing could be read"}
		}
	}
	if isNull(e.Resource) {
		return bundleEntry{index: i, path: path, raw: raw, empty: true}
	}
	var r fhirResource
	unread, err := readPart(e.Resource, path, &r)
	switch {
	case err != nil:
		return bad(path, err)
	case unread != nil && unread.Field != path:
		// A resourceType of the wrong type: as one that is missing,
		// the resource could be a Condition.
		return bad(path, unread)
	case unread != nil:
		return bundleEntry{index: i, path: path, raw: raw, unread: "the resource " + unreadWhy(unread, path) + ": nothing could be read"}
	}
	if r.ResourceType == "Bundle" {
		return bad(path, badRequest(path+".resourceType", "a Bundle inside the search Bundle: send its resources as entries of the search Bundle itself"))
	}
	match := true
	if !isNull(e.Search) {
		var s fhirSearch
		unread, err := readPart(e.Search, epath+".search", &s)
		if err != nil {
			return bad(epath, err)
		}
		// A search that cannot be read says nothing of the mode: the
		// entry is taken as a match, as without one.
		match = unread != nil || s.Mode != "include" && s.Mode != "outcome"
	}
	return bundleEntry{index: i, path: path, raw: raw, typ: r.ResourceType, resource: e.Resource, match: match}
}

// bundleFault is a part of a search Bundle that could not be read (see
// readBundle).
type bundleFault struct {
	// key is the part's key in the Bundle, as sent ("total", "Entry");
	// path is its JSON path, such as "prefetch.conditions.total".
	key, path string
	// err says why, naming the value at fault.
	err *RequestError
	// value is the part as sent, to scan for codes.
	value json.RawMessage
}

// bundleKeys are the keys of a search Bundle the service reads.
var bundleKeys = []string{"resourceType", "total", "link", "entry"}

// readBundle reads raw, the search Bundle found at path at, one part at a
// time, so that a part that cannot be read costs only itself: a key given
// twice or in the wrong case ("Entry"), a total, link or entry list of
// the wrong type, a negative total, and a key given twice anywhere in a
// part the service does not read are returned as faults, for the caller
// to report, and the part is left out of the Bundle (a total or link that
// cannot be read then says nothing; the first of a key given twice is
// read). The entries are not checked: see entries. A value that is not a
// JSON object, or a resourceType that is not a string, is an error: it
// cannot be told to be a Bundle.
func readBundle(raw json.RawMessage, at string) (fhirBundle, []bundleFault, error) {
	var b fhirBundle
	if err := json.Unmarshal(raw, new(map[string]json.RawMessage)); err != nil {
		return b, nil, jsonError(raw, at, err)
	}
	var faults []bundleFault
	fault := func(key string, value json.RawMessage, err error) {
		path := at + "." + parse.PathKey(key)
		re := badRequest(path, "%v", err)
		errors.As(err, &re)
		faults = append(faults, bundleFault{key: key, path: path, err: re, value: value})
	}
	parts := map[string]json.RawMessage{}
	seen := map[string]bool{}
	for key, value := range members(raw) {
		path := at + "." + parse.PathKey(key)
		switch name, miscased := caseOf(key, bundleKeys); {
		case seen[key]:
			fault(key, value, badRequest(path, "the key is given twice in one object: JSON keys must be unique, and the service does not guess which value is meant"))
			continue
		case miscased:
			fault(key, value, badRequest(path, "%s", miscasedWhy(name)))
			continue
		}
		seen[key] = true
		parts[key] = value
		if key == "entry" {
			continue // each entry is checked on its own: see entries
		}
		if err := checkKeys(value, path, nil, true, false); err != nil {
			fault(key, value, err)
			delete(parts, key)
		}
	}
	if raw := parts["resourceType"]; !isNull(raw) {
		if err := decodeAt(raw, at+".resourceType", &b.ResourceType); err != nil {
			return b, nil, err
		}
	}
	if raw := parts["total"]; !isNull(raw) {
		var total int
		unread, err := readPart(raw, at+".total", &total)
		switch {
		case err != nil:
			fault("total", raw, err)
		case unread != nil:
			fault("total", raw, badRequest(unread.Field, "%s: the service cannot tell whether the Bundle holds every Condition the search matched", unread.Message))
		case total < 0:
			fault("total", raw, badRequest(at+".total", "must not be negative, found %d: the service cannot tell whether the Bundle holds every Condition the search matched", total))
		default:
			b.Total = &total
		}
	}
	if raw := parts["link"]; !isNull(raw) {
		unread, err := readPart(raw, at+".link", &b.Link)
		switch {
		case err != nil:
			fault("link", raw, err)
		case unread != nil:
			fault("link", raw, badRequest(unread.Field, "%s: a next link may be in it, and the service cannot tell whether the Bundle is one page of several", unread.Message))
		}
		if err != nil || unread != nil {
			b.Link = nil
		}
	}
	if raw := parts["entry"]; !isNull(raw) {
		unread, err := readPart(raw, at+".entry", &b.Entry)
		switch {
		case err != nil:
			fault("entry", raw, err)
		case unread != nil:
			fault("entry", raw, unread)
		}
		if err != nil || unread != nil {
			b.Entry = nil
		}
	}
	return b, faults, nil
}

// caseOf returns the name of names that key is only when case is ignored
// ("Entry" for "entry"), and whether there is one.
func caseOf(key string, names []string) (string, bool) {
	for _, name := range names {
		if key != name && strings.EqualFold(key, name) {
			return name, true
		}
	}
	return "", false
}

// members yields the keys and values of the JSON object raw, in order,
// and each key as many times as it is given; nothing for a value that is
// not an object, and no more after a syntax error.
func members(raw json.RawMessage) iter.Seq2[string, json.RawMessage] {
	return func(yield func(string, json.RawMessage) bool) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return
			}
			key, _ := tok.(string)
			var value json.RawMessage
			if err := dec.Decode(&value); err != nil || !yield(key, value) {
				return
			}
		}
	}
}

// codingsIn yields the codings of the JSON value raw, at any depth, as
// written, for scanning a value that could not be read for a code that
// may be a red flag: in each object, every string value of a key that is
// "code" when case is ignored, with every string value of a key that is
// "system" (or with no system). A key given twice is read each time.
func codingsIn(raw json.RawMessage) iter.Seq[Coding] {
	return func(yield func(Coding) bool) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		// walk reads the value that starts with tok, and reports whether
		// to go on.
		var walk func(tok json.Token) bool
		walk = func(tok json.Token) bool {
			switch tok {
			case json.Delim('{'):
				var systems, codes []string
				for dec.More() {
					kt, err := dec.Token()
					if err != nil {
						return false
					}
					key, _ := kt.(string)
					vt, err := dec.Token()
					if err != nil {
						return false
					}
					v, isString := vt.(string)
					switch {
					case !isString:
						if !walk(vt) {
							return false
						}
					case strings.EqualFold(key, "system"):
						systems = append(systems, v)
					case strings.EqualFold(key, "code"):
						codes = append(codes, v)
					}
				}
				if len(systems) == 0 {
					systems = []string{""}
				}
				for _, code := range codes {
					for _, system := range systems {
						if !yield(Coding{System: system, Code: code}) {
							return false
						}
					}
				}
			case json.Delim('['):
				for dec.More() {
					t, err := dec.Token()
					if err != nil || !walk(t) {
						return false
					}
				}
			default:
				return true
			}
			_, err := dec.Token() // the closing } or ]
			return err == nil
		}
		if tok, err := dec.Token(); err == nil {
			walk(tok)
		}
	}
}

// The code systems of Condition.clinicalStatus and verificationStatus in
// FHIR R4, and the ones FHIR STU3 used, which R4 replaced.
const (
	clinicalSystem        = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	verificationSystem    = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
	oldClinicalSystem     = "http://hl7.org/fhir/condition-clinical"
	oldVerificationSystem = "http://hl7.org/fhir/condition-ver-status"
)

// term is a vocabulary term a code stands for.
type term struct {
	redFlag bool
	index   int // in the vocabulary's list
	// past is whether a Condition of the term counts whatever its
	// clinicalStatus: the vocabulary marks the term counts_when_past
	// (recommend.Term.CountsWhenPast), as history_of_cancer is, since a
	// cancer that is resolved, inactive or in remission is a cancer in
	// the past, the red flag itself. A Condition refuted or entered in
	// error still does not count.
	past bool
}

// MapRequest reads the patient-view context and the patient and conditions
// prefetch of a request into a profile, with the vocabulary's codes:
//
//   - context.patientId is required: without it, a key in the wrong case
//     ("PatientId"), when there is one, is the patient in context, and is
//     listed in Mapping.UnreadConditions with a 400 naming it for a caller
//     to answer when nothing calls for a referral, as is a PatientId beside
//     a patientId, or a UserId (which a Service refuses first when it
//     names a patient or their proxy), and so are the earlier values of a
//     patientId or userId given twice (a patientId whose values differ is
//     a 400; a Service refuses a userId of which one names a patient or
//     their proxy, but for the last, which gets no cards); with no
//     patient id at all, the request is a 400;
//   - prefetch.patient and prefetch.conditions are required: a conditions
//     key that is missing, or an OperationOutcome in place of the
//     conditions, is a *RequestError matching ErrMissingPrefetch (412); a
//     patient key that is missing leaves the age unknown and the sex not
//     stated, and is listed in Mapping.UnreadPatient (see
//     Mapping.PatientMissing: a Service answers the 412 unless the
//     Conditions call for a referral), the 412 naming the patient when the
//     conditions are missing too; an OperationOutcome
//     in place of the patient leaves the age unknown and the sex not
//     stated, and is listed in Mapping.UnreadPatient; JSON null, which
//     CDS Hooks uses for "no data", means no birth date or no conditions;
//   - the JSON is read strictly, as [DecodeRequest] reads the body: a key
//     given twice in one object, or one that differs only in case from a
//     key the service reads ("ClinicalStatus"), is a 400 (in the conditions
//     Bundle, it costs what holds it, as below); a prefetch key
//     in the wrong case ("Conditions", "PastConditions") is read for its
//     Conditions' referrals only and listed in Mapping.UnreadConditions
//     (or UnreadPastConditions), with a 400 naming it for a caller to
//     answer when nothing calls for a referral, and so are the earlier
//     value of a prefetch key given twice and the keys of a prefetch
//     object in the wrong case or given twice, which DecodeRequest sets
//     aside; a "Patient" or "PainScores" key (or one given twice) is not
//     read and listed as a patient, or pain scores, that could not be read;
//   - the patient's birthDate gives the age on the day now falls on: the
//     age the patient has certainly reached, so a birth year alone gives
//     the age on the last day of that year, and, when the first day of
//     the year (or month) gives another, that one is Mapping.AgeUpTo (see
//     there); a birthDate that is missing or null, is not a
//     string, not a date of the calendar, is after now, or gives an age
//     over recommend.MaxAge leaves the age unknown (0) and is listed in
//     Mapping.UnreadPatient with why (a patient of null, no data, is not);
//   - the patient's gender gives the profile's sex when it is "female" or
//     "male" and the vocabulary declares that value under sex; any other
//     gender ("other", "unknown", none) leaves sex not stated, and one
//     that is not a string is listed in Mapping.UnreadPatient too; an id
//     that is not a string leaves both unread, and is listed;
//   - a patient that is not a JSON object, or whose resourceType is not
//     "Patient", is a 400;
//   - every entry's resource has a resourceType; resources other than
//     Condition and OperationOutcome are ignored; an entry that is null or
//     not a JSON object, or whose resource is missing or not one, is
//     listed in Mapping.UnreadConditions, as a search that failed in part
//     (below), and so is one whose resourceType is missing, not a string
//     or not a resource type as FHIR spells them ("condition"), whose
//     resource is a Bundle, or with a key given twice or in the wrong case
//     in it, but with a 400 naming the value at fault in place of the 412;
//     and so is a part of the Bundle that cannot be read (an entry list
//     that is not an array, a total or link list of the wrong type, a
//     negative total, a key given twice or in the wrong case, "Entry"),
//     with its 400; and so is a conditions prefetch that cannot be told
//     to be the search Bundle (a resourceType other than "Bundle" or
//     "OperationOutcome", or not a string; a value that is not a JSON
//     object), none of it read, and a page of the search that the Service
//     read from fhirServer and could not read as a Bundle, with a 412.
//     Each such value is scanned for codes (every string of
//     a key "code" in it, whatever the case, with each "system"), and
//     those of a vocabulary term count, erring toward a referral, listed
//     in its note;
//   - a Condition is left out, and listed in Mapping.Skipped with why,
//     when its verificationStatus is refuted or entered-in-error, or its
//     clinicalStatus is inactive, remission or resolved, each of the R4
//     code system (but a code of history_of_cancer counts whatever the
//     clinicalStatus: a cancer in the past is a history of cancer); it
//     counts when its clinicalStatus is active, recurrence or relapse;
//     and when its status cannot be read (a clinicalStatus missing,
//     without a system, of another system, such as STU3's
//     http://hl7.org/fhir/condition-clinical, with a code the system does
//     not have, or of the wrong type; or the same of a
//     verificationStatus), or its subject is of the wrong type, it counts
//     too, erring toward a referral, and is listed in Mapping.Assumed
//     with why;
//   - each coding of a counted Condition's code that a vocabulary term of
//     conditions or red_flags has adds that term; every other coding is
//     listed in Mapping.Unknown; a counted Condition whose code has no
//     coding with a code is listed in Mapping.Skipped; one with no coding
//     of a term, in Mapping.Unmapped too; the codings are
//     read one at a time, and a counted Condition (or one no longer
//     active, which could be a past cancer) with a coding, or a code, that
//     cannot be read (a value of the wrong type in it) is listed in
//     Mapping.UnreadConditions with the path of the value at fault, as a
//     search that failed in part (below), its other codings counting, and
//     what could not be read scanned for codes as an entry that cannot
//     be read is, those of the rule set's terms counting too, erring
//     toward a referral (of one no longer active, only those of a term
//     that counts in the past);
//   - a Bundle with a next link is only a page of the conditions, and one
//     whose total is greater than the Conditions it holds is missing
//     some: each is answered as a search that failed in part (below),
//     since a red flag may be among those missing: the Mapping of the
//     Conditions read, with a note in Mapping.UnreadConditions, and a 412
//     (MapRequest reads no FHIR server: the Service reads the other pages
//     first, when the client lets it);
//   - an OperationOutcome entry of severity error or fatal, or of an
//     issue code that says the results are not complete (incomplete,
//     too-costly, throttled, timeout) whatever its severity, or whose
//     issues cannot be read, says the search failed in part: the entries
//     are all read, and MapRequest returns the Mapping of the Conditions
//     read, with Mapping.UnreadConditions saying why, together with a 412
//     *RequestError naming the first such entry, or value not read (a
//     caller that does not use a Mapping with its error answers the 412;
//     the Service answers with the referrals of the Conditions read, if
//     any);
//   - a Condition whose subject reference cannot be told to be the patient
//     in context (another Patient, a Group, a contained resource, a urn
//     that no entry of the Bundle resolves to the Patient in context) still
//     counts, as the patient's (the search was for the patient's
//     Conditions), erring toward a referral, and is listed in
//     Mapping.UnreadConditions, as a search that failed in part, with a 400
//     naming the reference for a caller to answer when nothing calls for a
//     referral; a patient that cannot be read (not an object, not a Patient,
//     a key given twice or in the wrong case, another patient's id) is
//     listed in Mapping.UnreadPatient, the age unknown and the sex not
//     stated;
//   - a value of the wrong type outside the conditions Bundle, the patient
//     and the pain scores, naming its path, is a 400, and so is a key
//     given twice or in the wrong case anywhere else;
//   - prefetch.pastConditions, when the vocabulary has a term that counts
//     when past (see PastConditionsTemplate), is read as the conditions
//     are, its Conditions no longer active counting for such terms only;
//     what keeps it from being read whole (missing, an OperationOutcome, a
//     page of several, a failed search, an entry that cannot be read, any
//     problem that would be a 400 in the conditions) is noted in
//     Mapping.UnreadPastConditions, never returned as an error; null
//     means none;
//   - prefetch.painScores, optional, gives the profile's check-ins, one a
//     pain score (see PrefetchPainScores): a score that cannot be read is
//     reported in Mapping.UnreadPainScores, never left out in silence.
//
// OperationOutcome entries that only warn or inform are ignored. Problems
// are *RequestError values; a Mapping comes with one only for a search
// that failed in part, or a value of the conditions not read.
func MapRequest(req *Request, vocab recommend.Vocabulary, now time.Time) (*Mapping, error) {
	if req == nil {
		return nil, badRequest("", "no request")
	}
	pid, err := patientID(req)
	if err != nil {
		return nil, err
	}
	// A prefetch key in the wrong case ("Conditions"), or given twice, is
	// not the key, but what it holds may be an emergency: see miscased.
	miscased := prefetchOthers(req)
	// missing is the 412 of a key that is missing; when the prefetch is
	// given twice, or in the wrong case ("Prefetch"), the 400 naming it,
	// the likely cause.
	missing := func(err error) error {
		if len(req.others) > 0 {
			return badRequest(req.others[0].at, "%s", req.others[0].why)
		}
		return err
	}
	rawPatient, ok := req.Prefetch[PrefetchPatient]
	// A patient that is missing leaves the age unknown, as one of null
	// does, but the Conditions may call for a referral: they are read,
	// and the Service answers the 412 only when they call for none (see
	// Mapping.PatientMissing).
	patientMissing := !ok && len(miscased[PrefetchPatient]) == 0
	if patientMissing && len(req.others) > 0 {
		return nil, missing(patientMissingError())
	}
	rawConditions, ok := req.Prefetch[PrefetchConditions]
	if !ok && len(miscased[PrefetchConditions]) == 0 {
		if patientMissing {
			return nil, patientMissingError()
		}
		return nil, missing(conditionsMissingError())
	}
	m := &Mapping{Unknown: []Coding{}, Skipped: []ConditionNote{}, Assumed: []ConditionNote{}}
	if patientMissing {
		m.UnreadPatient = append(m.UnreadPatient, PatientNote{Entry: "prefetch." + PrefetchPatient, Reason: patientMissingWhy})
	}
	if len(miscased[PrefetchPatient]) > 0 {
		// Which of them is the patient's is not certain: none is read.
		for _, o := range miscased[PrefetchPatient] {
			m.UnreadPatient = append(m.UnreadPatient, PatientNote{Entry: o.at,
				Reason: o.why + ": the Patient is not read; the age is taken as unknown, and the sex as not stated"})
		}
		rawPatient = nil
	}
	if err := m.patient(rawPatient, pid, vocab, now); err != nil {
		// A Patient that cannot be read hides no red flag of the
		// Conditions: as one not fetched, the age is unknown, and the
		// cards say so.
		var re *RequestError
		if !errors.As(err, &re) {
			return nil, err
		}
		m.UnreadPatient = append(m.UnreadPatient, PatientNote{Entry: cmp.Or(re.Field, "prefetch."+PrefetchPatient),
			Reason: re.Message + ": the Patient is not read; the age is taken as unknown, and the sex as not stated"})
	}
	idx := codeIndex(vocab)
	ts := &conditionTerms{conds: make([]bool, len(vocab.Conditions)), flags: make([]bool, len(vocab.RedFlags)), seen: map[[2]string]bool{}}
	// incomplete, with m.UnreadConditions, is the 412 of a search that
	// failed in part: the Conditions read are known, but not all there is.
	incomplete := m.conditions(rawConditions, conditionSearch{"prefetch." + PrefetchConditions, "active", &m.UnreadConditions, req.unreadPages[PrefetchConditions]}, pid, idx, vocab, ts)
	if incomplete != nil && len(m.UnreadConditions) == 0 {
		return nil, incomplete
	}
	if err := m.contextKeys(req); err != nil && incomplete == nil {
		incomplete = err
	}
	if err := m.miscased(miscased[PrefetchConditions], conditionSearch{what: "active", unread: &m.UnreadConditions}, pid, idx, vocab, ts); err != nil && incomplete == nil {
		incomplete = err
	}
	for _, o := range miscased[""] {
		// A key the service does not read: what it holds is not read, but
		// it is not passed over without a word.
		m.noteRequestPart(o.at, o.why+": it holds no key the service reads, and is not read; the Conditions are read for their referrals only")
		if incomplete == nil {
			incomplete = badRequest(o.at, "%s", o.why)
		}
	}
	m.pastConditions(req, pid, idx, vocab, ts, miscased[PrefetchPastConditions])
	m.terms(ts.conds, ts.flags, vocab)
	painScores := req.Prefetch[PrefetchPainScores]
	for _, o := range miscased[PrefetchPainScores] {
		// Which of them are the patient's scores is not certain: none is
		// used, and the cards say the trend could not be assessed.
		m.UnreadPainScores = append(m.UnreadPainScores, PainScoreNote{Entry: o.at,
			Reason: o.why + ": the pain scores are not read"})
		painScores = nil
	}
	if err := m.painScores(painScores, pid, now); err != nil {
		// Pain scores that cannot be read hide no red flag of the
		// Conditions: none is used, and the cards say the trend could
		// not be assessed.
		var re *RequestError
		if !errors.As(err, &re) {
			return nil, err
		}
		m.Profile.CheckIns = nil
		m.UnreadPainScores = append(m.UnreadPainScores, PainScoreNote{Entry: cmp.Or(re.Field, "prefetch."+PrefetchPainScores),
			Reason: re.Message + ": the pain scores are not read"})
	}
	if incomplete != nil {
		// The Conditions read, and why not every one could be.
		return m, incomplete
	}
	return m, nil
}

// miscasedKeys returns, for each of names, the keys of prefetch that are
// that name only when case is ignored ("Conditions"), in sorted order;
// names without one are left out.
func miscasedKeys(prefetch map[string]json.RawMessage, names ...string) map[string][]string {
	out := map[string][]string{}
	for _, k := range slices.Sorted(maps.Keys(prefetch)) {
		for _, name := range names {
			if k != name && strings.EqualFold(k, name) {
				out[name] = append(out[name], k)
			}
		}
	}
	return out
}

// miscasedWhy says what is wrong with a prefetch key that is name only
// when case is ignored.
func miscasedWhy(name string) string {
	return "wrong case: JSON keys are case-sensitive; write " + quote(name)
}

// miscased reads the Conditions of others, prefetch values that stand
// for the key of search s (the active or past Conditions) but are not
// that key: a key in the wrong case ("Conditions"; JSON keys are
// case-sensitive), the earlier value of a key given twice, a key of a
// prefetch in the wrong case ("Prefetch"). The Conditions each holds may
// have a red flag that must not be lost: each is read as s's key would
// be, its codes counting toward a referral, and is noted in s.unread as
// not read, so that the rest of the advice is withheld and the cards say
// so; what keeps it from being read is noted too. It returns the 400
// naming the first, for a caller to answer when nothing calls for a
// referral.
func (m *Mapping) miscased(others []otherPrefetch, s conditionSearch, pid string, idx *codes, vocab recommend.Vocabulary, ts *conditionTerms) error {
	var first error
	for _, o := range others {
		*s.unread = append(*s.unread, ConditionNote{Entry: o.at,
			Reason: o.why + ": its Conditions are read for their referrals only, erring toward a referral"})
		if first == nil {
			first = badRequest(o.at, "%s", o.why)
		}
		before := len(*s.unread)
		s.at = o.at
		err := m.conditions(o.raw, s, pid, idx, vocab, ts)
		var re *RequestError
		switch {
		case err == nil:
		case errors.As(err, &re) && !noted((*s.unread)[before:], re.Field):
			*s.unread = append(*s.unread, ConditionNote{Entry: cmp.Or(re.Field, o.at), Reason: re.Message})
		case !errors.As(err, &re):
			*s.unread = append(*s.unread, ConditionNote{Entry: o.at, Reason: err.Error()})
		}
	}
	return first
}

// prefetchNames are the prefetch keys the service reads.
var prefetchNames = []string{PrefetchPatient, PrefetchConditions, PrefetchPastConditions, PrefetchPainScores}

// prefetchOthers returns the prefetch values of req that are not the key
// they stand for, by that key ("" for a key the service does not read):
// the keys of req.Prefetch in the wrong case ("Conditions"), and the
// values DecodeRequest set aside (see Request.others).
func prefetchOthers(req *Request) map[string][]otherPrefetch {
	out := map[string][]otherPrefetch{}
	miscased := miscasedKeys(req.Prefetch, prefetchNames...)
	for _, name := range prefetchNames {
		for _, k := range miscased[name] {
			out[name] = append(out[name], otherPrefetch{at: "prefetch." + parse.PathKey(k), key: k, why: miscasedWhy(name), raw: req.Prefetch[k]})
		}
	}
	for _, o := range req.others {
		name := o.key
		if n, ok := caseOf(o.key, prefetchNames); ok {
			name = n
			o.why += "; and " + miscasedWhy(n)
		} else if !slices.Contains(prefetchNames, name) {
			name = ""
		}
		out[name] = append(out[name], o)
	}
	return out
}

// contextKeys notes in m.UnreadConditions each key of req's context that
// is patientId or userId only when case is ignored ("PatientId",
// "UserId"), and returns the 400 naming the first, for a caller to answer
// when nothing calls for a referral: such a key is not the key, and never
// read as it without a word, but a red flag of the prefetch must not be
// lost for it. A "PatientId" without a patientId is the patient in
// context (see patientID), so that the prefetch can be checked against
// it; a "UserId" is not read (a call whose UserId names a patient or
// their proxy is refused before, see Service). So is a patientId or
// userId given twice (see Request.earlier): a patientId's values are the
// same (patientID refuses others), and a userId's name no patient or
// proxy (the Service refuses one that does).
func (m *Mapping) contextKeys(req *Request) error {
	var first error
	miscased := miscasedKeys(req.Context, "patientId", "userId")
	for _, name := range []string{"patientId", "userId"} {
		for _, k := range miscased[name] {
			at := "context." + parse.PathKey(k)
			why := miscasedWhy(name)
			switch _, given := req.Context[name]; {
			case name == "patientId" && !given:
				why += ": its value is taken as the patient in context, since there is no patientId"
			case name == "patientId":
				why += ": not read; context.patientId is the patient in context"
			default:
				why += ": not read; the user is taken to be a clinician, as without a userId, since it names no patient or proxy"
			}
			m.noteRequestPart(at, why+", and the Conditions are read for their referrals only, erring toward a referral")
			if first == nil {
				first = badRequest(at, "%s", miscasedWhy(name))
			}
		}
	}
	for _, o := range req.earlier {
		// A patientId given twice has one value (see patientID); a userId
		// given twice names no patient or proxy (see Service).
		why := o.at + " is given twice, with the same value: it is the patient in context"
		if o.key == "userId" {
			why = o.at + " is given twice: not read; the user is taken to be a clinician, as without a userId, since no value names a patient or proxy"
		}
		m.noteRequestPart(o.at, why+"; the Conditions are read for their referrals only, erring toward a referral")
		if first == nil {
			first = badRequest(o.at, "%s", o.why)
		}
	}
	return first
}

// patientID returns context.patientId (given twice, with the same value
// each time); without one, the value of a key
// that is patientId only when case is ignored ("PatientId"), when there is
// one such key (MapRequest reports it, see contextKeys): it is the
// patient in context all the same, and what the prefetch is checked
// against. Without either, the request names no patient, and nothing in
// it can be told to be the patient's: an error.
func patientID(req *Request) (string, error) {
	at := "context.patientId"
	raw, ok := req.Context["patientId"]
	if keys := miscasedKeys(req.Context, "patientId")["patientId"]; !ok && len(keys) == 1 {
		at = "context." + parse.PathKey(keys[0])
		raw, ok = req.Context[keys[0]], true
	} else if !ok && len(keys) > 1 {
		return "", badRequest("context."+parse.PathKey(keys[0]), "%s: and %d keys are patientId only when case is ignored, so the service cannot tell which is meant", miscasedWhy("patientId"), len(keys))
	}
	if !ok || isNull(raw) {
		return "", badRequest(at, "missing: patient-view gives the id of the patient in view")
	}
	var pid string
	if err := decodeAt(raw, at, &pid); err != nil {
		return "", err
	}
	if strings.TrimSpace(pid) == "" {
		return "", badRequest(at, "must not be empty")
	}
	for _, o := range req.earlier {
		var other string
		if o.key == "patientId" && (json.Unmarshal(o.raw, &other) != nil || other != pid) {
			return "", badRequest(o.at, "%s: its values differ, so the service cannot tell which patient is in context", twice)
		}
	}
	return pid, nil
}

// codes finds the term a coding stands for: exactly, or as a subcode of a
// category given with subcodes: true, the longest such category first.
type codes struct {
	exact      map[[2]string]term
	categories []category // longest code first
	systems    []string   // the code systems of exact, each once
}

// category is a code given with subcodes: true.
type category struct {
	system, code string
	term         term
}

// codeIndex indexes the codes of the conditions and red flags.
func codeIndex(v recommend.Vocabulary) *codes {
	idx := &codes{exact: map[[2]string]term{}}
	add := func(ts []recommend.Term, redFlag bool) {
		for i, t := range ts {
			for _, c := range t.Codes {
				tm := term{redFlag: redFlag, index: i, past: t.CountsWhenPast}
				idx.exact[[2]string{c.System, c.Code}] = tm
				if !slices.Contains(idx.systems, c.System) {
					idx.systems = append(idx.systems, c.System)
				}
				if c.Subcodes {
					idx.categories = append(idx.categories, category{c.System, c.Code, tm})
				}
			}
		}
	}
	add(v.Conditions, false)
	add(v.RedFlags, true)
	slices.SortStableFunc(idx.categories, func(a, b category) int { return len(b.code) - len(a.code) })
	return idx
}

// lookup returns the term system and code stand for, and whether there is
// one.
func (idx *codes) lookup(system, code string) (term, bool) {
	system, code = canonicalCode(system, code)
	if t, ok := idx.exact[[2]string{system, code}]; ok {
		return t, true
	}
	for _, c := range idx.categories {
		if c.system == system && strings.HasPrefix(code, c.code) {
			return c.term, true
		}
	}
	return term{}, false
}

// The URIs of ICD-10-CM, the WHO's ICD-10 and SNOMED CT: the ones FHIR R4
// names, and their HL7 OIDs, which clients that take their codes from CDA
// or v2 send instead.
const (
	icd10cmSystem = "http://hl7.org/fhir/sid/icd-10-cm"
	icd10cmOID    = "urn:oid:2.16.840.1.113883.6.90"
	icd10System   = "http://hl7.org/fhir/sid/icd-10"
	icd10OID      = "urn:oid:2.16.840.1.113883.6.3"
	snomedSystem  = "http://snomed.info/sct"
	snomedOID     = "urn:oid:2.16.840.1.113883.6.96"
)

// oidPrefix is how an OID is written as a URI. Its letters may come in
// any case (RFC 8141 makes the "urn" and the namespace id "oid"
// case-insensitive), and an OID has only digits and dots after it.
const oidPrefix = "urn:oid:"

// canonicalCode writes a coding as the vocabulary writes it: ICD-10-CM,
// the WHO's ICD-10 and SNOMED CT under their FHIR URIs rather than their
// OIDs (the OID's "urn:oid:" in any case), a SNOMED CT code trimmed, and
// an ICD-10-CM or ICD-10 code trimmed, in capitals, without a dot at its
// end ("I10." is "I10") and with the dot after the category's three
// characters ("M5126" is "M51.26"). Codes of both are 3 to 7 characters,
// the first a letter, the dot only ever after the third; a code of
// another shape gets no dot, but is still trimmed and in capitals. A WHO
// ICD-10 code may carry the dagger or asterisk of the classification's
// dual coding ("G83.4†", "M49.0*", or "+" for the dagger where the
// character set lacks it); the mark is not part of the code, and is
// dropped. The two ICD-10 systems stay apart: a code of one never stands
// for a term coded in the other. The other systems' codes are left as
// sent.
func canonicalCode(system, code string) (string, string) {
	if len(system) >= len(oidPrefix) && strings.EqualFold(system[:len(oidPrefix)], oidPrefix) {
		system = oidPrefix + system[len(oidPrefix):]
	}
	switch system {
	case icd10cmOID:
		system = icd10cmSystem
	case icd10OID:
		system = icd10System
	case snomedOID:
		system = snomedSystem
	}
	switch system {
	case snomedSystem:
		return system, strings.TrimSpace(code)
	case icd10cmSystem, icd10System:
	default:
		return system, code
	}
	c := strings.ToUpper(strings.TrimSpace(code))
	if system == icd10System {
		c = strings.TrimSpace(strings.TrimRight(c, "†*+"))
	}
	c = strings.TrimSuffix(c, ".")
	if len(c) > 3 && len(c) <= 7 && !strings.Contains(c, ".") && c[0] >= 'A' && c[0] <= 'Z' {
		c = c[:3] + "." + c[3:]
	}
	return system, c
}

// unavailable is the 412 for a prefetch key, found at path at, holding an
// OperationOutcome.
func unavailable(at string) error {
	return missingPrefetch(at, "the client sent an OperationOutcome instead of the data: it could not fetch it, and the service does not guess without it")
}

// patient reads the age and sex from the patient prefetch, raw. A value
// the service cannot read costs only itself, with a note in
// m.UnreadPatient saying why: a birthDate of the wrong type, or that gives
// no age, leaves the age unknown (0); a gender of the wrong type leaves
// the sex not stated; an id of the wrong type, or another patient's, which
// cannot show that the Patient is the patient in context, leaves both.
// The call goes on without them rather than failing, since the Conditions
// may call for a referral; so does an OperationOutcome in place of the
// Patient (it could not be fetched), which leaves both. A patient that is
// not a JSON object, whose resourceType is neither "Patient" nor
// "OperationOutcome", or with a key given twice or in the wrong case is an
// error, which MapRequest notes as a Patient not read (see
// Mapping.UnreadPatient).
func (m *Mapping) patient(raw json.RawMessage, pid string, vocab recommend.Vocabulary, now time.Time) error {
	const at = "prefetch." + PrefetchPatient
	if isNull(raw) {
		// No data: no birth date, as for a Patient without one, so the
		// age-related referrals are not assessed, which the clinician is
		// told rather than given an adult's advice in silence; unless
		// the Patient is already noted as not read (a key in the wrong
		// case, or given twice), which says why.
		if len(m.UnreadPatient) == 0 {
			m.UnreadPatient = append(m.UnreadPatient, PatientNote{Entry: at, Reason: patientNull})
		}
		return nil
	}
	var p fhirPatient
	if err := decodeAt(raw, at, &p); err != nil {
		return err
	}
	switch p.ResourceType {
	case "Patient":
	case "OperationOutcome":
		// The Patient could not be fetched: as one that could not be
		// read from fhirServer, the age is unknown, and the Conditions
		// may still call for a referral.
		m.UnreadPatient = append(m.UnreadPatient, PatientNote{Entry: at,
			Reason: "an OperationOutcome in place of the Patient: it could not be fetched; the age is taken as unknown, and the sex as not stated"})
		return nil
	default:
		return badRequest(at+".resourceType", "must be \"Patient\", found %s", quote(p.ResourceType))
	}
	// str reads the string at field, or says why it cannot.
	str := func(raw json.RawMessage, field string) (string, string) {
		var v string
		if isNull(raw) {
			return "", ""
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", jsonError(raw, at+"."+field, err).Message
		}
		return v, ""
	}
	note := func(field, why string) {
		m.UnreadPatient = append(m.UnreadPatient, PatientNote{Entry: at + "." + field, Reason: why})
	}
	id, why := str(p.ID, "id")
	switch {
	case why != "":
		note("id", why+": the Patient cannot be told to be the patient in context, so none of it is read: the age is taken as unknown, and the sex as not stated")
		return nil
	case id != "" && id != pid:
		// Another patient's, or the patient's written another way: as an
		// id that cannot be read, none of it is read, and the Conditions
		// still call for their referrals.
		note("id", quote(id)+" is not the patient in context (context.patientId "+quote(pid)+"): none of it is read: the age is taken as unknown, and the sex as not stated")
		return nil
	}
	// A deceased[x] that cannot be read, or a death in the future, is
	// read as alive, so that the cards err toward the clinician, and is
	// noted so that the mistake is not passed over without a word.
	const alive = ": the patient is taken as alive, and the cards are given"
	if !isNull(p.DeceasedBoolean) {
		var dead bool
		if err := json.Unmarshal(p.DeceasedBoolean, &dead); err != nil {
			note("deceasedBoolean", jsonError(p.DeceasedBoolean, at+".deceasedBoolean", err).Message+alive)
		} else if dead {
			m.Deceased = true
		}
	}
	when, why := str(p.DeceasedDateTime, "deceasedDateTime")
	switch died, read := diedBy(when, now); {
	case why != "":
		note("deceasedDateTime", why+alive)
	case when == "":
	case !read:
		note("deceasedDateTime", quote(when)+" is not a FHIR dateTime"+alive)
	case died:
		m.Deceased = true
	default:
		note("deceasedDateTime", quote(when)+" is after now, which must be a mistake"+alive)
	}
	birth, why := str(p.BirthDate, "birthDate")
	if why == "" && birth != "" {
		age, older, err := ageOn(birth, now)
		if err != nil {
			why = err.Error()
		}
		m.Profile.Age, m.AgeUpTo = age, older
	}
	switch {
	case why == "" && birth == "":
		// No age, as for one that cannot be read: the age-related
		// referrals are not assessed, which the clinician is told.
		note("birthDate", birthDateMissing)
	case why != "":
		note("birthDate", why+": the age is taken as unknown")
	}
	gender, why := str(p.Gender, "gender")
	if why != "" {
		note("gender", why+": the sex is taken as not stated")
	}
	if (gender == "female" || gender == "male") && vocab.Label("sex", gender) != "" {
		m.Profile.Sex = gender
	}
	return nil
}

// patientNull is the reason of the Mapping.UnreadPatient note of a
// patient prefetch that is JSON null, CDS Hooks' "no data".
const patientNull = "null: the client sent no Patient, so there is no birth date: the age is taken as unknown, and the sex as not stated"

// patientMissingWhy is the reason of the Mapping.UnreadPatient note of a
// patient prefetch that is missing (see Mapping.PatientMissing).
const patientMissingWhy = "missing: the client did not send the patient prefetch, so there is no birth date: the age is taken as unknown, and the sex as not stated"

// patientMissingError is the 412 of a request without the patient
// prefetch: MapRequest's error when the conditions are missing too, and
// the Service's answer when the Conditions call for no referral.
func patientMissingError() *RequestError {
	return missingPrefetch("prefetch."+PrefetchPatient, "missing: this service needs the patient (Patient/{{context.patientId}}) to know the age; send it, or null when there is no patient data")
}

// conditionsMissingError is the 412 of a request without the conditions
// prefetch.
func conditionsMissingError() *RequestError {
	return missingPrefetch("prefetch."+PrefetchConditions, "missing: this service needs the active conditions (Condition?patient={{context.patientId}}&clinical-status=active,recurrence,relapse); without them it cannot tell a red flag from none")
}

// PatientMissing reports whether the request lacked the patient prefetch
// (not null: missing), which MapRequest notes in UnreadPatient, reading
// the Conditions with the age unknown. The Service answers such a call
// with the 412 that names the patient unless the Conditions call for a
// referral: then the referral cards, an emergency among them, reach the
// clinician, with the card that says the age was not known.
func (m *Mapping) PatientMissing() bool {
	return m != nil && slices.Contains(m.UnreadPatient, PatientNote{Entry: "prefetch." + PrefetchPatient, Reason: patientMissingWhy})
}

// birthDateMissing is the reason of the Mapping.UnreadPatient note of a
// Patient without a birthDate (or with null).
const birthDateMissing = "missing: the age is taken as unknown"

// ageOrSexNotes returns the notes that leave the age unknown or the sex
// not stated: all but those of a deceased[x] that could not be read,
// which leave the patient taken as alive and change no advice. Only
// those call for the card that the age or sex is unknown.
func ageOrSexNotes(notes []PatientNote) []PatientNote {
	var out []PatientNote
	for _, n := range notes {
		if !deceasedNote(n) {
			out = append(out, n)
		}
	}
	return out
}

// deceasedNote reports whether n is the note of a deceased[x] that could
// not be read.
func deceasedNote(n PatientNote) bool {
	return n.Entry == "prefetch."+PrefetchPatient+".deceasedBoolean" || n.Entry == "prefetch."+PrefetchPatient+".deceasedDateTime"
}

// diedBy reports whether when, a Patient's deceasedDateTime, says the
// patient died by now (died), and whether it is a FHIR dateTime at all
// (read): a time with its zone not after now, or a day not after now's
// (UTC; for a year, or a year and month, its first day). A value that is
// not a FHIR dateTime, or is after now, does not: a death in the future
// is a mistake, whose cards err toward the clinician.
func diedBy(when string, now time.Time) (died, read bool) {
	if t, err := time.Parse(time.RFC3339Nano, when); err == nil {
		return !t.After(now), true
	}
	var y, mo, d string
	if f := fhirDateTime.FindStringSubmatch(when); f != nil {
		// A day, or a time without a zone, which FHIR requires: its day.
		y, mo, d = f[1], f[2], f[3]
	} else if f := fhirDate.FindStringSubmatch(when); f != nil {
		y, mo, d = f[1], cmp.Or(f[2], "01"), "01"
	} else {
		return false, false
	}
	day, err := time.Parse(time.DateOnly, y+"-"+mo+"-"+d)
	if err != nil {
		// A day the calendar does not have, such as 2025-02-30.
		return false, false
	}
	ny, nm, nd := now.UTC().Date()
	return !day.After(time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)), true
}

// fhirDate is a FHIR date: a year, a year and month, or a full date.
var fhirDate = regexp.MustCompile(`^([0-9]{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12][0-9]|3[01]))?)?$`)

// ageOn returns the age on now's date of a person born on the FHIR date
// birth: for a partial date, the age the person has certainly reached
// (born on the last day of the year, or month). older is the age the
// person has reached if born on its first day, when that is another age
// (a partial date whose period holds a birthday of this year), and 0
// otherwise: the two ages the date allows, neither of which the service
// may pick alone (see Mapping.AgeUpTo). An older age over recommend.MaxAge
// is left out (0).
func ageOn(birth string, now time.Time) (age, older int, err error) {
	age, err = certainAge(birth, now)
	if err != nil {
		return 0, 0, err
	}
	m := fhirDate.FindStringSubmatch(birth)
	if m[3] != "" {
		return age, 0, nil
	}
	// The first day of the period: the oldest the person can be.
	first := m[1] + "-" + cmp.Or(m[2], "01") + "-01"
	// certainAge refuses an age over recommend.MaxAge, with 0.
	oldest, err := certainAge(first, now)
	if err != nil || oldest == age {
		return age, 0, nil
	}
	return age, oldest, nil
}

// certainAge returns the age on now's date of a person born on the FHIR
// date birth: for a partial date, the age the person has certainly reached.
func certainAge(birth string, now time.Time) (int, error) {
	m := fhirDate.FindStringSubmatch(birth)
	if m == nil {
		return 0, fmt.Errorf("%s is not a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)", quote(birth))
	}
	year, _ := strconv.Atoi(m[1])
	month, day := 12, 31
	if m[2] != "" {
		month, _ = strconv.Atoi(m[2])
		day = daysIn(year, time.Month(month))
	}
	if m[3] != "" {
		day, _ = strconv.Atoi(m[3])
		if day > daysIn(year, time.Month(month)) {
			return 0, fmt.Errorf("%s is not a day of the calendar", quote(birth))
		}
	}
	ny, nm, nd := now.Date()
	if m[2] == "" && m[3] == "" && year == ny || m[3] == "" && year == ny && month == int(nm) {
		// Born this year, or this month: under one year old (see below);
		// the latest day of the period may still be ahead.
		return 1, nil
	}
	if year > ny || year == ny && (month > int(nm) || month == int(nm) && day > nd) {
		return 0, fmt.Errorf("%s is after today (%04d-%02d-%02d)", quote(birth), ny, nm, nd)
	}
	age := ny - year
	if int(nm) < month || int(nm) == month && nd < day {
		age--
	}
	if age > recommend.MaxAge {
		return 0, fmt.Errorf("%s gives an age of %d, over %d", quote(birth), age, recommend.MaxAge)
	}
	// A baby under one year is 1, the youngest age a profile records (0
	// means unknown, which would give a baby an adult's advice): like
	// every child, outside the guidance and seen first.
	return max(age, 1), nil
}

// daysIn returns the number of days in a month.
func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// conditionSearch is a search of Conditions the service reads: the
// active ones (PrefetchConditions), or those no longer active
// (PrefetchPastConditions).
type conditionSearch struct {
	// at is the JSON path of the prefetch value, such as
	// "prefetch.conditions"; what says which Conditions it holds
	// ("active", "past") in notes.
	at, what string
	// unread is where the notes of what could not be read go:
	// Mapping.UnreadConditions, or Mapping.UnreadPastConditions.
	unread *[]ConditionNote
	// pages are the pages of the search read from fhirServer that could
	// not be read as a Bundle (Request.unreadPages): each is scanned for
	// codes.
	pages []*unreadPageError
}

// conditionTerms are the terms the Conditions read stand for, over
// both searches.
type conditionTerms struct {
	conds, flags []bool
	seen         map[[2]string]bool
}

// conditions reads the conditions prefetch of search s into ts.
func (m *Mapping) conditions(raw json.RawMessage, s conditionSearch, pid string, idx *codes, vocab recommend.Vocabulary, ts *conditionTerms) error {
	at := s.at
	if isNull(raw) {
		return nil
	}
	b, faults, err := readBundle(raw, at)
	if err == nil && b.ResourceType == "OperationOutcome" {
		return unavailable(at)
	}
	conds, flags, seen := ts.conds, ts.flags, ts.seen
	matches := 0 // the Conditions the search matched
	// failed is the 412 of the first OperationOutcome that says the
	// search failed in part, or of the first entry that could not be
	// read; every entry is read all the same.
	var failed error
	// unread notes what could not be read and may hide a red flag, as a
	// page not read would: the referrals of the rest are known, but not
	// all there is. field is the path of the value at fault.
	unread := func(n ConditionNote, field string) {
		*s.unread = append(*s.unread, n)
		if failed == nil {
			failed = missingPrefetch(field, "%s; the service does not answer without it", n.Reason)
		}
	}
	// patients are the fullUrls of the Bundle's entries that are the
	// patient in context, read when a subject first needs them.
	var patients map[string]bool
	mayBeCondition := "it may be an " + s.what + " Condition, with a red flag"
	if s.what == "past" {
		mayBeCondition = "it may be a past Condition, with a red flag"
	}
	// countIf scans raw, a value that could not be read, for the codes
	// of the rule set's terms, and counts them, erring toward a referral
	// (with pastOnly, only those of a term that counts in the past): a
	// red flag in what could not be read still reaches a referral. It
	// returns the codings counted, and what a note says of them. count
	// is countIf in the search's own terms: in the past search, only
	// those of a term that counts in the past.
	countIf := func(raw json.RawMessage, pastOnly bool) ([]Coding, string) {
		var counted []Coding
		for cd := range codingsIn(raw) {
			t, ok := idx.lookup(cd.System, cd.Code)
			if !ok || cd.Code == "" || pastOnly && !t.past || slices.Contains(counted, cd) {
				continue
			}
			counted = append(counted, cd)
			if t.redFlag {
				flags[t.index] = true
			} else {
				conds[t.index] = true
			}
		}
		if len(counted) == 0 {
			return nil, "; no code in it is one of the rule set's terms"
		}
		return counted, codesCounted
	}
	count := func(raw json.RawMessage) ([]Coding, string) { return countIf(raw, s.what == "past") }
	// bad notes a value at path that could not be read, and may hide a
	// red flag (what says how), as unread does, its codes counted: the
	// referrals come, and when nothing calls for one, the call is refused
	// with err, which names the value at fault.
	bad := func(path string, raw json.RawMessage, err error, what string) {
		var re *RequestError
		if !errors.As(err, &re) {
			re = badRequest(path, "%v", err)
		}
		why := re.Message
		if f := strings.TrimPrefix(strings.TrimPrefix(re.Field, path), "."); f != "" && f != re.Field {
			why = f + ": " + why
		}
		codes, counted := count(raw)
		*s.unread = append(*s.unread, ConditionNote{Entry: path, Codes: codes, Reason: why + "; " + what + counted})
		if failed == nil {
			failed = re
		}
	}
	for _, pg := range s.pages {
		// A page read from fhirServer that could not be read as a
		// Bundle: a red flag may be on it.
		bad(at, pg.page, missingPrefetch(at, "%s (read from fhirServer)", pg.why), "it may hold "+strings.TrimPrefix(mayBeCondition, "it may be "))
	}
	if err == nil && b.ResourceType != "Bundle" {
		err = badRequest(at+".resourceType", "must be \"Bundle\", the result of the search, found %s", quote(b.ResourceType))
	}
	if err != nil {
		// It cannot be told to be the search Bundle: none of it is read,
		// but it is scanned for codes, as an entry that cannot be read.
		bad(at, raw, err, "it may be the search Bundle, and hold "+strings.TrimPrefix(mayBeCondition, "it may be "))
		return failed
	}
	for _, f := range faults {
		bad(f.path, f.value, f.err, "the Bundle cannot be read whole, and a red flag may be in what could not be read")
	}
	for e := range b.entries(at) {
		path := e.path
		switch {
		case e.bad != nil:
			bad(path, e.raw, e.bad, mayBeCondition)
			continue
		case e.empty:
			unread(ConditionNote{Entry: path, Reason: "the entry has no resource: " + mayBeCondition}, path)
			continue
		case e.unread != "":
			n := ConditionNote{Entry: path, Reason: e.unread + ", and " + mayBeCondition}
			if codes, counted := count(e.raw); len(codes) > 0 {
				n.Codes, n.Reason = codes, n.Reason+counted
			}
			unread(n, path)
			continue
		}
		switch e.typ {
		case "Condition":
		case "OperationOutcome":
			// The search's own outcome: a warning or a note is fine, but
			// an error means the client could not fetch every condition.
			why, err := failedSearch(e.resource, path)
			if err != nil {
				bad(path, e.raw, err, "it may say the search failed in part")
				continue
			}
			if why != "" {
				*s.unread = append(*s.unread, ConditionNote{Entry: path, Reason: why + ": the client could not fetch every " + s.what + " Condition"})
				if failed == nil {
					failed = missingPrefetch(path, "%s: the client could not fetch every %s condition, and the service does not guess without them", why, s.what)
				}
			}
			continue
		default:
			if err := resourceType(e.typ, path); err != nil {
				bad(path, e.raw, err, mayBeCondition)
			}
			continue // an included resource
		}
		if e.match {
			matches++
		}
		c, err := readCondition(e.resource, path)
		if err != nil {
			bad(path, e.raw, err, mayBeCondition)
			continue
		}
		// A subject that cannot be told to be the patient in context
		// costs only this Condition's certainty: see subjectDoubt.
		var whose string
		if c.Subject != nil && c.Subject.Reference != "" {
			if patients == nil {
				patients = b.patients(pid)
			}
			whose = subjectDoubt(c.Subject.Reference, pid, patients)
		}
		note := ConditionNote{Entry: path, ID: c.ID, Codes: c.Codings}
		counts, doubt, inactive := status(c)
		if whose != "" && (counts || inactive) {
			// Its codes count, as the patient's: a red flag in it reaches
			// a referral, and the rest of the advice is withheld.
			n := note
			n.Reason = whose + ": its codes are counted as the patient's, erring toward a referral"
			*s.unread = append(*s.unread, n)
			if failed == nil {
				failed = badRequest(path+".subject.reference", "%s is not the patient in context (Patient/%s)", quote(c.Subject.Reference), pid)
			}
		}
		past := false // counted only for its terms that count in the past
		if !counts && inactive {
			for _, cd := range note.Codes {
				if t, ok := idx.lookup(cd.System, cd.Code); ok && cd.Code != "" && t.past {
					past = true
				}
			}
		}
		if len(c.unreadCode) > 0 && (counts || inactive) {
			// What could not be read of its code may be a red flag (of a
			// Condition no longer active, a past cancer).
			n := note
			n.Reason = strings.Join(c.unreadCode, "; ") + ", and it may be a red flag"
			if !counts {
				n.Reason = doubt + ", but " + n.Reason + " that counts in the past"
			}
			// What could not be read is scanned for the rule set's
			// codes, as an entry that cannot be read is (count), and
			// they are counted, erring toward a referral: a coding sent
			// as an object rather than a list still reaches its
			// referral. Of a Condition no longer active, only the terms
			// that count in the past.
			var counted []Coding
			for _, raw := range c.unreadCodeRaw {
				codes, _ := countIf(raw, !counts)
				for _, cd := range codes {
					if !slices.Contains(counted, cd) && !slices.Contains(n.Codes, cd) {
						counted = append(counted, cd)
					}
				}
			}
			if len(counted) > 0 {
				n.Codes = append(slices.Clip(n.Codes), counted...)
				n.Reason += codesCounted
			}
			unread(n, c.unreadCodeAt)
		}
		if !counts && !past {
			if len(c.unreadCode) == 0 || !inactive {
				note.Reason = doubt
				if whose != "" {
					note.Reason += "; " + whose
				}
				if len(c.unreadCode) > 0 {
					note.Reason += "; its code could not be read: " + strings.Join(c.unreadCode, "; ")
				}
				m.Skipped = append(m.Skipped, note)
			}
			if inactive && len(c.unreadCode) == 0 && !slices.ContainsFunc(note.Codes, func(cd Coding) bool {
				_, ok := idx.lookup(cd.System, cd.Code)
				return ok && cd.Code != ""
			}) {
				// No longer active, and no code of a term: what it is
				// called may name a red flag that counts in the past,
				// a past cancer in text (see Mapping.Unmapped).
				m.Unmapped = append(m.Unmapped, UnmappedCondition{Entry: path, Text: c.Text, Codes: c.Codings, Past: true})
			}
			continue
		}
		var assumed []string
		if counts && doubt != "" {
			assumed = append(assumed, doubt+": counted as active")
		}
		if c.unreadSubject != "" {
			assumed = append(assumed, c.unreadSubject+": counted as the patient's")
		}
		if len(assumed) > 0 {
			n := note
			n.Reason = strings.Join(assumed, "; ") + ", erring toward a referral"
			m.Assumed = append(m.Assumed, n)
		}
		coded, other, mapped, mappedFlag := false, false, false, false
		var readAs []string
		for _, cd := range note.Codes {
			if cd.Code == "" {
				continue
			}
			coded = true
			t, ok := idx.lookup(cd.System, cd.Code)
			mapped = mapped || ok
			switch {
			case past && (!ok || !t.past):
				// A Condition that is no longer active counts only for
				// the terms it stands for in the past.
				other = true
				continue
			case ok && t.redFlag:
				flags[t.index] = true
				mappedFlag = true
				continue
			case ok:
				conds[t.index] = true
				if id := vocab.Conditions[t.index].ID; !slices.Contains(readAs, id) {
					readAs = append(readAs, id)
				}
				continue
			}
			key := [2]string{cd.System, cd.Code}
			if seen[key] {
				continue
			}
			seen[key] = true
			m.Unknown = append(m.Unknown, cd)
		}
		if counts && !mapped && len(c.unreadCode) == 0 && s.what != "past" {
			// Counted, but the advice could not use it: what it is
			// called may name a red flag (see Mapping.Unmapped).
			m.Unmapped = append(m.Unmapped, UnmappedCondition{Entry: path, Text: c.Text, Codes: c.Codings})
		}
		if counts && mapped && !mappedFlag && len(c.unreadCode) == 0 && s.what != "past" {
			// Counted for conditions only (a disc herniation, sciatica):
			// what it is called may say more than its codes, a red
			// flag the codes do not stand for ("Sciatica due to
			// metastatic prostate cancer", or a translation under a
			// code system the vocabulary does not have), which the
			// advice would otherwise go without in silence (see
			// UnmappedCondition.ReadAs).
			m.MappedNames = append(m.MappedNames, UnmappedCondition{Entry: path, Text: c.Text, Codes: c.Codings, ReadAs: readAs})
		}
		switch {
		case other:
			note.Reason = doubt + ": counted only for " + pastIDs(vocab) + ", which a Condition in the past still stands for; its other codes are not used"
			m.Skipped = append(m.Skipped, note)
		case !coded && len(c.unreadCode) > 0:
			// Noted as not read above.
		case !coded:
			note.Reason = "its code has no coding with a code to look up in the vocabulary"
			m.Skipped = append(m.Skipped, note)
		}
	}
	// A page of several, or a Bundle that says it lacks some, is what is
	// known but not all there is, as a search that failed in part: a red
	// flag may be among the Conditions missing, and those read may call
	// for a referral.
	var missing *RequestError
	switch {
	case b.next() != "":
		missing = missingPrefetch(at, "the Bundle is one page of several (it has a next link): the service cannot fetch the rest, and a red flag may be on another page; send every %s condition in one Bundle", s.what)
	case b.Total != nil && *b.Total > matches:
		missing = missingPrefetch(at+".total", "the Bundle says the search matched %d conditions but holds %d: the service cannot fetch the rest, and a red flag may be among them; send every %s condition in one Bundle", *b.Total, matches, s.what)
	}
	if missing != nil {
		*s.unread = append(*s.unread, ConditionNote{Entry: missing.Field, Reason: missing.Message})
		if failed == nil {
			failed = missing
		}
	}
	return failed
}

// pastConditions reads the past conditions prefetch into ts, when the
// vocabulary has a term that counts in the past (see
// PastConditionsTemplate). Whatever keeps the service from reading all of
// it (the key missing, an OperationOutcome in its place, a page of
// several, an OperationOutcome entry of the search's failure, an entry or
// a code that cannot be read, or any problem that would be a 400 in the
// active conditions) is noted in m.UnreadPastConditions, never an error:
// the active Conditions' referrals must reach the clinician all the same,
// with a card saying that a past cancer could not be ruled out. What was
// read before it counts. JSON null means no past conditions.
func (m *Mapping) pastConditions(req *Request, pid string, idx *codes, vocab recommend.Vocabulary, ts *conditionTerms, miscased []otherPrefetch) {
	at := "prefetch." + PrefetchPastConditions
	if PastConditionsTemplate(vocab) == "" {
		return
	}
	// Never an error: see the doc comment.
	_ = m.miscased(miscased, conditionSearch{what: "past", unread: &m.UnreadPastConditions}, pid, idx, vocab, ts)
	raw, ok := req.Prefetch[PrefetchPastConditions]
	if !ok && len(miscased) > 0 {
		return
	}
	if !ok {
		m.UnreadPastConditions = append(m.UnreadPastConditions, ConditionNote{Entry: at,
			Reason: "missing: the service needs the past conditions (" + PastConditionsTemplate(vocab) + ") to tell whether the patient has had " + pastIDs(vocab) + ", a red flag with back pain"})
		return
	}
	before := len(m.UnreadPastConditions)
	err := m.conditions(raw, conditionSearch{at, "past", &m.UnreadPastConditions, req.unreadPages[PrefetchPastConditions]}, pid, idx, vocab, ts)
	var re *RequestError
	switch {
	case err == nil:
	case errors.As(err, &re) && !noted(m.UnreadPastConditions[before:], re.Field):
		m.UnreadPastConditions = append(m.UnreadPastConditions, ConditionNote{Entry: cmp.Or(re.Field, at), Reason: re.Message})
	case !errors.As(err, &re):
		m.UnreadPastConditions = append(m.UnreadPastConditions, ConditionNote{Entry: at, Reason: err.Error()})
	}
}

// noted reports whether one of notes is of field, the path of a failure,
// or of a value that holds it: the failure is then told by the note.
func noted(notes []ConditionNote, field string) bool {
	for _, n := range notes {
		if field == n.Entry || strings.HasPrefix(field, n.Entry+".") {
			return true
		}
	}
	return false
}

// terms adds to the profile the conditions and red flags set in conds
// and flags, in vocabulary order.
func (m *Mapping) terms(conds, flags []bool, vocab recommend.Vocabulary) {
	risk := true
	for i, on := range conds {
		if on {
			m.Profile.Conditions = append(m.Profile.Conditions, vocab.Conditions[i].ID)
			risk = risk && vocab.Conditions[i].RiskFactor
		}
	}
	for i, on := range flags {
		if on {
			m.Profile.RedFlags = append(m.Profile.RedFlags, vocab.RedFlags[i].ID)
			risk = risk && vocab.RedFlags[i].RiskFactor
		}
	}
	m.RiskFactorsOnly = risk && m.Relevant()
}

// pastIDs lists the ids of the vocabulary's terms that count in the past
// (recommend.Term.CountsWhenPast), for a note.
func pastIDs(vocab recommend.Vocabulary) string {
	return strings.Join(pastTermIDs(vocab), ", ")
}

// pastTermIDs are the ids of the vocabulary's conditions and red flags
// that count in the past, in vocabulary order.
func pastTermIDs(vocab recommend.Vocabulary) []string {
	var ids []string
	for _, ts := range [][]recommend.Term{vocab.Conditions, vocab.RedFlags} {
		for _, t := range ts {
			if t.CountsWhenPast {
				ids = append(ids, t.ID)
			}
		}
	}
	return ids
}

// resourceTypeName is how FHIR spells a resource type.
var resourceTypeName = regexp.MustCompile(`^[A-Z][A-Za-z]*$`)

// resourceType returns a 400 when rt, the resourceType of the entry's
// resource at path, is missing or is not spelled as a FHIR resource type,
// so that the resource could be a Condition; nil for another resource.
func resourceType(rt, path string) error {
	switch {
	case rt == "":
		return badRequest(path+".resourceType", "missing: every resource in the Bundle needs its resourceType, or the service cannot tell a Condition from another resource")
	case strings.EqualFold(rt, "Condition") || strings.EqualFold(rt, "OperationOutcome") || !resourceTypeName.MatchString(rt):
		return badRequest(path+".resourceType", "%s is not a FHIR resource type: resource types are case-sensitive and start with a capital letter, such as \"Condition\"", quote(rt))
	}
	return nil
}

// failedSearch reads the OperationOutcome raw, found at path in a search
// Bundle, and says why the search did not return every resource when it
// has an issue of severity error or fatal ("an OperationOutcome of
// severity error"), or of a code that says the results are not complete
// (incompleteIssues), or when its issues cannot be read (it may say so);
// "" when it only warns or informs otherwise. A key given twice or in the wrong
// case is an error.
func failedSearch(raw json.RawMessage, path string) (string, error) {
	var oo fhirOutcome
	unread, err := readPart(raw, path, &oo)
	switch {
	case err != nil:
		return "", err
	case unread != nil:
		return "an OperationOutcome whose issues could not be read (" + unreadWhy(unread, path) + ")", nil
	}
	for _, is := range oo.Issue {
		switch {
		case is.Severity == "error" || is.Severity == "fatal":
			return "an OperationOutcome of severity " + is.Severity, nil
		case slices.Contains(incompleteIssues, is.Code):
			return "an OperationOutcome of code " + is.Code + " (the results are not complete)", nil
		}
	}
	return "", nil
}

// incompleteIssues are the codes of FHIR R4's IssueType
// (http://hl7.org/fhir/issue-type) that say a search did not return all
// it matched, whatever the issue's severity: incomplete (not all data
// sources could be reached or answered in time), too-costly (stopped to
// protect the server), throttled (load management) and timeout. A server
// may send them as a warning, or as information, beside the results it
// has. suppressed (withheld by business rules, consent or access) is not
// among them: what it withholds is withheld from the clinician too.
var incompleteIssues = []string{"incomplete", "too-costly", "throttled", "timeout"}

// patients returns the fullUrls of b's entries whose resource is the
// Patient pid: a reference such as "urn:uuid:..." to one of them is a
// reference to the patient in context. An entry that cannot be read is
// left out.
func (b *fhirBundle) patients(pid string) map[string]bool {
	out := map[string]bool{}
	for _, raw := range b.Entry {
		var e struct {
			FullURL  string `json:"fullUrl"`
			Resource struct {
				ResourceType string `json:"resourceType"`
				ID           string `json:"id"`
			} `json:"resource"`
		}
		if json.Unmarshal(raw, &e) == nil && e.FullURL != "" && e.Resource.ResourceType == "Patient" && e.Resource.ID == pid {
			out[e.FullURL] = true
		}
	}
	return out
}

// subjectDoubt says why the subject reference ref of a resource in a
// search Bundle cannot be told to be the patient pid, or "" when it can:
// a reference to Patient/pid (see refersTo), or to the fullUrl of an entry
// of the Bundle that is that Patient (patients). The reason names what
// kind of reference it is, never the reference, since reasons are logged:
// one to a resource contained in the resource ("#p1"), a urn that no entry
// resolves ("urn:uuid:..."), one to another Patient, or one to another
// kind of resource. The search was for the patient's resources, so that
// such a resource may well be the patient's, written another way.
func subjectDoubt(ref, pid string, patients map[string]bool) string {
	if refersTo(ref, pid) || patients[ref] {
		return ""
	}
	const not = ", which cannot be told to be the patient in context"
	typ := ""
	if parts := strings.Split(strings.Split(ref, "/_history/")[0], "/"); len(parts) >= 2 {
		typ = parts[len(parts)-2]
	}
	switch {
	case strings.HasPrefix(ref, "#"):
		return "its subject is a resource contained in it" + not
	case strings.HasPrefix(ref, "urn:"):
		return "its subject is a urn that no entry of the Bundle resolves" + not
	case typ == "Patient":
		return "its subject is another Patient than the patient in context"
	}
	return "its subject is not a reference to a Patient" + not
}

// refersTo reports whether a reference, relative or absolute, and with or
// without a version ("Patient/p/_history/2"), is to Patient/pid.
func refersTo(ref, pid string) bool {
	if i := strings.LastIndex(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	want := "Patient/" + pid
	return ref == want || strings.HasSuffix(ref, "/"+want)
}

// status reports whether a Condition counts, and what about its status
// could not be read: when it does not count, why not, and whether that is
// because its clinicalStatus says it is no longer active (inactive). A
// Condition does not count when its verificationStatus is refuted or
// entered-in-error, or its clinicalStatus inactive, remission or
// resolved, each of the R4 code system; it counts otherwise, and the
// status that could not be read, if any (one of the wrong type among
// them), is the reason to report it.
func status(c fhirCondition) (counts bool, why string, inactive bool) {
	ver, verDoubt := statusCode(c.VerificationStatus, "verificationStatus", verificationSystem, oldVerificationSystem, verificationCodes)
	switch ver {
	case "refuted", "entered-in-error":
		return false, "verificationStatus is " + ver, false
	case "unconfirmed", "provisional", "differential", "confirmed":
		verDoubt = ""
	}
	if c.VerificationStatus == nil || len(c.VerificationStatus.Coding) == 0 {
		verDoubt = "" // optional: a Condition without one is not in doubt
	}
	if c.unreadVerification != "" {
		verDoubt = c.unreadVerification
	}
	clin, clinDoubt := statusCode(c.ClinicalStatus, "clinicalStatus", clinicalSystem, oldClinicalSystem, clinicalCodes)
	switch clin {
	case "inactive", "remission", "resolved":
		return false, "clinicalStatus is " + clin, true
	case "active", "recurrence", "relapse":
		clinDoubt = ""
	}
	if c.unreadClinical != "" {
		clinDoubt = c.unreadClinical
	}
	switch {
	case clinDoubt != "" && verDoubt != "":
		return true, clinDoubt + "; " + verDoubt, false
	case clinDoubt != "":
		return true, clinDoubt, false
	}
	return true, verDoubt, false
}

// The codes of the R4 value sets of Condition.clinicalStatus and
// verificationStatus: the only status codes a reason quotes.
var (
	clinicalCodes     = []string{"active", "recurrence", "relapse", "inactive", "remission", "resolved"}
	verificationCodes = []string{"unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"}
)

// statusCode returns the code of system in the status concept cc, named
// field, when it has exactly one; otherwise "" and why the status cannot
// be read. A code of system that system does not define is returned with
// that as the reason. older is the URL the code system had in FHIR STU3;
// codes are those of the field's value set. The reason quotes a code only
// when it is one of codes, and otherwise calls it an unknown code: a
// reason is logged, and the log holds no codes of the patient's.
func statusCode(cc *fhirConcept, field, system, older string, codes []string) (string, string) {
	if cc == nil || len(cc.Coding) == 0 {
		return "", field + " is missing"
	}
	name := func(code string) string {
		if slices.Contains(codes, code) {
			return quote(code)
		}
		return "(an unknown code)"
	}
	code, found := "", false
	for _, cd := range cc.Coding {
		if cd.System != system {
			continue
		}
		if found && cd.Code != code {
			return "", fmt.Sprintf("%s has two codes of %s, %s and %s", field, system, name(code), name(cd.Code))
		}
		code, found = cd.Code, true
	}
	if found {
		return code, fmt.Sprintf("%s has a code that is not a code of %s", field, system)
	}
	cd := cc.Coding[0]
	switch cd.System {
	case "":
		return "", fmt.Sprintf("%s %s has no system (R4 uses %s)", field, name(cd.Code), system)
	case older:
		return "", fmt.Sprintf("%s %s is of %s, the code system of FHIR STU3 (R4 uses %s)", field, name(cd.Code), older, system)
	}
	return "", fmt.Sprintf("%s %s is of %s, not of %s", field, name(cd.Code), quote(cd.System), system)
}

// logConditions logs the Conditions of m that were skipped, counted
// without their status read, or not read: one line, a warning when any
// was counted so or not read, with the entry and the reason of each (no
// ids or codes, which the response carries; a status code is named only
// when it is one of FHIR's, see statusCode).
func logConditions(ctx context.Context, log *slog.Logger, hookInstance string, m *Mapping) {
	notes := make([]string, 0, len(m.UnreadConditions)+len(m.Assumed)+len(m.Skipped))
	for _, n := range m.UnreadConditions {
		notes = append(notes, n.Entry+": not read: "+n.Reason)
	}
	for _, n := range m.Assumed {
		notes = append(notes, n.Entry+": "+n.Reason)
	}
	for _, n := range m.Skipped {
		notes = append(notes, n.Entry+": skipped: "+n.Reason)
	}
	counts := []slog.Attr{slog.Int("assumed_active", len(m.Assumed)), slog.Int("skipped", len(m.Skipped))}
	if len(m.UnreadConditions) > 0 {
		counts = append(counts, slog.Int("unread", len(m.UnreadConditions)))
	}
	logEntries(ctx, log, hookInstance, "conditions skipped or counted without their status", len(m.Assumed)+len(m.UnreadConditions) > 0,
		"conditions", notes, counts...)
}

// logPatient logs the values of the patient prefetch that m could not
// read, as a warning: the entry of each, without its value.
func logPatient(ctx context.Context, log *slog.Logger, hookInstance string, m *Mapping) {
	notes := make([]string, 0, len(m.UnreadPatient))
	for _, n := range m.UnreadPatient {
		taken := "the age is taken as unknown"
		switch {
		case n.Entry == "prefetch."+PrefetchPatient+".gender":
			taken = "the sex is taken as not stated"
		case deceasedNote(n):
			taken = "the patient is taken as alive"
		}
		notes = append(notes, n.Entry+": could not be read; "+taken)
	}
	logEntries(ctx, log, hookInstance, "patient data not read", true, "patient", notes)
}

// logEntries logs, in one line, the FHIR entries a mapping left out or
// read with a reason, each note an entry and its reason (no ids, codes or
// values, which the response carries): a warning when warn is set, with
// the hook instance cut to 64 bytes and the counts given. Without notes it
// logs nothing.
func logEntries(ctx context.Context, log *slog.Logger, hookInstance, msg string, warn bool, key string, notes []string, counts ...slog.Attr) {
	if len(notes) == 0 {
		return
	}
	level := slog.LevelInfo
	if warn {
		level = slog.LevelWarn
	}
	if len(hookInstance) > 64 {
		hookInstance = hookInstance[:64]
	}
	attrs := append([]slog.Attr{slog.String("hook_instance", hookInstance)}, counts...)
	log.LogAttrs(ctx, level, msg, append(attrs, slog.Any(key, notes))...)
}
