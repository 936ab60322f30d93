package zk

import (
	"errors"
	"strings"
	"sync"

	"github.com/go-zookeeper/zk"

	"github.com/endpointkit/kit/log"
)

// Service is what a Registrar creates: an ephemeral sequential node named
// Name followed by a sequence number, under Path, holding Data.
type Service struct {
	Path string // the service's path, such as "/services/users"
	Name string // the node name's prefix; empty means "instance"
	Data []byte // the instance's address, as the Instancer reports it
}

// Registrar registers one instance of a service in ZooKeeper, for as long as
// its connection's session lasts. It is safe for concurrent use.
type Registrar struct {
	conn    *zk.Conn
	service Service
	logger  log.Logger

	mu   sync.Mutex // guards node
	node string     // the created node's path; empty when not registered
}

// NewRegistrar returns a Registrar for service; nothing happens until
// Register.
func NewRegistrar(conn *zk.Conn, service Service, logger log.Logger) *Registrar {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	if service.Name == "" {
		service.Name = "instance"
	}
	return &Registrar{conn: conn, service: service, logger: logger}
}

// Register creates the service's path if needed and this instance's node.
// Errors are logged. Calling Register while registered does nothing.
func (r *Registrar) Register() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.node != "" {
		return
	}
	if err := r.createPath(); err != nil {
		r.logger.Log("component", "zk", "path", r.service.Path, "action", "register", "err", err)
		return
	}
	node, err := r.conn.Create(r.service.Path+"/"+r.service.Name+"-", r.service.Data,
		zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil {
		r.logger.Log("component", "zk", "path", r.service.Path, "action", "register", "err", err)
		return
	}
	r.node = node
	r.logger.Log("component", "zk", "node", node, "action", "register")
}

// createPath creates each missing component of the service's path as a
// persistent node.
func (r *Registrar) createPath() error {
	var p string
	for _, part := range strings.Split(strings.Trim(r.service.Path, "/"), "/") {
		p += "/" + part
		_, err := r.conn.Create(p, nil, 0, zk.WorldACL(zk.PermAll))
		if err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return err
		}
	}
	return nil
}

// Deregister deletes this instance's node. Errors are logged (the node
// still goes when the session ends). Calling it when not registered does
// nothing.
func (r *Registrar) Deregister() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.node == "" {
		return
	}
	node := r.node
	r.node = ""
	if err := r.conn.Delete(node, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
		r.logger.Log("component", "zk", "node", node, "action", "deregister", "err", err)
		return
	}
	r.logger.Log("component", "zk", "node", node, "action", "deregister")
}
