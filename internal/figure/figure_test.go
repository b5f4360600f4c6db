package figure

import (
	"bytes"
	"encoding/xml"
	"io"
	"testing"
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
