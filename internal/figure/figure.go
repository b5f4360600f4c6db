// Package figure draws a movement's pose, a side view of a simple line
// figure in a start and an end position, as a small SVG.
//
// A pose is data: the rule files give, for each movement, a base (how the
// body meets the ground), the props it uses and two key frames of joint
// angles. Joints and Props name what a pose may hold and the range of
// each angle, so that the rule parser can check poses with positions.
package figure

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"strings"
)

// Joint is one angle of a key frame, in degrees, with the range a body
// can take (inclusive).
type Joint struct {
	// Name is the key in the rule files.
	Name string
	// Min and Max bound the angle.
	Min, Max float64
	// Doc says what the angle measures.
	Doc string
}

// Joints are the angles of a key frame, in the order the renderer reads
// them. An angle a frame leaves out is 0.
var Joints = []Joint{
	{"tilt", -180, 180, "the whole body's lean from upright, forward positive: 0 standing, 90 face down or on hands and knees, -90 lying on the back"},
	{"trunk", -40, 80, "the spine's bend: positive rounds the back, negative arches it, 0 keeps it flat"},
	{"hip", -30, 140, "hip flexion: 0 thigh in line with the trunk, 90 at a right angle in front"},
	{"knee", 0, 150, "knee flexion: 0 straight"},
	{"shoulder", -60, 180, "shoulder flexion: 0 arm along the trunk, 90 forward, 180 overhead"},
	{"elbow", 0, 150, "elbow flexion: 0 straight"},
	{"neck", -50, 60, "neck flexion: positive chin toward the chest, negative looking up"},
}

// Bases are how the body meets the ground.
var Bases = []string{"standing", "sitting", "kneeling", "all_fours", "lying", "side_lying"}

// Props are the things a pose may draw beside the figure.
var Props = []string{"mat", "towel", "bed", "chair", "sofa", "wall", "ball", "foam_roller", "band", "table", "back_stretcher", "inversion_table", "desk", "pillow", "heat_pad", "belt"}

// Frame is one key frame: an angle per Joints name.
type Frame map[string]float64

// Pose is a movement's picture: a base, props and a start and an end frame.
type Pose struct {
	// Base is one of Bases.
	Base string
	// Props are some of Props.
	Props []string
	// Under is where along the spine a prop under the back sits, from 0
	// (the pelvis) to 1 (the shoulders); 0 means the default, 0.25.
	Under float64
	// Spine is the shape of the back the frames keep, one of Spines by
	// name; "" takes it from the movement's tags (see SpineFor).
	Spine string
	// Start and End are the key frames.
	Start, End Frame
}

// CheckAngle reports whether name is a joint and v within its range.
func CheckAngle(name string, v float64) error {
	j, ok := joint(name)
	if !ok {
		names := make([]string, len(Joints))
		for i, j := range Joints {
			names[i] = j.Name
		}
		return fmt.Errorf("unknown angle %q (want one of %s)", name, strings.Join(names, ", "))
	}
	if math.IsNaN(v) || v < j.Min || v > j.Max {
		return fmt.Errorf("%s %g is outside what a body can do (%g to %g)", name, v, j.Min, j.Max)
	}
	return nil
}

