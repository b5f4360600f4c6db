package cdshooks

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// TrustFile is the JSON of a trust file (server -cds-trust FILE): the
// service's public base URL and the CDS clients it trusts.
//
//	{"base_url": "https://cds.example.org",
//	 "clients": [{"iss": "https://ehr.example.org",
//	              "jwks": {"keys": [...]},
//	              "jwks_uri": "https://ehr.example.org/.well-known/jwks.json",
//	              "fhir_servers": ["https://fhir.example.org/r4"],
//	              "origins": ["https://ehr.example.org"]}]}
type TrustFile struct {
	// BaseURL is the service's base URL as clients call it, without the
	// /cds-services path: a token's aud must be BaseURL plus the path
	// called. It, JWKSURI and FHIRServers must be https URLs (CDS Hooks
	// requires TLS), or http ones of a loopback host.
	BaseURL string `json:"base_url"`
	// Clients are the trusted CDS clients, one per issuer.
	Clients []TrustedClient `json:"clients"`
}

// TrustedClient is a CDS client the service trusts.
type TrustedClient struct {
	// Iss is the issuer its tokens carry in iss.
	Iss string `json:"iss"`
	// JWKS holds its public keys inline; JWKSURI is where it publishes
	// them. A client has one or both. When it has a JWKSURI, a token's jku
	// header must equal it; when it has inline keys only, a jku header is
	// ignored (the token is verified with those keys) and never read. No
	// key is ever fetched from a token's jku.
	JWKS    *jose.JSONWebKeySet `json:"jwks,omitempty"`
	JWKSURI string              `json:"jwks_uri,omitempty"`
	// FHIRServers are the FHIR base URLs the service may read from when
	// this client sends fhirServer and fhirAuthorization without the
	// prefetch it needs. The service never calls another host.
	FHIRServers []string `json:"fhir_servers,omitempty"`
	// Origins are the browser origins ("https://ehr.example.org") this
	// client calls from, for CORS, compared as a browser writes them (the
	// scheme and host in lower case, no default port). When no client lists any, a browser
	// of any origin may call the service: the token, not the origin,
	// authenticates the call.
	Origins []string `json:"origins,omitempty"`
}

// Token checks: the algorithms the service accepts, the clock leeway, and
// the bounds on the replay cache and the key fetches.
const (
	// Leeway is the clock skew allowed on exp and iat.
	Leeway = 60 * time.Second
	// MaxTokenLife is how far after now a token's exp may be (beside
	// Leeway). A token's jti is remembered until it expires, in memory
	// only: a token that lives longer could be replayed once the service
	// restarts, or at another replica, for as long as it lives. CDS Hooks
	// best practice keeps these tokens to at most an hour.
	MaxTokenLife = time.Hour
	// ReplayCacheSize bounds the jti values remembered.
	ReplayCacheSize = 100000
	// jwksTTL is how long keys fetched from a jwks_uri are kept, and
	// jwksRefetch how soon after a read, good or failed, the next may
	// begin (an unknown kid, or keys past jwksTTL, ask for one).
	jwksTTL      = 10 * time.Minute
	jwksRefetch  = 30 * time.Second
	jwksMaxBytes = 256 << 10
	// fetchTimeout bounds each outbound call (a jwks_uri, a FHIR read).
	fetchTimeout = 5 * time.Second
)

// acceptedAlgs are the signing algorithms CDS Hooks 2.0 recommends.
var acceptedAlgs = []jose.SignatureAlgorithm{jose.RS384, jose.ES384}

// ErrUnauthorized is matched by every error of Trust.Verify.
var ErrUnauthorized = errors.New("unauthorized")

// Trust checks the JWTs of CDS clients against a trust file. It is safe
// for concurrent use.
type Trust struct {
	baseURL   string
	clients   map[string]*TrustedClient
	http      *http.Client
	anyOrigin bool
	origins   map[string]bool

	mu     sync.Mutex
	seen   map[string]time.Time // iss + " " + jti -> when it may be forgotten
	keySet map[string]*fetchedKeys
	// waiting, when set (by tests), is called when a caller starts
	// waiting for a fetch of a jwks_uri that another caller has in
	// flight.
	waiting func()
}

