package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"net/http"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/backrules/backrules/internal/casefile"
	"github.com/backrules/backrules/recommend"
)

// TestProfileKeyCoversEveryField changes each field of a Profile, of its
// check-ins and of their movements, one at a time, found by reflection so
// that a field added to recommend.Profile later is checked too, and
// checks that the profile key changes with it: two profiles that differ
// in anything never share a cached answer.
func TestProfileKeyCoversEveryField(t *testing.T) {
	fn := 3
	base := func() recommend.Profile {
		return recommend.Profile{
			Conditions: []string{"a"}, RedFlags: []string{"b"}, AggravatedBy: []string{"c"}, EasedBy: []string{"d"},
			Equipment: []string{"e"}, PainLevel: 1, DaysSinceOnset: 2, SittingHours: 3.5, Age: 4, Sex: "f",
			Episode: "g", PregnancyWeek: 5,
			CheckIns: []recommend.CheckIn{{Day: 6, PainLevel: 7, Function: &fn,
				Done: []recommend.Done{{Movement: "h", Sessions: 8, Response: "i"}}}},
		}
	}
	key := func(p recommend.Profile) string { return string(appendProfileKey(nil, "", &p)) }
	baseKey := key(base())
	// A path is a list of steps from the profile: a field's index, or
	// -1 for the first element of a list.
	at := func(p *recommend.Profile, path []int) reflect.Value {
		v := reflect.ValueOf(p).Elem()
		for _, s := range path {
			if s < 0 {
				v = v.Index(0)
			} else {
				v = v.Field(s)
			}
		}
		return v
	}
	check := func(name string, path []int, change func(reflect.Value)) {
		t.Run(name, func(t *testing.T) {
			p := base()
			change(at(&p, path))
			if reflect.DeepEqual(p, base()) {
				t.Fatal("the change left the profile as it was")
			}
			if key(p) == baseKey {
				t.Errorf("the profile %+v gives the key of %+v", p, base())
			}
		})
	}
	var walk func(name string, path []int, v reflect.Value)
	walk = func(name string, path []int, v reflect.Value) {
		switch {
		case v.Kind() == reflect.Struct:
			for i := range v.NumField() {
				walk(name+"."+v.Type().Field(i).Name, append(path[:len(path):len(path)], i), v.Field(i))
			}
			return
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
			walk(name+"[0]", append(path[:len(path):len(path)], -1), v.Index(0))
			check(name+"/longer", path, func(sv reflect.Value) { sv.Set(reflect.Append(sv, sv.Index(0))) })
		default:
			check(name+"/changed", path, func(sv reflect.Value) { bump(t, sv) })
		}
		check(name+"/zero", path, func(sv reflect.Value) { sv.SetZero() })
	}
	p := base()
	walk("Profile", nil, reflect.ValueOf(&p).Elem())
}

// bump changes the leaf v: a string, number or pointer to one, or a list
// of strings.
func bump(t *testing.T, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Int:
		v.SetInt(v.Int() + 1)
	case reflect.Float64:
		v.SetFloat(v.Float() + 0.5)
	case reflect.Pointer:
		n := reflect.New(v.Type().Elem())
		n.Elem().Set(v.Elem())
		bump(t, n.Elem())
		v.Set(n)
	case reflect.Slice:
		v.Set(reflect.Append(v, reflect.ValueOf("z")))
	default:
		t.Fatalf("no change known for a %v: teach bump and appendProfileKey the new field", v.Type())
	}
}

