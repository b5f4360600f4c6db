// Package figure draws a movement's pose, a line figure in a start and an
// end position, as a small SVG: usually a side view, or a view turned
// toward the figure's near side (the front of a body lying on its side,
// or from above a body on its back).
//
// A pose is data: the rule files give, for each movement, a base (how the
// body meets the ground), the props it uses and two key frames of joint
// angles. Joints and Props name what a pose may hold and the range of
// each angle, so that the rule parser can check poses with positions;
// Check tells whether a pose agrees with what the rules say the movement
// does to the back and which way the body faces, and Undrawn whether it
// draws the equipment the movement uses, by the prop each piece of
// equipment's vocabulary entry names (data, not code: a new piece of
// equipment needs a vocabulary entry only).
package figure

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"sort"
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
// them. An angle a frame leaves out is 0, except a far limb's, which is
// the near limb's: the figure has a near arm and leg (toward the viewer)
// and a far one, drawn lighter behind the body, and they move together
// unless a frame moves the far one on its own.
var Joints = []Joint{
	{"tilt", -180, 180, "the whole body's lean from upright, forward positive: 0 standing, 90 face down or on hands and knees, -90 lying on the back"},
	{"trunk", -40, 80, "the spine's bend: positive rounds the back, negative arches it, 0 keeps it flat"},
	{"hip", -30, 140, "hip flexion: 0 thigh in line with the trunk, 90 at a right angle in front"},
	{"knee", 0, 150, "knee flexion: 0 straight"},
	{"shoulder", -60, 180, "shoulder flexion: 0 arm along the trunk, 90 forward, 180 overhead"},
	{"elbow", 0, 150, "elbow flexion: 0 straight"},
	{"neck", -50, 60, "neck flexion: positive chin toward the chest, negative looking up"},
	{"far_hip", -30, 140, "the far leg's hip flexion; left out, the near leg's"},
	{"far_knee", 0, 150, "the far leg's knee flexion; left out, the near leg's"},
	{"far_shoulder", -60, 180, "the far arm's shoulder flexion; left out, the near arm's"},
	{"far_elbow", 0, 150, "the far arm's elbow flexion; left out, the near arm's"},
	{"open", 0, 70, "the near knee turned out, about the line from the hip to the ankle, the foot staying put, as in a clamshell"},
	{"spread", 0, 90, "both arms raised out to the sides (shoulder abduction): 90 straight out, as when lying with arms out"},
	{"roll", -90, 90, "both legs turned about the trunk's long axis, toward the viewer (positive) or away, as when the knees drop to one side"},
}

// Anchors are the parts of the body a pose may keep in place between its
// frames.
var Anchors = []string{"pelvis", "feet"}

// MaxTurn bounds a pose's turn, in degrees.
const MaxTurn = 90.0

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
	// (the pelvis) to 1 (the shoulders); nil means the default, 0.25.
	Under *float64
	// Turn is how far, in degrees from 0 (a side view) to MaxTurn, the
	// view turns about the picture's horizontal axis so that the near
	// side faces up: for a body lying on its side, 90 looks at it from
	// the front, where a knee opening toward the ceiling rises.
	Turn float64
	// Anchor is the part of the body that stays put from the start frame
	// to the end, one of Anchors: "pelvis" (the default) or "feet" (the
	// far foot, as when standing up from a chair or stepping).
	Anchor string
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
func (a pt) sub(b pt) pt         { return pt{a.x - b.x, a.y - b.y} }
func (a pt) scale(k float64) pt  { return pt{a.x * k, a.y * k} }
func (a pt) len() float64        { return math.Hypot(a.x, a.y) }
func dir(deg float64) pt         { r := deg * math.Pi / 180; return pt{math.Sin(r), math.Cos(r)} }
func lerp(a, b pt, t float64) pt { return pt{a.x + (b.x-a.x)*t, a.y + (b.y-a.y)*t} }

// p3 is a point in space: x and y in the body's side (sagittal) plane as
// a side view shows it, z toward the viewer.
type p3 struct{ x, y, z float64 }

