package cdshooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/backrules/backrules/recommend"
)

// Bounds on reading from a client's FHIR server.
const (
	// MaxConditionPages is the most pages of a Condition search the
	// service follows; a search with more is a 412.
	MaxConditionPages = 10
	// MaxSearchEntries is the most entries of one search, over all its
	// pages, the service reads; a search with more is a 412.
	MaxSearchEntries = 2000
	// maxFHIRBytes bounds one FHIR response, and maxFHIRTotal all the
	// responses of one call.
	maxFHIRBytes = 2 << 20
	maxFHIRTotal = 8 << 20
)

// DefaultFHIRBudget is how long all the reads from a client's fhirServer
// of one call may take, unless WithFHIRBudget says otherwise: each read
// has fetchTimeout (5 seconds) of its own, and a server that answers each
// page just within it could otherwise hold a call for the 10 pages'
// 50 seconds, past the write timeout of the server in front (30 seconds
// in examples/server), which would cut the answer off.
const DefaultFHIRBudget = 10 * time.Second

// budgetError is the cause of a call's FHIR reads running out of their
// budget (see WithFHIRBudget).
type budgetError time.Duration

func (e budgetError) Error() string {
	return fmt.Sprintf("the time allowed for reading from fhirServer (%v in all for one call) ran out", time.Duration(e))
}

// fhirReads is what the reads of one call from its fhirServer gave.
type fhirReads struct {
	// fetched is true when the service read data from the server (all it
	// asked for, or part of it).
	fetched bool
	// patient says why the missing patient could not be read: it is then
	// null in the prefetch (no patient data), so that the age is unknown,
	// as for a birthDate that gives none, and the Conditions are read all
	// the same. nil when it was read or not needed.
	patient error
	// conditions says why not every active Condition could be read: the
	// missing key's search (paged false), or the other pages of the
	// conditions prefetch (paged true), failed. The Conditions read
	// before it failed are then in the prefetch, as one Bundle without a
	// next link or total: they are what is known, but not all there is.
	// nil when every page was read, or none was needed.
	conditions error
	paged      bool
	// past says why not every past Condition (PrefetchPastConditions)
	// could be read: its search, or the other pages of its prefetch,
	// failed. Those read before it are then in the prefetch, as one
	// Bundle without a next link or total; the call notes it in
	// Mapping.UnreadPastConditions (see unreadPast). nil otherwise.
	past error
	// painScores says why the missing pain scores could not be read (an
	// OperationOutcome then takes their place); nil otherwise.
	painScores error
}

// failure is the first read of r that failed, for the call's Event: nil
// when none did.
func (r *fhirReads) failure() error {
	for _, err := range []error{r.patient, r.conditions, r.past, r.painScores} {
		if err != nil {
			return err
		}
	}
	return nil
}

// unreadConditions is the 412 of a call whose conditions could not all
// be read, and that knows no referral from those it read. When the
// patient could not be read either, it is the patient's 412, naming both
// causes (a Patient read that used up the budget leaves none for the
// Conditions).
func (r *fhirReads) unreadConditions() *RequestError {
	const at = "prefetch." + PrefetchConditions
	if r.patient != nil {
		what := "every active condition"
		if r.paged {
			what = "the other pages of the conditions Bundle"
		}
		return missingPrefetch("prefetch."+PrefetchPatient, "missing, and the service could not read it from fhirServer: %s; nor %s: %s; "+
			"it needs the patient (Patient/{{context.patientId}}) to know the age, and a red flag may be among the conditions it could not read, "+
			"so it does not answer without them", r.patient, what, r.conditions)
	}
	if r.paged {
		return missingPrefetch(at, "the Bundle is one page of several, and the service could not read the rest from fhirServer: %s; "+
			"a red flag may be on another page, so it does not answer from this one", r.conditions)
	}
	return missingPrefetch(at, "missing, and the service could not read every active condition from fhirServer: %s; "+
		"a red flag may be among those it could not read, so it does not answer without them", r.conditions)
}

// unreadPast is the note, for Mapping.UnreadPastConditions, of past
// Conditions that could not all be read (r.past is not nil).
func (r *fhirReads) unreadPast() ConditionNote {
	return ConditionNote{Entry: "prefetch." + PrefetchPastConditions,
		Reason: "not every past Condition could be read from fhirServer: " + r.past.Error() + "; a past cancer may be among those not read"}
}

