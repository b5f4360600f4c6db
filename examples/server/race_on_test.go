//go:build race

package main

// raceEnabled is true when the tests run with the race detector, which
// makes each request several times slower.
const raceEnabled = true
