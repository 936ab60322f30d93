package consul

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/log"
)

// Backoff after a failed query: it starts at minBackoff, doubles with each
// failure in a row up to maxBackoff, and is jittered by up to half its
// length down so that clients restarted together spread out.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 10 * time.Second
)

// defaultWaitTime is how long one blocking query may wait for a change when
// the query options name no WaitTime. Shorter than Consul's 5m default, so a
// connection that died silently is noticed within a couple of minutes.
const defaultWaitTime = time.Minute

// InstancerOption configures an Instancer.
type InstancerOption func(*Instancer)

// InstancerTags keeps only the instances registered with every one of tags.
// By default the instances are not filtered by tag.
func InstancerTags(tags ...string) InstancerOption {
	return func(i *Instancer) { i.tags = slices.Clone(tags) }
}

// InstancerQueryOptions sets the options of every query: Datacenter, Token,
// AllowStale, Near, NodeMeta, Filter and the like, and WaitTime, how long
// one blocking query waits for a change (zero means 1m). The Instancer sets
// WaitIndex and the context itself. By default every field is zero: the
// agent's datacenter and token.
func InstancerQueryOptions(q api.QueryOptions) InstancerOption {
	return func(i *Instancer) { i.query = q }
}

// Instancer is a loadbalancer.Instancer over the instances of a service in
// Consul's catalog whose health checks all pass. Each instance is
// "host:port": the service's address, or its node's address when the service
// was registered without one. It is safe for concurrent use; its zero value
// is not: use NewInstancer.
type Instancer struct {
	client  *api.Client
	service string
	logger  log.Logger
	tags    []string
	query   api.QueryOptions

	b      loadbalancer.Broadcaster
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// NewInstancer returns an Instancer following the passing instances of
// service. It queries them once before returning (bounded by 10s), so the
// first subscriber gets a real answer, and then follows their changes with
// blocking queries until Stop. A failed query is logged, sent as an error
// Event (subscribers keep the last good set) and retried with a capped,
// jittered backoff.
func NewInstancer(client *api.Client, service string, logger log.Logger, options ...InstancerOption) *Instancer {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	ctx, cancel := context.WithCancel(context.Background())
	i := &Instancer{client: client, service: service, logger: logger, cancel: cancel, done: make(chan struct{})}
	for _, o := range options {
		o(i)
	}
	if i.query.WaitTime <= 0 {
		i.query.WaitTime = defaultWaitTime
	}
	first, cancelFirst := context.WithTimeout(ctx, 10*time.Second)
	instances, index, err := i.read(first, 0)
	cancelFirst()
	failures := 0
	if err != nil {
		i.fail(err)
		failures = 1
	} else {
		i.b.Update(loadbalancer.Event{Instances: instances})
		index = nextIndex(0, index)
	}
	go i.loop(ctx, index, failures)
	return i
}

func (i *Instancer) fail(err error) {
	err = fmt.Errorf("consul: %s: %w", i.service, err)
	i.logger.Log("component", "consul", "service", i.service, "err", err)
	i.b.Update(loadbalancer.Event{Err: err})
}

// loop follows the service with blocking queries from index (0 means "ask
// for the current state at once"), after failures failed queries in a row.
func (i *Instancer) loop(ctx context.Context, index uint64, failures int) {
	defer close(i.done)
	for {
		if failures > 0 {
			wait(ctx, backoff(failures))
		}
		if ctx.Err() != nil {
			return
		}
		instances, next, err := i.read(ctx, index)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			i.fail(err)
			failures++
			// Whoever answers next may be another agent, or servers that
			// lost their state, whose index is behind ours: a blocking
			// query at our index would wait out its WaitTime before we
			// could notice. Read the current state instead.
			index = 0
			continue
		}
		failures = 0
		i.b.Update(loadbalancer.Event{Instances: instances})
		index = nextIndex(index, next)
	}
}

// nextIndex returns the index to block on after a query at prev answered
// with index next, following Consul's advice for blocking queries: an index
// that goes backwards (the servers' state was reset, or another cluster
// answered) means starting again from 0, and an index of 0 must not be
// waited on (it would return at once, every time), so it becomes 1.
func nextIndex(prev, next uint64) uint64 {
	switch {
	case next < prev:
		return 0
	case next == 0:
		return 1
	}
	return next
}

// backoff returns how long to wait after the n-th failure in a row (n ≥ 1).
func backoff(n int) time.Duration {
	d := maxBackoff
	if n < 16 {
		d = min(maxBackoff, minBackoff<<(n-1))
	}
	return d - rand.N(d/2+1)
}

// read queries the passing instances, blocking until the index passes
// index (when it is not 0) or the wait time ends, and returns them with the
// index they are valid at.
func (i *Instancer) read(ctx context.Context, index uint64) ([]string, uint64, error) {
	q := i.query
	q.WaitIndex = index
	// Bound the request: Consul answers a blocking query within WaitTime
	// plus up to WaitTime/16 of jitter; a request that outlives that is
	// talking to a dead connection.
	ctx, cancel := context.WithTimeout(ctx, q.WaitTime+q.WaitTime/16+10*time.Second)
	defer cancel()
	entries, meta, err := i.client.Health().ServiceMultipleTags(i.service, i.tags, true, q.WithContext(ctx))
	if err != nil {
		return nil, 0, err
	}
	instances := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Service == nil || !hasTags(e.Service.Tags, i.tags) {
			continue
		}
		instances = append(instances, address(e))
	}
	return instances, meta.LastIndex, nil
}

// hasTags reports whether have holds every one of want. Consul filters on
// the tags already; this keeps the promise with agents that do not.
func hasTags(have, want []string) bool {
	for _, t := range want {
		if !slices.Contains(have, t) {
			return false
		}
	}
	return true
}

// address returns "host:port" of a catalog entry: the service's own
// address, or its node's when the service was registered without one.
func address(e *api.ServiceEntry) string {
	host := e.Service.Address
	if host == "" && e.Node != nil {
		host = e.Node.Address
	}
	return net.JoinHostPort(host, strconv.Itoa(e.Service.Port))
}

func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// Register implements loadbalancer.Instancer.
func (i *Instancer) Register(ch chan<- loadbalancer.Event) { i.b.Register(ch) }

// Deregister implements loadbalancer.Instancer.
func (i *Instancer) Deregister(ch chan<- loadbalancer.Event) { i.b.Deregister(ch) }

// Stop stops following the service, canceling the query in flight. It is
// idempotent and does not close the client's idle connections.
func (i *Instancer) Stop() {
	i.once.Do(func() {
		i.cancel()
		<-i.done
	})
}
