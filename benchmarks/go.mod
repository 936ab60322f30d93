module github.com/endpointkit/kit/benchmarks

go 1.25.0

replace github.com/endpointkit/kit => ../

require (
	github.com/endpointkit/kit v0.0.0-00010101000000-000000000000
	github.com/go-kit/kit v0.13.0
)

require (
	github.com/go-kit/log v0.2.0 // indirect
	github.com/go-logfmt/logfmt v0.5.1 // indirect
)