// fetchedKeys is what the service knows of one jwks_uri: the keys of its
// last good read, and when it was last read, well or not. Guarded by
// Trust.mu.
type fetchedKeys struct {
	keys []jose.JSONWebKey
	// fetchedAt is when keys were read; zero before a read succeeds.
	fetchedAt time.Time
	// triedAt is when the last read began, whether it succeeded or not:
	// no read begins sooner than jwksRefetch after it.
	triedAt time.Time
	// inFlight, while a read is under way, is closed when it ends; nil
	// otherwise. Callers that need the keys meanwhile wait for it
	// rather than read again.
	inFlight chan struct{}
}

// ParseTrust reads a trust file. It checks that base_url is an absolute
// https URL, that there is at least one client, that each has a distinct
// iss, public RSA or P-384 keys inline or an absolute https jwks_uri,
// absolute https fhir_servers and origins of the form scheme://host. CDS
// Hooks requires TLS: an http URL is refused unless its host is loopback
// (localhost, 127.0.0.0/8, ::1).
// Unknown fields are errors, so that a misspelt field does not switch a
// check off, and so is anything after the JSON object (a second object,
// stray text), so that no part of the file goes unread. A nil r is an
// error.
func ParseTrust(r io.Reader) (*Trust, error) {
	if r == nil {
		return nil, errors.New("trust file: nil io.Reader")
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("trust file: %w", err)
	}
	var f TrustFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("trust file: %w", err)
	}
	// The file is one JSON object: anything after it (a second object,
	// stray text) is an error, as in a request body, rather than a part
	// of the file that is silently not read.
	end := int(dec.InputOffset())
	if rest := bytes.TrimLeft(data[end:], " \t\r\n"); len(rest) > 0 {
		line, col := lineColumn(data, len(data)-len(rest))
		return nil, fmt.Errorf("trust file: line %d, column %d: content after the JSON object: a trust file is one JSON object", line, col)
	}
	return NewTrust(f)
}

