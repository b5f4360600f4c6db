package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/backrules/backrules/recommend"
)

// requestInfo is what a handler tells the request log: the rule set that
// answered.
type requestInfo struct {
	ruleSet recommend.RuleSet
	set     bool
	// raw is the ResponseWriter net/http gave the request, for
	// http.MaxBytesReader (see rawWriter).
	raw http.ResponseWriter
}

type requestInfoKey struct{}

// engineFor returns the engine for one request, and notes its rule set
// for the request's log line.
func (s *Server) engineFor(r *http.Request) *recommend.Engine {
	eng := s.Engine()
	if info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
		info.ruleSet, info.set = eng.RuleSet(), true
	}
	return eng
}

// logRequests logs one line per request: the method, the route pattern
// that matched (never the path as sent, nor the query), the status, the
// duration, the bytes of the response body and the rule set that
// answered. It logs no body, header, query or client address, since a
// request carries a person's health data. For the handlers of other
// packages (the page, CDS Hooks), which take the engine themselves, the
// rule set is the one in use when the response is done. A handler that
// panics gets a 500 and an error line without the panic's value, which
// could hold request data.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{raw: w}
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == http.ErrAbortHandler {
				panic(v)
			}
			if v != nil {
				s.log.LogAttrs(r.Context(), slog.LevelError, "handler panicked", slog.String("route", r.Pattern))
				if sw.status == 0 {
					writeError(sw, http.StatusInternalServerError, "internal error")
				}
			}
			rs := info.ruleSet
			if !info.set {
				rs = s.Engine().RuleSet()
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelWarn
			}
			s.metrics.request(r.Pattern, status, time.Since(start))
			s.log.LogAttrs(r.Context(), level, "request",
				slog.String("method", safeMethod(r.Method)),
				slog.String("route", r.Pattern),
				slog.Int("status", status),
				slog.Duration("duration", time.Since(start)),
				slog.Int64("bytes", sw.bytes),
				slog.String("rule_set", rs.Digest),
			)
		}()
		next.ServeHTTP(sw, r)
	})
}

// statusWriter records the status and body size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// WriteHeader records the first final status.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write counts the body's bytes.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
