package graphite

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"time"
)

// This file holds the sending side of a Graphite: the flushing goroutine
// with its connection and backoff, and the plaintext lines it writes.

func (g *Graphite) loop() {
	defer close(g.done)
	t := time.NewTicker(g.s.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			g.send()
		case <-g.stop:
			g.send()
			if g.conn != nil {
				_ = g.conn.Close()
			}
			return
		}
	}
}

// send writes one flush to carbon, connecting first if needed. Only the
// flushing goroutine calls it.
func (g *Graphite) send() {
	now := time.Now()
	if g.conn == nil {
		if !g.bo.ready(now) {
			g.dropFlush()
			return
		}
		conn, err := net.DialTimeout("tcp", g.addr, g.s.Timeout)
		if err != nil {
			g.bo.failure(now)
			g.dropFlush()
			return
		}
		g.conn = conn
	}
	_ = g.conn.SetWriteDeadline(now.Add(g.s.Timeout))
	if _, err := g.WriteTo(g.conn); err != nil {
		// WriteTo counted the drop. The server went away or stalled:
		// reconnect on a later flush, after a backoff.
		_ = g.conn.Close()
		g.conn = nil
		g.bo.failure(now)
		return
	}
	g.bo.success()
}

// dropFlush discards one flush's histogram windows (counters and gauges
// keep their values for the next) and counts it.
func (g *Graphite) dropFlush() {
	_, _ = g.write(io.Discard, time.Now())
	g.dropped.Add(1)
}

// Stop sends what is pending (if carbon can be reached), stops the flushing
// goroutine and closes the connection. It waits for that last flush, which
// takes at most about twice Timeout (a dial, then the writes) when carbon is
// unreachable or stalled. It is safe to call more than once.
func (g *Graphite) Stop() {
	if g.stop == nil {
		return
	}
	g.once.Do(func() {
		close(g.stop)
		<-g.done
	})
}

// Sent returns the number of flushes written.
func (g *Graphite) Sent() uint64 { return g.sent.Load() }

// Dropped returns the number of flushes not written: carbon unreachable,
// waiting for a reconnection, or a failed write.
func (g *Graphite) Dropped() uint64 { return g.dropped.Load() }

// WriteTo writes one flush to w, stamped with the current time; it is
// shorthand for WriteToAt(w, time.Now()). The flushing goroutine uses it;
// call it yourself when New was given no address.
func (g *Graphite) WriteTo(w io.Writer) (int64, error) { return g.WriteToAt(w, time.Now()) }

// WriteToAt writes one flush to w: every series' line, stamped with now
// (to the second, as carbon's plaintext protocol has it). A failed write
// counts as a dropped flush. It is the explicit-instant form of WriteTo, for
// callers that send themselves and stamp their own time (a batch job
// reporting for the period it covered, a test).
func (g *Graphite) WriteToAt(w io.Writer, now time.Time) (int64, error) {
	n, err := g.write(w, now)
	if err != nil {
		g.dropped.Add(1)
	} else {
		g.sent.Add(1)
	}
	return n, err
}

// write writes one flush stamped now to w without counting it.
func (g *Graphite) write(w io.Writer, now time.Time) (int64, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	cw := &countingWriter{w: w}
	bw := bufio.NewWriter(cw)
	ts := now.Unix()
	for _, f := range g.flush {
		f(bw, ts)
	}
	err := bw.Flush()
	return cw.n, err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func line(w *bufio.Writer, path string, v float64, ts int64) {
	var buf [64]byte
	_, _ = w.WriteString(path)
	b := append(buf[:0], ' ')
	b = strconv.AppendFloat(b, v, 'g', -1, 64)
	b = append(b, ' ')
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, '\n')
	_, _ = w.Write(b)
}
