package httpin

import (
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParts checks that every part of a form or query is read, each with
// its offset and what is wrong with it, where url.ParseQuery stops at
// the first error.
func TestParts(t *testing.T) {
	tests := []struct {
		name, in string
		want     []Part
	}{
		{"empty", "", nil},
		{"empty parts", "&&a=1&", []Part{{Key: "a", Value: "1", Raw: "a=1", Offset: 2}}},
		{"escapes", "red_flags=saddle_numbness&note=a+b%21", []Part{
			{Key: "red_flags", Value: "saddle_numbness", Raw: "red_flags=saddle_numbness"},
			{Key: "note", Value: "a b!", Raw: "note=a+b%21", Offset: 26}}},
		{"a bad escape costs only its part", "age=%zz&red_flags=saddle_numbness", []Part{
			{Key: "age", Raw: "age=%zz", Problem: BadEscape},
			{Key: "red_flags", Value: "saddle_numbness", Raw: "red_flags=saddle_numbness", Offset: 8}}},
		{"a bad escape in the key", "a%zz=1", []Part{{Key: "a%zz", Raw: "a%zz=1", Problem: BadEscape}}},
		{"a semicolon", "a=1;b=2&c=3", []Part{{Key: "a", Raw: "a=1;b=2", Problem: Semicolon}, {Key: "c", Value: "3", Raw: "c=3", Offset: 8}}},
		{"no value", "flag", []Part{{Key: "flag", Raw: "flag"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slices.Collect(Parts(tt.in))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parts(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestExpectsContinue checks the header as net/http reads it.
func TestExpectsContinue(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   bool
	}{
		{"none", nil, false},
		{"exact", []string{"100-continue"}, true},
		{"case and spaces", []string{"foo, 100-Continue "}, true},
		{"second header", []string{"foo", "100-continue"}, true},
		{"other", []string{"200-ok"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			for _, v := range tt.values {
				r.Header.Add("Expect", v)
			}
			if got := ExpectsContinue(r); got != tt.want {
				t.Errorf("ExpectsContinue(%q) = %v, want %v", tt.values, got, tt.want)
			}
		})
	}
}

// TestContentCodings checks that every coding of every Content-Encoding
// header is listed, in order and as written less its blanks, but
// identity.
func TestContentCodings(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   []string
	}{
		{"none", nil, nil},
		{"identity", []string{"identity"}, nil},
		{"gzip", []string{"gzip"}, []string{"gzip"}},
		{"list with identity and blanks", []string{" deflate , Identity,gzip"}, []string{"deflate", "gzip"}},
		{"two headers", []string{"gzip", "br"}, []string{"gzip", "br"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			for _, v := range tt.values {
				r.Header.Add("Content-Encoding", v)
			}
			if diff := cmp.Diff(tt.want, ContentCodings(r)); diff != "" {
				t.Errorf("ContentCodings(%q) (-want +got):\n%s", tt.values, diff)
			}
		})
	}
}

// TestText checks what Text reads of a part that cannot be read: each
// escape that is one unescaped, '+' a space, one piece
// a line, so that a red flag in it can be found and two pieces never run
// into one word.
func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"red_flags=saddle_numbness", "red_flags=saddle_numbness\n"},
		{"age=40;red_flags=leg+weakness", "age=40\nred_flags=leg weakness\n"},
		{"red_flags=saddle%5Fnumbness%zz", "red_flags=saddle_numbness%zz\n"},
		{"a=%4", "a=%4\n"},
		{"a=%41%", "a=A%\n"},
		{"a=saddle;numbness&&b=%41+c", "a=saddle\nnumbness\nb=A c\n"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Text(tt.in)); diff != "" {
				t.Errorf("Text(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
