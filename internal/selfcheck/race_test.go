//go:build race

package selfcheck

// raceEnabled says the tests run with the race detector, which slows the
// crypto of a whole-suite run 7 to 20 times.
const raceEnabled = true
