package report

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/backrules/backrules/recommend"
)

// stdString is s as encoding/json writes it with HTML escaping off, the
// form appendString promises.
func stdString(t testing.TB, s string) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// TestAppendStringEveryByte puts each of the 256 byte values at each
// place of the first and second 8-byte word of plain text (and in texts
// of every length up to 20, so that the byte-by-byte tail is reached too)
// and checks appendString against encoding/json: a byte that the word
// test passes over wrongly would be written unescaped.
func TestAppendStringEveryByte(t *testing.T) {
	const plain = "abcdefghijklmnopqrstuvwx"
	for n := 1; n <= 20; n++ {
		for pos := range n {
			for c := range 256 {
				s := []byte(plain[:n])
				s[pos] = byte(c)
				want := stdString(t, string(s))
				if got := string(appendString(nil, string(s))); got != want {
					t.Fatalf("byte %#x at %d of %d: got %s, want %s", c, pos, n, got, want)
				}
			}
		}
	}
}

// TestPlainWord checks the word test on its own: plain for 8 bytes of
// ASCII that JSON keeps as they are, not plain as soon as one byte is a
// control byte, a quote, a backslash or not ASCII, wherever it is.
func TestPlainWord(t *testing.T) {
	for c := range 256 {
		for pos := range 8 {
			s := []byte("        ")
			s[pos] = byte(c)
			want := c >= 0x20 && c < 0x80 && c != '"' && c != '\\'
			if got := plainWord(string(s), 0); got != want {
				t.Errorf("byte %#x at %d: plainWord = %v, want %v", c, pos, got, want)
			}
		}
	}
	// Two bytes that are each plain but whose word arithmetic borrows
	// across bytes: the test must not be fooled by a neighbour.
	for _, s := range []string{"\x20\x21\x22\x23\x24\x25\x26\x27", "!!!!!!!\x1f", "\x1f!!!!!!!", "]]]]]]]\\", "#######\""} {
		want := !strings.ContainsAny(s, "\"\\\x1f")
		if got := plainWord(s, 0); got != want {
			t.Errorf("%q: plainWord = %v, want %v", s, got, want)
		}
	}
}

// FuzzAppendString checks appendString against encoding/json on any
// text.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain text of some length", "quote \" backslash \\ ctl \x01\x1f\b\f\n\r\t", "bad \xff utf8 \u2028\u2029 é ☃", "12345678\"12345678\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendString(nil, s)), stdString(t, s); got != want {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// TestEncodingsBounded checks the encoding caches: a value is made once
// while the cache has room, made again on each call once it is full, and
// what get returns is always what mk makes.
func TestEncodingsBounded(t *testing.T) {
	var c encodings[int, string]
	made := map[int]int{}
	mk := func(k int) string { made[k]++; return strconv.Itoa(k) }
	for round := range 2 {
		for k := range maxCached + 10 {
			if got := c.get(k, mk); got != strconv.Itoa(k) {
				t.Fatalf("round %d: get(%d) = %q", round, k, got)
			}
		}
	}
	if n := c.n.Load(); n != maxCached {
		t.Errorf("the cache holds %d values, want %d", n, maxCached)
	}
	for _, k := range []int{0, maxCached - 1} {
		if made[k] != 1 {
			t.Errorf("value %d, kept, was made %d times, want 1", k, made[k])
		}
	}
	for _, k := range []int{maxCached, maxCached + 9} {
		if made[k] != 2 {
			t.Errorf("value %d, past the bound, was made %d times, want 2 (once a call)", k, made[k])
		}
	}
}

// TestEncodingsConcurrent has goroutines ask one cache for the same values
// at once (run it with -race): each gets what mk makes.
func TestEncodingsConcurrent(t *testing.T) {
	var c encodings[int, string]
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for k := range 200 {
				if got := c.get(k, strconv.Itoa); got != strconv.Itoa(k) {
					t.Errorf("get(%d) = %q", k, got)
				}
			}
		})
	}
	wg.Wait()
	if n := c.n.Load(); n != 200 {
		t.Errorf("the cache counts %d values, want 200", n)
	}
}

// TestCachedEncodingsClipped checks that the encodings the caches share
// have no spare room: an append to one copies it, rather than writing
// where another caller may be reading.
func TestCachedEncodingsClipped(t *testing.T) {
	src := recommend.Source{ID: "s", Title: "T", Kind: "guideline"}
	for name, b := range map[string][]byte{
		"citation": citationOf(recommend.CitationOf(src, "1", "claim")).enc,
		"note":     noteEncoding(recommend.NoteOf("r", "text")),
		"text":     textEncoding(recommend.MovementTextOf("Walk", "lifestyle", "How.", "Dose.")),
	} {
		if len(b) != cap(b) {
			t.Errorf("%s: len %d, cap %d", name, len(b), cap(b))
		}
	}
}

// TestNoteSource checks how a wireBuilder lists sources: once each, in
// the order first noted, whether a source comes again as the same pointer
// or, as a full sourceCache hands it out, as another pointer to the same
// text; and the first id cited with two descriptions is the error.
func TestNoteSource(t *testing.T) {
	a, aAgain := &wireSource{ID: "a", Title: "A"}, &wireSource{ID: "a", Title: "A"}
	b := &wireSource{ID: "b", Title: "B"}
	var w wireBuilder
	for _, s := range []*wireSource{a, b, a, aAgain} {
		w.noteSource(s)
	}
	if w.err != nil || len(w.sources) != 2 || w.sources[0] != a || w.sources[1] != b {
		t.Fatalf("sources %v, error %v; want a, then b, and no error", w.sources, w.err)
	}
	w.noteSource(&wireSource{ID: "b", Title: "Other"})
	w.noteSource(&wireSource{ID: "a", Title: "Other"})
	if w.err == nil || !strings.Contains(w.err.Error(), `"b"`) || len(w.sources) != 2 {
		t.Errorf("after two ids with other descriptions: sources %v, error %v; want the two sources and an error naming b", w.sources, w.err)
	}
}
