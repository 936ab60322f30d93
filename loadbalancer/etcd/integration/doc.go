// Package integration tests package etcd against a real etcd server run in
// process (go.etcd.io/etcd/server/v3/embed), and drives addcli's etcd mode
// (examples/addsvc/pkg/addclient) end to end against it. It is a module of
// its own so that the server and its many dependencies stay out of kit's
// go.mod; the test command (scripts/check.sh) runs its tests too.
package integration