// unreadPatient is the note, for Mapping.UnreadPatient, of a patient that
// could not be read (r.patient is not nil).
func (r *fhirReads) unreadPatient() PatientNote {
	return PatientNote{Entry: "prefetch." + PrefetchPatient,
		Reason: "the Patient could not be read from fhirServer (" + r.patient.Error() + "): the age is taken as unknown, and the sex as not stated"}
}

// readFHIR reads what the request lacks from its fhirServer, when the
// calling client c may have it read (see fetchMissing and fetchPages),
// within the service's budget for the call's FHIR reads (WithFHIRBudget)
// and its bounds on pages, entries and bytes, and logs each read that
// failed or was refused, without the token or the patient's id.
func (s *Service) readFHIR(ctx context.Context, req *Request, c *TrustedClient, vocab recommend.Vocabulary) fhirReads {
	ctx, cancel := context.WithTimeoutCause(ctx, s.fhirBudget, budgetError(s.fhirBudget))
	defer cancel()
	warn := func(msg string, err error, attrs ...slog.Attr) {
		s.log.LogAttrs(ctx, slog.LevelWarn, msg, append([]slog.Attr{slog.String("why", err.Error())}, attrs...)...)
	}
	_, sentConditions := req.Prefetch[PrefetchConditions]
	_, sentPast := req.Prefetch[PrefetchPastConditions]
	wantPast := PastConditionsTemplate(vocab) != ""
	// What the call reads from fhirServer, in all: one bound for the
	// missing keys and the conditions' other pages.
	var read int64
	var r fhirReads
	if err := s.fetchMissing(ctx, req, c, wantPast, &read, &r); err != nil {
		warn("cdshooks: missing prefetch not read from fhirServer", err)
	}
	if sentConditions {
		// A page of the conditions: the service reads the rest, even
		// when the patient could not be read, within what is left of
		// the budget.
		if err := s.fetchPages(ctx, req, c, PrefetchConditions, &read, &r); err != nil {
			warn("cdshooks: the other pages of the conditions not read from fhirServer", err)
		}
	}
	if sentPast && wantPast {
		if err := s.fetchPages(ctx, req, c, PrefetchPastConditions, &read, &r); err != nil {
			warn("cdshooks: the other pages of the past conditions not read from fhirServer", err)
		}
	}
	if r.patient != nil {
		warn("cdshooks: the patient not read from fhirServer", r.patient)
	}
	if r.conditions != nil {
		warn("cdshooks: not every active condition read from fhirServer", r.conditions, slog.Bool("other_pages", r.paged))
	}
	if r.past != nil {
		warn("cdshooks: not every past condition read from fhirServer", r.past)
	}
	if r.painScores != nil {
		warn("cdshooks: the pain scores not read from fhirServer", r.painScores)
	}
	return r
}

// fhirID is the form of a FHIR resource id.
var fhirID = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// fhirAuthorization is the part of the request's fhirAuthorization the
// service uses.
type fhirAuthorization struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
}

// conditionsQuery is the search of the patient's active Conditions, as
// discovery's conditions prefetch template asks for it, for patient pid:
// recurrence and relapse are active too, but FHIR R4 makes them children
// of active, and a token search matches its code exactly.
func conditionsQuery(base, pid string) string {
	return base + "/Condition?patient=" + url.QueryEscape(pid) + "&clinical-status=active,recurrence,relapse"
}

// fhirAccess returns a reader of the request's fhirServer with its
// fhirAuthorization token, and the patient's id, when the service may read
// from that server for the calling client c: there is a trust file, c
// listed fhirServer in its fhir_servers, the request gives a Bearer
// access_token, and context.patientId is a FHIR id (given twice, with
// the same value each time: see Request.earlier). Otherwise it returns an
// error saying why not.
func (s *Service) fhirAccess(req *Request, c *TrustedClient, read *int64) (*fhirFetcher, string, error) {
	if s.trust == nil || req.FHIRServer == "" || !c.allowsFHIRServer(req.FHIRServer) {
		return nil, "", errors.New("fhirServer is not one of the calling client's fhir_servers")
	}
	var auth fhirAuthorization
	if len(req.FHIRAuthorization) == 0 || json.Unmarshal(req.FHIRAuthorization, &auth) != nil ||
		auth.AccessToken == "" || !strings.EqualFold(auth.TokenType, "Bearer") {
		return nil, "", errors.New("no fhirAuthorization Bearer access_token")
	}
	var pid string
	if raw, ok := req.Context["patientId"]; !ok || json.Unmarshal(raw, &pid) != nil || !fhirID.MatchString(pid) {
		return nil, "", errors.New("context.patientId is not a FHIR id")
	}
	if len(req.earlier) > 0 {
		if _, err := patientID(req); err != nil {
			// Given twice with another value: whose data it is cannot be
			// told, and MapRequest refuses the call.
			return nil, "", errors.New("context.patientId is given twice, with different values")
		}
	}
	base := strings.TrimSuffix(req.FHIRServer, "/")
	return &fhirFetcher{http: s.trust.http, base: base, token: auth.AccessToken, read: read}, pid, nil
}

