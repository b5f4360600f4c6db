//go:build unix

package main

import (
	"strings"
	"syscall"
	"testing"
)

// TestRunSignal checks that SIGTERM stops the server gracefully: run
// returns nil after logging the shutdown. run has registered for the
// signal before it reports its address, so the signal cannot kill the
// test process.
func TestRunSignal(t *testing.T) {
	base, stop := serve(t)
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("GET /healthz: status %d", code)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	logs, err := stop()
	if err != nil || !strings.Contains(logs, `"msg":"shutting down"`) || !strings.Contains(logs, `"msg":"stopped"`) {
		t.Errorf("run after SIGTERM: %v; want nil and a graceful stop in the log:\n%s", err, logs)
	}
}
