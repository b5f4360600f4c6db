package recommend_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/rules"
)

// TestMovementSVG checks every default movement's picture: distinct, under
// 15 KB, well-formed XML, titled with the name and described by the how.
func TestMovementSVG(t *testing.T) {
	e, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, m := range e.Movements() {
		t.Run(m.ID, func(t *testing.T) {
			svg, err := e.MovementSVG(m.ID)
			if err != nil {
				t.Fatalf("MovementSVG: %v", err)
			}
			if len(svg) >= 15<<10 {
				t.Errorf("%d bytes, want under 15 KB", len(svg))
			}
			// The figure alone, without the title, must differ from every
			// other movement's: the same drawing twice says nothing.
			body := svg[bytes.Index(svg, []byte("</desc>")):]
			if other, ok := seen[string(body)]; ok {
				t.Errorf("draws the same figure as %s", other)
			}
			seen[string(body)] = m.ID
			d := xml.NewDecoder(bytes.NewReader(svg))
			var title, desc string
			var in string
			for {
				tok, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("not XML: %v", err)
				}
				switch tok := tok.(type) {
				case xml.StartElement:
					in = tok.Name.Local
				case xml.CharData:
					switch in {
					case "title":
						title += string(tok)
					case "desc":
						desc += string(tok)
					}
				case xml.EndElement:
					in = ""
				}
			}
			if title != m.Name || desc != m.How {
				t.Errorf("title %q desc %q, want %q and %q", title, desc, m.Name, m.How)
			}
			if alt := e.MovementAlt(m.ID); alt != m.How {
				t.Errorf("MovementAlt = %q, want the how %q", alt, m.How)
			}
		})
	}
	_, err = e.MovementSVG("no_such_movement")
	if !errors.Is(err, recommend.ErrNoPicture) || !errors.Is(err, recommend.ErrUnknownMovement) {
		t.Errorf("unknown movement: err = %v, want ErrNoPicture and ErrUnknownMovement", err)
	}
	if got, want := fmt.Sprint(err), `unknown movement "no_such_movement": no picture`; got != want {
		t.Errorf("unknown movement: err = %q, want %q", got, want)
	}
}

// TestPoseChecks checks that Load refuses a pose a body cannot take or a
// figure cannot draw, with the file, line and column.
func TestPoseChecks(t *testing.T) {
	tests := []struct {
		name, pose, want string
	}{
		{"knee bent backwards", "{base: lying, start: {knee: -20}, end: {}}", "m.yaml:8:39: the knee angle in the pose's start: knee -20 is outside"},
		{"neck too far", "{base: standing, start: {}, end: {neck: 120}}", "m.yaml:8:51: the neck angle in the pose's end: neck 120 is outside"},
		{"unknown prop", "{base: lying, props: [trampoline], start: {}, end: {}}", `m.yaml:8:33: unknown prop "trampoline"`},
		{"unknown base", "{base: floating, start: {}, end: {}}", `m.yaml:8:18: unknown pose base "floating"`},
		{"unknown angle", "{base: lying, start: {wrist: 10}, end: {}}", `m.yaml:8:33: unknown key "wrist" in the pose's start`},
		{"angle not a number", "{base: lying, start: {hip: lots}, end: {}}", "m.yaml:8:38: the hip angle in the pose's start must be a number of degrees"},
		// YAML's own words for infinity and not-a-number are numbers: said
		// in the words of any angle out of range, not in strconv's.
		{"angle infinite", "{base: lying, start: {hip: .inf}, end: {}}", "m.yaml:8:38: the hip angle in the pose's start: hip +Inf is outside what a body can do (-30 to 140)\n"},
		{"angle NaN", "{base: lying, start: {}, end: {knee: .nan}}", "m.yaml:8:48: the knee angle in the pose's end: knee NaN is outside what a body can do (0 to 150)\n"},
		{"turn not a number", "{base: lying, turn: .nan, start: {}, end: {}}", "m.yaml:8:31: the pose's turn must be a number of degrees from 0 (a side view) to 90, found the number .nan\n"},
		{"missing end", "{base: lying, start: {}}", `m.yaml:8:11: a pose is missing the required key "end"`},
		{"under past the shoulders", "{base: lying, under: 2, start: {}, end: {}}", "m.yaml:8:32: the pose's under must be a number from 0"},
		{"turn past the top", "{base: lying, turn: 120, start: {}, end: {}}", "m.yaml:8:31: the pose's turn must be a number of degrees from 0 (a side view) to 90"},
		{"unknown anchor", "{base: standing, anchor: hands, start: {}, end: {}}", `m.yaml:8:36: unknown anchor "hands"`},
		{"far knee bent backwards", "{base: lying, start: {}, end: {far_knee: -5}}", "m.yaml:8:52: the far_knee angle in the pose's end: far_knee -5 is outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			dirFS(t, "../testdata/minimal", "base/", fsys)
			fsys["m.yaml"] = &fstest.MapFile{Data: []byte("movements:\n  - id: posed\n    name: Posed\n    kind: stretch\n    how: Do it.\n    dose: Once.\n" +
				"    tags: [x]\n    pose: " + tt.pose + "\n")}
			_, err := recommend.Load(fsys)
			if !errors.Is(err, recommend.ErrInvalidRules) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load: %v\nwant an error containing %q", err, tt.want)
			}
		})
	}
	t.Run("good pose draws", func(t *testing.T) {
		fsys := fstest.MapFS{}
		dirFS(t, "../testdata/minimal", "base/", fsys)
		fsys["m.yaml"] = &fstest.MapFile{Data: []byte("movements:\n  - id: posed\n    name: Posed\n    kind: stretch\n    how: Do it.\n    dose: Once.\n" +
			"    tags: [lying_on_back]\n    pose: {base: lying, props: [mat], start: {tilt: -90}, end: {tilt: -90, hip: 90}}\n")}
		e, err := recommend.Load(fsys)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.MovementSVG("posed"); err != nil {
			t.Errorf("MovementSVG: %v", err)
		}
	})
}

