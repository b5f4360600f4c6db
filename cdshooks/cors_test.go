package cdshooks_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backrules/backrules/cdshooks"
	"github.com/google/go-cmp/cmp"
)

// TestCORS checks the preflight of each CDS route and the headers of the
// answer itself: discovery for any origin; the service and feedback for
// any origin without a trust file or when it lists no origins, and only
// for the listed origins when it does.
func TestCORS(t *testing.T) {
	open := newService(t)
	listing := trustedService(t, newTrustEnv(t, func(f *cdshooks.TrustFile) {
		f.Clients[0].Origins = []string{"https://ehr.example.org"}
	}))
	// Origins written another way than a browser writes them: the host
	// in capitals, the default port, an IPv6 address.
	writtenOtherwise := trustedService(t, newTrustEnv(t, func(f *cdshooks.TrustFile) {
		f.Clients[0].Origins = []string{"HTTPS://EHR.Example.org:443", "http://localhost:80", "http://[::1]:8080"}
	}))
	type headers struct {
		Status                            int
		Allow, Origin, Methods, AllowHdrs string
		Vary                              string
	}
	allowed := func(origin, methods string) headers {
		return headers{Status: 204, Allow: methods, Origin: origin, Methods: methods, AllowHdrs: "Authorization, Content-Type", Vary: "Origin"}
	}
	tests := []struct {
		name, path, origin string
		svc                http.Handler
		want               headers
	}{
		{"discovery, any origin", "/cds-services", "https://sandbox.cds-hooks.org", open, allowed("https://sandbox.cds-hooks.org", "GET, HEAD, OPTIONS")},
		{"discovery, origins listed", "/cds-services", "https://sandbox.cds-hooks.org", listing, allowed("https://sandbox.cds-hooks.org", "GET, HEAD, OPTIONS")},
		{"service without trust", "/cds-services/backrules", "https://sandbox.cds-hooks.org", open, allowed("https://sandbox.cds-hooks.org", "POST, OPTIONS")},
		{"feedback without trust", cdshooks.FeedbackPath, "https://sandbox.cds-hooks.org", open, allowed("https://sandbox.cds-hooks.org", "POST, OPTIONS")},
		{"service, a listed origin", "/cds-services/backrules", "https://ehr.example.org", listing, allowed("https://ehr.example.org", "POST, OPTIONS")},
		{"service, an origin not listed", "/cds-services/backrules", "https://sandbox.cds-hooks.org", listing,
			headers{Status: 204, Allow: "POST, OPTIONS", Vary: "Origin"}},
		{"feedback, an origin not listed", cdshooks.FeedbackPath, "https://evil.example.net", listing,
			headers{Status: 204, Allow: "POST, OPTIONS", Vary: "Origin"}},
		{"no Origin", "/cds-services/backrules", "", open, headers{Status: 204, Allow: "POST, OPTIONS"}},
		{"service, a listed origin written in capitals with its default port", "/cds-services/backrules", "https://ehr.example.org", writtenOtherwise,
			allowed("https://ehr.example.org", "POST, OPTIONS")},
		{"service, a listed http origin written with port 80", "/cds-services/backrules", "http://localhost", writtenOtherwise,
			allowed("http://localhost", "POST, OPTIONS")},
		{"service, a listed IPv6 origin", "/cds-services/backrules", "http://[::1]:8080", writtenOtherwise,
			allowed("http://[::1]:8080", "POST, OPTIONS")},
		{"service, another port of a listed host", "/cds-services/backrules", "https://ehr.example.org:8443", writtenOtherwise,
			headers{Status: 204, Allow: "POST, OPTIONS", Vary: "Origin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodOptions, tt.path, nil)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			rec := httptest.NewRecorder()
			tt.svc.ServeHTTP(rec, req)
			h := rec.Header()
			got := headers{Status: rec.Code, Allow: h.Get("Allow"), Origin: h.Get("Access-Control-Allow-Origin"),
				Methods: h.Get("Access-Control-Allow-Methods"), AllowHdrs: h.Get("Access-Control-Allow-Headers"), Vary: h.Get("Vary")}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("preflight (-want +got):\n%s", diff)
			}
		})
	}

	// The answer itself carries the origin, so that the page can read it,
	// even a 401.
	req := httptest.NewRequest(http.MethodPost, "/cds-services/backrules", nil)
	req.Header.Set("Origin", "https://ehr.example.org")
	rec := httptest.NewRecorder()
	listing.ServeHTTP(rec, req)
	if rec.Code != 401 || rec.Header().Get("Access-Control-Allow-Origin") != "https://ehr.example.org" ||
		rec.Header().Get("Access-Control-Expose-Headers") != "WWW-Authenticate" {
		t.Errorf("POST from a listed origin without a token: status %d, headers %v", rec.Code, rec.Header())
	}
}

