package recommend

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// scribble overwrites every string, number and bool reachable from v
// through slices, pointers and struct fields, and appends to every slice,
// as a careless caller might.
func scribble(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			scribble(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				scribble(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			scribble(v.Index(i))
		}
		if v.CanSet() && v.Len() > 0 {
			v.Set(reflect.Append(v, v.Index(0)))
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString("scribbled")
		}
	case reflect.Int:
		if v.CanSet() {
			v.SetInt(-1)
		}
	case reflect.Bool:
		if v.CanSet() {
			v.SetBool(!v.Bool())
		}
	}
}

// TestResultsShareNothing checks that changing every list of one Result
// leaves another Result of the same profile, and later ones, unchanged:
// the build stage cuts lists from per-call slabs and must never share
// them, or the engine's own tables, with a caller.
func TestResultsShareNothing(t *testing.T) {
	eng, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, bp := range benchProfiles {
		t.Run(bp.name, func(t *testing.T) {
			first, err := eng.Recommend(ctx, bp.p)
			if err != nil {
				t.Fatal(err)
			}
			second, err := eng.Recommend(ctx, bp.p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(second)
			if err != nil {
				t.Fatal(err)
			}
			scribble(reflect.ValueOf(first))
			got, err := json.Marshal(second)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("another Result changed (-want +got):\n%s", diff)
			}
			third, err := eng.Recommend(ctx, bp.p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(second, third, resultCmp); diff != "" {
				t.Errorf("a later Result differs (-want +got):\n%s", diff)
			}
			if cmp.Equal(first, second, resultCmp) {
				t.Error("scribble changed nothing: the test proves nothing")
			}
		})
	}
}

// TestLaterCallsLeaveResultsAlone checks that a Result stays as it was
// while the engine serves other profiles, one after another and at the
// same time: Recommend reuses its working memory between calls, and no
// Result may point into it.
func TestLaterCallsLeaveResultsAlone(t *testing.T) {
	eng, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	kept := make([]*Result, len(benchProfiles))
	want := make([]string, len(benchProfiles))
	for i, bp := range benchProfiles {
		if kept[i], err = eng.Recommend(ctx, bp.p); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(kept[i])
		if err != nil {
			t.Fatal(err)
		}
		want[i] = string(b)
	}
	done := make(chan error, 4)
	for g := range 4 {
		go func() {
			for n := range 50 {
				if _, err := eng.Recommend(ctx, benchProfiles[(g+n)%len(benchProfiles)].p); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for i, bp := range benchProfiles {
		got, err := json.Marshal(kept[i])
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want[i], string(got)); diff != "" {
			t.Errorf("%s: the Result changed after later calls (-want +got):\n%s", bp.name, diff)
		}
	}
}

// resultCmp lets go-cmp compare whole Results, their trace included.
var resultCmp = cmp.AllowUnexported(Citation{}, Result{}, ruleTrace{}, traceRules{})
