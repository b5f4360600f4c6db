package recommend

import (
	"errors"
	"fmt"

	"github.com/backrules/backrules/internal/figure"
)

// ErrNoPicture is returned by [Engine.MovementSVG] for a movement the rule
// set does not declare (the error matches [ErrUnknownMovement] too). Every movement an Engine declares has a picture:
// [Load] refuses a movement without a pose.
var ErrNoPicture = errors.New("no picture")

// MovementSVG returns the picture of the movement id: a line figure
// (usually seen from the side) drawn from the movement's pose in the rule
// files, the start position faded, the end position solid and an arrow
// for the motion, titled with the movement's
// name and described (the alt text) by its how. The SVG is a few
// kilobytes, has no scripts and no external references, and is the same
// for the same rule set, so it can be cached for long:
//
//	svg, err := engine.MovementSVG("glute_bridge")
//	if errors.Is(err, recommend.ErrNoPicture) { ... }
//
// [Engine.MovementAlt] gives the same alt text for an <img>.
func (e *Engine) MovementSVG(id string) ([]byte, error) {
	m, err := e.pictured(id)
	if err != nil {
		return nil, err
	}
	return figure.SVG(*m.pose, m.name, m.how), nil
}

// MovementAlt returns the alt text of the movement's picture: its how.
// It is "" when [Engine.MovementSVG] has no picture for id.
func (e *Engine) MovementAlt(id string) string {
	m, err := e.pictured(id)
	if err != nil {
		return ""
	}
	return m.how
}

func (e *Engine) pictured(id string) (*movement, error) {
	if e == nil {
		return nil, fmt.Errorf("movement %q: %w", id, ErrNoPicture)
	}
	for i := range e.movements {
		m := &e.movements[i]
		if m.id == id {
			if m.pose == nil {
				// Load refuses a movement without a pose: this only
				// keeps MovementSVG from drawing a nil one.
				return nil, fmt.Errorf("movement %q has no pose: %w", id, ErrNoPicture)
			}
			return m, nil
		}
	}
	return nil, fmt.Errorf("%w %q: %w", ErrUnknownMovement, id, ErrNoPicture)
}
