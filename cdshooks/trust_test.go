package cdshooks_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

const (
	testBase    = "https://cds.example.org"
	ehrIss      = "https://ehr.example.org"
	remoteIss   = "https://remote-ehr.example.org"
	servicePath = "/cds-services/backrules"
)

// keys are the test's signing keys, made once: RSA keys take a while.
var keys = sync.OnceValue(func() (k struct {
	rsa, otherRSA *rsa.PrivateKey
	ec            *ecdsa.PrivateKey
}) {
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.otherRSA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
		panic(err)
	}
	return k
})

// trustEnv is a trust file with two clients: ehrIss with an inline RSA
// key (kid "rsa-1"), and remoteIss whose P-384 key (kid "ec-1") is
// served at a jwks_uri by an httptest server.
type trustEnv struct {
	trust      *cdshooks.Trust
	jwksURI    string
	jwksServed *atomic.Int32
}

func newTrustEnv(t *testing.T, extra func(*cdshooks.TrustFile)) trustEnv {
	t.Helper()
	k := keys()
	served := new(atomic.Int32)
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.ec.PublicKey, KeyID: "ec-1", Algorithm: "ES384", Use: "sig"}}}
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(jwks.Close)
	f := cdshooks.TrustFile{BaseURL: testBase, Clients: []cdshooks.TrustedClient{
		{Iss: ehrIss, JWKS: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.rsa.PublicKey, KeyID: "rsa-1", Algorithm: "RS384", Use: "sig"}}}},
		{Iss: remoteIss, JWKSURI: jwks.URL + "/jwks.json"},
	}}
	if extra != nil {
		extra(&f)
	}
	// Through JSON, as a trust file is read.
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := cdshooks.ParseTrust(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return trustEnv{trust: tr, jwksURI: jwks.URL + "/jwks.json", jwksServed: served}
}

// tokenSpec describes a JWT to sign.
type tokenSpec struct {
	alg     jose.SignatureAlgorithm
	key     any
	kid     string
	headers map[jose.HeaderKey]any
	claims  map[string]any
}

var jtiCount atomic.Int64

// goodClaims are valid claims of iss for path at the test clock.
func goodClaims(iss, path string) map[string]any {
	return map[string]any{
		"iss": iss, "aud": testBase + path,
		"iat": today.Unix(), "exp": today.Add(5 * time.Minute).Unix(),
		"jti": fmt.Sprintf("jti-%d", jtiCount.Add(1)),
	}
}