// TestPoseUnder checks that a pose's under puts a towel where it says,
// 0 at the pelvis as rules/schema.json describes it, not at the default
// (0.25) that a pose without under gets.
func TestPoseUnder(t *testing.T) {
	svg := func(under string) []byte {
		t.Helper()
		fsys := fstest.MapFS{}
		dirFS(t, "../testdata/minimal", "base/", fsys)
		fsys["m.yaml"] = &fstest.MapFile{Data: []byte("movements:\n  - id: posed\n    name: Posed\n    kind: stretch\n    how: Do it.\n    dose: Once.\n" +
			"    tags: [lying_on_back]\n    pose: {base: lying, props: [towel]" + under + ", start: {tilt: -90}, end: {tilt: -90, hip: 90}}\n")}
		e, err := recommend.Load(fsys)
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.MovementSVG("posed")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	def, zero, quarter := svg(""), svg(", under: 0"), svg(", under: 0.25")
	if !bytes.Equal(def, quarter) {
		t.Error("a pose without under is not drawn as under: 0.25")
	}
	if bytes.Equal(zero, def) {
		t.Error("under: 0 draws the towel where a pose without under does, not at the pelvis")
	}
}

// TestPosePlausibility checks that Load refuses a picture that disagrees
// with what the rules say the movement does: a rounded or arched back the
// tags or the pose's spine do not allow, a spine that contradicts the
// tags, or equipment left undrawn. Each case mutates one field of an
// otherwise good movement.
func TestPosePlausibility(t *testing.T) {
	tests := []struct {
		name, tags, equipment, pose, want string
	}{
		{"good flat back", "[core]", "[]", "{spine: flat, base: all_fours, start: {tilt: 90}, end: {tilt: 90, trunk: 5}}", ""},
		{"rounded back on a flat-back movement", "[core]", "[]", "{spine: flat, base: all_fours, start: {tilt: 90}, end: {tilt: 90, trunk: 25}}",
			"m.yaml:9:11: the pose: the end frame rounds the back (trunk 25), but the pose declares spine flat (trunk -5 to 5)"},
		{"arched back on a flat-back movement", "[core]", "[]", "{spine: flat, base: lying, start: {tilt: -90, trunk: -8}, end: {tilt: -90}}",
			"the start frame arches the back (trunk -8), but the pose declares spine flat"},
		{"rounded back without the flexion tag", "[core]", "[]", "{base: lying, start: {tilt: -90}, end: {tilt: -90, trunk: 30}}",
			"the end frame rounds the back (trunk 30), but the movement's tags give spine neutral (trunk -10 to 10)"},
		{"rounded back with the flexion tag", "[lumbar_flexion, lying_on_back]", "[]", "{base: lying, start: {tilt: -90}, end: {tilt: -90, trunk: 30}}", ""},
		{"on its back without the tag", "[core]", "[]", "{base: lying, start: {tilt: -90}, end: {tilt: -90}}",
			"the start frame is drawn lying on the back (tilt -90), but the movement is not tagged lying_on_back or prolonged_lying_on_back"},
		{"face down without the tag", "[lumbar_extension]", "[]", "{base: lying, start: {tilt: 90}, end: {tilt: 90, trunk: -15}}",
			"the start frame is drawn lying face down (tilt 90), but the movement is not tagged lying_face_down"},
		{"arched back with only the flexion tag", "[lumbar_flexion]", "[]", "{base: lying, start: {tilt: 90, trunk: -20}, end: {tilt: 90}}",
			"the start frame arches the back (trunk -20), but the movement's tags give spine rounds"},
		{"flat spine on a flexion movement", "[lumbar_flexion]", "[]", "{spine: flat, base: lying, start: {}, end: {}}",
			`the pose's spine "flat" disagrees with the movement's tags`},
		{"unknown spine", "[core]", "[]", "{spine: wobbly, base: lying, start: {}, end: {}}", `m.yaml:9:19: unknown spine "wobbly"`},
		{"equipment not drawn", "[glutes]", "[towel]", "{base: lying, props: [mat], start: {}, end: {}}",
			"the movement uses towel, but the pose does not draw the prop towel"},
		{"equipment drawn", "[glutes]", "[towel]", "{base: lying, props: [mat, towel], start: {}, end: {}}", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			dirFS(t, "../testdata/minimal", "base/", fsys)
			fsys["m.yaml"] = &fstest.MapFile{Data: []byte("movements:\n  - id: posed\n    name: Posed\n    kind: stretch\n    how: Do it.\n    dose: Once.\n" +
				"    tags: " + tt.tags + "\n    equipment: " + tt.equipment + "\n    pose: " + tt.pose + "\n")}
			_, err := recommend.Load(fsys)
			if tt.want == "" {
				if err != nil {
					t.Errorf("Load: %v, want no error", err)
				}
				return
			}
			if !errors.Is(err, recommend.ErrInvalidRules) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load: %v\nwant an error containing %q", err, tt.want)
			}
		})
	}
}

