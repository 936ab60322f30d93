package transport_test

import (
	"context"
	"os"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/transport"
)

// A LogErrorHandler logs a caller's bad request at warn, naming the call the
// transport describes in the context.
func ExampleNewLogErrorHandler() {
	h := transport.NewLogErrorHandler(log.NewLogfmtLogger(os.Stdout))
	ctx := transport.WithCall(context.Background(), &transport.Call{
		Transport: "http", Route: "POST /sum", Peer: "192.0.2.1:41000", Status: 400,
	})
	h.Handle(ctx, badRequest{})
	// Output:
	// level=warn transport=http route="POST /sum" status=400 peer=192.0.2.1:41000 outcome=caller_error msg="request rejected" err="decode sum request: unexpected EOF"
}

type badRequest struct{}

func (badRequest) Error() string   { return "decode sum request: unexpected EOF" }
func (badRequest) StatusCode() int { return 400 }
