package recommend_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
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
	if _, err := e.MovementSVG("no_such_movement"); !errors.Is(err, recommend.ErrNoPicture) {
		t.Errorf("unknown movement: err = %v, want ErrNoPicture", err)
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
		{"missing end", "{base: lying, start: {}}", `m.yaml:8:11: a pose is missing the required key "end"`},
		{"under past the shoulders", "{base: lying, under: 2, start: {}, end: {}}", "m.yaml:8:32: the pose's under must be a number from 0"},
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
			"    pose: {base: lying, props: [mat], start: {tilt: -90}, end: {tilt: -90, hip: 90}}\n")}
		e, err := recommend.Load(fsys)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.MovementSVG("posed"); err != nil {
			t.Errorf("MovementSVG: %v", err)
		}
	})
}
