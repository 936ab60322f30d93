// Package adopt is an example: a service written the way many Go services
// are written without kit (cmd/inventory: net/http, log/slog,
// prometheus/client_golang, grpc-go) adopting kit one package at a time,
// without being rewritten around Endpoints. README.md holds the diff a
// user applies for each piece; the code here is the final, adopted state,
// each piece of kit marked with a comment "kit:". The test in this
// directory builds the service, runs it as real processes and checks that
// each piece works.
package adopt
