package dnssrv_test

import (
	"context"
	"net"
	"time"

	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/loadbalancer/dnssrv"
	"github.com/endpointkit/kit/log"
)

// This example is compiled but not run: it needs a DNS server.
func Example() {
	logger := log.NewNopLogger()
	// A resolver that asks one particular DNS server (a cluster's, say).
	resolver := &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", "10.0.0.53:53")
		},
	}
	instancer := dnssrv.NewInstancer("_http._tcp.users.internal.", 30*time.Second, logger,
		dnssrv.InstancerResolver(resolver))
	defer instancer.Stop()
	endpointer := loadbalancer.NewEndpointer(instancer, factory, logger)
	defer endpointer.Close()
	balancer := loadbalancer.NewP2C(endpointer, loadbalancer.P2CSettings{})
	_ = loadbalancer.RetryWith(balancer, loadbalancer.RetrySettings{Timeout: time.Second})
}
