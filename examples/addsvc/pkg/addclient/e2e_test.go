package addclient_test

import (
	"strings"
	"testing"

	"github.com/endpointkit/kit/examples/addsvc/pkg/addclient"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addclient/addclienttest"
	"github.com/endpointkit/kit/internal/consultest"
	kitconsul "github.com/endpointkit/kit/loadbalancer/consul"
)

// TestConsulEndToEnd drives addcli's -consul mode: two addsvc servers
// register with a real Consul agent (through kit's Registrar), and the
// client stack discovers them.
func TestConsulEndToEnd(t *testing.T) {
	agent := consultest.Start(t)
	c := agent.Client(t)
	a, b := addclienttest.StartBackend(t), addclienttest.StartBackend(t)
	var registrars []*kitconsul.Registrar
	for _, be := range []*addclienttest.Backend{a, b} {
		r := kitconsul.NewRegistrar(c, kitconsul.Service{Name: "addsvc-http", Address: "127.0.0.1", Port: be.Port(t), Tags: []string{"e2e"}}, nil)
		r.Register()
		defer r.Deregister()
		registrars = append(registrars, r)
	}

	instancer, stop, err := addclient.NewInstancer(addclient.Discovery{
		ConsulService: "addsvc-http", ConsulAddr: agent.Addr(), ConsulTags: []string{"e2e"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop.Close()
	addclienttest.DriveDiscovery(t, instancer, a, b, registrars[1].Deregister)
}

func TestNewInstancerNeedsDiscovery(t *testing.T) {
	_, _, err := addclient.NewInstancer(addclient.Discovery{}, nil)
	if err == nil {
		t.Fatal("NewInstancer with no discovery: nil error, want one")
	}
	if want := "no discovery"; !strings.Contains(err.Error(), want) {
		t.Errorf("NewInstancer with no discovery: %v, want it to say %q", err, want)
	}
}
