package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// doAccepting sends one request to h with the Accept-Encoding header ae
// (none when ae is "-") and returns the recorded response.
func doAccepting(t testing.TB, h http.Handler, method, target, body, ae string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if ae != "-" {
		req.Header.Set("Accept-Encoding", ae)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// gunzip decompresses one layer of gzip, failing the test on an error,
// and checks that what it gives is not gzip again.
func gunzip(t testing.TB, gz []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Fatal("the body was compressed twice")
	}
	return b
}

// decoded returns the body of rec as the client reads it: decompressed
// when its Content-Encoding is gzip. It checks that Content-Length, when
// set, is the length of the body sent, and that there is no other
// Content-Encoding.
func decoded(t testing.TB, rec *httptest.ResponseRecorder) []byte {
	t.Helper()
	if cl := rec.Header().Get("Content-Length"); cl != "" && cl != strconv.Itoa(rec.Body.Len()) {
		t.Errorf("Content-Length %s, but %d bytes were sent", cl, rec.Body.Len())
	}
	switch ce := rec.Header().Get("Content-Encoding"); ce {
	case "":
		return rec.Body.Bytes()
	case "gzip":
		return gunzip(t, rec.Body.Bytes())
	default:
		t.Fatalf("Content-Encoding %q", ce)
		return nil
	}
}

// docPath returns the path of openapi.json that documents target.
func docPath(target string) string {
	switch {
	case strings.HasPrefix(target, "/movements/"):
		return "/movements/{file}"
	case target == "/nothing":
		return "/"
	}
	return target
}

// docMethod returns the method checkDoc takes for a response of status
// to method: any for a 405.
func docMethod(method string, status int) string {
	if status == http.StatusMethodNotAllowed {
		return ""
	}
	return method
}

// TestAcceptsGzip checks the reading of Accept-Encoding, q-values
// included.
func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		values []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"GZip"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"gzip, deflate, br"}, true},
		{[]string{"br;q=1.0, gzip;q=0.8, *;q=0.1"}, true},
		{[]string{" gzip ; q=0.5 "}, true},
		{[]string{"gzip;Q=0.5"}, true},
		{[]string{"gzip;q=0.001"}, true},
		{[]string{"gzip;q=1"}, true},
		{[]string{"gzip;q=1.000"}, true},
		{[]string{"gzip;level=9"}, true}, // another parameter: ignored
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip;q=0."}, false},
		{[]string{"gzip; q=0.000"}, false},
		{[]string{"gzip;q=0, *"}, false},    // gzip listed: "*" does not apply
		{[]string{"*, gzip;q=0"}, false},    // in any order
		{[]string{"gzip, gzip;q=0"}, false}, // a refusal stands
		{[]string{"gzip;q=0.2, gzip;q=0.9"}, true},
		{[]string{"*"}, true},
		{[]string{"*;q=0.3"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"identity"}, false},
		{[]string{"identity;q=1, *;q=0"}, false},
		{[]string{"deflate, br"}, false},
		{[]string{"gzipped"}, false},
		{[]string{"gzip;q=1.5"}, false}, // not a qvalue: not listed
		{[]string{"gzip;q=0.0001"}, false},
		{[]string{"gzip;q="}, false},
		{[]string{"gzip;q=.5"}, false},
		{[]string{"gzip;q=abc, *"}, true},   // the malformed element is not listed; "*" applies
		{[]string{"deflate", "gzip"}, true}, // several header lines
		{[]string{"gzip", "gzip;q=0"}, false},
		{[]string{",,gzip,"}, true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.values, " | "), func(t *testing.T) {
			if got := acceptsGzip(tt.values); got != tt.want {
				t.Errorf("acceptsGzip(%q) = %v, want %v", tt.values, got, tt.want)
			}
		})
	}
}

