package cdshooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
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
// access_token, and context.patientId is a FHIR id. Otherwise it returns
// an error saying why not.
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
// host. It reports whether it read anything; a failure leaves the key
// missing, so the call is a 412 as before, and is returned for the log.
//
// The pain scores, optional, are read the same way when they are missing
// (Observation?patient={id}&code=http://loinc.org|72514-3&_sort=date),
// but only from a server the service may read from anyway; when that
// read fails, an OperationOutcome takes their place, so that the call
// reports them unread rather than leaving them out in silence.
func (s *Service) fetchMissing(ctx context.Context, req *Request, c *TrustedClient, read *int64) (bool, error) {
	_, hasPatient := req.Prefetch[PrefetchPatient]
	_, hasConditions := req.Prefetch[PrefetchConditions]
	_, hasPain := req.Prefetch[PrefetchPainScores]
	needed := !hasPatient || !hasConditions // without them the call is a 412
	if !needed && hasPain || req.FHIRServer == "" {
		return false, nil
	}
	f, pid, err := s.fhirAccess(req, c, read)
	if err != nil {
		if !needed {
			// The pain scores alone are optional.
			return false, nil
		}
		return false, fmt.Errorf("%w: not fetched", err)
	}
	base := f.base
	if req.Prefetch == nil {
		req.Prefetch = map[string]json.RawMessage{}
	}
	fetched := false
	if !hasPatient {
		p, err := f.get(ctx, base+"/Patient/"+pid)
		if err != nil {
			return fetched, fmt.Errorf("reading the patient: %w", err)
		}
		req.Prefetch[PrefetchPatient] = p
		fetched = true
	}
	if !hasConditions {
		b, err := f.search(ctx, conditionsQuery(base, pid))
		if err != nil {
			return fetched, fmt.Errorf("searching the conditions: %w", err)
		}
		req.Prefetch[PrefetchConditions] = b
		fetched = true
	}
	if !hasPain {
		b, err := f.search(ctx, base+"/Observation?patient="+url.QueryEscape(pid)+"&code="+url.QueryEscape(loincSystem+"|"+loincPainCode)+"&_sort=date")
		if err != nil {
			req.Prefetch[PrefetchPainScores] = json.RawMessage(`{"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception"}]}`)
			return fetched, fmt.Errorf("searching the pain scores: %w", err)
		}
		req.Prefetch[PrefetchPainScores] = b
		fetched = true
	}
	return fetched, nil
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
// reports whether it read anything.
//
// A Bundle the service may not complete is left as it is, for MapRequest
// to answer with a 412, and the reason is returned for the log. When a
// read fails, the error is a *RequestError of status 412 that says why:
// a red flag may be on a page that could not be read, so the service
// never answers from the pages it has. A prefetch that is not a complete
// Bundle of valid JSON is left for MapRequest too, which reports it.
func (s *Service) fetchPages(ctx context.Context, req *Request, c *TrustedClient, read *int64) (bool, error) {
	const at = "prefetch." + PrefetchConditions
	raw, ok := req.Prefetch[PrefetchConditions]
	if !ok || isNull(raw) {
		return false, nil
	}
	var b fhirBundle
	if decodeAt(raw, at, &b) != nil || b.ResourceType != "Bundle" {
		return false, nil
	}
	next := b.next()
	matches := 0
	for e, err := range b.entries(at) {
		if err != nil {
			return false, nil
		}
		if e.typ == "Condition" && e.match {
			matches++
		}
	}
	if next == "" && (b.Total == nil || *b.Total <= matches) {
		return false, nil
	}
	f, pid, err := s.fhirAccess(req, c, read)
	if err != nil {
		return false, fmt.Errorf("the conditions Bundle is one page of several, and %w: not fetched", err)
	}
	var all json.RawMessage
	var first struct {
		Entry []json.RawMessage `json:"entry"`
	}
	if err = json.Unmarshal(raw, &first); err == nil {
		if next == "" {
			// No link to the rest: run the search again, whole, and keep
			// the client's entries beside its result, so that a Condition
			// the client sent and the server's search leaves out (another
			// query, a narrower token, not synced yet) still counts.
			all, err = f.pages(ctx, conditionsQuery(f.base, pid), first.Entry, nil, 0)
		} else {
			all, err = f.pages(ctx, next, first.Entry, b.Total, 1)
		}
	}
	if err != nil {
		return false, missingPrefetch(at, "the Bundle is one page of several, and the service could not read the rest from fhirServer: %s; "+
			"a red flag may be on another page, so it does not answer from this one", err)
	}
	req.Prefetch[PrefetchConditions] = all
	return true, nil
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
		// Without the URL, which holds the patient's id.
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, err
	}
	*f.read += int64(len(body))
	if !json.Valid(body) {
		return nil, errors.New("the response is not JSON")
	}
	return body, nil
}

// search reads a search (of Conditions, or of Observations) and its next
// pages into one Bundle with every entry and the first page's total. A
// first page that is not a Bundle (an OperationOutcome) is returned as it
// is, for MapRequest to answer.
func (f *fhirFetcher) search(ctx context.Context, u string) (json.RawMessage, error) {
	return f.pages(ctx, u, nil, nil, 0)
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
func (f *fhirFetcher) pages(ctx context.Context, u string, entries []json.RawMessage, total *int, read int) (json.RawMessage, error) {
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
	for n := read; ; n++ {
		if n == MaxConditionPages {
			return nil, fmt.Errorf("more than %d pages", MaxConditionPages)
		}
		raw, err := f.get(ctx, u)
		if err != nil {
			return nil, err
		}
		var p page
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, errors.New("the search result is not a Bundle")
		}
		if p.ResourceType != "Bundle" {
			if n == 0 {
				return raw, nil
			}
			return nil, fmt.Errorf("page %d of the search is not a Bundle", n+1)
		}
		if n == 0 {
			total = p.Total
		}
		if len(all)+len(p.Entry) > MaxSearchEntries {
			return nil, fmt.Errorf("more than %d entries", MaxSearchEntries)
		}
		all = append(all, p.Entry...)
		next := ""
		for _, l := range p.Link {
			if l.Relation == "next" {
				next = l.URL
			}
		}
		if next == "" {
			break
		}
		u = next
	}
	if all == nil {
		all = []json.RawMessage{}
	}
	return json.Marshal(struct {
		ResourceType string            `json:"resourceType"`
		Type         string            `json:"type"`
		Total        *int              `json:"total,omitempty"`
		Entry        []json.RawMessage `json:"entry"`
	}{"Bundle", "searchset", total, all})
}

// statusError is getLimited's error for a status other than 200.
type statusError int

func (e statusError) Error() string { return fmt.Sprintf("status %d", int(e)) }

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
