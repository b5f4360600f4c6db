package recommend_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/rules"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestCitation(t *testing.T) {
	src := recommend.Source{ID: "nice-ng59", Title: "Low back pain", Publisher: "NICE", Kind: "guideline", URL: "https://example.org/ng59"}
	c := recommend.CitationOf(src, "1.2.1", "Exercise helps.")
	got := []string{c.Source(), c.Title(), c.Publisher(), c.Kind(), c.URL(), c.Locator(), c.Claim(), c.String()}
	want := []string{"nice-ng59", "Low back pain", "NICE", "guideline", "https://example.org/ng59", "1.2.1", "Exercise helps.", "nice-ng59 (1.2.1)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("accessors (-want +got):\n%s", diff)
	}

	var zero recommend.Citation
	if got := []string{zero.Source(), zero.Title(), zero.Publisher(), zero.Kind(), zero.URL(), zero.Locator(), zero.Claim(), zero.String()}; !cmp.Equal(make([]string, 8), got) {
		t.Errorf("zero Citation's accessors = %q, want all empty", got)
	}
	if !zero.IsZero() || !recommend.CitationOf(recommend.Source{}, "", "").IsZero() || c.IsZero() {
		t.Error("IsZero: want true for the zero Citation and an empty one, false for c")
	}

	for _, tt := range []struct {
		name string
		d    recommend.Citation
		want bool
	}{
		{"itself", c, true},
		{"same text, made apart", recommend.CitationOf(src, "1.2.1", "Exercise helps."), true},
		{"other locator", recommend.CitationOf(src, "1.2.2", "Exercise helps."), false},
		{"other claim", recommend.CitationOf(src, "1.2.1", "Rest helps."), false},
		{"other kind", recommend.CitationOf(recommend.Source{ID: src.ID, Title: src.Title, Publisher: src.Publisher, URL: src.URL, Kind: "trial"}, "1.2.1", "Exercise helps."), false},
		{"zero", recommend.Citation{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Equal(tt.d); got != tt.want {
				t.Errorf("Equal = %v, want %v", got, tt.want)
			}
			if got := tt.d.Equal(c); got != tt.want {
				t.Errorf("Equal, the other way round, = %v, want %v", got, tt.want)
			}
			if got := c == tt.d; got != tt.want {
				t.Errorf("== gives %v, want %v, as Equal", got, tt.want)
			}
		})
	}
}

// TestCitationJSON checks that a citation, and a whole Result, survive a
// trip through JSON: a client of a service decodes what Recommend encoded.
func TestCitationJSON(t *testing.T) {
	c := recommend.CitationOf(recommend.Source{ID: "s", Title: "T", Publisher: "P", Kind: "trial", URL: "https://example.org"}, "L", "C.")
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"source":"s","title":"T","publisher":"P","kind":"trial","url":"https://example.org","locator":"L","claim":"C."}`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("Marshal (-want +got):\n%s", diff)
	}
	var back recommend.Citation
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back != c {
		t.Errorf("Unmarshal gave %v, want %v (==)", back, c)
	}
	if err := json.Unmarshal([]byte(`["not", "an", "object"]`), &back); err == nil {
		t.Error("Unmarshal of an array: no error")
	}

	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Recommend(t.Context(), recommend.Profile{Conditions: []string{"disc_herniation"}, AggravatedBy: []string{"sitting"}, PainLevel: 4, DaysSinceOnset: 10})
	if err != nil {
		t.Fatal(err)
	}
	b, err = json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var decoded recommend.Result
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatal(err)
	}
	// The trace is not part of a Result's JSON (see Result.Trace).
	if diff := cmp.Diff(res, &decoded, cmpopts.IgnoreUnexported(recommend.Result{})); diff != "" {
		t.Errorf("Result after a JSON round trip (-want +got):\n%s", diff)
	}
}

// TestCitationJSONLikeAStruct checks that a Citation encodes as the struct
// of strings it was before it had methods, whether or not the encoder
// escapes HTML (WriteJSON does not: a URL keeps its &), and that null
// leaves a decoded Citation as it is, as it leaves a struct.
func TestCitationJSONLikeAStruct(t *testing.T) {
	type plain struct {
		Source    string `json:"source"`
		Title     string `json:"title"`
		Publisher string `json:"publisher"`
		Kind      string `json:"kind"`
		URL       string `json:"url"`
		Locator   string `json:"locator"`
		Claim     string `json:"claim"`
	}
	src := recommend.Source{ID: "s", Title: "Back & <neck> pain", Publisher: "P", Kind: "trial", URL: "https://example.org/?a=1&b=2"}
	c := recommend.CitationOf(src, "L\u2028", "C > D.")
	p := plain{src.ID, src.Title, src.Publisher, src.Kind, src.URL, "L\u2028", "C > D."}
	encode := func(escapeHTML bool, v any) string {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(escapeHTML)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	for _, escapeHTML := range []bool{true, false} {
		t.Run(fmt.Sprintf("escapeHTML=%v", escapeHTML), func(t *testing.T) {
			want := encode(escapeHTML, []plain{p})
			if diff := cmp.Diff(want, encode(escapeHTML, []recommend.Citation{c})); diff != "" {
				t.Errorf("encoding (-want +got):\n%s", diff)
			}
		})
	}

	kept := struct{ C recommend.Citation }{c}
	if err := json.Unmarshal([]byte(`{"C":null}`), &kept); err != nil {
		t.Fatal(err)
	}
	if !kept.C.Equal(c) {
		t.Errorf("after decoding null, the Citation is %v, want it unchanged, %v", kept.C, c)
	}
}

// TestCitationsOfTwoEnginesAreEqual checks that == compares citations by
// their text, not by the engine that made them.
func TestCitationsOfTwoEnginesAreEqual(t *testing.T) {
	a, err := recommend.Load(rules.FS)
	if err != nil {
		t.Fatal(err)
	}
	b, err := recommend.Load(rules.FS)
	if err != nil {
		t.Fatal(err)
	}
	ra, rb := a.Rules(), b.Rules()
	for i := range ra {
		for j, c := range ra[i].Citations {
			if d := rb[i].Citations[j]; c != d {
				t.Fatalf("rule %s citation %d: %v != %v from another engine loaded from the same rules", ra[i].ID, j, c, d)
			}
		}
	}
}
