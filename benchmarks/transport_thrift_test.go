package benchmarks

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/endpointkit/kit/examples/addsvc/addthrift"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// The workload: Sum of the example's Thrift service (addthrift) over
// loopback TCP, one connection per client goroutine, with the same
// protocol on both sides: "raw" is the generated processor under
// thrift.TSimpleServer and generated clients over thrift.TSocket; "kit" is
// kit's Server (identity codecs) under kit's ConnServer, and kit's Client.

type thriftContestant struct {
	stop     func()
	call     func(ctx context.Context, a, b int64) (int64, error)
	shutdown func(ctx context.Context) error // kit only
}

type rawThriftAdd struct{}

func (rawThriftAdd) Sum(_ context.Context, a, b int64) (*addthrift.SumReply, error) {
	return &addthrift.SumReply{V: a + b}, nil
}

func (rawThriftAdd) Concat(_ context.Context, a, b string) (*addthrift.ConcatReply, error) {
	return &addthrift.ConcatReply{V: a + b}, nil
}

// thriftFactories returns the server and client factories of protocol p,
// "binary" (strict, buffered, unframed) or "header".
func thriftFactories(p string, cfg *thrift.TConfiguration) (thrift.TTransportFactory, thrift.TProtocolFactory) {
	if p == "header" {
		return thrift.NewTHeaderTransportFactoryConf(nil, cfg), thrift.NewTHeaderProtocolFactoryConf(cfg)
	}
	return thrift.NewTBufferedTransportFactory(4096), thrift.NewTBinaryProtocolFactoryConf(cfg)
}

func rawThrift(p string, clients int) thriftContestant {
	cfg := &thrift.TConfiguration{}
	tf, pf := thriftFactories(p, cfg)
	sock, err := thrift.NewTServerSocket("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	if err := sock.Listen(); err != nil {
		panic(err)
	}
	srv := thrift.NewTSimpleServer4(addthrift.NewAddProcessor(rawThriftAdd{}), sock, tf, pf)
	go func() { _ = srv.Serve() }()
	addr := sock.Addr().String()
	// One generated client (and connection) per client goroutine.
	pool := make(chan *addthrift.AddClient, clients)
	var transports []thrift.TTransport
	for range clients {
		trans, err := tf.GetTransport(thrift.NewTSocketConf(addr, cfg))
		if err != nil {
			panic(err)
		}
		if err := trans.Open(); err != nil {
			panic(err)
		}
		transports = append(transports, trans)
		prot := pf.GetProtocol(trans)
		pool <- addthrift.NewAddClient(thrift.NewTStandardClient(prot, prot))
	}
	return thriftContestant{
		stop: func() {
			for _, t := range transports {
				t.Close()
			}
			_ = srv.Stop()
		},
		call: func(ctx context.Context, a, b int64) (int64, error) {
			c := <-pool
			defer func() { pool <- c }()
			r, err := c.Sum(ctx, a, b)
			if err != nil {
				return 0, err
			}
			return r.V, nil
		},
	}
}

type kitThriftAdd struct {
	rawThriftAdd
	sum kitthrift.Handler
}

func (s kitThriftAdd) Sum(ctx context.Context, a, b int64) (*addthrift.SumReply, error) {
	_, resp, err := s.sum.ServeThrift(ctx, [2]int64{a, b})
	if err != nil {
		return nil, err
	}
	return resp.(*addthrift.SumReply), nil
}

func kitThrift(p string, clients int) thriftContestant {
	proto := kitthrift.ProtocolBinary
	if p == "header" {
		proto = kitthrift.ProtocolHeader
	}
	sum := func(_ context.Context, req any) (any, error) {
		ab := req.([2]int64)
		return &addthrift.SumReply{V: ab[0] + ab[1]}, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := kitthrift.NewConnServer(addthrift.NewAddProcessor(kitThriftAdd{sum: kitthrift.NewServer(sum, identity, identity)}),
		kitthrift.ConnSettings{Protocol: proto})
	go func() { _ = srv.Serve(ln) }()
	client := kitthrift.NewClient(ln.Addr().String(), func(ctx context.Context, c thrift.TClient, req any) (any, error) {
		ab := req.([2]int64)
		return addthrift.NewAddClient(c).Sum(ctx, ab[0], ab[1])
	}, kitthrift.ClientProtocol(proto), kitthrift.ClientMaxIdleConns(clients))
	e := client.Endpoint()
	return thriftContestant{
		stop:     func() { client.Close(); _ = srv.Close() },
		shutdown: srv.Shutdown,
		call: func(ctx context.Context, a, b int64) (int64, error) {
			r, err := e(ctx, [2]int64{a, b})
			if err != nil {
				return 0, err
			}
			return r.(*addthrift.SumReply).V, nil
		},
	}
}

var thriftContestants = []struct {
	name string
	new  func(protocol string, clients int) thriftContestant
}{
	{"raw", rawThrift},
	{"kit", kitThrift},
}

// BenchmarkThriftSum runs Sum for each protocol, with the generated code's
// per-request connectivity check on (its default, 5ms) and off
// (thrift.ServerConnectivityCheckInterval = 0), with 1 and 64 clients.
func BenchmarkThriftSum(b *testing.B) {
	for _, check := range []string{"on", "off"} {
		for _, p := range []string{"binary", "header"} {
			for _, clients := range []int{1, 64} {
				for _, c := range thriftContestants {
					b.Run(fmt.Sprintf("check=%s/proto=%s/clients=%d/impl=%s", check, p, clients, c.name), func(b *testing.B) {
						if check == "off" {
							defer func(d time.Duration) { thrift.ServerConnectivityCheckInterval = d }(thrift.ServerConnectivityCheckInterval)
							thrift.ServerConnectivityCheckInterval = 0
						}
						tc := c.new(p, clients)
						defer tc.stop()
						ctx := context.Background()
						runLoad(b, clients, func() error {
							v, err := tc.call(ctx, 1, 2)
							if err == nil && v != 3 {
								err = fmt.Errorf("sum = %d, want 3", v)
							}
							return err
						})
					})
				}
			}
		}
	}
}

// BenchmarkThriftShutdown measures ConnServer.Shutdown with 64 idle
// connections (held in kit's Client's pool, each having made one call).
// thrift.TSimpleServer is not measured: its Stop waits for idle
// connections to close themselves.
func BenchmarkThriftShutdown(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		tc := kitThrift("header", 64)
		done := make(chan error, 64)
		for range 64 {
			go func() { _, err := tc.call(ctx, 1, 2); done <- err }()
		}
		for range 64 {
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if err := tc.shutdown(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		tc.stop()
		b.StartTimer()
	}
}

func TestThriftContestantsAgree(t *testing.T) {
	for _, p := range []string{"binary", "header"} {
		for _, c := range thriftContestants {
			tc := c.new(p, 2)
			v, err := tc.call(context.Background(), 20, 22)
			tc.stop()
			if v != 42 || err != nil {
				t.Errorf("%s %s: sum(20, 22) = %d, %v; want 42", p, c.name, v, err)
			}
		}
	}
}
