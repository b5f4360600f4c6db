package httpjson

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		v          any
		wantStatus int
		wantBody   string
	}{
		{"a value", http.StatusTeapot, map[string]string{"a": "<b> & c"}, http.StatusTeapot, "{\n  \"a\": \"<b> & c\"\n}\n"},
		{"a value that does not encode", http.StatusOK, make(chan int), http.StatusInternalServerError,
			`{"status":500,"error":"internal error: encode response"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Write(rec, tt.status, tt.v)
			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantBody, rec.Body.String()); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			h := rec.Header()
			got := []string{h.Get("Content-Type"), h.Get("Cache-Control"), h.Get("X-Content-Type-Options"), h.Get("Content-Length")}
			want := []string{"application/json", "no-store", "nosniff", strconv.Itoa(len(tt.wantBody))}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}
