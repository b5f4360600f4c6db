package rules_test

import (
	"bufio"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"strings"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// check-citations finds text copied from the four seed documents; this
// test does the same for passages of the published sources (guidelines,
// reviews and trials) whose text was checked: no text of the default
// rules may share a run of copiedRun words with one of them, so that a
// claim says in the project's own words what its passage says.
//
// The passages are not copied into the repository: each line of
// ../testdata/published-runs.txt names a source and a section, then gives
// the FNV-1a hashes of every run of copiedRun words of the passage, the
// words found as check-citations finds them (lower case, apostrophes
// dropped, runs of a-z and 0-9). To add a passage, run
//
//	go test ./rules -run TestNoTextCopiesAPublishedPassage -passage 'the text'
//
// and add the line it prints, with the source id and section in front.
var passage = flag.String("passage", "", "print the run hashes of this published passage for ../testdata/published-runs.txt, and check nothing")

// copiedRun is the number of words in a row that counts as copying, as
// for check-citations.
const copiedRun = 8

// runWords splits text into words the way check-citations does.
func runWords(text string) []string {
	text = strings.NewReplacer("\u2019", "", "'", "").Replace(strings.ToLower(text))
	return strings.FieldsFunc(text, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	})
}

// runHashes gives the hash of every run of copiedRun words of text, in order.
func runHashes(text string) []string {
	w := runWords(text)
	var hashes []string
	for i := 0; i+copiedRun <= len(w); i++ {
		h := fnv.New64a()
		h.Write([]byte(strings.Join(w[i:i+copiedRun], " ")))
		hashes = append(hashes, fmt.Sprintf("%016x", h.Sum64()))
	}
	return hashes
}

// TestRunHashes pins the word splitting and the hash, which the stored
// hashes depend on.
func TestRunHashes(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"fewer words than a run", "one two three four five six seven", nil},
		{"case, apostrophes and punctuation", "People’s BACK-pain: it's one, two; three four five", runHashes("peoples back pain its one two three four five")},
		{"one run", "a b c d e f g h", []string{fmt.Sprintf("%016x", fnv64a("a b c d e f g h"))}},
		{"two runs", "a b c d e f g h i", []string{fmt.Sprintf("%016x", fnv64a("a b c d e f g h")), fmt.Sprintf("%016x", fnv64a("b c d e f g h i"))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, runHashes(tt.text)); diff != "" {
				t.Errorf("runHashes(%q) (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

func fnv64a(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// TestNoTextCopiesAPublishedPassage checks every claim, reason,
// description, referral and key message of the default rules and their
// progression rules, and every vocabulary label, against the stored runs.
func TestNoTextCopiesAPublishedPassage(t *testing.T) {
	if *passage != "" {
		t.Logf("SOURCE\tSECTION\t%s", strings.Join(runHashes(*passage), " "))
		t.Skip("printed the run hashes of -passage")
	}
	f, err := os.Open("../testdata/published-runs.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	from := map[string]string{} // hash: "source § section"
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 3 || fields[2] == "" {
			t.Fatalf("published-runs.txt:%d: want source, section and hashes separated by tabs", n)
		}
		for _, h := range strings.Fields(fields[2]) {
			from[h] = fields[0] + " § " + fields[1]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(from) == 0 {
		t.Fatal("published-runs.txt holds no runs: the test checks nothing")
	}

	type copied struct{ Where, Passage, Text string }
	var got []copied
	check := func(where, text string) {
		for _, h := range runHashes(text) {
			if p, ok := from[h]; ok {
				got = append(got, copied{where, p, text})
				return
			}
		}
	}
	eng := defaultEngine(t)
	for _, r := range eng.Rules() {
		check(r.ID+": description", r.Description)
		check(r.ID+": because", r.Because)
		for _, e := range r.Effects {
			check(r.ID+": "+string(e.Kind)+" because", e.Because)
		}
		if r.Referral != nil {
			check(r.ID+": message", r.Referral.Message)
			check(r.ID+": clinician", r.Referral.Clinician)
		}
		if r.Message != nil {
			check(r.ID+": key message", r.Message.Text)
		}
		for _, c := range r.Citations {
			check(r.ID+": claim at "+c.Source(), c.Claim())
		}
	}
	for _, r := range eng.ProgressRules() {
		check(r.ID+": because", r.Because)
		if r.Referral != nil {
			check(r.ID+": message", r.Referral.Message)
		}
		for _, c := range r.Citations {
			check(r.ID+": claim at "+c.Source(), c.Claim())
		}
	}
	v := eng.Vocabulary()
	for _, terms := range [][]recommend.Term{v.Conditions, v.RedFlags, v.AggravatedBy, v.EasedBy, v.Equipment, v.Sex, v.Episode} {
		for _, term := range terms {
			check(term.ID+": label", term.Label)
		}
	}
	if diff := cmp.Diff([]copied(nil), got); diff != "" {
		t.Errorf("texts that copy %d or more words in a row of a published passage; say it in our own words (-want +got):\n%s", copiedRun, diff)
	}
}
