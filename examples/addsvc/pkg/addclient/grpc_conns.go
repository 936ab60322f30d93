package addclient

import (
	"crypto/tls"
	"io"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// grpcConns shares one gRPC connection per instance between the Factories
// of every method, counting its users: acquire takes a reference, the
// io.Closer it returns gives it back, and the last reference given back
// closes the connection. So a connection is closed exactly once, when no
// method's endpointer holds the instance any more (it left discovery, or the
// client is closed). It is safe for concurrent use.
type grpcConns struct {
	creds credentials.TransportCredentials // TLS, or insecure
	mu    sync.Mutex                       // guards conns and each sharedConn's refs
	conns map[string]*sharedConn
}

// sharedConn is one instance's connection and its count of users.
type sharedConn struct {
	conn *grpc.ClientConn
	refs int
}

// newGRPCConns returns a grpcConns whose connections speak TLS with cfg,
// or plaintext when cfg is nil.
func newGRPCConns(cfg *tls.Config) *grpcConns {
	creds := insecure.NewCredentials()
	if cfg != nil {
		creds = credentials.NewTLS(cfg)
	}
	return &grpcConns{creds: creds, conns: make(map[string]*sharedConn)}
}

// acquire returns the connection to instance, opening it if no one holds
// it, and the io.Closer that gives this reference back. Closing that Closer
// more than once gives the reference back once.
func (p *grpcConns) acquire(instance string) (*grpc.ClientConn, io.Closer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sc := p.conns[instance]
	if sc == nil {
		// grpc.NewClient does not dial: it is cheap under the lock.
		conn, err := grpc.NewClient(instance, grpc.WithTransportCredentials(p.creds))
		if err != nil {
			return nil, nil, err
		}
		sc = &sharedConn{conn: conn}
		p.conns[instance] = sc
	}
	sc.refs++
	var once sync.Once
	return sc.conn, closerFunc(func() error {
		var err error
		once.Do(func() { err = p.release(instance, sc) })
		return err
	}), nil
}

// release gives back one reference to sc, closing its connection with the
// last one.
func (p *grpcConns) release(instance string, sc *sharedConn) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	sc.refs--
	if sc.refs > 0 {
		return nil
	}
	if p.conns[instance] == sc {
		delete(p.conns, instance)
	}
	return sc.conn.Close()
}
