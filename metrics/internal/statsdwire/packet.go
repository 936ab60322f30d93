package statsdwire

import (
	"io"
	"strconv"
)

// This file holds the wire side of a flush: lines packed into packets of
// at most MaxPacketSize bytes, one Write per packet.

// WriteTo writes every pending line to w, packed into packets of at most
// MaxPacketSize bytes, one Write per packet. A line longer than that goes
// alone in its packet. A failed Write drops that packet (counted) and the
// flush goes on with the next; the error returned is the first one seen.
func (e *Engine) WriteTo(w io.Writer) (int64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := &packer{w: w, max: e.cfg.MaxPacketSize, e: e}
	for _, f := range e.flush {
		f(p)
	}
	p.send()
	return p.n, p.err
}

// packer accumulates lines into one packet.
type packer struct {
	w   io.Writer
	max int
	e   *Engine
	buf []byte
	n   int64
	err error
}

// line adds key:value|typ[|@rate]suffix.
func (p *packer) line(key string, value float64, typ string, rate float64, suffix string) {
	start := len(p.buf)
	p.buf = append(p.buf, key...)
	p.buf = append(p.buf, ':')
	p.buf = strconv.AppendFloat(p.buf, value, 'g', -1, 64)
	p.buf = append(p.buf, '|')
	p.buf = append(p.buf, typ...)
	if rate < 1 {
		p.buf = append(p.buf, "|@"...)
		p.buf = strconv.AppendFloat(p.buf, rate, 'g', -1, 64)
	}
	p.buf = append(p.buf, suffix...)
	p.buf = append(p.buf, '\n')
	if len(p.buf) > p.max && start > 0 {
		// The new line does not fit: send what was there, keep the line.
		line := append([]byte(nil), p.buf[start:]...)
		p.buf = p.buf[:start]
		p.send()
		p.buf = append(p.buf, line...)
	}
}

func (p *packer) send() {
	if len(p.buf) == 0 {
		return
	}
	n, err := p.w.Write(p.buf)
	p.n += int64(n)
	if err != nil {
		p.e.dropped.Add(1)
		if p.err == nil {
			p.err = err
		}
	} else {
		p.e.sent.Add(1)
	}
	p.buf = p.buf[:0]
}
