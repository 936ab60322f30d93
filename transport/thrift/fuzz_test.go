package thrift_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	kitthrift "github.com/endpointkit/kit/transport/thrift"
	"github.com/endpointkit/kit/transport/thrift/internal/thrifttest"
)

// FuzzConnServer feeds arbitrary bytes to a ConnServer over net.Pipe, for
// each protocol, and checks that the server neither panics nor hangs, and
// still answers a good request afterwards.
func FuzzConnServer(f *testing.F) {
	valid := binaryCall(f, "Echo", thrift.CALL, echoArgs("hi"))
	f.Add(byte(0), valid)
	f.Add(byte(0), theaderFrame(0, nil, valid))
	f.Add(byte(0), theaderFrame(0, []uint64{1}, zlibBomb(f, 1<<10)))
	f.Add(byte(0), nested(100))
	f.Add(byte(1), valid)
	f.Add(byte(2), []byte{0x82, 0x21, 0x01, 0x04, 'E', 'c', 'h', 'o', 0x18, 0x02, 'h', 'i', 0x00})
	f.Add(byte(3), []byte(`[1,"Echo",1,1,{"1":{"str":"hi"}}]`))
	f.Add(byte(4), append([]byte{0, 0, 0, byte(len(valid))}, valid...))
	f.Fuzz(func(t *testing.T, mode byte, data []byte) {
		settings := kitthrift.ConnSettings{
			Protocol:    kitthrift.Protocol(mode % 4),
			Framed:      mode&4 != 0,
			ReadTimeout: 20 * time.Millisecond,
			IdleTimeout: 20 * time.Millisecond,
		}
		srv := kitthrift.NewConnServer(thrifttest.NewTestProcessor(newTestService()), settings)
		l, stop := serveOnPipe(t, srv)
		defer stop()

		nc := l.dial()
		drained := make(chan error, 1)
		go func() {
			_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err := io.Copy(io.Discard, nc)
			drained <- err
		}()
		_ = nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		_, _ = nc.Write(data)
		// The server must end the exchange itself (an error, the read
		// timeout), without the client closing first.
		if err := <-drained; isTimeoutErr(err) {
			t.Fatalf("the server neither answered nor closed within 5s")
		}
		nc.Close()

		var opts []kitthrift.ClientOption
		opts = append(opts, kitthrift.ClientProtocol(settings.Protocol))
		if settings.Framed {
			opts = append(opts, kitthrift.ClientFramed())
		}
		c := pipeClient(l, echoCall, opts...)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if got, err := c.Endpoint()(ctx, "good"); err != nil || got != "good" {
			t.Fatalf("good request afterwards = %v, %v", got, err)
		}
	})
}

func isTimeoutErr(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}