func (a p3) add(b p3) p3        { return p3{a.x + b.x, a.y + b.y, a.z + b.z} }
func (a p3) sub(b p3) p3        { return p3{a.x - b.x, a.y - b.y, a.z - b.z} }
func (a p3) scale(k float64) p3 { return p3{a.x * k, a.y * k, a.z * k} }
func (a p3) dot(b p3) float64   { return a.x*b.x + a.y*b.y + a.z*b.z }
func (a p3) cross(b p3) p3 {
	return p3{a.y*b.z - a.z*b.y, a.z*b.x - a.x*b.z, a.x*b.y - a.y*b.x}
}
func (a p3) unit() p3 {
	if n := math.Sqrt(a.dot(a)); n > 0 {
		return a.scale(1 / n)
	}
	return a
}
func lift(p pt, z float64) p3 { return p3{p.x, p.y, z} }

// rotate turns p about the axis through o along the unit vector u by deg
// degrees (Rodrigues' formula).
func rotate(p, o, u p3, deg float64) p3 {
	r := deg * math.Pi / 180
	v := p.sub(o)
	c, s := math.Cos(r), math.Sin(r)
	return o.add(v.scale(c).add(u.cross(v).scale(s)).add(u.scale(u.dot(v) * (1 - c))))
}

// Segment lengths, in drawing units.
const (
	lTrunk, lNeck, rHead = 52.0, 7.0, 8.0
	lThigh, lShin, lFoot = 40.0, 38.0, 10.0
	lArm, lForearm       = 27.0, 25.0
	wHip, wShoulder      = 6.0, 9.0 // half the width of the hips and of the shoulders
	bedHeight            = 40.0
	armOffset            = 14.0 // degrees an arm is drawn forward, to show it
	margin               = 8.0  // space kept clear at the frame's edges
)

// limb is an arm or a leg: its root (hip or shoulder), middle joint (knee
// or elbow), end (ankle or hand) and, for a leg, the toe.
type limb struct{ root, mid, end, toe pt }

// body is one frame's joint positions as drawn, y up, pelvis at the
// origin before placing.
type body struct {
	pelvis, ctrl, shoulder, neckTop, head pt
	// legs and arms: near first, then far.
	legs, arms [2]limb
	tilt       float64
}

func angle(f Frame, name string, near float64) float64 {
	if v, ok := f[name]; ok {
		return v
	}
	return near
}

