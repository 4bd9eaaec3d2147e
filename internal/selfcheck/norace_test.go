//go:build !race

package selfcheck

const raceEnabled = false
