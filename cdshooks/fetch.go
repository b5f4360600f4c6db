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
	"strings"
)

// Bounds on reading from a client's FHIR server.
const (
	// MaxConditionPages is the most pages of a Condition search the
	// service follows; a search with more is a 412.
	MaxConditionPages = 10
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

// fetchMissing fills the patient and conditions prefetch keys that the
// request lacks by reading them from its fhirServer with its
// fhirAuthorization token: Patient/{id}, and
// Condition?patient={id}&clinical-status=active with its next pages (at
// most MaxConditionPages, each on the same server). It does so only when
// the calling client is trusted and listed fhirServer in its
// fhir_servers: the service never calls another host. It reports whether
// it read anything; a failure leaves the key missing, so the call is a
// 412 as before, and is returned for the log.
//
// The pain scores, optional, are read the same way when they are missing
// (Observation?patient={id}&code=http://loinc.org|72514-3&_sort=date),
// but only from a server the service may read from anyway; when that
// read fails, an OperationOutcome takes their place, so that the call
// reports them unread rather than leaving them out in silence.
func (s *Service) fetchMissing(ctx context.Context, req *Request, c *TrustedClient) (bool, error) {
	_, hasPatient := req.Prefetch[PrefetchPatient]
	_, hasConditions := req.Prefetch[PrefetchConditions]
	_, hasPain := req.Prefetch[PrefetchPainScores]
	needed := !hasPatient || !hasConditions // without them the call is a 412
	if !needed && hasPain || req.FHIRServer == "" {
		return false, nil
	}
	// notFetched is the error when the server may not be read: for the
	// pain scores alone, which are optional, none.
	notFetched := func(why string) error {
		if !needed {
			return nil
		}
		return errors.New(why)
	}
	if s.trust == nil || !c.allowsFHIRServer(req.FHIRServer) {
		return false, notFetched("fhirServer is not one of the calling client's fhir_servers: not fetched")
	}
	var auth fhirAuthorization
	if len(req.FHIRAuthorization) == 0 || json.Unmarshal(req.FHIRAuthorization, &auth) != nil ||
		auth.AccessToken == "" || !strings.EqualFold(auth.TokenType, "Bearer") {
		return false, notFetched("no fhirAuthorization Bearer access_token: not fetched")
	}
	var pid string
	if raw, ok := req.Context["patientId"]; !ok || json.Unmarshal(raw, &pid) != nil || !fhirID.MatchString(pid) {
		return false, notFetched("context.patientId is not a FHIR id: not fetched")
	}
	base := strings.TrimSuffix(req.FHIRServer, "/")
	f := &fhirFetcher{http: s.trust.http, base: base, token: auth.AccessToken}
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
		b, err := f.search(ctx, base+"/Condition?patient="+url.QueryEscape(pid)+"&clinical-status=active")
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

// fhirFetcher reads from one FHIR server.
type fhirFetcher struct {
	http  *http.Client
	base  string
	token string
	read  int64
}

// get reads one resource as JSON, within the size limits.
func (f *fhirFetcher) get(ctx context.Context, u string) (json.RawMessage, error) {
	if u != f.base && !strings.HasPrefix(u, f.base+"/") && !strings.HasPrefix(u, f.base+"?") {
		return nil, errors.New("a link to another server: not followed")
	}
	limit := min(int64(maxFHIRBytes), maxFHIRTotal-f.read)
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
	f.read += int64(len(body))
	if !json.Valid(body) {
		return nil, errors.New("the response is not JSON")
	}
	return body, nil
}

// search reads a search (of Conditions, or of Observations) and its next
// pages into one Bundle with every entry and the first page's total. A
// page that is not a Bundle (an OperationOutcome) is returned as it is,
// for MapRequest to answer.
func (f *fhirFetcher) search(ctx context.Context, u string) (json.RawMessage, error) {
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
	var all []json.RawMessage
	var total *int
	for n := 0; ; n++ {
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
			return raw, nil
		}
		if n == 0 {
			total = p.Total
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
