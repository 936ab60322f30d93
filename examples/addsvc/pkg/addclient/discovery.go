package addclient

import (
	"context"
	"errors"
	"io"
	"net"
	"time"

	"github.com/hashicorp/consul/api"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/endpointkit/kit/loadbalancer"
	kitconsul "github.com/endpointkit/kit/loadbalancer/consul"
	"github.com/endpointkit/kit/loadbalancer/dnssrv"
	kitetcd "github.com/endpointkit/kit/loadbalancer/etcd"
	"github.com/endpointkit/kit/loadbalancer/static"
	"github.com/endpointkit/kit/log"
)

// Discovery says where the instances come from: the first set of these, in
// this order, Consul, etcd, DNS SRV, or a fixed list.
type Discovery struct {
	// ConsulService is the name of a service in Consul's catalog, whose
	// passing instances (with every one of ConsulTags) are the servers,
	// asked of the agent at ConsulAddr (empty means 127.0.0.1:8500).
	ConsulService string
	ConsulAddr    string
	ConsulTags    []string
	// EtcdEndpoints are the etcd servers under whose EtcdPrefix each
	// server's address is a value.
	EtcdEndpoints []string
	EtcdPrefix    string
	// DNSSRV is a DNS SRV name whose targets are the servers, looked up
	// every DNSSRVInterval (zero means 5s) from DNSServer (host:port;
	// empty means the system's resolver).
	DNSSRV         string
	DNSSRVInterval time.Duration
	DNSServer      string
	// Instances is a fixed list of servers' addresses.
	Instances []string
}

// NewInstancer returns the Instancer that d describes, and the io.Closer
// that stops it and closes its registry client. Close it after the
// endpointers that follow the Instancer.
func NewInstancer(d Discovery, logger log.Logger) (loadbalancer.Instancer, io.Closer, error) {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	switch {
	case d.ConsulService != "":
		addr := d.ConsulAddr
		if addr == "" {
			addr = "127.0.0.1:8500"
		}
		client, err := api.NewClient(&api.Config{Address: addr})
		if err != nil {
			return nil, nil, err
		}
		instancer := kitconsul.NewInstancer(client, d.ConsulService, logger, kitconsul.InstancerTags(d.ConsulTags...))
		return instancer, closerFunc(func() error { instancer.Stop(); return nil }), nil
	case len(d.EtcdEndpoints) > 0:
		client, err := clientv3.New(clientv3.Config{Endpoints: d.EtcdEndpoints, DialTimeout: 3 * time.Second})
		if err != nil {
			return nil, nil, err
		}
		instancer := kitetcd.NewInstancer(client, d.EtcdPrefix, logger)
		return instancer, closerFunc(func() error { instancer.Stop(); return client.Close() }), nil
	case d.DNSSRV != "":
		interval := d.DNSSRVInterval
		if interval <= 0 {
			interval = 5 * time.Second
		}
		var options []dnssrv.InstancerOption
		if d.DNSServer != "" {
			options = append(options, dnssrv.InstancerResolver(resolverAt(d.DNSServer)))
		}
		instancer := dnssrv.NewInstancer(d.DNSSRV, interval, logger, options...)
		return instancer, closerFunc(func() error { instancer.Stop(); return nil }), nil
	case len(d.Instances) > 0:
		instancer := static.NewInstancer(d.Instances)
		return instancer, closerFunc(func() error { instancer.Stop(); return nil }), nil
	}
	return nil, nil, errors.New("no discovery: name a Consul service, etcd endpoints, a DNS SRV name or instances")
}

// resolverAt returns a resolver that sends every DNS query to server.
func resolverAt(server string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		},
	}
}