// cacheProfiles returns the profiles the cache tests send: those of
// testdata/profiles and testdata/cases, and n more generated from the
// engine's vocabulary and movements with a fixed seed, every one valid.
func cacheProfiles(t *testing.T, eng *recommend.Engine, n int) []recommend.Profile {
	t.Helper()
	var out []recommend.Profile
	_, _, decoded := profiles(t)
	for _, p := range decoded {
		out = append(out, p)
	}
	cases, err := casefile.LoadFS(os.DirFS("../../testdata/cases"), ".", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		out = append(out, c.Profile)
	}
	v := eng.Vocabulary()
	var moves []string
	for _, m := range eng.Movements() {
		moves = append(moves, m.ID)
	}
	rng := rand.New(rand.NewPCG(21, 30))
	some := func(terms []recommend.Term, most int) []string {
		var l []string
		for _, i := range rng.Perm(len(terms))[:rng.IntN(min(most, len(terms))+1)] {
			l = append(l, terms[i].ID)
		}
		return l
	}
	one := func(terms []recommend.Term) string {
		if len(terms) == 0 || rng.IntN(3) == 0 {
			return ""
		}
		return terms[rng.IntN(len(terms))].ID
	}
	responses := []string{recommend.ResponseEasier, recommend.ResponseSame, recommend.ResponseHarder}
	for made := 0; made < n; {
		p := recommend.Profile{
			Conditions: some(v.Conditions, 2), AggravatedBy: some(v.AggravatedBy, 3), EasedBy: some(v.EasedBy, 2),
			Equipment: some(v.Equipment, 4), PainLevel: rng.IntN(11), DaysSinceOnset: rng.IntN(400),
			SittingHours: float64(rng.IntN(25)) / 2, Age: rng.IntN(90), Sex: one(v.Sex), Episode: one(v.Episode),
		}
		if rng.IntN(8) == 0 {
			p.RedFlags = some(v.RedFlags, 1)
		}
		if p.Sex == "female" && rng.IntN(4) == 0 {
			p.PregnancyWeek = 1 + rng.IntN(recommend.MaxPregnancyWeek)
		}
		if rng.IntN(4) == 0 {
			day := 0
			for range 1 + rng.IntN(3) {
				ci := recommend.CheckIn{Day: day, PainLevel: rng.IntN(11)}
				if rng.IntN(2) == 0 {
					f := rng.IntN(11)
					ci.Function = &f
				}
				if day > 0 && len(moves) > 0 {
					ci.Done = []recommend.Done{{Movement: moves[rng.IntN(len(moves))], Sessions: 1 + rng.IntN(10),
						Response: responses[rng.IntN(len(responses))]}}
				}
				p.CheckIns = append(p.CheckIns, ci)
				day += 1 + rng.IntN(14)
			}
		}
		if eng.Validate(p) != nil {
			continue
		}
		out = append(out, p)
		made++
	}
	return out
}

// recommendBody posts body to /recommend of h, with query, and returns
// the answer, failing unless it is a 200.
func recommendBody(t *testing.T, h http.Handler, query string, body []byte) []byte {
	t.Helper()
	rec := do(t, h, "POST", "/recommend"+query, string(body))
	if rec.Code != http.StatusOK {
		t.Fatalf("POST /recommend%s: status %d: %s", query, rec.Code, cut(rec.Body.String()))
	}
	return rec.Body.Bytes()
}

// cacheCounts returns the answer cache's hits and misses, as /metrics
// reports them.
func cacheCounts(t *testing.T, s *Server) (hits, misses float64) {
	t.Helper()
	fams := scrape(t, s.Handler())
	return max(0, sample(fams, "backrules_answer_cache_total", map[string]string{"outcome": "hit"})),
		max(0, sample(fams, "backrules_answer_cache_total", map[string]string{"outcome": "miss"}))
}

// reencoded returns p as JSON, and the same profile in other bytes (key
// order, indentation and spacing), which the cache answers by its profile
// key, not its body key.
func reencoded(t testing.TB, p recommend.Profile) (body, other []byte) {
	t.Helper()
	body, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	other, err = json.MarshalIndent(m, " ", "\t")
	if err != nil {
		t.Fatal(err)
	}
	other = append([]byte(" "), other...) // for {}
	if bytes.Equal(other, body) {
		t.Fatalf("profile %+v: the re-encoding is the same bytes", p)
	}
	return body, other
}

