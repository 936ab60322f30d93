module github.com/endpointkit/kit/benchmarks

go 1.24

replace github.com/endpointkit/kit => ../

require (
	github.com/endpointkit/kit v0.0.0-00010101000000-000000000000
	github.com/go-kit/kit v0.13.0
	github.com/go-kit/log v0.2.1
	github.com/rs/zerolog v1.35.1
	go.uber.org/zap v1.28.0
)

require (
	github.com/go-logfmt/logfmt v0.6.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	go.uber.org/multierr v1.10.0 // indirect
	golang.org/x/sys v0.29.0 // indirect
)
