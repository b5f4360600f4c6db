package figure

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckAngle(t *testing.T) {
	tests := []struct {
		name string
		v    float64
		ok   bool
	}{
		{"knee", 0, true},
		{"knee", 150, true},
		{"knee", -1, false},
		{"knee", 151, false},
		{"trunk", -40, true},
		{"trunk", -41, false},
		{"neck", 61, false},
		{"tilt", 180, true},
		{"wrist", 0, false},
	}
	for _, tt := range tests {
		if err := CheckAngle(tt.name, tt.v); (err == nil) != tt.ok {
			t.Errorf("CheckAngle(%q, %g) = %v, want ok %v", tt.name, tt.v, err, tt.ok)
		}
	}
}

// TestSVGEveryProp draws a pose with each prop on each base and checks the
// result is XML, escapes its text and stays small.
func TestSVGEveryProp(t *testing.T) {
	for _, base := range Bases {
		for _, prop := range Props {
			svg := SVG(Pose{Base: base, Props: []string{prop}, Start: Frame{"tilt": -90, "hip": 90}, End: Frame{"tilt": 90, "trunk": 80, "knee": 150}}, "A & B", "<script>")
			d := xml.NewDecoder(bytes.NewReader(svg))
			for {
				_, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%s with %s: not XML: %v", base, prop, err)
				}
			}
			if bytes.Contains(svg, []byte("<script>")) || len(svg) > 15<<10 {
				t.Errorf("%s with %s: unescaped text or %d bytes", base, prop, len(svg))
			}
		}
	}
}

func TestFitKeepsFiguresInFrame(t *testing.T) {
	tests := []struct {
		name string
		p    Pose
	}{
		{"head-down on an inversion table", Pose{Base: "standing", Props: []string{"inversion_table"}, Start: Frame{"tilt": -20}, End: Frame{"tilt": -160, "shoulder": 170}}},
		{"arms overhead standing", Pose{Base: "standing", Start: Frame{}, End: Frame{"shoulder": 180}}},
		{"lying with legs and arms out", Pose{Base: "lying", Props: []string{"bed"}, Start: Frame{"tilt": -90, "shoulder": 180}, End: Frame{"tilt": -90, "hip": -30}}},
		{"plain standing", Pose{Base: "standing", Start: Frame{}, End: Frame{"elbow": 90}}},
		{"a clamshell from the front", Pose{Base: "side_lying", Turn: 70, Start: Frame{"tilt": -90, "hip": 45, "knee": 90, "far_shoulder": 180}, End: Frame{"tilt": -90, "hip": 45, "knee": 90, "open": 70, "far_shoulder": 180}}},
		{"a twist from above", Pose{Base: "lying", Turn: 90, Props: []string{"mat"}, Start: Frame{"tilt": -90, "hip": 140, "knee": 0, "spread": 90}, End: Frame{"tilt": -90, "hip": 140, "roll": -90, "spread": 90}}},
		{"stepping with anchored feet", Pose{Base: "standing", Anchor: "feet", Start: Frame{"hip": -30, "far_hip": 140, "far_knee": 0}, End: Frame{"hip": 140, "knee": 0, "far_hip": -30}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end := place(tt.p)
			k := fit(start, end)
			if k <= 0 || k > 1 {
				t.Fatalf("fit = %g, want in (0, 1]", k)
			}
			for _, b := range []body{start, end} {
				for _, q := range b.points() {
					x, y := width/2+k*(q.x-width/2), floorY+k*(q.y-floorY)
					if x < 0 || x > width || y > height {
						t.Errorf("point (%.1f, %.1f) drawn at (%.1f, %.1f), outside the %gx%g frame", q.x, q.y, x, y, width, height)
					}
				}
			}
		})
	}
}

