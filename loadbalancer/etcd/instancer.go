package etcd

import (
	"context"
	"fmt"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/log"
)

// retryWait is how long the Instancer and Registrar wait after a failed
// request to etcd before trying again.
const retryWait = time.Second

// firstReadTimeout bounds the read NewInstancer makes before returning: a
// service starting while etcd hangs is held at most this long, and then
// serves (its Instancer reports the error and keeps trying in the
// background). Later reads, in the background, have readTimeout.
const (
	firstReadTimeout = 2 * time.Second
	readTimeout      = 10 * time.Second
)

// Instancer is a loadbalancer.Instancer over the keys under a prefix: the
// instances are their values.
type Instancer struct {
	client *clientv3.Client
	prefix string
	logger log.Logger

	b      loadbalancer.Broadcaster
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// NewInstancer returns an Instancer following the keys under prefix. It
// reads them once before returning, for at most 2s, so the first subscriber
// gets a real answer (or the error, when etcd does not answer in time), and
// then watches for changes until Stop.
func NewInstancer(client *clientv3.Client, prefix string, logger log.Logger) *Instancer {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	// Closing the client also stops the Instancer.
	ctx, cancel := context.WithCancel(client.Ctx())
	i := &Instancer{client: client, prefix: prefix, logger: logger, cancel: cancel, done: make(chan struct{})}
	kvs, rev, err := i.read(ctx, firstReadTimeout)
	if err != nil {
		i.fail(err)
	} else {
		i.b.Update(loadbalancer.Event{Instances: values(kvs)})
	}
	go i.loop(ctx, kvs, rev)
	return i
}

func (i *Instancer) fail(err error) {
	err = fmt.Errorf("etcd: %s: %w", i.prefix, err)
	i.logger.Log("component", "etcd", "prefix", i.prefix, "err", err)
	i.b.Update(loadbalancer.Event{Err: err})
}

// read returns the keys under the prefix and the revision they were read at.
func (i *Instancer) read(ctx context.Context, timeout time.Duration) (map[string]string, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := i.client.Get(ctx, i.prefix, clientv3.WithPrefix())
	if err != nil {
		return nil, 0, err
	}
	kvs := make(map[string]string, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		kvs[string(kv.Key)] = string(kv.Value)
	}
	return kvs, resp.Header.Revision, nil
}

// loop watches from rev+1 (after a successful read; rev 0 means read first)
// and applies each change to kvs.
func (i *Instancer) loop(ctx context.Context, kvs map[string]string, rev int64) {
	defer close(i.done)
	for ctx.Err() == nil {
		if rev == 0 {
			var err error
			if kvs, rev, err = i.read(ctx, readTimeout); err != nil {
				if ctx.Err() == nil {
					i.fail(err)
				}
				wait(ctx, retryWait)
				continue
			}
			i.b.Update(loadbalancer.Event{Instances: values(kvs)})
		}
		wctx, wcancel := context.WithCancel(ctx)
		for resp := range i.client.Watch(wctx, i.prefix, clientv3.WithPrefix(), clientv3.WithRev(rev+1)) {
			if err := resp.Err(); err != nil {
				if ctx.Err() == nil {
					i.fail(err)
				}
				rev = 0 // read afresh, then watch again
				break
			}
			for _, ev := range resp.Events {
				switch ev.Type {
				case clientv3.EventTypePut:
					kvs[string(ev.Kv.Key)] = string(ev.Kv.Value)
				case clientv3.EventTypeDelete:
					delete(kvs, string(ev.Kv.Key))
				}
			}
			rev = resp.Header.Revision
			i.b.Update(loadbalancer.Event{Instances: values(kvs)})
		}
		wcancel()
		if rev != 0 && ctx.Err() == nil {
			// The watch channel closed without an error: start again from
			// where we were.
			wait(ctx, retryWait)
		}
	}
}

func values(kvs map[string]string) []string {
	out := make([]string, 0, len(kvs))
	for _, v := range kvs {
		out = append(out, v)
	}
	return out
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

// Stop stops watching. It is idempotent and does not close the client
// (closing the client stops the watching too).
func (i *Instancer) Stop() {
	i.once.Do(func() {
		i.cancel()
		<-i.done
	})
}
