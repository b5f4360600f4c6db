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
	stdgzip "compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
	"github.com/google/cel-go/interpreter"
	"github.com/klauspost/compress/gzip"

	"github.com/backrules/backrules/internal/interleave"
	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

var (
	compare       = flag.Bool("compare", false, "run the interleaved comparisons (TestCompare...)")
	compareRounds = flag.Int("compare.rounds", 20, "rounds of the interleaved comparisons")
)

// compareProfiles are four varied profiles: the disc profile of issue 21,
// an acute strain, chronic stiffness and an emergency (testrules.Profiles).
var compareProfiles = testrules.Profiles()

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

// runCompare runs the contenders interleaved (see package
// internal/interleave) for -compare.rounds rounds, logs each one's median
// cost against the first's, and returns those medians.
func runCompare(t *testing.T, cs []interleave.Contender, burst time.Duration) []float64 {
	ratios, err := interleave.Compare(cs, *compareRounds, burst)
	if err != nil {
		t.Fatal(err)
	}
	medians := make([]float64, len(ratios))
	for k, r := range ratios {
		medians[k] = r.Median
		t.Log(r.Format(cs[0].Name))
	}
	return medians
}

// TestCompareCPU compares, by CPU time, the naive cel-go loop over the
// default rules' conditions, Recommend, Recommend with WriteJSON, and
// POST /recommend through the server's handler, with the answer cache
// off and warm, each over the four compareProfiles in turn.
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
	uncached, _ := newServer(t, Config{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), AnswerCacheBytes: -1})
	uncachedHandler := uncached.Handler()
	// post is a contender that posts the profiles in turn to handler, as
	// a client that accepts gzip when gz is true.
	post := func(name string, handler http.Handler, gz bool) interleave.Contender {
		return interleave.Contender{Name: name, Op: func(i int) error {
			req := httptest.NewRequest(http.MethodPost, "/recommend", bytes.NewReader(bodies[i%len(bodies)]))
			req.Header.Set("Content-Type", "application/json")
			if gz {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("POST /recommend: status %d: %s", rec.Code, rec.Body)
			}
			return nil
		}}
	}
	cs := []interleave.Contender{
		{Name: "naive cel-go loop (conditions)", Op: naiveCEL(t, eng)},
		{Name: "Recommend", Op: func(i int) error {
			_, err := eng.Recommend(ctx, compareProfiles[i%len(compareProfiles)])
			return err
		}},
		{Name: "Recommend + WriteJSON", Op: func(i int) error {
			res, err := eng.Recommend(ctx, compareProfiles[i%len(compareProfiles)])
			if err != nil {
				return err
			}
			sink.Reset()
			return report.WriteJSON(&sink, res)
		}},
		post("POST /recommend (handler), cache warm", h, false),
		post("POST /recommend (handler), cache off", uncachedHandler, false),
		post("POST /recommend (handler), gzip, cache warm", h, true),
		post("POST /recommend (handler), gzip, cache off", uncachedHandler, true),
	}
	runCompare(t, cs, 20*time.Millisecond)
}

// compareLargest is the profile of the largest default answer that
// recommend/report's TestWireSize finds (its search, when this was
// written): ten conditions, seven red flags and nine pieces of
// equipment.
var compareLargest = recommend.Profile{
	Conditions: []string{"acute_strain", "chronic_stiffness", "sciatica", "spinal_stenosis", "degenerative_disc_disease",
		"osteoporosis", "heart_disease", "glaucoma", "pregnancy", "high_blood_pressure"},
	RedFlags: []string{"leg_numbness_or_tingling", "pain_below_knee", "unexplained_weight_loss", "no_improvement_with_self_care",
		"immunosuppression", "thoracic_pain", "injecting_drug_use"},
	AggravatedBy: []string{"standing", "lifting", "foam_rolling", "walking"},
	EasedBy:      []string{"bending_backward", "moving_about"},
	Equipment: []string{"foam_roller", "bed", "sofa", "inversion_table", "back_stretcher", "standing_desk",
		"resistance_band", "exercise_mat", "lumbar_belt"},
	PainLevel: 10, DaysSinceOnset: 335, Age: 34,
}

