package figure

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Spine is a shape of the back a pose may declare (its spine key) or
// take from its movement's tags: the trunk angles its frames may draw and
// the tags the movement must carry (exactly those of FlexionTag and
// ExtensionTag).
type Spine struct {
	// Name is the value of the pose's spine key.
	Name string
	// Min and Max bound every frame's trunk angle.
	Min, Max float64
	// Tags are the movement's tags this shape goes with, of FlexionTag
	// and ExtensionTag.
	Tags []string
	// Doc says what the shape means.
	Doc string
}

// The tags of the rule files that say a movement bends the lower back:
// the shape of the back a pose may draw follows from them.
const (
	FlexionTag   = "lumbar_flexion"
	ExtensionTag = "lumbar_extension"
)

// Spines are the shapes of the back. A pose that declares none gets the
// one whose Tags are the movement's tags among FlexionTag and
// ExtensionTag, other than flat: neutral for a movement with neither.
var Spines = []Spine{
	{"flat", -5, 5, nil, "the back stays flat in every frame (the how says so): the trunk bends at most 5 degrees either way"},
	{"neutral", -10, 10, nil, "the back keeps its natural curve: the trunk bends at most 10 degrees either way; the default for a movement tagged neither " + FlexionTag + " nor " + ExtensionTag},
	{"rounds", -10, 80, []string{FlexionTag}, "the back may round forward, and arch no more than 10 degrees; needs the tag " + FlexionTag},
	{"arches", -40, 10, []string{ExtensionTag}, "the back may arch, and round no more than 10 degrees; needs the tag " + ExtensionTag},
	{"moves", -40, 80, []string{FlexionTag, ExtensionTag}, "the back may round and arch; needs both tags"},
}

// SpineNames are the names of Spines, in order.
func SpineNames() []string {
	out := make([]string, len(Spines))
	for i, s := range Spines {
		out[i] = s.Name
	}
	return out
}

// The tags of the rule files that say which way the body faces: a pose
// for a movement with one must draw the body lying that way (Facings).
const (
	FaceDownTag = "lying_face_down"
	OnBackTag   = "lying_on_back"
	// ProlongedOnBackTag is a movement held lying on the back for
	// minutes at a time: on the back, as OnBackTag.
	ProlongedOnBackTag = "prolonged_lying_on_back"
)

// Facing is a way of lying that a movement's tags ask its picture to
// show: the base the pose must have and the tilt every frame must keep.
type Facing struct {
	// Name says which way the body faces, for messages.
	Name string
	// Tags are the movement's tags that ask for this facing; any one
	// does.
	Tags []string
	// Base is the pose's base it needs.
	Base string
	// MinTilt and MaxTilt bound each frame's tilt (inclusive).
	MinTilt, MaxTilt float64
}

// Facings are the ways of lying the tags ask for: face down is a tilt
// of 90 give or take 45 (a prone back extension, or a bed decompression
// easing off the bed's end at 80), on the back -90 give or take 45 (a
// glute bridge's raised end frame is -120).
var Facings = []Facing{
	{"face down", []string{FaceDownTag}, "lying", 45, 135},
	{"on the back", []string{OnBackTag, ProlongedOnBackTag}, "lying", -135, -45},
}

// NoProp is the prop of a piece of equipment the pictures do not draw:
// an equipment entry of the rule files' vocabulary that says prop: none,
// with its reason in a comment. Every other entry names one of Props, and a
// movement that uses the equipment must draw that prop (see Undrawn).
const NoProp = "none"

// Uses is a piece of equipment a movement uses: its id in the rule files
// and the prop that draws it, one of Props or NoProp, as the equipment's
// vocabulary entry declares it.
type Uses struct {
	Equipment, Prop string
}

// Undrawn reports each piece of equipment of uses that p does not draw:
// one whose prop is not NoProp and not among p's props. Each problem is
// one string.
func Undrawn(p Pose, uses []Uses) []string {
	var out []string
	for _, u := range uses {
		if u.Prop != NoProp && !slices.Contains(p.Props, u.Prop) {
			out = append(out, fmt.Sprintf("the movement uses %s, but the pose does not draw the prop %s", u.Equipment, u.Prop))
		}
	}
	return out
}

