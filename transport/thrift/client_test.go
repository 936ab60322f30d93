package thrift_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/endpointkit/kit/endpoint"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
	"github.com/endpointkit/kit/transport/thrift/internal/thrifttest"
)

// fakePeer is a raw binary-protocol server whose every connection is
// handled by handle; it counts connections.
type fakePeer struct {
	ln    net.Listener
	conns atomic.Int32
	wg    sync.WaitGroup
}

func startFakePeer(t *testing.T, handle func(nc net.Conn, p thrift.TProtocol)) *fakePeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakePeer{ln: ln}
	var mu sync.Mutex
	var open []net.Conn
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			f.conns.Add(1)
			mu.Lock()
			open = append(open, nc)
			mu.Unlock()
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				defer nc.Close()
				handle(nc, thrift.NewTBinaryProtocolConf(thrift.NewStreamTransportRW(nc), &thrift.TConfiguration{}))
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, nc := range open {
			nc.Close()
		}
		mu.Unlock()
		f.wg.Wait()
	})
	return f
}

// readRequest reads one request and returns its name and sequence id.
func readRequest(p thrift.TProtocol) (string, int32, error) {
	ctx := context.Background()
	name, _, seq, err := p.ReadMessageBegin(ctx)
	if err != nil {
		return "", 0, err
	}
	if err := thrift.SkipDefaultDepth(ctx, p, thrift.STRUCT); err != nil {
		return "", 0, err
	}
	return name, seq, p.ReadMessageEnd(ctx)
}

// writeEchoReply writes an Echo reply carrying s.
func writeEchoReply(p thrift.TProtocol, name string, seq int32, s string) error {
	ctx := context.Background()
	if err := p.WriteMessageBegin(ctx, name, thrift.REPLY, seq); err != nil {
		return err
	}
	r := thrifttest.TestEchoResult{Success: &s}
	if err := r.Write(ctx, p); err != nil {
		return err
	}
	if err := p.WriteMessageEnd(ctx); err != nil {
		return err
	}
	return p.Flush(ctx)
}

// echoPeer answers every Echo with "ok", except that reply, when not nil,
// may change the name and sequence id of the n-th reply (counted from 0
// over all connections) or return false to hang up mid-reply.
func echoPeer(t *testing.T, tamper func(n int, name string, seq int32) (string, int32, bool)) *fakePeer {
	var count atomic.Int32
	return startFakePeer(t, func(nc net.Conn, p thrift.TProtocol) {
		for {
			name, seq, err := readRequest(p)
			if err != nil {
				return
			}
			n := int(count.Add(1) - 1)
			ok := true
			if tamper != nil {
				name, seq, ok = tamper(n, name, seq)
			}
			if !ok {
				// Half a reply, then hang up.
				_, _ = nc.Write([]byte{0x80, 0x01, 0x00, 0x02, 0x00, 0x00})
				return
			}
			if err := writeEchoReply(p, name, seq, "ok"); err != nil {
				return
			}
		}
	})
}

func binaryClient(addr string, call kitthrift.CallFunc) *kitthrift.Client {
	return kitthrift.NewClient(addr, call, kitthrift.ClientProtocol(kitthrift.ProtocolBinary))
}