// TestDefaultPoseMutations draws a rounded or arched back, or leaves out a
// prop, in one movement of the default rule files, and checks that Load
// refuses the result at that movement's pose: the checks hold for the real
// data, not only for small examples.
func TestDefaultPoseMutations(t *testing.T) {
	tests := []struct {
		name, id, from, to, want string
	}{
		{"bird dog with a rounded back", "bird_dog", "end: {", "end: {trunk: 20, ", "the end frame rounds the back (trunk 20), but the pose declares spine flat"},
		{"plank with a sagging back", "plank", "end: {", "end: {trunk: -15, ", "the end frame arches the back (trunk -15), but the pose declares spine flat"},
		{"glute bridge arched", "glute_bridge", "end: {", "end: {trunk: -6, ", "the end frame arches the back (trunk -6), but the pose declares spine flat"},
		{"walking hunched", "walking", "end: {", "end: {trunk: 15, ", "the end frame rounds the back (trunk 15), but the movement's tags give spine neutral"},
		{"towel decompression rounded", "towel_stretch", "end: {", "end: {trunk: 12, ", "the end frame rounds the back (trunk 12), but the movement's tags give spine arches"},
		{"band walk without its band", "band_walk", "props: [band]", "props: []", "the movement uses resistance_band, but the pose does not draw the prop band"},
		{"foam roller not drawn", "foam_roll_glutes", "props: [mat, foam_roller]", "props: [mat]", "the movement uses foam_roller, but the pose does not draw the prop foam_roller"},
	}
	orig, err := fs.ReadFile(rules.FS, "movements.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := strings.Split(string(orig), "\n")
			in, line := false, 0
			for i, l := range lines {
				if strings.HasPrefix(l, "  - id: ") {
					in = l == "  - id: "+tt.id
				}
				if in && strings.HasPrefix(l, "    pose: ") && strings.Contains(l, tt.from) {
					lines[i] = strings.Replace(l, tt.from, tt.to, 1)
					line = i + 1
					break
				}
			}
			if line == 0 {
				t.Fatalf("no pose of %s with %q in movements.yaml", tt.id, tt.from)
			}
			fsys := fstest.MapFS{}
			entries, err := fs.ReadDir(rules.FS, ".")
			if err != nil {
				t.Fatal(err)
			}
			for _, de := range entries {
				b, err := fs.ReadFile(rules.FS, de.Name())
				if err != nil {
					t.Fatal(err)
				}
				fsys[de.Name()] = &fstest.MapFile{Data: b}
			}
			fsys["movements.yaml"] = &fstest.MapFile{Data: []byte(strings.Join(lines, "\n"))}
			_, err = recommend.Load(fsys)
			want := fmt.Sprintf("movements.yaml:%d:11: the pose: %s", line, tt.want)
			if !errors.Is(err, recommend.ErrInvalidRules) || !strings.Contains(err.Error(), want) {
				t.Errorf("Load: %v\nwant an error containing %q", err, want)
			}
		})
	}
}

