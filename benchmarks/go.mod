module github.com/endpointkit/kit/benchmarks

go 1.25.0

replace github.com/endpointkit/kit => ../

require (
	github.com/endpointkit/kit v0.0.0-00010101000000-000000000000
	github.com/go-kit/kit v0.13.0
	google.golang.org/grpc v1.82.1
)

require (
	github.com/go-kit/log v0.2.0 // indirect
	github.com/go-logfmt/logfmt v0.5.1 // indirect
	golang.org/x/net v0.56.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.40.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260807164820-c8921c73eeea // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
