// Package httpin reads what backrules' example HTTP handlers take from a
// request besides its JSON: the parts of a form body or a URL query, each
// with what is wrong with it (where url.ParseQuery stops at the first
// error), whether the client waits for 100 Continue before it sends
// its body, and the codings its body was sent in. The server, its web page
// and the CDS Hooks service share it, so that a form and a query are read
// alike, and a compressed body is refused alike.
package httpin

import (
	"iter"
	"net/http"
	"net/url"
	"strings"
)

// Problem says why a part of a form or a query cannot be read.
type Problem int

const (
	// OK is a part that can be read.
	OK Problem = iota
	// Semicolon is a part with a ';', which url.ParseQuery does not take
	// for a separator (nor does this package): its parts must be joined
	// with '&'.
	Semicolon
	// BadEscape is a part whose key or value has a '%' that does not
	// start an escape such as %20.
	BadEscape
)

// Part is one part of a form or a query: the text between two '&'.
type Part struct {
	// Key and Value are the part's key and value, unescaped; Key is as
	// written when it cannot be unescaped, Value "" then.
	Key, Value string
	// Raw is the part as written, and Offset the byte where it starts.
	Raw    string
	Offset int
	// Problem says why the part cannot be read, or OK.
	Problem Problem
}

// Parts returns the parts of s, a form body or a raw URL query, in order.
// Empty parts ("a=1&&b=2") are no parts.
func Parts(s string) iter.Seq[Part] {
	return func(yield func(Part) bool) {
		for off := 0; off <= len(s); {
			raw := s[off:]
			if i := strings.IndexByte(raw, '&'); i >= 0 {
				raw = raw[:i]
			}
			start := off
			off += len(raw) + 1
			if raw == "" {
				continue
			}
			rawKey, rawValue, _ := strings.Cut(raw, "=")
			key, kerr := url.QueryUnescape(rawKey)
			value, verr := url.QueryUnescape(rawValue)
			p := Part{Key: key, Value: value, Raw: raw, Offset: start}
			if kerr != nil {
				p.Key = rawKey
			}
			switch {
			case strings.Contains(raw, ";"):
				p.Problem = Semicolon
			case kerr != nil || verr != nil:
				p.Problem = BadEscape
			}
			if p.Problem != OK {
				p.Value = ""
			}
			if !yield(p) {
				return
			}
		}
	}
}

// Text returns the text of raw, a part of a form or a query that cannot
// be read, or text received and not read, as far as it can be read: each
// piece between two ';' or '&' on a line of its own, '+' a space, and
// each %-escape that is one (%5F) unescaped, a '%' that starts none kept
// as it is. The handlers look in it for the red flags it names
// (recommend.Engine.NamedRedFlags), so that what they cannot read does
// not hide an emergency.
func Text(raw string) string {
	var b strings.Builder
	for piece := range strings.FieldsFuncSeq(raw, func(r rune) bool { return r == ';' || r == '&' }) {
		for i := 0; i < len(piece); i++ {
			switch c := piece[i]; {
			case c == '+':
				b.WriteByte(' ')
			case c == '%' && i+2 < len(piece) && isHex(piece[i+1]) && isHex(piece[i+2]):
				b.WriteByte(unhex(piece[i+1])<<4 | unhex(piece[i+2]))
				i += 2
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// ExpectsContinue reports whether the client sent Expect: 100-continue,
// as net/http reads it: such a client waits for the server's 100 Continue
// before it sends the body, which reading the body would send.
func ExpectsContinue(r *http.Request) bool {
	for _, v := range r.Header.Values("Expect") {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), "100-continue") {
				return true
			}
		}
	}
	return false
}

// ContentCodings returns the codings r's Content-Encoding headers list,
// in the order listed, each as written less its blanks, but identity,
// which changes nothing: none for a body sent as it is.
func ContentCodings(r *http.Request) []string {
	var codings []string
	for _, v := range r.Header.Values("Content-Encoding") {
		for c := range strings.SplitSeq(v, ",") {
			if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "identity") {
				codings = append(codings, c)
			}
		}
	}
	return codings
}
