package integration_test

import (
	"testing"
	"time"

	"github.com/endpointkit/kit/examples/addsvc/pkg/addclient"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addclient/addclienttest"
	"github.com/endpointkit/kit/loadbalancer/etcd"
)

// TestAddcliEtcdEndToEnd drives addcli's etcd mode (package addclient,
// which addcli runs): two addsvc servers in process register under a prefix
// in a real etcd (through kit's Registrar), and the client stack of
// discovery, balancer, breaker and retry calls them.
func TestAddcliEtcdEndToEnd(t *testing.T) {
	s := startServer(t)
	c := newClient(t, s)
	defer c.Close()
	a, b := addclienttest.StartBackend(t), addclienttest.StartBackend(t)
	var registrars []*etcd.Registrar
	for _, be := range []*addclienttest.Backend{a, b} {
		r := etcd.NewRegistrar(c, etcd.Service{Key: "/services/addsvc/" + be.Addr(), Value: be.Addr(), TTL: 5 * time.Second}, nil)
		r.Register()
		defer r.Deregister()
		registrars = append(registrars, r)
	}

	instancer, stop, err := addclient.NewInstancer(addclient.Discovery{
		EtcdEndpoints: []string{s.clientURL}, EtcdPrefix: "/services/addsvc/",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop.Close()
	addclienttest.DriveDiscovery(t, instancer, a, b, registrars[1].Deregister)
}
