//go:build race

package recommend

// raceBuild is true when the tests run with the race detector, which
// changes allocation counts.
const raceBuild = true
