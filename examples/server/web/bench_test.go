package web

import (
	"net/http"
	"testing"
)

// BenchmarkPostFullResult measures one POST of a profile whose page shows a
// full result, with a "Why?" for every movement and the referrals.
func BenchmarkPostFullResult(b *testing.B) {
	h := newHandler(b, defaultEngine(b))
	b.ReportAllocs()
	for b.Loop() {
		if rec := post(h, discForm); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
