//go:build unix

package main

import (
	"context"
	"net"
	"strings"
	"syscall"
	"testing"
)

// TestRunSignal checks that SIGTERM stops the server gracefully: run
// returns nil after logging the shutdown. run has registered for the
// signal before it reports its address, so the signal cannot kill the
// test process. Nothing else stops run: the test waits for run to return
// on its own, since stopping it another way would let it unregister
// before the signal arrived, and the signal would then end the test
// process.
func TestRunSignal(t *testing.T) {
	stderr := &syncBuffer{}
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"-addr", "127.0.0.1:0", "-log", "json"}, stderr, func(a net.Addr) { addr <- a })
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a.String()
	case err := <-done:
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Errorf("GET /healthz: status %d", code)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := <-done
	logs := stderr.String()
	if err != nil || !strings.Contains(logs, `"msg":"shutting down"`) || !strings.Contains(logs, `"msg":"stopped"`) {
		t.Errorf("run after SIGTERM: %v; want nil and a graceful stop in the log:\n%s", err, logs)
	}
}
