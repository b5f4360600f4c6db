package main

import (
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/backrules/backrules/internal/httpin"
	"github.com/backrules/backrules/internal/namedterms"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

// Request bodies reach the handlers through these wrappers, which keep a
// body over its limit a 413 every time, also for a client that sends
// Expect: 100-continue:
//
//   - A body whose Content-Length is over the limit is answered at once,
//     before any of it is read; net/http then sends no 100 Continue, and
//     a client that waits for one sends nothing more. POST /recommend
//     does so only for a client that sent Expect: 100-continue: from any
//     other, which has sent its body already, it reads the start of the
//     body, and its 413 carries the referrals of it (see jsonBody).
//   - net/http is told that the body is over the limit (see
//     signalTooLarge), so that it closes the connection gracefully after
//     the 413: it stops sending, then waits a moment before closing, so
//     that a client that sent its body without waiting for the 100
//     Continue reads the 413 instead of a reset connection.
//   - A body read past the limit (one sent chunked, without a length)
//     stops at an http.MaxBytesReader made with the connection's own
//     ResponseWriter, not the request log's wrapper, which would hide
//     from net/http that the limit was hit.

// rawWriter returns the ResponseWriter that net/http gave the request,
// which logRequests wrapped, or w when there is none.
func rawWriter(r *http.Request, w http.ResponseWriter) http.ResponseWriter {
	if info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok && info.raw != nil {
		return info.raw
	}
	return w
}

// signalTooLarge tells net/http, through the connection's own
// ResponseWriter raw, that the request body is over its limit, as an
// http.MaxBytesReader does when it is read past its limit: the response
// gets Connection: close, and the connection is closed gracefully after
// it. It reads nothing of the request body.
func signalTooLarge(raw http.ResponseWriter) {
	over := http.MaxBytesReader(raw, io.NopCloser(strings.NewReader("x")), 0)
	_, _ = over.Read(make([]byte, 1))
}

// capBody caps a request body at limit bytes, read through an
// http.MaxBytesReader that net/http learns from (see rawWriter). A body
// whose Content-Length is over limit is signalled at once
// (signalTooLarge); the handler answers it, from Content-Length, before
// reading.
func capBody(limit int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := rawWriter(r, w)
		if r.ContentLength > limit {
			signalTooLarge(raw)
		}
		r.Body = http.MaxBytesReader(raw, r.Body, limit)
		h.ServeHTTP(w, r)
	})
}

