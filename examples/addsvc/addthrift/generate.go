// Package addthrift holds the Thrift definition of the Add service
// (addsvc.thrift, the same methods as ../pb/addsvc.proto) and the Go code
// generated from it. The generated files are checked in; regenerate them
// after editing addsvc.thrift with (from this directory)
//
//	go generate .
//
// which needs the Thrift compiler (Debian: thrift-compiler, 0.17). Its Go
// output is not gofmt-clean, so gofmt runs after it.
package addthrift

//go:generate thrift --gen go:skip_remote,package_prefix=github.com/endpointkit/kit/examples/addsvc/ -out .. addsvc.thrift
//go:generate gofmt -w .
