// Command server serves backrules over HTTP: advice and explanations as
// JSON, CDS Hooks cards for clinical systems, and a web page for people.
//
// Usage:
//
//	go run ./examples/server [-addr localhost:8080] [-rules DIR [-watch [-poll 1s]]] [-log text|json]
//	    [-cds-trust FILE] [-decision-log FILE] [-answer-cache-bytes N]
//
// It serves the rule set in DIR, or the embedded default rules when -rules
// is not given, on -addr (default localhost:8080):
//
//	POST /recommend           a profile as JSON in, the Result as JSON out
//	POST /explain             {"profile": {...}, "movement": "knee_to_chest"}
//	                          in, the movement's explanation out; "movement":
//	                          "referral" explains the referral rules
//	GET  /healthz             status, the rule set's version and digest, and
//	                          the last failed reload
//	GET  /openapi.json        the OpenAPI 3.1 document of the JSON endpoints
//	GET  /cds-services        CDS Hooks discovery
//	POST /cds-services/backrules
//	                          CDS Hooks patient-view: cards from FHIR data
//	POST /cds-services/backrules/feedback
//	                          CDS Hooks feedback on the cards
//	GET  /metrics             Prometheus metrics
//	GET  /, POST /            the web page
//
// Bad input gets 400 with a JSON body whose problems name each field at
// fault ("conditions[0]", "profile.pain_level", "movement"); a body not
// sent as application/json, or sent compressed, gets 415 (with the
// referrals of the red flags and conditions its first 64 KiB name, and of
// the JSON object they hold, read as the request); a body over the limit (64 KiB for a
// profile) gets 413, also with Expect: 100-continue (the 413 of /recommend
// carries the referrals of what the first 64 KiB hold, as a 400 carries
// those of a profile with a problem, unless the client waits for 100
// Continue, which is answered before the body is read); a wrong method gets
// 405 with Allow; an unknown path 404. openapi.json documents every body.
// When only the referrals could be worked out (a rule failed at runtime,
// or the request ran out of time after the referral rules), /recommend
// answers 200 with them, "incomplete": true and an "error" object, so
// that no client drops an emergency; see the README.
//
// JSON answers (the CDS Hooks service's too), the page and the pictures
// are compressed with gzip when the request's Accept-Encoding allows it
// and the body is 1 KiB or more, with Vary: Accept-Encoding on every
// such response; /recommend sends the compressed copy its answer cache
// keeps. The request log's response size is the bytes sent.
//
// With -watch, the server checks the rule files in DIR every -poll
// interval (their names, modes and contents, hashed) and, once they have
// changed and stayed the same for two more checks, loads the rule set
// again and swaps it in atomically; requests in flight finish with the
// rules they started with. The new rules are swapped in only when they
// load, pass the analysis of rulecheck -analyze, keep every red flag with
// a safety floor at least as high, and give no profile of those compared
// (the analysed space and the red-flag combinations around it) a less
// urgent referral or advice no longer withheld: a reload only ratchets
// up. Removing a red flag, lowering its floor or lowering what any
// profile gets takes a restart. A refused reload keeps the running rules,
// logs where the problems are, and /healthz reports "degraded" with them,
// by file, line and column and never a file's text, until a later load
// succeeds. The server refuses to start on rules that fail the analysis.
//
// It logs to standard error with log/slog, one line per request with the
// method, the route pattern, the status, the duration, the response size
// and the rule set's digest. It logs no request body, query, header or
// client address: requests carry health data. (net/http's own error log,
// for connection-level failures, is passed through at level WARN.)
//
// With -cds-trust FILE, the CDS Hooks service and its feedback endpoint
// accept only calls that carry a JWT signed by a client FILE lists (see
// cdshooks.ParseTrust for the format, and the README); other calls get
// 401. Without it the service answers anyone, and the server logs a
// warning at start: it must then sit behind something that authenticates
// the callers. With -decision-log FILE, it appends one JSON line per CDS
// Hooks service or feedback call to FILE: what was decided (rule set,
// rules, urgencies, card uuids, feedback), never who it was about.
//
// It keeps the encoded answers of POST /recommend in memory, up to
// -answer-cache-bytes (default 32 MiB; 0 turns the cache off), so that a
// profile asked about again is answered without working it out again:
// only complete answers, keyed by the rule set, the query and the profile,
// kept the second time a profile is asked about, and dropped when a
// reload swaps the rules. The cache holds the profiles
// it was asked about and their answers, in memory only.
//
// SIGINT or SIGTERM stops it gracefully: it stops accepting connections
// and waits up to 10 seconds for requests in flight. Exit status: 0 after
// a graceful stop, 1 for an invalid rule set or a failure to listen or
// serve, 2 for a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/internal/cliflag"
	"github.com/backrules/backrules/internal/termsafe"
)

// Server timeouts: a slow or stalled client cannot hold a connection.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
	// shutdownTimeout is how long a graceful stop waits for requests in
	// flight.
	shutdownTimeout = 10 * time.Second
)

func main() {
	os.Exit(exitCode(run(context.Background(), os.Args[1:], os.Stderr, nil), os.Stderr))
}

