package ingest

import (
	"io"
	"sync/atomic"
)

// Progresser is implemented by readers that know how far through their
// file they are, so a progress display can estimate the time left.
type Progresser interface {
	// Progress returns the bytes of the file consumed so far and the
	// file's size, both as stored (compressed, for .csv.gz). It is safe to
	// call from another goroutine while Read runs.
	Progress() (done, total int64)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progressReader is a Reader over a file of known size.
type progressReader struct {
	Reader
	count *countingReader
	size  int64
}

func (p *progressReader) Progress() (done, total int64) { return p.count.n.Load(), p.size }