// TestRequireJSON checks WithRequireJSON: a service or feedback call not
// sent as JSON is a 415 in the service's JSON error, with the CORS
// headers of its other answers and an event like its other refusals; a
// call sent as JSON goes on.
func TestRequireJSON(t *testing.T) {
	const origin = "https://sandbox.cds-hooks.org"
	type answer struct {
		Status      int
		Error       string
		AllowOrigin string
		Outcome     string
	}
	tests := []struct {
		name, path, contentType string
		want                    answer
	}{
		{"service, text/plain", servicePath, "text/plain",
			answer{415, "the request body must be sent as Content-Type: application/json", origin, cdshooks.OutcomeBadRequest}},
		{"service, no Content-Type", servicePath, "",
			answer{415, "the request body must be sent as Content-Type: application/json", origin, cdshooks.OutcomeBadRequest}},
		{"feedback, a form", cdshooks.FeedbackPath, "application/x-www-form-urlencoded",
			answer{415, "the request body must be sent as Content-Type: application/json", origin, cdshooks.OutcomeBadRequest}},
		{"service, JSON with parameters", servicePath, "application/json; charset=utf-8",
			answer{400, "invalid JSON: the text ends before the JSON value does", origin, cdshooks.OutcomeBadRequest}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events []cdshooks.Event
			svc := newService(t, cdshooks.WithRequireJSON(nil),
				cdshooks.WithEvents(func(_ context.Context, e cdshooks.Event) { events = append(events, e) }))
			req := httptest.NewRequest(http.MethodPost, tt.path, strings.NewReader("{"))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			req.Header.Set("Origin", origin)
			rec := httptest.NewRecorder()
			svc.ServeHTTP(rec, req)
			got := answer{Status: rec.Code, Error: decodeError(t, rec).Error, AllowOrigin: rec.Header().Get("Access-Control-Allow-Origin")}
			if len(events) == 1 {
				got.Outcome = events[0].Outcome
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCompressedBody checks that a service or feedback call whose body
// was sent compressed (Content-Encoding gzip), which the service does not
// undo, is a 415 that says so, with Accept-Encoding: identity, whether or
// not WithRequireJSON checks the Content-Type, rather than a 400 calling
// the body text that is not JSON; a body sent with Content-Encoding
// identity goes on.
func TestCompressedBody(t *testing.T) {
	call, err := os.ReadFile(filepath.Join(requestsDir, "disc-herniation.json"))
	if err != nil {
		t.Fatal(err)
	}
	feedback, err := os.ReadFile(filepath.Join(requestsDir, "feedback", "spec-overridden.json"))
	if err != nil {
		t.Fatal(err)
	}
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	const refused = `the request body must be sent uncompressed: Content-Encoding "gzip" is not accepted`
	tests := []struct {
		name, path, coding string
		body               []byte
		opts               []cdshooks.Option
		want               int
	}{
		{"service, gzip", servicePath, "gzip", gz(call), nil, 415},
		{"service, gzip, JSON required", servicePath, "gzip", gz(call), []cdshooks.Option{cdshooks.WithRequireJSON(nil)}, 415},
		{"feedback, gzip", cdshooks.FeedbackPath, "gzip", gz(feedback), nil, 415},
		{"service, identity", servicePath, "identity", call, nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := newService(t, tt.opts...)
			req := httptest.NewRequest(http.MethodPost, tt.path, bytes.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Content-Encoding", tt.coding)
			rec := httptest.NewRecorder()
			svc.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			if tt.want != 415 {
				return
			}
			if got := decodeError(t, rec).Error; got != refused {
				t.Errorf("error %q, want %q", got, refused)
			}
			if got := rec.Header().Get("Accept-Encoding"); got != "identity" {
				t.Errorf("Accept-Encoding %q, want identity", got)
			}
		})
	}
}