// fetchMissing fills the patient and conditions prefetch keys that the
// request lacks by reading them from its fhirServer with its
// fhirAuthorization token: Patient/{id}, and
// Condition?patient={id}&clinical-status=active,recurrence,relapse with
// its next pages (at most MaxConditionPages, each on the same server). It
// does so only when the calling client is trusted and listed fhirServer
// in its fhir_servers (see fhirAccess): the service never calls another
// host. When it may not, it leaves the keys missing, so the call is a 412
// as before, and returns why, for the log. It notes in r what it read,
// and each read that failed: a patient that could not be read is put as
// null, its age unknown, and the Conditions are read all the same, with
// what is left of the budget, since they may call for a referral; the
// Conditions of a search that failed part of the way are put in place of
// the key, for the service to tell the referrals they give, if any (see
// fhirReads).
//
// The pain scores, optional, are read the same way when they are missing
// (Observation?patient={id}&code=http://loinc.org|72514-3&_sort=-date&_count=52,
// the pages that hold the 52 latest scores, which are all a programme
// holds), but only
// from a server the service may read from anyway; when that
// read fails, an OperationOutcome takes their place, so that the call
// reports them unread rather than leaving them out in silence.
func (s *Service) fetchMissing(ctx context.Context, req *Request, c *TrustedClient, wantPast bool, read *int64, r *fhirReads) error {
	_, hasPatient := req.Prefetch[PrefetchPatient]
	_, hasConditions := req.Prefetch[PrefetchConditions]
	_, hasPast := req.Prefetch[PrefetchPastConditions]
	_, hasPain := req.Prefetch[PrefetchPainScores]
	needed := !hasPatient || !hasConditions // without them the call is a 412
	readPast := wantPast && !hasPast
	if !needed && hasPain && !readPast || req.FHIRServer == "" {
		return nil
	}
	f, pid, err := s.fhirAccess(req, c, read)
	if err != nil {
		if !needed {
			// The pain scores are optional, and past conditions that
			// are missing are reported by MapRequest.
			return nil
		}
		return fmt.Errorf("%w: not fetched", err)
	}
	base := f.base
	if req.Prefetch == nil {
		req.Prefetch = map[string]json.RawMessage{}
	}
	if !hasPatient {
		p, err := f.get(ctx, base+"/Patient/"+pid)
		if err != nil {
			// No patient data: the age is unknown, as for a birthDate
			// that gives none, and the service says so (see
			// fhirReads.unreadPatient).
			r.patient = err
			p = json.RawMessage("null")
		} else {
			r.fetched = true
		}
		req.Prefetch[PrefetchPatient] = p
	}
	if !hasConditions {
		// On failure, b holds the Conditions read before it.
		before := *read
		b, err := f.search(ctx, conditionsQuery(base, pid))
		if b != nil {
			req.Prefetch[PrefetchConditions] = b
		}
		r.fetched = r.fetched || err == nil || *read > before
		if err != nil {
			// Only the referrals of the Conditions read are known, and
			// the pain scores would add none; the past Conditions are
			// still read, since a past cancer is a referral.
			r.conditions = err
			keepUnreadPage(req, PrefetchConditions, err)
			hasPain = true
		}
	}
	if readPast {
		// Every page, as for the active conditions: a past cancer may
		// be on any. On failure, b holds those read before it, and the
		// call says the rest could not be read (fhirReads.unreadPast).
		before := *read
		b, err := f.search(ctx, base+"/"+pastConditionsSearch(url.QueryEscape(pid)))
		if b != nil {
			req.Prefetch[PrefetchPastConditions] = b
		}
		r.fetched = r.fetched || err == nil || *read > before
		if err != nil {
			r.past = err
			keepUnreadPage(req, PrefetchPastConditions, err)
		}
	}
	if !hasPain {
		// The latest scores, newest first, as the prefetch template
		// asks, from as many pages as hold them; MapRequest tells
		// whether they are all a programme would hold.
		b, err := f.latest(ctx, base+"/"+painScoresSearch(url.QueryEscape(pid), url.QueryEscape(loincSystem+"|"+loincPainCode)), recommend.MaxCheckIns)
		if err != nil {
			req.Prefetch[PrefetchPainScores] = json.RawMessage(`{"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception"}]}`)
			r.painScores = err
			return nil
		}
		req.Prefetch[PrefetchPainScores] = b
		r.fetched = true
	}
	return nil
}

