package upload

import (
	"context"
	"io"
	"net"
)

// Over plain HTTP, net/http hands a request body of known length to the
// connection's ReadFrom wrapped in an io.LimitedReader, and a TCPConn,
// which can splice only from files and sockets, copies it through a
// 32 KiB buffer: an 800 KB body became 25 write calls and one more copy
// of every byte. Against the test double on loopback, that was a sixth of
// what upload costs more than validate. bodyConn writes a body that Run
// built in one call per part instead.
//
// Only plain HTTP takes this path (CAPI_GRAPH_URL pointing at a local
// endpoint or relay). Over HTTPS, TLS sits between net/http and this
// connection and writes its records with Write, which bodyConn leaves as
// it is.

// bodyConn is a net.Conn whose ReadFrom writes a *bodyReader in place.
type bodyConn struct {
	net.Conn
}

// ReadFrom writes a whole *bodyReader under net/http's LimitedReader with
// its WriteTo; anything else goes to the connection's own ReadFrom, as
// it would without the wrapper.
func (c bodyConn) ReadFrom(r io.Reader) (int64, error) {
	if lr, ok := r.(*io.LimitedReader); ok {
		if br, ok := lr.R.(*bodyReader); ok && br.len() == lr.N {
			n, err := br.WriteTo(c.Conn)
			lr.N -= n
			return n, err
		}
	}
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{c.Conn}, r)
}

// writerOnly hides a writer's ReadFrom from io.Copy, which would call it
// back.
type writerOnly struct{ io.Writer }

// dialBodyConns wraps the connections dial makes in bodyConn.
func dialBodyConns(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return bodyConn{c}, nil
	}
}
