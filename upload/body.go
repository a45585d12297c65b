package upload

import (
	"io"
	"sync/atomic"
)

// A request body is most of a megabyte, and an upload builds one per
// thousand events: allocating each afresh made a 1M-event upload clear and
// collect 770 MB, which showed as a tenth of its CPU. So Run takes bodies
// from a bodyPool and gives them back once nothing reads them any more.
//
// Who reads a body is not obvious: net/http may still be writing it after
// Client.Do returned (the answer can come before the body is all sent), and
// may rewind it for a retry on a fresh connection. So a body is counted:
// Run holds one reference while it may still send it, and every reader the
// Client hands to net/http holds one until net/http closes it, which the
// Transport promises to do even on errors. A reader never closed only
// means its buffer is left to the garbage collector, never reused early.

// bodyBuf is a request body shared by its readers.
type bodyBuf struct {
	b    []byte
	refs atomic.Int32
	pool *bodyPool
}

func (bb *bodyBuf) acquire() { bb.refs.Add(1) }

func (bb *bodyBuf) release() {
	switch n := bb.refs.Add(-1); {
	case n == 0:
		bb.pool.put(bb)
	case n < 0:
		panic("upload: request body released more often than acquired")
	}
}

// bodyPool keeps up to a fixed number of released bodies: as many as can
// be in flight at once, so that a steady upload allocates none.
type bodyPool struct {
	free chan *bodyBuf
}

func newBodyPool(n int) *bodyPool {
	return &bodyPool{free: make(chan *bodyBuf, n)}
}

// get returns an empty body with room for size bytes and one reference,
// the caller's. A nil pool allocates every body.
func (p *bodyPool) get(size int) *bodyBuf {
	var bb *bodyBuf
	if p == nil {
		bb = &bodyBuf{b: make([]byte, 0, size)}
		bb.refs.Store(1)
		return bb
	}
	select {
	case bb = <-p.free:
		if cap(bb.b) < size {
			bb.b = make([]byte, 0, size)
		}
		bb.b = bb.b[:0]
	default:
		bb = &bodyBuf{b: make([]byte, 0, size), pool: p}
	}
	bb.refs.Store(1)
	return bb
}

// put keeps bb for reuse; a nil pool (the Sender may keep bodies) never
// reuses one.
func (p *bodyPool) put(bb *bodyBuf) {
	if p == nil {
		return
	}
	select {
	case p.free <- bb:
	default: // enough kept; this one goes to the garbage collector
	}
}

// bodyReader reads a request body, head then tail, and releases its
// reference to the shared buffer (nil when the body is not pooled) on its
// first Close.
type bodyReader struct {
	head, tail []byte
	buf        *bodyBuf
	closed     atomic.Bool
}

func newBodyReader(head, tail []byte, buf *bodyBuf) *bodyReader {
	if buf != nil {
		buf.acquire()
	}
	return &bodyReader{head: head, tail: tail, buf: buf}
}

func (r *bodyReader) Read(p []byte) (int, error) {
	if len(r.head) == 0 && len(r.tail) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.head)
	r.head = r.head[n:]
	m := copy(p[n:], r.tail)
	r.tail = r.tail[m:]
	return n + m, nil
}

// WriteTo hands the connection each part in one write, rather than
// through io.Copy's 32 KiB buffer.
func (r *bodyReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for _, part := range []*[]byte{&r.head, &r.tail} {
		for len(*part) > 0 {
			n, err := w.Write(*part)
			total += int64(n)
			*part = (*part)[n:]
			if err != nil {
				return total, err
			}
			if n == 0 {
				return total, io.ErrShortWrite
			}
		}
	}
	return total, nil
}

func (r *bodyReader) Close() error {
	if r.closed.CompareAndSwap(false, true) && r.buf != nil {
		r.buf.release()
	}
	return nil
}
