package consul_test

import (
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/loadbalancer/consul"
	"github.com/endpointkit/kit/log"
)

// This example is compiled but not run: it needs a Consul agent (the tests
// of this package start one).
func Example() {
	logger := log.NewNopLogger()
	client, err := api.NewClient(api.DefaultConfig()) // the local agent, 127.0.0.1:8500
	if err != nil {
		panic(err)
	}

	// This instance registers itself with the local agent, under a TTL
	// check that the Registrar keeps passing...
	registrar := consul.NewRegistrar(client, consul.Service{
		Name: "users", Address: "10.0.0.1", Port: 8080, Tags: []string{"v2"}, TTL: 10 * time.Second,
	}, logger)
	registrar.Register()
	defer registrar.Deregister()

	// ...and a client of the service follows its passing instances tagged v2.
	instancer := consul.NewInstancer(client, "users", logger, consul.InstancerTags("v2"))
	defer instancer.Stop()
	endpointer := loadbalancer.NewEndpointer(instancer, factory, logger)
	defer endpointer.Close()
	_ = loadbalancer.NewRoundRobin(endpointer)
}
