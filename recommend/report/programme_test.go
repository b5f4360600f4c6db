package report_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

func TestThisWeek(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	p := recommend.Profile{CheckIns: []recommend.CheckIn{
		{Day: 0, PainLevel: 6, Done: []recommend.Done{{Movement: "glute_bridge", Sessions: 3, Response: "same"}, {Movement: "walking", Sessions: 0, Response: "same"}}},
		{Day: 7, PainLevel: 4, Done: []recommend.Done{{Movement: "glute_bridge", Sessions: 3, Response: "easier"}, {Movement: "walking", Sessions: 0, Response: "same"}}},
	}}
	res, err := eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	var text, md bytes.Buffer
	if err := report.WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteMarkdown(&md, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"THIS WEEK", "Week 2. Pain ▅▃ from 6 to 4", "50% of the movements", "Glute bridge: up a level (level 3)."} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
	if !strings.Contains(md.String(), "▅▃") {
		t.Errorf("Markdown report lacks the sparkline:\n%s", md.String())
	}
	res.Programme = nil
	text.Reset()
	if err := report.WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "THIS WEEK") {
		t.Error("a Result without a programme has a This week section")
	}
}
