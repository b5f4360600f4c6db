package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestRunUsage checks the exit status and message of bad command lines
// and of rules that do not load.
func TestRunUsage(t *testing.T) {
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "r.yaml"), []byte(brokenRule), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string // the first line of standard error
	}{
		{"watch without rules", []string{"-watch"}, 2, "usage: -watch needs -rules DIR: the embedded rules never change"},
		{"bad poll", []string{"-rules", broken, "-watch", "-poll", "0s"}, 2, "usage: -poll must be positive, not 0s"},
		{"bad log format", []string{"-log", "xml"}, 2, `usage: -log must be text or json, not "xml"`},
		{"negative cache bound", []string{"-answer-cache-bytes", "-1"}, 2, "usage: -answer-cache-bytes must be 0 or more, not -1"},
		{"argument", []string{"rules"}, 2, `usage: unexpected argument "rules"`},
		{"unknown flag", []string{"-port", "80"}, 2, "usage: flag provided but not defined: -port"},
		{"broken rules", []string{"-rules", broken}, 1, "error: load rules: r.yaml:4:"},
		{"rule file for the rules directory", []string{"-rules", filepath.Join(broken, "r.yaml")}, 1,
			"error: -rules: " + filepath.Join(broken, "r.yaml") + " is a file, not a directory: give the directory that holds the rule files"},
		{"rules directory missing", []string{"-rules", "/nonexistent/rules"}, 1, "error: -rules: stat /nonexistent/rules: no such file or directory"},
		{"bad address", []string{"-addr", "localhost:99999"}, 1, "error: listen tcp: address 99999: invalid port"},
		{"help", []string{"-h"}, 0, "usage: server [-addr HOST:PORT] [-rules DIR [-watch [-poll DURATION]]] [-log text|json] [-cds-trust FILE] [-decision-log FILE] [-answer-cache-bytes N]"},
		{"missing trust file", []string{"-cds-trust", "/nonexistent/trust.json"}, 1, "error: -cds-trust: open /nonexistent/trust.json: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			code := exitCode(run(context.Background(), tt.args, &stderr, nil), &stderr)
			first, _, _ := strings.Cut(stderr.String(), "\n")
			if tt.name == "broken rules" {
				first = first[:min(len(first), len(tt.wantErr))]
			}
			if diff := cmp.Diff([]any{tt.wantCode, tt.wantErr}, []any{code, first}); diff != "" {
				t.Errorf("exit status and first line (-want +got):\n%s\nstderr:\n%s", diff, stderr.String())
			}
		})
	}
}

// serve runs the command with args on a free port until the returned
// stop is called, or the test ends, and returns its address; stop
// returns what it logged and run's error.
func serve(t *testing.T, args ...string) (base string, stop func() (string, error)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-log", "json"}, args...), stderr, func(a net.Addr) { addr <- a })
	}()
	select {
	case a := <-addr:
		base = "http://" + a.String()
	case err := <-done:
		cancel()
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	stopOnce := sync.OnceValues(func() (string, error) {
		cancel()
		err := <-done
		return stderr.String(), err
	})
	t.Cleanup(func() { stopOnce() })
	return base, stopOnce
}

// get fetches a URL and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestRunServes starts the command on a real port, asks it for advice
// and its health, and stops it through its context.
func TestRunServes(t *testing.T) {
	base, stop := serve(t)
	code, body := get(t, base+"/healthz")
	if code != http.StatusOK || !strings.Contains(body, `"status": "ok"`) {
		t.Errorf("GET /healthz: %d %s", code, body)
	}
	resp, err := http.Post(base+"/recommend", "application/json", strings.NewReader(`{"conditions":["disc_herniation"]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("POST /recommend: status %d", resp.StatusCode)
	}
	if code, _ := get(t, base+"/"); code != http.StatusOK {
		t.Errorf("GET /: status %d, want the page", code)
	}
	logs, err := stop()
	if err != nil {
		t.Errorf("run: %v", err)
	}
	var msgs []string
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m struct{ Msg, Route string }
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		msgs = append(msgs, strings.TrimSpace(m.Msg+" "+m.Route))
	}
	// A request's line may come after "shutting down": the client can
	// have the whole response before the handler returns and logs.
	// Shutdown waits for the handlers, so "stopped" comes last.
	// Without -cds-trust, the warning that the CDS Hooks service is
	// unauthenticated comes first.
	want := []string{unauthenticatedWarning, "serving", "request GET /healthz", "request POST /recommend", "request /{$}", "shutting down", "stopped"}
	if len(msgs) > 1 && msgs[1] == "serving" && msgs[len(msgs)-1] == "stopped" {
		slices.Sort(want[2 : len(want)-1])
		slices.Sort(msgs[2 : len(msgs)-1])
	}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

// TestRunWatch checks that -watch reloads the rules when a file changes.
// It waits for the server to notice, with a generous deadline, and
// asserts nothing about how long that took.
func TestRunWatch(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, "watch-1")
	base, stop := serve(t, "-rules", dir, "-watch", "-poll", "10ms")
	writeRules(t, dir, "watch-2")
	// A reload compares the rule sets whole, which takes minutes under
	// the race detector on a busy machine: wait until just before the
	// test's own deadline, or ten minutes without one.
	deadline := time.Now().Add(10 * time.Minute)
	if d, ok := t.Deadline(); ok {
		deadline = d.Add(-30 * time.Second)
	}
	for {
		_, body := get(t, base+"/healthz")
		if strings.Contains(body, `"version": "watch-2"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not reload before the test's deadline: %s", body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if logs, err := stop(); err != nil || !strings.Contains(logs, `"msg":"rules reloaded"`) {
		t.Errorf("run: %v; want a log of the reload:\n%s", err, logs)
	}
}

// TestServeGracefully checks that a stop waits for the request in flight,
// which gets its whole answer, and that the server then takes no more
// connections.
func TestServeGracefully(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "done")
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() {
		served <- serveGracefully(ctx, func() {}, ln, h, slog.New(slog.DiscardHandler), func() {})
	}()
	url := "http://" + ln.Addr().String() + "/"
	type answer struct {
		code int
		body string
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.Get(url)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		answered <- answer{resp.StatusCode, string(body), err}
	}()
	<-entered
	cancel()
	select {
	case err := <-served:
		t.Fatalf("serveGracefully returned %v while a request was in flight", err)
	default:
	}
	close(release)
	if diff := cmp.Diff(answer{code: 200, body: "done"}, <-answered, cmp.AllowUnexported(answer{}), cmpErr); diff != "" {
		t.Errorf("the request in flight (-want +got):\n%s", diff)
	}
	if err := <-served; err != nil {
		t.Errorf("serveGracefully: %v", err)
	}
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("GET after the stop: status %d, want no connection", resp.StatusCode)
	}
}

// cmpErr compares errors by their text.
var cmpErr = cmp.Comparer(func(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Error() == b.Error()
})
