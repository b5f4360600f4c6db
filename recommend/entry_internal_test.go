package recommend

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// What an author is told to write for an entry the vocabulary lacks is
// what Triage counted from it: for every entry written from the default
// vocabulary's ids, labels and other names (as words, parted by slashes,
// with a letter dropped, one side of an "or"), in every list field, each
// red flag or condition the problem's suggestion names is one that
// misplacedRedFlags counts.
func TestEntryIsCountedAsItIsTold(t *testing.T) {
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	for fi := range listFields {
		for _, en := range e.vocab[fi].entries {
			entries = append(entries, en.label, strings.ReplaceAll(en.id, "_", " "), strings.ReplaceAll(en.id, "_", "/"))
			for _, name := range append([]string{en.id}, en.alsoCalled...) {
				entries = append(entries, name)
				for k := 1; k < len(name); k++ {
					entries = append(entries, name[:k]+name[k+1:])
				}
			}
			if a, b, ok := strings.Cut(en.id, "_or_"); ok {
				entries = append(entries, a, b)
			}
		}
	}
	quotedIDs := regexp.MustCompile(`"([a-z0-9_]+)"`)
	checked := 0
	for fi, f := range listFields {
		for _, v := range entries {
			if e.vocab[fi].index(v) >= 0 {
				continue
			}
			hint := e.readEntry(fi, v).hint
			var p Profile
			f.set(&p, []string{v})
			flags, conds := e.misplacedRedFlags(&p)
			counted := map[int][]string{fieldRedFlags: flags, fieldConditions: conds}
			// The field the suggested ids belong to.
			into := fi
			switch {
			case strings.HasSuffix(hint, "of red_flags?)"):
				into = fieldRedFlags
			case strings.HasSuffix(hint, "of conditions?)"):
				into = fieldConditions
			}
			if into != fieldRedFlags && into != fieldConditions {
				continue // an aggravating activity, say, counts toward nothing
			}
			for _, m := range quotedIDs.FindAllStringSubmatch(hint, -1) {
				checked++
				if !slices.Contains(counted[into], m[1]) {
					t.Errorf("%s: [%q]: told%s, but Triage counts red flags %q and conditions %q", f.name, v, hint, flags, conds)
				}
			}
		}
	}
	if checked < 1000 {
		t.Errorf("checked %d suggestions, want at least 1000: the entries no longer reach the suggestions", checked)
	}
}
