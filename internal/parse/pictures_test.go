package parse

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

// parseOne parses the rule file src, named a.yaml, into a rule set with
// an equipment field, and returns the rule set and its problems as
// "file:line:col: message".
func parseOne(src string) (*RuleSet, []string) {
	rs := &RuleSet{Fields: []Field{{Name: "conditions", Label: "condition"}, {Name: EquipmentField, Label: "equipment"}}, MaxIDLen: 64}
	iss := &Issues{}
	rs.Add("a.yaml", []byte(src), iss)
	return rs, issueTexts(iss)
}

// TestMovementPose checks that every movement must have a pose: one
// without is refused at the movement, with a pose to copy that suits its
// tags, and one whose pose key is misspelled is reported once, for the
// misspelling.
func TestMovementPose(t *testing.T) {
	const head = "movements:\n  - id: m\n    name: M\n    kind: stretch\n    how: Do it.\n    dose: Once.\n"
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"with a pose", head + "    pose: {base: standing, start: {}, end: {}}\n", nil},
		{"no pose", head, []string{
			`a.yaml:2:5: movement "m" has no pose: every movement is drawn; add one after dose, such as pose: {base: standing, start: {}, end: {}}, ` +
				"with the props its equipment needs, then set the joint angles of its start and end frames (see rules/schema.json)",
		}},
		{"no pose, done face down", head + "    tags: [lying_face_down]\n", []string{
			`a.yaml:2:5: movement "m" has no pose: every movement is drawn; add one after dose, such as pose: {base: lying, start: {tilt: 90}, end: {tilt: 90}}, ` +
				"with the props its equipment needs, then set the joint angles of its start and end frames (see rules/schema.json)",
		}},
		{"no pose, done on the back", head + "    tags: [core, prolonged_lying_on_back]\n", []string{
			`a.yaml:2:5: movement "m" has no pose: every movement is drawn; add one after dose, such as pose: {base: lying, start: {tilt: -90}, end: {tilt: -90}}, ` +
				"with the props its equipment needs, then set the joint angles of its start and end frames (see rules/schema.json)",
		}},
		{"no pose and no id", "movements:\n  - {name: M, kind: stretch, how: Do it., dose: Once.}\n", []string{
			`a.yaml:2:5: a movement is missing the required key "id"`,
			`a.yaml:2:5: the movement has no pose: every movement is drawn; add one after dose, such as pose: {base: standing, start: {}, end: {}}, ` +
				"with the props its equipment needs, then set the joint angles of its start and end frames (see rules/schema.json)",
		}},
		{"misspelled pose", head + "    poze: {base: standing, start: {}, end: {}}\n", []string{
			`a.yaml:7:5: unknown key "poze" in a movement (did you mean "pose"?)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := parseOne(tt.src)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("the pose's position", func(t *testing.T) {
		rs, iss := parseOne(head + "    pose: {base: standing, start: {}, end: {}}\n")
		if len(iss) > 0 || len(rs.Movements) != 1 {
			t.Fatalf("problems %v, movements %d", iss, len(rs.Movements))
		}
		if diff := cmp.Diff(FilePos{"a.yaml", Pos{7, 11}}, rs.Movements[0].PosePos); diff != "" {
			t.Errorf("PosePos (-want +got):\n%s", diff)
		}
	})
}

// TestEquipmentProp checks that each equipment entry names the prop that
// draws it, one of figure.Props or none, with the file, line and column
// of a mistake and the prop to write; other fields take no prop.
func TestEquipmentProp(t *testing.T) {
	const allowed = "one of mat, towel, bed, chair, sofa, wall, ball, foam_roller, band, table, back_stretcher, inversion_table, desk, pillow, heat_pad, belt, " +
		"or none for equipment the pictures do not show, with the reason in a comment"
	tests := []struct {
		name  string
		entry string
		want  []string
		prop  Text // of the one entry, when there are no problems
	}{
		{"a prop of another name", "{id: exercise_mat, label: Mat, prop: mat}", nil, Text{"mat", FilePos{"a.yaml", Pos{3, 44}}}},
		{"none", "{id: kettlebell, label: Kettlebell, prop: none}", nil, Text{"none", FilePos{"a.yaml", Pos{3, 49}}}},
		{"no prop, one of its name", "{id: towel, label: Towel}", []string{
			`a.yaml:3:7: equipment "towel" declares no prop: add prop: towel, the prop that draws it in the pictures of the movements that use it (` + allowed + ")",
		}, Text{}},
		{"no prop, its last word names one", "{id: exercise_mat, label: Mat}", []string{
			`a.yaml:3:7: equipment "exercise_mat" declares no prop: add prop: mat, the prop that draws it in the pictures of the movements that use it (` + allowed + ")",
		}, Text{}},
		{"no prop, none near", "{id: kettlebell, label: Kettlebell}", []string{
			`a.yaml:3:7: equipment "kettlebell" declares no prop: add prop: <prop>, the prop that draws it in the pictures of the movements that use it (` + allowed + ")",
		}, Text{}},
		{"unknown prop", "{id: exercise_mat, label: Mat, prop: matt}", []string{
			`a.yaml:3:44: unknown prop "matt" (did you mean "mat"?): a prop is ` + allowed,
		}, Text{}},
		{"unknown prop, none near", "{id: kettlebell, label: Kettlebell, prop: kettlebell}", []string{
			`a.yaml:3:49: unknown prop "kettlebell": a prop is ` + allowed,
		}, Text{}},
		{"prop not an id", "{id: towel, label: Towel, prop: [towel]}", []string{
			`a.yaml:3:39: the equipment's prop must be text, found a list`,
		}, Text{}},
		{"misspelled prop key", "{id: towel, label: Towel, prp: towel}", []string{
			`a.yaml:3:33: unknown key "prp" in an entry of vocabulary.equipment (did you mean "prop"?)`,
		}, Text{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, got := parseOne("vocabulary:\n  equipment:\n    - " + tt.entry + "\n")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if len(rs.Vocab) != 1 {
				t.Fatalf("%d entries, want 1", len(rs.Vocab))
			}
			if diff := cmp.Diff(tt.prop, rs.Vocab[0].Prop); diff != "" {
				t.Errorf("Prop (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("other fields take no prop", func(t *testing.T) {
		_, got := parseOne("vocabulary:\n  conditions:\n    - {id: sciatica, label: Sciatica, prop: towel}\n")
		want := []string{`a.yaml:3:39: unknown key "prop" in an entry of vocabulary.conditions (allowed: id, label, codes)`}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
	})
}

// TestTextCharacters checks that rule text holding a Unicode noncharacter
// or a character XML 1.0 does not allow is refused at its position, in
// prose and in the other text of a rule file, and that the characters
// beside them are kept.
func TestTextCharacters(t *testing.T) {
	movement := func(how string) string {
		return "movements:\n  - id: m\n    name: M\n    kind: stretch\n    how: \"" + how + "\"\n    dose: Once.\n    pose: {base: standing, start: {}, end: {}}\n"
	}
	const noncharacter = ", a Unicode noncharacter, which is not text (and not allowed in XML, such as a movement's picture): remove it"
	tests := []struct {
		name, src string
		want      []string
	}{
		{"U+FFFF in a how", movement(`Do it.\uFFFF`), []string{"a.yaml:5:10: the movement's how holds U+FFFF" + noncharacter}},
		{"U+FFFE in a how", movement(`\uFFFEDo it.`), []string{"a.yaml:5:10: the movement's how holds U+FFFE" + noncharacter}},
		{"U+FDD0 in a how", movement(`Do \uFDD0it.`), []string{"a.yaml:5:10: the movement's how holds U+FDD0" + noncharacter}},
		{"U+FDEF in a how", movement(`Do \uFDEFit.`), []string{"a.yaml:5:10: the movement's how holds U+FDEF" + noncharacter}},
		{"U+1FFFE in a how", movement(`Do \U0001FFFEit.`), []string{"a.yaml:5:10: the movement's how holds U+1FFFE" + noncharacter}},
		{"U+10FFFF in a how", movement(`Do \U0010FFFFit.`), []string{"a.yaml:5:10: the movement's how holds U+10FFFF" + noncharacter}},
		{"U+FDD0 written as is", strings.Replace(movement("Do it."), "Do it.", "Do \uFDD0it.", 1), []string{"a.yaml:5:10: the movement's how holds U+FDD0" + noncharacter}},
		{"a control character XML refuses", movement(`Do\x01 it.`), []string{"a.yaml:5:10: the movement's how holds the invisible character U+0001: remove it"}},
		{"a noncharacter in a name", strings.Replace(movement("Do it."), "name: M", `name: "M\uFFFF"`, 1), []string{"a.yaml:3:11: the movement name holds U+FFFF" + noncharacter}},
		{"a noncharacter in a when", "rules:\n  - {id: r, when: \"'a\\uFDD0' in profile.conditions\", because: B., cite: [{source: s, locator: L, claim: C.}], recommend: [m]}\n",
			[]string{"a.yaml:2:19: the rule's when holds U+FDD0" + noncharacter}},
		{"a noncharacter in a code", "vocabulary:\n  conditions:\n    - {id: c, label: C, codes: [{system: http://snomed.info/sct, code: \"1\\uFFFF\"}]}\n",
			[]string{"a.yaml:3:72: the code holds U+FFFF" + noncharacter}},
		{"a control character in the version", "version: \"1\\a\"\n", []string{"a.yaml:1:10: the rule set version holds the invisible character U+0007: remove it"}},
		{"a control character in a section", "sources:\n  - {id: s, title: T, publisher: P, kind: guideline, sections: [\"A\\x1b[2J\"]}\n",
			[]string{"a.yaml:2:65: a section of the source holds the invisible character U+001B: remove it"}},
		{"beside the noncharacters", movement(`\uFDCF\uFDF0\uFFFD\U0001FFFD\U0010FFFD`), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := parseOne(tt.src)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTextIsXML checks every character: one that prose may hold (neither
// a noncharacter nor invisible) is one XML 1.0 allows, so that a name or a
// how always makes a movement's picture well-formed; and the
// noncharacters are the 66 Unicode reserves.
func TestTextIsXML(t *testing.T) {
	xmlText := func(rs []rune) error {
		var b strings.Builder
		b.WriteString("<d>")
		if err := xml.EscapeText(&b, []byte(string(rs))); err != nil {
			return err
		}
		b.WriteString("</d>")
		var v struct {
			Text string `xml:",chardata"`
		}
		return xml.Unmarshal([]byte(b.String()), &v)
	}
	var nonchars []string
	const block = 1 << 12
	for lo := rune(0); lo <= unicode.MaxRune; lo += block {
		var allowed []rune
		for r := lo; r < lo+block; r++ {
			switch {
			case r >= 0xD800 && r <= 0xDFFF:
				// Surrogates: not in UTF-8 text, and refused by YAML.
			case noncharacter(r):
				nonchars = append(nonchars, fmt.Sprintf("%U", r))
			case !invisible(r):
				allowed = append(allowed, r)
			}
		}
		if xmlText(allowed) == nil {
			continue
		}
		for _, r := range allowed {
			if err := xmlText([]rune{r}); err != nil {
				t.Errorf("%U is allowed in prose but not in XML: %v", r, err)
			}
		}
	}
	if len(nonchars) != 66 || nonchars[0] != "U+FDD0" || nonchars[32] != "U+FFFE" || nonchars[65] != "U+10FFFF" {
		t.Errorf("%d noncharacters, want the 66 from U+FDD0 to U+10FFFF: %v", len(nonchars), nonchars)
	}
}

// TestTextCutByAComment checks that text without quotes that YAML cuts at
// " #" is refused at the #, rather than kept cut: "the #1 cause" would
// otherwise read "the", and a claim or a caution lose their second half
// without a word. Quoted text, a # with no space before it, and a comment
// after quoted text or an id are kept.
func TestTextCutByAComment(t *testing.T) {
	movement := func(how string) string {
		return "movements:\n  - id: m\n    name: M\n    kind: stretch\n    how: " + how + "\n    dose: Once.\n    pose: {base: standing, start: {}, end: {}}\n"
	}
	const drops = ": in text without quotes, YAML reads a # after a space as the start of a comment and drops the rest of the line; put the whole text in quotes, or move a comment to a line of its own"
	tests := []struct {
		name, src string
		want      []string
	}{
		{"a how cut", movement("Keep it small #1 rule, and stop if it hurts."),
			[]string{`a.yaml:5:24: the movement's how ends before "#1 rule, and stop if it hurts."` + drops}},
		{"a long rest is clipped", movement("Do it #" + strings.Repeat("x", 50)),
			[]string{`a.yaml:5:16: the movement's how ends before "#` + strings.Repeat("x", 39) + `…"` + drops}},
		{"text over two lines, cut on the second", "movements:\n  - id: m\n    name: M\n    kind: stretch\n    how: Keep it\n      small #1 rule.\n    dose: Once.\n    pose: {base: standing, start: {}, end: {}}\n",
			[]string{`a.yaml:6:13: the movement's how ends before "#1 rule."` + drops}},
		{"a claim cut", "rules:\n  - id: r\n    when: \"true\"\n    because: B.\n    recommend: [m]\n    cite:\n      - source: s\n        locator: L\n        claim: Sitting is the #2 cause.\n",
			[]string{`a.yaml:9:31: the citation claim ends before "#2 cause."` + drops}},
		{"quoted text keeps its #", movement(`"Keep it small #1 rule."`), nil},
		{"a # with no space before it", movement("Keep it small, rule#1."), nil},
		{"a comment after quoted text", movement(`"Keep it small." # checked`), nil},
		{"a comment after an id", "movements:\n  - id: m # the first\n    name: M\n    kind: stretch\n    how: Keep it small.\n    dose: Once.\n    pose: {base: standing, start: {}, end: {}}\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := parseOne(tt.src)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
