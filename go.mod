module github.com/endpointkit/kit

go 1.24

require go.uber.org/goleak v1.3.0

require github.com/go-logfmt/logfmt v0.6.0