// unauthenticatedWarning is logged at start without -cds-trust.
const unauthenticatedWarning = "the CDS Hooks service is unauthenticated: without -cds-trust anyone who can reach it can call it; " +
	"run it behind something that authenticates the callers, or give -cds-trust FILE"

// errUsage marks usage errors, which exit with status 2.
var errUsage = errors.New("usage")

const usage = "usage: server [-addr HOST:PORT] [-rules DIR [-watch [-poll DURATION]]] [-log text|json] [-cds-trust FILE] [-decision-log FILE] [-answer-cache-bytes N]"

// exitCode reports err on stderr and returns the exit status.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "%s\n%s\n", termsafe.Text(err.Error()), usage)
		return 2
	default:
		fmt.Fprintf(stderr, "error: %s\n", termsafe.Text(err.Error()))
		return 1
	}
}

// run serves until ctx is done, SIGINT or SIGTERM arrives, or serving
// fails. It calls ready, when not nil, with the address it listens on,
// once it accepts connections.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(net.Addr)) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	addr := fs.String("addr", "localhost:8080", "address to listen on, HOST:PORT")
	rulesDir := fs.String("rules", "", "directory of rule files (default: the embedded rules)")
	watch := fs.Bool("watch", false, "with -rules, reload the rules when their files change")
	poll := fs.Duration("poll", time.Second, "with -watch, how often to check the rule files")
	logFormat := fs.String("log", "text", "log format: text or json")
	trustFile := fs.String("cds-trust", "", "JSON file of the CDS Hooks clients to trust (base_url, clients); without it the CDS Hooks service is unauthenticated")
	decisionFile := fs.String("decision-log", "", "append one JSON line per CDS Hooks call to this file (decisions and feedback, no personal data)")
	cacheBytes := fs.Int64("answer-cache-bytes", DefaultAnswerCacheBytes, "bytes of encoded /recommend answers to keep in memory; 0 turns the cache off")
	if err := cliflag.Parse(fs, args, stderr, usage); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	case *watch && *rulesDir == "":
		return fmt.Errorf("%w: -watch needs -rules DIR: the embedded rules never change", errUsage)
	case *poll <= 0:
		return fmt.Errorf("%w: -poll must be positive, not %v", errUsage, *poll)
	case *cacheBytes < 0:
		return fmt.Errorf("%w: -answer-cache-bytes must be 0 or more, not %d", errUsage, *cacheBytes)
	case *logFormat != "text" && *logFormat != "json":
		return fmt.Errorf("%w: -log must be text or json, not %q", errUsage, *logFormat)
	}

	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if *logFormat == "json" {
		h = slog.NewJSONHandler(stderr, nil)
	}
	logger := slog.New(h)
	cfg := Config{Logger: logger, AnswerCacheBytes: *cacheBytes}
	if *cacheBytes == 0 {
		cfg.AnswerCacheBytes = -1 // off
	}
	if *rulesDir != "" {
		if err := cliflag.Dir(*rulesDir, "rule files"); err != nil {
			return fmt.Errorf("-rules: %w", err)
		}
		cfg.Rules = os.DirFS(*rulesDir)
	}
	if *trustFile != "" {
		f, err := os.Open(*trustFile)
		if err != nil {
			return fmt.Errorf("-cds-trust: %w", err)
		}
		cfg.CDSTrust, err = cdshooks.ParseTrust(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("-cds-trust %s: %w", *trustFile, err)
		}
	}
	if *decisionFile != "" {
		f, err := os.OpenFile(*decisionFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("-decision-log: %w", err)
		}
		defer f.Close()
		cfg.DecisionLog = f
	}
	s, err := New(cfg)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *watch {
		// The watcher stops when run returns, and run waits for it, so
		// that no reload is still under way once run has returned.
		watchCtx, stopWatch := context.WithCancel(ctx)
		ticker := time.NewTicker(*poll)
		var wg sync.WaitGroup
		wg.Go(func() { s.Watch(watchCtx, ticker.C) })
		defer func() {
			stopWatch()
			ticker.Stop()
			wg.Wait()
		}()
	}
	if cfg.CDSTrust == nil {
		logger.Warn(unauthenticatedWarning)
	}
	rs := s.Engine().RuleSet()
	logger.Info("serving", slog.String("addr", ln.Addr().String()),
		slog.String("rule_set", rs.Digest), slog.String("version", rs.Version), slog.Bool("watch", *watch))
	return serveGracefully(ctx, stop, ln, s.Handler(), logger, func() {
		if ready != nil {
			ready(ln.Addr())
		}
	})
}

// serveGracefully serves h on ln until ctx is done, then stops
// gracefully: it calls stopSignals, so that a second signal ends the
// process at once, stops accepting connections and waits up to
// shutdownTimeout for the requests in flight. It calls serving once the
// server accepts connections.
func serveGracefully(ctx context.Context, stopSignals func(), ln net.Listener, h http.Handler, logger *slog.Logger, serving func()) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	serving()

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	stopSignals()
	logger.Info("shutting down", slog.Duration("grace", shutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}
