package zk_test

import (
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/endpointkit/kit/loadbalancer"
	kitzk "github.com/endpointkit/kit/loadbalancer/zk"
	"github.com/endpointkit/kit/log"
)

// This example is compiled but not run: it needs a ZooKeeper server.
func Example() {
	logger := log.NewNopLogger()
	conn, _, err := zk.Connect([]string{"127.0.0.1:2181"}, 10*time.Second)
	if err != nil {
		panic(err)
	}
	defer conn.Close()

	registrar := kitzk.NewRegistrar(conn, kitzk.Service{Path: "/services/users", Data: []byte("10.0.0.1:8080")}, logger)
	registrar.Register()
	defer registrar.Deregister()

	instancer := kitzk.NewInstancer(conn, "/services/users", logger)
	defer instancer.Stop()
	endpointer := loadbalancer.NewEndpointer(instancer, factory, logger)
	defer endpointer.Close()
	_ = loadbalancer.NewRoundRobin(endpointer)
}
