package recommend_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// editedRules returns the default rules with each of edits applied to
// its file: old replaced by new, once; old must be there.
func editedRules(tb testing.TB, edits ...[3]string) fstest.MapFS {
	tb.Helper()
	fsys := testrules.Copy(tb)
	for _, e := range edits {
		name, old, new := e[0], e[1], e[2]
		text := string(fsys[name].Data)
		if strings.Count(text, old) != 1 {
			tb.Fatalf("%s has %d of %q, want 1", name, strings.Count(text, old), old)
		}
		fsys[name] = &fstest.MapFile{Data: []byte(strings.Replace(text, old, new, 1))}
	}
	return fsys
}

// cutEveryone is everyone.yaml caught half-written at the rule boundary
// before its avoid rules, as an independent probe found a reload take it.
func cutEveryone(tb testing.TB) fstest.MapFS {
	tb.Helper()
	fsys := testrules.Copy(tb)
	text := string(fsys["everyone.yaml"].Data)
	at := strings.Index(text, "\n  - id: guideline-avoid-traction\n")
	if at < 0 {
		tb.Fatal("everyone.yaml has no rule guideline-avoid-traction")
	}
	fsys["everyone.yaml"] = &fstest.MapFile{Data: []byte(text[:at+1])}
	return fsys
}

