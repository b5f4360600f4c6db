//go:build !race

package recommend_test

const raceEnabled = false
