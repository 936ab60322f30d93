package addclient

import (
	"io"

	"google.golang.org/grpc"
)

// GRPCConns exposes grpcConns to the tests.
type GRPCConns struct{ p *grpcConns }

func NewGRPCConns() GRPCConns { return GRPCConns{newGRPCConns(nil)} }

func (c GRPCConns) Acquire(instance string) (*grpc.ClientConn, io.Closer, error) {
	return c.p.acquire(instance)
}