// lineColumn returns the line and column, from 1, of byte off of data;
// the column counts characters.
func lineColumn(data []byte, off int) (line, col int) {
	before := data[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	if i := bytes.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, 1 + utf8.RuneCount(before)
}

// NewTrust checks a TrustFile, as ParseTrust does, and returns its Trust.
func NewTrust(f TrustFile) (*Trust, error) {
	base, err := absURL(f.BaseURL, "base_url")
	if err != nil {
		return nil, err
	}
	if len(f.Clients) == 0 {
		return nil, errors.New("trust file: clients: none listed: list the CDS clients to trust")
	}
	t := &Trust{
		baseURL: strings.TrimSuffix(base, "/"),
		clients: map[string]*TrustedClient{},
		http: &http.Client{Timeout: fetchTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		anyOrigin: true,
		origins:   map[string]bool{},
		seen:      map[string]time.Time{},
		keySet:    map[string]*fetchedKeys{},
	}
	for i, c := range f.Clients {
		at := fmt.Sprintf("trust file: clients[%d]", i)
		if c.Iss == "" {
			return nil, fmt.Errorf("%s.iss: missing", at)
		}
		if _, dup := t.clients[c.Iss]; dup {
			return nil, fmt.Errorf("%s.iss: %q is listed twice", at, c.Iss)
		}
		if c.JWKS == nil && c.JWKSURI == "" {
			return nil, fmt.Errorf("%s: give jwks or jwks_uri", at)
		}
		if c.JWKS != nil {
			if len(c.JWKS.Keys) == 0 {
				return nil, fmt.Errorf("%s.jwks: no keys", at)
			}
			for j, k := range c.JWKS.Keys {
				if err := checkKey(k); err != nil {
					return nil, fmt.Errorf("%s.jwks.keys[%d]: %w", at, j, err)
				}
			}
		}
		if c.JWKSURI != "" {
			if _, err := absURL(c.JWKSURI, fmt.Sprintf("clients[%d].jwks_uri", i)); err != nil {
				return nil, err
			}
		}
		// The URLs are kept trimmed in a list of the Trust's own, not
		// written into the caller's.
		c.FHIRServers = slices.Clone(c.FHIRServers)
		for j, s := range c.FHIRServers {
			u, err := absURL(s, fmt.Sprintf("clients[%d].fhir_servers[%d]", i, j))
			if err != nil {
				return nil, err
			}
			c.FHIRServers[j] = strings.TrimSuffix(u, "/")
		}
		for j, o := range c.Origins {
			u, err := url.Parse(o)
			if err != nil || u.Scheme == "" || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
				return nil, fmt.Errorf("%s.origins[%d]: %q is not an origin (scheme://host[:port])", at, j, o)
			}
			// Kept as a browser sends it, so that "https://EHR.example.org"
			// or "https://ehr.example.org:443" in the file is the origin
			// "https://ehr.example.org" a browser names, not one none does.
			t.origins[serializedOrigin(u)] = true
			t.anyOrigin = false
		}
		t.clients[c.Iss] = &c
	}
	return t, nil
}

// serializedOrigin is the origin of u as a browser writes it in an Origin
// header (RFC 6454, section 6.2): the scheme and host in lower case, and
// the port only when it is not the scheme's default (443 for https, 80
// for http).
func serializedOrigin(u *url.URL) string {
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if scheme == "https" && port == "443" || scheme == "http" && port == "80" {
		port = ""
	}
	if port != "" {
		return scheme + "://" + net.JoinHostPort(host, port)
	}
	if strings.Contains(host, ":") { // an IPv6 address
		host = "[" + host + "]"
	}
	return scheme + "://" + host
}

// absURL checks that s, the trust file's field, is an absolute https URL
// without query or fragment. CDS Hooks requires TLS for every exchange,
// and the service sends a FHIR access token to a fhir_servers URL and
// trusts the keys of a jwks_uri: http is allowed only for a loopback host
// (localhost, 127.0.0.0/8, ::1), which never leaves the machine, as in
// tests and a local setup.
func absURL(s, field string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("trust file: %s: %q is not an absolute http(s) URL without query", field, s)
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return "", fmt.Errorf("trust file: %s: %q is not https: CDS Hooks requires TLS (http is allowed only for localhost, 127.0.0.0/8 and ::1)", field, s)
	}
	return s, nil
}

// loopback reports whether host, a URL's host name without port or
// brackets, is the machine itself: localhost, or an address of 127.0.0.0/8
// or ::1.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// checkKey accepts a public RSA key of at least 2048 bits, or a public
// P-384 key, for signatures: its alg, when given, RS384 or ES384, and its
// use, when given, "sig".
func checkKey(k jose.JSONWebKey) error {
	if !k.Valid() || !k.IsPublic() {
		return errors.New("not a valid public key")
	}
	switch key := k.Key.(type) {
	case *rsa.PublicKey:
		if key.N.BitLen() < 2048 {
			return fmt.Errorf("an RSA key of %d bits: at least 2048 are needed", key.N.BitLen())
		}
	case *ecdsa.PublicKey:
		if key.Curve != elliptic.P384() {
			return errors.New("an EC key not on P-384: ES384 signs with P-384")
		}
	default:
		return fmt.Errorf("a %T key: only RSA (RS384) and EC P-384 (ES384) keys are accepted", k.Key)
	}
	if k.Algorithm != "" && !slices.Contains(acceptedAlgs, jose.SignatureAlgorithm(k.Algorithm)) {
		return fmt.Errorf("alg %q: only RS384 and ES384 are accepted", k.Algorithm)
	}
	if k.Use != "" && k.Use != "sig" {
		// RFC 7517 §4.2: a key whose use is not "sig" is not for
		// verifying signatures.
		return fmt.Errorf("use %q: a key that verifies tokens has use \"sig\" or none", k.Use)
	}
	return nil
}

// AuthError is a call the service refused to trust: it is answered with
// 401 and a WWW-Authenticate header.
type AuthError struct {
	// Reason says why, without the token.
	Reason string
	// NoToken is true when the call carried no Authorization header.
	NoToken bool
}