// pose places f's joints in space and projects them for a view turned by
// turn degrees; base says how the feet and arms rest.
func pose(f Frame, base string, turn float64) body {
	t, tr := f["tilt"], f["trunk"]
	chest := t + tr
	shoulder := dir(t + tr/2).scale(lTrunk)
	ctrl := dir(t).scale(lTrunk / 2)
	nd := chest + f["neck"]
	neckTop := shoulder.add(dir(nd).scale(lNeck))
	head := neckTop.add(dir(nd).scale(rHead))

	kneeling := base == "kneeling" || base == "all_fours"
	leg := func(hip, knee float64) limb {
		thigh := t + 180 - hip
		k := dir(thigh).scale(lThigh)
		shin := thigh + knee
		a := k.add(dir(shin).scale(lShin))
		foot := shin - 90
		if kneeling && knee >= 45 {
			foot = shin // the shin on the floor, the foot pointed behind
		}
		return limb{mid: k, end: a, toe: a.add(dir(foot).scale(lFoot))}
	}
	// An arm hanging along the trunk would hide behind it in a side view,
	// so every arm is drawn a little forward of its angle.
	off := armOffset
	switch {
	case base == "lying" || base == "side_lying":
		off = 0 // an arm at the side rests along the body, as it does
	case math.Abs(t) > 45:
		off /= 2 // on all fours: enough to lift the arm off the trunk
	}
	arm := func(sh, el float64) limb {
		a := chest + 180 - sh - off
		e := shoulder.add(dir(a).scale(lArm))
		return limb{root: shoulder, mid: e, end: e.add(dir(a - el).scale(lForearm))}
	}
	hip, knee, sh, el := f["hip"], f["knee"], f["shoulder"], f["elbow"]
	legs := [2]limb{leg(hip, knee), leg(angle(f, "far_hip", hip), angle(f, "far_knee", knee))}
	arms := [2]limb{arm(sh, el), arm(angle(f, "far_shoulder", sh), angle(f, "far_elbow", el))}

	// Into space: the near limbs toward the viewer, the far ones away.
	var legs3, arms3 [2][4]p3
	for i, side := range []float64{1, -1} {
		l := legs[i]
		legs3[i] = [4]p3{lift(l.root, side*wHip), lift(l.mid, side*wHip), lift(l.end, side*wHip), lift(l.toe, side*wHip)}
		a := arms[i]
		arms3[i] = [4]p3{lift(a.root, side*wShoulder), lift(a.mid, side*wShoulder), lift(a.end, side*wShoulder), {}}
	}
	// open turns the near knee out about the line from hip to ankle.
	if o := f["open"]; o != 0 {
		l := &legs3[0]
		u := l[2].sub(l[0]).unit()
		// The knee goes toward the viewer: pick the axis's sense for it.
		if probe := rotate(l[1], l[0], u, 1); probe.z < l[1].z {
			u = u.scale(-1)
		}
		l[1], l[3] = rotate(l[1], l[0], u, o), rotate(l[3], l[0], u, o)
	}
	// spread raises both arms out to the sides, about the body's forward
	// axis through each shoulder.
	if sp := f["spread"]; sp != 0 {
		fwd := lift(dir(t+90), 0)
		for i, side := range []float64{1, -1} {
			a := &arms3[i]
			u := fwd
			if probe := rotate(a[2], a[0], u, 1); (probe.z-a[2].z)*side < 0 {
				u = u.scale(-1)
			}
			a[1], a[2] = rotate(a[1], a[0], u, sp), rotate(a[2], a[0], u, sp)
		}
	}
	// roll turns both legs about the trunk's long axis through the hips.
	if r := f["roll"]; r != 0 {
		u := lift(dir(t), 0)
		if probe := rotate(p3{0, 0, 0}.add(lift(dir(t+90), 0)), p3{}, u, 1); probe.z < 0 {
			u = u.scale(-1)
		}
		for i := range legs3 {
			for j := range legs3[i] {
				legs3[i][j] = rotate(legs3[i][j], p3{0, 0, legs3[i][0].z}, u, r)
			}
		}
	}
	// The view: turned about the horizontal axis, the near side up.
	tr3 := turn * math.Pi / 180
	proj := func(p p3) pt { return pt{p.x, p.y*math.Cos(tr3) + p.z*math.Sin(tr3)} }
	flat := func(p pt) pt { return proj(lift(p, 0)) }
	b := body{pelvis: flat(pt{}), ctrl: flat(ctrl), shoulder: flat(shoulder), neckTop: flat(neckTop), head: flat(head), tilt: t}
	for i := range legs3 {
		l, a := legs3[i], arms3[i]
		b.legs[i] = limb{proj(l[0]), proj(l[1]), proj(l[2]), proj(l[3])}
		b.arms[i] = limb{proj(a[0]), proj(a[1]), proj(a[2]), proj(a[2])}
	}
	return b
}

func (b body) points() []pt {
	// The spine's curve reaches about halfway to its control point.
	mid := lerp(lerp(b.pelvis, b.ctrl, 0.5), lerp(b.ctrl, b.shoulder, 0.5), 0.5)
	ps := []pt{b.pelvis, mid, b.shoulder, b.head.add(pt{0, -rHead}), b.head.add(pt{0, rHead}), b.head.add(pt{-rHead, 0}), b.head.add(pt{rHead, 0})}
	for i := range 2 {
		ps = append(ps, b.legs[i].root, b.legs[i].mid, b.legs[i].end, b.legs[i].toe, b.arms[i].root, b.arms[i].mid, b.arms[i].end)
	}
	return ps
}