// SpineFor returns the shape of the back p may draw for a movement with
// tags: the one p declares, or the one the tags give. It reports an error
// when p declares a shape that is unknown or disagrees with the tags.
func SpineFor(p Pose, tags []string) (Spine, error) {
	var bent []string
	for _, t := range []string{FlexionTag, ExtensionTag} {
		if slices.Contains(tags, t) {
			bent = append(bent, t)
		}
	}
	if p.Spine == "" {
		for _, s := range Spines[1:] {
			if slices.Equal(s.Tags, bent) {
				return s, nil
			}
		}
	}
	for _, s := range Spines {
		if s.Name != p.Spine {
			continue
		}
		if !slices.Equal(s.Tags, bent) {
			return s, fmt.Errorf("the pose's spine %q disagrees with the movement's tags: it goes with %s, and the movement has %s",
				s.Name, tagList(s.Tags), tagList(bent))
		}
		return s, nil
	}
	return Spine{}, fmt.Errorf("unknown spine %q (allowed: %s)", p.Spine, strings.Join(SpineNames(), ", "))
}

func tagList(ts []string) string {
	if len(ts) == 0 {
		return "neither " + FlexionTag + " nor " + ExtensionTag
	}
	return strings.Join(ts, " and ")
}

// Check reports what in p a reader could take for an unsafe or wrong
// picture of a movement with tags: a frame whose trunk bends beyond what
// the shape of the back (SpineFor) allows, such as a rounded back for a
// movement the rules keep flat; and a body that does not lie the way the
// movement's tags say it faces (Facings), such as a movement tagged
// lying_face_down drawn on its back or standing. Each problem is one
// string. The equipment a picture must draw depends on the vocabulary,
// which may be in another file: Undrawn checks it.
func Check(p Pose, tags []string) []string {
	var out []string
	s, err := SpineFor(p, tags)
	if err != nil {
		out = append(out, err.Error())
	}
	if err == nil || s.Name != "" {
		from := "the movement's tags give"
		if p.Spine != "" {
			from = "the pose declares"
		}
		for _, fr := range []struct {
			name string
			f    Frame
		}{{"start", p.Start}, {"end", p.End}} {
			if tr := fr.f["trunk"]; tr < s.Min || tr > s.Max {
				shape := "rounds"
				if tr < 0 {
					shape = "arches"
				}
				out = append(out, fmt.Sprintf("the %s frame %s the back (trunk %g), but %s spine %s (trunk %g to %g)", fr.name, shape, tr, from, s.Name, s.Min, s.Max))
			}
		}
	}
	return append(out, checkFacing(p, tags)...)
}

// checkFacing reports where p does not lie the way tags say the movement
// faces: a base other than the facing's, and each frame whose tilt is
// outside its range; and, for a movement with no facing tag, a frame drawn
// lying face down or on the back (the first such frame), which needs the
// tag that says so.
func checkFacing(p Pose, tags []string) []string {
	var out []string
	faces := slices.ContainsFunc(Facings, func(f Facing) bool {
		return slices.ContainsFunc(f.Tags, func(t string) bool { return slices.Contains(tags, t) })
	})
	for _, f := range Facings {
		var by []string
		for _, t := range f.Tags {
			if slices.Contains(tags, t) {
				by = append(by, t)
			}
		}
		if len(by) == 0 {
			// Drawn lying this way, it must say so: a rule that keeps
			// people from lying this way (later pregnancy, say) selects
			// movements by these tags.
			if !faces && p.Base == f.Base {
				for _, fr := range []struct {
					name string
					f    Frame
				}{{"start", p.Start}, {"end", p.End}} {
					if t := fr.f["tilt"]; t >= f.MinTilt && t <= f.MaxTilt {
						out = append(out, fmt.Sprintf("the %s frame is drawn lying %s (tilt %g), but the movement is not tagged %s",
							fr.name, f.Name, t, strings.Join(f.Tags, " or ")))
						break
					}
				}
			}
			continue
		}
		tagged := "the movement is tagged " + strings.Join(by, " and ")
		if p.Base != f.Base {
			out = append(out, fmt.Sprintf("%s, but the pose's base is %q, not %q", tagged, p.Base, f.Base))
		}
		for _, fr := range []struct {
			name string
			f    Frame
		}{{"start", p.Start}, {"end", p.End}} {
			if t := fr.f["tilt"]; t < f.MinTilt || t > f.MaxTilt {
				out = append(out, fmt.Sprintf("the %s frame is drawn %s (tilt %g), but %s: every frame must be %s (tilt %g to %g)",
					fr.name, facing(t), t, tagged, f.Name, f.MinTilt, f.MaxTilt))
			}
		}
	}
	return out
}

// facing says which way a body at tilt faces, in the words of Joints'
// tilt: upright, face down, on the back or head down.
func facing(tilt float64) string {
	switch {
	case math.Abs(tilt) < 45:
		return "upright"
	case tilt >= 45 && tilt <= 135:
		return "face down"
	case tilt >= -135 && tilt <= -45:
		return "on the back"
	default:
		return "head down"
	}
}