// TestSpineBendIsTrunk checks that the drawn spine (pelvis, control point,
// shoulders) bends only with the trunk angle, and toward the side its sign
// says, whatever the other angles: so Check, which bounds the trunk angle,
// bounds the back the picture shows.
func TestSpineBendIsTrunk(t *testing.T) {
	for _, base := range Bases {
		for _, tilt := range []float64{-120, -90, -20, 0, 45, 90} {
			for _, trunk := range []float64{-30, -5, 0, 5, 30} {
				fr := Frame{"tilt": tilt, "trunk": trunk, "hip": 80, "knee": 60, "shoulder": 120, "neck": 20, "roll": 30, "open": 20, "spread": 40}
				b := pose(fr, base, 30)
				// The side of the chord pelvis–shoulder the control point
				// lies on: positive is the back's side (a rounded back
				// bulges behind the chord), negative the front's.
				ch, c := b.shoulder.sub(b.pelvis), b.ctrl.sub(b.pelvis)
				cross := ch.x*c.y - ch.y*c.x
				switch {
				case trunk == 0 && math.Abs(cross) > 1e-6:
					t.Errorf("%s tilt %g: a flat trunk is drawn bent (%g)", base, tilt, cross)
				case trunk > 0 && cross <= 0, trunk < 0 && cross >= 0:
					t.Errorf("%s tilt %g trunk %g: the spine bends the wrong way (%g)", base, tilt, trunk, cross)
				}
			}
		}
	}
}

func TestLimbsAndViews(t *testing.T) {
	near := func(a, b pt) bool { return a.sub(b).len() < 1e-6 }
	t.Run("far limbs follow the near ones", func(t *testing.T) {
		b := pose(Frame{"hip": 70, "knee": 40, "shoulder": 30, "elbow": 60}, "standing", 0)
		if !near(b.legs[0].end, b.legs[1].end) || !near(b.arms[0].end, b.arms[1].end) {
			t.Errorf("far limbs %v %v, want the near ones %v %v", b.legs[1], b.arms[1], b.legs[0], b.arms[0])
		}
		b = pose(Frame{"hip": 70, "far_hip": 0}, "standing", 0)
		if near(b.legs[0].mid, b.legs[1].mid) {
			t.Error("far_hip does not move the far knee")
		}
	})
	t.Run("a clamshell opens upward seen from the front", func(t *testing.T) {
		fr := Frame{"tilt": -90, "hip": 45, "knee": 90}
		shut := pose(fr, "side_lying", 70)
		fr["open"] = 50
		open := pose(fr, "side_lying", 70)
		if rise := open.knee().y - shut.knee().y; rise < 15 {
			t.Errorf("the top knee rises %.1f, want at least 15", rise)
		}
		if !near(open.ankle(), shut.ankle()) {
			t.Error("the foot moves as the knee opens")
		}
		if open.legs[1].mid != shut.legs[1].mid {
			t.Error("the bottom knee moves")
		}
	})
	t.Run("knees drop to the far side seen from above", func(t *testing.T) {
		fr := Frame{"tilt": -90, "hip": 50, "knee": 100}
		up := pose(fr, "lying", 90)
		fr["roll"] = -70
		down := pose(fr, "lying", 90)
		if drop := up.knee().y - down.knee().y; drop < 20 {
			t.Errorf("the knee drops %.1f in the picture, want at least 20", drop)
		}
	})
	t.Run("arms out to the sides seen from above", func(t *testing.T) {
		b := pose(Frame{"tilt": -90, "spread": 90}, "lying", 90)
		if d := b.arms[0].end.y - b.shoulder.y; math.Abs(d-(wShoulder+lArm+lForearm)) > 0.5 {
			t.Errorf("the near hand is %.1f from the spine, want %.1f", d, wShoulder+lArm+lForearm)
		}
		if d := b.shoulder.y - b.arms[1].end.y; math.Abs(d-(wShoulder+lArm+lForearm)) > 0.5 {
			t.Errorf("the far hand is %.1f from the spine, want %.1f", d, wShoulder+lArm+lForearm)
		}
	})
	t.Run("anchored feet stay put", func(t *testing.T) {
		start, end := place(Pose{Base: "standing", Anchor: "feet", Start: Frame{"hip": 90, "knee": 90}, End: Frame{}})
		if math.Abs(start.legs[1].end.x-end.legs[1].end.x) > 1e-6 {
			t.Errorf("the far foot moves from %.1f to %.1f", start.legs[1].end.x, end.legs[1].end.x)
		}
	})
	t.Run("on all fours the knees are on the floor", func(t *testing.T) {
		start, end := place(Pose{Base: "all_fours", Start: Frame{"tilt": 80, "hip": 80, "knee": 90, "shoulder": 53}, End: Frame{"tilt": 65, "trunk": 30, "hip": 65, "knee": 90, "shoulder": 88}})
		for i, b := range []body{start, end} {
			if d := b.knee().y - floorY; math.Abs(d) > 1 {
				t.Errorf("frame %d: the knee is %.1f above the floor", i, d)
			}
		}
	})
}

