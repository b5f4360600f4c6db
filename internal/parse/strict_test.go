package parse_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/backrules/backrules/internal/parse"
	"github.com/google/go-cmp/cmp"
)

func TestDocumentErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     *parse.Error
	}{
		{"anchor", "a: [x, &y z]\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 8}, Path: "a[1]",
			Message: "anchor &y: a test file cannot use YAML anchors and aliases: write each value out"}},
		{"alias after its anchor", "a: &y z\nb: *y\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 4}, Path: "a",
			Message: "anchor &y: a test file cannot use YAML anchors and aliases: write each value out"}},
		{"merge key", "a:\n  <<: {b: 1}\n", &parse.Error{Pos: parse.Pos{Line: 2, Column: 3}, Path: "a",
			Message: "merge key <<: a test file cannot use YAML merge keys: write each key out"}},
		{"binary tag", "a: {b: !!binary eA==}\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 8}, Path: "a.b",
			Message: "tag !!binary: a test file cannot use this YAML tag: remove it"}},
		{"set tag", "a: !!set {b: null}\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 4}, Path: "a",
			Message: "tag !!set: a test file cannot use this YAML tag: remove it"}},
		{"explicit timestamp tag", "a: !!timestamp 2024-01-02\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 4}, Path: "a",
			Message: "tag !!timestamp: a test file cannot use this YAML tag: remove it"}},
		{"map tag on a list", "a: !!map [b]\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 4}, Path: "a",
			Message: "tag !!map: a test file cannot use this YAML tag: remove it"}},
		{"number key", "a: {7: b}\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 5}, Path: "a", Value: "7",
			Message: "a key must be a string, found a number"}},
		{"null key", "~: b\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 1}, Value: "~",
			Message: "a key must be a string, found null"}},
		{"list key", "? [a]\n: b\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 3},
			Message: "a key must be a string, found a list"}},
		{"odd key in a path", "\"a b\": [&x 1]\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 9}, Path: `"a b"[0]`,
			Message: "anchor &x: a test file cannot use YAML anchors and aliases: write each value out"}},
		{"second document", "a: 1\n---\nb: 2\n", &parse.Error{Pos: parse.Pos{Line: 2, Column: 1},
			Message: "a test file is a single YAML document: a second one starts here; remove it"}},
		{"tab for indentation", "a:\n\tb: 1\n", &parse.Error{Pos: parse.Pos{Line: 2, Column: 1},
			Message: "invalid YAML: found character that cannot start any token (YAML does not allow tabs for indentation: use spaces)"}},
		{"unclosed quote points at the quote", "a: 1\nb: \"two\n", &parse.Error{Pos: parse.Pos{Line: 2, Column: 4},
			Message: "invalid YAML: found unexpected end of stream (is a quote or a bracket left open?)"}},
		{"nested too deeply", "a: " + strings.Repeat("{b: ", 10001), &parse.Error{Pos: parse.Pos{Line: 1, Column: 40004},
			Message: "invalid YAML: lists or mappings nest too deeply (exceeded max depth of 10000)"}},
		{"invalid UTF-8 after a byte order mark", "\uFEFFa: \xc3\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 4},
			Message: "the text is not valid UTF-8 (byte 0xc3 here): save it as UTF-8"}},
		{"UTF-16", "\xfe\xff\x00a", &parse.Error{Pos: parse.Pos{Line: 1, Column: 1},
			Message: "the text is UTF-16 encoded: save it as UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse.Document([]byte(tt.in), "a test file")
			checkError(t, "Document", err, tt.want)
		})
	}
}

func TestDocumentNoDocument(t *testing.T) {
	for _, in := range []string{"", "# only a comment\n", "\uFEFF"} {
		if _, err := parse.Document([]byte(in), "a test file"); !errors.Is(err, parse.ErrNoDocument) {
			t.Errorf("Document(%q) error = %v, want ErrNoDocument", in, err)
		}
	}
}

// TestToJSON checks the JSON text, one key or value a line, and the YAML
// position of each line.
func TestToJSON(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
		wantPos  []parse.Pos
	}{
		{"mapping", "a: [x, 'y\"']\nb: {c: true, d: -2.5e3}\nnone: ~\n",
			"{\n\"a\":\n[\n\"x\",\n\"y\\\"\"],\n\"b\":\n{\n\"c\":\ntrue,\n\"d\":\n-2.5e3},\n\"none\":\nnull}",
			[]parse.Pos{{1, 1}, {1, 1}, {1, 4}, {1, 5}, {1, 8}, {2, 1}, {2, 4}, {2, 5}, {2, 8}, {2, 14}, {2, 17}, {3, 1}, {3, 7}}},
		{"scalars become strings", "[2024-01-02, \"7\", !!str 8, \"\\u0001\\t\"]",
			"[\n\"2024-01-02\",\n\"7\",\n\"8\",\n\"\\u0001\\t\"]",
			[]parse.Pos{{1, 1}, {1, 2}, {1, 14}, {1, 19}, {1, 28}}},
		{"empty collections", "{a: [], b: {}}", "{\n\"a\":\n[],\n\"b\":\n{}}",
			[]parse.Pos{{1, 1}, {1, 2}, {1, 5}, {1, 9}, {1, 12}}},
		{"numbers kept as written", "[9223372036854775808, -0, 1E+2]", "[\n9223372036854775808,\n-0,\n1E+2]",
			[]parse.Pos{{1, 1}, {1, 2}, {1, 23}, {1, 27}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top, err := parse.Document([]byte(tt.in), "a test file")
			if err != nil {
				t.Fatal(err)
			}
			j, err := parse.ToJSON(top)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(j.Text)); diff != "" {
				t.Errorf("JSON mismatch (-want +got):\n%s", diff)
			}
			var gotPos []parse.Pos
			for line := 1; line <= strings.Count(string(j.Text), "\n")+1; line++ {
				gotPos = append(gotPos, j.Pos(line))
			}
			if diff := cmp.Diff(tt.wantPos, gotPos); diff != "" {
				t.Errorf("positions mismatch (-want +got):\n%s", diff)
			}
			if p := j.Pos(len(gotPos) + 1); p != (parse.Pos{}) {
				t.Errorf("Pos past the last line = %v, want the zero Pos", p)
			}
		})
	}
}

func TestToJSONErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     *parse.Error
	}{
		{"infinity", "a: [1, .inf]\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 8}, Path: "a[1]", Value: ".inf", Message: "not a finite number"}},
		{"not a number", "a: {b: .NaN}\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 8}, Path: "a.b", Value: ".NaN", Message: "not a finite number"}},
		{"octal", "a: 017\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 4}, Path: "a", Value: "017", Message: "unsupported number format: write numbers like 7, 7.5 or -2"}},
		{"plus sign", "a: +7\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 4}, Path: "a", Value: "+7", Message: "unsupported number format: write numbers like 7, 7.5 or -2"}},
		{"trailing point", "a: 7.\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 4}, Path: "a", Value: "7.", Message: "unsupported number format: write numbers like 7, 7.5 or -2"}},
		{"tagged bool that is not one", "a: !!bool yes\n", &parse.Error{Pos: parse.Pos{Line: 1, Column: 4}, Path: "a", Value: "yes", Message: "not a boolean: write true or false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top, err := parse.Document([]byte(tt.in), "a test file")
			if err != nil {
				t.Fatal(err)
			}
			_, err = parse.ToJSON(top)
			checkError(t, "ToJSON", err, tt.want)
		})
	}
}

func TestPosAt(t *testing.T) {
	src := []byte("ab\r\ncé\rd\ne")
	tests := []struct {
		off  int
		want parse.Pos
	}{
		{0, parse.Pos{Line: 1, Column: 1}},
		{2, parse.Pos{Line: 1, Column: 3}},  // the \r of \r\n
		{4, parse.Pos{Line: 2, Column: 1}},  // c
		{7, parse.Pos{Line: 2, Column: 3}},  // the lone \r, after a two-byte é
		{8, parse.Pos{Line: 3, Column: 1}},  // d
		{10, parse.Pos{Line: 4, Column: 1}}, // e
		{99, parse.Pos{Line: 4, Column: 2}}, // past the end: the end
		{-1, parse.Pos{Line: 1, Column: 1}},
	}
	for _, tt := range tests {
		if got := parse.PosAt(src, tt.off); got != tt.want {
			t.Errorf("PosAt(%d) = %v, want %v", tt.off, got, tt.want)
		}
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		e    parse.Error
		want string
	}{
		{parse.Error{Pos: parse.Pos{Line: 2, Column: 3}, Path: "a[1]", Value: ".inf", Message: "not a finite number"}, "line 2 col 3: a[1] .inf: not a finite number"},
		{parse.Error{Path: "a", Message: "m"}, "a: m"},
		{parse.Error{Value: "7", Message: "m"}, "7: m"},
		{parse.Error{Message: "m"}, "m"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestQuote(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes
	if got, want := parse.Quote(long), `"`+strings.Repeat("é", 32)+`"...`; got != want {
		t.Errorf("Quote(long) = %q, want %q", got, want)
	}
	if got, want := parse.Quote("a\x1b[2J"), `"a\x1b[2J"`; got != want {
		t.Errorf("Quote(escape) = %q, want %q", got, want)
	}
}

// TestPosAtInsideACharacter checks that an offset inside a character is
// taken as the character's start, and one at an invalid byte as that byte.
func TestPosAtInsideACharacter(t *testing.T) {
	tests := []struct {
		src  string
		off  int
		want parse.Pos
	}{
		{"!\uf60c", 2, parse.Pos{Line: 1, Column: 2}},
		{"!\uf60c", 3, parse.Pos{Line: 1, Column: 2}},
		{"\r\n\x80", 2, parse.Pos{Line: 2, Column: 1}},
		{"é\x80\x80", 3, parse.Pos{Line: 1, Column: 3}},
	}
	for _, tt := range tests {
		if got := parse.PosAt([]byte(tt.src), tt.off); got != tt.want {
			t.Errorf("PosAt(%q, %d) = %v, want %v", tt.src, tt.off, got, tt.want)
		}
	}
}

// checkError checks that err, returned by the function named fn, is the
// *parse.Error want.
func checkError(t *testing.T, fn string, err error, want *parse.Error) {
	t.Helper()
	var got *parse.Error
	if !errors.As(err, &got) {
		t.Fatalf("%s error is %T (%v), want a *parse.Error", fn, err, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s error mismatch (-want +got):\n%s", fn, diff)
	}
}
