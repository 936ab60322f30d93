package grpc

import (
	"errors"
	"sync"

	"google.golang.org/grpc/resolver"

	"github.com/endpointkit/kit/loadbalancer"
)

// Resolver is a grpc resolver.Builder over a kit loadbalancer.Instancer, so
// that kit's discovery sources (static, dnssrv, etcd, consul, zk) feed a
// grpc.ClientConn. Each instance ("host:port") becomes one address; every
// Event of the Instancer replaces the ClientConn's addresses, and a
// discovery error is reported to it with ReportError (grpc keeps the last
// good addresses and backs off). Install it with grpc.WithResolvers and
// dial a target of its scheme; the rest of the target is ignored, since
// the Instancer already names the service:
//
//	r := kitgrpc.NewResolver("kit", instancer)
//	conn, err := grpc.NewClient("kit:///addsvc",
//		grpc.WithResolvers(r),
//		grpc.WithDefaultServiceConfig(`{"loadBalancingConfig": [{"round_robin":{}}]}`),
//		grpc.WithTransportCredentials(creds))
//
// grpc's own balancer then spreads calls over the addresses:
// round_robin, as above, or pick_first (grpc's default). kit's load-aware
// balancing, retries and breakers are not bridged into grpc's balancer
// API, which is experimental and changes between grpc releases; they run
// as client interceptors ([UnaryClientInterceptor]) over the ClientConn,
// or, per instance, with one ClientConn for each instance behind a kit
// Endpointer and Balancer, as examples/addsvc's client does.
//
// A Resolver may serve several ClientConns: each Build registers with the
// Instancer on its own, and the resolver.Resolver it returns deregisters on
// Close (grpc closes it with the ClientConn). It never stops the Instancer,
// which may have other users. It is safe for concurrent use.
type Resolver struct {
	scheme    string
	instancer loadbalancer.Instancer
}

// NewResolver returns a Resolver for targets of scheme (such as "kit":
// targets "kit:///name") over instancer.
func NewResolver(scheme string, instancer loadbalancer.Instancer) *Resolver {
	return &Resolver{scheme: scheme, instancer: instancer}
}

// Scheme implements resolver.Builder.
func (r *Resolver) Scheme() string { return r.scheme }

// errNoInstancer is returned by Build for a Resolver without an Instancer.
var errNoInstancer = errors.New("grpc: resolver has no Instancer")

// Build implements resolver.Builder: it registers with the Instancer, whose
// current instances reach cc at once, and follows it on a goroutine of its
// own until Close.
func (r *Resolver) Build(_ resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	if r.instancer == nil {
		return nil, errNoInstancer
	}
	w := &watcher{
		instancer: r.instancer,
		cc:        cc,
		ch:        make(chan loadbalancer.Event, 1),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	go w.run()
	// Register sends the current state to w.ch, which run receives; it
	// must run already, as a Broadcaster holds its lock while it sends.
	r.instancer.Register(w.ch)
	return w, nil
}

// watcher follows the Instancer for one ClientConn.
type watcher struct {
	instancer loadbalancer.Instancer
	cc        resolver.ClientConn
	ch        chan loadbalancer.Event
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (w *watcher) run() {
	defer close(w.done)
	for {
		select {
		case ev := <-w.ch:
			w.apply(ev)
		case <-w.quit:
			return
		}
	}
}

// apply passes one Event to the ClientConn.
func (w *watcher) apply(ev loadbalancer.Event) {
	if ev.Err != nil {
		w.cc.ReportError(ev.Err)
		return
	}
	addrs := make([]resolver.Address, len(ev.Instances))
	eps := make([]resolver.Endpoint, len(ev.Instances))
	for i, inst := range ev.Instances {
		addrs[i] = resolver.Address{Addr: inst}
		eps[i] = resolver.Endpoint{Addresses: []resolver.Address{addrs[i]}}
	}
	// The error says the balancer rejected the state (no addresses, say);
	// grpc then calls ResolveNow, and the next Event updates it again.
	_ = w.cc.UpdateState(resolver.State{Addresses: addrs, Endpoints: eps})
}

// ResolveNow implements resolver.Resolver. An Instancer pushes every
// change, so there is nothing to ask it.
func (w *watcher) ResolveNow(resolver.ResolveNowOptions) {}

// Close implements resolver.Resolver: it deregisters from the Instancer
// and stops the goroutine. It is idempotent.
func (w *watcher) Close() {
	w.closeOnce.Do(func() {
		// Deregister while run still receives: an Instancer that is
		// sending to us holds its lock until we do.
		w.instancer.Deregister(w.ch)
		close(w.quit)
		<-w.done
	})
}