func sign(t *testing.T, s tokenSpec) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if s.kid != "" {
		opts = opts.WithHeader("kid", s.kid)
	}
	for k, v := range s.headers {
		opts = opts.WithHeader(k, v)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: s.alg, Key: s.key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(s.claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// unsigned returns a JWT with alg none and no signature.
func unsigned(t *testing.T, claims map[string]any) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT","kid":"rsa-1"}`)) + "." + enc(mustJSON(t, claims)) + "."
}

// trustedService is a service of the default rules with env's trust.
func trustedService(t *testing.T, env trustEnv, opts ...cdshooks.Option) *cdshooks.Service {
	eng := defaultEngine(t)
	return cdshooks.NewService(func() *recommend.Engine { return eng },
		append([]cdshooks.Option{cdshooks.WithClock(clock), quiet, cdshooks.WithTrust(env.trust)}, opts...)...)
}

func callWith(t *testing.T, h http.Handler, path, auth string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestTrust checks every way a call's JWT can fail, each a 401 with
// WWW-Authenticate, and the good tokens, each a 200.
func TestTrust(t *testing.T) {
	k := keys()
	env := newTrustEnv(t, nil)
	body, err := os.ReadFile(filepath.Join(requestsDir, "disc-herniation.json"))
	if err != nil {
		t.Fatal(err)
	}
	feedback, err := os.ReadFile(filepath.Join(requestsDir, "feedback", "spec-overridden.json"))
	if err != nil {
		t.Fatal(err)
	}
	rsaGood := func(c map[string]any) tokenSpec {
		return tokenSpec{alg: jose.RS384, key: k.rsa, kid: "rsa-1", claims: c}
	}
	with := func(c map[string]any, key string, v any) map[string]any {
		c[key] = v
		return c
	}
	without := func(c map[string]any, key string) map[string]any {
		delete(c, key)
		return c
	}
	replayed := goodClaims(ehrIss, servicePath)
	tests := []struct {
		name   string
		path   string
		auth   func() string // the Authorization header
		status int
	}{
		{"no token", servicePath, func() string { return "" }, 401},
		{"not Bearer", servicePath, func() string { return "Basic dXNlcjpwYXNz" }, 401},
		{"garbage", servicePath, func() string { return "Bearer not.a.jwt" }, 401},
		{"alg none", servicePath, func() string { return "Bearer " + unsigned(t, goodClaims(ehrIss, servicePath)) }, 401},
		{"HS384, a shared secret", servicePath, func() string {
			return "Bearer " + sign(t, tokenSpec{alg: jose.HS384, key: bytes.Repeat([]byte("k"), 48), kid: "rsa-1", claims: goodClaims(ehrIss, servicePath)})
		}, 401},
		{"RS256, not an accepted algorithm", servicePath, func() string {
			return "Bearer " + sign(t, tokenSpec{alg: jose.RS256, key: k.rsa, kid: "rsa-1", claims: goodClaims(ehrIss, servicePath)})
		}, 401},
		{"wrong key", servicePath, func() string {
			return "Bearer " + sign(t, tokenSpec{alg: jose.RS384, key: k.otherRSA, kid: "rsa-1", claims: goodClaims(ehrIss, servicePath)})
		}, 401},
		{"unknown kid", servicePath, func() string {
			return "Bearer " + sign(t, tokenSpec{alg: jose.RS384, key: k.rsa, kid: "rsa-9", claims: goodClaims(ehrIss, servicePath)})
		}, 401},
		{"expired", servicePath, func() string {
			return "Bearer " + sign(t, rsaGood(with(goodClaims(ehrIss, servicePath), "exp", today.Add(-2*time.Minute).Unix())))
		}, 401},
		{"exp more than an hour away, a jti to remember past a restart", servicePath, func() string {
			return "Bearer " + sign(t, rsaGood(with(goodClaims(ehrIss, servicePath), "exp", today.Add(cdshooks.MaxTokenLife+cdshooks.Leeway+time.Second).Unix())))
		}, 401},
		{"exp ten years away", servicePath, func() string {
			return "Bearer " + sign(t, rsaGood(with(goodClaims(ehrIss, servicePath), "exp", today.AddDate(10, 0, 0).Unix())))
		}, 401},
		{"exp an hour away", servicePath, func() string {
			return "Bearer " + sign(t, rsaGood(with(goodClaims(ehrIss, servicePath), "exp", today.Add(cdshooks.MaxTokenLife).Unix())))
		}, 200},
		{"iat in the future beyond the leeway", servicePath, func() string {
			return "Bearer " + sign(t, rsaGood(with(goodClaims(ehrIss, servicePath), "iat", today.Add(3*time.Minute).Unix())))
		}, 401},
		{"no exp", servicePath, func() string { return "Bearer " + sign(t, rsaGood(without(goodClaims(ehrIss, servicePath), "exp"))) }, 401},
		{"no iat", servicePath, func() string { return "Bearer " + sign(t, rsaGood(without(goodClaims(ehrIss, servicePath), "iat"))) }, 401},
		{"no jti", servicePath, func() string { return "Bearer " + sign(t, rsaGood(without(goodClaims(ehrIss, servicePath), "jti"))) }, 401},
		{"wrong aud", servicePath, func() string {
			return "Bearer " + sign(t, rsaGood(with(goodClaims(ehrIss, servicePath), "aud", testBase+"/cds-services/other")))
		}, 401},
		{"aud of another host", servicePath, func() string {
			return "Bearer " + sign(t, rsaGood(with(goodClaims(ehrIss, servicePath), "aud", "https://other.example.org"+servicePath)))
		}, 401},
		{"aud of the feedback endpoint on the service", servicePath, func() string {
			return "Bearer " + sign(t, rsaGood(goodClaims(ehrIss, cdshooks.FeedbackPath)))
		}, 401},
		{"unknown iss", servicePath, func() string {
			return "Bearer " + sign(t, rsaGood(goodClaims("https://stranger.example.org", servicePath)))
		}, 401},
		{"iss of a client, key of another", servicePath, func() string {
			return "Bearer " + sign(t, tokenSpec{alg: jose.ES384, key: k.ec, kid: "ec-1", claims: goodClaims(ehrIss, servicePath)})
		}, 401},
		{"jku not the configured one", servicePath, func() string {
			s := tokenSpec{alg: jose.ES384, key: k.ec, kid: "ec-1", claims: goodClaims(remoteIss, servicePath),
				headers: map[jose.HeaderKey]any{"jku": "https://attacker.example.net/jwks.json"}}
			return "Bearer " + sign(t, s)
		}, 401},
		{"typ of another kind of token, an OAuth access token", servicePath, func() string {
			s := rsaGood(goodClaims(ehrIss, servicePath))
			s.headers = map[jose.HeaderKey]any{jose.HeaderType: "at+jwt"}
			return "Bearer " + sign(t, s)
		}, 401},
		{"typ not a string", servicePath, func() string {
			s := rsaGood(goodClaims(ehrIss, servicePath))
			s.headers = map[jose.HeaderKey]any{jose.HeaderType: 1}
			return "Bearer " + sign(t, s)
		}, 401},
		{"good typ in lower case, as RFC 7515 allows", servicePath, func() string {
			s := rsaGood(goodClaims(ehrIss, servicePath))
			s.headers = map[jose.HeaderKey]any{jose.HeaderType: "jwt"}
			return "Bearer " + sign(t, s)
		}, 200},
		{"good typ as a media type", servicePath, func() string {
			s := rsaGood(goodClaims(ehrIss, servicePath))
			s.headers = map[jose.HeaderKey]any{jose.HeaderType: "application/jwt"}
			return "Bearer " + sign(t, s)
		}, 200},
		{"jku on a client without jwks_uri: its inline keys verify, the jku is not read", servicePath, func() string {
			s := rsaGood(goodClaims(ehrIss, servicePath))
			s.headers = map[jose.HeaderKey]any{"jku": env.jwksURI}
			return "Bearer " + sign(t, s)
		}, 200},
		{"good RS384, inline key", servicePath, func() string { return "Bearer " + sign(t, rsaGood(replayed)) }, 200},
		{"replayed jti", servicePath, func() string { return "Bearer " + sign(t, rsaGood(replayed)) }, 401},
		{"good with aud as an array and a lower-case scheme", servicePath, func() string {
			return "bearer " + sign(t, rsaGood(with(goodClaims(ehrIss, servicePath), "aud", []string{testBase + servicePath})))
		}, 200},
		{"good iat within the leeway", servicePath, func() string {
			return "Bearer " + sign(t, rsaGood(with(goodClaims(ehrIss, servicePath), "iat", today.Add(30*time.Second).Unix())))
		}, 200},
		{"good ES384, key from jwks_uri", servicePath, func() string {
			return "Bearer " + sign(t, tokenSpec{alg: jose.ES384, key: k.ec, kid: "ec-1", claims: goodClaims(remoteIss, servicePath)})
		}, 200},
		{"good ES384 with jku the configured jwks_uri", servicePath, func() string {
			s := tokenSpec{alg: jose.ES384, key: k.ec, kid: "ec-1", claims: goodClaims(remoteIss, servicePath),
				headers: map[jose.HeaderKey]any{"jku": env.jwksURI}}
			return "Bearer " + sign(t, s)
		}, 200},
		// A feedback call's aud is the feedback endpoint, or the service
		// it belongs to (an EHR that names the service it gives feedback
		// on), and nothing else.
		{"feedback with the service's aud", cdshooks.FeedbackPath, func() string { return "Bearer " + sign(t, rsaGood(goodClaims(ehrIss, servicePath))) }, 200},
		{"feedback with the service's aud in an array", cdshooks.FeedbackPath, func() string {
			return "Bearer " + sign(t, rsaGood(with(goodClaims(ehrIss, servicePath), "aud", []string{testBase + servicePath})))
		}, 200},
		{"feedback with the discovery aud", cdshooks.FeedbackPath, func() string { return "Bearer " + sign(t, rsaGood(goodClaims(ehrIss, "/cds-services"))) }, 401},
		{"feedback with another service's aud", cdshooks.FeedbackPath, func() string {
			return "Bearer " + sign(t, rsaGood(goodClaims(ehrIss, "/cds-services/other")))
		}, 401},
		{"feedback with another service's feedback aud", cdshooks.FeedbackPath, func() string {
			return "Bearer " + sign(t, rsaGood(goodClaims(ehrIss, "/cds-services/other/feedback")))
		}, 401},
		{"feedback with the base URL as aud", cdshooks.FeedbackPath, func() string { return "Bearer " + sign(t, rsaGood(goodClaims(ehrIss, ""))) }, 401},
		{"feedback with the service's aud on another host", cdshooks.FeedbackPath, func() string {
			return "Bearer " + sign(t, rsaGood(with(goodClaims(ehrIss, servicePath), "aud", "https://other.example.org"+servicePath)))
		}, 401},
		{"feedback, no token", cdshooks.FeedbackPath, func() string { return "" }, 401},
		{"good feedback", cdshooks.FeedbackPath, func() string { return "Bearer " + sign(t, rsaGood(goodClaims(ehrIss, cdshooks.FeedbackPath))) }, 200},
	}
	svc := trustedService(t, env)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := body
			if tt.path == cdshooks.FeedbackPath {
				b = feedback
			}
			rec := callWith(t, svc, tt.path, tt.auth(), b)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			wa := rec.Header().Get("WWW-Authenticate")
			if tt.status == 401 && !strings.HasPrefix(wa, "Bearer ") {
				t.Errorf("WWW-Authenticate %q, want a Bearer challenge", wa)
			}
			switch {
			case tt.auth() == "" && wa != `Bearer realm="cds-services"`:
				t.Errorf("WWW-Authenticate %q without a token, want a bare challenge (RFC 6750 3.1)", wa)
			case tt.status == 401 && tt.auth() != "" && !strings.Contains(wa, `error="invalid_token"`):
				t.Errorf("WWW-Authenticate %q, want error=\"invalid_token\"", wa)
			}
			if tt.status == 200 && wa != "" {
				t.Errorf("WWW-Authenticate %q on a 200", wa)
			}
		})
	}
	if n := env.jwksServed.Load(); n != 1 {
		t.Errorf("jwks_uri read %d times, want once (the keys are cached)", n)
	}
	// Discovery stays open.
	rec := httptest.NewRecorder()
	svc.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/cds-services", nil))
	if rec.Code != 200 {
		t.Errorf("discovery without a token: status %d, want 200", rec.Code)
	}
}

