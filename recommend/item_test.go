package recommend_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/backrules/backrules/recommend"
)

func TestItemRules(t *testing.T) {
	note := func(rule string) recommend.Note { return recommend.NoteOf(rule, "because "+rule) }
	tests := []struct {
		name              string
		reasons, cautions []recommend.Note
		want              []string
	}{
		{"none", nil, nil, []string{}},
		{"reasons only", []recommend.Note{note("a"), note("b")}, nil, []string{"a", "b"}},
		{"cautions only", nil, []recommend.Note{note("c")}, []string{"c"}},
		{"reasons, then cautions", []recommend.Note{note("b")}, []recommend.Note{note("a"), note("c")}, []string{"b", "a", "c"}},
		{"a rule that gives both is listed once", []recommend.Note{note("a"), note("b")}, []recommend.Note{note("b"), note("c")}, []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := recommend.Item{Movement: "m", Reasons: tt.reasons, Cautions: tt.cautions}
			got := it.Rules()
			if got == nil {
				t.Fatal("Rules() is nil, want a list")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Rules() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMovementText(t *testing.T) {
	a := recommend.MovementTextOf("Walk", "lifestyle", "Walk <briskly>.", "Daily & often.")
	if got := [4]string{a.Name(), a.Kind(), a.How(), a.Dose()}; got != [4]string{"Walk", "lifestyle", "Walk <briskly>.", "Daily & often."} {
		t.Errorf("methods give %q", got)
	}
	if b := recommend.MovementTextOf("Walk", "lifestyle", "Walk <briskly>.", "Daily & often."); a != b || !a.Equal(b) {
		t.Error("two MovementTexts of the same text differ")
	}
	if c := recommend.MovementTextOf("Walk", "lifestyle", "Walk <briskly>.", "Weekly."); a == c || a.Equal(c) {
		t.Error("MovementTexts of different doses are equal")
	}
	var zero recommend.MovementText
	if !zero.IsZero() || zero.Name() != "" || zero.Dose() != "" || recommend.MovementTextOf("", "", "", "") != zero {
		t.Error("the zero MovementText is not the empty text")
	}
	if a.IsZero() {
		t.Error("a MovementText with text is zero")
	}
	if a.String() != "Walk" {
		t.Errorf("String() = %q, want the name", a.String())
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"name":"Walk","kind":"lifestyle","how":"Walk \u003cbriskly\u003e.","dose":"Daily \u0026 often."}`; string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
	var back recommend.MovementText
	if err := json.Unmarshal(b, &back); err != nil || back != a {
		t.Errorf("round trip gave %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"how": 1}`), &back); err == nil {
		t.Error("a number for how decoded without an error")
	}
	// An item reads its text through its own methods.
	it := recommend.Item{Movement: "walk", Text: a}
	if got := [4]string{it.Name(), it.Kind(), it.How(), it.Dose()}; got != [4]string{"Walk", "lifestyle", "Walk <briskly>.", "Daily & often."} {
		t.Errorf("the item's methods give %q", got)
	}
}

// TestItemJSON checks an Item's JSON: the keys it has always had, with
// its rules from its notes, and a round trip through encoding/json.
func TestItemJSON(t *testing.T) {
	src := recommend.Source{ID: "g", Title: "G", Publisher: "P", Kind: "guideline"}
	it := recommend.Item{
		Movement:  "walk",
		Text:      recommend.MovementTextOf("Walk", "lifestyle", "Walk <briskly>.", "Daily."),
		Reasons:   []recommend.Note{recommend.NoteOf("r2", "Moving helps.")},
		Cautions:  []recommend.Note{recommend.NoteOf("r1", "Go gently.")},
		Citations: []recommend.Citation{recommend.CitationOf(src, "1.2", "Says so.")},
	}
	b, err := json.Marshal(it)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"movement":"walk","name":"Walk","kind":"lifestyle","how":"Walk \u003cbriskly\u003e.","dose":"Daily.",` +
		`"reasons":[{"rule":"r2","text":"Moving helps."}],"cautions":[{"rule":"r1","text":"Go gently."}],` +
		`"citations":[{"source":"g","title":"G","publisher":"P","kind":"guideline","url":"","locator":"1.2","claim":"Says so."}],` +
		`"rules":["r2","r1"]}`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("json.Marshal (-want +got):\n%s", diff)
	}
	// MarshalJSON itself gives the value alone, with nothing after it.
	direct, err := it.MarshalJSON()
	if err != nil || !json.Valid(direct) || !bytes.HasSuffix(direct, []byte("}")) {
		t.Errorf("MarshalJSON = %q, %v", direct, err)
	}
	// An encoder that does not escape HTML leaves <, > and & as they are,
	// as it does for a struct's strings.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(it); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"how":"Walk <briskly>."`) {
		t.Errorf("an encoder without HTML escaping wrote %s", buf.String())
	}
	var back recommend.Item
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(it, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte("null"), &back); err != nil || back.Name() != "Walk" {
		t.Errorf("null changed the item or failed: %v", err)
	}
	if err := json.Unmarshal([]byte(`{"name": 3}`), &back); err == nil {
		t.Error("a number for name decoded without an error")
	}
}

func TestNote(t *testing.T) {
	n := recommend.NoteOf("r", "Go <gently> & slowly.")
	if n.Rule() != "r" || n.Text() != "Go <gently> & slowly." || n.String() != "r: Go <gently> & slowly." {
		t.Errorf("NoteOf gives rule %q, text %q, string %q", n.Rule(), n.Text(), n.String())
	}
	if m := recommend.NoteOf("r", "Go <gently> & slowly."); n != m || !n.Equal(m) {
		t.Error("two Notes of the same rule and text differ")
	}
	for _, m := range []recommend.Note{recommend.NoteOf("s", n.Text()), recommend.NoteOf("r", "Go.")} {
		if n == m || n.Equal(m) {
			t.Errorf("%v equals %v", n, m)
		}
	}
	var zero recommend.Note
	if !zero.IsZero() || zero.Rule() != "" || zero.Text() != "" || recommend.NoteOf("", "") != zero || n.IsZero() {
		t.Error("the zero Note is not the empty note, or a note is zero")
	}
	if r := recommend.NoteOf("r", ""); r.IsZero() || r.Rule() != "r" {
		t.Errorf("a note of a rule with no text is zero or lost its rule: %q", r.Rule())
	}
	if zero.String() != "" || recommend.NoteOf("", "Text.").String() != "Text." {
		t.Errorf("String() of the zero note %q, of a note without a rule %q", zero.String(), recommend.NoteOf("", "Text.").String())
	}
	b, err := json.Marshal([]recommend.Note{n, zero})
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"rule":"r","text":"Go \u003cgently\u003e \u0026 slowly."},{"rule":"","text":""}]`; string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
	var back []recommend.Note
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]recommend.Note{n, zero}, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"rule": ["x"]}`), &back[0]); err == nil {
		t.Error("a list for rule decoded without an error")
	}
}