// TestAnswerCacheMatchesFresh sends each of several hundred profiles to
// a server without the answer cache and to one with it: as JSON three
// times (a miss noted by the doorkeeper, a miss kept, a hit by the body
// key), re-encoded with other key order and spacing (a hit by the
// decision key, or by the profile key for one with check-ins), then with a query, which makes another key, three times.
// Every answer must be byte for byte the uncached server's, and the
// counts of hits and misses what the sequence implies, so that the hits
// are real.
func TestAnswerCacheMatchesFresh(t *testing.T) {
	fresh, _ := newServer(t, Config{AnswerCacheBytes: -1})
	if fresh.cache.Load() != nil {
		t.Fatal("a negative AnswerCacheBytes left a cache")
	}
	cached, _ := newServer(t, Config{AnswerCacheBytes: 256 << 20})
	ps := cacheProfiles(t, cached.Engine(), 300)
	t.Logf("%d profiles", len(ps))
	asked := map[string]int{} // by query and profile key
	var wantHits, wantMisses float64
	for i, p := range ps {
		body, other := reencoded(t, p)
		want := recommendBody(t, fresh.Handler(), "", body)
		profileKey, _ := appendAnswerKey(context.Background(), nil, cached.Engine(), "", &p)
		for _, step := range []struct {
			name  string
			query string
			body  []byte
		}{
			{"first", "", body},                                  // a miss, noted by the doorkeeper
			{"second", "", body},                                 // a miss, kept
			{"third", "", body},                                  // a hit by the body key
			{"re-encoded", "", other},                            // a hit by the profile key
			{"with a query", "?trace=false", body},               // another key: a miss
			{"with a query again", "?trace=false", body},         // a miss, kept
			{"with a query a third time", "?trace=false", other}, // a hit
		} {
			got := recommendBody(t, cached.Handler(), step.query, step.body)
			if !bytes.Equal(want, got) {
				t.Fatalf("profile %d %+v, %s: the answer differs from a fresh one (-fresh +cached):\n%s",
					i, p, step.name, cmp.Diff(string(want), string(got)))
			}
			k := step.query + "|" + string(profileKey)
			if asked[k] >= 2 {
				wantHits++
			} else {
				wantMisses++
			}
			asked[k]++
		}
	}
	hits, misses := cacheCounts(t, cached)
	if hits != wantHits || misses != wantMisses {
		t.Errorf("%v hits and %v misses, want %v and %v", hits, misses, wantHits, wantMisses)
	}
	if wantHits < float64(3*len(ps)) {
		t.Errorf("only %v hits over %d profiles", wantHits, len(ps))
	}
	if n, _ := cacheCounts(t, fresh); n != 0 {
		t.Errorf("the server without a cache counts %v hits", n)
	}
}

// TestAnswerCacheSharesDecisions checks that people whose Results the
// same things decide (the rules they match, their red flags and their
// equipment: recommend.Engine.AppendDecisionKey) share one kept answer:
// each profile is sent twice, so that its answer is kept, then a person a
// year older, then one whose pain began three days earlier. Every answer
// must be byte for byte a fresh one, and a person of the same decision
// must be a hit.
func TestAnswerCacheSharesDecisions(t *testing.T) {
	fresh, _ := newServer(t, Config{AnswerCacheBytes: -1})
	cached, _ := newServer(t, Config{AnswerCacheBytes: 256 << 20})
	ctx := context.Background()
	shared := 0
	for i, p := range cacheProfiles(t, cached.Engine(), 200) {
		if len(p.CheckIns) > 0 {
			continue // keyed by the profile: its programme reads the check-ins
		}
		older, earlier := p, p
		older.Age = min(p.Age+1, 120)
		earlier.DaysSinceOnset = min(p.DaysSinceOnset+3, recommend.MaxDaysSinceOnset)
		key, _, err := cached.Engine().AppendDecisionKey(ctx, nil, p)
		if err != nil {
			t.Fatal(err)
		}
		for j, q := range []recommend.Profile{p, p, older, earlier} {
			body, err := json.Marshal(q)
			if err != nil {
				t.Fatal(err)
			}
			want := recommendBody(t, fresh.Handler(), "", body)
			hits, _ := cacheCounts(t, cached)
			got := recommendBody(t, cached.Handler(), "", body)
			if !bytes.Equal(want, got) {
				t.Fatalf("profile %d %+v, request %d: the answer differs from a fresh one (-fresh +cached):\n%s",
					i, q, j, cmp.Diff(string(want), string(got)))
			}
			if j < 2 {
				continue
			}
			qk, _, err := cached.Engine().AppendDecisionKey(ctx, nil, q)
			if err != nil {
				t.Fatal(err)
			}
			now, _ := cacheCounts(t, cached)
			if bytes.Equal(qk, key) {
				shared++
				if now != hits+1 {
					t.Errorf("profile %d, request %d: the same decision as one kept was not a hit", i, j)
				}
			}
		}
	}
	t.Logf("%d requests of another person shared a decision with a kept answer", shared)
	if shared < 100 {
		t.Errorf("only %d requests shared a decision with a kept answer: the test proves little", shared)
	}
}