// fetchPages completes a prefetched conditions Bundle that is one page of
// several, since CDS Hooks lets a client page prefetch and leaves it to
// the service to read the rest: a Bundle with a next link, or one whose
// total is greater than the Conditions it matched. When the service may
// read from the request's fhirServer (see fhirAccess), it follows the
// next links, each on that server, at most MaxConditionPages pages and
// MaxSearchEntries entries in all, within the limits of fetchMissing,
// and puts one Bundle with the entries of every page, and the first
// page's total, in place of the prefetch; a Bundle with a total but no
// next link gets the entries of the search run again added to its own. It
// notes in r whether it read anything.
//
// A Bundle the service may not complete is left as it is, for MapRequest
// to answer with a 412, and the reason is returned for the log. When a
// read fails, r.conditions says why, and the entries of the pages read
// (the client's first) are put in place of the prefetch, as one Bundle
// without a next link or total: a red flag may be on a page that could
// not be read, so the service never answers from them as if they were
// all, but the referrals they give are known (see fhirReads). A part of
// the first page that cannot be read (an entry, a total that is a string,
// an "Entry") costs only itself: the pages are put together all the same,
// with the part as sent (see withFaults), for MapRequest to report. A
// prefetch that is not a Bundle, or whose entry or link list cannot be
// read, is left for MapRequest too, which reports it.
func (s *Service) fetchPages(ctx context.Context, req *Request, c *TrustedClient, key string, read *int64, r *fhirReads) error {
	at := "prefetch." + key
	raw, ok := req.Prefetch[key]
	if !ok || isNull(raw) {
		return nil
	}
	b, faults, err := readBundle(raw, at)
	if err != nil || b.ResourceType != "Bundle" {
		return nil
	}
	for _, f := range faults {
		if f.key == "entry" || f.key == "link" {
			// The entries or the links cannot be read whole: the pages
			// cannot be put together, and MapRequest reports it.
			return nil
		}
	}
	next := b.next()
	matches := 0
	for e := range b.entries(at) {
		// An entry that cannot be read costs only itself: MapRequest
		// reports it in the Bundle of every page.
		if e.typ == "Condition" && e.match {
			matches++
		}
	}
	if next == "" && (b.Total == nil || *b.Total <= matches) {
		return nil
	}
	f, pid, err := s.fhirAccess(req, c, read)
	if err != nil {
		return fmt.Errorf("the %s Bundle is one page of several, and %w: not fetched", key, err)
	}
	var all json.RawMessage
	before := *read
	if next == "" {
		// No link to the rest: run the search again, whole, and keep the
		// client's entries beside its result, so that a Condition the
		// client sent and the server's search leaves out (another query,
		// a narrower token, not synced yet) still counts.
		query := conditionsQuery(f.base, pid)
		if key == PrefetchPastConditions {
			query = f.base + "/" + pastConditionsSearch(url.QueryEscape(pid))
		}
		all, err = f.pages(ctx, query, b.Entry, nil, 0, 0)
	} else {
		all, err = f.pages(ctx, next, b.Entry, b.Total, 1, 0)
	}
	if all != nil {
		req.Prefetch[key] = withFaults(all, faults)
	}
	r.fetched = r.fetched || err == nil || *read > before
	keepUnreadPage(req, key, err)
	switch {
	case err == nil:
	case key == PrefetchPastConditions:
		r.past = err
	default:
		r.conditions, r.paged = err, true
	}
	return nil
}