// TestMotionArrow checks that a pose whose frames differ draws an arrow
// and one whose frames are the same does not.
func TestMotionArrow(t *testing.T) {
	moving := SVG(Pose{Base: "lying", Start: Frame{"tilt": -90, "hip": 50, "knee": 100}, End: Frame{"tilt": -90, "hip": 120, "knee": 120}}, "m", "d")
	still := SVG(Pose{Base: "standing", Start: Frame{}, End: Frame{}}, "s", "d")
	if !bytes.Contains(moving, []byte(`stroke="`+inkArrow+`"`)) {
		t.Error("a moving pose has no arrow")
	}
	if bytes.Contains(still, []byte(inkArrow)) {
		t.Error("a still pose has an arrow")
	}
}

// xmlNode is an element of a parsed document: its name, attributes,
// text and children.
type xmlNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []*xmlNode `xml:",any"`
}

func (n *xmlNode) attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// walk calls f on n and every element below it, in document order.
func (n *xmlNode) walk(f func(*xmlNode)) {
	f(n)
	for _, c := range n.Children {
		c.walk(f)
	}
}

// TestSVGNamedInline puts two pictures inline in one document, as an app
// that shows a plan's pictures in its own page may, and checks that each
// is named by its own title and described by its own desc: the name and
// description a browser gives it (aria-labelledby and aria-describedby
// look up each id in the whole document, taking the first element that
// has it; without them, the title and desc children). The pictures had
// aria-labelledby="t d" with id="t" and id="d" in each, so the second
// picture was named after the first movement.
func TestSVGNamedInline(t *testing.T) {
	pose := Pose{Base: "standing", Start: Frame{}, End: Frame{"hip": 90}}
	doc := append(append([]byte("<div>"), SVG(pose, "Glute bridge", "Lift the hips.")...), SVG(pose, "Bird dog", "Reach one arm forward.")...)
	var root xmlNode
	if err := xml.Unmarshal(append(doc, "</div>"...), &root); err != nil {
		t.Fatal(err)
	}
	byID := map[string]*xmlNode{}
	root.walk(func(n *xmlNode) {
		if id, ok := n.attr("id"); ok && byID[id] == nil {
			byID[id] = n
		}
	})
	// text returns the text of the elements that ids names, or of the
	// first child element of svg called child when there is no such
	// attribute.
	text := func(svg *xmlNode, attr, child string) string {
		if ids, ok := svg.attr(attr); ok {
			var parts []string
			for _, id := range strings.Fields(ids) {
				if n := byID[id]; n != nil {
					parts = append(parts, n.Text)
				}
			}
			return strings.Join(parts, " ")
		}
		for _, c := range svg.Children {
			if c.XMLName.Local == child {
				return c.Text
			}
		}
		return ""
	}
	var got [][2]string
	for _, svg := range root.Children {
		got = append(got, [2]string{text(svg, "aria-labelledby", "title"), text(svg, "aria-describedby", "desc")})
	}
	want := [][2]string{{"Glute bridge", "Lift the hips."}, {"Bird dog", "Reach one arm forward."}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the name and description of each inline picture (-want +got):\n%s", diff)
	}
}
