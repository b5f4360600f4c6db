//go:build unix

package main

// Comparisons that run every contender in the same run, interleaved in
// short bursts, so that a shared machine's swings fall on all of them
// alike. They are opt-in (-compare), report ratios, and assert no time:
//
//	go test ./examples/server -run '^TestCompare' -compare -v
//	go test ./examples/server -run '^TestCompareCPU$' -compare -compare.rounds 40 -v

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
	"github.com/google/cel-go/interpreter"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

var (
	compare       = flag.Bool("compare", false, "run the interleaved comparisons (TestCompare...)")
	compareRounds = flag.Int("compare.rounds", 20, "rounds of the interleaved comparisons")
)

// compareProfiles are four varied profiles: the disc profile of issue 21,
// an acute strain, chronic stiffness and an emergency.
var compareProfiles = []recommend.Profile{
	{Conditions: []string{"disc_herniation"}, AggravatedBy: []string{"bending_forward", "sitting"},
		Equipment: []string{"towel", "bed", "sofa", "exercise_mat"}, PainLevel: 4, DaysSinceOnset: 21, SittingHours: 8, Age: 42},
	{Conditions: []string{"acute_strain"}, PainLevel: 6, DaysSinceOnset: 2, Age: 30},
	{Conditions: []string{"chronic_stiffness"}, AggravatedBy: []string{"sitting", "lifting", "twisting"},
		EasedBy: []string{"lying_down"}, Equipment: []string{"towel"}, PainLevel: 3, DaysSinceOnset: 200, SittingHours: 9, Age: 52},
	{Conditions: []string{"sciatica"}, RedFlags: []string{"saddle_numbness"}, PainLevel: 8, DaysSinceOnset: 1, Age: 60},
}

