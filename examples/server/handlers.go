package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/examples/server/web"
	"github.com/backrules/backrules/internal/httpin"
	"github.com/backrules/backrules/internal/httpjson"
	"github.com/backrules/backrules/internal/namedterms"
	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

// Body size limits. A profile is at most recommend.MaxProfileBytes; an
// explain request adds its envelope and a movement id.
const (
	maxRecommendBody = recommend.MaxProfileBytes
	maxExplainBody   = recommend.MaxProfileBytes + 1024
	// maxBody bounds every other request body, such as a CDS Hooks
	// request with its FHIR prefetch, before the handler's own limit: the
	// CDS Hooks service's, so that a chart it would read from fhirServer
	// is not refused when it is prefetched.
	maxBody = cdshooks.DefaultMaxBodyBytes
)

// openAPI is the OpenAPI 3.1 document of the JSON endpoints, served at
// GET /openapi.json.
//
//go:embed openapi.json
var openAPI []byte

// route is one pattern of the server's ServeMux.
type route struct {
	pattern string
	handler http.Handler
}

// buildHandler registers every route and wraps the mux.
func (s *Server) buildHandler() error {
	s.routes = []route{
		{"POST /recommend", s.jsonBody(maxRecommendBody, true, http.HandlerFunc(s.handleRecommend))},
		{"/recommend", methodNotAllowed("POST")},
		{"POST /explain", s.jsonBody(maxExplainBody, true, http.HandlerFunc(s.handleExplain))},
		{"/explain", methodNotAllowed("POST")},
		{"GET /healthz", http.HandlerFunc(s.handleHealth)},
		{"/healthz", methodNotAllowed("GET, HEAD")},
		{"GET /openapi.json", http.HandlerFunc(handleOpenAPI)},
		{"/openapi.json", methodNotAllowed("GET, HEAD")},
		{"GET /metrics", s.metrics.handler()},
		{"/metrics", methodNotAllowed("GET, HEAD")},
	}
	mounts, err := s.mounts()
	if err != nil {
		return err
	}
	s.routes = append(s.routes, mounts...)
	mux := http.NewServeMux()
	for _, r := range s.routes {
		mux.Handle(r.pattern, r.handler)
	}
	s.handler = s.logRequests(capBody(maxBody, compress(mux)))
	return nil
}

// apiError is the JSON body of every error response of the JSON
// endpoints.
type apiError struct {
	// Status repeats the HTTP status code.
	Status int `json:"status"`
	// Error says what is wrong in one line.
	Error string `json:"error"`
	// Problems name the fields at fault, for a 400.
	Problems []problem `json:"problems,omitempty"`
}

// problem is one problem with one field of the request.
type problem struct {
	// Field names the field: "conditions[1]" in a /recommend profile,
	// "profile.conditions[1]" or "movement" in an /explain request; ""
	// for the body as a whole.
	Field   string `json:"field,omitempty"`
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
	// Line and Column locate the problem in the request body, 1-based,
	// the column in characters; omitted when unknown.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// writeError writes an apiError.
func writeError(w http.ResponseWriter, status int, msg string, probs ...problem) {
	httpjson.Write(w, status, apiError{Status: status, Error: msg, Problems: probs})
}

// methodNotAllowed answers 405 with the allowed methods.
func methodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed: use %s", safeMethod(r.Method), allow))
	})
}

// notFound answers 404 in JSON.
func notFound(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusNotFound, "no such endpoint: see /openapi.json")
}

// safeMethod returns the request method for a message: a token of at
// most 16 printable ASCII characters, or "(other)".
func safeMethod(m string) string {
	if len(m) == 0 || len(m) > 16 {
		return "(other)"
	}
	for i := 0; i < len(m); i++ {
		if m[i] <= ' ' || m[i] >= 0x7f || m[i] == '"' {
			return "(other)"
		}
	}
	return m
}

// readBody reads the whole body, at most limit bytes. It writes the error
// response itself and returns false when it could not. A body over limit
// is returned cut to its first limit bytes, with over true, for the
// caller to answer with a 413 (see handleRecommend).
func readBody(w http.ResponseWriter, r *http.Request, limit int64) (body []byte, over, ok bool) {
	body, err := io.ReadAll(http.MaxBytesReader(rawWriter(r, w), r.Body, limit))
	switch {
	case errors.As(err, new(*http.MaxBytesError)):
		return body, true, true
	case err != nil:
		writeError(w, http.StatusBadRequest, "could not read the request body")
		return nil, false, false
	}
	return body, false, true
}

// startsObject reports whether data, after a byte order mark and blanks,
// starts with '{'.
func startsObject(data []byte) bool {
	data = bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\uFEFF")), " \t\r\n")
	return len(data) > 0 && data[0] == '{'
}