// TestAnswerCacheReload checks that an answer cached before a reload is
// not served after it: the same profile gets the new rule set's answer.
func TestAnswerCacheReload(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, "cache-1")
	s, _ := newServer(t, Config{Rules: os.DirFS(dir)})
	_, bodies, decoded := profiles(t)
	body, p := bodies["disc-herniation"], decoded["disc-herniation"]
	old := s.Engine()
	oldCache := s.cache.Load()
	for range 3 { // a miss noted, a miss kept, a hit
		if got := do(t, s.Handler(), "POST", "/recommend", body).Body.String(); got != wantResult(t, old, p) {
			t.Fatal("the first answers are not the first rule set's")
		}
	}
	if _, n := oldCache.size(); n == 0 {
		t.Fatal("nothing was cached")
	}

	writeRules(t, dir, "cache-2")
	if changed, err := s.Reload(); !changed || err != nil {
		t.Fatalf("Reload = %v, %v; want true, nil", changed, err)
	}
	eng := s.Engine()
	want := wantResult(t, eng, p)
	if want == wantResult(t, old, p) {
		t.Fatal("the two rule sets give the same answer: the test proves nothing")
	}
	for range 3 {
		if diff := cmp.Diff(want, do(t, s.Handler(), "POST", "/recommend", body).Body.String()); diff != "" {
			t.Fatalf("answer after the reload (-want +got):\n%s", diff)
		}
	}
	// A request that took the old engine before the swap finds no cache
	// of its engine, and so stores nothing where the new rules' answers
	// are kept.
	if s.cache.Load().forEngine(old) != nil || oldCache.forEngine(old) != oldCache {
		t.Error("the cache in use after the reload still takes the old engine's answers")
	}
	if hits, _ := cacheCounts(t, s); hits != 2 {
		t.Errorf("%v hits, want 2: one before the reload, one after", hits)
	}
}

