package cdshooks

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/backrules/backrules/recommend"
)

// TestInvalidProfileNotAdvised checks that a profile the engine refuses,
// which only a mistake of the mapping can give (MapRequest reads no age
// over recommend.MaxAge), is answered with a 500 and no cards, although
// Recommend gives its referrals in a *recommend.PartialError, on both
// ways the service asks for advice: whole (advise) and the referrals only
// (referralsOnly, for Conditions not all read). The log names the field
// at fault, never its value, which is the patient's.
func TestInvalidProfileNotAdvised(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	const age = 977 // a value the log must not hold
	p := recommend.Profile{Age: age, RedFlags: []string{"known_serious_spinal_condition"}}
	if _, err := eng.Recommend(context.Background(), p); !errors.Is(err, recommend.ErrInvalidProfile) ||
		!errors.As(err, new(*recommend.PartialError)) {
		t.Fatalf("Recommend = %v; want a *PartialError around a *ProfileError, which this test is about", err)
	}
	var logs bytes.Buffer
	// Without its time, whose digits could hold the value by chance
	// (".977Z").
	noTime := &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			return slog.Attr{}
		}
		return a
	}}
	s := NewService(func() *recommend.Engine { return eng }, WithLogger(slog.New(slog.NewTextHandler(&logs, noTime))))

	t.Run("advise", func(t *testing.T) {
		logs.Reset()
		rec := httptest.NewRecorder()
		var ev Event
		req := httptest.NewRequest(http.MethodPost, "/cds-services/backrules", nil)
		ctx, cancel := s.rulesContext(req)
		defer cancel()
		res, ok := s.advise(ctx, rec, req, eng, &Mapping{Profile: p}, &ev)
		if ok || res != nil {
			t.Fatalf("advise = %v, %v; want no Result", res, ok)
		}
		if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "cards") {
			t.Errorf("answer %d %s; want a 500 without cards", rec.Code, rec.Body)
		}
		checkLog(t, logs.String(), age)
	})
	t.Run("referralsOnly", func(t *testing.T) {
		logs.Reset()
		res, err := referralsOnly(context.Background(), eng, p, errors.New("status 500"))
		if res != nil || !errors.Is(err, recommend.ErrInvalidProfile) {
			t.Fatalf("referralsOnly = %v, %v; want no Result and the invalid profile", res, err)
		}
		s.logError(context.Background(), err)
		checkLog(t, logs.String(), age)
	})
}

// checkLog fails t when log, one call's, does not name the age field or
// holds its value.
func checkLog(t *testing.T, log string, age int) {
	t.Helper()
	if !strings.Contains(log, "the profile mapped from the request is invalid") || !strings.Contains(log, "age") {
		t.Errorf("log %q does not say the profile's age was invalid", log)
	}
	if strings.Contains(log, strconv.Itoa(age)) {
		t.Errorf("log %q holds the profile's value", log)
	}
}

// TestRulesContextBoundsTheCall checks that the rules of a call run under
// one deadline, the service's timeout from the start of the call, so that
// a call that runs them twice (a birth date that gives two ages) takes no
// longer than the timeout in all; without a timeout, under none.
func TestRulesContextBoundsTheCall(t *testing.T) {
	req := httptest.NewRequest(http.MethodPost, "/cds-services/backrules", nil)
	s := NewService(func() *recommend.Engine { return nil }, WithTimeout(time.Hour))
	before := time.Now()
	ctx, cancel := s.rulesContext(req)
	defer cancel()
	deadline, ok := ctx.Deadline()
	if !ok || deadline.Before(before.Add(time.Hour)) || deadline.After(time.Now().Add(time.Hour)) {
		t.Errorf("deadline %v (set %v); want the timeout from the start of the call", deadline, ok)
	}
	none, cancelNone := NewService(func() *recommend.Engine { return nil }, WithTimeout(0)).rulesContext(req)
	defer cancelNone()
	if _, has := none.Deadline(); has {
		t.Error("without a timeout, the rules context has a deadline")
	}
}
