package thrift_test

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/endpointkit/kit/endpoint"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
	"github.com/endpointkit/kit/transport/thrift/internal/thrifttest"
)

// echoService implements the generated thrifttest.Test interface with one
// kit Server per method.
type echoService struct {
	thrifttest.Test // methods this example does not serve
	echo            kitthrift.Handler
}

func (s *echoService) Echo(ctx context.Context, in string) (string, error) {
	_, resp, err := s.echo.ServeThrift(ctx, in)
	if err != nil {
		return "", err
	}
	return resp.(string), nil
}

// An endpoint served over THeader by a ConnServer, and called through a
// Client.
func Example() {
	upper := func(_ context.Context, req any) (any, error) { return fmt.Sprintf("<%s>", req), nil }
	same := func(_ context.Context, v any) (any, error) { return v, nil }
	svc := &echoService{echo: kitthrift.NewServer(upper, same, same)}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := kitthrift.NewConnServer(thrifttest.NewTestProcessor(svc), kitthrift.ConnSettings{})
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	client := kitthrift.NewClient(ln.Addr().String(), func(ctx context.Context, c thrift.TClient, req any) (any, error) {
		return thrifttest.NewTestClient(c).Echo(ctx, req.(string))
	})
	defer client.Close()
	resp, err := client.Endpoint()(context.Background(), "hello")
	fmt.Println(resp, err)
	// Output: <hello> <nil>
}

// What a client sees of an endpoint's errors: a chosen message, never the
// error's text.
func ExampleExceptionOf() {
	ctx := context.Background()
	fmt.Println(kitthrift.ExceptionOf(ctx, errors.New("db: connect 10.0.0.7: password rejected")))
	refused := endpoint.WithOutcome(errors.New("bulkhead full"), endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true})
	exc := kitthrift.ExceptionOf(ctx, refused).(*kitthrift.ApplicationError)
	fmt.Println(exc.Type == kitthrift.ExceptionOverloaded, exc)
	// Output:
	// internal error
	// true overloaded
}
