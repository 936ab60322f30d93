package zk

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/log"
)

// retryWait is how long the Instancer waits after a failed request before
// trying again.
const retryWait = time.Second

// Instancer is a loadbalancer.Instancer over the children of a path: the
// instances are the children's data.
type Instancer struct {
	conn   *zk.Conn
	path   string
	logger log.Logger

	b    loadbalancer.Broadcaster
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

// NewInstancer returns an Instancer following the children of path. It
// reads them once before returning, so the first subscriber gets a real
// answer, and then watches them until Stop. A path that does not exist
// (yet) holds no instances.
func NewInstancer(conn *zk.Conn, path string, logger log.Logger) *Instancer {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	i := &Instancer{conn: conn, path: path, logger: logger, quit: make(chan struct{}), done: make(chan struct{})}
	watch := i.refresh()
	go i.loop(watch)
	return i
}

func (i *Instancer) loop(watch <-chan zk.Event) {
	defer close(i.done)
	for {
		var retry *time.Timer
		var retryC <-chan time.Time
		if watch == nil {
			retry = time.NewTimer(retryWait)
			retryC = retry.C
		}
		select {
		case <-watch:
		case <-retryC:
		case <-i.quit:
			if retry != nil {
				retry.Stop()
			}
			return
		}
		watch = i.refresh()
	}
}

// refresh reads the instances, tells subscribers, and returns a channel
// that fires on the next change, or nil after an error.
func (i *Instancer) refresh() <-chan zk.Event {
	instances, watch, err := i.read()
	if err != nil {
		err = fmt.Errorf("zk: %s: %w", i.path, err)
		i.logger.Log("component", "zk", "path", i.path, "err", err)
		i.b.Update(loadbalancer.Event{Err: err})
		return nil
	}
	i.b.Update(loadbalancer.Event{Instances: instances})
	return watch
}

func (i *Instancer) read() ([]string, <-chan zk.Event, error) {
	children, _, watch, err := i.conn.ChildrenW(i.path)
	if errors.Is(err, zk.ErrNoNode) {
		// Watch for the path to appear.
		exists, _, ewatch, err := i.conn.ExistsW(i.path)
		if err != nil {
			return nil, nil, err
		}
		if exists { // created in between
			return i.read()
		}
		return []string{}, ewatch, nil
	}
	if err != nil {
		return nil, nil, err
	}
	instances := make([]string, 0, len(children))
	for _, c := range children {
		data, _, err := i.conn.Get(i.path + "/" + c)
		if errors.Is(err, zk.ErrNoNode) {
			continue // left in between; the watch fires for it
		}
		if err != nil {
			return nil, nil, err
		}
		instances = append(instances, string(data))
	}
	return instances, watch, nil
}

// Register implements loadbalancer.Instancer.
func (i *Instancer) Register(ch chan<- loadbalancer.Event) { i.b.Register(ch) }

// Deregister implements loadbalancer.Instancer.
func (i *Instancer) Deregister(ch chan<- loadbalancer.Event) { i.b.Deregister(ch) }

// Stop stops watching. It is idempotent and does not close the connection.
func (i *Instancer) Stop() {
	i.once.Do(func() {
		close(i.quit)
		<-i.done
	})
}
