//go:build race

package e2e

// raceEnabled is true when the tests run under the race detector, which
// makes the HTTP traffic of R1 several times slower.
const raceEnabled = true
