// Command basic is the smallest program that uses backrules: it asks the
// embedded default rules for advice for one profile and prints the report.
// When the advice could not all be worked out (a *recommend.PartialError),
// it still prints the referrals it holds, then reports the error.
package main

import (
	"context"
	"errors"
	"fmt"
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
	var partial *recommend.PartialError
	if errors.As(err, &partial) {
		// The referrals, an emergency among them, still reach the
		// person; the rest of the advice is withheld.
		res = partial.Result
	} else if err != nil {
		log.Fatal(err)
	}
	if werr := report.WriteText(os.Stdout, res); werr != nil {
		log.Fatal(werr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