// TestRecommendGzip sends the disc profile to POST /recommend, with the
// answer cache off and on (a miss noted, a miss kept, then hits), with
// each Accept-Encoding of the table: the answer is compressed exactly
// when gzip is accepted, always has Vary: Accept-Encoding and the
// Content-Length of what was sent, and reads, decompressed, as the
// engine's own Result byte for byte.
func TestRecommendGzip(t *testing.T) {
	_, bodies, decodedProfiles := profiles(t)
	body, p := bodies["disc-herniation"], decodedProfiles["disc-herniation"]
	tests := []struct {
		ae       string
		wantGzip bool
	}{
		{"-", false},
		{"", false},
		{"gzip", true},
		{"gzip, deflate, br, zstd", true},
		{"gzip;q=0", false},
		{"gzip;q=0, *", false},
		{"*", true},
		{"*;q=0", false},
		{"identity", false},
		{"br", false},
		{"deflate;q=1, gzip;q=0.5", true},
	}
	for _, cacheBytes := range []int64{-1, 0} {
		name := map[int64]string{-1: "cache off", 0: "cache on"}[cacheBytes]
		t.Run(name, func(t *testing.T) {
			s, _ := newServer(t, Config{AnswerCacheBytes: cacheBytes})
			want := wantResult(t, s.Engine(), p)
			for _, tt := range tests {
				t.Run(tt.ae, func(t *testing.T) {
					for i := range 4 {
						rec := doAccepting(t, s.Handler(), "POST", "/recommend", body, tt.ae)
						if rec.Code != http.StatusOK {
							t.Fatalf("status %d: %s", rec.Code, cut(rec.Body.String()))
						}
						if got := rec.Header().Get("Content-Encoding") == "gzip"; got != tt.wantGzip {
							t.Errorf("request %d: Content-Encoding %q, want gzip %v", i, rec.Header().Get("Content-Encoding"), tt.wantGzip)
						}
						if diff := cmp.Diff([]string{"Accept-Encoding"}, rec.Header().Values("Vary")); diff != "" {
							t.Errorf("request %d: Vary (-want +got):\n%s", i, diff)
						}
						if diff := cmp.Diff(want, string(decoded(t, rec))); diff != "" {
							t.Errorf("request %d: body (-want +got):\n%s", i, diff)
						}
						checkDoc(t, "POST", "/recommend", rec)
						if tt.wantGzip && rec.Body.Len() >= len(want)/2 {
							t.Errorf("request %d: %d bytes compressed, from %d", i, rec.Body.Len(), len(want))
						}
					}
				})
			}
			if cacheBytes == 0 {
				if hits, _ := cacheCounts(t, s); hits == 0 {
					t.Error("no answer came from the cache: the test proves nothing about it")
				}
			}
		})
	}
}

