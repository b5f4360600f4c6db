// Package enginelog logs the errors of recommend's engine the same way on
// every channel that answers people: a rule that failed to evaluate with
// its id, file and line, a request that ran out of time as a warning, and
// anything else with its text, which never holds the profile.
package enginelog

import (
	"context"
	"errors"
	"log/slog"

	"github.com/backrules/backrules/recommend"
)

// Log logs err on l, its messages led by who ("web", "cdshooks"). When err
// is a *recommend.PartialError, partial, such as ": showed the referrals
// only", ends each message.
func Log(ctx context.Context, l *slog.Logger, who, partial string, err error) {
	if !errors.As(err, new(*recommend.PartialError)) {
		partial = ""
	}
	var ee *recommend.EvalError
	switch {
	case errors.As(err, &ee):
		l.LogAttrs(ctx, slog.LevelError, who+": rule failed to evaluate"+partial,
			slog.String("rule", ee.Rule), slog.String("file", ee.File), slog.Int("line", ee.Line))
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		l.LogAttrs(ctx, slog.LevelWarn, who+": the request ran out of time"+partial)
	default:
		l.LogAttrs(ctx, slog.LevelError, who+": recommend failed"+partial, slog.String("error", err.Error()))
	}
}
