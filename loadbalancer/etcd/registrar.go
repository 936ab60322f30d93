package etcd

import (
	"context"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/endpointkit/kit/log"
)

// Service is what a Registrar writes: Value under Key, with a lease of TTL
// (rounded up to whole seconds; zero means 10s). etcd may enforce a larger
// minimum TTL.
type Service struct {
	Key   string
	Value string
	TTL   time.Duration
}

// Registrar registers one instance of a service in etcd and keeps its lease
// alive. It is safe for concurrent use.
type Registrar struct {
	client  *clientv3.Client
	service Service
	logger  log.Logger

	mu     sync.Mutex // guards cancel, done
	cancel context.CancelFunc
	done   chan struct{}
}

// NewRegistrar returns a Registrar for service; nothing happens until
// Register.
func NewRegistrar(client *clientv3.Client, service Service, logger log.Logger) *Registrar {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	if service.TTL <= 0 {
		service.TTL = 10 * time.Second
	}
	return &Registrar{client: client, service: service, logger: logger}
}

// Register writes the key under a new lease and starts a goroutine that
// keeps the lease alive, and registers again (after a pause) whenever the
// lease is lost, until Deregister. Errors are logged. Calling Register
// while registered does nothing.
func (r *Registrar) Register() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil {
		return
	}
	// Closing the client stops the keep-alive too, as a crash would.
	ctx, cancel := context.WithCancel(r.client.Ctx())
	r.cancel, r.done = cancel, make(chan struct{})
	go r.run(ctx, r.done)
}

func (r *Registrar) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	for ctx.Err() == nil {
		lease, err := r.register(ctx)
		if err != nil {
			if ctx.Err() == nil {
				r.logger.Log("component", "etcd", "key", r.service.Key, "action", "register", "err", err)
			}
			wait(ctx, retryWait)
			continue
		}
		r.logger.Log("component", "etcd", "key", r.service.Key, "action", "register")
		keepAlive, err := r.client.KeepAlive(ctx, lease)
		if err != nil {
			r.logger.Log("component", "etcd", "key", r.service.Key, "action", "keepalive", "err", err)
			wait(ctx, retryWait)
			continue
		}
		for range keepAlive {
			// Drain the responses; the channel closes when the lease is
			// lost or ctx ends.
		}
		if ctx.Err() == nil {
			r.logger.Log("component", "etcd", "key", r.service.Key, "action", "keepalive", "err", "lease lost")
			wait(ctx, retryWait)
		}
	}
}

func (r *Registrar) register(ctx context.Context) (clientv3.LeaseID, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ttl := int64((r.service.TTL + time.Second - 1) / time.Second)
	grant, err := r.client.Grant(ctx, ttl)
	if err != nil {
		return 0, err
	}
	if _, err := r.client.Put(ctx, r.service.Key, r.service.Value, clientv3.WithLease(grant.ID)); err != nil {
		return 0, err
	}
	return grant.ID, nil
}

// Deregister stops keeping the lease alive and deletes the key (by revoking
// the lease, when etcd is reachable; otherwise the key expires with its
// TTL). Errors are logged. Calling it when not registered does nothing.
func (r *Registrar) Deregister() {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.cancel, r.done = nil, nil
	r.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
	if r.client.Ctx().Err() != nil {
		r.logger.Log("component", "etcd", "key", r.service.Key, "action", "deregister", "err", "client closed; the key expires with its lease")
		return
	}
	ctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	// Revoke every lease that holds our key: the one we kept alive is the
	// key's current lease.
	resp, err := r.client.Get(ctx, r.service.Key)
	if err == nil && len(resp.Kvs) == 1 && resp.Kvs[0].Lease != 0 {
		_, err = r.client.Revoke(ctx, clientv3.LeaseID(resp.Kvs[0].Lease))
	}
	if err == nil {
		_, err = r.client.Delete(ctx, r.service.Key)
	}
	if err != nil {
		r.logger.Log("component", "etcd", "key", r.service.Key, "action", "deregister", "err", err)
		return
	}
	r.logger.Log("component", "etcd", "key", r.service.Key, "action", "deregister")
}
