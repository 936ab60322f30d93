//go:build race

package level_test

// raceEnabled is true under the race detector, whose sync.Pool drops a
// quarter of what is put back, so pooled paths allocate now and then.
const raceEnabled = true
