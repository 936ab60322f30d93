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

	first     chan struct{} // closed once the first read is published
	firstMu   sync.Mutex    // guards firstDone
	firstDone bool
}

// firstReadTimeout bounds how long NewInstancer waits for its first read:
// a service starting while ZooKeeper hangs is held at most this long.
const firstReadTimeout = 2 * time.Second

// errFirstRead is the error of an Instancer whose first read had no answer
// within firstReadTimeout; the read goes on in the background.
var errFirstRead = errors.New("no answer within 2s")

// NewInstancer returns an Instancer following the children of path. It
// reads them once before returning, waiting at most 2s, so the first
// subscriber gets a real answer (or an error, when ZooKeeper does not answer
// in time; the read goes on in the background), and then watches them until
// Stop. A path that does not exist (yet) holds no instances.
func NewInstancer(conn *zk.Conn, path string, logger log.Logger) *Instancer {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	i := &Instancer{conn: conn, path: path, logger: logger, quit: make(chan struct{}), done: make(chan struct{}), first: make(chan struct{})}
	go i.loop()
	t := time.NewTimer(firstReadTimeout)
	defer t.Stop()
	select {
	case <-i.first:
	case <-t.C:
		i.firstMu.Lock()
		if !i.firstDone {
			i.fail(errFirstRead)
		}
		i.firstMu.Unlock()
	}
	return i
}

// readResult is what one read of the children found.
type readResult struct {
	instances []string
	watch     <-chan zk.Event
	err       error
}

// loop reads, publishes and waits for the next change until Stop. Each read
// runs in a goroutine of its own, so that Stop need not wait for a
// ZooKeeper that hangs: the zk client holds a request until the server
// answers or the connection is given up. Such a read ends in the background
// when it does.
func (i *Instancer) loop() {
	defer close(i.done)
	for n := 0; ; n++ {
		res := make(chan readResult, 1) // buffered: the read may outlive the loop
		go func() {
			var r readResult
			r.instances, r.watch, r.err = i.read()
			res <- r
		}()
		var r readResult
		select {
		case r = <-res:
		case <-i.quit:
			return
		}
		if n == 0 {
			// Published under firstMu, so that NewInstancer's timeout
			// error cannot land after this first answer.
			i.firstMu.Lock()
			i.publish(r)
			i.firstDone = true
			i.firstMu.Unlock()
			close(i.first)
		} else {
			i.publish(r)
		}
		if !i.next(r.watch) {
			return
		}
	}
}

// next waits for watch to fire, or for retryWait when there is no watch (a
// read failed). It reports false when the Instancer is stopped.
func (i *Instancer) next(watch <-chan zk.Event) bool {
	var retryC <-chan time.Time
	if watch == nil {
		retry := time.NewTimer(retryWait)
		defer retry.Stop()
		retryC = retry.C
	}
	select {
	case <-watch:
	case <-retryC:
	case <-i.quit:
		return false
	}
	return true
}

// publish tells subscribers what a read found.
func (i *Instancer) publish(r readResult) {
	if r.err != nil {
		i.fail(r.err)
		return
	}
	i.b.Update(loadbalancer.Event{Instances: r.instances})
}

func (i *Instancer) fail(err error) {
	err = fmt.Errorf("zk: %s: %w", i.path, err)
	i.logger.Log("component", "zk", "path", i.path, "err", err)
	i.b.Update(loadbalancer.Event{Err: err})
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

// Stop stops watching. It returns at once, even while a read waits for a
// ZooKeeper that hangs (that read ends in the background, when ZooKeeper
// answers or the connection is closed). It is idempotent and does not close
// the connection.
func (i *Instancer) Stop() {
	i.once.Do(func() {
		close(i.quit)
		<-i.done
	})
}
