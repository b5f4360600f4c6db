package main

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"

	"github.com/backrules/backrules/internal/httpjson"
)

// Compression on the wire. An answer's size is its content: the disc
// profile's answer lists over a hundred citations, each with its source
// id, locator and claim inline, and is nearly 50 KB of JSON, which gzip
// makes about a fifth of that, since the same claims, locators and ids come back on
// item after item. So the server compresses its responses with gzip
// (Content-Encoding: gzip) when the request's Accept-Encoding allows it
// (acceptsGzip), and sends them as they are otherwise:
//
//   - What is compressed: JSON (every JSON endpoint, the CDS Hooks
//     service's answers among them), the page's HTML and the movements'
//     SVG pictures, with a body of at least minGzipBytes; never a
//     response that already has a Content-Encoding (no
//     double-compression: /recommend sends the answer cache's compressed
//     copy itself, and /metrics compresses its own), nor a 204, a 304, a
//     206, or another type (such as http.Error's plain text).
//   - A compressed response's strong ETag (a picture's) is made weak (W/
//     and the same tag): compressed and not, the bytes differ, and a
//     strong tag on both would let a client that holds the compressed
//     body ask for the rest of it by range (If-Range) and get the
//     uncompressed bytes. A weak tag still revalidates (If-None-Match
//     compares tags weakly), and If-Range never matches it. A 304 that
//     confirms a compressed copy (its If-None-Match lists the weak tag)
//     carries the weak tag and the Vary its 200 had.
//   - Every response of those types gets Vary: Accept-Encoding, whether
//     or not it is compressed, so that a cache between the server and a
//     client never hands a compressed body to a client that did not ask
//     for one.
//   - A compressed body is built in memory and sent with its own
//     Content-Length, like every body of the server, so errors and
//     partial answers (the referrals, when something failed) are sent
//     whole, compressed or not. A handler that panics after writing its
//     whole body (its Content-Length's worth) has it sent, as a client
//     without gzip would; one that panics before gets the request log's
//     500 in place of a half-sent body; one that returns having written
//     another length than it declared is cut off, as net/http would. A
//     HEAD gets a compressed GET's headers, less the Content-Length.
//   - The gzip writers are pooled: a flate compressor is large, and
//     making one per response would cost more than the compression.

// gzipLevel is the compression level, of the compressor of
// github.com/klauspost/compress/gzip, which the server links already
// (promhttp uses its zstd) and which writes the gzip format as
// compress/gzip does, in about half the CPU time at the same level and a
// little smaller. Measured by TestCompareGzipLevels (see the README's
// "Compression on the wire"), in CPU time against Recommend + WriteJSON
// of the disc answer and the largest: BestSpeed 2.3x, to 19% of the
// bytes; compress/gzip's BestSpeed 4.2x, its default 12.3x (17% of the
// bytes); klauspost's StatelessCompression 4.5x, since it allocates its
// state on every Write.
const gzipLevel = gzip.BestSpeed

// minGzipBytes is the smallest body compressed. A smaller one fits in one
// TCP segment of a usual path (an MTU of 1500 bytes less the IP and TCP
// headers) together with the response headers, so compressing it saves
// no packet and no round trip, and small JSON bodies (errors, /healthz)
// shrink little while gzip adds its 18 bytes of framing and its CPU time.
const minGzipBytes = 1024

// gzipWriters pools the gzip writers of gzipLevel.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzipLevel) // a valid level: no error
	return zw
}}

// gzipBytes returns body compressed with gzip at gzipLevel, in a slice
// of its own.
func gzipBytes(body []byte) []byte {
	buf := bodyBufs.Get().(*bytes.Buffer)
	defer putBodyBuf(buf)
	buf.Reset()
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(buf)
	_, _ = zw.Write(body) // a bytes.Buffer does not fail
	_ = zw.Close()
	zw.Reset(io.Discard) // not to keep buf alive from the pool
	gzipWriters.Put(zw)
	return bytes.Clone(buf.Bytes())
}

