package recommend

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
)

// worstCase is a vocabulary at the limits Validate allows, and profiles
// that fill it: every list field of Profile has MaxListLen vocabulary ids
// of MaxEntryLen bytes each. The load-time cost estimate assumes such
// profiles, so they are where it is tested.
type worstCase struct {
	// fields are the list fields, by their JSON (and CEL and vocabulary)
	// names, in Profile order.
	fields []string
	// ids are the vocabulary ids of each field.
	ids map[string][]string
	// yaml is the vocabulary section declaring them.
	yaml string
}

// newWorstCase builds the worst-case vocabulary. The list fields are found
// by reflection, so that a list field added to Profile is covered too.
func newWorstCase() *worstCase {
	w := &worstCase{ids: map[string][]string{}}
	var b strings.Builder
	b.WriteString("vocabulary:\n")
	pt := reflect.TypeFor[Profile]()
	for i := range pt.NumField() {
		f := pt.Field(i)
		if f.Type != reflect.TypeFor[[]string]() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		w.fields = append(w.fields, name)
		fmt.Fprintf(&b, "  %s:\n", name)
		for j := range MaxListLen {
			id := fmt.Sprintf("w_%s_%02d_", name, j)
			id += strings.Repeat("x", MaxEntryLen-len(id))
			w.ids[name] = append(w.ids[name], id)
			extra := ""
			switch name {
			case "red_flags":
				extra = ", floor: {urgency: none, withhold: false}"
			case "equipment":
				extra = ", prop: none"
			}
			fmt.Fprintf(&b, "    - {id: %s, label: Entry %d%s}\n", id, j, extra)
		}
	}
	w.yaml = b.String()
	return w
}

// profile returns a profile with the largest numbers whose every list
// holds the whole vocabulary of its field, in the order order gives:
// the same order for every field, as a permutation of the indexes
// 0..MaxListLen-1.
func (w *worstCase) profile(order []int) Profile {
	p := Profile{
		PainLevel: 10, DaysSinceOnset: MaxDaysSinceOnset, SittingHours: 24, Age: MaxAge,
	}
	v := reflect.ValueOf(&p).Elem()
	for _, name := range w.fields {
		list := make([]string, len(order))
		for j, k := range order {
			list[j] = w.ids[name][k]
		}
		for fi := range v.NumField() {
			f := v.Type().Field(fi)
			if n, _, _ := strings.Cut(f.Tag.Get("json"), ","); n == name {
				v.Field(fi).Set(reflect.ValueOf(list))
			}
		}
	}
	return p
}

// profiles returns worst-case profiles in several orders: declaration
// order, reversed, and two shuffles from r. The order matters to
// conditions that stop early, such as exists.
func (w *worstCase) profiles(r *rand.Rand) []Profile {
	order := make([]int, MaxListLen)
	for i := range order {
		order[i] = i
	}
	out := []Profile{w.profile(order)}
	slices.Reverse(order)
	out = append(out, w.profile(order))
	for range 2 {
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		out = append(out, w.profile(order))
	}
	return out
}

// WorstCaseVocabulary and WorstCaseProfiles give the external tests, such
// as FuzzLoad, the worst case: a vocabulary file, and profiles over it.
func WorstCaseVocabulary() string { return newWorstCase().yaml }

// WorstCaseProfiles returns the worst-case profiles, shuffled by r.
func WorstCaseProfiles(r *rand.Rand) []Profile { return newWorstCase().profiles(r) }