// TestCompareAdvice checks that CompareAdvice finds a movement the
// running rules avoid and a candidate offers, a caution the candidate
// drops from a movement it still offers, and a safety net it no longer
// gives, each with the smallest profile, the rules not kept and the
// candidate's recommending rules; and that a candidate that keeps every
// such rule, or keeps the advice by another rule, lowers nothing.
func TestCompareAdvice(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("compares about 120,000 profiles: skipped with -short and -race")
	}
	serving, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	const (
		traction = "  - id: guideline-avoid-traction\n    description: NICE advises against traction for low back pain, with or without sciatica; an inversion table is traction by gravity.\n    when: \"true\"\n"
		flexion  = "    when: \"'osteoporosis' in profile.conditions\"\n    avoid: [knee_to_chest, double_knee_to_chest, childs_pose, happy_baby, cat_cow]\n"
		nerve    = "    caution: [hamstring_stretch, piriformis_stretch]\n"
		net      = "  - id: message-safety-net\n    description: Everyone is told when to stop an exercise and when to get help.\n    when: \"true\"\n"
	)
	// first is what the comparison reports first.
	type first struct {
		Rules          int
		Lowered        bool
		Loss           recommend.AdviceLoss
		Movement       string
		Profile        recommend.Profile
		Now            recommend.Outcome
		NotKept, ByAny []string
	}
	disc := recommend.Profile{Conditions: []string{"disc_herniation"}}
	tests := []struct {
		name string
		fsys fstest.MapFS
		want first
	}{
		{"the same rules", testrules.Copy(t), first{}},
		{"a reworded reason", editedRules(t, [3]string{"everyone.yaml",
			"because: The national guideline advises against traction; hanging upside down is traction.",
			"because: The national guideline advises against traction, and hanging upside down is a form of it."}), first{}},
		{"the traction rule's condition made narrower", editedRules(t, [3]string{"everyone.yaml", traction,
			strings.Replace(traction, `when: "true"`, `when: "profile.age > 0"`, 1)}),
			first{Rules: 1, Lowered: true, Loss: recommend.AdviceLossAvoid, Movement: "inversion_table", Profile: disc,
				Now: recommend.OutcomeNeedsEquipment, NotKept: []string{"guideline-avoid-traction"}, ByAny: []string{"decompression-inversion-table"}}},
		{"a movement taken from an avoid list", editedRules(t, [3]string{"everyone.yaml", flexion,
			strings.Replace(flexion, "childs_pose, ", "", 1)}),
			first{Rules: 1, Lowered: true, Loss: recommend.AdviceLossAvoid, Movement: "childs_pose", Profile: recommend.Profile{Conditions: []string{"chronic_stiffness", "osteoporosis"}},
				Now: recommend.OutcomeRecommended, NotKept: []string{"osteoporosis-avoid-end-range-flexion"}, ByAny: []string{"stiffness-fitro-flexion-stretches"}}},
		{"a rule gone whose movement another rule still avoids", editedRules(t, [3]string{"everyone.yaml",
			"  - id: inversion-glaucoma\n", "  - id: inversion-glaucoma-renamed\n"}),
			first{Rules: 1}},
		{"a caution taken from a movement still recommended", editedRules(t, [3]string{"disc.yaml", nerve,
			"    caution: [piriformis_stretch]\n"}),
			first{Rules: 1, Lowered: true, Loss: recommend.AdviceLossCaution, Movement: "hamstring_stretch", Profile: recommend.Profile{RedFlags: []string{"leg_numbness_or_tingling"}},
				Now: recommend.OutcomeRecommended, NotKept: []string{"sciatica-caution-hamstring-stretch"}, ByAny: []string{"everyone-hip-stretches"}}},
		{"the safety net made narrower", editedRules(t, [3]string{"messages.yaml", net,
			strings.Replace(net, `when: "true"`, `when: "profile.age > 0"`, 1)}),
			first{Rules: 1, Lowered: true, Loss: recommend.AdviceLossSafetyNet, NotKept: []string{"message-safety-net"}}},
		{"the safety net's groin-numbness sentence deleted", editedRules(t, [3]string{"messages.yaml",
			" Get emergency help for numbness around your groin or bottom, or new bladder or bowel trouble.\n", "\n"}),
			first{Rules: 1, Lowered: true, Loss: recommend.AdviceLossSafetyNet, NotKept: []string{"message-safety-net"}}},
		{"the safety net reworded", editedRules(t, [3]string{"messages.yaml",
			"Get emergency help for numbness around your groin", "Get emergency help at once for numbness around your groin"}),
			first{Rules: 1, Lowered: true, Loss: recommend.AdviceLossSafetyNet, NotKept: []string{"message-safety-net"}}},
		{"everyone.yaml half-written before its avoid rules", cutEveryone(t),
			first{Rules: 14, Lowered: true, Loss: recommend.AdviceLossAvoid, Movement: "inversion_table", Profile: disc,
				Now: recommend.OutcomeNeedsEquipment, NotKept: []string{"guideline-avoid-traction"}, ByAny: []string{"decompression-inversion-table"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			candidate, err := recommend.Load(tt.fsys)
			if err != nil {
				t.Fatal(err)
			}
			c, err := recommend.CompareAdvice(context.Background(), serving, candidate)
			if err != nil {
				t.Fatal(err)
			}
			got := first{Rules: c.Rules, Lowered: c.Lowered > 0}
			if len(c.Lowerings) > 0 {
				l := c.Lowerings[0]
				got.Loss, got.Movement, got.Now, got.NotKept, got.ByAny = l.Loss, l.Movement, l.Now, l.Rules, l.By
				if l.Loss != recommend.AdviceLossSafetyNet {
					got.Profile = recommend.Profile{Conditions: l.Profile.Conditions, RedFlags: l.Profile.RedFlags}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("comparison (-want +got):\n%s", diff)
			}
			if (c.Lowered > 0) != (len(c.Lowerings) > 0) || c.Truncated {
				t.Errorf("lowered %d with %d lowerings, truncated %v", c.Lowered, len(c.Lowerings), c.Truncated)
			}
			// Every lowering is one: the candidate's Result offers the
			// movement that the serving Result avoids, offers it without
			// the caution the serving Result attaches, or lacks the safety
			// net.
			for _, l := range c.Lowerings {
				was, err := serving.Recommend(context.Background(), l.Profile)
				if err != nil {
					t.Fatal(err)
				}
				now, err := candidate.Recommend(context.Background(), l.Profile)
				if err != nil {
					t.Fatal(err)
				}
				switch l.Loss {
				case recommend.AdviceLossAvoid:
					avoided := itemIDs(was.Avoided)
					offered := append(itemIDs(now.Recommended), needIDs(now.NeedsEquipment)...)
					if !slices.Contains(avoided, l.Movement) || !slices.Contains(offered, l.Movement) {
						t.Errorf("%s for %+v: serving avoids %v, candidate offers %v", l.Movement, l.Profile, avoided, offered)
					}
				case recommend.AdviceLossCaution:
					// A caution shows on a recommended movement: with the
					// movement's equipment, where it lacked it.
					if l.Now == recommend.OutcomeNeedsEquipment {
						p := l.Profile
						p.Equipment = append(slices.Clone(p.Equipment), equipmentOf(serving, l.Movement)...)
						if was, err = serving.Recommend(context.Background(), p); err == nil {
							now, err = candidate.Recommend(context.Background(), p)
						}
						if err != nil {
							t.Fatal(err)
						}
					}
					wasNotes, nowNotes := cautionsOf(was, l.Movement), cautionsOf(now, l.Movement)
					for _, id := range l.Rules {
						if !slices.Contains(wasNotes, id) || slices.Contains(nowNotes, id) {
							t.Errorf("%s for %+v: caution %s: serving's cautions %v, candidate's %v", l.Movement, l.Profile, id, wasNotes, nowNotes)
						}
					}
				case recommend.AdviceLossSafetyNet:
					// The candidate gives no safety net of the rule in the
					// serving's words.
					for _, id := range l.Rules {
						wasNets, nowNets := safetyNets(was, id), safetyNets(now, id)
						if len(wasNets) == 0 || slices.ContainsFunc(wasNets, func(text string) bool { return slices.Contains(nowNets, text) }) {
							t.Errorf("%+v: safety net %s: serving's %q, candidate's %q", l.Profile, id, wasNets, nowNets)
						}
					}
				}
			}
		})
	}
}

// cautionsOf returns the rules of the cautions on movement id, recommended
// in res.
func cautionsOf(res *recommend.Result, id string) []string {
	var out []string
	for _, it := range res.Recommended {
		if it.Movement == id {
			for _, n := range it.Cautions {
				out = append(out, n.Rule())
			}
		}
	}
	return out
}

// equipmentOf returns the equipment movement id needs.
func equipmentOf(eng *recommend.Engine, id string) []string {
	for _, m := range eng.Movements() {
		if m.ID == id {
			return m.Equipment
		}
	}
	return nil
}

// safetyNets returns the texts of the safety-net messages of res that
// rule id gives.
func safetyNets(res *recommend.Result, id string) []string {
	var out []string
	for _, m := range res.Messages {
		if m.Kind == recommend.MessageKindSafetyNet && slices.Contains(m.Rules, id) {
			out = append(out, m.Text)
		}
	}
	return out
}

func itemIDs(items []recommend.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Movement)
	}
	return out
}

func needIDs(needs []recommend.EquipmentNeed) []string {
	var out []string
	for _, n := range needs {
		out = append(out, n.Movement)
	}
	return out
}

// BenchmarkCompareAdvice compares the default rules with everyone.yaml
// caught half-written before its avoid rules: about the most the
// comparison does on them.
func BenchmarkCompareAdvice(b *testing.B) {
	serving, err := recommend.Default()
	if err != nil {
		b.Fatal(err)
	}
	candidate, err := recommend.Load(cutEveryone(b))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := recommend.CompareAdvice(context.Background(), serving, candidate); err != nil {
			b.Fatal(err)
		}
	}
}