// TestClientDeadline: a peer that never answers, and a kit server whose
// handler sleeps, are both cut off by the caller's deadline, on time; the
// error is the caller's (or, with endpoint.WithTimeout, this hop's).
func TestClientDeadline(t *testing.T) {
	silent := startFakePeer(t, func(nc net.Conn, p thrift.TProtocol) { _, _ = io.Copy(io.Discard, nc) })
	addr, _ := startServer(t, newTestService(), kitthrift.ConnSettings{})
	for _, tc := range []struct {
		name string
		c    *kitthrift.Client
		req  any
	}{
		{"silent peer", binaryClient(silent.ln.Addr().String(), echoCall), "x"},
		{"sleeping handler", kitthrift.NewClient(addr, sleepCall), int64(10_000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer tc.c.Close()
			const budget = 100 * time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), budget)
			defer cancel()
			start := time.Now()
			_, err := tc.c.Endpoint()(ctx, tc.req)
			took := time.Since(start)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want context.DeadlineExceeded", err)
			}
			if took < budget-5*time.Millisecond || took > budget+400*time.Millisecond {
				t.Errorf("call took %v, want about %v", took, budget)
			}
			if o := endpoint.Classify(ctx, nil, err); o.Kind != endpoint.CallerError {
				t.Errorf("Classify = %v, want caller_error", o)
			}

			hop, cancel2 := endpoint.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel2()
			_, err = tc.c.Endpoint()(hop, tc.req)
			if o := endpoint.Classify(hop, nil, err); o.Kind != endpoint.DependencyFailure || !o.Retryable {
				t.Errorf("with this hop's timeout: Classify = %v, want retryable dependency_failure", o)
			}
			// The server, which got the deadline, may answer
			// ExceptionTimeout a moment before it expires here.
			var ae *kitthrift.ApplicationError
			if !errors.Is(err, endpoint.ErrTimeout) && !(errors.As(err, &ae) && ae.Type == kitthrift.ExceptionTimeout) {
				t.Errorf("err = %v, want it to wrap endpoint.ErrTimeout, or the server's ExceptionTimeout", err)
			}
		})
	}
}

// TestClientCancelDiscardsConnection: a cancelled call returns at once and
// its connection is not reused.
func TestClientCancelDiscardsConnection(t *testing.T) {
	release := make(chan struct{})
	peer := echoPeer(t, func(n int, name string, seq int32) (string, int32, bool) {
		if n == 0 {
			<-release // the first call waits until it was cancelled
		}
		return name, seq, true
	})
	c := binaryClient(peer.ln.Addr().String(), echoCall)
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := c.Endpoint()(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: err = %v, want context.Canceled", err)
	}
	close(release)
	if got, err := c.Endpoint()(context.Background(), "x"); err != nil || got != "ok" {
		t.Fatalf("next call = %v, %v; want ok", got, err)
	}
	if n := peer.conns.Load(); n != 2 {
		t.Errorf("peer saw %d connections, want 2: the cancelled one must not be reused", n)
	}
}

// TestClientBadReplies: wrong sequence ids, wrong names and a reply cut
// short are errors, and the next call gets a fresh connection.
func TestClientBadReplies(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(n int, name string, seq int32) (string, int32, bool)
		typ    int32 // 0: a connection error
	}{
		{"wrong sequence id", func(n int, name string, seq int32) (string, int32, bool) { return name, seq + 7, true }, thrift.BAD_SEQUENCE_ID},
		{"wrong method name", func(n int, name string, seq int32) (string, int32, bool) { return "Other", seq, true }, thrift.WRONG_METHOD_NAME},
		{"close mid-response", func(n int, name string, seq int32) (string, int32, bool) { return name, seq, false }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peer := echoPeer(t, func(n int, name string, seq int32) (string, int32, bool) {
				if n == 0 {
					return tc.tamper(n, name, seq)
				}
				return name, seq, true
			})
			c := binaryClient(peer.ln.Addr().String(), echoCall)
			defer c.Close()
			_, err := c.Endpoint()(context.Background(), "x")
			var ae *kitthrift.ApplicationError
			switch {
			case tc.typ != 0 && (!errors.As(err, &ae) || ae.Type != tc.typ):
				t.Fatalf("err = %v, want an exception of type %d", err, tc.typ)
			case tc.typ == 0 && (err == nil || kitthrift.IsApplicationError(err)):
				t.Fatalf("err = %v, want a connection error", err)
			}
			if o := endpoint.Classify(context.Background(), nil, err); o.Kind != endpoint.DependencyFailure {
				t.Errorf("Classify = %v, want dependency_failure", o)
			}
			if got, err := c.Endpoint()(context.Background(), "x"); err != nil || got != "ok" {
				t.Fatalf("next call = %v, %v; want ok", got, err)
			}
			if n := peer.conns.Load(); n != 2 {
				t.Errorf("peer saw %d connections, want 2", n)
			}
		})
	}
}