// TestAnswerCacheKeepsOnlyCompleteAnswers checks that no error and no
// partial answer is cached: a rule that fails at runtime, a request that
// runs out of time, an invalid profile.
func TestAnswerCacheKeepsOnlyCompleteAnswers(t *testing.T) {
	slip, _ := slipServer(t)
	slipBody, err := json.Marshal(slipProfile)
	if err != nil {
		t.Fatal(err)
	}
	hurried, _ := newServer(t, Config{RequestTimeout: time.Nanosecond})
	_, bodies, _ := profiles(t)
	tests := []struct {
		name string
		s    *Server
		body string
	}{
		{"rule fails", slip, string(slipBody)},
		{"out of time", hurried, bodies["disc-herniation"]},
		{"invalid profile", slip, `{"conditions":["no_such_condition"]}`},
		{"not an object", slip, `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := do(t, tt.s.Handler(), "POST", "/recommend", tt.body)
			if first.Code == http.StatusOK && !bytes.Contains(first.Body.Bytes(), []byte(`"incomplete":true`)) {
				t.Fatalf("status 200 and a complete answer: the case proves nothing: %s", cut(first.Body.String()))
			}
			again := do(t, tt.s.Handler(), "POST", "/recommend", tt.body)
			if again.Code != first.Code || again.Body.String() != first.Body.String() {
				t.Errorf("asked again: %d %s, want %d %s", again.Code, cut(again.Body.String()), first.Code, cut(first.Body.String()))
			}
			if used, n := tt.s.cache.Load().size(); n != 0 || used != 0 {
				t.Errorf("the cache holds %d entries, %d bytes", n, used)
			}
			if hits, _ := cacheCounts(t, tt.s); hits != 0 {
				t.Errorf("%v hits", hits)
			}
		})
	}
}

// TestAnswerCacheAdmit checks the doorkeeper: a key is admitted the
// second time it is asked about, and a nil cache admits nothing.
func TestAnswerCacheAdmit(t *testing.T) {
	c := newAnswerCache(nil, 1<<20)
	a, b := []byte("a"), []byte("b")
	slot := func(k []byte) uint64 { return max(maphash.Bytes(c.seed, k), 1) % doorkeeperSlots }
	for slot(b) == slot(a) { // keys that share a slot overwrite each other
		b = append(b, 'b')
	}
	got := []bool{c.admit(a), c.admit(b), c.admit(a), c.admit(b), c.admit(a)}
	if diff := cmp.Diff([]bool{false, false, true, true, false}, got); diff != "" {
		t.Errorf("admit (-want +got):\n%s", diff)
	}
	var none *answerCache
	if first, second := none.admit(a), none.admit(a); first || second {
		t.Error("a nil cache admitted a key")
	}
}

// TestAnswerCacheBound checks the cache's accounting: it never holds more
// than its bound, drops the least recently used entry first, charges an
// entry both its body and its compressed copy, refuses an entry over an
// eighth of the bound, and a nil cache holds nothing.
func TestAnswerCacheBound(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 1000)
	ans := newAnswer(body, true)
	if gzOf(ans) != nil {
		t.Fatalf("a body of %d bytes, under minGzipBytes, was compressed", len(body))
	}
	per := cost(2, len(body))
	c := newAnswerCache(nil, 10*per)
	for i := range 10 {
		c.put([]byte(fmt.Sprintf("k%d", i)), ans)
	}
	if used, n := c.size(); used != 10*per || n != 10 {
		t.Fatalf("size %d, %d entries; want %d, 10", used, n, 10*per)
	}
	if _, ok := c.get([]byte("k0")); !ok { // k0 is now the most recent
		t.Fatal("k0 not found")
	}
	c.put([]byte("kA"), ans)
	if _, ok := c.get([]byte("k1")); ok {
		t.Error("k1, the least recently used, was kept")
	}
	for _, k := range []string{"k0", "k2", "kA"} {
		if got, ok := c.get([]byte(k)); !ok || !bytes.Equal(got.body, body) {
			t.Errorf("%s: %v", k, ok)
		}
	}
	if used, n := c.size(); used > 10*per || n != 10 {
		t.Errorf("size %d, %d entries; want at most %d, 10", used, n, 10*per)
	}
	c.put([]byte("big"), &cachedAnswer{body: bytes.Repeat([]byte("x"), int(2*per))})
	if _, ok := c.get([]byte("big")); ok {
		t.Error("a body over an eighth of the bound was kept")
	}
	// A body whose compressed copy takes it over an eighth of the bound
	// is not kept either: both forms are charged.
	half := int(c.max/8) / 2
	both := &cachedAnswer{body: bytes.Repeat([]byte("x"), half)}
	zs := bytes.Repeat([]byte("z"), half)
	both.gz.Store(&zs)
	c.put([]byte("both"), both)
	if _, ok := c.get([]byte("both")); ok {
		t.Error("an entry whose two forms are over an eighth of the bound was kept")
	}
	// An entry with a compressed copy is charged both forms, and gives
	// back both when it is dropped.
	large := newAnswer(bytes.Repeat([]byte(`{"a":"b"}`), 200), true)
	largeGz := gzOf(large)
	if largeGz == nil || len(largeGz) >= len(large.body) {
		t.Fatalf("a body of %d bytes was not compressed (%d bytes)", len(large.body), len(largeGz))
	}
	c2 := newAnswerCache(nil, 1<<20)
	c2.put([]byte("k"), large)
	if used, _ := c2.size(); used != cost(1, len(large.body)+len(largeGz)) {
		t.Errorf("an entry with a compressed copy is charged %d, want %d", used, cost(1, len(large.body)+len(largeGz)))
	}
	if got, ok := c2.get([]byte("k")); !ok || !bytes.Equal(got.body, large.body) || !bytes.Equal(gzOf(got), largeGz) {
		t.Error("the entry's bodies are not those stored")
	}
	c3 := newAnswerCache(nil, 8*cost(1, len(large.body)+len(largeGz)))
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"} {
		c3.put([]byte(k), large)
	}
	if used, n := c3.size(); n != 8 || used != 8*cost(1, len(large.body)+len(largeGz)) {
		t.Errorf("after nine entries in room for eight: %d entries, %d bytes", n, used)
	}
	var none *answerCache
	none.put([]byte("k"), ans)
	if _, ok := none.get([]byte("k")); ok {
		t.Error("a nil cache answered")
	}
	if newAnswerCache(nil, 0) != nil {
		t.Error("a bound of 0 made a cache")
	}
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	if newAnswerCache(eng, 1).forEngine(eng) == nil || newAnswerCache(nil, 1).forEngine(eng) != nil {
		t.Error("forEngine does not tell the engine")
	}
}

// TestAnswerCacheConcurrentReload sends the same profile from several
// goroutines while the rules are reloaded back and forth between two
// versions: every answer must be one of the two versions' fresh answers,
// and the first answer after each reload the new version's, whatever
// requests of the old engine were still storing answers.
func TestAnswerCacheConcurrentReload(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, "swap-a")
	s, _ := newServer(t, Config{Rules: os.DirFS(dir)})
	_, bodies, decoded := profiles(t)
	body, p := bodies["disc-herniation"], decoded["disc-herniation"]
	want := map[string]string{"swap-a": wantResult(t, s.Engine(), p)}
	writeRules(t, dir, "swap-b")
	want["swap-b"] = wantResult(t, loadDir(t, dir), p)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				got := do(t, s.Handler(), "POST", "/recommend", body).Body.String()
				if got != want["swap-a"] && got != want["swap-b"] {
					t.Errorf("an answer of neither rule set: %s", cut(got))
					return
				}
			}
		})
	}
	// Each reload compares the rule sets whole, which the race
	// detector makes slow: -short reloads there and back once.
	reloads := 4
	if testing.Short() {
		reloads = 2
	}
	for i := range reloads {
		version := []string{"swap-b", "swap-a"}[i%2]
		writeRules(t, dir, version)
		if changed, err := s.Reload(); !changed || err != nil {
			t.Errorf("Reload to %s = %v, %v; want true, nil", version, changed, err)
			break
		}
		if got := do(t, s.Handler(), "POST", "/recommend", body).Body.String(); got != want[version] {
			t.Errorf("after the reload to %s, the answer is not its own: %s", version, cut(got))
		}
	}
	close(stop)
	wg.Wait()
}

// gzOf returns the compressed copy a entry holds, or nil.
func gzOf(a *cachedAnswer) []byte {
	if gz := a.gz.Load(); gz != nil {
		return *gz
	}
	return nil
}

// TestAnswerCacheGzipLazily checks that an answer is compressed only for
// a client that accepts gzip: stored for one that does not, it holds no
// compressed copy and is charged its body alone; the first hit of a
// client that accepts gzip compresses it, once, keeps the copy in that
// entry and charges it, and a later hit gets the same slice; an entry
// dropped meanwhile keeps nothing; and compressing an entry past the
// bound drops the least recently used entries, never the entry itself.
func TestAnswerCacheGzipLazily(t *testing.T) {
	body := bytes.Repeat([]byte(`{"a":"b"}`), 200)
	plain := newAnswer(body, false)
	if gzOf(plain) != nil {
		t.Fatal("an answer for a client that does not accept gzip was compressed")
	}
	if small := newAnswer([]byte(`{}`), true); gzOf(small) != nil {
		t.Fatal("a body under minGzipBytes was compressed")
	}
	c := newAnswerCache(nil, 1<<20)
	c.put([]byte("k"), plain)
	if used, _ := c.size(); used != cost(1, len(body)) {
		t.Fatalf("charged %d before compression, want %d", used, cost(1, len(body)))
	}
	e, ok := c.get([]byte("k"))
	if !ok {
		t.Fatal("k not found")
	}
	gz := c.gzipped(e)
	if !bytes.Equal(gunzip(t, gz), body) {
		t.Fatal("the compressed copy does not decompress to the body")
	}
	if used, _ := c.size(); used != cost(1, len(body)+len(gz)) {
		t.Errorf("charged %d after compression, want %d", used, cost(1, len(body)+len(gz)))
	}
	e2, _ := c.get([]byte("k"))
	if again := c.gzipped(e2); len(again) == 0 || &again[0] != &gz[0] {
		t.Error("a second gzip hit compressed the body again")
	}
	// An entry no longer in the cache is compressed for the request but
	// not kept.
	gone := &cachedAnswer{key: "gone", body: body}
	if got := c.gzipped(gone); !bytes.Equal(gunzip(t, got), body) || gzOf(gone) != nil {
		t.Error("an entry not in the cache kept a compressed copy")
	}
	if used, _ := c.size(); used != cost(1, len(body)+len(gz)) {
		t.Errorf("charged %d after compressing an entry not in the cache, want %d", used, cost(1, len(body)+len(gz)))
	}
	// Room for eight plain entries and half a compressed copy:
	// compressing the most recent drops the least recently used, not
	// itself.
	tight := newAnswerCache(nil, 8*cost(2, len(body))+int64(len(gz))/2)
	for i := range 8 {
		tight.put(fmt.Appendf(nil, "k%d", i), plain)
	}
	if _, n := tight.size(); n != 8 {
		t.Fatalf("%d entries, want 8", n)
	}
	last, ok := tight.get([]byte("k7"))
	if !ok {
		t.Fatal("k7 not found")
	}
	tight.gzipped(last)
	if _, ok := tight.get([]byte("k0")); ok {
		t.Error("the least recently used entry was kept past the bound")
	}
	if got, ok := tight.get([]byte("k7")); !ok || gzOf(got) == nil {
		t.Error("the entry compressed was dropped, or lost its copy")
	}
	if _, n := tight.size(); n != 7 {
		t.Errorf("%d entries after compressing one, want 7", n)
	}
	// The entry being compressed has become the least recently used
	// since it was found (other entries were asked for meanwhile): the
	// bound still holds, and it is the others that make room.
	lru := newAnswerCache(nil, 8*cost(2, len(body))+int64(len(gz))/2)
	for i := range 8 {
		lru.put(fmt.Appendf(nil, "k%d", i), plain)
	}
	first, _ := lru.get([]byte("k0"))
	for i := 1; i < 8; i++ {
		lru.get(fmt.Appendf(nil, "k%d", i))
	}
	lru.gzipped(first)
	if used, _ := lru.size(); used > lru.max {
		t.Errorf("charged %d, over the bound %d", used, lru.max)
	}
	if got, ok := lru.get([]byte("k0")); !ok || gzOf(got) == nil {
		t.Error("the entry compressed was dropped, or lost its copy")
	}
	if used, _ := tight.size(); used > tight.max {
		t.Errorf("charged %d, over the bound %d", used, tight.max)
	}
}
