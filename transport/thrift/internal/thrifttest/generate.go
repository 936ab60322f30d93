// Package thrifttest holds a small Thrift service (thrifttest.thrift) and
// the Go code generated from it, for transport/thrift's tests. Regenerate
// with go generate (needs the Thrift compiler; gofmt runs after it).
package thrifttest

//go:generate thrift --gen go:skip_remote,package_prefix=github.com/endpointkit/kit/transport/thrift/internal/ -out .. thrifttest.thrift
//go:generate gofmt -w .