// handleRecommend answers POST /recommend: a profile as a JSON object in,
// the Result as JSON out, exactly as report.WriteJSON writes it; with the
// query parameter trace=true, with the trace too. Any other query
// parameter is a 400 naming it (see queryParams), never ignored: a profile
// field sent in the address must not be answered as if the profile
// lacked it. A complete answer is
// kept in the answer cache, and an answer found there is served without
// decoding (by the body key) or with only the conditions run, without
// the rest of Recommend and the encoder (by the decision key, which
// people whose Results the same things decide share, or, for a profile
// with check-ins, the profile key); see answerCache. The keys hold the
// query, so an answer with the trace is kept apart from one without. An
// answer is kept the second time its key is asked about.
func (s *Server) handleRecommend(w http.ResponseWriter, r *http.Request) {
	eng := s.engineFor(r)
	opts, qprobs := recommendOptions(r)
	body, over, ok := readBody(w, r, maxRecommendBody)
	if !ok {
		return
	}
	if len(qprobs) > 0 {
		// The query is refused; the profile in the body (or what a body
		// that is not one names and gives, as a refused body is read),
		// and a red flag sent in the address, still reach their
		// referrals.
		var p recommend.Profile
		if startsObject(body) {
			if over {
				body = append(body[:len(body):len(body)], ' ')
			}
			p, _ = decodeProfile(eng, body)
		} else {
			var named []problem
			p, named = namedProfile(eng, body, !over)
			qprobs = append(qprobs, named...)
		}
		s.writeInvalidQuery(w, r, eng, p, qprobs)
		return
	}
	if over {
		s.writeTooLarge(w, r, eng, body, opts)
		return
	}
	cache := s.cache.Load().forEngine(eng)
	// gz: the client accepts gzip, so a kept answer is written compressed.
	gz := cache != nil && acceptsGzip(r.Header.Values("Accept-Encoding"))
	// bk is the request's body key; ak its decision key, or its profile
	// key (see appendAnswerKey).
	var bodyKeyBuf, answerKeyBuf [512]byte
	var bk, ak []byte
	if cache != nil {
		bk = appendBodyKey(bodyKeyBuf[:0], r.URL.RawQuery, body)
		if ans, ok := cache.get(bk); ok {
			s.metrics.cacheHit.Inc()
			cache.writeAnswer(w, ans, gz)
			return
		}
	}
	if !startsObject(body) {
		p, named := namedProfile(eng, body, true)
		probs := append([]problem{{Message: `the request body must be a JSON object, a profile such as {"conditions":["disc_herniation"]}`}}, named...)
		s.writeInvalidProfile(w, r, eng, p, "invalid profile", probs, opts)
		return
	}
	p, err := decodeProfile(eng, body)
	if err != nil {
		if errors.Is(err, recommend.ErrInvalidProfile) {
			p = namedterms.Wrapped(eng, p, body, true)
			s.writeInvalidProfile(w, r, eng, p, "invalid profile", profileProblems(err, "", nil), opts)
			return
		}
		s.writeEngineError(w, r, err, "", nil)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	if cache != nil {
		// The decision key where the profile has one (see
		// appendAnswerKey): the answer of another person whose Result
		// the same things decide is this one's too.
		var byDecision bool
		ak, byDecision = appendAnswerKey(ctx, answerKeyBuf[:0], eng, r.URL.RawQuery, &p)
		if ans, ok := cache.get(ak); ok {
			s.metrics.cacheHit.Inc()
			// Written first, so that a copy compressed now is the one
			// the body key stores too, not compressed again at its
			// first hit.
			cache.writeAnswer(w, ans, gz)
			if !byDecision || cache.admit(bk) {
				// The same profile again, sent in other words, is kept
				// by its body too. A decision key's hit is most often
				// another person, whose body would only take room: it
				// is kept the second time the same body comes.
				cache.put(bk, ans)
			}
			return
		}
		s.metrics.cacheMiss.Inc()
	}
	start := time.Now()
	res, err := eng.Recommend(ctx, p)
	s.metrics.recommend.WithLabelValues("recommend").Observe(time.Since(start).Seconds())
	var pe *recommend.PartialError
	if errors.As(err, &pe) && pe.Result != nil {
		s.writePartial(w, r, pe, opts)
		return
	}
	if err != nil {
		s.writeEngineError(w, r, err, "", nil)
		return
	}
	if res.Incomplete || !cache.admit(ak) {
		// Not kept: encoded into a pooled buffer.
		buf := bodyBufs.Get().(*bytes.Buffer)
		defer putBodyBuf(buf)
		buf.Reset()
		if err := report.WriteJSONWith(buf, res, opts); err != nil {
			s.writeEngineError(w, r, err, "", nil)
			return
		}
		httpjson.WriteBody(w, http.StatusOK, buf.Bytes()) // compressed by compress, if asked
		return
	}
	// Kept: encoded straight into a slice of its own, which WriteJSON
	// fills with one Write, rather than into a buffer and copied, and
	// compressed once, here, if this client accepts gzip (later, at the
	// first hit of one that does, otherwise).
	var enc ownedBytes
	if err := report.WriteJSONWith(&enc, res, opts); err != nil {
		s.writeEngineError(w, r, err, "", nil)
		return
	}
	ans := newAnswer(enc, gz)
	cache.put(ak, ans)
	cache.put(bk, ans)
	cache.writeAnswer(w, ans, gz)
}

// writeAnswer writes ans, an answer of c: compressed when gz (the client
// accepts gzip) and the body is long enough (c.gzipped: compressed at
// most once), as it is otherwise.
func (c *answerCache) writeAnswer(w http.ResponseWriter, ans *cachedAnswer, gz bool) {
	if len(ans.body) >= minGzipBytes && gz {
		writeGzipBody(w, http.StatusOK, c.gzipped(ans))
		return
	}
	httpjson.WriteBody(w, http.StatusOK, ans.body)
}

// ownedBytes is an io.Writer that appends to itself: written to once, it
// holds a copy of exactly what was written.
type ownedBytes []byte

// Write appends p.
func (b *ownedBytes) Write(p []byte) (int, error) {
	*b = append(*b, p...)
	return len(p), nil
}

// bodyBufs holds the buffers response bodies are built in (the answers
// of /recommend, and bodies compressed with gzip), so that a request does
// not grow one from nothing.
var bodyBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer bodyBufs keeps.
const maxPooledBody = 1 << 20

// putBodyBuf returns buf to bodyBufs, unless it grew too large.
func putBodyBuf(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBody {
		bodyBufs.Put(buf)
	}
}

// recommendOptions reads the query parameters of POST /recommend: trace
// (true or false, as strconv.ParseBool reads it; false when absent) asks
// for the trace. Any other parameter, a repeated trace, or a trace that
// is not true or false is a problem, for a 400 (see queryParams).
func recommendOptions(r *http.Request) (report.JSONOptions, []problem) {
	var o report.JSONOptions
	q, probs := queryParams(r, "trace")
	if len(probs) > 0 {
		return o, probs
	}
	if v, given := q["trace"]; given {
		trace, err := strconv.ParseBool(v)
		if err != nil {
			return o, []problem{{Field: "trace", Value: strconv.Quote(cut(v)), Message: "must be true or false"}}
		}
		o.Trace = trace
	}
	return o, nil
}

// writeInvalidQuery answers 400 "invalid query" with probs, the problems
// of r's query, and the referrals of p, what could be read of the body's
// profile, with the red flags the query names added (each with a problem
// saying so): a mistake in the address does not hide the emergency the
// body, or the address itself, reports. An entry of red_flags or
// conditions in the query that the vocabulary lacks
// (red_flags=saddle_numbnes) counts as the page counts it in its address
// (web.FormAnswers): as what its "did you mean" names; and a number or a
// choice in the query counts with the body's as a field given twice, as
// the one whose referrals are the most pressing (web.JoinForm), so that
// ?pain_level=9 beside the body's belly pain is the emergency the page's
// address gives; the query's problem names its parameter.
func (s *Server) writeInvalidQuery(w http.ResponseWriter, r *http.Request, eng *recommend.Engine, p recommend.Profile, probs []problem) {
	probs = addNamedFlags(eng, &p, []byte(httpin.Text(r.URL.RawQuery)), probs)
	if eng != nil {
		p = web.JoinForm(eng, p, r.URL.RawQuery)
	}
	s.writeInvalidProfile(w, r, eng, p, "invalid query", probs, report.JSONOptions{})
}

// queryParams reads the query of r, whose endpoint defines the parameters
// named, each taken once, and returns each one given with its value. It
// never drops a parameter without a word: one the endpoint does not
// define (such as red_flags=saddle_numbness, a profile field sent in the
// address of /recommend), one given twice, and one that cannot be read
// (a malformed %-escape, or a semicolon, which is not a separator) are a
// problem each, for a 400. Empty parts ("a=1&&b=2") are no parameters.
func queryParams(r *http.Request, names ...string) (map[string]string, []problem) {
	q := map[string]string{}
	var probs []problem
	route := r.Pattern
	if route == "" {
		route = "this endpoint"
	}
	takes := "takes no query parameters"
	if len(names) > 0 {
		takes = "takes only " + strings.Join(names, ", ")
	}
	for p := range httpin.Parts(r.URL.RawQuery) {
		key, value := p.Key, p.Value
		switch {
		case p.Problem == httpin.Semicolon:
			probs = append(probs, problem{Field: cut(key), Value: strconv.Quote(cut(p.Raw)),
				Message: "a semicolon does not separate query parameters: use &"})
		case p.Problem == httpin.BadEscape:
			probs = append(probs, problem{Field: cut(key), Value: strconv.Quote(cut(p.Raw)),
				Message: "malformed query parameter: a % must start an escape such as %20"})
		case !slices.Contains(names, key):
			probs = append(probs, problem{Field: cut(key), Value: strconv.Quote(cut(value)),
				Message: fmt.Sprintf("unknown query parameter: %s %s; the profile goes in the body", route, takes)})
		default:
			if _, dup := q[key]; dup {
				probs = append(probs, problem{Field: key, Message: "given more than once"})
				continue
			}
			q[key] = value
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return q, nil
}

// The body of /recommend when only the referrals could
// be worked out (a *recommend.PartialError): the Result as WriteJSON
// writes it, with incomplete true, withheld true and the referrals, and
// an "error" member that says what failed.
//
// It is a 200, not a 500 or a 503: a client that treats any other status
// as a failure, or a proxy that replaces the body of a 5xx with its own
// page, would drop the referrals with it, an emergency among them. A
// client that reads the body as a Result and ignores "incomplete" and
// "error" still shows the referrals and gives no movement advice, since
// the Result withholds it.
// partialBody builds it: WriteJSON's object with the "error" member
// appended.

// partialFailure says why a Result is incomplete.
type partialFailure struct {
	// Error says what failed, in one line.
	Error string `json:"error"`
	// Rule is the id of the rule that failed to evaluate, or "" when the
	// request ran out of time.
	Rule string `json:"rule,omitempty"`
}

// partialFailureOf logs why pe's Result is incomplete, with the failing
// rule's id, file and line, and returns it for the response.
func (s *Server) partialFailureOf(r *http.Request, pe *recommend.PartialError) partialFailure {
	var ee *recommend.EvalError
	switch {
	case errors.As(pe, &ee):
		s.log.LogAttrs(r.Context(), slog.LevelError, "rule failed to evaluate: answered with the referrals only",
			slog.String("route", r.Pattern), slog.String("rule", ee.Rule), slog.String("file", ee.File), slog.Int("line", ee.Line))
		return partialFailure{Rule: ee.Rule,
			Error: fmt.Sprintf("rule %q failed to evaluate: only the referrals were worked out, and the rest of the advice is withheld; the rule set needs fixing", ee.Rule)}
	case errors.Is(pe, context.DeadlineExceeded) || errors.Is(pe, context.Canceled):
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "request ran out of time: answered with the referrals only",
			slog.String("route", r.Pattern))
		return partialFailure{Error: "the request took too long: only the referrals were worked out, and the rest of the advice is withheld"}
	default:
		s.log.LogAttrs(r.Context(), slog.LevelError, "recommend failed: answered with the referrals only",
			slog.String("route", r.Pattern), slog.String("error", pe.Error()))
		return partialFailure{Error: "only the referrals were worked out, and the rest of the advice is withheld"}
	}
}

// writePartial answers /recommend with the referrals of a PartialError,
// as partialBody documents.
func (s *Server) writePartial(w http.ResponseWriter, r *http.Request, pe *recommend.PartialError, o report.JSONOptions) {
	body, err := partialBody(pe.Result, s.partialFailureOf(r, pe), o)
	if err != nil {
		s.writeEngineError(w, r, err, "", nil)
		return
	}
	httpjson.WriteBody(w, http.StatusOK, body)
}

// resultJSON returns res as report.WriteJSONWith writes it with o,
// without the final newline.
func resultJSON(res *recommend.Result, o report.JSONOptions) (json.RawMessage, error) {
	var buf bytes.Buffer
	if err := report.WriteJSONWith(&buf, res, o); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// partialBody returns the body of a partial /recommend answer: res as WriteJSONWith
// writes it with o, with an "error" member holding f added at the end.
func partialBody(res *recommend.Result, f partialFailure, o report.JSONOptions) ([]byte, error) {
	obj, err := resultJSON(res, o)
	if err != nil {
		return nil, err
	}
	fj, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	if len(obj) < 2 || obj[len(obj)-1] != '}' {
		return nil, errors.New("server: the result is not a JSON object")
	}
	body := append(obj[:len(obj)-1:len(obj)-1], `,"error":`...)
	body = append(body, fj...)
	return append(body, "}\n"...), nil
}

// partialExplainError is the error body of /explain when only the
// referrals could be worked out: an explanation needs every rule, so the
// status is that of the failure (500 for a rule that failed to evaluate,
// 503 for a request that ran out of time), and the body carries the
// Result with the referrals, so that a client that shows errors can still
// show an emergency.
type partialExplainError struct {
	apiError
	Rule string `json:"rule,omitempty"`
	// Result is the Result as report.WriteJSON writes it.
	Result json.RawMessage `json:"result"`
}

// writePartialExplain answers /explain for a PartialError, as
// partialExplainError documents.
func (s *Server) writePartialExplain(w http.ResponseWriter, r *http.Request, pe *recommend.PartialError) {
	f := s.partialFailureOf(r, pe)
	status := http.StatusInternalServerError
	if f.Rule == "" && (errors.Is(pe, context.DeadlineExceeded) || errors.Is(pe, context.Canceled)) {
		status = http.StatusServiceUnavailable
	}
	res, err := resultJSON(pe.Result, report.JSONOptions{})
	if err != nil {
		s.writeEngineError(w, r, err, "", nil)
		return
	}
	httpjson.Write(w, status, partialExplainError{
		apiError: apiError{Status: status, Error: "no explanation: " + f.Error},
		Rule:     f.Rule, Result: res,
	})
}

// invalidProfileError is the body of a 400 for a request whose profile
// has problems, and of the 413 of /recommend: the problems, and in
// "result", when what could be read of the profile calls for a referral,
// the referrals and safety-net messages of it (recommend.Engine.Triage),
// every movement withheld, as WriteJSON writes a Result, so that a
// mistake in one field, or a body over the limit, does not hide the
// emergency another field, or the start of the body, reports.
type invalidProfileError struct {
	apiError
	// Result is the Result as report.WriteJSON writes it, or absent when
	// there is no engine.
	Result json.RawMessage `json:"result,omitempty"`
}

// writeTooLarge answers 413 for a /recommend body over the limit, of
// which body holds the first maxRecommendBody bytes, with the referrals
// of what recommend's DecodeProfile reads of them, as invalidProfileError
// documents: an input over its limit, read as if it ended there, less a
// value the cut may have made (of 10 it may leave 1). The decoder is
// given the bytes and one more, which stands for the rest of the body
// (maxRecommendBody is recommend.MaxProfileBytes), so that it reads them
// as the start of a larger input; the one more is never read.
func (s *Server) writeTooLarge(w http.ResponseWriter, r *http.Request, eng *recommend.Engine, body []byte, o report.JSONOptions) {
	var p recommend.Profile
	var probs []problem
	if startsObject(body) {
		p, _ = decodeProfile(eng, append(body[:len(body):len(body)], ' '))
	} else {
		p, probs = namedProfile(eng, body, false)
	}
	s.writeRefused(w, r, http.StatusRequestEntityTooLarge, eng, p, tooLargeMessage(maxRecommendBody), probs, o)
}

// namedProfile returns, for body, a request the server cannot read as a
// profile at all, a profile of the red flags, and the conditions that can
// change a referral, that body names (see addNamedFlags), for Triage, and
// a problem for each, so that a body sent in the wrong shape still
// reaches the referral of the emergency it reports, and says so. A body
// that is not a JSON object is read as a form too, as the page reads one
// (web.FormAnswers): its numbers and choices count toward the referrals,
// each with a problem (formFieldMessage), so that a pain sent with curl
// -d beside belly pain counts as it would as JSON. whole is false for
// the start of a larger body, which is read as a form only to its last
// '&', since the cut may leave a shorter value (of pain_level=10,
// pain_level=1).
func namedProfile(eng *recommend.Engine, body []byte, whole bool) (recommend.Profile, []problem) {
	var p recommend.Profile
	probs := addNamedFlags(eng, &p, body, nil)
	if startsObject(body) {
		return p, probs
	}
	form := body
	if !whole {
		form = form[:bytes.LastIndexByte(form, '&')+1]
	}
	// The names a form escapes (abdominal%5Fpain...) count as well.
	probs = addNamedFlags(eng, &p, []byte(httpin.Text(string(form))), probs)
	fp, given := web.FormAnswers(eng, string(form))
	fp.RedFlags, fp.Conditions = namedterms.Join(p.RedFlags, fp.RedFlags), namedterms.Join(p.Conditions, fp.Conditions)
	for _, name := range slices.Sorted(maps.Keys(given)) {
		vals := make([]string, len(given[name]))
		for i, v := range given[name] {
			vals[i] = strconv.Quote(cut(v))
		}
		probs = append(probs, problem{Field: name, Value: strings.Join(vals, ", "), Message: formFieldMessage})
	}
	return fp, probs
}

// formFieldMessage is the problem of a number or a choice that a body
// the server could not read gives as a form field.
const formFieldMessage = "given as a form field, which the server does not read: counted toward the referrals as the web page counts it (a value given more than once as the one with the most pressing referrals), to be safe"

// addNamedFlags adds to p each red flag that text, which the server
// could not read, names and p lacks (recommend.Engine.NamedRedFlags), and
// each condition it names that can change a referral
// (recommend.Engine.NamedReferralConditions), and to probs a problem for
// each, and returns probs.
func addNamedFlags(eng *recommend.Engine, p *recommend.Profile, text []byte, probs []problem) []problem {
	namedterms.Add(eng, p, text, func(field, id string) {
		msg := namedFlagMessage
		if field == namedterms.Conditions {
			msg = namedConditionMessage
		}
		probs = append(probs, problem{Field: field, Value: strconv.Quote(id), Message: msg})
	})
	return probs
}

// namedFlagMessage is the problem of a red flag that a request names
// where the server could not read it, and namedConditionMessage of a
// condition: recommend.Engine.DecodeProfile reports them so, in its
// words.
const (
	namedFlagMessage      = "named where the request could not be read: counted as a red flag, to be safe"
	namedConditionMessage = "named where the request could not be read: counted as a condition toward the referrals, to be safe"
)

// writeInvalidProfile answers 400 for a request whose profile has the
// problems probs, with p, what could be read of it, triaged by eng, as
// invalidProfileError documents.
func (s *Server) writeInvalidProfile(w http.ResponseWriter, r *http.Request, eng *recommend.Engine, p recommend.Profile, msg string, probs []problem, o report.JSONOptions) {
	s.writeRefused(w, r, http.StatusBadRequest, eng, p, msg, probs, o)
}

// writeRefused answers status for a request refused with msg and probs,
// with p, what could be read of its profile, triaged by eng, as
// invalidProfileError documents. A referral rule that fails while it
// triages is logged, and counted as matched by Triage.
func (s *Server) writeRefused(w http.ResponseWriter, r *http.Request, status int, eng *recommend.Engine, p recommend.Profile, msg string, probs []problem, o report.JSONOptions) {
	body := invalidProfileError{apiError: apiError{Status: status, Error: msg, Problems: probs}}
	if eng != nil {
		ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
		defer cancel()
		res, err := eng.Triage(ctx, p)
		var ee *recommend.EvalError
		if errors.As(err, &ee) {
			s.log.LogAttrs(r.Context(), slog.LevelError, "rule failed to evaluate while triaging an invalid profile",
				slog.String("route", r.Pattern), slog.String("rule", ee.Rule), slog.String("file", ee.File), slog.Int("line", ee.Line))
		}
		if res != nil && len(res.Referrals) > 0 {
			// The problems are the answer: a result that cannot be
			// written leaves them without it.
			body.Result, _ = resultJSON(res, o)
		}
	}
	httpjson.Write(w, status, body)
}

// explainRequest is the body of POST /explain.
type explainRequest struct {
	// Profile is the profile, as for /recommend.
	Profile recommend.Profile
	// Movement is a movement id, or "referral" for the referral rules.
	Movement string
	// read is whether Profile holds what could be read of a "profile"
	// object, problems or not.
	read bool
}

// referralTarget is the movement value of /explain that asks for the
// referral rules.
const referralTarget = "referral"

// handleExplain answers POST /explain: {"profile": {...}, "movement":
// "knee_to_chest"} gets the explanation of one movement's outcome
// (recommend.Engine.Explain), and "movement": "referral" that of every
// referral rule (recommend.Engine.ExplainReferrals), as
// report.WriteExplanationJSON and WriteReferralExplanationJSON write
// them. It takes no query parameters: any is a 400 naming it (see
// queryParams).
func (s *Server) handleExplain(w http.ResponseWriter, r *http.Request) {
	eng := s.engineFor(r)
	_, qprobs := queryParams(r)
	body, over, ok := readBody(w, r, maxExplainBody)
	if !ok {
		return
	}
	if len(qprobs) > 0 {
		// The query is refused; the profile in the body (or what a body
		// that is not one names and gives, as a refused body is read),
		// and a red flag sent in the address, still reach their
		// referrals.
		var p recommend.Profile
		if req, _, _ := decodeExplain(body, eng); req.read && !over {
			p = namedterms.Wrapped(eng, req.Profile, body, true)
		} else {
			var named []problem
			p, named = unreadExplainProfile(eng, body, !over)
			qprobs = append(qprobs, named...)
		}
		s.writeInvalidQuery(w, r, eng, p, qprobs)
		return
	}
	if over {
		// An explanation needs its whole request: the 413 carries the
		// referrals of the red flags its start names.
		p, named := unreadExplainProfile(eng, body, false)
		s.writeRefused(w, r, http.StatusRequestEntityTooLarge, eng, p, tooLargeMessage(maxExplainBody), named, report.JSONOptions{})
		return
	}
	req, at, probs := decodeExplain(body, eng)
	if len(probs) > 0 {
		p := req.Profile
		if !req.read {
			var named []problem
			p, named = unreadExplainProfile(eng, body, true)
			probs = append(probs, named...)
		} else {
			// What the request gives beside its profile (a red flag
			// outside the wrapper) counts too.
			p = namedterms.Wrapped(eng, p, body, true)
		}
		s.writeInvalidProfile(w, r, eng, p, "invalid explain request", probs, report.JSONOptions{})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	var buf bytes.Buffer
	var pe *recommend.PartialError
	if req.Movement == referralTarget {
		x, err := eng.ExplainReferrals(ctx, req.Profile)
		if err == nil {
			err = report.WriteReferralExplanationJSON(&buf, x)
		}
		if errors.As(err, &pe) && pe.Result != nil {
			s.writePartialExplain(w, r, pe)
			return
		}
		if err != nil {
			s.writeEngineError(w, r, err, "profile.", at)
			return
		}
	} else {
		x, err := eng.Explain(ctx, req.Profile, req.Movement)
		if err == nil {
			err = report.WriteExplanationJSON(&buf, x)
		}
		if errors.As(err, &pe) && pe.Result != nil {
			s.writePartialExplain(w, r, pe)
			return
		}
		if errors.Is(err, recommend.ErrUnknownMovement) {
			// A mistake in the movement does not hide the emergency the
			// profile reports: the 400 carries its referrals.
			msg := strings.TrimPrefix(err.Error(), "explain: ")
			if s := words.DidYouMean(req.Movement, []string{referralTarget}); s != "" {
				// "referrals", "referal": the referral rules, not a
				// movement.
				msg = fmt.Sprintf("%v %q%s", recommend.ErrUnknownMovement, req.Movement, s)
			}
			s.writeInvalidProfile(w, r, eng, req.Profile, msg, []problem{{Field: "movement", Value: strconv.Quote(cut(req.Movement)), Message: msg}}, report.JSONOptions{})
			return
		}
		if err != nil {
			s.writeEngineError(w, r, err, "profile.", at)
			return
		}
	}
	httpjson.WriteBody(w, http.StatusOK, buf.Bytes())
}

// unreadExplainProfile returns, for body, an explain request whose
// profile could not be read (whole is false for the start of a larger
// body), the profile to triage and a problem for each term counted: what
// body names (see namedProfile) and, when body is a JSON object, body
// read as a profile itself, as /recommend reads it. A profile posted to
// /explain without its "profile" wrapper so counts as it does on
// /recommend: an entry the vocabulary lacks ("saddle_numbnes") as what
// its "did you mean" names, a name written with JSON escapes as the
// name, a number beside a red flag as the number. Before, only the names
// the text held whole counted.
func unreadExplainProfile(eng *recommend.Engine, body []byte, whole bool) (recommend.Profile, []problem) {
	p, probs := namedProfile(eng, body, whole)
	if !startsObject(body) {
		return p, probs
	}
	if !whole {
		body = append(body[:len(body):len(body)], ' ') // the start of a larger body: see writeTooLarge
	}
	read, _ := decodeProfile(eng, body)
	// A profile wrapped as an explain request wraps it, read as far as
	// a syntax error lets it be (a trailing comma), counts too.
	read = namedterms.Wrapped(eng, read, body, whole)
	namedterms.JoinProfile(&read, p)
	return read, probs
}

// decodeProfile reads a profile with eng's DecodeProfile, which places
// the values the vocabulary lacks in the body too; without an engine, it
// only decodes, and the caller's Recommend or Explain reports the missing
// engine.
func decodeProfile(eng *recommend.Engine, body []byte) (recommend.Profile, error) {
	if eng == nil {
		return recommend.DecodeProfile(bytes.NewReader(body))
	}
	return eng.DecodeProfile(bytes.NewReader(body))
}

// decodeExplain reads an explain request strictly: a JSON object with
// exactly the keys profile (an object, read by eng's DecodeProfile, so
// that its problems, vocabulary ones included, have positions) and
// movement (a non-empty string), each once, and nothing after it. It
// returns the position of the profile in the body, to place the
// profile's problems, and the problems found.
func decodeExplain(body []byte, eng *recommend.Engine) (explainRequest, *textPos, []problem) {
	var req explainRequest
	if !utf8.Valid(body) {
		return req, nil, []problem{{Message: "the request body is not valid UTF-8"}}
	}
	body = bytes.TrimPrefix(body, []byte("\uFEFF"))
	if !startsObject(body) {
		return req, nil, []problem{{Message: `the request body must be a JSON object: {"profile": {...}, "movement": "knee_to_chest"}`}}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	syntax := func(err error) []problem {
		// The offsets of a Decoder's syntax errors are not always
		// from the start of the input; Unmarshal's are.
		var v any
		if uerr := json.Unmarshal(body, &v); uerr != nil {
			err = uerr
		}
		p := problem{Message: "malformed JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off := int(se.Offset)
			if off > 0 && off <= len(body) && !strings.Contains(se.Error(), "unexpected end") {
				off-- // the offending byte, not the one after it
			}
			pos := positionOf(body, off)
			p.Line, p.Column = pos.line, pos.column
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			p.Message = "malformed JSON: unexpected end of the body"
		}
		return []problem{p}
	}
	if _, err := dec.Token(); err != nil { // the '{'
		return req, nil, syntax(err)
	}
	var probs []problem
	var at *textPos
	var rawProfile []byte
	// again are the profiles given after the first.
	var again [][]byte
	seen := map[string]bool{}
	for dec.More() {
		keyPos := positionOf(body, skip(body, int(dec.InputOffset()), " \t\r\n,"))
		tok, err := dec.Token()
		if err != nil {
			return req, nil, syntax(err)
		}
		key, _ := tok.(string) // an object key is always a string
		keyEnd := int(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return req, nil, syntax(err)
		}
		pos := positionOf(body, skip(body, keyEnd, " \t\r\n:"))
		if seen[key] {
			msg := "given more than once"
			if key == "profile" && len(raw) > 0 && raw[0] == '{' {
				// Read for the referrals with the first, each field of
				// both as a field given twice is read: no red flag of
				// either is lost.
				again = append(again, raw)
				msg += ": the fields of each are read for the referrals, to be safe"
			}
			probs = append(probs, problem{Field: cut(key), Message: msg, Line: keyPos.line, Column: keyPos.column})
			continue
		}
		seen[key] = true
		switch key {
		case "profile":
			if len(raw) == 0 || raw[0] != '{' {
				probs = append(probs, problem{Field: "profile", Value: cut(string(raw)),
					Message: "must be a JSON object, a profile such as {\"conditions\":[\"disc_herniation\"]}", Line: pos.line, Column: pos.column})
				continue
			}
			rawProfile, at = raw, &pos
		case "movement":
			var m string
			if err := json.Unmarshal(raw, &m); err != nil || m == "" {
				probs = append(probs, problem{Field: "movement", Value: cut(string(raw)),
					Message: `must be a movement id, such as "knee_to_chest", or "referral"`, Line: pos.line, Column: pos.column})
				continue
			}
			req.Movement = m
		default:
			probs = append(probs, problem{Field: cut(key),
				Message: `unknown field: an explain request has only "profile" and "movement"`, Line: keyPos.line, Column: keyPos.column})
		}
	}
	if _, err := dec.Token(); err != nil { // the '}'
		return req, nil, syntax(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		pos := positionOf(body, int(dec.InputOffset()))
		probs = append(probs, problem{Message: "unexpected data after the request object", Line: pos.line, Column: pos.column})
	}
	for _, k := range []string{"profile", "movement"} {
		if !seen[k] {
			probs = append(probs, problem{Field: k, Message: "missing"})
		}
	}
	if rawProfile != nil {
		p, err := decodeProfile(eng, rawProfile)
		if err != nil {
			probs = append(probs, profileProblems(err, "profile.", at)...)
		}
		if len(again) > 0 {
			// The profiles as one object whose fields each gives in
			// turn, so that DecodeProfile reads every field given
			// twice as it does in one profile: the entries of every
			// list, the most pressing number or choice. Its problems
			// are not reported: their positions are not the body's.
			p, _ = decodeProfile(eng, namedterms.JoinObjects(append([][]byte{rawProfile}, again...)))
		}
		req.Profile, req.read = p, true
	}
	if len(probs) > 0 {
		return req, nil, probs
	}
	return req, at, nil
}

// skip returns the offset of the first byte at or after off that is not
// in set.
func skip(body []byte, off int, set string) int {
	for off < len(body) && strings.IndexByte(set, body[off]) >= 0 {
		off++
	}
	return off
}

// textPos is a 1-based line and column, the column in characters.
type textPos struct{ line, column int }

// positionOf returns the position of byte offset off in data.
func positionOf(data []byte, off int) textPos {
	off = min(max(off, 0), len(data))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return textPos{line: line, column: utf8.RuneCount(before[lineStart:]) + 1}
}

// shift moves a position within a value that starts at at to a position
// in the whole body.
func (at *textPos) shift(line, column int) (int, int) {
	if at == nil || line == 0 {
		return line, column
	}
	if line == 1 {
		return at.line, at.column + column - 1
	}
	return at.line + line - 1, column
}

// cut shortens a value quoted in a message.
func cut(s string) string {
	const most = 64
	if utf8.RuneCountInString(s) <= most {
		return s
	}
	return string([]rune(s)[:most]) + "..."
}

// profileProblems turns a *recommend.ProfileError into problems, with
// prefix before each field and positions moved by at; nil for any other
// error.
func profileProblems(err error, prefix string, at *textPos) []problem {
	var pe *recommend.ProfileError
	if !errors.As(err, &pe) {
		return nil
	}
	probs := make([]problem, 0, len(pe.Problems))
	for _, fp := range pe.Problems {
		field := fp.Field
		switch {
		case field != "":
			field = prefix + field
		case fp.Value != "":
			// A key that names no field: Value holds the key, which
			// is the field a client needs to see.
			key, err := strconv.Unquote(fp.Value)
			if err != nil {
				key = fp.Value
			}
			field = prefix + key
		case prefix != "":
			field = strings.TrimSuffix(prefix, ".")
		}
		line, col := at.shift(fp.Line, fp.Column)
		probs = append(probs, problem{Field: field, Value: fp.Value, Message: fp.Message, Line: line, Column: col})
	}
	return probs
}

// writeEngineError answers an error of the recommend package: 400 for an
// invalid profile, 503 for a request that ran out
// of time, 500 for a rule that failed to evaluate and anything else. It
// logs a 500 with the rule's id and place, never the profile.
func (s *Server) writeEngineError(w http.ResponseWriter, r *http.Request, err error, prefix string, at *textPos) {
	var evalErr *recommend.EvalError
	switch {
	case errors.Is(err, recommend.ErrInvalidProfile):
		writeError(w, http.StatusBadRequest, "invalid profile", profileProblems(err, prefix, at)...)
	case errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusServiceUnavailable, "the request took too long: try again later")
	case errors.Is(err, context.Canceled):
		writeError(w, http.StatusServiceUnavailable, "the request was cancelled")
	case errors.As(err, &evalErr):
		s.log.LogAttrs(r.Context(), slog.LevelError, "rule failed to evaluate",
			slog.String("rule", evalErr.Rule), slog.String("file", evalErr.File), slog.Int("line", evalErr.Line))
		writeError(w, http.StatusInternalServerError,
			fmt.Sprintf("rule %q failed to evaluate: the rule set needs fixing", evalErr.Rule))
	default:
		s.log.LogAttrs(r.Context(), slog.LevelError, "internal error", slog.String("error", err.Error()))
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

// handleHealth answers GET /healthz.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	s.engineFor(r)
	httpjson.Write(w, http.StatusOK, s.health())
}

// openAPIGzip is the OpenAPI document compressed, made the first time a
// client that accepts gzip asks for it.
var openAPIGzip = sync.OnceValue(func() []byte { return gzipBytes(openAPI) })

// handleOpenAPI serves the OpenAPI document: compressed once and kept,
// for the clients that accept gzip.
func handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	h := w.Header()
	body := openAPI
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		body = openAPIGzip()
		h.Set("Content-Encoding", "gzip")
	}
	addVary(h)
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
