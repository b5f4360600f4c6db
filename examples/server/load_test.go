package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// Load test size: clients, each sending requests one after another.
const (
	loadClients  = 50
	loadRequests = 200
	// pinnedPerGen is how many requests must run wholly between two
	// reloads before the next reload: the requests that are sure to
	// meet exactly one engine.
	pinnedPerGen = 300
)

// loadCase is one request of the load test and its answer for each rule
// set, by digest.
type loadCase struct {
	method, path, body string
	want               map[string]string // by digest; nil for /healthz
}

// reloadStep is one step of the reloader: a change to the rules folder,
// what Reload must return, and the rule set and status it leaves.
type reloadStep struct {
	name        string
	change      func() error // runs on the reloader goroutine: no t.Fatal
	wantChanged bool
	wantErr     bool
	version     string // the version in use after the step
	status      string
}

// TestLoad runs 50 concurrent clients of 200 requests each against a real
// in-process HTTP server, mixing profiles and endpoints, while a reloader
// swaps the rules between two valid versions and twice fails to load a
// broken file. Every answer is checked against the engine's own output
// for the rule set named in it, which must be one of the two; a request
// that ran wholly between two reloads must carry exactly the rule set in
// use then. The reloader waits for such requests before each step, and
// the clients hold their last request until every step is done, so every
// step happens under load.
func TestLoad(t *testing.T) {
	// -short runs a smaller load: the same steps, fewer requests.
	clients, requests, perGen := loadClients, loadRequests, pinnedPerGen
	if testing.Short() {
		clients, requests, perGen = 10, 60, 30
	}
	dir := t.TempDir()
	writeRules(t, dir, "load-1")
	v1 := loadDir(t, dir)
	writeRules(t, dir, "load-2")
	v2 := loadDir(t, dir)
	writeRules(t, dir, "load-1")
	s, _ := newServer(t, Config{Rules: os.DirFS(dir)})
	engines := map[string]*recommend.Engine{v1.RuleSet().Digest: v1, v2.RuleSet().Digest: v2}
	digestOf := map[string]string{"load-1": v1.RuleSet().Digest, "load-2": v2.RuleSet().Digest}

	cases := loadCases(t, engines)
	broken := filepath.Join(dir, "zz-broken.yaml")
	writeBroken := func() error { return os.WriteFile(broken, []byte(brokenRule), 0o644) }
	removeBroken := func() error { return os.Remove(broken) }
	version := func(v string) func() error { return func() error { return writeRulesVersion(dir, v) } }
	steps := []reloadStep{
		{"to version 2", version("load-2"), true, false, "load-2", "ok"},
		{"to version 1", version("load-1"), true, false, "load-1", "ok"},
		{"broken", writeBroken, false, true, "load-1", "degraded"},
		{"repaired, to version 2", func() error { return errors.Join(removeBroken(), writeRulesVersion(dir, "load-2")) }, true, false, "load-2", "ok"},
		{"to version 1 again", version("load-1"), true, false, "load-1", "ok"},
		{"broken again", writeBroken, false, true, "load-1", "degraded"},
		{"repaired, unchanged", removeBroken, false, false, "load-1", "ok"},
		{"to version 2 again", version("load-2"), true, false, "load-2", "ok"},
	}

	// gens[g] is the digest and status in use after step g (0: at start).
	type gen struct{ digest, status string }
	gens := make([]gen, len(steps)+1)
	gens[0] = gen{digestOf["load-1"], "ok"}
	for i, st := range steps {
		gens[i+1] = gen{digestOf[st.version], st.status}
	}
	// started counts the steps begun, finished those done; a request
	// that saw finished == started == g at its start and started == g at
	// its end met only generation g.
	var started, finished atomic.Int64
	pinned := make([]atomic.Int64, len(steps)+1)
	enough := make([]chan struct{}, len(steps)+1)
	for i := range enough {
		enough[i] = make(chan struct{})
	}
	var parked atomic.Int64
	allParked := make(chan struct{})
	stepsDone := make(chan struct{})

	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	defer client.CloseIdleConnections()

	var failures atomic.Int64
	fail := func(format string, args ...any) {
		if failures.Add(1) <= 5 {
			t.Errorf(format, args...)
		}
	}
	var seenMu sync.Mutex
	seen := map[string]int{}

	var wg sync.WaitGroup
	begin := time.Now()
	go func() { // the reloader
		defer close(stepsDone)
		for i, st := range steps {
			select {
			case <-enough[i]:
			case <-allParked:
			}
			started.Add(1)
			if err := st.change(); err != nil {
				fail("step %q: %v", st.name, err)
			}
			changed, err := s.Reload()
			if changed != st.wantChanged || (err != nil) != st.wantErr {
				fail("step %q: Reload = %v, %v; want changed %v, error %v", st.name, changed, err, st.wantChanged, st.wantErr)
			}
			if got := s.Engine().RuleSet().Digest; got != gens[i+1].digest {
				fail("step %q: digest %s, want %s", st.name, got, gens[i+1].digest)
			}
			finished.Add(1)
		}
	}()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range requests {
				if j == requests-1 {
					if parked.Add(1) == int64(clients) {
						close(allParked)
					}
					<-stepsDone
				}
				lc := cases[(c*7+j*13)%len(cases)]
				g0 := finished.Load()
				exact := started.Load() == g0
				digest, status, err := send(client, srv.URL, lc, engines)
				exact = exact && started.Load() == g0
				if err != nil {
					fail("client %d request %d %s %s: %v", c, j, lc.method, lc.path, err)
					continue
				}
				seenMu.Lock()
				seen[digest]++
				seenMu.Unlock()
				if exact {
					if want := gens[g0]; digest != want.digest || (status != "" && status != want.status) {
						fail("client %d request %d %s: rule set %s, status %q during generation %d; want %s, %q",
							c, j, lc.path, digest, status, g0, want.digest, want.status)
					}
					if pinned[g0].Add(1) == int64(perGen) {
						close(enough[g0])
					}
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(begin)
	<-stepsDone

	total := 0
	for _, n := range seen {
		total += n
	}
	if total+int(failures.Load()) < clients*requests && failures.Load() == 0 {
		t.Errorf("%d answers checked, want %d", total, clients*requests)
	}
	var byGen []int64
	for i := range pinned {
		byGen = append(byGen, pinned[i].Load())
	}
	t.Logf("%d requests from %d clients in %v (%.0f requests/s), %d reload steps; answers by rule set: %v; requests pinned to one generation, by generation: %v",
		total, clients, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), len(steps), seen, byGen)
	if len(seen) != 2 {
		t.Errorf("answers came from %d rule sets, want both: %v", len(seen), seen)
	}
}

// loadCases returns the requests of the load test with their answers
// from each engine: /recommend and /explain for a mix of profiles, and
// /healthz. A Result of the default rules is 15 to 120 KB of JSON, and
// most of a request's time goes to encoding it; under the race detector,
// which slows that several times, the mix leans to the profiles with the
// smaller answers (red flags, which withhold the movement advice, and
// profiles with little to advise), so that the test stays well under a
// minute.
func loadCases(t *testing.T, engines map[string]*recommend.Engine) []loadCase {
	names, bodies, decoded := profiles(t)
	extra := map[string]string{
		"empty":       `{}`,
		"cauda":       `{"red_flags":["saddle_numbness"]}`,
		"cauda-both":  `{"conditions":["sciatica"],"red_flags":["symptoms_in_both_legs","saddle_numbness"]}`,
		"fall":        `{"red_flags":["recent_fall"],"age":80}`,
		"night":       `{"conditions":["sciatica"],"red_flags":["night_pain"]}`,
		"stiff":       `{"conditions":["chronic_stiffness"],"equipment":["foam_roller","exercise_mat"],"pain_level":3,"sitting_hours":9}`,
		"strain-late": `{"conditions":["acute_strain"],"days_since_onset":30,"age":70}`,
	}
	for name, body := range extra {
		p, err := recommend.DecodeProfile(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		names, bodies[name], decoded[name] = append(names, name), body, p
	}
	slices.Sort(names)
	small := []string{"cauda", "cauda-both", "saddle-numbness"}
	var cases []loadCase
	for i, name := range names {
		if raceEnabled && !slices.Contains(small, name) {
			continue
		}
		rc := loadCase{method: "POST", path: "/recommend", body: bodies[name], want: map[string]string{}}
		movement := []string{"knee_to_chest", "walking", "referral"}[i%3]
		if raceEnabled {
			movement = "walking"
		}
		ec := loadCase{method: "POST", path: "/explain", body: `{"profile":` + bodies[name] + `,"movement":"` + movement + `"}`, want: map[string]string{}}
		for d, eng := range engines {
			rc.want[d] = wantResult(t, eng, decoded[name])
			ec.want[d] = wantExplanation(t, eng, decoded[name], movement)
		}
		cases = append(cases, rc, rc, rc, rc, ec)
	}
	return append(cases, loadCase{method: "GET", path: "/healthz"})
}

// send sends one request of the load test and checks its answer. It
// returns the rule set's digest the answer names and, for /healthz, the
// status.
func send(client *http.Client, base string, lc loadCase, engines map[string]*recommend.Engine) (digest, status string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, lc.method, base+lc.path, strings.NewReader(lc.body))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	if lc.want == nil {
		var h health
		if err := json.Unmarshal(body, &h); err != nil {
			return "", "", err
		}
		if _, ok := engines[h.RuleSet.Digest]; !ok {
			return "", "", fmt.Errorf("health names rule set %q, which is neither of the two", h.RuleSet.Digest)
		}
		if h.Status != "ok" && h.Status != "degraded" {
			return "", "", fmt.Errorf("health status %q", h.Status)
		}
		return h.RuleSet.Digest, h.Status, nil
	}
	// The body must be one engine's answer, byte for byte; the rule set
	// it names (last in the JSON) says which.
	// /recommend answers are compact; /explain answers are indented.
	key := `"digest":"sha256:`
	i := bytes.LastIndex(body, []byte(key))
	if i < 0 {
		key = `"digest": "sha256:`
		i = bytes.LastIndex(body, []byte(key))
	}
	if i < 0 || len(body) < i+len(key)+64 {
		return "", "", fmt.Errorf("no rule set digest in the answer:\n%s", body)
	}
	digest = string(body[i+len(key)-len("sha256:") : i+len(key)+64])
	want, ok := lc.want[digest]
	if !ok {
		return "", "", fmt.Errorf("answer from rule set %q, which is neither of the two", digest)
	}
	if string(body) != want {
		return "", "", errors.New("body differs from the engine's own answer (-want +got):\n" + cmp.Diff(want, string(body)))
	}
	return digest, "", nil
}
