//go:build race

package main

// raceEnabled is true when the tests run with the race detector, which
// makes exploring the default rules' profile space take half a minute;
// CI runs that analysis as a step of its own.
const raceEnabled = true