// Error returns the reason.
func (e *AuthError) Error() string { return "unauthorized: " + e.Reason }

// Unwrap returns ErrUnauthorized.
func (e *AuthError) Unwrap() error { return ErrUnauthorized }

func unauthorized(format string, args ...any) *AuthError {
	return &AuthError{Reason: fmt.Sprintf(format, args...)}
}

// claims are the JWT claims CDS Hooks requires.
type claims struct {
	jwt.Claims
	Tenant string `json:"tenant,omitempty"`
}

// Verify checks the request's Authorization header for a call to path
// (such as "/cds-services/backrules") at now: one header (several are
// refused, whatever their order, since they could name different
// clients), a Bearer JWT signed with
// RS384 or ES384 by a listed client's key, with a typ header, if any, of
// JWT (CDS Hooks fixes it; another kind of JWT is refused), iss that client, aud
// base_url + path, exp after now and iat not after it (each with
// Leeway), exp at most MaxTokenLife after now (with Leeway), and a jti not
// seen before. It returns the client, or an
// *AuthError.
//
// For a call to a service's feedback endpoint
// (/cds-services/{id}/feedback), aud may also be the endpoint of that
// service (base_url + /cds-services/{id}): CDS Hooks asks for "the CDS
// Service endpoint being invoked", and the feedback endpoint is that
// service's, so a client may name either. No other aud is accepted: not
// discovery, nor another service. The jti is remembered across paths, so
// a token of a service call cannot be replayed as feedback.
func (t *Trust) Verify(ctx context.Context, r *http.Request, path string, now time.Time) (*TrustedClient, error) {
	hs := r.Header.Values("Authorization")
	if len(hs) > 1 {
		// Which one would a proxy, a log or another server read? The
		// service does not pick one: a call names one client, once.
		return nil, unauthorized("%d Authorization headers: send one, with one Bearer JWT", len(hs))
	}
	var h string
	if len(hs) == 1 {
		h = hs[0]
	}
	if h == "" {
		return nil, &AuthError{Reason: "no Authorization header: send a Bearer JWT signed by the client", NoToken: true}
	}
	scheme, raw, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return nil, unauthorized("the Authorization header is not a Bearer token")
	}
	tok, err := jwt.ParseSigned(strings.TrimSpace(raw), acceptedAlgs)
	if err != nil {
		return nil, unauthorized("the token is not a JWT signed with RS384 or ES384")
	}
	if len(tok.Headers) != 1 {
		return nil, unauthorized("the token has more than one signature")
	}
	hdr := tok.Headers[0]
	// CDS Hooks fixes typ at JWT. A token that says it is another kind
	// (an OAuth access token, at+jwt, signed by the same key) is not a
	// client's call, however its claims read (RFC 8725, 3.11). One
	// without typ is taken, as most JWT libraries write it.
	if typ, ok := hdr.ExtraHeaders[jose.HeaderType]; ok {
		if s, _ := typ.(string); !strings.EqualFold(s, "JWT") && !strings.EqualFold(s, "application/jwt") {
			return nil, unauthorized("typ must be JWT: the token is another kind of JWT")
		}
	}
	var unverified claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, unauthorized("the token's claims cannot be read")
	}
	c, ok := t.clients[unverified.Issuer]
	if !ok {
		return nil, unauthorized("iss is not a trusted client")
	}
	// CDS Hooks makes jku optional and lets client and service agree on
	// the keys out of band. A client with a jwks_uri must name that one
	// (the allowlist of jku URLs CDS Hooks asks for); for a client with
	// inline keys only, jku is a hint the service does not need: the token
	// is verified with those keys, and the jku is never read.
	if jku, ok := hdr.ExtraHeaders["jku"]; ok && c.JWKSURI != "" {
		if s, _ := jku.(string); s != c.JWKSURI {
			return nil, unauthorized("jku is not the client's configured jwks_uri")
		}
	}
	keys, err := t.keys(ctx, c, hdr.KeyID, now)
	if err != nil {
		return nil, err
	}
	var cl claims
	verified := false
	for _, k := range keys {
		if err := tok.Claims(k.Key, &cl); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, unauthorized("the signature does not verify with the client's keys")
	}
	if cl.Issuer != c.Iss {
		return nil, unauthorized("iss is not a trusted client")
	}
	auds := audiences(t.baseURL, path)
	if !slices.ContainsFunc(auds, cl.Audience.Contains) {
		return nil, unauthorized("aud must be %s", strings.Join(auds, " or "))
	}
	if cl.Expiry == nil {
		return nil, unauthorized("exp is missing")
	}
	if cl.IssuedAt == nil {
		return nil, unauthorized("iat is missing")
	}
	if cl.ID == "" {
		return nil, unauthorized("jti is missing")
	}
	exp := cl.Expiry.Time()
	if now.Add(-Leeway).After(exp) {
		return nil, unauthorized("the token has expired")
	}
	if exp.After(now.Add(MaxTokenLife + Leeway)) {
		// Its jti would have to be remembered past a restart.
		return nil, unauthorized("exp is more than %v away: a token must expire within %v of the call", MaxTokenLife, MaxTokenLife)
	}
	if cl.IssuedAt.Time().After(now.Add(Leeway)) {
		return nil, unauthorized("iat is in the future")
	}
	if cl.NotBefore != nil && cl.NotBefore.Time().After(now.Add(Leeway)) {
		return nil, unauthorized("the token is not valid yet (nbf)")
	}
	if !t.remember(c.Iss+" "+cl.ID, exp.Add(Leeway), now) {
		return nil, unauthorized("jti has been used before")
	}
	return c, nil
}