// requireJSON answers 415 to a request whose body is not sent as
// application/json, or is sent with a Content-Encoding other than
// identity (the server reads bodies as they are: a gzip body would be
// refused as text that is not JSON, with no word of why), naming it. The
// 415 carries the referrals of the red flags the first limit bytes of the
// body name (see writeUnsupported): a profile sent with curl -d, as a
// form, or compressed, does not hide the emergency it reports.
func (s *Server) requireJSON(limit int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isJSON(r.Header.Get("Content-Type")) {
			s.writeUnsupported(w, r, limit, "the request body must be sent as Content-Type: application/json")
			return
		}
		if codings := httpin.ContentCodings(r); len(codings) > 0 {
			w.Header().Set("Accept-Encoding", "identity")
			s.writeUnsupported(w, r, limit,
				fmt.Sprintf("the request body must be sent uncompressed: Content-Encoding %s is not accepted", strconv.Quote(cut(codings[0]))))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// writeUnsupported answers 415 with msg for r, a request whose body the
// route does not read, with the referrals of the red flags, and the
// conditions that can change a referral, that the first limit bytes of
// the body name, decoded from a gzip or deflate Content-Encoding (see
// unsupportedText), and a problem for each, as the 400 of a body that is
// not a JSON object has them; a body that is a JSON object is read as
// the route's request too, for those referrals, so that a pain sent with
// the red flag counts as it would as JSON. A body whose
// Content-Length is over limit, from a client that sent Expect:
// 100-continue and waits for the 100 Continue that reading would send,
// is not read.
func (s *Server) writeUnsupported(w http.ResponseWriter, r *http.Request, limit int64, msg string) {
	eng := s.engineFor(r)
	if eng == nil || (r.ContentLength > limit && httpin.ExpectsContinue(r)) {
		writeError(w, http.StatusUnsupportedMediaType, msg)
		return
	}
	text := unsupportedText(r, limit)
	p, probs := namedProfile(eng, text, int64(len(text)) < limit)
	if startsObject(text) {
		// A JSON body sent with another Content-Type (curl -d sends a
		// form's) is read as the request it is, for Triage: the pain
		// beside the red flag counts too. The red flags it names were
		// counted above, each with its problem.
		whole := int64(len(text)) < limit
		if !whole {
			text = append(text[:len(text):len(text)], ' ') // the start of a larger body: see writeTooLarge
		}
		// A bare profile sent to /explain, and an explain request sent
		// to /recommend, are read as a 400 of the route reads them (see
		// unreadExplainProfile and namedterms.Wrapped); an explain
		// request with a syntax error is read as far as it goes.
		var read recommend.Profile
		var req explainRequest
		if r.URL.Path == "/explain" {
			req, _, _ = decodeExplain(text, eng)
		}
		if req.read {
			read = namedterms.Wrapped(eng, req.Profile, text, whole)
		} else {
			read, _ = decodeProfile(eng, text)
			read = namedterms.Wrapped(eng, read, text, whole)
		}
		namedterms.JoinProfile(&read, p)
		p = read
	}
	s.writeRefused(w, r, http.StatusUnsupportedMediaType, eng, p, msg, probs, report.JSONOptions{})
}

// unsupportedText returns the first limit bytes of r's body, as far as
// they can be read: its Content-Encoding undone when each coding is
// identity, gzip (or x-gzip) or deflate, at most limit bytes of the body
// read and at most limit bytes of what they decode to kept; nil for a
// body in another coding. What cannot be read past an error is left out.
func unsupportedText(r *http.Request, limit int64) []byte {
	var in io.Reader = io.LimitReader(r.Body, limit)
	// The codings were applied in the order listed: undo the last first.
	for _, c := range slices.Backward(httpin.ContentCodings(r)) {
		var err error
		switch strings.ToLower(c) {
		case "gzip", "x-gzip":
			in, err = gzip.NewReader(in)
		case "deflate":
			in, err = zlib.NewReader(in)
		default:
			return nil
		}
		if err != nil {
			return nil
		}
	}
	text, _ := io.ReadAll(io.LimitReader(in, limit))
	return text
}

// jsonBody wraps a route of the server that reads a JSON body: 415 for a
// body not sent as application/json, 413 for one whose Content-Length is
// over limit, before reading, and the body capped at limit (capBody).
// With readsStart, the route reads the start of a body over its limit
// (handleRecommend reads the referrals of it), and the 413 is answered
// before reading only to a client that sends Expect: 100-continue, which
// waits for the 100 Continue that reading would send: any other client
// has sent its body already.
func (s *Server) jsonBody(limit int64, readsStart bool, h http.Handler) http.Handler {
	return s.requireJSON(limit, capBody(limit, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit && (!readsStart || httpin.ExpectsContinue(r)) {
			writeError(w, http.StatusRequestEntityTooLarge, tooLargeMessage(limit))
			return
		}
		h.ServeHTTP(w, r)
	})))
}

// tooLargeMessage is the error of a 413 for a body over limit.
func tooLargeMessage(limit int64) string {
	return fmt.Sprintf("the request body is larger than %d bytes", limit)
}

// isJSON reports whether a Content-Type is application/json, with any
// parameters, and a charset, if any, of UTF-8, the only encoding of JSON,
// written in any case ("utf-8", "UTF-8", "Utf8"): charset names are
// case-insensitive (RFC 9110, section 8.3.2).
// requireJSON checks the server's own routes with it, and the CDS Hooks
// service its calls (cdshooks.WithRequireJSON), so that both agree.
func isJSON(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8")
}