// TestAnswerCacheGzipMatchesFresh sends each of many profiles to a server
// with the answer cache: three times (a miss noted, a miss kept, a hit by
// the body key), then re-encoded twice (hits by the decision key, or the
// profile key, the second of which keeps the answer under that body's
// key too), then without gzip (a hit); the hits ask for gzip, and so do
// the misses for half of the profiles (compressed when kept) but not for
// the other half (compressed at the first hit). Every compressed answer must
// decompress to exactly the bytes of a fresh encoding (a server without
// the cache, not asked for gzip), and each answer from the cache must be
// the compressed copy the cache holds, written from the cache's own
// slice: a warm gzip answer costs no compression.
func TestAnswerCacheGzipMatchesFresh(t *testing.T) {
	fresh, _ := newServer(t, Config{AnswerCacheBytes: -1})
	cached, _ := newServer(t, Config{AnswerCacheBytes: 256 << 20})
	ps := cacheProfiles(t, cached.Engine(), 120)
	compressed := 0
	for i, p := range ps {
		body, other := reencoded(t, p)
		want := recommendBody(t, fresh.Handler(), "", body)
		pk, _ := appendAnswerKey(context.Background(), nil, cached.Engine(), "", &p)
		type request struct {
			body []byte
			ae   string
		}
		steps := []request{{body, "gzip"}, {body, "gzip"}, {body, "gzip"}, {other, "gzip"}, {other, "gzip"}, {body, "-"}}
		if i%2 == 1 {
			// Kept for a client that does not accept gzip, so compressed
			// at the first hit of one that does.
			steps = []request{{body, "-"}, {body, "-"}, {body, "gzip"}, {other, "gzip"}, {other, "gzip"}, {body, "-"}}
		}
		_, seen := cached.cache.Load().get(pk) // an earlier profile may be the same
		for step, req := range steps {
			httpReq := httptest.NewRequest("POST", "/recommend", bytes.NewReader(req.body))
			httpReq.Header.Set("Content-Type", "application/json")
			if req.ae != "-" {
				httpReq.Header.Set("Accept-Encoding", req.ae)
			}
			// The entry of this body, if the cache has one already (an
			// earlier profile may have sent the same bytes).
			byBody, _ := cached.cache.Load().get(appendBodyKey(nil, "", req.body))
			cw := &captureWriter{ResponseRecorder: httptest.NewRecorder()}
			cached.Handler().ServeHTTP(cw, httpReq)
			rec := cw.ResponseRecorder
			if rec.Code != http.StatusOK {
				t.Fatalf("profile %d, step %d: status %d: %s", i, step, rec.Code, cut(rec.Body.String()))
			}
			if got := decoded(t, rec); !bytes.Equal(want, got) {
				t.Fatalf("profile %d %+v, step %d: the answer differs from a fresh one (-fresh +cached):\n%s",
					i, p, step, cmp.Diff(string(want), string(got)))
			}
			if step < 2 {
				if step == 1 && i%2 == 1 && !seen {
					if kept, ok := cached.cache.Load().get(pk); ok && gzOf(kept) != nil {
						t.Errorf("profile %d: an answer kept for a client that does not accept gzip was compressed", i)
					}
				}
				continue
			}
			ans, ok := cached.cache.Load().get(pk)
			if !ok {
				t.Fatalf("profile %d, step %d: not in the cache", i, step)
			}
			if !bytes.Equal(ans.body, want) {
				t.Fatalf("profile %d: the cached body differs from a fresh one", i)
			}
			switch {
			case len(want) < minGzipBytes:
				if gzOf(ans) != nil || rec.Header().Get("Content-Encoding") != "" {
					t.Errorf("profile %d: an answer of %d bytes was compressed", i, len(want))
				}
			case req.ae == "gzip":
				compressed++
				// The very slice the cache holds was written: not a
				// copy compressed again, which would be the same bytes.
				// A hit by the body key is answered from that key's
				// entry, a hit by the profile key from this one.
				gz := gzOf(ans)
				if byBody != nil {
					gz = gzOf(byBody)
				}
				if len(cw.writes) != 1 || len(cw.writes[0]) == 0 || len(gz) == 0 || &cw.writes[0][0] != &gz[0] || !bytes.Equal(rec.Body.Bytes(), gz) {
					t.Errorf("profile %d, step %d: the gzip answer is not the cache's compressed copy", i, step)
				}
				if !bytes.Equal(gunzip(t, gz), want) {
					t.Errorf("profile %d: the cache's compressed copy does not decompress to the fresh encoding", i)
				}
				// A hit by the decision key, the second time the same
				// body comes, stores the answer under the body key too,
				// with the compressed copy it was written from: that
				// body's next hit compresses nothing.
				if step == 4 {
					if byOther, ok := cached.cache.Load().get(appendBodyKey(nil, "", other)); !ok || gzOf(byOther) == nil {
						t.Errorf("profile %d: after a second hit by the decision key, the body key's entry holds no compressed copy", i)
					}
				}
			default:
				if rec.Header().Get("Content-Encoding") != "" {
					t.Errorf("profile %d: compressed for a client that did not ask", i)
				}
			}
		}
	}
	if compressed < len(ps) {
		t.Errorf("only %d compressed answers from the cache over %d profiles: the test proves little", compressed, len(ps))
	}
}

// captureWriter is a ResponseRecorder that keeps the slices written to
// it, to tell which memory a body was sent from.
type captureWriter struct {
	*httptest.ResponseRecorder
	writes [][]byte
}

func (w *captureWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, p)
	return w.ResponseRecorder.Write(p)
}

