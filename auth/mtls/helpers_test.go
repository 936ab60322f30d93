package mtls_test

import (
	"bytes"
	"strings"
	"sync"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's log and the test.
type syncBuffer struct {
	mu      sync.Mutex // guards buf, written
	buf     bytes.Buffer
	written chan struct{} // closed and replaced on each Write
}

// waitFor reports whether the buffer holds s within d.
func (b *syncBuffer) waitFor(s string, d time.Duration) bool {
	timeout := time.After(d)
	for {
		b.mu.Lock()
		ok := strings.Contains(b.buf.String(), s)
		if b.written == nil {
			b.written = make(chan struct{})
		}
		w := b.written
		b.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-w:
		case <-timeout:
			return false
		}
	}
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written != nil {
		close(b.written)
		b.written = nil
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}
