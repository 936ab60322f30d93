// Package hangproxy is a TCP proxy for tests that can stop forwarding
// without closing anything: the peer behind it looks hung (a stopped
// process, a black-holing network), not dead. Discovery sources' tests put
// one between a client and a real registry.
//
//	p := hangproxy.New(t, registryAddr)
//	client := connect(p.Addr())
//	p.Hang()   // bytes are held in both directions; connections stay open
//	p.Resume() // held bytes flow again
//
// A Proxy is safe for concurrent use; New stops it when the test ends.
package hangproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
)

// Proxy forwards every connection accepted on Addr to an upstream address.
type Proxy struct {
	l        net.Listener
	upstream string

	mu      sync.Mutex    // guards flowing, conns, closed
	flowing chan struct{} // closed while bytes flow; open while hung
	conns   []net.Conn
	closed  bool

	done chan struct{} // closed by Close
	wg   sync.WaitGroup
}

// New starts a Proxy on a free loopback port forwarding to upstream
// (host:port), and closes it when t ends.
func New(t testing.TB, upstream string) *Proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("hangproxy: listen: %v", err)
	}
	p := &Proxy{l: l, upstream: upstream, flowing: make(chan struct{}), done: make(chan struct{})}
	close(p.flowing)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Addr is the proxy's address, host:port.
func (p *Proxy) Addr() string { return p.l.Addr().String() }

// Hang stops forwarding: bytes read from either side are held until
// Resume. Connections stay open and new ones are accepted.
func (p *Proxy) Hang() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.flowing:
		p.flowing = make(chan struct{})
	default: // hung already
	}
}

// Resume forwards again, held bytes first.
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.flowing:
	default:
		close(p.flowing)
	}
}

// Close stops accepting, closes every connection and waits for the
// proxy's goroutines. It is idempotent.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.done)
	p.l.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		u, err := net.Dial("tcp", p.upstream)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			u.Close()
			return
		}
		p.conns = append(p.conns, c, u)
		p.wg.Add(2)
		p.mu.Unlock()
		go p.pipe(u, c)
		go p.pipe(c, u)
	}
}

// pipe copies src to dst, waiting at each chunk while the proxy hangs.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			flowing := p.flowing
			p.mu.Unlock()
			select {
			case <-flowing:
			case <-p.done:
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				src.Close()
			}
			return
		}
	}
}
