module github.com/endpointkit/kit/benchmarks

go 1.25.0

replace github.com/endpointkit/kit => ../

require (
	github.com/endpointkit/kit v0.0.0-00010101000000-000000000000
	github.com/go-kit/kit v0.13.0
	github.com/sony/gobreaker v0.4.1
	github.com/sony/gobreaker/v2 v2.4.0
	golang.org/x/time v0.15.0
)

require (
	github.com/afex/hystrix-go v0.0.0-20180502004556-fa1af6a1f4f5 // indirect
	github.com/smartystreets/goconvey v1.8.1 // indirect
	github.com/streadway/handy v0.0.0-20200128134331-0f66f006fb2e // indirect
)