// cpuNow returns the CPU time, user and system, the process has used:
// every goroutine's, the collector's and, for the server path, the
// handler's.
func cpuNow(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// contender is one way of doing the work; op runs it once on the i-th
// profile.
type contender struct {
	name string
	op   func(i int) error
}

// naiveCEL returns the baseline the README defines: cel-go alone, the
// profile declared once through ext.NativeTypes, one program per rule,
// one activation per call, every rule's condition run.
func naiveCEL(t testing.TB, eng *recommend.Engine) func(i int) error {
	env, err := cel.NewEnv(
		ext.NativeTypes(reflect.TypeOf(recommend.Profile{}), ext.ParseStructTag("json")),
		cel.Variable("profile", cel.ObjectType("recommend.Profile")),
		cel.CrossTypeNumericComparisons(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	var prgs []cel.Program
	for _, r := range eng.Rules() {
		ast, iss := env.Compile(r.When)
		if iss.Err() != nil {
			t.Fatalf("rule %s: %v", r.ID, iss.Err())
		}
		prg, err := env.Program(ast)
		if err != nil {
			t.Fatal(err)
		}
		prgs = append(prgs, prg)
	}
	return func(i int) error {
		act, err := interpreter.NewActivation(map[string]any{"profile": compareProfiles[i%len(compareProfiles)]})
		if err != nil {
			return err
		}
		for _, prg := range prgs {
			if _, _, err := prg.Eval(act); err != nil {
				return err
			}
		}
		return nil
	}
}

// runCompare runs the contenders in rounds: each round runs each, in an
// order that rotates, for a burst of about burst of CPU time, and records
// its CPU time per call. It logs, for each contender, the median over the
// rounds of its cost divided by the first contender's in the same round,
// and returns those medians.
func runCompare(t *testing.T, cs []contender, burst time.Duration) []float64 {
	// Calibrate: calls per burst, from a short warm-up of each.
	n := make([]int, len(cs))
	for k, c := range cs {
		start, calls := cpuNow(t), 0
		for cpuNow(t)-start < burst/4 || calls < 10 {
			if err := c.op(calls); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			calls++
		}
		n[k] = max(4*calls, 8)
	}
	ratios := make([][]float64, len(cs))
	per := make([]float64, len(cs))
	for round := range *compareRounds {
		for j := range cs {
			k := (j + round) % len(cs)
			start := cpuNow(t)
			for i := range n[k] {
				if err := cs[k].op(i); err != nil {
					t.Fatalf("%s: %v", cs[k].name, err)
				}
			}
			per[k] = float64(cpuNow(t)-start) / float64(n[k])
		}
		for k := range cs {
			ratios[k] = append(ratios[k], per[k]/per[0])
		}
	}
	medians := make([]float64, len(cs))
	for k, c := range cs {
		slices.Sort(ratios[k])
		medians[k] = ratios[k][len(ratios[k])/2]
		t.Logf("%-32s %6.3f × %s (median of %d rounds; range %.3f–%.3f)", c.name, medians[k], cs[0].name,
			len(ratios[k]), ratios[k][0], ratios[k][len(ratios[k])-1])
	}
	return medians
}

// TestCompareCPU compares, by CPU time, the naive cel-go loop over the
// default rules' conditions, Recommend, Recommend with WriteJSON, and
// POST /recommend through the server's handler, each over the four
// compareProfiles in turn.
func TestCompareCPU(t *testing.T) {
	if !*compare {
		t.Skip("opt-in: -compare")
	}
	s, _ := newServer(t, Config{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	eng := s.Engine()
	h := s.Handler()
	ctx := context.Background()
	bodies := make([][]byte, len(compareProfiles))
	for i, p := range compareProfiles {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		bodies[i] = b
	}
	var sink bytes.Buffer
	cs := []contender{
		{"naive cel-go loop (conditions)", naiveCEL(t, eng)},
		{"Recommend", func(i int) error {
			_, err := eng.Recommend(ctx, compareProfiles[i%len(compareProfiles)])
			return err
		}},
		{"Recommend + WriteJSON", func(i int) error {
			res, err := eng.Recommend(ctx, compareProfiles[i%len(compareProfiles)])
			if err != nil {
				return err
			}
			sink.Reset()
			return report.WriteJSON(&sink, res)
		}},
		{"POST /recommend (handler)", func(i int) error {
			req := httptest.NewRequest(http.MethodPost, "/recommend", bytes.NewReader(bodies[i%len(bodies)]))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("POST /recommend: status %d: %s", rec.Code, rec.Body)
			}
			return nil
		}},
	}
	runCompare(t, cs, 20*time.Millisecond)
}

// TestCompareThroughput loads POST /recommend and a trivial net/http
// handler, each behind its own httptest server on 127.0.0.1, with the
// same bounded client (8 workers, keep-alive), in interleaved rounds, and
// logs the median over the rounds of /recommend's requests per second as
// a share of the trivial handler's.
func TestCompareThroughput(t *testing.T) {
	if !*compare {
		t.Skip("opt-in: -compare")
	}
	s, _ := newServer(t, Config{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	app := httptest.NewServer(s.Handler())
	defer app.Close()
	trivial := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}` + "\n"))
	}))
	defer trivial.Close()
	body, err := json.Marshal(compareProfiles[0])
	if err != nil {
		t.Fatal(err)
	}
	const workers, perRound = 8, 400
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	load := func(url string) float64 {
		var wg sync.WaitGroup
		start := time.Now()
		for range workers {
			wg.Go(func() {
				for range perRound / workers {
					resp, err := client.Post(url+"/recommend", "application/json", bytes.NewReader(body))
					if err != nil {
						t.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						t.Errorf("%s: status %d", url, resp.StatusCode)
					}
				}
			})
		}
		wg.Wait()
		return perRound / time.Since(start).Seconds()
	}
	load(app.URL)
	load(trivial.URL)
	var shares, appRates, trivialRates []float64
	for round := range *compareRounds {
		var a, b float64
		if round%2 == 0 {
			a, b = load(app.URL), load(trivial.URL)
		} else {
			b, a = load(trivial.URL), load(app.URL)
		}
		shares, appRates, trivialRates = append(shares, a/b), append(appRates, a), append(trivialRates, b)
	}
	for _, l := range [][]float64{shares, appRates, trivialRates} {
		slices.Sort(l)
	}
	m := len(shares) / 2
	t.Logf("POST /recommend: %.1f%% of the trivial handler's requests/s (median of %d rounds, range %.1f–%.1f%%); medians %.0f and %.0f requests/s, %d workers",
		100*shares[m], len(shares), 100*shares[0], 100*shares[len(shares)-1], appRates[m], trivialRates[m], workers)
}
