// Package etcd is a discovery source and registrar over etcd v3, through the
// official client (go.etcd.io/etcd/client/v3).
//
// Each instance of a service is one key under a prefix, its value the
// instance's address: "/services/users/10.0.0.1:8080" = "10.0.0.1:8080". A
// [Registrar] writes this instance's key under a lease that it keeps alive,
// so the key disappears on its own TTL after the process dies; an [Instancer]
// reads the prefix and then watches it.
//
//	client, _ := clientv3.New(clientv3.Config{Endpoints: []string{"127.0.0.1:2379"}})
//	instancer := etcd.NewInstancer(client, "/services/users/", logger)
//	defer instancer.Stop()
//	endpointer := loadbalancer.NewEndpointer(instancer, factory, logger)
//
//	registrar := etcd.NewRegistrar(client, etcd.Service{
//		Key: "/services/users/10.0.0.1:8080", Value: "10.0.0.1:8080", TTL: 10 * time.Second,
//	}, logger)
//	registrar.Register()
//	defer registrar.Deregister()
//
// While etcd is unreachable or hangs the Instancer sends nothing (the client
// retries underneath it), so endpointers keep the last good set and nothing
// waits for etcd: NewInstancer's first read gives up after 2s, reads of the
// set are local, and Stop returns at once; a watch that fails
// (history compacted, canceled) is reported as an error Event and restarted
// from a fresh read. A Registrar whose lease is lost (etcd restarted from
// scratch, or the lease expired during a partition) registers again.
//
// Both types start one goroutine each, stopped by Instancer.Stop and
// Registrar.Deregister, and are safe for concurrent use. The client belongs
// to the caller, who closes it after them.
package etcd
