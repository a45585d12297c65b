package main

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
)

// sink answers every POST as Meta does a good batch, without checking or
// recording anything: a server that costs next to nothing, for runs that
// share the machine's CPUs with capi-upload (bench/upload.sh -shared
// -sink), as Meta's servers would not. The full double spends about a
// CPU second per million events checking them.
type sink struct {
	events atomic.Int64
	bufs   sync.Pool
}

// eventStart opens every event capi-upload encodes (mapping.AppendJSON
// writes event_name first): counting it counts the events of a body at
// memchr speed, where a JSON scan would cost what the sink is meant to
// save.
var eventStart = []byte(`{"event_name":`)

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	bp, _ := s.bufs.Get().(*bytes.Buffer)
	if bp == nil {
		bp = new(bytes.Buffer)
	}
	defer func() { bp.Reset(); s.bufs.Put(bp) }()
	if _, err := bp.ReadFrom(r.Body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n := bytes.Count(bp.Bytes(), eventStart)
	s.events.Add(int64(n))
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"events_received":%d,"messages":[],"fbtrace_id":"sink%d"}`, n, s.events.Load())
}
