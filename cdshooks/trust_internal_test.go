package cdshooks

import (
	"strconv"
	"testing"
	"time"
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