// audiences returns the aud values a token for a call to path may carry:
// base + path, and for the feedback endpoint of a service
// (/cds-services/{id}/feedback) base + the service's endpoint too.
func audiences(base, path string) []string {
	auds := []string{base + path}
	if svc, ok := strings.CutSuffix(path, "/feedback"); ok {
		if id, ok := strings.CutPrefix(svc, "/cds-services/"); ok && id != "" && !strings.Contains(id, "/") {
			auds = append(auds, base+svc)
		}
	}
	return auds
}

// remember records a jti until forget, and reports whether it is new. The
// cache holds at most ReplayCacheSize values: when full, expired ones go
// first, then the one that expires soonest.
func (t *Trust) remember(key string, forget, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if until, ok := t.seen[key]; ok && now.Before(until) {
		return false
	}
	if len(t.seen) >= ReplayCacheSize {
		for k, until := range t.seen {
			if !now.Before(until) {
				delete(t.seen, k)
			}
		}
		for len(t.seen) >= ReplayCacheSize {
			var oldest string
			var at time.Time
			for k, until := range t.seen {
				if oldest == "" || until.Before(at) {
					oldest, at = k, until
				}
			}
			delete(t.seen, oldest)
		}
	}
	t.seen[key] = forget
	return true
}

// keys returns the client's keys that may have signed a token with kid:
// those with that kid and those without a kid (all when kid is empty).
// A key of another kid is never tried. The inline jwks come
// first; jwks_uri is read only when they have no such key, with a
// timeout, and its keys are kept for jwksTTL (read again sooner when none
// has the kid); it is read at most every jwksRefetch, whether the last
// read succeeded or failed, and one read at a time (see fetchedKeys).
func (t *Trust) keys(ctx context.Context, c *TrustedClient, kid string, now time.Time) ([]jose.JSONWebKey, error) {
	var out []jose.JSONWebKey
	pick := func(keys []jose.JSONWebKey) {
		for _, k := range keys {
			if kid == "" || k.KeyID == kid || k.KeyID == "" {
				out = append(out, k)
			}
		}
	}
	if c.JWKS != nil {
		pick(c.JWKS.Keys)
	}
	if len(out) == 0 && c.JWKSURI != "" {
		fetched, err := t.fetchedKeys(ctx, c.JWKSURI, kid, now)
		if err != nil {
			return nil, err
		}
		pick(fetched)
	}
	if len(out) == 0 {
		return nil, unauthorized("no key of the client has the token's kid")
	}
	return out, nil
}

