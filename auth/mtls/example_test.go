package mtls_test

import (
	"context"
	"fmt"

	"github.com/endpointkit/kit/auth/mtls"
)

// Authorize lets through only the listed identities; HTTPToContext or
// GRPCToContext put the verified client's identity in the context.
func ExampleAuthorize() {
	e := mtls.Authorize(mtls.AllowNames("spiffe://example.org/billing"))(
		func(ctx context.Context, _ any) (any, error) {
			id, _ := mtls.FromContext(ctx)
			return "hello " + id.SPIFFEID, nil
		})
	billing := mtls.NewContext(context.Background(), mtls.Identity{SPIFFEID: "spiffe://example.org/billing"})
	fmt.Println(e(billing, nil))
	intruder := mtls.NewContext(context.Background(), mtls.Identity{SPIFFEID: "spiffe://example.org/x"})
	fmt.Println(e(intruder, nil))
	fmt.Println(e(context.Background(), nil))
	// Output:
	// hello spiffe://example.org/billing <nil>
	// <nil> mtls: peer identity not allowed
	// <nil> mtls: no verified peer identity
}
