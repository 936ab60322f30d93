package main

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/examples/adopt/pb"
)

// inventoryServer is the gRPC face of the store.
type inventoryServer struct {
	pb.UnimplementedInventoryServer
	store *store
}

// GetItem returns the stock of one item: InvalidArgument without a SKU,
// NotFound for an unknown one, Unavailable while the store is down.
func (s inventoryServer) GetItem(ctx context.Context, req *pb.GetItemRequest) (*pb.Item, error) {
	if req.GetSku() == "" {
		return nil, status.Error(codes.InvalidArgument, "sku is required")
	}
	n, err := s.store.get(ctx, req.GetSku())
	switch {
	case errors.Is(err, errNotFound):
		return nil, status.Error(codes.NotFound, err.Error())
	case errors.Is(err, errStoreDown):
		return nil, status.Error(codes.Unavailable, err.Error())
	case err != nil:
		return nil, status.FromContextError(err).Err()
	}
	return &pb.Item{Sku: req.GetSku(), Count: n}, nil
}
