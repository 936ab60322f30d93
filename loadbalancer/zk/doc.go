// Package zk is a discovery source and registrar over Apache ZooKeeper,
// through github.com/go-zookeeper/zk.
//
// Each instance of a service is an ephemeral sequential node under the
// service's path, its data the instance's address:
// "/services/users/instance-0000000007" = "10.0.0.1:8080". A [Registrar]
// creates this instance's node; ZooKeeper deletes it when the registering
// session ends, whether by Deregister, a clean Close, or the session timing
// out after the process died. An [Instancer] reads the children of the path
// and watches it.
//
//	conn, events, _ := zk.Connect([]string{"127.0.0.1:2181"}, 10*time.Second)
//	go func() { for range events {} } // or zk.WithEventCallback
//	instancer := kitzk.NewInstancer(conn, "/services/users", logger)
//	defer instancer.Stop()
//	endpointer := loadbalancer.NewEndpointer(instancer, factory, logger)
//
//	registrar := kitzk.NewRegistrar(conn, kitzk.Service{Path: "/services/users", Name: "instance", Data: []byte("10.0.0.1:8080")}, logger)
//	registrar.Register()
//	defer registrar.Deregister()
//
// While ZooKeeper is unreachable the Instancer reports errors and
// endpointers keep the last good set. While it hangs (answers nothing and
// keeps the connection), nothing waits for it: NewInstancer's first read
// gives up after 2s (reporting an error; the read goes on in the
// background), reads of the set are local, and Stop returns at once. The
// Instancer starts one goroutine, stopped by Stop, plus one per read, which
// ends when ZooKeeper answers or the connection is closed; a Registrar
// starts none. Both are safe for concurrent use. The
// connection belongs to the caller, who closes it after them.
package zk