func joint(name string) (Joint, bool) {
	for _, j := range Joints {
		if j.Name == name {
			return j, true
		}
	}
	return Joint{}, false
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

type pt struct{ x, y float64 }

func (a pt) add(b pt) pt         { return pt{a.x + b.x, a.y + b.y} }
func (a pt) scale(k float64) pt  { return pt{a.x * k, a.y * k} }
func dir(deg float64) pt         { r := deg * math.Pi / 180; return pt{math.Sin(r), math.Cos(r)} }
func lerp(a, b pt, t float64) pt { return pt{a.x + (b.x-a.x)*t, a.y + (b.y-a.y)*t} }

// Segment lengths, in drawing units.
const (
	lTrunk, lNeck, rHead = 52.0, 7.0, 8.0
	lThigh, lShin, lFoot = 40.0, 38.0, 10.0
	lArm, lForearm       = 27.0, 25.0
	bedHeight            = 40.0
	armOffset            = 14.0 // degrees an arm is drawn forward, to show it
	margin               = 8.0  // space kept clear at the frame's edges
)

// body is one frame's joint positions, y up, pelvis at the origin.
type body struct {
	pelvis, ctrl, shoulder, neckTop, head pt
	knee, ankle, toe, elbow, hand         pt
	tilt, chest                           float64
}

func pose(f Frame) body {
	var b body
	t, tr := f["tilt"], f["trunk"]
	b.tilt = t
	b.chest = t + tr
	b.shoulder = dir(t + tr/2).scale(lTrunk)
	b.ctrl = dir(t).scale(lTrunk / 2)
	nd := b.chest + f["neck"]
	b.neckTop = b.shoulder.add(dir(nd).scale(lNeck))
	b.head = b.neckTop.add(dir(nd).scale(rHead))
	thigh := t + 180 - f["hip"]
	b.knee = dir(thigh).scale(lThigh)
	shin := thigh + f["knee"]
	b.ankle = b.knee.add(dir(shin).scale(lShin))
	b.toe = b.ankle.add(dir(shin - 90).scale(lFoot))
	// An arm hanging along the trunk would hide behind it in a side view,
	// so every arm is drawn a little forward of its angle.
	off := armOffset
	if math.Abs(t) > 45 {
		off /= 2 // lying or on all fours: enough to lift the arm off the trunk
	}
	arm := b.chest + 180 - f["shoulder"] - off
	b.elbow = b.shoulder.add(dir(arm).scale(lArm))
	b.hand = b.elbow.add(dir(arm - f["elbow"]).scale(lForearm))
	return b
}

func (b body) points() []pt {
	// The spine's curve reaches about halfway to its control point.
	mid := lerp(lerp(pt{}, b.ctrl, 0.5), lerp(b.ctrl, b.shoulder, 0.5), 0.5)
	return []pt{b.pelvis, mid, b.shoulder, b.head.add(pt{0, -rHead}), b.head.add(pt{0, rHead}), b.head.add(pt{-rHead, 0}), b.head.add(pt{rHead, 0}), b.knee, b.ankle, b.toe, b.elbow, b.hand}
}

func (b body) lowest() float64 {
	m := math.Inf(1)
	for _, p := range b.points() {
		m = math.Min(m, p.y)
	}
	return m
}

// spineAt is the point a fraction s along the spine from the pelvis.
func (b body) spineAt(s float64) pt {
	return lerp(lerp(b.pelvis, b.ctrl, s), lerp(b.ctrl, b.shoulder, s), s)
}

// backNormal points out of the back at the lower spine.
func (b body) backNormal() pt { return dir(b.tilt - 90) }

func (b body) moved(d pt) body {
	for _, p := range []*pt{&b.pelvis, &b.ctrl, &b.shoulder, &b.neckTop, &b.head, &b.knee, &b.ankle, &b.toe, &b.elbow, &b.hand} {
		*p = p.add(d)
	}
	return b
}

const (
	width, height = 240.0, 200.0
	floorY        = 20.0 // floor height above the bottom, y up
)

// SVG draws p with the start frame faded and the end frame solid, titled
// with title (the movement's name) and described by desc (its how).
func SVG(p Pose, title, desc string) []byte {
	start, end := place(p)
	under := p.Under
	if under == 0 {
		under = 0.25
	}
	k := fit(start, end)

	var w bytes.Buffer
	fmt.Fprintf(&w, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-labelledby="t d">`, width, height, width, height)
	fmt.Fprintf(&w, `<title id="t">%s</title><desc id="d">%s</desc>`, html.EscapeString(title), html.EscapeString(desc))
	w.WriteString(`<rect width="100%" height="100%" fill="#fff"/>`)
	fmt.Fprintf(&w, `<line x1="8" y1="%s" x2="%g" y2="%s" stroke="#999" stroke-width="2"/>`, f(Y(floorY)), width-8, f(Y(floorY)))
	fmt.Fprintf(&w, `<g transform="translate(%s %s) scale(%.3f)">`, f(width/2*(1-k)), f(Y(floorY)*(1-k)), k)
	props(&w, p, start, end, under)
	w.WriteString(`<g fill="none" stroke-linecap="round" stroke-linejoin="round">`)
	figure(&w, start, `stroke="#9db4c8" stroke-width="4" opacity="0.55"`, "#9db4c8")
	figure(&w, end, `stroke="#1d4e89" stroke-width="5"`, "#1d4e89")
	w.WriteString(`</g></g></svg>`)
	return w.Bytes()
}

// place poses both frames on the ground, centred in the picture.
func place(p Pose) (start, end body) {
	start, end = pose(p.Start), pose(p.End)
	ground := floorY
	if has(p.Props, "bed") || has(p.Props, "table") && p.Base == "lying" {
		ground += bedHeight
	}
	if has(p.Props, "inversion_table") {
		ground += 14
	}
	// Each frame's lowest point meets the ground (on all fours, the start
	// frame's, whose hands and knees hold up the end frame's lifted limbs;
	// on a bed, the pelvis rests on it). The pelvis keeps its x, and the
	// picture is centred on both frames.
	minX, maxX := math.Inf(1), math.Inf(-1)
	for _, b := range []body{start, end} {
		for _, q := range b.points() {
			minX, maxX = math.Min(minX, q.x), math.Max(maxX, q.x)
		}
	}
	lift := 0.0
	if p.Base == "lying" && (has(p.Props, "ball") || has(p.Props, "foam_roller") || has(p.Props, "towel") || has(p.Props, "back_stretcher")) {
		lift = 10
	}
	sy, ey := ground-start.lowest()+lift, ground-end.lowest()+lift
	if p.Base == "all_fours" {
		ey = math.Max(sy, ey)
	}
	if has(p.Props, "bed") {
		sy, ey = ground+5, ground+5
	}
	cx := width/2 - (minX+maxX)/2
	return start.moved(pt{cx, sy}), end.moved(pt{cx, ey})
}

// fit is the factor (at most 1) by which the figures are scaled, about the
// middle of the floor line, so that both frames stay inside the picture's
// margins.
func fit(bs ...body) float64 {
	k := 1.0
	for _, b := range bs {
		for _, q := range b.points() {
			if up := q.y + rHead - floorY; up > height-margin-floorY {
				k = math.Min(k, (height-margin-floorY)/up)
			}
			if dx := math.Abs(q.x-width/2) + rHead; dx > width/2-margin {
				k = math.Min(k, (width/2-margin)/dx)
			}
		}
	}
	return k
}

// Y turns a height above the bottom into an SVG y.
func Y(y float64) float64 { return height - y }

func f(v float64) string { return fmt.Sprintf("%.1f", v) }

func xy(p pt) string { return f(p.x) + "," + f(Y(p.y)) }

func has(xs []string, s string) bool { return contains(xs, s) }

func figure(w *bytes.Buffer, b body, style, fill string) {
	fmt.Fprintf(w, `<path %s d="M%s Q%s %s M%s L%s M%s L%s L%s L%s M%s L%s L%s"/>`, style,
		xy(b.pelvis), xy(b.ctrl), xy(b.shoulder),
		xy(b.shoulder), xy(b.neckTop),
		xy(b.pelvis), xy(b.knee), xy(b.ankle), xy(b.toe),
		xy(b.shoulder), xy(b.elbow), xy(b.hand))
	fmt.Fprintf(w, `<circle cx="%s" cy="%s" r="%g" %s fill="%s"/>`, f(b.head.x), f(Y(b.head.y)), rHead, style, fill)
}

func props(w *bytes.Buffer, p Pose, start, b body, under float64) {
	const st = `fill="#e7dcc8" stroke="#8a7350" stroke-width="2"`
	lx, hx := math.Min(b.head.x, math.Min(b.toe.x, b.pelvis.x))-10, math.Max(b.head.x, math.Max(b.toe.x, b.pelvis.x))+10
	for _, pr := range p.Props {
		switch pr {
		case "mat":
			fmt.Fprintf(w, `<rect x="%s" y="%s" width="%s" height="4" fill="#b9d3c2"/>`, f(lx), f(Y(floorY)-2), f(hx-lx))
		case "bed", "table":
			top := floorY + bedHeight
			x0 := b.pelvis.x - 80
			if pr == "bed" && p.Base == "lying" && b.tilt > 45 {
				x0 = b.shoulder.x - 2 // head and shoulders past the end
				if b.shoulder.x > b.pelvis.x {
					x0 = b.pelvis.x - 90
					fmt.Fprintf(w, `<rect x="%s" y="%s" width="%s" height="%g" %s/>`, f(x0), f(Y(top)), f(b.pelvis.x+20-x0), bedHeight, st)
					continue
				}
			}
			if pr == "table" && p.Base != "lying" {
				fmt.Fprintf(w, `<rect x="%s" y="%s" width="60" height="6" %s/><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#8a7350" stroke-width="3"/>`,
					f(b.pelvis.x+25), f(Y(b.pelvis.y+8)), st, f(b.pelvis.x+55), f(Y(b.pelvis.y+2)), f(b.pelvis.x+55), f(Y(floorY)))
				continue
			}
			fmt.Fprintf(w, `<rect x="%s" y="%s" width="%s" height="%g" %s/>`, f(x0), f(Y(top)), f(math.Max(b.pelvis.x, b.head.x)+20-x0), bedHeight, st)
		case "desk":
			fmt.Fprintf(w, `<rect x="%s" y="%s" width="50" height="6" %s/><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#8a7350" stroke-width="3"/>`,
				f(b.hand.x-10), f(Y(b.hand.y)), st, f(b.hand.x+15), f(Y(b.hand.y)), f(b.hand.x+15), f(Y(floorY)))
		case "chair", "sofa":
			seat := start.pelvis.y - 4
			fmt.Fprintf(w, `<path d="M%s,%s H%s V%s M%s,%s V%s" fill="none" stroke="#8a7350" stroke-width="4"/>`,
				f(start.pelvis.x-30), f(Y(seat)), f(start.pelvis.x+14), f(Y(floorY)), f(start.pelvis.x-30), f(Y(floorY)), f(Y(seat+40)))
		case "wall":
			x := math.Min(b.pelvis.x, b.shoulder.x) - 12
			fmt.Fprintf(w, `<line x1="%s" y1="10" x2="%s" y2="%s" stroke="#8a7350" stroke-width="4"/>`, f(x), f(x), f(Y(floorY)))
		case "towel", "back_stretcher", "pillow", "heat_pad":
			c := b.spineAt(under).add(b.backNormal().scale(7))
			if pr == "pillow" {
				c = b.spineAt(0.2).add(dir(b.tilt + 90).scale(7))
			}
			fmt.Fprintf(w, `<ellipse cx="%s" cy="%s" rx="12" ry="6" %s/>`, f(c.x), f(Y(c.y)), st)
		case "ball":
			c := b.spineAt(under).add(b.backNormal().scale(8))
			fmt.Fprintf(w, `<circle cx="%s" cy="%s" r="7" fill="#e07a5f" stroke="#8a3b26" stroke-width="2"/>`, f(c.x), f(Y(c.y)))
		case "foam_roller":
			c := b.spineAt(under).add(b.backNormal().scale(11))
			if p.Base == "sitting" {
				c = b.pelvis.add(pt{0, -11})
			}
			fmt.Fprintf(w, `<circle cx="%s" cy="%s" r="10" %s/>`, f(c.x), f(Y(c.y)), st)
		case "band":
			c := lerp(b.knee, b.ankle, 0.1)
			fmt.Fprintf(w, `<ellipse cx="%s" cy="%s" rx="5" ry="9" fill="none" stroke="#e07a5f" stroke-width="3"/>`, f(c.x), f(Y(c.y)))
		case "belt":
			c := b.spineAt(0.2)
			fmt.Fprintf(w, `<circle cx="%s" cy="%s" r="9" fill="none" stroke="#8a7350" stroke-width="4"/>`, f(c.x), f(Y(c.y)))
		case "inversion_table":
			a, z := b.spineAt(-0.2), b.ankle
			fmt.Fprintf(w, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#8a7350" stroke-width="5"/><path d="M%s,%s L%s,%s L%s,%s" fill="none" stroke="#8a7350" stroke-width="3"/>`,
				f(a.x), f(Y(a.y)), f(z.x), f(Y(z.y)), f(b.pelvis.x-30), f(Y(floorY)), f(b.pelvis.x), f(Y(b.pelvis.y)), f(b.pelvis.x+30), f(Y(floorY)))
		}
	}
}