// acceptsGzip reports whether a request's Accept-Encoding header values
// (RFC 9110, section 12.5.3) allow a gzip body: gzip (or its alias
// x-gzip) listed with a weight above 0, or, when gzip is not listed, "*"
// with a weight above 0. A listed gzip with q=0 refuses it, whatever "*"
// says; no header, an empty one, or only identity means identity. An
// element whose weight is malformed counts as not listed.
func acceptsGzip(values []string) bool {
	gzipQ, starQ := -1, -1 // weights in thousandths; -1: not listed
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(elem, ";")
			coding = strings.TrimSpace(coding)
			q, ok := weight(params)
			if !ok {
				continue
			}
			switch {
			case strings.EqualFold(coding, "gzip"), strings.EqualFold(coding, "x-gzip"):
				if gzipQ == -1 || q == 0 || (gzipQ != 0 && q > gzipQ) {
					gzipQ = q // a q=0 for gzip stands
				}
			case coding == "*":
				starQ = max(starQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}

// weight returns the weight of an Accept-Encoding element's parameters
// (what follows the coding's ";"), in thousandths: 1000 when there is no
// q parameter, and false for a q that is not a qvalue ("0" to "1" with at
// most three decimals). Other parameters are ignored.
func weight(params string) (int, bool) {
	q := 1000
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		val = strings.TrimSpace(val)
		whole, frac, _ := strings.Cut(val, ".")
		if (whole != "0" && whole != "1") || len(frac) > 3 {
			return 0, false
		}
		n := 0
		for i := range 3 {
			d := 0
			if i < len(frac) {
				if frac[i] < '0' || frac[i] > '9' {
					return 0, false
				}
				d = int(frac[i] - '0')
			}
			n = n*10 + d
		}
		q = n
		if whole == "1" {
			if n != 0 {
				return 0, false
			}
			q = 1000
		}
	}
	return q, true
}

// compressible reports whether a response of Content-Type ct is one the
// server compresses: JSON, HTML or SVG, with any parameters. (It does not
// parse ct with mime.ParseMediaType, which allocates, on every response.)
func compressible(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	return strings.EqualFold(mt, "application/json") || strings.EqualFold(mt, "text/html") ||
		strings.EqualFold(mt, "image/svg+xml")
}

// addVary adds Accept-Encoding to the Vary header of h, unless it is
// there already.
func addVary(h http.Header) {
	if !listsAny(h.Values("Vary"), func(f string) bool { return strings.EqualFold(f, "Accept-Encoding") || f == "*" }) {
		h.Add("Vary", "Accept-Encoding")
	}
}

// listsAny reports whether an element of the comma-separated lists of
// values, a header's, trimmed of spaces, matches.
func listsAny(values []string, match func(string) bool) bool {
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			if match(strings.TrimSpace(elem)) {
				return true
			}
		}
	}
	return false
}

// writeGzipBody writes body, a JSON body already compressed with gzip,
// with status and the headers of httpjson.WriteBody, Content-Encoding:
// gzip and Vary: Accept-Encoding.
func writeGzipBody(w http.ResponseWriter, status int, gz []byte) {
	h := w.Header()
	h.Set("Content-Encoding", "gzip")
	addVary(h)
	httpjson.WriteBody(w, status, gz)
}

// compress wraps h so that its responses are compressed as the comment
// at the top of this file says.
func compress(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &gzipResponseWriter{rw: w, accept: acceptsGzip(r.Header.Values("Accept-Encoding")),
			head: r.Method == http.MethodHead, ifNoneMatch: r.Header.Values("If-None-Match"), declared: -1}
		defer func() {
			// A handler that panics after writing its whole body (as many
			// bytes as its Content-Length) has its answer sent, as it
			// would have been without compression; an incomplete one is
			// dropped, for the request log's 500.
			if v := recover(); v != nil {
				if v != http.ErrAbortHandler && cw.complete() {
					cw.finish()
				}
				panic(v)
			}
		}()
		h.ServeHTTP(cw, r)
		cw.finish()
	})
}

// States of a gzipResponseWriter.
const (
	undecided = iota // no WriteHeader yet
	passing          // the response goes through as the handler writes it
	holding          // the body is kept, to be compressed or not at finish
)

// gzipResponseWriter compresses one response, if it may: at WriteHeader
// it decides from the headers whether the body is to be compressed, then
// keeps the body (compressing it as it comes once it is minGzipBytes
// long) and sends it at finish, compressed, with its Content-Length.
type gzipResponseWriter struct {
	rw     http.ResponseWriter
	accept bool
	head   bool // a HEAD request
	// ifNoneMatch are the request's If-None-Match headers, which say
	// whether a 304 confirms a compressed copy (see WriteHeader).
	ifNoneMatch []string
	state       int
	status      int
	// declared is the Content-Length the handler set, or -1, and got the
	// bytes of the body received while holding it.
	declared, got int64
	// raw holds the body while it is shorter than minGzipBytes; then zw,
	// a pooled writer, compresses it, and what follows, into out.
	raw []byte
	zw  *gzip.Writer
	out *bytes.Buffer
}

// Header returns the response's headers.
func (w *gzipResponseWriter) Header() http.Header { return w.rw.Header() }

