package enginelog_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/backrules/backrules/internal/enginelog"
	"github.com/backrules/backrules/recommend"
)

func TestLog(t *testing.T) {
	eval := &recommend.EvalError{Rule: "r1", File: "f.yaml", Line: 7, Err: errors.New("division by zero")}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"rule", eval, `level=ERROR msg="web: rule failed to evaluate" rule=r1 file=f.yaml line=7`},
		{"rule, partial", &recommend.PartialError{Err: eval}, `level=ERROR msg="web: rule failed to evaluate: showed the referrals only" rule=r1 file=f.yaml line=7`},
		{"deadline, partial", &recommend.PartialError{Err: fmt.Errorf("recommend: %w", context.DeadlineExceeded)}, `level=WARN msg="web: the request ran out of time: showed the referrals only"`},
		{"cancelled", context.Canceled, `level=WARN msg="web: the request ran out of time"`},
		{"other", errors.New("boom"), `level=ERROR msg="web: recommend failed" error=boom`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			l := slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			}}))
			enginelog.Log(context.Background(), l, "web", ": showed the referrals only", tt.err)
			if got := strings.TrimSpace(b.String()); got != tt.want {
				t.Errorf("log = %s, want %s", got, tt.want)
			}
		})
	}
}
