package cdshooks_test

import (
	"net/http"
	"net/http/httptest"
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