// fetchedKeys returns the keys of the jwks_uri uri for a token with kid,
// at now. Keys read less than jwksTTL ago are used as they are, unless
// none has kid; otherwise uri is read again, but never sooner than
// jwksRefetch after the last read began, whether that read succeeded or
// failed: so a client whose jwks_uri is down, or tokens naming a kid it
// lacks, cannot make the service call it more often, and each such call
// is answered at once. One read of a uri is under way at a time: callers
// that need it meanwhile wait for it (or for their own ctx) and share its
// keys. When a read fails, the keys of the last good read, if any, are
// kept and used.
func (t *Trust) fetchedKeys(ctx context.Context, uri, kid string, now time.Time) ([]jose.JSONWebKey, error) {
	t.mu.Lock()
	fk := t.keySet[uri]
	if fk == nil {
		fk = &fetchedKeys{}
		t.keySet[uri] = fk
	}
	for fk.inFlight != nil {
		done := fk.inFlight
		t.mu.Unlock()
		if t.waiting != nil {
			t.waiting()
		}
		select {
		case <-done:
		case <-ctx.Done():
			return nil, unauthorized("the client's jwks_uri is being read: the call ended before it was")
		}
		t.mu.Lock()
	}
	fresh := !fk.fetchedAt.IsZero() && now.Sub(fk.fetchedAt) < jwksTTL
	if fresh && (kid == "" || hasKid(fk.keys, kid)) || !fk.triedAt.IsZero() && now.Sub(fk.triedAt) < jwksRefetch {
		keys, read := fk.keys, !fk.fetchedAt.IsZero()
		t.mu.Unlock()
		if !read {
			return nil, unauthorized("the client's jwks_uri could not be read")
		}
		return keys, nil
	}
	fk.triedAt = now
	done := make(chan struct{})
	fk.inFlight = done
	t.mu.Unlock()

	// The read is shared by every caller waiting for it: one caller
	// leaving does not end it (fetchTimeout does).
	keys, err := t.fetchJWKS(context.WithoutCancel(ctx), uri)

	t.mu.Lock()
	defer t.mu.Unlock()
	fk.inFlight = nil
	close(done)
	if err != nil {
		if !fk.fetchedAt.IsZero() {
			return fk.keys, nil // keep serving the keys we had
		}
		return nil, unauthorized("the client's jwks_uri could not be read")
	}
	fk.keys, fk.fetchedAt = keys, now
	return keys, nil
}

func hasKid(keys []jose.JSONWebKey, kid string) bool {
	for _, k := range keys {
		if k.KeyID == kid {
			return true
		}
	}
	return false
}

// fetchJWKS reads a JWK Set, keeping its valid public RSA and P-384 keys.
// A key it cannot read (a key type or curve go-jose does not know, such as
// X25519, or a member out of range) is skipped, as RFC 7517 (section 5)
// asks, rather than making the whole set unreadable: a client's set may
// hold keys for other uses beside its signing key.
func (t *Trust) fetchJWKS(ctx context.Context, uri string) ([]jose.JSONWebKey, error) {
	body, err := getLimited(ctx, t.http, uri, jwksMaxBytes, "application/json", "")
	switch {
	case errors.Is(err, errTooLarge):
		return nil, errors.New("jwks_uri: the key set is too large")
	case errors.As(err, new(statusError)):
		return nil, fmt.Errorf("jwks_uri: %w", err)
	case err != nil:
		return nil, err
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&set); err != nil {
		return nil, fmt.Errorf("jwks_uri: %w", err)
	}
	var keys []jose.JSONWebKey
	for _, raw := range set.Keys {
		var k jose.JSONWebKey
		if json.Unmarshal(raw, &k) == nil && checkKey(k) == nil {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// allowsFHIRServer reports whether the client listed server (compared
// without a trailing slash).
func (c *TrustedClient) allowsFHIRServer(server string) bool {
	return c != nil && slices.Contains(c.FHIRServers, strings.TrimSuffix(server, "/"))
}
