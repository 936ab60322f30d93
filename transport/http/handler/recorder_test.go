package handler_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/transport/http/handler"
)

// observed returns a middleware that stores what the Endpoint returned.
func observed(resp **handler.Response, err *error) endpoint.Middleware {
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			r, e := next(ctx, req)
			*resp, _ = r.(*handler.Response)
			*err = e
			return r, e
		}
	}
}

func TestFlushThroughWrapper(t *testing.T) {
	for _, how := range []string{"Flusher", "ResponseController"} {
		t.Run(how, func(t *testing.T) {
			firstRead := make(chan struct{})
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, "first\n")
				if how == "Flusher" {
					f, ok := w.(http.Flusher)
					if !ok {
						t.Error("the wrapper is not an http.Flusher")
						return
					}
					f.Flush()
				} else if err := http.NewResponseController(w).Flush(); err != nil {
					t.Errorf("ResponseController.Flush: %v", err)
					return
				}
				// The client can read the first line only if it was
				// flushed: the handler has not returned yet.
				select {
				case <-firstRead:
				case <-r.Context().Done():
					t.Error("the client never read the flushed line")
					return
				}
				_, _ = io.WriteString(w, "second\n")
			})
			var resp *handler.Response
			var err error
			srv := httptest.NewServer(handler.Middleware(observed(&resp, &err))(h))
			defer srv.Close()

			// The client's timeout turns a flush that never happens into
			// a failure rather than a hung test.
			client := &http.Client{Timeout: 10 * time.Second}
			res, gerr := client.Get(srv.URL)
			if gerr != nil {
				t.Fatal(gerr)
			}
			defer res.Body.Close()
			br := bufio.NewReader(res.Body)
			line, rerr := br.ReadString('\n')
			if rerr != nil || line != "first\n" {
				t.Fatalf("first line %q, %v", line, rerr)
			}
			close(firstRead)
			rest, _ := io.ReadAll(br)
			if string(rest) != "second\n" {
				t.Errorf("rest %q, want \"second\\n\"", rest)
			}
			res.Body.Close()
			srv.Close() // waits for the handler, so resp is set
			if err != nil || resp == nil || resp.Status != 200 || resp.Bytes != 13 {
				t.Errorf("middleware saw %+v, %v; want status 200, 13 bytes, no error", resp, err)
			}
		})
	}
}

func TestHijackThroughWrapper(t *testing.T) {
	for _, how := range []string{"Hijacker", "ResponseController"} {
		t.Run(how, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var conn net.Conn
				var buf *bufio.ReadWriter
				var err error
				if how == "Hijacker" {
					hj, ok := w.(http.Hijacker)
					if !ok {
						t.Error("the wrapper is not an http.Hijacker")
						return
					}
					conn, buf, err = hj.Hijack()
				} else {
					conn, buf, err = http.NewResponseController(w).Hijack()
				}
				if err != nil {
					t.Errorf("Hijack: %v", err)
					return
				}
				defer conn.Close()
				_, _ = buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
				_ = buf.Flush()
				line, _ := buf.ReadString('\n')
				_, _ = buf.WriteString("echo: " + line)
				_ = buf.Flush()
			})
			var resp *handler.Response
			var err error
			// srv.Close does not wait for handlers of hijacked
			// connections: served says when this one returned.
			served := make(chan struct{})
			wrapped := handler.Middleware(observed(&resp, &err))(h)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(served)
				wrapped.ServeHTTP(w, r)
			}))
			defer srv.Close()

			conn, derr := net.Dial("tcp", srv.Listener.Addr().String())
			if derr != nil {
				t.Fatal(derr)
			}
			defer conn.Close()
			_, _ = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhello\n")
			br := bufio.NewReader(conn)
			res, rerr := http.ReadResponse(br, nil)
			if rerr != nil || res.StatusCode != 101 {
				t.Fatalf("upgrade response %v, %v; want 101", res, rerr)
			}
			line, _ := br.ReadString('\n')
			if line != "echo: hello\n" {
				t.Errorf("over the hijacked connection: %q, want \"echo: hello\\n\"", line)
			}
			conn.Close()
			<-served
			if err != nil || resp == nil || resp.Status != 101 {
				t.Errorf("middleware saw %+v, %v; want status 101 and no error", resp, err)
			}
		})
	}
}