// withFaults returns bundle, the Bundle of every page of a search, with
// the parts of the client's first page that could not be read (faults,
// from readBundle: a total that is a string, an "Entry", a key given
// twice) added as they were sent, so that MapRequest reports each, and
// scans it for codes, as it would have in the first page. A fault of the
// entry or link list is not among them: see fetchPages.
func withFaults(bundle json.RawMessage, faults []bundleFault) json.RawMessage {
	if len(faults) == 0 {
		return bundle
	}
	out := bytes.TrimRight(bytes.Clone(bundle), " \n")
	out = out[:len(out)-1] // the closing brace
	for _, f := range faults {
		key, _ := json.Marshal(f.key)
		out = append(append(append(append(out, ','), key...), ':'), f.value...)
	}
	return append(out, '}')
}

// fhirFetcher reads from one FHIR server.
type fhirFetcher struct {
	http  *http.Client
	base  string
	token string
	// read counts the bytes the call has read from the server, shared by
	// every fetcher of one call: the 8 MiB bound is the call's.
	read *int64
}

// onServer reports whether u is on the fetcher's server: its base URL, or
// a path or query under it, with the same scheme and host and no user
// information.
func (f *fhirFetcher) onServer(u string) bool {
	if u != f.base && !strings.HasPrefix(u, f.base+"/") && !strings.HasPrefix(u, f.base+"?") {
		return false
	}
	pu, err1 := url.Parse(u)
	pb, err2 := url.Parse(f.base)
	if err1 != nil || err2 != nil || pu.User != nil || pu.Scheme != pb.Scheme || pu.Host != pb.Host {
		return false
	}
	// No dot segment, written plainly or escaped (Path is unescaped): a
	// server may resolve one, and leave the listed base on the same host.
	for _, seg := range strings.Split(pu.Path, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// get reads one resource as JSON from the fetcher's server, within the
// size limits, and never from another server.
func (f *fhirFetcher) get(ctx context.Context, u string) (json.RawMessage, error) {
	if !f.onServer(u) {
		return nil, errors.New("a link to another server: not followed")
	}
	limit := min(int64(maxFHIRBytes), maxFHIRTotal-*f.read)
	body, err := getLimited(ctx, f.http, u, limit, "application/fhir+json", "Bearer "+f.token)
	switch {
	case errors.Is(err, errTooLarge):
		return nil, errors.New("the response is over the size limit")
	case err != nil:
		return nil, readFailure(ctx, err)
	}
	*f.read += int64(len(body))
	if !json.Valid(body) {
		return nil, errors.New("the response is not JSON")
	}
	return body, nil
}

// readFailure says why a read with ctx failed with err, without the URL,
// which holds the patient's id: the call's budget ran out (its cause), the
// call ended, the server did not answer within fetchTimeout, or err
// itself.
func readFailure(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil {
		if errors.Is(cause, context.Canceled) {
			return errors.New("the call was cancelled")
		}
		return cause
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("no answer within %v", fetchTimeout)
	}
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// search reads a search (of Conditions, or of Observations) and its next
// pages into one Bundle with every entry and the first page's total. A
// first page that is not a Bundle (an OperationOutcome) is returned as it
// is, for MapRequest to answer.
func (f *fhirFetcher) search(ctx context.Context, u string) (json.RawMessage, error) {
	return f.pages(ctx, u, nil, nil, 0, 0)
}

// latest reads the first n entries of the search at u, a search sorted
// newest first: its pages, as search reads them, up to the one that
// brings the entries read to n, so that a server that pages at fewer
// than n still gives the n latest, and one with a long history is not
// read whole. The Bundle keeps the first page's total, which tells a
// reader that the search matched more.
func (f *fhirFetcher) latest(ctx context.Context, u string, n int) (json.RawMessage, error) {
	return f.pages(ctx, u, nil, nil, 0, n)
}

// pages reads the pages of a search from the page at u on, and joins them
// into one Bundle with every entry and the first page's total. read is
// the number of pages already had (0 for a new search); entries and total
// are their entries and the first one's total (for a new search, entries
// are kept before its own, and its total is the first page's). It follows the next links,
// each on the fetcher's server (see get), and reads at most
// MaxConditionPages pages, with at most MaxSearchEntries entries, in all,
// counting those already had: a search with more is an error, never cut
// short. When the first page of a new search is not a Bundle (an
// OperationOutcome), that page is returned as it is; a later page that is
// not a Bundle is an error.
//
// With enough > 0, it stops once it holds enough entries, without
// following the next link of the page that brought them (see latest).
//
// With an error, it returns the entries had and read before it as one
// Bundle, without a next link or total: what is known of the search, but
// not all of it (nil only when even that cannot be written).
func (f *fhirFetcher) pages(ctx context.Context, u string, entries []json.RawMessage, total *int, read, enough int) (json.RawMessage, error) {
	type link struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	}
	type page struct {
		ResourceType string            `json:"resourceType"`
		Total        *int              `json:"total,omitempty"`
		Link         []link            `json:"link,omitempty"`
		Entry        []json.RawMessage `json:"entry,omitempty"`
	}
	all := slices.Clip(entries)
	partial := func(err error) (json.RawMessage, error) {
		b, jerr := searchBundle(nil, all)
		if jerr != nil {
			return nil, errors.Join(err, jerr)
		}
		return b, err
	}
	for n := read; ; n++ {
		if n == MaxConditionPages {
			return partial(fmt.Errorf("more than %d pages", MaxConditionPages))
		}
		raw, err := f.get(ctx, u)
		if err != nil {
			return partial(err)
		}
		var p page
		if err := json.Unmarshal(raw, &p); err != nil {
			return partial(&unreadPageError{why: "the search result is not a Bundle", page: raw})
		}
		if p.ResourceType != "Bundle" {
			if n == 0 {
				return raw, nil
			}
			return partial(&unreadPageError{why: fmt.Sprintf("page %d of the search is not a Bundle", n+1), page: raw})
		}
		if n == 0 {
			total = p.Total
		}
		if len(all)+len(p.Entry) > MaxSearchEntries {
			return partial(fmt.Errorf("more than %d entries", MaxSearchEntries))
		}
		all = append(all, p.Entry...)
		if enough > 0 && len(all) >= enough {
			break
		}
		next := ""
		for _, l := range p.Link {
			if isNext(l.Relation) {
				next = l.URL
			}
		}
		if next == "" {
			break
		}
		u = next
	}
	return searchBundle(total, all)
}

// unreadPageError is the error of pages for a page of a search that
// could not be read as a Bundle. The page is kept (see keepUnreadPage),
// for MapRequest to scan for codes, as it scans a part of a prefetch
// that cannot be read: a red flag may be on it.
type unreadPageError struct {
	// why says what is wrong with the page, without its URL.
	why string
	// page is the page as read.
	page json.RawMessage
}

func (e *unreadPageError) Error() string { return e.why }

// keepUnreadPage keeps on req the page of err, when err is the error of
// a page of the search of the prefetch key that could not be read as a
// Bundle (an *unreadPageError), for MapRequest to scan.
func keepUnreadPage(req *Request, key string, err error) {
	var up *unreadPageError
	if !errors.As(err, &up) {
		return
	}
	if req.unreadPages == nil {
		req.unreadPages = map[string][]*unreadPageError{}
	}
	req.unreadPages[key] = append(req.unreadPages[key], up)
}

// searchBundle is the searchset Bundle of entries, with total when it is
// not nil.
func searchBundle(total *int, entries []json.RawMessage) (json.RawMessage, error) {
	if entries == nil {
		entries = []json.RawMessage{}
	}
	return json.Marshal(struct {
		ResourceType string            `json:"resourceType"`
		Type         string            `json:"type"`
		Total        *int              `json:"total,omitempty"`
		Entry        []json.RawMessage `json:"entry"`
	}{"Bundle", "searchset", total, entries})
}

// statusError is getLimited's error for a status other than 200.
type statusError int

func (e statusError) Error() string {
	if e >= 300 && e < 400 {
		// The service follows no redirect: another host could be behind it.
		return fmt.Sprintf("status %d, a redirect: not followed", int(e))
	}
	return fmt.Sprintf("status %d", int(e))
}

// errTooLarge is getLimited's error for a body over its limit.
var errTooLarge = errors.New("the body is over the size limit")

// getLimited GETs u with the client c, within fetchTimeout, sending accept
// and, when not "", auth as the Authorization header, and returns the
// body. A status other than 200 is a statusError ("status N"), and so is a
// body of more than limit bytes (errTooLarge). The FHIR reads and the
// jwks_uri fetch share it.
func getLimited(ctx context.Context, c *http.Client, u string, limit int64, accept, auth string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, errTooLarge
	}
	return body, nil
}
