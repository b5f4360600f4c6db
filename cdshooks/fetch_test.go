package cdshooks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// fhirServer is an in-process FHIR server holding patient 1288992 (born
// 1925-12-23, as in the specification's example) with two active
// Conditions on two pages: disc herniation (ICD-10-CM M51.26) and, on the
// second page, a history of cancer (Z85.9 under the ICD-10-CM OID,
// without the dot), a red flag. It checks the bearer token, and counts
// the requests it gets.
type fhirServer struct {
	*httptest.Server
	hits atomic.Int32
	// nextTo, when set, is the next link of the first page; nextRelation,
	// when set, is its relation, written in place of "next", and the
	// first page then gives no total (which would tell a reader that
	// stopped there that it lacks some).
	nextTo       string
	nextRelation string
	// noPain, when set, makes the Observation search fail.
	noPain bool
	// past, when set, are the entries of the past Conditions search, and
	// pastStatus, when set, the status it fails with; pastNext, when set,
	// the next link of its first page, which fails.
	past       string
	pastStatus int
	pastNext   bool
	// painPages, when set, makes the Observation search hold 80 scores,
	// newest first, painPages a page; painHits counts its pages read.
	painPages int
	painHits  atomic.Int32
}

const fhirToken = "some-opaque-fhir-access-token"

