package figure

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCheck checks what Check finds wrong with a picture of a movement:
// a back bent beyond what the tags allow, and a body not lying the way the
// tags say it faces.
func TestCheck(t *testing.T) {
	// The default rules' poses of a prone back extension, a towel
	// decompression and a glute bridge.
	prone := Pose{Base: "lying", Props: []string{"mat", "pillow"}, Start: Frame{"tilt": 90}, End: Frame{"tilt": 90, "trunk": -15, "shoulder": -15}}
	onBack := Pose{Base: "lying", Props: []string{"mat", "towel"}, Start: Frame{"tilt": -90, "hip": 50, "knee": 100}, End: Frame{"tilt": -90, "trunk": -8}}
	bridge := Pose{Spine: "flat", Base: "lying", Props: []string{"mat"}, Start: Frame{"tilt": -90, "hip": 50, "knee": 100}, End: Frame{"tilt": -120, "hip": 0, "knee": 110}}
	// with returns a pose with p's props and spine on base, whose
	// frames only tilt the body: by start, then by end.
	with := func(p Pose, base string, start, end float64) Pose {
		return Pose{Base: base, Props: p.Props, Spine: p.Spine, Start: Frame{"tilt": start}, End: Frame{"tilt": end}}
	}
	faceDown := []string{"lumbar_extension", FaceDownTag}
	supine := []string{"lumbar_extension", OnBackTag, ProlongedOnBackTag}
	tests := []struct {
		name string
		p    Pose
		tags []string
		want []string
	}{
		{"no facing tag, drawn on its back", onBack, []string{"lumbar_extension"}, []string{
			"the start frame is drawn lying on the back (tilt -90), but the movement is not tagged lying_on_back or prolonged_lying_on_back",
		}},
		{"no facing tag, drawn face down", prone, []string{"lumbar_extension"}, []string{
			"the start frame is drawn lying face down (tilt 90), but the movement is not tagged lying_face_down",
		}},
		{"face down, drawn face down", prone, faceDown, nil},
		{"face down, easing off the end of a bed", with(prone, "lying", 90, 80), faceDown, nil},
		{"face down at the edges of the range", with(prone, "lying", 45, 135), faceDown, nil},
		{"face down, drawn on its back", with(prone, "lying", -90, -90), faceDown, []string{
			"the start frame is drawn on the back (tilt -90), but the movement is tagged lying_face_down: every frame must be face down (tilt 45 to 135)",
			"the end frame is drawn on the back (tilt -90), but the movement is tagged lying_face_down: every frame must be face down (tilt 45 to 135)",
		}},
		{"face down, drawn standing", with(prone, "standing", 0, 0), faceDown, []string{
			`the movement is tagged lying_face_down, but the pose's base is "standing", not "lying"`,
			"the start frame is drawn upright (tilt 0), but the movement is tagged lying_face_down: every frame must be face down (tilt 45 to 135)",
			"the end frame is drawn upright (tilt 0), but the movement is tagged lying_face_down: every frame must be face down (tilt 45 to 135)",
		}},
		{"face down, kneeling on all fours", with(prone, "all_fours", 80, 80), faceDown, []string{
			`the movement is tagged lying_face_down, but the pose's base is "all_fours", not "lying"`,
		}},
		{"face down, the end frame just short of lying", with(prone, "lying", 90, 44), faceDown, []string{
			"the end frame is drawn upright (tilt 44), but the movement is tagged lying_face_down: every frame must be face down (tilt 45 to 135)",
		}},
		{"face down, head down", with(prone, "lying", 90, 136), faceDown, []string{
			"the end frame is drawn head down (tilt 136), but the movement is tagged lying_face_down: every frame must be face down (tilt 45 to 135)",
		}},
		{"on the back, drawn on the back", onBack, supine, nil},
		{"on the back, a bridge's raised end frame", bridge, []string{"glutes", OnBackTag}, nil},
		{"on the back at the edges of the range", with(onBack, "lying", -135, -45), supine, nil},
		{"on the back, drawn face down", with(onBack, "lying", 90, 90), []string{OnBackTag}, []string{
			"the start frame is drawn face down (tilt 90), but the movement is tagged lying_on_back: every frame must be on the back (tilt -135 to -45)",
			"the end frame is drawn face down (tilt 90), but the movement is tagged lying_on_back: every frame must be on the back (tilt -135 to -45)",
		}},
		{"held on the back, drawn on its side", with(onBack, "side_lying", -90, -90), []string{ProlongedOnBackTag}, []string{
			`the movement is tagged prolonged_lying_on_back, but the pose's base is "side_lying", not "lying"`,
		}},
		{"both tags for the back, one problem each", with(onBack, "lying", -90, -30), supine, []string{
			"the end frame is drawn upright (tilt -30), but the movement is tagged lying_on_back and prolonged_lying_on_back: every frame must be on the back (tilt -135 to -45)",
		}},
		{"no tag for a way of lying, drawn face down", with(prone, "standing", 90, 90), nil, nil},
		{"tagged both ways", with(prone, "lying", 90, 90), []string{FaceDownTag, OnBackTag}, []string{
			"the start frame is drawn face down (tilt 90), but the movement is tagged lying_on_back: every frame must be on the back (tilt -135 to -45)",
			"the end frame is drawn face down (tilt 90), but the movement is tagged lying_on_back: every frame must be on the back (tilt -135 to -45)",
		}},
		{"a rounded back the tags do not allow", Pose{Base: "all_fours", Start: Frame{"tilt": 80}, End: Frame{"tilt": 80, "trunk": 30}}, []string{"core"}, []string{
			"the end frame rounds the back (trunk 30), but the movement's tags give spine neutral (trunk -10 to 10)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Check(tt.p, tt.tags)); diff != "" {
				t.Errorf("Check (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUndrawn checks that Undrawn reports each piece of equipment whose
// prop a pose does not draw, by the prop the vocabulary gives it, and
// none whose prop is NoProp.
func TestUndrawn(t *testing.T) {
	p := Pose{Base: "lying", Props: []string{"mat", "towel"}, Start: Frame{"tilt": -90}, End: Frame{"tilt": -90}}
	tests := []struct {
		name string
		uses []Uses
		want []string
	}{
		{"nothing used", nil, nil},
		{"drawn under its own name", []Uses{{"towel", "towel"}}, nil},
		{"drawn under another name", []Uses{{"exercise_mat", "mat"}}, nil},
		{"not drawn", []Uses{{"exercise_mat", "mat"}, {"resistance_band", "band"}, {"bed", "bed"}}, []string{
			"the movement uses resistance_band, but the pose does not draw the prop band",
			"the movement uses bed, but the pose does not draw the prop bed",
		}},
		{"not drawn on purpose", []Uses{{"kettlebell", NoProp}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Undrawn(p, tt.uses)); diff != "" {
				t.Errorf("Undrawn (-want +got):\n%s", diff)
			}
		})
	}
}