// TestClientConcurrent hammers one Client from many goroutines: each call
// takes its own connection, and idle ones are reused.
func TestClientConcurrent(t *testing.T) {
	addr, _ := startServer(t, newTestService(), kitthrift.ConnSettings{})
	c := kitthrift.NewClient(addr, echoCall, kitthrift.ClientMaxIdleConns(64))
	defer c.Close()
	echo := c.Endpoint()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				in := fmt.Sprintf("%d-%d", g, i)
				if got, err := echo(context.Background(), in); err != nil || got != in {
					errs <- fmt.Errorf("Echo(%s) = %v, %v", in, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestClientClose: calls after Close fail; Factory builds closable clients.
func TestClientClose(t *testing.T) {
	addr, _ := startServer(t, newTestService(), kitthrift.ConnSettings{})
	e, closer, err := kitthrift.NewFactory(echoCall)(addr)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e(context.Background(), "a"); err != nil || got != "a" {
		t.Fatalf("Echo = %v, %v", got, err)
	}
	_ = closer.Close()
	if _, err := e(context.Background(), "a"); !errors.Is(err, net.ErrClosed) {
		t.Errorf("after Close: err = %v, want net.ErrClosed", err)
	}
}

// TestClientBoundsReplies: a THeader reply whose zlib payload expands
// beyond the client's MaxMessageSize, or a frame claiming 2 GiB, is an
// error, not an allocation; the connection is dropped.
func TestClientBoundsReplies(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply []byte
	}{
		{"zlib bomb", theaderFrame(0, []uint64{1}, zlibBomb(t, 16<<20))},
		{"2 GiB frame", []byte{0x7f, 0xff, 0xff, 0xff, 0x0f, 0xff}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peer := startFakePeer(t, func(nc net.Conn, _ thrift.TProtocol) {
				var size [4]byte
				if _, err := io.ReadFull(nc, size[:]); err != nil {
					return
				}
				if _, err := io.CopyN(io.Discard, nc, int64(binary.BigEndian.Uint32(size[:]))); err != nil {
					return
				}
				_, _ = nc.Write(tc.reply)
				_, _ = io.Copy(io.Discard, nc)
			})
			c := kitthrift.NewClient(peer.ln.Addr().String(), echoCall, kitthrift.ClientMaxMessageSize(1<<20))
			defer c.Close()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := c.Endpoint()(context.Background(), "x")
			runtime.ReadMemStats(&after)
			if !errors.Is(err, kitthrift.ErrMessageTooLarge) {
				t.Fatalf("err = %v, want ErrMessageTooLarge", err)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
				t.Errorf("the client allocated %d MiB for it", grew>>20)
			}
		})
	}
}

// TestClientHeadersTooLarge: headers past what a THeader frame can carry
// (a 16-bit count of 4-byte words) fail the call with ErrHeadersTooLarge,
// the caller's error, before anything is sent; the library would send a
// frame with a truncated length, which the server cannot parse (the call
// then failed with EOF). Headers just within the limit go through.
func TestClientHeadersTooLarge(t *testing.T) {
	addr, _ := startServer(t, newTestService(), kitthrift.ConnSettings{})
	for _, tc := range []struct {
		name string
		size int
		ok   bool
	}{
		{"200 KiB", 200 << 10, true},
		{"300 KiB", 300 << 10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			big := strings.Repeat("a", tc.size)
			c := kitthrift.NewClient(addr, echoCall, kitthrift.ClientBefore(
				func(ctx context.Context, h thrift.THeaderMap) context.Context { h["big"] = big; return ctx }))
			defer c.Close()
			ctx := context.Background()
			resp, err := c.Endpoint()(ctx, "x")
			if tc.ok {
				if err != nil {
					t.Fatalf("call with %d bytes of headers: %v", tc.size, err)
				}
				return
			}
			if !errors.Is(err, kitthrift.ErrHeadersTooLarge) {
				t.Fatalf("call = %v, %v; want ErrHeadersTooLarge", resp, err)
			}
			if o := endpoint.Classify(ctx, nil, err); o.Kind != endpoint.CallerError || o.Retryable {
				t.Errorf("Classify = %v, want a caller_error, not retryable", o)
			}
		})
	}
}
