// Command basic is the smallest program that uses backrules: it asks the
// embedded default rules for advice for one profile and prints the report.
package main

import (
	"context"
	"log"
	"os"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

func main() {
	eng, err := recommend.Default()
	if err != nil {
		log.Fatal(err)
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{
		Conditions:   []string{"chronic_stiffness"},
		AggravatedBy: []string{"sitting"},
		Equipment:    []string{"foam_roller", "exercise_mat"},
		PainLevel:    3,
		SittingHours: 9,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := report.WriteText(os.Stdout, res); err != nil {
		log.Fatal(err)
	}
}