// TestCompareGzipLevels compares, by CPU time, compressing the disc
// answer and the largest answer (compareLargest), in turn, with the
// server's compressor (gzipLevel of github.com/klauspost/compress/gzip),
// with its stateless level, and with compress/gzip at
// BestSpeed and at its default, each with a writer reused as the
// server's pools reuse them, against working the two answers out and
// encoding them (Recommend + WriteJSON), and logs the bytes of each:
// what the levels were chosen on.
func TestCompareGzipLevels(t *testing.T) {
	if !*compare {
		t.Skip("opt-in: -compare")
	}
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	both := []recommend.Profile{compareProfiles[0], compareLargest}
	answers := [][]byte{[]byte(wantResult(t, eng, both[0])), []byte(wantResult(t, eng, both[1]))}
	var sink bytes.Buffer
	cs := []interleave.Contender{{Name: "Recommend + WriteJSON (disc, largest)", Op: func(i int) error {
		res, err := eng.Recommend(context.Background(), both[i%len(both)])
		if err != nil {
			return err
		}
		sink.Reset()
		return report.WriteJSON(&sink, res)
	}}}
	// The server's (gzipLevel of github.com/klauspost/compress/gzip), its
	// stateless one, and the standard library's.
	type compressor interface {
		Reset(io.Writer)
		Write([]byte) (int, error)
		Close() error
	}
	newStd := func(level int) func(io.Writer) (compressor, error) {
		return func(w io.Writer) (compressor, error) { return stdgzip.NewWriterLevel(w, level) }
	}
	newK := func(level int) func(io.Writer) (compressor, error) {
		return func(w io.Writer) (compressor, error) { return gzip.NewWriterLevel(w, level) }
	}
	levels := []struct {
		name string
		make func(io.Writer) (compressor, error)
	}{
		{"klauspost BestSpeed (the server's)", newK(gzipLevel)},
		{"klauspost Stateless", newK(gzip.StatelessCompression)},
		{"compress/gzip BestSpeed", newStd(stdgzip.BestSpeed)},
		{"compress/gzip Default", newStd(stdgzip.DefaultCompression)},
	}
	for _, l := range levels {
		var out bytes.Buffer
		zw, err := l.make(&out)
		if err != nil {
			t.Fatal(err)
		}
		squeeze := func(b []byte) (int, error) {
			out.Reset()
			zw.Reset(&out)
			if _, err := zw.Write(b); err != nil {
				return 0, err
			}
			err := zw.Close()
			return out.Len(), err
		}
		var sizes []string
		for k, a := range answers {
			n, err := squeeze(a)
			if err != nil {
				t.Fatal(err)
			}
			if got := gunzip(t, out.Bytes()); !bytes.Equal(got, a) {
				t.Fatalf("%s: the compressed answer does not decompress to the answer", l.name)
			}
			sizes = append(sizes, fmt.Sprintf("%s %d → %d bytes (%.1f%%)", []string{"disc", "largest"}[k], len(a), n, 100*float64(n)/float64(len(a))))
		}
		t.Logf("gzip %-44s %s", l.name+":", strings.Join(sizes, "; "))
		cs = append(cs, interleave.Contender{Name: "gzip " + l.name, Op: func(i int) error {
			_, err := squeeze(answers[i%len(answers)])
			return err
		}})
	}
	runCompare(t, cs, 20*time.Millisecond)
	t.Logf("load average %s", interleave.LoadAverage())
}

// compareProfileNames name the compareProfiles, in order.
var compareProfileNames = []string{"disc", "acute strain", "chronic stiffness", "emergency"}

