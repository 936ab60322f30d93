// Package benchmarks measures kit beside the standard library and peer
// libraries (Go kit, zap, zerolog, ...) in one go test -bench run.
//
// It is its own module so that kit's go.mod never depends on a peer. Each
// benchmark puts the contestant in a sub-benchmark key, impl=NAME, so that
//
//	go test -run '^$' -bench . -count 6 | benchstat -col /impl -
//
// shows the contestants side by side. Tests in this module check that the
// contestants compute the same thing, so a benchmark never compares unequal
// work.
package benchmarks