func (b body) lowest() float64 {
	m := math.Inf(1)
	for _, p := range b.points() {
		m = math.Min(m, p.y)
	}
	return m
}

func (b body) lowestTrunk() float64 {
	mid := lerp(lerp(b.pelvis, b.ctrl, 0.5), lerp(b.ctrl, b.shoulder, 0.5), 0.5)
	return math.Min(b.pelvis.y, math.Min(mid.y, b.shoulder.y))
}

func (b body) lowestLeg() float64 {
	m := math.Inf(1)
	for _, l := range b.legs {
		for _, p := range []pt{l.mid, l.end, l.toe} {
			m = math.Min(m, p.y)
		}
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
	for _, p := range []*pt{&b.pelvis, &b.ctrl, &b.shoulder, &b.neckTop, &b.head} {
		*p = p.add(d)
	}
	for i := range 2 {
		for _, l := range []*limb{&b.legs[i], &b.arms[i]} {
			l.root, l.mid, l.end, l.toe = l.root.add(d), l.mid.add(d), l.end.add(d), l.toe.add(d)
		}
	}
	return b
}

// Convenience names for the near limbs, which props and the motion arrow
// follow.
func (b body) knee() pt  { return b.legs[0].mid }
func (b body) ankle() pt { return b.legs[0].end }
func (b body) toe() pt   { return b.legs[0].toe }
func (b body) hand() pt  { return b.arms[0].end }

const (
	width, height = 240.0, 200.0
	floorY        = 20.0 // floor height above the bottom, y up
)

// The look: one ink for the end frame, a lighter one for the far limbs, a
// pale one for the start frame; one stroke width for limbs, a heavier one
// for the trunk.
const (
	inkEnd, inkEndFar       = "#1d4e89", "#7f9cc0"
	inkStart, inkStartFar   = "#c3d0de", "#dde5ee"
	inkArrow                = "#d9643a"
	strokeLimb, strokeTrunk = 5.0, 7.0
)

// SVG draws p with the start frame faded and the end frame solid, an
// arrow for the largest motion between them, titled with title (the
// movement's name) and described by desc (its how).
func SVG(p Pose, title, desc string) []byte {
	start, end := place(p)
	under := 0.25
	if p.Under != nil {
		under = *p.Under
	}
	k := fit(start, end)

	var w bytes.Buffer
	// The title names the picture and the desc describes it, as children
	// of the svg element, with no ids: an app may put several pictures
	// inline in one page, where ids that every picture shares would name
	// each picture after the first (aria-labelledby finds the first
	// element with the id in the document).
	fmt.Fprintf(&w, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" width="%g" height="%g" role="img">`, width, height, width, height)
	fmt.Fprintf(&w, `<title>%s</title><desc>%s</desc>`, html.EscapeString(title), html.EscapeString(desc))
	w.WriteString(`<rect width="100%" height="100%" fill="#fff"/>`)
	if fy := f(Y(floorY)); !aerial(p) {
		fmt.Fprintf(&w, `<rect x="8" y="%s" width="%g" height="%g" fill="#f1f3f6"/><line x1="8" y1="%s" x2="%g" y2="%s" stroke="#9aa3ad" stroke-width="2" stroke-linecap="round"/>`,
			fy, width-16, floorY-8, fy, width-8, fy)
	}
	fmt.Fprintf(&w, `<g transform="translate(%s %s) scale(%.3f)">`, f(width/2*(1-k)), f(Y(floorY)*(1-k)), k)
	props(&w, p, start, end, under, false)
	w.WriteString(`<g fill="none" stroke-linecap="round" stroke-linejoin="round">`)
	figure(&w, start, inkStart, inkStartFar, false)
	figure(&w, end, inkEnd, inkEndFar, true)
	w.WriteString(`</g>`)
	props(&w, p, start, end, under, true)
	ground := floorY
	if aerial(p) {
		ground = math.Inf(-1)
	}
	arrow(&w, start, end, ground)
	w.WriteString(`</g></svg>`)
	return w.Bytes()
}

// underBack is how far a towel or back stretcher under the lower back
// raises a body lying on it, so that the prop shows beneath the spine.
func underBack(p Pose) float64 {
	if p.Base == "lying" && (has(p.Props, "towel") || has(p.Props, "back_stretcher")) {
		return 6
	}
	return 0
}

// aerial reports whether p is seen from above: a body lying on its back
// or front with the view turned at least 60 degrees, where a floor line
// would make no sense.
func aerial(p Pose) bool { return p.Base == "lying" && p.Turn >= 60 }

// place poses both frames on the ground, centred in the picture.
func place(p Pose) (start, end body) {
	start, end = pose(p.Start, p.Base, p.Turn), pose(p.End, p.Base, p.Turn)
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
	if p.Anchor == "feet" {
		end = end.moved(pt{start.legs[1].end.x - end.legs[1].end.x, 0})
	}
	minX, maxX := math.Inf(1), math.Inf(-1)
	for _, b := range []body{start, end} {
		for _, q := range b.points() {
			minX, maxX = math.Min(minX, q.x), math.Max(maxX, q.x)
		}
	}
	lift := 0.0
	if p.Base == "lying" && (has(p.Props, "ball") || has(p.Props, "foam_roller")) {
		lift = 10
	}
	low := body.lowest
	switch p.Base {
	case "kneeling", "all_fours":
		low = body.lowestLeg // the knees or the toes on the floor
	case "lying":
		if lift > 0 {
			break // on a prop: the feet and the prop hold the body up
		}
		// The back on the floor, whatever the legs do; in a turned view
		// the far shoulder lies lower than the spine.
		// The spine lies a head's half-height above the floor, the
		// body's thickness, so that both frames share it.
		drop := math.Max(rHead, wShoulder*math.Sin(p.Turn*math.Pi/180)) + underBack(p)
		low = func(b body) float64 { return math.Min(b.lowestTrunk()-drop, b.head.y-rHead) }
	}
	sy, ey := ground-low(start)+lift, ground-low(end)+lift
	if p.Base == "all_fours" {
		ey = math.Max(sy, ey)
	}
	if has(p.Props, "bed") {
		sy, ey = ground+5, ground+5
	}
	if aerial(p) {
		// Seen from above: the floor is all around, so the figures sit
		// in the middle of the picture, their spines on one line.
		minY, maxY := math.Inf(1), math.Inf(-1)
		for _, b := range []body{start, end} {
			for _, q := range b.points() {
				minY, maxY = math.Min(minY, q.y), math.Max(maxY, q.y)
			}
		}
		sy = (height-floorY)/2 + floorY - (minY+maxY)/2
		ey = sy
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

// figure draws one frame: the far limbs behind in ink far, then the
// trunk, neck and head, then the near limbs, in ink; joints marks the
// joints with small white dots.
func figure(w *bytes.Buffer, b body, ink, far string, joints bool) {
	limbs := func(i int, c string) {
		l, a := b.legs[i], b.arms[i]
		fmt.Fprintf(w, `<path stroke="%s" stroke-width="%g" d="M%s L%s L%s L%s M%s L%s L%s"/>`, c, strokeLimb,
			xy(l.root), xy(l.mid), xy(l.end), xy(l.toe), xy(a.root), xy(a.mid), xy(a.end))
	}
	limbs(1, far)
	// The shoulders and hips, when the view shows their width.
	for _, g := range [][2]pt{{b.arms[1].root, b.arms[0].root}, {b.legs[1].root, b.legs[0].root}} {
		if g[1].sub(g[0]).len() > 1 {
			fmt.Fprintf(w, `<path stroke="%s" stroke-width="%g" d="M%s L%s"/>`, ink, strokeTrunk, xy(g[0]), xy(g[1]))
		}
	}
	fmt.Fprintf(w, `<path stroke="%s" stroke-width="%g" d="M%s Q%s %s L%s"/>`, ink, strokeTrunk,
		xy(b.pelvis), xy(b.ctrl), xy(b.shoulder), xy(b.neckTop))
	fmt.Fprintf(w, `<circle cx="%s" cy="%s" r="%g" fill="%s"/>`, f(b.head.x), f(Y(b.head.y)), rHead, ink)
	limbs(0, ink)
	if joints {
		for _, q := range []pt{b.pelvis, b.legs[0].mid, b.arms[0].root, b.arms[0].mid} {
			fmt.Fprintf(w, `<circle cx="%s" cy="%s" r="1.6" fill="#fff"/>`, f(q.x), f(Y(q.y)))
		}
	}
}

// arrow draws a curved arrow beside a point of the figure that moves from
// start to end, bowed away from the body and never under the floor
// (ground) nor across a head: the point that moves most, or the next
// when its arrow would cross a head. It draws none when nothing moves
// much.
func arrow(w *bytes.Buffer, start, end body, ground float64) {
	type track struct {
		a, b pt
		far  float64
	}
	var tracks []track
	add := func(a, b pt) {
		if d := b.sub(a).len(); d >= 10 {
			tracks = append(tracks, track{a, b, d})
		}
	}
	for i := range 2 {
		add(start.legs[i].mid, end.legs[i].mid)
		add(start.legs[i].end, end.legs[i].end)
		add(start.arms[i].end, end.arms[i].end)
	}
	add(start.head, end.head)
	add(start.pelvis, end.pelvis)
	add(start.shoulder, end.shoulder)
	if len(tracks) == 0 {
		return
	}
	sort.SliceStable(tracks, func(i, j int) bool { return tracks[i].far > tracks[j].far+1 })
	// Away from the end frame's middle, so that the arrow runs beside
	// the limb rather than over it.
	var c pt
	ps := end.points()
	for _, q := range ps {
		c = c.add(q)
	}
	c = c.scale(1 / float64(len(ps)))
	type plan struct{ a, e, ctl pt }
	planFor := func(t track) (plan, bool) {
		mid := lerp(t.a, t.b, 0.5)
		d := t.b.sub(t.a).scale(1 / t.far)
		n := pt{-d.y, d.x}
		if n.x*(mid.x-c.x)+n.y*(mid.y-c.y) < 0 {
			n = n.scale(-1)
		}
		const gap, minArrow = 11.0, 26.0
		// At least minArrow long, about the middle of the motion.
		from, to := t.a.add(d.scale(4)), t.b.sub(d.scale(7))
		if l := t.far - 11; l < minArrow {
			from, to = from.sub(d.scale((minArrow-l)/2)), to.add(d.scale((minArrow-l)/2))
		}
		ends := func(n pt) plan {
			a, e := from.add(n.scale(gap)), to.add(n.scale(gap))
			return plan{a, e, lerp(a, e, 0.5).add(n.scale(math.Min(18, t.far*0.25)))}
		}
		at := func(p plan, u float64) pt { return lerp(lerp(p.a, p.ctl, u), lerp(p.ctl, p.e, u), u) }
		clear := func(p plan) bool {
			for k := 0; k <= 10; k++ {
				q := at(p, float64(k)/10)
				if q.y < ground+3 || q.sub(end.head).len() < rHead+2 || q.sub(start.head).len() < rHead+2 {
					return false
				}
			}
			return true
		}
		for _, p := range []plan{ends(n), ends(n.scale(-1))} {
			if clear(p) {
				return p, true
			}
		}
		return ends(n), false
	}
	var p plan
	for i, t := range tracks {
		q, ok := planFor(t)
		if i == 0 {
			p = q
		}
		if ok {
			p = q
			break
		}
	}
	// The head along the curve's last tangent.
	tan := p.e.sub(p.ctl)
	if l := tan.len(); l > 0 {
		tan = tan.scale(1 / l)
	}
	nrm := pt{-tan.y, tan.x}
	tip := p.e.add(tan.scale(6))
	l, r := p.e.add(nrm.scale(5)), p.e.sub(nrm.scale(5))
	fmt.Fprintf(w, `<path d="M%s Q%s %s" fill="none" stroke="%s" stroke-width="2.5" stroke-linecap="round"/><path d="M%s L%s L%s Z" fill="%s"/>`,
		xy(p.a), xy(p.ctl), xy(p.e), inkArrow, xy(tip), xy(l), xy(r), inkArrow)
}

// worn are the props drawn over the figure rather than behind it.
var worn = []string{"belt", "band"}

// props draws p's props: those behind the figure, or with over the worn
// ones, which go on top.
func props(w *bytes.Buffer, p Pose, start, b body, under float64, over bool) {
	const st = `fill="#e9dfcc" stroke="#8a7350" stroke-width="2" stroke-linejoin="round"`
	lx, hx := math.Min(b.head.x, math.Min(b.toe().x, b.pelvis.x))-10, math.Max(b.head.x, math.Max(b.toe().x, b.pelvis.x))+10
	for _, pr := range p.Props {
		if contains(worn, pr) != over {
			continue
		}
		switch pr {
		case "mat":
			if aerial(p) {
				// The whole mat, under both frames.
				lo, hi := pt{math.Inf(1), math.Inf(1)}, pt{math.Inf(-1), math.Inf(-1)}
				for _, bb := range []body{start, b} {
					for _, q := range bb.points() {
						lo, hi = pt{math.Min(lo.x, q.x), math.Min(lo.y, q.y)}, pt{math.Max(hi.x, q.x), math.Max(hi.y, q.y)}
					}
				}
				fmt.Fprintf(w, `<rect x="%s" y="%s" width="%s" height="%s" rx="6" fill="#dcebe1" stroke="#a9cdb5" stroke-width="2"/>`,
					f(lo.x-12), f(Y(hi.y+12)), f(hi.x-lo.x+24), f(hi.y-lo.y+24))
				continue
			}
			fmt.Fprintf(w, `<rect x="%s" y="%s" width="%s" height="5" rx="2" fill="#a9cdb5"/>`, f(lx), f(Y(floorY)-3), f(hx-lx))
		case "bed", "table":
			top := floorY + bedHeight
			x0 := b.pelvis.x - 80
			if pr == "bed" && p.Base == "lying" && b.tilt > 45 {
				x0 = b.shoulder.x - 2 // head and shoulders past the end
				if b.shoulder.x > b.pelvis.x {
					x0 = b.pelvis.x - 90
					fmt.Fprintf(w, `<rect x="%s" y="%s" width="%s" height="%g" rx="3" %s/>`, f(x0), f(Y(top)), f(b.pelvis.x+20-x0), bedHeight, st)
					continue
				}
			}
			if pr == "table" && p.Base != "lying" {
				fmt.Fprintf(w, `<rect x="%s" y="%s" width="60" height="6" rx="2" %s/><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#8a7350" stroke-width="3"/>`,
					f(b.pelvis.x+25), f(Y(b.pelvis.y+8)), st, f(b.pelvis.x+55), f(Y(b.pelvis.y+2)), f(b.pelvis.x+55), f(Y(floorY)))
				continue
			}
			fmt.Fprintf(w, `<rect x="%s" y="%s" width="%s" height="%g" rx="3" %s/>`, f(x0), f(Y(top)), f(math.Max(b.pelvis.x, b.head.x)+20-x0), bedHeight, st)
		case "desk":
			fmt.Fprintf(w, `<rect x="%s" y="%s" width="50" height="6" rx="2" %s/><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#8a7350" stroke-width="3"/>`,
				f(b.hand().x-10), f(Y(b.hand().y)), st, f(b.hand().x+15), f(Y(b.hand().y)), f(b.hand().x+15), f(Y(floorY)))
		case "chair", "sofa":
			seat := start.pelvis.y - 4
			fmt.Fprintf(w, `<path d="M%s,%s H%s V%s M%s,%s V%s" fill="none" stroke="#8a7350" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/>`,
				f(start.pelvis.x-30), f(Y(seat)), f(start.pelvis.x+14), f(Y(floorY)), f(start.pelvis.x-30), f(Y(floorY)), f(Y(seat+40)))
		case "wall":
			x := math.Min(b.pelvis.x, b.shoulder.x) - 12
			fmt.Fprintf(w, `<rect x="%s" y="10" width="8" height="%s" fill="#e9dfcc" stroke="#8a7350" stroke-width="2"/>`, f(x-8), f(Y(floorY)-10))
		case "towel", "back_stretcher", "pillow", "heat_pad":
			// Between the back and the floor, which lies a head's
			// half-height below the spine.
			c := b.spineAt(under).add(b.backNormal().scale(rHead + underBack(p) - 6))
			if pr == "heat_pad" {
				c = b.spineAt(under).add(b.backNormal().scale(7))
			}
			if pr == "pillow" {
				c = b.spineAt(0.2).add(dir(b.tilt + 90).scale(3))
			}
			switch pr {
			case "back_stretcher":
				// An arched board under the lower back, on its feet.
				n, t := b.backNormal(), dir(b.tilt).scale(18)
				sp := b.spineAt(under)
				base, apex := sp.add(n.scale(rHead+underBack(p))), sp.add(n.scale(1))
				ctl := apex.scale(2).sub(base)
				fmt.Fprintf(w, `<path d="M%s Q%s %s Z" %s/>`, xy(base.sub(t)), xy(ctl), xy(base.add(t)), st)
			case "towel":
				// A rolled towel, seen end on.
				fmt.Fprintf(w, `<circle cx="%s" cy="%s" r="6" %s/><circle cx="%s" cy="%s" r="2.5" fill="none" stroke="#8a7350" stroke-width="1.5"/>`,
					f(c.x), f(Y(c.y)), st, f(c.x), f(Y(c.y)))
			default:
				fmt.Fprintf(w, `<ellipse cx="%s" cy="%s" rx="12" ry="6" %s/>`, f(c.x), f(Y(c.y)), st)
			}
		case "ball":
			c := b.spineAt(under).add(b.backNormal().scale(8))
			fmt.Fprintf(w, `<circle cx="%s" cy="%s" r="7" fill="#e07a5f" stroke="#8a3b26" stroke-width="2"/>`, f(c.x), f(Y(c.y)))
		case "foam_roller":
			c := b.spineAt(under).add(b.backNormal().scale(11))
			if p.Base == "sitting" {
				c = b.pelvis.add(pt{0, -11})
			}
			fmt.Fprintf(w, `<circle cx="%s" cy="%s" r="10" %s/><circle cx="%s" cy="%s" r="3" fill="none" stroke="#8a7350" stroke-width="1.5"/>`, f(c.x), f(Y(c.y)), st, f(c.x), f(Y(c.y)))
		case "band":
			c := lerp(b.knee(), b.legs[1].mid, 0.5)
			fmt.Fprintf(w, `<ellipse cx="%s" cy="%s" rx="5" ry="9" fill="none" stroke="#e07a5f" stroke-width="3"/>`, f(c.x), f(Y(c.y)))
		case "belt":
			// A band across the waist, wider than the trunk's line.
			c, n := b.spineAt(0.22), dir(b.tilt+90).scale(9)
			p, q := c.sub(n), c.add(n)
			fmt.Fprintf(w, `<path d="M%s L%s" stroke="#8a7350" stroke-width="11"/><path d="M%s L%s" stroke="#e9dfcc" stroke-width="3"/>`, xy(p), xy(q), xy(p), xy(q))
		case "inversion_table":
			a, z := b.spineAt(-0.2), b.ankle()
			fmt.Fprintf(w, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#8a7350" stroke-width="5" stroke-linecap="round"/><path d="M%s,%s L%s,%s L%s,%s" fill="none" stroke="#8a7350" stroke-width="3" stroke-linejoin="round"/>`,
				f(a.x), f(Y(a.y)), f(z.x), f(Y(z.y)), f(b.pelvis.x-30), f(Y(floorY)), f(b.pelvis.x), f(Y(b.pelvis.y)), f(b.pelvis.x+30), f(Y(floorY)))
		}
	}
}