// TestTrustSeveralAuthorizationHeaders refuses a call with more than one
// Authorization header, whatever their order and even when each holds a
// good token: the service does not pick one, since a proxy or a log may
// read another. Each is a 401 with a WWW-Authenticate challenge.
func TestTrustSeveralAuthorizationHeaders(t *testing.T) {
	k := keys()
	env := newTrustEnv(t, nil)
	svc := trustedService(t, env)
	body, err := os.ReadFile(filepath.Join(requestsDir, "disc-herniation.json"))
	if err != nil {
		t.Fatal(err)
	}
	feedback, err := os.ReadFile(filepath.Join(requestsDir, "feedback", "spec-overridden.json"))
	if err != nil {
		t.Fatal(err)
	}
	good := func(path string) string {
		return "Bearer " + sign(t, tokenSpec{alg: jose.RS384, key: k.rsa, kid: "rsa-1", claims: goodClaims(ehrIss, path)})
	}
	type result struct {
		Status int
		Error  string // the challenge's error
	}
	tests := []struct {
		name    string
		path    string
		headers func() []string
		want    result
	}{
		{"a good token, then garbage", servicePath, func() []string { return []string{good(servicePath), "Bearer not.a.jwt"} }, result{401, "invalid_token"}},
		{"garbage, then a good token", servicePath, func() []string { return []string{"Bearer not.a.jwt", good(servicePath)} }, result{401, "invalid_token"}},
		{"two good tokens", servicePath, func() []string { return []string{good(servicePath), good(servicePath)} }, result{401, "invalid_token"}},
		{"a good token, then an empty header", servicePath, func() []string { return []string{good(servicePath), ""} }, result{401, "invalid_token"}},
		{"an empty header, then a good token", servicePath, func() []string { return []string{"", good(servicePath)} }, result{401, "invalid_token"}},
		{"a good token, then Basic", servicePath, func() []string { return []string{good(servicePath), "Basic dXNlcjpwYXNz"} }, result{401, "invalid_token"}},
		{"feedback: a good token, then garbage", cdshooks.FeedbackPath, func() []string {
			return []string{good(cdshooks.FeedbackPath), "Bearer not.a.jwt"}
		}, result{401, "invalid_token"}},
		{"feedback: garbage, then a good token", cdshooks.FeedbackPath, func() []string {
			return []string{"Bearer not.a.jwt", good(cdshooks.FeedbackPath)}
		}, result{401, "invalid_token"}},
		{"one good token", servicePath, func() []string { return []string{good(servicePath)} }, result{200, ""}},
		{"feedback: one good token", cdshooks.FeedbackPath, func() []string { return []string{good(cdshooks.FeedbackPath)} }, result{200, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := body
			if tt.path == cdshooks.FeedbackPath {
				b = feedback
			}
			req := httptest.NewRequest(http.MethodPost, tt.path, bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			for _, h := range tt.headers() {
				req.Header.Add("Authorization", h)
			}
			rec := httptest.NewRecorder()
			svc.ServeHTTP(rec, req)
			got := result{Status: rec.Code}
			wa := rec.Header().Get("WWW-Authenticate")
			if _, after, ok := strings.Cut(wa, `error="`); ok {
				got.Error, _, _ = strings.Cut(after, `"`)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s\nWWW-Authenticate: %s\n%s", diff, wa, rec.Body)
			}
			if got.Status == 401 && !strings.HasPrefix(wa, "Bearer ") {
				t.Errorf("WWW-Authenticate %q, want a Bearer challenge", wa)
			}
		})
	}
}

// TestTrustSpecExample checks the specification's own example token
// ("Trusting CDS Clients"), ES384 with the example JWK Set: it verifies
// for the example's aud in the hour before its exp, and is refused
// earlier (its exp is years after its iat, and a token may live at most
// MaxTokenLife), once expired and for another endpoint.
func TestTrustSpecExample(t *testing.T) {
	f, err := os.Open("../testdata/cdshooks/trust/spec-example.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := cdshooks.ParseTrust(f)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := os.ReadFile("../testdata/cdshooks/trust/spec-token.jwt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		now  time.Time
		ok   bool
	}{
		// First: a token refused is not remembered, and one accepted is.
		{"its exp years away", "/cds-services/some-service", time.Unix(1400000000, 0), false},
		{"valid then", "/cds-services/some-service", time.Unix(1422568860-600, 0), true},
		{"expired now", "/cds-services/some-service", today, false},
		{"another endpoint", servicePath, time.Unix(1422568860-599, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, tt.path, nil)
			req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
			c, err := tr.Verify(context.Background(), req, tt.path, tt.now)
			if got := err == nil; got != tt.ok {
				t.Fatalf("Verify: %v, want ok %v", err, tt.ok)
			}
			if tt.ok && c.Iss != "https://fhir-ehr.example.com/" {
				t.Errorf("client %q", c.Iss)
			}
		})
	}
}

