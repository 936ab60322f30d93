package etcd_test

import (
	"context"
	"io"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/loadbalancer/etcd"
	"github.com/endpointkit/kit/log"
)

func factory(instance string) (endpoint.Endpoint, io.Closer, error) {
	return func(context.Context, any) (any, error) { return instance, nil }, nil, nil
}

// This example is compiled but not run: it needs an etcd server (the
// integration module beside this package runs one in process).
func Example() {
	logger := log.NewNopLogger()
	client, err := clientv3.New(clientv3.Config{Endpoints: []string{"127.0.0.1:2379"}, DialTimeout: 5 * time.Second})
	if err != nil {
		panic(err)
	}
	defer client.Close()

	// This instance registers itself, with a lease kept alive...
	registrar := etcd.NewRegistrar(client, etcd.Service{
		Key: "/services/users/10.0.0.1:8080", Value: "10.0.0.1:8080", TTL: 10 * time.Second,
	}, logger)
	registrar.Register()
	defer registrar.Deregister()

	// ...and a client of the service follows the prefix.
	instancer := etcd.NewInstancer(client, "/services/users/", logger)
	defer instancer.Stop()
	endpointer := loadbalancer.NewEndpointer(instancer, factory, logger)
	defer endpointer.Close()
	_ = loadbalancer.NewRoundRobin(endpointer)
}
