package cdshooks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"
)

// TestReplayCacheBound checks that the replay cache refuses a jti until
// its token expires, forgets it after, and stays within ReplayCacheSize
// by dropping the expired entries first, then the one expiring soonest.
func TestReplayCacheBound(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	tr := &Trust{seen: map[string]time.Time{}}
	if !tr.remember("a", now.Add(time.Minute), now) {
		t.Fatal("a new jti refused")
	}
	if tr.remember("a", now.Add(time.Minute), now.Add(30*time.Second)) {
		t.Error("a replayed jti accepted before its token expired")
	}
	if !tr.remember("a", now.Add(3*time.Minute), now.Add(2*time.Minute)) {
		t.Error("a jti refused after its token expired")
	}
	// Fill the cache: "a" expires at +3 min, the others later.
	for i := len(tr.seen); i < ReplayCacheSize; i++ {
		tr.remember("k"+strconv.Itoa(i), now.Add(time.Hour+time.Duration(i)*time.Second), now)
	}
	if !tr.remember("new", now.Add(2*time.Hour), now) {
		t.Fatal("a new jti refused when the cache is full")
	}
	if len(tr.seen) != ReplayCacheSize {
		t.Errorf("cache holds %d, want %d", len(tr.seen), ReplayCacheSize)
	}
	if _, ok := tr.seen["a"]; ok {
		t.Error("the entry expiring soonest was kept")
	}
	if tr.remember("k5", now.Add(time.Hour), now) {
		t.Error("a remembered jti accepted again after an eviction")
	}
}

// TestJWKSOneReadInFlight checks that callers who need a client's keys
// while its jwks_uri is being read wait for that read and share what it
// gives, rather than each reading it again: 20 calls at once make one
// read, and all verify when it gives the key, or all are refused when it
// fails. The key server holds its answer until every other caller waits
// for the read in flight, or until a second read arrives (which fails
// the test); when neither comes within a minute, the callers are neither
// sharing the read nor making their own, and the test fails rather than
// wait for ever.
func TestJWKSOneReadInFlight(t *testing.T) {
	const callers = 20
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	const base, iss, path = "https://cds.example.org", "https://ehr.example.org", "/cds-services/backrules"
	token := func(i int) string {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES384, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "ec-1"))
		if err != nil {
			t.Fatal(err)
		}
		tok, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: iss, Audience: jwt.Audience{base + path}, ID: "jti-" + strconv.Itoa(i),
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute))}).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for _, up := range []bool{true, false} {
		t.Run(fmt.Sprintf("jwks_uri up %v", up), func(t *testing.T) {
			var reads atomic.Int32
			release := make(chan struct{})
			again := make(chan struct{}, callers)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if reads.Add(1) > 1 {
					again <- struct{}{}
				}
				<-release
				if !up {
					http.Error(w, "unavailable", http.StatusServiceUnavailable)
					return
				}
				_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "ec-1", Algorithm: "ES384", Use: "sig"}}})
			}))
			defer srv.Close()
			tr, err := NewTrust(TrustFile{BaseURL: base, Clients: []TrustedClient{{Iss: iss, JWKSURI: srv.URL + "/jwks.json"}}})
			if err != nil {
				t.Fatal(err)
			}
			var waiting atomic.Int32
			allWaiting := make(chan struct{})
			tr.waiting = func() {
				if waiting.Add(1) == callers-1 {
					close(allWaiting)
				}
			}
			errs := make([]string, callers)
			var wg sync.WaitGroup
			for i := range callers {
				wg.Go(func() {
					req := httptest.NewRequest(http.MethodPost, path, nil)
					req.Header.Set("Authorization", "Bearer "+token(i))
					if _, err := tr.Verify(t.Context(), req, path, now); err != nil {
						errs[i] = err.Error()
					}
				})
			}
			select {
			case <-allWaiting:
			case <-again:
			case <-time.After(time.Minute):
				// Neither, long after either should have come: the
				// callers neither share the read in flight nor make their
				// own (they queue behind it, say). Fail rather than wait
				// for ever; the read is released below, so the test ends.
				t.Errorf("after a minute, %d of the %d other callers wait for the read in flight and no second read came: the read is not shared",
					waiting.Load(), callers-1)
			}
			close(release)
			wg.Wait()
			if n := reads.Load(); n != 1 {
				t.Errorf("the jwks_uri was read %d times, want once", n)
			}
			want := make([]string, callers)
			if !up {
				for i := range want {
					want[i] = "unauthorized: the client's jwks_uri could not be read"
				}
			}
			if diff := cmp.Diff(want, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}