// plainWriter is a ResponseWriter that can neither flush nor be hijacked.
type plainWriter struct {
	h    http.Header
	code int
	body strings.Builder
}

func (w *plainWriter) Header() http.Header         { return w.h }
func (w *plainWriter) WriteHeader(c int)           { w.code = c }
func (w *plainWriter) Write(b []byte) (int, error) { return w.body.Write(b) }

func TestUnsupportedFlushAndHijack(t *testing.T) {
	var flushErr, hijackErr error
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		flushErr = http.NewResponseController(w).Flush()
		_, _, hijackErr = w.(http.Hijacker).Hijack()
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.Copy(w, strings.NewReader("copied")) // ReadFrom without a ReaderFrom beneath
	})
	var resp *handler.Response
	var err error
	w := &plainWriter{h: http.Header{}}
	handler.Middleware(observed(&resp, &err))(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if !errors.Is(flushErr, http.ErrNotSupported) || !errors.Is(hijackErr, http.ErrNotSupported) {
		t.Errorf("Flush %v, Hijack %v; want http.ErrNotSupported for both", flushErr, hijackErr)
	}
	if w.code != http.StatusTeapot || w.body.String() != "copied" {
		t.Errorf("written %d %q, want 418 \"copied\"", w.code, w.body.String())
	}
	var se *handler.StatusError
	if resp == nil || resp.Status != 418 || resp.Bytes != 6 || !errors.As(err, &se) || se.StatusCode() != 418 {
		t.Errorf("middleware saw %+v, %v; want status 418, 6 bytes, a *StatusError", resp, err)
	}
}

func TestEarlyHintsNotRecorded(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	var resp *handler.Response
	var err error
	handler.Middleware(observed(&resp, &err))(h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if resp == nil || resp.Status != 503 || endpoint.Classify(context.Background(), resp, err).Kind != endpoint.DependencyFailure {
		t.Errorf("after 103 then 503 the middleware saw %+v, %v; want 503, a dependency failure", resp, err)
	}
}

func TestStatusErrorText(t *testing.T) {
	var resp *handler.Response
	var err error
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(599) })
	handler.Middleware(observed(&resp, &err))(h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if err == nil || err.Error() != "handler: status 599" {
		t.Errorf("error %v, want \"handler: status 599\"", err)
	}
	h = func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }
	handler.Middleware(observed(&resp, &err))(h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if err == nil || err.Error() != "handler: status 404 Not Found" {
		t.Errorf("error %v, want \"handler: status 404 Not Found\"", err)
	}
}

func TestReadFromCountsBytes(t *testing.T) {
	payload := strings.Repeat("x", 100_000)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(io.ReaderFrom); !ok {
			t.Error("the wrapper is not an io.ReaderFrom")
		}
		_, _ = io.Copy(w, strings.NewReader(payload)) // net/http's ReadFrom beneath
	})
	var resp *handler.Response
	var err error
	srv := httptest.NewServer(handler.Middleware(observed(&resp, &err))(h))
	defer srv.Close()
	code, body := get(t, srv.URL)
	srv.Close() // waits for the handler, so resp is set
	if code != 200 || body != payload {
		t.Fatalf("GET: %d, %d bytes; want 200 and the payload", code, len(body))
	}
	if err != nil || resp == nil || resp.Status != 200 || resp.Bytes != int64(len(payload)) {
		t.Errorf("middleware saw %+v, %v; want status 200, %d bytes", resp, err, len(payload))
	}
}