// TestEquipmentDrawn checks that the prop a piece of equipment's
// vocabulary entry names is the one its movements must draw: a mat for
// exercise_mat, which the figure's own prop names do not give, and
// nothing for equipment whose prop is none.
func TestEquipmentDrawn(t *testing.T) {
	const vocab = "vocabulary:\n  equipment:\n    - {id: exercise_mat, label: Exercise mat, prop: mat}\n" +
		"    # Not drawn: the pictures show the body, not what it holds.\n    - {id: kettlebell, label: Kettlebell, prop: none}\n"
	tests := []struct {
		name, equipment, props, want string
	}{
		{"a mat drawn", "[exercise_mat]", "[mat]", ""},
		{"a mat not drawn", "[exercise_mat]", "[]",
			"m.yaml:8:11: the pose: the movement uses exercise_mat, but the pose does not draw the prop mat: add mat to the pose's props (e.yaml:3:53 gives exercise_mat prop: mat)"},
		{"equipment no picture shows", "[kettlebell]", "[]", ""},
		{"drawn and not drawn", "[kettlebell, exercise_mat, towel]", "[towel]", "the movement uses exercise_mat, but the pose does not draw the prop mat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			dirFS(t, "../testdata/minimal", "base/", fsys)
			fsys["e.yaml"] = &fstest.MapFile{Data: []byte(vocab)}
			fsys["m.yaml"] = &fstest.MapFile{Data: []byte("movements:\n  - id: posed\n    name: Posed\n    kind: strengthening\n    how: Do it.\n    dose: Once.\n" +
				"    equipment: " + tt.equipment + "\n    pose: {base: standing, props: " + tt.props + ", start: {}, end: {shoulder: 90}}\n")}
			e, err := recommend.Load(fsys)
			if tt.want != "" {
				if !errors.Is(err, recommend.ErrInvalidRules) || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Load: %v\nwant an error containing %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			svg, err := e.MovementSVG("posed")
			if err != nil {
				t.Fatalf("MovementSVG: %v", err)
			}
			// The mat's colour: drawn when the movement uses the mat.
			if got, want := bytes.Contains(svg, []byte(`fill="#a9cdb5"`)), strings.Contains(tt.props, "mat"); got != want {
				t.Errorf("mat drawn = %v, want %v", got, want)
			}
		})
	}
}

// TestEveryMovementDrawn checks that a rule set whose movement has no
// pose does not load, so that no movement of an Engine lacks a picture.
func TestEveryMovementDrawn(t *testing.T) {
	fsys := fstest.MapFS{}
	dirFS(t, "../testdata/minimal", "base/", fsys)
	fsys["m.yaml"] = &fstest.MapFile{Data: []byte("movements:\n  - id: undrawn\n    name: Undrawn\n    kind: stretch\n    how: Do it.\n    dose: Once.\n")}
	_, err := recommend.Load(fsys)
	want := `m.yaml:2:5: movement "undrawn" has no pose: every movement is drawn; add one after dose, such as pose: {base: standing, start: {}, end: {}}`
	if !errors.Is(err, recommend.ErrInvalidRules) || !strings.Contains(err.Error(), want) {
		t.Errorf("Load: %v\nwant an error containing %q", err, want)
	}
}
