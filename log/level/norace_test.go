//go:build !race

package level_test

const raceEnabled = false
