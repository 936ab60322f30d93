package dnssrv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/log"
)

// InstancerOption configures an Instancer.
type InstancerOption func(*Instancer)

// InstancerResolver sets the resolver used for lookups. By default it is
// net.DefaultResolver.
func InstancerResolver(r *net.Resolver) InstancerOption {
	return func(i *Instancer) { i.resolver = r }
}

// InstancerLookupTimeout bounds each lookup. By default it is 5s, or the
// interval if that is shorter.
func InstancerLookupTimeout(d time.Duration) InstancerOption {
	return func(i *Instancer) { i.timeout = d }
}

// Instancer is a loadbalancer.Instancer that polls the SRV records of a name.
type Instancer struct {
	name     string
	interval time.Duration
	logger   log.Logger
	resolver *net.Resolver
	timeout  time.Duration

	b        loadbalancer.Broadcaster
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// NewInstancer returns an Instancer that looks up the SRV records of name
// (a full name like "_http._tcp.users.example.com") now and then every
// interval, until Stop. Lookup errors are logged and sent as error Events.
func NewInstancer(name string, interval time.Duration, logger log.Logger, options ...InstancerOption) *Instancer {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	i := &Instancer{
		name:     name,
		interval: interval,
		logger:   logger,
		resolver: net.DefaultResolver,
		timeout:  min(5*time.Second, interval),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	for _, o := range options {
		o(i)
	}
	i.refresh() // so that the first subscriber gets a real answer
	go i.loop()
	return i
}

func (i *Instancer) loop() {
	defer close(i.done)
	t := time.NewTicker(i.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			i.refresh()
		case <-i.quit:
			return
		}
	}
}

func (i *Instancer) refresh() {
	ctx, cancel := context.WithTimeout(context.Background(), i.timeout)
	defer cancel()
	instances, err := i.lookup(ctx)
	if err != nil {
		i.logger.Log("component", "dnssrv", "name", i.name, "err", err)
		i.b.Update(loadbalancer.Event{Err: err})
		return
	}
	i.b.Update(loadbalancer.Event{Instances: instances})
}

func (i *Instancer) lookup(ctx context.Context) ([]string, error) {
	_, records, err := i.resolver.LookupSRV(ctx, "", "", i.name)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return []string{}, nil
		}
		return nil, fmt.Errorf("dnssrv: lookup %s: %w", i.name, err)
	}
	instances := make([]string, 0, len(records))
	for _, r := range records {
		host := strings.TrimSuffix(r.Target, ".")
		instances = append(instances, net.JoinHostPort(host, strconv.Itoa(int(r.Port))))
	}
	return instances, nil
}

// Register implements loadbalancer.Instancer.
func (i *Instancer) Register(ch chan<- loadbalancer.Event) { i.b.Register(ch) }

// Deregister implements loadbalancer.Instancer.
func (i *Instancer) Deregister(ch chan<- loadbalancer.Event) { i.b.Deregister(ch) }

// Stop stops the lookups. It is idempotent.
func (i *Instancer) Stop() {
	i.stopOnce.Do(func() {
		close(i.quit)
		<-i.done
	})
}
