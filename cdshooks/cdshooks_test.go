package cdshooks_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/internal/golden"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/rules"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files of package cdshooks")

const (
	requestsDir = "../testdata/cdshooks/requests"
	goldenDir   = "../testdata/cdshooks/golden"
)

// testHookInstance is the hookInstance of the cards the tests make
// without a request: that of the specification's example request.
const testHookInstance = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"

// today is the date the tests' clock gives.
var today = time.Date(2026, time.November, 24, 9, 30, 0, 0, time.UTC)

func clock() time.Time { return today }

// quiet is the option that keeps a test's service from logging.
var quiet = cdshooks.WithLogger(slog.New(slog.DiscardHandler))

var (
	defaultOnce sync.Once
	defaultEng  *recommend.Engine
	defaultErr  error
	testOnce    sync.Once
	testEng     *recommend.Engine
	testErr     error
)

// defaultEngine is the engine of the default rules.
func defaultEngine(t testing.TB) *recommend.Engine {
	t.Helper()
	defaultOnce.Do(func() { defaultEng, defaultErr = recommend.Default() })
	if defaultErr != nil {
		t.Fatal(defaultErr)
	}
	return defaultEng
}

// testOnlySystem is a code system for tests only: no verified code maps to
// an emergency red flag, so the tests give saddle_numbness one of these.
const testOnlySystem = "urn:backrules:test-only"

// testEngine is the default rules with a test-only code for the
// saddle_numbness red flag, to reach an emergency referral from FHIR.
func testEngine(t testing.TB) *recommend.Engine {
	t.Helper()
	testOnce.Do(func() {
		fsys := fstest.MapFS{}
		testErr = fs.WalkDir(rules.FS, ".", func(name string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(rules.FS, name)
			if err != nil {
				return err
			}
			if name == "vocabulary.yaml" {
				const entry = `    - {id: saddle_numbness, label: "Numbness in the groin, genitals or inner thighs", floor: {urgency: emergency, withhold: true},`
				if !bytes.Contains(data, []byte(entry)) {
					return fmt.Errorf("vocabulary.yaml has no line starting %q", entry)
				}
				data = bytes.Replace(data, []byte(entry), []byte(entry+
					` codes: [{system: "`+testOnlySystem+`", code: saddle-numbness}],`), 1)
			}
			fsys[name] = &fstest.MapFile{Data: data}
			return nil
		})
		if testErr == nil {
			testEng, testErr = recommend.Load(fsys)
		}
	})
	if testErr != nil {
		t.Fatal(testErr)
	}
	return testEng
}

// engineFor returns the engine a sample request runs against.
func engineFor(t testing.TB, name string) *recommend.Engine {
	if strings.Contains(name, "emergency") {
		return testEngine(t)
	}
	return defaultEngine(t)
}

// sampleRequests returns the sample requests by name, without .json.
func sampleRequests(t testing.TB) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(requestsDir, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no sample requests in %s: %v", requestsDir, err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(p), ".json")] = data
	}
	return out
}

// indent formats v as the golden files hold it.
func indent(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// post sends body to the service and returns the response.
func post(t testing.TB, h http.Handler, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/cds-services/backrules", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestMappingGolden maps each sample request to a profile, or to the error
// the service answers with, and compares it with its golden file.
func TestMappingGolden(t *testing.T) {
	for name, data := range sampleRequests(t) {
		t.Run(name, func(t *testing.T) {
			var got []byte
			req, err := cdshooks.DecodeRequest(data)
			var m *cdshooks.Mapping
			if err == nil {
				m, err = cdshooks.MapRequest(req, engineFor(t, name).Vocabulary(), today)
			}
			if err != nil {
				got = []byte("error: " + err.Error() + "\n")
			} else {
				got = indent(t, m)
			}
			golden.Check(t, filepath.Join(goldenDir, name+".mapping.golden"), got, *update)
		})
	}
}

// TestServiceGolden posts each sample request to the service and compares
// the status and body with its golden file. Every 200 response passes the
// specification check.
func TestServiceGolden(t *testing.T) {
	for name, data := range sampleRequests(t) {
		t.Run(name, func(t *testing.T) {
			eng := engineFor(t, name)
			svc := cdshooks.NewService(func() *recommend.Engine { return eng }, cdshooks.WithClock(clock), quiet)
			rec := post(t, svc, data)
			if rec.Code == http.StatusOK {
				for _, p := range checkResponse(rec.Body.Bytes()) {
					t.Errorf("response breaks the specification: %s", p)
				}
			}
			got := fmt.Sprintf("HTTP %d\n%s", rec.Code, rec.Body.String())
			golden.Check(t, filepath.Join(goldenDir, name+".response.golden"), []byte(got), *update)
		})
	}
}

// TestCardsGolden turns the Result of each sample profile in
// testdata/profiles into cards and compares them with their golden file.
func TestCardsGolden(t *testing.T) {
	eng := defaultEngine(t)
	paths, err := filepath.Glob("../testdata/profiles/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no profiles: %v", err)
	}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".yaml")
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			prof, err := recommend.DecodeProfile(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := eng.Recommend(t.Context(), prof)
			if err != nil {
				t.Fatal(err)
			}
			cards, err := cdshooks.Cards(res, testHookInstance)
			if err != nil {
				t.Fatal(err)
			}
			body := indent(t, cdshooks.Response{Cards: cards})
			for _, p := range checkResponse(body) {
				t.Errorf("cards break the specification: %s", p)
			}
			golden.Check(t, filepath.Join(goldenDir, "cards-"+name+".golden"), body, *update)
		})
	}
}

// TestByteOrderMark: a request or feedback body that starts with a UTF-8
// byte order mark, as some editors and HTTP clients write JSON, is read
// as it is without one (RFC 8259 lets a JSON reader skip it, and the
// profile decoder does), rather than refused with "invalid character
// 'ï'" and no cards: a red flag in it still gets its card.
func TestByteOrderMark(t *testing.T) {
	const bom = "\uFEFF"
	const feedback = `{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "overridden", "outcomeTimestamp": "2020-12-11T00:00:00Z"}]}`
	for _, name := range []string{"emergency-red-flag", "disc-herniation"} {
		t.Run(name, func(t *testing.T) {
			data := sampleRequests(t)[name]
			eng := engineFor(t, name)
			svc := cdshooks.NewService(func() *recommend.Engine { return eng }, cdshooks.WithClock(clock), quiet)
			want := post(t, svc, data)
			got := post(t, svc, append([]byte(bom), data...))
			if diff := cmp.Diff(fmt.Sprintf("HTTP %d\n%s", want.Code, want.Body), fmt.Sprintf("HTTP %d\n%s", got.Code, got.Body)); diff != "" {
				t.Errorf("response with a byte order mark (-without +with):\n%s", diff)
			}
		})
	}
	t.Run("feedback", func(t *testing.T) {
		_, want, err := cdshooks.ParseFeedback([]byte(feedback))
		if err != nil {
			t.Fatal(err)
		}
		_, got, err := cdshooks.ParseFeedback([]byte(bom + feedback))
		if err != nil {
			t.Fatalf("ParseFeedback with a byte order mark: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("feedback records (-without +with):\n%s", diff)
		}
	})
}
