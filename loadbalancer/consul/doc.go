// Package consul is a discovery source and registrar over HashiCorp Consul,
// through its official client (github.com/hashicorp/consul/api).
//
// Each instance of a service is a service registration in Consul's catalog
// with a health check. A [Registrar] registers this instance with the local
// agent under a TTL check that it keeps passing, so the instance leaves the
// passing set on its own TTL after the process dies (and the catalog
// altogether a minute or so later); an [Instancer] follows the instances
// whose checks all pass, optionally only those with given tags, with
// Consul's blocking queries: each query returns as soon as the set changes.
//
//	client, _ := api.NewClient(api.DefaultConfig()) // the local agent, 127.0.0.1:8500
//	instancer := consul.NewInstancer(client, "users", logger, consul.InstancerTags("v2"))
//	defer instancer.Stop()
//	endpointer := loadbalancer.NewEndpointer(instancer, factory, logger)
//
//	registrar := consul.NewRegistrar(client, consul.Service{
//		Name: "users", Address: "10.0.0.1", Port: 8080, Tags: []string{"v2"}, TTL: 10 * time.Second,
//	}, logger)
//	registrar.Register()
//	defer registrar.Deregister()
//
// While Consul is unreachable the Instancer reports errors, retrying with a
// capped backoff, and endpointers keep the last good set. When the index of
// the answers goes backwards (the servers lost their state, or a new agent
// answers) it starts again from a fresh read. A Registrar whose instance the
// agent forgot (the agent restarted) registers it again.
//
// Both types start one goroutine each, stopped by Instancer.Stop (which
// cancels the blocking query in flight) and Registrar.Deregister, and are
// safe for concurrent use. The client belongs to the caller.
package consul