// TestGzipRoutes checks compression on the server's other routes, with
// and without gzip accepted: the JSON ones (small bodies sent as they
// are), the OpenAPI document (HEAD too), the page, a picture, the CDS
// Hooks service and /metrics, which compresses itself (once).
func TestGzipRoutes(t *testing.T) {
	s, _ := newServer(t, Config{})
	disc := cdsRequest(t, "disc-herniation")
	tests := []struct {
		name, method, target, body string
		wantStatus                 int
		// wantGzip tells whether the body is compressed when gzip is
		// accepted; wantVary whether Vary: Accept-Encoding is set.
		wantGzip, wantVary bool
		// want is the identity body, or "" to compare with the answer
		// to a request that does not accept gzip.
		want string
	}{
		{"health is small", "GET", "/healthz", "", 200, false, true, ""},
		{"an error is small", "POST", "/recommend", `{"conditions":["no_such"]}`, 400, false, true, ""},
		{"404 is small", "GET", "/nothing", "", 404, false, true, ""},
		{"405 is small", "GET", "/recommend", "", 405, false, true, ""},
		{"openapi", "GET", "/openapi.json", "", 200, true, true, string(openAPI)},
		{"explain", "POST", "/explain", `{"profile":{"conditions":["disc_herniation"]},"movement":"knee_to_chest"}`, 200, true, true, ""},
		{"page", "GET", "/", "", 200, true, true, ""},
		{"cds discovery is small", "GET", "/cds-services", "", 200, false, true, ""},
		{"cds call", "POST", "/cds-services/backrules", disc, 200, true, true, directCDS(s.Engine(), "POST", "/cds-services/backrules", disc).Body.String()},
		{"picture", "GET", "/movements/knee_to_chest.svg", "", 200, true, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain := doAccepting(t, s.Handler(), tt.method, tt.target, tt.body, "-")
			zipped := doAccepting(t, s.Handler(), tt.method, tt.target, tt.body, "gzip")
			for _, rec := range []*httptest.ResponseRecorder{plain, zipped} {
				if rec.Code != tt.wantStatus {
					t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantStatus, cut(rec.Body.String()))
				}
				checkDoc(t, docMethod(tt.method, rec.Code), docPath(tt.target), rec)
				if got := rec.Header().Get("Vary") == "Accept-Encoding"; got != tt.wantVary {
					t.Errorf("Vary %q, want Accept-Encoding: %v", rec.Header().Values("Vary"), tt.wantVary)
				}
			}
			if ce := plain.Header().Get("Content-Encoding"); ce != "" {
				t.Errorf("not asked for gzip: Content-Encoding %q", ce)
			}
			if got := zipped.Header().Get("Content-Encoding") == "gzip"; got != tt.wantGzip {
				t.Errorf("Content-Encoding %q, want gzip %v (%d bytes as they are)", zipped.Header().Get("Content-Encoding"), tt.wantGzip, plain.Body.Len())
			}
			want := tt.want
			if want == "" {
				want = plain.Body.String()
			} else if diff := cmp.Diff(want, plain.Body.String()); diff != "" {
				t.Errorf("body not asked for gzip (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, string(decoded(t, zipped))); diff != "" {
				t.Errorf("body asked for gzip, decompressed (-want +got):\n%s", diff)
			}
			decoded(t, plain)
			if tt.wantGzip && zipped.Body.Len() >= plain.Body.Len() {
				t.Errorf("compressed %d bytes into %d", plain.Body.Len(), zipped.Body.Len())
			}
			// Every other header is the same, but that a compressed
			// response's ETag is weak (TestGzipPictureValidators).
			ph, zh := plain.Header().Clone(), zipped.Header().Clone()
			for _, h := range []http.Header{ph, zh} {
				h.Del("Content-Encoding")
				h.Del("Content-Length")
			}
			if tag := zh.Get("ETag"); tt.wantGzip && tag != "" {
				zh.Set("ETag", strings.TrimPrefix(tag, "W/"))
			}
			if diff := cmp.Diff(ph, zh); diff != "" {
				t.Errorf("other headers (-plain +gzip):\n%s", diff)
			}
		})
	}

	// A HEAD has the GET's headers: compressed when the GET is, and sent
	// as it is when the GET's body is too small to compress (/healthz,
	// a 404), which a HEAD once claimed was gzip.
	for _, target := range []string{"/openapi.json", "/healthz", "/nothing", "/"} {
		t.Run("HEAD "+target, func(t *testing.T) {
			get := doAccepting(t, s.Handler(), "GET", target, "", "gzip")
			// httptest records what the handler writes; net/http drops the
			// body of a HEAD on the wire, which TestGzipOverTheWire covers.
			head := doAccepting(t, s.Handler(), "HEAD", target, "", "gzip")
			for _, h := range []string{"Content-Encoding", "Content-Length", "Vary", "Content-Type"} {
				got, want := head.Header().Get(h), get.Header().Get(h)
				if h == "Content-Length" && got == "" && get.Header().Get("Content-Encoding") == "gzip" {
					continue // only compressing the body would give it
				}
				if got != want {
					t.Errorf("HEAD %s %q, GET's %q", h, got, want)
				}
			}
		})
	}

	t.Run("metrics compress themselves", func(t *testing.T) {
		rec := doAccepting(t, s.Handler(), "GET", "/metrics", "", "gzip")
		if rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding %q, want gzip (promhttp's)", rec.Header().Get("Content-Encoding"))
		}
		if got := decoded(t, rec); !bytes.Contains(got, []byte("# HELP backrules_http_requests_total")) {
			t.Errorf("metrics, decompressed once, are not the exposition:\n%s", cut(string(got)))
		}
		// Compressed or not by what the request accepts: a cache on the
		// way must not hand one client's form to another.
		for _, ae := range []string{"gzip", "-"} {
			if rec := doAccepting(t, s.Handler(), "GET", "/metrics", "", ae); rec.Header().Get("Vary") != "Accept-Encoding" {
				t.Errorf("Accept-Encoding %q: Vary %q, want Accept-Encoding", ae, rec.Header().Values("Vary"))
			}
		}
	})

	t.Run("page form", func(t *testing.T) {
		send := func(ae string) *httptest.ResponseRecorder {
			req := httptest.NewRequest("POST", "/", strings.NewReader("conditions=disc_herniation"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept-Encoding", ae)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			return rec
		}
		plain, zipped := send("identity"), send("gzip")
		if zipped.Header().Get("Content-Encoding") != "gzip" {
			t.Errorf("Content-Encoding %q, want gzip", zipped.Header().Get("Content-Encoding"))
		}
		got := decoded(t, zipped)
		if !bytes.Equal(got, plain.Body.Bytes()) || !bytes.Contains(got, []byte("Knee to chest")) {
			t.Errorf("the posted page, decompressed, is not the page:\n%s", cut(string(got)))
		}
	})
}

// TestGzipPartial checks that an answer with only the referrals, when a
// rule fails, reaches a client that accepts gzip whole: /recommend's 200
// with the emergency, /explain's 500 that carries the referrals, and the
// CDS Hooks service's cards, each decompressed to the answer a client
// that does not accept gzip gets.
func TestGzipPartial(t *testing.T) {
	s, _ := slipServer(t)
	profile, err := json.Marshal(slipProfile)
	if err != nil {
		t.Fatal(err)
	}
	const icd = "http://hl7.org/fhir/sid/icd-10-cm"
	tests := []struct {
		name, target, body string
		wantStatus         int
		wantIn             string
	}{
		{"recommend", "/recommend", string(profile), 200, `"urgency":"emergency"`},
		{"explain", "/explain", `{"profile":` + string(profile) + `,"movement":"referral"}`, 500, `"urgency": "emergency"`},
		{"cds", "/cds-services/backrules", cdsCall("1995-05-02", [2]string{icd, "M51.26"}, [2]string{testOnlySystem, "saddle-numbness"}), 200, `"indicator": "critical"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain := doAccepting(t, s.Handler(), "POST", tt.target, tt.body, "-")
			for range 3 { // and again: nothing partial is cached
				zipped := doAccepting(t, s.Handler(), "POST", tt.target, tt.body, "gzip")
				if zipped.Code != tt.wantStatus || plain.Code != tt.wantStatus {
					t.Fatalf("status %d and %d, want %d: %s", plain.Code, zipped.Code, tt.wantStatus, cut(plain.Body.String()))
				}
				checkDoc(t, "POST", tt.target, zipped)
				got := decoded(t, zipped)
				if !bytes.Contains(got, []byte(tt.wantIn)) {
					t.Errorf("no %s in the answer:\n%s", tt.wantIn, cut(string(got)))
				}
				if diff := cmp.Diff(plain.Body.String(), string(got)); diff != "" {
					t.Errorf("the gzip answer, decompressed (-identity +gzip):\n%s", diff)
				}
				if len(got) >= minGzipBytes && zipped.Header().Get("Content-Encoding") != "gzip" {
					t.Errorf("%d bytes not compressed", len(got))
				}
			}
		})
	}
}

// TestGzipWriter checks the compressing writer on handlers of its own: a
// body written in pieces, without Content-Length, is compressed once it
// reaches minGzipBytes and sent as it is below; a handler that already
// set Content-Encoding, or sends another type, or a 304, goes through
// untouched; a flush holds a compressed body to the end; and a handler
// that panics sends nothing, so that the request log's 500 is the whole
// answer.
func TestGzipWriter(t *testing.T) {
	big := bytes.Repeat([]byte(`{"claim":"stay active"},`), 100)
	pieces := func(ct string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			for len(body) > 0 {
				n := min(len(body), 100)
				_, _ = w.Write(body[:n])
				body = body[n:]
			}
		}
	}
	tests := []struct {
		name     string
		h        http.HandlerFunc
		wantGzip bool
		wantVary bool
		want     string
	}{
		{"large, in pieces", pieces("application/json", big), true, true, string(big)},
		{"small, in pieces", pieces("application/json", big[:minGzipBytes-1]), false, true, string(big[:minGzipBytes-1])},
		{"exactly the threshold", pieces("application/json", big[:minGzipBytes]), true, true, string(big[:minGzipBytes])},
		{"html", pieces("text/html; charset=utf-8", big), true, true, string(big)},
		{"plain text", pieces("text/plain", big), false, false, string(big)},
		{"no type", pieces("", big), false, false, string(big)},
		{"already encoded", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "br")
			_, _ = w.Write(big)
		}, false, false, string(big)},
		{"304", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotModified)
		}, false, true, ""},
		{"flushed", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(big[:2000])
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("Flush: %v", err)
			}
			_, _ = w.Write(big[2000:])
		}, true, true, string(big)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := doAccepting(t, compress(tt.h), "GET", "/", "", "gzip")
			if rec.Header().Get("Content-Encoding") == "br" {
				if rec.Body.String() != tt.want {
					t.Error("an encoded body was changed")
				}
				return
			}
			if got := rec.Header().Get("Content-Encoding") == "gzip"; got != tt.wantGzip {
				t.Errorf("Content-Encoding %q, want gzip %v", rec.Header().Get("Content-Encoding"), tt.wantGzip)
			}
			if got := rec.Header().Get("Vary") == "Accept-Encoding"; got != tt.wantVary {
				t.Errorf("Vary %q, want Accept-Encoding %v", rec.Header().Get("Vary"), tt.wantVary)
			}
			if tt.wantGzip && rec.Header().Get("Content-Length") != strconv.Itoa(rec.Body.Len()) {
				t.Errorf("Content-Length %q, %d bytes sent", rec.Header().Get("Content-Length"), rec.Body.Len())
			}
			if diff := cmp.Diff(tt.want, string(decoded(t, rec))); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("panic", func(t *testing.T) {
		s, _ := newServer(t, Config{})
		h := s.logRequests(compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(big)
			panic("boom")
		})))
		rec := doAccepting(t, h, "GET", "/", "", "gzip")
		want := errorShape{Status: 500, Error: "internal error"}
		if diff := cmp.Diff(want, decodeError(t, decoded(t, rec))); diff != "" {
			t.Errorf("error (-want +got):\n%s", diff)
		}
	})
}

// TestGzipOverTheWire checks a compressed answer through net/http on
// 127.0.0.1: a client that sends Accept-Encoding: gzip itself reads the
// compressed bytes, as many as Content-Length says, which decompress to
// the engine's answer; Go's default client, which asks for gzip and
// decompresses on its own, reads the answer; a HEAD gets the GET's
// headers and no body.
func TestGzipOverTheWire(t *testing.T) {
	s, _ := newServer(t, Config{})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	_, bodies, decodedProfiles := profiles(t)
	want := wantResult(t, s.Engine(), decodedProfiles["disc-herniation"])
	raw := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	t.Cleanup(raw.CloseIdleConnections)
	for range 3 { // a miss noted, a miss kept, a hit
		req, err := http.NewRequest("POST", srv.URL+"/recommend", strings.NewReader(bodies["disc-herniation"]))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := raw.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Content-Encoding") != "gzip" || resp.ContentLength != int64(len(got)) {
			t.Fatalf("Content-Encoding %q, Content-Length %d, %d bytes read", resp.Header.Get("Content-Encoding"), resp.ContentLength, len(got))
		}
		if diff := cmp.Diff(want, string(gunzip(t, got))); diff != "" {
			t.Fatalf("body (-want +got):\n%s", diff)
		}
	}

	resp, err := http.Post(srv.URL+"/recommend", "application/json", strings.NewReader(bodies["disc-herniation"]))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !resp.Uncompressed || string(got) != want {
		t.Errorf("the default client: decompressed %v, body equal %v", resp.Uncompressed, string(got) == want)
	}

	var lengths []int64
	for _, method := range []string{"GET", "HEAD"} {
		req, err := http.NewRequest(method, srv.URL+"/openapi.json", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := raw.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: Content-Encoding %q", method, resp.Header.Get("Content-Encoding"))
		}
		if method == "HEAD" && len(b) != 0 {
			t.Errorf("HEAD: %d bytes of body", len(b))
		}
		lengths = append(lengths, resp.ContentLength)
	}
	if lengths[0] <= 0 || lengths[0] != lengths[1] {
		t.Errorf("Content-Length of GET and HEAD: %v, want the same", lengths)
	}
}

// TestCompressible checks which Content-Types are compressed.
func TestCompressible(t *testing.T) {
	tests := []struct {
		ct   string
		want bool
	}{
		{"application/json", true},
		{"Application/JSON; charset=utf-8", true},
		{"text/html; charset=utf-8", true},
		{"image/svg+xml", true},
		{" application/json ;x=y", true},
		{"", false},
		{"text/plain; charset=utf-8", false},
		{"application/jsonx", false},
		{"image/png", false},
		{"application/octet-stream", false},
	}
	for _, tt := range tests {
		if got := compressible(tt.ct); got != tt.want {
			t.Errorf("compressible(%q) = %v, want %v", tt.ct, got, tt.want)
		}
	}
}

// serveRecovering serves req with compress(h) and returns the recorded
// response and what the handler chain panicked with, if it did.
func serveRecovering(h http.Handler, req *http.Request) (rec *httptest.ResponseRecorder, panicked any) {
	rec = httptest.NewRecorder()
	func() {
		defer func() { panicked = recover() }()
		compress(h).ServeHTTP(rec, req)
	}()
	return rec, panicked
}

// TestGzipHeldResponseEnds checks how a held (to be compressed) response
// ends when its handler does not simply return: a handler that panics
// after writing its whole body has it sent, compressed, as a client that
// does not accept gzip would have had it (the panic still goes up, for
// the request log); one that panics before its body is whole sends
// nothing, for the request log's 500; one that returns having written
// another length than it declared has the response cut off
// (http.ErrAbortHandler), as net/http would; and a HEAD gets the headers
// of a compressed GET without a Content-Length, since only compressing a
// body would give it.
func TestGzipHeldResponseEnds(t *testing.T) {
	body := []byte(`{"referrals":[{"urgency":"emergency","message":"` + strings.Repeat("go now ", 300) + `"}]}`)
	whole := func(n int, then func()) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Type", "application/json")
			h.Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusOK)
			if r.Method != http.MethodHead {
				_, _ = w.Write(body[:n])
			}
			then()
		})
	}
	boom := func() { panic("boom") }
	get := func() *http.Request {
		req := httptest.NewRequest("GET", "/x", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		return req
	}

	t.Run("panic after the whole body", func(t *testing.T) {
		rec, p := serveRecovering(whole(len(body), boom), get())
		if p != "boom" {
			t.Errorf("panic = %v, want it passed on", p)
		}
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("status %d, Content-Encoding %q; want 200, gzip", rec.Code, rec.Header().Get("Content-Encoding"))
		}
		if got := gunzip(t, rec.Body.Bytes()); !bytes.Equal(got, body) {
			t.Error("the answer sent is not the handler's body")
		}
		if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(rec.Body.Len()) {
			t.Errorf("Content-Length %s for %d bytes", cl, rec.Body.Len())
		}
	})
	t.Run("panic before the body is whole", func(t *testing.T) {
		rec, p := serveRecovering(whole(len(body)-1, boom), get())
		if p != "boom" {
			t.Errorf("panic = %v, want it passed on", p)
		}
		if rec.Body.Len() != 0 || rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("a part of the body was sent (%d bytes, Content-Encoding %q)", rec.Body.Len(), rec.Header().Get("Content-Encoding"))
		}
	})
	t.Run("returns short of its Content-Length", func(t *testing.T) {
		rec, p := serveRecovering(whole(len(body)-1, func() {}), get())
		if p != http.ErrAbortHandler {
			t.Errorf("panic = %v, want http.ErrAbortHandler", p)
		}
		if rec.Body.Len() != 0 {
			t.Errorf("%d bytes of a short body were sent as if whole", rec.Body.Len())
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		req := httptest.NewRequest("HEAD", "/x", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec, p := serveRecovering(whole(0, func() {}), req)
		if p != nil {
			t.Fatalf("panic: %v", p)
		}
		h := rec.Header()
		if h.Get("Content-Encoding") != "gzip" || h.Get("Content-Length") != "" || h.Get("Vary") != "Accept-Encoding" || rec.Body.Len() != 0 {
			t.Errorf("HEAD: Content-Encoding %q, Content-Length %q, Vary %q, %d body bytes; want gzip, none, Accept-Encoding, 0",
				h.Get("Content-Encoding"), h.Get("Content-Length"), h.Get("Vary"), rec.Body.Len())
		}
	})
}

// TestGzipPictureValidators checks the entity tags of a picture, the one
// response of the server with an ETag, sent compressed and not: the two
// are different representations, so the compressed one's tag is weak
// (W/ and the same quoted tag), as a strong tag promises the same bytes.
// With the strong tag on both, a client that held the compressed body
// and asked for the rest of it by range (If-Range with that tag) got a
// 206 of the uncompressed bytes to splice into it. If-None-Match with
// either tag is still a 304.
func TestGzipPictureValidators(t *testing.T) {
	s, _ := newServer(t, Config{})
	const target = "/movements/knee_to_chest.svg"
	get := func(ae string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		if ae != "-" {
			req.Header.Set("Accept-Encoding", ae)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}
	plain, zipped := get("-"), get("gzip")
	strong := plain.Header().Get("ETag")
	if plain.Code != http.StatusOK || zipped.Code != http.StatusOK || zipped.Header().Get("Content-Encoding") != "gzip" || !strings.HasPrefix(strong, `"`) {
		t.Fatalf("GET %s: %d with ETag %q, and %d with gzip %q: want 200, a strong tag and a compressed body",
			target, plain.Code, strong, zipped.Code, zipped.Header().Get("Content-Encoding"))
	}
	if got, want := zipped.Header().Get("ETag"), "W/"+strong; got != want {
		t.Errorf("the compressed picture's ETag is %s, want %s", got, want)
	}
	tests := []struct {
		name   string
		ae     string
		hdr    []string
		status int
		gzip   bool
		// etag is the response's ETag: a 304 carries the one its 200
		// would have (RFC 9110, section 15.4.5).
		etag string
	}{
		{"range of the compressed body", "gzip", []string{"Range", "bytes=100-", "If-Range", zipped.Header().Get("ETag")}, http.StatusOK, true, "W/" + strong},
		{"range of the uncompressed body", "-", []string{"Range", "bytes=100-", "If-Range", strong}, http.StatusPartialContent, false, strong},
		{"revalidate the compressed body", "gzip", []string{"If-None-Match", zipped.Header().Get("ETag")}, http.StatusNotModified, false, "W/" + strong},
		{"revalidate the compressed body among other tags", "gzip", []string{"If-None-Match", `"other", W/` + strong}, http.StatusNotModified, false, "W/" + strong},
		{"revalidate the uncompressed body", "-", []string{"If-None-Match", strong}, http.StatusNotModified, false, strong},
		{"revalidate the uncompressed body, accepting gzip now", "gzip", []string{"If-None-Match", strong}, http.StatusNotModified, false, strong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(tt.ae, tt.hdr...)
			if rec.Code != tt.status || (rec.Header().Get("Content-Encoding") == "gzip") != tt.gzip {
				t.Errorf("status %d, Content-Encoding %q; want %d, gzip %v", rec.Code, rec.Header().Get("Content-Encoding"), tt.status, tt.gzip)
			}
			if got := rec.Header().Get("ETag"); got != tt.etag {
				t.Errorf("ETag %s, want %s", got, tt.etag)
			}
			if vary := rec.Header().Get("Vary"); strings.HasPrefix(tt.etag, "W/") && !strings.Contains(vary, "Accept-Encoding") {
				t.Errorf("Vary %q, want Accept-Encoding, as the compressed copy's 200 has", vary)
			}
		})
	}
}