func newFHIRServer(t *testing.T) *fhirServer {
	t.Helper()
	f := &fhirServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+fhirToken {
			http.Error(w, `{"resourceType": "OperationOutcome"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/fhir+json")
		base := "http://" + r.Host + "/r4"
		cond := func(id, system, code string) string {
			return fmt.Sprintf(`{"resource": {"resourceType": "Condition", "id": %q,
				"clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
				"code": {"coding": [{"system": %q, "code": %q}]},
				"subject": {"reference": "Patient/1288992"}}, "search": {"mode": "match"}}`, id, system, code)
		}
		switch {
		case r.URL.Path == "/r4/Condition" && r.URL.Query().Get("clinical-status") == "inactive,remission,resolved":
			if q := r.URL.Query(); q.Get("patient") != "1288992" || q.Get("_count") != strconv.Itoa(cdshooks.PastConditionsPageSize) {
				http.Error(w, "bad query", http.StatusBadRequest)
				return
			}
			if f.pastStatus != 0 {
				http.Error(w, `{"resourceType": "OperationOutcome"}`, f.pastStatus)
				return
			}
			link := ""
			if f.pastNext {
				link = fmt.Sprintf(`"link": [{"relation": "next", "url": %q}], `, base+"/Condition?page=fail")
			}
			fmt.Fprintf(w, `{"resourceType": "Bundle", "type": "searchset", %s"entry": [%s]}`, link, f.past)
		case r.URL.Path == "/r4/Patient/1288992":
			fmt.Fprint(w, `{"resourceType": "Patient", "id": "1288992", "gender": "male", "birthDate": "1925-12-23"}`)
		case r.URL.Path == "/r4/Condition" && r.URL.Query().Get("page") == "":
			// Recurrence and relapse are active too: in FHIR R4 they are
			// children of active, and a token search matches exactly.
			if r.URL.Query().Get("patient") != "1288992" || r.URL.Query().Get("clinical-status") != "active,recurrence,relapse" {
				http.Error(w, "bad query", http.StatusBadRequest)
				return
			}
			next := f.nextTo
			if next == "" {
				next = base + "/Condition?patient=1288992&clinical-status=active,recurrence,relapse&page=2"
			}
			rel, total := "next", `"total": 2, `
			if f.nextRelation != "" {
				rel, total = f.nextRelation, ""
			}
			fmt.Fprintf(w, `{"resourceType": "Bundle", "type": "searchset", %s
				"link": [{"relation": %q, "url": %q}], "entry": [%s]}`, total, rel, next, cond("c1", "http://hl7.org/fhir/sid/icd-10-cm", "M51.26"))
		case r.URL.Path == "/r4/Condition" && r.URL.Query().Get("page") == "2":
			fmt.Fprintf(w, `{"resourceType": "Bundle", "type": "searchset", "total": 2, "entry": [%s]}`,
				cond("c2", "urn:oid:2.16.840.1.113883.6.90", "Z859"))
		case r.URL.Path == "/r4/Observation":
			f.painHits.Add(1)
			score := func(date string, v int) string {
				return fmt.Sprintf(`{"resource": {"resourceType": "Observation", "status": "final",
					"code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
					"subject": {"reference": "Patient/1288992"}, "effectiveDateTime": %q,
					"valueInteger": %d}, "search": {"mode": "match"}}`, date, v)
			}
			if page := r.URL.Query().Get("page"); f.painPages > 0 && page != "" {
				// A later page of a server that pages at painPages.
				n, _ := strconv.Atoi(page)
				fmt.Fprint(w, painPage(f.painPages, n, base, score))
				return
			}
			// The latest scores, newest first: all a programme holds.
			if q := r.URL.Query(); q.Get("patient") != "1288992" || q.Get("code") != "http://loinc.org|72514-3" ||
				q.Get("_sort") != "-date" || q.Get("_count") != "52" {
				http.Error(w, "bad query", http.StatusBadRequest)
				return
			}
			if f.noPain {
				http.Error(w, `{"resourceType": "OperationOutcome"}`, http.StatusInternalServerError)
				return
			}
			if f.painPages > 0 {
				fmt.Fprint(w, painPage(f.painPages, 0, base, score))
				return
			}
			fmt.Fprintf(w, `{"resourceType": "Bundle", "type": "searchset", "total": 2, "entry": [%s, %s]}`,
				score("2026-11-16T09:00:00Z", 6), score("2026-11-23", 5))
		case r.URL.Path == "/r4/Condition" && r.URL.Query().Get("page") == "malformed":
			// A second page the service cannot read as a Bundle, with the
			// red flag on it.
			fmt.Fprintf(w, `{"resourceType": "Bundle", "type": "searchset", "total": "2", "entry": [%s]}`,
				cond("c2", "urn:oid:2.16.840.1.113883.6.90", "Z859"))
		case r.URL.Path == "/r4/Condition" && r.URL.Query().Get("page") == "bundl":
			fmt.Fprintf(w, `{"resourceType": "Bundl", "type": "searchset", "entry": [%s]}`,
				cond("c2", "urn:oid:2.16.840.1.113883.6.90", "Z859"))
		case r.URL.Path == "/r4/Condition" && r.URL.Query().Get("page") == "array":
			fmt.Fprintf(w, `[%s]`, cond("c2", "urn:oid:2.16.840.1.113883.6.90", "Z859"))
		case r.URL.Path == "/r4/Condition" && r.URL.Query().Get("page") == "fail":
			http.Error(w, `{"resourceType": "OperationOutcome"}`, http.StatusInternalServerError)
		case r.URL.Path == "/r4/Condition" && r.URL.Query().Get("page") == "many":
			// More entries than the service reads from one search.
			entries := make([]string, cdshooks.MaxSearchEntries)
			for i := range entries {
				entries[i] = cond(fmt.Sprintf("m%d", i), "http://hl7.org/fhir/sid/icd-10-cm", "M51.26")
			}
			fmt.Fprintf(w, `{"resourceType": "Bundle", "type": "searchset", "entry": [%s]}`, strings.Join(entries, ","))
		case r.URL.Path == "/r4/Condition" && r.URL.Query().Get("page") == "loop":
			// A server whose pages never end.
			fmt.Fprintf(w, `{"resourceType": "Bundle", "type": "searchset", "link": [{"relation": "next", "url": %q}], "entry": []}`,
				base+"/Condition?page=loop")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

// painPage is page n (from 0) of a pain-score search of 80 weekly
// scores, newest first, size a page, with a next link while scores
// remain.
func painPage(size, n int, base string, score func(string, int) string) string {
	const all = 80
	latest := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var entries []string
	for i := n * size; i < min((n+1)*size, all); i++ {
		entries = append(entries, score(latest.AddDate(0, 0, -7*i).Format(time.RFC3339), 3+i%4))
	}
	link := ""
	if (n+1)*size < all {
		link = fmt.Sprintf(`"link": [{"relation": "next", "url": %q}], `, base+"/Observation?page="+strconv.Itoa(n+1))
	}
	return fmt.Sprintf(`{"resourceType": "Bundle", "type": "searchset", "total": %d, %s"entry": [%s]}`, all, link, strings.Join(entries, ","))
}

// specRequest is the specification's example patient-view request
// (testdata/cdshooks/requests/spec-patient-view.json), with its
// fhirServer pointed at server.
func specRequest(t *testing.T, server string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(requestsDir, "spec-patient-view.json"))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.Replace(string(data), "http://hooks.smarthealthit.org:9080", server, 1))
}

// TestFetchFromFHIRServer checks that the specification's example request,
// which has no patient or conditions prefetch, gets cards from the data
// read from its fhirServer when the calling client listed that server,
// following the next link; and a 412 without a call to the server
// otherwise: an unlisted server, no trust file, no access token, a next
// link to another host, or more pages than the bound.
func TestFetchFromFHIRServer(t *testing.T) {
	listed := newFHIRServer(t)
	unlisted := newFHIRServer(t)
	env := newTrustEnv(t, func(f *cdshooks.TrustFile) {
		f.Clients[0].FHIRServers = []string{listed.URL + "/r4/"}
	})
	token := func() string {
		return "Bearer " + sign(t, tokenSpec{alg: jose.RS384, key: keys().rsa, kid: "rsa-1", claims: goodClaims(ehrIss, servicePath)})
	}
	noAuth := func(b []byte) []byte {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "fhirAuthorization")
		return mustJSON(t, m)
	}

	t.Run("listed server", func(t *testing.T) {
		var events []cdshooks.Event
		svc := trustedService(t, env, cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
		before := listed.hits.Load()
		rec := callWith(t, svc, servicePath, token(), specRequest(t, listed.URL+"/r4"))
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if got := listed.hits.Load() - before; got != 5 {
			t.Errorf("the FHIR server got %d requests, want 5 (the Patient, two pages of Conditions, the past Conditions and the pain scores)", got)
		}
		if len(events) != 1 || !events[0].Fetched || events[0].Outcome != cdshooks.OutcomeCards {
			t.Fatalf("events %+v: want one, fetched, with cards", events)
		}
		// The red flag on the second page, coded under the OID without
		// the dot, gives an urgent referral.
		if !slices.Contains(events[0].Urgencies, recommend.UrgencyUrgent) || !slices.Contains(events[0].Rules, "red-flag-cancer-history") {
			t.Errorf("urgencies %v, rules %v: want the urgent referral of history_of_cancer", events[0].Urgencies, events[0].Rules)
		}
	})

	// A next link whose relation is written in capitals is a next link
	// (RFC 8288 compares relation types without case): the second page,
	// with the red flag, is read, though the first gives no total.
	t.Run("listed server, relation Next", func(t *testing.T) {
		listed.nextRelation = "Next"
		defer func() { listed.nextRelation = "" }()
		var events []cdshooks.Event
		svc := trustedService(t, env, cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
		rec := callWith(t, svc, servicePath, token(), specRequest(t, listed.URL+"/r4"))
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if len(events) != 1 || !slices.Contains(events[0].Rules, "red-flag-cancer-history") {
			t.Errorf("events %+v: want the referral of history_of_cancer, on the second page", events)
		}
	})

	// The pain scores read from the server are used (the red flag leaves
	// no programme, so no trend card); when their search fails, a card
	// says the trend was not assessed, and the referral stands.
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("pain scores, search fails %v", fail), func(t *testing.T) {
			listed.noPain = fail
			defer func() { listed.noPain = false }()
			rec := callWith(t, trustedService(t, env), servicePath, token(), specRequest(t, listed.URL+"/r4"))
			resp := okResponse(t, rec)
			var summaries []string
			for _, c := range resp.Cards {
				if c.Source.Topic != nil && (c.Source.Topic.Code == "pain-trend" || c.Source.Topic.Code == "referral") {
					summaries = append(summaries, c.Summary)
				}
			}
			want := []string{"Urgent: New back pain in a patient with a history of cancer; assess within days for spinal metastases."}
			if fail {
				want = append(want, "Some pain scores could not be read: check the pain trend on the chart")
			}
			if got := resp.Extension != nil && len(resp.Extension.UnreadPainScores) > 0; got != fail {
				t.Errorf("extension %+v: unread pain scores %v, want %v", resp.Extension, got, fail)
			}
			if diff := cmp.Diff(want, summaries); diff != "" {
				t.Errorf("referral and pain cards (-want +got):\n%s", diff)
			}
		})
	}

	// A server that pages the pain scores at fewer than the 52 latest:
	// the pages that hold them are read, and no more, and the scores are
	// all a programme holds (no card says some could not be read).
	for _, size := range []int{20, 52, 60} {
		t.Run(fmt.Sprintf("pain scores paged at %d", size), func(t *testing.T) {
			listed.painPages = size
			defer func() { listed.painPages = 0 }()
			before := listed.painHits.Load()
			rec := callWith(t, trustedService(t, env), servicePath, token(), specRequest(t, listed.URL+"/r4"))
			resp := okResponse(t, rec)
			if resp.Extension != nil && len(resp.Extension.UnreadPainScores) > 0 {
				t.Errorf("unread pain scores %+v; want the 52 latest read", resp.Extension.UnreadPainScores)
			}
			if got, want := listed.painHits.Load()-before, int32((52+size-1)/size); got != want {
				t.Errorf("%d pages of pain scores read, want %d", got, want)
			}
		})
	}

	refused := []struct {
		name  string
		svc   func() http.Handler
		auth  func() string
		body  func() []byte
		fhir  *fhirServer
		setup func()
	}{
		{name: "unlisted server", svc: func() http.Handler { return trustedService(t, env) }, auth: token,
			body: func() []byte { return specRequest(t, unlisted.URL+"/r4") }, fhir: unlisted},
		{name: "listed host, other base path", svc: func() http.Handler { return trustedService(t, env) }, auth: token,
			body: func() []byte { return specRequest(t, listed.URL+"/other") }, fhir: listed},
		{name: "no trust file", svc: func() http.Handler { return newService(t) }, auth: func() string { return "" },
			body: func() []byte { return specRequest(t, listed.URL+"/r4") }, fhir: listed},
		{name: "no fhirAuthorization", svc: func() http.Handler { return trustedService(t, env) }, auth: token,
			body: func() []byte { return noAuth(specRequest(t, listed.URL+"/r4")) }, fhir: listed},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.fhir.hits.Load()
			rec := callWith(t, tt.svc(), servicePath, tt.auth(), tt.body())
			if rec.Code != http.StatusPreconditionFailed {
				t.Errorf("status %d, want 412: %s", rec.Code, rec.Body)
			}
			if got := tt.fhir.hits.Load() - before; got != 0 {
				t.Errorf("the FHIR server got %d requests, want none", got)
			}
		})
	}

	t.Run("next link to another host", func(t *testing.T) {
		listed.nextTo = unlisted.URL + "/r4/Condition?page=2"
		defer func() { listed.nextTo = "" }()
		before := unlisted.hits.Load()
		rec := callWith(t, trustedService(t, env), servicePath, token(), specRequest(t, listed.URL+"/r4"))
		if rec.Code != http.StatusPreconditionFailed {
			t.Errorf("status %d, want 412: %s", rec.Code, rec.Body)
		}
		if got := unlisted.hits.Load() - before; got != 0 {
			t.Errorf("the other host got %d requests, want none", got)
		}
	})

	t.Run("pages without end", func(t *testing.T) {
		listed.nextTo = listed.URL + "/r4/Condition?page=loop"
		defer func() { listed.nextTo = "" }()
		before := listed.hits.Load()
		rec := callWith(t, trustedService(t, env), servicePath, token(), specRequest(t, listed.URL+"/r4"))
		if rec.Code != http.StatusPreconditionFailed {
			t.Errorf("status %d, want 412: %s", rec.Code, rec.Body)
		}
		if diff := cmp.Diff(int32(1+cdshooks.MaxConditionPages+1), listed.hits.Load()-before); diff != "" {
			t.Errorf("requests (the Patient, the bound of pages and the past Conditions) (-want +got):\n%s", diff)
		}
	})
}

// newService is a service of the default rules without a trust file.
func newService(t *testing.T, opts ...cdshooks.Option) *cdshooks.Service {
	eng := defaultEngine(t)
	return cdshooks.NewService(func() *recommend.Engine { return eng }, append([]cdshooks.Option{cdshooks.WithClock(clock), quiet}, opts...)...)
}

// pagedRequest is a request whose conditions prefetch is the first page
// of a search: disc herniation (M51.26), with next as its next link
// (none when "") and total, when not 0, as its total. Its fhirServer is
// server, with the FHIR access token fhirToken, and its painScores
// prefetch is null, so that only the conditions may be read.
func pagedRequest(t *testing.T, server, next string, total int) []byte {
	t.Helper()
	bundle := map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": []any{map[string]any{
		"resource": map[string]any{"resourceType": "Condition", "id": "c1",
			"clinicalStatus": map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}}},
			"code":           map[string]any{"coding": []any{map[string]any{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M51.26"}}},
			"subject":        map[string]any{"reference": "Patient/1288992"}},
		"search": map[string]any{"mode": "match"}}}}
	if next != "" {
		bundle["link"] = []any{map[string]any{"relation": "next", "url": next}}
	}
	if total != 0 {
		bundle["total"] = total
	}
	return mustJSON(t, map[string]any{
		"hook": "patient-view", "hookInstance": "5b1e0f3a-8c2d-4e6f-9a7b-1c2d3e4f5a6b",
		"fhirServer":        server,
		"fhirAuthorization": map[string]any{"access_token": fhirToken, "token_type": "Bearer", "expires_in": 300, "scope": "user/Condition.read", "subject": "backrules"},
		"context":           map[string]any{"userId": "Practitioner/example", "patientId": "1288992"},
		"prefetch": map[string]any{
			"patient":        map[string]any{"resourceType": "Patient", "id": "1288992", "birthDate": "1980-05-02"},
			"conditions":     bundle,
			"pastConditions": nil,
			"painScores":     nil,
		},
	})
}

// TestFetchPrefetchPages checks that a prefetched conditions Bundle that
// is one page of several (a next link, or a total greater than the
// Conditions it holds) is completed from the request's fhirServer when
// the calling client listed that server: every page is used, so that the
// red flag on the second page gives its referral. When the service may
// not read from the server it stays a 412 without a call to the server,
// and when a read fails it is a 412 that says why: a list of conditions
// that may lack a red flag is never read as complete. The FHIR access
// token is never logged.
func TestFetchPrefetchPages(t *testing.T) {
	listed := newFHIRServer(t)
	other := newFHIRServer(t)
	env := newTrustEnv(t, func(f *cdshooks.TrustFile) {
		f.Clients[0].FHIRServers = []string{listed.URL + "/r4"}
	})
	token := func() string {
		return "Bearer " + sign(t, tokenSpec{alg: jose.RS384, key: keys().rsa, kid: "rsa-1", claims: goodClaims(ehrIss, servicePath)})
	}
	page2 := listed.URL + "/r4/Condition?patient=1288992&page=2"
	const cannot = "the Bundle is one page of several (it has a next link): the service cannot fetch the rest, and a red flag may be on another page; send every active condition in one Bundle"
	failed := func(why string) string {
		return "the Bundle is one page of several, and the service could not read the rest from fhirServer: " + why +
			"; a red flag may be on another page, so it does not answer from this one"
	}
	type outcome struct {
		Status  int
		Error   string // of a 412
		Hits    int32  // requests to the server read from
		Urgent  bool   // the urgent referral of history_of_cancer, on the second page
		Fetched bool   // the event says the data was read from the server
	}
	tests := []struct {
		name    string
		trusted bool
		body    []byte
		server  *fhirServer // the server whose requests are counted
		want    outcome
	}{
		{name: "next link followed", trusted: true, body: pagedRequest(t, listed.URL+"/r4", page2, 2), server: listed,
			want: outcome{Status: 200, Hits: 1, Urgent: true, Fetched: true}},
		{name: "next link, no total", trusted: true, body: pagedRequest(t, listed.URL+"/r4/", page2, 0), server: listed,
			want: outcome{Status: 200, Hits: 1, Urgent: true, Fetched: true}},
		{name: "total greater than the entries, no next link: the search is run again", trusted: true,
			body: pagedRequest(t, listed.URL+"/r4", "", 2), server: listed,
			want: outcome{Status: 200, Hits: 2, Urgent: true, Fetched: true}},
		{name: "no trust file", body: pagedRequest(t, listed.URL+"/r4", page2, 2), server: listed,
			want: outcome{Status: 412, Error: cannot}},
		{name: "server not listed", trusted: true, body: pagedRequest(t, other.URL+"/r4", other.URL+"/r4/Condition?page=2", 2), server: other,
			want: outcome{Status: 412, Error: cannot}},
		{name: "no fhirAuthorization", trusted: true, server: listed, body: func() []byte {
			var m map[string]any
			if err := json.Unmarshal(pagedRequest(t, listed.URL+"/r4", page2, 2), &m); err != nil {
				t.Fatal(err)
			}
			delete(m, "fhirAuthorization")
			return mustJSON(t, m)
		}(), want: outcome{Status: 412, Error: cannot}},
		{name: "next link to another host", trusted: true, body: pagedRequest(t, listed.URL+"/r4", other.URL+"/r4/Condition?page=2", 2), server: other,
			want: outcome{Status: 412, Error: failed("a link to another server: not followed")}},
		{name: "next link outside the listed base", trusted: true, body: pagedRequest(t, listed.URL+"/r4", listed.URL+"/r4x/Condition?page=2", 2), server: listed,
			want: outcome{Status: 412, Error: failed("a link to another server: not followed")}},
		{name: "next link with dot segments", trusted: true, body: pagedRequest(t, listed.URL+"/r4", listed.URL+"/r4/../admin/Condition?page=2", 2), server: listed,
			want: outcome{Status: 412, Error: failed("a link to another server: not followed")}},
		{name: "next link with escaped dot segments", trusted: true, body: pagedRequest(t, listed.URL+"/r4", listed.URL+"/r4/%2e%2e/admin/Condition?page=2", 2), server: listed,
			want: outcome{Status: 412, Error: failed("a link to another server: not followed")}},
		{name: "next page fails", trusted: true, body: pagedRequest(t, listed.URL+"/r4", listed.URL+"/r4/Condition?page=fail", 2), server: listed,
			want: outcome{Status: 412, Error: failed("status 500"), Hits: 1}},
		{name: "pages without end", trusted: true, body: pagedRequest(t, listed.URL+"/r4", listed.URL+"/r4/Condition?page=loop", 0), server: listed,
			want: outcome{Status: 412, Error: failed(fmt.Sprintf("more than %d pages", cdshooks.MaxConditionPages)), Hits: cdshooks.MaxConditionPages - 1, Fetched: true}},
		{name: "too many entries", trusted: true, body: pagedRequest(t, listed.URL+"/r4", listed.URL+"/r4/Condition?page=many", 0), server: listed,
			want: outcome{Status: 412, Error: failed(fmt.Sprintf("more than %d entries", cdshooks.MaxSearchEntries)), Hits: 1, Fetched: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs strings.Builder
			var events []cdshooks.Event
			opts := []cdshooks.Option{
				cdshooks.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
				cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }),
			}
			var svc http.Handler
			auth := ""
			if tt.trusted {
				svc, auth = trustedService(t, env, opts...), token()
			} else {
				svc = newService(t, opts...)
			}
			before := tt.server.hits.Load()
			rec := callWith(t, svc, servicePath, auth, tt.body)
			got := outcome{Status: rec.Code, Hits: tt.server.hits.Load() - before}
			if rec.Code != http.StatusOK {
				e := decodeError(t, rec)
				got.Error = e.Error
				if e.Field != "prefetch.conditions" {
					t.Errorf("field %q, want prefetch.conditions", e.Field)
				}
			}
			if len(events) != 1 {
				t.Fatalf("%d events, want 1", len(events))
			}
			got.Urgent = slices.Contains(events[0].Urgencies, recommend.UrgencyUrgent) && slices.Contains(events[0].Rules, "red-flag-cancer-history")
			got.Fetched = events[0].Fetched
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			if strings.Contains(logs.String(), fhirToken) {
				t.Errorf("the FHIR access token is logged:\n%s", logs.String())
			}
		})
	}
}

// TestFetchRerunKeepsClientEntries checks that when a conditions Bundle
// says it matched more than it holds and has no next link, the search run
// again on the client's FHIR server adds to the client's entries and does
// not replace them: a red flag the client sent (cauda equina syndrome,
// G83.4) that the server's search does not return still counts.
func TestFetchRerunKeepsClientEntries(t *testing.T) {
	listed := newFHIRServer(t)
	env := newTrustEnv(t, func(f *cdshooks.TrustFile) {
		f.Clients[0].FHIRServers = []string{listed.URL + "/r4"}
	})
	var events []cdshooks.Event
	svc := trustedService(t, env, cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
	body := bytes.Replace(pagedRequest(t, listed.URL+"/r4", "", 3), []byte(`"M51.26"`), []byte(`"G83.4"`), 1)
	auth := "Bearer " + sign(t, tokenSpec{alg: jose.RS384, key: keys().rsa, kid: "rsa-1", claims: goodClaims(ehrIss, servicePath)})
	rec := callWith(t, svc, servicePath, auth, body)
	if rec.Code != http.StatusOK || len(events) != 1 {
		t.Fatalf("status %d, %d events; want 200 and 1:\n%s", rec.Code, len(events), rec.Body)
	}
	for _, rule := range []string{"red-flag-known-serious-spinal-condition", "red-flag-cancer-history"} {
		if !slices.Contains(events[0].Rules, rule) {
			t.Errorf("rules %v lack %s: the client's entry (G83.4) or the server's (Z85.9) was not read", events[0].Rules, rule)
		}
	}
}

// TestFetchPagesPastAnUnreadablePart checks that a first page with a part
// that cannot be read (a total that is a string, an "Entry" in the wrong
// case, an entry with a key given twice) is still completed from the
// client's fhirServer: the part costs only itself, so the red flag on the
// second page (a history of cancer, Z85.9) gives its referral, beside the
// warning card and the part listed under unread-conditions. The part used
// to stop the paging, and the call was a 400 that hid the second page.
func TestFetchPagesPastAnUnreadablePart(t *testing.T) {
	listed := newFHIRServer(t)
	env := newTrustEnv(t, func(f *cdshooks.TrustFile) {
		f.Clients[0].FHIRServers = []string{listed.URL + "/r4"}
	})
	page2 := listed.URL + "/r4/Condition?patient=1288992&page=2"
	const unreadCard = "Not every active condition could be read: exercise advice withheld; check the chart for red flags"
	tests := []struct {
		name, old, new string
		unread         string // the path listed under unread-conditions
	}{
		{"a total that is a string", `"total":2`, `"total":"2"`, "prefetch.conditions.total"},
		{"Entry beside entry", `"entry":[`, `"Entry":[],"entry":[`, "prefetch.conditions.Entry"},
		{"an entry with a key given twice", `"entry":[`, `"entry":[{"resource": {"resourceType": "Condition", "code": {}, "code": {}}},`, "prefetch.conditions.entry[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events []cdshooks.Event
			svc := trustedService(t, env, cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
			auth := "Bearer " + sign(t, tokenSpec{alg: jose.RS384, key: keys().rsa, kid: "rsa-1", claims: goodClaims(ehrIss, servicePath)})
			body := bytes.Replace(pagedRequest(t, listed.URL+"/r4", page2, 2), []byte(tt.old), []byte(tt.new), 1)
			before := listed.hits.Load()
			rec := callWith(t, svc, servicePath, auth, body)
			if rec.Code != http.StatusOK || len(events) != 1 {
				t.Fatalf("status %d, %d events; want 200 and 1:\n%s", rec.Code, len(events), rec.Body)
			}
			if hits := listed.hits.Load() - before; hits != 1 {
				t.Errorf("%d requests to the FHIR server, want 1 (the second page)", hits)
			}
			if !slices.Contains(events[0].Rules, "red-flag-cancer-history") {
				t.Errorf("rules %v lack red-flag-cancer-history: the second page was not read", events[0].Rules)
			}
			var resp cdshooks.Response
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(resp.Cards, func(c cdshooks.Card) bool { return c.Summary == unreadCard }) {
				t.Errorf("no card %q", unreadCard)
			}
			var unread []string
			if resp.Extension != nil {
				unread = entriesOf(resp.Extension.UnreadConditions)
			}
			if !slices.Contains(unread, tt.unread) {
				t.Errorf("unread conditions %q lack %s", unread, tt.unread)
			}
		})
	}
}

// TestFetchNotForAPatientIdGivenTwice checks that a context whose
// patientId is given twice with different values, which MapRequest
// refuses, reads nothing from the client's fhirServer: whose data it would
// be cannot be told.
func TestFetchNotForAPatientIdGivenTwice(t *testing.T) {
	listed := newFHIRServer(t)
	env := newTrustEnv(t, func(f *cdshooks.TrustFile) {
		f.Clients[0].FHIRServers = []string{listed.URL + "/r4"}
	})
	svc := trustedService(t, env)
	auth := "Bearer " + sign(t, tokenSpec{alg: jose.RS384, key: keys().rsa, kid: "rsa-1", claims: goodClaims(ehrIss, servicePath)})
	body := bytes.Replace(pagedRequest(t, listed.URL+"/r4", "", 0), []byte(`"patientId":"1288992"`), []byte(`"patientId":"other","patientId":"1288992"`), 1)
	body = bytes.Replace(body, []byte(`"patient":{`), []byte(`"x":{`), 1) // the patient prefetch missing
	if !bytes.Contains(body, []byte(`"patientId":"other"`)) || bytes.Contains(body, []byte(`"patient":{`)) {
		t.Fatalf("the request was not rewritten: %s", body)
	}
	before := listed.hits.Load()
	rec := callWith(t, svc, servicePath, auth, body)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status %d, want 400: %s", rec.Code, rec.Body)
	}
	if hits := listed.hits.Load() - before; hits != 0 {
		t.Errorf("%d requests to the FHIR server, want none", hits)
	}
}

// TestFetchedPageThatCannotBeReadIsScanned checks a page read from the
// client's fhirServer that cannot be read as a Bundle (a total that is a
// string, a resourceType "Bundl", an array of entries): it is scanned for
// codes, as a part of a prefetch that cannot be read is, so the red flag
// on it (a history of cancer, Z85.9) gives its referral, beside the
// warning card, and it is listed under unread-conditions with the code
// counted. The page used to be dropped unread, and with no referral on
// the first page, the call was a 412.
func TestFetchedPageThatCannotBeReadIsScanned(t *testing.T) {
	listed := newFHIRServer(t)
	env := newTrustEnv(t, func(f *cdshooks.TrustFile) {
		f.Clients[0].FHIRServers = []string{listed.URL + "/r4"}
	})
	const unreadCard = "Not every active condition could be read: exercise advice withheld; check the chart for red flags"
	type outcome struct {
		Status int
		Rule   bool     // red-flag-cancer-history, of the second page, fired
		Card   bool     // the warning card
		Unread []string // the entries of unread-conditions, each with its codes
	}
	want := outcome{Status: 200, Rule: true, Card: true, Unread: []string{"prefetch.conditions", "prefetch.conditions Z859"}}
	for _, page := range []string{"malformed", "bundl", "array"} {
		t.Run(page, func(t *testing.T) {
			var events []cdshooks.Event
			svc := trustedService(t, env, cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
			auth := "Bearer " + sign(t, tokenSpec{alg: jose.RS384, key: keys().rsa, kid: "rsa-1", claims: goodClaims(ehrIss, servicePath)})
			rec := callWith(t, svc, servicePath, auth, pagedRequest(t, listed.URL+"/r4", listed.URL+"/r4/Condition?page="+page, 2))
			got := outcome{Status: rec.Code}
			if rec.Code == http.StatusOK {
				var resp cdshooks.Response
				if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
					t.Fatal(err)
				}
				got.Card = slices.ContainsFunc(resp.Cards, func(c cdshooks.Card) bool { return c.Summary == unreadCard })
				if resp.Extension != nil {
					for _, n := range resp.Extension.UnreadConditions {
						e := n.Entry
						for _, cd := range n.Codes {
							e += " " + cd.Code
						}
						got.Unread = append(got.Unread, e)
					}
				}
			}
			if len(events) == 1 {
				got.Rule = slices.Contains(events[0].Rules, "red-flag-cancer-history")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
		})
	}
}