// TestParseTrustErrors checks that a trust file that would switch a
// check off, or that names no usable key, is refused.
func TestParseTrustErrors(t *testing.T) {
	k := keys()
	pub, err := json.Marshal(jose.JSONWebKey{Key: &k.rsa.PublicKey, KeyID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	priv, err := json.Marshal(jose.JSONWebKey{Key: k.rsa, KeyID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec256, err := json.Marshal(jose.JSONWebKey{Key: &p256.PublicKey, KeyID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	encKey, err := json.Marshal(jose.JSONWebKey{Key: &k.rsa.PublicKey, KeyID: "a", Use: "enc"})
	if err != nil {
		t.Fatal(err)
	}
	const good = `{"base_url": "https://c", "clients": [{"iss": "x", "jwks_uri": "https://e/k"}]}`
	tests := []struct {
		name, file, want string
	}{
		{"no base_url", `{"clients": [{"iss": "x", "jwks_uri": "https://e/k"}]}`, `trust file: base_url: "" is not an absolute http(s) URL without query`},
		{"relative base_url", `{"base_url": "cds.example.org", "clients": [{"iss": "x", "jwks_uri": "https://e/k"}]}`, `trust file: base_url: "cds.example.org" is not an absolute http(s) URL without query`},
		{"no clients", `{"base_url": "https://c"}`, "trust file: clients: none listed: list the CDS clients to trust"},
		{"misspelt field", `{"base_url": "https://c", "clients": [{"iss": "x", "jwks_url": "https://e/k"}]}`, `trust file: json: unknown field "jwks_url"`},
		{"no keys", `{"base_url": "https://c", "clients": [{"iss": "x"}]}`, "trust file: clients[0]: give jwks or jwks_uri"},
		{"no iss", `{"base_url": "https://c", "clients": [{"jwks_uri": "https://e/k"}]}`, "trust file: clients[0].iss: missing"},
		{"iss twice", `{"base_url": "https://c", "clients": [{"iss": "x", "jwks_uri": "https://e/k"}, {"iss": "x", "jwks_uri": "https://e/k"}]}`, `trust file: clients[1].iss: "x" is listed twice`},
		{"private key", `{"base_url": "https://c", "clients": [{"iss": "x", "jwks": {"keys": [` + string(priv) + `]}}]}`, "trust file: clients[0].jwks.keys[0]: not a valid public key"},
		{"a key for encryption", `{"base_url": "https://c", "clients": [{"iss": "x", "jwks": {"keys": [` + string(encKey) + `]}}]}`, `trust file: clients[0].jwks.keys[0]: use "enc": a key that verifies tokens has use "sig" or none`},
		{"P-256 key", `{"base_url": "https://c", "clients": [{"iss": "x", "jwks": {"keys": [` + string(ec256) + `]}}]}`, "trust file: clients[0].jwks.keys[0]: an EC key not on P-384: ES384 signs with P-384"},
		{"fhir server not a URL", `{"base_url": "https://c", "clients": [{"iss": "x", "jwks": {"keys": [` + string(pub) + `]}, "fhir_servers": ["fhir.example.org"]}]}`, `trust file: clients[0].fhir_servers[0]: "fhir.example.org" is not an absolute http(s) URL without query`},
		{"origin with a path", `{"base_url": "https://c", "clients": [{"iss": "x", "jwks": {"keys": [` + string(pub) + `]}, "origins": ["https://ehr.example.org/app"]}]}`, `trust file: clients[0].origins[0]: "https://ehr.example.org/app" is not an origin (scheme://host[:port])`},
		{"origin with user information", `{"base_url": "https://c", "clients": [{"iss": "x", "jwks": {"keys": [` + string(pub) + `]}, "origins": ["https://me@ehr.example.org"]}]}`, `trust file: clients[0].origins[0]: "https://me@ehr.example.org" is not an origin (scheme://host[:port])`},
		// CDS Hooks requires TLS: a FHIR access token or a key set must not
		// travel over plain HTTP, except to the machine itself.
		{"http base_url", `{"base_url": "http://cds.example.org", "clients": [{"iss": "x", "jwks_uri": "https://e/k"}]}`,
			`trust file: base_url: "http://cds.example.org" is not https: CDS Hooks requires TLS (http is allowed only for localhost, 127.0.0.0/8 and ::1)`},
		{"http fhir server", `{"base_url": "https://c", "clients": [{"iss": "x", "jwks": {"keys": [` + string(pub) + `]}, "fhir_servers": ["https://fhir.example.org/r4", "http://fhir.example.org/r4"]}]}`,
			`trust file: clients[0].fhir_servers[1]: "http://fhir.example.org/r4" is not https: CDS Hooks requires TLS (http is allowed only for localhost, 127.0.0.0/8 and ::1)`},
		{"http jwks_uri", `{"base_url": "https://c", "clients": [{"iss": "x", "jwks_uri": "https://e/k"}, {"iss": "y", "jwks_uri": "http://ehr.example.org/jwks.json"}]}`,
			`trust file: clients[1].jwks_uri: "http://ehr.example.org/jwks.json" is not https: CDS Hooks requires TLS (http is allowed only for localhost, 127.0.0.0/8 and ::1)`},
		{"http to a host named like localhost", `{"base_url": "http://localhost.example.org", "clients": [{"iss": "x", "jwks_uri": "https://e/k"}]}`,
			`trust file: base_url: "http://localhost.example.org" is not https: CDS Hooks requires TLS (http is allowed only for localhost, 127.0.0.0/8 and ::1)`},
		{"http to a private address", `{"base_url": "https://c", "clients": [{"iss": "x", "jwks": {"keys": [` + string(pub) + `]}, "fhir_servers": ["http://10.0.0.8/r4"]}]}`,
			`trust file: clients[0].fhir_servers[0]: "http://10.0.0.8/r4" is not https: CDS Hooks requires TLS (http is allowed only for localhost, 127.0.0.0/8 and ::1)`},
		{"another scheme", `{"base_url": "ftp://cds.example.org", "clients": [{"iss": "x", "jwks_uri": "https://e/k"}]}`,
			`trust file: base_url: "ftp://cds.example.org" is not an absolute http(s) URL without query`},
		// A trust file is one JSON object: what follows it is not read,
		// so it is refused, as after a request body.
		{"a second object after it", good + `{"base_url": "https://other"}`,
			"trust file: line 1, column 80: content after the JSON object: a trust file is one JSON object"},
		{"a second object on the next line", good + "\n" + good, "trust file: line 2, column 1: content after the JSON object: a trust file is one JSON object"},
		{"stray text", good + "\n\n  clients: []\n", "trust file: line 3, column 3: content after the JSON object: a trust file is one JSON object"},
		{"a stray closing brace", good + "}", "trust file: line 1, column 80: content after the JSON object: a trust file is one JSON object"},
		{"a comment", good + " // the EHR", "trust file: line 1, column 81: content after the JSON object: a trust file is one JSON object"},
		{"white space after it", good + "\n\t \r\n", ""},
		{"http to loopback hosts", `{"base_url": "http://localhost:8080", "clients": [{"iss": "x", "jwks_uri": "http://127.0.0.1:9000/jwks.json",
			"fhir_servers": ["http://[::1]:8081/r4", "http://127.8.9.10/r4", "http://LocalHost/r4"]}]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cdshooks.ParseTrust(strings.NewReader(tt.file))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseTrustNilReader checks that a nil reader is an error, not a
// panic.
func TestParseTrustNilReader(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("ParseTrust(nil) panicked: %v", r)
		}
	}()
	if tr, err := cdshooks.ParseTrust(nil); err == nil || tr != nil {
		t.Errorf("ParseTrust(nil) = %v, %v; want nil and an error", tr, err)
	}
}

// TestVerifyAudience checks the aud a call's token may carry: the
// endpoint called, and for the feedback endpoint the service it belongs
// to as well; anything else is refused with a reason that names what is
// accepted.
func TestVerifyAudience(t *testing.T) {
	env := newTrustEnv(t, nil)
	const (
		service  = testBase + servicePath
		feedback = testBase + cdshooks.FeedbackPath
	)
	forService := "aud must be " + service
	forFeedback := "aud must be " + feedback + " or " + service
	tests := []struct {
		name, path string
		aud        any
		want       string // the reason of the refusal; "" when accepted
	}{
		{"service call, service aud", servicePath, service, ""},
		{"service call, feedback aud", servicePath, feedback, forService},
		{"feedback, feedback aud", cdshooks.FeedbackPath, feedback, ""},
		{"feedback, service aud", cdshooks.FeedbackPath, service, ""},
		{"feedback, both in an array", cdshooks.FeedbackPath, []string{feedback, service}, ""},
		{"feedback, service aud with a trailing slash", cdshooks.FeedbackPath, service + "/", forFeedback},
		{"feedback, discovery aud", cdshooks.FeedbackPath, testBase + "/cds-services", forFeedback},
		{"feedback, another service's aud", cdshooks.FeedbackPath, testBase + "/cds-services/other", forFeedback},
		{"feedback, the base URL", cdshooks.FeedbackPath, testBase, forFeedback},
		{"feedback, the service on another host", cdshooks.FeedbackPath, "https://other.example.org" + servicePath, forFeedback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := goodClaims(ehrIss, tt.path)
			c["aud"] = tt.aud
			req := httptest.NewRequest(http.MethodPost, tt.path, nil)
			req.Header.Set("Authorization", "Bearer "+sign(t, tokenSpec{alg: jose.RS384, key: keys().rsa, kid: "rsa-1", claims: c}))
			_, err := env.trust.Verify(t.Context(), req, tt.path, today)
			got := ""
			if err != nil {
				var ae *cdshooks.AuthError
				if !errors.As(err, &ae) {
					t.Fatalf("Verify: %v, want an *AuthError", err)
				}
				got = ae.Reason
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("refusal (-want +got):\n%s", diff)
			}
		})
	}
}

// TestJKUWithInlineKeys checks a token with a jku header from a client
// the trust file gives inline keys only: CDS Hooks makes jku optional and
// lets the keys be agreed out of band, so the token is verified with the
// inline keys, and the jku URL is never read, whatever it holds. A
// client with a jwks_uri still needs jku to be that URI.
func TestJKUWithInlineKeys(t *testing.T) {
	k := keys()
	var hits atomic.Int32
	// A key set an attacker serves: the other RSA key, under the inline
	// key's kid.
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.otherRSA.PublicKey, KeyID: "rsa-1", Algorithm: "RS384", Use: "sig"}}})
	}))
	t.Cleanup(attacker.Close)
	env := newTrustEnv(t, nil)
	type outcome struct {
		Reason string // of the refusal; "" when accepted
		Hits   int32  // reads of the jku
	}
	tests := []struct {
		name string
		iss  string
		alg  jose.SignatureAlgorithm
		key  any
		kid  string
		jku  string
		want outcome
	}{
		{"inline key, jku elsewhere", ehrIss, jose.RS384, k.rsa, "rsa-1", attacker.URL + "/jwks.json", outcome{}},
		{"inline key, jku the client's own publishing URL", ehrIss, jose.RS384, k.rsa, "rsa-1", "https://ehr.example.org/.well-known/jwks.json", outcome{}},
		{"the jku's key, not an inline one", ehrIss, jose.RS384, k.otherRSA, "rsa-1", attacker.URL + "/jwks.json",
			outcome{Reason: "the signature does not verify with the client's keys"}},
		{"client with a jwks_uri, another jku", remoteIss, jose.ES384, k.ec, "ec-1", attacker.URL + "/jwks.json",
			outcome{Reason: "jku is not the client's configured jwks_uri"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hits.Load()
			tok := sign(t, tokenSpec{alg: tt.alg, key: tt.key, kid: tt.kid, claims: goodClaims(tt.iss, servicePath),
				headers: map[jose.HeaderKey]any{"jku": tt.jku}})
			req := httptest.NewRequest(http.MethodPost, servicePath, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			_, err := env.trust.Verify(t.Context(), req, servicePath, today)
			var got outcome
			if err != nil {
				var ae *cdshooks.AuthError
				if !errors.As(err, &ae) {
					t.Fatalf("Verify: %v, want an *AuthError", err)
				}
				got.Reason = ae.Reason
			}
			got.Hits = hits.Load() - before
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
		})
	}
}

// TestJWKSFailureCached checks that a client's jwks_uri that cannot be
// read is not read again for every call: 20 forged calls naming a client
// whose jwks_uri answers 503 make one read between them, each answered
// at once with a 401; the next read comes 30 seconds after the last, on
// the service's clock, whether that one failed or not; and once the
// jwks_uri answers, its keys verify. The steps run in order.
func TestJWKSFailureCached(t *testing.T) {
	k := keys()
	var reads atomic.Int32
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reads.Add(1)
		if down.Load() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.ec.PublicKey, KeyID: "ec-1", Algorithm: "ES384", Use: "sig"}}})
	}))
	t.Cleanup(srv.Close)
	tr, err := cdshooks.NewTrust(cdshooks.TrustFile{BaseURL: testBase, Clients: []cdshooks.TrustedClient{{Iss: remoteIss, JWKSURI: srv.URL + "/jwks.json"}}})
	if err != nil {
		t.Fatal(err)
	}
	forged := func() string {
		return sign(t, tokenSpec{alg: jose.RS384, key: k.otherRSA, kid: "forged", claims: goodClaims(remoteIss, servicePath)})
	}
	good := func() string {
		return sign(t, tokenSpec{alg: jose.ES384, key: k.ec, kid: "ec-1", claims: goodClaims(remoteIss, servicePath)})
	}
	const unread = "unauthorized: the client's jwks_uri could not be read"
	steps := []struct {
		name  string
		after time.Duration // since today
		down  bool
		calls int
		token func() string
		want  string // each call's error, "" for none
		reads int32  // in all, after the step
	}{
		{"20 forged calls, the jwks_uri down: one read", 0, true, 20, forged, unread, 1},
		{"a good token 29 s later: no read", 29 * time.Second, true, 1, good, unread, 1},
		{"30 s after the failed read: read again", 30 * time.Second, true, 20, forged, unread, 2},
		{"the jwks_uri up, 30 s after that: read, and the key verifies", time.Minute, false, 1, good, "", 3},
		{"20 forged calls naming a kid the keys lack, 1 s later: no read", time.Minute + time.Second, false, 20, forged,
			"unauthorized: no key of the client has the token's kid", 3},
		{"the same, 30 s after the last read: one read", 90 * time.Second, false, 20, forged,
			"unauthorized: no key of the client has the token's kid", 4},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			down.Store(st.down)
			for range st.calls {
				req := httptest.NewRequest(http.MethodPost, servicePath, nil)
				req.Header.Set("Authorization", "Bearer "+st.token())
				got := ""
				if _, err := tr.Verify(t.Context(), req, servicePath, today.Add(st.after)); err != nil {
					got = err.Error()
				}
				if got != st.want {
					t.Fatalf("Verify: error %q, want %q", got, st.want)
				}
			}
			if diff := cmp.Diff(st.reads, reads.Load()); diff != "" {
				t.Errorf("reads of the jwks_uri in all (-want +got):\n%s", diff)
			}
		})
	}
}

// TestJWKSURISkipsKeysItCannotRead checks that a key of a jwks_uri's set
// that cannot be read (a key type or curve go-jose does not know) is
// skipped, as RFC 7517 (section 5) asks, and the client's signing key
// beside it still verifies its tokens, rather than the whole set being
// unreadable and every call a 401.
func TestJWKSURISkipsKeysItCannotRead(t *testing.T) {
	k := keys()
	signing, err := json.Marshal(jose.JSONWebKey{Key: &k.ec.PublicKey, KeyID: "ec-1", Algorithm: "ES384", Use: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	for name, other := range map[string]string{
		"an X25519 key":        `{"kty": "OKP", "crv": "X25519", "kid": "x", "use": "enc", "x": "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"}`,
		"an unknown key type":  `{"kty": "XYZ", "kid": "z"}`,
		"an RSA key without n": `{"kty": "RSA", "kid": "r", "e": "AQAB"}`,
	} {
		t.Run(name, func(t *testing.T) {
			jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `{"keys": [%s, %s]}`, other, signing)
			}))
			defer jwks.Close()
			tr, err := cdshooks.NewTrust(cdshooks.TrustFile{BaseURL: testBase,
				Clients: []cdshooks.TrustedClient{{Iss: remoteIss, JWKSURI: jwks.URL + "/jwks.json"}}})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodPost, servicePath, nil)
			req.Header.Set("Authorization", "Bearer "+sign(t, tokenSpec{alg: jose.ES384, key: k.ec, kid: "ec-1", claims: goodClaims(remoteIss, servicePath)}))
			if _, err := tr.Verify(context.Background(), req, servicePath, today); err != nil {
				t.Errorf("a token signed with the set's ES384 key: %v", err)
			}
		})
	}
}

// TestEncryptionKeyDoesNotVerify checks that a key of a client's
// jwks_uri set whose use is "enc" (RFC 7517 §4.2) verifies no token, even
// one it signed, while the set's signing key still does.
func TestEncryptionKeyDoesNotVerify(t *testing.T) {
	k := keys()
	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &k.rsa.PublicKey, KeyID: "rsa-enc", Algorithm: "RS384", Use: "enc"},
		{Key: &k.ec.PublicKey, KeyID: "ec-1", Algorithm: "ES384", Use: "sig"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(set) }))
	defer jwks.Close()
	tr, err := cdshooks.NewTrust(cdshooks.TrustFile{BaseURL: testBase,
		Clients: []cdshooks.TrustedClient{{Iss: remoteIss, JWKSURI: jwks.URL + "/jwks.json"}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		spec tokenSpec
		want bool
	}{
		{"signed by the key for encryption", tokenSpec{alg: jose.RS384, key: k.rsa, kid: "rsa-enc", claims: goodClaims(remoteIss, servicePath)}, false},
		{"signed by the signing key", tokenSpec{alg: jose.ES384, key: k.ec, kid: "ec-1", claims: goodClaims(remoteIss, servicePath)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, servicePath, nil)
			req.Header.Set("Authorization", "Bearer "+sign(t, tt.spec))
			_, err := tr.Verify(context.Background(), req, servicePath, today)
			if diff := cmp.Diff(tt.want, err == nil); diff != "" {
				t.Errorf("verified (-want +got):\n%s (error: %v)", diff, err)
			}
		})
	}
}

// TestNewTrustKeepsTheCallersLists checks that NewTrust, which keeps
// each client's FHIR server URLs without a trailing slash, does not write
// them into the TrustFile it was given.
func TestNewTrustKeepsTheCallersLists(t *testing.T) {
	servers := []string{"https://fhir.example.org/r4/", "https://other.example.org/fhir/"}
	f := cdshooks.TrustFile{BaseURL: testBase,
		Clients: []cdshooks.TrustedClient{{Iss: remoteIss, JWKSURI: "https://ehr.example.org/jwks.json", FHIRServers: servers}}}
	if _, err := cdshooks.NewTrust(f); err != nil {
		t.Fatal(err)
	}
	want := []string{"https://fhir.example.org/r4/", "https://other.example.org/fhir/"}
	if diff := cmp.Diff(want, servers); diff != "" {
		t.Errorf("the caller's fhir_servers after NewTrust (-want +got):\n%s", diff)
	}
}
