//go:build race

package main

import "time"

// The analysis of the default rules takes well over 30 seconds under the
// race detector on a busy machine; a refusal for time would not test
// what the tests mean to.
func init() { analyzeTimeout = 5 * time.Minute }

// raceEnabled is true when the tests run with the race detector, which
// makes each request several times slower.
const raceEnabled = true
