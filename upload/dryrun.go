package upload

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// DryRun is a Sender that writes each request body to
// <dir>/requests/NNNNNN.json (NNNNNN is Request.Seq) instead of sending it,
// and answers as Meta would to a valid batch. Bodies are exactly what the
// Client would send, minus access_token and appsecret_proof, which the
// Client adds. It never opens a network connection.
type DryRun struct {
	dir string
}

var _ Sender = (*DryRun)(nil)

// NewDryRun returns a DryRun writing under dir/requests, which it creates
// on the first Send.
func NewDryRun(dir string) *DryRun {
	return &DryRun{dir: filepath.Join(dir, "requests")}
}

// DryRun writes each body before Send returns and keeps no reference.
func (*DryRun) reusesBodies() {}

// Send writes req.Body to its file.
func (d *DryRun) Send(ctx context.Context, req *Request) (Response, error) {
	if err := ctx.Err(); err != nil {
		return Response{}, err
	}
	if err := os.MkdirAll(d.dir, 0o755); err != nil {
		return Response{}, fmt.Errorf("dry run: %w", err)
	}
	name := filepath.Join(d.dir, fmt.Sprintf("%06d.json", req.Seq))
	if err := os.WriteFile(name, req.Body, 0o644); err != nil {
		return Response{}, fmt.Errorf("dry run: %w", err)
	}
	return Response{HTTPStatus: 200, EventsReceived: req.Events}, nil
}