// TestCompareCPUPerProfile compares Recommend with the naive cel-go loop
// on each of the four compareProfiles alone, interleaved as in
// TestCompareCPU, and logs how many times faster Recommend is on each and
// the median over the four (issue 21 states its target that way).
func TestCompareCPUPerProfile(t *testing.T) {
	if !*compare {
		t.Skip("opt-in: -compare")
	}
	s, _ := newServer(t, Config{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	eng := s.Engine()
	naive := naiveCEL(t, eng)
	ctx := context.Background()
	speedups := make([]float64, len(compareProfiles))
	for p := range compareProfiles {
		cs := []interleave.Contender{
			{Name: "naive cel-go loop (" + compareProfileNames[p] + ")", Op: func(int) error { return naive(p) }},
			{Name: "Recommend (" + compareProfileNames[p] + ")", Op: func(int) error {
				_, err := eng.Recommend(ctx, compareProfiles[p])
				return err
			}},
		}
		speedups[p] = 1 / runCompare(t, cs, 20*time.Millisecond)[1]
	}
	sorted := slices.Sorted(slices.Values(speedups))
	t.Logf("Recommend is %.2f× faster than the naive cel-go loop, median over the four profiles (disc, acute strain, chronic stiffness, emergency: %.2f×, %.2f×, %.2f×, %.2f×)",
		(sorted[1]+sorted[2])/2, speedups[0], speedups[1], speedups[2], speedups[3])
}

// TestCompareThroughput loads a trivial net/http handler and POST
// /recommend, each behind its own httptest server on 127.0.0.1, with the
// same bounded client (8 workers, keep-alive), in interleaved rounds whose
// order rotates, and logs for each /recommend contender the median over
// the rounds of its requests per second as a share of the trivial
// handler's in the same round. The /recommend contenders, each over the
// four compareProfiles in turn:
//
//   - answer cache warm: the default server, whose cache holds the four
//     answers after the first round;
//   - answer cache off: a server with AnswerCacheBytes -1, which works
//     out and encodes every answer;
//   - distinct, cache on and off: the default server, and one without
//     the cache, each sent the same sequence of profiles that differ in
//     days_since_onset from request to request, so that no profile is
//     asked about twice (with the cache on, most share the decision of
//     an answer kept);
//   - gzip, cache warm and off: as the first two, with a client that
//     sends Accept-Encoding: gzip and reads the compressed bytes (the
//     other contenders' client asks for no compression);
//   - gzip, distinct: the distinct profiles to the default server, with
//     gzip; they differ only in days_since_onset, so most share a
//     decision key (recommend.Engine.AppendDecisionKey) with an answer
//     kept, compressed;
//   - random people, without and with gzip: the default server, sent
//     the generated profiles of cacheProfiles, most of them of a decision
//     no other request has.
func TestCompareThroughput(t *testing.T) {
	if !*compare {
		t.Skip("opt-in: -compare")
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	serve := func(h http.Handler) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	cached, _ := newServer(t, Config{Logger: logger})
	uncached, _ := newServer(t, Config{Logger: logger, AnswerCacheBytes: -1})
	distinctCached, _ := newServer(t, Config{Logger: logger})
	distinctUncached, _ := newServer(t, Config{Logger: logger, AnswerCacheBytes: -1})
	gzipCached, _ := newServer(t, Config{Logger: logger})
	gzipUncached, _ := newServer(t, Config{Logger: logger, AnswerCacheBytes: -1})
	gzipDistinct, _ := newServer(t, Config{Logger: logger})
	randomCached, _ := newServer(t, Config{Logger: logger})
	randomGzip, _ := newServer(t, Config{Logger: logger})
	trivial := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}` + "\n"))
	}))
	const workers, perRound = 8, 800
	bodies := make([][]byte, len(compareProfiles))
	for i, p := range compareProfiles {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		bodies[i] = b
	}
	// The distinct profiles are encoded before the load, so that the
	// client does the same work for every target.
	distinctBodies := make([][]byte, (*compareRounds+2)*perRound)
	for n := range distinctBodies {
		p := compareProfiles[n%len(compareProfiles)]
		p.DaysSinceOnset = 1 + n%recommend.MaxDaysSinceOnset
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		distinctBodies[n] = b
	}
	// Random people: the profiles of the cache's tests (cacheProfiles:
	// up to two conditions, three things that aggravate and two that
	// ease, four pieces of equipment, a red flag one time in eight,
	// check-ins one time in four, numbers across their ranges), many of
	// them of a decision no other has (see the log's count of distinct
	// decision keys).
	people := cacheProfiles(t, randomCached.Engine(), (*compareRounds+2)*perRound)
	randomBodies := make([][]byte, len(people))
	decisions := map[string]bool{}
	for n, p := range people {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		randomBodies[n] = b
		if k, ok, err := randomCached.Engine().AppendDecisionKey(context.Background(), nil, p); ok && err == nil {
			decisions[string(k)] = true
		}
	}
	// Each target takes the bodies in turn, from a counter of its own.
	fixed := func() func() []byte {
		var next atomic.Int64
		return func() []byte { return bodies[(next.Add(1)-1)%int64(len(bodies))] }
	}
	distinct := func() func() []byte {
		var next atomic.Int64
		return func() []byte { return distinctBodies[(next.Add(1)-1)%int64(len(distinctBodies))] }
	}
	random := func() func() []byte {
		var next atomic.Int64
		return func() []byte { return randomBodies[(next.Add(1)-1)%int64(len(randomBodies))] }
	}
	type target struct {
		name string
		url  string
		body func() []byte
		gzip bool
	}
	targets := []target{
		{"trivial handler", trivial, fixed(), false},
		{"POST /recommend, answer cache warm", serve(cached.Handler()), fixed(), false},
		{"POST /recommend, answer cache off", serve(uncached.Handler()), fixed(), false},
		{"POST /recommend, distinct, cache on", serve(distinctCached.Handler()), distinct(), false},
		{"POST /recommend, distinct, cache off", serve(distinctUncached.Handler()), distinct(), false},
		{"POST /recommend, gzip, cache warm", serve(gzipCached.Handler()), fixed(), true},
		{"POST /recommend, gzip, cache off", serve(gzipUncached.Handler()), fixed(), true},
		{"POST /recommend, gzip, distinct", serve(gzipDistinct.Handler()), distinct(), true},
		{"POST /recommend, random people", serve(randomCached.Handler()), random(), false},
		{"POST /recommend, random people, gzip", serve(randomGzip.Handler()), random(), true},
	}
	// DisableCompression: the client asks for gzip only where a target
	// says so, and then reads the compressed bytes as they come.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, DisableCompression: true}}
	var gzipBytesRead, plainBytesRead atomic.Int64 // by the gzip and the other /recommend targets
	load := func(tg target) float64 {
		var wg sync.WaitGroup
		start := time.Now()
		for range workers {
			wg.Go(func() {
				for range perRound / workers {
					req, err := http.NewRequest(http.MethodPost, tg.url+"/recommend", bytes.NewReader(tg.body()))
					if err != nil {
						t.Error(err)
						return
					}
					req.Header.Set("Content-Type", "application/json")
					if tg.gzip {
						req.Header.Set("Accept-Encoding", "gzip")
					}
					resp, err := client.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						t.Errorf("%s: status %d", tg.name, resp.StatusCode)
					}
					if tg.gzip != (resp.Header.Get("Content-Encoding") == "gzip") {
						t.Errorf("%s: Content-Encoding %q", tg.name, resp.Header.Get("Content-Encoding"))
					}
					switch {
					case tg.url == trivial:
					case tg.gzip:
						gzipBytesRead.Add(n)
					default:
						plainBytesRead.Add(n)
					}
				}
			})
		}
		wg.Wait()
		return perRound / time.Since(start).Seconds()
	}
	for _, tg := range targets {
		load(tg) // warm up: connections, and the cache of the first
	}
	shares := make([][]float64, len(targets))
	rates := make([][]float64, len(targets))
	rate := make([]float64, len(targets))
	for round := range *compareRounds {
		for j := range targets {
			k := (j + round) % len(targets)
			rate[k] = load(targets[k])
		}
		for k := range targets {
			shares[k] = append(shares[k], rate[k]/rate[0])
			rates[k] = append(rates[k], rate[k])
		}
	}
	for k, tg := range targets {
		slices.Sort(shares[k])
		slices.Sort(rates[k])
		m := len(shares[k]) / 2
		if k == 0 {
			t.Logf("%-40s median %.0f requests/s, %d workers, %d requests a round, %d rounds", tg.name, rates[k][m], workers, perRound, len(rates[k]))
			continue
		}
		t.Logf("%-40s %5.1f%% of the trivial handler's requests/s (median of %d rounds, range %.1f–%.1f%%); median %.0f requests/s",
			tg.name, 100*shares[k][m], len(shares[k]), 100*shares[k][0], 100*shares[k][len(shares[k])-1], rates[k][m])
	}
	hits, misses := cacheCounts(t, distinctCached)
	t.Logf("distinct profiles, cache on: %.0f cache hits, %.0f misses", hits, misses)
	hits, misses = cacheCounts(t, randomCached)
	t.Logf("random people, cache on: %.0f cache hits, %.0f misses; %d distinct decisions among %d profiles", hits, misses, len(decisions), len(randomBodies))
	reqs := int64(len(rates[0])+1) * perRound
	t.Logf("bytes read per answer, over the four profiles: %d with gzip, %d without", gzipBytesRead.Load()/(4*reqs), plainBytesRead.Load()/(5*reqs))
	t.Logf("load average %s", interleave.LoadAverage())
}