// WriteHeader decides whether the body is to be compressed: it is when
// the client accepts gzip and the response is of a compressible type,
// with no Content-Encoding, a status that has a body of its own, and no
// Content-Length below minGzipBytes. Otherwise the response goes through.
func (w *gzipResponseWriter) WriteHeader(code int) {
	if w.state != undecided {
		if w.state == passing {
			w.rw.WriteHeader(code) // net/http says what is wrong
		}
		return
	}
	if code < 200 { // an informational response: the final one follows
		w.rw.WriteHeader(code)
		return
	}
	h := w.rw.Header()
	if code == http.StatusNotModified && w.accept && w.confirmsCompressed(h.Get("ETag")) {
		// The client holds the compressed copy, whose 200 had the weak
		// tag and Vary: the 304 carries the headers that 200 would have
		// (RFC 9110, section 15.4.5), not the uncompressed copy's strong
		// tag. (net/http's 304 has no Content-Type to go by.)
		weakenETag(h)
		addVary(h)
		w.pass(code)
		return
	}
	if !compressible(h.Get("Content-Type")) || h.Get("Content-Encoding") != "" {
		w.pass(code)
		return
	}
	addVary(h)
	if !w.accept || code == http.StatusNoContent || code == http.StatusNotModified ||
		code == http.StatusPartialContent || h.Get("Content-Range") != "" {
		w.pass(code)
		return
	}
	declared := int64(-1)
	if cl := h.Get("Content-Length"); cl != "" {
		n, err := strconv.ParseInt(cl, 10, 64)
		if err != nil || n < minGzipBytes {
			// Sent as it is, and so is a HEAD of it, whose headers are
			// those of the GET: not compressed.
			w.pass(code)
			return
		}
		declared = n
	}
	if w.head {
		// No body to compress: the headers a GET would get, less the
		// Content-Length, which only compressing the body would give
		// (RFC 9110, section 9.3.2, allows leaving it out).
		h.Set("Content-Encoding", "gzip")
		h.Del("Content-Length")
		weakenETag(h)
		w.pass(code)
		return
	}
	if declared >= 0 {
		w.declared = declared
		w.start()
	}
	w.state, w.status = holding, code
}

// complete reports whether a held response has its whole body: as many
// bytes as the Content-Length its handler set.
func (w *gzipResponseWriter) complete() bool {
	return w.state == holding && w.declared >= 0 && w.got == w.declared
}

// pass sends the headers with code, and lets the body through.
func (w *gzipResponseWriter) pass(code int) {
	w.state = passing
	w.rw.WriteHeader(code)
}

// start begins compressing: what raw holds first.
func (w *gzipResponseWriter) start() {
	w.out = bodyBufs.Get().(*bytes.Buffer)
	w.out.Reset()
	w.zw = gzipWriters.Get().(*gzip.Writer)
	w.zw.Reset(w.out)
	_, _ = w.zw.Write(w.raw) // a bytes.Buffer does not fail
	w.raw = nil
}

// Write writes to the body, or keeps it to compress.
func (w *gzipResponseWriter) Write(p []byte) (int, error) {
	if w.state == undecided {
		w.WriteHeader(http.StatusOK)
	}
	if w.state == passing {
		return w.rw.Write(p)
	}
	w.got += int64(len(p))
	if w.zw == nil {
		w.raw = append(w.raw, p...)
		if len(w.raw) >= minGzipBytes {
			w.start()
		}
		return len(p), nil
	}
	return w.zw.Write(p)
}

// Flush flushes a response that goes through. A held one is sent whole
// when the handler returns, so that it has its Content-Length: flushing
// it now would send the headers before the body is compressed. (No
// handler of the server flushes.)
func (w *gzipResponseWriter) Flush() {
	if w.state == passing {
		_ = http.NewResponseController(w.rw).Flush()
	}
}

// Unwrap lets http.ResponseController reach the writer below, for what
// this writer does not do itself.
func (w *gzipResponseWriter) Unwrap() http.ResponseWriter { return w.rw }

// finish sends a held response, once the handler has returned: as it is
// when it is shorter than minGzipBytes or empty (as a HEAD answer whose
// handler writes no body), compressed otherwise.
func (w *gzipResponseWriter) finish() {
	if w.state != holding {
		return
	}
	w.state = passing // once
	if w.declared >= 0 && w.got != w.declared {
		// The handler wrote another length than it declared: net/http
		// would cut the response off, and so does this, rather than send
		// a well-formed body the client could not tell was short.
		panic(http.ErrAbortHandler)
	}
	if w.zw == nil {
		w.rw.WriteHeader(w.status)
		if len(w.raw) > 0 {
			_, _ = w.rw.Write(w.raw)
		}
		return
	}
	_ = w.zw.Close()
	w.zw.Reset(io.Discard) // not to keep w.out alive from the pool
	gzipWriters.Put(w.zw)
	w.zw = nil
	h := w.rw.Header()
	h.Set("Content-Encoding", "gzip")
	h.Set("Content-Length", strconv.Itoa(w.out.Len()))
	weakenETag(h)
	w.rw.WriteHeader(w.status)
	_, _ = w.rw.Write(w.out.Bytes())
	putBodyBuf(w.out)
	w.out = nil
}

// confirmsCompressed reports whether the request's If-None-Match lists
// the weak form of tag, a strong ETag: the tag a compressed copy was sent
// with (see weakenETag), so that a 304 for it confirms that copy.
func (w *gzipResponseWriter) confirmsCompressed(tag string) bool {
	if tag == "" || strings.HasPrefix(tag, "W/") {
		return false
	}
	return listsAny(w.ifNoneMatch, func(t string) bool { return t == "W/"+tag })
}

// weakenETag makes the strong ETag of a compressed response weak: W/ and
// the same tag (see the package's notes on compression).
func weakenETag(h http.Header) {
	if tag := h.Get("ETag"); tag != "" && !strings.HasPrefix(tag, "W/") {
		h.Set("ETag", "W/"+tag)
	}
}
