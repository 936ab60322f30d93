// Package pb holds the protobuf definition of the inventory service of
// examples/adopt and the Go code generated from it. The generated files are
// checked in; regenerate them after editing inventory.proto with (from this
// directory)
//
//	go generate .
//
// which needs protoc (Debian: protobuf-compiler), protoc-gen-go and
// protoc-gen-go-grpc on PATH:
//
//	go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
//	go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.1
package pb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative inventory.proto
