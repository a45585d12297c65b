package upload

import (
	"capi-upload/capi"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// DryRun is a Sender that writes each request body to
// <dir>/requests/NNNNNN.json (NNNNNN is Request.Seq) instead of sending it,
// and answers as Meta would to a valid batch. Bodies are exactly what the
// Client would send, minus access_token and appsecret_proof, which the
// Client adds. It never opens a network connection.
//
// The bodies are the only files of a run holding (hashed) customer data:
// they are created new, mode 0600, in a directory of mode 0700, and never
// through a link planted in their place (README "Reports").
type DryRun struct {
	dir string

	mu       sync.Mutex
	dirReady bool
}

var _ capi.Sender = (*DryRun)(nil)

// NewDryRun returns a DryRun writing under dir/requests, which it creates
// on the first Send.
func NewDryRun(dir string) *DryRun {
	return &DryRun{dir: filepath.Join(dir, "requests")}
}

// DryRun writes each body before Send returns and keeps no reference.

// WriteError stops a dry run that cannot write a request body: the next
// body would fail the same way, and a file already in the way (say a
// link planted there) is never written through.
type WriteError struct {
	Path string
	Err  error
}

func (e *WriteError) Error() string {
	if errors.Is(e.Err, fs.ErrExist) {
		return fmt.Sprintf("dry run: %s already exists: a dry run writes only new files; remove it or choose another --report-dir", e.Path)
	}
	return fmt.Sprintf("dry run: write %s: %v", e.Path, e.Err)
}

func (e *WriteError) Unwrap() error { return e.Err }

// Send writes req.Body to its file.
func (d *DryRun) Send(ctx context.Context, req *capi.Request) (capi.Response, error) {
	if err := ctx.Err(); err != nil {
		return capi.Response{}, err
	}
	if err := d.mkdir(); err != nil {
		return capi.Response{}, err
	}
	name := filepath.Join(d.dir, fmt.Sprintf("%06d.json", req.Seq))
	// O_EXCL fails on any existing name, a symbolic link included,
	// whatever it points at.
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return capi.Response{}, &WriteError{Path: name, Err: pathErr(err)}
	}
	_, err = f.Write(req.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return capi.Response{}, &WriteError{Path: name, Err: pathErr(err)}
	}
	return capi.Response{HTTPStatus: 200, EventsReceived: req.Events}, nil
}

// mkdir creates the requests directory, mode 0700, once. A directory
// that is already there must be a directory, not a link to one.
func (d *DryRun) mkdir() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dirReady {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(d.dir), 0o755); err != nil {
		return &WriteError{Path: d.dir, Err: pathErr(err)}
	}
	err := os.Mkdir(d.dir, 0o700)
	if errors.Is(err, fs.ErrExist) {
		fi, lerr := os.Lstat(d.dir)
		switch {
		case lerr != nil:
			err = lerr
		case !fi.IsDir():
			err = fmt.Errorf("%w: not a directory (%s)", fs.ErrExist, fi.Mode().Type())
		default:
			err = os.Chmod(d.dir, 0o700)
		}
	}
	if err != nil {
		return &WriteError{Path: d.dir, Err: pathErr(err)}
	}
	d.dirReady = true
	return nil
}

// pathErr drops the path of an *fs.PathError, which WriteError names.
func pathErr(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}
